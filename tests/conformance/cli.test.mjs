// The aws CLI (botocore) as a second client, when it is installed. CI machines
// may not have it (only apt and npm); the JS SDK is the primary judge, so these
// tests skip with a reason when `aws --version` cannot run.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { startServer, uniq, teardown, AWS_CLI } from './harness.mjs';

let awsVersion = null;
try {
  awsVersion = execFileSync(AWS_CLI, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30000 }).trim();
} catch { /* not installed */ }
const SKIP = awsVersion ? false : 'aws CLI not installed (`aws --version` failed); the JS SDK tests cover the API';

let srv;
let tlsSrv;
before(async () => {
  if (SKIP) return;
  srv = await startServer();
  tlsSrv = await startServer({ tls: true });
});
after(() => teardown(srv, tlsSrv));

// Keys from the environment would win over the credentials file.
const cleanEnv = Object.fromEntries(Object.entries(process.env)
  .filter(([k]) => !['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_CA_BUNDLE', 'AWS_ENDPOINT_URL'].includes(k)));

function aws(server, args, env = {}, service = 'logs') {
  return new Promise((resolve) => {
    execFile(AWS_CLI, ['--endpoint-url', server.endpoint, '--output', 'json', service, ...args], {
      timeout: 60000,
      env: {
        ...cleanEnv,
        AWS_SHARED_CREDENTIALS_FILE: server.credentialsFile(),
        AWS_CONFIG_FILE: '/dev/null',
        AWS_PROFILE: 'default',
        AWS_DEFAULT_REGION: 'us-east-1',
        AWS_REGION: 'us-east-1',
        AWS_PAGER: '',
        ...env,
      },
    }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr, json: stdout.trim() ? JSON.parse(stdout) : undefined });
    });
  });
}

describe('aws CLI', () => {
  test('create-export-task into a bucket whose policy lets the logs service in', { skip: SKIP }, async () => {
    const g = uniq('cliexp');
    const b = uniq('cliexp').toLowerCase().replace(/[^a-z0-9-]/g, '-');
    const t = Date.now() - 1000;
    for (const args of [['create-log-group', '--log-group-name', g],
      ['create-log-stream', '--log-group-name', g, '--log-stream-name', 's'],
      ['put-log-events', '--log-group-name', g, '--log-stream-name', 's', '--log-events', JSON.stringify([{ timestamp: t, message: 'exported' }])]]) {
      const r = await aws(srv, args);
      assert.equal(r.code, 0, r.stderr);
    }
    let r = await aws(srv, ['create-bucket', '--bucket', b], {}, 's3api');
    assert.equal(r.code, 0, r.stderr);
    r = await aws(srv, ['create-export-task', '--log-group-name', g, '--from', '0', '--to', String(Date.now()), '--destination', b]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /InvalidParameterException.*GetBucketAcl call on the given bucket failed/);
    const svc = { Service: 'logs.us-east-1.amazonaws.com' };
    const cond = { StringEquals: { 'aws:SourceAccount': srv.adminAccountId } };
    r = await aws(srv, ['put-bucket-policy', '--bucket', b, '--policy', JSON.stringify({ Version: '2012-10-17', Statement: [
      { Effect: 'Allow', Principal: svc, Action: 's3:GetBucketAcl', Resource: `arn:aws:s3:::${b}`, Condition: cond },
      { Effect: 'Allow', Principal: svc, Action: 's3:PutObject', Resource: `arn:aws:s3:::${b}/*`, Condition: cond }] })], {}, 's3api');
    assert.equal(r.code, 0, r.stderr);
    r = await aws(srv, ['create-export-task', '--log-group-name', g, '--from', '0', '--to', String(Date.now()), '--destination', b]);
    assert.equal(r.code, 0, r.stderr);
    const id = r.json.taskId;
    let code;
    for (let i = 0; i < 100 && code !== 'COMPLETED'; i++) {
      r = await aws(srv, ['describe-export-tasks', '--task-id', id]);
      assert.equal(r.code, 0, r.stderr);
      code = r.json.exportTasks[0].status.code;
    }
    assert.equal(code, 'COMPLETED');
    r = await aws(srv, ['list-objects-v2', '--bucket', b], {}, 's3api');
    assert.deepEqual(r.json.Contents.map((o) => o.Key).sort(), [`exportedlogs/${id}/s/000000.gz`, 'exportedlogs/aws-logs-write-test'].sort());
  });

  test('create group and stream, put, get, filter, describe', { skip: SKIP }, async () => {
    const g = uniq('cli');
    let r = await aws(srv, ['create-log-group', '--log-group-name', g]);
    assert.equal(r.code, 0, r.stderr);
    r = await aws(srv, ['create-log-stream', '--log-group-name', g, '--log-stream-name', 's']);
    assert.equal(r.code, 0, r.stderr);
    const t = Date.now() - 1000;
    r = await aws(srv, ['put-log-events', '--log-group-name', g, '--log-stream-name', 's', '--log-events',
      JSON.stringify([{ timestamp: t, message: 'hello from cli' }, { timestamp: t + 1, message: 'ERROR second' }])]);
    assert.equal(r.code, 0, r.stderr);
    r = await aws(srv, ['get-log-events', '--log-group-name', g, '--log-stream-name', 's', '--start-from-head']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.json.events.map((e) => [e.timestamp, e.message]), [[t, 'hello from cli'], [t + 1, 'ERROR second']]);
    r = await aws(srv, ['filter-log-events', '--log-group-name', g, '--filter-pattern', 'ERROR']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.json.events.map((e) => [e.logStreamName, e.message]), [['s', 'ERROR second']]);
    r = await aws(srv, ['describe-log-groups', '--log-group-name-prefix', g]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.logGroups[0].logGroupName, g);
    assert.equal(r.json.logGroups[0].arn, `arn:aws:logs:us-east-1:${srv.adminAccountId}:log-group:${g}:*`);
  });

  test('CLI pagination follows nextToken across pages', { skip: SKIP }, async () => {
    const base = uniq('clipage');
    for (let i = 0; i < 5; i++) {
      const r = await aws(srv, ['create-log-group', '--log-group-name', `${base}-${i}`]);
      assert.equal(r.code, 0, r.stderr);
    }
    // --page-size 2 makes the CLI call DescribeLogGroups with limit 2 and follow nextToken.
    const r = await aws(srv, ['describe-log-groups', '--log-group-name-prefix', base, '--page-size', '2']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.json.logGroups.map((x) => x.logGroupName), [0, 1, 2, 3, 4].map((i) => `${base}-${i}`));
  });

  test('errors surface with the AWS error code and message', { skip: SKIP }, async () => {
    const g = uniq('clierr');
    assert.equal((await aws(srv, ['create-log-group', '--log-group-name', g])).code, 0);
    const r = await aws(srv, ['create-log-group', '--log-group-name', g]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /An error occurred \(ResourceAlreadyExistsException\) when calling the CreateLogGroup operation: The specified log group already exists/);
  });

  test('over TLS with AWS_CA_BUNDLE = DIR/tls/ca.crt', { skip: SKIP }, async () => {
    const g = uniq('clitls');
    const r = await aws(tlsSrv, ['create-log-group', '--log-group-name', g], { AWS_CA_BUNDLE: tlsSrv.caPath() });
    assert.equal(r.code, 0, r.stderr);
    const d = await aws(tlsSrv, ['describe-log-groups', '--log-group-name-prefix', g], { AWS_CA_BUNDLE: tlsSrv.caPath() });
    assert.equal(d.json.logGroups[0].logGroupName, g);
  });
});
