// The log-source catalog from the outside: DescribeConfigurationTemplates
// (AWS SDK for JavaScript v3) with its filters and paging, `sluice catalog`
// (table and --json), `sluice serve --catalog` with a bad and with a good
// operator file, and `--help` of every subcommand (status 0, stdout, no
// ./data created).
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import {
  DescribeConfigurationTemplatesCommand, PutDeliverySourceCommand,
  paginateDescribeConfigurationTemplates,
} from '@aws-sdk/client-cloudwatch-logs';
import { startServer, teardown, expectAwsError, makeTempDir, SLUICE_BIN } from './harness.mjs';

function run(args, { cwd } = {}) {
  return new Promise((resolve) => {
    execFile(SLUICE_BIN, args, { cwd, timeout: 30000, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

const CUSTOM = `# an operator's service
service acme-queue "ACME queue service"
  owner 111122223333
  allow-action acme-queue:AllowVendedLogDeliveryForResource
  resource queue arn:aws:acme-queue:{region}:{account}:queue/{name}
  logtype ACCESS_LOGS "ACME queue access logs"
    fields resource_arn! event_timestamp!:long operation status:int
    cell CWL V2 v2-cwl
    cell S3 V2 v2-s3
      suffix AWSLogs/{account-id}/acme-queue/{region}/{yyyy}/{MM}/{dd}/
`;

let srv, logs, tmp;
before(async () => {
  tmp = makeTempDir('sluice-catalog-');
  const file = path.join(tmp, 'custom.catalog');
  writeFileSync(file, CUSTOM);
  srv = await startServer({ extraArgs: ['--catalog', file] });
  logs = srv.client();
});
after(async () => {
  await teardown(srv);
  rmSync(tmp, { recursive: true, force: true });
});

const describeAll = async (input = {}) => {
  const out = [];
  for await (const page of paginateDescribeConfigurationTemplates({ client: logs, pageSize: 50 }, input)) {
    out.push(...page.configurationTemplates);
  }
  return out;
};
const key = (t) => `${t.service}|${t.logType}|${t.resourceType}|${t.deliveryDestinationType}`;

describe('DescribeConfigurationTemplates', () => {
  test('CloudFront ACCESS_LOGS to S3: AWS documented defaults', async () => {
    const r = await logs.send(new DescribeConfigurationTemplatesCommand({
      service: 'cloudfront', logTypes: ['ACCESS_LOGS'], deliveryDestinationTypes: ['S3'] }));
    assert.equal(r.configurationTemplates.length, 1);
    assert.equal(r.nextToken, undefined);
    const t = r.configurationTemplates[0];
    assert.equal(t.service, 'cloudfront');
    assert.equal(t.logType, 'ACCESS_LOGS');
    assert.equal(t.resourceType, 'distribution');
    assert.equal(t.deliveryDestinationType, 'S3');
    assert.equal(t.defaultDeliveryConfigValues.s3DeliveryConfiguration.suffixPath, 'AWSLogs/{account-id}/CloudFront/');
    assert.equal(t.defaultDeliveryConfigValues.s3DeliveryConfiguration.enableHiveCompatiblePath, false);
    assert.equal(t.defaultDeliveryConfigValues.recordFields.length, 33);
    assert.deepEqual(t.defaultDeliveryConfigValues.recordFields.slice(0, 3), ['date', 'time', 'x-edge-location']);
    assert.deepEqual(t.allowedSuffixPathFields, ['accountid', 'region', 'DistributionId', 'distributionid', 'yyyy', 'MM', 'dd', 'HH']);
    assert.ok(t.allowedOutputFormats.includes('parquet'));
    assert.equal(t.allowedActionForAllowVendedLogsDeliveryForResource, 'cloudfront:AllowVendedLogDeliveryForResource');
    assert.ok(t.allowedFields.some((f) => f.name === 'cs(Host)' && f.mandatory === false));
    assert.equal(t.permissionModel, undefined);
  });

  test('only V2 cells are listed, parquet only for S3', async () => {
    const all = await describeAll();
    assert.ok(all.length > 100, `templates: ${all.length}`);
    const keys = all.map(key);
    assert.equal(new Set(keys).size, keys.length, 'one template per service/logType/resourceType/destination');
    // V1-only and service-identity sources are not delivery-API sources.
    for (const svc of ['wafv2', 'lambda', 'apigateway', 'route53resolver', 'kafka']) {
      assert.ok(!all.some((t) => t.service === svc), `${svc} listed`);
    }
    for (const t of all) {
      if (t.deliveryDestinationType !== 'S3') assert.ok(!(t.allowedOutputFormats ?? []).includes('parquet'), key(t));
    }
    // NLB: V1 per the seed and V2 today.
    assert.ok(keys.includes('elasticloadbalancing|NLB_ACCESS_LOGS|loadbalancer-net|S3'));
    assert.ok(keys.includes('bedrock|TRACES|knowledge-base|XRAY'));
  });

  test('filters: service, log types, resource types, destination types (AND; OR within)', async () => {
    const elb = await describeAll({ service: 'elasticloadbalancing' });
    assert.ok(elb.length >= 12);
    assert.ok(elb.every((t) => t.service === 'elasticloadbalancing'));
    const two = await describeAll({ logTypes: ['ALB_ACCESS_LOGS', 'NLB_ACCESS_LOGS'] });
    assert.deepEqual([...new Set(two.map((t) => t.logType))].sort(), ['ALB_ACCESS_LOGS', 'NLB_ACCESS_LOGS']);
    const byRes = await describeAll({ resourceTypes: ['loadbalancer-net'] });
    assert.ok(byRes.length >= 3 && byRes.every((t) => t.resourceType === 'loadbalancer-net'));
    const fhcwl = await describeAll({ service: 'workmail', deliveryDestinationTypes: ['FH', 'CWL'] });
    assert.equal(fhcwl.length, 10);
    assert.ok(fhcwl.every((t) => ['FH', 'CWL'].includes(t.deliveryDestinationType)));
    const none = await describeAll({ service: 'cloudfront', resourceTypes: ['loadbalancer-net'] });
    assert.equal(none.length, 0);
    const unknown = await describeAll({ service: 'no-such-service' });
    assert.equal(unknown.length, 0);
  });

  test('paging: limit, nextToken, the same templates in the same order', async () => {
    const all = await describeAll();
    const seen = [];
    let token;
    let pages = 0;
    do {
      const r = await logs.send(new DescribeConfigurationTemplatesCommand({ limit: 7, nextToken: token }));
      assert.ok(r.configurationTemplates.length <= 7);
      seen.push(...r.configurationTemplates.map(key));
      token = r.nextToken;
      pages += 1;
    } while (token);
    assert.deepEqual(seen, all.map(key));
    assert.equal(pages, Math.ceil(all.length / 7));
    const first = await logs.send(new DescribeConfigurationTemplatesCommand({}));
    assert.equal(first.configurationTemplates.length, 50, 'default limit 50');
    assert.ok(first.nextToken);
  });

  test('bad tokens and limits are ValidationException', async () => {
    await expectAwsError(() => logs.send(new DescribeConfigurationTemplatesCommand({ nextToken: 'bogus' })),
      'ValidationException');
    // A real token of another filter names no template of this listing.
    const r = await logs.send(new DescribeConfigurationTemplatesCommand({ service: 'workmail', limit: 1 }));
    assert.ok(r.nextToken);
    await expectAwsError(() => logs.send(new DescribeConfigurationTemplatesCommand({ service: 'cloudfront', nextToken: r.nextToken })),
      'ValidationException');
    await expectAwsError(() => logs.send(new DescribeConfigurationTemplatesCommand({ limit: 51 })), 'ValidationException');
    await expectAwsError(() => logs.send(new DescribeConfigurationTemplatesCommand({ deliveryDestinationTypes: ['NOPE'] })),
      'ValidationException');
  });

  test('a custom catalog service is listed and is a delivery source', async () => {
    const t = await describeAll({ service: 'acme-queue' });
    assert.deepEqual(t.map(key), ['acme-queue|ACCESS_LOGS|queue|CWL', 'acme-queue|ACCESS_LOGS|queue|S3']);
    assert.equal(t[0].allowedActionForAllowVendedLogsDeliveryForResource, 'acme-queue:AllowVendedLogDeliveryForResource');
    assert.deepEqual(t[0].allowedFields, [
      { name: 'resource_arn', mandatory: true }, { name: 'event_timestamp', mandatory: true },
      { name: 'operation', mandatory: false }, { name: 'status', mandatory: false }]);
    assert.equal(t[1].defaultDeliveryConfigValues.s3DeliveryConfiguration.suffixPath,
      'AWSLogs/{account-id}/acme-queue/{region}/{yyyy}/{MM}/{dd}/');
    const r = await logs.send(new PutDeliverySourceCommand({ name: 'acme-src', logType: 'ACCESS_LOGS',
      resourceArn: `arn:aws:acme-queue:us-east-1:${srv.adminAccountId}:queue/q1` }));
    assert.equal(r.deliverySource.service, 'acme-queue');
  });
});

describe('sluice catalog', () => {
  test('--json: every cell of every model, with permissionModel', async () => {
    const r = await run(['catalog', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const { configurationTemplates: all } = JSON.parse(r.stdout);
    const models = new Set(all.map((t) => t.permissionModel));
    for (const m of ['V1', 'V2', 'V1,V2', 'SERVICE_IDENTITY']) assert.ok(models.has(m), m);
    const k = (t) => `${key(t)}=${t.permissionModel}`;
    const keys = all.map(k);
    assert.ok(keys.includes('cloudfront|ACCESS_LOGS|distribution|S3=V1,V2'));
    assert.ok(keys.includes('wafv2|WAF_LOGS|webacl|FH=SERVICE_IDENTITY'));
    assert.ok(keys.includes('apigateway|ACCESS_LOGS|stage-rest|CWL=V1'));
    const lambda = all.find((t) => t.service === 'lambda');
    assert.equal(lambda.serviceLogGroup, '/aws/lambda/{name}');
    // Every seed row shows up in the table view.
    const table = await run(['catalog']);
    assert.equal(table.code, 0, table.stderr);
    const rows = new Set(table.stdout.split('\n').map((l) => /^(\d+)\s+\S+\s+[A-Z][A-Z0-9_]*\s/.exec(l)?.[1]).filter(Boolean));
    assert.equal(rows.size, 59);
  });

  test('--catalog FILE adds the custom service', async () => {
    const f = path.join(tmp, 'c2.catalog');
    writeFileSync(f, CUSTOM);
    const r = await run(['catalog', '--json', '--catalog', f]);
    assert.equal(r.code, 0, r.stderr);
    const all = JSON.parse(r.stdout).configurationTemplates;
    assert.equal(all.filter((t) => t.service === 'acme-queue').length, 2);
  });
});

describe('sluice serve --catalog', () => {
  test('a bad file stops the server with FILE:LINE: problem, status 2, no data dir', async () => {
    const dir = makeTempDir('sluice-badcat-');
    const bad = path.join(dir, 'bad.catalog');
    writeFileSync(bad, 'service acme "A"\n  resource q arn:aws:acme:{region}:{account}:q/{id}\n  logtype X_LOGS "x"\n    cell CWL V2 nosuchprofile\n');
    const r = await run(['serve', '--listen', '127.0.0.1:0', '--data', path.join(dir, 'data'), '--catalog', bad]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4: unknown profile 'nosuchprofile'`));
    assert.deepEqual(readdirSync(dir), ['bad.catalog']);
    // Redefining a built-in service is refused too.
    writeFileSync(bad, '\nservice cloudfront "mine"\n');
    const r2 = await run(['serve', '--data', path.join(dir, 'data'), '--catalog', bad]);
    assert.equal(r2.code, 2);
    assert.match(r2.stderr, /bad\.catalog:2: service cloudfront is built in \(aws\.catalog:\d+\)/);
    const r3 = await run(['serve', '--data', path.join(dir, 'data'), '--catalog', path.join(dir, 'missing')]);
    assert.equal(r3.code, 2);
    assert.match(r3.stderr, /missing: No such file or directory/);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('--help', () => {
  const cases = [
    ['serve', '--help'], ['serve', '-h'], ['account', '--help'], ['account', 'create', '--help'],
    ['account', 'list', '-h'], ['policy', 'simulate', '--help'], ['catalog', '--help'],
    ['catalog', '-h'], ['version', '--help'], ['--help'],
  ];
  for (const args of cases) {
    test(`sluice ${args.join(' ')}: usage on stdout, status 0, nothing created`, async () => {
      const cwd = makeTempDir('sluice-help-');
      const r = await run(args, { cwd });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^usage: sluice /);
      assert.equal(r.stderr, '');
      assert.deepEqual(readdirSync(cwd), [], 'no ./data');
      rmSync(cwd, { recursive: true, force: true });
    });
  }
  test('unknown options still exit 2', async () => {
    const cwd = makeTempDir('sluice-help-');
    for (const args of [['serve', '--bogus'], ['account', 'create', 'x', '--bogus'], ['catalog', '--bogus'], ['version', 'x']]) {
      const r = await run(args, { cwd });
      assert.equal(r.code, 2, args.join(' '));
    }
    assert.deepEqual(readdirSync(cwd), []);
    rmSync(cwd, { recursive: true, force: true });
  });
});

