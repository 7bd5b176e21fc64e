// Helpers shared by the delivery-plane suites (delivery-v1, delivery-v2,
// catalog-cells, delivery-denials, delivery-durability): the clients of one
// account, IAM users with a given policy, the destinations a delivery needs,
// and the engine's side (produce, status, what arrived).
import { gunzipSync } from 'node:zlib';
import { CreateUserCommand, PutUserPolicyCommand, CreateAccessKeyCommand, CreateRoleCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { CreateBucketCommand, ListObjectsV2Command, GetObjectCommand } from '@aws-sdk/client-s3';
import { FirehoseClient, CreateDeliveryStreamCommand } from '@aws-sdk/client-firehose';
import { REGION, uniq } from './harness.mjs';
import { iamClient } from './iam-helpers.mjs';
import { s3Client } from './s3-helpers.mjs';

/** The admin account's clients on srv: { logs, acct, s3, iam, fh }. */
export function clients(srv) {
  return {
    logs: srv.client(),
    acct: srv.adminAccountId,
    s3: s3Client(srv),
    iam: iamClient(srv),
    fh: new FirehoseClient({ endpoint: srv.endpoint, region: REGION, credentials: srv.credentials(), maxAttempts: 1 }),
  };
}

/** A new IAM user allowed `actions` on "*"; resolves to its credentials (and .name). */
export async function userWith(iam, actions) {
  const u = uniq('u');
  await iam.send(new CreateUserCommand({ UserName: u }));
  if (actions.length) {
    await iam.send(new PutUserPolicyCommand({ UserName: u, PolicyName: 'p', PolicyDocument: JSON.stringify({
      Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }] }) }));
  }
  const k = (await iam.send(new CreateAccessKeyCommand({ UserName: u }))).AccessKey;
  return { name: u, accessKeyId: k.AccessKeyId, secretAccessKey: k.SecretAccessKey };
}

/** A bucket name unique to this run. */
export const bucketName = (prefix = 'dlv') => uniq(prefix).toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 60);

/** A DirectPut Firehose stream (with its role and bucket); resolves to its ARN. */
export async function firehoseStream({ iam, s3, fh, acct }) {
  const role = uniq('fhrole');
  await iam.send(new CreateRoleCommand({ RoleName: role, AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: 'firehose.amazonaws.com' }, Action: 'sts:AssumeRole' }] }) }));
  const bucket = bucketName('fhb');
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const stream = uniq('st');
  await fh.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: stream, DeliveryStreamType: 'DirectPut',
    ExtendedS3DestinationConfiguration: { RoleARN: `arn:aws:iam::${acct}:role/${role}`, BucketARN: `arn:aws:s3:::${bucket}` } }));
  return { stream, arn: `arn:aws:firehose:${REGION}:${acct}:deliverystream/${stream}` };
}

// ---- The delivery engine's side (delivery-engine, delivery-denials,
// delivery-durability): Sluice's extension operations as signed JSON 1.1
// calls (the JS SDK has no model for them), polling, and what arrived.

/** A signed JSON 1.1 call of a CloudWatch Logs operation; resolves to { status, json, headers }. */
export async function logsCall(srv, op, body, creds = srv.credentials()) {
  const r = await srv.raw({ target: op, body: JSON.stringify(body), sign: creds });
  return { status: r.status, json: r.json, headers: r.headers };
}

/** PutVendedLogEvents of `events` ({ timestamp, message }; a string or an
 * object message gets "now" as its timestamp, in order). */
export function produceEvents(srv, resourceArn, logType, events, creds) {
  const now = Date.now();
  const logEvents = events.map((e, i) => (e && typeof e === 'object' && 'timestamp' in e && 'message' in e
    ? e : { timestamp: now - events.length + i, message: typeof e === 'string' ? e : JSON.stringify(e) }));
  return logsCall(srv, 'PutVendedLogEvents', { resourceArn, logType, logEvents }, creds);
}

/** GetDeliveryStatus's deliveryStatus (asserts a 200). */
export async function deliveryStatus(srv, id, creds) {
  const r = await logsCall(srv, 'GetDeliveryStatus', { id }, creds);
  if (r.status !== 200) throw new Error(`GetDeliveryStatus ${id}: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json.deliveryStatus;
}

/** Poll fn (every 200 ms) until it returns a truthy value; fail after ms. */
export async function until(what, fn, ms = 20000) {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Every object under prefix of the bucket: [{ key, text }] (gunzipped when .gz). */
export async function s3Texts(s3, bucket, prefix) {
  const out = [];
  let token;
  do {
    const l = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of l.Contents ?? []) {
      const body = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key }))).Body.transformToByteArray());
      out.push({ key: o.Key, text: (o.Key.endsWith('.gz') ? gunzipSync(body) : body).toString('utf8') });
    }
    token = l.NextContinuationToken;
  } while (token);
  return out;
}

/** Every line of every object under prefix (objects end with a newline). */
export async function s3Lines(s3, bucket, prefix) {
  return (await s3Texts(s3, bucket, prefix)).flatMap((o) => o.text.split('\n').slice(0, -1));
}

/** A DirectPut stream whose role may write its bucket, buffering 0 s: { stream, arn, bucket }. */
export async function firehoseToS3({ iam, s3, fh, acct }) {
  const role = uniq('fhrole');
  const bucket = bucketName('fhs3');
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await iam.send(new CreateRoleCommand({ RoleName: role, AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: 'firehose.amazonaws.com' }, Action: 'sts:AssumeRole' }] }) }));
  await iam.send(new PutRolePolicyCommand({ RoleName: role, PolicyName: 'write', PolicyDocument: JSON.stringify({
    Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:PutObject', Resource: `arn:aws:s3:::${bucket}/*` }] }) }));
  const stream = uniq('st');
  await fh.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: stream, DeliveryStreamType: 'DirectPut',
    ExtendedS3DestinationConfiguration: { RoleARN: `arn:aws:iam::${acct}:role/${role}`, BucketARN: `arn:aws:s3:::${bucket}`,
      BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 0 } } }));
  return { stream, arn: `arn:aws:firehose:${REGION}:${acct}:deliverystream/${stream}`, bucket };
}
