// The request size limit is enforced while the body streams in: a body over
// --max-body gets 413 (with x-amzn-RequestId) and nothing is stored; a body
// under it works on the same server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand, GetLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { startServer, expectAwsError, teardown } from './harness.mjs';

let srv;
let logs;
before(async () => {
  srv = await startServer({ extraArgs: ['--max-body', '65536'] });
  logs = srv.client();
  await logs.send(new CreateLogGroupCommand({ logGroupName: 'lim' }));
  await logs.send(new CreateLogStreamCommand({ logGroupName: 'lim', logStreamName: 's' }));
});
after(() => teardown(srv));

const put = (bytes) => logs.send(new PutLogEventsCommand({
  logGroupName: 'lim', logStreamName: 's',
  logEvents: [{ timestamp: Date.now(), message: 'x'.repeat(bytes) }],
}));

test('a body over --max-body is refused with 413 and not stored', async () => {
  await expectAwsError(() => put(70000), 'RequestEntityTooLargeException',
    'Request body is too large', { status: 413 });
  const out = await logs.send(new GetLogEventsCommand({ logGroupName: 'lim', logStreamName: 's' }));
  assert.equal(out.events.length, 0);
});

test('a body under --max-body on the same server is accepted', async () => {
  await put(60000);
  const out = await logs.send(new GetLogEventsCommand({ logGroupName: 'lim', logStreamName: 's' }));
  assert.deepEqual(out.events.map((e) => e.message.length), [60000]);
});
