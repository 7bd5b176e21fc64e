// --tls: the SDK over HTTPS, trusting only DIR/tls/ca.crt, hostname checked.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import https from 'node:https';
import { CreateLogGroupCommand, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { startServer, uniq, teardown } from './harness.mjs';

let srv;
before(async () => {
  srv = await startServer({ tls: true });
});
after(() => teardown(srv));

describe('TLS', () => {
  test('the CA is written to DIR/tls/ca.crt', () => {
    assert.ok(existsSync(srv.caPath()));
    assert.match(readFileSync(srv.caPath(), 'utf8'), /-----BEGIN CERTIFICATE-----/);
  });

  test('CreateLogGroup over https://localhost with the CA (no rejectUnauthorized:false)', async () => {
    assert.ok(srv.endpoint.startsWith('https://localhost:'));
    const logs = srv.client(); // harness: https.Agent({ ca: DIR/tls/ca.crt })
    const name = uniq('tls');
    const out = await logs.send(new CreateLogGroupCommand({ logGroupName: name }));
    assert.equal(out.$metadata.httpStatusCode, 200);
    const { logGroups } = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: name }));
    assert.deepEqual(logGroups.map((g) => g.logGroupName), [name]);
  });

  test('https://127.0.0.1 also verifies (IP SAN)', async () => {
    const logs = srv.client({
      endpoint: `https://127.0.0.1:${srv.port}`,
      requestHandler: new NodeHttpHandler({ httpsAgent: new https.Agent({ ca: readFileSync(srv.caPath()) }) }),
    });
    const out = await logs.send(new DescribeLogGroupsCommand({}));
    assert.equal(out.$metadata.httpStatusCode, 200);
  });

  test('without the CA the certificate is not trusted', async () => {
    const logs = srv.client({
      requestHandler: new NodeHttpHandler({ httpsAgent: new https.Agent({ family: 4 }) }),
    });
    await assert.rejects(logs.send(new DescribeLogGroupsCommand({})),
      (e) => /self[- ]signed|unable to (get|verify)|certificate/i.test(`${e.code} ${e.message}`));
  });

  test('plain HTTP to the TLS port does not get a logs answer', async () => {
    const logs = srv.client({ endpoint: `http://127.0.0.1:${srv.port}`, requestHandler: undefined });
    let out;
    try { out = await logs.send(new DescribeLogGroupsCommand({})); } catch { /* expected */ }
    assert.equal(out, undefined);
  });
});
