// S3 server-side encryption at rest through @aws-sdk/client-s3 and
// @aws-sdk/client-kms: bucket default encryption (Put/Get/DeleteBucketEncryption),
// SSE-S3 and SSE-KMS round trips with the bytes on disk checked to be
// ciphertext, Range reads across cipher-block and buffer boundaries,
// CopyObject between encryption modes, the s3:x-amz-server-side-encryption
// condition keys in bucket policies, KMS key states and permissions, the
// cross-account AWS-managed-key trap of the log-delivery docs, and Firehose
// delivering through the internal S3 write path into SSE-KMS buckets.
//
// Sources: S3 API Reference (PutObject, GetObject, HeadObject, CopyObject,
// PutBucketEncryption, GetBucketEncryption, DeleteBucketEncryption), S3 User
// Guide ("Default encryption FAQ": every bucket SSE-S3 since January 2023;
// "Using server-side encryption with AWS KMS keys": the aws:s3:arn encryption
// context, kms:GenerateDataKey / kms:Decrypt; bucket policy examples
// requiring SSE-KMS and a specific key), Object.md on ETags ("encrypted by
// SSE-C or SSE-KMS, have ETags that are not an MD5 digest"), the S3 error
// list (KMS.DisabledException, KMS.KMSInvalidStateException,
// KMS.NotFoundException), and answers recorded against AWS in LocalStack's
// S3 snapshot tests ("a KMSMasterKeyID is not applicable if the default sse
// algorithm is not aws:kms or aws:kms:dsse", "Server Side Encryption with AWS
// KMS managed key requires HTTP header x-amz-server-side-encryption :
// aws:kms", "<arn> is disabled.", "<arn> is pending deletion.", "Invalid
// keyId 'x'"); CloudWatch Logs' "Enable logging from AWS services" warning
// on SSE-KMS with an AWS managed key.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import {
  CreateBucketCommand, PutBucketEncryptionCommand, GetBucketEncryptionCommand,
  DeleteBucketEncryptionCommand, PutObjectCommand, GetObjectCommand, HeadObjectCommand,
  CopyObjectCommand, PutBucketPolicyCommand, ListObjectsV2Command, CreateMultipartUploadCommand,
  UploadPartCommand, CompleteMultipartUploadCommand,
} from '@aws-sdk/client-s3';
import {
  KMSClient, CreateKeyCommand, DescribeKeyCommand, DisableKeyCommand, EnableKeyCommand,
  ScheduleKeyDeletionCommand, CancelKeyDeletionCommand, PutKeyPolicyCommand,
} from '@aws-sdk/client-kms';
import {
  FirehoseClient, CreateDeliveryStreamCommand, PutRecordCommand,
} from '@aws-sdk/client-firehose';
import {
  CreateUserCommand, CreateAccessKeyCommand, PutUserPolicyCommand, CreateRoleCommand,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { startServer, expectAwsError, teardown, REGION, sleep, uniq } from './harness.mjs';
import { iamClient, name, allow } from './iam-helpers.mjs';
import { s3Client, s3Raw, policyDoc, xmlText } from './s3-helpers.mjs';

let srv;
let s3;          // account A (admin) root
let kms;
let iam;
let acctA;
// Firehose gives up on a destination after 1 s and then tries the error output.
before(async () => {
  srv = await startServer({ extraArgs: ['--firehose-retry-seconds', '1'] });
  s3 = s3Client(srv);
  kms = kmsAs(srv.credentials());
  iam = iamClient(srv);
  acctA = srv.adminAccountId;
});
after(() => teardown(srv));

function kmsAs(credentials) {
  return new KMSClient({ endpoint: srv.endpoint, region: REGION, credentials, maxAttempts: 1 });
}

const bucketName = (p) => uniq(p).toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 63);
async function newBucket(p = 'sse', client = s3) {
  const b = bucketName(p);
  await client.send(new CreateBucketCommand({ Bucket: b }));
  return b;
}
const md5hex = (b) => createHash('md5').update(b).digest('hex');
const bytes = async (r) => Buffer.from(await r.Body.transformToByteArray());
const keyArn = (acct, id) => `arn:aws:kms:${REGION}:${acct}:key/${id}`;
const denyAccess = (fn, message) => expectAwsError(fn, 'AccessDenied', message, { status: 403 });

/** Every file under the server's data directory for the bucket: none may hold `plain`. */
function assertNotOnDisk(bucket, plain) {
  const dir = path.join(srv.dataDir, 's3', bucket);
  const files = readdirSync(dir);
  assert.ok(files.length > 0, 'the bucket directory holds the objects');
  const probe = plain.subarray(0, Math.min(64, plain.length));
  for (const f of files) {
    const data = readFileSync(path.join(dir, f));
    assert.equal(data.indexOf(probe), -1, `${f} must not contain the plaintext`);
  }
  return files.length;
}

async function managedKeyArn(client = kms) {
  const d = await client.send(new DescribeKeyCommand({ KeyId: 'alias/aws/s3' }));
  return d.KeyMetadata.Arn;
}

async function newKey(client = kms, policy) {
  const k = await client.send(new CreateKeyCommand(policy ? { Policy: policy } : {}));
  return k.KeyMetadata;
}

describe('bucket default encryption', () => {
  test('a new bucket is SSE-S3; Put, Get, Delete (back to SSE-S3)', async () => {
    const b = await newBucket('enc');
    const sse3 = { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: false }] };
    let g = await s3.send(new GetBucketEncryptionCommand({ Bucket: b }));
    assert.deepEqual(g.ServerSideEncryptionConfiguration, sse3);
    const p = await s3.send(new PutBucketEncryptionCommand({ Bucket: b, ServerSideEncryptionConfiguration: {
      Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'alias/some-key' },
        BucketKeyEnabled: true }] } }));
    assert.equal(p.$metadata.httpStatusCode, 200);
    g = await s3.send(new GetBucketEncryptionCommand({ Bucket: b }));
    assert.deepEqual(g.ServerSideEncryptionConfiguration, { Rules: [{
      ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'alias/some-key' },
      BucketKeyEnabled: true }] }, 'the key is stored as given, not checked (AWS does not validate it)');
    const d = await s3.send(new DeleteBucketEncryptionCommand({ Bucket: b }));
    assert.equal(d.$metadata.httpStatusCode, 204);
    await s3.send(new DeleteBucketEncryptionCommand({ Bucket: b }));   // again: fine
    g = await s3.send(new GetBucketEncryptionCommand({ Bucket: b }));
    assert.deepEqual(g.ServerSideEncryptionConfiguration, sse3);
    await expectAwsError(() => s3.send(new GetBucketEncryptionCommand({ Bucket: `${b}-none` })),
      'NoSuchBucket', 'The specified bucket does not exist', { status: 404 });
  });

  test('errors: MalformedXML, KMSMasterKeyID only with aws:kms, dsse not implemented, checksum required', async () => {
    const b = await newBucket('encerr');
    const put = (Rules) => s3.send(new PutBucketEncryptionCommand({ Bucket: b,
      ServerSideEncryptionConfiguration: { Rules } }));
    const malformed = 'The XML you provided was not well-formed or did not validate against our published schema';
    await expectAwsError(() => put([]), 'MalformedXML', malformed);
    await expectAwsError(() => put([{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
      { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' } }]), 'MalformedXML', malformed);
    await expectAwsError(() => put([{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES512' } }]),
      'MalformedXML', malformed);
    await expectAwsError(() => put([{ ApplyServerSideEncryptionByDefault: {} }]), 'MalformedXML', malformed);
    await expectAwsError(() => put([{ BucketKeyEnabled: true }]), 'MalformedXML', malformed);
    const e = await expectAwsError(() => put([{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256',
      KMSMasterKeyID: 'alias/x' } }]), 'InvalidArgument',
    'a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse');
    assert.equal(e.ArgumentName, 'ApplyServerSideEncryptionByDefault');
    await expectAwsError(() => put([{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms:dsse' } }]),
      'NotImplemented', /aws:kms:dsse/, { status: 501 });
    const xml = '<ServerSideEncryptionConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Rule>'
      + '<ApplyServerSideEncryptionByDefault><SSEAlgorithm>aws:kms</SSEAlgorithm></ApplyServerSideEncryptionByDefault>'
      + '</Rule></ServerSideEncryptionConfiguration>';
    const raw = await s3Raw(srv, { method: 'PUT', path: `/${b}`, query: { encryption: '' }, body: xml });
    assert.equal(raw.status, 400);
    assert.equal(xmlText(raw.text, 'Code'), 'InvalidRequest');
    assert.equal(xmlText(raw.text, 'Message'), 'Missing required header for this request: Content-MD5');
    const g = await s3.send(new GetBucketEncryptionCommand({ Bucket: b }));
    assert.equal(g.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm,
      'AES256', 'nothing refused was stored');
  });

  test('IAM: s3:GetEncryptionConfiguration; Put and Delete are s3:PutEncryptionConfiguration', async () => {
    const b = await newBucket('encauth');
    const u = name('encu');
    await iam.send(new CreateUserCommand({ UserName: u }));
    await iam.send(new PutUserPolicyCommand({ UserName: u, PolicyName: 'p',
      PolicyDocument: allow('s3:GetEncryptionConfiguration', `arn:aws:s3:::${b}`) }));
    const k = await iam.send(new CreateAccessKeyCommand({ UserName: u }));
    const us3 = s3Client(srv, { credentials: { accessKeyId: k.AccessKey.AccessKeyId,
      secretAccessKey: k.AccessKey.SecretAccessKey } });
    await us3.send(new GetBucketEncryptionCommand({ Bucket: b }));
    const who = `arn:aws:iam::${acctA}:user/${u}`;
    const msg = (a) => `User: ${who} is not authorized to perform: ${a} on resource: arn:aws:s3:::${b} because no identity-based policy allows the ${a} action`;
    await denyAccess(() => us3.send(new PutBucketEncryptionCommand({ Bucket: b, ServerSideEncryptionConfiguration: {
      Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' } }] } })), msg('s3:PutEncryptionConfiguration'));
    await denyAccess(() => us3.send(new DeleteBucketEncryptionCommand({ Bucket: b })), msg('s3:PutEncryptionConfiguration'));
  });
});

describe('objects are encrypted at rest', () => {
  test('SSE-S3 by default: AES256 on Put/Get/Head, ETag is the MD5, the file is ciphertext', async () => {
    const b = await newBucket('s3');
    const body = randomBytes(200 * 1024 + 7);
    const p = await s3.send(new PutObjectCommand({ Bucket: b, Key: 'dflt', Body: body }));
    assert.equal(p.ServerSideEncryption, 'AES256');
    assert.equal(p.SSEKMSKeyId, undefined);
    assert.equal(p.ETag, `"${md5hex(body)}"`);
    const g = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'dflt' }));
    assert.equal(g.ServerSideEncryption, 'AES256');
    assert.ok((await bytes(g)).equals(body));
    const h = await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'dflt' }));
    assert.equal(h.ServerSideEncryption, 'AES256');
    assert.equal(h.ContentLength, body.length);
    const e = await s3.send(new PutObjectCommand({ Bucket: b, Key: 'explicit', Body: body, ServerSideEncryption: 'AES256' }));
    assert.equal(e.ServerSideEncryption, 'AES256');
    assert.equal(assertNotOnDisk(b, body), 2);
    const empty = await s3.send(new PutObjectCommand({ Bucket: b, Key: 'empty', Body: '' }));
    assert.equal(empty.ETag, `"${md5hex('')}"`);
    assert.equal((await bytes(await s3.send(new GetObjectCommand({ Bucket: b, Key: 'empty' })))).length, 0);
  });

  test('SSE-KMS with the AWS managed key: aws:kms, the key ARN, ETag not the MD5, ciphertext on disk', async () => {
    const b = await newBucket('kms');
    const body = randomBytes(100 * 1024);
    const p = await s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: body, ServerSideEncryption: 'aws:kms' }));
    const managed = await managedKeyArn();
    assert.equal(p.ServerSideEncryption, 'aws:kms');
    assert.equal(p.SSEKMSKeyId, managed);
    assert.equal(p.BucketKeyEnabled, undefined, 'left out when false, as AWS does');
    assert.match(p.ETag, /^"[0-9a-f]{32}"$/);
    assert.notEqual(p.ETag, `"${md5hex(body)}"`, 'SSE-KMS ETags are not the MD5 of the data');
    const g = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'k' }));
    assert.equal(g.ServerSideEncryption, 'aws:kms');
    assert.equal(g.SSEKMSKeyId, managed);
    assert.equal(g.ETag, p.ETag);
    assert.ok((await bytes(g)).equals(body));
    const h = await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'k' }));
    assert.equal(h.SSEKMSKeyId, managed);
    assertNotOnDisk(b, body);
  });

  test('SSE-KMS with a customer key, an encryption context and the bucket default with a Bucket Key', async () => {
    const key = await newKey();
    const b = await newBucket('kmsc');
    const ctx = Buffer.from(JSON.stringify({ team: 'logs', 'aws:s3:arn': 'ignored' })).toString('base64');
    const body = Buffer.from('customer-key secret payload '.repeat(100));
    const p = await s3.send(new PutObjectCommand({ Bucket: b, Key: 'c', Body: body, ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: key.KeyId, SSEKMSEncryptionContext: ctx }));
    assert.equal(p.SSEKMSKeyId, key.Arn, 'a key id is answered as its ARN');
    assert.equal(p.SSEKMSEncryptionContext, ctx);
    assert.ok((await bytes(await s3.send(new GetObjectCommand({ Bucket: b, Key: 'c' })))).equals(body));
    // The bucket default: aws:kms under the key with a Bucket Key.
    await s3.send(new PutBucketEncryptionCommand({ Bucket: b, ServerSideEncryptionConfiguration: {
      Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: key.Arn },
        BucketKeyEnabled: true }] } }));
    const d = await s3.send(new PutObjectCommand({ Bucket: b, Key: 'by-default', Body: body }));
    assert.equal(d.ServerSideEncryption, 'aws:kms');
    assert.equal(d.SSEKMSKeyId, key.Arn);
    assert.equal(d.BucketKeyEnabled, true);
    const g = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'by-default' }));
    assert.equal(g.BucketKeyEnabled, true);
    assert.ok((await bytes(g)).equals(body));
    // A request's own choice beats the default; aws:kms without the header inherits the Bucket Key.
    const s = await s3.send(new PutObjectCommand({ Bucket: b, Key: 'sse-s3', Body: body, ServerSideEncryption: 'AES256' }));
    assert.equal(s.ServerSideEncryption, 'AES256');
    assert.equal(s.BucketKeyEnabled, undefined);
    const m = await s3.send(new PutObjectCommand({ Bucket: b, Key: 'managed', Body: body, ServerSideEncryption: 'aws:kms' }));
    assert.equal(m.SSEKMSKeyId, await managedKeyArn());
    assert.equal(m.BucketKeyEnabled, true);
    assertNotOnDisk(b, body);
  });

  test('write-header errors; encryption headers on GET are refused', async () => {
    const b = await newBucket('hdr');
    const put = (extra) => s3.send(new PutObjectCommand({ Bucket: b, Key: 'x', Body: 'x', ...extra }));
    await expectAwsError(() => put({ ServerSideEncryption: 'AES256', SSEKMSKeyId: 'alias/x' }), 'InvalidArgument',
      'Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms');
    await expectAwsError(() => put({ SSEKMSKeyId: 'alias/x' }), 'InvalidArgument',
      'Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms');
    const e = await expectAwsError(() => put({ ServerSideEncryption: 'aes:kms' }), 'InvalidArgument',
      'The encryption method specified is not supported');
    assert.equal(e.ArgumentName, 'x-amz-server-side-encryption');
    assert.equal(e.ArgumentValue, 'aes:kms');
    await expectAwsError(() => put({ ServerSideEncryption: 'aws:kms:dsse' }), 'NotImplemented', /aws:kms:dsse/, { status: 501 });
    await expectAwsError(() => put({ SSECustomerAlgorithm: 'AES256', SSECustomerKey: 'k'.repeat(32) }),
      'NotImplemented', /SSE-C/, { status: 501 });
    await expectAwsError(() => put({ ServerSideEncryption: 'aws:kms', SSEKMSEncryptionContext: 'bm90IGpzb24=' }),
      'InvalidArgument', "The header 'x-amz-server-side-encryption-context' shall be Base64-encoded UTF-8 string holding JSON which represents a string-string map");
    await expectAwsError(() => put({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'nope' }),
      'KMS.NotFoundException', "Invalid keyId 'nope'");
    await expectAwsError(() => put({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: '11111111-2222-3333-4444-555555555555' }),
      'KMS.NotFoundException', `Key '${keyArn(acctA, '11111111-2222-3333-4444-555555555555')}' does not exist`);
    const l = await s3.send(new ListObjectsV2Command({ Bucket: b }));
    assert.equal(l.KeyCount, 0, 'no refused write left an object');
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'ok', Body: 'fine' }));
    const g = await s3Raw(srv, { method: 'GET', path: `/${b}/ok`, headers: { 'x-amz-server-side-encryption': 'AES256' } });
    assert.equal(g.status, 400);
    assert.equal(xmlText(g.text, 'Code'), 'InvalidArgument');
  });
});

describe('Range reads of encrypted objects', () => {
  // Ranges around the 16-byte cipher blocks, the 64 KiB blocks the HTTP
  // layer pulls and the 256 KiB encryption buffer.
  const SIZE = 600 * 1024 + 13;
  const ranges = (n) => [[0, 0], [0, 15], [15, 16], [16, 31], [17, 50000], [65535, 65537],
    [65530, 262150], [262143, 262145], [300001, n - 1], [n - 1, n - 1], [1, n - 2]];
  for (const mode of ['AES256', 'aws:kms']) {
    test(`${mode}: every range decrypts to the same bytes`, async () => {
      const b = await newBucket('range');
      const body = randomBytes(SIZE);
      await s3.send(new PutObjectCommand({ Bucket: b, Key: 'r', Body: body, ServerSideEncryption: mode }));
      for (const [lo, hi] of ranges(SIZE)) {
        const g = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'r', Range: `bytes=${lo}-${hi}` }));
        assert.equal(g.ContentRange, `bytes ${lo}-${hi}/${SIZE}`);
        assert.ok((await bytes(g)).equals(body.subarray(lo, hi + 1)), `bytes=${lo}-${hi}`);
      }
      const tail = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'r', Range: 'bytes=-17' }));
      assert.ok((await bytes(tail)).equals(body.subarray(SIZE - 17)));
      const open = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'r', Range: 'bytes=99999-' }));
      assert.ok((await bytes(open)).equals(body.subarray(99999)));
      await expectAwsError(() => s3.send(new GetObjectCommand({ Bucket: b, Key: 'r', Range: `bytes=${SIZE}-` })),
        'InvalidRange', 'The requested range is not satisfiable', { status: 416 });
    });
  }
});

describe('CopyObject between encryption modes', () => {
  test('SSE-S3 -> SSE-KMS -> SSE-S3, the destination default, in-place rules', async () => {
    const src = await newBucket('cps');
    const dst = await newBucket('cpd');
    const key = await newKey();
    const body = randomBytes(70000);
    await s3.send(new PutObjectCommand({ Bucket: src, Key: 'o', Body: body }));
    const toKms = await s3.send(new CopyObjectCommand({ Bucket: dst, Key: 'kms', CopySource: `${src}/o`,
      ServerSideEncryption: 'aws:kms', SSEKMSKeyId: key.Arn }));
    assert.equal(toKms.ServerSideEncryption, 'aws:kms');
    assert.equal(toKms.SSEKMSKeyId, key.Arn);
    assert.notEqual(toKms.CopyObjectResult.ETag, `"${md5hex(body)}"`);
    const back = await s3.send(new CopyObjectCommand({ Bucket: dst, Key: 's3', CopySource: `${dst}/kms` }));
    assert.equal(back.ServerSideEncryption, 'AES256', 'no header: the destination bucket default');
    assert.equal(back.CopyObjectResult.ETag, `"${md5hex(body)}"`, 'the MD5 of the plaintext');
    for (const k of ['kms', 's3']) {
      assert.ok((await bytes(await s3.send(new GetObjectCommand({ Bucket: dst, Key: k })))).equals(body), k);
    }
    // A destination whose default is SSE-KMS.
    await s3.send(new PutBucketEncryptionCommand({ Bucket: dst, ServerSideEncryptionConfiguration: {
      Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: key.Arn } }] } }));
    const viaDefault = await s3.send(new CopyObjectCommand({ Bucket: dst, Key: 'dflt', CopySource: `${src}/o` }));
    assert.equal(viaDefault.ServerSideEncryption, 'aws:kms');
    assert.equal(viaDefault.SSEKMSKeyId, key.Arn);
    // In place: illegal without a change, legal when an encryption is named
    // or the bucket has a configured default.
    await expectAwsError(() => s3.send(new CopyObjectCommand({ Bucket: src, Key: 'o', CopySource: `${src}/o` })),
      'InvalidRequest', /copy an object to itself without changing/);
    const inPlace = await s3.send(new CopyObjectCommand({ Bucket: src, Key: 'o', CopySource: `${src}/o`,
      ServerSideEncryption: 'aws:kms' }));
    assert.equal(inPlace.ServerSideEncryption, 'aws:kms');
    const h = await s3.send(new HeadObjectCommand({ Bucket: src, Key: 'o' }));
    assert.equal(h.ServerSideEncryption, 'aws:kms');
    const again = await s3.send(new CopyObjectCommand({ Bucket: dst, Key: 'dflt', CopySource: `${dst}/dflt` }));
    assert.equal(again.SSEKMSKeyId, key.Arn);
    assert.ok((await bytes(await s3.send(new GetObjectCommand({ Bucket: src, Key: 'o' })))).equals(body));
    assert.ok((await bytes(await s3.send(new GetObjectCommand({ Bucket: dst, Key: 'dflt' })))).equals(body));
    assertNotOnDisk(dst, body);
  });

  test('the source is decrypted as the caller: kms:Decrypt on its key is needed', async () => {
    const b = await newBucket('cpauth');
    const key = await newKey();
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'secret', Body: 'kms data', ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: key.Arn }));
    const u = name('cpu');
    await iam.send(new CreateUserCommand({ UserName: u }));
    await iam.send(new PutUserPolicyCommand({ UserName: u, PolicyName: 'p',
      PolicyDocument: allow(['s3:GetObject', 's3:PutObject'], `arn:aws:s3:::${b}/*`) }));
    const k = await iam.send(new CreateAccessKeyCommand({ UserName: u }));
    const us3 = s3Client(srv, { credentials: { accessKeyId: k.AccessKey.AccessKeyId,
      secretAccessKey: k.AccessKey.SecretAccessKey } });
    await denyAccess(() => us3.send(new CopyObjectCommand({ Bucket: b, Key: 'copy', CopySource: `${b}/secret` })),
      `User: arn:aws:iam::${acctA}:user/${u} is not authorized to perform: kms:Decrypt on resource: ${key.Arn} because no identity-based policy allows the kms:Decrypt action`);
    await denyAccess(() => us3.send(new GetObjectCommand({ Bucket: b, Key: 'secret' })), /kms:Decrypt/);
    const h = await us3.send(new HeadObjectCommand({ Bucket: b, Key: 'secret' }));
    assert.equal(h.SSEKMSKeyId, key.Arn, 'HeadObject needs no KMS permission');
    assert.equal(h.ChecksumCRC32, undefined);
    // ... except for the checksum of an SSE-KMS object (AWS: kms:Decrypt needed).
    const own = await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'secret', ChecksumMode: 'ENABLED' }));
    assert.match(own.ChecksumCRC32 ?? '', /^[A-Za-z0-9+/]{6}==$/, 'the SDK sent a CRC32; the owner sees it');
    await assert.rejects(us3.send(new HeadObjectCommand({ Bucket: b, Key: 'secret', ChecksumMode: 'ENABLED' })),
      (e) => e.$metadata?.httpStatusCode === 403);
  });
});

describe('encryption condition keys in bucket policies', () => {
  const deny = (b, Condition) => policyDoc({ Sid: 'enc', Effect: 'Deny', Principal: '*', Action: 's3:PutObject',
    Resource: `arn:aws:s3:::${b}/*`, Condition });

  test('deny unencrypted uploads (Null): the header must be sent, whatever the default', async () => {
    const b = await newBucket('null');
    await s3.send(new PutBucketPolicyCommand({ Bucket: b,
      Policy: deny(b, { Null: { 's3:x-amz-server-side-encryption': 'true' } }) }));
    await denyAccess(() => s3.send(new PutObjectCommand({ Bucket: b, Key: 'n', Body: 'x' })),
      `User: arn:aws:iam::${acctA}:root is not authorized to perform: s3:PutObject on resource: arn:aws:s3:::${b}/n with an explicit deny in a resource-based policy`);
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'y', Body: 'x', ServerSideEncryption: 'AES256' }));
  });

  test('require aws:kms (StringNotEquals), then a specific key', async () => {
    const b = await newBucket('reqkms');
    const key = await newKey();
    const other = await newKey();
    await s3.send(new PutBucketPolicyCommand({ Bucket: b,
      Policy: deny(b, { StringNotEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' } }) }));
    await denyAccess(() => s3.send(new PutObjectCommand({ Bucket: b, Key: 'a', Body: 'x' })));
    await denyAccess(() => s3.send(new PutObjectCommand({ Bucket: b, Key: 'a', Body: 'x', ServerSideEncryption: 'AES256' })));
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'a', Body: 'x', ServerSideEncryption: 'aws:kms' }));
    await s3.send(new PutBucketPolicyCommand({ Bucket: b, Policy: deny(b,
      { StringNotEquals: { 's3:x-amz-server-side-encryption-aws-kms-key-id': key.Arn } }) }));
    await denyAccess(() => s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x', ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: other.Arn })));
    await denyAccess(() => s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x', ServerSideEncryption: 'aws:kms' })),
      undefined);
    const ok = await s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x', ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: key.Arn }));
    assert.equal(ok.SSEKMSKeyId, key.Arn);
    // CopyObject sees the same keys.
    await denyAccess(() => s3.send(new CopyObjectCommand({ Bucket: b, Key: 'c', CopySource: `${b}/k` })));
    await s3.send(new CopyObjectCommand({ Bucket: b, Key: 'c', CopySource: `${b}/k`, ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: key.Arn }));
  });
});

describe('KMS key states and permissions', () => {
  test('a disabled key: writes and reads fail with KMS.DisabledException; enabled again, they work', async () => {
    const b = await newBucket('dis');
    const key = await newKey();
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'o', Body: 'data', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: key.Arn }));
    await kms.send(new DisableKeyCommand({ KeyId: key.KeyId }));
    await expectAwsError(() => s3.send(new GetObjectCommand({ Bucket: b, Key: 'o' })), 'KMS.DisabledException',
      `${key.Arn} is disabled.`);
    await expectAwsError(() => s3.send(new PutObjectCommand({ Bucket: b, Key: 'p', Body: 'x',
      ServerSideEncryption: 'aws:kms', SSEKMSKeyId: key.Arn })), 'KMS.DisabledException', `${key.Arn} is disabled.`);
    const h = await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'o' }));
    assert.equal(h.SSEKMSKeyId, key.Arn);
    await kms.send(new EnableKeyCommand({ KeyId: key.KeyId }));
    assert.equal((await bytes(await s3.send(new GetObjectCommand({ Bucket: b, Key: 'o' })))).toString(), 'data');
  });

  test('a key pending deletion: KMS.KMSInvalidStateException', async () => {
    const b = await newBucket('pend');
    const key = await newKey();
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'o', Body: 'data', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: key.Arn }));
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: key.KeyId, PendingWindowInDays: 7 }));
    await expectAwsError(() => s3.send(new GetObjectCommand({ Bucket: b, Key: 'o' })),
      'KMS.KMSInvalidStateException', `${key.Arn} is pending deletion.`);
    await expectAwsError(() => s3.send(new PutObjectCommand({ Bucket: b, Key: 'p', Body: 'x',
      ServerSideEncryption: 'aws:kms', SSEKMSKeyId: key.Arn })), 'KMS.KMSInvalidStateException',
    `${key.Arn} is pending deletion.`);
    await kms.send(new CancelKeyDeletionCommand({ KeyId: key.KeyId }));
    await kms.send(new EnableKeyCommand({ KeyId: key.KeyId }));
    assert.equal((await bytes(await s3.send(new GetObjectCommand({ Bucket: b, Key: 'o' })))).toString(), 'data');
  });
});

describe('across accounts: the AWS managed key trap (log delivery docs)', () => {
  let acctB;
  let s3B;
  let kmsB;
  let b;
  before(async () => {
    const nameB = `ssepartner_${process.pid}`;
    acctB = await srv.accountCreate(nameB);
    s3B = s3Client(srv, { credentials: srv.credentials(nameB) });
    kmsB = kmsAs(srv.credentials(nameB));
    b = await newBucket('xacct');
    await s3.send(new PutBucketPolicyCommand({ Bucket: b, Policy: policyDoc(
      { Sid: 'PartnerWrites', Effect: 'Allow', Principal: { AWS: acctB }, Action: 's3:PutObject',
        Resource: `arn:aws:s3:::${b}/*`, Condition: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control' } } },
      { Sid: 'PartnerReads', Effect: 'Allow', Principal: { AWS: acctB }, Action: 's3:GetObject',
        Resource: `arn:aws:s3:::${b}/*` }) }));
  });

  test('B writes with SSE-KMS and no key: B\'s aws/s3 key; A may HEAD but not GET; B reads it', async () => {
    const body = Buffer.from('written by the partner under its own AWS managed key');
    const p = await s3B.send(new PutObjectCommand({ Bucket: b, Key: 'managed', Body: body,
      ACL: 'bucket-owner-full-control', ServerSideEncryption: 'aws:kms' }));
    const bKey = await managedKeyArn(kmsB);
    assert.equal(p.SSEKMSKeyId, bKey);
    assert.ok(bKey.startsWith(`arn:aws:kms:${REGION}:${acctB}:key/`), 'the writer\'s account\'s key');
    const h = await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'managed' }));
    assert.equal(h.ServerSideEncryption, 'aws:kms');
    assert.equal(h.SSEKMSKeyId, bKey);
    await denyAccess(() => s3.send(new GetObjectCommand({ Bucket: b, Key: 'managed' })),
      `User: arn:aws:iam::${acctA}:root is not authorized to perform: kms:Decrypt on resource: ${bKey} because no resource-based policy allows the kms:Decrypt action`);
    assert.ok((await bytes(await s3B.send(new GetObjectCommand({ Bucket: b, Key: 'managed' })))).equals(body));
  });

  test('under B\'s customer managed key whose policy grants A kms:Decrypt, A reads it', async () => {
    const key = await newKey(kmsB, policyDoc(
      { Sid: 'Owner', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${acctB}:root` }, Action: 'kms:*', Resource: '*' },
      { Sid: 'BucketOwnerReads', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${acctA}:root` },
        Action: 'kms:Decrypt', Resource: '*' }));
    const body = Buffer.from('written by the partner under a shared customer key');
    const p = await s3B.send(new PutObjectCommand({ Bucket: b, Key: 'shared', Body: body,
      ACL: 'bucket-owner-full-control', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: key.Arn }));
    assert.equal(p.SSEKMSKeyId, key.Arn);
    assert.ok((await bytes(await s3.send(new GetObjectCommand({ Bucket: b, Key: 'shared' })))).equals(body));
  });

  test('naming another account\'s key the caller may not use: AccessDenied for kms:GenerateDataKey', async () => {
    const key = await newKey(kmsB);   // default policy: B's account only
    const own = await newBucket('usekey');
    await denyAccess(() => s3.send(new PutObjectCommand({ Bucket: own, Key: 'x', Body: 'x', ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: key.Arn })),
    `User: arn:aws:iam::${acctA}:root is not authorized to perform: kms:GenerateDataKey on resource: ${key.Arn} because no resource-based policy allows the kms:GenerateDataKey action`);
    // By key id alone another account's key is not found (S3 needs the ARN).
    await expectAwsError(() => s3.send(new PutObjectCommand({ Bucket: own, Key: 'x', Body: 'x',
      ServerSideEncryption: 'aws:kms', SSEKMSKeyId: key.KeyId })), 'KMS.NotFoundException',
    `Key '${keyArn(acctA, key.KeyId)}' does not exist`);
  });
});

describe('Firehose into a bucket whose default is SSE-KMS (the internal S3 write path)', () => {
  const TRUST = () => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow',
    Principal: { Service: 'firehose.amazonaws.com' }, Action: 'sts:AssumeRole',
    Condition: { StringEquals: { 'sts:ExternalId': acctA } } }] });
  const fh = () => new FirehoseClient({ endpoint: srv.endpoint, region: REGION, credentials: srv.credentials(), maxAttempts: 1 });

  async function setup(p) {
    const b = await newBucket(p);
    const r = name('fhsse');
    await iam.send(new CreateRoleCommand({ RoleName: r, AssumeRolePolicyDocument: TRUST() }));
    await iam.send(new PutRolePolicyCommand({ RoleName: r, PolicyName: 'p',
      PolicyDocument: allow('s3:PutObject', `arn:aws:s3:::${b}/*`) }));
    return { b, role: { name: r, arn: `arn:aws:iam::${acctA}:role/${r}` } };
  }
  const keyPolicy = (...extra) => policyDoc(
    { Sid: 'Admin', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${acctA}:root` }, Action: 'kms:*', Resource: '*' },
    ...extra);
  const encryptFor = (roleArn) => ({ Sid: 'FirehoseWrites', Effect: 'Allow', Principal: { AWS: roleArn },
    Action: 'kms:GenerateDataKey', Resource: '*' });

  async function waitFor(b, prefix, ms = 15000) {
    const deadline = Date.now() + ms;
    for (;;) {
      const l = await s3.send(new ListObjectsV2Command({ Bucket: b, Prefix: prefix }));
      if (l.KeyCount) return l.Contents.map((o) => o.Key);
      if (Date.now() > deadline) assert.fail(`nothing under ${prefix}:\n${srv.stderr.split('\n').filter((x) => x.includes('firehose')).slice(-5).join('\n')}`);
      await sleep(200);
    }
  }

  test('a key policy allowing the role: the object reads back as aws:kms under the key', async () => {
    const { b, role } = await setup('fhok');
    const key = await newKey(kms, keyPolicy(encryptFor(role.arn)));
    await s3.send(new PutBucketEncryptionCommand({ Bucket: b, ServerSideEncryptionConfiguration: {
      Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: key.Arn } }] } }));
    const n = uniq('fh-sse');
    await fh().send(new CreateDeliveryStreamCommand({ DeliveryStreamName: n, ExtendedS3DestinationConfiguration: {
      RoleARN: role.arn, BucketARN: `arn:aws:s3:::${b}`, Prefix: 'logs/', BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 0 } } }));
    await fh().send(new PutRecordCommand({ DeliveryStreamName: n, Record: { Data: Buffer.from('encrypted delivery\n') } }));
    const [k] = await waitFor(b, 'logs/');
    const g = await s3.send(new GetObjectCommand({ Bucket: b, Key: k }));
    assert.equal(g.ServerSideEncryption, 'aws:kms');
    assert.equal(g.SSEKMSKeyId, key.Arn);
    assert.equal((await bytes(g)).toString(), 'encrypted delivery\n');
    assertNotOnDisk(b, Buffer.from('encrypted delivery'));
  });

  test('a key policy without the role: delivery fails naming kms:GenerateDataKey, nothing is lost', async () => {
    const { b, role } = await setup('fhno');
    const key = await newKey(kms, keyPolicy());   // the account's IAM decides: the role has no kms:* allow
    await s3.send(new PutBucketEncryptionCommand({ Bucket: b, ServerSideEncryptionConfiguration: {
      Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: key.Arn } }] } }));
    const n = uniq('fh-ssebad');
    await fh().send(new CreateDeliveryStreamCommand({ DeliveryStreamName: n, ExtendedS3DestinationConfiguration: {
      RoleARN: role.arn, BucketARN: `arn:aws:s3:::${b}`, Prefix: 'logs/', ErrorOutputPrefix: 'errors/',
      BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 0 } } }));
    await fh().send(new PutRecordCommand({ DeliveryStreamName: n, Record: { Data: Buffer.from('kept safe\n') } }));
    const stuck = `deliverystream/${n}: writing to the error output failed too; the records stay buffered`;
    for (let i = 0; i < 75 && !srv.stderr.includes(stuck); i++) await sleep(200);
    assert.ok(srv.stderr.includes(stuck), 'both the destination and the error output failed');
    assert.match(srv.stderr, new RegExp(`deliverystream/${n}: delivery to arn:aws:s3:::${b} failed \\(attempt 1\\): S3\\.AccessDenied \\(User: arn:aws:sts::${acctA}:assumed-role/${role.name}/\\S+ is not authorized to perform: kms:GenerateDataKey on resource: ${key.Arn.replace(/[/]/g, '\\/')}`));
    assert.equal((await s3.send(new ListObjectsV2Command({ Bucket: b }))).KeyCount, 0);
    // The key policy fixed: the buffered record arrives, once.
    await kms.send(new PutKeyPolicyCommand({ KeyId: key.KeyId, PolicyName: 'default', Policy: keyPolicy(encryptFor(role.arn)) }));
    const [k] = await waitFor(b, 'logs/', 90000);
    const g = await s3.send(new GetObjectCommand({ Bucket: b, Key: k }));
    assert.equal(g.SSEKMSKeyId, key.Arn);
    assert.equal((await bytes(g)).toString(), 'kept safe\n');
    assert.equal((await s3.send(new ListObjectsV2Command({ Bucket: b, Prefix: 'errors/' }))).KeyCount, 0);
  });
});

// Multipart uploads are encrypted too: the data key is made at
// CreateMultipartUpload (kms:GenerateDataKey as the initiator), each part is
// encrypted with it (UploadPart decrypts the key: kms:Decrypt, as AWS
// requires for multipart uploads under SSE-KMS), and the object reads back
// across part boundaries.
describe('multipart uploads under encryption', () => {
  const MiB = 1024 * 1024;

  async function upload(client, b, k, parts, extra = {}) {
    const c = await client.send(new CreateMultipartUploadCommand({ Bucket: b, Key: k, ...extra }));
    const done = [];
    for (let i = 0; i < parts.length; i++) {
      const r = await client.send(new UploadPartCommand({ Bucket: b, Key: k, UploadId: c.UploadId, PartNumber: i + 1, Body: parts[i] }));
      done.push({ PartNumber: i + 1, ETag: r.ETag });
    }
    const f = await client.send(new CompleteMultipartUploadCommand({ Bucket: b, Key: k, UploadId: c.UploadId,
      MultipartUpload: { Parts: done } }));
    return { create: c, complete: f };
  }

  test('SSE-S3 by default and SSE-KMS by request: ciphertext on disk, ranges across parts', async () => {
    const b = await newBucket('mpsse');
    const parts = [randomBytes(5 * MiB), randomBytes(5 * MiB), randomBytes(1234)];
    const whole = Buffer.concat(parts);
    const s = await upload(s3, b, 'default', parts);
    assert.equal(s.create.ServerSideEncryption, 'AES256');
    const key = await newKey();
    const k = await upload(s3, b, 'kms', parts, { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: key.KeyId });
    assert.equal(k.create.ServerSideEncryption, 'aws:kms');
    assert.equal(k.create.SSEKMSKeyId, key.Arn);
    assert.equal(k.complete.ServerSideEncryption, 'aws:kms');
    for (const name of ['default', 'kms']) {
      const h = await s3.send(new HeadObjectCommand({ Bucket: b, Key: name }));
      assert.equal(h.ContentLength, whole.length);
      assert.equal(h.ServerSideEncryption, name === 'kms' ? 'aws:kms' : 'AES256');
      assert.ok(whole.equals(await bytes(await s3.send(new GetObjectCommand({ Bucket: b, Key: name })))));
      // A range over both part boundaries (5 MiB and 10 MiB), not block aligned.
      const from = 5 * MiB - 7, to = 10 * MiB + 9;
      const r = await s3.send(new GetObjectCommand({ Bucket: b, Key: name, Range: `bytes=${from}-${to}` }));
      assert.ok(whole.subarray(from, to + 1).equals(await bytes(r)));
    }
    for (const p of parts) assertNotOnDisk(b, p);
  });

  test('UploadPart needs kms:Decrypt on the upload\'s key; a key disabled mid-upload stops the parts', async () => {
    const b = await newBucket('mpkms');
    const key = await newKey();
    const u = name('mpu');
    await iam.send(new CreateUserCommand({ UserName: u }));
    await iam.send(new PutUserPolicyCommand({ UserName: u, PolicyName: 'p', PolicyDocument: JSON.stringify({
      Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:PutObject'], Resource: '*' },
        { Effect: 'Allow', Action: ['kms:GenerateDataKey'], Resource: '*' }] }) }));
    const ak = (await iam.send(new CreateAccessKeyCommand({ UserName: u }))).AccessKey;
    const us3 = s3Client(srv, { credentials: { accessKeyId: ak.AccessKeyId, secretAccessKey: ak.SecretAccessKey } });
    const c = await us3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'k', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: key.KeyId }));
    await denyAccess(() => us3.send(new UploadPartCommand({ Bucket: b, Key: 'k', UploadId: c.UploadId, PartNumber: 1, Body: 'x' })),
      `User: arn:aws:iam::${acctA}:user/${u} is not authorized to perform: kms:Decrypt on resource: ${key.Arn} because no identity-based policy allows the kms:Decrypt action`);
    const c2 = await s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'k2', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: key.KeyId }));
    await kms.send(new DisableKeyCommand({ KeyId: key.KeyId }));
    await expectAwsError(() => s3.send(new UploadPartCommand({ Bucket: b, Key: 'k2', UploadId: c2.UploadId, PartNumber: 1, Body: 'x' })),
      'KMS.DisabledException', `${key.Arn} is disabled.`);
    await kms.send(new EnableKeyCommand({ KeyId: key.KeyId }));
  });
});

describe('CopyObject checksums', () => {
  test('a copy of a multipart object gets a full-object checksum of the same algorithm', async () => {
    const { crc32 } = await import('node:zlib');
    const b = await newBucket('cpck');
    const MiB = 1024 * 1024;
    const parts = [randomBytes(5 * MiB), randomBytes(777)];
    const c = await s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'mp', ChecksumAlgorithm: 'CRC32' }));
    const done = [];
    for (let i = 0; i < parts.length; i++) {
      const r = await s3.send(new UploadPartCommand({ Bucket: b, Key: 'mp', UploadId: c.UploadId, PartNumber: i + 1,
        Body: parts[i], ChecksumAlgorithm: 'CRC32' }));
      done.push({ PartNumber: i + 1, ETag: r.ETag, ChecksumCRC32: r.ChecksumCRC32 });
    }
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: b, Key: 'mp', UploadId: c.UploadId, MultipartUpload: { Parts: done } }));
    const src = await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'mp', ChecksumMode: 'ENABLED' }));
    assert.match(src.ChecksumCRC32, /-2$/, 'the multipart object: composite');
    await s3.send(new CopyObjectCommand({ Bucket: b, Key: 'copy', CopySource: `${b}/mp` }));
    const h = await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'copy', ChecksumMode: 'ENABLED' }));
    const whole = Buffer.alloc(4);
    whole.writeUInt32BE(crc32(Buffer.concat(parts)) >>> 0);
    assert.equal(h.ChecksumCRC32, whole.toString('base64'));
    assert.equal(h.ChecksumType, 'FULL_OBJECT');
  });
});
