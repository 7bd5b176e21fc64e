// S3 object tagging through @aws-sdk/client-s3: Put/Get/DeleteObjectTagging,
// x-amz-tagging on PutObject / CreateMultipartUpload / CopyObject
// (x-amz-tagging-directive), x-amz-tagging-count on reads.  AWS's rules (S3
// User Guide, "Categorizing your storage using tags"; PutObjectTagging and
// PutObject API references): up to 10 tags per object, keys up to 128 and
// values up to 256 characters, unique keys, tags belong to the object (an
// overwrite without tags has none), writing tags needs s3:PutObjectTagging.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateBucketCommand, PutObjectCommand, HeadObjectCommand, GetObjectCommand, CopyObjectCommand,
  PutObjectTaggingCommand, GetObjectTaggingCommand, DeleteObjectTaggingCommand, DeleteObjectCommand,
  CreateMultipartUploadCommand, UploadPartCommand, CompleteMultipartUploadCommand,
} from '@aws-sdk/client-s3';
import { startServer, expectAwsError, teardown, uniq } from './harness.mjs';
import { allow } from './iam-helpers.mjs';
import { s3Client, s3User } from './s3-helpers.mjs';

let srv;
let s3;
let b;
before(async () => {
  srv = await startServer();
  s3 = s3Client(srv);
  b = uniq('tag').toLowerCase().replace(/[^a-z0-9-]/g, '-');
  await s3.send(new CreateBucketCommand({ Bucket: b }));
});
after(() => teardown(srv));

const tagsOf = async (Key) => (await s3.send(new GetObjectTaggingCommand({ Bucket: b, Key }))).TagSet;

describe('object tagging', () => {
  test('Put / Get / Delete; the count on HEAD and GET; an overwrite drops them', async () => {
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x' }));
    assert.deepEqual(await tagsOf('k'), []);
    assert.equal((await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'k' }))).TagCount, undefined);
    const set = [{ Key: 'team', Value: 'logs' }, { Key: 'a b/c', Value: 'ü & =' }, { Key: 'empty', Value: '' }];
    await s3.send(new PutObjectTaggingCommand({ Bucket: b, Key: 'k', Tagging: { TagSet: set } }));
    assert.deepEqual(await tagsOf('k'), set);
    assert.equal((await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'k' }))).TagCount, 3);
    assert.equal((await s3.send(new GetObjectCommand({ Bucket: b, Key: 'k' }))).TagCount, 3);
    await s3.send(new DeleteObjectTaggingCommand({ Bucket: b, Key: 'k' }));
    assert.deepEqual(await tagsOf('k'), []);
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x', Tagging: 'env=prod&x=1' }));
    assert.deepEqual(await tagsOf('k'), [{ Key: 'env', Value: 'prod' }, { Key: 'x', Value: '1' }]);
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'y' }));
    assert.deepEqual(await tagsOf('k'), [], 'a new version without tags has none');
  });

  test('limits and errors', async () => {
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'e', Body: 'x' }));
    const put = (TagSet) => s3.send(new PutObjectTaggingCommand({ Bucket: b, Key: 'e', Tagging: { TagSet } }));
    await expectAwsError(() => put(Array.from({ length: 11 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }))),
      'BadRequest', 'Object tags cannot be greater than 10');
    await expectAwsError(() => put([{ Key: 'k'.repeat(129), Value: 'v' }]), 'InvalidTag', 'The TagKey you have provided is invalid');
    await expectAwsError(() => put([{ Key: 'k', Value: 'v'.repeat(257) }]), 'InvalidTag', 'The TagValue you have provided is invalid');
    await expectAwsError(() => put([{ Key: 'k', Value: '1' }, { Key: 'k', Value: '2' }]), 'InvalidTag',
      'Cannot provide multiple Tags with the same key');
    await expectAwsError(() => s3.send(new PutObjectCommand({ Bucket: b, Key: 'e2', Body: 'x', Tagging: 'aws:x=1' })),
      'InvalidTag', /aws:/);
    await expectAwsError(() => s3.send(new GetObjectTaggingCommand({ Bucket: b, Key: 'none' })),
      'NoSuchKey', 'The specified key does not exist.', { status: 404 });
    await expectAwsError(() => s3.send(new PutObjectTaggingCommand({ Bucket: b, Key: 'none', Tagging: { TagSet: [] } })),
      'NoSuchKey', 'The specified key does not exist.', { status: 404 });
    assert.deepEqual(await tagsOf('e'), []);
  });

  test('multipart uploads and copies carry tags; the tagging directive', async () => {
    const c = await s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'mp', Tagging: 'k=v' }));
    const p = await s3.send(new UploadPartCommand({ Bucket: b, Key: 'mp', UploadId: c.UploadId, PartNumber: 1, Body: 'part' }));
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: b, Key: 'mp', UploadId: c.UploadId,
      MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p.ETag }] } }));
    assert.deepEqual(await tagsOf('mp'), [{ Key: 'k', Value: 'v' }]);
    await s3.send(new CopyObjectCommand({ Bucket: b, Key: 'cp1', CopySource: `${b}/mp` }));
    assert.deepEqual(await tagsOf('cp1'), [{ Key: 'k', Value: 'v' }], 'COPY is the default');
    await s3.send(new CopyObjectCommand({ Bucket: b, Key: 'cp2', CopySource: `${b}/mp`, TaggingDirective: 'REPLACE', Tagging: 'n=2' }));
    assert.deepEqual(await tagsOf('cp2'), [{ Key: 'n', Value: '2' }]);
    await s3.send(new CopyObjectCommand({ Bucket: b, Key: 'cp3', CopySource: `${b}/mp`, TaggingDirective: 'REPLACE' }));
    assert.deepEqual(await tagsOf('cp3'), []);
    await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'mp' }));
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'mp', Body: 'again' }));
    assert.deepEqual(await tagsOf('mp'), [], 'a deleted object\'s tags go with it');
  });

  test('writing tags needs s3:PutObjectTagging; reading them s3:GetObjectTagging', async () => {
    const { name: u, s3: us3 } = await s3User(srv, { policy: allow('s3:PutObject'), prefix: 'tagger' });
    await us3.send(new PutObjectCommand({ Bucket: b, Key: 'u', Body: 'x' }));
    await expectAwsError(() => us3.send(new PutObjectCommand({ Bucket: b, Key: 'u', Body: 'x', Tagging: 'k=v' })),
      'AccessDenied', new RegExp(`user/${u} is not authorized to perform: s3:PutObjectTagging on resource: arn:aws:s3:::${b}/u`), { status: 403 });
    await expectAwsError(() => us3.send(new GetObjectTaggingCommand({ Bucket: b, Key: 'u' })),
      'AccessDenied', /s3:GetObjectTagging/, { status: 403 });
  });
});

// The tag condition keys of S3's service authorization reference:
// s3:ExistingObjectTag/<key> on operations on an existing object,
// s3:RequestObjectTag/<key> and s3:RequestObjectTagKeys on writes of tags.
describe('tag condition keys', () => {
  const policy = (...Statement) => JSON.stringify({ Version: '2012-10-17', Statement });

  test('s3:ExistingObjectTag/<key>: a user may read only objects tagged for it', async () => {
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'pub', Body: 'p', Tagging: 'classification=public' }));
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'sec', Body: 's', Tagging: 'classification=secret' }));
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'none', Body: 'n' }));
    const { s3: us3 } = await s3User(srv, { prefix: 'reader', policy: policy({ Effect: 'Allow',
      Action: ['s3:GetObject', 's3:GetObjectTagging'], Resource: `arn:aws:s3:::${b}/*`,
      Condition: { StringEquals: { 's3:ExistingObjectTag/classification': 'public' } } }) });
    const r = await us3.send(new GetObjectCommand({ Bucket: b, Key: 'pub' }));
    assert.equal(await r.Body.transformToString(), 'p');
    assert.deepEqual((await us3.send(new GetObjectTaggingCommand({ Bucket: b, Key: 'pub' }))).TagSet,
      [{ Key: 'classification', Value: 'public' }]);
    for (const k of ['sec', 'none']) {
      await expectAwsError(() => us3.send(new GetObjectCommand({ Bucket: b, Key: k })), 'AccessDenied',
        /s3:GetObject on resource: .* because no identity-based policy allows/, { status: 403 });
    }
    // Retagging the object changes what the same policy allows.
    await s3.send(new PutObjectTaggingCommand({ Bucket: b, Key: 'sec', Tagging: { TagSet: [{ Key: 'classification', Value: 'public' }] } }));
    assert.equal(await (await us3.send(new GetObjectCommand({ Bucket: b, Key: 'sec' }))).Body.transformToString(), 's');
  });

  test('s3:RequestObjectTag/<key> and s3:RequestObjectTagKeys on PutObject and PutObjectTagging', async () => {
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'rt', Body: 'x' }));
    const { s3: us3 } = await s3User(srv, { prefix: 'writer', policy: policy(
      { Effect: 'Allow', Action: 's3:PutObject', Resource: `arn:aws:s3:::${b}/*` },
      { Effect: 'Allow', Action: 's3:PutObjectTagging', Resource: `arn:aws:s3:::${b}/*`,
        Condition: { StringEquals: { 's3:RequestObjectTag/team': 'logs' },
          'ForAllValues:StringEquals': { 's3:RequestObjectTagKeys': ['team', 'env'] } } }) });
    await us3.send(new PutObjectCommand({ Bucket: b, Key: 'w1', Body: 'x', Tagging: 'team=logs&env=prod' }));
    assert.deepEqual(await tagsOf('w1'), [{ Key: 'team', Value: 'logs' }, { Key: 'env', Value: 'prod' }]);
    await expectAwsError(() => us3.send(new PutObjectCommand({ Bucket: b, Key: 'w2', Body: 'x', Tagging: 'team=web' })),
      'AccessDenied', /s3:PutObjectTagging/, { status: 403 });
    await expectAwsError(() => us3.send(new PutObjectCommand({ Bucket: b, Key: 'w3', Body: 'x', Tagging: 'team=logs&owner=me' })),
      'AccessDenied', /s3:PutObjectTagging/, { status: 403 });
    await us3.send(new PutObjectTaggingCommand({ Bucket: b, Key: 'rt', Tagging: { TagSet: [{ Key: 'team', Value: 'logs' }] } }));
    assert.deepEqual(await tagsOf('rt'), [{ Key: 'team', Value: 'logs' }]);
    await expectAwsError(() => us3.send(new PutObjectTaggingCommand({ Bucket: b, Key: 'rt',
      Tagging: { TagSet: [{ Key: 'team', Value: 'other' }] } })), 'AccessDenied', /s3:PutObjectTagging/, { status: 403 });
    assert.deepEqual(await tagsOf('rt'), [{ Key: 'team', Value: 'logs' }], 'a denied retag changes nothing');
  });
});
