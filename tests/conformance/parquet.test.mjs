// outputFormat "parquet" for S3 deliveries (issue 10 §2), checked with an
// independent reader: hyparquet (pure JavaScript), GZIP pages inflated with
// node's zlib.  A V2 CloudFront ACCESS_LOGS delivery to S3 in parquet gets
// records from PutVendedLogEvents; the object it writes (.parquet, not
// gzip-wrapped) must be a Parquet file whose schema is the recordFields in
// order — strings as BYTE_ARRAY/STRING, the catalog's typed fields as
// INT32 / INT64 / DOUBLE — every column OPTIONAL, absent values and "" in
// typed columns as nulls.  Flush window: 1 s.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import {
  PutDeliverySourceCommand, PutDeliveryDestinationCommand, CreateDeliveryCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { CreateBucketCommand, ListObjectsV2Command, GetObjectCommand } from '@aws-sdk/client-s3';
import { startServer, teardown, uniq } from './harness.mjs';
import { clients, bucketName, produceEvents, deliveryStatus, until } from './delivery-helpers.mjs';

let srv, logs, acct, s3;

before(async () => {
  srv = await startServer({ extraArgs: ['--delivery-flush-seconds', '1'] });
  ({ logs, acct, s3 } = clients(srv));
});
after(async () => { await teardown(srv); });

// hyparquet decodes SNAPPY itself; other codecs come from the caller.
const compressors = {
  GZIP: (input, outputLength) => {
    const out = gunzipSync(input);
    assert.equal(out.length, outputLength, 'uncompressed_page_size');
    return new Uint8Array(out.buffer, out.byteOffset, out.length);
  },
};

const dist = () => `arn:aws:cloudfront::${acct}:distribution/E${Date.now().toString(36).toUpperCase()}${Math.floor(Math.random() * 1e6)}`;

// recordFields: typed ones from catalog/aws.catalog (sc-status:int,
// sc-bytes:long, time-taken:double, c-port:int), the rest strings.
const FIELDS = ['date', 'time', 'c-ip', 'cs(Host)', 'sc-status', 'sc-bytes', 'time-taken', 'cs(Referer)',
  'c-port', 'cs-uri-query', 'cs(User-Agent)'];
const WANT_TYPES = {
  date: 'BYTE_ARRAY', time: 'BYTE_ARRAY', 'c-ip': 'BYTE_ARRAY', 'cs(Host)': 'BYTE_ARRAY', 'sc-status': 'INT32',
  'sc-bytes': 'INT64', 'time-taken': 'DOUBLE', 'cs(Referer)': 'BYTE_ARRAY', 'c-port': 'INT32',
  'cs-uri-query': 'BYTE_ARRAY', 'cs(User-Agent)': 'BYTE_ARRAY',
};

const records = [
  // JSON-native numbers
  { date: '2026-12-07', time: '10:00:01', 'c-ip': '192.0.2.1', 'cs(Host)': 'd111111abcdef8.cloudfront.net',
    'sc-status': 200, 'sc-bytes': 9007199254740993, 'time-taken': 0.251, 'c-port': 443, 'cs-uri-query': '',
    'cs(User-Agent)': 'Mozilla/5.0 (X11; Linux) — ünïcödé', 'x-edge-location': 'SOF50-P2' },
  // numbers as strings (as producers often send them)
  { date: '2026-12-07', time: '10:00:02', 'c-ip': '2001:db8::1', 'sc-status': '404', 'sc-bytes': '0',
    'time-taken': '1e-3', 'cs(Referer)': 'https://example.com/?q=a b', 'c-port': '' },
  // typed values that are absent, null or do not convert: nulls
  { date: '2026-12-07', time: '10:00:03', 'sc-status': null, 'time-taken': 'fast', 'c-port': 70000.5 },
];
const want = [
  { date: '2026-12-07', time: '10:00:01', 'c-ip': '192.0.2.1', 'cs(Host)': 'd111111abcdef8.cloudfront.net',
    'sc-status': 200, 'sc-bytes': 9007199254740992n, 'time-taken': 0.251, 'cs(Referer)': null, 'c-port': 443,
    'cs-uri-query': '', 'cs(User-Agent)': 'Mozilla/5.0 (X11; Linux) — ünïcödé' },
  { date: '2026-12-07', time: '10:00:02', 'c-ip': '2001:db8::1', 'cs(Host)': null, 'sc-status': 404,
    'sc-bytes': 0n, 'time-taken': 0.001, 'cs(Referer)': 'https://example.com/?q=a b', 'c-port': null,
    'cs-uri-query': null, 'cs(User-Agent)': null },
  { date: '2026-12-07', time: '10:00:03', 'c-ip': null, 'cs(Host)': null, 'sc-status': null, 'sc-bytes': null,
    'time-taken': null, 'cs(Referer)': null, 'c-port': null, 'cs-uri-query': null, 'cs(User-Agent)': null },
];

async function parquetDelivery(bucket) {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const res = dist();
  const src = (await logs.send(new PutDeliverySourceCommand({ name: uniq('src'), resourceArn: res, logType: 'ACCESS_LOGS' }))).deliverySource;
  const dst = (await logs.send(new PutDeliveryDestinationCommand({ name: uniq('dst'), outputFormat: 'parquet',
    deliveryDestinationConfiguration: { destinationResourceArn: `arn:aws:s3:::${bucket}` } }))).deliveryDestination;
  assert.equal(dst.outputFormat, 'parquet');
  const del = (await logs.send(new CreateDeliveryCommand({ deliverySourceName: src.name, deliveryDestinationArn: dst.arn,
    recordFields: FIELDS }))).delivery;
  return { res, del };
}

async function objects(bucket, n) {
  const list = await until(`${n} object(s) in ${bucket}`, async () => {
    const l = (await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? [];
    return l.length >= n ? l : null;
  });
  const out = [];
  for (const o of list) {
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key }));
    const body = Buffer.from(await got.Body.transformToByteArray());
    out.push({ key: o.Key, body, encoding: got.ContentEncoding });
  }
  return out;
}

const arrayBuffer = (b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.length);

test('V2 to S3 in parquet: a .parquet object that an independent reader reads field by field', async () => {
  const bucket = bucketName('pq');
  const { res, del } = await parquetDelivery(bucket);
  const r = await produceEvents(srv, res, 'ACCESS_LOGS', records);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const [obj] = await objects(bucket, 1);
  assert.match(obj.key, new RegExp(`^AWSLogs/${acct}/CloudFront/.*\\.parquet$`), obj.key);
  assert.notEqual(obj.encoding, 'gzip', 'Parquet compresses its pages: the object is not gzip-wrapped');
  // Magic bytes at both ends, the footer length just before the last four.
  assert.equal(obj.body.subarray(0, 4).toString('latin1'), 'PAR1');
  assert.equal(obj.body.subarray(-4).toString('latin1'), 'PAR1');
  const footerLen = obj.body.readUInt32LE(obj.body.length - 8);
  assert.ok(footerLen > 0 && footerLen < obj.body.length - 12, `footer length ${footerLen}`);

  const file = arrayBuffer(obj.body);
  const md = parquetMetadata(file);
  assert.equal(md.num_rows, 3n);
  assert.equal(md.row_groups.length, 1);
  assert.equal(md.row_groups[0].num_rows, 3n);
  // The schema: a root and one OPTIONAL column per recordField, in order.
  assert.equal(md.schema[0].num_children, FIELDS.length);
  assert.deepEqual(md.schema.slice(1).map((e) => e.name), FIELDS);
  for (const e of md.schema.slice(1)) {
    assert.equal(e.repetition_type, 'OPTIONAL', e.name);
    assert.equal(e.type, WANT_TYPES[e.name], e.name);
    if (e.type === 'BYTE_ARRAY') {
      assert.equal(e.logical_type?.type, 'STRING', e.name);
      assert.equal(e.converted_type, 'UTF8', e.name);
    }
  }
  for (const c of md.row_groups[0].columns) {
    assert.equal(c.meta_data.codec, 'GZIP');
    assert.equal(c.meta_data.num_values, 3n);
    assert.ok(c.meta_data.encodings.includes('PLAIN'));
  }
  const nulls = md.row_groups[0].columns.map((c) => Number(c.meta_data.statistics?.null_count));
  assert.deepEqual(nulls, FIELDS.map((f) => want.filter((w) => w[f] === null).length), 'null_count statistics');

  const rows = await parquetReadObjects({ file, compressors });
  assert.equal(rows.length, 3);
  for (let i = 0; i < 3; i++) {
    assert.deepEqual(Object.keys(rows[i]), FIELDS, `row ${i}: columns in recordFields order`);
    for (const f of FIELDS) assert.deepEqual(rows[i][f] ?? null, want[i][f], `row ${i} ${f}`);
  }
  const st = await until('delivered', async () => { const s = await deliveryStatus(srv, del.id); return s.deliveredRecords === 3 ? s : null; });
  assert.equal(st.backlogRecords, 0);
});

test('parquet: many records in one flush read back in order, every value', async () => {
  const bucket = bucketName('pq-many');
  const { res, del } = await parquetDelivery(bucket);
  const N = 2000;
  const batch = [];
  for (let i = 0; i < N; i++) {
    batch.push({ date: '2026-12-07', time: `10:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}`,
      'c-ip': `10.0.${i >> 8}.${i & 255}`, 'sc-status': i % 5 ? 200 : 503, 'sc-bytes': i * 1000,
      'time-taken': i / 1000, ...(i % 3 ? { 'cs(Referer)': `https://r/${i}` } : {}) });
  }
  // PutVendedLogEvents takes at most 10,000 events / 1 MB a call.
  for (let i = 0; i < N; i += 500) assert.equal((await produceEvents(srv, res, 'ACCESS_LOGS', batch.slice(i, i + 500))).status, 200);
  await until('delivered', async () => (await deliveryStatus(srv, del.id)).deliveredRecords === N);
  const objs = await objects(bucket, 1);
  const rows = [];
  let total = 0n;
  for (const o of objs) {
    assert.ok(o.key.endsWith('.parquet'), o.key);
    const file = arrayBuffer(o.body);
    total += parquetMetadata(file).num_rows;
    rows.push(...await parquetReadObjects({ file, compressors }));
  }
  assert.equal(total, BigInt(N));
  // Several flushes may split the records over objects: order by c-ip.
  const key = (r) => r['sc-bytes'];
  rows.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  for (let i = 0; i < N; i++) {
    const r = rows[i];
    assert.equal(r['c-ip'], `10.0.${i >> 8}.${i & 255}`);
    assert.equal(r['sc-status'], i % 5 ? 200 : 503);
    assert.equal(r['sc-bytes'], BigInt(i * 1000));
    assert.equal(r['time-taken'], i / 1000);
    assert.equal(r['cs(Referer)'] ?? null, i % 3 ? `https://r/${i}` : null);
    assert.equal(r['cs(Host)'] ?? null, null);
  }
});
