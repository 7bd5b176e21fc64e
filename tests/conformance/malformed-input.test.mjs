// Malformed input never makes a malformed answer: bytes a client sends that
// are not UTF-8 (FF FE, the overlong C0 AF, a surrogate ED A0 80, F4 90 80 80
// above U+10FFFF, a truncated E2 82) or not XML 1.0 characters (U+FFFF), and
// that an error message echoes, come back as U+FFFD (one per maximal invalid
// subpart, as WHATWG's decoder), so every error body is valid UTF-8 and
// parses, with the right code: IAM's ValidationError (Query/XML), S3's
// InvalidURI "Couldn't parse the specified URI." (REST-XML), and JSON 1.1
// errors ({"__type", "message"}).
//
// Raw signed requests are the main driver: neither the JS SDK nor the aws
// CLI can put invalid UTF-8 on the wire (a JS string is UTF-16 and a lone
// surrogate makes encodeURIComponent throw; the CLI encodes its arguments
// as UTF-8).  What they can send, U+FFFF, is valid UTF-8 but not an XML
// character; those cases check that the real clients get the error code
// (before the fix botocore's expat could not parse the answer at all).
// Every check on bytes is on the raw Buffer: toString('utf8') would turn the
// bad bytes into U+FFFD itself and hide the bug.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import http from 'node:http';
import { GetUserCommand } from '@aws-sdk/client-iam';
import { CreateBucketCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { parseXML } from '@aws-sdk/xml-builder';
import { SignatureV4 } from '@smithy/signature-v4';
import { HttpRequest } from '@smithy/protocol-http';
import { Sha256 } from '@aws-crypto/sha256-js';
import {
  startServer, expectAwsError, teardown, uniq, REGION, AWS_CLI, TARGET_PREFIX,
} from './harness.mjs';
import { iamClient } from './iam-helpers.mjs';
import { s3Client } from './s3-helpers.mjs';

let awsVersion = null;
try {
  awsVersion = execFileSync(AWS_CLI, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30000 }).trim();
} catch { /* not installed */ }
const NO_CLI = awsVersion ? false : 'aws CLI not installed (`aws --version` failed)';

let srv;
let bucket;
before(async () => {
  srv = await startServer();
  bucket = uniq('utf8').toLowerCase().replace(/[^a-z0-9-]/g, '-');
  await s3Client(srv).send(new CreateBucketCommand({ Bucket: bucket }));
});
after(() => teardown(srv));

const FFFD = '\uFFFD';

/** One HTTP request with exactly these bytes; resolves to { status, headers, raw }. */
function send({ method = 'POST', path = '/', headers = {}, body = Buffer.alloc(0) }) {
  return new Promise((resolve, reject) => {
    // Header values are written as latin1, so '\xff' goes out as the byte FF.
    const req = http.request({ host: '127.0.0.1', port: srv.port, method, path,
      headers: { ...headers, 'content-length': body.length }, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers,
        raw: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** send(), signed with the admin's keys; path and body are used as given. */
async function signed({ service, method = 'POST', path = '/', headers = {}, body = '' }) {
  const buf = Buffer.from(body);
  const signer = new SignatureV4({ service, region: REGION, uriEscapePath: false,
    applyChecksum: false, credentials: srv.credentials(), sha256: Sha256 });
  const hdrs = { host: `127.0.0.1:${srv.port}`, ...headers };
  if (service === 's3') hdrs['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
  const req = await signer.sign(new HttpRequest({ method, protocol: 'http:', hostname: '127.0.0.1',
    port: srv.port, path, headers: hdrs, body: buf }));
  return send({ method, path, headers: req.headers, body: buf });
}

/** The body as text; throws (failing the test) if it is not valid UTF-8. */
function utf8(raw) {
  let text;
  assert.doesNotThrow(() => { text = new TextDecoder('utf-8', { fatal: true }).decode(raw); },
    `body is not valid UTF-8: ${raw.toString('hex')}`);
  return text;
}

/** Parsed XML error body; asserts UTF-8 and XML 1.0's Char production. */
function xmlBody(raw) {
  const text = utf8(raw);
  assert.doesNotMatch(text, /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u,
    'body holds characters XML 1.0 cannot carry');
  return parseXML(text);
}

function jsonBody(raw) {
  return JSON.parse(utf8(raw));
}

// The bytes, as they go on the wire percent-encoded, and the U+FFFDs they
// become: one per maximal subpart (FF, FE; C0, AF; ED, A0, 80; ...).
const BAD = [
  { name: 'FF FE', pct: '%FF%FE', bytes: '\xff\xfe', want: FFFD.repeat(2) },
  { name: 'overlong C0 AF', pct: '%C0%AF', bytes: '\xc0\xaf', want: FFFD.repeat(2) },
  { name: 'surrogate ED A0 80', pct: '%ED%A0%80', bytes: '\xed\xa0\x80', want: FFFD.repeat(3) },
  { name: 'above U+10FFFF', pct: '%F4%90%80%80', bytes: '\xf4\x90\x80\x80', want: FFFD.repeat(4) },
  { name: 'truncated E2 82', pct: '%E2%82', bytes: '\xe2\x82', want: FFFD },
];

describe('IAM (Query protocol): ValidationError echoing the value', () => {
  for (const c of BAD) {
    test(c.name, async () => {
      const r = await signed({ service: 'iam', headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `Action=GetUser&Version=2010-05-08&UserName=a${c.pct}b` });
      assert.equal(r.status, 400);
      const e = xmlBody(r.raw).ErrorResponse.Error;
      assert.equal(e.Code, 'ValidationError');
      assert.equal(e.Message, `1 validation error detected: Value 'a${c.want}b' at 'userName' ` +
        'failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+');
    });
  }

  test('the SDK: U+FFFF (not an XML character) comes back as U+FFFD', async () => {
    const err = await expectAwsError(() => iamClient(srv).send(new GetUserCommand({ UserName: 'a\uFFFFb' })),
      'ValidationError', /^1 validation error detected: Value 'a\uFFFDb' at 'userName'/);
    assert.equal(err.$metadata.httpStatusCode, 400);
  });

  test('the aws CLI gets the ValidationError', { skip: NO_CLI }, async () => {
    const r = await cli(['iam', 'get-user', '--user-name', 'a\uFFFFb']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /\(ValidationError\) when calling the GetUser operation.*: 1 validation error detected: Value 'a\uFFFDb'/);
  });
});

describe('S3 (REST-XML): InvalidURI for a key that is not UTF-8', () => {
  for (const c of BAD) {
    test(c.name, async () => {
      for (const method of ['GET', 'PUT']) {
        const r = await signed({ service: 's3', method, path: `/${bucket}/k${c.pct}` });
        assert.equal(r.status, 400, `${method}: ${r.raw}`);
        const e = xmlBody(r.raw).Error;
        assert.equal(e.Code, 'InvalidURI');
        assert.equal(e.Message, "Couldn't parse the specified URI.");
        assert.equal(e.Resource, `/${bucket}/k${c.want}`);
      }
    });
  }

  test('the SDK: NoSuchKey for a key with U+FFFF', async () => {
    const err = await expectAwsError(() => s3Client(srv).send(new GetObjectCommand({ Bucket: bucket, Key: 'k\uFFFF' })),
      'NoSuchKey', 'The specified key does not exist.', { status: 404 });
    assert.equal(err.Key, `k${FFFD}`);
    const raw = await signed({ service: 's3', method: 'GET', path: `/${bucket}/k%EF%BF%BF` });
    assert.equal(raw.status, 404);
    assert.equal(xmlBody(raw.raw).Error.Key, `k${FFFD}`);
  });

  test('the aws CLI gets NoSuchKey', { skip: NO_CLI }, async () => {
    const r = await cli(['s3api', 'get-object', '--bucket', bucket, '--key', 'k\uFFFF', '/dev/null']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /\(NoSuchKey\) when calling the GetObject operation/);
  });
});

describe('an echoed Authorization header, in every protocol', () => {
  // A credential scope whose terminator is not aws4_request: the message
  // quotes it before any signature is checked.
  const auth = (service, term) => `AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20260101/${REGION}/${service}/${term}, ` +
    'SignedHeaders=host;x-amz-date, Signature=' + '0'.repeat(64);
  const date = { 'x-amz-date': '20260101T000000Z' };

  for (const c of BAD) {
    test(`${c.name}: JSON 1.1 (logs), Query (IAM), REST-XML (S3)`, async () => {
      let r = await send({ headers: { ...date, authorization: auth('logs', `x${c.bytes}`),
        'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `${TARGET_PREFIX}.DescribeLogGroups` },
      body: Buffer.from('{}') });
      assert.equal(r.status, 400);
      const j = jsonBody(r.raw);
      assert.equal(j.__type, 'InvalidSignatureException');
      assert.match(j.message, new RegExp(`not 'x${c.want}'\\.$`));

      r = await send({ headers: { ...date, authorization: auth('iam', `x${c.bytes}`),
        'content-type': 'application/x-www-form-urlencoded' },
      body: Buffer.from('Action=ListUsers&Version=2010-05-08') });
      assert.equal(r.status, 403);
      const q = xmlBody(r.raw).ErrorResponse.Error;
      assert.equal(q.Code, 'SignatureDoesNotMatch');
      assert.match(q.Message, new RegExp(`not 'x${c.want}'\\.$`));

      r = await send({ method: 'GET', path: `/${bucket}`, headers: { ...date, authorization: auth('s3', `x${c.bytes}`),
        'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
      assert.equal(r.status, 400);
      const s = xmlBody(r.raw).Error;
      assert.equal(s.Code, 'AuthorizationHeaderMalformed');
      assert.match(s.Message, new RegExp(`incorrect terminal "x${c.want}"`));
    });
  }
});

describe('JSON 1.1 request bodies that are not UTF-8', () => {
  const target = (op) => ({ 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `${TARGET_PREFIX}.${op}` });

  test('raw invalid bytes in a string: SerializationException, well-formed', async () => {
    for (const c of BAD) {
      const body = Buffer.concat([Buffer.from('{"logGroupName":"g'), Buffer.from(c.bytes, 'latin1'), Buffer.from('"}')]);
      const r = await signed({ service: 'logs', headers: target('CreateLogGroup'), body });
      assert.equal(r.status, 400, c.name);
      assert.equal(jsonBody(r.raw).__type, 'SerializationException', c.name);
    }
  });

  test('a lone surrogate escape (\\udcff): SerializationException, well-formed', async () => {
    // simdjson refuses them, as it does raw invalid bytes, so nothing that
    // is not UTF-8 reaches a handler from a JSON body.
    for (const esc of ['\\udcff', '\\ud800', '\\ud800x', '\\udbff\\udbff']) {
      const r = await signed({ service: 'logs', headers: target('CreateLogGroup'),
        body: `{"logGroupName":"g${esc}"}` });
      assert.equal(r.status, 400, esc);
      assert.equal(jsonBody(r.raw).__type, 'SerializationException', esc);
    }
  });
});

const cleanEnv = Object.fromEntries(Object.entries(process.env)
  .filter(([k]) => !['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_CA_BUNDLE',
    'AWS_ENDPOINT_URL', 'AWS_PROFILE', 'AWS_CONFIG_FILE'].includes(k)));

function cli(args) {
  return new Promise((resolve) => {
    execFile(AWS_CLI, ['--endpoint-url', srv.endpoint, ...args], {
      timeout: 120000, encoding: 'utf8',
      env: { ...cleanEnv, AWS_SHARED_CREDENTIALS_FILE: srv.credentialsFile(), AWS_DEFAULT_REGION: REGION,
        AWS_REGION: REGION, AWS_PAGER: '', AWS_MAX_ATTEMPTS: '1', PYTHONUTF8: '1' },
    }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

describe('the server log', () => {
  test('control bytes of a request path are escaped in the access log line', async () => {
    const net = await import('node:net');
    const marker = `esc${Date.now()}`;
    await new Promise((resolve, reject) => {
      const sock = net.connect({ host: '127.0.0.1', port: srv.port }, () => {
        // ESC [2J would clear a terminal reading the log; the bare CR would
        // overwrite the start of the line.
        sock.end(Buffer.from(`GET /${marker}\x1b[2J\rfake HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, 'latin1'));
      });
      sock.on('data', () => {});
      sock.on('close', resolve);
      sock.on('error', reject);
    });
    await new Promise((r) => setTimeout(r, 200));
    const line = srv.stderr.split('\n').find((l) => l.includes(marker));
    assert.ok(line, `the request is logged:\n${srv.stderr.slice(-2000)}`);
    assert.ok(!/[\x00-\x08\x0b-\x1f\x7f]/.test(line), `no raw control bytes: ${JSON.stringify(line)}`);
    assert.ok(line.includes(`/${marker}\\x1b[2J\\x0dfake`), JSON.stringify(line));
  });
});
