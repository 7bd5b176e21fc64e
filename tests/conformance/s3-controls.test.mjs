// S3 bucket controls through @aws-sdk/client-s3 (forcePathStyle): ownership
// controls and bucket tagging.
//
// AWS's codes and messages: the S3 API reference (GetBucketOwnershipControls:
// OwnershipControlsNotFoundError "The bucket ownership controls were not
// found"; GetBucketTagging: NoSuchTagSet "The TagSet does not exist";
// MalformedXML), the S3 User Guide's "Troubleshooting" for Object Ownership
// (with Bucket owner enforced, a PUT must carry no ACL or the
// bucket-owner-full-control one, else 400 AccessControlListNotSupported "The
// bucket does not allow ACLs"), and "Default settings for new S3 buckets"
// (since April 2023 new buckets are BucketOwnerEnforced).  The service
// authorization reference maps DeleteBucketOwnershipControls and
// DeleteBucketTagging to the Put actions.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateBucketCommand, HeadBucketCommand, DeleteBucketCommand, PutObjectCommand,
  PutBucketOwnershipControlsCommand, GetBucketOwnershipControlsCommand,
  DeleteBucketOwnershipControlsCommand, PutBucketTaggingCommand, GetBucketTaggingCommand,
  DeleteBucketTaggingCommand, DeletePublicAccessBlockCommand,
} from '@aws-sdk/client-s3';
import { CreateUserCommand, CreateAccessKeyCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { startServer, expectAwsError, teardown, uniq } from './harness.mjs';
import { iamClient, name } from './iam-helpers.mjs';
import { s3Client, s3Raw, md5b64 } from './s3-helpers.mjs';

let srv;
let s3;
before(async () => {
  srv = await startServer();
  s3 = s3Client(srv);
});
after(() => teardown(srv));

const bucketName = (p) => uniq(p).toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 63);
async function newBucket(p = 'ctl', extra = {}) {
  const b = bucketName(p);
  await s3.send(new CreateBucketCommand({ Bucket: b, ...extra }));
  return b;
}
const rule = (o) => ({ Rules: [{ ObjectOwnership: o }] });
const getOwnership = async (b) =>
  (await s3.send(new GetBucketOwnershipControlsCommand({ Bucket: b })))
    .OwnershipControls.Rules.map((r) => r.ObjectOwnership);
const notAllowed = (fn) => expectAwsError(fn, 'AccessControlListNotSupported',
  'The bucket does not allow ACLs', { status: 400 });

describe('ownership controls', () => {
  test('a new bucket is BucketOwnerEnforced; put, get, delete', async () => {
    const b = await newBucket();
    assert.deepEqual(await getOwnership(b), ['BucketOwnerEnforced']);
    for (const o of ['ObjectWriter', 'BucketOwnerPreferred', 'BucketOwnerEnforced']) {
      const r = await s3.send(new PutBucketOwnershipControlsCommand({ Bucket: b, OwnershipControls: rule(o) }));
      assert.equal(r.$metadata.httpStatusCode, 200);
      assert.deepEqual(await getOwnership(b), [o]);
    }
    const d = await s3.send(new DeleteBucketOwnershipControlsCommand({ Bucket: b }));
    assert.equal(d.$metadata.httpStatusCode, 204);
    await expectAwsError(() => s3.send(new GetBucketOwnershipControlsCommand({ Bucket: b })),
      'OwnershipControlsNotFoundError', 'The bucket ownership controls were not found', { status: 404 });
    // Deleting again is not an error.
    await s3.send(new DeleteBucketOwnershipControlsCommand({ Bucket: b }));
  });

  test('CreateBucket with x-amz-object-ownership', async () => {
    const b = await newBucket('ctl-ow', { ObjectOwnership: 'ObjectWriter' });
    assert.deepEqual(await getOwnership(b), ['ObjectWriter']);
    await expectAwsError(() => s3.send(new CreateBucketCommand({ Bucket: bucketName('ctl-bad'),
      ObjectOwnership: 'Nobody' })), 'InvalidArgument', undefined, { status: 400 });
  });

  test('MalformedXML: unknown rule, no rule, two rules', async () => {
    const b = await newBucket();
    for (const oc of [rule('Nobody'), { Rules: [] },
      { Rules: [{ ObjectOwnership: 'ObjectWriter' }, { ObjectOwnership: 'ObjectWriter' }] }])
      await expectAwsError(() => s3.send(new PutBucketOwnershipControlsCommand({ Bucket: b, OwnershipControls: oc })),
        'MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
    assert.deepEqual(await getOwnership(b), ['BucketOwnerEnforced']);
  });

  test('NoSuchBucket', async () => {
    await expectAwsError(() => s3.send(new GetBucketOwnershipControlsCommand({ Bucket: bucketName('ctl-none') })),
      'NoSuchBucket', 'The specified bucket does not exist', { status: 404 });
  });

  test('BucketOwnerEnforced refuses ACLs other than bucket-owner-full-control', async () => {
    const b = await newBucket();
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'none', Body: 'x' }));
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'bofc', Body: 'x', ACL: 'bucket-owner-full-control' }));
    await notAllowed(() => s3.send(new PutObjectCommand({ Bucket: b, Key: 'pr', Body: 'x', ACL: 'public-read' })));
    await notAllowed(() => s3.send(new PutObjectCommand({ Bucket: b, Key: 'p', Body: 'x', ACL: 'private' })));
    await notAllowed(() => s3.send(new PutObjectCommand({ Bucket: b, Key: 'g', Body: 'x',
      GrantRead: 'uri="http://acs.amazonaws.com/groups/global/AllUsers"' })));
    // Other settings accept ACLs; so does a bucket without ownership controls
    // (public ones once Block Public Access is off: s3-acl.test.mjs).
    await s3.send(new DeletePublicAccessBlockCommand({ Bucket: b }));
    await s3.send(new PutBucketOwnershipControlsCommand({ Bucket: b, OwnershipControls: rule('ObjectWriter') }));
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'pr', Body: 'x', ACL: 'public-read' }));
    await s3.send(new DeleteBucketOwnershipControlsCommand({ Bucket: b }));
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'pr2', Body: 'x', ACL: 'public-read' }));
  });
});

describe('bucket tagging', () => {
  const tagSet = (o) => Object.entries(o).map(([Key, Value]) => ({ Key, Value }));
  const getTags = async (b) => Object.fromEntries(
    (await s3.send(new GetBucketTaggingCommand({ Bucket: b }))).TagSet.map((t) => [t.Key, t.Value]));
  const noTags = (b) => expectAwsError(() => s3.send(new GetBucketTaggingCommand({ Bucket: b })),
    'NoSuchTagSet', 'The TagSet does not exist', { status: 404 });

  test('none, put, replace, delete', async () => {
    const b = await newBucket();
    await noTags(b);
    const p = await s3.send(new PutBucketTaggingCommand({ Bucket: b, Tagging: { TagSet: tagSet({ team: 'red', env: '' }) } }));
    assert.equal(p.$metadata.httpStatusCode, 204);
    assert.deepEqual(await getTags(b), { team: 'red', env: '' });
    await s3.send(new PutBucketTaggingCommand({ Bucket: b, Tagging: { TagSet: tagSet({ cost: '42' }) } }));
    assert.deepEqual(await getTags(b), { cost: '42' });
    const d = await s3.send(new DeleteBucketTaggingCommand({ Bucket: b }));
    assert.equal(d.$metadata.httpStatusCode, 204);
    await noTags(b);
  });

  test('invalid tag sets are refused and change nothing', async () => {
    const b = await newBucket();
    await s3.send(new PutBucketTaggingCommand({ Bucket: b, Tagging: { TagSet: tagSet({ keep: 'me' }) } }));
    const put = (TagSet) => s3.send(new PutBucketTaggingCommand({ Bucket: b, Tagging: { TagSet } }));
    await expectAwsError(() => put([{ Key: 'a', Value: '1' }, { Key: 'a', Value: '2' }]),
      'InvalidTag', 'Cannot provide multiple Tags with the same key');
    await expectAwsError(() => put([{ Key: 'aws:x', Value: '1' }]), 'InvalidTag',
      'System tags cannot be added/updated by requester');
    await expectAwsError(() => put([{ Key: 'k'.repeat(129), Value: '1' }]), 'InvalidTag',
      'The TagKey you have provided is invalid');
    await expectAwsError(() => put([{ Key: 'k', Value: 'v'.repeat(257) }]), 'InvalidTag',
      'The TagValue you have provided is invalid');
    await expectAwsError(() => put(Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }))),
      'BadRequest', 'Bucket tag count cannot be greater than 50');
    assert.deepEqual(await getTags(b), { keep: 'me' });
  });

  test('tags go with the bucket', async () => {
    const b = await newBucket();
    await s3.send(new PutBucketTaggingCommand({ Bucket: b, Tagging: { TagSet: tagSet({ a: '1' }) } }));
    await s3.send(new DeleteBucketCommand({ Bucket: b }));
    await s3.send(new CreateBucketCommand({ Bucket: b }));
    await noTags(b);
  });

  test('aws:ResourceTag/ in policies sees the bucket tags', async () => {
    const red = await newBucket('ctl-red');
    const blue = await newBucket('ctl-blue');
    await s3.send(new PutBucketTaggingCommand({ Bucket: red, Tagging: { TagSet: tagSet({ team: 'red' }) } }));
    await s3.send(new PutBucketTaggingCommand({ Bucket: blue, Tagging: { TagSet: tagSet({ team: 'blue' }) } }));
    const iam = iamClient(srv, srv.credentials());
    const u = name('ctlu');
    await iam.send(new CreateUserCommand({ UserName: u }));
    await iam.send(new PutUserPolicyCommand({ UserName: u, PolicyName: 'p', PolicyDocument: JSON.stringify({
      Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:ListBucket', 's3:GetBucketTagging'],
        Resource: 'arn:aws:s3:::*', Condition: { StringEquals: { 'aws:ResourceTag/team': 'red' } } }] }) }));
    const k = await iam.send(new CreateAccessKeyCommand({ UserName: u }));
    const us3 = s3Client(srv, { credentials: { accessKeyId: k.AccessKey.AccessKeyId,
      secretAccessKey: k.AccessKey.SecretAccessKey } });
    await us3.send(new HeadBucketCommand({ Bucket: red }));
    assert.equal((await us3.send(new GetBucketTaggingCommand({ Bucket: red }))).TagSet[0].Value, 'red');
    await expectAwsError(() => us3.send(new GetBucketTaggingCommand({ Bucket: blue })),
      'AccessDenied', undefined, { status: 403 });
    // Authorization: the deletion needs s3:PutBucketTagging, which the user lacks.
    await expectAwsError(() => us3.send(new DeleteBucketTaggingCommand({ Bucket: red })),
      'AccessDenied', /s3:PutBucketTagging/, { status: 403 });
    await expectAwsError(() => us3.send(new DeleteBucketOwnershipControlsCommand({ Bucket: red })),
      'AccessDenied', /s3:PutBucketOwnershipControls/, { status: 403 });
  });
});

// The model marks these operations requestChecksumRequired: the SDK always
// sends a checksum, a raw client that sends neither Content-MD5 nor an
// x-amz-checksum-* header gets S3's InvalidRequest, and nothing changes.
describe('checksum-required operations', () => {
  const cases = [
    ['PutBucketTagging', 'tagging', '<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet></Tagging>'],
    ['PutBucketOwnershipControls', 'ownershipControls',
      '<OwnershipControls><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule></OwnershipControls>'],
    ['DeleteObjects', 'delete', '<Delete><Object><Key>a</Key></Object></Delete>'],
    ['PutBucketPolicy', 'policy', '{"Version":"2012-10-17","Statement":[]}'],
  ];
  for (const [op, sub, body] of cases) {
    test(`${op} without Content-MD5 or a checksum is InvalidRequest; with Content-MD5 it is accepted`, async () => {
      const b = await newBucket('ckreq');
      const method = op === 'DeleteObjects' ? 'POST' : 'PUT';
      const r = await s3Raw(srv, { method, path: `/${b}`, query: { [sub]: '' }, body });
      assert.equal(r.status, 400, r.text);
      assert.match(r.text, /<Code>InvalidRequest<\/Code>/);
      assert.match(r.text, /<Message>Missing required header for this request: Content-MD5<\/Message>/);
      if (op === 'PutBucketOwnershipControls')
        assert.deepEqual(await getOwnership(b), ['BucketOwnerEnforced']);
      if (op === 'PutBucketPolicy') return;   // an empty policy is MalformedPolicy: the header is enough
      const ok = await s3Raw(srv, { method, path: `/${b}`, query: { [sub]: '' }, body,
        headers: { 'content-md5': md5b64(Buffer.from(body)) } });
      assert.ok(ok.status === 200 || ok.status === 204, `${ok.status} ${ok.text}`);
    });
  }
});
