// The aws CLI (botocore) against S3 when it is installed: `aws s3 mb/cp/ls/
// rm/rb` and a few `s3api` calls (Content-MD5, ranges, errors). Skips with a
// reason when `aws --version` cannot run; the JS SDK suites cover the API.
// The CLI's own multipart settings apply (8 MB threshold and chunks), so
// larger files go through the multipart upload API.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { writeFileSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { startServer, uniq, teardown, AWS_CLI } from './harness.mjs';

let awsVersion = null;
try {
  awsVersion = execFileSync(AWS_CLI, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30000 }).trim();
} catch { /* not installed */ }
const SKIP = awsVersion ? false : 'aws CLI not installed (`aws --version` failed); the JS SDK tests cover the API';

let srv;
let dir;
before(async () => {
  if (SKIP) return;
  srv = await startServer();
  dir = mkdtempSync(path.join(tmpdir(), 'sluice-s3cli-'));
  // SigV4 presigned URLs (the CLI v1 presigns with SigV2 unless told).
  writeFileSync(path.join(dir, 'config'),
    '[default]\ns3 =\n  signature_version = s3v4\n');
});
after(async () => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  await teardown(srv);
});

const cleanEnv = Object.fromEntries(Object.entries(process.env)
  .filter(([k]) => !['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_CA_BUNDLE',
    'AWS_ENDPOINT_URL', 'AWS_PROFILE'].includes(k)));

function aws(args) {
  return new Promise((resolve) => {
    execFile(AWS_CLI, ['--endpoint-url', srv.endpoint, ...args], {
      timeout: 120000, maxBuffer: 64 << 20, encoding: 'buffer',
      env: { ...cleanEnv, AWS_SHARED_CREDENTIALS_FILE: srv.credentialsFile(),
        AWS_CONFIG_FILE: path.join(dir, 'config'), AWS_DEFAULT_REGION: 'us-east-1', AWS_REGION: 'us-east-1',
        AWS_PAGER: '' },
    }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout,
        out: stdout.toString('utf8'), stderr: stderr.toString('utf8') });
    });
  });
}

const bucketName = () => uniq('cli').toLowerCase().replace(/[^a-z0-9-]/g, '-');
const md5 = (b) => createHash('md5').update(b).digest();

describe('aws s3 (high level)', () => {
  test('mb, cp up and down, ls, rm, rb', { skip: SKIP }, async () => {
    const b = bucketName();
    let r = await aws(['s3', 'mb', `s3://${b}`]);
    assert.equal(r.code, 0, r.stderr);
    const data = randomBytes(3 * 1024 * 1024 + 7);
    const src = path.join(dir, 'up.bin');
    writeFileSync(src, data);
    r = await aws(['s3', 'cp', src, `s3://${b}/dir/up.bin`]);
    assert.equal(r.code, 0, r.stderr);
    r = await aws(['s3', 'cp', src, `s3://${b}/dir/sub/second name.bin`]);
    assert.equal(r.code, 0, r.stderr);
    r = await aws(['s3', 'ls', `s3://${b}`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.out, /PRE dir\//);
    r = await aws(['s3', 'ls', `s3://${b}`, '--recursive']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.out, /3145735 dir\/up\.bin/);
    assert.match(r.out, /dir\/sub\/second name\.bin/, 'the CLI decodes encoding-type=url keys');
    r = await aws(['s3', 'ls']);
    assert.match(r.out, new RegExp(b));
    const dst = path.join(dir, 'down.bin');
    r = await aws(['s3', 'cp', `s3://${b}/dir/sub/second name.bin`, dst]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(readFileSync(dst).equals(data));
    r = await aws(['s3', 'rm', `s3://${b}`, '--recursive']);
    assert.equal(r.code, 0, r.stderr);
    r = await aws(['s3', 'rb', `s3://${b}`]);
    assert.equal(r.code, 0, r.stderr);
    r = await aws(['s3', 'ls', `s3://${b}`]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /NoSuchBucket/);
  });
});

describe('aws s3 cp of a multipart-sized file', () => {
  test('~20 MB up (multipart: 8 MB chunks) and down, same bytes; the ETag is the multipart one', { skip: SKIP }, async () => {
    const b = bucketName();
    assert.equal((await aws(['s3', 'mb', `s3://${b}`])).code, 0);
    const data = randomBytes(20 * 1000 * 1000 + 11);
    const src = path.join(dir, 'multi.bin');
    writeFileSync(src, data);
    let r = await aws(['s3', 'cp', '--no-progress', src, `s3://${b}/large/multi.bin`]);
    assert.equal(r.code, 0, r.stderr);
    r = await aws(['s3api', 'head-object', '--bucket', b, '--key', 'large/multi.bin']);
    assert.equal(r.code, 0, r.stderr);
    const head = JSON.parse(r.out);
    assert.equal(head.ContentLength, data.length);
    // 8 MiB chunks: 3 parts, ETag = MD5 of the parts' MD5s + "-3".
    const chunk = 8 * 1024 * 1024;
    const parts = [];
    for (let off = 0; off < data.length; off += chunk) parts.push(md5(data.subarray(off, off + chunk)));
    assert.equal(head.ETag, `"${createHash('md5').update(Buffer.concat(parts)).digest('hex')}-${parts.length}"`);
    const dst = path.join(dir, 'multi-down.bin');
    r = await aws(['s3', 'cp', '--no-progress', `s3://${b}/large/multi.bin`, dst]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(readFileSync(dst).equals(data));
    // s3 -> s3 of a multipart-sized object: the CLI copies it in parts
    // (UploadPartCopy with ranges).
    r = await aws(['s3', 'cp', '--no-progress', `s3://${b}/large/multi.bin`, `s3://${b}/copy/multi.bin`]);
    assert.equal(r.code, 0, r.stderr);
    const dst2 = path.join(dir, 'multi-copy.bin');
    r = await aws(['s3', 'cp', '--no-progress', `s3://${b}/copy/multi.bin`, dst2]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(readFileSync(dst2).equals(data));
    r = await aws(['s3api', 'list-multipart-uploads', '--bucket', b]);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.out, /UploadId/, 'no upload left behind');
    assert.equal((await aws(['s3', 'rm', `s3://${b}`, '--recursive'])).code, 0);
    assert.equal((await aws(['s3', 'rb', `s3://${b}`])).code, 0);
  });
});

const fetch = (url) => new Promise((resolve, reject) => {
  http.get(url, { agent: false }, (res) => {
    const chunks = [];
    res.on('data', (c) => chunks.push(c));
    res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString('utf8') }));
  }).on('error', reject);
});

describe('presigned URLs', () => {
  test('aws s3 presign: the URL reads the object; a changed one is refused', { skip: SKIP }, async () => {
    const b = bucketName();
    assert.equal((await aws(['s3', 'mb', `s3://${b}`])).code, 0);
    const f = path.join(dir, 'presign.txt');
    writeFileSync(f, 'shared by URL');
    assert.equal((await aws(['s3', 'cp', f, `s3://${b}/shared.txt`])).code, 0);
    const r = await aws(['s3', 'presign', `s3://${b}/shared.txt`, '--expires-in', '300']);
    assert.equal(r.code, 0, r.stderr);
    const url = r.out.trim();
    assert.match(url, /X-Amz-Algorithm=AWS4-HMAC-SHA256/);
    const ok = await fetch(url);
    assert.equal(ok.status, 200);
    assert.equal(ok.text, 'shared by URL');
    const bad = await fetch(url.replace('shared.txt', 'other.txt'));
    assert.equal(bad.status, 403);
    assert.match(bad.text, /<Code>SignatureDoesNotMatch<\/Code>/);
  });
});

describe('aws s3api', () => {
  test('put-object with Content-MD5, head-object, get-object --range, errors', { skip: SKIP }, async () => {
    const b = bucketName();
    assert.equal((await aws(['s3api', 'create-bucket', '--bucket', b])).code, 0);
    const body = Buffer.from('0123456789 via the CLI');
    const f = path.join(dir, 'md5.txt');
    writeFileSync(f, body);
    let r = await aws(['s3api', 'put-object', '--bucket', b, '--key', 'k', '--body', f,
      '--content-md5', md5(body).toString('base64'), '--content-type', 'text/plain',
      '--metadata', 'origin=cli']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.out).ETag, `"${md5(body).toString('hex')}"`);
    r = await aws(['s3api', 'put-object', '--bucket', b, '--key', 'k', '--body', f,
      '--content-md5', md5(Buffer.from('x')).toString('base64')]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /\(BadDigest\).*The Content-MD5 you specified did not match what we received/);
    r = await aws(['s3api', 'head-object', '--bucket', b, '--key', 'k']);
    assert.equal(r.code, 0, r.stderr);
    const h = JSON.parse(r.out);
    assert.equal(h.ContentLength, body.length);
    assert.equal(h.ContentType, 'text/plain');
    assert.deepEqual(h.Metadata, { origin: 'cli' });
    const out = path.join(dir, 'range.out');
    r = await aws(['s3api', 'get-object', '--bucket', b, '--key', 'k', '--range', 'bytes=2-5', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.out).ContentRange, 'bytes 2-5/22');
    assert.equal(readFileSync(out, 'utf8'), '2345');
    r = await aws(['s3api', 'get-object', '--bucket', b, '--key', 'missing', out]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /\(NoSuchKey\).*The specified key does not exist\./);
    r = await aws(['s3api', 'put-bucket-policy', '--bucket', b, '--policy', 'nope']);
    assert.match(r.stderr, /\(MalformedPolicy\).*Policies must be valid JSON and the first byte must be '\{'/);
    r = await aws(['s3api', 'list-objects-v2', '--bucket', b, '--prefix', 'k']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.out).Contents.map((c) => c.Key), ['k']);
    r = await aws(['s3api', 'delete-objects', '--bucket', b, '--delete', '{"Objects":[{"Key":"k"}]}']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.out).Deleted.map((d) => d.Key), ['k']);
  });

  test('put-bucket-acl / get-bucket-acl, public-access-block', { skip: SKIP }, async () => {
    const b = bucketName();
    let r = await aws(['s3api', 'create-bucket', '--bucket', b, '--object-ownership', 'ObjectWriter']);
    assert.equal(r.code, 0, r.stderr);
    r = await aws(['s3api', 'put-bucket-acl', '--bucket', b, '--acl', 'public-read']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /\(AccessDenied\).*because public ACLs are prevented by the BlockPublicAcls setting/);
    r = await aws(['s3api', 'delete-public-access-block', '--bucket', b]);
    assert.equal(r.code, 0, r.stderr);
    r = await aws(['s3api', 'put-bucket-acl', '--bucket', b, '--acl', 'public-read']);
    assert.equal(r.code, 0, r.stderr);
    r = await aws(['s3api', 'get-bucket-acl', '--bucket', b]);
    assert.equal(r.code, 0, r.stderr);
    const acl = JSON.parse(r.out);
    assert.match(acl.Owner.ID, /^[0-9a-f]{64}$/);
    assert.deepEqual(acl.Grants.map((g) => [g.Grantee.Type, g.Grantee.ID ?? g.Grantee.URI, g.Permission]), [
      ['CanonicalUser', acl.Owner.ID, 'FULL_CONTROL'],
      ['Group', 'http://acs.amazonaws.com/groups/global/AllUsers', 'READ'],
    ]);
    r = await aws(['s3api', 'get-public-access-block', '--bucket', b]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /\(NoSuchPublicAccessBlockConfiguration\)/);
  });
});
