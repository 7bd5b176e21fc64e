// FilterLogEvents through the real SDK: stream selection, time range, paging
// and the filter pattern syntax (terms, phrases, exclusions, optional terms,
// JSON and space-delimited patterns).
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand, FilterLogEventsCommand,
  DescribeLogGroupsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { startServer, expectAwsError, uniq, teardown } from './harness.mjs';

let srv;
let logs;
let g;
const base = Date.now() - 30 * 60_000;

// id -> [stream, message]; timestamps are base + index * 1000, so the
// global order is the order of this list.
const EVENTS = [
  ['app-1', 'ERROR disk full on volume data'],
  ['app-1', 'INFO request served'],
  ['app-2', 'ERROR timeout connecting to db'],
  ['app-1', '{"status": 500, "latency": 250, "method": "GET", "user": null}'],
  ['app-2', '{"status": 200, "latency": 50, "method": "GET"}'],
  ['app-1', '{"status": 500, "latency": 20, "method": "POST", "user": "bob"}'],
  ['web', '10.0.0.1 alice GET /a 503'],
  ['web', '10.0.0.2 bob GET /b 200'],
  ['web', '10.0.0.3 carol POST /c 500'],
];
const ts = (i) => base + i * 1000;

before(async () => {
  srv = await startServer();
  logs = srv.client();
  g = uniq('filter');
  await logs.send(new CreateLogGroupCommand({ logGroupName: g }));
  for (const s of ['app-1', 'app-2', 'web', 'empty']) {
    await logs.send(new CreateLogStreamCommand({ logGroupName: g, logStreamName: s }));
  }
  for (const s of ['app-1', 'app-2', 'web']) {
    const logEvents = EVENTS.map(([st, m], i) => ({ st, timestamp: ts(i), message: m }))
      .filter((e) => e.st === s).map(({ timestamp, message }) => ({ timestamp, message }));
    await logs.send(new PutLogEventsCommand({ logGroupName: g, logStreamName: s, logEvents }));
  }
});
after(() => teardown(srv));

const filter = (input) => logs.send(new FilterLogEventsCommand({ logGroupName: g, ...input }));
/** Indexes into EVENTS of what a filter returned (single page). */
async function ids(input) {
  const out = await filter(input);
  assert.equal(out.nextToken, undefined, `single page expected for ${JSON.stringify(input)}`);
  return out.events.map((e) => EVENTS.findIndex(([, m]) => m === e.message));
}

describe('FilterLogEvents', () => {
  test('no pattern: every event, chronological, with the FilteredLogEvent fields', async () => {
    const before = Date.now();
    const out = await filter({});
    assert.equal(out.nextToken, undefined);
    assert.deepEqual(out.events.map((e) => e.message), EVENTS.map(([, m]) => m));
    const eventIds = new Set();
    for (const [i, e] of out.events.entries()) {
      assert.deepEqual(Object.keys(e).sort(), ['eventId', 'ingestionTime', 'logStreamName', 'message', 'timestamp']);
      assert.equal(e.logStreamName, EVENTS[i][0]);
      assert.equal(e.timestamp, ts(i));
      assert.equal(typeof e.eventId, 'string');
      assert.match(e.eventId, /\S/);
      eventIds.add(e.eventId);
      assert.equal(typeof e.ingestionTime, 'number');
      assert.ok(e.ingestionTime <= before + 1000);
    }
    assert.equal(eventIds.size, EVENTS.length, 'eventIds are unique');
    // API reference: searchedLogStreams "is no longer supported. This parameter returns an empty list."
    assert.deepEqual(out.searchedLogStreams ?? [], []);
  });

  test('logStreamNames and logStreamNamePrefix select streams', async () => {
    assert.deepEqual(await ids({ logStreamNames: ['app-2'] }), [2, 4]);
    assert.deepEqual(await ids({ logStreamNames: ['app-2', 'web'] }), [2, 4, 6, 7, 8]);
    assert.deepEqual(await ids({ logStreamNamePrefix: 'app-' }), [0, 1, 2, 3, 4, 5]);
    assert.deepEqual(await ids({ logStreamNamePrefix: 'we' }), [6, 7, 8]);
    assert.deepEqual(await ids({ logStreamNames: ['empty'] }), []);
  });

  test('logStreamNames together with logStreamNamePrefix -> InvalidParameterException', async () => {
    // API reference: "If you specify a value for both logStreamNames and
    // logStreamNamePrefix, the action returns an InvalidParameterException error."
    await expectAwsError(() => filter({ logStreamNames: ['web'], logStreamNamePrefix: 'w' }),
      'InvalidParameterException');
  });

  test('time range: startTime and endTime are both inclusive', async () => {
    // API reference: startTime "Events with a timestamp before this time are not
    // returned"; endTime "Events with a timestamp later than this time are not returned."
    assert.deepEqual(await ids({ startTime: ts(2), endTime: ts(5) }), [2, 3, 4, 5]);
    assert.deepEqual(await ids({ startTime: ts(7) }), [7, 8]);
    assert.deepEqual(await ids({ endTime: ts(0) }), [0]);
    assert.deepEqual(await ids({ startTime: ts(2), endTime: ts(5), filterPattern: 'ERROR' }), [2]);
  });

  test('limit + nextToken pages through everything exactly once', async () => {
    const seen = [];
    let nextToken;
    let pages = 0;
    do {
      const out = await filter({ limit: 4, nextToken });
      assert.ok(out.events.length <= 4, `page of ${out.events.length} > limit 4`);
      seen.push(...out.events.map((e) => e.message));
      nextToken = out.nextToken;
      pages += 1;
      assert.ok(pages < 20, 'pagination terminates');
    } while (nextToken);
    assert.ok(pages >= 3, `9 events with limit 4 need at least 3 pages, got ${pages}`);
    assert.deepEqual(seen, EVENTS.map(([, m]) => m));
  });

  test('paging keeps the filter, stream selection and time range', async () => {
    const seen = [];
    let nextToken;
    let pages = 0;
    do {
      const out = await filter({ logStreamNamePrefix: 'app-', filterPattern: '{ $.status = 500 }', startTime: ts(1), limit: 1, nextToken });
      seen.push(...out.events.map((e) => e.message));
      nextToken = out.nextToken;
      assert.ok(++pages < 20);
    } while (nextToken);
    assert.deepEqual(seen, [EVENTS[3][1], EVENTS[5][1]]);
  });

  // Filter pattern syntax: "Filter pattern syntax for metric filters, subscription
  // filters, filter log events, and Live Tail" in the CloudWatch Logs user guide.
  test('term: case-sensitive match of a term', async () => {
    assert.deepEqual(await ids({ filterPattern: 'ERROR' }), [0, 2]);
    assert.deepEqual(await ids({ filterPattern: 'error' }), []);
  });

  test('several terms: all must match', async () => {
    assert.deepEqual(await ids({ filterPattern: 'ERROR db' }), [2]);
  });

  test('quoted phrase', async () => {
    assert.deepEqual(await ids({ filterPattern: '"disk full"' }), [0]);
    assert.deepEqual(await ids({ filterPattern: '"full disk"' }), []);
  });

  test('-term excludes', async () => {
    assert.deepEqual(await ids({ filterPattern: 'ERROR -timeout' }), [0]);
  });

  test('?a ?b matches either', async () => {
    assert.deepEqual(await ids({ filterPattern: '?disk ?served' }), [0, 1]);
  });

  test('JSON: { $.status = 500 }', async () => {
    assert.deepEqual(await ids({ filterPattern: '{ $.status = 500 }' }), [3, 5]);
  });

  test('JSON: && with a numeric comparison and a string', async () => {
    assert.deepEqual(await ids({ filterPattern: '{ $.latency > 100 && $.method = "GET" }' }), [3]);
  });

  test('JSON: ||', async () => {
    assert.deepEqual(await ids({ filterPattern: '{ $.status = 200 || $.latency < 30 }' }), [4, 5]);
  });

  test('JSON: wildcard string value', async () => {
    assert.deepEqual(await ids({ filterPattern: '{ $.method = "PO*" }' }), [5]);
  });

  test('JSON: IS NULL', async () => {
    assert.deepEqual(await ids({ filterPattern: '{ $.user IS NULL }' }), [3]);
  });

  test('JSON: NOT EXISTS', async () => {
    assert.deepEqual(await ids({ filterPattern: '{ $.user NOT EXISTS }' }), [4]);
  });

  test('space-delimited: [ip, user, ..., status=5*]', async () => {
    assert.deepEqual(await ids({ filterPattern: '[ip, user, ..., status=5*]' }), [6, 8]);
  });

  test('space-delimited: numeric comparison on a named field', async () => {
    assert.deepEqual(await ids({ filterPattern: '[ip, user, method, path, status >= 500]' }), [6, 8]);
    assert.deepEqual(await ids({ filterPattern: '[ip, user = bob, ...]' }), [7]);
  });

  test('invalid patterns -> InvalidParameterException', async () => {
    for (const p of ['{ $.status = 500', '{ $.status = }', '[ip, user', '{ $.a = 1 && }']) {
      await expectAwsError(() => filter({ filterPattern: p }), 'InvalidParameterException', undefined);
    }
  });

  test('logGroupIdentifier (ARN) instead of logGroupName', async () => {
    const { logGroups } = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: g }));
    const out = await logs.send(new FilterLogEventsCommand({
      logGroupIdentifier: logGroups[0].logGroupArn, filterPattern: 'ERROR',
    }));
    assert.deepEqual(out.events.map((e) => e.message), [EVENTS[0][1], EVENTS[2][1]]);
  });

  test('missing group -> ResourceNotFoundException', async () => {
    await expectAwsError(() => logs.send(new FilterLogEventsCommand({ logGroupName: uniq('nog') })),
      'ResourceNotFoundException', 'The specified log group does not exist.');
  });

  test('limit out of range -> validation error', async () => {
    await expectAwsError(() => filter({ limit: 0 }), 'InvalidParameterException',
      "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: " +
      'Member must have value greater than or equal to 1');
  });
});
