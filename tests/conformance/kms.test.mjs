// AWS KMS (TrentService, JSON 1.1) through @aws-sdk/client-kms: every
// operation Sluice serves, its errors, encryption round trips, key states,
// aliases, the AWS managed key alias/aws/s3 and the key-policy
// authorization matrix (the key policy is the root: it allows directly, or
// delegates to IAM by naming the account; across accounts both sides).
//
// Where the expected message is AWS's own, its source is noted:
//   [LS]  recorded against AWS in LocalStack's KMS snapshot tests
//         (tests/aws/services/kms/test_kms.snapshot.json): "Invalid keyId
//         'x'", "Key 'ARN' does not exist", "Invalid arn REGION", the alias
//         prefix message, InvalidCiphertextException without a message,
//         IncorrectKeyException's text, "... is pending import." (same
//         form as "is disabled." / "is pending deletion.").
//   [TF]  AWS's lockout-check message as Terraform / CloudFormation users
//         report it: "The new key policy will not allow you to update the
//         key policy in the future."
//   [IAM] IAM User Guide, "Troubleshooting access denied error messages"
//         (the "because no resource-based policy allows ..." forms); the
//         Decrypt form "... on the resource associated with this
//         ciphertext because ..." as users report it.
//   [DOC] KMS Developer Guide: "Default key policy" (its text as
//         GetKeyPolicy returns it), "AWS managed keys" (the aws/s3 policy,
//         Id auto-s3-2, and description).
// Sluice's own wording (the same code as AWS) is marked [SL].
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import path from 'node:path';
import http from 'node:http';
import {
  KMSClient, CreateKeyCommand, DescribeKeyCommand, ListKeysCommand, GetKeyPolicyCommand,
  PutKeyPolicyCommand, ListKeyPoliciesCommand, CreateAliasCommand, ListAliasesCommand,
  DeleteAliasCommand, EncryptCommand, DecryptCommand, ReEncryptCommand, GenerateDataKeyCommand,
  GenerateDataKeyWithoutPlaintextCommand, GenerateRandomCommand, EnableKeyCommand,
  DisableKeyCommand, ScheduleKeyDeletionCommand, CancelKeyDeletionCommand,
  UpdateKeyDescriptionCommand, TagResourceCommand, UntagResourceCommand, ListResourceTagsCommand,
} from '@aws-sdk/client-kms';
import {
  CreateUserCommand, CreateAccessKeyCommand, PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { SignatureV4 } from '@smithy/signature-v4';
import { HttpRequest } from '@smithy/protocol-http';
import { Sha256 } from '@aws-crypto/sha256-js';
import { startServer, expectAwsError, teardown, REGION } from './harness.mjs';
import { iamClient, name } from './iam-helpers.mjs';

let srv;
let kms;        // admin root of account A
let iam;
let acct;
before(async () => {
  srv = await startServer();
  kms = kmsAs(srv.credentials());
  iam = iamClient(srv);
  acct = srv.adminAccountId;
});
after(() => teardown(srv));

function kmsAs(credentials) {
  return new KMSClient({ endpoint: srv.endpoint, region: REGION, credentials, maxAttempts: 1 });
}

const keyArn = (id, a = acct) => `arn:aws:kms:${REGION}:${a}:key/${id}`;
const aliasArn = (n, a = acct) => `arn:aws:kms:${REGION}:${a}:${n}`;
const bytes = (s) => Buffer.from(s);
const text = (b) => Buffer.from(b).toString();
const newKey = async (input = {}, client = kms) =>
  (await client.send(new CreateKeyCommand(input))).KeyMetadata;
const denied = (who, action, resource, why) =>
  `User: ${who} is not authorized to perform: ${action} on resource: ${resource} because ${why} the ${action} action`;
const policy = (...statements) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const rootStmt = (a = acct, Action = 'kms:*') =>
  ({ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${a}:root` }, Action, Resource: '*' });

async function userIn(iamc, account, userPolicy) {
  const u = name('ku');
  await iamc.send(new CreateUserCommand({ UserName: u }));
  if (userPolicy) {
    await iamc.send(new PutUserPolicyCommand({ UserName: u, PolicyName: 'p', PolicyDocument: userPolicy }));
  }
  const k = await iamc.send(new CreateAccessKeyCommand({ UserName: u }));
  return { arn: `arn:aws:iam::${account}:user/${u}`,
    kms: kmsAs({ accessKeyId: k.AccessKey.AccessKeyId, secretAccessKey: k.AccessKey.SecretAccessKey }) };
}
const userWith = (p) => userIn(iam, acct, p);
const iamAllow = (action, resource = '*') =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: resource }] });

/** A signed TrentService request without the SDK: to see bodies as sent. */
async function kmsRaw(target, body, credentials = srv.credentials()) {
  const url = new URL(srv.endpoint);
  const signer = new SignatureV4({ service: 'kms', region: REGION, credentials, sha256: Sha256 });
  const req = await signer.sign(new HttpRequest({ method: 'POST', protocol: url.protocol,
    hostname: url.hostname, port: Number(url.port), path: '/', body,
    headers: { host: `${url.hostname}:${url.port}`, 'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `TrentService.${target}` } }));
  return new Promise((resolve, reject) => {
    const r = http.request({ host: '127.0.0.1', port: Number(url.port), method: 'POST', path: '/',
      headers: { ...req.headers, 'content-length': Buffer.byteLength(body) }, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, json: JSON.parse(Buffer.concat(chunks).toString() || '{}') }));
    });
    r.on('error', reject);
    r.end(body);
  });
}

describe('keys', () => {
  test('CreateKey: a symmetric customer managed key with the default key policy [DOC]', async () => {
    const before = Date.now();
    const k = await newKey({ Description: 'orders' });
    assert.match(k.KeyId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.deepEqual({ ...k, CreationDate: undefined }, {
      AWSAccountId: acct, KeyId: k.KeyId, Arn: keyArn(k.KeyId), CreationDate: undefined,
      Enabled: true, Description: 'orders', KeyUsage: 'ENCRYPT_DECRYPT', KeyState: 'Enabled',
      Origin: 'AWS_KMS', KeyManager: 'CUSTOMER', CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT',
      KeySpec: 'SYMMETRIC_DEFAULT', EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'], MultiRegion: false,
    });
    assert.ok(k.CreationDate instanceof Date && k.CreationDate.getTime() >= before - 1000);
    const p = await kms.send(new GetKeyPolicyCommand({ KeyId: k.KeyId, PolicyName: 'default' }));
    assert.equal(p.PolicyName, 'default');
    assert.equal(p.Policy, `{
  "Version" : "2012-10-17",
  "Id" : "key-default-1",
  "Statement" : [ {
    "Sid" : "Enable IAM User Permissions",
    "Effect" : "Allow",
    "Principal" : {
      "AWS" : "arn:aws:iam::${acct}:root"
    },
    "Action" : "kms:*",
    "Resource" : "*"
  } ]
}`);
    const lp = await kms.send(new ListKeyPoliciesCommand({ KeyId: k.Arn }));
    assert.deepEqual([lp.PolicyNames, lp.Truncated], [['default'], false]);
    // Description defaults to "".
    assert.equal((await newKey()).Description, '');
  });

  test('DescribeKey by key id, key ARN, alias name and alias ARN', async () => {
    const k = await newKey();
    const alias = `alias/${name('d')}`;
    await kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: k.KeyId }));
    for (const id of [k.KeyId, k.Arn, alias, aliasArn(alias)]) {
      const d = await kms.send(new DescribeKeyCommand({ KeyId: id }));
      assert.equal(d.KeyMetadata.Arn, k.Arn, id);
    }
  });

  test('DescribeKey errors [LS]', async () => {
    await expectAwsError(() => kms.send(new DescribeKeyCommand({ KeyId: 'fake-key-id' })),
      'NotFoundException', "Invalid keyId 'fake-key-id'");
    await expectAwsError(() => kms.send(new DescribeKeyCommand({ KeyId: '134f2428cec14b25a1ae9048164dba47' })),
      'NotFoundException', "Invalid keyId '134f2428cec14b25a1ae9048164dba47'");
    const missing = '00000000-1111-4222-8333-444444444444';
    await expectAwsError(() => kms.send(new DescribeKeyCommand({ KeyId: missing })),
      'NotFoundException', `Key '${keyArn(missing)}' does not exist`);
    await expectAwsError(() => kms.send(new DescribeKeyCommand({ KeyId: keyArn(missing) })),
      'NotFoundException', `Key '${keyArn(missing)}' does not exist`);
    const k = await newKey();
    await expectAwsError(() => kms.send(new DescribeKeyCommand({ KeyId: `arn:aws:kms:eu-west-1:${acct}:key/${k.KeyId}` })),
      'NotFoundException', 'Invalid arn eu-west-1');
    await expectAwsError(() => kms.send(new DescribeKeyCommand({ KeyId: 'alias/nope' })),
      'NotFoundException', `Alias ${aliasArn('alias/nope')} is not found.`);
    // The model's constraints answer ValidationException with AWS's wording.
    await expectAwsError(() => kms.send(new DescribeKeyCommand({ KeyId: '' })), 'ValidationException',
      /^1 validation error detected: Value '' at 'keyId' failed to satisfy constraint: Member must have length greater than or equal to 1$/);
  });

  test('CreateKey refuses key specs Sluice does not serve and AWS\'s invalid combinations', async () => {
    await expectAwsError(() => kms.send(new CreateKeyCommand({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' })),
      'UnsupportedOperationException', /^KeySpec RSA_2048 is not supported/);   // [SL]
    await expectAwsError(() => kms.send(new CreateKeyCommand({ KeySpec: 'SYMMETRIC_DEFAULT', CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT' })),
      'ValidationException', 'You cannot specify KeySpec and CustomerMasterKeySpec in the same request. CustomerMasterKeySpec parameter is deprecated. Use KeySpec parameter instead.');
    await expectAwsError(() => kms.send(new CreateKeyCommand({ KeyUsage: 'SIGN_VERIFY' })),
      'ValidationException', 'KeyUsage SIGN_VERIFY is not compatible with KeySpec SYMMETRIC_DEFAULT.');   // [SL]
    await expectAwsError(() => kms.send(new CreateKeyCommand({ KeySpec: 'AES_999' })),
      'ValidationException', /^1 validation error detected: Value 'AES_999' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: \[/);
    await expectAwsError(() => kms.send(new CreateKeyCommand({ Origin: 'EXTERNAL' })),
      'UnsupportedOperationException');
    await expectAwsError(() => kms.send(new CreateKeyCommand({ MultiRegion: true })),
      'UnsupportedOperationException');
    await expectAwsError(() => kms.send(new CreateKeyCommand({ Tags: [{ TagKey: 'aws:x', TagValue: 'y' }] })),
      'TagException', 'Tags beginning with aws: are reserved');
    await expectAwsError(() => kms.send(new CreateKeyCommand({ Tags: [{ TagKey: 'a', TagValue: '1' }, { TagKey: 'a', TagValue: '2' }] })),
      'TagException', 'Duplicate tag keys');
    // CustomerMasterKeySpec alone is the deprecated spelling of KeySpec.
    assert.equal((await newKey({ CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT' })).KeySpec, 'SYMMETRIC_DEFAULT');
  });

  test('ListKeys pages with Limit / Marker and lists only the caller\'s keys', async () => {
    await newKey();
    await newKey();
    const all = [];
    let marker;
    let pages = 0;
    do {
      const out = await kms.send(new ListKeysCommand({ Limit: 1, Marker: marker }));
      assert.ok(out.Keys.length <= 1);
      all.push(...out.Keys);
      assert.equal(out.Truncated, !!out.NextMarker);
      marker = out.NextMarker;
      pages += 1;
    } while (marker);
    assert.ok(pages >= 2);
    const one = await kms.send(new ListKeysCommand({}));
    assert.deepEqual(all.map((k) => k.KeyId), one.Keys.map((k) => k.KeyId));
    for (const k of one.Keys) assert.equal(k.KeyArn, keyArn(k.KeyId));
    const other = name('lk');
    await srv.accountCreate(other);
    const theirs = await kmsAs(srv.credentials(other)).send(new ListKeysCommand({}));
    assert.deepEqual(theirs.Keys, []);
    assert.equal(theirs.Truncated, false);
  });

  test('DisableKey / EnableKey: a disabled key encrypts nothing [LS form]', async () => {
    const k = await newKey();
    const blob = (await kms.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: bytes('x') }))).CiphertextBlob;
    await kms.send(new DisableKeyCommand({ KeyId: k.KeyId }));
    const d = (await kms.send(new DescribeKeyCommand({ KeyId: k.KeyId }))).KeyMetadata;
    assert.deepEqual([d.KeyState, d.Enabled], ['Disabled', false]);
    await kms.send(new DisableKeyCommand({ KeyId: k.KeyId }));   // again: fine
    await expectAwsError(() => kms.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: bytes('x') })),
      'DisabledException', `${k.Arn} is disabled.`);
    await expectAwsError(() => kms.send(new DecryptCommand({ CiphertextBlob: blob })),
      'DisabledException', `${k.Arn} is disabled.`);
    await expectAwsError(() => kms.send(new GenerateDataKeyCommand({ KeyId: k.KeyId, KeySpec: 'AES_256' })),
      'DisabledException', `${k.Arn} is disabled.`);
    await kms.send(new EnableKeyCommand({ KeyId: k.Arn }));
    assert.equal(text((await kms.send(new DecryptCommand({ CiphertextBlob: blob }))).Plaintext), 'x');
  });

  test('ScheduleKeyDeletion / CancelKeyDeletion', async () => {
    const k = await newKey();
    await expectAwsError(() => kms.send(new ScheduleKeyDeletionCommand({ KeyId: k.KeyId, PendingWindowInDays: 6 })),
      'ValidationException', 'PendingWindowInDays should be between 7 and 30, but it is 6');
    await expectAwsError(() => kms.send(new ScheduleKeyDeletionCommand({ KeyId: k.KeyId, PendingWindowInDays: 31 })),
      'ValidationException', 'PendingWindowInDays should be between 7 and 30, but it is 31');
    await expectAwsError(() => kms.send(new ScheduleKeyDeletionCommand({ KeyId: k.KeyId, PendingWindowInDays: 366 })),
      'ValidationException', /^1 validation error detected: Value '366' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value less than or equal to 365$/);
    await expectAwsError(() => kms.send(new CancelKeyDeletionCommand({ KeyId: k.KeyId })),
      'KMSInvalidStateException', `${k.Arn} is not pending deletion.`);   // [SL]
    const now = Date.now();
    const s = await kms.send(new ScheduleKeyDeletionCommand({ KeyId: k.KeyId, PendingWindowInDays: 7 }));
    assert.deepEqual([s.KeyId, s.KeyState, s.PendingWindowInDays], [k.Arn, 'PendingDeletion', 7]);
    assert.ok(Math.abs(s.DeletionDate.getTime() - (now + 7 * 86400e3)) < 60e3);
    const d = (await kms.send(new DescribeKeyCommand({ KeyId: k.KeyId }))).KeyMetadata;
    assert.deepEqual([d.KeyState, d.Enabled, d.DeletionDate.getTime()], ['PendingDeletion', false, s.DeletionDate.getTime()]);
    const pending = `${k.Arn} is pending deletion.`;
    await expectAwsError(() => kms.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: bytes('x') })),
      'KMSInvalidStateException', pending);
    await expectAwsError(() => kms.send(new EnableKeyCommand({ KeyId: k.KeyId })), 'KMSInvalidStateException', pending);
    await expectAwsError(() => kms.send(new ScheduleKeyDeletionCommand({ KeyId: k.KeyId })),
      'KMSInvalidStateException', pending);
    // Metadata and the policy stay readable while pending.
    await kms.send(new GetKeyPolicyCommand({ KeyId: k.KeyId }));
    const c = await kms.send(new CancelKeyDeletionCommand({ KeyId: k.KeyId }));
    assert.equal(c.KeyId, k.Arn);
    const after = (await kms.send(new DescribeKeyCommand({ KeyId: k.KeyId }))).KeyMetadata;
    assert.deepEqual([after.KeyState, after.Enabled, after.DeletionDate], ['Disabled', false, undefined]);
    // Default window: 30 days.
    const s30 = await kms.send(new ScheduleKeyDeletionCommand({ KeyId: k.KeyId }));
    assert.equal(s30.PendingWindowInDays, 30);
  });

  test('UpdateKeyDescription', async () => {
    const k = await newKey({ Description: 'old' });
    await kms.send(new UpdateKeyDescriptionCommand({ KeyId: k.KeyId, Description: 'new' }));
    assert.equal((await kms.send(new DescribeKeyCommand({ KeyId: k.KeyId }))).KeyMetadata.Description, 'new');
  });

  test('tags: CreateKey Tags, TagResource, UntagResource, ListResourceTags', async () => {
    const k = await newKey({ Tags: [{ TagKey: 'team', TagValue: 'blue' }] });
    await kms.send(new TagResourceCommand({ KeyId: k.KeyId, Tags: [{ TagKey: 'env', TagValue: 'prod' }, { TagKey: 'team', TagValue: 'red' }] }));
    const t = await kms.send(new ListResourceTagsCommand({ KeyId: k.Arn }));
    assert.deepEqual([t.Tags, t.Truncated], [[{ TagKey: 'env', TagValue: 'prod' }, { TagKey: 'team', TagValue: 'red' }], false]);
    const p1 = await kms.send(new ListResourceTagsCommand({ KeyId: k.KeyId, Limit: 1 }));
    assert.deepEqual([p1.Tags.map((x) => x.TagKey), p1.Truncated], [['env'], true]);
    const p2 = await kms.send(new ListResourceTagsCommand({ KeyId: k.KeyId, Limit: 1, Marker: p1.NextMarker }));
    assert.deepEqual([p2.Tags.map((x) => x.TagKey), p2.Truncated], [['team'], false]);
    await kms.send(new UntagResourceCommand({ KeyId: k.KeyId, TagKeys: ['env', 'absent'] }));
    assert.deepEqual((await kms.send(new ListResourceTagsCommand({ KeyId: k.KeyId }))).Tags,
      [{ TagKey: 'team', TagValue: 'red' }]);
    await expectAwsError(() => kms.send(new TagResourceCommand({ KeyId: k.KeyId, Tags: [{ TagKey: 'AWS:x', TagValue: '1' }] })),
      'TagException', 'Tags beginning with aws: are reserved');
  });
});

describe('key policy', () => {
  test('PutKeyPolicy / GetKeyPolicy; malformed documents; other policy names', async () => {
    const k = await newKey();
    const doc = policy(rootStmt(), { Sid: 'ReadOnly', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${acct}:root` }, Action: 'kms:DescribeKey', Resource: '*' });
    await kms.send(new PutKeyPolicyCommand({ KeyId: k.KeyId, PolicyName: 'default', Policy: doc }));
    assert.equal((await kms.send(new GetKeyPolicyCommand({ KeyId: k.KeyId }))).Policy, doc);
    for (const bad of ['{', '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}',
      policy({ Effect: 'Allow', Principal: { AWS: 'not-an-arn' }, Action: 'kms:*', Resource: '*' })]) {
      await expectAwsError(() => kms.send(new PutKeyPolicyCommand({ KeyId: k.KeyId, Policy: bad })),
        'MalformedPolicyDocumentException');
    }
    await expectAwsError(() => kms.send(new PutKeyPolicyCommand({ KeyId: k.KeyId, Policy: policy({ Effect: 'Allow', Principal: { AWS: 'not-an-arn' }, Action: 'kms:*', Resource: '*' }) })),
      'MalformedPolicyDocumentException', 'Policy contains a statement with one or more invalid principals.');
    await expectAwsError(() => kms.send(new GetKeyPolicyCommand({ KeyId: k.KeyId, PolicyName: 'other' })),
      'NotFoundException', 'No such policy exists');
    await expectAwsError(() => kms.send(new PutKeyPolicyCommand({ KeyId: k.KeyId, PolicyName: 'other', Policy: doc })),
      'NotFoundException', 'No such policy exists');
  });

  test('the lockout safety check, and BypassPolicyLockoutSafetyCheck [TF]', async () => {
    const lockout = 'The new key policy will not allow you to update the key policy in the future.';
    const u = await userWith(null);
    // Only the user may use the key; nobody may change the policy.
    const narrow = policy({ Effect: 'Allow', Principal: { AWS: u.arn }, Action: ['kms:Encrypt', 'kms:Decrypt'], Resource: '*' });
    const k = await newKey();
    await expectAwsError(() => kms.send(new PutKeyPolicyCommand({ KeyId: k.KeyId, Policy: narrow })),
      'MalformedPolicyDocumentException', lockout);
    await expectAwsError(() => kms.send(new CreateKeyCommand({ Policy: narrow })),
      'MalformedPolicyDocumentException', lockout);
    // Naming the account root with kms:PutKeyPolicy passes.
    await kms.send(new PutKeyPolicyCommand({ KeyId: k.KeyId, Policy: policy(rootStmt(acct, ['kms:PutKeyPolicy', 'kms:GetKeyPolicy'])) }));
    // Bypassed, the policy is taken — and the account is locked out.
    await kms.send(new PutKeyPolicyCommand({ KeyId: k.KeyId, Policy: narrow, BypassPolicyLockoutSafetyCheck: true }));
    await expectAwsError(() => kms.send(new PutKeyPolicyCommand({ KeyId: k.KeyId, Policy: policy(rootStmt()) })),
      'AccessDeniedException', denied(`arn:aws:iam::${acct}:root`, 'kms:PutKeyPolicy', k.Arn, 'no resource-based policy allows'));
    const made = await newKey({ Policy: narrow, BypassPolicyLockoutSafetyCheck: true });
    await expectAwsError(() => kms.send(new DescribeKeyCommand({ KeyId: made.KeyId })), 'AccessDeniedException');
    const blob = (await u.kms.send(new EncryptCommand({ KeyId: made.Arn, Plaintext: bytes('only me') }))).CiphertextBlob;
    assert.equal(text((await u.kms.send(new DecryptCommand({ CiphertextBlob: blob }))).Plaintext), 'only me');
  });
});

describe('aliases', () => {
  test('CreateAlias / ListAliases / DeleteAlias', async () => {
    const k = await newKey();
    const a1 = `alias/${name('a')}`;
    await kms.send(new CreateAliasCommand({ AliasName: a1, TargetKeyId: k.Arn }));
    await expectAwsError(() => kms.send(new CreateAliasCommand({ AliasName: a1, TargetKeyId: k.KeyId })),
      'AlreadyExistsException', `An alias with the name ${aliasArn(a1)} already exists`);
    const mine = await kms.send(new ListAliasesCommand({ KeyId: k.KeyId }));
    assert.equal(mine.Aliases.length, 1);
    const e = mine.Aliases[0];
    assert.deepEqual([e.AliasName, e.AliasArn, e.TargetKeyId], [a1, aliasArn(a1), k.KeyId]);
    assert.ok(e.CreationDate instanceof Date && e.LastUpdatedDate instanceof Date);
    const all = await kms.send(new ListAliasesCommand({}));
    const names = all.Aliases.map((x) => x.AliasName);
    assert.deepEqual(names, [...names].sort());
    assert.ok(names.includes(a1));
    await kms.send(new DeleteAliasCommand({ AliasName: a1 }));
    await expectAwsError(() => kms.send(new DeleteAliasCommand({ AliasName: a1 })),
      'NotFoundException', `Alias ${aliasArn(a1)} is not found.`);
    await expectAwsError(() => kms.send(new EncryptCommand({ KeyId: a1, Plaintext: bytes('x') })),
      'NotFoundException', `Alias ${aliasArn(a1)} is not found.`);
  });

  test('alias names: the alias/ prefix [LS], alias/aws/ is reserved, targets are keys', async () => {
    const k = await newKey();
    await expectAwsError(() => kms.send(new CreateAliasCommand({ AliasName: 'noprefix', TargetKeyId: k.KeyId })),
      'ValidationException', 'Alias must start with the prefix "alias/". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html');
    await expectAwsError(() => kms.send(new CreateAliasCommand({ AliasName: 'alias/aws/mine', TargetKeyId: k.KeyId })),
      'NotAuthorizedException');
    await expectAwsError(() => kms.send(new DeleteAliasCommand({ AliasName: 'alias/aws/s3' })),
      'NotAuthorizedException');
    const raw = await kmsRaw('CreateAlias', JSON.stringify({ AliasName: 'alias/aws/mine', TargetKeyId: k.KeyId }));
    assert.deepEqual([raw.status, raw.json], [400, { __type: 'NotAuthorizedException' }], 'no message, as AWS');
    await expectAwsError(() => kms.send(new CreateAliasCommand({ AliasName: 'alias/bad name', TargetKeyId: k.KeyId })),
      'ValidationException', "1 validation error detected: Value 'alias/bad name' at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$");
    const a = `alias/${name('t')}`;
    await kms.send(new CreateAliasCommand({ AliasName: a, TargetKeyId: k.KeyId }));
    await expectAwsError(() => kms.send(new CreateAliasCommand({ AliasName: `alias/${name('t')}`, TargetKeyId: a })),
      'ValidationException', 'Aliases must refer to keys. Not aliases');
    await expectAwsError(() => kms.send(new CreateAliasCommand({ AliasName: `alias/${name('t')}`, TargetKeyId: '00000000-1111-4222-8333-444444444444' })),
      'NotFoundException', `Key '${keyArn('00000000-1111-4222-8333-444444444444')}' does not exist`);
  });

  test('ListAliases pages with Limit / Marker', async () => {
    const k = await newKey();
    for (let i = 0; i < 3; i++) await kms.send(new CreateAliasCommand({ AliasName: `alias/${name('pg')}`, TargetKeyId: k.KeyId }));
    const seen = [];
    let marker;
    do {
      const out = await kms.send(new ListAliasesCommand({ KeyId: k.KeyId, Limit: 2, Marker: marker }));
      assert.ok(out.Aliases.length <= 2);
      seen.push(...out.Aliases.map((x) => x.AliasName));
      marker = out.Truncated ? out.NextMarker : undefined;
    } while (marker);
    assert.equal(seen.length, 3);
    assert.deepEqual(seen, [...seen].sort());
  });
});

describe('encryption', () => {
  test('Encrypt / Decrypt round trips with and without encryption context', async () => {
    const k = await newKey();
    const e = await kms.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: bytes('hello') }));
    assert.deepEqual([e.KeyId, e.EncryptionAlgorithm], [k.Arn, 'SYMMETRIC_DEFAULT']);
    assert.ok(!Buffer.from(e.CiphertextBlob).includes('hello'));
    const d = await kms.send(new DecryptCommand({ CiphertextBlob: e.CiphertextBlob }));
    assert.deepEqual([text(d.Plaintext), d.KeyId, d.EncryptionAlgorithm], ['hello', k.Arn, 'SYMMETRIC_DEFAULT']);
    const ctx = { purpose: 'test', 'aws:s3:arn': 'arn:aws:s3:::b/k' };
    const ec = await kms.send(new EncryptCommand({ KeyId: k.Arn, Plaintext: bytes('with ctx'), EncryptionContext: ctx }));
    // The order of context pairs does not matter.
    const back = await kms.send(new DecryptCommand({ CiphertextBlob: ec.CiphertextBlob,
      EncryptionContext: { 'aws:s3:arn': 'arn:aws:s3:::b/k', purpose: 'test' } }));
    assert.equal(text(back.Plaintext), 'with ctx');
    // The largest plaintext (4096 bytes) and a binary one.
    const big = Buffer.alloc(4096, 7);
    const eb = await kms.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: big }));
    assert.deepEqual(Buffer.from((await kms.send(new DecryptCommand({ CiphertextBlob: eb.CiphertextBlob }))).Plaintext), big);
    await expectAwsError(() => kms.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: Buffer.alloc(4097) })),
      'ValidationException', /^1 validation error detected: Value 'java.nio.HeapByteBuffer\[pos=0 lim=4097 cap=4097\]' at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096$/);
  });

  test('a different or missing context, a foreign or altered blob: InvalidCiphertextException [LS]', async () => {
    const k = await newKey();
    const e = await kms.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: bytes('x'), EncryptionContext: { a: '1' } }));
    for (const ctx of [undefined, { a: '2' }, { a: '1', b: '2' }, { A: '1' }]) {
      await expectAwsError(() => kms.send(new DecryptCommand({ CiphertextBlob: e.CiphertextBlob, EncryptionContext: ctx })),
        'InvalidCiphertextException');
    }
    const noctx = await kms.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: bytes('x') }));
    await expectAwsError(() => kms.send(new DecryptCommand({ CiphertextBlob: noctx.CiphertextBlob, EncryptionContext: { a: '1' } })),
      'InvalidCiphertextException');
    const altered = Buffer.from(e.CiphertextBlob);
    altered[altered.length - 1] ^= 1;
    await expectAwsError(() => kms.send(new DecryptCommand({ CiphertextBlob: altered, EncryptionContext: { a: '1' } })),
      'InvalidCiphertextException');
    await expectAwsError(() => kms.send(new DecryptCommand({ CiphertextBlob: Buffer.from('not a ciphertext of this server at all, long enough to parse') })),
      'InvalidCiphertextException');
    const raw = await kmsRaw('Decrypt', JSON.stringify({ CiphertextBlob: Buffer.from(e.CiphertextBlob).toString('base64') }));
    assert.deepEqual([raw.status, raw.json], [400, { __type: 'InvalidCiphertextException' }], 'no message, as AWS');
  });

  test('Decrypt with KeyId: the blob\'s key or IncorrectKeyException [LS]', async () => {
    const k = await newKey();
    const other = await newKey();
    const alias = `alias/${name('dk')}`;
    await kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: k.KeyId }));
    const e = await kms.send(new EncryptCommand({ KeyId: alias, Plaintext: bytes('x') }));
    assert.equal(e.KeyId, k.Arn, 'the key ARN, not the alias');
    for (const id of [k.KeyId, k.Arn, alias]) {
      assert.equal(text((await kms.send(new DecryptCommand({ CiphertextBlob: e.CiphertextBlob, KeyId: id }))).Plaintext), 'x');
    }
    await expectAwsError(() => kms.send(new DecryptCommand({ CiphertextBlob: e.CiphertextBlob, KeyId: other.KeyId })),
      'IncorrectKeyException', 'The key ID in the request does not identify a CMK that can perform this operation.');
  });

  test('ReEncrypt moves a ciphertext to another key and context', async () => {
    const a = await newKey();
    const b = await newKey();
    const e = await kms.send(new EncryptCommand({ KeyId: a.KeyId, Plaintext: bytes('moving'), EncryptionContext: { v: '1' } }));
    await expectAwsError(() => kms.send(new ReEncryptCommand({ CiphertextBlob: e.CiphertextBlob, DestinationKeyId: b.KeyId })),
      'InvalidCiphertextException');
    const r = await kms.send(new ReEncryptCommand({ CiphertextBlob: e.CiphertextBlob, SourceEncryptionContext: { v: '1' },
      DestinationKeyId: b.Arn, DestinationEncryptionContext: { v: '2' } }));
    assert.deepEqual([r.SourceKeyId, r.KeyId, r.SourceEncryptionAlgorithm, r.DestinationEncryptionAlgorithm],
      [a.Arn, b.Arn, 'SYMMETRIC_DEFAULT', 'SYMMETRIC_DEFAULT']);
    const d = await kms.send(new DecryptCommand({ CiphertextBlob: r.CiphertextBlob, EncryptionContext: { v: '2' } }));
    assert.deepEqual([text(d.Plaintext), d.KeyId], ['moving', b.Arn]);
    await expectAwsError(() => kms.send(new ReEncryptCommand({ CiphertextBlob: e.CiphertextBlob, SourceKeyId: b.KeyId,
      SourceEncryptionContext: { v: '1' }, DestinationKeyId: b.KeyId })), 'IncorrectKeyException');
  });

  test('GenerateDataKey / GenerateDataKeyWithoutPlaintext', async () => {
    const k = await newKey();
    const g = await kms.send(new GenerateDataKeyCommand({ KeyId: k.KeyId, KeySpec: 'AES_256', EncryptionContext: { f: 'x' } }));
    assert.deepEqual([g.Plaintext.length, g.KeyId], [32, k.Arn]);
    const d = await kms.send(new DecryptCommand({ CiphertextBlob: g.CiphertextBlob, EncryptionContext: { f: 'x' } }));
    assert.deepEqual(Buffer.from(d.Plaintext), Buffer.from(g.Plaintext));
    assert.equal((await kms.send(new GenerateDataKeyCommand({ KeyId: k.KeyId, KeySpec: 'AES_128' }))).Plaintext.length, 16);
    assert.equal((await kms.send(new GenerateDataKeyCommand({ KeyId: k.KeyId, NumberOfBytes: 64 }))).Plaintext.length, 64);
    const w = await kms.send(new GenerateDataKeyWithoutPlaintextCommand({ KeyId: k.KeyId, KeySpec: 'AES_256' }));
    assert.deepEqual([w.Plaintext, w.KeyId], [undefined, k.Arn]);
    assert.equal((await kms.send(new DecryptCommand({ CiphertextBlob: w.CiphertextBlob }))).Plaintext.length, 32);
    for (const bad of [{}, { KeySpec: 'AES_256', NumberOfBytes: 32 }]) {
      await expectAwsError(() => kms.send(new GenerateDataKeyCommand({ KeyId: k.KeyId, ...bad })),
        'ValidationException', 'Please specify either number of bytes or key spec.');
    }
    await expectAwsError(() => kms.send(new GenerateDataKeyCommand({ KeyId: k.KeyId, NumberOfBytes: 1025 })),
      'ValidationException', "1 validation error detected: Value '1025' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024");
  });

  test('GenerateRandom [LS]', async () => {
    const r = await kms.send(new GenerateRandomCommand({ NumberOfBytes: 91 }));
    assert.equal(r.Plaintext.length, 91);
    await expectAwsError(() => kms.send(new GenerateRandomCommand({})), 'ValidationException', 'NumberOfBytes is required.');
    await expectAwsError(() => kms.send(new GenerateRandomCommand({ NumberOfBytes: 0 })), 'ValidationException',
      "1 validation error detected: Value '0' at 'numberOfBytes' failed to satisfy constraint: Member must have value greater than or equal to 1");
  });

  test('EncryptionAlgorithm other than SYMMETRIC_DEFAULT; DryRun', async () => {
    const k = await newKey();
    await expectAwsError(() => kms.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: bytes('x'), EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' })),
      'InvalidKeyUsageException', 'Algorithm RSAES_OAEP_SHA_256 is incompatible with key spec SYMMETRIC_DEFAULT.');   // [SL]
    await expectAwsError(() => kms.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: bytes('x'), DryRun: true })),
      'DryRunOperationException', 'The request would have succeeded, but the DryRun option is set.');
  });
});

describe('authorization: the key policy is the root', () => {
  test('same account: the default policy delegates to IAM — users need an identity policy too [IAM]', async () => {
    const k = await newKey();
    const none = await userWith(null);
    await expectAwsError(() => none.kms.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: bytes('x') })),
      'AccessDeniedException', denied(none.arn, 'kms:Encrypt', k.Arn, 'no identity-based policy allows'));
    const ok = await userWith(iamAllow(['kms:Encrypt', 'kms:Decrypt'], k.Arn));
    const e = await ok.kms.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: bytes('x') }));
    assert.equal(text((await ok.kms.send(new DecryptCommand({ CiphertextBlob: e.CiphertextBlob }))).Plaintext), 'x');
    // Only what the identity policy names:
    await expectAwsError(() => ok.kms.send(new DescribeKeyCommand({ KeyId: k.KeyId })),
      'AccessDeniedException', denied(ok.arn, 'kms:DescribeKey', k.Arn, 'no identity-based policy allows'));
    // A user without access to the key decrypting: the identity side is missing.
    await expectAwsError(() => none.kms.send(new DecryptCommand({ CiphertextBlob: e.CiphertextBlob })),
      'AccessDeniedException', denied(none.arn, 'kms:Decrypt', k.Arn, 'no identity-based policy allows'));
  });

  test('a key policy that does not name the account: IAM allows nothing', async () => {
    const u = await userWith(iamAllow('kms:*'));
    // The root keeps the policy administrable (the lockout check), no use of the key.
    const k = await newKey({ Policy: policy(rootStmt(acct, ['kms:PutKeyPolicy', 'kms:GetKeyPolicy'])) });
    await expectAwsError(() => u.kms.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: bytes('x') })),
      'AccessDeniedException', denied(u.arn, 'kms:Encrypt', k.Arn, 'no resource-based policy allows'));
    await expectAwsError(() => kms.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: bytes('x') })),
      'AccessDeniedException', denied(`arn:aws:iam::${acct}:root`, 'kms:Encrypt', k.Arn, 'no resource-based policy allows'));
    // Naming the user directly: no identity policy needed.
    const bare = await userWith(null);
    await kms.send(new PutKeyPolicyCommand({ KeyId: k.KeyId, Policy: policy(
      rootStmt(acct, ['kms:PutKeyPolicy', 'kms:GetKeyPolicy']),
      { Effect: 'Allow', Principal: { AWS: bare.arn }, Action: ['kms:Encrypt', 'kms:Decrypt'], Resource: '*' }) }));
    const e = await bare.kms.send(new EncryptCommand({ KeyId: k.Arn, Plaintext: bytes('direct') }));
    assert.equal(text((await bare.kms.send(new DecryptCommand({ CiphertextBlob: e.CiphertextBlob }))).Plaintext), 'direct');
    await expectAwsError(() => u.kms.send(new DecryptCommand({ CiphertextBlob: e.CiphertextBlob })), 'AccessDeniedException',
      `User: ${u.arn} is not authorized to perform: kms:Decrypt on the resource associated with this ciphertext because the resource does not exist in this Region, no resource-based policies allow access, or a resource-based policy explicitly denies access`);
  });

  test('explicit deny in the key policy or in IAM wins [IAM]', async () => {
    const u = await userWith(iamAllow('kms:*'));
    const k = await newKey({ Policy: policy(rootStmt(),
      { Sid: 'NoDecrypt', Effect: 'Deny', Principal: { AWS: u.arn }, Action: 'kms:Decrypt', Resource: '*' }) });
    const e = await u.kms.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: bytes('x') }));
    await expectAwsError(() => u.kms.send(new DecryptCommand({ CiphertextBlob: e.CiphertextBlob, KeyId: k.KeyId })),
      'AccessDeniedException', `User: ${u.arn} is not authorized to perform: kms:Decrypt on resource: ${k.Arn} with an explicit deny in a resource-based policy`);
    const v = await userWith(JSON.stringify({ Version: '2012-10-17', Statement: [
      { Effect: 'Allow', Action: 'kms:*', Resource: '*' },
      { Effect: 'Deny', Action: 'kms:GenerateDataKey', Resource: k.Arn }] }));
    await expectAwsError(() => v.kms.send(new GenerateDataKeyCommand({ KeyId: k.KeyId, KeySpec: 'AES_256' })),
      'AccessDeniedException', `User: ${v.arn} is not authorized to perform: kms:GenerateDataKey on resource: ${k.Arn} with an explicit deny in an identity-based policy`);
    await v.kms.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: bytes('x') }));
  });

  test('another account: the key policy must allow it, and its IAM must allow its users', async () => {
    const bName = name('kb');
    const b = await srv.accountCreate(bName);
    const bRoot = `arn:aws:iam::${b}:root`;
    const bkms = kmsAs(srv.credentials(bName));
    const k = await newKey();
    const blob = (await kms.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: bytes('shared') }))).CiphertextBlob;
    // By key id, B looks in its own account.
    await expectAwsError(() => bkms.send(new DescribeKeyCommand({ KeyId: k.KeyId })),
      'NotFoundException', `Key '${keyArn(k.KeyId, b)}' does not exist`);
    await expectAwsError(() => bkms.send(new EncryptCommand({ KeyId: k.Arn, Plaintext: bytes('x') })),
      'AccessDeniedException', denied(bRoot, 'kms:Encrypt', k.Arn, 'no resource-based policy allows'));
    await expectAwsError(() => bkms.send(new DecryptCommand({ CiphertextBlob: blob })), 'AccessDeniedException',
      `User: ${bRoot} is not authorized to perform: kms:Decrypt on the resource associated with this ciphertext because the resource does not exist in this Region, no resource-based policies allow access, or a resource-based policy explicitly denies access`);
    await kms.send(new PutKeyPolicyCommand({ KeyId: k.KeyId, Policy: policy(rootStmt(),
      { Sid: 'AccountB', Effect: 'Allow', Principal: { AWS: bRoot }, Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:DescribeKey'], Resource: '*' }) }));
    assert.equal((await bkms.send(new DescribeKeyCommand({ KeyId: k.Arn }))).KeyMetadata.AWSAccountId, acct);
    assert.equal(text((await bkms.send(new DecryptCommand({ CiphertextBlob: blob }))).Plaintext), 'shared');
    await expectAwsError(() => bkms.send(new GenerateDataKeyCommand({ KeyId: k.Arn, KeySpec: 'AES_256' })),
      'AccessDeniedException', denied(bRoot, 'kms:GenerateDataKey', k.Arn, 'no resource-based policy allows'));
    // Management stays with A: not cross-account operations.
    await expectAwsError(() => bkms.send(new DisableKeyCommand({ KeyId: k.Arn })), 'NotFoundException',
      `Key '${k.Arn}' does not exist`);
    // B's users: B's IAM must allow them as well.
    const biam = iamClient(srv, srv.credentials(bName));
    const bNone = await userIn(biam, b, null);
    await expectAwsError(() => bNone.kms.send(new EncryptCommand({ KeyId: k.Arn, Plaintext: bytes('x') })),
      'AccessDeniedException', denied(bNone.arn, 'kms:Encrypt', k.Arn, 'no identity-based policy allows'));
    const bUser = await userIn(biam, b, iamAllow('kms:Encrypt', k.Arn));
    await bUser.kms.send(new EncryptCommand({ KeyId: k.Arn, Plaintext: bytes('from b') }));
  });

  test('conditions: kms:EncryptionContext:K, kms:CallerAccount, kms:ViaService', async () => {
    const u = await userWith(null);
    const k = await newKey({ Policy: policy(rootStmt(),
      { Effect: 'Allow', Principal: { AWS: '*' }, Action: ['kms:Encrypt', 'kms:Decrypt'], Resource: '*',
        Condition: { StringEquals: { 'kms:CallerAccount': acct, 'kms:EncryptionContext:project': 'sluice' } } },
      { Effect: 'Allow', Principal: { AWS: u.arn }, Action: 'kms:GenerateDataKey', Resource: '*',
        Condition: { StringEquals: { 'kms:ViaService': `s3.${REGION}.amazonaws.com` } } }) });
    const ok = await u.kms.send(new EncryptCommand({ KeyId: k.Arn, Plaintext: bytes('x'), EncryptionContext: { project: 'sluice' } }));
    assert.equal(ok.KeyId, k.Arn);
    await u.kms.send(new DecryptCommand({ CiphertextBlob: ok.CiphertextBlob, EncryptionContext: { project: 'sluice' } }));
    await expectAwsError(() => u.kms.send(new EncryptCommand({ KeyId: k.Arn, Plaintext: bytes('x'), EncryptionContext: { project: 'other' } })),
      'AccessDeniedException', denied(u.arn, 'kms:Encrypt', k.Arn, 'no identity-based policy allows'));
    // Not through S3: kms:ViaService is absent.
    await expectAwsError(() => u.kms.send(new GenerateDataKeyCommand({ KeyId: k.Arn, KeySpec: 'AES_256' })),
      'AccessDeniedException');
    // Another account fails kms:CallerAccount even with Principal "*".
    const bName = name('kc');
    await srv.accountCreate(bName);
    await expectAwsError(() => kmsAs(srv.credentials(bName)).send(new EncryptCommand({ KeyId: k.Arn, Plaintext: bytes('x'), EncryptionContext: { project: 'sluice' } })),
      'AccessDeniedException');
  });

  test('aws:ResourceTag on the key, aws:RequestTag on CreateKey', async () => {
    const u = await userWith(JSON.stringify({ Version: '2012-10-17', Statement: [
      { Effect: 'Allow', Action: 'kms:Encrypt', Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/team': 'blue' } } },
      { Effect: 'Allow', Action: 'kms:CreateKey', Resource: '*', Condition: { StringEquals: { 'aws:RequestTag/team': 'blue' } } }] }));
    const blue = await newKey({ Tags: [{ TagKey: 'team', TagValue: 'blue' }] });
    const red = await newKey({ Tags: [{ TagKey: 'team', TagValue: 'red' }] });
    await u.kms.send(new EncryptCommand({ KeyId: blue.KeyId, Plaintext: bytes('x') }));
    await expectAwsError(() => u.kms.send(new EncryptCommand({ KeyId: red.KeyId, Plaintext: bytes('x') })), 'AccessDeniedException');
    await expectAwsError(() => u.kms.send(new CreateKeyCommand({})), 'AccessDeniedException',
      `User: ${u.arn} is not authorized to perform: kms:CreateKey because no identity-based policy allows the kms:CreateKey action`);
    await u.kms.send(new CreateKeyCommand({ Tags: [{ TagKey: 'team', TagValue: 'blue' }] }));
  });

  test('aliases need permission on the alias (IAM) and on the key (key policy)', async () => {
    const k = await newKey();
    const onlyKey = await userWith(iamAllow('kms:CreateAlias', k.Arn));
    const a = `alias/${name('perm')}`;
    await expectAwsError(() => onlyKey.kms.send(new CreateAliasCommand({ AliasName: a, TargetKeyId: k.KeyId })),
      'AccessDeniedException', denied(onlyKey.arn, 'kms:CreateAlias', aliasArn(a), 'no identity-based policy allows'));
    const both = await userWith(iamAllow('kms:CreateAlias', [k.Arn, aliasArn(a)]));
    await both.kms.send(new CreateAliasCommand({ AliasName: a, TargetKeyId: k.KeyId }));
    await expectAwsError(() => both.kms.send(new ListAliasesCommand({})), 'AccessDeniedException',
      `User: ${both.arn} is not authorized to perform: kms:ListAliases because no identity-based policy allows the kms:ListAliases action`);
  });
});

describe('AWS managed key alias/aws/s3 [DOC]', () => {
  test('exists per account on first use; only S3 may use it; users cannot change it', async () => {
    const bName = name('km');
    const b = await srv.accountCreate(bName);
    const bkms = kmsAs(srv.credentials(bName));
    // Listed before first use, without a key.
    const before = (await bkms.send(new ListAliasesCommand({}))).Aliases;
    assert.deepEqual(before, [{ AliasName: 'alias/aws/s3', AliasArn: aliasArn('alias/aws/s3', b) }]);
    const d = (await bkms.send(new DescribeKeyCommand({ KeyId: 'alias/aws/s3' }))).KeyMetadata;
    assert.deepEqual([d.KeyManager, d.AWSAccountId, d.KeyState, d.Description],
      ['AWS', b, 'Enabled', 'Default master key that protects my S3 objects when no other key is defined']);
    assert.equal((await bkms.send(new DescribeKeyCommand({ KeyId: aliasArn('alias/aws/s3', b) }))).KeyMetadata.KeyId, d.KeyId);
    const listed = (await bkms.send(new ListAliasesCommand({}))).Aliases;
    assert.deepEqual(listed.map((x) => [x.AliasName, x.TargetKeyId]), [['alias/aws/s3', d.KeyId]]);
    assert.ok((await bkms.send(new ListKeysCommand({}))).Keys.some((x) => x.KeyId === d.KeyId));
    const p = JSON.parse((await bkms.send(new GetKeyPolicyCommand({ KeyId: d.KeyId }))).Policy);
    assert.equal(p.Id, 'auto-s3-2');
    assert.deepEqual(p.Statement[0].Condition, { StringEquals: { 'kms:CallerAccount': b, 'kms:ViaService': `s3.${REGION}.amazonaws.com` } });
    assert.deepEqual(p.Statement[1].Action, ['kms:Describe*', 'kms:Get*', 'kms:List*']);
    // Not through S3, not even the account root.
    const root = `arn:aws:iam::${b}:root`;
    for (const [cmd, action] of [
      [new EncryptCommand({ KeyId: 'alias/aws/s3', Plaintext: bytes('x') }), 'kms:Encrypt'],
      [new GenerateDataKeyCommand({ KeyId: d.KeyId, KeySpec: 'AES_256' }), 'kms:GenerateDataKey'],
      [new PutKeyPolicyCommand({ KeyId: d.KeyId, Policy: policy(rootStmt(b)) }), 'kms:PutKeyPolicy'],
      [new DisableKeyCommand({ KeyId: d.KeyId }), 'kms:DisableKey'],
      [new ScheduleKeyDeletionCommand({ KeyId: d.KeyId }), 'kms:ScheduleKeyDeletion'],
      [new TagResourceCommand({ KeyId: d.KeyId, Tags: [{ TagKey: 'a', TagValue: 'b' }] }), 'kms:TagResource'],
      [new CreateAliasCommand({ AliasName: `alias/${name('m')}`, TargetKeyId: d.KeyId }), 'kms:CreateAlias'],
    ]) {
      // CreateAlias passes on the alias (IAM: the root) and fails on the key.
      await expectAwsError(() => bkms.send(cmd), 'AccessDeniedException',
        denied(root, action, d.Arn, 'no resource-based policy allows'));
    }
    await expectAwsError(() => bkms.send(new DeleteAliasCommand({ AliasName: 'alias/aws/s3' })), 'NotAuthorizedException');
    // Account A's alias/aws/s3 is another key.
    const mine = (await kms.send(new DescribeKeyCommand({ KeyId: 'alias/aws/s3' }))).KeyMetadata;
    assert.notEqual(mine.KeyId, d.KeyId);
    assert.equal(mine.AWSAccountId, acct);
  });
});

describe('protocol and durability', () => {
  test('unknown TrentService operation', async () => {
    const res = await kmsRaw('FrobnicateKey', '{}');
    assert.deepEqual([res.status, res.json.__type], [400, 'UnknownOperationException']);
  });

  test('keys, policies, aliases and ciphertexts survive a restart; the master key file is 0600', async () => {
    const mode = statSync(path.join(srv.dataDir, 'kms-master.key')).mode & 0o777;
    assert.equal(mode, 0o600);
    assert.equal(statSync(path.join(srv.dataDir, 'kms-master.key')).size, 32);
    const k = await newKey({ Description: 'durable' });
    const a = `alias/${name('dur')}`;
    await kms.send(new CreateAliasCommand({ AliasName: a, TargetKeyId: k.KeyId }));
    const e = await kms.send(new EncryptCommand({ KeyId: a, Plaintext: bytes('after restart'), EncryptionContext: { r: '1' } }));
    await kms.send(new DisableKeyCommand({ KeyId: k.KeyId }));
    await srv.kill9();
    await srv.start();
    kms = kmsAs(srv.credentials());
    assert.equal((await kms.send(new DescribeKeyCommand({ KeyId: a }))).KeyMetadata.KeyState, 'Disabled');
    await kms.send(new EnableKeyCommand({ KeyId: k.KeyId }));
    const d = await kms.send(new DecryptCommand({ CiphertextBlob: e.CiphertextBlob, EncryptionContext: { r: '1' } }));
    assert.equal(text(d.Plaintext), 'after restart');
  });
});
