// STS through the real AWS SDK (@aws-sdk/client-sts): GetCallerIdentity for
// root, users and assumed roles; AssumeRole with the trust policy evaluated
// by the policy engine; session credentials (X-Amz-Security-Token) on STS,
// IAM and CloudWatch Logs; expiry; Organizations membership of accounts.
// Messages: "The requested DurationSeconds exceeds the MaxSessionDuration set
// for this role." and "Roles may not be assumed by root accounts." are real
// AWS STS answers (widely quoted, e.g. aws/aws-cli and terraform-provider-aws
// issues); "The security token included in the request is expired" is AWS's
// ExpiredToken / ExpiredTokenException text (STS API reference, CloudWatch
// Logs common errors).
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import {
  CreateUserCommand, CreateAccessKeyCommand, CreateRoleCommand, DeleteRoleCommand,
  PutUserPolicyCommand, PutRolePolicyCommand, ListUsersCommand, DeleteRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { DescribeLogGroupsCommand, CreateLogGroupCommand } from '@aws-sdk/client-cloudwatch-logs';
import { startServer, expectAwsError, teardown, sleep, SLUICE_BIN, uniq } from './harness.mjs';
import { iamClient, stsClient, queryRaw, name, trustFor, allow } from './iam-helpers.mjs';

let srv;
let iam;
let acct;
let alice;        // a user with keys
let aliceCreds;
before(async () => {
  // Test-only flag: sessions as short as 2 s, so expiry can be watched.
  srv = await startServer({ extraArgs: ['--sts-min-duration-seconds', '2'] });
  iam = iamClient(srv);
  acct = (await stsClient(srv).send(new GetCallerIdentityCommand({}))).Account;
  const u = name('alice');
  alice = (await iam.send(new CreateUserCommand({ UserName: u }))).User;
  const k = (await iam.send(new CreateAccessKeyCommand({ UserName: u }))).AccessKey;
  aliceCreds = { accessKeyId: k.AccessKeyId, secretAccessKey: k.SecretAccessKey };
});
after(() => teardown(srv));

async function roleTrusting(principal, { max, logs = true } = {}) {
  const r = name('role');
  const role = (await iam.send(new CreateRoleCommand({ RoleName: r, AssumeRolePolicyDocument: trustFor(principal),
    MaxSessionDuration: max }))).Role;
  if (logs) await iam.send(new PutRolePolicyCommand({ RoleName: r, PolicyName: 'logs', PolicyDocument: allow('logs:*') }));
  return role;
}

const sessionCreds = (c) => ({ accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken });

describe('GetCallerIdentity', () => {
  test('root, user', async () => {
    const root = await stsClient(srv).send(new GetCallerIdentityCommand({}));
    assert.deepEqual({ UserId: root.UserId, Account: root.Account, Arn: root.Arn },
      { UserId: acct, Account: acct, Arn: `arn:aws:iam::${acct}:root` });
    const me = await stsClient(srv, aliceCreds).send(new GetCallerIdentityCommand({}));
    assert.deepEqual({ UserId: me.UserId, Account: me.Account, Arn: me.Arn },
      { UserId: alice.UserId, Account: acct, Arn: alice.Arn });
  });

  test('the XML answer', async () => {
    const res = await queryRaw(srv, { service: 'sts', params: { Action: 'GetCallerIdentity', Version: '2011-06-15' } });
    assert.equal(res.status, 200);
    assert.match(res.text, new RegExp(`^<GetCallerIdentityResponse xmlns="https://sts\\.amazonaws\\.com/doc/2011-06-15/"><GetCallerIdentityResult><UserId>${acct}</UserId><Account>${acct}</Account><Arn>arn:aws:iam::${acct}:root</Arn></GetCallerIdentityResult><ResponseMetadata><RequestId>`));
  });
});

describe('AssumeRole', () => {
  test('a trusted user assumes the role; the session works on STS, IAM and CloudWatch Logs', async () => {
    const role = await roleTrusting(alice.Arn);
    const out = await stsClient(srv, aliceCreds).send(new AssumeRoleCommand({ RoleArn: role.Arn, RoleSessionName: 'sess-1' }));
    const c = out.Credentials;
    assert.match(c.AccessKeyId, /^ASIA[A-Z2-7]{16}$/);
    assert.equal(c.SecretAccessKey.length, 40);
    assert.match(c.SessionToken, /\S{40,}/);
    assert.ok(c.Expiration instanceof Date);
    // Default duration: one hour.
    assert.ok(Math.abs(c.Expiration.getTime() - (Date.now() + 3600_000)) < 60_000, String(c.Expiration));
    assert.equal(out.AssumedRoleUser.AssumedRoleId, `${role.RoleId}:sess-1`);
    assert.equal(out.AssumedRoleUser.Arn, `arn:aws:sts::${acct}:assumed-role/${role.RoleName}/sess-1`);

    const who = await stsClient(srv, sessionCreds(c)).send(new GetCallerIdentityCommand({}));
    assert.equal(who.Arn, out.AssumedRoleUser.Arn);
    assert.equal(who.UserId, `${role.RoleId}:sess-1`);
    assert.equal(who.Account, acct);
    const logs = srv.client({ credentials: sessionCreds(c) });
    await logs.send(new CreateLogGroupCommand({ logGroupName: uniq('assumed') }));
    assert.ok(Array.isArray((await logs.send(new DescribeLogGroupsCommand({}))).logGroups));
  });

  test('DurationSeconds: bounded by MaxSessionDuration; role chaining by one hour', async () => {
    const role = await roleTrusting(alice.Arn, { max: 7200 });
    const sts = stsClient(srv, aliceCreds);
    const ok = await sts.send(new AssumeRoleCommand({ RoleArn: role.Arn, RoleSessionName: 'ss', DurationSeconds: 7200 }));
    assert.ok(Math.abs(ok.Credentials.Expiration.getTime() - (Date.now() + 7200_000)) < 60_000);
    await expectAwsError(() => sts.send(new AssumeRoleCommand({ RoleArn: role.Arn, RoleSessionName: 'ss', DurationSeconds: 7201 })),
      'ValidationError', 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
    await expectAwsError(() => sts.send(new AssumeRoleCommand({ RoleArn: role.Arn, RoleSessionName: 'ss', DurationSeconds: 43201 })),
      'ValidationError', /at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200/);
    // Chaining: a session assuming a role gets one hour at most.
    const role2 = await roleTrusting(role.Arn, { max: 7200 });
    await expectAwsError(() => stsClient(srv, sessionCreds(ok.Credentials)).send(
      new AssumeRoleCommand({ RoleArn: role2.Arn, RoleSessionName: 'cc', DurationSeconds: 7200 })),
    'ValidationError', 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.');
    const chained = await stsClient(srv, sessionCreds(ok.Credentials)).send(
      new AssumeRoleCommand({ RoleArn: role2.Arn, RoleSessionName: 'cc' }));
    assert.equal(chained.AssumedRoleUser.Arn, `arn:aws:sts::${acct}:assumed-role/${role2.RoleName}/cc`);
  });

  test('denied: untrusted user, missing role, root', async () => {
    const role = await roleTrusting(`arn:aws:iam::${acct}:user/somebody-else`);
    const sts = stsClient(srv, aliceCreds);
    const err = await expectAwsError(() => sts.send(new AssumeRoleCommand({ RoleArn: role.Arn, RoleSessionName: 'ss' })),
      'AccessDenied', undefined, { status: 403 });
    assert.ok(err.message.startsWith(`User: ${alice.Arn} is not authorized to perform: sts:AssumeRole on resource: ${role.Arn}`), err.message);
    const missing = `arn:aws:iam::${acct}:role/does-not-exist`;
    const e2 = await expectAwsError(() => sts.send(new AssumeRoleCommand({ RoleArn: missing, RoleSessionName: 'ss' })),
      'AccessDenied', undefined, { status: 403 });
    assert.ok(e2.message.startsWith(`User: ${alice.Arn} is not authorized to perform: sts:AssumeRole on resource: ${missing}`), e2.message);
    const trusted = await roleTrusting(alice.Arn);
    await expectAwsError(() => stsClient(srv).send(new AssumeRoleCommand({ RoleArn: trusted.Arn, RoleSessionName: 'ss' })),
      'AccessDenied', 'Roles may not be assumed by root accounts.', { status: 403 });
  });

  test('a trust policy naming the account needs the caller\'s own sts:AssumeRole permission', async () => {
    const role = await roleTrusting(`arn:aws:iam::${acct}:root`);
    const u = name('bob');
    const bob = (await iam.send(new CreateUserCommand({ UserName: u }))).User;
    const k = (await iam.send(new CreateAccessKeyCommand({ UserName: u }))).AccessKey;
    const sts = stsClient(srv, { accessKeyId: k.AccessKeyId, secretAccessKey: k.SecretAccessKey });
    await expectAwsError(() => sts.send(new AssumeRoleCommand({ RoleArn: role.Arn, RoleSessionName: 'ss' })),
      'AccessDenied', undefined, { status: 403 });
    await iam.send(new PutUserPolicyCommand({ UserName: u, PolicyName: 'assume', PolicyDocument: allow('sts:AssumeRole', role.Arn) }));
    const out = await sts.send(new AssumeRoleCommand({ RoleArn: role.Arn, RoleSessionName: bob.UserName }));
    assert.equal(out.AssumedRoleUser.Arn, `arn:aws:sts::${acct}:assumed-role/${role.RoleName}/${bob.UserName}`);
  });

  test('RoleSessionName is validated by the model', async () => {
    const role = await roleTrusting(alice.Arn);
    await expectAwsError(() => stsClient(srv, aliceCreds).send(new AssumeRoleCommand({ RoleArn: role.Arn, RoleSessionName: 'bad name' })),
      'ValidationError', /Value 'bad name' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern/);
  });
});

describe('session credentials', () => {
  test('the token must come with the key: missing or wrong token is an unknown key', async () => {
    const role = await roleTrusting(alice.Arn);
    const c = (await stsClient(srv, aliceCreds).send(new AssumeRoleCommand({ RoleArn: role.Arn, RoleSessionName: 'ss' }))).Credentials;
    const noToken = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey };
    await expectAwsError(() => stsClient(srv, noToken).send(new GetCallerIdentityCommand({})),
      'InvalidClientTokenId', 'The security token included in the request is invalid.', { status: 403 });
    await expectAwsError(() => stsClient(srv, { ...noToken, sessionToken: `${c.SessionToken}x` }).send(new GetCallerIdentityCommand({})),
      'InvalidClientTokenId', 'The security token included in the request is invalid.', { status: 403 });
    await expectAwsError(() => srv.client({ credentials: noToken }).send(new DescribeLogGroupsCommand({})),
      'UnrecognizedClientException', 'The security token included in the request is invalid.');
    // A long-term key with a token is refused too.
    await expectAwsError(() => stsClient(srv, { ...aliceCreds, sessionToken: c.SessionToken }).send(new GetCallerIdentityCommand({})),
      'InvalidClientTokenId', undefined, { status: 403 });
  });

  test('sessions expire: ExpiredToken (Query, 403) and ExpiredTokenException (JSON, 400)', async () => {
    const role = await roleTrusting(alice.Arn);
    const c = (await stsClient(srv, aliceCreds).send(new AssumeRoleCommand({ RoleArn: role.Arn, RoleSessionName: 'short', DurationSeconds: 2 }))).Credentials;
    const creds = sessionCreds(c);
    await stsClient(srv, creds).send(new GetCallerIdentityCommand({}));
    await sleep(2300);
    await expectAwsError(() => stsClient(srv, creds).send(new GetCallerIdentityCommand({})),
      'ExpiredToken', 'The security token included in the request is expired', { status: 403 });
    await expectAwsError(() => iamClient(srv, creds).send(new ListUsersCommand({})),
      'ExpiredToken', 'The security token included in the request is expired', { status: 403 });
    await expectAwsError(() => srv.client({ credentials: creds }).send(new DescribeLogGroupsCommand({})),
      'ExpiredTokenException', 'The security token included in the request is expired');
  });

  test('below the floor the test flag sets, DurationSeconds is still refused', async () => {
    const role = await roleTrusting(alice.Arn);
    await expectAwsError(() => stsClient(srv, aliceCreds).send(new AssumeRoleCommand({ RoleArn: role.Arn, RoleSessionName: 'ss', DurationSeconds: 1 })),
      'ValidationError', /Value '1' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 2/);
  });

  test('deleting the role ends its sessions', async () => {
    const role = await roleTrusting(alice.Arn);
    const c = (await stsClient(srv, aliceCreds).send(new AssumeRoleCommand({ RoleArn: role.Arn, RoleSessionName: 'ss' }))).Credentials;
    await stsClient(srv, sessionCreds(c)).send(new GetCallerIdentityCommand({}));
    await iam.send(new DeleteRolePolicyCommand({ RoleName: role.RoleName, PolicyName: 'logs' }));
    await iam.send(new DeleteRoleCommand({ RoleName: role.RoleName }));
    await expectAwsError(() => stsClient(srv, sessionCreds(c)).send(new GetCallerIdentityCommand({})),
      'InvalidClientTokenId', undefined, { status: 403 });
  });
});

describe('without the test flag', () => {
  test('DurationSeconds below 900 is a ValidationError', async () => {
    const plain = await startServer();
    try {
      const piam = iamClient(plain);
      const u = name('u');
      const user = (await piam.send(new CreateUserCommand({ UserName: u }))).User;
      const k = (await piam.send(new CreateAccessKeyCommand({ UserName: u }))).AccessKey;
      const role = (await piam.send(new CreateRoleCommand({ RoleName: name('r'), AssumeRolePolicyDocument: trustFor(user.Arn) }))).Role;
      await expectAwsError(() => stsClient(plain, { accessKeyId: k.AccessKeyId, secretAccessKey: k.SecretAccessKey })
        .send(new AssumeRoleCommand({ RoleArn: role.Arn, RoleSessionName: 'ss', DurationSeconds: 899 })),
      'ValidationError',
      "1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900");
    } finally {
      await teardown(plain);
    }
  });
});

describe('Organizations (sluice account create --org --ou)', () => {
  const run = (args) => new Promise((resolve) => {
    execFile(SLUICE_BIN, args, { timeout: 20000 }, (err, stdout, stderr) =>
      resolve({ code: err ? err.code ?? 1 : 0, stdout, stderr }));
  });

  test('accounts join an organization and an OU path; one root id per organization', async () => {
    const a = await run(['account', 'create', `orga${process.pid}`, '--data', srv.dataDir, '--org', 'o-a1b2c3d4e5', '--ou', 'ou-ab12-11111111']);
    assert.equal(a.code, 0, a.stderr);
    const b = await run(['account', 'create', `orgb${process.pid}`, '--data', srv.dataDir, '--org', 'o-a1b2c3d4e5', '--ou', 'ou-ab12-11111111/ou-ab12-22222222']);
    assert.equal(b.code, 0, b.stderr);
    const c = await run(['account', 'create', `orgc${process.pid}`, '--data', srv.dataDir, '--org', 'o-a1b2c3d4e5']);
    assert.equal(c.code, 0, c.stderr);
    const list = await run(['account', 'list', '--data', srv.dataDir]);
    const line = (id) => list.stdout.split('\n').find((l) => l.startsWith(id.trim()));
    const pa = /(o-a1b2c3d4e5\/r-[0-9a-z]{4}\/)ou-ab12-11111111\/$/.exec(line(a.stdout));
    assert.ok(pa, line(a.stdout));
    assert.ok(line(b.stdout).endsWith(`${pa[1]}ou-ab12-11111111/ou-ab12-22222222/`), line(b.stdout));
    assert.ok(line(c.stdout).endsWith(` ${pa[1]}`), line(c.stdout));
    // The account's root keys work (the profile is the account name).
    const creds = srv.credentials(`orga${process.pid}`);
    assert.equal((await stsClient(srv, creds).send(new GetCallerIdentityCommand({}))).Account, a.stdout.trim());
  });

  test('ids are checked', async () => {
    for (const args of [['--org', 'o-short'], ['--org', 'o-a1b2c3d4e5', '--ou', 'ou-bad'], ['--ou', 'ou-ab12-11111111']]) {
      const r = await run(['account', 'create', `bad${process.pid}`, '--data', srv.dataDir, ...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    }
  });
});
