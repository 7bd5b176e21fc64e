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
