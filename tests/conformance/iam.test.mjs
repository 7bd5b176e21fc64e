// IAM through the real AWS SDK (@aws-sdk/client-iam, Query protocol) and the
// aws CLI when present: users, access keys, roles, inline and managed
// policies, AWS managed policies, the log-delivery service-linked role, and
// the XML error shape.  Messages are AWS's where they are known; sources:
//   [S1] AWS IAM API reference / IAM User Guide (quotas, error codes, HTTP statuses
//        from the botocore model in models/iam/2010-05-08);
//   [S2] real AWS answers quoted in public issues: "Cannot delete entity, must
//        delete access keys first." (aws-controllers-k8s/community#2229),
//        "Maximum policy size of 2048 bytes exceeded for user <u>" / "... 10240
//        bytes exceeded for role <r>" (Teleport docs), "Cannot exceed quota for
//        PolicySize: 6144", "Cannot exceed quota for AccessKeysPerUser: 2",
//        "A managed policy can have up to 5 versions..." (moto, pinned to AWS);
//   [S3] the seed's "Logs sent to Firehose" section for the service-linked role.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import {
  CreateUserCommand, GetUserCommand, ListUsersCommand, DeleteUserCommand,
  TagUserCommand, ListUserTagsCommand, UntagUserCommand,
  CreateAccessKeyCommand, ListAccessKeysCommand, UpdateAccessKeyCommand, DeleteAccessKeyCommand,
  CreateRoleCommand, GetRoleCommand, ListRolesCommand, DeleteRoleCommand,
  UpdateAssumeRolePolicyCommand, TagRoleCommand, UntagRoleCommand, ListRoleTagsCommand,
  PutUserPolicyCommand, GetUserPolicyCommand, ListUserPoliciesCommand, DeleteUserPolicyCommand,
  PutRolePolicyCommand, GetRolePolicyCommand, ListRolePoliciesCommand, DeleteRolePolicyCommand,
  CreatePolicyCommand, GetPolicyCommand, GetPolicyVersionCommand, CreatePolicyVersionCommand,
  ListPolicyVersionsCommand, DeletePolicyVersionCommand, SetDefaultPolicyVersionCommand,
  ListPoliciesCommand, DeletePolicyCommand,
  AttachUserPolicyCommand, DetachUserPolicyCommand, ListAttachedUserPoliciesCommand,
  AttachRolePolicyCommand, DetachRolePolicyCommand, ListAttachedRolePoliciesCommand,
  CreateServiceLinkedRoleCommand, DeleteServiceLinkedRoleCommand,
  GetServiceLinkedRoleDeletionStatusCommand,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { startServer, expectAwsError, teardown, REGION, AWS_CLI } from './harness.mjs';
import { iamClient, stsClient, queryRaw, name, trustFor, allow } from './iam-helpers.mjs';

let srv;
let iam;
let acct;
before(async () => {
  srv = await startServer();
  iam = iamClient(srv);
  acct = (await stsClient(srv).send(new GetCallerIdentityCommand({}))).Account;
});
after(() => teardown(srv));

const ID = (prefix) => new RegExp(`^${prefix}[A-Z2-7]{17}$`);
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;   // what IAM prints; the SDK parses it to a Date

describe('users', () => {
  test('CreateUser / GetUser / ListUsers / DeleteUser', async () => {
    const u = name('alice');
    const out = await iam.send(new CreateUserCommand({ UserName: u, Path: '/team/',
      Tags: [{ Key: 'dept', Value: 'ops' }] }));
    assert.equal(out.$metadata.httpStatusCode, 200);
    assert.equal(out.User.UserName, u);
    assert.equal(out.User.Path, '/team/');
    assert.match(out.User.UserId, ID('AIDA'));
    assert.equal(out.User.Arn, `arn:aws:iam::${acct}:user/team/${u}`);
    assert.ok(out.User.CreateDate instanceof Date);
    assert.deepEqual(out.User.Tags, [{ Key: 'dept', Value: 'ops' }]);

    const got = await iam.send(new GetUserCommand({ UserName: u }));
    assert.equal(got.User.UserId, out.User.UserId);
    assert.deepEqual(got.User.Tags, [{ Key: 'dept', Value: 'ops' }]);

    const list = await iam.send(new ListUsersCommand({ PathPrefix: '/team/' }));
    assert.deepEqual(list.Users.map((x) => x.UserName), [u]);
    assert.equal(list.IsTruncated, false);

    await iam.send(new DeleteUserCommand({ UserName: u }));
    await expectAwsError(() => iam.send(new GetUserCommand({ UserName: u })),
      'NoSuchEntityException', `The user with name ${u} cannot be found.`, { status: 404 });
  });

  test('GetUser without UserName answers for the caller (root)', async () => {
    const out = await iam.send(new GetUserCommand({}));
    assert.equal(out.User.Arn, `arn:aws:iam::${acct}:root`);
    assert.equal(out.User.UserId, acct);
    assert.ok(Math.abs(Date.now() - out.User.CreateDate.getTime()) < 3600_000, 'the account\'s creation time');
  });

  test('EntityAlreadyExists (409), case-insensitive names', async () => {
    const u = name('Bob');
    await iam.send(new CreateUserCommand({ UserName: u }));
    await expectAwsError(() => iam.send(new CreateUserCommand({ UserName: u.toLowerCase() })),
      'EntityAlreadyExistsException', `User with name ${u.toLowerCase()} already exists.`,
      { status: 409 });
    // Lookups ignore case too.
    const got = await iam.send(new GetUserCommand({ UserName: u.toUpperCase() }));
    assert.equal(got.User.UserName, u);
    await iam.send(new DeleteUserCommand({ UserName: u }));
  });

  test('model validation: ValidationError with the Coral message', async () => {
    await expectAwsError(() => iam.send(new CreateUserCommand({ UserName: 'bad name' })),
      'ValidationError',
      "1 validation error detected: Value 'bad name' at 'userName' failed to satisfy " +
      'constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+');
  });

  test('ListUsers pages with MaxItems / Marker', async () => {
    const p = `/page${process.pid}/`;
    const names = [name('pa'), name('pb'), name('pc')].sort();
    for (const u of names) await iam.send(new CreateUserCommand({ UserName: u, Path: p }));
    const first = await iam.send(new ListUsersCommand({ PathPrefix: p, MaxItems: 2 }));
    assert.equal(first.IsTruncated, true);
    assert.deepEqual(first.Users.map((x) => x.UserName), names.slice(0, 2));
    const second = await iam.send(new ListUsersCommand({ PathPrefix: p, MaxItems: 2,
      Marker: first.Marker }));
    assert.equal(second.IsTruncated, false);
    assert.deepEqual(second.Users.map((x) => x.UserName), names.slice(2));
    for (const u of names) await iam.send(new DeleteUserCommand({ UserName: u }));
  });

  test('TagUser / ListUserTags / UntagUser', async () => {
    const u = name('tagged');
    await iam.send(new CreateUserCommand({ UserName: u }));
    await iam.send(new TagUserCommand({ UserName: u, Tags: [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }] }));
    await iam.send(new UntagUserCommand({ UserName: u, TagKeys: ['a'] }));
    const t = await iam.send(new ListUserTagsCommand({ UserName: u }));
    assert.deepEqual(t.Tags, [{ Key: 'b', Value: '2' }]);
    await iam.send(new DeleteUserCommand({ UserName: u }));
  });
});

describe('access keys', () => {
  test('CreateAccessKey: AKIA + 16, 40-character secret; the key signs requests', async () => {
    const u = name('keys');
    const created = await iam.send(new CreateUserCommand({ UserName: u }));
    const k = (await iam.send(new CreateAccessKeyCommand({ UserName: u }))).AccessKey;
    assert.match(k.AccessKeyId, /^AKIA[A-Z2-7]{16}$/);
    assert.equal(k.SecretAccessKey.length, 40);
    assert.equal(k.Status, 'Active');
    assert.equal(k.UserName, u);
    const creds = { accessKeyId: k.AccessKeyId, secretAccessKey: k.SecretAccessKey };
    const me = await stsClient(srv, creds).send(new GetCallerIdentityCommand({}));
    assert.equal(me.Arn, created.User.Arn);
    assert.equal(me.UserId, created.User.UserId);
    assert.equal(me.Account, acct);

    const listed = await iam.send(new ListAccessKeysCommand({ UserName: u }));
    assert.deepEqual(listed.AccessKeyMetadata.map((x) => [x.AccessKeyId, x.Status]),
      [[k.AccessKeyId, 'Active']]);

    // Inactive keys are refused by SigV4 [S1: "InvalidClientTokenId" for an inactive key].
    await iam.send(new UpdateAccessKeyCommand({ UserName: u, AccessKeyId: k.AccessKeyId, Status: 'Inactive' }));
    assert.equal((await iam.send(new ListAccessKeysCommand({ UserName: u }))).AccessKeyMetadata[0].Status, 'Inactive');
    await expectAwsError(() => stsClient(srv, creds).send(new GetCallerIdentityCommand({})),
      'InvalidClientTokenId', 'The security token included in the request is invalid.', { status: 403 });
    await expectAwsError(() => srv.client({ credentials: creds }).send(new DescribeLogGroupsCommand({})),
      'UnrecognizedClientException', 'The security token included in the request is invalid.');
    await iam.send(new UpdateAccessKeyCommand({ UserName: u, AccessKeyId: k.AccessKeyId, Status: 'Active' }));
    await stsClient(srv, creds).send(new GetCallerIdentityCommand({}));

    // A user's own keys: UserName defaults to the caller (who needs the permission,
    // here through the ${aws:username} policy variable).
    await expectAwsError(() => iamClient(srv, creds).send(new ListAccessKeysCommand({})),
      'AccessDenied', `User: ${created.User.Arn} is not authorized to perform: iam:ListAccessKeys on resource: ${created.User.Arn} because no identity-based policy allows the iam:ListAccessKeys action`,
      { status: 403 });
    await iam.send(new PutUserPolicyCommand({ UserName: u, PolicyName: 'own-keys',
      PolicyDocument: allow('iam:ListAccessKeys', `arn:aws:iam::${acct}:user/\${aws:username}`) }));
    const own = await iamClient(srv, creds).send(new ListAccessKeysCommand({}));
    assert.equal(own.AccessKeyMetadata[0].AccessKeyId, k.AccessKeyId);

    await iam.send(new DeleteAccessKeyCommand({ UserName: u, AccessKeyId: k.AccessKeyId }));
    await expectAwsError(() => stsClient(srv, creds).send(new GetCallerIdentityCommand({})),
      'InvalidClientTokenId', undefined, { status: 403 });
    await expectAwsError(() => iam.send(new DeleteAccessKeyCommand({ UserName: u, AccessKeyId: k.AccessKeyId })),
      'NoSuchEntityException', `The Access Key with id ${k.AccessKeyId} cannot be found.`, { status: 404 });
    await iam.send(new DeleteUserPolicyCommand({ UserName: u, PolicyName: 'own-keys' }));
    await iam.send(new DeleteUserCommand({ UserName: u }));
  });

  test('two keys per user: the third is LimitExceeded (409) [S2]', async () => {
    const u = name('limit');
    await iam.send(new CreateUserCommand({ UserName: u }));
    const a = await iam.send(new CreateAccessKeyCommand({ UserName: u }));
    const b = await iam.send(new CreateAccessKeyCommand({ UserName: u }));
    await expectAwsError(() => iam.send(new CreateAccessKeyCommand({ UserName: u })),
      'LimitExceededException', 'Cannot exceed quota for AccessKeysPerUser: 2', { status: 409 });
    for (const k of [a, b]) await iam.send(new DeleteAccessKeyCommand({ UserName: u, AccessKeyId: k.AccessKey.AccessKeyId }));
    await iam.send(new DeleteUserCommand({ UserName: u }));
  });

  test('UpdateAccessKey: bad Status is a ValidationError; unknown user NoSuchEntity', async () => {
    await expectAwsError(() => iam.send(new UpdateAccessKeyCommand({ AccessKeyId: 'AKIAIOSFODNN7EXAMPLE', Status: 'Maybe' })),
      'ValidationError', /Member must satisfy enum value set: \[Active, Inactive/);
    await expectAwsError(() => iam.send(new CreateAccessKeyCommand({ UserName: 'nobody-here' })),
      'NoSuchEntityException', 'The user with name nobody-here cannot be found.', { status: 404 });
  });
});

describe('DeleteUser conflicts (409) [S2]', () => {
  test('keys, then inline policies, then attached policies', async () => {
    const u = name('conflict');
    await iam.send(new CreateUserCommand({ UserName: u }));
    const k = await iam.send(new CreateAccessKeyCommand({ UserName: u }));
    await expectAwsError(() => iam.send(new DeleteUserCommand({ UserName: u })),
      'DeleteConflictException', 'Cannot delete entity, must delete access keys first.', { status: 409 });
    await iam.send(new DeleteAccessKeyCommand({ UserName: u, AccessKeyId: k.AccessKey.AccessKeyId }));
    await iam.send(new PutUserPolicyCommand({ UserName: u, PolicyName: 'p', PolicyDocument: allow('logs:*') }));
    await expectAwsError(() => iam.send(new DeleteUserCommand({ UserName: u })),
      'DeleteConflictException', 'Cannot delete entity, must delete policies first.', { status: 409 });
    await iam.send(new DeleteUserPolicyCommand({ UserName: u, PolicyName: 'p' }));
    await iam.send(new AttachUserPolicyCommand({ UserName: u, PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }));
    await expectAwsError(() => iam.send(new DeleteUserCommand({ UserName: u })),
      'DeleteConflictException', 'Cannot delete entity, must detach all policies first.', { status: 409 });
    await iam.send(new DetachUserPolicyCommand({ UserName: u, PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }));
    await iam.send(new DeleteUserCommand({ UserName: u }));
  });
});

describe('roles', () => {
  test('CreateRole / GetRole / ListRoles / UpdateAssumeRolePolicy / DeleteRole', async () => {
    const r = name('role');
    const trust = trustFor(`arn:aws:iam::${acct}:root`);
    const out = await iam.send(new CreateRoleCommand({ RoleName: r, Path: '/svc/',
      AssumeRolePolicyDocument: trust, Description: 'a role', MaxSessionDuration: 7200,
      Tags: [{ Key: 'LogDeliveryEnabled', Value: 'true' }] }));
    assert.equal(out.Role.Arn, `arn:aws:iam::${acct}:role/svc/${r}`);
    assert.match(out.Role.RoleId, ID('AROA'));
    assert.equal(out.Role.Path, '/svc/');
    // IAM returns policy documents URL-encoded (RFC 3986) [S1].
    assert.equal(decodeURIComponent(out.Role.AssumeRolePolicyDocument), trust);
    assert.match(out.Role.AssumeRolePolicyDocument, /^%7B%22Version%22%3A/);

    const got = (await iam.send(new GetRoleCommand({ RoleName: r }))).Role;
    assert.equal(got.Description, 'a role');
    assert.equal(got.MaxSessionDuration, 7200);
    assert.deepEqual(got.Tags, [{ Key: 'LogDeliveryEnabled', Value: 'true' }]);
    assert.deepEqual(got.RoleLastUsed, {});

    const listed = await iam.send(new ListRolesCommand({ PathPrefix: '/svc/' }));
    assert.deepEqual(listed.Roles.map((x) => x.RoleName), [r]);

    const trust2 = trustFor(`arn:aws:iam::${acct}:user/someone`);
    await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: r, PolicyDocument: trust2 }));
    assert.equal(decodeURIComponent((await iam.send(new GetRoleCommand({ RoleName: r }))).Role.AssumeRolePolicyDocument), trust2);

    await iam.send(new DeleteRoleCommand({ RoleName: r }));
    await expectAwsError(() => iam.send(new GetRoleCommand({ RoleName: r })),
      'NoSuchEntityException', `The role with name ${r} cannot be found.`, { status: 404 });
    await expectAwsError(() => iam.send(new DeleteRoleCommand({ RoleName: r })),
      'NoSuchEntityException', undefined, { status: 404 });
  });

  test('CreateRole errors: duplicate, malformed trust policy, MaxSessionDuration, trust size', async () => {
    const r = name('role');
    const trust = trustFor(`arn:aws:iam::${acct}:root`);
    await iam.send(new CreateRoleCommand({ RoleName: r, AssumeRolePolicyDocument: trust }));
    await expectAwsError(() => iam.send(new CreateRoleCommand({ RoleName: r, AssumeRolePolicyDocument: trust })),
      'EntityAlreadyExistsException', `Role with name ${r} already exists.`, { status: 409 });
    await expectAwsError(() => iam.send(new CreateRoleCommand({ RoleName: name('r'), AssumeRolePolicyDocument: '{not json' })),
      'MalformedPolicyDocumentException', /\S/);
    // A trust policy needs a Principal.
    await expectAwsError(() => iam.send(new CreateRoleCommand({ RoleName: name('r'), AssumeRolePolicyDocument: allow('sts:AssumeRole') })),
      'MalformedPolicyDocumentException', /\S/);
    await expectAwsError(() => iam.send(new CreateRoleCommand({ RoleName: name('r'), AssumeRolePolicyDocument: trust, MaxSessionDuration: 60 })),
      'ValidationError', /at 'maxSessionDuration' failed to satisfy constraint: Member must have value greater than or equal to 3600/);
    // ACLSizePerRole: 2,048 characters by default [S1].
    const big = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow',
      Principal: { AWS: Array.from({ length: 60 }, (_, i) => `arn:aws:iam::${acct}:user/u${String(i).padStart(3, '0')}`) },
      Action: 'sts:AssumeRole' }] });
    await expectAwsError(() => iam.send(new CreateRoleCommand({ RoleName: name('r'), AssumeRolePolicyDocument: big })),
      'LimitExceededException', 'Cannot exceed quota for ACLSizePerRole: 2048', { status: 409 });
    await iam.send(new DeleteRoleCommand({ RoleName: r }));
  });

  test('TagRole / UntagRole / ListRoleTags', async () => {
    const r = name('tags');
    await iam.send(new CreateRoleCommand({ RoleName: r, AssumeRolePolicyDocument: trustFor(`arn:aws:iam::${acct}:root`) }));
    await iam.send(new TagRoleCommand({ RoleName: r, Tags: [{ Key: 'b', Value: '2' }, { Key: 'a', Value: '1' }] }));
    assert.deepEqual((await iam.send(new ListRoleTagsCommand({ RoleName: r }))).Tags,
      [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }]);
    await iam.send(new UntagRoleCommand({ RoleName: r, TagKeys: ['a'] }));
    const t = await iam.send(new ListRoleTagsCommand({ RoleName: r }));
    assert.deepEqual(t.Tags, [{ Key: 'b', Value: '2' }]);
    assert.equal(t.IsTruncated, false);
    await expectAwsError(() => iam.send(new TagRoleCommand({ RoleName: r, Tags: [{ Key: 'x', Value: '1' }, { Key: 'X', Value: '2' }] })),
      'InvalidInputException', 'Duplicate tag keys found. Please note that Tag keys are case insensitive.');
    await iam.send(new DeleteRoleCommand({ RoleName: r }));
    await expectAwsError(() => iam.send(new ListRoleTagsCommand({ RoleName: r })), 'NoSuchEntityException', undefined, { status: 404 });
  });

  test('DeleteRole conflicts while policies remain (409)', async () => {
    const r = name('rc');
    await iam.send(new CreateRoleCommand({ RoleName: r, AssumeRolePolicyDocument: trustFor(`arn:aws:iam::${acct}:root`) }));
    await iam.send(new PutRolePolicyCommand({ RoleName: r, PolicyName: 'p', PolicyDocument: allow('logs:*') }));
    await expectAwsError(() => iam.send(new DeleteRoleCommand({ RoleName: r })),
      'DeleteConflictException', 'Cannot delete entity, must delete policies first.', { status: 409 });
    await iam.send(new DeleteRolePolicyCommand({ RoleName: r, PolicyName: 'p' }));
    await iam.send(new AttachRolePolicyCommand({ RoleName: r, PolicyArn: 'arn:aws:iam::aws:policy/CloudWatchLogsReadOnlyAccess' }));
    await expectAwsError(() => iam.send(new DeleteRoleCommand({ RoleName: r })),
      'DeleteConflictException', 'Cannot delete entity, must detach all policies first.', { status: 409 });
    await iam.send(new DetachRolePolicyCommand({ RoleName: r, PolicyArn: 'arn:aws:iam::aws:policy/CloudWatchLogsReadOnlyAccess' }));
    await iam.send(new DeleteRoleCommand({ RoleName: r }));
  });
});

describe('inline policies', () => {
  test('user: Put / Get (URL-encoded) / List / Delete; errors', async () => {
    const u = name('inl');
    await iam.send(new CreateUserCommand({ UserName: u }));
    const doc = allow(['logs:CreateLogGroup', 'logs:DescribeLogGroups'], `arn:aws:logs:${REGION}:${acct}:log-group:*`);
    await iam.send(new PutUserPolicyCommand({ UserName: u, PolicyName: 'logs', PolicyDocument: doc }));
    await iam.send(new PutUserPolicyCommand({ UserName: u, PolicyName: 'also', PolicyDocument: allow('s3:GetObject') }));
    const got = await iam.send(new GetUserPolicyCommand({ UserName: u, PolicyName: 'logs' }));
    assert.equal(got.UserName, u);
    assert.equal(got.PolicyName, 'logs');
    assert.equal(decodeURIComponent(got.PolicyDocument), doc);
    assert.deepEqual((await iam.send(new ListUserPoliciesCommand({ UserName: u }))).PolicyNames, ['also', 'logs']);
    await expectAwsError(() => iam.send(new GetUserPolicyCommand({ UserName: u, PolicyName: 'nope' })),
      'NoSuchEntityException', 'The user policy with name nope cannot be found.', { status: 404 });
    // An identity policy may not name a principal.
    await expectAwsError(() => iam.send(new PutUserPolicyCommand({ UserName: u, PolicyName: 'bad', PolicyDocument: trustFor('*') })),
      'MalformedPolicyDocumentException', /\S/);
    await expectAwsError(() => iam.send(new PutUserPolicyCommand({ UserName: u, PolicyName: 'bad', PolicyDocument: 'nope' })),
      'MalformedPolicyDocumentException', /\S/);
    // 2,048 non-whitespace characters for all of a user's inline policies [S1, S2].
    const big = allow(Array.from({ length: 120 }, (_, i) => `logs:Action${String(i).padStart(4, '0')}x`));
    await expectAwsError(() => iam.send(new PutUserPolicyCommand({ UserName: u, PolicyName: 'big', PolicyDocument: big })),
      'LimitExceededException', `Maximum policy size of 2048 bytes exceeded for user ${u}`, { status: 409 });
    await iam.send(new DeleteUserPolicyCommand({ UserName: u, PolicyName: 'logs' }));
    await iam.send(new DeleteUserPolicyCommand({ UserName: u, PolicyName: 'also' }));
    await expectAwsError(() => iam.send(new DeleteUserPolicyCommand({ UserName: u, PolicyName: 'logs' })),
      'NoSuchEntityException', 'The user policy with name logs cannot be found.', { status: 404 });
    await expectAwsError(() => iam.send(new PutUserPolicyCommand({ UserName: 'no-such-user-x', PolicyName: 'p', PolicyDocument: doc })),
      'NoSuchEntityException', 'The user with name no-such-user-x cannot be found.', { status: 404 });
    await iam.send(new DeleteUserCommand({ UserName: u }));
  });

  test('role: Put / Get / List / Delete; 10,240 characters', async () => {
    const r = name('inlr');
    await iam.send(new CreateRoleCommand({ RoleName: r, AssumeRolePolicyDocument: trustFor(`arn:aws:iam::${acct}:root`) }));
    const doc = allow('logs:PutLogEvents');
    await iam.send(new PutRolePolicyCommand({ RoleName: r, PolicyName: 'p', PolicyDocument: doc }));
    const got = await iam.send(new GetRolePolicyCommand({ RoleName: r, PolicyName: 'p' }));
    assert.equal(got.RoleName, r);
    assert.equal(decodeURIComponent(got.PolicyDocument), doc);
    assert.deepEqual((await iam.send(new ListRolePoliciesCommand({ RoleName: r }))).PolicyNames, ['p']);
    // ~2,300 characters fit a role (10,240) though not a user (2,048).
    const mid = allow(Array.from({ length: 120 }, (_, i) => `logs:Action${String(i).padStart(4, '0')}x`));
    await iam.send(new PutRolePolicyCommand({ RoleName: r, PolicyName: 'mid', PolicyDocument: mid }));
    const big = allow(Array.from({ length: 560 }, (_, i) => `logs:Action${String(i).padStart(4, '0')}x`));
    await expectAwsError(() => iam.send(new PutRolePolicyCommand({ RoleName: r, PolicyName: 'big', PolicyDocument: big })),
      'LimitExceededException', `Maximum policy size of 10240 bytes exceeded for role ${r}`, { status: 409 });
    await expectAwsError(() => iam.send(new GetRolePolicyCommand({ RoleName: r, PolicyName: 'x' })),
      'NoSuchEntityException', 'The role policy with name x cannot be found.', { status: 404 });
    await iam.send(new DeleteRolePolicyCommand({ RoleName: r, PolicyName: 'p' }));
    await iam.send(new DeleteRolePolicyCommand({ RoleName: r, PolicyName: 'mid' }));
    await iam.send(new DeleteRoleCommand({ RoleName: r }));
  });
});

describe('managed policies', () => {
  test('CreatePolicy / GetPolicy / versions / ListPolicies / DeletePolicy', async () => {
    const p = name('pol');
    const doc1 = allow('logs:DescribeLogGroups');
    const created = (await iam.send(new CreatePolicyCommand({ PolicyName: p, Path: '/team/',
      PolicyDocument: doc1, Description: 'desc' }))).Policy;
    const arn = `arn:aws:iam::${acct}:policy/team/${p}`;
    assert.equal(created.Arn, arn);
    assert.match(created.PolicyId, ID('ANPA'));
    assert.equal(created.DefaultVersionId, 'v1');
    assert.equal(created.AttachmentCount, 0);
    assert.equal(created.IsAttachable, true);
    await expectAwsError(() => iam.send(new CreatePolicyCommand({ PolicyName: p, PolicyDocument: doc1 })),
      'EntityAlreadyExistsException', `A policy called ${p} already exists. Duplicate names are not allowed.`, { status: 409 });

    const got = (await iam.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy;
    assert.equal(got.Description, 'desc');
    const v1 = (await iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v1' }))).PolicyVersion;
    assert.equal(decodeURIComponent(v1.Document), doc1);
    assert.equal(v1.IsDefaultVersion, true);

    const doc2 = allow('logs:*');
    const v2 = (await iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: doc2, SetAsDefault: true }))).PolicyVersion;
    assert.equal(v2.VersionId, 'v2');
    assert.equal(v2.IsDefaultVersion, true);
    assert.equal((await iam.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy.DefaultVersionId, 'v2');
    for (let i = 3; i <= 5; i++) await iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: doc1 }));
    await expectAwsError(() => iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: doc1 })),
      'LimitExceededException',
      'A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.',
      { status: 409 });
    const versions = (await iam.send(new ListPolicyVersionsCommand({ PolicyArn: arn }))).Versions;
    assert.deepEqual(versions.map((v) => [v.VersionId, v.IsDefaultVersion]),
      [['v5', false], ['v4', false], ['v3', false], ['v2', true], ['v1', false]]);
    await expectAwsError(() => iam.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: 'v2' })),
      'DeleteConflictException', 'Cannot delete the default version of a policy.', { status: 409 });
    await iam.send(new SetDefaultPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v1' }));
    await expectAwsError(() => iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v9' })),
      'NoSuchEntityException', `Policy ${arn} version v9 does not exist or is not attachable.`, { status: 404 });

    const local = (await iam.send(new ListPoliciesCommand({ Scope: 'Local' }))).Policies.map((x) => x.Arn);
    assert.ok(local.includes(arn));
    assert.ok(!local.some((a) => a.startsWith('arn:aws:iam::aws:')));

    // Attach, then DeletePolicy conflicts.
    const u = name('pu');
    await iam.send(new CreateUserCommand({ UserName: u }));
    await iam.send(new AttachUserPolicyCommand({ UserName: u, PolicyArn: arn }));
    assert.equal((await iam.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy.AttachmentCount, 1);
    const attached = (await iam.send(new ListPoliciesCommand({ OnlyAttached: true, Scope: 'Local' }))).Policies.map((x) => x.Arn);
    assert.deepEqual(attached, [arn]);
    assert.deepEqual((await iam.send(new ListAttachedUserPoliciesCommand({ UserName: u }))).AttachedPolicies,
      [{ PolicyName: p, PolicyArn: arn }]);
    await expectAwsError(() => iam.send(new DeletePolicyCommand({ PolicyArn: arn })),
      'DeleteConflictException', 'Cannot delete a policy attached to entities.', { status: 409 });
    await iam.send(new DetachUserPolicyCommand({ UserName: u, PolicyArn: arn }));
    await expectAwsError(() => iam.send(new DetachUserPolicyCommand({ UserName: u, PolicyArn: arn })),
      'NoSuchEntityException', `Policy ${arn} was not found.`, { status: 404 });
    await expectAwsError(() => iam.send(new DeletePolicyCommand({ PolicyArn: arn })),
      'DeleteConflictException', /^This policy has more than one version/, { status: 409 });
    for (const v of ['v2', 'v3', 'v4', 'v5']) await iam.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: v }));
    await iam.send(new DeletePolicyCommand({ PolicyArn: arn }));
    await expectAwsError(() => iam.send(new GetPolicyCommand({ PolicyArn: arn })),
      'NoSuchEntityException', `Policy ${arn} does not exist or is not attachable.`, { status: 404 });
    await iam.send(new DeleteUserCommand({ UserName: u }));
  });

  test('size limit 6,144 non-whitespace characters; bad ARNs; malformed documents', async () => {
    const big = allow(Array.from({ length: 340 }, (_, i) => `logs:Action${String(i).padStart(4, '0')}x`));
    await expectAwsError(() => iam.send(new CreatePolicyCommand({ PolicyName: name('big'), PolicyDocument: big })),
      'LimitExceededException', 'Cannot exceed quota for PolicySize: 6144', { status: 409 });
    // Whitespace does not count: the same 2,000 characters padded far past 6,144 still fit.
    const padded = allow('logs:*').replace(/,/g, `,${' '.repeat(3000)}`);
    const p = name('ws');
    await iam.send(new CreatePolicyCommand({ PolicyName: p, PolicyDocument: padded }));
    await iam.send(new DeletePolicyCommand({ PolicyArn: `arn:aws:iam::${acct}:policy/${p}` }));
    await expectAwsError(() => iam.send(new GetPolicyCommand({ PolicyArn: 'arn:aws:s3:::not-a-policy' })),
      'InvalidInputException', 'ARN arn:aws:s3:::not-a-policy is not valid.');
    await expectAwsError(() => iam.send(new CreatePolicyCommand({ PolicyName: name('bad'), PolicyDocument: '[]' })),
      'MalformedPolicyDocumentException', /\S/);
  });

  test('AWS managed policies exist in every account with their documents', async () => {
    const aws = (await iam.send(new ListPoliciesCommand({ Scope: 'AWS', MaxItems: 1000 }))).Policies;
    const names = aws.map((x) => x.PolicyName);
    for (const n of ['AdministratorAccess', 'ReadOnlyAccess', 'CloudWatchLogsFullAccess',
      'CloudWatchLogsReadOnlyAccess', 'AmazonS3FullAccess', 'AmazonS3ReadOnlyAccess']) {
      assert.ok(names.includes(n), n);
      const arn = `arn:aws:iam::aws:policy/${n}`;
      const pol = (await iam.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy;
      assert.equal(pol.Arn, arn);
      const v = (await iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: pol.DefaultVersionId }))).PolicyVersion;
      const doc = JSON.parse(decodeURIComponent(v.Document));
      assert.equal(doc.Version, '2012-10-17');
    }
    // Documents as AWS publishes them (AWS Managed Policy Reference).
    const docOf = async (n) => {
      const arn = `arn:aws:iam::aws:policy/${n}`;
      const pol = (await iam.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy;
      return JSON.parse(decodeURIComponent((await iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: pol.DefaultVersionId }))).PolicyVersion.Document));
    };
    assert.deepEqual(await docOf('AdministratorAccess'),
      { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] });
    assert.deepEqual(await docOf('AmazonS3ReadOnlyAccess'), { Version: '2012-10-17', Statement: [{ Effect: 'Allow',
      Action: ['s3:Get*', 's3:List*', 's3:Describe*', 's3-object-lambda:Get*', 's3-object-lambda:List*'], Resource: '*' }] });
    // Attachable to users and roles; the attachment count is per account.
    const u = name('admin');
    await iam.send(new CreateUserCommand({ UserName: u }));
    await iam.send(new AttachUserPolicyCommand({ UserName: u, PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }));
    assert.equal((await iam.send(new GetPolicyCommand({ PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }))).Policy.AttachmentCount, 1);
    await iam.send(new DetachUserPolicyCommand({ UserName: u, PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }));
    await iam.send(new DeleteUserCommand({ UserName: u }));
    await expectAwsError(() => iam.send(new AttachUserPolicyCommand({ UserName: u, PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' })),
      'NoSuchEntityException', undefined, { status: 404 });
    await expectAwsError(() => iam.send(new DeletePolicyCommand({ PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' })),
      'NoSuchEntityException', undefined, { status: 404 });
  });

  test('attach to roles: Attach / List / Detach; a missing policy is NoSuchEntity', async () => {
    const r = name('ar');
    await iam.send(new CreateRoleCommand({ RoleName: r, AssumeRolePolicyDocument: trustFor(`arn:aws:iam::${acct}:root`) }));
    await iam.send(new AttachRolePolicyCommand({ RoleName: r, PolicyArn: 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess' }));
    await iam.send(new AttachRolePolicyCommand({ RoleName: r, PolicyArn: 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess' }));
    assert.deepEqual((await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: r }))).AttachedPolicies,
      [{ PolicyName: 'AmazonS3ReadOnlyAccess', PolicyArn: 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess' }]);
    const missing = `arn:aws:iam::${acct}:policy/nope`;
    await expectAwsError(() => iam.send(new AttachRolePolicyCommand({ RoleName: r, PolicyArn: missing })),
      'NoSuchEntityException', `Policy ${missing} does not exist or is not attachable.`, { status: 404 });
    await expectAwsError(() => iam.send(new AttachRolePolicyCommand({ RoleName: r,
      PolicyArn: 'arn:aws:iam::aws:policy/aws-service-role/AWSServiceRoleForLogDeliveryPolicy' })),
    'PolicyNotAttachableException', 'Cannot attach a Service Role Policy to a Customer Role.');
    await iam.send(new DetachRolePolicyCommand({ RoleName: r, PolicyArn: 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess' }));
    await iam.send(new DeleteRoleCommand({ RoleName: r }));
  });
});

describe('service-linked role for log delivery [S3]', () => {
  const SLR = 'AWSServiceRoleForLogDelivery';
  // The seed, "Logs sent to Firehose": the role's permission and trust policies.
  const seedPermission = { Version: '2012-10-17', Statement: [{ Action: ['firehose:PutRecord',
    'firehose:PutRecordBatch', 'firehose:ListTagsForDeliveryStream'], Resource: '*',
  Condition: { StringEquals: { 'aws:ResourceTag/LogDeliveryEnabled': 'true' } }, Effect: 'Allow' }] };
  const seedTrust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow',
    Principal: { Service: 'delivery.logs.amazonaws.com' }, Action: 'sts:AssumeRole' }] };

  test('CreateServiceLinkedRole creates AWSServiceRoleForLogDelivery with the seed\'s policies', async () => {
    const role = (await iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'delivery.logs.amazonaws.com' }))).Role;
    assert.equal(role.RoleName, SLR);
    assert.equal(role.Path, '/aws-service-role/delivery.logs.amazonaws.com/');
    assert.equal(role.Arn, `arn:aws:iam::${acct}:role/aws-service-role/delivery.logs.amazonaws.com/${SLR}`);
    assert.deepEqual(JSON.parse(decodeURIComponent(role.AssumeRolePolicyDocument)), seedTrust);
    const att = (await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: SLR }))).AttachedPolicies;
    assert.equal(att.length, 1);
    const pol = (await iam.send(new GetPolicyCommand({ PolicyArn: att[0].PolicyArn }))).Policy;
    const v = (await iam.send(new GetPolicyVersionCommand({ PolicyArn: att[0].PolicyArn, VersionId: pol.DefaultVersionId }))).PolicyVersion;
    assert.deepEqual(JSON.parse(decodeURIComponent(v.Document)), seedPermission);
    assert.deepEqual((await iam.send(new ListRolePoliciesCommand({ RoleName: SLR }))).PolicyNames, []);
  });

  test('a second CreateServiceLinkedRole is InvalidInput', async () => {
    await expectAwsError(() => iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'delivery.logs.amazonaws.com' })),
      'InvalidInputException',
      'Service role name AWSServiceRoleForLogDelivery has been taken in this account, please try a different suffix.');
  });

  test('users cannot modify it: UnmodifiableEntity', async () => {
    const msg = "Cannot perform the operation on the protected role 'AWSServiceRoleForLogDelivery' - this role is only modifiable by AWS";
    await expectAwsError(() => iam.send(new PutRolePolicyCommand({ RoleName: SLR, PolicyName: 'x', PolicyDocument: allow('s3:*') })),
      'UnmodifiableEntityException', msg);
    await expectAwsError(() => iam.send(new AttachRolePolicyCommand({ RoleName: SLR, PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' })),
      'UnmodifiableEntityException', msg);
    await expectAwsError(() => iam.send(new DetachRolePolicyCommand({ RoleName: SLR,
      PolicyArn: 'arn:aws:iam::aws:policy/aws-service-role/AWSServiceRoleForLogDeliveryPolicy' })), 'UnmodifiableEntityException', msg);
    await expectAwsError(() => iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: SLR, PolicyDocument: trustFor('*') })),
      'UnmodifiableEntityException', msg);
    await expectAwsError(() => iam.send(new DeleteRoleCommand({ RoleName: SLR })), 'UnmodifiableEntityException', msg);
  });

  test('DeleteServiceLinkedRole and its deletion status', async () => {
    const out = await iam.send(new DeleteServiceLinkedRoleCommand({ RoleName: SLR }));
    assert.match(out.DeletionTaskId, /^task\/aws-service-role\/delivery\.logs\.amazonaws\.com\/AWSServiceRoleForLogDelivery\/\S+$/);
    const st = await iam.send(new GetServiceLinkedRoleDeletionStatusCommand({ DeletionTaskId: out.DeletionTaskId }));
    assert.equal(st.Status, 'SUCCEEDED');
    await expectAwsError(() => iam.send(new GetRoleCommand({ RoleName: SLR })), 'NoSuchEntityException', undefined, { status: 404 });
    // It can be created again.
    await iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'delivery.logs.amazonaws.com' }));
    await iam.send(new DeleteServiceLinkedRoleCommand({ RoleName: SLR }));
  });
});

describe('the Query protocol on the wire', () => {
  test('answers are XML with the model\'s names and a RequestId', async () => {
    const res = await queryRaw(srv, { params: { Action: 'GetUser', Version: '2010-05-08' } });
    assert.equal(res.status, 200);
    assert.match(res.headers['content-type'], /^text\/xml/);
    assert.match(res.text, /^<GetUserResponse xmlns="https:\/\/iam\.amazonaws\.com\/doc\/2010-05-08\/"><GetUserResult><User>/);
    assert.match(res.text, /<ResponseMetadata><RequestId>[0-9a-f-]{36}<\/RequestId><\/ResponseMetadata><\/GetUserResponse>$/);
  });

  test('errors are <ErrorResponse> with Type, Code, Message and RequestId', async () => {
    const res = await queryRaw(srv, { params: { Action: 'GetRole', Version: '2010-05-08', RoleName: 'no-such-role' } });
    assert.equal(res.status, 404);
    assert.match(res.headers['content-type'], /^text\/xml/);
    assert.match(res.text, new RegExp('^<ErrorResponse xmlns="https://iam\\.amazonaws\\.com/doc/2010-05-08/">' +
      '<Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>The role with name no-such-role cannot be found\\.</Message></Error>' +
      '<RequestId>[0-9a-f-]{36}</RequestId></ErrorResponse>$'));
    assert.equal(res.headers['x-amzn-requestid'], /<RequestId>([^<]+)</.exec(res.text)[1]);
  });

  test('a wrong secret is 403 SignatureDoesNotMatch in XML', async () => {
    const good = srv.credentials();
    const res = await queryRaw(srv, { params: { Action: 'ListUsers', Version: '2010-05-08' },
      credentials: { ...good, secretAccessKey: `${good.secretAccessKey}x` } });
    assert.equal(res.status, 403);
    assert.match(res.text, /^<ErrorResponse xmlns="https:\/\/iam\.amazonaws\.com\/doc\/2010-05-08\/"><Error><Type>Sender<\/Type><Code>SignatureDoesNotMatch<\/Code><Message>The request signature we calculated does not match/);
  });

  test('an unknown key is 403 InvalidClientTokenId; an unknown action 400 InvalidAction', async () => {
    const res = await queryRaw(srv, { params: { Action: 'ListUsers', Version: '2010-05-08' },
      credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' } });
    assert.equal(res.status, 403);
    assert.match(res.text, /<Code>InvalidClientTokenId<\/Code><Message>The security token included in the request is invalid\.<\/Message>/);
    const bad = await queryRaw(srv, { params: { Action: 'FlyToTheMoon', Version: '2010-05-08' } });
    assert.equal(bad.status, 400);
    assert.match(bad.text, /<Code>InvalidAction<\/Code><Message>Could not find operation FlyToTheMoon for version 2010-05-08<\/Message>/);
  });

  test('special characters travel intact (form decoding, XML escaping)', async () => {
    const r = name('esc');
    const doc = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'AmpLtGt', Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${acct}:root` }, Action: 'sts:AssumeRole',
      Condition: { StringLike: { 'sts:ExternalId': 'a&b<c>"d\' +%é' } } }] });
    await iam.send(new CreateRoleCommand({ RoleName: r, AssumeRolePolicyDocument: doc, Description: 'x & <y> "z" + é' }));
    const got = (await iam.send(new GetRoleCommand({ RoleName: r }))).Role;
    assert.equal(decodeURIComponent(got.AssumeRolePolicyDocument), doc);
    assert.equal(got.Description, 'x & <y> "z" + é');
    await iam.send(new DeleteRoleCommand({ RoleName: r }));
  });
});

describe('the aws CLI', () => {
  const cli = (args) => new Promise((resolve) => {
    execFile(AWS_CLI, ['--endpoint-url', srv.endpoint, '--output', 'json', ...args], {
      env: { ...process.env, AWS_SHARED_CREDENTIALS_FILE: srv.credentialsFile(), AWS_CONFIG_FILE: '/dev/null',
        AWS_REGION: REGION, AWS_DEFAULT_REGION: REGION, AWS_PROFILE: 'default', AWS_PAGER: '' },
      timeout: 60000 }, (err, stdout, stderr) => resolve({ code: err ? err.code ?? 1 : 0, stdout, stderr }));
  });
  let have = false;
  before(async () => {
    const r = await cli(['--version']).catch(() => ({ code: 1 }));
    have = r.code === 0;
  });

  test('create-user, get-user, error output', async (t) => {
    if (!have) return t.skip('aws CLI not installed');
    const u = name('cli');
    const c = await cli(['iam', 'create-user', '--user-name', u]);
    assert.equal(c.code, 0, c.stderr);
    assert.equal(JSON.parse(c.stdout).User.UserName, u);
    const g = await cli(['iam', 'get-role', '--role-name', 'no-such-role']);
    assert.notEqual(g.code, 0);
    assert.match(g.stderr, /An error occurred \(NoSuchEntity\) when calling the GetRole operation: The role with name no-such-role cannot be found\./);
    const d = await cli(['iam', 'delete-user', '--user-name', u]);
    assert.equal(d.code, 0, d.stderr);
    // The CLI decodes URL-encoded policy documents into JSON.
    const p = await cli(['iam', 'get-policy-version', '--policy-arn', 'arn:aws:iam::aws:policy/AdministratorAccess', '--version-id', 'v1']);
    assert.equal(p.code, 0, p.stderr);
    assert.deepEqual(JSON.parse(p.stdout).PolicyVersion.Document.Statement, [{ Effect: 'Allow', Action: '*', Resource: '*' }]);
  });
});
