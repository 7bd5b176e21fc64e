// Helpers shared by iam.test.mjs and sts.test.mjs: IAM/STS clients for a
// sluice server, and raw signed Query-protocol requests (form body, XML answer).
import { IAMClient } from '@aws-sdk/client-iam';
import { STSClient } from '@aws-sdk/client-sts';
import { SignatureV4 } from '@smithy/signature-v4';
import { HttpRequest } from '@smithy/protocol-http';
import { Sha256 } from '@aws-crypto/sha256-js';
import http from 'node:http';
import { REGION } from './harness.mjs';

export function iamClient(srv, credentials) {
  return new IAMClient({ endpoint: srv.endpoint, region: REGION,
    credentials: credentials ?? srv.credentials(), maxAttempts: 1 });
}

export function stsClient(srv, credentials) {
  return new STSClient({ endpoint: srv.endpoint, region: REGION,
    credentials: credentials ?? srv.credentials(), maxAttempts: 1 });
}

/** Signed POST of a form body (params object) to the Query endpoint of `service`. */
export async function queryRaw(srv, { service = 'iam', params, credentials, headers = {} }) {
  const url = new URL(srv.endpoint);
  const body = new URLSearchParams(params).toString();
  let hdrs = { host: `${url.hostname}:${url.port}`,
    'content-type': 'application/x-www-form-urlencoded', ...headers };
  const signer = new SignatureV4({ service, region: REGION,
    credentials: credentials ?? srv.credentials(), sha256: Sha256 });
  const signed = await signer.sign(new HttpRequest({ method: 'POST', protocol: url.protocol,
    hostname: url.hostname, port: Number(url.port), path: '/', headers: hdrs, body }));
  hdrs = signed.headers;
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: Number(url.port), method: 'POST', path: '/',
      headers: { ...hdrs, 'content-length': Buffer.byteLength(body) }, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers,
        text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Unique IAM-safe names ([\w+=,.@-], <= 64). */
let n = 0;
export function name(prefix = 'n') {
  n += 1;
  return `${prefix}-${process.pid}-${n}`;
}

export const trustFor = (principal) => JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: principal }, Action: 'sts:AssumeRole' }],
});

export const allow = (action, resource = '*') => JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: action, Resource: resource }],
});
