// GetLogEvents through the real SDK: direction, limits, time range, tokens.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand, GetLogEventsCommand,
  DescribeLogGroupsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { startServer, expectAwsError, uniq, teardown } from './harness.mjs';

let srv;
let logs;
let g;
const S = 'stream-25';
const base = Date.now() - 10 * 60_000;
const all = Array.from({ length: 25 }, (_, i) => `e${i}`);

before(async () => {
  srv = await startServer();
  logs = srv.client();
  g = uniq('get');
  await logs.send(new CreateLogGroupCommand({ logGroupName: g }));
  await logs.send(new CreateLogStreamCommand({ logGroupName: g, logStreamName: S }));
  await logs.send(new PutLogEventsCommand({
    logGroupName: g, logStreamName: S,
    logEvents: all.map((m, i) => ({ timestamp: base + i * 1000, message: m })),
  }));
});
after(() => teardown(srv));

const get = (input) => logs.send(new GetLogEventsCommand({ logGroupName: g, logStreamName: S, ...input }));
const msgs = (out) => out.events.map((e) => e.message);

describe('GetLogEvents', () => {
  test('response shape: events + both tokens', async () => {
    const out = await get({ startFromHead: true, limit: 1 });
    assert.deepEqual(Object.keys(out).filter((k) => k !== '$metadata').sort(),
      ['events', 'nextBackwardToken', 'nextForwardToken']);
    assert.equal(typeof out.nextForwardToken, 'string');
    assert.equal(typeof out.nextBackwardToken, 'string');
    assert.deepEqual(Object.keys(out.events[0]).sort(), ['ingestionTime', 'message', 'timestamp']);
    assert.equal(out.events[0].timestamp, base);
    assert.equal(out.events[0].message, 'e0');
  });

  test('no limit returns every event, oldest first, in either direction', async () => {
    assert.deepEqual(msgs(await get({ startFromHead: true })), all);
    // Without startFromHead (default false) the page is still in ascending order.
    assert.deepEqual(msgs(await get({})), all);
  });

  test('startFromHead true + limit 10: forward paging 10, 10, 5, then the same token', async () => {
    const p1 = await get({ startFromHead: true, limit: 10 });
    assert.deepEqual(msgs(p1), all.slice(0, 10));
    const p2 = await get({ startFromHead: true, limit: 10, nextToken: p1.nextForwardToken });
    assert.deepEqual(msgs(p2), all.slice(10, 20));
    const p3 = await get({ startFromHead: true, limit: 10, nextToken: p2.nextForwardToken });
    assert.deepEqual(msgs(p3), all.slice(20, 25));
    const p4 = await get({ startFromHead: true, limit: 10, nextToken: p3.nextForwardToken });
    assert.deepEqual(msgs(p4), []);
    // API reference (GetLogEvents nextForwardToken): "If you have reached the end of
    // the stream, it returns the same token you passed in."
    assert.equal(p4.nextForwardToken, p3.nextForwardToken);
    const p5 = await get({ startFromHead: true, limit: 10, nextToken: p4.nextForwardToken });
    assert.deepEqual(msgs(p5), []);
    assert.equal(p5.nextForwardToken, p3.nextForwardToken);
  });

  test('startFromHead false + limit 10: the newest page first, backward paging 10, 10, 5', async () => {
    const p1 = await get({ limit: 10 });
    assert.deepEqual(msgs(p1), all.slice(15, 25), 'latest 10, ascending within the page');
    const p2 = await get({ limit: 10, nextToken: p1.nextBackwardToken });
    assert.deepEqual(msgs(p2), all.slice(5, 15));
    const p3 = await get({ limit: 10, nextToken: p2.nextBackwardToken });
    assert.deepEqual(msgs(p3), all.slice(0, 5));
    const p4 = await get({ limit: 10, nextToken: p3.nextBackwardToken });
    assert.deepEqual(msgs(p4), []);
    // API reference (nextBackwardToken): "This token is not null. If you have reached
    // the end of the stream, it returns the same token you passed in."
    assert.equal(p4.nextBackwardToken, p3.nextBackwardToken);
  });

  test('tokens turn around: backward from a forward page, forward from a backward page', async () => {
    const p1 = await get({ startFromHead: true, limit: 10 });
    const p2 = await get({ startFromHead: true, limit: 10, nextToken: p1.nextForwardToken });
    const back = await get({ limit: 10, nextToken: p2.nextBackwardToken });
    assert.deepEqual(msgs(back), all.slice(0, 10));

    const b1 = await get({ limit: 10 });                                   // e15..e24
    const b2 = await get({ limit: 10, nextToken: b1.nextBackwardToken });  // e5..e14
    const fwd = await get({ startFromHead: true, limit: 10, nextToken: b2.nextForwardToken });
    assert.deepEqual(msgs(fwd), all.slice(15, 25));
  });

  test('new events appear after the forward token at the end', async () => {
    const g2 = uniq('tail');
    await logs.send(new CreateLogGroupCommand({ logGroupName: g2 }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: g2, logStreamName: 's' }));
    const t = Date.now() - 1000;
    await logs.send(new PutLogEventsCommand({ logGroupName: g2, logStreamName: 's', logEvents: [{ timestamp: t, message: 'one' }] }));
    const r1 = await logs.send(new GetLogEventsCommand({ logGroupName: g2, logStreamName: 's', startFromHead: true }));
    assert.deepEqual(msgs(r1), ['one']);
    await logs.send(new PutLogEventsCommand({ logGroupName: g2, logStreamName: 's', logEvents: [{ timestamp: t + 1, message: 'two' }] }));
    const r2 = await logs.send(new GetLogEventsCommand({
      logGroupName: g2, logStreamName: 's', startFromHead: true, nextToken: r1.nextForwardToken,
    }));
    assert.deepEqual(msgs(r2), ['two']);
  });

  test('startTime is inclusive, endTime exclusive', async () => {
    // API reference: startTime "equal to this time or later ... are included";
    // endTime "equal to or later than this time are not included".
    const out = await get({ startFromHead: true, startTime: base + 5000, endTime: base + 10_000 });
    assert.deepEqual(msgs(out), ['e5', 'e6', 'e7', 'e8', 'e9']);
    assert.deepEqual(msgs(await get({ startFromHead: true, startTime: base + 20_000 })), all.slice(20));
    assert.deepEqual(msgs(await get({ startFromHead: true, endTime: base })), []);
    assert.deepEqual(msgs(await get({ startFromHead: true, endTime: base + 1 })), ['e0']);
  });

  test('time range combines with limit and paging', async () => {
    const p1 = await get({ startFromHead: true, startTime: base + 3000, endTime: base + 9000, limit: 4 });
    assert.deepEqual(msgs(p1), ['e3', 'e4', 'e5', 'e6']);
    const p2 = await get({ startFromHead: true, startTime: base + 3000, endTime: base + 9000, limit: 4, nextToken: p1.nextForwardToken });
    assert.deepEqual(msgs(p2), ['e7', 'e8']);
  });

  test('logGroupIdentifier accepts the name and the ARN', async () => {
    const byName = await logs.send(new GetLogEventsCommand({ logGroupIdentifier: g, logStreamName: S, startFromHead: true }));
    assert.deepEqual(msgs(byName), all);
    const { logGroups } = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: g }));
    const arn = logGroups[0].logGroupArn;
    assert.equal(arn, `arn:aws:logs:us-east-1:${srv.adminAccountId}:log-group:${g}`);
    const byArn = await logs.send(new GetLogEventsCommand({ logGroupIdentifier: arn, logStreamName: S, startFromHead: true, limit: 3 }));
    assert.deepEqual(msgs(byArn), ['e0', 'e1', 'e2']);
  });

  test('logGroupName and logGroupIdentifier together -> InvalidParameterException', async () => {
    // API reference: "You must include either logGroupIdentifier or logGroupName, but not both."
    await expectAwsError(() => logs.send(new GetLogEventsCommand({
      logGroupName: g, logGroupIdentifier: g, logStreamName: S,
    })), 'InvalidParameterException');
  });

  test('limit bounds 1..10000 are validated', async () => {
    // EventsLimit is 1..10000 in the service model; AWS's validation message form.
    await expectAwsError(() => get({ limit: 0 }), 'InvalidParameterException',
      "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: " +
      'Member must have value greater than or equal to 1');
    await expectAwsError(() => get({ limit: 10_001 }), 'InvalidParameterException',
      "1 validation error detected: Value '10001' at 'limit' failed to satisfy constraint: " +
      'Member must have value less than or equal to 10000');
  });

  test('a malformed nextToken is rejected', async () => {
    await expectAwsError(() => get({ nextToken: 'garbage' }), 'InvalidParameterException');
  });

  test('missing stream / group -> ResourceNotFoundException', async () => {
    await expectAwsError(() => logs.send(new GetLogEventsCommand({ logGroupName: g, logStreamName: 'nope' })),
      'ResourceNotFoundException', 'The specified log stream does not exist.');
    await expectAwsError(() => logs.send(new GetLogEventsCommand({ logGroupName: uniq('nog'), logStreamName: S })),
      'ResourceNotFoundException', 'The specified log group does not exist.');
  });
});
