// S3 authorization through the one policy engine: the bucket policy is the
// bucket's resource policy, the bucket's owner the resource account.
//
// AWS's rules exercised (IAM User Guide, "Policy evaluation logic" and
// "Cross-account policy evaluation logic"; S3 User Guide, "Bucket policy
// examples" — granting cross-account PutObject on condition of
// s3:x-amz-acl = bucket-owner-full-control — and "How Amazon S3 authorizes
// a request"): in one account an identity allow or a bucket-policy allow
// naming the principal suffices; across accounts both the caller's identity
// side and the bucket policy must allow; an explicit deny wins; GetObject of
// a missing key is AccessDenied without s3:ListBucket (S3 GetObject API
// reference); the bucket owner's root can always read and delete the bucket
// policy, and others, when permitted, get 405 MethodNotAllowed
// (PutBucketPolicy / GetBucketPolicy API reference).
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateBucketCommand, HeadBucketCommand, ListBucketsCommand, PutBucketPolicyCommand,
  GetBucketPolicyCommand, DeleteBucketPolicyCommand, PutObjectCommand, GetObjectCommand,
  DeleteObjectCommand, DeleteObjectsCommand, CopyObjectCommand, ListObjectsV2Command,
} from '@aws-sdk/client-s3';
import { CreateUserCommand, CreateAccessKeyCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { startServer, expectAwsError, teardown, uniq } from './harness.mjs';
import { iamClient, name, allow } from './iam-helpers.mjs';
import { s3Client, policyDoc, s3User } from './s3-helpers.mjs';

let srv;
let s3;          // account A (admin) root: owns the buckets
let acctA;
let acctB;
let s3B;         // account B root
let iamB;
before(async () => {
  srv = await startServer();
  s3 = s3Client(srv);
  acctA = srv.adminAccountId;
  const nameB = `partner_${process.pid}`;
  acctB = await srv.accountCreate(nameB);
  s3B = s3Client(srv, { credentials: srv.credentials(nameB) });
  iamB = iamClient(srv, srv.credentials(nameB));
});
after(() => teardown(srv));

const bucketName = (p = 'pol') => uniq(p).toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 63);
async function newBucket(p) {
  const b = bucketName(p);
  await s3.send(new CreateBucketCommand({ Bucket: b }));
  return b;
}

/** A user of the account behind `iam` with an inline identity policy (or none). */
const user = (iam, acct, policy) => s3User(srv, { iam, acct, policy, prefix: 's3u' });

const denied = (who, action, resource, why) =>
  `User: ${who} is not authorized to perform: ${action} on resource: ${resource} ${why}`;
const denyAccess = (fn, message) => expectAwsError(fn, 'AccessDenied', message, { status: 403 });

describe('cross-account writes with s3:x-amz-acl', () => {
  let b;
  before(async () => {
    b = await newBucket('xacct');
    await s3.send(new PutBucketPolicyCommand({ Bucket: b, Policy: policyDoc({
      Sid: 'PartnerWritesGrantingOwnerControl', Effect: 'Allow', Principal: { AWS: acctB },
      Action: 's3:PutObject', Resource: `arn:aws:s3:::${b}/*`,
      Condition: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control' } } }) }));
  });

  test('without a bucket policy naming it, another account is denied', async () => {
    const other = await newBucket('closed');
    await denyAccess(() => s3B.send(new PutObjectCommand({ Bucket: other, Key: 'k', Body: 'x' })),
      denied(`arn:aws:iam::${acctB}:root`, 's3:PutObject', `arn:aws:s3:::${other}/k`,
        'because no resource-based policy allows the s3:PutObject action'));
  });

  test('the matrix: ACL present and right / absent / wrong; user with and without identity policy', async () => {
    const ok = await s3B.send(new PutObjectCommand({ Bucket: b, Key: 'from-b', Body: 'partner data',
      ACL: 'bucket-owner-full-control' }));
    assert.equal(ok.$metadata.httpStatusCode, 200);
    await denyAccess(() => s3B.send(new PutObjectCommand({ Bucket: b, Key: 'no-acl', Body: 'x' })));
    await denyAccess(() => s3B.send(new PutObjectCommand({ Bucket: b, Key: 'wrong-acl', Body: 'x',
      ACL: 'public-read' })));
    const bare = await user(iamB, acctB, null);
    await denyAccess(() => bare.s3.send(new PutObjectCommand({ Bucket: b, Key: 'u', Body: 'x',
      ACL: 'bucket-owner-full-control' })),
    denied(bare.arn, 's3:PutObject', `arn:aws:s3:::${b}/u`, 'because no identity-based policy allows the s3:PutObject action'));
    const writer = await user(iamB, acctB, allow('s3:PutObject', `arn:aws:s3:::${b}/*`));
    await writer.s3.send(new PutObjectCommand({ Bucket: b, Key: 'u', Body: 'x', ACL: 'bucket-owner-full-control' }));
    await denyAccess(() => writer.s3.send(new PutObjectCommand({ Bucket: b, Key: 'u2', Body: 'x' })));
    // The owner reads what the partner wrote; the partner may not read it back.
    const g = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'from-b' }));
    assert.equal(await g.Body.transformToString(), 'partner data');
    await denyAccess(() => s3B.send(new GetObjectCommand({ Bucket: b, Key: 'from-b' })));
  });

  test('an invalid canned ACL is refused before authorization matters', async () => {
    const e = await expectAwsError(() => s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x',
      ACL: 'everyone-please' })), 'InvalidArgument', undefined, { status: 400 });
    assert.equal(e.ArgumentName, 'x-amz-acl');
  });
});

describe('same account', () => {
  test('a user needs an identity allow or a bucket policy naming it; explicit deny wins', async () => {
    const b = await newBucket('same');
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'doc', Body: 'content' }));
    const u = await user(iamClient(srv), acctA, null);
    await denyAccess(() => u.s3.send(new GetObjectCommand({ Bucket: b, Key: 'doc' })),
      denied(u.arn, 's3:GetObject', `arn:aws:s3:::${b}/doc`, 'because no identity-based policy allows the s3:GetObject action'));
    await s3.send(new PutBucketPolicyCommand({ Bucket: b, Policy: policyDoc(
      { Effect: 'Allow', Principal: { AWS: u.arn }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${b}/*` },
      { Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${b}/secret/*` }) }));
    const g = await u.s3.send(new GetObjectCommand({ Bucket: b, Key: 'doc' }));
    assert.equal(await g.Body.transformToString(), 'content');
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'secret/x', Body: 's' }));
    await denyAccess(() => u.s3.send(new GetObjectCommand({ Bucket: b, Key: 'secret/x' })),
      denied(u.arn, 's3:GetObject', `arn:aws:s3:::${b}/secret/x`,
        'with an explicit deny in a resource-based policy'));
    // The deny binds the account's root too.
    await denyAccess(() => s3.send(new GetObjectCommand({ Bucket: b, Key: 'secret/x' })));
  });

  test('operations map to AWS\'s actions (ListAllMyBuckets, CreateBucket, ListBucket, DeleteObject)', async () => {
    const b = await newBucket('acts');
    const u = await user(iamClient(srv), acctA, policyDoc(
      { Effect: 'Allow', Action: 's3:ListBucket', Resource: `arn:aws:s3:::${b}` },
      { Effect: 'Allow', Action: ['s3:PutObject', 's3:DeleteObject'], Resource: `arn:aws:s3:::${b}/tmp/*` }));
    await denyAccess(() => u.s3.send(new ListBucketsCommand({})));
    await denyAccess(() => u.s3.send(new CreateBucketCommand({ Bucket: bucketName('nope') })));
    const l = await u.s3.send(new ListObjectsV2Command({ Bucket: b }));
    assert.equal(l.KeyCount, 0);
    const h = await u.s3.send(new HeadBucketCommand({ Bucket: b }));
    assert.equal(h.$metadata.httpStatusCode, 200, 'HeadBucket is s3:ListBucket');
    await u.s3.send(new PutObjectCommand({ Bucket: b, Key: 'tmp/a', Body: 'a' }));
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'keep/b', Body: 'b' }));
    const r = await u.s3.send(new DeleteObjectsCommand({ Bucket: b, Delete: {
      Objects: [{ Key: 'tmp/a' }, { Key: 'keep/b' }] } }));
    assert.deepEqual(r.Deleted.map((d) => d.Key), ['tmp/a']);
    assert.deepEqual(r.Errors.map((e) => [e.Key, e.Code]), [['keep/b', 'AccessDenied']]);
    assert.match(r.Errors[0].Message, /s3:DeleteObject/);
  });
});

describe('condition keys and existence', () => {
  test('s3:prefix limits another account\'s listing', async () => {
    const b = await newBucket('prefix');
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'shared/a', Body: 'a' }));
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'private/b', Body: 'b' }));
    await s3.send(new PutBucketPolicyCommand({ Bucket: b, Policy: policyDoc({
      Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${acctB}:root` }, Action: 's3:ListBucket',
      Resource: `arn:aws:s3:::${b}`, Condition: { StringLike: { 's3:prefix': 'shared/*' } } }) }));
    const l = await s3B.send(new ListObjectsV2Command({ Bucket: b, Prefix: 'shared/' }));
    assert.deepEqual(l.Contents.map((c) => c.Key), ['shared/a']);
    await denyAccess(() => s3B.send(new ListObjectsV2Command({ Bucket: b })));
    await denyAccess(() => s3B.send(new ListObjectsV2Command({ Bucket: b, Prefix: 'private/' })));
  });

  test('s3:max-keys and s3:delimiter', async () => {
    const b = await newBucket('maxkeys');
    await s3.send(new PutBucketPolicyCommand({ Bucket: b, Policy: policyDoc({
      Effect: 'Allow', Principal: { AWS: acctB }, Action: 's3:ListBucket', Resource: `arn:aws:s3:::${b}`,
      Condition: { NumericLessThanEquals: { 's3:max-keys': '10' }, StringEquals: { 's3:delimiter': '/' } } }) }));
    const l = await s3B.send(new ListObjectsV2Command({ Bucket: b, MaxKeys: 5, Delimiter: '/' }));
    assert.equal(l.KeyCount, 0);
    await denyAccess(() => s3B.send(new ListObjectsV2Command({ Bucket: b, MaxKeys: 50, Delimiter: '/' })));
    await denyAccess(() => s3B.send(new ListObjectsV2Command({ Bucket: b, MaxKeys: 5 })));
  });

  test('s3:x-amz-server-side-encryption: the classic "deny unencrypted uploads" policy', async () => {
    const b = await newBucket('sse');
    await s3.send(new PutBucketPolicyCommand({ Bucket: b, Policy: policyDoc({
      Sid: 'DenyUnencrypted', Effect: 'Deny', Principal: '*', Action: 's3:PutObject',
      Resource: `arn:aws:s3:::${b}/*`,
      Condition: { StringNotEquals: { 's3:x-amz-server-side-encryption': 'AES256' } } }) }));
    // A negated operator matches when the key is absent: no header, denied.
    await denyAccess(() => s3.send(new PutObjectCommand({ Bucket: b, Key: 'plain', Body: 'x' })));
    const ok = await s3.send(new PutObjectCommand({ Bucket: b, Key: 'enc', Body: 'x',
      ServerSideEncryption: 'AES256' }));
    assert.equal(ok.$metadata.httpStatusCode, 200);
  });

  test('a missing key: AccessDenied without s3:ListBucket, NoSuchKey with it', async () => {
    const b = await newBucket('missing');
    const readAll = { Effect: 'Allow', Principal: { AWS: acctB }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${b}/*` };
    await s3.send(new PutBucketPolicyCommand({ Bucket: b, Policy: policyDoc(readAll) }));
    await denyAccess(() => s3B.send(new GetObjectCommand({ Bucket: b, Key: 'absent' })));
    await s3.send(new PutBucketPolicyCommand({ Bucket: b, Policy: policyDoc(readAll, {
      Effect: 'Allow', Principal: { AWS: acctB }, Action: 's3:ListBucket', Resource: `arn:aws:s3:::${b}` }) }));
    await expectAwsError(() => s3B.send(new GetObjectCommand({ Bucket: b, Key: 'absent' })), 'NoSuchKey',
      'The specified key does not exist.', { status: 404 });
  });

  test('HeadBucket of someone else\'s bucket: 403 (exists), 404 (does not)', async () => {
    const b = await newBucket('head');
    // HEAD answers carry no body, so the SDK knows only the status.
    const e = await s3B.send(new HeadBucketCommand({ Bucket: b })).catch((x) => x);
    assert.equal(e.$metadata?.httpStatusCode, 403);
    await expectAwsError(() => s3B.send(new HeadBucketCommand({ Bucket: bucketName('none') })), 'NotFound',
      undefined, { status: 404 });
  });

  test('CopyObject across accounts needs s3:GetObject on the source', async () => {
    const src = await newBucket('src');
    await s3.send(new PutObjectCommand({ Bucket: src, Key: 'obj', Body: 'shared bytes' }));
    const dst = bucketName('dstb');
    await s3B.send(new CreateBucketCommand({ Bucket: dst }));
    await denyAccess(() => s3B.send(new CopyObjectCommand({ Bucket: dst, Key: 'copy', CopySource: `${src}/obj` })),
      denied(`arn:aws:iam::${acctB}:root`, 's3:GetObject', `arn:aws:s3:::${src}/obj`,
        'because no resource-based policy allows the s3:GetObject action'));
    await s3.send(new PutBucketPolicyCommand({ Bucket: src, Policy: policyDoc({
      Effect: 'Allow', Principal: { AWS: acctB }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${src}/*` }) }));
    await s3B.send(new CopyObjectCommand({ Bucket: dst, Key: 'copy', CopySource: `${src}/obj` }));
    const g = await s3B.send(new GetObjectCommand({ Bucket: dst, Key: 'copy' }));
    assert.equal(await g.Body.transformToString(), 'shared bytes');
  });
});

describe('bucket policy operations', () => {
  test('the owner\'s root is never locked out; other accounts get 405 when permitted', async () => {
    const b = await newBucket('lock');
    const denyAll = policyDoc({ Effect: 'Deny', Principal: '*', Action: 's3:*',
      Resource: [`arn:aws:s3:::${b}`, `arn:aws:s3:::${b}/*`] });
    await s3.send(new PutBucketPolicyCommand({ Bucket: b, Policy: denyAll }));
    await denyAccess(() => s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x' })));
    const g = await s3.send(new GetBucketPolicyCommand({ Bucket: b }));
    assert.deepEqual(JSON.parse(g.Policy), JSON.parse(denyAll));
    await s3.send(new DeleteBucketPolicyCommand({ Bucket: b }));
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x' }));

    await denyAccess(() => s3B.send(new GetBucketPolicyCommand({ Bucket: b })));
    await s3.send(new PutBucketPolicyCommand({ Bucket: b, Policy: policyDoc({ Effect: 'Allow',
      Principal: { AWS: acctB }, Action: 's3:GetBucketPolicy', Resource: `arn:aws:s3:::${b}` }) }));
    await expectAwsError(() => s3B.send(new GetBucketPolicyCommand({ Bucket: b })), 'MethodNotAllowed',
      'The specified method is not allowed against this resource.', { status: 405 });
  });
});
