// iam:PassRole: a role handed to a service must be passable by the caller.
// Every place that takes a role for a service to act as later (Firehose's
// RoleARN; the delivery plane's service-identity role, PutServiceLogConfiguration)
// asks the one policy engine whether the caller may pass it, with
// iam:PassedToService (and, for the delivery plane, iam:AssociatedResourceARN).
//   - Another account's role is refused whatever the caller's policies say,
//     so account B cannot write into A's bucket through A's role; A's bucket
//     stays empty.
//   - A firehose:*-only user is refused until granted iam:PassRole on the
//     role, and again when the grant names another service.
//   - The account root and an AdministratorAccess user still create streams.
//   - SimulatePrincipalPolicy and `sluice policy simulate` explain the denial.
// Driven with the JS SDK v3 and the aws CLI.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  FirehoseClient, CreateDeliveryStreamCommand, DescribeDeliveryStreamCommand,
  ListDeliveryStreamsCommand, PutRecordCommand,
} from '@aws-sdk/client-firehose';
import { CreateBucketCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import {
  CreateRoleCommand, PutRolePolicyCommand, PutUserPolicyCommand, AttachUserPolicyCommand,
  SimulatePrincipalPolicyCommand,
} from '@aws-sdk/client-iam';
import { startServer, expectAwsError, teardown, REGION, sleep, uniq, awsCli, SLUICE_BIN } from './harness.mjs';
import { iamClient } from './iam-helpers.mjs';
import { s3Client } from './s3-helpers.mjs';
import { userWith, bucketName, until } from './delivery-helpers.mjs';

let srv, A, B, credsB, iamA, iamB, s3A, dir;
let bucket, role;      // A's bucket and a role of A that Firehose may assume and that may write it

const fhAs = (credentials) => new FirehoseClient({ endpoint: srv.endpoint, region: REGION, credentials, maxAttempts: 1 });
const roleArn = (acct, n) => `arn:aws:iam::${acct}:role/${n}`;
const denied = (who, r, because) => new RegExp(`^User: ${who.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is not authorized to perform: iam:PassRole on resource: ${r.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} because ${because}`);

before(async () => {
  srv = await startServer({ extraArgs: ['--delivery-flush-seconds', '1'] });
  A = srv.adminAccountId;
  const bName = uniq('b').replace(/[^a-z0-9-]/g, '');
  B = await srv.accountCreate(bName);
  credsB = srv.credentials(bName);
  iamA = iamClient(srv);
  iamB = iamClient(srv, credsB);
  s3A = s3Client(srv);
  dir = mkdtempSync(path.join(tmpdir(), 'sluice-passrole-'));
  bucket = bucketName('pr');
  await s3A.send(new CreateBucketCommand({ Bucket: bucket }));
  role = uniq('fhrole');
  await iamA.send(new CreateRoleCommand({ RoleName: role, AssumeRolePolicyDocument: JSON.stringify({
    Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'firehose.amazonaws.com' }, Action: 'sts:AssumeRole' }] }) }));
  await iamA.send(new PutRolePolicyCommand({ RoleName: role, PolicyName: 'w', PolicyDocument: JSON.stringify({
    Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:PutObject', Resource: `arn:aws:s3:::${bucket}/*` }] }) }));
});
after(async () => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  await teardown(srv);
});

function createStream(fh, name, r = roleArn(A, role), prefix = '') {
  return fh.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: name, DeliveryStreamType: 'DirectPut',
    ExtendedS3DestinationConfiguration: { RoleARN: r, BucketARN: `arn:aws:s3:::${bucket}`, Prefix: prefix,
      BufferingHints: { IntervalInSeconds: 0, SizeInMBs: 1 } } }));
}

async function objects(prefix = '') {
  const r = await s3A.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (r.Contents ?? []).map((o) => o.Key);
}

/** The aws CLI as `creds` (an access key pair). */
const aws = (args, creds) => awsCli(srv, args, { credentials: creds });
const cliStream = (name, r) => ['firehose', 'create-delivery-stream', '--delivery-stream-name', name,
  '--delivery-stream-type', 'DirectPut', '--extended-s3-destination-configuration',
  JSON.stringify({ RoleARN: r, BucketARN: `arn:aws:s3:::${bucket}` })];

describe('another account', () => {
  test("B's root cannot hand A's role to Firehose: refused, nothing created, A's bucket stays empty", async () => {
    const fhB = fhAs(credsB);
    const name = uniq('steal');
    await expectAwsError(() => createStream(fhB, name), 'AccessDeniedException',
      denied(`arn:aws:iam::${B}:root`, roleArn(A, role), 'no resource-based policy allows the iam:PassRole action'));
    await expectAwsError(() => fhB.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: name })),
      'ResourceNotFoundException');
    await expectAwsError(() => fhB.send(new PutRecordCommand({ DeliveryStreamName: name,
      Record: { Data: new TextEncoder().encode('stolen\n') } })), 'ResourceNotFoundException');
    // An administrator of B: its policies cannot reach A's role either.
    const admin = await userWith(iamB, ['*']);
    await expectAwsError(() => createStream(fhAs(admin), name), 'AccessDeniedException',
      denied(`arn:aws:iam::${B}:user/${admin.name}`, roleArn(A, role), 'no resource-based policy allows'));
    // The aws CLI sees the same refusal.
    const cli = await aws(cliStream(name, roleArn(A, role)), credsB);
    assert.notEqual(cli.code, 0);
    assert.match(cli.stderr, /AccessDeniedException/);
    assert.match(cli.stderr, /is not authorized to perform: iam:PassRole on resource/);
    assert.deepEqual((await fhB.send(new ListDeliveryStreamsCommand({}))).DeliveryStreamNames, []);
    await sleep(1500);
    assert.deepEqual(await objects(), [], "nothing reached A's bucket");
  });
});

describe('one account', () => {
  test('a firehose:*-only user is refused, allowed once granted iam:PassRole, refused for another service', async () => {
    const u = await userWith(iamA, ['firehose:*']);
    const fhU = fhAs(u);
    const name = uniq('u');
    await expectAwsError(() => createStream(fhU, name, roleArn(A, role), 'user/'), 'AccessDeniedException',
      denied(`arn:aws:iam::${A}:user/${u.name}`, roleArn(A, role), 'no identity-based policy allows the iam:PassRole action'));
    assert.ok(!(await fhU.send(new ListDeliveryStreamsCommand({}))).DeliveryStreamNames.includes(name), 'nothing created');
    const cli = await aws(cliStream(name, roleArn(A, role)), u);
    assert.notEqual(cli.code, 0);
    assert.match(cli.stderr, /AccessDeniedException/);
    assert.match(cli.stderr, /iam:PassRole/);

    const grant = (service) => iamA.send(new PutUserPolicyCommand({ UserName: u.name, PolicyName: 'pass',
      PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:PassRole',
        Resource: roleArn(A, role), Condition: { StringEquals: { 'iam:PassedToService': service } } }] }) }));
    await grant('firehose.amazonaws.com');
    await createStream(fhU, name, roleArn(A, role), 'user/');
    await until('the stream', async () => (await fhU.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: name })))
      .DeliveryStreamDescription.DeliveryStreamStatus === 'ACTIVE');
    // Its records are written as the role, where the user itself may not write.
    await fhU.send(new PutRecordCommand({ DeliveryStreamName: name, Record: { Data: new TextEncoder().encode('hello\n') } }));
    // And the aws CLI, now allowed, creates one too.
    const cliOk = await aws(cliStream(uniq('cli'), roleArn(A, role)), u);
    assert.equal(cliOk.code, 0, cliOk.stderr);
    assert.match(JSON.parse(cliOk.stdout).DeliveryStreamARN, /^arn:aws:firehose:/);

    await grant('lambda.amazonaws.com');
    await expectAwsError(() => createStream(fhU, uniq('u'), roleArn(A, role)), 'AccessDeniedException',
      denied(`arn:aws:iam::${A}:user/${u.name}`, roleArn(A, role), 'no identity-based policy allows'));
    // A role in another account stays out of reach even with iam:PassRole on "*".
    const bRole = uniq('brole');
    await iamB.send(new CreateRoleCommand({ RoleName: bRole, AssumeRolePolicyDocument: JSON.stringify({
      Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'firehose.amazonaws.com' }, Action: 'sts:AssumeRole' }] }) }));
    await iamA.send(new PutUserPolicyCommand({ UserName: u.name, PolicyName: 'pass', PolicyDocument: JSON.stringify({
      Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:PassRole', Resource: '*' }] }) }));
    await expectAwsError(() => createStream(fhU, uniq('u'), roleArn(B, bRole)), 'AccessDeniedException',
      denied(`arn:aws:iam::${A}:user/${u.name}`, roleArn(B, bRole), 'no resource-based policy allows'));

    await until('the record in the bucket', async () => (await objects('user/')).length > 0);
  });

  test('the account root and an AdministratorAccess user still create streams', async () => {
    await createStream(fhAs(srv.credentials()), uniq('root'));
    const admin = await userWith(iamA, []);
    await iamA.send(new AttachUserPolicyCommand({ UserName: admin.name, PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }));
    await createStream(fhAs(admin), uniq('admin'));
    const cli = await aws(cliStream(uniq('admincli'), roleArn(A, role)), admin);
    assert.equal(cli.code, 0, cli.stderr);
  });
});

describe('the delivery plane', () => {
  // PutServiceLogConfiguration (Sluice's extension) hands a role to the
  // log-producing service: iam:PassedToService is its principal and
  // iam:AssociatedResourceARN the resource whose logs it will write.
  const call = async (body, creds) => {
    const r = await srv.raw({ target: 'PutServiceLogConfiguration', body: JSON.stringify(body), sign: creds });
    return { status: r.status, json: r.json };
  };
  const lambdaRole = async (iam, acct) => {
    const n = uniq('exec');
    await iam.send(new CreateRoleCommand({ RoleName: n, AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] }) }));
    return roleArn(acct, n);
  };
  const fn = (n) => `arn:aws:lambda:${REGION}:${A}:function:${n}`;

  test('the role must be passable for the resource, and be of the caller\'s account', async () => {
    const r = await lambdaRole(iamA, A);
    const u = await userWith(iamA, ['logs:*']);
    let out = await call({ resourceArn: fn('f1'), logType: 'FUNCTION_LOGS', roleArn: r }, u);
    assert.equal(out.status, 400);
    assert.equal(out.json.__type, 'AccessDeniedException');
    assert.match(out.json.message, denied(`arn:aws:iam::${A}:user/${u.name}`, r, 'no identity-based policy allows'));
    await iamA.send(new PutUserPolicyCommand({ UserName: u.name, PolicyName: 'pass', PolicyDocument: JSON.stringify({
      Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:PassRole', Resource: r, Condition: {
        StringEquals: { 'iam:PassedToService': 'lambda.amazonaws.com' },
        ArnLike: { 'iam:AssociatedResourceARN': fn('f1') } } }] }) }));
    out = await call({ resourceArn: fn('f1'), logType: 'FUNCTION_LOGS', roleArn: r }, u);
    assert.equal(out.status, 200, JSON.stringify(out.json));
    out = await call({ resourceArn: fn('f2'), logType: 'FUNCTION_LOGS', roleArn: r }, u);
    assert.equal(out.json.__type, 'AccessDeniedException', 'only for the resource the grant names');
    // Another account's role: refused even for A's root.
    const rb = await lambdaRole(iamB, B);
    out = await call({ resourceArn: fn('f3'), logType: 'FUNCTION_LOGS', roleArn: rb }, srv.credentials());
    assert.equal(out.json.__type, 'AccessDeniedException');
    assert.match(out.json.message, denied(`arn:aws:iam::${A}:root`, rb, 'no resource-based policy allows'));
  });
});

describe('simulation explains a PassRole denial', () => {
  test('SimulatePrincipalPolicy with iam:PassedToService, and `sluice policy simulate`', async () => {
    const u = await userWith(iamA, []);
    const doc = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:PassRole', Resource: roleArn(A, role),
      Condition: { StringEquals: { 'iam:PassedToService': 'firehose.amazonaws.com' } } }] };
    await iamA.send(new PutUserPolicyCommand({ UserName: u.name, PolicyName: 'pass', PolicyDocument: JSON.stringify(doc) }));
    const sim = (service) => iamA.send(new SimulatePrincipalPolicyCommand({
      PolicySourceArn: `arn:aws:iam::${A}:user/${u.name}`, ActionNames: ['iam:PassRole'], ResourceArns: [roleArn(A, role)],
      ContextEntries: [{ ContextKeyName: 'iam:PassedToService', ContextKeyValues: [service], ContextKeyType: 'string' }] }));
    assert.equal((await sim('firehose.amazonaws.com')).EvaluationResults[0].EvalDecision, 'allowed');
    assert.equal((await sim('lambda.amazonaws.com')).EvaluationResults[0].EvalDecision, 'implicitDeny');

    const file = path.join(dir, 'pass.json');
    writeFileSync(file, JSON.stringify(doc));
    const run = (args) => new Promise((resolve) => execFile(SLUICE_BIN, ['policy', 'simulate', ...args],
      (err, stdout) => resolve({ code: err ? err.code : 0, stdout })));
    const base = ['--principal', `arn:aws:iam::${A}:user/${u.name}`, '--identity-policy', file,
      '--action', 'iam:PassRole', '--resource', roleArn(A, role)];
    let r = await run([...base, '--context', 'iam:PassedToService=lambda.amazonaws.com']);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, /^Decision: IMPLICIT DENY$/m);
    assert.match(r.stdout, /is not authorized to perform: iam:PassRole on resource: .* because no identity-based policy allows the iam:PassRole action/);
    r = await run([...base, '--context', 'iam:PassedToService=firehose.amazonaws.com']);
    assert.equal(r.code, 0, r.stdout);
    // Another account's role: denied even for its account's root.
    r = await run(['--principal', `arn:aws:iam::${B}:root`, '--action', 'iam:PassRole', '--resource', roleArn(A, role),
      '--context', 'iam:PassedToService=firehose.amazonaws.com']);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, /because no resource-based policy allows the iam:PassRole action/);
  });
});
