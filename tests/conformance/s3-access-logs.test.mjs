// S3 server access logs (S3_SERVER_ACCESS_LOGS): Sluice's own S3 is a V2
// delivery source. Every request on a bucket that has a delivery becomes a
// record with AWS's documented fields (operation REST.PUT.OBJECT, key,
// status, error code, requester, bytes, ...) and is delivered like any other
// source's records — to another bucket, to a log group — with no producer
// involved. Deliveries writing a bucket's logs into the bucket itself do not
// log their own writes. Flush window: 1 s.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  PutDeliverySourceCommand, PutDeliveryDestinationCommand, CreateDeliveryCommand, CreateLogGroupCommand,
  GetLogEventsCommand, DescribeLogStreamsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { CreateBucketCommand, PutObjectCommand, GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { startServer, teardown, uniq, REGION, sleep } from './harness.mjs';
import { clients, bucketName, until, s3Lines, deliveryStatus } from './delivery-helpers.mjs';
import { s3User } from './s3-helpers.mjs';

const LT = 'S3_SERVER_ACCESS_LOGS';
let srv, logs, acct, s3;

before(async () => {
  srv = await startServer({ extraArgs: ['--delivery-flush-seconds', '1'] });
  ({ logs, acct, s3 } = clients(srv));
});
after(async () => { await teardown(srv); });

async function bucket(prefix) {
  const b = bucketName(prefix);
  await s3.send(new CreateBucketCommand({ Bucket: b }));
  return b;
}
async function source(b) {
  return (await logs.send(new PutDeliverySourceCommand({ name: uniq('sal'), resourceArn: `arn:aws:s3:::${b}`,
    logType: LT }))).deliverySource;
}
async function destination(arn, outputFormat) {
  return (await logs.send(new PutDeliveryDestinationCommand({ name: uniq('dst'), ...(outputFormat ? { outputFormat } : {}),
    deliveryDestinationConfiguration: { destinationResourceArn: arn } }))).deliveryDestination;
}
async function deliver(src, dst) {
  return (await logs.send(new CreateDeliveryCommand({ deliverySourceName: src.name, deliveryDestinationArn: dst.arn }))).delivery;
}
const num = (v) => (v === undefined ? undefined : Number(v));   // json output writes every value as a string

test("a bucket's requests arrive as records in another bucket and in a log group", async () => {
  const a = await bucket('sala');
  const b = await bucket('salb');
  const group = uniq('/aws/vendedlogs/s3');
  await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
  const src = await source(a);
  const toS3 = await deliver(src, await destination(`arn:aws:s3:::${b}`, 'json'));
  const toCwl = await deliver(src, await destination(`arn:aws:logs:${REGION}:${acct}:log-group:${group}`));

  const user = await s3User(srv, { policy: JSON.stringify({ Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] }) });
  const body = 'hello access logs\n'.repeat(10);
  const put = await user.s3.send(new PutObjectCommand({ Bucket: a, Key: 'dir/one.txt', Body: body }));
  const get = await s3.send(new GetObjectCommand({ Bucket: a, Key: 'dir/one.txt' }));
  assert.equal(await get.Body.transformToString(), body);
  await assert.rejects(s3.send(new GetObjectCommand({ Bucket: a, Key: 'missing.txt' })), { name: 'NoSuchKey' });
  const list = await user.s3.send(new ListObjectsV2Command({ Bucket: a }));
  assert.equal(list.KeyCount, 1);

  // Into bucket B, under the V2 default suffix, gzip'd JSON lines.
  const prefix = `AWSLogs/${acct}/s3/${REGION}/`;
  const recs = await until('access records in the destination bucket', async () => {
    const lines = (await s3Lines(s3, b, prefix)).map((l) => JSON.parse(l));
    return lines.length >= 4 ? lines : null;
  });
  const byOp = (op, pred = () => true) => recs.filter((r) => r.operation === op && pred(r));
  const canonical = /^[0-9a-f]{64}$/;

  const [p] = byOp('REST.PUT.OBJECT');
  assert.ok(p, JSON.stringify(recs));
  assert.equal(p.bucket_name, a);
  assert.equal(p.bucket_arn, `arn:aws:s3:::${a}`);
  assert.equal(p.schema_version_id, 'V_1_0');
  assert.match(p.request_time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.ok(Math.abs(Date.parse(p.request_time) - Date.now()) < 120000, p.request_time);
  assert.match(p.bucket_owner_id, canonical);
  assert.equal(p.requester, user.arn, 'an IAM user is logged by its ARN');
  assert.equal(p.request_id, put.$metadata.requestId);
  assert.equal(p.key_name, 'dir/one.txt');
  assert.match(p.request_uri, new RegExp(`^PUT /${a}/dir/one\\.txt(\\?\\S*)? HTTP/1\\.1$`));
  assert.equal(num(p.http_status), 200);
  assert.equal(p.error_code, undefined);
  assert.equal(num(p.object_size), body.length);
  assert.ok(num(p.total_duration) >= 0 && num(p.turn_around_duration) >= 0);
  assert.equal(p.remote_ip, '127.0.0.1');
  assert.equal(p.signature_version, 'SigV4');
  assert.equal(p.authentication_type, 'AuthHeader');
  assert.ok(p.host_header?.startsWith('127.0.0.1:'), p.host_header);
  assert.match(p.user_agent ?? '', /aws-sdk-js/);

  const [g] = byOp('REST.GET.OBJECT', (r) => r.key_name === 'dir/one.txt');
  assert.ok(g, JSON.stringify(recs));
  assert.match(g.requester, canonical, 'the account root is logged by its canonical user id');
  assert.equal(g.requester, p.bucket_owner_id, 'the owner reads its own bucket');
  assert.equal(num(g.http_status), 200);
  assert.equal(num(g.bytes_sent_size), body.length);
  assert.equal(num(g.object_size), body.length);

  const [m] = byOp('REST.GET.OBJECT', (r) => r.key_name === 'missing.txt');
  assert.ok(m, JSON.stringify(recs));
  assert.equal(num(m.http_status), 404);
  assert.equal(m.error_code, 'NoSuchKey');
  assert.ok(num(m.bytes_sent_size) > 0, 'the <Error> document was sent');

  const [l] = byOp('REST.GET.BUCKET');
  assert.ok(l, JSON.stringify(recs));
  assert.equal(l.key_name, undefined, 'a bucket operation has no key');
  assert.match(l.request_uri, new RegExp(`^GET /${a}/?\\?\\S*list-type=2\\S* HTTP/1\\.1$`));
  assert.equal(l.requester, user.arn);
  assert.equal(num(l.http_status), 200);
  assert.ok(num(l.bytes_sent_size) > 0);

  // Bucket B has no delivery of its own: its requests are not recorded anywhere.
  assert.ok(recs.every((r) => r.bucket_name === a));

  // The same records in the log group.
  const events = await until('access records in the log group', async () => {
    const streams = (await logs.send(new DescribeLogStreamsCommand({ logGroupName: group }))).logStreams ?? [];
    if (!streams.length) return null;
    const ev = (await logs.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: streams[0].logStreamName,
      startFromHead: true }))).events;
    return ev.length >= 4 ? ev : null;
  });
  const cw = events.map((e) => JSON.parse(e.message));
  assert.deepEqual(cw.map((r) => r.operation).sort(), recs.map((r) => r.operation).sort());
  assert.ok(cw.some((r) => r.operation === 'REST.PUT.OBJECT' && r.key_name === 'dir/one.txt' && r.requester === user.arn));

  for (const d of [toS3, toCwl]) {
    const st = await until('the delivery to be idle', async () => {
      const s = await deliveryStatus(srv, d.id);
      return s.backlogRecords === 0 && s.deliveredRecords >= 4 ? s : null;
    });
    assert.equal(st.deliveredRecords, 4, `${d.id}: exactly the four requests on the bucket`);
  }
});

test('S3 server access logs to S3 come in the formats AWS lists (json, parquet): plain and w3c are refused', async () => {
  const a = await bucket('salf');
  const b = await bucket('salfd');
  const src = await source(a);
  for (const fmt of ['plain', 'w3c']) {
    const dst = await destination(`arn:aws:s3:::${b}`, fmt);
    await assert.rejects(deliver(src, dst), (e) => e.name === 'ValidationException' && /Output format/.test(e.message));
  }
});

test("a bucket's logs delivered into the bucket itself do not log their own writes", async () => {
  const c = await bucket('salself');
  const del = await deliver(await source(c), await destination(`arn:aws:s3:::${c}`, 'json'));
  await s3.send(new PutObjectCommand({ Bucket: c, Key: 'a.txt', Body: 'a' }));
  await s3.send(new PutObjectCommand({ Bucket: c, Key: 'b.txt', Body: 'b' }));
  await s3.send(new GetObjectCommand({ Bucket: c, Key: 'a.txt' }));
  // GetDeliveryStatus is a CloudWatch Logs call: watching does not add records.
  await until('three records delivered', async () => (await deliveryStatus(srv, del.id)).deliveredRecords >= 3);
  await sleep(3500);   // > 3 flush windows: a loop would have written more by now
  let st = await deliveryStatus(srv, del.id);
  assert.equal(st.deliveredRecords, 3, 'only the three client requests, not the delivery writes');
  assert.equal(st.backlogRecords, 0);

  // Listing the bucket is one more request: exactly one more record, and the
  // objects (the two written plus the log files) stay bounded.
  const l = await s3.send(new ListObjectsV2Command({ Bucket: c }));
  const logObjects = (l.Contents ?? []).filter((o) => o.Key.startsWith('AWSLogs/'));
  assert.ok(logObjects.length >= 1 && logObjects.length <= 3, JSON.stringify(l.Contents?.map((o) => o.Key)));
  await until('the listing recorded', async () => (await deliveryStatus(srv, del.id)).deliveredRecords >= 4);
  await sleep(3500);
  st = await deliveryStatus(srv, del.id);
  assert.equal(st.deliveredRecords, 4);
  const after = await s3.send(new ListObjectsV2Command({ Bucket: c }));
  assert.ok((after.Contents ?? []).filter((o) => o.Key.startsWith('AWSLogs/')).length <= logObjects.length + 1);
});

test("a bucket's access logs in Parquet: read back with an independent reader", async () => {
  const { parquetReadObjects } = await import('hyparquet');
  const { gunzipSync } = await import('node:zlib');
  const compressors = { GZIP: (input) => { const o = gunzipSync(input); return new Uint8Array(o.buffer, o.byteOffset, o.length); } };
  const a = await bucket('salpq');
  const p = await bucket('salpqdst');
  const src = await source(a);
  const del = await deliver(src, await destination(`arn:aws:s3:::${p}`, 'parquet'));
  await s3.send(new PutObjectCommand({ Bucket: a, Key: 'k1.txt', Body: 'x'.repeat(100) }));
  await s3.send(new GetObjectCommand({ Bucket: a, Key: 'k1.txt' }));
  const obj = await until('the parquet object', async () =>
    ((await s3.send(new ListObjectsV2Command({ Bucket: p }))).Contents ?? []).find((o) => o.Key.endsWith('.parquet')));
  await until('both records delivered', async () => ((await deliveryStatus(srv, del.id)).deliveredRecords >= 2 ? true : null));
  const all = [];
  for (const o of (await s3.send(new ListObjectsV2Command({ Bucket: p }))).Contents.filter((x) => x.Key.endsWith('.parquet'))) {
    const bytes = await (await s3.send(new GetObjectCommand({ Bucket: p, Key: o.Key }))).Body.transformToByteArray();
    const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    all.push(...await parquetReadObjects({ file, compressors }));
  }
  assert.ok(obj.Key.endsWith('.parquet'));
  const ops = all.map((r) => r.operation).sort();
  assert.deepEqual(ops, ['REST.GET.OBJECT', 'REST.PUT.OBJECT']);
  for (const r of all) {
    assert.equal(r.bucket_name, a);
    assert.equal(r.key_name, 'k1.txt');
    assert.equal(Number(r.http_status), 200);
  }
});
