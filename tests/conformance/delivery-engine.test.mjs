// The delivery engine end to end: the platform produces records with
// PutVendedLogEvents (Sluice's extension, signed JSON 1.1), and every
// delivery of (resource, log type) receives them, formatted, at its
// destination, written as delivery.logs.amazonaws.com so the destination's
// own policies decide; failures show in GetDeliveryStatus with the reason and
// the backlog is delivered once fixed. Flush window: 1 s.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import {
  PutDeliverySourceCommand, PutDeliveryDestinationCommand, CreateDeliveryCommand, CreateLogGroupCommand,
  GetLogEventsCommand, DescribeLogStreamsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { CreateBucketCommand, ListObjectsV2Command, GetObjectCommand, DeleteBucketPolicyCommand,
  GetBucketPolicyCommand, PutBucketPolicyCommand } from '@aws-sdk/client-s3';
import { startServer, teardown, uniq, REGION, sleep, AWS_CLI } from './harness.mjs';
import { clients, bucketName, firehoseStream } from './delivery-helpers.mjs';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
import { s3Client } from './s3-helpers.mjs';

let srv, logs, acct, s3, iam, fh;

async function call(op, body, creds = srv.credentials()) {
  const r = await srv.raw({ target: op, body: JSON.stringify(body), sign: creds });
  return { status: r.status, json: r.json };
}
async function produce(resourceArn, logType, messages, creds) {
  const now = Date.now();
  const logEvents = messages.map((m, i) => ({ timestamp: now - messages.length + i,
    message: typeof m === 'string' ? m : JSON.stringify(m) }));
  return call('PutVendedLogEvents', { resourceArn, logType, logEvents }, creds);
}
async function until(what, fn, ms = 20000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(200);
  }
}
const status = async (id, creds) => (await call('GetDeliveryStatus', { id }, creds)).json.deliveryStatus;
const dist = () => `arn:aws:cloudfront::${acct}:distribution/E${Date.now().toString(36).toUpperCase()}${Math.floor(Math.random() * 1e6)}`;
const cf = (i) => ({ date: '2026-12-07', time: `10:00:0${i % 10}`, 'x-edge-location': 'SOF50-P2', 'c-ip': `192.0.2.${i}`,
  'cs-method': 'GET', 'cs(Host)': 'd111111abcdef8.cloudfront.net', 'cs-uri-stem': `/img/${i}.png`, 'sc-status': 200,
  'sc-bytes': 1000 + i });

before(async () => {
  srv = await startServer({ extraArgs: ['--delivery-flush-seconds', '1'] });
  ({ logs, acct, s3, iam, fh } = clients(srv));
});
after(async () => { await teardown(srv); });

test('V2 to a log group: records arrive as JSON of the selected fields, in order', async () => {
  const res = dist();
  const group = uniq('/aws/vendedlogs/cf');
  await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
  const src = (await logs.send(new PutDeliverySourceCommand({ name: uniq('src'), resourceArn: res, logType: 'ACCESS_LOGS' }))).deliverySource;
  const dst = (await logs.send(new PutDeliveryDestinationCommand({ name: uniq('dst'), outputFormat: 'json',
    deliveryDestinationConfiguration: { destinationResourceArn: `arn:aws:logs:${REGION}:${acct}:log-group:${group}` } }))).deliveryDestination;
  const del = (await logs.send(new CreateDeliveryCommand({ deliverySourceName: src.name, deliveryDestinationArn: dst.arn,
    recordFields: ['date', 'time', 'c-ip', 'sc-status'] }))).delivery;
  const r = await produce(res, 'ACCESS_LOGS', [cf(1), cf(2), cf(3)]);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const stream = `${res.split('/').pop()}_ACCESS_LOGS`;
  const events = await until('events in the log group', async () => {
    try {
      const e = (await logs.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: stream, startFromHead: true }))).events;
      return e.length === 3 ? e : null;
    } catch { return null; }
  });
  assert.deepEqual(events.map((e) => JSON.parse(e.message)), [1, 2, 3].map((i) => ({ date: '2026-12-07',
    time: `10:00:0${i}`, 'c-ip': `192.0.2.${i}`, 'sc-status': '200' })));
  assert.deepEqual(Object.keys(JSON.parse(events[0].message)), ['date', 'time', 'c-ip', 'sc-status'], 'recordFields order');
  const st = await until('status', async () => { const s = await status(del.id); return s.deliveredRecords === 3 ? s : null; });
  assert.equal(st.state, 'IDLE');
  assert.equal(st.backlogRecords, 0);
});

test('V1 to S3: a gzip object under AWSLogs/{account}/{service}/{region}/yyyy/MM/dd/HH/, plain lines', async () => {
  const bucket = bucketName('eng');
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const vpc = `arn:aws:ec2:${REGION}:${acct}:vpc/vpc-${Date.now().toString(16)}`;
  const r = await call('CreateLogDelivery', { resourceArn: vpc, logType: 'VPC_FLOW_LOGS', destinationArn: `arn:aws:s3:::${bucket}`,
    s3DeliveryOptions: { perHourPartition: true } });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const lines = ['2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK',
    '2 123456789010 eni-1235b8ca123456789 172.31.9.69 172.31.9.12 49761 3389 6 20 4249 1418530010 1418530070 REJECT OK'];
  const p = await produce(vpc, 'VPC_FLOW_LOGS', lines);
  assert.equal(p.status, 200, JSON.stringify(p.json));
  const obj = await until('an object in the bucket', async () => {
    const l = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'AWSLogs/' }));
    return l.Contents?.[0];
  });
  const d = new Date();
  const pad = (n) => String(n).padStart(2, '0');
  const dir = `AWSLogs/${acct}/vpcflowlogs/${REGION}/${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}/`;
  const hour = `${dir}${pad(d.getUTCHours())}/`;
  assert.ok(obj.Key.startsWith(dir), `${obj.Key} under ${dir}`);
  assert.match(obj.Key.slice(dir.length), new RegExp(`^(\\d\\d/)?${acct}_vpcflowlogs_${REGION}_[^/]+_\\d{8}T\\d{4}Z_[0-9a-f]+\\.log\\.gz$`), obj.Key);
  assert.ok(obj.Key.startsWith(hour) || obj.Key.slice(dir.length, dir.length + 3).match(/^\d\d\//), 'per-hour partition');
  const body = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: obj.Key }))).Body.transformToByteArray());
  const text = gunzipSync(body).toString('utf8');
  assert.ok(text.includes(lines[0]) && text.includes(lines[1]), text);
});

test('a denial shows in the status with its reason, and the backlog is delivered once fixed', async () => {
  const bucket = bucketName('deny');
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const res = dist();
  const src = (await logs.send(new PutDeliverySourceCommand({ name: uniq('src'), resourceArn: res, logType: 'ACCESS_LOGS' }))).deliverySource;
  const dst = (await logs.send(new PutDeliveryDestinationCommand({ name: uniq('dst'), outputFormat: 'plain',
    deliveryDestinationConfiguration: { destinationResourceArn: `arn:aws:s3:::${bucket}` } }))).deliveryDestination;
  const del = (await logs.send(new CreateDeliveryCommand({ deliverySourceName: src.name, deliveryDestinationArn: dst.arn,
    recordFields: ['date', 'c-ip'], fieldDelimiter: ' ' }))).delivery;
  const policy = (await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy;
  await s3.send(new DeleteBucketPolicyCommand({ Bucket: bucket }));
  assert.equal((await produce(res, 'ACCESS_LOGS', [cf(1), cf(2)])).status, 200);
  const failing = await until('FAILING', async () => { const s = await status(del.id); return s.state === 'FAILING' ? s : null; });
  assert.equal(failing.lastErrorAction, 's3:PutObject');
  assert.match(failing.lastErrorMessage, /delivery\.logs\.amazonaws\.com/);
  assert.equal(failing.backlogRecords, 2);
  const none = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  assert.equal(none.KeyCount ?? 0, 0, 'nothing delivered');
  await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: policy }));
  const ok = await until('delivered after the fix', async () => { const s = await status(del.id); return s.deliveredRecords === 2 ? s : null; }, 30000);
  assert.equal(ok.backlogRecords, 0);
  // The retry after a failure probes with one record, then delivers the
  // rest: one or more files, every record once.
  const l = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  let text = '';
  for (const o of l.Contents) {
    const body = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key }))).Body.transformToByteArray());
    text += gunzipSync(body).toString('utf8');
  }
  assert.deepEqual(text.split('\n').filter(Boolean).sort(), ['2026-12-07 192.0.2.1', '2026-12-07 192.0.2.2']);
});

test('who may produce: the platform account; a tenant cannot forge records, its own resources included', async () => {
  const tenant = `p${Date.now().toString(36)}`;
  const tId = await srv.accountCreate(tenant);
  const creds = srv.credentials(tenant);
  const res = `arn:aws:cloudfront::${tId}:distribution/EFORGE1`;
  const forged = await produce(res, 'ACCESS_LOGS', [cf(1)], creds);
  assert.equal(forged.status, 400);
  assert.equal(forged.json.__type, 'AccessDeniedException');
  const unknown = await produce(`arn:aws:sqs:${REGION}:${acct}:q`, 'X', ['x']);
  assert.equal(unknown.json.__type, 'ResourceNotFoundException');
  // No delivery for the pair: accepted and dropped (AWS does the same).
  assert.equal((await produce(dist(), 'ACCESS_LOGS', [cf(1)])).status, 200);
});

test('byte for byte: V2 to S3 in w3c, plain and json; prefix and hive keys', async () => {
  const rec = { date: '2026-12-07', time: '10:00:01', 'c-ip': '192.0.2.1', 'cs(User-Agent)': 'Mozilla/5.0 (X11)',
    'cs-uri-query': '', 'sc-status': 404, 'sc-bytes': 0.251 };
  const fields = ['date', 'time', 'c-ip', 'cs(User-Agent)', 'cs-uri-query', 'sc-status', 'sc-bytes', 'x-edge-location'];
  const cases = [
    { format: 'w3c', delim: undefined, want: '#Version: 1.0\n#Fields: date time c-ip cs(User-Agent) cs-uri-query sc-status sc-bytes x-edge-location\n'
      + '2026-12-07\t10:00:01\t192.0.2.1\tMozilla/5.0%20(X11)\t-\t404\t0.251\t-\n' },
    { format: 'plain', delim: ',', want: '2026-12-07,10:00:01,192.0.2.1,Mozilla/5.0 (X11),-,404,0.251,-\n' },
    { format: 'json', delim: undefined, want: `${JSON.stringify({ date: '2026-12-07', time: '10:00:01', 'c-ip': '192.0.2.1',
      'cs(User-Agent)': 'Mozilla/5.0 (X11)', 'cs-uri-query': '', 'sc-status': '404', 'sc-bytes': '0.251' })}\n` },
  ];
  for (const c of cases) {
    const bucket = bucketName(`fmt-${c.format}`);
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const res = dist();
    const src = (await logs.send(new PutDeliverySourceCommand({ name: uniq('src'), resourceArn: res, logType: 'ACCESS_LOGS' }))).deliverySource;
    const dst = (await logs.send(new PutDeliveryDestinationCommand({ name: uniq('dst'), outputFormat: c.format,
      deliveryDestinationConfiguration: { destinationResourceArn: `arn:aws:s3:::${bucket}` } }))).deliveryDestination;
    const del = (await logs.send(new CreateDeliveryCommand({ deliverySourceName: src.name, deliveryDestinationArn: dst.arn,
      recordFields: fields, ...(c.delim ? { fieldDelimiter: c.delim } : {}),
      s3DeliveryConfiguration: { suffixPath: 'cf/{DistributionId}/{yyyy}/{MM}/{dd}/' } }))).delivery;
    assert.equal((await produce(res, 'ACCESS_LOGS', [rec])).status, 200);
    const obj = await until(`the ${c.format} object`, async () =>
      (await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents?.[0]);
    const d = new Date();
    const pad = (n) => String(n).padStart(2, '0');
    const distId = res.split('/').pop();
    assert.ok(obj.Key.startsWith(`AWSLogs/${acct}/CloudFront/cf/${distId}/${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}/`),
      obj.Key);
    // CloudFront's V2 file name: <DistributionId>.<yyyy-MM-dd-HH>.<8 hex>.gz
    assert.match(obj.Key.split('/').pop(), new RegExp(`^${distId}\\.\\d{4}-\\d\\d-\\d\\d-\\d\\d\\.[0-9a-f]{8}\\.gz$`), obj.Key);
    const body = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: obj.Key }))).Body.transformToByteArray());
    assert.equal(gunzipSync(body).toString('utf8'), c.want, `${c.format} file`);
    assert.equal((await status(del.id)).deliveredRecords, 1);
  }
  // A destination prefix and Hive-compatible paths (delivery-behaviour.md §3.2).
  const bucket = bucketName('hive');
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const res = dist();
  const src = (await logs.send(new PutDeliverySourceCommand({ name: uniq('src'), resourceArn: res, logType: 'ACCESS_LOGS' }))).deliverySource;
  const dst = (await logs.send(new PutDeliveryDestinationCommand({ name: uniq('dst'),
    deliveryDestinationConfiguration: { destinationResourceArn: `arn:aws:s3:::${bucket}/MyLogPrefix` } }))).deliveryDestination;
  await logs.send(new CreateDeliveryCommand({ deliverySourceName: src.name, deliveryDestinationArn: dst.arn,
    s3DeliveryConfiguration: { suffixPath: '{DistributionId}/{yyyy}/{MM}/', enableHiveCompatiblePath: true } }));
  assert.equal((await produce(res, 'ACCESS_LOGS', [rec])).status, 200);
  const obj = await until('the hive object', async () => (await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents?.[0]);
  const d = new Date();
  assert.ok(obj.Key.startsWith(`MyLogPrefix/DistributionId=${res.split('/').pop()}/year=${d.getUTCFullYear()}/month=${String(d.getUTCMonth() + 1).padStart(2, '0')}/`), obj.Key);
});

test('X-Ray destinations are stored but cannot be delivered here: the status says so', async () => {
  const kb = `arn:aws:bedrock:${REGION}:${acct}:knowledge-base/KB${Date.now()}`;
  const src = (await logs.send(new PutDeliverySourceCommand({ name: uniq('kb'), resourceArn: kb, logType: 'TRACES' }))).deliverySource;
  const dst = (await logs.send(new PutDeliveryDestinationCommand({ name: uniq('xray'), deliveryDestinationType: 'XRAY' }))).deliveryDestination;
  const del = (await logs.send(new CreateDeliveryCommand({ deliverySourceName: src.name, deliveryDestinationArn: dst.arn }))).delivery;
  assert.equal((await produce(kb, 'TRACES', [{ trace_id: '1-5759e988-bd862e3fe1be46a994272793', name: 'kb' }])).status, 200);
  const st = await until('FAILING', async () => { const s = await status(del.id); return s.state === 'FAILING' ? s : null; });
  assert.equal(st.lastErrorCode, 'UnsupportedDestination');
  assert.match(st.lastErrorMessage, /X-Ray/);
  assert.equal(st.backlogRecords, 1);
});

test('V1 to a log group (WAF: stream us-east-1_<acl>_0, json) and to Firehose (VPC flow logs, native lines)', async () => {
  const group = uniq('/aws/vendedlogs/waf');
  await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
  const acl = `arn:aws:wafv2:${REGION}:${acct}:regional/webacl/TestWebACL${Date.now()}/a1b2c3`;
  const r = await call('CreateLogDelivery', { resourceArn: acl, logType: 'WAF_LOGS',
    destinationArn: `arn:aws:logs:${REGION}:${acct}:log-group:${group}` });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const waf = { timestamp: 1733570000000, formatVersion: 1, webaclId: acl, action: 'BLOCK',
    httpRequest: { clientIp: '198.51.100.7', country: 'BG', uri: '/login', httpMethod: 'POST' } };
  assert.equal((await produce(acl, 'WAF_LOGS', [waf])).status, 200);
  const stream = `${REGION}_${acl.split('/')[2]}_0`;
  const ev = await until('the WAF event', async () => {
    try {
      const e = (await logs.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: stream, startFromHead: true }))).events;
      return e.length ? e : null;
    } catch { return null; }
  });
  const got = JSON.parse(ev[0].message);
  assert.equal(got.action, 'BLOCK');
  assert.equal(got.webaclId, acl);
  assert.deepEqual(JSON.parse(got.httpRequest), waf.httpRequest, 'nested objects as their JSON text');

  // Firehose: the stream's S3 destination gets one newline-terminated record per line.
  const fhs = await firehoseStream({ iam, s3, fh, acct });
  const vpc = `arn:aws:ec2:${REGION}:${acct}:vpc/vpc-${Date.now().toString(16)}`;
  const c = await call('CreateLogDelivery', { resourceArn: vpc, logType: 'VPC_FLOW_LOGS', destinationArn: fhs.arn });
  assert.equal(c.status, 200, JSON.stringify(c.json));
  const lines = ['2 123456789010 eni-1 10.0.0.1 10.0.0.2 443 49152 6 10 840 1733570000 1733570060 ACCEPT OK',
    '2 123456789010 eni-1 10.0.0.3 10.0.0.2 22 49153 6 1 40 1733570000 1733570060 REJECT OK'];
  assert.equal((await produce(vpc, 'VPC_FLOW_LOGS', lines)).status, 200);
  const st = await until('delivered to Firehose', async () => {
    const s = (await call('GetDeliveryStatus', { id: c.json.logDelivery.id })).json.deliveryStatus;
    return s.deliveredRecords === 2 ? s : null;
  });
  assert.equal(st.state, 'IDLE');
});

test('the aws CLI produces through the model extension (put-vended-log-events)', { skip: !existsSync(AWS_CLI) && 'aws CLI not installed' }, async () => {
  const res = dist();
  const group = uniq('/aws/vendedlogs/cli');
  await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
  const src = (await logs.send(new PutDeliverySourceCommand({ name: uniq('src'), resourceArn: res, logType: 'ACCESS_LOGS' }))).deliverySource;
  const dst = (await logs.send(new PutDeliveryDestinationCommand({ name: uniq('dst'),
    deliveryDestinationConfiguration: { destinationResourceArn: `arn:aws:logs:${REGION}:${acct}:log-group:${group}` } }))).deliveryDestination;
  await logs.send(new CreateDeliveryCommand({ deliverySourceName: src.name, deliveryDestinationArn: dst.arn, recordFields: ['c-ip'] }));
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')));
  const out = await new Promise((resolve) => execFile(AWS_CLI, ['--endpoint-url', srv.endpoint, '--output', 'json', 'logs',
    'put-vended-log-events', '--resource-arn', res, '--log-type', 'ACCESS_LOGS', '--log-events',
    `timestamp=${Date.now()},message=${JSON.stringify(JSON.stringify(cf(7)))}`], {
    timeout: 60000, env: { ...env, AWS_DATA_PATH: path.resolve(here, '../../models'),
      AWS_SHARED_CREDENTIALS_FILE: srv.credentialsFile(), AWS_CONFIG_FILE: '/dev/null', AWS_DEFAULT_REGION: REGION, AWS_PAGER: '' },
  }, (err, stdout, stderr) => resolve({ err, stdout, stderr })));
  assert.equal(out.err, null, out.stderr);
  const stream = `${res.split('/').pop()}_ACCESS_LOGS`;
  const ev = await until('the event', async () => {
    try {
      const e = (await logs.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: stream, startFromHead: true }))).events;
      return e.length ? e : null;
    } catch { return null; }
  });
  assert.deepEqual(JSON.parse(ev[0].message), { 'c-ip': '192.0.2.7' });
});

test("an operator's catalog service: its owner account produces, a tenant's records arrive, others may not produce", async () => {
  const { writeFileSync, mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { Server } = await import('./harness.mjs');
  // The platform account exists first; the catalog names it as the owner.
  const base = new Server({ extraArgs: ['--delivery-flush-seconds', '1'] });
  await base.start();
  const platform = await base.accountCreate('acmeplat');
  const tenant = await base.accountCreate('acmetenant');
  await base.stop();
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'sluice-cat-')), 'acme.catalog');
  writeFileSync(file, `service acme-cdn "ACME CDN"
  owner ${platform}
  resource site arn:aws:acme-cdn:{region}:{account}:site/{name}
  logtype ACCESS_LOGS "ACME CDN access logs"
    fields resource_arn! event_timestamp!:long path status:int
    cell CWL V2
      formats json plain
      default-format json
      delimiters space
`);
  const s = new Server({ dataDir: base.dataDir, extraArgs: ['--delivery-flush-seconds', '1', '--catalog', file] });
  await s.start();
  try {
    const tl = s.client({ credentials: s.credentials('acmetenant') });
    const res = `arn:aws:acme-cdn:${REGION}:${tenant}:site/shop`;
    const group = uniq('/aws/vendedlogs/acme');
    await tl.send(new CreateLogGroupCommand({ logGroupName: group }));
    await tl.send(new PutDeliverySourceCommand({ name: 'shop', resourceArn: res, logType: 'ACCESS_LOGS' }));
    const dst = (await tl.send(new PutDeliveryDestinationCommand({ name: 'shop-logs',
      deliveryDestinationConfiguration: { destinationResourceArn: `arn:aws:logs:${REGION}:${tenant}:log-group:${group}` } }))).deliveryDestination;
    await tl.send(new CreateDeliveryCommand({ deliverySourceName: 'shop', deliveryDestinationArn: dst.arn }));
    const rec = { resource_arn: res, event_timestamp: '1733570000000', path: '/cart', status: 200 };
    const body = JSON.stringify({ resourceArn: res, logType: 'ACCESS_LOGS',
      logEvents: [{ timestamp: Date.now(), message: JSON.stringify(rec) }] });
    // Neither the admin account nor the tenant owns the service.
    for (const who of ['default', 'acmetenant']) {
      const r = await s.raw({ target: 'PutVendedLogEvents', body, sign: s.credentials(who) });
      assert.equal(r.json?.__type, 'AccessDeniedException', `${who}: ${r.text}`);
    }
    const ok = await s.raw({ target: 'PutVendedLogEvents', body, sign: s.credentials('acmeplat') });
    assert.equal(ok.status, 200, ok.text);
    const ev = await until('the record in the tenant\'s group', async () => {
      try {
        const e = (await tl.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: 'shop_ACCESS_LOGS', startFromHead: true }))).events;
        return e.length ? e : null;
      } catch { return null; }
    });
    assert.deepEqual(JSON.parse(ev[0].message), { resource_arn: res, event_timestamp: '1733570000000', path: '/cart', status: '200' });
  } finally {
    await teardown(s);
    await base.dispose();   // owns the data directory both servers used
  }
});
