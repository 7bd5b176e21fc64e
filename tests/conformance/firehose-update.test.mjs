// Firehose UpdateDestination through @aws-sdk/client-firehose and the aws
// CLI, delivered objects read back through @aws-sdk/client-s3: the update
// merges into the stream's S3 destination (absent members keep their value),
// VersionId moves 1 -> 2 -> ... (DescribeDeliveryStream shows it and
// LastUpdateTimestamp), and the next object's key carries the new prefix,
// version and role; records buffered before the update go out once, under
// it. Refusals: a stale CurrentDeliveryStreamVersionId, another DestinationId,
// an unknown or still CREATING stream, destinations and features Sluice does
// not deliver, the prefix rules on the merged result, a role the caller may
// not pass (iam:PassRole; another account's role never), a role Firehose
// cannot assume -- each leaving the stream as it was.
//
// Sources: the Firehose API Reference (UpdateDestination: "If the destination
// type is the same, Firehose merges the configuration parameters specified
// with the destination configuration that already exists"; errors
// ConcurrentModificationException, InvalidArgumentException,
// ResourceInUseException, ResourceNotFoundException), the IAM User Guide
// ("Granting a user permissions to pass a role to an AWS service": the
// caller needs iam:PassRole on the role), the Developer Guide ("Amazon S3
// object name format": <stream>-<version>-...). AWS documents no message for
// the version conflict or the not-ACTIVE refusal; Sluice's name what differs.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  FirehoseClient, CreateDeliveryStreamCommand, DescribeDeliveryStreamCommand,
  PutRecordCommand, PutRecordBatchCommand, UpdateDestinationCommand,
} from '@aws-sdk/client-firehose';
import { S3Client, CreateBucketCommand } from '@aws-sdk/client-s3';
import {
  CreateRoleCommand, PutRolePolicyCommand, CreateUserCommand, CreateAccessKeyCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { startServer, expectAwsError, teardown, REGION, sleep, uniq, AWS_CLI_SKIP, awsCli as awsCliAt } from './harness.mjs';
import { iamClient, name } from './iam-helpers.mjs';
import { listKeys, waitForKeys as waitKeys, objectBytes } from './s3-helpers.mjs';

const DEST = 'destinationId-000000000001';

let srv;
let fh;
let s3;
let iam;
let acct;
const BUCKET = `fhu-${process.pid}`;

before(async () => {
  srv = await startServer({ extraArgs: ['--firehose-retry-seconds', '1'] });
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

// ---- the aws CLI ----

const CLI_SKIP = AWS_CLI_SKIP;
/** `aws firehose ...` with the admin's keys. */
const awsCli = (args) => awsCliAt(srv, ['firehose', ...args]);

const enc = (s) => new TextEncoder().encode(s);
// Firehose sends the stream's account as sts:ExternalId.
const TRUST = () => JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'firehose.amazonaws.com' },
    Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:ExternalId': acct } } }],
});
/** s3:PutObject on BUCKET/<prefix>* for each prefix. */
const allowPut = (...prefixes) => JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 's3:PutObject',
    Resource: prefixes.map((p) => `arn:aws:s3:::${BUCKET}/${p}*`) }],
});

/** A role Firehose may assume for this account's streams, with an inline
 * policy; in another account when given that account's IAM client and id. */
async function role(policy, client = iam, account = acct) {
  const r = name('fhu-role');
  await client.send(new CreateRoleCommand({ RoleName: r, AssumeRolePolicyDocument: TRUST() }));
  if (policy) await client.send(new PutRolePolicyCommand({ RoleName: r, PolicyName: 'p', PolicyDocument: policy }));
  return { name: r, arn: `arn:aws:iam::${account}:role/${r}` };
}

const describeStream = async (n, client = fh) =>
  (await client.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: n }))).DeliveryStreamDescription;

/** Create and wait until ACTIVE (UpdateDestination refuses a CREATING stream). */
async function activeStream(n, roleArn, dest = {}) {
  await fh.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: n,
    ExtendedS3DestinationConfiguration: { RoleARN: roleArn, BucketARN: `arn:aws:s3:::${BUCKET}`, ...dest } }));
  for (let i = 0; i < 50; i++) {
    const d = await describeStream(n);
    if (d.DeliveryStreamStatus === 'ACTIVE') return d;
    await sleep(100);
  }
  assert.fail(`${n} did not become ACTIVE`);
}

const update = (n, version, upd, { client = fh, shape = 'ExtendedS3DestinationUpdate', destinationId = DEST } = {}) =>
  client.send(new UpdateDestinationCommand({ DeliveryStreamName: n,
    CurrentDeliveryStreamVersionId: version, DestinationId: destinationId, [shape]: upd }));

const keys = (prefix) => listKeys(s3, BUCKET, prefix);
const waitForKeys = (prefix, count = 1, timeoutMs = 15000) => waitKeys(s3, BUCKET, prefix, { count, timeoutMs, srv });
const body = async (key) => (await objectBytes(s3, BUCKET, key)).toString();


/** <prefix>YYYY/MM/DD/HH/<stream>-<version>-<time>-<uuid> */
const keyRe = (prefix, n, version) => new RegExp(`^${prefix}\\d{4}/\\d{2}/\\d{2}/\\d{2}/${n}-${version}-\\d{4}-\\d{2}-\\d{2}-\\d{2}-\\d{2}-\\d{2}-[0-9a-f-]{36}$`);

/** The destination as described, without what says when. */
const destOf = (d) => d.Destinations[0].ExtendedS3DestinationDescription;

describe('UpdateDestination', () => {
  let r;
  before(async () => { r = await role(allowPut('v1/', 'v2/', 'cli/', 'flush/', 'u-')); });

  test('merges, VersionId 1 -> 2, and the next object has the new prefix and version', async () => {
    const n = uniq('fhu-ok');
    const created = await activeStream(n, r.arn, { Prefix: 'v1/', ErrorOutputPrefix: 'v-errors/',
      BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 0 }, CloudWatchLoggingOptions: { Enabled: false } });
    assert.equal(created.VersionId, '1');
    assert.equal(created.LastUpdateTimestamp, undefined, 'never updated');
    await fh.send(new PutRecordCommand({ DeliveryStreamName: n, Record: { Data: enc('first') } }));
    const [k1] = await waitForKeys('v1/');
    assert.match(k1, keyRe('v1/', n, 1));

    const out = await update(n, '1', { Prefix: 'v2/' });
    assert.deepEqual(Object.keys(out).filter((k) => k !== '$metadata'), [], 'an empty answer');
    const d = await describeStream(n);
    assert.equal(d.VersionId, '2');
    assert.equal(d.DeliveryStreamStatus, 'ACTIVE', 'the stream stays ACTIVE');
    assert.ok(d.LastUpdateTimestamp instanceof Date && d.LastUpdateTimestamp >= d.CreateTimestamp);
    const before = destOf(created);
    assert.deepEqual(destOf(d), { ...before, Prefix: 'v2/' }, 'only Prefix changed; the rest kept');
    assert.equal(d.Destinations[0].S3DestinationDescription.Prefix, 'v2/');

    await fh.send(new PutRecordCommand({ DeliveryStreamName: n, Record: { Data: enc('second') } }));
    const [k2] = await waitForKeys('v2/');
    assert.match(k2, keyRe('v2/', n, 2));
    assert.equal(await body(k2), 'second');
    assert.deepEqual(await keys('v1/'), [k1], 'nothing more under the old prefix');
  });

  test('records buffered before the update go out once, under the new configuration', async () => {
    const n = uniq('fhu-buf');
    await activeStream(n, r.arn, { Prefix: 'u-held/', BufferingHints: { SizeInMBs: 128, IntervalInSeconds: 900 } });
    await fh.send(new PutRecordBatchCommand({ DeliveryStreamName: n,
      Records: [{ Data: enc('held-1,') }, { Data: enc('held-2,') }] }));
    await sleep(1200);
    assert.deepEqual(await keys('u-held/'), [], 'buffered: 128 MiB or 15 minutes');
    await update(n, '1', { Prefix: 'flush/', BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 0 } });
    await fh.send(new PutRecordCommand({ DeliveryStreamName: n, Record: { Data: enc('after,') } }));
    const ks = await waitForKeys('flush/');
    await sleep(2000);
    const all = await keys('flush/');
    for (const k of all) assert.match(k, keyRe('flush/', n, 2));
    const text = (await Promise.all(all.map(body))).join('');
    assert.deepEqual(text.split(',').filter(Boolean).sort(), ['after', 'held-1', 'held-2'],
      'each record once');
    assert.ok(ks.length >= 1);
    assert.deepEqual(await keys('u-held/'), []);
  });

  test('the aws CLI: update-destination with S3DestinationUpdate, and its errors', { skip: CLI_SKIP }, async () => {
    const n = uniq('fhu-cli');
    await activeStream(n, r.arn, { Prefix: 'v1/', CompressionFormat: 'GZIP', FileExtension: '.log.gz' });
    let res = await awsCli(['update-destination', '--delivery-stream-name', n,
      '--current-delivery-stream-version-id', '1', '--destination-id', DEST,
      '--s3-destination-update', JSON.stringify({ Prefix: 'cli/', BufferingHints: { SizeInMBs: 2, IntervalInSeconds: 60 } })]);
    assert.equal(res.err, null, res.stderr);
    res = await awsCli(['describe-delivery-stream', '--delivery-stream-name', n]);
    assert.equal(res.err, null, res.stderr);
    const d = res.json.DeliveryStreamDescription;
    assert.equal(d.VersionId, '2');
    const x = d.Destinations[0].ExtendedS3DestinationDescription;
    assert.equal(x.Prefix, 'cli/');
    assert.deepEqual(x.BufferingHints, { SizeInMBs: 2, IntervalInSeconds: 60 });
    assert.equal(x.CompressionFormat, 'GZIP', 'kept');
    assert.equal(x.FileExtension, '.log.gz', 'a plain S3 update keeps the extended members');
    res = await awsCli(['update-destination', '--delivery-stream-name', n,
      '--current-delivery-stream-version-id', '1', '--destination-id', DEST,
      '--extended-s3-destination-update', JSON.stringify({ Prefix: 'stale/' })]);
    assert.notEqual(res.err, null);
    assert.match(res.stderr, /ConcurrentModificationException.*CurrentDeliveryStreamVersionId 1 does not match its current VersionId 2/);
  });

  test('a stale CurrentDeliveryStreamVersionId: ConcurrentModificationException, nothing changed', async () => {
    const n = uniq('fhu-stale');
    await activeStream(n, r.arn, { Prefix: 'v1/' });
    await update(n, '1', { Prefix: 'v2/' });
    for (const v of ['1', '3', '99999999999999999999999999']) {
      await expectAwsError(() => update(n, v, { Prefix: 'stale/' }), 'ConcurrentModificationException',
        `Cannot update Firehose ${n}: CurrentDeliveryStreamVersionId ${v} does not match its current VersionId 2. Describe the stream for its VersionId and try again.`);
    }
    const d = await describeStream(n);
    assert.equal(d.VersionId, '2');
    assert.equal(destOf(d).Prefix, 'v2/');
    await update(n, '2', { Prefix: 'v1/' });
    assert.equal((await describeStream(n)).VersionId, '3');
  });

  test('of concurrent updates from one version, one wins', async () => {
    const n = uniq('fhu-race');
    await activeStream(n, r.arn, { Prefix: 'v1/' });
    const results = await Promise.allSettled(Array.from({ length: 6 }, (_, i) =>
      update(n, '1', { Prefix: `u-race-${i}/` })));
    const won = results.filter((x) => x.status === 'fulfilled');
    const lost = results.filter((x) => x.status === 'rejected');
    assert.equal(won.length, 1, JSON.stringify(lost.map((x) => x.reason.message)));
    for (const x of lost) assert.equal(x.reason.name, 'ConcurrentModificationException');
    const d = await describeStream(n);
    assert.equal(d.VersionId, '2');
    assert.equal(destOf(d).Prefix, `u-race-${results.findIndex((x) => x.status === 'fulfilled')}/`);
  });

  test('another DestinationId, an unknown stream, a stream still CREATING', async () => {
    const n = uniq('fhu-ids');
    await activeStream(n, r.arn, { Prefix: 'v1/' });
    await expectAwsError(() => update(n, '1', { Prefix: 'x/' }, { destinationId: 'destinationId-000000000002' }),
      'InvalidArgumentException',
      `Destination Id destinationId-000000000002 not found. Firehose ${n} has one destination, ${DEST}.`);
    await expectAwsError(() => update('nope', '1', { Prefix: 'x/' }), 'ResourceNotFoundException',
      `Firehose nope under account ${acct} not found.`);
    const fresh = uniq('fhu-new');
    await fh.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: fresh,
      ExtendedS3DestinationConfiguration: { RoleARN: r.arn, BucketARN: `arn:aws:s3:::${BUCKET}` } }));
    await expectAwsError(() => update(fresh, '1', { Prefix: 'x/' }), 'ResourceInUseException',
      `Firehose ${fresh} under accountId ${acct} is CREATING; its destination can only be updated while it is ACTIVE.`);
    assert.equal((await describeStream(n)).VersionId, '1');
  });

  test('what Create refuses, an update refuses: on the merged configuration', async () => {
    const n = uniq('fhu-no');
    await activeStream(n, r.arn, { Prefix: 'v1/' });
    const bad = [
      [{ CompressionFormat: 'ZIP' }, /CompressionFormat ZIP/],
      [{ ProcessingConfiguration: { Enabled: true, Processors: [] } }, /ProcessingConfiguration/],
      [{ S3BackupMode: 'Enabled' }, /S3BackupMode Enabled/],
      [{ EncryptionConfiguration: { KMSEncryptionConfig: { AWSKMSKeyARN: `arn:aws:kms:${REGION}:${acct}:key/x` } } },
        /KMSEncryptionConfig/],
      // The stream has no ErrorOutputPrefix, so the merged result breaks the rule.
      [{ Prefix: 'x/!{timestamp:yyyy}/' }, 'ErrorOutputPrefix cannot be null when Prefix contains expressions.'],
      [{ ErrorOutputPrefix: 'e/!{timestamp:yyyy}/' }, /must contain !\{firehose:error-output-type\}/],
    ];
    for (const [upd, msg] of bad) await expectAwsError(() => update(n, '1', upd), 'InvalidArgumentException', msg);
    await expectAwsError(() => fh.send(new UpdateDestinationCommand({ DeliveryStreamName: n,
      CurrentDeliveryStreamVersionId: '1', DestinationId: DEST,
      HttpEndpointDestinationUpdate: { EndpointConfiguration: { Url: 'https://example.com' } } })),
    'InvalidArgumentException', 'Sluice does not support HttpEndpointDestinationUpdate.');
    for (const both of [{}, { S3DestinationUpdate: { Prefix: 'a/' }, ExtendedS3DestinationUpdate: { Prefix: 'b/' } }]) {
      await expectAwsError(() => fh.send(new UpdateDestinationCommand({ DeliveryStreamName: n,
        CurrentDeliveryStreamVersionId: '1', DestinationId: DEST, ...both })),
      'InvalidArgumentException', /Exactly one destination update is required/);
    }
    const d = await describeStream(n);
    assert.equal(d.VersionId, '1', 'nothing changed');
    assert.equal(destOf(d).Prefix, 'v1/');
    // An expression prefix is fine once the merged result has an error prefix.
    await update(n, '1', { Prefix: 'u-ts/!{timestamp:yyyy}/', ErrorOutputPrefix: 'u-err/!{firehose:error-output-type}/' });
    assert.equal(destOf(await describeStream(n)).Prefix, 'u-ts/!{timestamp:yyyy}/');
  });
});

describe('UpdateDestination and roles', () => {
  let r1;
  let r2;
  let u;
  let ufh;
  let uiamArn;
  before(async () => {
    r1 = await role(allowPut('u-r1/'));
    r2 = await role(allowPut('u-r2/'));
    u = name('fhu-user');
    uiamArn = `arn:aws:iam::${acct}:user/${u}`;
    await iam.send(new CreateUserCommand({ UserName: u }));
    await iam.send(new PutUserPolicyCommand({ UserName: u, PolicyName: 'fh', PolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: ['firehose:*', 's3:*'], Resource: '*' }] }) }));
    const k = await iam.send(new CreateAccessKeyCommand({ UserName: u }));
    ufh = firehoseAs({ accessKeyId: k.AccessKey.AccessKeyId, secretAccessKey: k.AccessKey.SecretAccessKey });
  });

  test('without iam:PassRole on the role: AccessDeniedException, the stream unchanged; with it: delivered as that role', async () => {
    const n = uniq('fhu-pass');
    await activeStream(n, r1.arn, { Prefix: 'u-r1/', BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 0 } });
    await expectAwsError(() => update(n, '1', { RoleARN: r2.arn, Prefix: 'u-r2/' }, { client: ufh }),
      'AccessDeniedException',
      `User: ${uiamArn} is not authorized to perform: iam:PassRole on resource: ${r2.arn} because no identity-based policy allows the iam:PassRole action`);
    await expectAwsError(() => update(n, '1', { RoleARN: r2.arn }, { client: ufh, shape: 'S3DestinationUpdate' }),
      'AccessDeniedException', /iam:PassRole/);
    let d = await describeStream(n, ufh);
    assert.equal(d.VersionId, '1');
    assert.equal(destOf(d).RoleARN, r1.arn);
    assert.equal(destOf(d).Prefix, 'u-r1/');

    // An update that names no role hands none over: firehose:UpdateDestination suffices.
    await update(n, '1', { BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 0 } }, { client: ufh });
    assert.equal((await describeStream(n)).VersionId, '2');

    await iam.send(new PutUserPolicyCommand({ UserName: u, PolicyName: 'pass', PolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'iam:PassRole', Resource: r2.arn,
        Condition: { StringEquals: { 'iam:PassedToService': 'firehose.amazonaws.com' } } }] }) }));
    await update(n, '2', { RoleARN: r2.arn, Prefix: 'u-r2/' }, { client: ufh });
    d = await describeStream(n);
    assert.equal(d.VersionId, '3');
    assert.equal(destOf(d).RoleARN, r2.arn);
    // r1 may not write u-r2/: an object there was written as r2.
    await ufh.send(new PutRecordCommand({ DeliveryStreamName: n, Record: { Data: enc('as r2') } }));
    const [k] = await waitForKeys('u-r2/');
    assert.match(k, keyRe('u-r2/', n, 3));
    assert.equal(await body(k), 'as r2');
    // Passing r2 does not mean passing r1 back.
    await expectAwsError(() => update(n, '3', { RoleARN: r1.arn }, { client: ufh }), 'AccessDeniedException',
      new RegExp(`iam:PassRole on resource: ${r1.arn}`));
  });

  test('a role Firehose cannot assume, another account\'s role: refused, the stream unchanged', async () => {
    const n = uniq('fhu-roles');
    await activeStream(n, r1.arn, { Prefix: 'u-r1/' });
    const untrusting = name('fhu-logs');
    await iam.send(new CreateRoleCommand({ RoleName: untrusting, AssumeRolePolicyDocument: JSON.stringify({
      Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'logs.amazonaws.com' },
        Action: 'sts:AssumeRole' }] }) }));
    const untrustingArn = `arn:aws:iam::${acct}:role/${untrusting}`;
    await expectAwsError(() => update(n, '1', { RoleARN: untrustingArn }), 'InvalidArgumentException',
      `Firehose is unable to assume role ${untrustingArn}. Please check the role provided.`);

    const nameB = name('fhu-b');
    const acctB = await srv.accountCreate(nameB);
    const roleB = await role(allowPut('u-r1/'), iamClient(srv, srv.credentials(nameB)), acctB);
    // Not even the account root may pass another account's role, whatever
    // that role's trust policy says.
    await expectAwsError(() => update(n, '1', { RoleARN: roleB.arn }), 'AccessDeniedException',
      new RegExp(`^User: arn:aws:iam::${acct}:root is not authorized to perform: iam:PassRole on resource: ${roleB.arn}`));
    const d = await describeStream(n);
    assert.equal(d.VersionId, '1');
    assert.equal(destOf(d).RoleARN, r1.arn);
  });
});
