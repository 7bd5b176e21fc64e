// PutRetentionPolicy / DeleteRetentionPolicy and the background retention
// sweep (server started with --sweep-interval 1).
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand, GetLogEventsCommand,
  PutRetentionPolicyCommand, DeleteRetentionPolicyCommand, DescribeLogGroupsCommand,
  FilterLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { startServer, expectAwsError, uniq, sleep, HOUR, DAY, teardown } from './harness.mjs';

let srv;
let logs;
before(async () => {
  srv = await startServer({ sweepInterval: 1 });
  logs = srv.client();
});
after(() => teardown(srv));

const VALID = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

async function retentionOf(name) {
  const { logGroups } = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: name }));
  const g = logGroups.find((x) => x.logGroupName === name);
  assert.ok(g);
  return g.retentionInDays;
}

describe('PutRetentionPolicy / DeleteRetentionPolicy', () => {
  test('every documented value is accepted and shown by DescribeLogGroups', async () => {
    const g = uniq('ret');
    await logs.send(new CreateLogGroupCommand({ logGroupName: g }));
    for (const days of VALID) {
      const out = await logs.send(new PutRetentionPolicyCommand({ logGroupName: g, retentionInDays: days }));
      assert.equal(out.$metadata.httpStatusCode, 200);
      assert.equal(await retentionOf(g), days);
    }
  });

  test('2 days -> InvalidParameterException with the enum message', async () => {
    const g = uniq('ret');
    await logs.send(new CreateLogGroupCommand({ logGroupName: g }));
    await logs.send(new PutRetentionPolicyCommand({ logGroupName: g, retentionInDays: 7 }));
    // Enum of the API reference (Days); AWS's "1 validation error detected" form.
    for (const bad of [2, 0, -1, 4000]) {
      await expectAwsError(() => logs.send(new PutRetentionPolicyCommand({ logGroupName: g, retentionInDays: bad })),
        'InvalidParameterException',
        `1 validation error detected: Value '${bad}' at 'retentionInDays' failed to satisfy constraint: ` +
        'Member must satisfy enum value set: [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]');
    }
    assert.equal(await retentionOf(g), 7, 'a rejected value changes nothing');
  });

  test('DeleteRetentionPolicy removes retentionInDays', async () => {
    const g = uniq('ret');
    await logs.send(new CreateLogGroupCommand({ logGroupName: g }));
    await logs.send(new PutRetentionPolicyCommand({ logGroupName: g, retentionInDays: 14 }));
    const out = await logs.send(new DeleteRetentionPolicyCommand({ logGroupName: g }));
    assert.equal(out.$metadata.httpStatusCode, 200);
    const { logGroups } = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: g }));
    assert.ok(!('retentionInDays' in logGroups[0]));
  });

  test('missing group -> ResourceNotFoundException', async () => {
    await expectAwsError(() => logs.send(new PutRetentionPolicyCommand({ logGroupName: uniq('nog'), retentionInDays: 1 })),
      'ResourceNotFoundException', 'The specified log group does not exist.');
    await expectAwsError(() => logs.send(new DeleteRetentionPolicyCommand({ logGroupName: uniq('nog') })),
      'ResourceNotFoundException', 'The specified log group does not exist.');
  });
});

describe('retention sweep', () => {
  test('events older than the retention disappear; newer ones stay', async () => {
    const g = uniq('sweep');
    await logs.send(new CreateLogGroupCommand({ logGroupName: g }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: g, logStreamName: 's' }));
    const now = Date.now();
    // Put while there is no retention (2-day-old events are then accepted).
    await logs.send(new PutLogEventsCommand({
      logGroupName: g, logStreamName: 's',
      logEvents: [
        { timestamp: now - 2 * DAY, message: 'old-1' },
        { timestamp: now - 2 * DAY + HOUR, message: 'old-2' },
        { timestamp: now - 2 * DAY + 2 * HOUR, message: 'old-3' },
      ],
    }));
    await logs.send(new PutLogEventsCommand({
      logGroupName: g, logStreamName: 's',
      logEvents: [{ timestamp: now - 1000, message: 'fresh' }],
    }));
    const read = async () => (await logs.send(new GetLogEventsCommand({
      logGroupName: g, logStreamName: 's', startFromHead: true,
    }))).events.map((e) => e.message);
    assert.deepEqual(await read(), ['old-1', 'old-2', 'old-3', 'fresh']);

    await logs.send(new PutRetentionPolicyCommand({ logGroupName: g, retentionInDays: 1 }));
    const deadline = Date.now() + 15_000;
    let got;
    for (;;) {
      got = await read();
      if (!got.some((m) => m.startsWith('old-'))) break;
      assert.ok(Date.now() < deadline, `old events still readable 15 s after retention 1 day: ${got}`);
      await sleep(250);
    }
    assert.deepEqual(got, ['fresh']);
    const f = await logs.send(new FilterLogEventsCommand({ logGroupName: g }));
    assert.deepEqual(f.events.map((e) => e.message), ['fresh']);
  });
});
