// Helpers of the S3 conformance tests: S3 clients for a sluice server (path
// style, as the CLI and boto3 use against a custom endpoint), a middleware
// that records what the SDK put on the wire, and raw signed S3 requests for
// what the SDK will not send (bad hashes, Expect: 100-continue, ...).
import { S3Client, ListObjectsV2Command, GetObjectCommand } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { SignatureV4 } from '@smithy/signature-v4';
import { HttpRequest } from '@smithy/protocol-http';
import { Sha256 } from '@aws-crypto/sha256-js';
import { createHash, createHmac } from 'node:crypto';
import http from 'node:http';
import { CreateUserCommand, CreateAccessKeyCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { REGION } from './harness.mjs';
import { iamClient, name } from './iam-helpers.mjs';

export function s3Client(srv, { credentials, ...extra } = {}) {
  return new S3Client({
    endpoint: srv.endpoint, region: REGION, forcePathStyle: true,
    credentials: credentials ?? srv.credentials(), maxAttempts: 1, ...extra,
  });
}

/**
 * A new IAM user of the account behind `iam` (default: the admin account)
 * with an inline identity policy (or none): { name, arn, s3 } where s3 is a
 * client signing as the user.
 */
export async function s3User(srv, { iam = iamClient(srv), acct = srv.adminAccountId, policy, prefix = 's3u' } = {}) {
  const u = name(prefix);
  await iam.send(new CreateUserCommand({ UserName: u }));
  if (policy) await iam.send(new PutUserPolicyCommand({ UserName: u, PolicyName: 'p', PolicyDocument: policy }));
  const k = (await iam.send(new CreateAccessKeyCommand({ UserName: u }))).AccessKey;
  return { name: u, arn: `arn:aws:iam::${acct}:user/${u}`,
    s3: s3Client(srv, { credentials: { accessKeyId: k.AccessKeyId, secretAccessKey: k.SecretAccessKey } }) };
}

/** Records the headers of every request the client sends (last one in .last). */
let recorders = 0;
export function recordRequests(client) {
  const seen = { all: [], last: null };
  recorders += 1;
  client.middlewareStack.add((next) => async (args) => {
    seen.last = { method: args.request.method, path: args.request.path,
      query: { ...args.request.query }, headers: { ...args.request.headers } };
    seen.all.push(seen.last);
    return next(args);
  }, { step: 'finalizeRequest', name: `recordRequests${recorders}`, priority: 'low' });
  return seen;
}

export const sha256hex = (b) => createHash('sha256').update(b).digest('hex');
export const md5b64 = (b) => createHash('md5').update(b).digest('base64');
export const md5hex = (b) => createHash('md5').update(b).digest('hex');

/**
 * A signed S3 request without the SDK. path is the raw path ("/bucket/key"),
 * query an object. contentSha256: the x-amz-content-sha256 to state (default:
 * the body's). expectContinue: send "Expect: 100-continue" and only send the
 * body after "100 Continue" (resolves with sentBody=false otherwise).
 */
export async function s3Raw(srv, { method = 'GET', path = '/', query = {}, headers = {}, body = '',
  credentials, contentSha256, expectContinue = false, sign = true, host, region = REGION } = {}) {
  const url = new URL(srv.endpoint);
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(body);
  let hdrs = { host: host ?? `${url.hostname}:${url.port}`,
    'x-amz-content-sha256': contentSha256 ?? sha256hex(buf), ...headers };
  if (sign) {
    const signer = new SignatureV4({ service: 's3', region, uriEscapePath: false,
      applyChecksum: false, credentials: credentials ?? srv.credentials(), sha256: Sha256 });
    const signed = await signer.sign(new HttpRequest({ method, protocol: url.protocol,
      hostname: url.hostname, port: Number(url.port), path, query, headers: hdrs, body: buf }));
    hdrs = signed.headers;
  }
  const qs = new URLSearchParams(query).toString().replace(/\+/g, '%20');
  return new Promise((resolve, reject) => {
    const h = { ...hdrs, 'content-length': buf.length };
    if (expectContinue) h.expect = '100-continue';
    const req = http.request({ host: '127.0.0.1', port: Number(url.port), method,
      path: qs ? `${path}?${qs}` : path, headers: h, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers,
        text: Buffer.concat(chunks).toString('utf8'), sentBody }));
    });
    let sentBody = false;
    req.on('error', reject);
    if (expectContinue) {
      req.on('continue', () => { sentBody = true; req.end(buf); });
      req.flushHeaders();
    } else {
      sentBody = true;
      req.end(buf);
    }
  });
}

/** <Tag>text</Tag> of an XML answer (first one), or undefined. */
export function xmlText(xml, tag) {
  const m = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml);
  if (!m) return undefined;
  const ent = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
  return m[1].replace(/&(amp|lt|gt|quot|apos);/g, (_, e) => ent[e]);
}

export const policyDoc = (...statements) => JSON.stringify({ Version: '2012-10-17', Statement: statements });

const hmac = (k, s) => createHmac('sha256', k).update(s).digest();

/**
 * PutObject with a STREAMING-AWS4-HMAC-SHA256-PAYLOAD body (what the
 * AWS SDK for Java and Go send): every chunk signed, chained from the
 * request's signature (S3 API reference, "Signature calculations for the
 * Authorization header: transferring payload in multiple chunks").
 * tamper(i, sig) may change chunk i's signature.
 */
export async function signedChunkedPut(srv, { bucket, key, data, chunkSize = 65536, credentials,
  tamper = (i, sig) => sig } = {}) {
  const url = new URL(srv.endpoint);
  const creds = credentials ?? srv.credentials();
  const chunks = [];
  for (let off = 0; off < data.length; off += chunkSize) chunks.push(data.subarray(off, off + chunkSize));
  chunks.push(Buffer.alloc(0));
  const framed = chunks.reduce((n, c) => n + c.length.toString(16).length + 17 + 64 + 2 + c.length + 2, 0);
  const signer = new SignatureV4({ service: 's3', region: REGION, uriEscapePath: false, applyChecksum: false,
    credentials: creds, sha256: Sha256 });
  const path = `/${bucket}/${encodeURIComponent(key)}`;
  const signed = await signer.sign(new HttpRequest({ method: 'PUT', protocol: url.protocol,
    hostname: url.hostname, port: Number(url.port), path, headers: {
      host: `${url.hostname}:${url.port}`, 'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
      'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': String(data.length),
      'content-length': String(framed) } }));
  const amzDate = signed.headers['x-amz-date'];
  let prev = /Signature=([0-9a-f]{64})/.exec(signed.headers.authorization)[1];
  const day = amzDate.slice(0, 8);
  const scope = `${day}/${REGION}/s3/aws4_request`;
  const key0 = hmac(hmac(hmac(hmac(`AWS4${creds.secretAccessKey}`, day), REGION), 's3'), 'aws4_request');
  const parts = [];
  chunks.forEach((c, i) => {
    const sts = ['AWS4-HMAC-SHA256-PAYLOAD', amzDate, scope, prev, sha256hex(''), sha256hex(c)].join('\n');
    const sig = hmac(key0, sts).toString('hex');
    prev = sig;
    parts.push(Buffer.from(`${c.length.toString(16)};chunk-signature=${tamper(i, sig)}\r\n`), c,
      Buffer.from('\r\n'));
  });
  const body = Buffer.concat(parts);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: Number(url.port), method: 'PUT', path,
      headers: signed.headers, agent: false }, (res) => {
      const out = [];
      res.on('data', (d) => out.push(d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers,
        text: Buffer.concat(out).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The keys under prefix of bucket (one page, up to 1,000). */
export async function listKeys(s3, bucket, prefix) {
  const r = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (r.Contents ?? []).map((o) => o.Key);
}

/** Poll until at least `count` keys are under prefix; on timeout fail with srv's firehose log lines. */
export async function waitForKeys(s3, bucket, prefix, { count = 1, timeoutMs = 15000, srv } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const k = await listKeys(s3, bucket, prefix);
    if (k.length >= count) return k;
    if (Date.now() > deadline) {
      const log = srv ? srv.stderr.split('\n').filter((l) => l.includes('firehose')).join('\n') : '';
      assert.fail(`no ${count} objects under ${prefix} within ${timeoutMs} ms (have ${k.length});\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** An object's bytes. */
export async function objectBytes(s3, bucket, key) {
  const r = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await r.Body.transformToByteArray());
}
