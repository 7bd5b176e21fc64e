// CreateLogStream / DeleteLogStream / DescribeLogStreams through the real SDK.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateLogGroupCommand, CreateLogStreamCommand, DeleteLogStreamCommand,
  DescribeLogStreamsCommand, PutLogEventsCommand, DescribeLogGroupsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { startServer, expectAwsError, uniq, teardown } from './harness.mjs';

let srv;
let logs;
before(async () => {
  srv = await startServer();
  logs = srv.client();
});
after(() => teardown(srv));

async function newGroup(prefix = 'sg') {
  const name = uniq(prefix);
  await logs.send(new CreateLogGroupCommand({ logGroupName: name }));
  return name;
}

describe('CreateLogStream', () => {
  test('a new stream has name, creationTime, arn and no event fields', async () => {
    const g = await newGroup();
    const t0 = Date.now();
    const out = await logs.send(new CreateLogStreamCommand({ logGroupName: g, logStreamName: 'app/1' }));
    const t1 = Date.now();
    assert.equal(out.$metadata.httpStatusCode, 200);
    const { logStreams } = await logs.send(new DescribeLogStreamsCommand({ logGroupName: g }));
    assert.equal(logStreams.length, 1);
    const [s] = logStreams;
    assert.equal(s.logStreamName, 'app/1');
    assert.ok(s.creationTime >= t0 - 1000 && s.creationTime <= t1 + 1000);
    assert.equal(s.arn, `arn:aws:logs:us-east-1:${srv.adminAccountId}:log-group:${g}:log-stream:app/1`);
    for (const k of ['firstEventTimestamp', 'lastEventTimestamp', 'lastIngestionTime']) {
      assert.ok(!(k in s), `${k} absent before any event`);
    }
  });

  test('ResourceAlreadyExistsException for a duplicate stream', async () => {
    const g = await newGroup();
    await logs.send(new CreateLogStreamCommand({ logGroupName: g, logStreamName: 's' }));
    // Message as pasted from real AWS: aws-robotics/cloudwatchlogs-ros1#1.
    await expectAwsError(
      () => logs.send(new CreateLogStreamCommand({ logGroupName: g, logStreamName: 's' })),
      'ResourceAlreadyExistsException', 'The specified log stream already exists');
  });

  test('ResourceNotFoundException when the group does not exist', async () => {
    // Message as pasted from real AWS: osperlabs/logbeam#7.
    await expectAwsError(
      () => logs.send(new CreateLogStreamCommand({ logGroupName: uniq('nogroup'), logStreamName: 's' })),
      'ResourceNotFoundException', 'The specified log group does not exist.');
  });

  test("a name with ':' or '*' is invalid", async () => {
    const g = await newGroup();
    // LogStreamName pattern in the service model: [^:*]*
    await expectAwsError(
      () => logs.send(new CreateLogStreamCommand({ logGroupName: g, logStreamName: 'a:b' })),
      'InvalidParameterException',
      "1 validation error detected: Value 'a:b' at 'logStreamName' failed to satisfy constraint: " +
      'Member must satisfy regular expression pattern: [^:*]*');
    await expectAwsError(
      () => logs.send(new CreateLogStreamCommand({ logGroupName: g, logStreamName: 'a*' })),
      'InvalidParameterException', /at 'logStreamName' failed to satisfy constraint/);
    const { logStreams } = await logs.send(new DescribeLogStreamsCommand({ logGroupName: g }));
    assert.deepEqual(logStreams, []);
  });
});

describe('DeleteLogStream', () => {
  test('deletes; a second delete is ResourceNotFoundException', async () => {
    const g = await newGroup();
    await logs.send(new CreateLogStreamCommand({ logGroupName: g, logStreamName: 'gone' }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: g, logStreamName: 'kept' }));
    await logs.send(new DeleteLogStreamCommand({ logGroupName: g, logStreamName: 'gone' }));
    const { logStreams } = await logs.send(new DescribeLogStreamsCommand({ logGroupName: g }));
    assert.deepEqual(logStreams.map((s) => s.logStreamName), ['kept']);
    // Message as pasted from real AWS: mentum/lawgs#11, percona/rds_exporter#81.
    await expectAwsError(
      () => logs.send(new DeleteLogStreamCommand({ logGroupName: g, logStreamName: 'gone' })),
      'ResourceNotFoundException', 'The specified log stream does not exist.');
  });

  test('missing group -> ResourceNotFoundException (log group message)', async () => {
    await expectAwsError(
      () => logs.send(new DeleteLogStreamCommand({ logGroupName: uniq('nogroup'), logStreamName: 's' })),
      'ResourceNotFoundException', 'The specified log group does not exist.');
  });
});

describe('DescribeLogStreams', () => {
  let g;
  const now = Date.now();
  // name -> [first, last] event timestamps
  const plan = {
    alpha: [now - 50_000, now - 40_000],
    bravo: [now - 10_000, now - 1_000],
    charlie: [now - 90_000, now - 80_000],
    'delta-1': [now - 30_000, now - 20_000],
    'delta-2': [now - 70_000, now - 60_000],
  };
  const bytes = {};
  let putStart;
  let putEnd;
  before(async () => {
    g = await newGroup('ds');
    putStart = Date.now();
    for (const [name, [first, last]] of Object.entries(plan)) {
      await logs.send(new CreateLogStreamCommand({ logGroupName: g, logStreamName: name }));
      const msgs = [`first event of ${name}`, `last event of ${name} é`];
      bytes[name] = msgs.reduce((n, m) => n + Buffer.byteLength(m), 0);
      await logs.send(new PutLogEventsCommand({
        logGroupName: g, logStreamName: name,
        logEvents: [{ timestamp: first, message: msgs[0] }, { timestamp: last, message: msgs[1] }],
      }));
    }
    putEnd = Date.now();
  });

  test('default order is by name; event fields are set after PutLogEvents', async () => {
    const { logStreams, nextToken } = await logs.send(new DescribeLogStreamsCommand({ logGroupName: g }));
    assert.equal(nextToken, undefined);
    assert.deepEqual(logStreams.map((s) => s.logStreamName), ['alpha', 'bravo', 'charlie', 'delta-1', 'delta-2']);
    for (const s of logStreams) {
      const [first, last] = plan[s.logStreamName];
      assert.equal(s.firstEventTimestamp, first, `${s.logStreamName} firstEventTimestamp`);
      assert.equal(s.lastEventTimestamp, last, `${s.logStreamName} lastEventTimestamp`);
      assert.equal(typeof s.lastIngestionTime, 'number');
      assert.ok(s.lastIngestionTime >= putStart - 1000 && s.lastIngestionTime <= putEnd + 1000,
        `lastIngestionTime ${s.lastIngestionTime} is when the events arrived`);
      // storedBytes of streams: the API reference says it is deprecated and
      // "reported as zero" for log streams; an exact byte count is tolerated.
      assert.equal(typeof s.storedBytes, 'number');
      assert.ok(s.storedBytes === 0 || s.storedBytes === bytes[s.logStreamName],
        `storedBytes ${s.storedBytes} is 0 (AWS) or the message bytes ${bytes[s.logStreamName]}`);
    }
  });

  test('logStreamNamePrefix', async () => {
    const { logStreams } = await logs.send(new DescribeLogStreamsCommand({
      logGroupName: g, logStreamNamePrefix: 'delta',
    }));
    assert.deepEqual(logStreams.map((s) => s.logStreamName), ['delta-1', 'delta-2']);
  });

  test('descending by name', async () => {
    const { logStreams } = await logs.send(new DescribeLogStreamsCommand({ logGroupName: g, descending: true }));
    assert.deepEqual(logStreams.map((s) => s.logStreamName), ['delta-2', 'delta-1', 'charlie', 'bravo', 'alpha']);
  });

  test('orderBy LastEventTime, ascending and descending', async () => {
    const asc = await logs.send(new DescribeLogStreamsCommand({ logGroupName: g, orderBy: 'LastEventTime' }));
    assert.deepEqual(asc.logStreams.map((s) => s.logStreamName), ['charlie', 'delta-2', 'alpha', 'delta-1', 'bravo']);
    const desc = await logs.send(new DescribeLogStreamsCommand({
      logGroupName: g, orderBy: 'LastEventTime', descending: true,
    }));
    assert.deepEqual(desc.logStreams.map((s) => s.logStreamName), ['bravo', 'delta-1', 'alpha', 'delta-2', 'charlie']);
  });

  test('limit + nextToken pagination (2, 2, 1)', async () => {
    const pages = [];
    let nextToken;
    do {
      const out = await logs.send(new DescribeLogStreamsCommand({ logGroupName: g, limit: 2, nextToken }));
      pages.push(out.logStreams.map((s) => s.logStreamName));
      nextToken = out.nextToken;
      assert.ok(pages.length < 10);
    } while (nextToken);
    assert.deepEqual(pages, [['alpha', 'bravo'], ['charlie', 'delta-1'], ['delta-2']]);
  });

  test('pagination with orderBy LastEventTime descending keeps the order', async () => {
    const names = [];
    let nextToken;
    let n = 0;
    do {
      const out = await logs.send(new DescribeLogStreamsCommand({
        logGroupName: g, orderBy: 'LastEventTime', descending: true, limit: 2, nextToken,
      }));
      assert.ok(out.logStreams.length <= 2);
      names.push(...out.logStreams.map((s) => s.logStreamName));
      nextToken = out.nextToken;
      assert.ok(++n < 10);
    } while (nextToken);
    assert.deepEqual(names, ['bravo', 'delta-1', 'alpha', 'delta-2', 'charlie']);
  });

  test('logGroupIdentifier (ARN) works like logGroupName', async () => {
    const { logGroups } = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: g }));
    const out = await logs.send(new DescribeLogStreamsCommand({
      logGroupIdentifier: logGroups[0].logGroupArn, logStreamNamePrefix: 'alpha',
    }));
    assert.deepEqual(out.logStreams.map((s) => s.logStreamName), ['alpha']);
  });

  test('orderBy LastEventTime with a prefix -> InvalidParameterException', async () => {
    // Message: real AWS error quoted in Action-Llama/action-llama CHANGELOG 0.8.1
    // and turbot/steampipe-plugin-aws#1949; the API reference forbids the combination.
    await expectAwsError(() => logs.send(new DescribeLogStreamsCommand({
      logGroupName: g, orderBy: 'LastEventTime', logStreamNamePrefix: 'a',
    })), 'InvalidParameterException', 'Cannot order by LastEventTime with a logStreamNamePrefix.');
  });

  test('bad orderBy / limit values are validation errors', async () => {
    await expectAwsError(() => logs.send(new DescribeLogStreamsCommand({ logGroupName: g, orderBy: 'Size' })),
      'InvalidParameterException',
      "1 validation error detected: Value 'Size' at 'orderBy' failed to satisfy constraint: " +
      'Member must satisfy enum value set: [LogStreamName, LastEventTime]');
    await expectAwsError(() => logs.send(new DescribeLogStreamsCommand({ logGroupName: g, limit: 51 })),
      'InvalidParameterException',
      "1 validation error detected: Value '51' at 'limit' failed to satisfy constraint: " +
      'Member must have value less than or equal to 50');
  });

  test('missing group -> ResourceNotFoundException', async () => {
    await expectAwsError(() => logs.send(new DescribeLogStreamsCommand({ logGroupName: uniq('nogroup') })),
      'ResourceNotFoundException', 'The specified log group does not exist.');
  });
});
