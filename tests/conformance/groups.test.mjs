// CreateLogGroup / DeleteLogGroup / DescribeLogGroups through the real SDK.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateLogGroupCommand, DeleteLogGroupCommand, DescribeLogGroupsCommand,
  PutRetentionPolicyCommand, ListTagsForResourceCommand, CreateLogStreamCommand,
  DescribeLogStreamsCommand, PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { startServer, expectAwsError, uniq, teardown } from './harness.mjs';

let srv;
let logs;
before(async () => {
  srv = await startServer();
  logs = srv.client();
});
after(() => teardown(srv));

const describeOne = async (name) => {
  const out = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: name }));
  return out.logGroups.filter((g) => g.logGroupName === name);
};

describe('CreateLogGroup', () => {
  test('creates a group that DescribeLogGroups shows with AWS field shapes', async () => {
    const name = `/conf/${uniq('create')}`;
    const before = Date.now();
    const out = await logs.send(new CreateLogGroupCommand({ logGroupName: name }));
    const afterT = Date.now();
    assert.equal(out.$metadata.httpStatusCode, 200);
    assert.match(out.$metadata.requestId, /\S/);
    const [g] = await describeOne(name);
    assert.ok(g, 'group is listed');
    assert.equal(g.logGroupName, name);
    assert.equal(typeof g.creationTime, 'number');
    assert.ok(g.creationTime >= before - 1000 && g.creationTime <= afterT + 1000,
      `creationTime ${g.creationTime} is the creation instant in epoch ms`);
    const acct = srv.adminAccountId;
    assert.match(acct, /^\d{12}$/);
    // arn carries a trailing ':*'; logGroupArn does not (API_LogGroup reference:
    // "This version of the ARN includes a trailing :* after the log group name").
    assert.equal(g.arn, `arn:aws:logs:us-east-1:${acct}:log-group:${name}:*`);
    assert.equal(g.logGroupArn, `arn:aws:logs:us-east-1:${acct}:log-group:${name}`);
    assert.equal(g.storedBytes, 0);
    assert.equal(g.metricFilterCount, 0);
    assert.equal(g.logGroupClass, 'STANDARD');
    assert.ok(!('retentionInDays' in g), 'retentionInDays absent when no policy is set');
    assert.ok(!('kmsKeyId' in g), 'kmsKeyId absent when none was given');
  });

  test('tags, kmsKeyId and logGroupClass are kept', async () => {
    const name = uniq('full');
    const kmsKeyId = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    await logs.send(new CreateLogGroupCommand({
      logGroupName: name, kmsKeyId, logGroupClass: 'INFREQUENT_ACCESS',
      tags: { team: 'core', 'cost-center': '42' },
    }));
    const [g] = await describeOne(name);
    assert.equal(g.kmsKeyId, kmsKeyId);
    assert.equal(g.logGroupClass, 'INFREQUENT_ACCESS');
    const tags = await logs.send(new ListTagsForResourceCommand({ resourceArn: g.logGroupArn }));
    assert.deepEqual(tags.tags, { team: 'core', 'cost-center': '42' });
  });

  test('ResourceAlreadyExistsException for a duplicate name', async () => {
    const name = uniq('dup');
    await logs.send(new CreateLogGroupCommand({ logGroupName: name }));
    // Message as pasted from real AWS: grycap/scar#82, aws-robotics/cloudwatchlogs-ros1#1.
    await expectAwsError(() => logs.send(new CreateLogGroupCommand({ logGroupName: name })),
      'ResourceAlreadyExistsException', 'The specified log group already exists');
  });

  test('invalid name -> InvalidParameterException with the validation message', async () => {
    // Pattern from the service model (LogGroupName: [\.\-_/#A-Za-z0-9]+), message
    // in AWS's "1 validation error detected" form.
    await expectAwsError(() => logs.send(new CreateLogGroupCommand({ logGroupName: 'a b' })),
      'InvalidParameterException',
      "1 validation error detected: Value 'a b' at 'logGroupName' failed to satisfy constraint: " +
      'Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+');
    const { logGroups } = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'a' }));
    assert.ok(!logGroups.some((g) => g.logGroupName === 'a b'), 'nothing was created');
  });

  test('name longer than 512 characters is rejected', async () => {
    // LogGroupName max length is 512 in the service model.
    await expectAwsError(
      () => logs.send(new CreateLogGroupCommand({ logGroupName: 'x'.repeat(513) })),
      'InvalidParameterException', /at 'logGroupName' failed to satisfy constraint: Member must have length less than or equal to 512/);
    const ok = 'y'.repeat(512);
    await logs.send(new CreateLogGroupCommand({ logGroupName: ok }));
    assert.equal((await describeOne(ok)).length, 1);
  });

  test('unknown logGroupClass -> InvalidParameterException', async () => {
    // LogGroupClass enum in the service model: STANDARD, INFREQUENT_ACCESS, DELIVERY.
    await expectAwsError(
      () => logs.send(new CreateLogGroupCommand({ logGroupName: uniq('cls'), logGroupClass: 'COLD' })),
      'InvalidParameterException', /at 'logGroupClass' failed to satisfy constraint: Member must satisfy enum value set/);
  });
});

describe('DeleteLogGroup', () => {
  test('deletes the group and its streams', async () => {
    const name = uniq('del');
    await logs.send(new CreateLogGroupCommand({ logGroupName: name }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: name, logStreamName: 's1' }));
    await logs.send(new PutLogEventsCommand({
      logGroupName: name, logStreamName: 's1', logEvents: [{ timestamp: Date.now(), message: 'x' }],
    }));
    const out = await logs.send(new DeleteLogGroupCommand({ logGroupName: name }));
    assert.equal(out.$metadata.httpStatusCode, 200);
    assert.deepEqual(await describeOne(name), []);
    // Re-creating the name gives an empty group: the old streams went with it.
    await logs.send(new CreateLogGroupCommand({ logGroupName: name }));
    const streams = await logs.send(new DescribeLogStreamsCommand({ logGroupName: name }));
    assert.deepEqual(streams.logStreams, []);
  });

  test('ResourceNotFoundException for a missing group', async () => {
    // Message as pasted from real AWS: osperlabs/logbeam#7.
    await expectAwsError(() => logs.send(new DeleteLogGroupCommand({ logGroupName: uniq('nope') })),
      'ResourceNotFoundException', 'The specified log group does not exist.');
  });
});

describe('DescribeLogGroups', () => {
  const base = uniq('page');
  const names = [];
  before(async () => {
    for (let i = 0; i < 7; i++) {
      const n = `${base}/g${i}`;
      names.push(n);
      await logs.send(new CreateLogGroupCommand({ logGroupName: n }));
    }
    await logs.send(new PutRetentionPolicyCommand({ logGroupName: names[3], retentionInDays: 30 }));
  });

  test('logGroupNamePrefix selects by prefix, sorted by name', async () => {
    const out = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: `${base}/` }));
    assert.deepEqual(out.logGroups.map((g) => g.logGroupName), names);
    assert.equal(out.nextToken, undefined, 'no nextToken when everything fits');
    assert.equal(out.logGroups[3].retentionInDays, 30, 'retentionInDays present when set');
    for (const [i, g] of out.logGroups.entries()) {
      if (i !== 3) assert.ok(!('retentionInDays' in g));
    }
  });

  test('limit 3 + nextToken pages through 7 groups (3, 3, 1)', async () => {
    const pages = [];
    let nextToken;
    do {
      const out = await logs.send(new DescribeLogGroupsCommand({
        logGroupNamePrefix: `${base}/`, limit: 3, nextToken,
      }));
      pages.push(out.logGroups.map((g) => g.logGroupName));
      nextToken = out.nextToken;
      if (nextToken !== undefined) assert.equal(typeof nextToken, 'string');
      assert.ok(pages.length < 10, 'pagination terminates');
    } while (nextToken);
    assert.deepEqual(pages, [names.slice(0, 3), names.slice(3, 6), names.slice(6)]);
  });

  test('logGroupNamePattern: case-sensitive substring; only arn, creationTime, logGroupName', async () => {
    // DescribeLogGroups reference (service model doc of logGroupNamePattern): "a
    // case-sensitive substring search ... If you specify logGroupNamePattern in your
    // request, then only arn, creationTime, and logGroupName are included in the response."
    const mid = base.slice(5); // drop the 'page-' so the match is not a prefix match
    const out = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePattern: `${mid}/g4` }));
    assert.equal(out.logGroups.length, 1);
    const [g] = out.logGroups;
    assert.deepEqual(Object.keys(g).sort(), ['arn', 'creationTime', 'logGroupName']);
    assert.equal(g.logGroupName, names[4]);
    assert.equal(g.arn, `arn:aws:logs:us-east-1:${srv.adminAccountId}:log-group:${names[4]}:*`);
    const upper = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePattern: `${mid}/G4` }));
    assert.deepEqual(upper.logGroups, [], 'the match is case-sensitive');
  });

  test('prefix and pattern together -> InvalidParameterException', async () => {
    // Service model: "logGroupNamePrefix and logGroupNamePattern are mutually exclusive."
    await expectAwsError(() => logs.send(new DescribeLogGroupsCommand({
      logGroupNamePrefix: base, logGroupNamePattern: 'g1',
    })), 'InvalidParameterException');
  });

  test('limit 0 and 51 -> validation errors', async () => {
    // DescribeLimit is 1..50 in the service model; AWS's validation message form.
    await expectAwsError(() => logs.send(new DescribeLogGroupsCommand({ limit: 0 })),
      'InvalidParameterException',
      "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: " +
      'Member must have value greater than or equal to 1');
    await expectAwsError(() => logs.send(new DescribeLogGroupsCommand({ limit: 51 })),
      'InvalidParameterException',
      "1 validation error detected: Value '51' at 'limit' failed to satisfy constraint: " +
      'Member must have value less than or equal to 50');
    const ok = await logs.send(new DescribeLogGroupsCommand({ limit: 50 }));
    assert.ok(Array.isArray(ok.logGroups));
  });

  test('a garbage nextToken is rejected', async () => {
    await expectAwsError(() => logs.send(new DescribeLogGroupsCommand({ nextToken: 'not-a-token' })),
      'InvalidParameterException');
  });

  test('an empty result is an empty list', async () => {
    const out = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: uniq('none') }));
    assert.deepEqual(out.logGroups, []);
    assert.equal(out.nextToken, undefined);
  });
});
