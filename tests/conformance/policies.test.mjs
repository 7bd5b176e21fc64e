// PutResourcePolicy / DescribeResourcePolicies / DeleteResourcePolicy.
//
// The expected behaviour below is the project's recorded real-AWS facts:
//  - Put returns {policyName, policyDocument (echoed exactly as sent),
//    lastUpdatedTime, policyScope: "ACCOUNT"};
//  - Describe returns the document normalised: a one-item Principal.Service
//    list becomes a string, a missing Version becomes "2008-10-17";
//  - an 11th policy -> LimitExceededException "Resource limit exceeded."
//    (also pasted from real AWS in DNXLabs/terraform-aws-ecs-app#40), while
//    updating an existing one at the limit works;
//  - deleting a missing one -> ResourceNotFoundException
//    "Policy with name [NAME] does not exist.";
//  - a document over 5,120 characters -> InvalidParameterException.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  PutResourcePolicyCommand, DescribeResourcePoliciesCommand, DeleteResourcePolicyCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { startServer, expectAwsError, uniq, teardown } from './harness.mjs';

let srv;
let logs;
before(async () => {
  srv = await startServer();
  logs = srv.client();
});
after(() => teardown(srv));

const docObj = (acct, extra = {}) => ({
  Statement: [{
    Sid: 'Route53LogsToCloudWatchLogs',
    Effect: 'Allow',
    Principal: { Service: ['route53.amazonaws.com'] },
    Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    Resource: `arn:aws:logs:us-east-1:${acct}:log-group:*`,
    ...extra,
  }],
});

async function describeAll() {
  const out = [];
  let nextToken;
  let n = 0;
  do {
    const r = await logs.send(new DescribeResourcePoliciesCommand({ nextToken }));
    out.push(...r.resourcePolicies);
    nextToken = r.nextToken;
    assert.ok(++n < 20);
  } while (nextToken);
  return out;
}

async function deleteAll() {
  for (const p of await describeAll()) {
    await logs.send(new DeleteResourcePolicyCommand({ policyName: p.policyName }));
  }
  assert.deepEqual(await describeAll(), []);
}

describe('resource policies', () => {
  test('Put echoes the document as sent; Describe returns it normalised', async () => {
    await deleteAll();
    const name = uniq('pol');
    // Pretty-printed on purpose: the echo must be byte-for-byte what was sent.
    const sent = JSON.stringify(docObj(srv.adminAccountId), null, 2);
    const t0 = Date.now();
    const out = await logs.send(new PutResourcePolicyCommand({ policyName: name, policyDocument: sent }));
    const t1 = Date.now();
    const p = out.resourcePolicy;
    assert.deepEqual(Object.keys(p).sort(), ['lastUpdatedTime', 'policyDocument', 'policyName', 'policyScope']);
    assert.equal(p.policyName, name);
    assert.equal(p.policyDocument, sent);
    assert.equal(p.policyScope, 'ACCOUNT');
    assert.equal(typeof p.lastUpdatedTime, 'number');
    assert.ok(p.lastUpdatedTime >= t0 - 1000 && p.lastUpdatedTime <= t1 + 1000);

    const all = await describeAll();
    assert.equal(all.length, 1);
    const d = all[0];
    assert.equal(d.policyName, name);
    assert.equal(d.lastUpdatedTime, p.lastUpdatedTime);
    if (d.policyScope !== undefined) assert.equal(d.policyScope, 'ACCOUNT');
    const expected = docObj(srv.adminAccountId);
    expected.Version = '2008-10-17';
    expected.Statement[0].Principal.Service = 'route53.amazonaws.com';
    assert.deepEqual(JSON.parse(d.policyDocument), expected);
  });

  test('an explicit Version and a two-service Principal are kept', async () => {
    await deleteAll();
    const name = uniq('pol');
    const obj = docObj(srv.adminAccountId, { Principal: { Service: ['route53.amazonaws.com', 'delivery.logs.amazonaws.com'] } });
    obj.Version = '2012-10-17';
    await logs.send(new PutResourcePolicyCommand({ policyName: name, policyDocument: JSON.stringify(obj) }));
    const [d] = await describeAll();
    assert.deepEqual(JSON.parse(d.policyDocument), obj);
  });

  test('10 policies fit; the 11th -> LimitExceededException; updating one at the limit works', async () => {
    await deleteAll();
    const names = Array.from({ length: 10 }, (_, i) => `limit-${i}`);
    for (const n of names) {
      await logs.send(new PutResourcePolicyCommand({ policyName: n, policyDocument: JSON.stringify(docObj(srv.adminAccountId)) }));
    }
    assert.equal((await describeAll()).length, 10);
    await expectAwsError(() => logs.send(new PutResourcePolicyCommand({
      policyName: 'limit-10', policyDocument: JSON.stringify(docObj(srv.adminAccountId)),
    })), 'LimitExceededException', 'Resource limit exceeded.');
    assert.equal((await describeAll()).length, 10);

    const updated = JSON.stringify(docObj(srv.adminAccountId, { Sid: 'Updated' }));
    const before = (await describeAll()).find((p) => p.policyName === 'limit-3');
    const out = await logs.send(new PutResourcePolicyCommand({ policyName: 'limit-3', policyDocument: updated }));
    assert.equal(out.resourcePolicy.policyDocument, updated);
    assert.ok(out.resourcePolicy.lastUpdatedTime >= before.lastUpdatedTime);
    const after = await describeAll();
    assert.equal(after.length, 10);
    assert.equal(JSON.parse(after.find((p) => p.policyName === 'limit-3').policyDocument).Statement[0].Sid, 'Updated');

    // After a delete there is room again.
    await logs.send(new DeleteResourcePolicyCommand({ policyName: 'limit-0' }));
    await logs.send(new PutResourcePolicyCommand({ policyName: 'limit-10', policyDocument: JSON.stringify(docObj(srv.adminAccountId)) }));
    assert.deepEqual((await describeAll()).map((p) => p.policyName).sort(), [...names.slice(1), 'limit-10'].sort());
  });

  test('DeleteResourcePolicy removes it; a missing name -> ResourceNotFoundException', async () => {
    await deleteAll();
    await logs.send(new PutResourcePolicyCommand({ policyName: 'to-delete', policyDocument: JSON.stringify(docObj(srv.adminAccountId)) }));
    const out = await logs.send(new DeleteResourcePolicyCommand({ policyName: 'to-delete' }));
    assert.equal(out.$metadata.httpStatusCode, 200);
    assert.deepEqual(await describeAll(), []);
    await expectAwsError(() => logs.send(new DeleteResourcePolicyCommand({ policyName: 'to-delete' })),
      'ResourceNotFoundException', 'Policy with name [to-delete] does not exist.');
    const other = uniq('never');
    await expectAwsError(() => logs.send(new DeleteResourcePolicyCommand({ policyName: other })),
      'ResourceNotFoundException', `Policy with name [${other}] does not exist.`);
  });

  test('a document over 5,120 characters -> InvalidParameterException; 5,120 is accepted', async () => {
    await deleteAll();
    const mk = (len) => {
      const skeleton = JSON.stringify(docObj(srv.adminAccountId, { Sid: '' }));
      const doc = JSON.stringify(docObj(srv.adminAccountId, { Sid: 'S'.repeat(len - skeleton.length) }));
      assert.equal(doc.length, len);
      return doc;
    };
    await expectAwsError(() => logs.send(new PutResourcePolicyCommand({ policyName: 'big', policyDocument: mk(5121) })),
      'InvalidParameterException');
    assert.deepEqual(await describeAll(), []);
    const ok = mk(5120);
    const out = await logs.send(new PutResourcePolicyCommand({ policyName: 'big', policyDocument: ok }));
    assert.equal(out.resourcePolicy.policyDocument, ok);
  });

  test('a document that is not JSON -> InvalidParameterException', async () => {
    await expectAwsError(() => logs.send(new PutResourcePolicyCommand({ policyName: 'bad', policyDocument: '{not json' })),
      'InvalidParameterException');
  });
});
