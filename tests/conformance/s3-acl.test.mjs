// S3 ACLs, Object Ownership and Block Public Access through
// @aws-sdk/client-s3 (forcePathStyle), across two accounts.
//
// AWS's rules exercised (S3 User Guide): "Access control list (ACL)
// overview" (canned ACLs, grantees, the permission → action mapping),
// "Controlling ownership of objects and disabling ACLs" and its
// "Troubleshooting" (BucketOwnerEnforced: reads answer the bucket owner's
// full control, writes with other ACLs fail with 400
// AccessControlListNotSupported "The bucket does not allow ACLs";
// BucketOwnerPreferred: bucket-owner-full-control makes the bucket owner
// the owner; ObjectWriter: the writer owns; InvalidBucketAclWithObjectOwnership
// "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced
// setting"), "How Amazon S3 authorizes a request for an object operation"
// (another account's object is granted by its ACL only; the bucket owner
// can still delete it), "Blocking public access" (the four settings, "The
// meaning of public", Get*Acl answer the ACL in force) and "Troubleshoot
// access denied (403 Forbidden) errors" (the BlockPublicAcls /
// BlockPublicPolicy messages; RestrictPublicBuckets denials are explicit).
// Sluice signs every request, so AllUsers means any authenticated principal.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateBucketCommand, ListBucketsCommand, ListObjectsV2Command, PutObjectCommand, GetObjectCommand,
  DeleteObjectCommand, CopyObjectCommand, PutBucketPolicyCommand, GetBucketAclCommand,
  PutBucketAclCommand, GetObjectAclCommand, PutObjectAclCommand, PutBucketOwnershipControlsCommand,
  GetPublicAccessBlockCommand, PutPublicAccessBlockCommand, DeletePublicAccessBlockCommand,
  CreateMultipartUploadCommand, UploadPartCommand, CompleteMultipartUploadCommand,
} from '@aws-sdk/client-s3';
import { CreateUserCommand, CreateAccessKeyCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { startServer, expectAwsError, teardown, uniq } from './harness.mjs';
import { iamClient, name, allow } from './iam-helpers.mjs';
import { s3Client, s3Raw, md5b64, policyDoc, s3User } from './s3-helpers.mjs';

const ALL_USERS = 'http://acs.amazonaws.com/groups/global/AllUsers';
const AUTH_USERS = 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers';
const LOG_DELIVERY = 'http://acs.amazonaws.com/groups/s3/LogDelivery';

let srv;
let s3;          // account A root: owns the buckets
let s3B;         // account B root
let acctA;
let acctB;
let idA;         // canonical user ids
let idB;
let nameA;
let nameB;
let iamA;
let iamB;
before(async () => {
  srv = await startServer();
  s3 = s3Client(srv);
  acctA = srv.adminAccountId;
  nameB = `aclpartner_${process.pid}`;
  acctB = await srv.accountCreate(nameB);
  s3B = s3Client(srv, { credentials: srv.credentials(nameB) });
  iamA = iamClient(srv, srv.credentials());
  iamB = iamClient(srv, srv.credentials(nameB));
  const la = await s3.send(new ListBucketsCommand({}));
  idA = la.Owner.ID;
  nameA = la.Owner.DisplayName;
  idB = (await s3B.send(new ListBucketsCommand({}))).Owner.ID;
});
after(() => teardown(srv));

const bucketName = (p) => uniq(p).toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 63);
async function newBucket(p = 'acl', extra = {}) {
  const b = bucketName(p);
  await s3.send(new CreateBucketCommand({ Bucket: b, ...extra }));
  return b;
}
/** A bucket with ACLs enabled (ObjectWriter unless said) and Block Public Access off. */
async function openBucket(p = 'open', ownership = 'ObjectWriter') {
  const b = await newBucket(p, { ObjectOwnership: ownership });
  await s3.send(new DeletePublicAccessBlockCommand({ Bucket: b }));
  return b;
}
const setOwnership = (b, o) => s3.send(new PutBucketOwnershipControlsCommand({ Bucket: b,
  OwnershipControls: { Rules: [{ ObjectOwnership: o }] } }));
const put = (client, b, k, extra = {}) => client.send(new PutObjectCommand({ Bucket: b, Key: k, Body: `body of ${k}`, ...extra }));
const read = async (client, b, k) => (await client.send(new GetObjectCommand({ Bucket: b, Key: k }))).Body.transformToString();

/** Grants as [who, permission]: canonical ids named A/B, group URIs as they are. */
const who = (g) => (g.Grantee.ID === idA ? 'A' : g.Grantee.ID === idB ? 'B' : g.Grantee.URI ?? g.Grantee.ID);
const grantsOf = (r) => r.Grants.map((g) => [who(g), g.Permission]);
const bucketAcl = async (b, client = s3) => client.send(new GetBucketAclCommand({ Bucket: b }));
const objectAcl = async (b, k, client = s3) => client.send(new GetObjectAclCommand({ Bucket: b, Key: k }));

const notSupported = (fn) => expectAwsError(fn, 'AccessControlListNotSupported',
  'The bucket does not allow ACLs', { status: 400 });
const denied = (fn, message) => expectAwsError(fn, 'AccessDenied', message, { status: 403 });
const blockedAcl = (arn, action, resource) =>
  `User: ${arn} is not authorized to perform: ${action} on resource: "${resource}" because public ACLs are prevented by the BlockPublicAcls setting in S3 Block Public Access.`;

/** A user of the account behind `iam` with an inline identity policy (or none). */
const user = (iam, acct, policy) => s3User(srv, { iam, acct, policy, prefix: 'aclu' });

describe('bucket ACLs', () => {
  test('a new bucket answers the owner\'s full control in AWS\'s AccessControlPolicy', async () => {
    const b = await newBucket();
    const r = await bucketAcl(b);
    assert.deepEqual(r.Owner, { ID: idA, DisplayName: nameA });
    assert.match(idA, /^[0-9a-f]{64}$/);
    assert.deepEqual(grantsOf(r), [['A', 'FULL_CONTROL']]);
    assert.equal(r.Grants[0].Grantee.Type, 'CanonicalUser');
    // The document itself: S3's namespace, xsi:type on the grantee.
    const raw = await s3Raw(srv, { path: `/${b}`, query: { acl: '' } });
    assert.equal(raw.status, 200, raw.text);
    assert.match(raw.text, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<AccessControlPolicy xmlns="http:\/\/s3.amazonaws.com\/doc\/2006-03-01\/"><Owner><ID>[0-9a-f]{64}<\/ID>/);
    assert.match(raw.text, /<AccessControlList><Grant><Grantee xmlns:xsi="http:\/\/www.w3.org\/2001\/XMLSchema-instance" xsi:type="CanonicalUser"><ID>[0-9a-f]{64}<\/ID><DisplayName>[^<]+<\/DisplayName><\/Grantee><Permission>FULL_CONTROL<\/Permission><\/Grant><\/AccessControlList><\/AccessControlPolicy>$/);
  });

  test('canned ACLs on a bucket with ACLs enabled', async () => {
    const b = await openBucket();
    const cases = {
      private: [['A', 'FULL_CONTROL']],
      'public-read': [['A', 'FULL_CONTROL'], [ALL_USERS, 'READ']],
      'public-read-write': [['A', 'FULL_CONTROL'], [ALL_USERS, 'READ'], [ALL_USERS, 'WRITE']],
      'authenticated-read': [['A', 'FULL_CONTROL'], [AUTH_USERS, 'READ']],
      'log-delivery-write': [['A', 'FULL_CONTROL'], [LOG_DELIVERY, 'WRITE'], [LOG_DELIVERY, 'READ_ACP']],
      'aws-exec-read': [['A', 'FULL_CONTROL']],
    };
    for (const [acl, want] of Object.entries(cases)) {
      const r = await s3.send(new PutBucketAclCommand({ Bucket: b, ACL: acl }));
      assert.equal(r.$metadata.httpStatusCode, 200);
      const got = await bucketAcl(b);
      assert.deepEqual(grantsOf(got), want, acl);
      for (const g of got.Grants) assert.equal(g.Grantee.Type, g.Grantee.URI ? 'Group' : 'CanonicalUser');
    }
  });

  test('AccessControlPolicy bodies and x-amz-grant-* headers', async () => {
    const b = await openBucket();
    await s3.send(new PutBucketAclCommand({ Bucket: b, AccessControlPolicy: {
      Owner: { ID: idA },
      Grants: [
        { Grantee: { Type: 'CanonicalUser', ID: idA }, Permission: 'FULL_CONTROL' },
        { Grantee: { Type: 'CanonicalUser', ID: idB }, Permission: 'READ' },
        { Grantee: { Type: 'Group', URI: LOG_DELIVERY }, Permission: 'WRITE' },
      ] } }));
    const r = await bucketAcl(b);
    assert.deepEqual(grantsOf(r), [['A', 'FULL_CONTROL'], ['B', 'READ'], [LOG_DELIVERY, 'WRITE']]);
    assert.equal(r.Grants[1].Grantee.DisplayName, nameB);
    await s3.send(new PutBucketAclCommand({ Bucket: b, GrantFullControl: `id=${idA}`,
      GrantReadACP: `id="${idB}", uri="${AUTH_USERS}"` }));
    assert.deepEqual(grantsOf(await bucketAcl(b)),
      [['A', 'FULL_CONTROL'], ['B', 'READ_ACP'], [AUTH_USERS, 'READ_ACP']]);
  });

  test('refused ACL requests', async () => {
    const b = await openBucket();
    const putAcl = (input) => s3.send(new PutBucketAclCommand({ Bucket: b, ...input }));
    await expectAwsError(() => putAcl({ ACL: 'private', GrantRead: `id=${idB}` }), 'InvalidRequest',
      'Specifying both Canned ACLs and Header Grants is not allowed');
    let e = await expectAwsError(() => putAcl({ GrantRead: `id=${'0'.repeat(64)}` }), 'InvalidArgument', 'Invalid id');
    assert.equal(e.ArgumentName, 'CanonicalUser/ID');
    await expectAwsError(() => putAcl({ GrantRead: 'uri="http://acs.amazonaws.com/groups/global/Nobody"' }),
      'InvalidArgument', 'Invalid group uri');
    await expectAwsError(() => putAcl({ GrantRead: 'emailAddress="someone@example.com"' }),
      'UnresolvableGrantByEmailAddress', 'The e-mail address you provided does not match any account on record.');
    const sent = (body, headers = {}) => s3Raw(srv, { method: 'PUT', path: `/${b}`, query: { acl: '' }, body,
      headers: { 'content-md5': md5b64(Buffer.from(body)), ...headers } });
    let r = await sent('');
    assert.equal(r.status, 400, r.text);
    assert.match(r.text, /<Code>MissingSecurityHeader<\/Code><Message>Your request was missing a required header<\/Message><MissingHeaderName>x-amz-acl<\/MissingHeaderName>/);
    r = await sent('', { 'x-amz-acl': 'bucket-everyone' });
    assert.equal(r.status, 400, r.text);
    assert.match(r.text, /<Code>InvalidArgument<\/Code>.*<ArgumentName>x-amz-acl<\/ArgumentName><ArgumentValue>bucket-everyone<\/ArgumentValue>/);
    r = await sent('<AccessControlPolicy><AccessControlList><Grant><Permission>READ</Permission></Grant></AccessControlList></AccessControlPolicy>');
    assert.equal(r.status, 400, r.text);
    assert.match(r.text, /<Code>MalformedACLError<\/Code>/);
    r = await sent('<AccessControlPolicy><AccessControlList/></AccessControlPolicy>', { 'x-amz-acl': 'private' });
    assert.equal(r.status, 400, r.text);
    assert.match(r.text, /<Code>UnexpectedContent<\/Code>/);
    // The model marks PutBucketAcl and PutObjectAcl requestChecksumRequired.
    for (const path of [`/${b}`, `/${b}/k`]) {
      r = await s3Raw(srv, { method: 'PUT', path, query: { acl: '' }, headers: { 'x-amz-acl': 'private' } });
      assert.equal(r.status, 400, r.text);
      assert.match(r.text, /<Code>InvalidRequest<\/Code><Message>Missing required header for this request: Content-MD5<\/Message>/);
    }
    assert.deepEqual(grantsOf(await bucketAcl(b)), [['A', 'FULL_CONTROL']], 'nothing changed');
  });

  test('BucketOwnerEnforced: only the owner\'s full control, as grants', async () => {
    const b = await newBucket();
    for (const ACL of ['private', 'public-read', 'log-delivery-write'])
      await notSupported(() => s3.send(new PutBucketAclCommand({ Bucket: b, ACL })));
    await notSupported(() => s3.send(new PutBucketAclCommand({ Bucket: b, GrantRead: `id=${idB}` })));
    await s3.send(new PutBucketAclCommand({ Bucket: b, GrantFullControl: `id=${idA}` }));
    await s3.send(new PutBucketAclCommand({ Bucket: b, AccessControlPolicy: { Owner: { ID: idA },
      Grants: [{ Grantee: { Type: 'CanonicalUser', ID: idA }, Permission: 'FULL_CONTROL' }] } }));
    assert.deepEqual(grantsOf(await bucketAcl(b)), [['A', 'FULL_CONTROL']]);
  });

  test('a bucket ACL grant lets another account list it, with its own identity allow', async () => {
    const b = await openBucket();
    await put(s3, b, 'listed');
    const reader = await user(iamB, acctB, allow(['s3:ListBucket', 's3:GetBucketAcl'], '*'));
    await denied(() => reader.s3.send(new ListObjectsV2Command({ Bucket: b })));
    await s3.send(new PutBucketAclCommand({ Bucket: b, GrantRead: `id=${idB}` }));
    const l = await reader.s3.send(new ListObjectsV2Command({ Bucket: b }));
    assert.deepEqual(l.Contents.map((o) => o.Key), ['listed']);
    // READ is not READ_ACP.
    await denied(() => bucketAcl(b, reader.s3));
    // An account grant is the account's: a user without its own allow gets nothing.
    const bare = await user(iamB, acctB, null);
    await denied(() => bare.s3.send(new ListObjectsV2Command({ Bucket: b })),
      `User: ${bare.arn} is not authorized to perform: s3:ListBucket on resource: arn:aws:s3:::${b} because no identity-based policy allows the s3:ListBucket action`);
    // WRITE lets B put and delete objects.
    await denied(() => put(s3B, b, 'from-b'));
    await s3.send(new PutBucketAclCommand({ Bucket: b, AccessControlPolicy: { Owner: { ID: idA }, Grants: [
      { Grantee: { Type: 'CanonicalUser', ID: idA }, Permission: 'FULL_CONTROL' },
      { Grantee: { Type: 'CanonicalUser', ID: idB }, Permission: 'WRITE' }] } }));
    await put(s3B, b, 'from-b');
    await s3B.send(new DeleteObjectCommand({ Bucket: b, Key: 'listed' }));
  });
});

describe('object ACLs', () => {
  test('BucketOwnerEnforced: reads answer the bucket owner\'s full control; writes only bucket-owner-full-control', async () => {
    const b = await newBucket();
    await put(s3, b, 'k', { ACL: 'bucket-owner-full-control' });
    let r = await objectAcl(b, 'k');
    assert.equal(r.Owner.ID, idA);
    assert.deepEqual(grantsOf(r), [['A', 'FULL_CONTROL']]);
    for (const ACL of ['private', 'public-read'])
      await notSupported(() => s3.send(new PutObjectAclCommand({ Bucket: b, Key: 'k', ACL })));
    await notSupported(() => s3.send(new PutObjectAclCommand({ Bucket: b, Key: 'k', GrantRead: `id=${idB}` })));
    await notSupported(() => put(s3, b, 'g', { GrantRead: `id=${idB}` }));
    await notSupported(() => s3.send(new CopyObjectCommand({ Bucket: b, Key: 'c', CopySource: `${b}/k`, ACL: 'private' })));
    r = await s3.send(new PutObjectAclCommand({ Bucket: b, Key: 'k', ACL: 'bucket-owner-full-control' }));
    assert.equal(r.$metadata.httpStatusCode, 200);
  });

  test('canned, grant-header and body ACLs on objects; NoSuchKey', async () => {
    const b = await openBucket();
    await put(s3, b, 'pub', { ACL: 'public-read' });
    assert.deepEqual(grantsOf(await objectAcl(b, 'pub')), [['A', 'FULL_CONTROL'], [ALL_USERS, 'READ']]);
    await put(s3, b, 'hdr', { GrantRead: `id=${idB}`, GrantFullControl: `id=${idA}` });
    assert.deepEqual(grantsOf(await objectAcl(b, 'hdr')), [['A', 'FULL_CONTROL'], ['B', 'READ']]);
    await s3.send(new PutObjectAclCommand({ Bucket: b, Key: 'pub', ACL: 'private' }));
    assert.deepEqual(grantsOf(await objectAcl(b, 'pub')), [['A', 'FULL_CONTROL']]);
    await s3.send(new PutObjectAclCommand({ Bucket: b, Key: 'pub', AccessControlPolicy: { Owner: { ID: idA },
      Grants: [{ Grantee: { Type: 'Group', URI: AUTH_USERS }, Permission: 'READ' }] } }));
    assert.deepEqual(grantsOf(await objectAcl(b, 'pub')), [[AUTH_USERS, 'READ']]);
    // An ACL without grants is kept as such (the owner's account keeps its rights).
    await s3.send(new PutObjectAclCommand({ Bucket: b, Key: 'hdr', AccessControlPolicy: { Owner: { ID: idA }, Grants: [] } }));
    assert.deepEqual((await objectAcl(b, 'hdr')).Grants ?? [], []);
    assert.equal(await read(s3, b, 'hdr'), 'body of hdr');
    // A copy takes the request's ACL, not its source's.
    await s3.send(new CopyObjectCommand({ Bucket: b, Key: 'copy', CopySource: `${b}/pub` }));
    assert.deepEqual(grantsOf(await objectAcl(b, 'copy')), [['A', 'FULL_CONTROL']]);
    await expectAwsError(() => s3.send(new PutObjectAclCommand({ Bucket: b, Key: 'missing', ACL: 'private' })),
      'NoSuchKey', 'The specified key does not exist.', { status: 404 });
    await expectAwsError(() => objectAcl(b, 'missing'), 'NoSuchKey', 'The specified key does not exist.', { status: 404 });
    // An Owner naming someone else is refused.
    await denied(() => s3.send(new PutObjectAclCommand({ Bucket: b, Key: 'pub', AccessControlPolicy: {
      Owner: { ID: idB }, Grants: [] } })));
  });
});

describe('object ownership', () => {
  // A's bucket lets B's account write; B writes with and without
  // bucket-owner-full-control.  Who owns each object, and can A read it?
  const matrix = [
    ['BucketOwnerEnforced', { with: 'A', without: 'A' }],
    ['BucketOwnerPreferred', { with: 'A', without: 'B' }],
    ['ObjectWriter', { with: 'B', without: 'B' }],
  ];
  for (const [ownership, owners] of matrix) {
    test(`${ownership}: the owner of what another account writes`, async () => {
      const b = await newBucket('own', { ObjectOwnership: ownership });
      await s3.send(new PutBucketPolicyCommand({ Bucket: b, Policy: policyDoc({ Effect: 'Allow',
        Principal: { AWS: acctB }, Action: 's3:PutObject', Resource: `arn:aws:s3:::${b}/*` }) }));
      await put(s3B, b, 'with', { ACL: 'bucket-owner-full-control' });
      await put(s3B, b, 'without');
      for (const k of ['with', 'without']) {
        const owner = owners[k];
        const reader = owner === 'A' ? s3 : s3B;
        const acl = await objectAcl(b, k, reader);
        assert.equal(acl.Owner.ID, owner === 'A' ? idA : idB, `${k}: owner`);
        if (owner === 'A') {
          assert.equal(await read(s3, b, k), `body of ${k}`);
          assert.deepEqual(grantsOf(acl), [['A', 'FULL_CONTROL']]);
          continue;
        }
        // B owns it: its ACL decides, whatever the bucket owner's policies.
        assert.equal(await read(s3B, b, k), `body of ${k}`, 'the object owner reads its object');
        if (k === 'with') {
          assert.deepEqual(grantsOf(acl), [['B', 'FULL_CONTROL'], ['A', 'FULL_CONTROL']]);
          assert.equal(await read(s3, b, k), `body of ${k}`);
        } else {
          assert.deepEqual(grantsOf(acl), [['B', 'FULL_CONTROL']]);
          await denied(() => read(s3, b, k));
          await denied(() => objectAcl(b, k));
          // ... but the bucket owner can delete it.
          const d = await s3.send(new DeleteObjectCommand({ Bucket: b, Key: k }));
          assert.equal(d.$metadata.httpStatusCode, 204);
        }
      }
    });
  }

  test('the bucket policy still denies on another account\'s object; its allows do not reach it', async () => {
    const b = await newBucket('deny', { ObjectOwnership: 'ObjectWriter' });
    const writeB = { Effect: 'Allow', Principal: { AWS: acctB }, Action: 's3:PutObject', Resource: `arn:aws:s3:::${b}/*` };
    await s3.send(new PutBucketPolicyCommand({ Bucket: b, Policy: policyDoc(writeB) }));
    await put(s3B, b, 'b-owned');
    const readerA = await user(iamA, acctA, allow('s3:GetObject', '*'));
    await denied(() => read(readerA.s3, b, 'b-owned'));
    // The object owner grants A's account READ: A's user with an identity allow reads.
    await s3B.send(new PutObjectAclCommand({ Bucket: b, Key: 'b-owned', GrantRead: `id=${idA}`, GrantFullControl: `id=${idB}` }));
    assert.equal(await read(readerA.s3, b, 'b-owned'), 'body of b-owned');
    await s3.send(new PutBucketPolicyCommand({ Bucket: b, Policy: policyDoc(writeB,
      { Effect: 'Deny', Principal: { AWS: acctB }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${b}/*` }) }));
    await denied(() => read(s3B, b, 'b-owned'),
      `User: arn:aws:iam::${acctB}:root is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::${b}/b-owned with an explicit deny in a resource-based policy`);
  });

  test('s3:x-amz-acl in a bucket policy: the partner must hand over the object', async () => {
    const b = await newBucket('cond', { ObjectOwnership: 'BucketOwnerPreferred' });
    await s3.send(new PutBucketPolicyCommand({ Bucket: b, Policy: policyDoc({ Effect: 'Allow',
      Principal: { AWS: acctB }, Action: 's3:PutObject', Resource: `arn:aws:s3:::${b}/*`,
      Condition: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control' } } }) }));
    await denied(() => put(s3B, b, 'no-acl'),
      `User: arn:aws:iam::${acctB}:root is not authorized to perform: s3:PutObject on resource: arn:aws:s3:::${b}/no-acl because no resource-based policy allows the s3:PutObject action`);
    await put(s3B, b, 'handed', { ACL: 'bucket-owner-full-control' });
    assert.equal((await objectAcl(b, 'handed')).Owner.ID, idA);
    assert.equal(await read(s3, b, 'handed'), 'body of handed');
  });

  test('a multipart upload gets its owner and ACL as a PutObject does', async () => {
    const b = await newBucket('mpu', { ObjectOwnership: 'BucketOwnerPreferred' });
    await s3.send(new PutBucketPolicyCommand({ Bucket: b, Policy: policyDoc({ Effect: 'Allow',
      Principal: { AWS: acctB }, Action: 's3:PutObject', Resource: `arn:aws:s3:::${b}/*` }) }));
    for (const [k, ACL, owner] of [['mpu-with', 'bucket-owner-full-control', idA], ['mpu-without', undefined, idB]]) {
      const { UploadId } = await s3B.send(new CreateMultipartUploadCommand({ Bucket: b, Key: k, ACL }));
      const p = await s3B.send(new UploadPartCommand({ Bucket: b, Key: k, UploadId, PartNumber: 1, Body: `body of ${k}` }));
      await s3B.send(new CompleteMultipartUploadCommand({ Bucket: b, Key: k, UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p.ETag }] } }));
      assert.equal((await objectAcl(b, k, owner === idB ? s3B : s3)).Owner.ID, owner, k);
    }
    await denied(() => read(s3, b, 'mpu-without'));
    assert.equal(await read(s3, b, 'mpu-with'), 'body of mpu-with');
  });

  test('BucketOwnerEnforced turns ACLs off and back on', async () => {
    const b = await openBucket('flip');
    await put(s3, b, 'shared', { GrantRead: `id=${idB}`, GrantFullControl: `id=${idA}` });
    assert.equal(await read(s3B, b, 'shared'), 'body of shared');
    await setOwnership(b, 'BucketOwnerEnforced');
    await denied(() => read(s3B, b, 'shared'));
    assert.deepEqual(grantsOf(await objectAcl(b, 'shared')), [['A', 'FULL_CONTROL']]);
    await setOwnership(b, 'ObjectWriter');
    assert.equal(await read(s3B, b, 'shared'), 'body of shared', 'the object ACL is back');
  });
});

describe('InvalidBucketAclWithObjectOwnership', () => {
  const invalid = (fn) => expectAwsError(fn, 'InvalidBucketAclWithObjectOwnership',
    'Bucket cannot have ACLs set with ObjectOwnership\'s BucketOwnerEnforced setting');

  test('BucketOwnerEnforced cannot be set while the bucket ACL grants others', async () => {
    const b = await openBucket();
    await s3.send(new PutBucketAclCommand({ Bucket: b, ACL: 'public-read' }));
    await invalid(() => setOwnership(b, 'BucketOwnerEnforced'));
    await s3.send(new PutBucketAclCommand({ Bucket: b, GrantFullControl: `id=${idA}`, GrantRead: `id=${idB}` }));
    await invalid(() => setOwnership(b, 'BucketOwnerEnforced'));
    await s3.send(new PutBucketAclCommand({ Bucket: b, ACL: 'private' }));
    await setOwnership(b, 'BucketOwnerEnforced');
  });

  test('CreateBucket: its ACL against its ownership and Block Public Access', async () => {
    await invalid(() => s3.send(new CreateBucketCommand({ Bucket: bucketName('cb'), ACL: 'public-read' })));
    await invalid(() => s3.send(new CreateBucketCommand({ Bucket: bucketName('cb'), ACL: 'log-delivery-write' })));
    await invalid(() => s3.send(new CreateBucketCommand({ Bucket: bucketName('cb'), GrantRead: `id=${idB}` })));
    await expectAwsError(() => s3.send(new CreateBucketCommand({ Bucket: bucketName('cb'), ACL: 'public-read',
      ObjectOwnership: 'ObjectWriter' })), 'InvalidBucketAclWithBlockPublicAccessError',
    'Bucket cannot have public ACLs set with BlockPublicAccess enabled');
    const priv = await newBucket('cb', { ACL: 'private' });
    assert.deepEqual(grantsOf(await bucketAcl(priv)), [['A', 'FULL_CONTROL']]);
    const logs = await newBucket('cb', { ACL: 'log-delivery-write', ObjectOwnership: 'ObjectWriter' });
    assert.deepEqual(grantsOf(await bucketAcl(logs)),
      [['A', 'FULL_CONTROL'], [LOG_DELIVERY, 'WRITE'], [LOG_DELIVERY, 'READ_ACP']]);
  });
});

describe('Block Public Access', () => {
  const all = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };
  const getPab = async (b) => (await s3.send(new GetPublicAccessBlockCommand({ Bucket: b }))).PublicAccessBlockConfiguration;

  test('new buckets have all four settings; put, get, delete', async () => {
    const b = await newBucket('pab');
    assert.deepEqual(await getPab(b), all);
    const r = await s3.send(new PutPublicAccessBlockCommand({ Bucket: b,
      PublicAccessBlockConfiguration: { IgnorePublicAcls: true } }));
    assert.equal(r.$metadata.httpStatusCode, 200);
    assert.deepEqual(await getPab(b), { BlockPublicAcls: false, IgnorePublicAcls: true, BlockPublicPolicy: false,
      RestrictPublicBuckets: false });
    const d = await s3.send(new DeletePublicAccessBlockCommand({ Bucket: b }));
    assert.equal(d.$metadata.httpStatusCode, 204);
    const e = await expectAwsError(() => getPab(b), 'NoSuchPublicAccessBlockConfiguration',
      'The public access block configuration was not found', { status: 404 });
    assert.equal(e.BucketName, b);
    const bad = '<PublicAccessBlockConfiguration><BlockPublicAcls>yes</BlockPublicAcls></PublicAccessBlockConfiguration>';
    let raw = await s3Raw(srv, { method: 'PUT', path: `/${b}`, query: { publicAccessBlock: '' }, body: bad,
      headers: { 'content-md5': md5b64(Buffer.from(bad)) } });
    assert.equal(raw.status, 400, raw.text);
    assert.match(raw.text, /<Code>MalformedXML<\/Code>/);
    const good = '<PublicAccessBlockConfiguration><BlockPublicPolicy>true</BlockPublicPolicy></PublicAccessBlockConfiguration>';
    raw = await s3Raw(srv, { method: 'PUT', path: `/${b}`, query: { publicAccessBlock: '' }, body: good });
    assert.equal(raw.status, 400, raw.text);
    assert.match(raw.text, /<Message>Missing required header for this request: Content-MD5<\/Message>/);
    await expectAwsError(() => getPab(b), 'NoSuchPublicAccessBlockConfiguration', undefined, { status: 404 });
  });

  test('BlockPublicAcls refuses public ACLs, with AWS\'s message', async () => {
    const b = await newBucket('bpa', { ObjectOwnership: 'ObjectWriter' });
    const root = `arn:aws:iam::${acctA}:root`;
    await denied(() => put(s3, b, 'k', { ACL: 'public-read' }),
      blockedAcl(root, 's3:PutObject', `arn:aws:s3:::${b}/k`));
    await denied(() => put(s3, b, 'k', { GrantRead: `uri="${AUTH_USERS}"` }));
    await put(s3, b, 'k', { ACL: 'private' });
    await denied(() => s3.send(new PutObjectAclCommand({ Bucket: b, Key: 'k', ACL: 'authenticated-read' })),
      blockedAcl(root, 's3:PutObjectAcl', `arn:aws:s3:::${b}/k`));
    await denied(() => s3.send(new PutBucketAclCommand({ Bucket: b, ACL: 'public-read' })),
      blockedAcl(root, 's3:PutBucketAcl', `arn:aws:s3:::${b}`));
    // The log delivery group and other accounts are not public.
    await s3.send(new PutBucketAclCommand({ Bucket: b, ACL: 'log-delivery-write' }));
    await s3.send(new PutObjectAclCommand({ Bucket: b, Key: 'k', GrantRead: `id=${idB}` }));
    assert.deepEqual(grantsOf(await objectAcl(b, 'k')), [['B', 'READ']]);
  });

  test('a public-read bucket is readable by another account\'s user only with Block Public Access off', async () => {
    const b = await newBucket('pubread', { ObjectOwnership: 'ObjectWriter' });
    await s3.send(new PutPublicAccessBlockCommand({ Bucket: b,
      PublicAccessBlockConfiguration: { IgnorePublicAcls: true } }));
    await s3.send(new PutBucketAclCommand({ Bucket: b, ACL: 'public-read' }));
    await put(s3, b, 'page', { ACL: 'public-read' });
    const reader = await user(iamB, acctB, allow(['s3:ListBucket', 's3:GetObject'], '*'));
    // IgnorePublicAcls: the grants count for nothing, and Get*Acl show the ACL in force.
    await denied(() => reader.s3.send(new ListObjectsV2Command({ Bucket: b })),
      `User: ${reader.arn} is not authorized to perform: s3:ListBucket on resource: arn:aws:s3:::${b} because no resource-based policy allows the s3:ListBucket action`);
    await denied(() => read(reader.s3, b, 'page'));
    assert.deepEqual(grantsOf(await bucketAcl(b)), [['A', 'FULL_CONTROL']]);
    assert.deepEqual(grantsOf(await objectAcl(b, 'page')), [['A', 'FULL_CONTROL']]);
    await s3.send(new DeletePublicAccessBlockCommand({ Bucket: b }));
    const l = await reader.s3.send(new ListObjectsV2Command({ Bucket: b }));
    assert.deepEqual(l.Contents.map((o) => o.Key), ['page']);
    assert.equal(await read(reader.s3, b, 'page'), 'body of page');
    assert.deepEqual(grantsOf(await bucketAcl(b)), [['A', 'FULL_CONTROL'], [ALL_USERS, 'READ']]);
    // Across accounts the caller's own account must allow too.
    const bare = await user(iamB, acctB, null);
    await denied(() => read(bare.s3, b, 'page'));
    // A public object in a private bucket: readable, the bucket not listable.
    await s3.send(new PutBucketAclCommand({ Bucket: b, ACL: 'private' }));
    await denied(() => reader.s3.send(new ListObjectsV2Command({ Bucket: b })));
    assert.equal(await read(reader.s3, b, 'page'), 'body of page');
    await put(s3, b, 'private');
    await denied(() => read(reader.s3, b, 'private'));
  });

  test('BlockPublicPolicy refuses public bucket policies', async () => {
    const b = await newBucket('bpp');
    const get = { Action: 's3:GetObject', Resource: `arn:aws:s3:::${b}/*`, Effect: 'Allow' };
    const putPolicy = (...st) => s3.send(new PutBucketPolicyCommand({ Bucket: b, Policy: policyDoc(...st) }));
    const refused = `User: arn:aws:iam::${acctA}:root is not authorized to perform: s3:PutBucketPolicy on resource: "arn:aws:s3:::${b}" because public policies are prevented by the BlockPublicPolicy setting in S3 Block Public Access.`;
    await denied(() => putPolicy({ ...get, Principal: '*' }), refused);
    await denied(() => putPolicy({ ...get, Principal: { AWS: '*' } }), refused);
    await denied(() => putPolicy({ ...get, Principal: '*', Condition: { StringLike: { 'aws:SourceAccount': '1*' } } }), refused);
    await denied(() => putPolicy({ ...get, Principal: '*', Condition: { IpAddress: { 'aws:SourceIp': '0.0.0.0/1' } } }), refused);
    await denied(() => putPolicy({ ...get, Principal: '*', Condition: { StringNotEquals: { 'aws:SourceAccount': acctB } } }), refused);
    // Non-public: fixed principals, or "*" narrowed to fixed values of the listed keys.
    await putPolicy({ ...get, Principal: { AWS: acctB } });
    await putPolicy({ ...get, Principal: '*', Condition: { StringEquals: { 'aws:SourceAccount': acctB } } });
    await putPolicy({ ...get, Principal: '*', Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abcdefghij' } } });
    await putPolicy({ ...get, Principal: '*', Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } });
    await putPolicy({ ...get, Principal: '*', Effect: 'Deny' });
    await s3.send(new PutPublicAccessBlockCommand({ Bucket: b, PublicAccessBlockConfiguration: { BlockPublicAcls: true } }));
    await putPolicy({ ...get, Principal: '*' });
  });

  test('RestrictPublicBuckets: a public policy serves only the owner\'s account', async () => {
    const b = await newBucket('rpb');
    await put(s3, b, 'doc');
    await s3.send(new PutPublicAccessBlockCommand({ Bucket: b, PublicAccessBlockConfiguration: { RestrictPublicBuckets: true } }));
    await s3.send(new PutBucketPolicyCommand({ Bucket: b, Policy: policyDoc(
      { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${b}/*` }) }));
    const partner = await user(iamB, acctB, allow('s3:GetObject', '*'));
    await denied(() => read(partner.s3, b, 'doc'),
      `User: ${partner.arn} is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::${b}/doc with an explicit deny in a resource-based policy`);
    const local = await user(iamA, acctA, null);
    assert.equal(await read(local.s3, b, 'doc'), 'body of doc', 'the owner\'s account is served');
    await s3.send(new DeletePublicAccessBlockCommand({ Bucket: b }));
    assert.equal(await read(partner.s3, b, 'doc'), 'body of doc');
  });

  test('the API needs its IAM actions', async () => {
    const b = await newBucket('pabiam');
    const u = await user(iamA, acctA, allow(['s3:GetBucketPublicAccessBlock', 's3:GetBucketAcl'], '*'));
    await u.s3.send(new GetPublicAccessBlockCommand({ Bucket: b }));
    await u.s3.send(new GetBucketAclCommand({ Bucket: b }));
    await denied(() => u.s3.send(new DeletePublicAccessBlockCommand({ Bucket: b })), /s3:PutBucketPublicAccessBlock/);
    await denied(() => u.s3.send(new PutBucketAclCommand({ Bucket: b, GrantFullControl: `id=${idA}` })), /s3:PutBucketAcl/);
    await put(s3, b, 'k');
    await denied(() => u.s3.send(new GetObjectAclCommand({ Bucket: b, Key: 'k' })), /s3:GetObjectAcl/);
  });
});
