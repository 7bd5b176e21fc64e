// Conformance harness: runs a real `sluice serve` on a free loopback port with
// a fresh temporary data directory and builds real AWS SDK v3 clients for it.
//
//   const srv = await startServer();           // or startServer({ tls: true, ... })
//   const logs = srv.client();                 // profile [default] = admin root keys
//   ...
//   await srv.stop();                          // SIGTERM, asserts exit code 0
//
// Everything talks to 127.0.0.1 only.
import { spawn, execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import net from 'node:net';
import http from 'node:http';
import https from 'node:https';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { SignatureV4 } from '@smithy/signature-v4';
import { HttpRequest } from '@smithy/protocol-http';
import { Sha256 } from '@aws-crypto/sha256-js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const SLUICE_BIN = process.env.SLUICE_BIN || path.resolve(here, '../../build-asan/sluice');
export const REGION = 'us-east-1';
// The aws CLI the CLI tests drive: $AWS_CLI, else Debian's (what CI installs
// with `make test`), else whatever `aws` is on PATH.
export const AWS_CLI = process.env.AWS_CLI || (existsSync('/usr/bin/aws') ? '/usr/bin/aws' : 'aws');
export const TARGET_PREFIX = 'Logs_20140328';

/** false when `aws --version` runs; otherwise the reason to skip CLI tests. */
export const AWS_CLI_SKIP = (() => {
  try {
    execFileSync(AWS_CLI, ['--version'], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 30000 });
    return false;
  } catch {
    return 'aws CLI not installed (`aws --version` failed); the JS SDK tests cover the API';
  }
})();

/**
 * The aws CLI against srv with the repository's models (AWS_DATA_PATH: the
 * delivery API and Sluice's extensions), as `credentials` ({ accessKeyId,
 * secretAccessKey }) or else the data directory's [default] profile; no
 * AWS_* variable of the caller's environment leaks in. Resolves to
 * { code, err, stdout, stderr, json }.
 */
export function awsCli(srv, args, { credentials } = {}) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')));
  const creds = credentials
    ? { AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null' }
    : { AWS_SHARED_CREDENTIALS_FILE: srv.credentialsFile() };
  return new Promise((resolve) => {
    execFile(AWS_CLI, ['--endpoint-url', srv.endpoint, '--output', 'json', ...args], {
      timeout: 60000,
      env: { ...env, ...creds, AWS_DATA_PATH: path.resolve(here, '../../models'), AWS_CONFIG_FILE: '/dev/null',
        AWS_DEFAULT_REGION: REGION, AWS_PAGER: '' },
    }, (err, stdout, stderr) => {
      let json;
      try { json = stdout ? JSON.parse(stdout) : undefined; } catch { json = undefined; }
      resolve({ code: err ? err.code : 0, err, stdout, stderr, json });
    });
  });
}

// Servers still running when the test process exits are killed, so a failing
// test never leaves a sluice behind.
const live = new Set();
process.on('exit', () => {
  for (const p of live) {
    try { p.kill('SIGKILL'); } catch { /* already gone */ }
  }
});

/** A TCP port that was free a moment ago (listen on 0, read it, close). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function canConnect(port) {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    sock.once('connect', () => { sock.destroy(); resolve(true); });
    sock.once('error', () => { sock.destroy(); resolve(false); });
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Tiny INI parser for the AWS shared-credentials format. */
export function parseIni(text) {
  const out = {};
  let section = null;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const sec = /^\[([^\]]+)\]$/.exec(line);
    if (sec) {
      section = sec[1].trim();
      out[section] ??= {};
      continue;
    }
    const eq = line.indexOf('=');
    if (eq < 0 || section === null) continue;
    out[section][line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return out;
}

export function makeTempDir(prefix = 'sluice-conf-') {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

export class Server {
  constructor(opts = {}) {
    this.dataDir = opts.dataDir ?? makeTempDir();
    this.ownsDataDir = opts.dataDir === undefined;
    this.tls = !!opts.tls;
    this.devCredentials = !!opts.devCredentials;
    this.sweepInterval = opts.sweepInterval;
    this.extraArgs = opts.extraArgs ?? [];
    this.proc = null;
    this.port = null;
    this.stderr = '';
    this.exit = null; // { code, signal } once exited
    this.adminAccountId = null;
  }

  get endpoint() {
    return `${this.tls ? 'https' : 'http'}://${this.tls ? 'localhost' : '127.0.0.1'}:${this.port}`;
  }

  async start({ timeoutMs = 20000 } = {}) {
    assert.ok(existsSync(SLUICE_BIN), `sluice binary not found at ${SLUICE_BIN} (set SLUICE_BIN)`);
    this.port = await freePort();
    const args = ['serve', '--listen', `127.0.0.1:${this.port}`, '--data', this.dataDir,
      '--region', REGION];
    if (this.tls) args.push('--tls');
    if (this.devCredentials) args.push('--dev-credentials');
    if (this.sweepInterval !== undefined) args.push('--sweep-interval', String(this.sweepInterval));
    args.push(...this.extraArgs);
    this.exit = null;
    this.stderr = '';
    const proc = spawn(SLUICE_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    live.add(proc);
    proc.stdout.on('data', () => {});
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', (d) => { this.stderr += d; });
    this.exited = new Promise((resolve) => {
      proc.once('exit', (code, signal) => {
        live.delete(proc);
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.exit) {
        throw new Error(`sluice exited during start (${JSON.stringify(this.exit)}):\n${this.stderr}`);
      }
      if (await canConnect(this.port)) break;
      if (Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new Error(`sluice did not accept connections within ${timeoutMs} ms:\n${this.stderr}`);
      }
      await sleep(25);
    }
    // The banner is written around the time the port opens; give the stderr
    // pipe a moment to deliver it (the admin account line comes before it).
    for (let i = 0; i < 40 && !/listening/.test(this.stderr); i++) await sleep(25);
    const m = /created admin account (\d{12})/.exec(this.stderr);
    this.createdAdmin = !!m;
    if (m) this.adminAccountId = m[1];
    return this;
  }

  /** SIGTERM and wait; resolves to { code, signal } without judging it. */
  async terminate({ timeoutMs = 30000 } = {}) {
    if (!this.proc || this.exit) return this.exit;
    this.proc.kill('SIGTERM');
    let timer;
    const res = await Promise.race([
      this.exited,
      new Promise((r) => { timer = setTimeout(() => r(null), timeoutMs); }),
    ]);
    clearTimeout(timer);
    if (!res) {
      this.proc.kill('SIGKILL');
      await this.exited;
      assert.fail(`sluice did not exit within ${timeoutMs} ms of SIGTERM:\n${this.stderr}`);
    }
    return res;
  }

  /** SIGTERM, wait, and assert a clean exit (code 0). */
  async stop(opts) {
    if (!this.proc || this.exit) return this.exit;
    const res = await this.terminate(opts);
    assert.deepEqual(res, { code: 0, signal: null },
      `sluice should exit 0 on SIGTERM; stderr:\n${this.stderr}`);
    return res;
  }

  /** kill -9: no chance to flush anything. */
  async kill9() {
    if (!this.proc || this.exit) return this.exit;
    this.proc.kill('SIGKILL');
    return this.exited;
  }

  /** Stop (SIGTERM) if running, then start again on the same data dir. */
  async restart() {
    if (this.proc && !this.exit) await this.stop();
    return this.start();
  }

  /** Kill any running process and remove the data dir if we made it. */
  async dispose() {
    if (this.proc && !this.exit) {
      this.proc.kill('SIGKILL');
      await this.exited;
    }
    if (this.ownsDataDir) rmSync(this.dataDir, { recursive: true, force: true });
  }

  credentialsFile() {
    return path.join(this.dataDir, 'credentials');
  }

  profiles() {
    return parseIni(readFileSync(this.credentialsFile(), 'utf8'));
  }

  credentials(profile = 'default') {
    const p = this.profiles()[profile];
    assert.ok(p, `profile [${profile}] not in ${this.credentialsFile()}`);
    assert.match(p.aws_access_key_id ?? '', /\S/, `profile [${profile}] has aws_access_key_id`);
    assert.match(p.aws_secret_access_key ?? '', /\S/, `profile [${profile}] has aws_secret_access_key`);
    return { accessKeyId: p.aws_access_key_id, secretAccessKey: p.aws_secret_access_key };
  }

  caPath() {
    return path.join(this.dataDir, 'tls', 'ca.crt');
  }

  requestHandler() {
    if (!this.tls) return undefined;
    // Trust exactly the server's CA; keep hostname verification on.
    const httpsAgent = new https.Agent({ ca: readFileSync(this.caPath()), family: 4, keepAlive: true });
    return new NodeHttpHandler({ httpsAgent });
  }

  /** A CloudWatchLogsClient for a profile of DIR/credentials (or explicit credentials). */
  client({ profile = 'default', credentials, ...extra } = {}) {
    return new CloudWatchLogsClient({
      endpoint: this.endpoint,
      region: REGION,
      credentials: credentials ?? this.credentials(profile),
      maxAttempts: 1,
      requestHandler: this.requestHandler(),
      ...extra,
    });
  }

  /** `sluice account create NAME --data DIR`; resolves to the printed account id. */
  accountCreate(name) {
    return new Promise((resolve, reject) => {
      execFile(SLUICE_BIN, ['account', 'create', name, '--data', this.dataDir],
        { timeout: 20000 }, (err, stdout, stderr) => {
          if (err) return reject(new Error(`account create ${name} failed: ${err.message}\n${stderr}`));
          resolve(stdout.trim());
        });
    });
  }

  /**
   * A raw POST to the endpoint (no SDK). target is the operation name (the
   * X-Amz-Target prefix is added) or null for no X-Amz-Target header.
   * sign: credentials object to SigV4-sign with, or false for none.
   */
  async raw({ target, body = '{}', sign = false, headers = {} }) {
    const url = new URL(this.endpoint);
    let hdrs = {
      host: `${url.hostname}:${url.port}`,
      'content-type': 'application/x-amz-json-1.1',
      ...headers,
    };
    if (target !== null && target !== undefined) hdrs['x-amz-target'] = `${TARGET_PREFIX}.${target}`;
    if (sign) {
      const signer = new SignatureV4({ service: 'logs', region: REGION, credentials: sign, sha256: Sha256 });
      const req = new HttpRequest({
        method: 'POST', protocol: url.protocol, hostname: url.hostname, port: Number(url.port),
        path: '/', headers: hdrs, body,
      });
      const signed = await signer.sign(req);
      hdrs = signed.headers;
    }
    return rawPost(url, hdrs, body, this.tls ? readFileSync(this.caPath()) : undefined);
  }
}

function rawPost(url, headers, body, ca) {
  const mod = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request({
      host: '127.0.0.1', port: Number(url.port), method: 'POST', path: '/',
      headers: { ...headers, 'content-length': Buffer.byteLength(body) },
      servername: url.hostname === '127.0.0.1' ? undefined : url.hostname,
      ca, agent: false,
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json;
        try { json = JSON.parse(text); } catch { json = undefined; }
        resolve({ status: res.statusCode, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Stop every server (SIGTERM, asserting exit 0) and remove its data dir, even
 * when one of them fails; then report the first failure. A failed stop must
 * not leave another server running (its child handle would keep the test
 * process alive).
 */
export async function teardown(...servers) {
  let first;
  for (const s of servers) {
    if (!s) continue;
    try {
      await s.stop();
    } catch (e) {
      first ??= e;
    } finally {
      await s.dispose();
    }
  }
  if (first) throw first;
}

export async function startServer(opts) {
  const s = new Server(opts);
  await s.start();
  return s;
}

/**
 * Run fn, which must reject with an AWS error; check its name (and message
 * when given: a string for equality, a RegExp to match) and HTTP 400.
 * Returns the error for further checks.
 */
export async function expectAwsError(fn, name, message, { status = 400 } = {}) {
  let err;
  try {
    await fn();
  } catch (e) {
    err = e;
  }
  assert.ok(err, `expected ${name}, but the call succeeded`);
  assert.equal(err.name, name, `error name (message: ${err.message})`);
  assert.equal(err.$metadata?.httpStatusCode, status, `HTTP status of ${name}`);
  assert.equal(typeof err.message, 'string');
  if (typeof message === 'string') assert.equal(err.message, message);
  else if (message instanceof RegExp) assert.match(err.message, message);
  assert.match(err.$metadata?.requestId ?? '', /\S/, 'error responses carry x-amzn-RequestId');
  return err;
}

/** Unique names so tests in one file do not collide. */
let seq = 0;
export function uniq(prefix = 'conf') {
  seq += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${seq}`;
}

export const HOUR = 3600 * 1000;
export const DAY = 24 * HOUR;
