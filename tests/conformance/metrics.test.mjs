// GET /metrics (Prometheus text format 0.0.4) and `sluice delivery status`.
// Every request is authenticated, no back doors: unsigned → the 403 any
// unsigned request gets; SigV4 (service logs) → the caller's account's
// deliveries only, once the policy engine allows logs:GetDeliveryStatus on
// "*"; `Authorization: Bearer TOKEN` with `serve --metrics-token TOKEN` →
// every account's (Prometheus); a wrong token → 403. Flush window: 1 s.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SignatureV4 } from '@smithy/signature-v4';
import { HttpRequest } from '@smithy/protocol-http';
import { Sha256 } from '@aws-crypto/sha256-js';
import {
  PutDeliverySourceCommand, PutDeliveryDestinationCommand, CreateDeliveryCommand, CreateLogGroupCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { CreateBucketCommand, DeleteBucketPolicyCommand } from '@aws-sdk/client-s3';
import { startServer, teardown, uniq, REGION, sleep, SLUICE_BIN } from './harness.mjs';
import { clients, userWith, logsCall, bucketName } from './delivery-helpers.mjs';

const TOKEN = `tok-${process.pid}-${Date.now().toString(36)}-Zq9`;
let srv, logs, acct, iam, s3;
let tenant;          // { acct, creds, logs }
let adminDel, tenantDel, adminRes;

// ---- a tiny parser of the text exposition format (0.0.4) ----

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** { families: {name: {type, help, samples: [{labels, value}]}} }; throws on a malformed line. */
function parseExposition(text) {
  assert.ok(text.endsWith('\n'), 'the exposition ends with a newline');
  const families = {};
  const seen = [];            // family names in order of their first sample or comment
  let current = null;
  const family = (name) => {
    if (!families[name]) { families[name] = { type: 'untyped', help: null, samples: [] }; seen.push(name); }
    return families[name];
  };
  for (const line of text.slice(0, -1).split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!m) continue;       // other comments are allowed
      assert.match(m[2], NAME, `metric name in: ${line}`);
      const f = family(m[2]);
      if (m[1] === 'TYPE') {
        assert.ok(['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(m[3]), `type in: ${line}`);
        assert.equal(f.samples.length, 0, `TYPE of ${m[2]} before its samples`);
        assert.equal(f.typed, undefined, `one TYPE line for ${m[2]}`);
        f.typed = true;
        f.type = m[3];
      } else {
        f.help = m[3];
      }
      current = m[2];
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)( -?\d+)?$/.exec(line);
    assert.ok(m, `sample line: ${JSON.stringify(line)}`);
    const labels = {};
    if (m[3] !== undefined && m[3] !== '') {
      let rest = m[3];
      for (;;) {
        const lm = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,?)/.exec(rest);
        assert.ok(lm, `labels of: ${line}`);
        assert.match(lm[1], LABEL);
        assert.equal(labels[lm[1]], undefined, `label ${lm[1]} once`);
        labels[lm[1]] = lm[2].replace(/\\(.)/g, (_, c) => (c === 'n' ? '\n' : c));
        rest = rest.slice(lm[0].length);
        if (!rest) break;
        assert.equal(lm[3], ',', `labels separated by commas: ${line}`);
      }
    }
    const v = m[4];
    const value = v === '+Inf' ? Infinity : v === '-Inf' ? -Infinity : v === 'NaN' ? NaN : Number(v);
    assert.ok(!Number.isNaN(value) || v === 'NaN', `value of: ${line}`);
    const f = family(m[1]);
    // Samples of one family are contiguous.
    assert.ok(current === m[1] || f.samples.length === 0, `samples of ${m[1]} together`);
    current = m[1];
    f.samples.push({ labels, value });
  }
  return { families, order: seen };
}

const DELIVERY_FAMILIES = {
  sluice_delivery_backlog_records: 'gauge',
  sluice_delivery_backlog_bytes: 'gauge',
  sluice_delivery_delivered_records_total: 'counter',
  sluice_delivery_delivered_bytes_total: 'counter',
  sluice_delivery_dropped_records_total: 'counter',
  sluice_delivery_failures_total: 'counter',
  sluice_delivery_failing: 'gauge',
  sluice_delivery_last_success_timestamp_seconds: 'gauge',
};

/** The metrics answer parsed and checked; value(name, id) reads one delivery's sample. */
function metrics(r) {
  assert.equal(r.status, 200, r.text);
  assert.match(r.headers['content-type'], /^text\/plain; version=0\.0\.4/);
  const p = parseExposition(r.text);
  for (const [name, type] of Object.entries(DELIVERY_FAMILIES)) {
    assert.ok(p.families[name], `${name} present`);
    assert.equal(p.families[name].type, type, `${name} is a ${type}`);
    assert.match(p.families[name].help ?? '', /\S/, `${name} has HELP`);
    for (const s of p.families[name].samples) {
      assert.deepEqual(Object.keys(s.labels).sort(), ['account', 'delivery_id'], `${name} labels`);
      assert.match(s.labels.account, /^\d{12}$/);
      assert.match(s.labels.delivery_id, /^[A-Za-z0-9]{16}$/);
    }
  }
  const ids = p.families.sluice_delivery_backlog_records.samples.map((s) => s.labels.delivery_id);
  for (const name of Object.keys(DELIVERY_FAMILIES))
    assert.deepEqual(p.families[name].samples.map((s) => s.labels.delivery_id), ids, `${name}: one sample per delivery`);
  const value = (name, id) => p.families[name].samples.find((s) => s.labels.delivery_id === id)?.value;
  const account = (id) => p.families.sluice_delivery_backlog_records.samples.find((s) => s.labels.delivery_id === id)?.labels.account;
  return { ...p, ids, value, account };
}

// ---- HTTP ----

function get(path, headers = {}, server = srv) {
  const url = new URL(server.endpoint);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: Number(url.port), method: 'GET', path,
      headers: { host: `${url.hostname}:${url.port}`, ...headers }, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers,
        text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function signedGet(path, credentials, { service = 'logs', server = srv } = {}) {
  const url = new URL(server.endpoint);
  const signer = new SignatureV4({ service, region: REGION, credentials, sha256: Sha256 });
  const signed = await signer.sign(new HttpRequest({ method: 'GET', protocol: url.protocol,
    hostname: url.hostname, port: Number(url.port), path, headers: { host: `${url.hostname}:${url.port}` } }));
  return get(path, signed.headers, server);
}

const bearer = (t) => get('/metrics', { authorization: `Bearer ${t}` });

async function until(what, fn, ms = 20000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

function sluice(args, env = {}) {
  return new Promise((resolve) => {
    execFile(SLUICE_BIN, args, { timeout: 30000, env: { ...process.env, ...env } }, (err, stdout, stderr) =>
      resolve({ code: err ? err.code : 0, stdout, stderr }));
  });
}

const dist = (a) => `arn:aws:cloudfront::${a}:distribution/E${Date.now().toString(36).toUpperCase()}${Math.floor(Math.random() * 1e6)}`;
const cf = (i) => JSON.stringify({ date: '2026-12-07', time: `10:00:0${i % 10}`, 'x-edge-location': 'SOF50-P2',
  'c-ip': `192.0.2.${i}`, 'cs-method': 'GET', 'cs(Host)': 'd111111abcdef8.cloudfront.net', 'cs-uri-stem': `/img/${i}.png`,
  'sc-status': 200, 'sc-bytes': 1000 + i });

/** A V2 delivery of a new distribution into a new log group of the account `a`. */
async function delivery(client, a) {
  const res = dist(a);
  const group = uniq('/aws/vendedlogs/met');
  await client.send(new CreateLogGroupCommand({ logGroupName: group }));
  const src = (await client.send(new PutDeliverySourceCommand({ name: uniq('src'), resourceArn: res, logType: 'ACCESS_LOGS' }))).deliverySource;
  const dst = (await client.send(new PutDeliveryDestinationCommand({ name: uniq('dst'), outputFormat: 'json',
    deliveryDestinationConfiguration: { destinationResourceArn: `arn:aws:logs:${REGION}:${a}:log-group:${group}` } }))).deliveryDestination;
  const del = (await client.send(new CreateDeliveryCommand({ deliverySourceName: src.name, deliveryDestinationArn: dst.arn }))).delivery;
  return { id: del.id, res };
}

before(async () => {
  srv = await startServer({ extraArgs: ['--delivery-flush-seconds', '1', '--metrics-token', TOKEN] });
  ({ logs, acct, iam, s3 } = clients(srv));
  const tacct = await srv.accountCreate('tenant');
  tenant = { acct: tacct, creds: srv.credentials('tenant'), logs: srv.client({ profile: 'tenant' }) };
  const a = await delivery(logs, acct);
  adminDel = a.id;
  adminRes = a.res;
  tenantDel = (await delivery(tenant.logs, tenant.acct)).id;
});
after(async () => {
  try {
    assert.ok(!srv.stderr.includes(TOKEN), 'the metrics token is never logged');
  } finally {
    await teardown(srv);
  }
});

test('unsigned GET /metrics: the 403 AccessDenied of any unsigned request', async () => {
  const r = await get('/metrics');
  assert.equal(r.status, 403);
  assert.match(r.text, /<Code>AccessDenied<\/Code>/);
  assert.doesNotMatch(r.text, /sluice_/);
  const other = await get(`/${uniq('nobucket').toLowerCase()}`);
  assert.equal(other.status, 403, 'an unsigned request elsewhere gets the same');
  assert.match(other.text, /<Code>AccessDenied<\/Code>/);
});

test('signed (logs): only the caller account\'s deliveries, and the counters move as records are delivered', async () => {
  const mine = metrics(await signedGet('/metrics', srv.credentials()));
  assert.ok(mine.ids.includes(adminDel), 'the admin delivery is listed');
  assert.ok(!mine.ids.includes(tenantDel), 'the tenant delivery is not');
  assert.ok(mine.ids.every((id) => mine.account(id) === acct), 'every sample is the caller\'s account');
  assert.equal(mine.families.sluice_records_unrouted_total, undefined, 'the server-wide counter is the operator\'s');
  // Before anything was produced: a series from creation on, all zero.
  assert.equal(mine.value('sluice_delivery_delivered_records_total', adminDel), 0);
  assert.equal(mine.value('sluice_delivery_backlog_records', adminDel), 0);
  assert.equal(mine.value('sluice_delivery_failing', adminDel), 0);
  assert.equal(mine.value('sluice_delivery_last_success_timestamp_seconds', adminDel), 0);

  const theirs = metrics(await signedGet('/metrics', tenant.creds));
  assert.deepEqual(theirs.ids, [tenantDel]);
  assert.equal(theirs.account(tenantDel), tenant.acct);

  const before = Date.now() / 1000;
  const p = await logsCall(srv, 'PutVendedLogEvents', { resourceArn: adminRes, logType: 'ACCESS_LOGS',
    logEvents: [1, 2, 3].map((i) => ({ timestamp: Date.now() - 10 + i, message: cf(i) })) });
  assert.equal(p.status, 200, JSON.stringify(p.json));
  const m = await until('delivered_records_total = 3', async () => {
    const x = metrics(await signedGet('/metrics', srv.credentials()));
    return x.value('sluice_delivery_delivered_records_total', adminDel) === 3 ? x : null;
  });
  assert.ok(m.value('sluice_delivery_delivered_bytes_total', adminDel) > 0);
  assert.equal(m.value('sluice_delivery_backlog_records', adminDel), 0);
  assert.equal(m.value('sluice_delivery_backlog_bytes', adminDel), 0);
  assert.equal(m.value('sluice_delivery_failing', adminDel), 0);
  assert.equal(m.value('sluice_delivery_failures_total', adminDel), 0);
  assert.equal(m.value('sluice_delivery_dropped_records_total', adminDel), 0);
  const last = m.value('sluice_delivery_last_success_timestamp_seconds', adminDel);
  assert.ok(last >= before - 1 && last <= Date.now() / 1000 + 1, `last success ${last} is now`);
  // The tenant's view did not change.
  const t2 = metrics(await signedGet('/metrics', tenant.creds));
  assert.equal(t2.value('sluice_delivery_delivered_records_total', tenantDel), 0);
});

test('signed: the policy engine decides (logs:GetDeliveryStatus on "*")', async () => {
  const none = await userWith(iam, []);
  const r = await signedGet('/metrics', none);
  assert.equal(r.status, 403);
  assert.match(r.text, /<Code>AccessDenied<\/Code>/);
  assert.match(r.text, /logs:GetDeliveryStatus/);
  assert.doesNotMatch(r.text, /sluice_delivery/);
  const ok = await userWith(iam, ['logs:GetDeliveryStatus']);
  const m = metrics(await signedGet('/metrics', ok));
  assert.ok(m.ids.includes(adminDel) && !m.ids.includes(tenantDel));
});

test('a bad signature or an unknown key is refused', async () => {
  const c = srv.credentials();
  const bad = await signedGet('/metrics', { ...c, secretAccessKey: `${c.secretAccessKey}x` });
  assert.equal(bad.status, 403);
  assert.match(bad.text, /<Code>SignatureDoesNotMatch<\/Code>/);
  const unknown = await signedGet('/metrics', { accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: 'x' });
  assert.equal(unknown.status, 403);
  assert.match(unknown.text, /<Code>InvalidAccessKeyId<\/Code>/);
});

test('GET /metrics signed for s3 stays S3\'s: the path-style bucket "metrics"', async () => {
  const r = await signedGet('/metrics', srv.credentials(), { service: 's3' });
  assert.equal(r.status, 404, r.text);
  assert.match(r.text, /<Code>NoSuchBucket<\/Code>/);
});

test('bearer token (--metrics-token): every account, and the unrouted records', async () => {
  const unrouted0 = metrics(await bearer(TOKEN)).families.sluice_records_unrouted_total.samples[0].value;
  // Records of a resource without a delivery are counted as unrouted.
  const p = await logsCall(srv, 'PutVendedLogEvents', { resourceArn: dist(acct), logType: 'ACCESS_LOGS',
    logEvents: [{ timestamp: Date.now(), message: cf(7) }, { timestamp: Date.now(), message: cf(8) }] });
  assert.equal(p.status, 200, JSON.stringify(p.json));
  const m = metrics(await bearer(TOKEN));
  assert.ok(m.ids.includes(adminDel) && m.ids.includes(tenantDel), 'both accounts');
  assert.equal(m.account(adminDel), acct);
  assert.equal(m.account(tenantDel), tenant.acct);
  const u = m.families.sluice_records_unrouted_total;
  assert.equal(u.type, 'counter');
  assert.equal(u.samples.length, 1);
  assert.deepEqual(u.samples[0].labels, {});
  assert.equal(u.samples[0].value, unrouted0 + 2);
  // "bearer" is case-insensitive as an auth scheme.
  assert.equal((await get('/metrics', { authorization: `bearer ${TOKEN}` })).status, 200);
});

test('a wrong, empty or prefixed bearer token is refused with 403', async () => {
  for (const t of ['wrong', '', `${TOKEN}x`, TOKEN.slice(0, -1), `x${TOKEN}`]) {
    const r = await bearer(t);
    assert.equal(r.status, 403, `token ${JSON.stringify(t)}`);
    assert.match(r.text, /<Code>AccessDenied<\/Code>/);
    assert.doesNotMatch(r.text, /sluice_/);
  }
});

test('without --metrics-token no bearer token is accepted; an empty one does not start', async () => {
  const other = await startServer({});
  try {
    const url = new URL(other.endpoint);
    for (const t of ['', 'x', TOKEN]) {
      const r = await new Promise((resolve, reject) => {
        http.get({ host: '127.0.0.1', port: Number(url.port), path: '/metrics',
          headers: { authorization: `Bearer ${t}` }, agent: false }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode));
        }).on('error', reject);
      });
      assert.equal(r, 403, `token ${JSON.stringify(t)}`);
    }
    // Signed still works there.
    const s = await signedGet('/metrics', other.credentials(), { server: other });
    assert.equal(s.status, 200);
  } finally {
    await teardown(other);
  }
  const r = await sluice(['serve', '--listen', '127.0.0.1:0', '--data', '/nonexistent/never-created', '--metrics-token', '']);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /metrics-token/);
});

test('--metrics-token-file: the token from a file (kept out of ps); an empty file or both flags do not start', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sluice-token-'));
  try {
    const file = path.join(dir, 'token');
    writeFileSync(file, `${TOKEN}-file\n`);
    const other = await startServer({ extraArgs: ['--metrics-token-file', file] });
    try {
      const r = await get('/metrics', { authorization: `Bearer ${TOKEN}-file` }, other);
      assert.equal(r.status, 200, r.text);
      assert.match(r.text, /sluice_records_unrouted_total/);
      assert.equal((await get('/metrics', { authorization: `Bearer ${TOKEN}` }, other)).status, 403);
    } finally {
      await teardown(other);
    }
    writeFileSync(file, '\n');
    let x = await sluice(['serve', '--listen', '127.0.0.1:0', '--data', '/nonexistent/never-created', '--metrics-token-file', file]);
    assert.equal(x.code, 2, x.stderr);
    assert.match(x.stderr, /no token on its first line/);
    x = await sluice(['serve', '--listen', '127.0.0.1:0', '--data', '/nonexistent/never-created', '--metrics-token-file', path.join(dir, 'missing')]);
    assert.equal(x.code, 2, x.stderr);
    x = await sluice(['serve', '--listen', '127.0.0.1:0', '--data', '/nonexistent/never-created', '--metrics-token', 'a', '--metrics-token-file', file]);
    assert.equal(x.code, 2, x.stderr);
    assert.match(x.stderr, /not both/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sluice delivery status --json lists the account\'s deliveries with their state', async () => {
  // A V1 log delivery too: listed by ListLogDeliveries, and in the metrics.
  const bucket = bucketName('metv1');
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const v1 = await logsCall(srv, 'CreateLogDelivery', { resourceArn: `arn:aws:ec2:${REGION}:${acct}:vpc/vpc-${Date.now().toString(16)}`,
    logType: 'VPC_FLOW_LOGS', destinationArn: `arn:aws:s3:::${bucket}` });
  assert.equal(v1.status, 200, JSON.stringify(v1.json));
  const v1id = v1.json.logDelivery.id;
  const m = metrics(await signedGet('/metrics', srv.credentials()));
  assert.ok(m.ids.includes(v1id), 'the V1 delivery has its series');

  const common = ['--endpoint', srv.endpoint, '--credentials', srv.credentialsFile()];
  const r = await sluice(['delivery', 'status', '--json', ...common]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(out.deliveries.filter((x) => x.id === v1id).map((x) => [x.model, x.deliveryDestinationType, x.state]),
    [['V1', 'S3', 'IDLE']]);
  const d = out.deliveries.find((x) => x.id === adminDel);
  assert.ok(d, r.stdout);
  assert.ok(!out.deliveries.some((x) => x.id === tenantDel), 'only the profile\'s account');
  assert.equal(d.model, 'V2');
  assert.equal(d.deliveryDestinationType, 'CWL');
  assert.equal(d.state, 'IDLE');
  assert.equal(d.backlogRecords, 0);
  assert.equal(d.deliveredRecords, 3);
  assert.equal(typeof d.lastSuccessTime, 'number');

  const t = await sluice(['delivery', 'status', '--json', ...common, '--profile', 'tenant', '--id', tenantDel]);
  assert.equal(t.code, 0, t.stderr);
  assert.deepEqual(JSON.parse(t.stdout).deliveries.map((x) => [x.id, x.model, x.state]), [[tenantDel, 'V2', 'IDLE']]);

  const table = await sluice(['delivery', 'status', ...common]);
  assert.equal(table.code, 0, table.stderr);
  const lines = table.stdout.trim().split('\n');
  assert.match(lines[0], /^ID\s+MODEL\s+DEST\s+STATE\s+BACKLOG\s+DELIVERED\s+LAST ERROR$/);
  const row = lines.find((l) => l.startsWith(adminDel));
  assert.match(row, new RegExp(`^${adminDel}\\s+V2\\s+CWL\\s+IDLE\\s+0\\s+3\\s+-$`));

  // Another account's delivery is not found for this profile.
  const nf = await sluice(['delivery', 'status', ...common, '--id', tenantDel]);
  assert.equal(nf.code, 1);
  assert.match(nf.stderr, /ResourceNotFoundException/);

  const help = await sluice(['delivery', 'status', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^usage: sluice delivery status/);
  const bad = await sluice(['delivery', 'status', '--nope']);
  assert.equal(bad.code, 2);
});

test('a failing delivery: failing 1, failures and backlog in the metrics; FAILING and the error in the status table', async () => {
  const bucket = bucketName('metf');
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const res = dist(acct);
  const src = (await logs.send(new PutDeliverySourceCommand({ name: uniq('src'), resourceArn: res, logType: 'ACCESS_LOGS' }))).deliverySource;
  const dst = (await logs.send(new PutDeliveryDestinationCommand({ name: uniq('dst'), outputFormat: 'json',
    deliveryDestinationConfiguration: { destinationResourceArn: `arn:aws:s3:::${bucket}` } }))).deliveryDestination;
  const id = (await logs.send(new CreateDeliveryCommand({ deliverySourceName: src.name, deliveryDestinationArn: dst.arn }))).delivery.id;
  // Without the automatic bucket policy the delivery principal may not write.
  await s3.send(new DeleteBucketPolicyCommand({ Bucket: bucket }));
  const p = await logsCall(srv, 'PutVendedLogEvents', { resourceArn: res, logType: 'ACCESS_LOGS',
    logEvents: [1, 2].map((i) => ({ timestamp: Date.now() - 10 + i, message: cf(i) })) });
  assert.equal(p.status, 200, JSON.stringify(p.json));
  const m = await until('failing', async () => {
    const x = metrics(await bearer(TOKEN));
    return x.value('sluice_delivery_failing', id) === 1 ? x : null;
  }, 30000);
  assert.ok(m.value('sluice_delivery_failures_total', id) >= 1);
  assert.equal(m.value('sluice_delivery_backlog_records', id), 2);
  assert.ok(m.value('sluice_delivery_backlog_bytes', id) > 0);
  assert.equal(m.value('sluice_delivery_delivered_records_total', id), 0);

  const t = await sluice(['delivery', 'status', '--endpoint', srv.endpoint, '--credentials', srv.credentialsFile(), '--id', id]);
  assert.equal(t.code, 0, t.stderr);
  const row = t.stdout.trim().split('\n')[1];
  assert.match(row, new RegExp(`^${id}\\s+V2\\s+S3\\s+FAILING\\s+2\\s+0\\s+AccessDenied`), row);
  const err = row.slice(row.indexOf('AccessDenied'));
  assert.ok(err.length <= 60, `the last error is shortened: ${err}`);
  assert.ok(!err.includes('\n'));
});
