/**
 * The same kind of test with node:test: an echo over a lossy link, the server's FIN lost on purpose,
 * checked in the scenario file's notation.
 * Run: node --test docs/examples/echo.node-test.ts (TypeScript needs Node 22.6+ or a loader such as
 * tsx; in this repository `npm test` runs it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { World, expectSegments, expectDelivered } from 'tcpemu';

test('an echo survives a lost FIN and 10% loss', async () => {
  const world = new World({ seed: 4, link: { delayMs: 10, loss: 0.1 } });
  world.host('server').createServer((socket) => socket.pipe(socket)).listen(7);
  const client = world.host('client').connect({ host: 'server', port: 7 });
  let echoed = '';
  client.on('data', (chunk: Buffer) => (echoed += chunk));
  world.faults.drop('server > client F.');
  client.end('hello, world');
  await world.run();

  assert.equal(echoed, 'hello, world');
  expectDelivered(world, { server: 'hello, world', client: 'hello, world' });
  // The server's FIN was sent twice: once lost, once after its retransmission timeout.
  expectSegments(world, `
    ...
    server > client  F.  seq 13
    ...
    server > client  F.  seq 13
    ...`);
});
