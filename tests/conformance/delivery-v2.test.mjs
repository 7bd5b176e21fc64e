// The V2 delivery API (delivery sources, destinations, destination policies,
// deliveries) driven by the AWS SDK for JavaScript v3: shapes, AWS's recorded
// behaviours and errors, the seed's automatic destination permissions,
// cross-account deliveries through a destination policy, persistence.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  PutDeliverySourceCommand, GetDeliverySourceCommand, DescribeDeliverySourcesCommand,
  DeleteDeliverySourceCommand, PutDeliveryDestinationCommand, GetDeliveryDestinationCommand,
  DescribeDeliveryDestinationsCommand, DeleteDeliveryDestinationCommand,
  PutDeliveryDestinationPolicyCommand, GetDeliveryDestinationPolicyCommand,
  DeleteDeliveryDestinationPolicyCommand, CreateDeliveryCommand, GetDeliveryCommand,
  DescribeDeliveriesCommand, DeleteDeliveryCommand, UpdateDeliveryConfigurationCommand,
  CreateLogGroupCommand, DescribeResourcePoliciesCommand, TagResourceCommand,
  UntagResourceCommand, ListTagsForResourceCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { CreateBucketCommand, GetBucketPolicyCommand, PutBucketPolicyCommand } from '@aws-sdk/client-s3';
import { ListTagsForDeliveryStreamCommand } from '@aws-sdk/client-firehose';
import { GetRoleCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { startServer, teardown, expectAwsError, uniq, REGION } from './harness.mjs';
import { clients, userWith, firehoseStream, bucketName } from './delivery-helpers.mjs';
import { s3Client } from './s3-helpers.mjs';

let srv, logs, acct, s3, fh, iam;
const dist = () => `arn:aws:cloudfront::${acct}:distribution/E${uniq('d').replace(/[^A-Za-z0-9]/g, '').toUpperCase().slice(-12)}`;

async function source(name, resourceArn = dist(), logType = 'ACCESS_LOGS', extra = {}) {
  const r = await logs.send(new PutDeliverySourceCommand({ name, resourceArn, logType, ...extra }));
  return r.deliverySource;
}
async function groupDest(name, group = uniq('/aws/vendedlogs/g'), extra = {}) {
  await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
  const r = await logs.send(new PutDeliveryDestinationCommand({ name,
    deliveryDestinationConfiguration: { destinationResourceArn: `arn:aws:logs:${REGION}:${acct}:log-group:${group}` }, ...extra }));
  return { ...r.deliveryDestination, group };
}
async function bucketDest(name, client = s3, l = logs, extra = {}, bucket = bucketName()) {
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  const r = await l.send(new PutDeliveryDestinationCommand({ name,
    deliveryDestinationConfiguration: { destinationResourceArn: `arn:aws:s3:::${bucket}` }, ...extra }));
  return { ...r.deliveryDestination, bucket };
}

before(async () => {
  srv = await startServer();
  ({ logs, acct, s3, iam, fh } = clients(srv));
});
after(async () => { await teardown(srv); });

test('same account: a CloudFront source to a log group, with the automatic resource policy', async () => {
  const src = await source(uniq('src'));
  assert.equal(src.service, 'cloudfront');
  assert.equal(src.logType, 'ACCESS_LOGS');
  assert.equal(src.resourceArns.length, 1);
  assert.match(src.arn, new RegExp(`^arn:aws:logs:${REGION}:${acct}:delivery-source:`));
  const d = await groupDest(uniq('dst'));
  assert.equal(d.deliveryDestinationType, 'CWL');
  assert.equal(d.outputFormat, undefined, 'outputFormat only when sent');
  const del = (await logs.send(new CreateDeliveryCommand({ deliverySourceName: src.name,
    deliveryDestinationArn: d.arn }))).delivery;
  assert.match(del.id, /^[0-9A-Za-z]{16}$/);
  assert.equal(del.arn, `arn:aws:logs:${REGION}:${acct}:delivery:${del.id}`);
  assert.equal(del.deliveryDestinationType, 'CWL');
  assert.ok(del.recordFields.length > 0, 'template default recordFields materialised');
  assert.equal(del.s3DeliveryConfiguration, undefined);
  const pols = (await logs.send(new DescribeResourcePoliciesCommand({}))).resourcePolicies;
  const p = pols.find((x) => x.policyName === 'AWSLogDeliveryWrite20150319');
  assert.ok(p, 'AWSLogDeliveryWrite20150319 created');
  const doc = JSON.parse(p.policyDocument);
  const st = doc.Statement.find((s) => s.Sid === 'AWSLogDeliveryWrite20150319');
  const resources = [].concat(st.Resource);
  assert.ok(resources.includes(`arn:aws:logs:${REGION}:${acct}:log-group:${d.group}:log-stream:*`));
  assert.deepEqual([].concat(st.Condition.StringEquals['aws:SourceAccount']), [acct]);
  const got = (await logs.send(new GetDeliveryCommand({ id: del.id }))).delivery;
  assert.equal(got.deliverySourceName, src.name);
  assert.equal(got.deliveryDestinationArn, d.arn);
});

test('same account: to S3 (bucket policy, default suffixPath prefixed) and to Firehose (SLR and tag)', async () => {
  const src = await source(uniq('src'));
  const d = await bucketDest(uniq('dst'), s3, logs, { outputFormat: 'json' });
  assert.equal(d.outputFormat, 'json');
  assert.equal(d.deliveryDestinationType, 'S3');
  const del = (await logs.send(new CreateDeliveryCommand({ deliverySourceName: src.name,
    deliveryDestinationArn: d.arn, s3DeliveryConfiguration: { suffixPath: 'cf/{DistributionId}/{yyyy}/{MM}/{dd}' } }))).delivery;
  assert.equal(del.s3DeliveryConfiguration.suffixPath, 'AWSLogs/{account-id}/CloudFront/cf/{DistributionId}/{yyyy}/{MM}/{dd}');
  assert.equal(del.s3DeliveryConfiguration.enableHiveCompatiblePath, false);
  const pol = JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket: d.bucket }))).Policy);
  const sids = pol.Statement.map((s) => s.Sid);
  assert.ok(sids.includes('AWSLogDeliveryWrite'), JSON.stringify(pol));
  const w = pol.Statement.find((s) => s.Sid === 'AWSLogDeliveryWrite');
  assert.equal(w.Condition.StringEquals['s3:x-amz-acl'], 'bucket-owner-full-control');
  assert.ok(JSON.stringify(w.Condition.ArnLike['aws:SourceArn']).includes(`arn:aws:logs:${REGION}:${acct}:delivery-source:*`));
  // UpdateDeliveryConfiguration stores suffixPath as sent (no prefix).
  await logs.send(new UpdateDeliveryConfigurationCommand({ id: del.id, s3DeliveryConfiguration: { suffixPath: 'x/{yyyy}' } }));
  const got = (await logs.send(new GetDeliveryCommand({ id: del.id }))).delivery;
  assert.equal(got.s3DeliveryConfiguration.suffixPath, 'x/{yyyy}');

  // Firehose: DirectPut stream; the SLR and the tag are made at CreateDelivery.
  const { stream, arn: streamArn } = await firehoseStream({ iam, s3, fh, acct });
  const src2 = await source(uniq('src'));
  const fd = (await logs.send(new PutDeliveryDestinationCommand({ name: uniq('fhd'),
    deliveryDestinationConfiguration: { destinationResourceArn: streamArn } }))).deliveryDestination;
  assert.equal(fd.deliveryDestinationType, 'FH');
  await logs.send(new CreateDeliveryCommand({ deliverySourceName: src2.name, deliveryDestinationArn: fd.arn }));
  const tags = (await fh.send(new ListTagsForDeliveryStreamCommand({ DeliveryStreamName: stream }))).Tags;
  assert.deepEqual(tags.find((t) => t.Key === 'LogDeliveryEnabled'), { Key: 'LogDeliveryEnabled', Value: 'true' });
  const slr = await iam.send(new GetRoleCommand({ RoleName: 'AWSServiceRoleForLogDelivery' }));
  assert.equal(slr.Role.Path, '/aws-service-role/delivery.logs.amazonaws.com/');
});

test('delivery sources: recorded AWS errors', async () => {
  const name = uniq('src');
  const res = dist();
  await source(name, res, 'ACCESS_LOGS', { tags: { team: 'a' } });
  const got = (await logs.send(new GetDeliverySourceCommand({ name }))).deliverySource;
  assert.equal(got.tags, undefined, 'Get does not return tags');
  const tags = (await logs.send(new ListTagsForResourceCommand({ resourceArn: got.arn }))).tags;
  assert.deepEqual(tags, { team: 'a' });
  await expectAwsError(() => source(uniq('src'), res), 'ConflictException',
    'This ResourceId has already been used in another Delivery Source in this account');
  await expectAwsError(() => source(name, dist()), 'ConflictException',
    'Update to existing Delivery Source with new ResourceId is not allowed. Please create a new Delivery Source instead.');
  await expectAwsError(() => source(name, res, 'ACCESS_LOGS', { tags: { b: 'c' } }), 'ConflictException',
    'Tags can only be provided when a resource is being created, not updated.');
  await source(name, res); // the same again: an update, 200
  await expectAwsError(() => source(uniq('src'), `arn:aws:sqs:${REGION}:${acct}:queue1`), 'ResourceNotFoundException',
    'Cannot access provided service.');
  await expectAwsError(() => source(uniq('src'), dist(), 'NOT_A_LOG_TYPE'), 'ValidationException');
  await expectAwsError(() => logs.send(new GetDeliverySourceCommand({ name: 'missing' })), 'ResourceNotFoundException',
    'Requested Delivery Source does not exist in this account.');
  await expectAwsError(() => logs.send(new DeleteDeliverySourceCommand({ name: 'missing' })), 'ResourceNotFoundException',
    'Requested Delivery Source does not exist in this account.');
  await expectAwsError(() => source('bad name!', dist()), 'ValidationException', /at 'name' failed to satisfy constraint/);
  // Another account's resource: refused.
  await expectAwsError(() => source(uniq('src'), 'arn:aws:cloudfront::999999999999:distribution/EOTHER'), 'AccessDeniedException');
  // Tag operations on delivery ARNs.
  await logs.send(new TagResourceCommand({ resourceArn: got.arn, tags: { x: '1' } }));
  await logs.send(new UntagResourceCommand({ resourceArn: got.arn, tagKeys: ['team'] }));
  assert.deepEqual((await logs.send(new ListTagsForResourceCommand({ resourceArn: got.arn }))).tags, { x: '1' });
  await expectAwsError(() => logs.send(new ListTagsForResourceCommand({
    resourceArn: `arn:aws:logs:${REGION}:${acct}:delivery-source:nope` })), 'ResourceNotFoundException');
});

test('delivery destinations and destination policies: recorded AWS errors', async () => {
  await expectAwsError(() => logs.send(new PutDeliveryDestinationCommand({ name: uniq('d'), outputFormat: 'foobar',
    deliveryDestinationConfiguration: { destinationResourceArn: 'arn:aws:s3:::x' } })), 'ValidationException',
  "1 validation error detected: Value 'foobar' at 'outputFormat' failed to satisfy constraint: Member must satisfy enum value set: [w3c, raw, json, plain, parquet]");
  const name = uniq('dst');
  const d = await bucketDest(name, s3, logs, { outputFormat: 'json', tags: { k: 'v' } });
  // Same name, another bucket: updated in place.
  const b2 = bucketName();
  await s3.send(new CreateBucketCommand({ Bucket: b2 }));
  const upd = (await logs.send(new PutDeliveryDestinationCommand({ name, outputFormat: 'json',
    deliveryDestinationConfiguration: { destinationResourceArn: `arn:aws:s3:::${b2}` } }))).deliveryDestination;
  assert.equal(upd.deliveryDestinationConfiguration.destinationResourceArn, `arn:aws:s3:::${b2}`);
  assert.equal(upd.tags, undefined, 'tags are not echoed');
  await expectAwsError(() => logs.send(new PutDeliveryDestinationCommand({ name, outputFormat: 'plain',
    deliveryDestinationConfiguration: { destinationResourceArn: `arn:aws:s3:::${b2}` } })), 'ValidationException',
  'Update to existing Delivery Destination with new Output Format is not allowed. Please create a new Delivery Destination instead.');
  await expectAwsError(() => logs.send(new PutDeliveryDestinationCommand({ name, outputFormat: 'json', tags: { a: 'b' },
    deliveryDestinationConfiguration: { destinationResourceArn: `arn:aws:s3:::${b2}` } })), 'ConflictException',
  'Tags can only be provided when a resource is being created, not updated.');
  const got = (await logs.send(new GetDeliveryDestinationCommand({ name }))).deliveryDestination;
  assert.equal(got.tags, undefined);
  assert.equal(got.arn, d.arn);
  await expectAwsError(() => logs.send(new GetDeliveryDestinationCommand({ name: 'missing' })), 'ResourceNotFoundException',
    'Requested Delivery Destination does not exist in this account.');
  await expectAwsError(() => logs.send(new DeleteDeliveryDestinationCommand({ name: 'missing' })), 'ResourceNotFoundException',
    'Requested Delivery Destination does not exist in this account.');
  await expectAwsError(() => logs.send(new PutDeliveryDestinationCommand({ name: uniq('d'),
    deliveryDestinationConfiguration: { destinationResourceArn: 'arn:aws:s3:::no-such-bucket-here' } })), 'ResourceNotFoundException');
  await expectAwsError(() => groupDest(uniq('d'), uniq('/g'), { outputFormat: 'parquet' }), 'ValidationException');
  // X-Ray: a type and no configuration.
  const x = (await logs.send(new PutDeliveryDestinationCommand({ name: uniq('x'), deliveryDestinationType: 'XRAY' }))).deliveryDestination;
  assert.equal(x.deliveryDestinationType, 'XRAY');
  assert.equal(x.deliveryDestinationConfiguration, undefined);
  // Policies.
  const pol = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'AllowCreateDelivery', Effect: 'Allow',
    Principal: { AWS: '111111111111' }, Action: 'logs:CreateDelivery', Resource: d.arn }] });
  const put = await logs.send(new PutDeliveryDestinationPolicyCommand({ deliveryDestinationName: name, deliveryDestinationPolicy: pol }));
  assert.deepEqual(put.policy, { deliveryDestinationPolicy: pol });
  const gp = await logs.send(new GetDeliveryDestinationPolicyCommand({ deliveryDestinationName: name }));
  assert.equal(gp.policy.deliveryDestinationPolicy, pol);
  await logs.send(new DeleteDeliveryDestinationPolicyCommand({ deliveryDestinationName: name }));
  assert.deepEqual((await logs.send(new GetDeliveryDestinationPolicyCommand({ deliveryDestinationName: name }))).policy, {});
  await expectAwsError(() => logs.send(new PutDeliveryDestinationPolicyCommand({ deliveryDestinationName: name,
    deliveryDestinationPolicy: '{"Statement":"nope"}' })), 'ValidationException',
  'Invalid Delivery Destination resource Policy is provided.');
  await expectAwsError(() => logs.send(new PutDeliveryDestinationPolicyCommand({ deliveryDestinationName: 'missing',
    deliveryDestinationPolicy: pol })), 'ResourceNotFoundException');
});

test('deliveries: conflicts, in-use deletes, configuration validation, paging', async () => {
  const src = await source(uniq('src'));
  const d1 = await groupDest(uniq('dst'));
  const d2 = await groupDest(uniq('dst'));
  const del = (await logs.send(new CreateDeliveryCommand({ deliverySourceName: src.name, deliveryDestinationArn: d1.arn,
    tags: { t: '1' } }))).delivery;
  assert.deepEqual(del.tags, { t: '1' });
  assert.equal((await logs.send(new GetDeliveryCommand({ id: del.id }))).delivery.tags, undefined);
  await expectAwsError(() => logs.send(new CreateDeliveryCommand({ deliverySourceName: src.name, deliveryDestinationArn: d1.arn })),
    'ConflictException', 'The specified Delivery already exists');
  await expectAwsError(() => logs.send(new CreateDeliveryCommand({ deliverySourceName: src.name, deliveryDestinationArn: d2.arn })),
    'ConflictException', 'Delivery already exists for this Delivery Source with the same Delivery Destination Type.');
  await expectAwsError(() => logs.send(new DeleteDeliverySourceCommand({ name: src.name })), 'ConflictException');
  await expectAwsError(() => logs.send(new DeleteDeliveryDestinationCommand({ name: d1.name })), 'ConflictException');
  await expectAwsError(() => logs.send(new UpdateDeliveryConfigurationCommand({ id: del.id,
    s3DeliveryConfiguration: { suffixPath: 'a/' } })), 'ValidationException',
  'Provided delivery configuration is invalid for the destination type.');
  await expectAwsError(() => logs.send(new UpdateDeliveryConfigurationCommand({ id: del.id, recordFields: ['no-such-field'] })),
    'ValidationException');
  await logs.send(new UpdateDeliveryConfigurationCommand({ id: del.id, recordFields: ['date', 'time', 'c-ip'] }));
  assert.deepEqual((await logs.send(new GetDeliveryCommand({ id: del.id }))).delivery.recordFields, ['date', 'time', 'c-ip']);
  await expectAwsError(() => logs.send(new GetDeliveryCommand({ id: 'abcdefghijklmnop' })), 'ResourceNotFoundException',
    'Requested Delivery does not exist in this account.');
  await expectAwsError(() => logs.send(new CreateDeliveryCommand({ deliverySourceName: 'missing', deliveryDestinationArn: d1.arn })),
    'ResourceNotFoundException', 'Requested Delivery Source does not exist in this account.');
  // S3: hive paths and suffix variables.
  const s = await source(uniq('src'));
  const b = await bucketDest(uniq('dst'));
  await expectAwsError(() => logs.send(new CreateDeliveryCommand({ deliverySourceName: s.name, deliveryDestinationArn: b.arn,
    s3DeliveryConfiguration: { suffixPath: 'year={yyyy}/', enableHiveCompatiblePath: true } })), 'ValidationException',
  'Provided suffixPath is invalid');
  await expectAwsError(() => logs.send(new CreateDeliveryCommand({ deliverySourceName: s.name, deliveryDestinationArn: b.arn,
    s3DeliveryConfiguration: { suffixPath: '{not-a-variable}/' } })), 'ValidationException', 'Provided suffixPath is invalid');
  // Paging: limit 1 walks every delivery once.
  const seen = new Set();
  let token;
  do {
    const r = await logs.send(new DescribeDeliveriesCommand({ limit: 1, nextToken: token }));
    assert.ok(r.deliveries.length <= 1);
    for (const x of r.deliveries) { assert.ok(!seen.has(x.id)); seen.add(x.id); }
    token = r.nextToken;
  } while (token);
  assert.ok(seen.has(del.id));
  await expectAwsError(() => logs.send(new DescribeDeliveriesCommand({ nextToken: 'garbage!!' })), 'ValidationException');
  const srcs = (await logs.send(new DescribeDeliverySourcesCommand({}))).deliverySources;
  assert.ok(srcs.some((x) => x.name === src.name));
  const dsts = (await logs.send(new DescribeDeliveryDestinationsCommand({}))).deliveryDestinations;
  assert.ok(dsts.some((x) => x.name === d1.name));
  // Delete in order: delivery, source, destination.
  await logs.send(new DeleteDeliveryCommand({ id: del.id }));
  await expectAwsError(() => logs.send(new DeleteDeliveryCommand({ id: del.id })), 'ResourceNotFoundException');
  await logs.send(new DeleteDeliverySourceCommand({ name: src.name }));
  await logs.send(new DeleteDeliveryDestinationCommand({ name: d1.name }));
});

test('cross-account to S3: refused without the destination policy, accepted with it; no automatic policies', async () => {
  const profile = `b${Date.now().toString(36)}`;
  const bId = await srv.accountCreate(profile);
  const credsB = srv.credentials(profile);
  const logsB = srv.client({ credentials: credsB });
  const s3B = s3Client(srv, { credentials: credsB });
  const dB = await bucketDest(uniq('dstb'), s3B, logsB);
  const src = await source(uniq('src'));
  await expectAwsError(() => logs.send(new CreateDeliveryCommand({ deliverySourceName: src.name, deliveryDestinationArn: dB.arn })),
    'AccessDeniedException');
  await logsB.send(new PutDeliveryDestinationPolicyCommand({ deliveryDestinationName: dB.name,
    deliveryDestinationPolicy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'AllowCreateDelivery', Effect: 'Allow',
      Principal: { AWS: acct }, Action: 'logs:CreateDelivery', Resource: dB.arn }] }) }));
  const del = (await logs.send(new CreateDeliveryCommand({ deliverySourceName: src.name, deliveryDestinationArn: dB.arn }))).delivery;
  assert.equal(del.deliveryDestinationArn, dB.arn);
  // The destination owner writes the bucket policy: none was made for it.
  await expectAwsError(() => s3B.send(new GetBucketPolicyCommand({ Bucket: dB.bucket })), 'NoSuchBucketPolicy', undefined, { status: 404 });
  // Each account sees its own objects only.
  const mine = (await logs.send(new DescribeDeliveriesCommand({}))).deliveries;
  assert.ok(mine.some((x) => x.id === del.id));
  const theirs = (await logsB.send(new DescribeDeliveriesCommand({}))).deliveries;
  assert.ok(!theirs.some((x) => x.id === del.id));
  await expectAwsError(() => logsB.send(new DeleteDeliveryCommand({ id: del.id })), 'ResourceNotFoundException');
  // The destination is in use by A's delivery: B cannot delete it.
  await expectAwsError(() => logsB.send(new DeleteDeliveryDestinationCommand({ name: dB.name })), 'ConflictException');
  assert.match(bId, /\d{12}/);
});

test('IAM: a user needs logs:CreateDelivery, and for a new log group the resource-policy permissions', async () => {
  const u = await userWith(iam, []);
  const ul = srv.client({ credentials: u });
  const src = await source(uniq('src'));
  const d = await groupDest(uniq('dst'), uniq('/custom/g'));
  await expectAwsError(() => ul.send(new CreateDeliveryCommand({ deliverySourceName: src.name, deliveryDestinationArn: d.arn })),
    'AccessDeniedException', /logs:CreateDelivery/);
  await iam.send(new PutUserPolicyCommand({ UserName: u.name, PolicyName: 'p', PolicyDocument: JSON.stringify({
    Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['logs:CreateDelivery'], Resource: '*' }] }) }));
  // The group is not yet covered and the user may not write the policy.
  await expectAwsError(() => ul.send(new CreateDeliveryCommand({ deliverySourceName: src.name, deliveryDestinationArn: d.arn })),
    'AccessDeniedException', /PutResourcePolicy/);
  assert.equal((await logs.send(new DescribeDeliveriesCommand({}))).deliveries.some((x) => x.deliverySourceName === src.name), false,
    'nothing half-created');
  await iam.send(new PutUserPolicyCommand({ UserName: u.name, PolicyName: 'p', PolicyDocument: JSON.stringify({
    Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['logs:CreateDelivery', 'logs:PutResourcePolicy',
      'logs:DescribeResourcePolicies', 'logs:DescribeLogGroups'], Resource: '*' }] }) }));
  await ul.send(new CreateDeliveryCommand({ deliverySourceName: src.name, deliveryDestinationArn: d.arn }));
});

test('every object persists across kill -9', async () => {
  const src = await source(uniq('src'), dist(), 'ACCESS_LOGS', { tags: { keep: 'me' } });
  const d = await bucketDest(uniq('dst'));
  const del = (await logs.send(new CreateDeliveryCommand({ deliverySourceName: src.name, deliveryDestinationArn: d.arn }))).delivery;
  await srv.kill9();
  await srv.start();
  ({ logs, acct, s3, iam, fh } = clients(srv)); // a new port
  assert.equal((await logs.send(new GetDeliverySourceCommand({ name: src.name }))).deliverySource.resourceArns[0], src.resourceArns[0]);
  assert.equal((await logs.send(new GetDeliveryDestinationCommand({ name: d.name }))).deliveryDestination.arn, d.arn);
  const got = (await logs.send(new GetDeliveryCommand({ id: del.id }))).delivery;
  const { tags: _t, ...want } = del;
  assert.deepEqual(got, want);
  assert.deepEqual((await logs.send(new ListTagsForResourceCommand({ resourceArn: src.arn }))).tags, { keep: 'me' });
});

test('the platform marks a resource deleted: its sources turn INACTIVE / RESOURCE_DELETED (and back)', async () => {
  const tenant = `t${Date.now().toString(36)}`;
  const tId = await srv.accountCreate(tenant);
  const credsT = srv.credentials(tenant);
  const logsT = srv.client({ credentials: credsT });
  const res = `arn:aws:cloudfront::${tId}:distribution/ETENANT1`;
  const name = uniq('tsrc');
  await logsT.send(new PutDeliverySourceCommand({ name, resourceArn: res, logType: 'ACCESS_LOGS' }));
  const report = (status, creds) => srv.raw({ target: 'UpdateVendedResourceStatus',
    body: JSON.stringify({ resourceArn: res, status }), sign: creds });
  // A tenant cannot report the status of the platform's resources.
  const denied = await report('INACTIVE', credsT);
  assert.equal(denied.status, 400);
  assert.equal(denied.json.__type, 'AccessDeniedException');
  const r = await report('INACTIVE', srv.credentials());
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.deliverySourcesUpdated, 1);
  const s = (await logsT.send(new GetDeliverySourceCommand({ name }))).deliverySource;
  assert.equal(s.status, 'INACTIVE');
  assert.equal(s.statusReason, 'RESOURCE_DELETED');
  assert.equal((await report('ACTIVE', srv.credentials())).json.deliverySourcesUpdated, 1);
  const back = (await logsT.send(new GetDeliverySourceCommand({ name }))).deliverySource;
  assert.equal(back.status, 'ACTIVE');
  assert.equal(back.statusReason, undefined);
  const unknown = await srv.raw({ target: 'UpdateVendedResourceStatus',
    body: JSON.stringify({ resourceArn: `arn:aws:sqs:${REGION}:${tId}:q`, status: 'INACTIVE' }), sign: srv.credentials() });
  assert.equal(unknown.json.__type, 'ResourceNotFoundException');
});

test('concurrent changes to one destination: serialized by default, ConflictException with --delivery-conflicts aws', async () => {
  const hammer = async (server) => {
    const l = server.client();
    const s3c = s3Client(server);
    const bucket = bucketName();
    await s3c.send(new CreateBucketCommand({ Bucket: bucket }));
    const name = uniq('busy');
    const put = () => l.send(new PutDeliveryDestinationCommand({ name,
      deliveryDestinationConfiguration: { destinationResourceArn: `arn:aws:s3:::${bucket}` } }));
    await put();
    return Promise.allSettled(Array.from({ length: 60 }, put));
  };
  const serial = await hammer(srv);
  assert.deepEqual(serial.filter((r) => r.status === 'rejected').map((r) => r.reason.name), [], 'default: every change waits its turn');
  const aws = await startServer({ extraArgs: ['--delivery-conflicts', 'aws', '--threads', '8'] });
  try {
    // Whether two changes overlap is up to the scheduler: a few rounds make
    // at least one refusal all but certain; every refusal must be AWS's.
    let failed = [];
    for (let round = 0; round < 5 && failed.length === 0; round++) {
      const res = await hammer(aws);
      assert.ok(res.some((r) => r.status === 'fulfilled'));
      failed = res.filter((r) => r.status === 'rejected').map((r) => r.reason);
    }
    for (const e of failed) {
      assert.equal(e.name, 'ConflictException');
      assert.equal(e.message, 'Requested resource is currently being updated. Please try again later.');
    }
    assert.ok(failed.length > 0, 'with --delivery-conflicts aws some concurrent changes are refused');
  } finally {
    await teardown(aws);
  }
});

test('condition keys: logs:LogGeneratingResourceArns, logs:DeliveryDestinationResourceArn, aws:RequestTag; AllowVendedLogDeliveryForResource', async () => {
  const mine = dist();
  const mine2 = dist();
  const other = dist();
  const u = await userWith(iam, []);
  const ul = srv.client({ credentials: u });
  await iam.send(new PutUserPolicyCommand({ UserName: u.name, PolicyName: 'p', PolicyDocument: JSON.stringify({
    Version: '2012-10-17', Statement: [
      { Effect: 'Allow', Action: 'logs:PutDeliverySource', Resource: '*',
        Condition: { 'ForAllValues:ArnLike': { 'logs:LogGeneratingResourceArns': [mine, mine2] } } },
      { Effect: 'Allow', Action: 'logs:PutDeliveryDestination', Resource: '*',
        Condition: { ArnLike: { 'logs:DeliveryDestinationResourceArn': 'arn:aws:s3:::allowed-*' } } },
      { Effect: 'Allow', Action: 'logs:TagResource', Resource: '*',
        Condition: { StringEquals: { 'aws:RequestTag/team': 'blue' } } },
    ] }) }));
  // The service requires cloudfront:AllowVendedLogDeliveryForResource on the distribution.
  await expectAwsError(() => ul.send(new PutDeliverySourceCommand({ name: uniq('c'), resourceArn: mine, logType: 'ACCESS_LOGS' })),
    'AccessDeniedException', /cloudfront:AllowVendedLogDeliveryForResource/);
  await iam.send(new PutUserPolicyCommand({ UserName: u.name, PolicyName: 'vend', PolicyDocument: JSON.stringify({
    Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'cloudfront:AllowVendedLogDeliveryForResource',
      Resource: `arn:aws:cloudfront::${acct}:distribution/*` }] }) }));
  await ul.send(new PutDeliverySourceCommand({ name: uniq('c'), resourceArn: mine, logType: 'ACCESS_LOGS' }));
  await expectAwsError(() => ul.send(new PutDeliverySourceCommand({ name: uniq('c'), resourceArn: other, logType: 'ACCESS_LOGS' })),
    'AccessDeniedException', /logs:PutDeliverySource/);
  // Tags: logs:TagResource with the request's tags.
  await expectAwsError(() => ul.send(new PutDeliverySourceCommand({ name: uniq('c'), resourceArn: mine2, logType: 'ACCESS_LOGS',
    tags: { team: 'red' } })), 'AccessDeniedException', /logs:TagResource/);
  await ul.send(new PutDeliverySourceCommand({ name: uniq('c'), resourceArn: mine2, logType: 'ACCESS_LOGS', tags: { team: 'blue' } }));
  // The destination resource ARN condition.
  const okBucket = `allowed-${bucketName('b')}`.slice(0, 60);
  await s3.send(new CreateBucketCommand({ Bucket: okBucket }));
  const noBucket = bucketName('denied');
  await s3.send(new CreateBucketCommand({ Bucket: noBucket }));
  await ul.send(new PutDeliveryDestinationCommand({ name: uniq('d'),
    deliveryDestinationConfiguration: { destinationResourceArn: `arn:aws:s3:::${okBucket}` } }));
  await expectAwsError(() => ul.send(new PutDeliveryDestinationCommand({ name: uniq('d'),
    deliveryDestinationConfiguration: { destinationResourceArn: `arn:aws:s3:::${noBucket}` } })), 'AccessDeniedException',
  /logs:PutDeliveryDestination/);
});

test('deliveries: mandatory fields and delimiters checked against the template', async () => {
  const src = (await logs.send(new PutDeliverySourceCommand({ name: uniq('agent'),
    resourceArn: `arn:aws:bedrock:${REGION}:${acct}:agent/A${Date.now()}`, logType: 'EVENT_LOGS' }))).deliverySource;
  const d = await groupDest(uniq('dst'));
  await expectAwsError(() => logs.send(new CreateDeliveryCommand({ deliverySourceName: src.name, deliveryDestinationArn: d.arn,
    recordFields: ['event_timestamp'] })), 'ValidationException', "Mandatory field 'resource_arn' is missing from recordFields.");
  await expectAwsError(() => logs.send(new CreateDeliveryCommand({ deliverySourceName: src.name, deliveryDestinationArn: d.arn,
    fieldDelimiter: '#' })), 'ValidationException',
  'Provided fieldDelimiter is not allowed for this log type and destination.');
  const del = (await logs.send(new CreateDeliveryCommand({ deliverySourceName: src.name, deliveryDestinationArn: d.arn,
    recordFields: ['event_timestamp', 'resource_arn'], fieldDelimiter: ',' }))).delivery;
  assert.deepEqual(del.recordFields, ['event_timestamp', 'resource_arn']);
  assert.equal(del.fieldDelimiter, ',');
});
