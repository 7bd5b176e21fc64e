// Enforcement on CloudWatch Logs through the one policy engine, as real
// clients see it: users with narrow policies, explicit denies, conditions,
// AWS managed policies, assumed roles (session token, expiry) and
// cross-account access through the owner's resource policy.
//
// Deny messages: AWS's form, "User: ARN is not authorized to perform: ACTION
// on resource: RESOURCE because no identity-based policy allows the ACTION
// action" (IAM User Guide, "Troubleshooting access denied error messages").
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateLogGroupCommand, DeleteLogGroupCommand, DescribeLogGroupsCommand,
  CreateLogStreamCommand, PutLogEventsCommand, GetLogEventsCommand, DescribeLogStreamsCommand,
  PutResourcePolicyCommand, DeleteResourcePolicyCommand, CloudWatchLogsClient,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateUserCommand, CreateAccessKeyCommand, PutUserPolicyCommand, AttachUserPolicyCommand,
  CreateRoleCommand, PutRolePolicyCommand, GetPolicyCommand,
  SimulateCustomPolicyCommand, SimulatePrincipalPolicyCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { execFileSync } from 'node:child_process';
import { startServer, expectAwsError, teardown, REGION, sleep, uniq, SLUICE_BIN } from './harness.mjs';
import { iamClient, stsClient, name, allow } from './iam-helpers.mjs';

let srv;
let admin;      // CloudWatchLogsClient, admin root
let iam;
let acct;
before(async () => {
  srv = await startServer({ extraArgs: ['--sts-min-duration-seconds', '2'] });
  admin = srv.client();
  iam = iamClient(srv);
  acct = srv.adminAccountId;
});
after(() => teardown(srv));

const logsAs = (credentials) => new CloudWatchLogsClient({
  endpoint: srv.endpoint, region: REGION, credentials, maxAttempts: 1 });

async function userWith(policy) {
  const u = name('u');
  await iam.send(new CreateUserCommand({ UserName: u }));
  if (policy) {
    await iam.send(new PutUserPolicyCommand({ UserName: u, PolicyName: 'p', PolicyDocument: policy }));
  }
  const k = await iam.send(new CreateAccessKeyCommand({ UserName: u }));
  return { user: u, arn: `arn:aws:iam::${acct}:user/${u}`,
    creds: { accessKeyId: k.AccessKey.AccessKeyId, secretAccessKey: k.AccessKey.SecretAccessKey } };
}

const groupArn = (g, a = acct) => `arn:aws:logs:${REGION}:${a}:log-group:${g}`;
const denied = (who, action, resource, why = 'no identity-based policy allows') =>
  `User: ${who} is not authorized to perform: ${action} on resource: ${resource} because ${why} the ${action} action`;

describe('IAM users on CloudWatch Logs', () => {
  test('a user without policies is denied with AWS\'s message', async () => {
    const u = await userWith(null);
    const g = uniq('deny');
    await expectAwsError(() => logsAs(u.creds).send(new CreateLogGroupCommand({ logGroupName: g })),
      'AccessDeniedException', denied(u.arn, 'logs:CreateLogGroup', groupArn(g)));
  });

  test('a narrow policy allows exactly what it names', async () => {
    const u = await userWith(JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: `arn:aws:logs:${REGION}:${acct}:log-group:team-a-*` },
        { Effect: 'Allow', Action: 'logs:DescribeLogGroups', Resource: '*' },
      ],
    }));
    const logs = logsAs(u.creds);
    const g = uniq('team-a');
    await logs.send(new CreateLogGroupCommand({ logGroupName: g }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: g, logStreamName: 's' }));
    await logs.send(new PutLogEventsCommand({ logGroupName: g, logStreamName: 's',
      logEvents: [{ timestamp: Date.now(), message: 'hello' }] }));
    const seen = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: g }));
    assert.deepEqual(seen.logGroups.map((x) => x.logGroupName), [g]);
    // Outside the resource pattern, and actions not granted:
    const other = uniq('team-b');
    await expectAwsError(() => logs.send(new CreateLogGroupCommand({ logGroupName: other })),
      'AccessDeniedException', denied(u.arn, 'logs:CreateLogGroup', groupArn(other)));
    await expectAwsError(() => logs.send(new DeleteLogGroupCommand({ logGroupName: g })),
      'AccessDeniedException', denied(u.arn, 'logs:DeleteLogGroup', groupArn(g)));
    // Stream-level actions are authorized on the stream's ARN.
    await expectAwsError(() => logs.send(new GetLogEventsCommand({ logGroupName: g, logStreamName: 's' })),
      'AccessDeniedException', denied(u.arn, 'logs:GetLogEvents', `${groupArn(g)}:log-stream:s`));
  });

  test('an explicit deny wins over an allow', async () => {
    const u = await userWith(JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 'logs:*', Resource: '*' },
        { Sid: 'NoDeletes', Effect: 'Deny', Action: 'logs:DeleteLogGroup', Resource: '*' },
      ],
    }));
    const logs = logsAs(u.creds);
    const g = uniq('keep');
    await logs.send(new CreateLogGroupCommand({ logGroupName: g }));
    await expectAwsError(() => logs.send(new DeleteLogGroupCommand({ logGroupName: g })),
      'AccessDeniedException',
      `User: ${u.arn} is not authorized to perform: logs:DeleteLogGroup on resource: ${groupArn(g)} with an explicit deny in an identity-based policy`);
  });

  test('conditions: aws:RequestTag and aws:ResourceTag', async () => {
    const u = await userWith(JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 'logs:CreateLogGroup', Resource: '*',
          Condition: { StringEquals: { 'aws:RequestTag/team': 'blue' } } },
        { Effect: 'Allow', Action: 'logs:DeleteLogGroup', Resource: '*',
          Condition: { StringEquals: { 'aws:ResourceTag/team': 'blue' } } },
      ],
    }));
    const logs = logsAs(u.creds);
    const g = uniq('tagged');
    await expectAwsError(() => logs.send(new CreateLogGroupCommand({ logGroupName: g })),
      'AccessDeniedException', denied(u.arn, 'logs:CreateLogGroup', groupArn(g)));
    await expectAwsError(() => logs.send(new CreateLogGroupCommand({ logGroupName: g, tags: { team: 'red' } })),
      'AccessDeniedException');
    await logs.send(new CreateLogGroupCommand({ logGroupName: g, tags: { team: 'blue' } }));
    const red = uniq('red');
    await admin.send(new CreateLogGroupCommand({ logGroupName: red, tags: { team: 'red' } }));
    await expectAwsError(() => logs.send(new DeleteLogGroupCommand({ logGroupName: red })),
      'AccessDeniedException', denied(u.arn, 'logs:DeleteLogGroup', groupArn(red)));
    await logs.send(new DeleteLogGroupCommand({ logGroupName: g }));
  });

  test('AWS managed CloudWatchLogsReadOnlyAccess: reads yes, writes no', async () => {
    const u = await userWith(null);
    await iam.send(new AttachUserPolicyCommand({ UserName: u.user,
      PolicyArn: 'arn:aws:iam::aws:policy/CloudWatchLogsReadOnlyAccess' }));
    const logs = logsAs(u.creds);
    const out = await logs.send(new DescribeLogGroupsCommand({}));
    assert.equal(out.$metadata.httpStatusCode, 200);
    const g = uniq('ro');
    await expectAwsError(() => logs.send(new CreateLogGroupCommand({ logGroupName: g })),
      'AccessDeniedException', denied(u.arn, 'logs:CreateLogGroup', groupArn(g)));
  });
});

describe('IAM actions on AWS managed policies', () => {
  test('reading arn:aws:iam::aws:policy/... needs only an identity-side allow', async () => {
    const arn = 'arn:aws:iam::aws:policy/CloudWatchLogsReadOnlyAccess';
    const none = await userWith(null);
    await expectAwsError(() => iamClient(srv, none.creds).send(new GetPolicyCommand({ PolicyArn: arn })),
      'AccessDenied', `User: ${none.arn} is not authorized to perform: iam:GetPolicy on resource: ${arn} because no identity-based policy allows the iam:GetPolicy action`,
      { status: 403 });
    const reader = await userWith(allow('iam:GetPolicy'));
    const out = await iamClient(srv, reader.creds).send(new GetPolicyCommand({ PolicyArn: arn }));
    assert.equal(out.Policy.Arn, arn);
  });
});

describe('assumed roles', () => {
  test('a session works with its token, is limited by the role policy, and expires', async () => {
    const u = await userWith(allow('sts:AssumeRole'));
    const role = name('r');
    await iam.send(new CreateRoleCommand({ RoleName: role, AssumeRolePolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: u.arn }, Action: 'sts:AssumeRole' }],
    }) }));
    await iam.send(new PutRolePolicyCommand({ RoleName: role, PolicyName: 'read',
      PolicyDocument: allow('logs:DescribeLogGroups') }));
    const out = await stsClient(srv, u.creds).send(new AssumeRoleCommand({
      RoleArn: `arn:aws:iam::${acct}:role/${role}`, RoleSessionName: 'sess', DurationSeconds: 2 }));
    const c = out.Credentials;
    const creds = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
    const logs = logsAs(creds);
    assert.equal((await logs.send(new DescribeLogGroupsCommand({}))).$metadata.httpStatusCode, 200);
    const g = uniq('sess');
    await expectAwsError(() => logs.send(new CreateLogGroupCommand({ logGroupName: g })),
      'AccessDeniedException',
      denied(`arn:aws:sts::${acct}:assumed-role/${role}/sess`, 'logs:CreateLogGroup', groupArn(g)));
    // Without its token the session key is unknown.
    await expectAwsError(() => logsAs({ accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey })
      .send(new DescribeLogGroupsCommand({})), 'UnrecognizedClientException');
    await sleep(2500);
    await expectAwsError(() => logs.send(new DescribeLogGroupsCommand({})),
      'ExpiredTokenException', 'The security token included in the request is expired');
  });
});

describe('cross-account', () => {
  test('account B reaches A\'s group only as far as A\'s resource policy allows', async () => {
    const bobName = name('bob');
    const bob = { id: await srv.accountCreate(bobName) };
    const bobLogs = srv.client({ profile: bobName });
    const g = uniq('shared');
    await admin.send(new CreateLogGroupCommand({ logGroupName: g }));
    await admin.send(new CreateLogStreamCommand({ logGroupName: g, logStreamName: 's' }));
    await admin.send(new PutLogEventsCommand({ logGroupName: g, logStreamName: 's',
      logEvents: [{ timestamp: Date.now(), message: 'for bob' }] }));
    const bobRoot = `arn:aws:iam::${bob.id}:root`;
    const get = () => bobLogs.send(new GetLogEventsCommand({ logGroupIdentifier: groupArn(g), logStreamName: 's' }));
    // By name B only sees its own account; by ARN it is denied.
    await expectAwsError(() => bobLogs.send(new GetLogEventsCommand({ logGroupName: g, logStreamName: 's' })),
      'ResourceNotFoundException', 'The specified log group does not exist.');
    await expectAwsError(get, 'AccessDeniedException',
      denied(bobRoot, 'logs:GetLogEvents', `${groupArn(g)}:log-stream:s`, 'no resource-based policy allows'));
    const pname = uniq('share');
    await admin.send(new PutResourcePolicyCommand({ policyName: pname, policyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: bob.id }, Action: 'logs:GetLogEvents',
        Resource: `${groupArn(g)}:*` }],
    }) }));
    const out = await get();
    assert.deepEqual(out.events.map((e) => e.message), ['for bob']);
    // Only what the policy names:
    await expectAwsError(() => bobLogs.send(new DescribeLogStreamsCommand({ logGroupIdentifier: groupArn(g) })),
      'AccessDeniedException',
      denied(bobRoot, 'logs:DescribeLogStreams', groupArn(g), 'no resource-based policy allows'));
    await admin.send(new DeleteResourcePolicyCommand({ policyName: pname }));
    await expectAwsError(get, 'AccessDeniedException');
  });
});

describe('policy simulation API (the engine behind `sluice policy simulate`)', () => {
  const doc = JSON.stringify({ Version: '2012-10-17', Statement: [
    { Effect: 'Allow', Action: 'logs:*', Resource: '*' },
    { Sid: 'NoDelete', Effect: 'Deny', Action: 'logs:DeleteLogGroup', Resource: '*' },
  ] });

  test('SimulateCustomPolicy: allowed / explicitDeny / implicitDeny per action', async () => {
    const out = await iam.send(new SimulateCustomPolicyCommand({ PolicyInputList: [doc],
      ActionNames: ['logs:CreateLogGroup', 'logs:DeleteLogGroup', 's3:PutObject'],
      ResourceArns: [groupArn('x')] }));
    assert.deepEqual(out.EvaluationResults.map((r) => [r.EvalActionName, r.EvalResourceName, r.EvalDecision]), [
      ['logs:CreateLogGroup', groupArn('x'), 'allowed'],
      ['logs:DeleteLogGroup', groupArn('x'), 'explicitDeny'],
      ['s3:PutObject', groupArn('x'), 'implicitDeny'],
    ]);
    assert.equal(out.EvaluationResults[1].MatchedStatements[0].SourcePolicyId, 'PolicyInputList.1');
  });

  test('SimulatePrincipalPolicy uses the user\'s stored policies and agrees with enforcement', async () => {
    const u = await userWith(doc);
    const out = await iam.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: u.arn,
      ActionNames: ['logs:DeleteLogGroup', 'logs:DescribeLogGroups'] }));
    assert.deepEqual(out.EvaluationResults.map((r) => r.EvalDecision), ['explicitDeny', 'allowed']);
    assert.equal(out.EvaluationResults[0].MatchedStatements[0].SourcePolicyId, 'p');
    const g = uniq('sim');
    await admin.send(new CreateLogGroupCommand({ logGroupName: g }));
    await expectAwsError(() => logsAs(u.creds).send(new DeleteLogGroupCommand({ logGroupName: g })),
      'AccessDeniedException');
    await expectAwsError(() => iam.send(new SimulatePrincipalPolicyCommand({
      PolicySourceArn: `arn:aws:iam::${acct}:user/nobody-here`, ActionNames: ['logs:X'] })),
    'NoSuchEntityException', undefined, { status: 404 });
  });
});

describe('organizations: aws:PrincipalOrgID / aws:PrincipalOrgPaths', () => {
  test('a resource policy for "*" limited to an organization admits its members only', async () => {
    const org = 'o-sluicetest1';
    const mk = (n, extra) => {
      const id = execFileSync(SLUICE_BIN, ['account', 'create', n, '--data', srv.dataDir, ...extra]).toString().trim();
      return { id, logs: srv.client({ profile: n }) };
    };
    const member = mk(name('member'), ['--org', org, '--ou', 'ou-ab12-abcdefgh']);
    const outsider = mk(name('outsider'), []);
    const g = uniq('org');
    await admin.send(new CreateLogGroupCommand({ logGroupName: g }));
    await admin.send(new CreateLogStreamCommand({ logGroupName: g, logStreamName: 's' }));
    const pname = uniq('org');
    await admin.send(new PutResourcePolicyCommand({ policyName: pname, policyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: '*', Action: 'logs:GetLogEvents', Resource: `${groupArn(g)}:*`,
        Condition: { StringEquals: { 'aws:PrincipalOrgID': org },
          'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': [`${org}/*/ou-ab12-abcdefgh/*`] } } }],
    }) }));
    const get = (logs) => logs.send(new GetLogEventsCommand({ logGroupIdentifier: groupArn(g), logStreamName: 's' }));
    assert.equal((await get(member.logs)).$metadata.httpStatusCode, 200);
    await expectAwsError(() => get(outsider.logs), 'AccessDeniedException',
      denied(`arn:aws:iam::${outsider.id}:root`, 'logs:GetLogEvents', `${groupArn(g)}:log-stream:s`,
        'no resource-based policy allows'));
    await admin.send(new DeleteResourcePolicyCommand({ policyName: pname }));
  });
});
