// `sluice policy simulate`: the engine's decision and its reason, offline.
// The seed's automatic log-group policy (AWSLogDeliveryWrite20150319) is the
// resource policy under test: delivery.logs.amazonaws.com may write only
// with the confused-deputy conditions met.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { SLUICE_BIN, makeTempDir } from './harness.mjs';

const dir = makeTempDir('sluice-sim-');
const file = (n, doc) => { const p = path.join(dir, n); writeFileSync(p, JSON.stringify(doc)); return p; };

const identity = file('id.json', { Version: '2012-10-17', Statement: [
  { Effect: 'Allow', Action: 'logs:*', Resource: '*' },
  { Sid: 'NoDelete', Effect: 'Deny', Action: 'logs:DeleteLogGroup', Resource: '*' },
] });
const seed = file('seed.json', { Version: '2012-10-17', Statement: [{
  Sid: 'AWSLogDeliveryWrite20150319', Effect: 'Allow',
  Principal: { Service: ['delivery.logs.amazonaws.com'] },
  Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
  Resource: ['arn:aws:logs:us-east-1:0123456789:log-group:my-log-group:log-stream:*'],
  Condition: { StringEquals: { 'aws:SourceAccount': ['0123456789'] },
    ArnLike: { 'aws:SourceArn': ['arn:aws:logs:us-east-1:0123456789:*'] } },
}] });
const bad = path.join(dir, 'bad.json');
writeFileSync(bad, '{"Statement":[{"Effect":"Allow","Action":"logs:*"}]}');

function simulate(args) {
  return new Promise((resolve) => {
    execFile(SLUICE_BIN, ['policy', 'simulate', ...args], (err, stdout, stderr) => {
      resolve({ code: err ? err.code : 0, stdout, stderr });
    });
  });
}

const alice = 'arn:aws:iam::111122223333:user/alice';
const group = 'arn:aws:logs:us-east-1:111122223333:log-group:x';
const stream = 'arn:aws:logs:us-east-1:0123456789:log-group:my-log-group:log-stream:s1';

test('explicit deny names the policy and statement; exit 1', async () => {
  const r = await simulate(['--principal', alice, '--identity-policy', identity,
    '--action', 'logs:DeleteLogGroup', '--resource', group]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /^Decision: EXPLICIT DENY$/m);
  assert.match(r.stdout, /Sid "NoDelete"/);
  assert.match(r.stdout, new RegExp(`User: ${alice} is not authorized to perform: logs:DeleteLogGroup on resource: ${group} with an explicit deny in an identity-based policy`));
});

test('allow names the deciding statement; exit 0', async () => {
  const r = await simulate(['--principal', alice, '--identity-policy', identity,
    '--action', 'logs:CreateLogGroup', '--resource', group]);
  assert.equal(r.code, 0, r.stdout);
  assert.match(r.stdout, /^Decision: ALLOW$/m);
});

test('implicit deny says what is missing', async () => {
  const r = await simulate(['--principal', alice, '--action', 'logs:CreateLogGroup', '--resource', group]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /^Decision: IMPLICIT DENY$/m);
  assert.match(r.stdout, /no identity-based policy allows/);
});

test('the seed log-group policy: the service principal with matching SourceAccount/SourceArn', async () => {
  const base = ['--principal', 'delivery.logs.amazonaws.com', '--resource-policy', seed,
    '--action', 'logs:PutLogEvents', '--resource', stream];
  const ok = await simulate([...base, '--context', 'aws:SourceAccount=0123456789',
    '--context', 'aws:SourceArn=arn:aws:logs:us-east-1:0123456789:delivery-source:x']);
  assert.equal(ok.code, 0, ok.stdout);
  assert.match(ok.stdout, /AWSLogDeliveryWrite20150319/);
  // Confused deputy: another account's source does not match.
  const other = await simulate([...base, '--context', 'aws:SourceAccount=999999999999',
    '--context', 'aws:SourceArn=arn:aws:logs:us-east-1:999999999999:delivery-source:x']);
  assert.equal(other.code, 1);
  assert.match(other.stdout, /^Decision: IMPLICIT DENY$/m);
  // Another log group is outside the policy's resource.
  const elsewhere = await simulate(['--principal', 'delivery.logs.amazonaws.com', '--resource-policy', seed,
    '--action', 'logs:PutLogEvents', '--resource', stream.replace('my-log-group', 'other'),
    '--context', 'aws:SourceAccount=0123456789']);
  assert.equal(elsewhere.code, 1);
});

test('a malformed policy file is a usage error (exit 2) with the AWS message', async () => {
  const r = await simulate(['--identity-policy', bad, '--action', 'logs:X', '--resource', '*']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /MalformedPolicyDocument/);
});
