// The seed's table, end to end: all 59 rows × CloudWatch Logs / S3 / Firehose
// (tests/data/seed-log-types.tsv, the table read cell by cell). Each supported
// cell is set up under its permission model — V2 (delivery source +
// CreateDelivery), V1 (CreateLogDelivery) or the service's own identity
// (PutServiceLogConfiguration with a role trusting the service) — then
// `sluice produce` sends realistic generated records for the resource, and the
// cell counts as working when the delivery's status shows them delivered to
// its destination. Each unsupported cell must be refused, naming the log type
// and the destination. Prints "seed table: N/100 supported cells delivered,
// M/77 refusals".
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { execFileSync, execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  PutDeliverySourceCommand, PutDeliveryDestinationCommand, CreateDeliveryCommand, CreateLogGroupCommand,
  DescribeLogStreamsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { CreateBucketCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { CreateRoleCommand, PutRolePolicyCommand, DeleteRolePolicyCommand } from '@aws-sdk/client-iam';
import { DeleteResourcePolicyCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DeleteBucketPolicyCommand } from '@aws-sdk/client-s3';
import { UntagDeliveryStreamCommand } from '@aws-sdk/client-firehose';
import { startServer, teardown, SLUICE_BIN, REGION, sleep } from './harness.mjs';
import { clients, bucketName, firehoseToS3 } from './delivery-helpers.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const DESTS = ['CWL', 'S3', 'FH'];
const COLS = { CWL: 'cwl', S3: 's3', FH: 'firehose' };
const RECORDS = 2;

let srv, logs, acct, s3, iam, fh;
const call = async (op, body) => {
  const r = await srv.raw({ target: op, body: JSON.stringify(body), sign: srv.credentials() });
  return { status: r.status, json: r.json };
};

function seedRows() {
  const lines = readFileSync(path.resolve(here, '../data/seed-log-types.tsv'), 'utf8').split('\n')
    .filter((l) => l && !l.startsWith('#') && !l.startsWith('row\t'));
  return lines.map((l) => {
    const [row, name, service, cwl, s3c, firehose] = l.split('\t');
    return { row: Number.parseInt(row, 10), name, service, cells: { cwl, s3: s3c, firehose } };
  });
}

before(async () => {
  srv = await startServer({ extraArgs: ['--delivery-flush-seconds', '1'] });
  ({ logs, acct, s3, iam, fh } = clients(srv));
});
after(async () => { await teardown(srv); });

test('every cell of the seed table: supported ones deliver under their model and fail, naming the refused call, when its permission goes; the rest are refused', { timeout: 600000 }, async () => {
  const templates = JSON.parse(execFileSync(SLUICE_BIN, ['catalog', '--json'], { encoding: 'utf8', maxBuffer: 64 << 20 }))
    .configurationTemplates;
  // Destinations, one of each type; a role every service may assume for its own cells.
  const group = '/aws/vendedlogs/seed-table';
  await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
  const bucket = bucketName('seed');
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const stream = await firehoseToS3({ iam, s3, fh, acct });
  const resourceOf = { CWL: `arn:aws:logs:${REGION}:${acct}:log-group:${group}`, S3: `arn:aws:s3:::${bucket}`, FH: stream.arn };
  const v2dest = {};
  for (const d of DESTS) {
    v2dest[d] = (await logs.send(new PutDeliveryDestinationCommand({ name: `seed-${d}`,
      deliveryDestinationConfiguration: { destinationResourceArn: resourceOf[d] } }))).deliveryDestination.arn;
  }
  const principals = [...new Set(templates.filter((t) => t.servicePrincipal).map((t) => t.servicePrincipal))];
  const roleName = `seed-self-${Date.now().toString(36)}`;
  await iam.send(new CreateRoleCommand({ RoleName: roleName, AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: principals }, Action: 'sts:AssumeRole' }] }) }));
  await iam.send(new PutRolePolicyCommand({ RoleName: roleName, PolicyName: 'write', PolicyDocument: JSON.stringify({
    Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['logs:CreateLogGroup', 'logs:CreateLogStream',
      'logs:PutLogEvents', 'firehose:PutRecordBatch'], Resource: '*' }] }) }));
  const roleArn = `arn:aws:iam::${acct}:role/${roleName}`;

  const rows = seedRows();
  assert.equal(rows.length, 59);
  const expectSupported = rows.reduce((n, r) => n + Object.values(r.cells).filter((c) => c !== '-').length, 0);
  assert.equal(expectSupported, 100, 'the seed marks 100 cells supported');
  const cells = [];   // { where, id } to wait for
  let refusals = 0;
  const producing = [];
  const produced = [];   // { resource, logType, row } to produce again
  const produce = ({ resource, logType, row }) => new Promise((resolve) => execFile(SLUICE_BIN, ['produce', '--resource',
    resource, '--log-type', logType, '--count', String(RECORDS), '--seed', String(row), '--endpoint', srv.endpoint,
    '--credentials', srv.credentialsFile()], { timeout: 60000 }, (err, stdout, stderr) => resolve({ err, stderr, where: `row ${row}` })));
  for (const r of rows) {
    // The catalog's log type of this row whose cells are exactly the table's.
    const mine = templates.filter((t) => t.seedRow === r.row);
    const keys = [...new Set(mine.map((t) => `${t.service}\u0000${t.logType}\u0000${t.resourceType}`))];
    let chosen = null;
    for (const k of keys) {
      const ts = mine.filter((t) => `${t.service}\u0000${t.logType}\u0000${t.resourceType}` === k);
      const ok = DESTS.every((d) => {
        const want = r.cells[COLS[d]];
        const t = ts.find((x) => x.deliveryDestinationType === d);
        const models = t ? t.permissionModel : '-';
        const m = models.split(',');
        // A cell the seed leaves empty may be V2 today (CloudFront, NLB): the
        // seed's models (V1, the service's identity) must still be refused.
        if (want === '-') return !m.includes('V1') && !m.includes('SERVICE_IDENTITY');
        return want === 'none' ? m.includes('SERVICE_IDENTITY') : m.includes(want);
      });
      if (ok) { chosen = ts; break; }
    }
    assert.ok(chosen, `row ${r.row} (${r.name}): a catalog log type with exactly the table's cells`);
    const { service, logType } = chosen[0];
    const resource = chosen[0].resourceArnPattern.replaceAll('{region}', REGION).replaceAll('{account}', acct)
      .replaceAll('{id}', `r${r.row}x${Date.now().toString(36)}`).replaceAll('{name}', `seed-row-${r.row}`);
    if (service === 's3') await s3.send(new CreateBucketCommand({ Bucket: resource.slice(13) }));
    let source = null;
    for (const d of DESTS) {
      const want = r.cells[COLS[d]];
      const where = `row ${r.row} ${r.name} -> ${d} [${want}]`;
      if (want === 'V2') {
        if (!source) {
          source = `seed-${r.row}`;
          await logs.send(new PutDeliverySourceCommand({ name: source, resourceArn: resource, logType }));
        }
        const del = (await logs.send(new CreateDeliveryCommand({ deliverySourceName: source, deliveryDestinationArn: v2dest[d] }))).delivery;
        cells.push({ where, id: del.id, model: 'V2', dest: d });
      } else if (want === 'V1') {
        const c = await call('CreateLogDelivery', { resourceArn: resource, logType, destinationArn: resourceOf[d] });
        assert.equal(c.status, 200, `${where}: ${JSON.stringify(c.json)}`);
        cells.push({ where, id: c.json.logDelivery.id, model: 'V1', dest: d });
      } else if (want === 'none') {
        const c = await call('PutServiceLogConfiguration', { resourceArn: resource, logType, roleArn,
          ...(d === 'FH' ? { destinationArn: stream.arn } : {}) });
        assert.equal(c.status, 200, `${where}: ${JSON.stringify(c.json)}`);
        cells.push({ where, id: c.json.serviceLogConfiguration.id, model: 'none', dest: d,
          group: d === 'CWL' ? c.json.serviceLogConfiguration.destinationArn : null });
      } else {
        // Unsupported: refused by every model, naming the log type and destination.
        const v1 = await call('CreateLogDelivery', { resourceArn: resource, logType, destinationArn: resourceOf[d] });
        assert.equal(v1.json?.__type, 'ValidationException', `${where}: ${JSON.stringify(v1.json)}`);
        assert.ok(v1.json.message.includes(logType) && v1.json.message.includes(d), `${where}: ${v1.json.message}`);
        const self = await call('PutServiceLogConfiguration', { resourceArn: resource, logType, roleArn,
          ...(d === 'FH' ? { destinationArn: stream.arn } : d === 'S3' ? { destinationArn: resourceOf.S3 } : {}) });
        assert.equal(self.json?.__type, 'ValidationException', `${where}: ${JSON.stringify(self.json)}`);
        const today = chosen.find((x) => x.deliveryDestinationType === d)?.permissionModel ?? '-';
        if (source && !today.split(',').includes('V2')) {
          await assert.rejects(logs.send(new CreateDeliveryCommand({ deliverySourceName: source, deliveryDestinationArn: v2dest[d] })),
            (e) => e.name === 'ValidationException' && e.message.includes(logType), where);
        }
        refusals += 1;
      }
    }
    // Realistic records of the log type, as the platform would send them.
    produced.push({ resource, logType, row: r.row });
    producing.push(produce(produced[produced.length - 1]));
  }
  for (const p of await Promise.all(producing)) assert.equal(p.err, null, `produce for ${p.where}: ${p.stderr}`);
  // Every supported cell delivered (its status), within a few flush windows.
  const pending = new Set(cells);
  const end = Date.now() + 60000;
  while (pending.size && Date.now() < end) {
    for (const c of [...pending]) {
      const st = (await call('GetDeliveryStatus', { id: c.id })).json.deliveryStatus;
      if (st && st.deliveredRecords >= RECORDS) pending.delete(c);
    }
    if (pending.size) await sleep(300);
  }
  const working = cells.length - pending.size;
  console.log(`seed table: ${working}/${expectSupported} supported cells delivered, ${refusals}/${177 - expectSupported} refusals`);
  for (const c of pending) {
    const st = (await call('GetDeliveryStatus', { id: c.id })).json.deliveryStatus;
    assert.fail(`${c.where}: not delivered: ${JSON.stringify(st)}`);
  }
  assert.equal(cells.length, 100);
  assert.equal(refusals, 77);
  // Landed where they should: the shared log group has a stream per V1/V2 CWL
  // cell, each service's own group exists, the bucket has objects.
  const streams = (await logs.send(new DescribeLogStreamsCommand({ logGroupName: group }))).logStreams;
  assert.ok(streams.length >= cells.filter((c) => / -> CWL \[V[12]\]/.test(c.where)).length, `${streams.length} streams`);
  for (const c of cells.filter((x) => x.group)) {
    const name = c.group.split(':log-group:')[1];
    const s = (await logs.send(new DescribeLogStreamsCommand({ logGroupName: name }))).logStreams;
    assert.ok(s.length >= 1, `${c.where}: the service's own group ${name} has its stream`);
  }
  assert.ok(((await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).KeyCount ?? 0) >= 1);

  // Each cell's denial: take the permission its model relies on away, produce
  // again, and every cell shows FAILING naming the refused call, with
  // nothing more delivered.
  await logs.send(new DeleteResourcePolicyCommand({ policyName: 'AWSLogDeliveryWrite20150319' }));
  await s3.send(new DeleteBucketPolicyCommand({ Bucket: bucket }));
  await fh.send(new UntagDeliveryStreamCommand({ DeliveryStreamName: stream.stream, TagKeys: ['LogDeliveryEnabled'] }));
  await iam.send(new DeleteRolePolicyCommand({ RoleName: roleName, PolicyName: 'write' }));
  for (const p of await Promise.all(produced.map(produce))) assert.equal(p.err, null, `produce for ${p.where}: ${p.stderr}`);
  const ACTION = { CWL: 'logs:PutLogEvents', S3: 's3:PutObject', FH: 'firehose:PutRecordBatch' };
  const waiting = new Set(cells);
  const until2 = Date.now() + 60000;
  const seen = new Map();
  while (waiting.size && Date.now() < until2) {
    for (const c of [...waiting]) {
      const st = (await call('GetDeliveryStatus', { id: c.id })).json.deliveryStatus;
      if (st.state === 'FAILING') { waiting.delete(c); seen.set(c, st); }
    }
    if (waiting.size) await sleep(300);
  }
  console.log(`seed table: ${seen.size}/${cells.length} cells show their denial`);
  for (const c of waiting) assert.fail(`${c.where}: not FAILING after its permission was removed`);
  for (const [c, st] of seen) {
    assert.equal(st.lastErrorAction, ACTION[c.dest], `${c.where}: ${st.lastErrorMessage}`);
    assert.equal(st.deliveredRecords, RECORDS, `${c.where}: nothing more delivered`);
    assert.ok(st.backlogRecords >= RECORDS, `${c.where}: the records wait`);
  }
});
