// Helpers shared by the delivery-plane suites (delivery-v1, delivery-v2,
// catalog-cells): the clients of one account, IAM users with a given
// policy, and the destinations a delivery needs.
import { CreateUserCommand, PutUserPolicyCommand, CreateAccessKeyCommand, CreateRoleCommand } from '@aws-sdk/client-iam';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
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
