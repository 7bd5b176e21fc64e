import { startServer, teardown, uniq, REGION, sleep } from './harness.mjs';
import { clients, bucketName } from './delivery-helpers.mjs';
import { s3Client } from './s3-helpers.mjs';
import { PutDeliverySourceCommand, PutDeliveryDestinationCommand, CreateDeliveryCommand, CreateLogGroupCommand, DeleteResourcePolicyCommand, DescribeResourcePoliciesCommand, PutResourcePolicyCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectCommand, GetBucketPolicyCommand, PutBucketPolicyCommand, ListObjectsV2Command, GetObjectCommand } from '@aws-sdk/client-s3';
import { CreateRoleCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { CreateDeliveryStreamCommand, UntagDeliveryStreamCommand, TagDeliveryStreamCommand } from '@aws-sdk/client-firehose';
const srv = await startServer({ extraArgs: ['--delivery-flush-seconds', '1'] });
const { logs, acct, s3, iam, fh } = clients(srv);
const call = async (op, body, creds = srv.credentials()) => { const r = await srv.raw({ target: op, body: JSON.stringify(body), sign: creds }); return { status: r.status, json: r.json }; };
const dist = () => `arn:aws:cloudfront::${acct}:distribution/E${uniq('d').replace(/[^A-Za-z0-9]/g, '').toUpperCase().slice(-12)}`;
const produce = (res, msgs, creds) => call('PutVendedLogEvents', { resourceArn: res, logType: 'ACCESS_LOGS', logEvents: msgs.map((m, i) => ({ timestamp: Date.now(), message: JSON.stringify({ 'c-ip': m }) })) }, creds);
async function del(destArn, extra = {}) {
  const res = dist();
  const src = (await logs.send(new PutDeliverySourceCommand({ name: uniq('src'), resourceArn: res, logType: 'ACCESS_LOGS' }))).deliverySource;
  const dst = (await logs.send(new PutDeliveryDestinationCommand({ name: uniq('dst'), outputFormat: 'json', deliveryDestinationConfiguration: { destinationResourceArn: destArn } }))).deliveryDestination;
  const d = (await logs.send(new CreateDeliveryCommand({ deliverySourceName: src.name, deliveryDestinationArn: dst.arn, recordFields: ['c-ip'] }))).delivery;
  return { res, src, del: d };
}
const B = `b${Date.now().toString(36)}`; const bId = await srv.accountCreate(B); const s3B = s3Client(srv, { credentials: srv.credentials(B) });
// bucket owner changed
const bucket = bucketName('own'); await s3.send(new CreateBucketCommand({ Bucket: bucket }));
const o = await del(`arn:aws:s3:::${bucket}`);
const pol = (await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy;
await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
await s3B.send(new CreateBucketCommand({ Bucket: bucket }));
await s3B.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: pol }));
await produce(o.res, ['1.1.1.1']);
// FH
const role = uniq('fhrole');
await iam.send(new CreateRoleCommand({ RoleName: role, AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'firehose.amazonaws.com' }, Action: 'sts:AssumeRole' }] }) }));
const fb = bucketName('fhb'); await s3.send(new CreateBucketCommand({ Bucket: fb }));
await iam.send(new PutRolePolicyCommand({ RoleName: role, PolicyName: 'p', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:PutObject', Resource: `arn:aws:s3:::${fb}/*` }] }) }));
const stream = uniq('st');
await fh.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: stream, DeliveryStreamType: 'DirectPut', ExtendedS3DestinationConfiguration: { RoleARN: `arn:aws:iam::${acct}:role/${role}`, BucketARN: `arn:aws:s3:::${fb}`, BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 0 } } }));
await sleep(1100);
const f = await del(`arn:aws:firehose:${REGION}:${acct}:deliverystream/${stream}`);
await produce(f.res, ['2.2.2.2', '2.2.2.3']);
// CWL
const g = uniq('/custom/g'); await logs.send(new CreateLogGroupCommand({ logGroupName: g }));
const cw = await del(`arn:aws:logs:${REGION}:${acct}:log-group:${g}`);
await logs.send(new DeleteResourcePolicyCommand({ policyName: 'AWSLogDeliveryWrite20150319' }));
await produce(cw.res, ['3.3.3.3']);
await sleep(4000);
for (const x of [o, f, cw]) console.log(JSON.stringify((await call('GetDeliveryStatus', { id: x.del.id })).json, null, 1));
console.log((await s3.send(new ListObjectsV2Command({ Bucket: fb }))).Contents?.map((x) => x.Key));
const l = (await s3.send(new ListObjectsV2Command({ Bucket: fb }))).Contents;
if (l) console.log(await (await s3.send(new GetObjectCommand({ Bucket: fb, Key: l[0].Key }))).Body.transformToString());
await fh.send(new UntagDeliveryStreamCommand({ DeliveryStreamName: stream, TagKeys: ['LogDeliveryEnabled'] }));
await produce(f.res, ['4.4.4.4']);
await sleep(2500);
console.log(JSON.stringify((await call('GetDeliveryStatus', { id: f.del.id })).json, null, 1));
// tenant
const T = `t${Date.now().toString(36)}`; const tId = await srv.accountCreate(T);
const r1 = await produce(f.res, ['5'], srv.credentials(T)); console.log(JSON.stringify(r1));
await logs.send(new PutResourcePolicyCommand({ policyName: 'tenant-produce', policyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: tId }, Action: 'logs:PutVendedLogEvents', Resource: f.res }] }) }));
const r2 = await produce(f.res, ['5'], srv.credentials(T)); console.log(JSON.stringify(r2));
// input errors
const big = await call('PutVendedLogEvents', { resourceArn: f.res, logType: 'ACCESS_LOGS', logEvents: Array.from({ length: 10001 }, (_, i) => ({ timestamp: Date.now(), message: 'x' })) });
console.log(big.status, JSON.stringify(big.json).slice(-300));
const ooo = await call('PutVendedLogEvents', { resourceArn: f.res, logType: 'ACCESS_LOGS', logEvents: [{ timestamp: Date.now(), message: 'a' }, { timestamp: Date.now() - 5000, message: 'b' }] });
console.log(ooo.status, JSON.stringify(ooo.json));
const st404 = await call('GetDeliveryStatus', { id: 'abcdefghijklmnop' }); console.log(JSON.stringify(st404));
await teardown(srv);
