// The seed's plain "Supported" cells: the service writes a resource's logs
// with an identity the customer gives it (Sluice's extension
// PutServiceLogConfiguration). Lambda: the execution role must trust
// lambda.amazonaws.com; records land in /aws/lambda/NAME written as that
// role, so the role's own policy decides (no logs:PutLogEvents -> nothing
// lands, and the status says why).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { GetLogEventsCommand, DescribeLogStreamsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateRoleCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { startServer, teardown, uniq, REGION, sleep } from './harness.mjs';
import { clients, userWith } from './delivery-helpers.mjs';

let srv, logs, acct, iam;
const call = async (op, body, creds = srv.credentials()) => {
  const r = await srv.raw({ target: op, body: JSON.stringify(body), sign: creds });
  return { status: r.status, json: r.json };
};
async function until(what, fn, ms = 20000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(200);
  }
}
async function role(principal, actions) {
  const name = uniq('exec');
  await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: principal }, Action: 'sts:AssumeRole' }] }) }));
  if (actions.length) {
    await iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: 'logs', PolicyDocument: JSON.stringify({
      Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions,
        Resource: `arn:aws:logs:${REGION}:${acct}:log-group:/aws/lambda/*` }] }) }));
  }
  return `arn:aws:iam::${acct}:role/${name}`;
}

before(async () => {
  srv = await startServer({ extraArgs: ['--delivery-flush-seconds', '1'] });
  ({ logs, acct, iam } = clients(srv));
});
after(async () => { await teardown(srv); });

test('Lambda: records land in /aws/lambda/NAME written as the execution role', async () => {
  const fn = uniq('fn').replace(/[^A-Za-z0-9-]/g, '');
  const res = `arn:aws:lambda:${REGION}:${acct}:function:${fn}`;
  const roleArn = await role('lambda.amazonaws.com', ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents']);
  const put = await call('PutServiceLogConfiguration', { resourceArn: res, logType: 'FUNCTION_LOGS', roleArn });
  assert.equal(put.status, 200, JSON.stringify(put.json));
  const cfg = put.json.serviceLogConfiguration;
  assert.equal(cfg.destinationArn, `arn:aws:logs:${REGION}:${acct}:log-group:/aws/lambda/${fn}`);
  assert.equal(cfg.servicePrincipal, 'lambda.amazonaws.com');
  assert.equal(cfg.deliveryDestinationType, 'CWL');
  const got = await call('GetServiceLogConfiguration', { resourceArn: res, logType: 'FUNCTION_LOGS' });
  assert.deepEqual(got.json.serviceLogConfiguration, cfg);
  const lines = ['START RequestId: 8f5c1e3a Version: $LATEST', 'END RequestId: 8f5c1e3a',
    'REPORT RequestId: 8f5c1e3a\tDuration: 1.52 ms\tBilled Duration: 2 ms'];
  const now = Date.now();
  const p = await call('PutVendedLogEvents', { resourceArn: res, logType: 'FUNCTION_LOGS',
    logEvents: lines.map((m, i) => ({ timestamp: now + i, message: m })) });
  assert.equal(p.status, 200, JSON.stringify(p.json));
  // The group does not exist yet: the service creates it (the role may).
  const streams = await until('the stream', async () => {
    try {
      const s = (await logs.send(new DescribeLogStreamsCommand({ logGroupName: `/aws/lambda/${fn}` }))).logStreams;
      return s.length ? s : null;
    } catch { return null; }
  });
  const ev = await until('the events', async () => {
    const e = (await logs.send(new GetLogEventsCommand({ logGroupName: `/aws/lambda/${fn}`,
      logStreamName: streams[0].logStreamName, startFromHead: true }))).events;
    return e.length === 3 ? e : null;
  });
  assert.deepEqual(ev.map((e) => e.message), lines, 'raw lines, as the service writes them');
  const st = (await call('GetDeliveryStatus', { id: cfg.id })).json.deliveryStatus;
  assert.equal(st.deliveredRecords, 3);
});

test('the role decides: without logs:PutLogEvents nothing lands and the status names it; a role the service cannot assume is refused', async () => {
  const fn = uniq('fn2').replace(/[^A-Za-z0-9-]/g, '');
  const res = `arn:aws:lambda:${REGION}:${acct}:function:${fn}`;
  const weak = await role('lambda.amazonaws.com', ['logs:CreateLogGroup', 'logs:CreateLogStream']);
  const put = await call('PutServiceLogConfiguration', { resourceArn: res, logType: 'FUNCTION_LOGS', roleArn: weak });
  assert.equal(put.status, 200, JSON.stringify(put.json));
  await call('PutVendedLogEvents', { resourceArn: res, logType: 'FUNCTION_LOGS', logEvents: [{ timestamp: Date.now(), message: 'hello' }] });
  const st = await until('FAILING', async () => {
    const s = (await call('GetDeliveryStatus', { id: put.json.serviceLogConfiguration.id })).json.deliveryStatus;
    return s.state === 'FAILING' ? s : null;
  });
  assert.equal(st.lastErrorAction, 'logs:PutLogEvents');
  assert.match(st.lastErrorMessage, /assumed-role\/exec-[^ ]+\/ServiceLogs is not authorized to perform: logs:PutLogEvents/);
  assert.equal(st.deliveredRecords, 0);
  // A role trusting another service: refused at configuration time.
  const other = await role('ecs-tasks.amazonaws.com', ['logs:PutLogEvents']);
  const bad = await call('PutServiceLogConfiguration', { resourceArn: res, logType: 'FUNCTION_LOGS', roleArn: other });
  assert.equal(bad.json.__type, 'ValidationException');
  assert.match(bad.json.message, /cannot be assumed by lambda\.amazonaws\.com/);
  // Passing a role needs iam:PassRole.
  const u = await userWith(iam, ['logs:PutServiceLogConfiguration']);
  const denied = await call('PutServiceLogConfiguration', { resourceArn: res, logType: 'FUNCTION_LOGS', roleArn: weak }, u);
  assert.equal(denied.json.__type, 'AccessDeniedException');
  assert.match(denied.json.message, /iam:PassRole/);
  // Cells that are not the service's own identity are refused with the model they use.
  const v2 = await call('PutServiceLogConfiguration', { resourceArn: `arn:aws:cloudfront::${acct}:distribution/ESELF1`,
    logType: 'ACCESS_LOGS', roleArn: weak });
  assert.equal(v2.json.__type, 'ValidationException');
  assert.match(v2.json.message, /delivery sources \(V2 permissions\)/);
  // Delete: gone, and Get says so.
  assert.equal((await call('DeleteServiceLogConfiguration', { resourceArn: res, logType: 'FUNCTION_LOGS' })).status, 200);
  const gone = await call('GetServiceLogConfiguration', { resourceArn: res, logType: 'FUNCTION_LOGS' });
  assert.equal(gone.json.__type, 'ResourceNotFoundException');
});
