// V1 log deliveries (CreateLogDelivery & co., Sluice's model extension of
// AWS's permission-only IAM actions) with the seed's automatic permissions:
// the log group resource policy (and its 5,120-character switch to
// /aws/vendedlogs/*), the S3 bucket policy, the Firehose service-linked role
// and tag. The JS SDK does not know these operations (they are not in AWS's
// model), so they are sent as signed JSON 1.1 requests; the aws CLI drives
// them through the model extension (AWS_DATA_PATH=<repo>/models).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { CreateLogGroupCommand, DescribeResourcePoliciesCommand, PutResourcePolicyCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateBucketCommand, GetBucketPolicyCommand, PutBucketPolicyCommand } from '@aws-sdk/client-s3';
import { ListTagsForDeliveryStreamCommand } from '@aws-sdk/client-firehose';
import { GetRoleCommand } from '@aws-sdk/client-iam';
import { startServer, teardown, uniq, REGION, AWS_CLI_SKIP, awsCli as awsCliAt } from './harness.mjs';
import { clients, userWith, firehoseStream } from './delivery-helpers.mjs';

let srv, logs, acct, s3, iam, fh;

/** A signed JSON 1.1 call; resolves to { status, json }. */
async function call(op, body, creds = srv.credentials()) {
  const r = await srv.raw({ target: op, body: JSON.stringify(body), sign: creds });
  return { status: r.status, json: r.json };
}
async function ok(op, body, creds) {
  const r = await call(op, body, creds);
  assert.equal(r.status, 200, `${op}: ${JSON.stringify(r.json)}`);
  return r.json;
}
async function fails(op, body, type, message, creds) {
  const r = await call(op, body, creds);
  assert.equal(r.status, 400, `${op} should fail: ${JSON.stringify(r.json)}`);
  assert.equal(r.json.__type, type, JSON.stringify(r.json));
  if (typeof message === 'string') assert.equal(r.json.message, message);
  else if (message) assert.match(r.json.message, message);
  return r.json;
}
const vpc = () => `arn:aws:ec2:${REGION}:${acct}:vpc/vpc-${uniq('v').replace(/[^a-z0-9]/gi, '').slice(-10).toLowerCase()}`;
const webacl = () => `arn:aws:wafv2:${REGION}:${acct}:regional/webacl/${uniq('acl').replace(/[^A-Za-z0-9-]/g, '')}/id${Date.now()}`;
const groupArn = (g) => `arn:aws:logs:${REGION}:${acct}:log-group:${g}`;
async function group(name = uniq('/custom/g')) {
  await logs.send(new CreateLogGroupCommand({ logGroupName: name }));
  return name;
}
const user = (actions) => userWith(iam, actions);
async function accountPolicy() {
  const p = (await logs.send(new DescribeResourcePoliciesCommand({}))).resourcePolicies
    .find((x) => x.policyName === 'AWSLogDeliveryWrite20150319');
  return p ? JSON.parse(p.policyDocument) : null;
}

before(async () => {
  srv = await startServer();
  ({ logs, acct, s3, iam, fh } = clients(srv));
});
after(async () => { await teardown(srv); });

test('CWL: only logs:CreateLogDelivery is refused until the group is covered, then accepted', async () => {
  const g = await group();
  const onlyCreate = await user(['logs:CreateLogDelivery']);
  await fails('CreateLogDelivery', { resourceArn: webacl(), logType: 'WAF_LOGS', destinationArn: groupArn(g) },
    'AccessDeniedException', /logs:PutResourcePolicy/, onlyCreate);
  assert.equal(await accountPolicy(), null, 'no partial policy');
  // A user with the policy permissions sets it up: the policy is created.
  const full = await user(['logs:CreateLogDelivery', 'logs:PutResourcePolicy', 'logs:DescribeResourcePolicies', 'logs:DescribeLogGroups']);
  const first = await ok('CreateLogDelivery', { resourceArn: webacl(), logType: 'WAF_LOGS', destinationArn: groupArn(g) }, full);
  assert.match(first.logDelivery.id, /^[0-9A-Za-z]{16}$/);
  assert.equal(first.logDelivery.deliveryDestinationType, 'CWL');
  assert.equal(first.logDelivery.service, 'wafv2');
  const doc = await accountPolicy();
  const st = doc.Statement.find((s) => s.Sid === 'AWSLogDeliveryWrite20150319');
  // DescribeResourcePolicies shows a one-item Service list as a string (as AWS does).
  assert.deepEqual(st.Principal, { Service: 'delivery.logs.amazonaws.com' });
  assert.deepEqual([].concat(st.Action).sort(), ['logs:CreateLogStream', 'logs:PutLogEvents']);
  assert.deepEqual([].concat(st.Resource), [`${groupArn(g)}:log-stream:*`]);
  assert.deepEqual([].concat(st.Condition.StringEquals['aws:SourceAccount']), [acct]);
  assert.deepEqual([].concat(st.Condition.ArnLike['aws:SourceArn']), [`arn:aws:logs:${REGION}:${acct}:*`]);
  // Now the group is covered: CreateLogDelivery alone suffices.
  await ok('CreateLogDelivery', { resourceArn: webacl(), logType: 'WAF_LOGS', destinationArn: groupArn(g) }, onlyCreate);
  // A second group is appended to the same statement.
  const g2 = await group();
  await ok('CreateLogDelivery', { resourceArn: webacl(), logType: 'WAF_LOGS', destinationArn: groupArn(g2) }, full);
  const st2 = (await accountPolicy()).Statement.find((s) => s.Sid === 'AWSLogDeliveryWrite20150319');
  assert.deepEqual([].concat(st2.Resource).sort(), [`${groupArn(g)}:log-stream:*`, `${groupArn(g2)}:log-stream:*`].sort());
});

test('CWL: past 5,120 characters the statement switches to /aws/vendedlogs/*', async () => {
  const full = await user(['logs:CreateLogDelivery', 'logs:PutResourcePolicy', 'logs:DescribeResourcePolicies', 'logs:DescribeLogGroups']);
  let switched = false;
  for (let i = 0; i < 60 && !switched; i++) {
    const g = await group(`/custom/${'x'.repeat(150)}-${i}-${Date.now()}`);
    const r = await call('CreateLogDelivery', { resourceArn: webacl(), logType: 'WAF_LOGS', destinationArn: groupArn(g) }, full);
    const doc = await accountPolicy();
    const st = doc.Statement.find((s) => s.Sid === 'AWSLogDeliveryWrite20150319');
    if ([].concat(st.Resource).includes(`arn:aws:logs:${REGION}:${acct}:log-group:/aws/vendedlogs/*`)) {
      switched = true;
      assert.ok(JSON.stringify(doc).length <= 5120);
      // The group that did not fit is not covered: refused, with the reason.
      assert.equal(r.status, 400);
      assert.match(r.json.message, /5,?120|vendedlogs/);
    } else {
      assert.equal(r.status, 200, JSON.stringify(r.json));
    }
  }
  assert.ok(switched, 'the policy switched to /aws/vendedlogs/*');
  // From now on only /aws/vendedlogs/ groups are accepted for new groups.
  const other = await group();
  await fails('CreateLogDelivery', { resourceArn: webacl(), logType: 'WAF_LOGS', destinationArn: groupArn(other) },
    'ValidationException', /5,120.*\/aws\/vendedlogs\//, full);
  const vended = await group(uniq('/aws/vendedlogs/waf'));
  await ok('CreateLogDelivery', { resourceArn: webacl(), logType: 'WAF_LOGS', destinationArn: groupArn(vended) }, full);
});

test('S3: the bucket policy is created as the seed shows, then appended; only CreateLogDelivery once covered', async () => {
  const bucket = uniq('v1b').toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 60);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const onlyCreate = await user(['logs:CreateLogDelivery']);
  await fails('CreateLogDelivery', { resourceArn: vpc(), logType: 'VPC_FLOW_LOGS', destinationArn: `arn:aws:s3:::${bucket}` },
    'AccessDeniedException', /s3:(Get|Put)BucketPolicy/, onlyCreate);
  const full = await user(['logs:CreateLogDelivery', 's3:GetBucketPolicy', 's3:PutBucketPolicy']);
  const r = await ok('CreateLogDelivery', { resourceArn: vpc(), logType: 'VPC_FLOW_LOGS', destinationArn: `arn:aws:s3:::${bucket}`,
    s3DeliveryOptions: { perHourPartition: true } }, full);
  assert.equal(r.logDelivery.destinationOwner, acct);
  assert.deepEqual(r.logDelivery.s3DeliveryOptions, { hiveCompatiblePartitions: false, perHourPartition: true });
  const pol = JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy);
  assert.equal(pol.Id, 'AWSLogDeliveryWrite20150319');
  const acl = pol.Statement.find((s) => s.Sid === 'AWSLogDeliveryAclCheck');
  const write = pol.Statement.find((s) => s.Sid === 'AWSLogDeliveryWrite');
  assert.deepEqual([].concat(acl.Action), ['s3:GetBucketAcl']);
  assert.equal([].concat(acl.Resource)[0], `arn:aws:s3:::${bucket}`);
  assert.deepEqual([].concat(write.Action), ['s3:PutObject']);
  assert.ok([].concat(write.Resource).includes(`arn:aws:s3:::${bucket}/AWSLogs/${acct}/*`));
  assert.equal(write.Condition.StringEquals['s3:x-amz-acl'], 'bucket-owner-full-control');
  assert.deepEqual([].concat(write.Condition.ArnLike['aws:SourceArn']), [`arn:aws:logs:${REGION}:${acct}:*`]);
  // Covered now: CreateLogDelivery alone.
  await ok('CreateLogDelivery', { resourceArn: vpc(), logType: 'VPC_FLOW_LOGS', destinationArn: `arn:aws:s3:::${bucket}` }, onlyCreate);
  // A prefixed destination appends its resource; a user's own statement is kept.
  const mine = { Sid: 'Mine', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${acct}:root` }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/*` };
  await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify({ ...pol, Statement: [...pol.Statement, mine] }) }));
  await ok('CreateLogDelivery', { resourceArn: vpc(), logType: 'VPC_FLOW_LOGS', destinationArn: `arn:aws:s3:::${bucket}/flows` }, full);
  const pol2 = JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy);
  assert.ok(pol2.Statement.some((s) => s.Sid === 'Mine'));
  const w2 = pol2.Statement.find((s) => s.Sid === 'AWSLogDeliveryWrite');
  assert.ok([].concat(w2.Resource).includes(`arn:aws:s3:::${bucket}/flows/AWSLogs/${acct}/*`), JSON.stringify(w2));
});

test('Firehose: the service-linked role and the LogDeliveryEnabled tag', async () => {
  const { stream, arn: streamArn } = await firehoseStream({ iam, s3, fh, acct });
  const noSlr = await user(['logs:CreateLogDelivery', 'firehose:TagDeliveryStream']);
  await fails('CreateLogDelivery', { resourceArn: vpc(), logType: 'VPC_FLOW_LOGS', destinationArn: streamArn },
    'AccessDeniedException', /iam:CreateServiceLinkedRole/, noSlr);
  const full = await user(['logs:CreateLogDelivery', 'firehose:TagDeliveryStream', 'iam:CreateServiceLinkedRole']);
  const r = await ok('CreateLogDelivery', { resourceArn: vpc(), logType: 'VPC_FLOW_LOGS', destinationArn: streamArn }, full);
  assert.equal(r.logDelivery.deliveryDestinationType, 'FH');
  const slr = await iam.send(new GetRoleCommand({ RoleName: 'AWSServiceRoleForLogDelivery' }));
  assert.equal(slr.Role.Path, '/aws-service-role/delivery.logs.amazonaws.com/');
  const tags = (await fh.send(new ListTagsForDeliveryStreamCommand({ DeliveryStreamName: stream }))).Tags;
  assert.ok(tags.some((t) => t.Key === 'LogDeliveryEnabled' && t.Value === 'true'));
  // With the role present, the seed says TagDeliveryStream (and CreateLogDelivery) suffice.
  await ok('CreateLogDelivery', { resourceArn: vpc(), logType: 'VPC_FLOW_LOGS', destinationArn: streamArn }, noSlr);
});

test('only catalog cells marked V1 are accepted; get, list, update, delete', async () => {
  const g = await group(uniq('/aws/vendedlogs/x'));
  // VPC flow logs to CloudWatch Logs: the service writes with its own identity.
  await fails('CreateLogDelivery', { resourceArn: vpc(), logType: 'VPC_FLOW_LOGS', destinationArn: groupArn(g) },
    'ValidationException', /VPC_FLOW_LOGS.*CWL/);
  // CloudFront to CloudWatch Logs: V2 only.
  await fails('CreateLogDelivery', { resourceArn: `arn:aws:cloudfront::${acct}:distribution/EV1TEST`, logType: 'ACCESS_LOGS',
    destinationArn: groupArn(g) }, 'ValidationException', /ACCESS_LOGS.*CWL/);
  await fails('CreateLogDelivery', { resourceArn: `arn:aws:sqs:${REGION}:${acct}:q`, logType: 'X', destinationArn: groupArn(g) },
    'ResourceNotFoundException', 'Cannot access provided service.');
  await fails('CreateLogDelivery', { resourceArn: webacl(), logType: 'WAF_LOGS' }, 'ValidationException',
    "1 validation error detected: Value null at 'destinationArn' failed to satisfy constraint: Member must not be null");
  const res = webacl();
  const d = (await ok('CreateLogDelivery', { resourceArn: res, logType: 'WAF_LOGS', destinationArn: groupArn(g) })).logDelivery;
  await fails('CreateLogDelivery', { resourceArn: res, logType: 'WAF_LOGS', destinationArn: groupArn(g) }, 'ConflictException');
  assert.deepEqual((await ok('GetLogDelivery', { id: d.id })).logDelivery, d);
  const list = (await ok('ListLogDeliveries', { resourceArn: res })).logDeliveries;
  assert.deepEqual(list.map((x) => x.id), [d.id]);
  await fails('UpdateLogDelivery', { id: d.id, s3DeliveryOptions: { perHourPartition: true } }, 'ValidationException');
  await ok('DeleteLogDelivery', { id: d.id });
  await fails('GetLogDelivery', { id: d.id }, 'ResourceNotFoundException', 'Requested Log Delivery does not exist in this account.');
});

const awsCli = (args) => awsCliAt(srv, ['logs', ...args]);

test('the aws CLI drives V1 through the model extension (AWS_DATA_PATH)', { skip: AWS_CLI_SKIP }, async () => {
  const g = await group(uniq('/aws/vendedlogs/cli'));
  const res = webacl();
  const out = await awsCli(['create-log-delivery', '--resource-arn', res, '--log-type', 'WAF_LOGS', '--destination-arn', groupArn(g)]);
  assert.equal(out.err, null, out.stderr);
  assert.match(out.json.logDelivery.id, /^[0-9A-Za-z]{16}$/);
  assert.equal(out.json.logDelivery.destinationArn, groupArn(g));
  const list = await awsCli(['list-log-deliveries', '--resource-arn', res]);
  assert.deepEqual(list.json.logDeliveries.map((d) => d.id), [out.json.logDelivery.id]);
  const del = await awsCli(['delete-log-delivery', '--id', out.json.logDelivery.id]);
  assert.equal(del.err, null, del.stderr);
  const gone = await awsCli(['get-log-delivery', '--id', out.json.logDelivery.id]);
  assert.match(gone.stderr, /ResourceNotFoundException/);
  // A V1-only refusal reaches the CLI as AWS's error shape.
  const bad = await awsCli(['create-log-delivery', '--resource-arn', vpc(), '--log-type', 'VPC_FLOW_LOGS', '--destination-arn', groupArn(g)]);
  assert.match(bad.stderr, /ValidationException.*VPC_FLOW_LOGS/);
});

test('the aws CLI drives the V2 API (its own 2.9 model lacks it; AWS_DATA_PATH supplies it)', { skip: AWS_CLI_SKIP }, async () => {
  const g = await group(uniq('/aws/vendedlogs/cliv2'));
  const dist = `arn:aws:cloudfront::${acct}:distribution/ECLI${Date.now().toString(36).toUpperCase()}`;
  const src = await awsCli(['put-delivery-source', '--name', uniq('clisrc'), '--resource-arn', dist, '--log-type', 'ACCESS_LOGS']);
  assert.equal(src.err, null, src.stderr);
  const dst = await awsCli(['put-delivery-destination', '--name', uniq('clidst'), '--delivery-destination-configuration',
    `destinationResourceArn=${groupArn(g)}`]);
  assert.equal(dst.err, null, dst.stderr);
  const del = await awsCli(['create-delivery', '--delivery-source-name', src.json.deliverySource.name,
    '--delivery-destination-arn', dst.json.deliveryDestination.arn, '--record-fields', 'date', 'time', 'c-ip']);
  assert.equal(del.err, null, del.stderr);
  assert.deepEqual(del.json.delivery.recordFields, ['date', 'time', 'c-ip']);
  const got = await awsCli(['get-delivery', '--id', del.json.delivery.id]);
  assert.equal(got.json.delivery.deliverySourceName, src.json.deliverySource.name);
  const tpl = await awsCli(['describe-configuration-templates', '--service', 'cloudfront', '--log-types', 'ACCESS_LOGS',
    '--delivery-destination-types', 'S3']);
  assert.equal(tpl.err, null, tpl.stderr);
  assert.equal(tpl.json.configurationTemplates.length, 1);
  assert.equal(tpl.json.configurationTemplates[0].defaultDeliveryConfigValues.s3DeliveryConfiguration.suffixPath,
    'AWSLogs/{account-id}/CloudFront/');
  const dup = await awsCli(['create-delivery', '--delivery-source-name', src.json.deliverySource.name,
    '--delivery-destination-arn', dst.json.deliveryDestination.arn]);
  assert.match(dup.stderr, /ConflictException/);
});
