// The delivery engine against misconfigured destinations (issue 9): each
// misconfiguration of the seed's permission rules delivers NOTHING, shows in
// GetDeliveryStatus (state FAILING, the refused call, AWS's denial naming the
// principal, the action, the resource and the policy type that lacks the
// grant) and, where it can be fixed, the backlog is delivered once it is.
// Then the producer's side: backpressure (--delivery-backlog-mb) and
// PutVendedLogEvents' input rules (PutLogEvents' limits and messages), and
// who may produce for a resource.
//
// Clients: the AWS SDK for JavaScript v3 for every AWS operation; Sluice's
// extension operations (PutVendedLogEvents, GetDeliveryStatus,
// CreateLogDelivery) as signed JSON 1.1 calls. Flush window: 1 s.
//
// Sources: the seed (enable-logging-from-aws-services.txt): the bucket
// policy's aws:SourceAccount / aws:SourceArn conditions ("to help prevent
// the confused deputy problem"), V1 `arn:aws:logs:R:A:*` and V2
// `...:delivery-source:*` source ARNs; "Amazon S3 bucket server-side
// encryption": a customer managed key needs the "Allow Logs Delivery to use
// the key" statement, an AWS managed key delivers "in an unreadable
// format"; the AWSServiceRoleForLogDelivery policy's
// aws:ResourceTag/LogDeliveryEnabled condition; AWSLogDeliveryWrite20150319.
// PutLogEvents API reference for the input limits (10,000 events,
// 1,048,576 bytes counting 26 per event, chronological order, 24 hours,
// 14 days old / 2 hours new -> rejectedLogEventsInfo).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  PutDeliverySourceCommand, PutDeliveryDestinationCommand, CreateDeliveryCommand, DeleteDeliveryCommand,
  PutDeliveryDestinationPolicyCommand, CreateLogGroupCommand, GetLogEventsCommand, DescribeLogStreamsCommand,
  DescribeResourcePoliciesCommand, PutResourcePolicyCommand, DeleteResourcePolicyCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateBucketCommand, DeleteBucketCommand, DeleteObjectCommand, ListObjectsV2Command, GetObjectCommand,
  HeadObjectCommand, GetBucketPolicyCommand, PutBucketPolicyCommand, DeleteBucketPolicyCommand,
  PutBucketEncryptionCommand,
} from '@aws-sdk/client-s3';
import { KMSClient, CreateKeyCommand, PutKeyPolicyCommand, DescribeKeyCommand } from '@aws-sdk/client-kms';
import {
  DescribeDeliveryStreamCommand, ListTagsForDeliveryStreamCommand, UntagDeliveryStreamCommand,
  TagDeliveryStreamCommand,
} from '@aws-sdk/client-firehose';
import { startServer, teardown, expectAwsError, uniq, REGION, DAY, HOUR } from './harness.mjs';
import {
  clients, bucketName, logsCall, produceEvents, deliveryStatus, until, s3Lines, s3Texts, firehoseToS3,
} from './delivery-helpers.mjs';
import { s3Client } from './s3-helpers.mjs';

let srv, logs, acct, s3, iam, fh, kms;

before(async () => {
  srv = await startServer({ extraArgs: ['--delivery-flush-seconds', '1'] });
  ({ logs, acct, s3, iam, fh } = clients(srv));
  kms = new KMSClient({ endpoint: srv.endpoint, region: REGION, credentials: srv.credentials(), maxAttempts: 1 });
});
after(async () => { await teardown(srv); });

// ---- helpers ----

const LOGS_DELIVERY = 'delivery.logs.amazonaws.com';
const esc = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const dist = (a = acct) => `arn:aws:cloudfront::${a}:distribution/E${uniq('d').replace(/[^A-Za-z0-9]/g, '').toUpperCase().slice(-12)}`;
const distId = (arn) => arn.split('/').pop();
/** A CloudFront access-log record identified by its cs-uri-stem. */
const rec = (stem) => ({ date: '2026-12-07', time: '10:00:00', 'x-edge-location': 'SOF50-P2', 'c-ip': '192.0.2.1',
  'cs-method': 'GET', 'cs-uri-stem': stem, 'sc-status': 200, 'sc-bytes': 100 });
/** A record whose message is exactly `len` bytes (ASCII). */
function recOfLength(stem, len) {
  const base = JSON.stringify({ 'cs-uri-stem': stem, pad: '' }).length;
  assert.ok(len >= base);
  return JSON.stringify({ 'cs-uri-stem': stem, pad: 'x'.repeat(len - base) });
}
const produce = (res, stems, creds, s = srv) => produceEvents(s, res, 'ACCESS_LOGS', stems.map(rec), creds);
async function produceOk(res, stems, creds, s = srv) {
  const r = await produce(res, stems, creds, s);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.deepEqual(r.json, {}, 'nothing rejected');
}
const status = (id, creds, s = srv) => deliveryStatus(s, id, creds);
const failing = (id, creds, s = srv) => until(`delivery ${id} FAILING`, async () => {
  const st = await status(id, creds, s);
  return st.state === 'FAILING' ? st : null;
});
/** Wait until the delivery has delivered n records and holds none. */
const deliveredAll = (id, n, creds, s = srv, ms = 30000) => until(`${n} records delivered by ${id}`, async () => {
  const st = await status(id, creds, s);
  return st.deliveredRecords >= n && st.backlogRecords === 0 ? st : null;
}, ms);
/** The cs-uri-stem of every JSON line delivered into the bucket. */
const stems = async (bucket, client = s3) => (await s3Lines(client, bucket)).map((l) => JSON.parse(l)['cs-uri-stem']);
const sorted = (a) => [...a].sort();
/** AWS's AccessDenied text for delivery.logs.amazonaws.com. */
const deniedService = (action, resource) =>
  `User: ${LOGS_DELIVERY} is not authorized to perform: ${action} on resource: ${resource} because no resource-based policy allows the ${action} action`;
/** The same for an S3 object key of a V2 CloudFront delivery (the key is random). */
const deniedPutRe = (bucket, a = acct) => new RegExp(`^${esc(`User: ${LOGS_DELIVERY} is not authorized to perform: s3:PutObject on resource: arn:aws:s3:::${bucket}/AWSLogs/${a}/CloudFront/`)}[^ ]+\\.\\d{4}-\\d\\d-\\d\\d-\\d\\d\\.[0-9a-f]{8}\\.gz${esc(' because no resource-based policy allows the s3:PutObject action')}\\.?$`);

/** A V2 delivery of a new distribution's ACCESS_LOGS (json, cs-uri-stem) to an S3 bucket. */
async function s3Delivery({ bucket, create = true, l = logs, s3c = s3, destLogs = l } = {}) {
  bucket ??= bucketName('den');
  if (create) await s3c.send(new CreateBucketCommand({ Bucket: bucket }));
  const res = dist();
  const src = (await l.send(new PutDeliverySourceCommand({ name: uniq('src'), resourceArn: res, logType: 'ACCESS_LOGS' }))).deliverySource;
  const dst = (await destLogs.send(new PutDeliveryDestinationCommand({ name: uniq('dst'), outputFormat: 'json',
    deliveryDestinationConfiguration: { destinationResourceArn: `arn:aws:s3:::${bucket}` } }))).deliveryDestination;
  const del = (await l.send(new CreateDeliveryCommand({ deliverySourceName: src.name, deliveryDestinationArn: dst.arn,
    recordFields: ['cs-uri-stem'] }))).delivery;
  return { bucket, res, src, dst, del };
}
const bucketPolicy = async (bucket, client = s3) => JSON.parse((await client.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy);
const putBucketPolicy = (bucket, doc, client = s3) => client.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(doc) }));
/** A copy of a bucket policy with each statement's condition changed by fn. */
function withConditions(doc, fn) {
  const copy = structuredClone(doc);
  for (const s of copy.Statement) fn(s.Condition);
  return copy;
}
/** The seed's S3 statements for source account a (V2 source ARNs unless sourceArn is given). */
const seedBucketPolicy = (bucket, a, sourceArn = `arn:aws:logs:${REGION}:${a}:delivery-source:*`) => ({
  Version: '2012-10-17', Id: 'AWSLogDeliveryWrite20150319', Statement: [
    { Sid: 'AWSLogDeliveryAclCheck', Effect: 'Allow', Principal: { Service: LOGS_DELIVERY }, Action: 's3:GetBucketAcl',
      Resource: `arn:aws:s3:::${bucket}`,
      Condition: { StringEquals: { 'aws:SourceAccount': [a] }, ArnLike: { 'aws:SourceArn': [sourceArn] } } },
    { Sid: 'AWSLogDeliveryWrite', Effect: 'Allow', Principal: { Service: LOGS_DELIVERY }, Action: 's3:PutObject',
      Resource: `arn:aws:s3:::${bucket}/AWSLogs/${a}/*`,
      Condition: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', 'aws:SourceAccount': [a] },
        ArnLike: { 'aws:SourceArn': [sourceArn] } } },
  ] });
/** Assert a FAILING status: the refused call, its code and message, what waits. */
function assertFailing(st, { code, action, message, why, backlog, delivered = 0 }) {
  assert.equal(st.state, 'FAILING');
  assert.equal(st.lastErrorCode, code, JSON.stringify(st));
  assert.equal(st.lastErrorAction, action, JSON.stringify(st));
  // The message is AWS's (first line) followed by the engine's trace of the
  // policies it evaluated, which says which statement or condition failed.
  const [first] = st.lastErrorMessage.split('\n');
  if (message instanceof RegExp) assert.match(first, message);
  else if (message !== undefined) assert.equal(first === `${message}.` ? message : first, message);
  if (why) assert.match(st.lastErrorMessage, why, st.lastErrorMessage);
  assert.equal(st.backlogRecords, backlog, 'every record waits');
  assert.equal(st.deliveredRecords, delivered, 'nothing more delivered');
  assert.ok(st.failedAttempts >= 1);
  assert.ok(st.lastErrorTime > 0);
}

// ---- 1. S3 bucket policies: the confused-deputy conditions ----

test('S3: a bucket policy whose aws:SourceAccount is another account refuses; the right account delivers the backlog', async () => {
  const d = await s3Delivery();
  const good = await bucketPolicy(d.bucket);
  await putBucketPolicy(d.bucket, withConditions(good, (c) => { c.StringEquals['aws:SourceAccount'] = ['111122223333']; }));
  await produceOk(d.res, ['/sa/1', '/sa/2']);
  assertFailing(await failing(d.del.id), { code: 'AccessDenied', action: 's3:PutObject', message: deniedPutRe(d.bucket), backlog: 2,
    why: /aws:SourceAccount fails/ });
  assert.deepEqual(await stems(d.bucket), [], 'nothing delivered');
  await putBucketPolicy(d.bucket, good);
  const ok = await deliveredAll(d.del.id, 2);
  assert.notEqual(ok.state, 'FAILING');
  assert.deepEqual(await stems(d.bucket), ['/sa/1', '/sa/2'], 'the backlog, once, in order');
});

test('S3 (V2): aws:SourceArn must match the delivery source; delivery-source:other* refuses, the source\'s ARN delivers', async () => {
  const d = await s3Delivery();
  const good = await bucketPolicy(d.bucket);
  await putBucketPolicy(d.bucket, withConditions(good, (c) => {
    c.ArnLike['aws:SourceArn'] = [`arn:aws:logs:${REGION}:${acct}:delivery-source:other*`];
  }));
  await produceOk(d.res, ['/arn/1']);
  assertFailing(await failing(d.del.id), { code: 'AccessDenied', action: 's3:PutObject', message: deniedPutRe(d.bucket), backlog: 1 });
  assert.deepEqual(await stems(d.bucket), []);
  // Exactly this source's ARN (ArnEquals): the writes carry it as aws:SourceArn.
  assert.equal(d.src.arn, `arn:aws:logs:${REGION}:${acct}:delivery-source:${d.src.name}`);
  await putBucketPolicy(d.bucket, withConditions(good, (c) => {
    delete c.ArnLike;
    c.ArnEquals = { 'aws:SourceArn': d.src.arn };
  }));
  await deliveredAll(d.del.id, 1);
  assert.deepEqual(await stems(d.bucket), ['/arn/1']);
});

test('S3 (V1): a V2-style aws:SourceArn (delivery-source:*) does not match a V1 log delivery; the seed\'s arn:aws:logs:R:A:* does', async () => {
  const bucket = bucketName('v1arn');
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const vpc = `arn:aws:ec2:${REGION}:${acct}:vpc/vpc-${Date.now().toString(16)}`;
  const r = await logsCall(srv, 'CreateLogDelivery', { resourceArn: vpc, logType: 'VPC_FLOW_LOGS', destinationArn: `arn:aws:s3:::${bucket}` });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const id = r.json.logDelivery.id;
  const good = await bucketPolicy(bucket);
  assert.deepEqual(good.Statement.map((s) => [].concat(s.Condition.ArnLike['aws:SourceArn'])),
    [[`arn:aws:logs:${REGION}:${acct}:*`], [`arn:aws:logs:${REGION}:${acct}:*`]], 'the seed\'s V1 policy');
  await putBucketPolicy(bucket, withConditions(good, (c) => {
    c.ArnLike['aws:SourceArn'] = [`arn:aws:logs:${REGION}:${acct}:delivery-source:*`];
  }));
  const line = '2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK';
  const p = await produceEvents(srv, vpc, 'VPC_FLOW_LOGS', [line]);
  assert.equal(p.status, 200, JSON.stringify(p.json));
  const st = await failing(id);
  assertFailing(st, { code: 'AccessDenied', action: 's3:PutObject', backlog: 1,
    message: new RegExp(`^${esc(`User: ${LOGS_DELIVERY} is not authorized to perform: s3:PutObject on resource: arn:aws:s3:::${bucket}/AWSLogs/${acct}/vpcflowlogs/${REGION}/`)}\\S+ because no resource-based policy allows the s3:PutObject action\\.?$`),
    why: /aws:SourceArn fails/ });
  assert.equal((await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).KeyCount, 0);
  await putBucketPolicy(bucket, good);
  await deliveredAll(id, 1);
  assert.deepEqual(await s3Lines(s3, bucket), [line]);
});

test('a failing destination holds back nothing else: the same source\'s log group delivery receives while its S3 delivery fails', async () => {
  const d = await s3Delivery();
  const group = uniq('/aws/vendedlogs/den');
  await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
  const gdst = (await logs.send(new PutDeliveryDestinationCommand({ name: uniq('dst'), outputFormat: 'json',
    deliveryDestinationConfiguration: { destinationResourceArn: `arn:aws:logs:${REGION}:${acct}:log-group:${group}` } }))).deliveryDestination;
  const gdel = (await logs.send(new CreateDeliveryCommand({ deliverySourceName: d.src.name, deliveryDestinationArn: gdst.arn,
    recordFields: ['cs-uri-stem'] }))).delivery;
  const policy = (await s3.send(new GetBucketPolicyCommand({ Bucket: d.bucket }))).Policy;
  await s3.send(new DeleteBucketPolicyCommand({ Bucket: d.bucket }));
  await produceOk(d.res, ['/both/1', '/both/2']);
  assertFailing(await failing(d.del.id), { code: 'AccessDenied', action: 's3:PutObject', message: deniedPutRe(d.bucket), backlog: 2 });
  const g = await deliveredAll(gdel.id, 2);
  assert.equal(g.state, 'IDLE');
  const ev = (await logs.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: `${distId(d.res)}_ACCESS_LOGS`, startFromHead: true }))).events;
  assert.deepEqual(ev.map((e) => JSON.parse(e.message)['cs-uri-stem']), ['/both/1', '/both/2']);
  await s3.send(new PutBucketPolicyCommand({ Bucket: d.bucket, Policy: policy }));
  await deliveredAll(d.del.id, 2);
  assert.deepEqual(await stems(d.bucket), ['/both/1', '/both/2']);
});

// ---- 2. SSE-KMS default encryption ----

const adminStatement = () => ({ Sid: 'Enable IAM User Permissions', Effect: 'Allow',
  Principal: { AWS: `arn:aws:iam::${acct}:root` }, Action: 'kms:*', Resource: '*' });
/** The seed's key policy statement (V2 form). */
const logsKeyStatement = () => ({ Sid: 'Allow Logs Delivery to use the key', Effect: 'Allow',
  Principal: { Service: [LOGS_DELIVERY] },
  Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'], Resource: '*',
  Condition: { StringEquals: { 'aws:SourceAccount': [acct] },
    ArnLike: { 'aws:SourceArn': [`arn:aws:logs:${REGION}:${acct}:delivery-source:*`] } } });
const keyPolicy = (...st) => JSON.stringify({ Version: '2012-10-17', Statement: [adminStatement(), ...st] });
async function kmsBucket(keyId) {
  const bucket = bucketName('kms');
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutBucketEncryptionCommand({ Bucket: bucket, ServerSideEncryptionConfiguration: {
    Rules: [{ ApplyServerSideEncryptionByDefault: keyId ? { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyId } : { SSEAlgorithm: 'aws:kms' } }] } }));
  return bucket;
}
/** The one object in the bucket, read by the owner: { key, head, lines }. */
async function onlyObject(bucket) {
  const l = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  assert.equal(l.KeyCount, 1, JSON.stringify(l.Contents?.map((o) => o.Key)));
  const key = l.Contents[0].Key;
  return { key, head: await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })) };
}

test('SSE-KMS with a customer key whose policy has the seed\'s statement: delivered, encrypted under it, readable by the owner', async () => {
  const key = (await kms.send(new CreateKeyCommand({ Policy: keyPolicy(logsKeyStatement()) }))).KeyMetadata;
  const bucket = await kmsBucket(key.Arn);
  const d = await s3Delivery({ bucket, create: false });
  await produceOk(d.res, ['/kms/1', '/kms/2']);
  await deliveredAll(d.del.id, 2);
  const { head } = await onlyObject(bucket);
  assert.equal(head.ServerSideEncryption, 'aws:kms');
  assert.equal(head.SSEKMSKeyId, key.Arn);
  assert.deepEqual(await stems(bucket), ['/kms/1', '/kms/2'], 'the bucket owner reads it (kms:Decrypt by the key policy)');
});

test('SSE-KMS with a customer key without the statement: FAILING naming kms:GenerateDataKey; the statement added, the backlog arrives', async () => {
  const key = (await kms.send(new CreateKeyCommand({ Policy: keyPolicy() }))).KeyMetadata;
  const bucket = await kmsBucket(key.Arn);
  const d = await s3Delivery({ bucket, create: false });
  await produceOk(d.res, ['/nokey/1']);
  assertFailing(await failing(d.del.id), { code: 'AccessDenied', action: 's3:PutObject', backlog: 1,
    message: deniedService('kms:GenerateDataKey', key.Arn) });
  assert.equal((await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).KeyCount, 0, 'nothing written');
  await kms.send(new PutKeyPolicyCommand({ KeyId: key.KeyId, PolicyName: 'default', Policy: keyPolicy(logsKeyStatement()) }));
  await deliveredAll(d.del.id, 1);
  const { head } = await onlyObject(bucket);
  assert.equal(head.SSEKMSKeyId, key.Arn);
  assert.deepEqual(await stems(bucket), ['/nokey/1']);
});

test('SSE-KMS with the AWS managed key: delivered, but under log delivery\'s own aws/s3 key, so the owner cannot read it (the seed\'s warning)', async () => {
  const bucket = await kmsBucket(null);
  const d = await s3Delivery({ bucket, create: false });
  await produceOk(d.res, ['/managed/1']);
  const st = await deliveredAll(d.del.id, 1);
  assert.equal(st.state, 'IDLE');
  assert.equal(st.lastErrorCode, undefined, 'no failure: AWS reports none either');
  const { key, head } = await onlyObject(bucket);
  assert.equal(head.ServerSideEncryption, 'aws:kms');
  const own = (await kms.send(new DescribeKeyCommand({ KeyId: 'alias/aws/s3' }))).KeyMetadata.Arn;
  assert.match(head.SSEKMSKeyId, new RegExp(`^arn:aws:kms:${REGION}:\\d{12}:key/`));
  assert.notEqual(head.SSEKMSKeyId, own, 'not the bucket owner\'s aws/s3 key');
  assert.ok(!head.SSEKMSKeyId.includes(`:${acct}:`), 'a key of no account of the owner');
  await expectAwsError(() => s3.send(new GetObjectCommand({ Bucket: bucket, Key: key })), 'AccessDenied',
    `User: arn:aws:iam::${acct}:root is not authorized to perform: kms:Decrypt on resource: ${head.SSEKMSKeyId} because no resource-based policy allows the kms:Decrypt action`,
    { status: 403 });
});

// ---- 3. The bucket changed hands ----

test('S3: the bucket deleted and re-created by another account: FAILING with the owner message, nothing written to it', async () => {
  const d = await s3Delivery();
  await produceOk(d.res, ['/own/1']);
  await deliveredAll(d.del.id, 1);
  const pol = (await s3.send(new GetBucketPolicyCommand({ Bucket: d.bucket }))).Policy;
  for (const o of (await s3.send(new ListObjectsV2Command({ Bucket: d.bucket }))).Contents) {
    await s3.send(new DeleteObjectCommand({ Bucket: d.bucket, Key: o.Key }));
  }
  await s3.send(new DeleteBucketCommand({ Bucket: d.bucket }));
  const other = `own${Date.now().toString(36)}`;
  const otherId = await srv.accountCreate(other);
  const s3O = s3Client(srv, { credentials: srv.credentials(other) });
  await s3O.send(new CreateBucketCommand({ Bucket: d.bucket }));
  // The new owner even copies the old policy: the delivery principal's write
  // would be allowed, so only the owner check stands between them.
  await s3O.send(new PutBucketPolicyCommand({ Bucket: d.bucket, Policy: pol }));
  await produceOk(d.res, ['/own/2']);
  assertFailing(await failing(d.del.id), { code: 'AccessDenied', action: 's3:PutObject', backlog: 1, delivered: 1,
    message: `The bucket ${d.bucket} is now owned by account ${otherId}, not ${acct} as when the delivery was set up: log delivery does not write to it. Re-create the delivery to deliver to the new owner.` });
  assert.equal((await s3O.send(new ListObjectsV2Command({ Bucket: d.bucket }))).KeyCount, 0, 'nothing for the new owner');
});

// ---- 4. Firehose: the service-linked role's tag condition ----

test('Firehose: records arrive in the stream\'s S3 destination, newline-delimited; untagged, FAILING; tagged again, delivered', async () => {
  const { stream, arn, bucket } = await firehoseToS3({ iam, s3, fh, acct });
  await until('the stream ACTIVE', async () =>
    (await fh.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: stream }))).DeliveryStreamDescription.DeliveryStreamStatus === 'ACTIVE');
  const res = dist();
  const src = (await logs.send(new PutDeliverySourceCommand({ name: uniq('src'), resourceArn: res, logType: 'ACCESS_LOGS' }))).deliverySource;
  const dst = (await logs.send(new PutDeliveryDestinationCommand({ name: uniq('fhd'), outputFormat: 'json',
    deliveryDestinationConfiguration: { destinationResourceArn: arn } }))).deliveryDestination;
  const del = (await logs.send(new CreateDeliveryCommand({ deliverySourceName: src.name, deliveryDestinationArn: dst.arn,
    recordFields: ['cs-uri-stem'] }))).delivery;
  const tag = { Key: 'LogDeliveryEnabled', Value: 'true' };
  assert.deepEqual((await fh.send(new ListTagsForDeliveryStreamCommand({ DeliveryStreamName: stream }))).Tags, [tag]);
  await produceOk(res, ['/fh/1', '/fh/2']);
  const first = await until('an object from the stream', async () => {
    const t = await s3Texts(s3, bucket);
    return t.length ? t : null;
  });
  assert.equal(first.length, 1);
  assert.equal(first[0].text, '{"cs-uri-stem":"/fh/1"}\n{"cs-uri-stem":"/fh/2"}\n', 'one record per line, newline-delimited');
  assert.match(first[0].key, new RegExp(`^\\d{4}/\\d{2}/\\d{2}/\\d{2}/${esc(stream)}-1-`));
  await deliveredAll(del.id, 2);

  await fh.send(new UntagDeliveryStreamCommand({ DeliveryStreamName: stream, TagKeys: ['LogDeliveryEnabled'] }));
  await produceOk(res, ['/fh/3']);
  assertFailing(await failing(del.id), { code: 'AccessDeniedException', action: 'firehose:PutRecordBatch', backlog: 1, delivered: 2,
    why: /aws:ResourceTag\/LogDeliveryEnabled fails/,
    message: `User: arn:aws:sts::${acct}:assumed-role/AWSServiceRoleForLogDelivery/LogDelivery is not authorized to perform: firehose:PutRecordBatch on resource: ${arn} because no identity-based policy allows the firehose:PutRecordBatch action` });
  assert.deepEqual(await stems(bucket), ['/fh/1', '/fh/2'], 'nothing more reached the stream');

  await fh.send(new TagDeliveryStreamCommand({ DeliveryStreamName: stream, Tags: [tag] }));
  const ok = await deliveredAll(del.id, 3);
  assert.notEqual(ok.state, 'FAILING');
  const all = await until('the backlog through the stream', async () => {
    const s = await stems(bucket);
    return s.length >= 3 ? s : null;
  });
  assert.deepEqual(sorted(all), ['/fh/1', '/fh/2', '/fh/3']);
});

// ---- 5. CloudWatch Logs: the account policy, a log-group-scoped policy ----

const groupArn = (g) => `arn:aws:logs:${REGION}:${acct}:log-group:${g}`;
async function cwlDelivery(group) {
  await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
  const res = dist();
  const src = (await logs.send(new PutDeliverySourceCommand({ name: uniq('src'), resourceArn: res, logType: 'ACCESS_LOGS' }))).deliverySource;
  const dst = (await logs.send(new PutDeliveryDestinationCommand({ name: uniq('dst'), outputFormat: 'json',
    deliveryDestinationConfiguration: { destinationResourceArn: groupArn(group) } }))).deliveryDestination;
  const del = (await logs.send(new CreateDeliveryCommand({ deliverySourceName: src.name, deliveryDestinationArn: dst.arn,
    recordFields: ['cs-uri-stem'] }))).delivery;
  return { group, res, del, stream: `${distId(res)}_ACCESS_LOGS` };
}
async function groupStems(d) {
  const ev = (await logs.send(new GetLogEventsCommand({ logGroupName: d.group, logStreamName: d.stream, startFromHead: true }))).events;
  return ev.map((e) => JSON.parse(e.message)['cs-uri-stem']);
}
const accountPolicy = async () => (await logs.send(new DescribeResourcePoliciesCommand({}))).resourcePolicies
  .find((p) => p.policyName === 'AWSLogDeliveryWrite20150319');

test('CloudWatch Logs: AWSLogDeliveryWrite20150319 deleted: FAILING naming logs:CreateLogStream; put back, delivered', async () => {
  const d = await cwlDelivery(uniq('/custom/den'));
  const saved = await accountPolicy();
  assert.ok(saved, 'the automatic account policy');
  await logs.send(new DeleteResourcePolicyCommand({ policyName: 'AWSLogDeliveryWrite20150319' }));
  try {
    await produceOk(d.res, ['/cwl/1']);
    assertFailing(await failing(d.del.id), { code: 'AccessDeniedException', action: 'logs:CreateLogStream', backlog: 1,
      message: deniedService('logs:CreateLogStream', `${groupArn(d.group)}:log-stream:${d.stream}`) });
    assert.deepEqual((await logs.send(new DescribeLogStreamsCommand({ logGroupName: d.group }))).logStreams, [], 'no stream made');
  } finally {
    await logs.send(new PutResourcePolicyCommand({ policyName: saved.policyName, policyDocument: saved.policyDocument }));
  }
  await deliveredAll(d.del.id, 1);
  assert.deepEqual(await groupStems(d), ['/cwl/1']);
});

test('CloudWatch Logs: a log-group-scoped policy granting delivery.logs.amazonaws.com delivers; removed, FAILING naming logs:PutLogEvents', async () => {
  const d = await cwlDelivery(uniq('/custom/scoped'));
  // Take the group out of the account policy CreateDelivery extended.
  const pol = await accountPolicy();
  const doc = JSON.parse(pol.policyDocument);
  for (const st of doc.Statement) st.Resource = [].concat(st.Resource).filter((r) => !r.includes(d.group));
  doc.Statement = doc.Statement.filter((st) => st.Resource.length);
  if (doc.Statement.length) await logs.send(new PutResourcePolicyCommand({ policyName: pol.policyName, policyDocument: JSON.stringify(doc) }));
  else await logs.send(new DeleteResourcePolicyCommand({ policyName: pol.policyName }));
  assert.ok(!((await accountPolicy())?.policyDocument ?? '').includes(d.group));
  await produceOk(d.res, ['/scoped/1']);
  assertFailing(await failing(d.del.id), { code: 'AccessDeniedException', action: 'logs:CreateLogStream', backlog: 1,
    message: deniedService('logs:CreateLogStream', `${groupArn(d.group)}:log-stream:${d.stream}`) });
  const put = await logs.send(new PutResourcePolicyCommand({ resourceArn: groupArn(d.group), policyDocument: JSON.stringify({
    Version: '2012-10-17', Statement: [{ Sid: 'AWSLogDeliveryWrite', Effect: 'Allow', Principal: { Service: LOGS_DELIVERY },
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: `${groupArn(d.group)}:log-stream:*`,
      Condition: { StringEquals: { 'aws:SourceAccount': acct },
        ArnLike: { 'aws:SourceArn': `arn:aws:logs:${REGION}:${acct}:delivery-source:*` } } }] }) }));
  assert.equal(put.resourcePolicy.policyScope, 'RESOURCE');
  await deliveredAll(d.del.id, 1);
  assert.deepEqual(await groupStems(d), ['/scoped/1']);
  // The stream exists now: without the policy the refused call is PutLogEvents.
  await logs.send(new DeleteResourcePolicyCommand({ resourceArn: groupArn(d.group), expectedRevisionId: put.revisionId }));
  await produceOk(d.res, ['/scoped/2']);
  assertFailing(await failing(d.del.id), { code: 'AccessDeniedException', action: 'logs:PutLogEvents', backlog: 1, delivered: 1,
    message: deniedService('logs:PutLogEvents', `${groupArn(d.group)}:log-stream:${d.stream}`) });
  assert.deepEqual(await groupStems(d), ['/scoped/1']);
});

// ---- 6. Cross-account V2 to S3 ----

test('cross-account V2 to S3: FAILING until B\'s bucket policy allows A\'s sources; then delivered into B\'s bucket', async () => {
  const nameB = `xb${Date.now().toString(36)}`;
  const bId = await srv.accountCreate(nameB);
  const credsB = srv.credentials(nameB);
  const logsB = srv.client({ credentials: credsB });
  const s3B = s3Client(srv, { credentials: credsB });
  const bucket = bucketName('xacct');
  await s3B.send(new CreateBucketCommand({ Bucket: bucket }));
  const dst = (await logsB.send(new PutDeliveryDestinationCommand({ name: uniq('dstb'), outputFormat: 'json',
    deliveryDestinationConfiguration: { destinationResourceArn: `arn:aws:s3:::${bucket}` } }))).deliveryDestination;
  await logsB.send(new PutDeliveryDestinationPolicyCommand({ deliveryDestinationName: dst.name,
    deliveryDestinationPolicy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'AllowCreateDelivery', Effect: 'Allow',
      Principal: { AWS: acct }, Action: 'logs:CreateDelivery', Resource: dst.arn }] }) }));
  const res = dist();
  const src = (await logs.send(new PutDeliverySourceCommand({ name: uniq('src'), resourceArn: res, logType: 'ACCESS_LOGS' }))).deliverySource;
  const del = (await logs.send(new CreateDeliveryCommand({ deliverySourceName: src.name, deliveryDestinationArn: dst.arn,
    recordFields: ['cs-uri-stem'] }))).delivery;
  // B's bucket has the seed's policy, but for B's own sources: A's are not let in.
  await putBucketPolicy(bucket, seedBucketPolicy(bucket, bId), s3B);
  await produceOk(res, ['/x/1', '/x/2', '/x/3']);
  assertFailing(await failing(del.id), { code: 'AccessDenied', action: 's3:PutObject', backlog: 3, message: deniedPutRe(bucket) });
  assert.equal((await s3B.send(new ListObjectsV2Command({ Bucket: bucket }))).KeyCount, 0);
  // The status is the delivery owner's: B does not see A's delivery.
  const other = await logsCall(srv, 'GetDeliveryStatus', { id: del.id }, credsB);
  assert.equal(other.status, 400);
  assert.equal(other.json.__type, 'ResourceNotFoundException');
  // The seed's statements for A, written by B.
  await putBucketPolicy(bucket, seedBucketPolicy(bucket, acct), s3B);
  await deliveredAll(del.id, 3);
  assert.deepEqual(sorted(await stems(bucket, s3B)), ['/x/1', '/x/2', '/x/3'], 'B reads them (bucket-owner-full-control)');
  for (const o of (await s3B.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents) {
    assert.ok(o.Key.startsWith(`AWSLogs/${acct}/CloudFront/`), o.Key);
  }
});

// ---- 8. Backpressure ----

test('backpressure: past --delivery-backlog-mb a failing delivery\'s producer gets ThrottlingException; DeleteDelivery drops the backlog', async () => {
  const bp = await startServer({ extraArgs: ['--delivery-flush-seconds', '1', '--delivery-backlog-mb', '1'] });
  try {
    const c = clients(bp);
    const mk = async (bucket) => {
      await c.s3.send(new CreateBucketCommand({ Bucket: bucket }));
      const res = dist(c.acct);
      const src = (await c.logs.send(new PutDeliverySourceCommand({ name: uniq('src'), resourceArn: res, logType: 'ACCESS_LOGS' }))).deliverySource;
      const dst = (await c.logs.send(new PutDeliveryDestinationCommand({ name: uniq('dst'), outputFormat: 'json',
        deliveryDestinationConfiguration: { destinationResourceArn: `arn:aws:s3:::${bucket}` } }))).deliveryDestination;
      const del = (await c.logs.send(new CreateDeliveryCommand({ deliverySourceName: src.name, deliveryDestinationArn: dst.arn,
        recordFields: ['cs-uri-stem'] }))).delivery;
      return { bucket, res, src, del };
    };
    const stuck = await mk(bucketName('bpfail'));
    const policy = (await c.s3.send(new GetBucketPolicyCommand({ Bucket: stuck.bucket }))).Policy;
    await c.s3.send(new DeleteBucketPolicyCommand({ Bucket: stuck.bucket }));
    const fine = await mk(bucketName('bpok'));
    // 10 records of 20,000 bytes per call: 200,000 bytes; the backlog holds 1 MiB.
    const batch = (tag) => Array.from({ length: 10 }, (_, j) => ({ timestamp: Date.now(), message: recOfLength(`/bp/${tag}/${j}`, 20000) }));
    for (let i = 0; i < 5; i++) {
      const r = await produceEvents(bp, stuck.res, 'ACCESS_LOGS', batch(i));
      assert.equal(r.status, 200, `call ${i}: ${JSON.stringify(r.json)}`);
    }
    const full = await produceEvents(bp, stuck.res, 'ACCESS_LOGS', batch(5));
    assert.equal(full.status, 400);
    assert.equal(full.json.__type, 'ThrottlingException', JSON.stringify(full.json));
    assert.match(full.json.message, /Rate exceeded/);
    assert.match(full.headers['x-amzn-requestid'] ?? '', /\S/);
    const st = await failing(stuck.del.id, undefined, bp);
    assert.equal(st.backlogRecords, 50, 'the refused call added nothing');
    assert.equal(st.backlogBytes, 1000000);
    assert.equal(st.lastErrorAction, 's3:PutObject');
    // Other deliveries are not held back.
    const ok = await produceEvents(bp, fine.res, 'ACCESS_LOGS', batch('fine'));
    assert.equal(ok.status, 200, JSON.stringify(ok.json));
    await deliveredAll(fine.del.id, 10, undefined, bp);
    // Deleting the delivery drops its backlog: no status, and its resource's producer is accepted again.
    await c.logs.send(new DeleteDeliveryCommand({ id: stuck.del.id }));
    const gone = await logsCall(bp, 'GetDeliveryStatus', { id: stuck.del.id });
    assert.equal(gone.status, 400);
    assert.equal(gone.json.__type, 'ResourceNotFoundException');
    assert.equal(gone.json.message, 'Requested Delivery does not exist in this account.');
    const again = await produceEvents(bp, stuck.res, 'ACCESS_LOGS', batch('dropped'));
    assert.equal(again.status, 200, JSON.stringify(again.json));
    // A new delivery of the same source gets only what is produced from now on.
    const bucket2 = bucketName('bpnew');
    await c.s3.send(new CreateBucketCommand({ Bucket: bucket2 }));
    const dst2 = (await c.logs.send(new PutDeliveryDestinationCommand({ name: uniq('dst'), outputFormat: 'json',
      deliveryDestinationConfiguration: { destinationResourceArn: `arn:aws:s3:::${bucket2}` } }))).deliveryDestination;
    const del2 = (await c.logs.send(new CreateDeliveryCommand({ deliverySourceName: stuck.src.name, deliveryDestinationArn: dst2.arn,
      recordFields: ['cs-uri-stem'] }))).delivery;
    await c.s3.send(new PutBucketPolicyCommand({ Bucket: stuck.bucket, Policy: policy }));
    const after1 = await produceEvents(bp, stuck.res, 'ACCESS_LOGS', batch('after'));
    assert.equal(after1.status, 200, JSON.stringify(after1.json));
    await deliveredAll(del2.id, 10, undefined, bp);
    assert.deepEqual(sorted(await stems(bucket2, c.s3)), sorted(batch('after').map((e) => JSON.parse(e.message)['cs-uri-stem'])));
    assert.deepEqual(await stems(stuck.bucket, c.s3), [], 'the deleted delivery\'s backlog went nowhere');
  } finally {
    await teardown(bp);
  }
});

// ---- 9. PutVendedLogEvents: input rules, and who may produce ----

test('PutVendedLogEvents: PutLogEvents\' limits and messages; rejected events reported, only the rest delivered', async () => {
  const d = await s3Delivery();
  const put = (logEvents) => logsCall(srv, 'PutVendedLogEvents', { resourceArn: d.res, logType: 'ACCESS_LOGS', logEvents });
  const bad = async (logEvents, message) => {
    const r = await put(logEvents);
    assert.equal(r.status, 400, JSON.stringify(r.json)?.slice(0, 300));
    assert.equal(r.json.__type, 'InvalidParameterException', `PutLogEvents' error type for: ${r.json.message?.slice(-160)}`);
    if (message instanceof RegExp) assert.match(r.json.message, message);
    else assert.equal(r.json.message, message);
  };
  const now = Date.now();
  const small = (n, tag) => Array.from({ length: n }, (_, i) => ({ timestamp: now - 60000, message: JSON.stringify({ 'cs-uri-stem': `/${tag}/${i}` }) }));
  await bad([], "1 validation error detected: Value '[]' at 'logEvents' failed to satisfy constraint: Member must have length greater than or equal to 1");
  await bad(small(10001, 'many'),
    /^1 validation error detected: Value .* at 'logEvents' failed to satisfy constraint: Member must have length less than or equal to 10000$/s);
  // sum(len + 26): 4 * (200,000 + 26) + (248,447 + 26) = 1,048,577
  const sized = (last, tag) => [200000, 200000, 200000, 200000, last].map((len, i) => ({ timestamp: now, message: recOfLength(`/${tag}/${i}`, len) }));
  await bad(sized(248447, 'big'), 'Upload too large: 1048577 bytes exceeds limit of 1048576');
  await bad([{ timestamp: now, message: JSON.stringify(rec('/order/0')) }, { timestamp: now - 1000, message: JSON.stringify(rec('/order/1')) }],
    'Log events in a single PutLogEvents request must be in chronological order.');
  await bad([{ timestamp: now - 25 * HOUR, message: JSON.stringify(rec('/span/0')) }, { timestamp: now, message: JSON.stringify(rec('/span/1')) }],
    'The batch of log events in a single PutLogEvents request cannot span more than 24 hours.');
  // Too old (older than 14 days) and too new (more than 2 hours ahead).
  const m = (stem) => JSON.stringify(rec(stem));
  const old = await put([{ timestamp: now - 14 * DAY - 20 * HOUR, message: m('/old/0') }, { timestamp: now - 14 * DAY - 19 * HOUR, message: m('/old/1') },
    { timestamp: now - 14 * DAY + HOUR, message: m('/ok/2') }, { timestamp: now - 14 * DAY + 2 * HOUR, message: m('/ok/3') }]);
  assert.equal(old.status, 200, JSON.stringify(old.json));
  assert.deepEqual(old.json, { rejectedLogEventsInfo: { tooOldLogEventEndIndex: 2 } });
  const fresh = await put([{ timestamp: now - 1000, message: m('/ok/4') }, { timestamp: now + HOUR, message: m('/ok/5') },
    { timestamp: now + 3 * HOUR, message: m('/new/6') }, { timestamp: now + 4 * HOUR, message: m('/new/7') }]);
  assert.equal(fresh.status, 200, JSON.stringify(fresh.json));
  assert.deepEqual(fresh.json, { rejectedLogEventsInfo: { tooNewLogEventStartIndex: 2 } });
  const none = await put([{ timestamp: now + 3 * HOUR, message: m('/new/8') }]);
  assert.deepEqual(none.json, { rejectedLogEventsInfo: { tooNewLogEventStartIndex: 0 } });
  // The limits themselves are accepted: 10,000 events; exactly 1,048,576 bytes.
  const many = await put(small(10000, 'many'));
  assert.equal(many.status, 200, JSON.stringify(many.json));
  assert.deepEqual(many.json, {});
  const exact = await put(sized(248446, 'exact'));
  assert.equal(exact.status, 200, JSON.stringify(exact.json));
  assert.deepEqual(exact.json, {});
  const want = ['/ok/2', '/ok/3', '/ok/4', '/ok/5', ...small(10000, 'many').map((e) => JSON.parse(e.message)['cs-uri-stem']),
    ...[0, 1, 2, 3, 4].map((i) => `/exact/${i}`)];
  await deliveredAll(d.del.id, want.length, undefined, srv, 60000);
  const got = await stems(d.bucket);
  assert.equal(got.length, want.length, 'every accepted event once, nothing of the refused calls');
  assert.deepEqual(sorted(got), sorted(want));
});

test('who may produce: a tenant is refused for its own resource; the owner\'s account policy granting it logs:PutVendedLogEvents lets it', async () => {
  const tenant = `pt${Date.now().toString(36)}`;
  const tId = await srv.accountCreate(tenant);
  const credsT = srv.credentials(tenant);
  const logsT = srv.client({ credentials: credsT });
  const s3T = s3Client(srv, { credentials: credsT });
  const bucket = bucketName('tenant');
  await s3T.send(new CreateBucketCommand({ Bucket: bucket }));
  const res = dist(tId);
  const src = (await logsT.send(new PutDeliverySourceCommand({ name: uniq('src'), resourceArn: res, logType: 'ACCESS_LOGS' }))).deliverySource;
  const dst = (await logsT.send(new PutDeliveryDestinationCommand({ name: uniq('dst'), outputFormat: 'json',
    deliveryDestinationConfiguration: { destinationResourceArn: `arn:aws:s3:::${bucket}` } }))).deliveryDestination;
  const del = (await logsT.send(new CreateDeliveryCommand({ deliverySourceName: src.name, deliveryDestinationArn: dst.arn,
    recordFields: ['cs-uri-stem'] }))).delivery;
  const refused = (r, resource) => {
    assert.equal(r.status, 400, JSON.stringify(r.json));
    assert.equal(r.json.__type, 'AccessDeniedException');
    assert.equal(r.json.message, `User: arn:aws:iam::${tId}:root is not authorized to perform: logs:PutVendedLogEvents on resource: ${resource} because no resource-based policy allows the logs:PutVendedLogEvents action`);
  };
  refused(await produce(res, ['/t/forged'], credsT), res);
  // The tenant granting itself, in its own account, changes nothing: the owner's policies are the resource side.
  await logsT.send(new PutResourcePolicyCommand({ policyName: 'SelfGrant', policyDocument: JSON.stringify({ Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: tId }, Action: 'logs:PutVendedLogEvents', Resource: res }] }) }));
  refused(await produce(res, ['/t/forged'], credsT), res);
  // The owner (the admin account) grants the tenant's principal this resource.
  await logs.send(new PutResourcePolicyCommand({ policyName: uniq('TenantProducer').slice(0, 60), policyDocument: JSON.stringify({ Version: '2012-10-17',
    Statement: [{ Sid: 'TenantProduces', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${tId}:root` }, Action: 'logs:PutVendedLogEvents', Resource: res }] }) }));
  await produceOk(res, ['/t/1', '/t/2'], credsT);
  const otherRes = dist(tId);
  refused(await produce(otherRes, ['/t/other'], credsT), otherRes);
  await deliveredAll(del.id, 2, credsT);
  assert.deepEqual(await stems(bucket, s3T), ['/t/1', '/t/2'], 'only the granted producer\'s records, none of the refused ones');
});
