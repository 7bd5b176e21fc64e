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
//
// Log-group-scoped policies (resourceArn = a log group ARN), second block:
//  - policyScope RESOURCE, one per log group, documents up to 51,200 bytes,
//    not counted toward the 10 account-level ones ("An account can have a
//    maximum of 10 policies without resourceARN and one per LogGroup
//    resourceARN": API reference, PutResourcePolicy; 51,200 bytes: the
//    vended-logs permission pages, research delivery-behaviour.md C2);
//  - expectedRevisionId: "Required when resourceArn is provided to prevent
//    concurrent modifications. Use null when creating a resource policy for
//    the first time" (API reference); a mismatch is OperationAbortedException,
//    the conflict error Put and Delete declare in the model (the message is
//    Sluice's own); a put without it on a group that has a policy fails
//    (hashicorp/terraform-provider-aws PR #47111, AWS Support case);
//  - exactly one of policyName / resourceArn (terraform-provider-aws PR
//    #46813: "The AWS API PutResourcePolicy requires exactly one");
//  - the policy is named "resourceArn=" + the group's ARN, and that name
//    addresses it too (AWS's CloudWatch pipelines IAM reference creates and
//    updates a group's policy with --policy-name "resourceArn=<ARN>:*" and
//    reads it with describe-resource-policies --resource-arn alone);
//  - DescribeResourcePolicies: policyScope "defaults to ACCOUNT" (API
//    reference), so unfiltered it lists account-level policies only.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import {
  PutResourcePolicyCommand, DescribeResourcePoliciesCommand, DeleteResourcePolicyCommand,
  CreateLogGroupCommand, DeleteLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand,
  GetLogEventsCommand, DescribeLogStreamsCommand, TagResourceCommand, CloudWatchLogsClient,
} from '@aws-sdk/client-cloudwatch-logs';
import { CreateUserCommand, CreateAccessKeyCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { startServer, expectAwsError, uniq, teardown, REGION, AWS_CLI } from './harness.mjs';
import { iamClient, name as iamName } from './iam-helpers.mjs';

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

// ---------------------------------------------------------------------------
// Log-group-scoped resource policies.

const groupArn = (g, a = srv.adminAccountId) => `arn:aws:logs:${REGION}:${a}:log-group:${g}`;
const scopedDoc = (g, extra = {}) => JSON.stringify({
  Version: '2012-10-17',
  Statement: [{
    Sid: 'DeliveryWrite',
    Effect: 'Allow',
    Principal: { Service: 'delivery.logs.amazonaws.com' },
    Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    Resource: `${groupArn(g)}:log-stream:*`,
    ...extra,
  }],
});

async function newGroup(prefix = 'scoped') {
  const g = uniq(prefix);
  await logs.send(new CreateLogGroupCommand({ logGroupName: g }));
  return g;
}

async function describeScoped(input) {
  return (await logs.send(new DescribeResourcePoliciesCommand(input))).resourcePolicies;
}

const REVISION_CONFLICT = 'OperationAbortedException';

describe('log-group-scoped resource policies', () => {
  test('put, describe (by ARN, by scope), update with the revision, delete', async () => {
    const g = await newGroup();
    const arn = groupArn(g);
    const sent = JSON.stringify(JSON.parse(scopedDoc(g)), null, 2);
    const t0 = Date.now();
    const out = await logs.send(new PutResourcePolicyCommand({ resourceArn: arn, policyDocument: sent }));
    const p = out.resourcePolicy;
    assert.deepEqual(Object.keys(p).sort(),
      ['lastUpdatedTime', 'policyDocument', 'policyName', 'policyScope', 'resourceArn', 'revisionId']);
    assert.equal(p.policyScope, 'RESOURCE');
    assert.equal(p.resourceArn, arn);
    assert.equal(p.policyName, `resourceArn=${arn}`);
    assert.equal(p.policyDocument, sent);
    assert.ok(p.lastUpdatedTime >= t0 - 1000 && p.lastUpdatedTime <= Date.now() + 1000);
    assert.match(out.revisionId, /\S/);
    assert.equal(p.revisionId, out.revisionId);

    // By ARN (either form of it), with or without policyScope RESOURCE.
    for (const input of [{ resourceArn: arn }, { resourceArn: `${arn}:*` },
      { resourceArn: arn, policyScope: 'RESOURCE' }]) {
      const got = await describeScoped(input);
      assert.equal(got.length, 1, JSON.stringify(input));
      assert.equal(got[0].policyScope, 'RESOURCE');
      assert.equal(got[0].resourceArn, arn);
      assert.equal(got[0].revisionId, out.revisionId);
      assert.equal(got[0].policyName, `resourceArn=${arn}`);
      assert.equal(got[0].lastUpdatedTime, p.lastUpdatedTime);
      assert.deepEqual(JSON.parse(got[0].policyDocument), JSON.parse(sent));
    }
    // Listed under policyScope RESOURCE, never with the account-level ones.
    assert.ok((await describeScoped({ policyScope: 'RESOURCE' })).some((x) => x.resourceArn === arn));
    assert.ok(!(await describeScoped({})).some((x) => x.policyScope === 'RESOURCE'));
    assert.ok(!(await describeScoped({ policyScope: 'ACCOUNT' })).some((x) => x.policyScope === 'RESOURCE'));
    // Another group has none.
    const other = await newGroup();
    assert.deepEqual(await describeScoped({ resourceArn: groupArn(other) }), []);
    assert.deepEqual(await describeScoped({ resourceArn: groupArn(uniq('no-such-group')) }), []);

    // Update: the current revision in, a new one out.
    const updated = scopedDoc(g, { Sid: 'Updated' });
    const up = await logs.send(new PutResourcePolicyCommand({ resourceArn: arn, policyDocument: updated,
      expectedRevisionId: out.revisionId }));
    assert.notEqual(up.revisionId, out.revisionId);
    assert.equal(up.resourcePolicy.revisionId, up.revisionId);
    assert.equal(up.resourcePolicy.policyDocument, updated);
    assert.ok(up.resourcePolicy.lastUpdatedTime >= p.lastUpdatedTime);
    const [now] = await describeScoped({ resourceArn: arn });
    assert.equal(now.revisionId, up.revisionId);
    assert.equal(JSON.parse(now.policyDocument).Statement[0].Sid, 'Updated');

    // Delete with the current revision.
    const del = await logs.send(new DeleteResourcePolicyCommand({ resourceArn: arn, expectedRevisionId: up.revisionId }));
    assert.equal(del.$metadata.httpStatusCode, 200);
    assert.deepEqual(await describeScoped({ resourceArn: arn }), []);
    await expectAwsError(() => logs.send(new DeleteResourcePolicyCommand({ resourceArn: arn, expectedRevisionId: up.revisionId })),
      'ResourceNotFoundException', `Policy with name [resourceArn=${arn}] does not exist.`);
    // And created afresh without a revision.
    const again = await logs.send(new PutResourcePolicyCommand({ resourceArn: `${arn}:*`, policyDocument: scopedDoc(g) }));
    assert.equal(again.resourcePolicy.resourceArn, arn);
    await logs.send(new DeleteResourcePolicyCommand({ resourceArn: arn, expectedRevisionId: again.revisionId }));
  });

  test('expectedRevisionId: absent to create, the current one to change; else OperationAbortedException', async () => {
    const g = await newGroup();
    const arn = groupArn(g);
    // Creating with a revision when there is no policy.
    await expectAwsError(() => logs.send(new PutResourcePolicyCommand({ resourceArn: arn, policyDocument: scopedDoc(g),
      expectedRevisionId: 'not-a-revision' })), REVISION_CONFLICT);
    assert.deepEqual(await describeScoped({ resourceArn: arn }), []);
    const first = await logs.send(new PutResourcePolicyCommand({ resourceArn: arn, policyDocument: scopedDoc(g) }));
    const rev = first.revisionId;
    // One per group: a second create (no revision) is refused...
    await expectAwsError(() => logs.send(new PutResourcePolicyCommand({ resourceArn: arn,
      policyDocument: scopedDoc(g, { Sid: 'Second' }) })), REVISION_CONFLICT);
    // ... and so is a stale or made-up revision, for Put and for Delete.
    await expectAwsError(() => logs.send(new PutResourcePolicyCommand({ resourceArn: arn,
      policyDocument: scopedDoc(g, { Sid: 'Second' }), expectedRevisionId: `${rev}x` })), REVISION_CONFLICT);
    await expectAwsError(() => logs.send(new DeleteResourcePolicyCommand({ resourceArn: arn,
      expectedRevisionId: `${rev}x` })), REVISION_CONFLICT);
    // Delete needs the revision at all.
    await expectAwsError(() => logs.send(new DeleteResourcePolicyCommand({ resourceArn: arn })),
      'InvalidParameterException');
    // Nothing changed.
    const [cur] = await describeScoped({ resourceArn: arn });
    assert.equal(cur.revisionId, rev);
    assert.equal(JSON.parse(cur.policyDocument).Statement[0].Sid, 'DeliveryWrite');
    // Two writers with the same revision: the first wins, the second conflicts.
    const a = await logs.send(new PutResourcePolicyCommand({ resourceArn: arn,
      policyDocument: scopedDoc(g, { Sid: 'A' }), expectedRevisionId: rev }));
    await expectAwsError(() => logs.send(new PutResourcePolicyCommand({ resourceArn: arn,
      policyDocument: scopedDoc(g, { Sid: 'B' }), expectedRevisionId: rev })), REVISION_CONFLICT);
    const [after] = await describeScoped({ resourceArn: arn });
    assert.equal(after.revisionId, a.revisionId);
    assert.equal(JSON.parse(after.policyDocument).Statement[0].Sid, 'A');
    // Exactly one policy for the group, however many puts.
    assert.equal((await describeScoped({ policyScope: 'RESOURCE' })).filter((x) => x.resourceArn === arn).length, 1);
    await logs.send(new DeleteResourcePolicyCommand({ resourceArn: arn, expectedRevisionId: a.revisionId }));
  });

  test('documents up to 51,200 bytes; account-level stays at 5,120 characters', async () => {
    const g = await newGroup();
    const arn = groupArn(g);
    const mk = (len, ch = 'S') => {
      const skeleton = scopedDoc(g, { Sid: '' });
      const doc = scopedDoc(g, { Sid: ch.repeat(len - Buffer.byteLength(skeleton)) });
      return doc;
    };
    const big = mk(51200);
    assert.equal(Buffer.byteLength(big), 51200);
    // 51,201 bytes of ASCII: over the model's 51,200 too.
    await expectAwsError(() => logs.send(new PutResourcePolicyCommand({ resourceArn: arn,
      policyDocument: mk(51201) })), 'InvalidParameterException');
    // Fewer than 51,200 characters but more than 51,200 bytes (UTF-8).
    const skeleton = Buffer.byteLength(scopedDoc(g, { Sid: '' }));
    const wide = scopedDoc(g, { Sid: 'é'.repeat(Math.ceil((51201 - skeleton) / 2)) });
    assert.ok(Buffer.byteLength(wide) > 51200 && wide.length < 51200);
    await expectAwsError(() => logs.send(new PutResourcePolicyCommand({ resourceArn: arn, policyDocument: wide })),
      'InvalidParameterException',
      'Policy document length breaking Cloudwatch Logs Constraints, either < 1 or > 51200');
    assert.deepEqual(await describeScoped({ resourceArn: arn }), []);
    const out = await logs.send(new PutResourcePolicyCommand({ resourceArn: arn, policyDocument: big }));
    assert.equal(out.resourcePolicy.policyDocument, big);
    // The same document is far too long for an account-level policy.
    await expectAwsError(() => logs.send(new PutResourcePolicyCommand({ policyName: uniq('big'), policyDocument: big })),
      'InvalidParameterException');
    await expectAwsError(() => logs.send(new PutResourcePolicyCommand({ resourceArn: arn, policyDocument: '{nope',
      expectedRevisionId: out.revisionId })), 'InvalidParameterException');
    await logs.send(new DeleteResourcePolicyCommand({ resourceArn: arn, expectedRevisionId: out.revisionId }));
  });

  test('the group must exist in the caller\'s account; the ARN must be a log group\'s', async () => {
    const missing = uniq('missing');
    await expectAwsError(() => logs.send(new PutResourcePolicyCommand({ resourceArn: groupArn(missing),
      policyDocument: scopedDoc(missing) })), 'ResourceNotFoundException', 'The specified log group does not exist.');
    const g = await newGroup();
    // Another account's group: authorized on that group's ARN, where this
    // account has no say (cross-account needs the owner's allow).
    const foreign = `arn:aws:logs:${REGION}:123456789012:log-group:${g}`;
    await expectAwsError(() => logs.send(new PutResourcePolicyCommand({ resourceArn: foreign,
      policyDocument: scopedDoc(g) })), 'AccessDeniedException',
    `User: arn:aws:iam::${srv.adminAccountId}:root is not authorized to perform: logs:PutResourcePolicy on resource: ${foreign} because no resource-based policy allows the logs:PutResourcePolicy action`);
    for (const bad of [`${groupArn(g)}:log-stream:s`, 'arn:aws:s3:::bucket', 'not-an-arn',
      `arn:aws:logs:${REGION}:${srv.adminAccountId}:log-group:`]) {
      await expectAwsError(() => logs.send(new PutResourcePolicyCommand({ resourceArn: bad,
        policyDocument: scopedDoc(g) })), 'InvalidParameterException');
      await expectAwsError(() => logs.send(new DescribeResourcePoliciesCommand({ resourceArn: bad })),
        'InvalidParameterException');
      await expectAwsError(() => logs.send(new DeleteResourcePolicyCommand({ resourceArn: bad,
        expectedRevisionId: 'r' })), 'InvalidParameterException');
    }
    // policyName and resourceArn together; neither.
    await expectAwsError(() => logs.send(new PutResourcePolicyCommand({ policyName: 'both', resourceArn: groupArn(g),
      policyDocument: scopedDoc(g) })), 'InvalidParameterException');
    await expectAwsError(() => logs.send(new DeleteResourcePolicyCommand({ policyName: 'both', resourceArn: groupArn(g),
      expectedRevisionId: 'r' })), 'InvalidParameterException');
    await expectAwsError(() => logs.send(new PutResourcePolicyCommand({ policyDocument: scopedDoc(g) })),
      'InvalidParameterException', 'policyName must be specified.');
    // A resourceArn with policyScope ACCOUNT contradicts itself.
    await expectAwsError(() => logs.send(new DescribeResourcePoliciesCommand({ resourceArn: groupArn(g),
      policyScope: 'ACCOUNT' })), 'InvalidParameterException');
    // A group with no policy: nothing to delete.
    await expectAwsError(() => logs.send(new DeleteResourcePolicyCommand({ resourceArn: groupArn(g),
      expectedRevisionId: 'r' })), 'ResourceNotFoundException', `Policy with name [resourceArn=${groupArn(g)}] does not exist.`);
  });

  test('scoped policies do not count toward the 10 account-level ones', async () => {
    await deleteAll();
    for (let i = 0; i < 10; i++) {
      await logs.send(new PutResourcePolicyCommand({ policyName: `acct-${i}`, policyDocument: JSON.stringify(docObj(srv.adminAccountId)) }));
    }
    const revs = [];
    for (let i = 0; i < 3; i++) {
      const g = await newGroup('count');
      const out = await logs.send(new PutResourcePolicyCommand({ resourceArn: groupArn(g), policyDocument: scopedDoc(g) }));
      revs.push([groupArn(g), out.revisionId]);
    }
    await expectAwsError(() => logs.send(new PutResourcePolicyCommand({ policyName: 'acct-10',
      policyDocument: JSON.stringify(docObj(srv.adminAccountId)) })), 'LimitExceededException', 'Resource limit exceeded.');
    assert.equal((await describeAll()).length, 10);
    for (const [arn, rev] of revs) {
      await logs.send(new DeleteResourcePolicyCommand({ resourceArn: arn, expectedRevisionId: rev }));
    }
    await deleteAll();
  });

  test('DescribeResourcePolicies pages with limit and nextToken', async () => {
    const mine = [];
    for (let i = 0; i < 5; i++) {
      const g = await newGroup('page');
      const out = await logs.send(new PutResourcePolicyCommand({ resourceArn: groupArn(g), policyDocument: scopedDoc(g) }));
      mine.push([groupArn(g), out.revisionId]);
    }
    const seen = [];
    let nextToken;
    let pages = 0;
    do {
      const r = await logs.send(new DescribeResourcePoliciesCommand({ policyScope: 'RESOURCE', limit: 2, nextToken }));
      assert.ok(r.resourcePolicies.length <= 2);
      seen.push(...r.resourcePolicies.map((x) => x.resourceArn));
      nextToken = r.nextToken;
      assert.ok(++pages < 100);
    } while (nextToken);
    for (const [arn] of mine) assert.equal(seen.filter((x) => x === arn).length, 1, arn);
    assert.deepEqual(seen, [...seen].sort());
    await expectAwsError(() => logs.send(new DescribeResourcePoliciesCommand({ policyScope: 'RESOURCE', nextToken: 'garbage!' })),
      'InvalidParameterException', 'The specified nextToken is invalid.');
    for (const [arn, rev] of mine) {
      await logs.send(new DeleteResourcePolicyCommand({ resourceArn: arn, expectedRevisionId: rev }));
    }
  });

  test('deleting the log group deletes its policy', async () => {
    const g = await newGroup();
    const arn = groupArn(g);
    await logs.send(new PutResourcePolicyCommand({ resourceArn: arn, policyDocument: scopedDoc(g) }));
    await logs.send(new DeleteLogGroupCommand({ logGroupName: g }));
    assert.deepEqual(await describeScoped({ resourceArn: arn }), []);
    assert.ok(!(await describeScoped({ policyScope: 'RESOURCE' })).some((x) => x.resourceArn === arn));
    // A new group of the same name starts without one.
    await logs.send(new CreateLogGroupCommand({ logGroupName: g }));
    assert.deepEqual(await describeScoped({ resourceArn: arn }), []);
    const out = await logs.send(new PutResourcePolicyCommand({ resourceArn: arn, policyDocument: scopedDoc(g) }));
    await logs.send(new DeleteResourcePolicyCommand({ resourceArn: arn, expectedRevisionId: out.revisionId }));
  });

  test('policyName "resourceArn=<ARN>" addresses the group\'s policy (AWS\'s pipelines guide)', async () => {
    const g = await newGroup();
    const arn = groupArn(g);
    const nm = `resourceArn=${arn}:*`;
    const out = await logs.send(new PutResourcePolicyCommand({ policyName: nm, policyDocument: scopedDoc(g) }));
    assert.equal(out.resourcePolicy.policyScope, 'RESOURCE');
    assert.equal(out.resourcePolicy.resourceArn, arn);
    assert.equal(out.resourcePolicy.policyName, `resourceArn=${arn}`);
    // Updated by name without a revision, as the guide does; a wrong one still conflicts.
    const up = await logs.send(new PutResourcePolicyCommand({ policyName: nm, policyDocument: scopedDoc(g, { Sid: 'ByName' }) }));
    assert.notEqual(up.revisionId, out.revisionId);
    await expectAwsError(() => logs.send(new PutResourcePolicyCommand({ policyName: nm, policyDocument: scopedDoc(g),
      expectedRevisionId: out.revisionId })), REVISION_CONFLICT);
    const [d] = await describeScoped({ resourceArn: `${arn}:*` });
    assert.equal(JSON.parse(d.policyDocument).Statement[0].Sid, 'ByName');
    assert.ok(!(await describeAll()).some((x) => x.policyName.startsWith('resourceArn=')));
    await logs.send(new DeleteResourcePolicyCommand({ policyName: nm }));
    assert.deepEqual(await describeScoped({ resourceArn: arn }), []);
  });

  test('IAM: the policy operations authorize on the group\'s ARN when resourceArn names one', async () => {
    const iam = iamClient(srv);
    const acct = srv.adminAccountId;
    const gOk = await newGroup('iam-ok');
    const gNo = await newGroup('iam-no');
    const u = iamName('rp');
    await iam.send(new CreateUserCommand({ UserName: u }));
    await iam.send(new PutUserPolicyCommand({ UserName: u, PolicyName: 'p', PolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: ['logs:PutResourcePolicy', 'logs:DescribeResourcePolicies', 'logs:DeleteResourcePolicy'],
        Resource: groupArn(gOk) }],
    }) }));
    const k = await iam.send(new CreateAccessKeyCommand({ UserName: u }));
    const ul = new CloudWatchLogsClient({ endpoint: srv.endpoint, region: REGION, maxAttempts: 1,
      credentials: { accessKeyId: k.AccessKey.AccessKeyId, secretAccessKey: k.AccessKey.SecretAccessKey } });
    const uarn = `arn:aws:iam::${acct}:user/${u}`;
    const out = await ul.send(new PutResourcePolicyCommand({ resourceArn: groupArn(gOk), policyDocument: scopedDoc(gOk) }));
    assert.equal((await ul.send(new DescribeResourcePoliciesCommand({ resourceArn: groupArn(gOk) }))).resourcePolicies.length, 1);
    await expectAwsError(() => ul.send(new PutResourcePolicyCommand({ resourceArn: `${groupArn(gNo)}:*`, policyDocument: scopedDoc(gNo) })),
      'AccessDeniedException',
      `User: ${uarn} is not authorized to perform: logs:PutResourcePolicy on resource: ${groupArn(gNo)} because no identity-based policy allows the logs:PutResourcePolicy action`);
    await expectAwsError(() => ul.send(new PutResourcePolicyCommand({ policyName: 'acct', policyDocument: scopedDoc(gNo) })),
      'AccessDeniedException',
      `User: ${uarn} is not authorized to perform: logs:PutResourcePolicy on resource: arn:aws:logs:${REGION}:${acct}:* because no identity-based policy allows the logs:PutResourcePolicy action`);
    await expectAwsError(() => ul.send(new DescribeResourcePoliciesCommand({})), 'AccessDeniedException');
    await ul.send(new DeleteResourcePolicyCommand({ resourceArn: groupArn(gOk), expectedRevisionId: out.revisionId }));
  });

  test('aws:ResourceTag of the group conditions the policy operations', async () => {
    const iam = iamClient(srv);
    const gTeam = await newGroup('tag-team');
    const gOther = await newGroup('tag-other');
    await logs.send(new TagResourceCommand({ resourceArn: groupArn(gTeam), tags: { team: 'blue' } }));
    const u = iamName('rptag');
    await iam.send(new CreateUserCommand({ UserName: u }));
    await iam.send(new PutUserPolicyCommand({ UserName: u, PolicyName: 'p', PolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'logs:PutResourcePolicy', Resource: '*',
        Condition: { StringEquals: { 'aws:ResourceTag/team': 'blue' } } }],
    }) }));
    const k = await iam.send(new CreateAccessKeyCommand({ UserName: u }));
    const ul = new CloudWatchLogsClient({ endpoint: srv.endpoint, region: REGION, maxAttempts: 1,
      credentials: { accessKeyId: k.AccessKey.AccessKeyId, secretAccessKey: k.AccessKey.SecretAccessKey } });
    const out = await ul.send(new PutResourcePolicyCommand({ resourceArn: groupArn(gTeam), policyDocument: scopedDoc(gTeam) }));
    await expectAwsError(() => ul.send(new PutResourcePolicyCommand({ resourceArn: groupArn(gOther), policyDocument: scopedDoc(gOther) })),
      'AccessDeniedException');
    await logs.send(new DeleteResourcePolicyCommand({ resourceArn: groupArn(gTeam), expectedRevisionId: out.revisionId }));
  });

  test('cross-account: another account\'s user reads the group as far as its scoped policy allows', async () => {
    // PutLogEvents names its group by name only (no ARN form on the wire),
    // so a cross-account *write* is exercised against the engine in
    // tests/unit/test_rpolicy.c; over the wire, reads by ARN show the same
    // gathering: the group's scoped policy, with the account-level ones.
    const bobName = iamName('bob');
    const bobId = await srv.accountCreate(bobName);
    const bobIam = iamClient(srv, srv.credentials(bobName));
    const u = iamName('reader');
    await bobIam.send(new CreateUserCommand({ UserName: u }));
    await bobIam.send(new PutUserPolicyCommand({ UserName: u, PolicyName: 'p', PolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: ['logs:GetLogEvents', 'logs:DescribeLogStreams'], Resource: '*' }],
    }) }));
    const k = await bobIam.send(new CreateAccessKeyCommand({ UserName: u }));
    const reader = new CloudWatchLogsClient({ endpoint: srv.endpoint, region: REGION, maxAttempts: 1,
      credentials: { accessKeyId: k.AccessKey.AccessKeyId, secretAccessKey: k.AccessKey.SecretAccessKey } });
    const readerArn = `arn:aws:iam::${bobId}:user/${u}`;

    const g = await newGroup('xacct');
    const other = await newGroup('xacct-other');
    for (const x of [g, other]) {
      await logs.send(new CreateLogStreamCommand({ logGroupName: x, logStreamName: 's' }));
      await logs.send(new PutLogEventsCommand({ logGroupName: x, logStreamName: 's',
        logEvents: [{ timestamp: Date.now(), message: `in ${x}` }] }));
    }
    const get = (x) => reader.send(new GetLogEventsCommand({ logGroupIdentifier: groupArn(x), logStreamName: 's' }));
    await expectAwsError(() => get(g), 'AccessDeniedException',
      `User: ${readerArn} is not authorized to perform: logs:GetLogEvents on resource: ${groupArn(g)}:log-stream:s because no resource-based policy allows the logs:GetLogEvents action`);

    const out = await logs.send(new PutResourcePolicyCommand({ resourceArn: groupArn(g), policyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: readerArn }, Action: 'logs:GetLogEvents', Resource: `${groupArn(g)}:*` }],
    }) }));
    assert.deepEqual((await get(g)).events.map((e) => e.message), [`in ${g}`]);
    // Only that group: the policy is the group's, even with Resource "*" elsewhere.
    await expectAwsError(() => get(other), 'AccessDeniedException');
    // Only what it names.
    await expectAwsError(() => reader.send(new DescribeLogStreamsCommand({ logGroupIdentifier: groupArn(g) })),
      'AccessDeniedException');

    // Evaluated together with the account-level policies: an account-level
    // explicit deny wins over the group's allow...
    const denyName = uniq('deny');
    await logs.send(new PutResourcePolicyCommand({ policyName: denyName, policyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Deny', Principal: { AWS: bobId }, Action: 'logs:GetLogEvents', Resource: `${groupArn(g)}:*` }],
    }) }));
    await expectAwsError(() => get(g), 'AccessDeniedException',
      `User: ${readerArn} is not authorized to perform: logs:GetLogEvents on resource: ${groupArn(g)}:log-stream:s with an explicit deny in a resource-based policy`);
    await logs.send(new DeleteResourcePolicyCommand({ policyName: denyName }));
    assert.equal((await get(g)).$metadata.httpStatusCode, 200);

    // ... and a group policy with Resource "*" grants on that group only.
    const up = await logs.send(new PutResourcePolicyCommand({ resourceArn: groupArn(g), expectedRevisionId: out.revisionId,
      policyDocument: JSON.stringify({ Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { AWS: bobId }, Action: 'logs:*', Resource: '*' }] }) }));
    assert.equal((await get(g)).$metadata.httpStatusCode, 200);
    assert.equal((await reader.send(new DescribeLogStreamsCommand({ logGroupIdentifier: groupArn(g) }))).logStreams.length, 1);
    await expectAwsError(() => get(other), 'AccessDeniedException');

    // Deleting the policy denies again.
    await logs.send(new DeleteResourcePolicyCommand({ resourceArn: groupArn(g), expectedRevisionId: up.revisionId }));
    await expectAwsError(() => get(g), 'AccessDeniedException');
  });
});

// The aws CLI (botocore) as a second client when installed.
let awsVersion = null;
try {
  awsVersion = execFileSync(AWS_CLI, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30000 }).trim();
} catch { /* not installed */ }
const SKIP_CLI = awsVersion ? false : 'aws CLI not installed';

function awsCli(args) {
  const env = Object.fromEntries(Object.entries(process.env)
    .filter(([k]) => !['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_ENDPOINT_URL'].includes(k)));
  return new Promise((resolve) => {
    execFile(AWS_CLI, ['--endpoint-url', srv.endpoint, '--output', 'json', 'logs', ...args], {
      timeout: 60000,
      env: { ...env, AWS_SHARED_CREDENTIALS_FILE: srv.credentialsFile(), AWS_CONFIG_FILE: '/dev/null',
        AWS_PROFILE: 'default', AWS_DEFAULT_REGION: REGION, AWS_REGION: REGION, AWS_PAGER: '' },
    }, (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0,
      stdout, stderr, json: stdout.trim() ? JSON.parse(stdout) : undefined }));
  });
}

describe('aws CLI and scoped policies', () => {
  test('put-resource-policy --resource-arn, describe, delete --expected-revision-id', { skip: SKIP_CLI }, async () => {
    const g = await newGroup('cli');
    const arn = groupArn(g);
    let r = await awsCli(['put-resource-policy', '--resource-arn', arn, '--policy-document', scopedDoc(g)]);
    if (r.code !== 0 && /resource-arn/.test(r.stderr)) return;   // a CLI older than the parameter
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.resourcePolicy.policyScope, 'RESOURCE');
    const rev = r.json.revisionId;
    r = await awsCli(['put-resource-policy', '--resource-arn', arn, '--policy-document', scopedDoc(g)]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /OperationAbortedException/);
    r = await awsCli(['describe-resource-policies', '--resource-arn', arn, '--policy-scope', 'RESOURCE']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.json.resourcePolicies.map((x) => [x.resourceArn, x.revisionId]), [[arn, rev]]);
    r = await awsCli(['delete-resource-policy', '--resource-arn', arn, '--expected-revision-id', rev]);
    assert.equal(r.code, 0, r.stderr);
    r = await awsCli(['describe-resource-policies', '--resource-arn', arn]);
    assert.deepEqual(r.json.resourcePolicies, []);
  });
});
