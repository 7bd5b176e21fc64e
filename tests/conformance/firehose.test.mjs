// Firehose through @aws-sdk/client-firehose, delivered objects read back
// through @aws-sdk/client-s3 (path style): streams and their errors, record
// limits and partial failures, tags as policy context, delivery into S3 with
// gzip as the stream's role, the error output prefix when the role may not
// write the destination, records that stay buffered (and say why) when it
// may write nowhere, and buffered records surviving kill -9 and restarts.
//
// Sources: the Firehose API Reference (CreateDeliveryStream, PutRecordBatch:
// 500 records, 1,000 KiB per record, 4 MiB per call; FailedPutCount and
// per-record ErrorCode/ErrorMessage), the Developer Guide ("Amazon S3 object
// name format", "Custom prefixes", "Monitoring with CloudWatch Logs" for
// S3.AccessDenied, "Controlling access" for the trust policy with
// sts:ExternalId); messages as recorded against AWS ("Firehose X under account
// Y not found.", "Firehose X under accountId Y already exists", "Firehose is
// unable to assume role R. Please check the role provided.", "Records size
// exceeds 4 MB limit", per-record "Slow down.").
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import {
  FirehoseClient, CreateDeliveryStreamCommand, DescribeDeliveryStreamCommand,
  ListDeliveryStreamsCommand, DeleteDeliveryStreamCommand, PutRecordCommand,
  PutRecordBatchCommand, TagDeliveryStreamCommand, UntagDeliveryStreamCommand,
  ListTagsForDeliveryStreamCommand,
} from '@aws-sdk/client-firehose';
import {
  S3Client, CreateBucketCommand, ListObjectsV2Command, GetObjectCommand, PutBucketPolicyCommand,
} from '@aws-sdk/client-s3';
import {
  CreateRoleCommand, PutRolePolicyCommand, DeleteRolePolicyCommand, CreateUserCommand,
  CreateAccessKeyCommand, PutUserPolicyCommand, UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import {
  CreateLogGroupCommand, CreateLogStreamCommand, GetLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { startServer, expectAwsError, teardown, REGION, sleep, uniq } from './harness.mjs';
import { iamClient, name } from './iam-helpers.mjs';
import { listKeys, waitForKeys as waitKeys, objectBytes } from './s3-helpers.mjs';

let srv;
let fh;
let s3;
let iam;
let acct;
const BUCKET = `fh-${process.pid}`;

// Failed deliveries go to the error output after 1 s of retries; a stream
// may hold 2 MiB undelivered before records are refused.
before(async () => {
  srv = await startServer({ extraArgs: ['--firehose-retry-seconds', '1',
    '--firehose-backlog-mb', '2'] });
  acct = srv.adminAccountId;
  fh = firehoseAs(srv.credentials());
  s3 = new S3Client({ endpoint: srv.endpoint, region: REGION, forcePathStyle: true,
    credentials: srv.credentials(), maxAttempts: 1 });
  iam = iamClient(srv);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});
after(() => teardown(srv));

function firehoseAs(credentials) {
  return new FirehoseClient({ endpoint: srv.endpoint, region: REGION, credentials, maxAttempts: 1 });
}

const streamArn = (n) => `arn:aws:firehose:${REGION}:${acct}:deliverystream/${n}`;
const TRUST = () => JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'firehose.amazonaws.com' },
    Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:ExternalId': acct } } }],
});
const allowPut = (...resources) => JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: 's3:PutObject', Resource: resources.map((r) => `arn:aws:s3:::${BUCKET}/${r}`) },
    { Effect: 'Allow', Action: 'logs:PutLogEvents', Resource: '*' },
  ],
});

/** A role Firehose may assume, with an inline policy (or none). */
async function role(policy) {
  const r = name('fhrole');
  await iam.send(new CreateRoleCommand({ RoleName: r, AssumeRolePolicyDocument: TRUST() }));
  if (policy) await iam.send(new PutRolePolicyCommand({ RoleName: r, PolicyName: 'p', PolicyDocument: policy }));
  return { name: r, arn: `arn:aws:iam::${acct}:role/${r}` };
}

async function createStream(n, roleArn, dest = {}, extra = {}) {
  return fh.send(new CreateDeliveryStreamCommand({
    DeliveryStreamName: n,
    ExtendedS3DestinationConfiguration: { RoleARN: roleArn, BucketARN: `arn:aws:s3:::${BUCKET}`, ...dest },
    ...extra,
  }));
}

const keys = (prefix) => listKeys(s3, BUCKET, prefix);
const waitForKeys = (prefix, count = 1, timeoutMs = 15000) => waitKeys(s3, BUCKET, prefix, { count, timeoutMs, srv });
const body = (key) => objectBytes(s3, BUCKET, key);


const enc = (s) => new TextEncoder().encode(s);
const keyRe = (prefix, n, ext = '') => new RegExp(`^${prefix}\\d{4}/\\d{2}/\\d{2}/\\d{2}/${n}-1-\\d{4}-\\d{2}-\\d{2}-\\d{2}-\\d{2}-\\d{2}-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}${ext.replace('.', '\\.')}$`);

describe('delivery streams', () => {
  let r;
  before(async () => { r = await role(allowPut('*')); });

  test('create, CREATING then ACTIVE, describe as AWS does', async () => {
    const n = uniq('fh');
    const out = await createStream(n, r.arn, { Prefix: 'p/', CompressionFormat: 'GZIP' });
    assert.equal(out.DeliveryStreamARN, streamArn(n));
    let d = (await fh.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: n }))).DeliveryStreamDescription;
    assert.equal(d.DeliveryStreamStatus, 'CREATING');
    for (let i = 0; i < 50 && d.DeliveryStreamStatus !== 'ACTIVE'; i++) {
      await sleep(100);
      d = (await fh.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: n }))).DeliveryStreamDescription;
    }
    assert.equal(d.DeliveryStreamStatus, 'ACTIVE');
    assert.equal(d.DeliveryStreamName, n);
    assert.equal(d.DeliveryStreamARN, streamArn(n));
    assert.equal(d.DeliveryStreamType, 'DirectPut');
    assert.equal(d.VersionId, '1');
    assert.equal(d.HasMoreDestinations, false);
    assert.ok(d.CreateTimestamp instanceof Date && Math.abs(d.CreateTimestamp - Date.now()) < 60000);
    assert.deepEqual(d.DeliveryStreamEncryptionConfiguration, { Status: 'DISABLED' });
    assert.equal(d.Destinations.length, 1);
    const dest = d.Destinations[0];
    assert.equal(dest.DestinationId, 'destinationId-000000000001');
    const x = dest.ExtendedS3DestinationDescription;
    assert.equal(x.RoleARN, r.arn);
    assert.equal(x.BucketARN, `arn:aws:s3:::${BUCKET}`);
    assert.equal(x.Prefix, 'p/');
    assert.equal(x.ErrorOutputPrefix, undefined);
    assert.deepEqual(x.BufferingHints, { SizeInMBs: 5, IntervalInSeconds: 300 }, 'AWS\'s defaults');
    assert.equal(x.CompressionFormat, 'GZIP');
    assert.deepEqual(x.EncryptionConfiguration, { NoEncryptionConfig: 'NoEncryption' });
    assert.deepEqual(x.CloudWatchLoggingOptions, { Enabled: false });
    assert.equal(x.S3BackupMode, 'Disabled');
    assert.equal(dest.S3DestinationDescription.BucketARN, `arn:aws:s3:::${BUCKET}`);
    const past = await fh.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: n,
      ExclusiveStartDestinationId: 'destinationId-000000000001' }));
    assert.deepEqual(past.DeliveryStreamDescription.Destinations, []);
  });

  test('S3DestinationConfiguration is accepted and described both ways', async () => {
    const n = uniq('fh-s3');
    await fh.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: n, DeliveryStreamType: 'DirectPut',
      S3DestinationConfiguration: { RoleARN: r.arn, BucketARN: `arn:aws:s3:::${BUCKET}`,
        BufferingHints: { SizeInMBs: 2, IntervalInSeconds: 60 }, ErrorOutputPrefix: 'e/' } }));
    const d = (await fh.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: n }))).DeliveryStreamDescription;
    const x = d.Destinations[0].S3DestinationDescription;
    assert.deepEqual(x.BufferingHints, { SizeInMBs: 2, IntervalInSeconds: 60 });
    assert.equal(x.ErrorOutputPrefix, 'e/');
    assert.equal(x.CompressionFormat, 'UNCOMPRESSED');
    assert.equal(d.Destinations[0].ExtendedS3DestinationDescription.ErrorOutputPrefix, 'e/');
  });

  test('names are unique per account; unknown names are not found', async () => {
    const n = uniq('fh-dup');
    await createStream(n, r.arn);
    await expectAwsError(() => createStream(n, r.arn), 'ResourceInUseException',
      `Firehose ${n} under accountId ${acct} already exists`);
    for (const Cmd of [DescribeDeliveryStreamCommand, DeleteDeliveryStreamCommand,
      ListTagsForDeliveryStreamCommand]) {
      await expectAwsError(() => fh.send(new Cmd({ DeliveryStreamName: 'nope' })),
        'ResourceNotFoundException', `Firehose nope under account ${acct} not found.`);
    }
    await expectAwsError(() => fh.send(new PutRecordCommand({ DeliveryStreamName: 'nope',
      Record: { Data: enc('x') } })), 'ResourceNotFoundException',
    `Firehose nope under account ${acct} not found.`);
  });

  test('list: sorted, paged by Limit and ExclusiveStartDeliveryStreamName, by type', async () => {
    const base = uniq('fh-list');
    for (const s of ['c', 'a', 'b']) await createStream(`${base}-${s}`, r.arn);
    const all = [];
    let start;
    for (;;) {
      const p = await fh.send(new ListDeliveryStreamsCommand({ Limit: 2, ExclusiveStartDeliveryStreamName: start }));
      assert.ok(p.DeliveryStreamNames.length <= 2);
      all.push(...p.DeliveryStreamNames);
      if (!p.HasMoreDeliveryStreams) break;
      start = p.DeliveryStreamNames.at(-1);
    }
    assert.deepEqual(all, [...all].sort());
    assert.deepEqual(all.filter((x) => x.startsWith(base)), [`${base}-a`, `${base}-b`, `${base}-c`]);
    const def = await fh.send(new ListDeliveryStreamsCommand({}));
    assert.ok(def.DeliveryStreamNames.length <= 10, 'the default Limit is 10');
    const kin = await fh.send(new ListDeliveryStreamsCommand({ DeliveryStreamType: 'KinesisStreamAsSource' }));
    assert.deepEqual(kin.DeliveryStreamNames, []);
    assert.equal(kin.HasMoreDeliveryStreams, false);
  });

  test('delete: an empty stream is gone at once', async () => {
    const n = uniq('fh-del');
    await createStream(n, r.arn);
    await fh.send(new DeleteDeliveryStreamCommand({ DeliveryStreamName: n }));
    await expectAwsError(() => fh.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: n })),
      'ResourceNotFoundException');
    await createStream(n, r.arn);   // the name is free again
  });

  test('what Sluice does not deliver is refused, not ignored', async () => {
    const n = uniq('fh-no');
    const bad = [
      [{ DeliveryStreamType: 'KinesisStreamAsSource', KinesisStreamSourceConfiguration: {
        KinesisStreamARN: `arn:aws:kinesis:${REGION}:${acct}:stream/x`, RoleARN: r.arn } }, /DirectPut/],
      [{ CompressionFormat: 'ZIP' }, /CompressionFormat ZIP/, true],
      [{ ProcessingConfiguration: { Enabled: true, Processors: [] } }, /ProcessingConfiguration/, true],
      [{ EncryptionConfiguration: { KMSEncryptionConfig: { AWSKMSKeyARN: `arn:aws:kms:${REGION}:${acct}:key/x` } } },
        /KMSEncryptionConfig/, true],
    ];
    for (const [extra, msg, inDest] of bad) {
      await expectAwsError(() => (inDest ? createStream(n, r.arn, extra) : createStream(n, r.arn, {}, extra)),
        'InvalidArgumentException', msg);
    }
    await expectAwsError(() => fh.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: n,
      HttpEndpointDestinationConfiguration: { EndpointConfiguration: { Url: 'https://example.com' },
        S3Configuration: { RoleARN: r.arn, BucketARN: `arn:aws:s3:::${BUCKET}` } } })),
    'InvalidArgumentException', /HttpEndpointDestinationConfiguration/);
    await expectAwsError(() => fh.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: n })),
      'InvalidArgumentException', /Exactly one destination/);
    // Prefix rules ("Custom prefixes for Amazon S3 objects": semantic rules).
    await expectAwsError(() => createStream(n, r.arn, { Prefix: 'x/!{timestamp:yyyy}/' }),
      'InvalidArgumentException', 'ErrorOutputPrefix cannot be null when Prefix contains expressions.');
    await expectAwsError(() => createStream(n, r.arn, { Prefix: 'x/', ErrorOutputPrefix: 'e/!{timestamp:yyyy}/' }),
      'InvalidArgumentException', /must contain !\{firehose:error-output-type\}/);
    await expectAwsError(() => fh.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: n })),
      'ResourceNotFoundException');   // nothing was created by the refused calls
  });

  test('the role must exist and trust firehose.amazonaws.com', async () => {
    const n = uniq('fh-role');
    const msg = (arn) => `Firehose is unable to assume role ${arn}. Please check the role provided.`;
    const missing = `arn:aws:iam::${acct}:role/does-not-exist`;
    await expectAwsError(() => createStream(n, missing), 'InvalidArgumentException', msg(missing));
    const other = name('notfh');
    await iam.send(new CreateRoleCommand({ RoleName: other, AssumeRolePolicyDocument: JSON.stringify({
      Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'logs.amazonaws.com' },
        Action: 'sts:AssumeRole' }] }) }));
    const otherArn = `arn:aws:iam::${acct}:role/${other}`;
    await expectAwsError(() => createStream(n, otherArn), 'InvalidArgumentException', msg(otherArn));
  });

  test('the model\'s constraints are validated', async () => {
    await expectAwsError(() => createStream('bad name!', r.arn), 'ValidationException',
      /at 'deliveryStreamName' failed to satisfy constraint: Member must satisfy regular expression pattern/);
    await expectAwsError(() => createStream(uniq('fh-v'), r.arn, { BufferingHints: { SizeInMBs: 129 } }),
      'ValidationException', /Member must have value less than or equal to 128/);
  });
});

describe('records', () => {
  let n;
  before(async () => {
    const r = await role(allowPut('*'));
    n = uniq('fh-rec');
    // Buffers until 128 MiB or 15 minutes: nothing leaves during these tests.
    await createStream(n, r.arn, { Prefix: 'records/', BufferingHints: { SizeInMBs: 128, IntervalInSeconds: 900 } });
  });

  test('PutRecord and PutRecordBatch answer record ids', async () => {
    const one = await fh.send(new PutRecordCommand({ DeliveryStreamName: n, Record: { Data: enc('one\n') } }));
    assert.match(one.RecordId, /^\S{16,}$/);
    assert.equal(one.Encrypted, false);
    const b = await fh.send(new PutRecordBatchCommand({ DeliveryStreamName: n,
      Records: [{ Data: enc('a') }, { Data: enc('') }, { Data: enc('c') }] }));
    assert.equal(b.FailedPutCount, 0);
    assert.equal(b.RequestResponses.length, 3);
    const ids = b.RequestResponses.map((x) => x.RecordId);
    assert.equal(new Set([...ids, one.RecordId]).size, 4, 'record ids are unique');
    assert.ok(b.RequestResponses.every((x) => x.ErrorCode === undefined));
  });

  test('500 records per batch, 1,000 KiB per record, 4 MiB per call', async () => {
    await expectAwsError(() => fh.send(new PutRecordBatchCommand({ DeliveryStreamName: n,
      Records: Array.from({ length: 501 }, () => ({ Data: enc('x') })) })),
    'ValidationException', /at 'records' failed to satisfy constraint: Member must have length less than or equal to 500/);
    await expectAwsError(() => fh.send(new PutRecordBatchCommand({ DeliveryStreamName: n, Records: [] })),
      'ValidationException', /Member must have length greater than or equal to 1/);
    const big = new Uint8Array(1024000 + 1);
    await expectAwsError(() => fh.send(new PutRecordBatchCommand({ DeliveryStreamName: n,
      Records: [{ Data: enc('ok') }, { Data: big }] })), 'ValidationException',
    /Value 'java\.nio\.HeapByteBuffer\[pos=0 lim=1024001 cap=1024001\]' at 'records\.2\.member\.data' failed to satisfy constraint: Member must have length less than or equal to 1024000/);
    await expectAwsError(() => fh.send(new PutRecordCommand({ DeliveryStreamName: n, Record: { Data: big } })),
      'ValidationException', /at 'record\.data' failed to satisfy constraint/);
    const max = new Uint8Array(1024000);
    await expectAwsError(() => fh.send(new PutRecordBatchCommand({ DeliveryStreamName: n,
      Records: Array.from({ length: 5 }, () => ({ Data: max })) })),
    'InvalidArgumentException', 'Records size exceeds 4 MB limit');
  });

  test('past the stream\'s backlog bound: per-record "Slow down." and FailedPutCount', async () => {
    const r = await role(allowPut('*'));
    const s = uniq('fh-full');
    await createStream(s, r.arn, { BufferingHints: { SizeInMBs: 128, IntervalInSeconds: 900 } });
    const chunk = (c) => new Uint8Array(700 * 1024).fill(c);
    // 2 MiB of backlog: two 700 KiB records fit, the third and fourth do not.
    const b = await fh.send(new PutRecordBatchCommand({ DeliveryStreamName: s,
      Records: [{ Data: chunk(1) }, { Data: chunk(2) }, { Data: chunk(3) }, { Data: enc('small') }] }));
    assert.equal(b.FailedPutCount, 2);
    assert.ok(b.RequestResponses[0].RecordId && b.RequestResponses[1].RecordId);
    for (const x of b.RequestResponses.slice(2)) {
      assert.equal(x.RecordId, undefined);
      assert.equal(x.ErrorCode, 'ServiceUnavailableException');
      assert.equal(x.ErrorMessage, 'Slow down.');
    }
    await expectAwsError(() => fh.send(new PutRecordCommand({ DeliveryStreamName: s, Record: { Data: chunk(4) } })),
      'ServiceUnavailableException', 'Slow down.', { status: 500 });
  });
});

describe('tags', () => {
  let r;
  before(async () => { r = await role(allowPut('*')); });

  test('set at creation, tagged, listed in pages, untagged', async () => {
    const n = uniq('fh-tags');
    await createStream(n, r.arn, {}, { Tags: [{ Key: 'LogDeliveryEnabled', Value: 'true' }, { Key: 'team', Value: 'a' }] });
    await fh.send(new TagDeliveryStreamCommand({ DeliveryStreamName: n, Tags: [{ Key: 'env', Value: 'prod' }, { Key: 'team', Value: 'b' }] }));
    const all = await fh.send(new ListTagsForDeliveryStreamCommand({ DeliveryStreamName: n }));
    assert.deepEqual(all.Tags, [{ Key: 'LogDeliveryEnabled', Value: 'true' }, { Key: 'env', Value: 'prod' }, { Key: 'team', Value: 'b' }]);
    assert.equal(all.HasMoreTags, false);
    const p1 = await fh.send(new ListTagsForDeliveryStreamCommand({ DeliveryStreamName: n, Limit: 2 }));
    assert.equal(p1.Tags.length, 2);
    assert.equal(p1.HasMoreTags, true);
    const p2 = await fh.send(new ListTagsForDeliveryStreamCommand({ DeliveryStreamName: n, ExclusiveStartTagKey: p1.Tags[1].Key }));
    assert.deepEqual(p2.Tags, [{ Key: 'team', Value: 'b' }]);
    await fh.send(new UntagDeliveryStreamCommand({ DeliveryStreamName: n, TagKeys: ['env', 'absent'] }));
    const after = await fh.send(new ListTagsForDeliveryStreamCommand({ DeliveryStreamName: n }));
    assert.deepEqual(after.Tags.map((t) => t.Key), ['LogDeliveryEnabled', 'team']);
    await expectAwsError(() => fh.send(new TagDeliveryStreamCommand({ DeliveryStreamName: n,
      Tags: Array.from({ length: 49 }, (_, i) => ({ Key: `k${i}`, Value: 'v' })) })),
    'LimitExceededException', /at most 50 tags/);
    await expectAwsError(() => fh.send(new TagDeliveryStreamCommand({ DeliveryStreamName: n,
      Tags: [{ Key: 'aws:reserved', Value: 'x' }] })), 'ValidationException');
  });

  test('LogDeliveryEnabled=true is aws:ResourceTag context; Tags are aws:RequestTag', async () => {
    const tagged = uniq('fh-t');
    const plain = uniq('fh-p');
    await createStream(tagged, r.arn, {}, { Tags: [{ Key: 'LogDeliveryEnabled', Value: 'true' }] });
    await createStream(plain, r.arn);
    const u = name('fhuser');
    await iam.send(new CreateUserCommand({ UserName: u }));
    await iam.send(new PutUserPolicyCommand({ UserName: u, PolicyName: 'p', PolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: ['firehose:PutRecord', 'firehose:PutRecordBatch'], Resource: '*',
          Condition: { StringEquals: { 'aws:ResourceTag/LogDeliveryEnabled': 'true' } } },
        { Effect: 'Allow', Action: 'firehose:CreateDeliveryStream', Resource: '*',
          Condition: { StringEquals: { 'aws:RequestTag/owner': u } } },
        { Effect: 'Allow', Action: 'iam:PassRole', Resource: '*' },
      ] }) }));
    const k = await iam.send(new CreateAccessKeyCommand({ UserName: u }));
    const ufh = firehoseAs({ accessKeyId: k.AccessKey.AccessKeyId, secretAccessKey: k.AccessKey.SecretAccessKey });
    await ufh.send(new PutRecordCommand({ DeliveryStreamName: tagged, Record: { Data: enc('ok') } }));
    await expectAwsError(() => ufh.send(new PutRecordCommand({ DeliveryStreamName: plain, Record: { Data: enc('no') } })),
      'AccessDeniedException',
      `User: arn:aws:iam::${acct}:user/${u} is not authorized to perform: firehose:PutRecord on resource: ${streamArn(plain)} because no identity-based policy allows the firehose:PutRecord action`);
    await fh.send(new TagDeliveryStreamCommand({ DeliveryStreamName: plain, Tags: [{ Key: 'LogDeliveryEnabled', Value: 'true' }] }));
    await ufh.send(new PutRecordBatchCommand({ DeliveryStreamName: plain, Records: [{ Data: enc('now ok') }] }));
    const mine = uniq('fh-mine');
    await expectAwsError(() => ufh.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: mine,
      ExtendedS3DestinationConfiguration: { RoleARN: r.arn, BucketARN: `arn:aws:s3:::${BUCKET}` } })),
    'AccessDeniedException', /firehose:CreateDeliveryStream/);
    await ufh.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: mine, Tags: [{ Key: 'owner', Value: u }],
      ExtendedS3DestinationConfiguration: { RoleARN: r.arn, BucketARN: `arn:aws:s3:::${BUCKET}` } }));
  });
});

describe('delivery into S3', () => {
  test('GZIP: the records concatenated as sent, at Prefix + YYYY/MM/DD/HH/<stream>-1-<time>-<uuid>.gz', async () => {
    const r = await role(allowPut('gz/*'));
    const n = uniq('fh-gz');
    await createStream(n, r.arn, { Prefix: 'gz/', CompressionFormat: 'GZIP',
      BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 2 } });
    const recs = Array.from({ length: 20 }, (_, i) => `{"seq":${i},"msg":"${'x'.repeat(i)}"}\n`);
    await fh.send(new PutRecordBatchCommand({ DeliveryStreamName: n, Records: recs.slice(0, 10).map((s) => ({ Data: enc(s) })) }));
    for (const s of recs.slice(10)) await fh.send(new PutRecordCommand({ DeliveryStreamName: n, Record: { Data: enc(s) } }));
    const [k] = await waitForKeys(`gz/`);
    assert.match(k, keyRe('gz/', n, '.gz'));
    const utc = new Date();
    assert.ok(k.startsWith(`gz/${utc.getUTCFullYear()}/`), k);
    assert.equal(gunzipSync(await body(k)).toString(), recs.join(''));
    await sleep(2500);
    assert.deepEqual(await keys('gz/'), [k], 'delivered once');
  });

  test('SizeInMBs flushes before IntervalInSeconds; uncompressed objects have no extension', async () => {
    const r = await role(allowPut('size/*'));
    const n = uniq('fh-size');
    await createStream(n, r.arn, { Prefix: 'size/', BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 900 } });
    const a = new Uint8Array(600 * 1024).fill(97);
    const b = new Uint8Array(600 * 1024).fill(98);
    await fh.send(new PutRecordBatchCommand({ DeliveryStreamName: n, Records: [{ Data: a }, { Data: b }] }));
    const [k] = await waitForKeys('size/', 1, 10000);
    assert.match(k, keyRe('size/', n));
    const got = await body(k);
    assert.equal(got.length, 1200 * 1024);
    assert.ok(got.subarray(0, 600 * 1024).every((x) => x === 97) && got.subarray(600 * 1024).every((x) => x === 98));
  });

  test('a role without s3:PutObject on the destination: records land under ErrorOutputPrefix', async () => {
    const r = await role(allowPut('errors/*'));
    const n = uniq('fh-err');
    await createStream(n, r.arn, { Prefix: 'denied/', ErrorOutputPrefix: 'errors/', CompressionFormat: 'GZIP',
      BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 0 } });
    await fh.send(new PutRecordBatchCommand({ DeliveryStreamName: n, Records: [{ Data: enc('first') }, { Data: enc('second') }] }));
    const [k] = await waitForKeys('errors/');
    assert.match(k, keyRe('errors/s3-failed/', n, '.gz'));
    assert.deepEqual(await keys('denied/'), []);
    const lines = gunzipSync(await body(k)).toString().trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((l) => Buffer.from(l.rawData, 'base64').toString()), ['first', 'second']);
    for (const l of lines) {
      assert.equal(l.errorCode, 'S3.AccessDenied');
      assert.match(l.errorMessage, /^Access was denied\. Ensure that the trust policy for the provided IAM role allows Firehose to assume the role, and the access policy allows access to the S3 bucket\.$/);
      assert.ok(l.attemptsMade >= 1 && l.arrivalTimestamp <= l.attemptEndingTimestamp);
    }
    assert.match(srv.stderr, new RegExp(`deliverystream/${n}: delivery to arn:aws:s3:::${BUCKET} failed \\(attempt 1\\): S3\\.AccessDenied \\(User: arn:aws:sts::${acct}:assumed-role/${r.name}/\\S+ is not authorized to perform: s3:PutObject`));
  });

  test('denied everywhere: records stay buffered, the reason is logged; granted: delivered', async () => {
    const r = await role(null);
    await iam.send(new PutRolePolicyCommand({ RoleName: r.name, PolicyName: 'logs', PolicyDocument: JSON.stringify({
      Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'logs:PutLogEvents', Resource: '*' }] }) }));
    const logs = srv.client();
    const g = uniq('/aws/kinesisfirehose/stuck');
    await logs.send(new CreateLogGroupCommand({ logGroupName: g }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: g, logStreamName: 'S3Delivery' }));
    const n = uniq('fh-stuck');
    await createStream(n, r.arn, { Prefix: 'stuck/', ErrorOutputPrefix: 'stuck-errors/',
      BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 0 },
      CloudWatchLoggingOptions: { Enabled: true, LogGroupName: g, LogStreamName: 'S3Delivery' } });
    await fh.send(new PutRecordCommand({ DeliveryStreamName: n, Record: { Data: enc('kept\n') } }));
    const stuck = `deliverystream/${n}: writing to the error output failed too; the records stay buffered`;
    let events = [];
    for (let i = 0; i < 75 && (events.length < 2 || !srv.stderr.includes(stuck)); i++) {
      await sleep(200);
      events = (await logs.send(new GetLogEventsCommand({ logGroupName: g, logStreamName: 'S3Delivery', startFromHead: true }))).events;
    }
    assert.ok(events.length >= 2, 'the delivery and the error output both failed and said so');
    const ev = JSON.parse(events[0].message);
    assert.deepEqual(ev, { deliveryStreamARN: streamArn(n), destination: `arn:aws:s3:::${BUCKET}`,
      deliveryStreamVersionId: 1, errorCode: 'S3.AccessDenied', message: ev.message });
    assert.ok(srv.stderr.includes(stuck), 'the server log says the records stay buffered');
    assert.deepEqual(await keys('stuck'), []);
    await iam.send(new PutRolePolicyCommand({ RoleName: r.name, PolicyName: 'p', PolicyDocument: allowPut('stuck/*') }));
    const [k] = await waitForKeys('stuck/');
    assert.match(k, keyRe('stuck/', n));
    assert.equal((await body(k)).toString(), 'kept\n');
    assert.deepEqual(await keys('stuck-errors/'), []);
  });

  test('a trust policy that stops trusting Firehose stops delivery', async () => {
    const r = await role(allowPut('trust/*', 'trust-errors/*'));
    const n = uniq('fh-trust');
    await createStream(n, r.arn, { Prefix: 'trust/', ErrorOutputPrefix: 'trust-errors/',
      BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 0 } });
    await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: r.name, PolicyDocument: JSON.stringify({
      Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'firehose.amazonaws.com' },
        Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:ExternalId': '000000000000' } } }] }) }));
    await fh.send(new PutRecordCommand({ DeliveryStreamName: n, Record: { Data: enc('untrusted') } }));
    for (let i = 0; i < 50 && !srv.stderr.includes(`deliverystream/${n}: writing to the error output failed too`); i++) await sleep(100);
    assert.match(srv.stderr, new RegExp(`deliverystream/${n}: delivery to .* S3\\.AccessDenied \\(Firehose could not assume ${r.arn}: User: firehose\\.amazonaws\\.com is not authorized to perform: sts:AssumeRole`));
    assert.deepEqual(await keys('trust'), []);
    await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: r.name, PolicyDocument: TRUST() }));
    const [k] = await waitForKeys('trust/');
    assert.equal((await body(k)).toString(), 'untrusted');
  });

  test('another account\'s bucket: its bucket policy must allow the role, with bucket-owner-full-control', async () => {
    const nameB = name('fhb');
    const acctB = await srv.accountCreate(nameB);
    const s3B = new S3Client({ endpoint: srv.endpoint, region: REGION, forcePathStyle: true,
      credentials: srv.credentials(nameB), maxAttempts: 1 });
    const bucketB = `fhx-${process.pid}`;
    await s3B.send(new CreateBucketCommand({ Bucket: bucketB }));
    const allowed = await role(JSON.stringify({ Version: '2012-10-17', Statement: [
      { Effect: 'Allow', Action: 's3:PutObject', Resource: `arn:aws:s3:::${bucketB}/*` }] }));
    const stranger = await role(JSON.stringify({ Version: '2012-10-17', Statement: [
      { Effect: 'Allow', Action: 's3:PutObject', Resource: `arn:aws:s3:::${bucketB}/*` }] }));
    await s3B.send(new PutBucketPolicyCommand({ Bucket: bucketB, Policy: JSON.stringify({
      Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: allowed.arn },
        Action: 's3:PutObject', Resource: `arn:aws:s3:::${bucketB}/*`,
        Condition: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control' } } }] }) }));
    const ok = uniq('fh-xok');
    const no = uniq('fh-xno');
    const dest = { BucketARN: `arn:aws:s3:::${bucketB}`, BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 0 } };
    await createStream(ok, allowed.arn, { ...dest, Prefix: 'ok/' });
    await createStream(no, stranger.arn, { ...dest, Prefix: 'no/', ErrorOutputPrefix: 'no-errors/' });
    await fh.send(new PutRecordCommand({ DeliveryStreamName: ok, Record: { Data: enc('across') } }));
    await fh.send(new PutRecordCommand({ DeliveryStreamName: no, Record: { Data: enc('refused') } }));
    let listed = [];
    for (let i = 0; i < 75 && listed.length === 0; i++) {
      await sleep(200);
      listed = ((await s3B.send(new ListObjectsV2Command({ Bucket: bucketB, Prefix: 'ok/' }))).Contents ?? []);
    }
    assert.equal(listed.length, 1, 'delivered into the other account\'s bucket');
    assert.match(listed[0].Key, keyRe('ok/', ok));
    const got = await s3B.send(new GetObjectCommand({ Bucket: bucketB, Key: listed[0].Key }));
    assert.equal(await got.Body.transformToString(), 'across');
    const stuck = `deliverystream/${no}: writing to the error output failed too`;
    for (let i = 0; i < 75 && !srv.stderr.includes(stuck); i++) await sleep(200);
    assert.ok(srv.stderr.includes(stuck));
    assert.match(srv.stderr, new RegExp(`deliverystream/${no}: delivery to arn:aws:s3:::${bucketB} failed \\(attempt 1\\): S3\\.AccessDenied \\(User: arn:aws:sts::${acct}:assumed-role/${stranger.name}/\\S+ is not authorized to perform: s3:PutObject on resource: arn:aws:s3:::${bucketB}/no/\\S+ because no resource-based policy allows the s3:PutObject action`));
    const none = await s3B.send(new ListObjectsV2Command({ Bucket: bucketB, Prefix: 'no' }));
    assert.equal(none.KeyCount ?? 0, 0);
    assert.notEqual(acctB, acct);
  });

  test('DeleteDeliveryStream with buffered records: DELETING, delivered, then gone', async () => {
    const r = await role(allowPut('bye/*'));
    const n = uniq('fh-bye');
    await createStream(n, r.arn, { Prefix: 'bye/', BufferingHints: { SizeInMBs: 128, IntervalInSeconds: 900 } });
    await fh.send(new PutRecordCommand({ DeliveryStreamName: n, Record: { Data: enc('last words') } }));
    await fh.send(new DeleteDeliveryStreamCommand({ DeliveryStreamName: n }));
    let status;
    try {
      status = (await fh.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: n }))).DeliveryStreamDescription.DeliveryStreamStatus;
    } catch (e) { status = e.name; }
    assert.ok(['DELETING', 'ResourceNotFoundException'].includes(status), status);
    const [k] = await waitForKeys('bye/');
    assert.equal((await body(k)).toString(), 'last words');
    for (let i = 0; i < 50; i++) {
      try {
        await fh.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: n }));
      } catch (e) {
        assert.equal(e.name, 'ResourceNotFoundException');
        return;
      }
      await sleep(100);
    }
    assert.fail('the stream was not removed');
  });
});

describe('durability', () => {
  async function restartCase(how) {
    const r = await role(allowPut(`${how}/*`));
    const n = uniq(`fh-${how}`);
    await createStream(n, r.arn, { Prefix: `${how}/`, CompressionFormat: 'GZIP',
      BufferingHints: { SizeInMBs: 128, IntervalInSeconds: 4 } });
    const recs = Array.from({ length: 30 }, (_, i) => `${how}-${i}\n`);
    await fh.send(new PutRecordBatchCommand({ DeliveryStreamName: n, Records: recs.slice(0, 20).map((s) => ({ Data: enc(s) })) }));
    for (const s of recs.slice(20)) await fh.send(new PutRecordCommand({ DeliveryStreamName: n, Record: { Data: enc(s) } }));
    assert.deepEqual(await keys(`${how}/`), [], 'still buffered when the server goes down');
    if (how === 'kill9') await srv.kill9();
    else await srv.stop();
    await srv.start();
    fh = firehoseAs(srv.credentials());
    s3 = new S3Client({ endpoint: srv.endpoint, region: REGION, forcePathStyle: true, credentials: srv.credentials(), maxAttempts: 1 });
    iam = iamClient(srv);
    const ks = await waitForKeys(`${how}/`, 1, 20000);
    await sleep(1500);
    const all = await keys(`${how}/`);
    const text = (await Promise.all(all.map(async (k) => gunzipSync(await body(k)).toString()))).join('');
    assert.deepEqual(text.split('\n').filter(Boolean).sort(), recs.map((s) => s.trim()).sort(),
      'every acknowledged record, once');
    assert.ok(ks.length >= 1);
  }

  test('kill -9 after acknowledged puts: the records are delivered after the restart', () => restartCase('kill9'));
  test('a clean restart keeps buffered records too', () => restartCase('restart'));
});
