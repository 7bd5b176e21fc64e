// CloudWatch Logs export tasks (CreateExportTask / DescribeExportTasks /
// CancelExportTask) through @aws-sdk/client-cloudwatch-logs, read back with
// @aws-sdk/client-s3.
//
// What this shows beyond the API: the objects are written by the service
// principal logs.REGION.amazonaws.com, so only the bucket policy can let it
// in (a service has no identity policies), and the confused-deputy keys
// aws:SourceAccount / aws:SourceArn that AWS's documented export policy
// conditions on are in its requests ("Exporting log data to Amazon S3":
// s3:GetBucketAcl on the bucket, s3:PutObject with s3:x-amz-acl
// bucket-owner-full-control on the keys).  AWS's API reference: one active
// (PENDING or RUNNING) task per account; destinationPrefix defaults to
// "exportedlogs"; events with from <= timestamp <= to are exported.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import {
  CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand, CreateExportTaskCommand,
  DescribeExportTasksCommand, CancelExportTaskCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateBucketCommand, PutBucketPolicyCommand, GetObjectCommand, ListObjectsV2Command,
} from '@aws-sdk/client-s3';
import { startServer, expectAwsError, teardown, uniq, sleep, REGION } from './harness.mjs';
import { s3Client, policyDoc } from './s3-helpers.mjs';

let srv;
let logs;
let s3;
let acct;
before(async () => {
  srv = await startServer();
  logs = srv.client();
  s3 = s3Client(srv);
  acct = srv.adminAccountId;
});
after(() => teardown(srv));

const SERVICE = `logs.${REGION}.amazonaws.com`;
const bucketName = (p) => uniq(p).toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 63);

/** AWS's documented export bucket policy, with the confused-deputy conditions. */
function exportPolicy(bucket, { sourceAccount = acct, sourceArn = `arn:aws:logs:${REGION}:${acct}:log-group:*`,
  getAcl = true } = {}) {
  const cond = { StringEquals: { 'aws:SourceAccount': sourceAccount }, ArnLike: { 'aws:SourceArn': sourceArn } };
  const st = [{
    Effect: 'Allow', Principal: { Service: SERVICE }, Action: 's3:PutObject', Resource: `arn:aws:s3:::${bucket}/*`,
    Condition: { ...cond, StringEquals: { ...cond.StringEquals, 's3:x-amz-acl': 'bucket-owner-full-control' } },
  }];
  if (getAcl) st.push({ Effect: 'Allow', Principal: { Service: SERVICE }, Action: 's3:GetBucketAcl',
    Resource: `arn:aws:s3:::${bucket}`, Condition: cond });
  return policyDoc(...st);
}

async function bucketWith(policy) {
  const b = bucketName('exp');
  await s3.send(new CreateBucketCommand({ Bucket: b }));
  if (policy) await s3.send(new PutBucketPolicyCommand({ Bucket: b, Policy: policy(b) }));
  return b;
}

async function groupWithEvents(streams) {
  const g = uniq('/export/g');
  await logs.send(new CreateLogGroupCommand({ logGroupName: g }));
  for (const [s, events] of Object.entries(streams)) {
    await logs.send(new CreateLogStreamCommand({ logGroupName: g, logStreamName: s }));
    if (events.length) await logs.send(new PutLogEventsCommand({ logGroupName: g, logStreamName: s, logEvents: events }));
  }
  return g;
}

async function waitFor(taskId, codes = ['COMPLETED', 'FAILED', 'CANCELLED']) {
  for (let i = 0; i < 200; i++) {
    const r = await logs.send(new DescribeExportTasksCommand({ taskId }));
    assert.equal(r.exportTasks.length, 1);
    if (codes.includes(r.exportTasks[0].status.code)) return r.exportTasks[0];
    await sleep(50);
  }
  throw new Error(`export task ${taskId} did not finish`);
}

const body = async (b, k) => Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: b, Key: k })))
  .Body.transformToByteArray());
const keys = async (b) => ((await s3.send(new ListObjectsV2Command({ Bucket: b }))).Contents ?? []).map((o) => o.Key).sort();

describe('export to S3 as the CloudWatch Logs service principal', () => {
  test('events in [from, to] of every stream land gzipped at <prefix>/<taskId>/<stream>/000000.gz', async () => {
    const t0 = Date.now() - 60_000;
    const g = await groupWithEvents({
      a: [{ timestamp: t0, message: 'before' }, { timestamp: t0 + 1000, message: 'first' },
        { timestamp: t0 + 2000, message: 'second {"k":1}' }, { timestamp: t0 + 3000, message: 'after' }],
      b: [{ timestamp: t0 + 1500, message: 'from b' }],
      empty: [],
      'c/slash': [{ timestamp: t0 + 5000, message: 'outside' }],
    });
    const b = await bucketWith(exportPolicy);
    const { taskId } = await logs.send(new CreateExportTaskCommand({
      taskName: 'nightly', logGroupName: g, from: t0 + 1000, to: t0 + 2000, destination: b, destinationPrefix: 'exp' }));
    assert.match(taskId, /^[0-9a-f-]{36}$/);
    const t = await waitFor(taskId);
    assert.equal(t.status.code, 'COMPLETED', JSON.stringify(t.status));
    assert.equal(t.taskName, 'nightly');
    assert.equal(t.logGroupName, g);
    assert.equal(t.destination, b);
    assert.equal(t.destinationPrefix, 'exp');
    assert.equal(t.from, t0 + 1000);
    assert.equal(t.to, t0 + 2000);
    assert.ok(t.executionInfo.creationTime <= t.executionInfo.completionTime);
    assert.deepEqual(await keys(b), ['exp/aws-logs-write-test', `exp/${taskId}/a/000000.gz`, `exp/${taskId}/b/000000.gz`].sort());
    assert.equal((await body(b, 'exp/aws-logs-write-test')).toString(), 'Permission Check Successful');
    const iso = (ms) => new Date(ms).toISOString();
    assert.equal(gunzipSync(await body(b, `exp/${taskId}/a/000000.gz`)).toString(),
      `${iso(t0 + 1000)} first\n${iso(t0 + 2000)} second {"k":1}\n`);
    assert.equal(gunzipSync(await body(b, `exp/${taskId}/b/000000.gz`)).toString(), `${iso(t0 + 1500)} from b\n`);
  });

  test('a stream larger than one read page (8 MiB) is exported whole', async () => {
    const g = uniq('/export/big');
    await logs.send(new CreateLogGroupCommand({ logGroupName: g }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: g, logStreamName: 's' }));
    const t0 = Date.now() - 60_000;
    let n = 0;
    for (let call = 0; call < 10; call++) {
      const events = [];
      for (let i = 0; i < 5; i++, n++) events.push({ timestamp: t0 + n, message: `${n}:`.padEnd(200_000, 'x') });
      await logs.send(new PutLogEventsCommand({ logGroupName: g, logStreamName: 's', logEvents: events }));
    }
    const b = await bucketWith(exportPolicy);
    const { taskId } = await logs.send(new CreateExportTaskCommand({ logGroupName: g, from: 0, to: Date.now(), destination: b }));
    assert.equal((await waitFor(taskId)).status.code, 'COMPLETED');
    const lines = gunzipSync(await body(b, `exportedlogs/${taskId}/s/000000.gz`)).toString().split('\n').filter(Boolean);
    assert.equal(lines.length, n, 'every event, across pages');
    assert.deepEqual(lines.map((l) => Number(l.split(' ')[1].split(':')[0])), [...Array(n).keys()]);
  });

  test('logStreamNamePrefix and the default prefix "exportedlogs"', async () => {
    const t0 = Date.now() - 60_000;
    const g = await groupWithEvents({ 'web-1': [{ timestamp: t0, message: 'w' }], 'db-1': [{ timestamp: t0, message: 'd' }] });
    const b = await bucketWith(exportPolicy);
    const { taskId } = await logs.send(new CreateExportTaskCommand({
      logGroupName: g, logStreamNamePrefix: 'web', from: 0, to: Date.now(), destination: b }));
    const t = await waitFor(taskId);
    assert.equal(t.status.code, 'COMPLETED');
    assert.equal(t.destinationPrefix, 'exportedlogs');
    assert.deepEqual(await keys(b), [`exportedlogs/${taskId}/web-1/000000.gz`, 'exportedlogs/aws-logs-write-test'].sort());
  });

  test('no bucket policy: the service may not read the ACL, the task is refused', async () => {
    const g = await groupWithEvents({ s: [] });
    const b = await bucketWith(null);
    await expectAwsError(() => logs.send(new CreateExportTaskCommand({ logGroupName: g, from: 0, to: 1, destination: b })),
      'InvalidParameterException',
      'GetBucketAcl call on the given bucket failed. Please check if CloudWatch Logs has been granted permission to perform this operation.');
    assert.deepEqual(await keys(b), []);
  });

  test('GetBucketAcl allowed but not PutObject: PutObject call ... failed', async () => {
    const g = await groupWithEvents({ s: [] });
    const b = await bucketWith((bk) => policyDoc({ Effect: 'Allow', Principal: { Service: SERVICE },
      Action: 's3:GetBucketAcl', Resource: `arn:aws:s3:::${bk}` }));
    await expectAwsError(() => logs.send(new CreateExportTaskCommand({ logGroupName: g, from: 0, to: 1, destination: b })),
      'InvalidParameterException',
      'PutObject call on the given bucket failed. Please check if CloudWatch Logs has been granted permission to perform this operation.');
  });

  test('aws:SourceAccount names another account: denied (the confused-deputy guard works)', async () => {
    const g = await groupWithEvents({ s: [] });
    const b = await bucketWith((bk) => exportPolicy(bk, { sourceAccount: '999999999999' }));
    await expectAwsError(() => logs.send(new CreateExportTaskCommand({ logGroupName: g, from: 0, to: 1, destination: b })),
      'InvalidParameterException', /GetBucketAcl call on the given bucket failed/);
  });

  test('aws:SourceArn is the log group: a policy for another group denies, for this one allows', async () => {
    const g = await groupWithEvents({ s: [{ timestamp: Date.now() - 1000, message: 'm' }] });
    const other = await bucketWith((bk) => exportPolicy(bk, { sourceArn: `arn:aws:logs:${REGION}:${acct}:log-group:/not/this` }));
    await expectAwsError(() => logs.send(new CreateExportTaskCommand({ logGroupName: g, from: 0, to: Date.now(), destination: other })),
      'InvalidParameterException', /GetBucketAcl call on the given bucket failed/);
    const mine = await bucketWith((bk) => exportPolicy(bk, { sourceArn: `arn:aws:logs:${REGION}:${acct}:log-group:${g}` }));
    const { taskId } = await logs.send(new CreateExportTaskCommand({ logGroupName: g, from: 0, to: Date.now(), destination: mine }));
    assert.equal((await waitFor(taskId)).status.code, 'COMPLETED');
  });

  test('a principal named AWS, not Service, does not let the service in', async () => {
    const g = await groupWithEvents({ s: [] });
    const b = await bucketWith((bk) => policyDoc({ Effect: 'Allow', Principal: { AWS: acct },
      Action: ['s3:GetBucketAcl', 's3:PutObject'], Resource: [`arn:aws:s3:::${bk}`, `arn:aws:s3:::${bk}/*`] }));
    await expectAwsError(() => logs.send(new CreateExportTaskCommand({ logGroupName: g, from: 0, to: 1, destination: b })),
      'InvalidParameterException', /GetBucketAcl call on the given bucket failed/);
  });
});

describe('the task API', () => {
  test('errors: unknown group, unknown bucket, to < from, unknown task', async () => {
    const b = await bucketWith(exportPolicy);
    await expectAwsError(() => logs.send(new CreateExportTaskCommand({ logGroupName: uniq('/nope'), from: 0, to: 1, destination: b })),
      'ResourceNotFoundException', 'The specified log group does not exist.');
    const g = await groupWithEvents({ s: [] });
    await expectAwsError(() => logs.send(new CreateExportTaskCommand({ logGroupName: g, from: 0, to: 1, destination: bucketName('nobucket') })),
      'InvalidParameterException', 'The given bucket does not exist. Please make sure the bucket is valid.');
    await expectAwsError(() => logs.send(new CreateExportTaskCommand({ logGroupName: g, from: 10, to: 5, destination: b })),
      'InvalidParameterException', /'to' timestamp/);
    await expectAwsError(() => logs.send(new CancelExportTaskCommand({ taskId: '00000000-0000-4000-8000-000000000000' })),
      'ResourceNotFoundException', 'The specified export task does not exist.');
    const r = await logs.send(new DescribeExportTasksCommand({ taskId: '00000000-0000-4000-8000-000000000000' }));
    assert.deepEqual(r.exportTasks, []);
  });

  test('a finished task cannot be cancelled; Describe filters by status and pages', async () => {
    const g = await groupWithEvents({ s: [{ timestamp: Date.now() - 1000, message: 'm' }] });
    const b = await bucketWith(exportPolicy);
    const ids = [];
    for (let i = 0; i < 3; i++) {
      const { taskId } = await logs.send(new CreateExportTaskCommand({ logGroupName: g, from: 0, to: Date.now(), destination: b, destinationPrefix: `p${i}` }));
      assert.equal((await waitFor(taskId)).status.code, 'COMPLETED');
      ids.push(taskId);
    }
    await expectAwsError(() => logs.send(new CancelExportTaskCommand({ taskId: ids[0] })),
      'InvalidOperationException', 'The specified export task has already finished.');
    const seen = [];
    let nextToken;
    do {
      const r = await logs.send(new DescribeExportTasksCommand({ statusCode: 'COMPLETED', limit: 2, nextToken }));
      assert.ok(r.exportTasks.length <= 2);
      for (const t of r.exportTasks) { assert.equal(t.status.code, 'COMPLETED'); seen.push(t.taskId); }
      nextToken = r.nextToken;
    } while (nextToken);
    for (const id of ids) assert.ok(seen.includes(id));
    // Newest first.
    assert.ok(seen.indexOf(ids[2]) < seen.indexOf(ids[0]));
    const none = await logs.send(new DescribeExportTasksCommand({ statusCode: 'RUNNING' }));
    assert.ok(none.exportTasks.every((t) => t.status.code === 'RUNNING'));
    await expectAwsError(() => logs.send(new DescribeExportTasksCommand({ nextToken: 'garbage' })),
      'InvalidParameterException', 'The specified nextToken is invalid.');
  });

  test('another account sees none of this account\'s tasks', async () => {
    const g = await groupWithEvents({ s: [] });
    const b = await bucketWith(exportPolicy);
    const { taskId } = await logs.send(new CreateExportTaskCommand({ logGroupName: g, from: 0, to: 1, destination: b }));
    await waitFor(taskId);
    const other = uniq('exp_other');
    await srv.accountCreate(other);
    const logsB = srv.client({ credentials: srv.credentials(other) });
    assert.deepEqual((await logsB.send(new DescribeExportTasksCommand({ taskId }))).exportTasks, []);
    await expectAwsError(() => logsB.send(new CancelExportTaskCommand({ taskId })),
      'ResourceNotFoundException', 'The specified export task does not exist.');
  });
});

describe('the caller\'s own permission', () => {
  test('logs:CreateExportTask on the log group is required; the bucket side is the service\'s', async () => {
    const { CreateUserCommand, CreateAccessKeyCommand, PutUserPolicyCommand } = await import('@aws-sdk/client-iam');
    const { iamClient, name } = await import('./iam-helpers.mjs');
    const iam = iamClient(srv, srv.credentials());
    const g = await groupWithEvents({ s: [{ timestamp: Date.now() - 1000, message: 'm' }] });
    const b = await bucketWith(exportPolicy);
    const u = name('exporter');
    await iam.send(new CreateUserCommand({ UserName: u }));
    const k = (await iam.send(new CreateAccessKeyCommand({ UserName: u }))).AccessKey;
    const userLogs = srv.client({ credentials: { accessKeyId: k.AccessKeyId, secretAccessKey: k.SecretAccessKey } });
    const groupArn = `arn:aws:logs:${REGION}:${acct}:log-group:${g}`;
    await expectAwsError(() => userLogs.send(new CreateExportTaskCommand({ logGroupName: g, from: 0, to: Date.now(), destination: b })),
      'AccessDeniedException',
      `User: arn:aws:iam::${acct}:user/${u} is not authorized to perform: logs:CreateExportTask on resource: ${groupArn} because no identity-based policy allows the logs:CreateExportTask action`);
    // Only the logs action: the user needs no S3 permission of its own.
    await iam.send(new PutUserPolicyCommand({ UserName: u, PolicyName: 'p', PolicyDocument: JSON.stringify({
      Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['logs:CreateExportTask', 'logs:DescribeExportTasks'], Resource: '*' }] }) }));
    let taskId;
    for (let i = 0; i < 50 && !taskId; i++) {
      try {
        ({ taskId } = await userLogs.send(new CreateExportTaskCommand({ logGroupName: g, from: 0, to: Date.now(), destination: b })));
      } catch (e) {
        if (e.name !== 'LimitExceededException') throw e;   // an earlier test's task still active
        await sleep(50);
      }
    }
    assert.equal((await waitFor(taskId)).status.code, 'COMPLETED');
  });
});
