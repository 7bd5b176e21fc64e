// Durability: what PutLogEvents acknowledged survives kill -9; SIGTERM drains,
// exits 0 and keeps everything.
import { test, before, beforeEach, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand, GetLogEventsCommand,
  DescribeLogGroupsCommand, DescribeLogStreamsCommand, PutRetentionPolicyCommand,
  TagResourceCommand, ListTagsForResourceCommand, PutResourcePolicyCommand,
  DescribeResourcePoliciesCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { startServer, uniq, teardown } from './harness.mjs';

let srv;
before(async () => {
  srv = await startServer();
});
after(() => teardown(srv));
// Each test starts from a running server, whatever the previous one left.
beforeEach(async () => {
  if (srv.exit) await srv.start();
});

async function readAll(logs, g, s) {
  const out = [];
  let nextToken;
  for (let i = 0; i < 100; i++) {
    const r = await logs.send(new GetLogEventsCommand({
      logGroupName: g, logStreamName: s, startFromHead: true, nextToken,
    }));
    out.push(...r.events.map((e) => e.message));
    if (r.nextForwardToken === nextToken) break;
    nextToken = r.nextForwardToken;
  }
  return out;
}

describe('kill -9', () => {
  test('a single acknowledged PutLogEvents survives an immediate kill -9', async () => {
    const logs = srv.client();
    const g = uniq('k9');
    await logs.send(new CreateLogGroupCommand({ logGroupName: g }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: g, logStreamName: 's' }));
    const t = Date.now();
    await logs.send(new PutLogEventsCommand({
      logGroupName: g, logStreamName: 's',
      logEvents: [{ timestamp: t, message: 'acked-1' }, { timestamp: t + 1, message: 'acked-2' }],
    }));
    await srv.kill9();
    assert.equal(srv.exit.signal, 'SIGKILL');
    await srv.start();
    const logs2 = srv.client();
    assert.deepEqual(await readAll(logs2, g, 's'), ['acked-1', 'acked-2']);
    const { logStreams } = await logs2.send(new DescribeLogStreamsCommand({ logGroupName: g }));
    assert.equal(logStreams[0].lastEventTimestamp, t + 1);
  });

  test('concurrent PutLogEvents in flight: every one that got a 200 is there after kill -9', async (ctx) => {
    const logs = srv.client();
    const g = uniq('k9c');
    await logs.send(new CreateLogGroupCommand({ logGroupName: g }));
    const STREAMS = 4;
    const PER_STREAM = 6;
    for (let s = 0; s < STREAMS; s++) {
      await logs.send(new CreateLogStreamCommand({ logGroupName: g, logStreamName: `s${s}` }));
    }
    const acked = new Map(); // stream -> Set(batch ids)
    let killed = false;
    const t = Date.now();
    const calls = [];
    // Each stream gets a chain of sequential batches; the chains run
    // concurrently. The first acknowledgement triggers kill -9 at once, with
    // the other chains' requests in flight.
    for (let s = 0; s < STREAMS; s++) {
      acked.set(`s${s}`, new Set());
      calls.push((async () => {
        for (let b = 0; b < PER_STREAM && !killed; b++) {
          const logEvents = Array.from({ length: 50 }, (_, i) => ({
            timestamp: t + b * 100 + i, message: `s${s}-b${b}-e${i} ${'x'.repeat(200)}`,
          }));
          try {
            await logs.send(new PutLogEventsCommand({ logGroupName: g, logStreamName: `s${s}`, logEvents }));
          } catch {
            return; // cut off by the kill: no promise was made
          }
          acked.get(`s${s}`).add(b);
          if (!killed && s === 0 && b === 2) {
            killed = true;
            srv.proc.kill('SIGKILL');
          }
        }
      })());
    }
    await Promise.all(calls);
    if (!killed) { killed = true; srv.proc.kill('SIGKILL'); }
    await srv.exited;
    const total = [...acked.values()].reduce((n, set) => n + set.size, 0);
    ctx.diagnostic(`acknowledged batches before/around the kill: ${total} of ${STREAMS * PER_STREAM}`);
    assert.ok(total >= 3, `at least the 3 batches before the kill were acknowledged (got ${total})`);

    await srv.start();
    const logs2 = srv.client();
    for (const [stream, batches] of acked) {
      const msgs = new Set(await readAll(logs2, g, stream));
      for (const b of batches) {
        for (let i = 0; i < 50; i++) {
          const m = `${stream}-b${b}-e${i} ${'x'.repeat(200)}`;
          assert.ok(msgs.has(m), `acknowledged event ${stream}-b${b}-e${i} lost after kill -9`);
        }
      }
      // Whatever is there is whole batches of what was sent (no torn or foreign events).
      for (const m of msgs) assert.match(m, new RegExp(`^${stream}-b\\d-e\\d+ x{200}$`));
    }
  });

  test('groups and streams created just before kill -9 survive', async () => {
    const logs = srv.client();
    const g = uniq('k9meta');
    await logs.send(new CreateLogGroupCommand({ logGroupName: g, tags: { keep: 'me' } }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: g, logStreamName: 'fresh' }));
    await srv.kill9();
    await srv.start();
    const logs2 = srv.client();
    const { logGroups } = await logs2.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: g }));
    assert.equal(logGroups.length, 1);
    const { logStreams } = await logs2.send(new DescribeLogStreamsCommand({ logGroupName: g }));
    assert.deepEqual(logStreams.map((s) => s.logStreamName), ['fresh']);
    const tags = await logs2.send(new ListTagsForResourceCommand({ resourceArn: logGroups[0].logGroupArn }));
    assert.deepEqual(tags.tags, { keep: 'me' });
  });
});

describe('SIGTERM', () => {
  test('exits 0 and keeps groups, streams, events, retention, tags and policies', async () => {
    const logs = srv.client();
    const g = uniq('term');
    await logs.send(new CreateLogGroupCommand({ logGroupName: g }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: g, logStreamName: 's' }));
    const t = Date.now() - 1000;
    await logs.send(new PutLogEventsCommand({
      logGroupName: g, logStreamName: 's',
      logEvents: Array.from({ length: 100 }, (_, i) => ({ timestamp: t + i, message: `m${i}` })),
    }));
    await logs.send(new PutRetentionPolicyCommand({ logGroupName: g, retentionInDays: 90 }));
    const { logGroups: [grp] } = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: g }));
    await logs.send(new TagResourceCommand({ resourceArn: grp.logGroupArn, tags: { a: 'b' } }));
    const doc = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'route53.amazonaws.com' }, Action: 'logs:PutLogEvents', Resource: '*' }] });
    await logs.send(new PutResourcePolicyCommand({ policyName: `${g}-pol`, policyDocument: doc }));

    const exit = await srv.terminate();
    await srv.start();
    const logs2 = srv.client();
    const { logGroups } = await logs2.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: g }));
    assert.equal(logGroups.length, 1);
    assert.equal(logGroups[0].retentionInDays, 90);
    assert.equal(logGroups[0].creationTime, grp.creationTime);
    assert.deepEqual(await readAll(logs2, g, 's'), Array.from({ length: 100 }, (_, i) => `m${i}`));
    const tags = await logs2.send(new ListTagsForResourceCommand({ resourceArn: grp.logGroupArn }));
    assert.deepEqual(tags.tags, { a: 'b' });
    const pols = await logs2.send(new DescribeResourcePoliciesCommand({}));
    assert.ok(pols.resourcePolicies.some((p) => p.policyName === `${g}-pol`));
    // The same data dir: no second admin account.
    assert.equal(srv.createdAdmin, false, `no new admin account on restart; stderr: ${srv.stderr}`);
    assert.deepEqual(exit, { code: 0, signal: null }, 'SIGTERM must exit 0');
  });

  test('SIGTERM with requests in flight: exit 0, and every 200 is kept', async (ctx) => {
    const logs = srv.client();
    const g = uniq('drain');
    await logs.send(new CreateLogGroupCommand({ logGroupName: g }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: g, logStreamName: 's' }));
    const t = Date.now() - 1000;
    const acked = [];
    const inflight = Array.from({ length: 8 }, (_, b) => logs.send(new PutLogEventsCommand({
      logGroupName: g, logStreamName: 's',
      logEvents: Array.from({ length: 20 }, (_, i) => ({ timestamp: t + b, message: `b${b}-e${i}` })),
    })).then(() => acked.push(b), () => {}));
    await new Promise((r) => setImmediate(r));
    const exit = await srv.terminate();
    await Promise.all(inflight);
    ctx.diagnostic(`acknowledged during drain: ${acked.length} of 8`);
    await srv.start();
    const msgs = new Set(await readAll(srv.client(), g, 's'));
    for (const b of acked) {
      for (let i = 0; i < 20; i++) assert.ok(msgs.has(`b${b}-e${i}`), `acknowledged b${b}-e${i} lost`);
    }
    assert.deepEqual(exit, { code: 0, signal: null }, 'SIGTERM must exit 0');
  });
});
