// Helpers of the S3 conformance tests: S3 clients for a sluice server (path
// style, as the CLI and boto3 use against a custom endpoint), a middleware
// that records what the SDK put on the wire, and raw signed S3 requests for
// what the SDK will not send (bad hashes, Expect: 100-continue, ...).
import { S3Client } from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';
import { HttpRequest } from '@smithy/protocol-http';
import { Sha256 } from '@aws-crypto/sha256-js';
import { createHash } from 'node:crypto';
import http from 'node:http';
import { REGION } from './harness.mjs';

export function s3Client(srv, { credentials, ...extra } = {}) {
  return new S3Client({
    endpoint: srv.endpoint, region: REGION, forcePathStyle: true,
    credentials: credentials ?? srv.credentials(), maxAttempts: 1, ...extra,
  });
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
