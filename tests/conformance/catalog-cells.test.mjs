// A table test over the whole catalog: every (service, log type, resource
// type) row and every destination. Supported cells are accepted with their
// permission model (V2: PutDeliverySource + CreateDelivery; V1:
// CreateLogDelivery), and every other cell is refused with a validation
// error that names the log type and the destination. The cells come from
// `sluice catalog --json` (every cell, with permissionModel); the resource ARN
// patterns from catalog/aws.catalog's `resource` lines.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  PutDeliverySourceCommand, PutDeliveryDestinationCommand, CreateDeliveryCommand, CreateLogGroupCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { startServer, teardown, SLUICE_BIN, REGION } from './harness.mjs';
import { clients, firehoseStream } from './delivery-helpers.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const DESTS = ['CWL', 'S3', 'FH', 'XRAY'];

/** resource type -> ARN pattern, per service, from the catalog data file. */
function resourcePatterns() {
  const out = {};
  let svc = null;
  for (const raw of readFileSync(path.resolve(here, '../../catalog/aws.catalog'), 'utf8').split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    const w = line.split(/\s+/);
    if (w[0] === 'service') { svc = w[1]; out[svc] = {}; }
    else if (w[0] === 'resource' && svc) out[svc][w[1]] = w[2];
  }
  return out;
}

let srv, logs, acct, s3;
let seq = 0;
const dest = {};
function arnFor(pattern) {
  seq += 1;
  const id = `r${seq}x${Date.now().toString(36)}`;
  return pattern.replaceAll('{region}', REGION).replaceAll('{account}', acct)
    .replaceAll('{id}', id).replaceAll('{name}', `n${id}`);
}

before(async () => {
  srv = await startServer();
  ({ logs, acct, s3 } = clients(srv));
  // One destination of each type, in the caller's account.
  const group = '/aws/vendedlogs/cells';
  await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
  const bucket = `cells-${Date.now().toString(36)}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const fh = await firehoseStream(clients(srv));
  dest.resource = {
    CWL: `arn:aws:logs:${REGION}:${acct}:log-group:${group}`,
    S3: `arn:aws:s3:::${bucket}`,
    FH: fh.arn,
  };
  dest.v2 = {};
  for (const d of ['CWL', 'S3', 'FH']) {
    dest.v2[d] = (await logs.send(new PutDeliveryDestinationCommand({ name: `cells-${d}`,
      deliveryDestinationConfiguration: { destinationResourceArn: dest.resource[d] } }))).deliveryDestination.arn;
  }
  dest.v2.XRAY = (await logs.send(new PutDeliveryDestinationCommand({ name: 'cells-XRAY',
    deliveryDestinationType: 'XRAY' }))).deliveryDestination.arn;
});
after(async () => { await teardown(srv); });

async function v1(body) {
  const r = await srv.raw({ target: 'CreateLogDelivery', body: JSON.stringify(body), sign: srv.credentials() });
  return { status: r.status, json: r.json };
}

test('every catalog row and destination: supported cells accepted with their model, the rest refused clearly', async () => {
  const templates = JSON.parse(execFileSync(SLUICE_BIN, ['catalog', '--json'], { encoding: 'utf8', maxBuffer: 64 << 20 }))
    .configurationTemplates;
  const patterns = resourcePatterns();
  // (service, logType, resourceType) -> {dest: permissionModel}
  const rows = new Map();
  for (const t of templates) {
    const k = `${t.service}\u0000${t.logType}\u0000${t.resourceType}`;
    if (!rows.has(k)) rows.set(k, { service: t.service, logType: t.logType, resourceType: t.resourceType, cells: {}, tmpl: {} });
    rows.get(k).cells[t.deliveryDestinationType] = t.permissionModel;
    rows.get(k).tmpl[t.deliveryDestinationType] = t;
  }
  assert.ok(rows.size >= 59, `at least the seed's 59 sources (${rows.size} rows)`);
  const tally = { v2: 0, v1: 0, refused: 0 };
  for (const row of rows.values()) {
    const pattern = patterns[row.service]?.[row.resourceType];
    assert.ok(pattern, `ARN pattern of ${row.service} ${row.resourceType}`);
    const res = arnFor(pattern);
    if (row.service === 's3') await s3.send(new CreateBucketCommand({ Bucket: res.slice('arn:aws:s3:::'.length) }));
    const label = `${row.service} ${row.logType} (${row.resourceType})`;
    const hasV2 = Object.values(row.cells).some((m) => m.split(',').includes('V2'));
    let source = null;
    if (hasV2) {
      source = `s${seq}-${row.logType}`.slice(0, 60).replace(/[^\w-]/g, '-');
      const r = await logs.send(new PutDeliverySourceCommand({ name: source, resourceArn: res, logType: row.logType }));
      assert.equal(r.deliverySource.service, row.service, label);
    } else {
      await assert.rejects(logs.send(new PutDeliverySourceCommand({ name: `nv2-${seq}`, resourceArn: res, logType: row.logType })),
        (e) => e.name === 'ValidationException' && e.message.includes(row.logType), `${label}: not a V2 source`);
    }
    for (const d of DESTS) {
      const models = (row.cells[d] ?? '').split(',').filter(Boolean);
      const where = `${label} -> ${d} [${models.join(',') || 'unsupported'}]`;
      // V2
      if (source) {
        const t = row.tmpl[d];
        const body = { deliverySourceName: source, deliveryDestinationArn: dest.v2[d] };
        if (models.includes('V2')) {
          const del = (await logs.send(new CreateDeliveryCommand(body))).delivery;
          assert.equal(del.deliveryDestinationType, d, where);
          assert.deepEqual(del.recordFields ?? [], t.defaultDeliveryConfigValues?.recordFields ?? [], `${where}: default recordFields`);
          tally.v2 += 1;
        } else {
          await assert.rejects(logs.send(new CreateDeliveryCommand(body)),
            (e) => e.name === 'ValidationException' && e.message.includes(row.logType) && e.message.includes(d), where);
          tally.refused += 1;
        }
      }
      // V1 (no X-Ray resource to name)
      if (d === 'XRAY') continue;
      const r = await v1({ resourceArn: res, logType: row.logType, destinationArn: dest.resource[d] });
      if (models.includes('V1')) {
        assert.equal(r.status, 200, `${where}: ${JSON.stringify(r.json)}`);
        assert.equal(r.json.logDelivery.deliveryDestinationType, d, where);
        assert.ok(row.tmpl[d].allowedOutputFormats.includes(r.json.logDelivery.outputFormat),
          `${where}: default format ${r.json.logDelivery.outputFormat} is allowed`);
        tally.v1 += 1;
      } else {
        assert.equal(r.status, 400, `${where}: ${JSON.stringify(r.json)}`);
        assert.equal(r.json.__type, 'ValidationException', where);
        assert.ok(r.json.message.includes(row.logType) && r.json.message.includes(d), `${where}: ${r.json.message}`);
        if (models.includes('SELF')) assert.match(r.json.message, /own IAM identity/, where);
        tally.refused += 1;
      }
    }
  }
  console.log(`catalog cells: ${JSON.stringify(tally)}`);
  // The seed's 100 supported cells are among them (V1: 63 in the seed).
  assert.ok(tally.v1 >= 63, `V1 cells accepted: ${tally.v1}`);
  assert.ok(tally.v2 >= 12, `V2 cells accepted: ${tally.v2}`);
});
