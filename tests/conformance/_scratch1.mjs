import { startServer, teardown, uniq, REGION, sleep } from './harness.mjs';
import { clients, bucketName } from './delivery-helpers.mjs';
import { PutDeliverySourceCommand, PutDeliveryDestinationCommand, CreateDeliveryCommand, CreateLogGroupCommand, DeleteResourcePolicyCommand, DescribeResourcePoliciesCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateBucketCommand, GetBucketPolicyCommand, PutBucketPolicyCommand, PutBucketEncryptionCommand, ListObjectsV2Command, GetObjectCommand } from '@aws-sdk/client-s3';
import { KMSClient, CreateKeyCommand } from '@aws-sdk/client-kms';
const srv = await startServer({ extraArgs: ['--delivery-flush-seconds', '1'] });
const { logs, acct, s3, iam, fh } = clients(srv);
const call = async (op, body, creds = srv.credentials()) => { const r = await srv.raw({ target: op, body: JSON.stringify(body), sign: creds }); return { status: r.status, json: r.json }; };
const dist = () => `arn:aws:cloudfront::${acct}:distribution/E${uniq('d').replace(/[^A-Za-z0-9]/g, '').toUpperCase().slice(-12)}`;
const produce = (res, msgs) => call('PutVendedLogEvents', { resourceArn: res, logType: 'ACCESS_LOGS', logEvents: msgs.map((m, i) => ({ timestamp: Date.now(), message: JSON.stringify({ 'c-ip': m }) })) });
async function s3del(extraBucket) {
  const bucket = bucketName('x');
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  if (extraBucket) await extraBucket(bucket);
  const res = dist();
  const src = (await logs.send(new PutDeliverySourceCommand({ name: uniq('src'), resourceArn: res, logType: 'ACCESS_LOGS' }))).deliverySource;
  const dst = (await logs.send(new PutDeliveryDestinationCommand({ name: uniq('dst'), outputFormat: 'plain', deliveryDestinationConfiguration: { destinationResourceArn: `arn:aws:s3:::${bucket}` } }))).deliveryDestination;
  const del = (await logs.send(new CreateDeliveryCommand({ deliverySourceName: src.name, deliveryDestinationArn: dst.arn, recordFields: ['c-ip'] }))).delivery;
  return { bucket, res, src, del };
}
// KMS customer key without statement
const kms = new KMSClient({ endpoint: srv.endpoint, region: REGION, credentials: srv.credentials(), maxAttempts: 1 });
const key = (await kms.send(new CreateKeyCommand({}))).KeyMetadata;
const a = await s3del(async (b) => s3.send(new PutBucketEncryptionCommand({ Bucket: b, ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: key.Arn } }] } })));
console.log(JSON.stringify(await produce(a.res, ['1.1.1.1'])));
// wrong source account
const b = await s3del();
const pol = JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket: b.bucket }))).Policy);
console.log(JSON.stringify(pol, null, 1));
for (const s of pol.Statement) if (s.Condition?.StringEquals?.['aws:SourceAccount']) s.Condition.StringEquals['aws:SourceAccount'] = ['111122223333'];
await s3.send(new PutBucketPolicyCommand({ Bucket: b.bucket, Policy: JSON.stringify(pol) }));
await produce(b.res, ['2.2.2.2']);
// managed key
const c = await s3del(async (bk) => s3.send(new PutBucketEncryptionCommand({ Bucket: bk, ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' } }] } })));
await produce(c.res, ['3.3.3.3']);
await sleep(3500);
for (const x of [a, b, c]) console.log(JSON.stringify((await call('GetDeliveryStatus', { id: x.del.id })).json, null, 1));
const l = await s3.send(new ListObjectsV2Command({ Bucket: c.bucket }));
console.log(l.Contents?.map((o) => o.Key));
try { await s3.send(new GetObjectCommand({ Bucket: c.bucket, Key: l.Contents[0].Key })); } catch (e) { console.log(e.name, e.message); }
await teardown(srv);
