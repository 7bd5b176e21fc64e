// S3 through @aws-sdk/client-s3 (forcePathStyle; one virtual-hosted client):
// buckets, bucket policies, objects, streaming uploads, ranges, conditionals,
// listings, copies, batch deletes, the wire protocol's errors and kill -9.
//
// AWS's codes, statuses and messages: the S3 API reference, "Error
// responses" (List of error codes) — NoSuchBucket "The specified bucket does
// not exist", NoSuchKey "The specified key does not exist.", BucketNotEmpty
// "The bucket you tried to delete is not empty", BucketAlreadyExists "The
// requested bucket name is not available. ...", BucketAlreadyOwnedByYou
// "Your previous request to create the named bucket succeeded and you
// already own it.", InvalidBucketName "The specified bucket is not valid.",
// BadDigest "The Content-MD5 you specified did not match what we
// received.", InvalidDigest "The Content-MD5 you specified is not valid.",
// InvalidRange "The requested range is not satisfiable", PreconditionFailed
// "At least one of the pre-conditions you specified did not hold",
// KeyTooLongError "Your key is too long", InvalidLocationConstraint "The
// specified location-constraint is not valid", IllegalLocationConstraint-
// Exception, XAmzContentSHA256Mismatch, NoSuchBucketPolicy "The bucket policy
// does not exist"; the CreateBucket reference for the us-east-1 legacy 200 on
// re-creating one's own bucket; MalformedPolicy texts as recorded against
// AWS by other S3 implementations' suites (e.g. versitygw).
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import http from 'node:http';
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  CreateBucketCommand, HeadBucketCommand, DeleteBucketCommand, ListBucketsCommand,
  GetBucketLocationCommand, PutBucketPolicyCommand, GetBucketPolicyCommand,
  DeleteBucketPolicyCommand, PutObjectCommand, GetObjectCommand, HeadObjectCommand,
  DeleteObjectCommand, DeleteObjectsCommand, CopyObjectCommand, ListObjectsV2Command,
  ListObjectsCommand, GetBucketCorsCommand, DeletePublicAccessBlockCommand, S3Client, paginateListObjectsV2,
} from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { startServer, expectAwsError, teardown, REGION, uniq } from './harness.mjs';
import {
  s3Client, recordRequests, s3Raw, xmlText, md5b64, md5hex, policyDoc, signedChunkedPut,
} from './s3-helpers.mjs';

let srv;
let s3;
before(async () => {
  // A small --max-body: object bodies stream past it, other services' don't.
  srv = await startServer({ extraArgs: ['--max-body', String(1 << 20)] });
  s3 = s3Client(srv);
});
after(() => teardown(srv));

const bucketName = (p = 'b') => uniq(p).toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 63);
async function newBucket(p) {
  const b = bucketName(p);
  await s3.send(new CreateBucketCommand({ Bucket: b }));
  return b;
}
const text = (r) => r.Body.transformToString();

describe('buckets', () => {
  test('create, head, list, location, delete', async () => {
    const b = bucketName();
    const r = await s3.send(new CreateBucketCommand({ Bucket: b }));
    assert.equal(r.Location, `/${b}`);
    const h = await s3.send(new HeadBucketCommand({ Bucket: b }));
    assert.equal(h.$metadata.httpStatusCode, 200);
    assert.equal(h.BucketRegion, REGION);
    const l = await s3.send(new ListBucketsCommand({}));
    const mine = l.Buckets.find((x) => x.Name === b);
    assert.ok(mine, 'listed');
    assert.ok(mine.CreationDate instanceof Date && Math.abs(mine.CreationDate - Date.now()) < 60000);
    assert.match(l.Owner.ID, /^[0-9a-f]{64}$/);
    const loc = await s3.send(new GetBucketLocationCommand({ Bucket: b }));
    assert.ok(!loc.LocationConstraint, 'us-east-1 is the empty constraint');
    // us-east-1: re-creating one's own bucket answers 200 (AWS's legacy behaviour).
    await s3.send(new CreateBucketCommand({ Bucket: b }));
    const d = await s3.send(new DeleteBucketCommand({ Bucket: b }));
    assert.equal(d.$metadata.httpStatusCode, 204);
    await expectAwsError(() => s3.send(new HeadBucketCommand({ Bucket: b })), 'NotFound', undefined,
      { status: 404 });
    const e = await expectAwsError(() => s3.send(new DeleteBucketCommand({ Bucket: b })),
      'NoSuchBucket', 'The specified bucket does not exist', { status: 404 });
    assert.equal(e.BucketName, b);
  });

  test('names are global: another account gets BucketAlreadyExists', async () => {
    const b = await newBucket();
    const other = await srv.accountCreate(uniq('acct').replace(/-/g, '_'));
    assert.match(other, /^\d{12}$/);
    const prof = Object.keys(srv.profiles()).find((p) => p !== 'default' && srv.profiles()[p]);
    const s3b = s3Client(srv, { credentials: srv.credentials(Object.keys(srv.profiles()).pop()) });
    assert.ok(prof);
    await expectAwsError(() => s3b.send(new CreateBucketCommand({ Bucket: b })), 'BucketAlreadyExists',
      'The requested bucket name is not available. The bucket namespace is shared by all users of '
      + 'the system. Please select a different name and try again.', { status: 409 });
    const l = await s3b.send(new ListBucketsCommand({}));
    assert.ok(!l.Buckets.some((x) => x.Name === b), 'listings are per account');
  });

  test('invalid names', async () => {
    for (const b of ['ab', 'UpperCase', 'a..b', '192.168.1.1', 'xn--abc', '-abc', 'abc-', 'a_b',
      'x'.repeat(64), 'bucket-s3alias']) {
      await expectAwsError(() => s3.send(new CreateBucketCommand({ Bucket: b })), 'InvalidBucketName',
        'The specified bucket is not valid.', { status: 400 });
    }
  });

  test('location constraints in us-east-1', async () => {
    await expectAwsError(() => s3.send(new CreateBucketCommand({ Bucket: bucketName(),
      CreateBucketConfiguration: { LocationConstraint: 'us-east-1' } })), 'InvalidLocationConstraint',
    'The specified location-constraint is not valid', { status: 400 });
    await expectAwsError(() => s3.send(new CreateBucketCommand({ Bucket: bucketName(),
      CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } })),
    'IllegalLocationConstraintException',
    'The eu-west-1 location constraint is incompatible for the region specific endpoint this request was sent to.');
  });

  test('another region: constraint required, BucketAlreadyOwnedByYou', async () => {
    const eu = await startServer({ extraArgs: ['--region', 'eu-west-1'] });
    try {
      const c = s3Client(eu, { region: 'eu-west-1' });
      const b = bucketName();
      // The SDK adds the client's region as LocationConstraint by itself, so
      // the unconstrained request is sent raw.
      const r = await s3Raw(eu, { method: 'PUT', path: `/${b}`, region: 'eu-west-1' });
      assert.equal(r.status, 400);
      assert.equal(xmlText(r.text, 'Code'), 'IllegalLocationConstraintException');
      assert.equal(xmlText(r.text, 'Message'),
        'The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.');
      await c.send(new CreateBucketCommand({ Bucket: b,
        CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
      const loc = await c.send(new GetBucketLocationCommand({ Bucket: b }));
      assert.equal(loc.LocationConstraint, 'eu-west-1');
      await expectAwsError(() => c.send(new CreateBucketCommand({ Bucket: b,
        CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } })), 'BucketAlreadyOwnedByYou',
      'Your previous request to create the named bucket succeeded and you already own it.',
      { status: 409 });
    } finally {
      await teardown(eu);
    }
  });

  test('DeleteBucket refuses a bucket with objects', async () => {
    const b = await newBucket();
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x' }));
    await expectAwsError(() => s3.send(new DeleteBucketCommand({ Bucket: b })), 'BucketNotEmpty',
      'The bucket you tried to delete is not empty', { status: 409 });
    await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k' }));
    await s3.send(new DeleteBucketCommand({ Bucket: b }));
  });
});

describe('bucket policy', () => {
  test('put, get, delete; NoSuchBucketPolicy', async () => {
    const b = await newBucket();
    await expectAwsError(() => s3.send(new GetBucketPolicyCommand({ Bucket: b })), 'NoSuchBucketPolicy',
      'The bucket policy does not exist', { status: 404 });
    // A public policy: refused while Block Public Access is on (s3-acl.test.mjs).
    await s3.send(new DeletePublicAccessBlockCommand({ Bucket: b }));
    const doc = policyDoc({ Sid: 'Read', Effect: 'Allow', Principal: '*', Action: 's3:GetObject',
      Resource: `arn:aws:s3:::${b}/*` });
    const p = await s3.send(new PutBucketPolicyCommand({ Bucket: b, Policy: doc }));
    assert.equal(p.$metadata.httpStatusCode, 204);
    const g = await s3.send(new GetBucketPolicyCommand({ Bucket: b }));
    assert.deepEqual(JSON.parse(g.Policy), JSON.parse(doc));
    const d = await s3.send(new DeleteBucketPolicyCommand({ Bucket: b }));
    assert.equal(d.$metadata.httpStatusCode, 204);
    await expectAwsError(() => s3.send(new GetBucketPolicyCommand({ Bucket: b })), 'NoSuchBucketPolicy',
      undefined, { status: 404 });
    await expectAwsError(() => s3.send(new GetBucketPolicyCommand({ Bucket: bucketName() })),
      'NoSuchBucket', undefined, { status: 404 });
  });

  test('MalformedPolicy with AWS\'s messages; the 20 KB limit', async () => {
    const b = await newBucket();
    const cases = [
      ['not json', "Policies must be valid JSON and the first byte must be '{'"],
      ['{"Version": ', 'This policy contains invalid Json'],
      [policyDoc({ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${b}/*` }),
        'Missing required field Principal'],
      [policyDoc({ Effect: 'Maybe', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${b}/*` }),
        'Invalid effect: Maybe'],
    ];
    for (const [doc, msg] of cases) {
      await expectAwsError(() => s3.send(new PutBucketPolicyCommand({ Bucket: b, Policy: doc })),
        'MalformedPolicy', msg, { status: 400 });
    }
    const many = Array.from({ length: 400 }, (_, i) => ({ Sid: `S${i}`, Effect: 'Allow', Principal: '*',
      Action: 's3:GetObject', Resource: `arn:aws:s3:::${b}/prefix-${i}/*` }));
    await expectAwsError(() => s3.send(new PutBucketPolicyCommand({ Bucket: b, Policy: policyDoc(...many) })),
      'PolicyTooLarge', 'Policy exceeds the maximum allowed document size.', { status: 400 });
    await expectAwsError(() => s3.send(new GetBucketPolicyCommand({ Bucket: b })), 'NoSuchBucketPolicy',
      undefined, { status: 404 });
  });
});

describe('objects', () => {
  let b;
  before(async () => { b = await newBucket('obj'); });

  test('put and get keep content type, encoding, cache control and user metadata', async () => {
    const body = 'hello, object';
    const p = await s3.send(new PutObjectCommand({ Bucket: b, Key: 'a.txt', Body: body,
      ContentType: 'text/plain; charset=utf-8', ContentEncoding: 'identity', CacheControl: 'max-age=60',
      ContentDisposition: 'attachment; filename="a.txt"', Metadata: { color: 'blue', 'two-words': 'x y' } }));
    assert.equal(p.ETag, `"${md5hex(body)}"`);
    const g = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'a.txt' }));
    assert.equal(await text(g), body);
    assert.equal(g.ContentType, 'text/plain; charset=utf-8');
    assert.equal(g.ContentEncoding, 'identity');
    assert.equal(g.CacheControl, 'max-age=60');
    assert.equal(g.ContentDisposition, 'attachment; filename="a.txt"');
    assert.deepEqual(g.Metadata, { color: 'blue', 'two-words': 'x y' });
    assert.equal(g.ETag, p.ETag);
    assert.equal(g.ContentLength, body.length);
    assert.equal(g.AcceptRanges, 'bytes');
    assert.ok(Math.abs(g.LastModified - Date.now()) < 60000);
    const h = await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'a.txt' }));
    assert.equal(h.ContentLength, body.length);
    assert.equal(h.ETag, p.ETag);
    assert.deepEqual(h.Metadata, { color: 'blue', 'two-words': 'x y' });
    // An object stored without Content-Type reads back as S3's default (the
    // SDK always sends one, so this one goes raw).
    assert.equal((await s3Raw(srv, { method: 'PUT', path: `/${b}/raw`, body: 'xyz' })).status, 200);
    const raw = await s3Raw(srv, { path: `/${b}/raw` });
    assert.equal(raw.headers['content-type'], 'binary/octet-stream');
    // User metadata is limited to 2 KB.
    await expectAwsError(() => s3.send(new PutObjectCommand({ Bucket: b, Key: 'meta', Body: 'x',
      Metadata: { big: 'v'.repeat(2100) } })), 'MetadataTooLarge',
    'Your metadata headers exceed the maximum allowed metadata size.', { status: 400 });
  });

  test('keys are arbitrary UTF-8, never paths', async () => {
    const keys = ['dir/sub/file.txt', 'with space+plus', '../../escape', 'a//b', 'ünï©ødé/日本語',
      'percent%2Fchar', 'k'.repeat(1024), 'trailing/'];
    for (const k of keys) {
      await s3.send(new PutObjectCommand({ Bucket: b + '', Key: k, Body: `v:${k}` }));
      const g = await s3.send(new GetObjectCommand({ Bucket: b, Key: k }));
      assert.equal(await text(g), `v:${k}`, k);
    }
    const files = readdirSync(path.join(srv.dataDir, 's3', b));
    assert.ok(files.every((f) => /^[0-9a-f]{32}$/.test(f)), `object files are ids: ${files}`);
    await expectAwsError(() => s3.send(new PutObjectCommand({ Bucket: b, Key: 'k'.repeat(1025), Body: 'x' })),
      'KeyTooLongError', 'Your key is too long', { status: 400 });
  });

  test('missing objects and buckets', async () => {
    const e = await expectAwsError(() => s3.send(new GetObjectCommand({ Bucket: b, Key: 'nope' })),
      'NoSuchKey', 'The specified key does not exist.', { status: 404 });
    assert.equal(e.Key, 'nope');
    await expectAwsError(() => s3.send(new HeadObjectCommand({ Bucket: b, Key: 'nope' })), 'NotFound',
      undefined, { status: 404 });
    await expectAwsError(() => s3.send(new PutObjectCommand({ Bucket: bucketName(), Key: 'k', Body: 'x' })),
      'NoSuchBucket', 'The specified bucket does not exist', { status: 404 });
    // Deleting a missing key is not an error in S3.
    const d = await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'nope' }));
    assert.equal(d.$metadata.httpStatusCode, 204);
  });

  test('overwrite replaces the object and leaves one file', async () => {
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'over', Body: 'first' }));
    const before = readdirSync(path.join(srv.dataDir, 's3', b)).length;
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'over', Body: 'second, longer' }));
    assert.equal(await text(await s3.send(new GetObjectCommand({ Bucket: b, Key: 'over' }))), 'second, longer');
    assert.equal(readdirSync(path.join(srv.dataDir, 's3', b)).length, before);
  });

  test('Content-MD5: verified (BadDigest), well-formed (InvalidDigest)', async () => {
    const body = 'digest me';
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'md5', Body: body, ContentMD5: md5b64(body) }));
    await expectAwsError(() => s3.send(new PutObjectCommand({ Bucket: b, Key: 'md5', Body: body,
      ContentMD5: md5b64('other') })), 'BadDigest',
    'The Content-MD5 you specified did not match what we received.', { status: 400 });
    await expectAwsError(() => s3.send(new PutObjectCommand({ Bucket: b, Key: 'md5', Body: body,
      ContentMD5: 'not-base64!' })), 'InvalidDigest', 'The Content-MD5 you specified is not valid.',
    { status: 400 });
    assert.equal(await text(await s3.send(new GetObjectCommand({ Bucket: b, Key: 'md5' }))), body,
      'a refused upload leaves the stored object alone');
  });

  test('flexible checksums: sent by the SDK, verified, returned with ChecksumMode', async () => {
    const seen = recordRequests(s3);
    const p = await s3.send(new PutObjectCommand({ Bucket: b, Key: 'ck', Body: 'hello world' }));
    assert.equal(seen.last.headers['x-amz-checksum-crc32'], 'DUoRhQ==', 'the SDK sends CRC32 by default');
    assert.equal(p.ChecksumCRC32, 'DUoRhQ==');
    const g = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'ck', ChecksumMode: 'ENABLED' }));
    assert.equal(g.ChecksumCRC32, 'DUoRhQ==');
    assert.equal(await text(g), 'hello world');
    for (const algo of ['CRC32C', 'SHA1', 'SHA256']) {
      const r = await s3.send(new PutObjectCommand({ Bucket: b, Key: `ck-${algo}`, Body: 'hello world',
        ChecksumAlgorithm: algo }));
      assert.ok(r[`Checksum${algo}`], algo);
      const h = await s3.send(new HeadObjectCommand({ Bucket: b, Key: `ck-${algo}`, ChecksumMode: 'ENABLED' }));
      assert.equal(h[`Checksum${algo}`], r[`Checksum${algo}`], algo);
    }
    await expectAwsError(() => s3.send(new PutObjectCommand({ Bucket: b, Key: 'ck', Body: 'hello world',
      ChecksumCRC32: 'AAAAAA==' })), 'BadDigest', 'The CRC32 you specified did not match the calculated checksum.',
    { status: 400 });
    await expectAwsError(() => s3.send(new PutObjectCommand({ Bucket: b, Key: 'ck', Body: 'hello world',
      ChecksumCRC32: 'AAAA' })), 'InvalidRequest', 'Value for x-amz-checksum-crc32 header is invalid.',
    { status: 400 });
  });

  test('a multi-MiB stream: aws-chunked with a trailing checksum, not buffered, past --max-body', async () => {
    const seen = recordRequests(s3);
    const size = 9 * 1024 * 1024 + 123;   // the server's --max-body is 1 MiB
    const chunk = Buffer.alloc(256 * 1024);
    let sent = 0;
    function* gen() {
      for (let i = 0; sent < size; i++) {
        chunk.fill(i % 251);
        const n = Math.min(chunk.length, size - sent);
        sent += n;
        yield Buffer.from(chunk.subarray(0, n));
      }
    }
    const p = await s3.send(new PutObjectCommand({ Bucket: b, Key: 'big/stream.bin',
      Body: Readable.from(gen()), ContentLength: size }));
    const h = seen.last.headers;
    assert.equal(h['x-amz-content-sha256'], 'STREAMING-UNSIGNED-PAYLOAD-TRAILER');
    assert.match(h['content-encoding'], /aws-chunked/);
    assert.equal(h['x-amz-trailer'], 'x-amz-checksum-crc32');
    assert.equal(Number(h['x-amz-decoded-content-length']), size);
    const g = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'big/stream.bin', ChecksumMode: 'ENABLED' }));
    const got = Buffer.from(await g.Body.transformToByteArray());
    assert.equal(got.length, size);
    for (let off = 0, i = 0; off < size; off += chunk.length, i++) assert.equal(got[off], i % 251);
    assert.equal(g.ChecksumCRC32, p.ChecksumCRC32);
    assert.equal(p.ETag, `"${md5hex(got)}"`);
    assert.equal(g.ContentEncoding, undefined, 'aws-chunked is framing, not the object\'s encoding');
  });

  test('ranges: 206 with Content-Range, suffix and open ranges, 416', async () => {
    const body = '0123456789abcdefghij';
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'range', Body: body }));
    const cases = [['bytes=0-4', '01234', 'bytes 0-4/20'], ['bytes=15-', 'fghij', 'bytes 15-19/20'],
      ['bytes=-3', 'hij', 'bytes 17-19/20'], ['bytes=18-100', 'ij', 'bytes 18-19/20']];
    for (const [range, want, cr] of cases) {
      const g = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'range', Range: range }));
      assert.equal(g.$metadata.httpStatusCode, 206, range);
      assert.equal(await text(g), want, range);
      assert.equal(g.ContentRange, cr, range);
      assert.equal(g.ContentLength, want.length, range);
    }
    const e = await expectAwsError(() => s3.send(new GetObjectCommand({ Bucket: b, Key: 'range', Range: 'bytes=20-' })),
      'InvalidRange', 'The requested range is not satisfiable', { status: 416 });
    assert.equal(e.$response?.statusCode ?? 416, 416);
    const h = await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'range', Range: 'bytes=2-5' }));
    assert.equal(h.ContentLength, 4);
    assert.equal(h.ContentRange, 'bytes 2-5/20');
  });

  test('conditionals: If-Match / If-None-Match / If-Modified-Since / If-Unmodified-Since', async () => {
    const p = await s3.send(new PutObjectCommand({ Bucket: b, Key: 'cond', Body: 'conditional' }));
    const past = new Date(Date.now() - 3600e3), future = new Date(Date.now() + 3600e3);
    assert.equal(await text(await s3.send(new GetObjectCommand({ Bucket: b, Key: 'cond', IfMatch: p.ETag }))),
      'conditional');
    const e = await expectAwsError(() => s3.send(new GetObjectCommand({ Bucket: b, Key: 'cond', IfMatch: '"nope"' })),
      'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', { status: 412 });
    assert.equal(e.Condition, 'If-Match');
    await expectAwsError(() => s3.send(new GetObjectCommand({ Bucket: b, Key: 'cond', IfUnmodifiedSince: past })),
      'PreconditionFailed', undefined, { status: 412 });
    // 304 has no body: the SDK reports it by status.
    for (const input of [{ IfNoneMatch: p.ETag }, { IfModifiedSince: future }]) {
      const err = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'cond', ...input })).catch((x) => x);
      assert.equal(err.$metadata?.httpStatusCode, 304, JSON.stringify(input));
    }
    assert.equal(await text(await s3.send(new GetObjectCommand({ Bucket: b, Key: 'cond', IfNoneMatch: '"other"',
      IfModifiedSince: past }))), 'conditional');
    // If-Match true wins over a failing If-Unmodified-Since (RFC 7232, as S3 documents).
    assert.equal(await text(await s3.send(new GetObjectCommand({ Bucket: b, Key: 'cond', IfMatch: p.ETag,
      IfUnmodifiedSince: past }))), 'conditional');
  });

  test('CopyObject: metadata copied or replaced, cross-bucket, errors', async () => {
    const b2 = await newBucket('copy');
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'src key', Body: 'copy me', ContentType: 'text/x-src',
      Metadata: { m: '1' } }));
    const c = await s3.send(new CopyObjectCommand({ Bucket: b2, Key: 'dst', CopySource: `${b}/src%20key` }));
    assert.equal(c.CopyObjectResult.ETag, `"${md5hex('copy me')}"`);
    const g = await s3.send(new GetObjectCommand({ Bucket: b2, Key: 'dst' }));
    assert.equal(await text(g), 'copy me');
    assert.equal(g.ContentType, 'text/x-src');
    assert.deepEqual(g.Metadata, { m: '1' });
    await s3.send(new CopyObjectCommand({ Bucket: b, Key: 'src key', CopySource: `/${b}/src%20key`,
      MetadataDirective: 'REPLACE', ContentType: 'text/x-new', Metadata: { m: '2' } }));
    const h = await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'src key' }));
    assert.equal(h.ContentType, 'text/x-new');
    assert.deepEqual(h.Metadata, { m: '2' });
    await expectAwsError(() => s3.send(new CopyObjectCommand({ Bucket: b, Key: 'src key', CopySource: `${b}/src%20key` })),
      'InvalidRequest', 'This copy request is illegal because it is trying to copy an object to itself without '
      + 'changing the object\'s metadata, storage class, website redirect location or encryption attributes.');
    await expectAwsError(() => s3.send(new CopyObjectCommand({ Bucket: b2, Key: 'x', CopySource: `${b}/missing` })),
      'NoSuchKey', 'The specified key does not exist.', { status: 404 });
    await expectAwsError(() => s3.send(new CopyObjectCommand({ Bucket: b2, Key: 'x', CopySource: `${b}/src%20key`,
      CopySourceIfMatch: '"nope"' })), 'PreconditionFailed', undefined, { status: 412 });
  });

  test('DeleteObjects', async () => {
    for (const k of ['d1', 'd2', 'd3']) await s3.send(new PutObjectCommand({ Bucket: b, Key: k, Body: k }));
    const r = await s3.send(new DeleteObjectsCommand({ Bucket: b, Delete: {
      Objects: [{ Key: 'd1' }, { Key: 'd2' }, { Key: 'never-existed' }] } }));
    assert.deepEqual(r.Deleted.map((d) => d.Key).sort(), ['d1', 'd2', 'never-existed']);
    assert.equal(r.Errors, undefined);
    const q = await s3.send(new DeleteObjectsCommand({ Bucket: b, Delete: { Objects: [{ Key: 'd3' }], Quiet: true } }));
    assert.equal(q.Deleted, undefined, 'quiet mode lists only errors');
    await expectAwsError(() => s3.send(new HeadObjectCommand({ Bucket: b, Key: 'd3' })), 'NotFound', undefined,
      { status: 404 });
  });
});

describe('listings', () => {
  let b;
  const keys = ['a.txt', 'logs/2024/01/a.gz', 'logs/2024/01/b.gz', 'logs/2024/02/a.gz', 'logs/2025/x.gz',
    'logs/readme', 'photos/1.jpg', 'photos/2.jpg', 'z', 'é'];
  before(async () => {
    b = await newBucket('list');
    for (const k of keys) await s3.send(new PutObjectCommand({ Bucket: b, Key: k, Body: k }));
  });

  test('ListObjectsV2: everything in UTF-8 byte order', async () => {
    const r = await s3.send(new ListObjectsV2Command({ Bucket: b }));
    assert.deepEqual(r.Contents.map((c) => c.Key), keys);
    assert.equal(r.KeyCount, keys.length);
    assert.equal(r.IsTruncated, false);
    assert.equal(r.MaxKeys, 1000);
    const c = r.Contents[0];
    assert.equal(c.Size, 5);
    assert.equal(c.ETag, `"${md5hex('a.txt')}"`);
    assert.equal(c.StorageClass, 'STANDARD');
  });

  test('prefix and delimiter roll up CommonPrefixes', async () => {
    let r = await s3.send(new ListObjectsV2Command({ Bucket: b, Delimiter: '/' }));
    assert.deepEqual(r.Contents.map((c) => c.Key), ['a.txt', 'z', 'é']);
    assert.deepEqual(r.CommonPrefixes.map((p) => p.Prefix), ['logs/', 'photos/']);
    assert.equal(r.KeyCount, 5);
    r = await s3.send(new ListObjectsV2Command({ Bucket: b, Prefix: 'logs/', Delimiter: '/' }));
    assert.deepEqual(r.Contents.map((c) => c.Key), ['logs/readme']);
    assert.deepEqual(r.CommonPrefixes.map((p) => p.Prefix), ['logs/2024/', 'logs/2025/']);
    assert.equal(r.Prefix, 'logs/');
    assert.equal(r.Delimiter, '/');
    r = await s3.send(new ListObjectsV2Command({ Bucket: b, Prefix: 'logs/2024/' }));
    assert.deepEqual(r.Contents.map((c) => c.Key), ['logs/2024/01/a.gz', 'logs/2024/01/b.gz', 'logs/2024/02/a.gz']);
    r = await s3.send(new ListObjectsV2Command({ Bucket: b, Prefix: 'nothing/' }));
    assert.equal(r.KeyCount, 0);
    assert.equal(r.Contents, undefined);
  });

  test('pages: MaxKeys, ContinuationToken, StartAfter; prefixes count as keys', async () => {
    const seen = [];
    let token;
    let pages = 0;
    do {
      const r = await s3.send(new ListObjectsV2Command({ Bucket: b, MaxKeys: 2, Delimiter: '/', ContinuationToken: token }));
      pages += 1;
      assert.ok(r.KeyCount <= 2);
      seen.push(...(r.Contents ?? []).map((c) => c.Key), ...(r.CommonPrefixes ?? []).map((p) => p.Prefix));
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
      if (r.IsTruncated) assert.ok(token);
    } while (token);
    assert.deepEqual(seen.sort(), ['a.txt', 'logs/', 'photos/', 'z', 'é'].sort());
    assert.equal(pages, 3);
    const all = [];
    for await (const page of paginateListObjectsV2({ client: s3, pageSize: 3 }, { Bucket: b })) {
      all.push(...(page.Contents ?? []).map((c) => c.Key));
    }
    assert.deepEqual(all, keys);
    const r = await s3.send(new ListObjectsV2Command({ Bucket: b, StartAfter: 'logs/readme' }));
    assert.deepEqual(r.Contents.map((c) => c.Key), ['photos/1.jpg', 'photos/2.jpg', 'z', 'é']);
    assert.equal(r.StartAfter, 'logs/readme');
    await expectAwsError(() => s3.send(new ListObjectsV2Command({ Bucket: b, ContinuationToken: '!!!' })),
      'InvalidArgument', 'The continuation token provided is incorrect', { status: 400 });
  });

  test('ListObjects (v1): Marker, NextMarker with a delimiter, Owner', async () => {
    let r = await s3.send(new ListObjectsCommand({ Bucket: b, MaxKeys: 3 }));
    assert.deepEqual(r.Contents.map((c) => c.Key), keys.slice(0, 3));
    assert.equal(r.IsTruncated, true);
    assert.equal(r.NextMarker, undefined, 'no NextMarker without a delimiter');
    assert.match(r.Contents[0].Owner.ID, /^[0-9a-f]{64}$/);
    r = await s3.send(new ListObjectsCommand({ Bucket: b, Marker: keys[2] }));
    assert.deepEqual(r.Contents.map((c) => c.Key), keys.slice(3));
    r = await s3.send(new ListObjectsCommand({ Bucket: b, Delimiter: '/', MaxKeys: 2 }));
    assert.deepEqual([...(r.Contents ?? []).map((c) => c.Key), ...(r.CommonPrefixes ?? []).map((p) => p.Prefix)],
      ['a.txt', 'logs/']);
    assert.equal(r.NextMarker, 'logs/');
    r = await s3.send(new ListObjectsCommand({ Bucket: b, Delimiter: '/', Marker: 'logs/' }));
    assert.deepEqual(r.Contents.map((c) => c.Key), ['z', 'é']);
    assert.deepEqual(r.CommonPrefixes.map((p) => p.Prefix), ['photos/']);
  });

  test('max-keys and encoding-type are checked; encoding-type=url encodes keys', async () => {
    let r = await s3Raw(srv, { path: `/${b}`, query: { 'list-type': '2', 'max-keys': 'ten' } });
    assert.equal(r.status, 400);
    assert.equal(xmlText(r.text, 'Code'), 'InvalidArgument');
    assert.equal(xmlText(r.text, 'ArgumentName'), 'max-keys');
    r = await s3Raw(srv, { path: `/${b}`, query: { 'list-type': '2', 'encoding-type': 'base64' } });
    assert.equal(xmlText(r.text, 'Code'), 'InvalidArgument');
    r = await s3Raw(srv, { path: `/${b}`, query: { 'list-type': '2', 'encoding-type': 'url', prefix: 'é' } });
    assert.equal(r.status, 200);
    assert.equal(xmlText(r.text, 'Key'), '%C3%A9');
    assert.equal(xmlText(r.text, 'EncodingType'), 'url');
  });
});

describe('wire protocol', () => {
  test('error bodies: Code, non-empty Message, Resource, RequestId; S3 headers', async () => {
    const r = await s3Raw(srv, { path: '/no-such-bucket-here/some/key' });
    assert.equal(r.status, 404);
    assert.match(r.headers['content-type'], /application\/xml/);
    assert.equal(xmlText(r.text, 'Code'), 'NoSuchBucket');
    assert.equal(xmlText(r.text, 'Message'), 'The specified bucket does not exist');
    assert.equal(xmlText(r.text, 'BucketName'), 'no-such-bucket-here');
    assert.equal(xmlText(r.text, 'Resource'), '/no-such-bucket-here/some/key');
    assert.equal(xmlText(r.text, 'RequestId'), r.headers['x-amz-request-id']);
    assert.ok(r.headers['x-amz-id-2']);
  });

  test('SigV4 failures are S3 errors: InvalidAccessKeyId, SignatureDoesNotMatch, AccessDenied', async () => {
    const bad = s3Client(srv, { credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'x' } });
    await expectAwsError(() => bad.send(new ListBucketsCommand({})), 'InvalidAccessKeyId',
      'The AWS Access Key Id you provided does not exist in our records.', { status: 403 });
    const wrong = s3Client(srv, { credentials: { ...srv.credentials(), secretAccessKey: 'wrong' } });
    await expectAwsError(() => wrong.send(new ListBucketsCommand({})), 'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
      { status: 403 });
    const anon = await s3Raw(srv, { path: '/', sign: false });
    assert.equal(anon.status, 403);
    assert.equal(xmlText(anon.text, 'Code'), 'AccessDenied');
    assert.equal(xmlText(anon.text, 'Message'), 'Access Denied');
  });

  test('a stated x-amz-content-sha256 must be the body\'s: XAmzContentSHA256Mismatch, nothing stored', async () => {
    const b = await newBucket('sha');
    const r = await s3Raw(srv, { method: 'PUT', path: `/${b}/k`, body: 'actual body',
      contentSha256: 'a'.repeat(64) });
    assert.equal(r.status, 400);
    assert.equal(xmlText(r.text, 'Code'), 'XAmzContentSHA256Mismatch');
    assert.equal(xmlText(r.text, 'Message'), "The provided 'x-amz-content-sha256' header does not match what was computed.");
    await expectAwsError(() => s3.send(new HeadObjectCommand({ Bucket: b, Key: 'k' })), 'NotFound', undefined,
      { status: 404 });
    const ok = await s3Raw(srv, { method: 'PUT', path: `/${b}/k`, body: 'actual body' });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.etag, `"${md5hex('actual body')}"`);
  });

  test('STREAMING-AWS4-HMAC-SHA256-PAYLOAD: chunk signatures checked; a wrong one refuses the upload', async () => {
    const b = await newBucket('sigchunk');
    const data = Buffer.alloc(200 * 1024 + 5);
    for (let i = 0; i < data.length; i++) data[i] = i % 253;
    const ok = await signedChunkedPut(srv, { bucket: b, key: 'signed', data });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.headers.etag, `"${md5hex(data)}"`);
    const g = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'signed' }));
    assert.ok(Buffer.from(await g.Body.transformToByteArray()).equals(data));
    const bad = await signedChunkedPut(srv, { bucket: b, key: 'tampered', data,
      tamper: (i, sig) => (i === 2 ? '0'.repeat(64) : sig) });
    assert.equal(bad.status, 403);
    assert.equal(xmlText(bad.text, 'Code'), 'SignatureDoesNotMatch');
    await expectAwsError(() => s3.send(new HeadObjectCommand({ Bucket: b, Key: 'tampered' })), 'NotFound',
      undefined, { status: 404 });
  });

  test('aws-chunked framing errors: trailer checksum mismatch, missing decoded length', async () => {
    const b = await newBucket('trailer');
    const body = '5\r\nhello\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n';
    const common = { method: 'PUT', path: `/${b}/t`, body, contentSha256: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER' };
    let r = await s3Raw(srv, { ...common, headers: { 'content-encoding': 'aws-chunked',
      'x-amz-decoded-content-length': '5', 'x-amz-trailer': 'x-amz-checksum-crc32' } });
    assert.equal(r.status, 400);
    assert.equal(xmlText(r.text, 'Code'), 'BadDigest');
    assert.equal(xmlText(r.text, 'Message'), 'The CRC32 you specified did not match the calculated checksum.');
    r = await s3Raw(srv, { ...common, headers: { 'content-encoding': 'aws-chunked',
      'x-amz-trailer': 'x-amz-checksum-crc32' } });
    assert.equal(r.status, 411);
    assert.equal(xmlText(r.text, 'Code'), 'MissingContentLength');
    r = await s3Raw(srv, { ...common, body: body.replace('AAAAAA==', 'NhCmhg=='), headers: {
      'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': '5', 'x-amz-trailer': 'x-amz-checksum-crc32' } });
    assert.equal(r.status, 200, r.text);
    assert.equal(await text(await s3.send(new GetObjectCommand({ Bucket: b, Key: 't' }))), 'hello');
  });

  test('Expect: 100-continue — a refused upload is answered before its body is sent', async () => {
    const b = await newBucket('expect');
    const big = Buffer.alloc(4 << 20, 1);
    const refused = await s3Raw(srv, { method: 'PUT', path: `/${bucketName('nob')}/k`, body: big,
      contentSha256: 'UNSIGNED-PAYLOAD', expectContinue: true });
    assert.equal(refused.status, 404);
    assert.equal(refused.sentBody, false, 'no "100 Continue", so the body never left');
    const ok = await s3Raw(srv, { method: 'PUT', path: `/${b}/k`, body: big, contentSha256: 'UNSIGNED-PAYLOAD',
      expectContinue: true });
    assert.equal(ok.status, 200);
    assert.equal(ok.sentBody, true);
  });

  test('unimplemented subresources answer NotImplemented, unknown methods MethodNotAllowed', async () => {
    const b = await newBucket('sub');
    await expectAwsError(() => s3.send(new GetBucketCorsCommand({ Bucket: b })), 'NotImplemented', undefined,
      { status: 501 });
    const r = await s3Raw(srv, { method: 'POST', path: `/${b}/key` });
    assert.equal(r.status, 405);
    assert.equal(xmlText(r.text, 'Code'), 'MethodNotAllowed');
    assert.equal(xmlText(r.text, 'Method'), 'POST');
  });

  test('virtual-hosted style: the bucket in the Host header', async () => {
    const b = await newBucket('vhost');
    // bucket.localhost:PORT resolved to the loopback address by the agent.
    const lookup = (host, opts, cb) => (opts && opts.all ? cb(null, [{ address: '127.0.0.1', family: 4 }])
      : cb(null, '127.0.0.1', 4));
    const vh = new S3Client({ endpoint: `http://localhost:${srv.port}`, region: REGION, forcePathStyle: false,
      credentials: srv.credentials(), maxAttempts: 1,
      requestHandler: new NodeHttpHandler({ httpAgent: new http.Agent({ lookup }) }) });
    const seen = recordRequests(vh);
    await vh.send(new PutObjectCommand({ Bucket: b, Key: 'via/host.txt', Body: 'virtual' }));
    assert.equal(seen.last.headers.host, `${b}.localhost:${srv.port}`);
    assert.equal(seen.last.path, '/via/host.txt');
    assert.equal(await text(await s3.send(new GetObjectCommand({ Bucket: b, Key: 'via/host.txt' }))), 'virtual');
    const l = await vh.send(new ListObjectsV2Command({ Bucket: b }));
    assert.deepEqual(l.Contents.map((c) => c.Key), ['via/host.txt']);
    // bucket.s3.localhost works the same (raw request with that Host).
    const r = await s3Raw(srv, { path: '/via/host.txt', host: `${b}.s3.localhost:${srv.port}` });
    assert.equal(r.status, 200);
    assert.equal(r.text, 'virtual');
  });
});

describe('durability', () => {
  test('an acknowledged PutObject survives kill -9; crash leftovers are swept at start', async () => {
    const own = await startServer();
    try {
      const c = s3Client(own);
      const b = bucketName('k9');
      await c.send(new CreateBucketCommand({ Bucket: b }));
      const body = Buffer.alloc(3 * 1024 * 1024 + 5, 0x5a);
      const p = await c.send(new PutObjectCommand({ Bucket: b, Key: 'acked', Body: body,
        ContentType: 'application/x-test', Metadata: { k: 'v' } }));
      // What an upload in flight leaves behind when the process dies.
      writeFileSync(path.join(own.dataDir, 's3', b, 'tmp-0123456789abcdef0123456789abcdef'), 'partial');
      await own.kill9();
      assert.equal(own.exit.signal, 'SIGKILL');
      await own.start();
      const c2 = s3Client(own);
      const g = await c2.send(new GetObjectCommand({ Bucket: b, Key: 'acked' }));
      const got = Buffer.from(await g.Body.transformToByteArray());
      assert.ok(got.equals(body), 'same bytes');
      assert.equal(g.ETag, p.ETag);
      assert.equal(g.ContentType, 'application/x-test');
      assert.deepEqual(g.Metadata, { k: 'v' });
      assert.deepEqual(readdirSync(path.join(own.dataDir, 's3', b)).filter((f) => f.startsWith('tmp-')), []);
    } finally {
      await teardown(own);
    }
  });
});
