// PutLogEvents through the real SDK: acceptance, batch rules, rejected events.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand, GetLogEventsCommand,
  PutRetentionPolicyCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { startServer, expectAwsError, uniq, HOUR, DAY, teardown } from './harness.mjs';

let srv;
let logs;
before(async () => {
  srv = await startServer();
  logs = srv.client();
});
after(() => teardown(srv));

async function newStream() {
  const g = uniq('pg');
  await logs.send(new CreateLogGroupCommand({ logGroupName: g }));
  await logs.send(new CreateLogStreamCommand({ logGroupName: g, logStreamName: 's' }));
  return g;
}

async function readAll(g) {
  const out = await logs.send(new GetLogEventsCommand({ logGroupName: g, logStreamName: 's', startFromHead: true }));
  return out.events;
}

const put = (g, logEvents, extra = {}) =>
  logs.send(new PutLogEventsCommand({ logGroupName: g, logStreamName: 's', logEvents, ...extra }));

describe('PutLogEvents', () => {
  test('accepts a sorted batch; the events are readable', async () => {
    const g = await newStream();
    const t = Date.now() - 5000;
    const events = [
      { timestamp: t, message: 'one' },
      { timestamp: t, message: 'two (same timestamp)' },
      { timestamp: t + 1, message: 'unicode ✓ ünïcödé' },
    ];
    const before = Date.now();
    const out = await put(g, events);
    const afterT = Date.now();
    assert.equal(out.$metadata.httpStatusCode, 200);
    assert.equal(out.rejectedLogEventsInfo, undefined, 'nothing rejected');
    if (out.nextSequenceToken !== undefined) assert.equal(typeof out.nextSequenceToken, 'string');
    const got = await readAll(g);
    assert.deepEqual(got.map((e) => [e.timestamp, e.message]), events.map((e) => [e.timestamp, e.message]));
    for (const e of got) {
      assert.deepEqual(Object.keys(e).sort(), ['ingestionTime', 'message', 'timestamp']);
      assert.ok(e.ingestionTime >= before - 1000 && e.ingestionTime <= afterT + 1000);
    }
  });

  test('sequenceToken is accepted and ignored', async () => {
    const g = await newStream();
    const t = Date.now();
    await put(g, [{ timestamp: t, message: 'a' }], { sequenceToken: 'bogus-token-0000' });
    await put(g, [{ timestamp: t + 1, message: 'b' }], { sequenceToken: '49590338271490256608559692538361571095921575989136588898' });
    await put(g, [{ timestamp: t + 2, message: 'c' }]);
    assert.deepEqual((await readAll(g)).map((e) => e.message), ['a', 'b', 'c']);
  });

  test('unsorted batch -> InvalidParameterException, nothing stored', async () => {
    const g = await newStream();
    const t = Date.now();
    // Message as pasted from real AWS: dibog/cloudwatch-logback-appender#17,
    // segmentio/ecs-logs#22.
    await expectAwsError(() => put(g, [{ timestamp: t, message: 'late' }, { timestamp: t - 1, message: 'early' }]),
      'InvalidParameterException', 'Log events in a single PutLogEvents request must be in chronological order.');
    assert.deepEqual(await readAll(g), []);
  });

  test('batch spanning more than 24 hours -> InvalidParameterException', async () => {
    const g = await newStream();
    const t = Date.now() - HOUR;
    // Message as pasted from real AWS: aws/amazon-cloudwatch-logs-for-fluent-bit#29,
    // maxbanton/cwh#96.
    await expectAwsError(() => put(g, [{ timestamp: t - DAY - 1000, message: 'a' }, { timestamp: t, message: 'b' }]),
      'InvalidParameterException', 'The batch of log events in a single PutLogEvents request cannot span more than 24 hours.');
    assert.deepEqual(await readAll(g), []);
    // Just under 24 hours is fine.
    await put(g, [{ timestamp: t - DAY + 60_000, message: 'a' }, { timestamp: t, message: 'b' }]);
    assert.equal((await readAll(g)).length, 2);
  });

  test('batch size: 1,048,576 bytes (messages + 26 per event) is the limit', async () => {
    const g = await newStream();
    const t = Date.now();
    // API reference: "The maximum batch size is 1,048,576 bytes. This size is
    // calculated as the sum of all event messages in UTF-8, plus 26 bytes for each log event."
    const big = (len, ch) => ch.repeat(len);
    const mk = (lastLen) => [0, 1, 2, 3].map((i) => ({ timestamp: t, message: big(200_000, 'abcd'[i]) }))
      .concat([{ timestamp: t, message: big(lastLen, 'e') }]);
    // 4 * (200000 + 26) + (248447 + 26) = 1,048,577
    const over = mk(248_447);
    // Message as pasted from real AWS: nhs-england-tools/terraform-aws-opennext#27,
    // cloudstax/firecamp#82 ("Upload too large: N bytes exceeds limit of 1048576").
    await expectAwsError(() => put(g, over), 'InvalidParameterException',
      'Upload too large: 1048577 bytes exceeds limit of 1048576');
    assert.deepEqual(await readAll(g), []);
    const exact = mk(248_446); // 1,048,576
    const out = await put(g, exact);
    assert.equal(out.rejectedLogEventsInfo, undefined);
    const got = await readAll(g);
    assert.equal(got.length, 5);
    assert.equal(got[4].message.length, 248_446);
  });

  test('the size counts UTF-8 bytes, not characters', async () => {
    const g = await newStream();
    const t = Date.now();
    // 'é' is 2 bytes. 4 * (200,000 + 26) + (248,448 + 26) = 1,048,578 bytes > limit,
    // although the character count (about 524,000) is far below it.
    const events = [0, 1, 2, 3].map(() => ({ timestamp: t, message: 'é'.repeat(100_000) }))
      .concat([{ timestamp: t, message: 'é'.repeat(124_224) }]);
    await expectAwsError(() => put(g, events), 'InvalidParameterException',
      'Upload too large: 1048578 bytes exceeds limit of 1048576');
    assert.deepEqual(await readAll(g), []);
  });

  test('more than 10,000 events -> validation error; exactly 10,000 is accepted', async () => {
    const g = await newStream();
    const t = Date.now() - 60_000;
    const many = (n) => Array.from({ length: n }, (_, i) => ({ timestamp: t + Math.floor(i / 1000), message: `m${i}` }));
    // InputLogEvents max 10000 in the service model; AWS's validation message form.
    const err = await expectAwsError(() => put(g, many(10_001)), 'InvalidParameterException',
      /^1 validation error detected: Value /);
    // Whatever AWS prints for the value, the message names the member and the
    // violated constraint.
    assert.match(err.message, /at 'logEvents' failed to satisfy constraint: Member must have length less than or equal to 10000$/,
      `message lacks the constraint: ...${err.message.slice(-120)}`);
    assert.deepEqual(await readAll(g), []);
    await put(g, many(10_000));
    const out = await logs.send(new GetLogEventsCommand({
      logGroupName: g, logStreamName: 's', startFromHead: true, limit: 10_000,
    }));
    assert.equal(out.events.length, 10_000);
    assert.equal(out.events[9_999].message, 'm9999');
  });

  test('empty list -> validation error', async () => {
    const g = await newStream();
    // Message as pasted from real AWS: lazywithclass/winston-cloudwatch issue (aws-sdk
    // "InvalidParameterException: 1 validation error detected: Value '[]' at 'logEvents' ...").
    await expectAwsError(() => put(g, []), 'InvalidParameterException',
      "1 validation error detected: Value '[]' at 'logEvents' failed to satisfy constraint: " +
      'Member must have length greater than or equal to 1');
  });

  test('too old events are rejected (tooOldLogEventEndIndex, exclusive); the rest is stored', async () => {
    const g = await newStream();
    const now = Date.now();
    // API reference: events older than 14 days are rejected; span must stay <= 24h.
    const events = [
      { timestamp: now - 14 * DAY - 20 * HOUR, message: 'old-0' },
      { timestamp: now - 14 * DAY - 19 * HOUR, message: 'old-1' },
      { timestamp: now - 14 * DAY + 1 * HOUR, message: 'ok-2' },
      { timestamp: now - 14 * DAY + 2 * HOUR, message: 'ok-3' },
    ];
    const out = await put(g, events);
    assert.deepEqual(out.rejectedLogEventsInfo, { tooOldLogEventEndIndex: 2 });
    assert.deepEqual((await readAll(g)).map((e) => e.message), ['ok-2', 'ok-3']);
  });

  test('too new events are rejected (tooNewLogEventStartIndex, inclusive); the rest is stored', async () => {
    const g = await newStream();
    const now = Date.now();
    // API reference: events more than 2 hours in the future are rejected.
    const events = [
      { timestamp: now - 1000, message: 'ok-0' },
      { timestamp: now + 1 * HOUR, message: 'ok-1' },
      { timestamp: now + 3 * HOUR, message: 'new-2' },
      { timestamp: now + 4 * HOUR, message: 'new-3' },
    ];
    const out = await put(g, events);
    assert.deepEqual(out.rejectedLogEventsInfo, { tooNewLogEventStartIndex: 2 });
    assert.deepEqual((await readAll(g)).map((e) => e.message), ['ok-0', 'ok-1']);
  });

  test('events older than the retention are expired (expiredLogEventEndIndex)', async () => {
    const g = await newStream();
    await logs.send(new PutRetentionPolicyCommand({ logGroupName: g, retentionInDays: 1 }));
    const now = Date.now();
    const events = [
      { timestamp: now - DAY - 3 * HOUR, message: 'expired-0' },
      { timestamp: now - DAY - 2 * HOUR, message: 'expired-1' },
      { timestamp: now - DAY - 1 * HOUR, message: 'expired-2' },
      { timestamp: now - 5 * HOUR, message: 'ok-3' },
    ];
    const out = await put(g, events);
    assert.deepEqual(out.rejectedLogEventsInfo, { expiredLogEventEndIndex: 3 });
    assert.deepEqual((await readAll(g)).map((e) => e.message), ['ok-3']);
  });

  test('every event rejected is still a 200 with rejectedLogEventsInfo', async () => {
    const g = await newStream();
    const now = Date.now();
    const out = await put(g, [
      { timestamp: now + 3 * HOUR, message: 'n0' },
      { timestamp: now + 4 * HOUR, message: 'n1' },
    ]);
    assert.equal(out.$metadata.httpStatusCode, 200);
    assert.deepEqual(out.rejectedLogEventsInfo, { tooNewLogEventStartIndex: 0 });
    assert.deepEqual(await readAll(g), []);
  });

  test('missing stream / missing group -> ResourceNotFoundException', async () => {
    const g = await newStream();
    const ev = [{ timestamp: Date.now(), message: 'x' }];
    // Messages as pasted from real AWS: mentum/lawgs#11 (stream), osperlabs/logbeam#7 (group).
    await expectAwsError(() => logs.send(new PutLogEventsCommand({ logGroupName: g, logStreamName: 'nope', logEvents: ev })),
      'ResourceNotFoundException', 'The specified log stream does not exist.');
    await expectAwsError(() => logs.send(new PutLogEventsCommand({ logGroupName: uniq('nog'), logStreamName: 's', logEvents: ev })),
      'ResourceNotFoundException', 'The specified log group does not exist.');
  });
});
