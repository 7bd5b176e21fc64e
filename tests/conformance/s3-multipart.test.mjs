// S3 multipart uploads through @aws-sdk/client-s3: the whole cycle (ETag =
// MD5 of the parts' MD5s + "-N", computed here), streaming (aws-chunked with a
// checksum trailer) parts, part and object checksums (COMPOSITE "<b64>-N",
// FULL_OBJECT), ListParts / ListMultipartUploads paging and CommonPrefixes,
// Abort, every error of the API with AWS's code and message, authorization of
// each action, what CreateMultipartUpload carries to the object, parts kept
// across a restart, DeleteBucket with uploads in progress.
//
// AWS's texts: the S3 API reference "Error responses" and the operations'
// pages — InvalidArgument "Part number must be an integer between 1 and
// 10000, inclusive", EntityTooSmall "Your proposed upload is smaller than the
// minimum allowed size", InvalidPart "One or more of the specified parts
// could not be found.  The part may not have been uploaded, or the specified
// entity tag may not match the part's entity tag.", InvalidPartOrder "The
// list of parts was not in ascending order. Parts must be ordered by part
// number.", NoSuchUpload "The specified upload does not exist. The upload ID
// may be invalid, or the upload may have been aborted or completed." (with
// <UploadId>); the checksum messages as other S3 implementations' suites
// recorded them against AWS ("Checksum Type mismatch occurred, ...", "The
// upload was created using a crc32 checksum. ...", "The FULL_OBJECT checksum
// type cannot be used with the sha256 checksum algorithm.").
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { readdirSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import {
  CreateBucketCommand, DeleteBucketCommand, PutObjectCommand, GetObjectCommand, HeadObjectCommand,
  CreateMultipartUploadCommand, UploadPartCommand, CompleteMultipartUploadCommand,
  AbortMultipartUploadCommand, ListPartsCommand, ListMultipartUploadsCommand, UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { CreateUserCommand, CreateAccessKeyCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { startServer, expectAwsError, teardown, uniq } from './harness.mjs';
import { s3Client, recordRequests, s3Raw, xmlText, md5hex, md5b64, s3User } from './s3-helpers.mjs';
import { iamClient, name, allow } from './iam-helpers.mjs';

const MiB = 1024 * 1024;

let srv;
let s3;
let acct;
before(async () => {
  // A small --max-body: part bodies stream past it like PutObject's.
  srv = await startServer({ extraArgs: ['--max-body', String(1 << 20)] });
  s3 = s3Client(srv);
  acct = srv.adminAccountId;
});
after(() => teardown(srv));

const bucketName = (p = 'mpu') => uniq(p).toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 63);
async function newBucket(p) {
  const b = bucketName(p);
  await s3.send(new CreateBucketCommand({ Bucket: b }));
  return b;
}

// CRC-32 (gzip) and the checksum arithmetic of multipart objects, done here
// independently of the server.
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xFFFFFFFF;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xFF] ^ (c >>> 8);
  const out = Buffer.alloc(4);
  out.writeUInt32BE((c ^ 0xFFFFFFFF) >>> 0);
  return out;
}
const crc32b64 = (buf) => crc32(buf).toString('base64');
const md5raw = (b) => createHash('md5').update(b).digest();
const multipartEtag = (parts) => `"${md5hex(Buffer.concat(parts.map(md5raw)))}-${parts.length}"`;
const compositeCrc32 = (parts) =>
  `${crc32(Buffer.concat(parts.map(crc32))).toString('base64')}-${parts.length}`;

const noSuchUpload = 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.';
const invalidPart = "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.";
const badPartNumber = 'Part number must be an integer between 1 and 10000, inclusive';

async function create(Bucket, Key, extra = {}) {
  const r = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key, ...extra }));
  assert.equal(r.Bucket, Bucket);
  assert.equal(r.Key, Key);
  assert.match(r.UploadId, /^[A-Za-z0-9]{40,}$/);
  return r.UploadId;
}
const put = (Bucket, Key, UploadId, PartNumber, Body, extra = {}, client = s3) =>
  client.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber, Body, ...extra }));
const complete = (Bucket, Key, UploadId, Parts, extra = {}, client = s3) =>
  client.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId,
    MultipartUpload: { Parts }, ...extra }));
const bucketFiles = (b) => readdirSync(path.join(srv.dataDir, 's3', b));

describe('the whole cycle', () => {
  test('two 5 MiB parts and a small last one: bytes, ETag, length, metadata, files', async () => {
    const b = await newBucket();
    const key = 'dir/big object.bin';
    const id = await create(b, key, { ContentType: 'application/x-sluice', CacheControl: 'max-age=60',
      ContentDisposition: 'attachment', Metadata: { color: 'blue', 'Mixed-Case': 'v' } });
    const data = [randomBytes(5 * MiB), randomBytes(5 * MiB), randomBytes(1234)];
    const parts = [];
    for (let i = 0; i < data.length; i++) {
      const r = await put(b, key, id, i + 1, data[i]);
      assert.equal(r.ETag, `"${md5hex(data[i])}"`);
      // The SDK sends CRC32 with every part by default; S3 verifies and echoes it.
      assert.equal(r.ChecksumCRC32, crc32b64(data[i]));
      parts.push({ ETag: r.ETag, PartNumber: i + 1 });
    }
    const lp = await s3.send(new ListPartsCommand({ Bucket: b, Key: key, UploadId: id }));
    assert.deepEqual(lp.Parts.map((p) => [p.PartNumber, p.Size, p.ETag, p.ChecksumCRC32]),
      data.map((d, i) => [i + 1, d.length, `"${md5hex(d)}"`, crc32b64(d)]));
    assert.equal(lp.IsTruncated, false);
    assert.equal(lp.StorageClass, 'STANDARD');
    assert.ok(lp.Initiator.ID && lp.Owner.ID);

    const c = await complete(b, key, id, parts);
    assert.equal(c.ETag, multipartEtag(data));
    assert.equal(c.Bucket, b);
    assert.equal(c.Key, key);
    assert.equal(c.Location, `${srv.endpoint}/${b}/dir/big%20object.bin`);
    assert.equal(c.ChecksumCRC32, undefined, 'an upload created without an algorithm has no object checksum');

    const h = await s3.send(new HeadObjectCommand({ Bucket: b, Key: key }));
    assert.equal(h.ContentLength, 10 * MiB + 1234);
    assert.equal(h.ETag, c.ETag);
    assert.equal(h.ContentType, 'application/x-sluice');
    assert.equal(h.CacheControl, 'max-age=60');
    assert.equal(h.ContentDisposition, 'attachment');
    assert.deepEqual(h.Metadata, { color: 'blue', 'mixed-case': 'v' });
    const g = await s3.send(new GetObjectCommand({ Bucket: b, Key: key }));
    assert.ok(Buffer.from(await g.Body.transformToByteArray()).equals(Buffer.concat(data)));
    const r = await s3.send(new GetObjectCommand({ Bucket: b, Key: key, Range: `bytes=${5 * MiB - 2}-${5 * MiB + 1}` }));
    assert.ok(Buffer.from(await r.Body.transformToByteArray())
      .equals(Buffer.concat(data).subarray(5 * MiB - 2, 5 * MiB + 2)), 'a range across a part boundary');

    // The upload is gone, and with it every part file: one object file remains.
    const lu = await s3.send(new ListMultipartUploadsCommand({ Bucket: b }));
    assert.equal(lu.Uploads, undefined);
    assert.deepEqual(bucketFiles(b).length, 1);
    await expectAwsError(() => s3.send(new ListPartsCommand({ Bucket: b, Key: key, UploadId: id })),
      'NoSuchUpload', noSuchUpload, { status: 404 });
  });

  test('a streaming part (Readable with ContentLength) goes aws-chunked with a CRC32 trailer', async () => {
    const b = await newBucket();
    const id = await create(b, 'stream');
    const seen = recordRequests(s3);
    const size = 6 * MiB + 5;
    const whole = randomBytes(size);
    async function* gen() {
      for (let off = 0; off < size; off += 300000) yield whole.subarray(off, off + 300000);
    }
    const p1 = await put(b, 'stream', id, 1, Readable.from(gen()), { ContentLength: size });
    const h = seen.last.headers;
    assert.match(h['x-amz-content-sha256'], /^STREAMING-/);
    assert.match(h['content-encoding'], /aws-chunked/);
    assert.equal(h['x-amz-trailer'], 'x-amz-checksum-crc32');
    assert.equal(Number(h['x-amz-decoded-content-length']), size);
    assert.equal(p1.ETag, `"${md5hex(whole)}"`);
    assert.equal(p1.ChecksumCRC32, crc32b64(whole));
    const tail = Buffer.from('the end');
    const p2 = await put(b, 'stream', id, 2, tail);
    const c = await complete(b, 'stream', id, [{ ETag: p1.ETag, PartNumber: 1 }, { ETag: p2.ETag, PartNumber: 2 }]);
    assert.equal(c.ETag, multipartEtag([whole, tail]));
    const g = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'stream' }));
    assert.ok(Buffer.from(await g.Body.transformToByteArray()).equals(Buffer.concat([whole, tail])));
  });

  test('Content-MD5 and Expect: 100-continue work on parts as on PutObject', async () => {
    const b = await newBucket();
    const id = await create(b, 'k');
    const body = Buffer.from('part body');
    const ok = await put(b, 'k', id, 1, body, { ContentMD5: md5b64(body) });
    assert.equal(ok.ETag, `"${md5hex(body)}"`);
    await expectAwsError(() => put(b, 'k', id, 2, body, { ContentMD5: md5b64(Buffer.from('other')) }),
      'BadDigest', 'The Content-MD5 you specified did not match what we received.');
    // An unknown upload is refused before the body is sent.
    const r = await s3Raw(srv, { method: 'PUT', path: `/${b}/k`, query: { partNumber: '1', uploadId: 'bogus' },
      body: randomBytes(100000), expectContinue: true });
    assert.equal(r.status, 404);
    assert.equal(r.sentBody, false);
    assert.equal(xmlText(r.text, 'Code'), 'NoSuchUpload');
    assert.equal(xmlText(r.text, 'UploadId'), 'bogus');
    // A part that was refused left nothing behind.
    const lp = await s3.send(new ListPartsCommand({ Bucket: b, Key: 'k', UploadId: id }));
    assert.deepEqual(lp.Parts.map((p) => p.PartNumber), [1]);
  });

  test('a re-uploaded part number replaces the part', async () => {
    const b = await newBucket();
    const id = await create(b, 'k');
    const first = await put(b, 'k', id, 1, Buffer.from('first version'));
    const second = await put(b, 'k', id, 1, Buffer.from('second'));
    const lp = await s3.send(new ListPartsCommand({ Bucket: b, Key: 'k', UploadId: id }));
    assert.deepEqual(lp.Parts.map((p) => [p.PartNumber, p.Size, p.ETag]), [[1, 6, second.ETag]]);
    await expectAwsError(() => complete(b, 'k', id, [{ ETag: first.ETag, PartNumber: 1 }]),
      'InvalidPart', invalidPart);
    await complete(b, 'k', id, [{ ETag: second.ETag, PartNumber: 1 }]);
    const g = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'k' }));
    assert.equal(await g.Body.transformToString(), 'second');
    assert.equal(bucketFiles(b).length, 1, 'the replaced part file is gone too');
  });

  test('only the listed parts make the object; the others are dropped', async () => {
    const b = await newBucket();
    const id = await create(b, 'k');
    const a = randomBytes(5 * MiB);
    const p1 = await put(b, 'k', id, 1, a);
    await put(b, 'k', id, 2, Buffer.from('left out'));
    const p3 = await put(b, 'k', id, 3, Buffer.from('last'));
    const c = await complete(b, 'k', id, [{ ETag: p1.ETag, PartNumber: 1 }, { ETag: p3.ETag, PartNumber: 3 }]);
    assert.equal(c.ETag, multipartEtag([a, Buffer.from('last')]));
    const h = await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'k' }));
    assert.equal(h.ContentLength, 5 * MiB + 4);
    assert.equal(bucketFiles(b).length, 1);
  });
});

describe('checksums', () => {
  test('ChecksumAlgorithm CRC32 (COMPOSITE): parts, Complete and the object', async () => {
    const b = await newBucket();
    const r = await s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'c', ChecksumAlgorithm: 'CRC32' }));
    assert.equal(r.ChecksumAlgorithm, 'CRC32');
    assert.equal(r.ChecksumType, 'COMPOSITE');
    const id = r.UploadId;
    const data = [randomBytes(5 * MiB), Buffer.from('tail bytes')];
    const parts = [];
    for (let i = 0; i < data.length; i++) {
      const p = await put(b, 'c', id, i + 1, data[i], { ChecksumAlgorithm: 'CRC32' });
      assert.equal(p.ChecksumCRC32, crc32b64(data[i]));
      parts.push({ ETag: p.ETag, PartNumber: i + 1, ChecksumCRC32: p.ChecksumCRC32 });
    }
    const lp = await s3.send(new ListPartsCommand({ Bucket: b, Key: 'c', UploadId: id }));
    assert.equal(lp.ChecksumAlgorithm, 'CRC32');
    assert.equal(lp.ChecksumType, 'COMPOSITE');
    assert.deepEqual(lp.Parts.map((p) => p.ChecksumCRC32), data.map(crc32b64));
    // AWS requires every part's checksum in the Complete request.
    await expectAwsError(() => complete(b, 'c', id, parts.map(({ ETag, PartNumber }) => ({ ETag, PartNumber }))),
      'InvalidRequest', 'The upload was created using a crc32 checksum. The complete request must include the checksum for each part. It was missing for part 1 in the request.');
    await expectAwsError(() => complete(b, 'c', id, [{ ...parts[0], ChecksumCRC32: crc32b64(Buffer.from('x')) }, parts[1]]),
      'InvalidPart', invalidPart);
    await expectAwsError(() => complete(b, 'c', id, [{ ...parts[0], ChecksumCRC32: 'not base64!' }, parts[1]]),
      'InvalidArgument', 'Invalid Base64 or multiple checksums present in request');
    // A stated object checksum that does not match.
    await expectAwsError(() => complete(b, 'c', id, parts, { ChecksumCRC32: 'AAAAAA==-2' }),
      'BadDigest', 'The crc32 you specified did not match the calculated checksum.');
    const want = compositeCrc32(data);
    const c = await complete(b, 'c', id, parts, { ChecksumCRC32: want });
    assert.equal(c.ChecksumCRC32, want);
    assert.equal(c.ChecksumType, 'COMPOSITE');
    const h = await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'c', ChecksumMode: 'ENABLED' }));
    assert.equal(h.ChecksumCRC32, want);
    assert.equal(h.ChecksumType, 'COMPOSITE');
  });

  test('a COMPOSITE upload refuses parts without or with another checksum', async () => {
    const b = await newBucket();
    const { UploadId: id } = await s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'c', ChecksumAlgorithm: 'CRC32' }));
    const plain = s3Client(srv, { requestChecksumCalculation: 'WHEN_REQUIRED' });
    await expectAwsError(() => put(b, 'c', id, 1, Buffer.from('x'), {}, plain), 'InvalidRequest',
      'Checksum Type mismatch occurred, expected checksum Type: crc32, actual checksum Type: null');
    await expectAwsError(() => put(b, 'c', id, 1, Buffer.from('x'), { ChecksumAlgorithm: 'SHA256' }), 'InvalidRequest',
      'Checksum Type mismatch occurred, expected checksum Type: crc32, actual checksum Type: sha256');
    await expectAwsError(() => put(b, 'c', id, 1, Buffer.from('x'), { ChecksumCRC32: crc32b64(Buffer.from('y')) }),
      'BadDigest', 'The CRC32 you specified did not match the calculated checksum.');
  });

  test('FULL_OBJECT CRC32: the object CRC is the whole body\'s, parts without a checksum are computed', async () => {
    const b = await newBucket();
    const r = await s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'f', ChecksumAlgorithm: 'CRC32',
      ChecksumType: 'FULL_OBJECT' }));
    assert.equal(r.ChecksumType, 'FULL_OBJECT');
    const plain = s3Client(srv, { requestChecksumCalculation: 'WHEN_REQUIRED' });
    const data = [randomBytes(5 * MiB + 3), randomBytes(5 * MiB), Buffer.from('z')];
    const parts = [];
    for (let i = 0; i < data.length; i++) {
      const p = await put(b, 'f', r.UploadId, i + 1, data[i], {}, i === 1 ? plain : s3);
      assert.equal(p.ChecksumCRC32, crc32b64(data[i]));
      parts.push({ ETag: p.ETag, PartNumber: i + 1 });
    }
    const c = await complete(b, 'f', r.UploadId, parts);
    const whole = Buffer.concat(data);
    assert.equal(c.ChecksumCRC32, crc32b64(whole));
    assert.equal(c.ChecksumType, 'FULL_OBJECT');
    const h = await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'f', ChecksumMode: 'ENABLED' }));
    assert.equal(h.ChecksumCRC32, crc32b64(whole));
    assert.equal(h.ChecksumType, 'FULL_OBJECT');
  });

  test('checksum settings AWS refuses', async () => {
    const b = await newBucket();
    await expectAwsError(() => s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'k',
      ChecksumAlgorithm: 'SHA256', ChecksumType: 'FULL_OBJECT' })), 'InvalidRequest',
    'The FULL_OBJECT checksum type cannot be used with the sha256 checksum algorithm.');
    await expectAwsError(() => s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'k',
      ChecksumAlgorithm: 'CRC64NVME', ChecksumType: 'COMPOSITE' })), 'InvalidRequest',
    'The COMPOSITE checksum type cannot be used with the crc64nvme checksum algorithm.');
    const r = await s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'k', ChecksumAlgorithm: 'CRC64NVME' }));
    assert.equal(r.ChecksumType, 'FULL_OBJECT', 'CRC64NVME has only the full-object type');
  });
});

describe('listings', () => {
  test('ListParts pages with max-parts and part-number-marker', async () => {
    const b = await newBucket();
    const id = await create(b, 'k');
    for (let n = 1; n <= 5; n++) await put(b, 'k', id, n * 2, Buffer.from(`part ${n}`));
    const seen = [];
    let marker;
    let pages = 0;
    for (;;) {
      const r = await s3.send(new ListPartsCommand({ Bucket: b, Key: 'k', UploadId: id, MaxParts: 2,
        PartNumberMarker: marker }));
      pages++;
      assert.equal(r.MaxParts, 2);
      seen.push(...r.Parts.map((p) => p.PartNumber));
      if (!r.IsTruncated) break;
      assert.equal(r.NextPartNumberMarker, String(r.Parts.at(-1).PartNumber));
      marker = r.NextPartNumberMarker;
    }
    assert.deepEqual(seen, [2, 4, 6, 8, 10]);
    assert.equal(pages, 3);
    const after = await s3.send(new ListPartsCommand({ Bucket: b, Key: 'k', UploadId: id, PartNumberMarker: '5' }));
    assert.deepEqual(after.Parts.map((p) => p.PartNumber), [6, 8, 10]);
    assert.equal(after.PartNumberMarker, '5');
    const bad = await s3Raw(srv, { path: `/${b}/k`, query: { uploadId: id, 'max-parts': '-1' } });
    assert.equal(bad.status, 400);
    assert.equal(xmlText(bad.text, 'Code'), 'InvalidArgument');
    assert.equal(xmlText(bad.text, 'Message'), 'Argument max-parts must be an integer between 0 and 2147483647');
  });

  test('ListMultipartUploads: order, prefix, delimiter and CommonPrefixes, key and upload-id markers', async () => {
    const b = await newBucket();
    const made = [];
    for (const k of ['a/1', 'a/2', 'b/x/1', 'c', 'c', 'd']) made.push({ Key: k, UploadId: await create(b, k) });
    // Sorted by key, then by initiation (two uploads of "c", in creation order).
    const all = await s3.send(new ListMultipartUploadsCommand({ Bucket: b }));
    assert.deepEqual(all.Uploads.map((u) => [u.Key, u.UploadId]), made.map((u) => [u.Key, u.UploadId]));
    assert.equal(all.IsTruncated, false);
    assert.ok(all.Uploads.every((u) => u.StorageClass === 'STANDARD' && u.Initiated instanceof Date && u.Initiator.ID));

    const d = await s3.send(new ListMultipartUploadsCommand({ Bucket: b, Delimiter: '/' }));
    assert.deepEqual(d.CommonPrefixes.map((p) => p.Prefix), ['a/', 'b/']);
    assert.deepEqual(d.Uploads.map((u) => u.Key), ['c', 'c', 'd']);
    const p = await s3.send(new ListMultipartUploadsCommand({ Bucket: b, Prefix: 'b/', Delimiter: '/' }));
    assert.deepEqual(p.CommonPrefixes.map((x) => x.Prefix), ['b/x/']);
    assert.equal(p.Uploads, undefined);
    assert.equal(p.Prefix, 'b/');

    // Paging two at a time visits every upload once, in order.
    const paged = [];
    let km;
    let im;
    for (let i = 0; i < 10; i++) {
      const r = await s3.send(new ListMultipartUploadsCommand({ Bucket: b, MaxUploads: 2, KeyMarker: km, UploadIdMarker: im }));
      paged.push(...(r.Uploads ?? []).map((u) => u.UploadId));
      if (!r.IsTruncated) break;
      km = r.NextKeyMarker;
      im = r.NextUploadIdMarker;
    }
    assert.deepEqual(paged, made.map((u) => u.UploadId));
    // key-marker alone skips every upload of that key; with an id, only those up to it.
    const k = await s3.send(new ListMultipartUploadsCommand({ Bucket: b, KeyMarker: 'c' }));
    assert.deepEqual(k.Uploads.map((u) => u.Key), ['d']);
    const ki = await s3.send(new ListMultipartUploadsCommand({ Bucket: b, KeyMarker: 'c', UploadIdMarker: made[3].UploadId }));
    assert.deepEqual(ki.Uploads.map((u) => u.UploadId), [made[4].UploadId, made[5].UploadId]);
    // Paging with a delimiter: a common prefix is listed once.
    const dp = [];
    km = undefined;
    im = undefined;
    for (let i = 0; i < 10; i++) {
      const r = await s3.send(new ListMultipartUploadsCommand({ Bucket: b, Delimiter: '/', MaxUploads: 1,
        KeyMarker: km, UploadIdMarker: im }));
      dp.push(...(r.CommonPrefixes ?? []).map((x) => x.Prefix), ...(r.Uploads ?? []).map((u) => u.Key));
      if (!r.IsTruncated) break;
      km = r.NextKeyMarker;
      im = r.NextUploadIdMarker;
    }
    assert.deepEqual(dp, ['a/', 'b/', 'c', 'c', 'd']);
  });
});

describe('abort', () => {
  test('Abort removes the upload and its parts; then NoSuchUpload everywhere', async () => {
    const b = await newBucket();
    const id = await create(b, 'k');
    const p = await put(b, 'k', id, 1, randomBytes(1000));
    assert.equal(bucketFiles(b).length, 1);
    const r = await s3.send(new AbortMultipartUploadCommand({ Bucket: b, Key: 'k', UploadId: id }));
    assert.equal(r.$metadata.httpStatusCode, 204);
    assert.equal(bucketFiles(b).length, 0);
    const gone = (fn) => expectAwsError(fn, 'NoSuchUpload', noSuchUpload, { status: 404 });
    await gone(() => put(b, 'k', id, 2, Buffer.from('x')));
    await gone(() => s3.send(new ListPartsCommand({ Bucket: b, Key: 'k', UploadId: id })));
    await gone(() => complete(b, 'k', id, [{ ETag: p.ETag, PartNumber: 1 }]));
    await gone(() => s3.send(new AbortMultipartUploadCommand({ Bucket: b, Key: 'k', UploadId: id })));
    const raw = await s3Raw(srv, { method: 'DELETE', path: `/${b}/k`, query: { uploadId: id } });
    assert.equal(raw.status, 404);
    assert.equal(xmlText(raw.text, 'Code'), 'NoSuchUpload');
    assert.equal(xmlText(raw.text, 'UploadId'), id);
    const lu = await s3.send(new ListMultipartUploadsCommand({ Bucket: b }));
    assert.equal(lu.Uploads, undefined);
  });
});

describe('errors', () => {
  let b;
  before(async () => { b = await newBucket('err'); });

  test('part numbers 1..10000', async () => {
    const id = await create(b, 'pn');
    for (const n of ['0', '10001', '-1', 'abc']) {
      const r = await s3Raw(srv, { method: 'PUT', path: `/${b}/pn`, query: { partNumber: n, uploadId: id }, body: 'x' });
      assert.equal(r.status, 400, n);
      assert.equal(xmlText(r.text, 'Code'), 'InvalidArgument');
      assert.equal(xmlText(r.text, 'Message'), badPartNumber);
      assert.equal(xmlText(r.text, 'ArgumentName'), 'partNumber');
    }
    await expectAwsError(() => put(b, 'pn', id, 10001, Buffer.from('x')), 'InvalidArgument', badPartNumber);
    const ok = await put(b, 'pn', id, 10000, Buffer.from('x'));
    assert.match(ok.ETag, /^"[0-9a-f]{32}"$/);
  });

  test('EntityTooSmall, InvalidPart, InvalidPartOrder, MalformedXML at Complete', async () => {
    const id = await create(b, 'c');
    const p1 = await put(b, 'c', id, 1, Buffer.from('small'));
    const p2 = await put(b, 'c', id, 2, Buffer.from('also small'));
    const e = await expectAwsError(() => complete(b, 'c', id, [{ ETag: p1.ETag, PartNumber: 1 }, { ETag: p2.ETag, PartNumber: 2 }]),
      'EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed size');
    assert.equal(e.$response?.statusCode ?? e.$metadata.httpStatusCode, 400);
    await expectAwsError(() => complete(b, 'c', id, [{ ETag: p2.ETag, PartNumber: 2 }, { ETag: p1.ETag, PartNumber: 1 }]),
      'InvalidPartOrder', 'The list of parts was not in ascending order. Parts must be ordered by part number.');
    await expectAwsError(() => complete(b, 'c', id, [{ ETag: p1.ETag, PartNumber: 1 }, { ETag: p1.ETag, PartNumber: 1 }]),
      'InvalidPartOrder');
    await expectAwsError(() => complete(b, 'c', id, [{ ETag: p2.ETag, PartNumber: 1 }]), 'InvalidPart', invalidPart);
    await expectAwsError(() => complete(b, 'c', id, [{ ETag: p1.ETag, PartNumber: 3 }]), 'InvalidPart', invalidPart);
    await expectAwsError(() => complete(b, 'c', id, []), 'MalformedXML');
    const bad = await s3Raw(srv, { method: 'POST', path: `/${b}/c`, query: { uploadId: id }, body: '<Complete' });
    assert.equal(bad.status, 400);
    assert.equal(xmlText(bad.text, 'Code'), 'MalformedXML');
    const np = await s3Raw(srv, { method: 'POST', path: `/${b}/c`, query: { uploadId: id },
      body: '<CompleteMultipartUpload><Part><ETag>x</ETag></Part></CompleteMultipartUpload>' });
    assert.equal(xmlText(np.text, 'Code'), 'MalformedXML');
    const ip = await s3Raw(srv, { method: 'POST', path: `/${b}/c`, query: { uploadId: id },
      body: `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${'0'.repeat(32)}</ETag></Part></CompleteMultipartUpload>` });
    assert.equal(xmlText(ip.text, 'Code'), 'InvalidPart');
    assert.equal(xmlText(ip.text, 'UploadId'), id);
    assert.equal(xmlText(ip.text, 'PartNumber'), '1');
    // A single part may be small: it is the last one.
    const one = await complete(b, 'c', id, [{ ETag: p1.ETag, PartNumber: 1 }]);
    assert.equal(one.ETag, multipartEtag([Buffer.from('small')]));
  });

  test('NoSuchUpload for unknown ids and for another key\'s upload', async () => {
    const id = await create(b, 'mine');
    for (const [key, uid] of [['mine', 'bogus'], ['other', id]]) {
      await expectAwsError(() => put(b, key, uid, 1, Buffer.from('x')), 'NoSuchUpload', noSuchUpload, { status: 404 });
      await expectAwsError(() => s3.send(new ListPartsCommand({ Bucket: b, Key: key, UploadId: uid })),
        'NoSuchUpload', noSuchUpload, { status: 404 });
    }
    const r = await s3Raw(srv, { path: `/${b}/mine`, query: { uploadId: 'bogus' } });
    assert.equal(xmlText(r.text, 'UploadId'), 'bogus');
    await expectAwsError(() => s3.send(new ListMultipartUploadsCommand({ Bucket: bucketName('none') })),
      'NoSuchBucket', 'The specified bucket does not exist', { status: 404 });
  });

  test('a part over 5 GiB is refused from its announced length', async () => {
    const id = await create(b, 'huge');
    const r = await s3Raw(srv, { method: 'PUT', path: `/${b}/huge`, query: { partNumber: '1', uploadId: id },
      contentSha256: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', body: '0\r\n\r\n',
      headers: { 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': String(5 * 1024 * MiB + 1),
        'x-amz-trailer': 'x-amz-checksum-crc32' } });
    assert.equal(r.status, 400);
    assert.equal(xmlText(r.text, 'Code'), 'EntityTooLarge');
    assert.equal(xmlText(r.text, 'MaxSizeAllowed'), '5368709120');
  });

  test('UploadPartCopy: ranges of an encrypted object become parts; the object reads back whole', async () => {
    const src = randomBytes(11 * MiB + 321);
    const other = bucketName('cpsrc');
    await s3.send(new CreateBucketCommand({ Bucket: other }));
    await s3.send(new PutObjectCommand({ Bucket: other, Key: 'src/obj', Body: src, ServerSideEncryption: 'aws:kms' }));
    const id = await create(b, 'copied');
    const ranges = [[0, 5 * MiB - 1], [5 * MiB, 10 * MiB - 1], [10 * MiB, src.length - 1]];
    const parts = [];
    for (let i = 0; i < ranges.length; i++) {
      const r = await s3.send(new UploadPartCopyCommand({ Bucket: b, Key: 'copied', UploadId: id, PartNumber: i + 1,
        CopySource: `${other}/src/obj`, CopySourceRange: `bytes=${ranges[i][0]}-${ranges[i][1]}` }));
      assert.equal(r.CopyPartResult.ETag, `"${md5hex(src.subarray(ranges[i][0], ranges[i][1] + 1))}"`);
      assert.ok(r.CopyPartResult.LastModified instanceof Date);
      parts.push({ PartNumber: i + 1, ETag: r.CopyPartResult.ETag });
    }
    const lp = await s3.send(new ListPartsCommand({ Bucket: b, Key: 'copied', UploadId: id }));
    assert.deepEqual(lp.Parts.map((p) => p.Size), ranges.map(([f, l]) => l - f + 1));
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: b, Key: 'copied', UploadId: id, MultipartUpload: { Parts: parts } }));
    const got = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: b, Key: 'copied' }))).Body.transformToByteArray());
    assert.ok(src.equals(got));
    // Without a range: the whole source is the part.
    const id2 = await create(b, 'whole');
    const w = await s3.send(new UploadPartCopyCommand({ Bucket: b, Key: 'whole', UploadId: id2, PartNumber: 1, CopySource: `${other}/src/obj` }));
    assert.equal(w.CopyPartResult.ETag, `"${md5hex(src)}"`);
  });

  test('UploadPartCopy into uploads with checksums: the part gets one; COMPOSITE and FULL_OBJECT complete', async () => {
    const src = randomBytes(6 * MiB + 5);
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'cksrc', Body: src }));
    for (const [algo, type] of [['CRC32', 'COMPOSITE'], ['CRC64NVME', 'FULL_OBJECT']]) {
      const key = `ck-${algo}`;
      const id = (await s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: key, ChecksumAlgorithm: algo }))).UploadId;
      const parts = [];
      for (const [n, range] of [[1, `bytes=0-${5 * MiB - 1}`], [2, `bytes=${5 * MiB}-${src.length - 1}`]]) {
        const r = await s3.send(new UploadPartCopyCommand({ Bucket: b, Key: key, UploadId: id, PartNumber: n,
          CopySource: `${b}/cksrc`, CopySourceRange: range }));
        const ck = r.CopyPartResult[`Checksum${algo}`];
        assert.ok(ck, `the copied part carries its ${algo}`);
        parts.push({ PartNumber: n, ETag: r.CopyPartResult.ETag, [`Checksum${algo}`]: ck });
      }
      const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket: b, Key: key, UploadId: id,
        MultipartUpload: { Parts: parts } }));
      assert.equal(done.ChecksumType, type);
      const got = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: b, Key: key }))).Body.transformToByteArray());
      assert.ok(src.equals(got));
    }
  });

  test('x-amz-copy-source-range must be exactly bytes=first-last', async () => {
    const id = await create(b, 'strict');
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'strictsrc', Body: 'abcdefgh' }));
    for (const bad of ['bytes= 1-5', 'bytes=1-+5', 'bytes=-5', 'bytes=1-', 'Bytes=1-2', 'bytes=1-2,3-4']) {
      await expectAwsError(() => s3.send(new UploadPartCopyCommand({ Bucket: b, Key: 'strict', UploadId: id, PartNumber: 1,
        CopySource: `${b}/strictsrc`, CopySourceRange: bad })), 'InvalidArgument', /x-amz-copy-source-range value must be of the form/);
    }
  });

  test('UploadPartCopy errors: range form and bounds, missing source, no s3:GetObject on the source', async () => {
    const id = await create(b, 'cperr');
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'small', Body: 'source' }));
    const copy = (extra) => s3.send(new UploadPartCopyCommand({ Bucket: b, Key: 'cperr', UploadId: id, PartNumber: 1,
      CopySource: `${b}/small`, ...extra }));
    await expectAwsError(() => copy({ CopySourceRange: 'bytes=3' }), 'InvalidArgument',
      /^The x-amz-copy-source-range value must be of the form bytes=first-last/);
    await expectAwsError(() => copy({ CopySourceRange: 'bytes=0-6' }), 'InvalidRequest',
      'Range specified is not valid for source object of size: 6');
    await expectAwsError(() => copy({ CopySource: `${b}/nope` }), 'NoSuchKey', 'The specified key does not exist.', { status: 404 });
    await expectAwsError(() => s3.send(new UploadPartCopyCommand({ Bucket: b, Key: 'cperr', UploadId: 'nope', PartNumber: 1,
      CopySource: `${b}/small` })), 'NoSuchUpload', /The specified upload does not exist/, { status: 404 });
    const lp = await s3.send(new ListPartsCommand({ Bucket: b, Key: 'cperr', UploadId: id }));
    assert.equal(lp.Parts, undefined);
    // A user who may write the destination but not read the source.
    const { s3: us3 } = await s3User(srv, { policy: allow('s3:PutObject'), prefix: 'cpuser' });
    await expectAwsError(() => us3.send(new UploadPartCopyCommand({ Bucket: b, Key: 'cperr', UploadId: id, PartNumber: 1,
      CopySource: `${b}/small` })), 'AccessDenied', /is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::.*\/small/, { status: 403 });
  });

  test('CreateMultipartUpload checks its headers exactly as PutObject does', async () => {
    const cases = [
      { ACL: 'bogus' },                                      // InvalidArgument
      { ACL: 'public-read' },                                // AccessControlListNotSupported
      { ACL: 'bucket-owner-full-control' },                  // allowed
      { ServerSideEncryption: 'AES256' },
      { ServerSideEncryption: 'aws:kms' },
      { ServerSideEncryption: 'bogus' },
      { Metadata: { big: 'x'.repeat(2100) } },               // MetadataTooLarge
    ];
    const outcome = async (fn) => {
      try { await fn(); return 'ok'; } catch (e) { return `${e.name} ${e.$metadata?.httpStatusCode}`; }
    };
    const seen = [];
    for (const extra of cases) {
      const viaPut = await outcome(() => s3.send(new PutObjectCommand({ Bucket: b, Key: 'hdr', Body: 'x', ...extra })));
      const viaMpu = await outcome(() => s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'hdr', ...extra })));
      assert.equal(viaMpu, viaPut, JSON.stringify(extra));
      seen.push(viaMpu);
    }
    assert.equal(seen[0], 'InvalidArgument 400');
    assert.equal(seen[1], 'AccessControlListNotSupported 400');
    assert.equal(seen[2], 'ok');
    assert.equal(seen[6], 'MetadataTooLarge 400');
  });
});

describe('authorization', () => {
  test('each action through the policy engine: s3:PutObject, AbortMultipartUpload, ListMultipartUploadParts, ListBucketMultipartUploads', async () => {
    const b = await newBucket('authz');
    const iam = iamClient(srv);
    async function user(policy) {
      const u = name('mpu');
      await iam.send(new CreateUserCommand({ UserName: u }));
      if (policy) await iam.send(new PutUserPolicyCommand({ UserName: u, PolicyName: 'p', PolicyDocument: policy }));
      const k = await iam.send(new CreateAccessKeyCommand({ UserName: u }));
      return { arn: `arn:aws:iam::${acct}:user/${u}`, s3: s3Client(srv, { credentials: {
        accessKeyId: k.AccessKey.AccessKeyId, secretAccessKey: k.AccessKey.SecretAccessKey } }) };
    }
    const deny = (fn, who, action, resource) => expectAwsError(fn, 'AccessDenied',
      `User: ${who} is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`,
      { status: 403 });
    const writer = await user(allow(['s3:PutObject', 's3:GetObject'], `arn:aws:s3:::${b}/*`));
    const obj = `arn:aws:s3:::${b}/w`;
    // The writer may create, upload and complete (all s3:PutObject) ...
    const { UploadId: id } = await writer.s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'w' }));
    const first = randomBytes(5 * MiB);
    const p = await put(b, 'w', id, 1, first, {}, writer.s3);
    // ... but lacks the other actions.
    await deny(() => writer.s3.send(new ListPartsCommand({ Bucket: b, Key: 'w', UploadId: id })),
      writer.arn, 's3:ListMultipartUploadParts', obj);
    await deny(() => writer.s3.send(new AbortMultipartUploadCommand({ Bucket: b, Key: 'w', UploadId: id })),
      writer.arn, 's3:AbortMultipartUpload', obj);
    await deny(() => writer.s3.send(new ListMultipartUploadsCommand({ Bucket: b })),
      writer.arn, 's3:ListBucketMultipartUploads', `arn:aws:s3:::${b}`);
    // Someone else allowed s3:PutObject may add parts to it (AWS checks the
    // permission, not who initiated).
    const other = await user(allow('s3:PutObject', `arn:aws:s3:::${b}/*`));
    const p2 = await put(b, 'w', id, 2, Buffer.from(' and another'), {}, other.s3);
    await writer.s3.send(new CompleteMultipartUploadCommand({ Bucket: b, Key: 'w', UploadId: id,
      MultipartUpload: { Parts: [{ ETag: p.ETag, PartNumber: 1 }, { ETag: p2.ETag, PartNumber: 2 }] } }));
    const g = await writer.s3.send(new GetObjectCommand({ Bucket: b, Key: 'w' }));
    assert.ok(Buffer.from(await g.Body.transformToByteArray()).equals(Buffer.concat([first, Buffer.from(' and another')])));

    // Without s3:PutObject nothing can be written.
    const reader = await user(allow(['s3:GetObject', 's3:ListMultipartUploadParts', 's3:AbortMultipartUpload',
      's3:ListBucketMultipartUploads'], ['*']));
    await deny(() => reader.s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'r' })),
      reader.arn, 's3:PutObject', `arn:aws:s3:::${b}/r`);
    const { UploadId: id2 } = await s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'r' }));
    await deny(() => put(b, 'r', id2, 1, Buffer.from('x'), {}, reader.s3), reader.arn, 's3:PutObject', `arn:aws:s3:::${b}/r`);
    await deny(() => complete(b, 'r', id2, [{ ETag: '"x"', PartNumber: 1 }], {}, reader.s3),
      reader.arn, 's3:PutObject', `arn:aws:s3:::${b}/r`);
    // ... while the listing and abort actions it has work.
    const lu = await reader.s3.send(new ListMultipartUploadsCommand({ Bucket: b }));
    assert.deepEqual(lu.Uploads.map((u) => u.Key), ['r']);
    assert.deepEqual((await reader.s3.send(new ListPartsCommand({ Bucket: b, Key: 'r', UploadId: id2 }))).Parts, undefined);
    await reader.s3.send(new AbortMultipartUploadCommand({ Bucket: b, Key: 'r', UploadId: id2 }));
  });
});

describe('durability', () => {
  test('parts survive a restart (and kill -9) mid-upload; the upload completes after', async () => {
    const b = await newBucket('dur');
    const id = await create(b, 'k', { ContentType: 'text/x-restart' });
    const d1 = randomBytes(5 * MiB);
    const d2 = randomBytes(5 * MiB);
    const p1 = await put(b, 'k', id, 1, d1);
    const aborted = await create(b, 'gone');
    await put(b, 'gone', aborted, 1, Buffer.from('dropped'));
    await s3.send(new AbortMultipartUploadCommand({ Bucket: b, Key: 'gone', UploadId: aborted }));
    await srv.restart();
    s3 = s3Client(srv);   // a new port
    const p2 = await put(b, 'k', id, 2, d2);
    await srv.kill9();
    await srv.start();
    s3 = s3Client(srv);
    const lp = await s3.send(new ListPartsCommand({ Bucket: b, Key: 'k', UploadId: id }));
    assert.deepEqual(lp.Parts.map((p) => [p.PartNumber, p.ETag, p.Size]),
      [[1, p1.ETag, d1.length], [2, p2.ETag, d2.length]]);
    const lu = await s3.send(new ListMultipartUploadsCommand({ Bucket: b }));
    assert.deepEqual(lu.Uploads.map((u) => u.UploadId), [id]);
    assert.equal(bucketFiles(b).length, 2, 'the start-up sweep kept both part files');
    const tail = Buffer.from('after the restarts');
    const p3 = await put(b, 'k', id, 3, tail);
    const c = await complete(b, 'k', id, [p1, p2, p3].map((p, i) => ({ ETag: p.ETag, PartNumber: i + 1 })));
    assert.equal(c.ETag, multipartEtag([d1, d2, tail]));
    const g = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'k' }));
    assert.equal(g.ContentType, 'text/x-restart');
    assert.ok(Buffer.from(await g.Body.transformToByteArray()).equals(Buffer.concat([d1, d2, tail])));
    await srv.restart();
    s3 = s3Client(srv);
    assert.equal(bucketFiles(b).length, 1);
  });

  test('DeleteBucket with an upload in progress deletes the bucket and the upload, as S3 does', async () => {
    const b = await newBucket('del');
    const id = await create(b, 'k');
    await put(b, 'k', id, 1, Buffer.from('part'));
    await s3.send(new DeleteBucketCommand({ Bucket: b }));
    await s3.send(new CreateBucketCommand({ Bucket: b }));
    const lu = await s3.send(new ListMultipartUploadsCommand({ Bucket: b }));
    assert.equal(lu.Uploads, undefined);
    await expectAwsError(() => s3.send(new ListPartsCommand({ Bucket: b, Key: 'k', UploadId: id })),
      'NoSuchUpload', noSuchUpload, { status: 404 });
    assert.equal(bucketFiles(b).length, 0);
  });
});
