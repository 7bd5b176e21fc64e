// `sluice produce`: the producer tool. Against a real server: generated
// records and stdin lines are accepted (PutVendedLogEvents) and reach a
// delivery's log group; bad ARNs, log types and keys fail with a clear
// message and exit 1. Against a scripted HTTP server: the requests' shape
// and signature, batching under PutLogEvents' limits (events and bytes),
// one keep-alive connection, ThrottlingException retried with backoff,
// other AWS errors printed and exit 1.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import {
  PutDeliverySourceCommand, PutDeliveryDestinationCommand, CreateDeliveryCommand,
  CreateLogGroupCommand, FilterLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { startServer, teardown, uniq, sleep, makeTempDir, SLUICE_BIN, REGION } from './harness.mjs';

// Keys and endpoints from the environment must not leak into the tool.
const env = Object.fromEntries(Object.entries(process.env)
  .filter(([k]) => !/^AWS_/.test(k)));

/** Run `sluice produce ARGS`; resolves to { code, stdout, stderr }. */
function produce(args, { input } = {}) {
  return new Promise((resolve, reject) => {
    const p = spawn(SLUICE_BIN, ['produce', ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8');
    p.stderr.setEncoding('utf8');
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => p.kill('SIGKILL'), 60000);
    p.on('error', reject);
    p.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
    if (input !== undefined) p.stdin.end(input);
    else p.stdin.end();
  });
}

const VPC_ARN = 'arn:aws:ec2:us-east-1:123456789012:vpc/vpc-0a1b2c3d';
const SENT = (n) => new RegExp(`sent ${n} records \\(\\d+ rec/s\\), rejected 0`);

describe('without a server', () => {
  test('--help exits 0 with the usage', async () => {
    const r = await produce(['--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^usage: sluice produce --resource ARN --log-type TYPE/);
  });

  test('a bad resource ARN: a clear error, exit 1', async () => {
    const r = await produce(['--resource', 'arn:aws:nosuch:us-east-1:123456789012:thing/x',
      '--log-type', 'ACCESS_LOGS', '--dry-run']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /arn:aws:nosuch:us-east-1:123456789012:thing\/x is not the ARN of a resource that vends logs/);
  });

  test('a log type the resource does not vend: exit 1, the ones it does listed', async () => {
    const r = await produce(['--resource', VPC_ARN, '--log-type', 'ACCESS_LOGS', '--dry-run']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /vpc resources of ec2 do not vend ACCESS_LOGS; they vend: VPC_FLOW_LOGS/);
  });

  test('usage errors exit 2', async () => {
    for (const args of [[], ['--log-type', 'X'], ['--resource', VPC_ARN, '--log-type', 'VPC_FLOW_LOGS', '--batch', '10001'],
      ['--resource', VPC_ARN, '--log-type', 'VPC_FLOW_LOGS', '--bogus'],
      ['--resource', 'arn:aws:lambda:us-east-1:123456789012:function:f', '--log-type', 'FUNCTION_LOGS', '--raw']]) {
      const r = await produce(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /^sluice produce: /);
    }
  });

  test('--dry-run: the same seed, the same records; VPC --raw lines are version 2', async () => {
    const args = ['--resource', VPC_ARN, '--log-type', 'VPC_FLOW_LOGS', '--dry-run', '--count', '5', '--seed', '7'];
    const a = await produce(args);
    const b = await produce(args);
    assert.equal(a.code, 0, a.stderr);
    const recs = a.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(recs.length, 5);
    for (const r of recs) {
      assert.equal(r.version, 2);
      assert.equal(r['account-id'], '123456789012');
      assert.match(r['interface-id'], /^eni-[0-9a-f]{17}$/);
      assert.ok(['ACCEPT', 'REJECT'].includes(r.action));
    }
    // Times differ between runs; everything drawn from the seed does not.
    const strip = (s) => s.replace(/"(start|end)":\d+/g, '');
    assert.equal(strip(a.stdout), strip(b.stdout));
    const raw = await produce([...args, '--raw']);
    for (const line of raw.stdout.trim().split('\n')) {
      const f = line.split(' ');
      assert.equal(f.length, 14, line);
      assert.equal(f[0], '2');
      assert.equal(f[13], 'OK');
    }
  });
});

describe('against sluice', () => {
  let srv;
  before(async () => { srv = await startServer({ extraArgs: ['--delivery-flush-seconds', '1'] }); });
  after(() => teardown(srv));
  const base = () => ['--endpoint', srv.endpoint, '--credentials', srv.credentialsFile()];

  test('generated records are accepted; the progress line counts them', async () => {
    const r = await produce([...base(), '--resource', VPC_ARN, '--log-type', 'VPC_FLOW_LOGS',
      '--count', '250', '--batch', '100']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, SENT(250));
  });

  test('--file - sends stdin, one event per non-empty line', async () => {
    const r = await produce([...base(), '--resource', VPC_ARN, '--log-type', 'VPC_FLOW_LOGS', '--file', '-'],
      { input: '2 123456789012 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 40 1 2 ACCEPT OK\n\nsecond line\r\nthird, no newline' });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, SENT(3));
  });

  test('a bad resource ARN: a clear error, exit 1, nothing sent', async () => {
    const r = await produce([...base(), '--resource', 'not-an-arn', '--log-type', 'VPC_FLOW_LOGS']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /not-an-arn is not the ARN of a resource that vends logs/);
    assert.doesNotMatch(r.stderr, /sent \d+ records/);
  });

  test('unknown keys: the AWS error, exit 1', async () => {
    const dir = makeTempDir('sluice-produce-');
    const creds = path.join(dir, 'credentials');
    writeFileSync(creds, '[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI\n');
    try {
      const r = await produce(['--endpoint', srv.endpoint, '--credentials', creds,
        '--resource', VPC_ARN, '--log-type', 'VPC_FLOW_LOGS', '--count', '1']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /PutVendedLogEvents failed: UnrecognizedClientException: /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('records reach a delivery: CloudFront access logs into a log group', async () => {
    const logs = srv.client();
    const acct = srv.adminAccountId;
    const res = `arn:aws:cloudfront::${acct}:distribution/E${uniq('d').replace(/[^A-Za-z0-9]/g, '').toUpperCase().slice(-12)}`;
    const group = uniq('/aws/vendedlogs/produce');
    await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
    const src = (await logs.send(new PutDeliverySourceCommand({ name: uniq('src'), resourceArn: res, logType: 'ACCESS_LOGS' }))).deliverySource;
    const dst = (await logs.send(new PutDeliveryDestinationCommand({ name: uniq('dst'), outputFormat: 'json',
      deliveryDestinationConfiguration: { destinationResourceArn: `arn:aws:logs:${REGION}:${acct}:log-group:${group}` } }))).deliveryDestination;
    await logs.send(new CreateDeliveryCommand({ deliverySourceName: src.name, deliveryDestinationArn: dst.arn }));
    const r = await produce([...base(), '--resource', res, '--log-type', 'ACCESS_LOGS', '--count', '40', '--seed', '3']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, SENT(40));
    let events = [];
    for (let i = 0; i < 100 && events.length < 40; i++) {
      await sleep(200);
      events = (await logs.send(new FilterLogEventsCommand({ logGroupName: group }))).events ?? [];
    }
    assert.equal(events.length, 40, 'every record delivered once');
    const rec = JSON.parse(events[0].message);
    assert.match(rec['c-ip'], /^\d+\.\d+\.\d+\.\d+$/);
    assert.match(rec['sc-status'], /^\d{3}$/);
  });
});

describe('against a scripted endpoint', () => {
  // Answers the queued replies in order (then 200 {}), records what it got.
  let server;
  let port;
  let replies = [];
  let got = [];
  let connections = 0;
  let hangUp = false;   // close each connection shortly after its answer (an idle timeout)
  let dir;
  let creds;
  before(async () => {
    server = http.createServer((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        got.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
        const [status, body] = replies.shift() ?? [200, {}];
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'r' });
        res.end(JSON.stringify(body));
        if (hangUp) setTimeout(() => req.socket.destroy(), 20);
      });
    });
    server.on('connection', () => { connections += 1; });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    port = server.address().port;
    dir = makeTempDir('sluice-produce-');
    creds = path.join(dir, 'credentials');
    writeFileSync(creds, '[other]\naws_access_key_id = AKIDOTHER\naws_secret_access_key = s\n\n'
      + '[p1]\naws_access_key_id = AKIDEXAMPLE1\naws_secret_access_key = secret1\naws_session_token = tok1\n');
  });
  after(async () => {
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });
  const run = (args, opts) => {
    got = [];
    connections = 0;
    return produce(['--endpoint', `http://127.0.0.1:${port}`, '--credentials', creds, '--profile', 'p1',
      '--region', 'eu-west-1', '--resource', VPC_ARN, '--log-type', 'VPC_FLOW_LOGS', ...args], opts);
  };

  test('signed JSON 1.1 PutVendedLogEvents; batches of --batch events on one connection', async () => {
    const r = await run(['--count', '1200', '--batch', '500']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, SENT(1200));
    assert.deepEqual(got.map((g) => g.body.logEvents.length), [500, 500, 200]);
    assert.equal(connections, 1, 'keep-alive');
    const h = got[0].headers;
    assert.equal(h['x-amz-target'], 'Logs_20140328.PutVendedLogEvents');
    assert.equal(h['content-type'], 'application/x-amz-json-1.1');
    assert.equal(h['x-amz-security-token'], 'tok1');
    assert.match(h.authorization, /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE1\/\d{8}\/eu-west-1\/logs\/aws4_request, SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*x-amz-target[a-z0-9;-]*, Signature=[0-9a-f]{64}$/);
    const b = got[0].body;
    assert.equal(b.resourceArn, VPC_ARN);
    assert.equal(b.logType, 'VPC_FLOW_LOGS');
    let prev = 0;
    for (const g of got) {
      for (const e of g.body.logEvents) {
        assert.ok(e.timestamp >= prev, 'events in time order');
        prev = e.timestamp;
        assert.equal(JSON.parse(e.message).end, Math.floor(e.timestamp / 1000), "the record's time is the event's");
      }
    }
  });

  test('batches stay under 1,048,576 bytes counting 26 per event', async () => {
    const line = 'x'.repeat(100000);
    const r = await run(['--file', '-'], { input: `${line}\n`.repeat(25) });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(got.map((g) => g.body.logEvents.length), [10, 10, 5]);
    for (const g of got) {
      const bytes = g.body.logEvents.reduce((n, e) => n + Buffer.byteLength(e.message) + 26, 0);
      assert.ok(bytes <= 1048576, `${bytes} bytes`);
    }
  });

  test('ThrottlingException is retried with backoff; the batch then goes through', async () => {
    replies = [[400, { __type: 'ThrottlingException', message: 'Rate exceeded' }],
      [400, { __type: 'com.amazonaws.logs#ThrottlingException', message: 'Rate exceeded' }]];
    const t0 = Date.now();
    const r = await run(['--count', '10']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(got.length, 3);
    assert.match(r.stderr, /ThrottlingException: Rate exceeded; retrying in \d+ ms/);
    assert.match(r.stderr, SENT(10));
    assert.ok(Date.now() - t0 >= 250, 'backed off');
  });

  test('another AWS error: type and message printed, exit 1', async () => {
    replies = [[400, { __type: 'ResourceNotFoundException', message: 'Cannot access provided service.' }]];
    const r = await run(['--count', '10']);
    assert.equal(r.code, 1);
    assert.equal(got.length, 1, 'not retried');
    assert.match(r.stderr, /PutVendedLogEvents failed: ResourceNotFoundException: Cannot access provided service\./);
  });

  test('a keep-alive connection the endpoint closed is reopened, the batch sent again', async () => {
    hangUp = true;
    try {
      const r = await run(['--count', '4', '--batch', '1', '--rate', '5']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, SENT(4));
      assert.equal(got.length, 4, 'each batch once');
      // Batches 200 ms apart find their connection closed; the last two leave
      // back to back (the final flush), so they may share one.
      assert.ok(connections >= 3, `${connections} connections`);
    } finally {
      hangUp = false;
    }
  });

  test('SIGINT: what is batched is sent, then exit 130', async () => {
    const p = spawn(SLUICE_BIN, ['produce', '--endpoint', `http://127.0.0.1:${port}`, '--credentials', creds,
      '--profile', 'p1', '--resource', VPC_ARN, '--log-type', 'VPC_FLOW_LOGS', '--file', '-'],
    { env, stdio: ['pipe', 'ignore', 'pipe'] });
    got = [];
    let stderr = '';
    p.stderr.on('data', (d) => { stderr += d; });
    p.stdin.write('one\ntwo\n');   // stdin stays open: the tool waits for more
    await sleep(300);
    p.kill('SIGINT');
    const code = await new Promise((r) => p.on('close', r));
    assert.equal(code, 130, stderr);
    assert.match(stderr, SENT(2));
    assert.deepEqual(got.flatMap((g) => g.body.logEvents.map((e) => e.message)), ['one', 'two']);
  });

  test('rejected events are counted from rejectedLogEventsInfo', async () => {
    replies = [[200, { rejectedLogEventsInfo: { tooOldLogEventEndIndex: 2, tooNewLogEventStartIndex: 9 } }]];
    const r = await run(['--count', '10']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /sent 10 records \(\d+ rec\/s\), rejected 3/);
  });
});
