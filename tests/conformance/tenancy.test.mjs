// Accounts and tenancy: `sluice account create` while the server runs, and
// isolation between accounts. Also x-amzn-RequestId on success and error.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand, GetLogEventsCommand,
  DescribeLogGroupsCommand, FilterLogEventsCommand, DeleteLogGroupCommand, ListTagsForResourceCommand,
  PutResourcePolicyCommand, DescribeResourcePoliciesCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { startServer, expectAwsError, uniq, teardown } from './harness.mjs';

let srv;
let admin;
const G = '/shared/name';
before(async () => {
  srv = await startServer();
  // carol and dave are made while the server is down, so the isolation tests
  // below do not depend on `account create` working next to a live server
  // (that has its own test, with bob).
  await srv.terminate();
  await srv.accountCreate('carol');
  await srv.accountCreate('dave');
  await srv.start();
  admin = srv.client();
  await admin.send(new CreateLogGroupCommand({ logGroupName: G }));
  await admin.send(new CreateLogStreamCommand({ logGroupName: G, logStreamName: 's' }));
  await admin.send(new PutLogEventsCommand({
    logGroupName: G, logStreamName: 's', logEvents: [{ timestamp: Date.now(), message: 'admin secret' }],
  }));
});
after(() => teardown(srv));

describe('accounts', () => {
  test('an account made while the server was down works, and sees nothing of admin', async () => {
    const carol = srv.client({ profile: 'carol' });
    const out = await carol.send(new DescribeLogGroupsCommand({}));
    assert.deepEqual(out.logGroups, []);
    await expectAwsError(() => carol.send(new GetLogEventsCommand({ logGroupName: G, logStreamName: 's' })),
      'ResourceNotFoundException', 'The specified log group does not exist.');
  });

  test('first start wrote [default] and printed the admin account id', async () => {
    assert.match(srv.adminAccountId ?? '', /^\d{12}$/, `stderr: ${srv.stderr}`);
    const p = srv.profiles();
    assert.ok(p.default, 'profile [default]');
    assert.ok(p.default.aws_access_key_id && p.default.aws_secret_access_key);
  });

  test('account create while running: new id, new profile, working keys, isolation', async () => {
    const bobId = await srv.accountCreate('bob');
    assert.match(bobId, /^\d{12}$/);
    assert.notEqual(bobId, srv.adminAccountId);
    const profiles = srv.profiles();
    assert.ok(profiles.bob, 'profile [bob] appended');
    assert.notEqual(profiles.bob.aws_access_key_id, profiles.default.aws_access_key_id);
    assert.ok(profiles.default, 'profile [default] still there');

    const bob = srv.client({ profile: 'bob' });
    const groups = await bob.send(new DescribeLogGroupsCommand({}));
    assert.deepEqual(groups.logGroups, [], "bob sees none of admin's groups");

    await expectAwsError(() => bob.send(new GetLogEventsCommand({ logGroupName: G, logStreamName: 's' })),
      'ResourceNotFoundException', 'The specified log group does not exist.');
    await expectAwsError(() => bob.send(new FilterLogEventsCommand({ logGroupName: G })),
      'ResourceNotFoundException', 'The specified log group does not exist.');
    await expectAwsError(() => bob.send(new PutLogEventsCommand({
      logGroupName: G, logStreamName: 's', logEvents: [{ timestamp: Date.now(), message: 'intrusion' }],
    })), 'ResourceNotFoundException', 'The specified log group does not exist.');
    await expectAwsError(() => bob.send(new DeleteLogGroupCommand({ logGroupName: G })),
      'ResourceNotFoundException', 'The specified log group does not exist.');

    // The same name is free in bob's account, with bob's account id in the ARN.
    await bob.send(new CreateLogGroupCommand({ logGroupName: G }));
    const mine = await bob.send(new DescribeLogGroupsCommand({}));
    assert.deepEqual(mine.logGroups.map((g) => g.logGroupArn), [`arn:aws:logs:us-east-1:${bobId}:log-group:${G}`]);

    // Admin's data is untouched.
    const ev = await admin.send(new GetLogEventsCommand({ logGroupName: G, logStreamName: 's', startFromHead: true }));
    assert.deepEqual(ev.events.map((e) => e.message), ['admin secret']);
    const adminGroups = await admin.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: G }));
    assert.deepEqual(adminGroups.logGroups.map((g) => g.logGroupArn), [`arn:aws:logs:us-east-1:${srv.adminAccountId}:log-group:${G}`]);
  });

  test("an ARN naming another account's group is not reachable", async () => {
    const carol = srv.client({ profile: 'carol' });
    const adminArn = `arn:aws:logs:us-east-1:${srv.adminAccountId}:log-group:${G}`;
    let err;
    try {
      await carol.send(new GetLogEventsCommand({ logGroupIdentifier: adminArn, logStreamName: 's' }));
    } catch (e) { err = e; }
    assert.ok(err, "carol must not read admin's events by ARN");
    assert.ok(['ResourceNotFoundException', 'AccessDeniedException', 'InvalidParameterException'].includes(err.name), err.name);
    let err2;
    try {
      await carol.send(new ListTagsForResourceCommand({ resourceArn: adminArn }));
    } catch (e) { err2 = e; }
    assert.ok(err2, "carol must not list admin's tags");
  });

  test('resource policies are per account', async () => {
    const dave = srv.client({ profile: 'dave' });
    const doc = JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { Service: 'route53.amazonaws.com' }, Action: 'logs:PutLogEvents', Resource: '*' }] });
    await admin.send(new PutResourcePolicyCommand({ policyName: 'admin-only', policyDocument: doc }));
    const d = await dave.send(new DescribeResourcePoliciesCommand({}));
    assert.deepEqual(d.resourcePolicies, []);
  });

  test('an account name that is not a valid profile name is refused', async () => {
    await assert.rejects(srv.accountCreate('bad name]'));
    assert.ok(!Object.keys(srv.profiles()).some((k) => k.includes('bad')));
  });
});

describe('x-amzn-RequestId', () => {
  test('present on success and on error, and distinct', async () => {
    const ok = await admin.send(new DescribeLogGroupsCommand({}));
    assert.match(ok.$metadata.requestId ?? '', /\S/);
    const err = await expectAwsError(() => admin.send(new DeleteLogGroupCommand({ logGroupName: uniq('nog') })),
      'ResourceNotFoundException');
    assert.match(err.$metadata.requestId ?? '', /\S/);
    assert.notEqual(ok.$metadata.requestId, err.$metadata.requestId);
  });
});
