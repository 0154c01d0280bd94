/**
 * Testing your own protocol with ava: a line echo server (one reply per line), its client's view,
 * over a link with delay, with the first reply lost on purpose.
 * Run: npx ava docs/examples/echo.ava.test.ts (in this repository, `npm test` runs it).
 */
import test from 'ava';
import { World, expectSegments, expectStates, type Socket } from 'tcpemu';

/** The code under test: answers every line with "echo: LINE", ends when the client ends. */
function lineEcho(socket: Socket): void {
  let pending = '';
  socket.setEncoding('utf8');
  socket.on('data', (text: string) => {
    pending += text;
    for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
      socket.write(`echo: ${pending.slice(0, nl)}\n`);
      pending = pending.slice(nl + 1);
    }
  });
  socket.on('end', () => socket.end());
}

test('two lines are echoed even when the first reply is lost', async (t) => {
  const world = new World({ seed: 1, link: { delayMs: 20 } });
  world.host('server').createServer(lineEcho).listen(7);
  const client = world.host('client').connect({ host: 'server', port: 7 });
  let received = '';
  client.setEncoding('utf8');
  client.on('data', (text: string) => (received += text));

  world.faults.drop('server > client P.'); // the first segment with data from the server
  client.write('hello\n');
  world.at(500, () => client.end('world\n'));
  await world.run();

  t.is(received, 'echo: hello\necho: world\n');
  // The lost reply goes again when the server's retransmission timer expires (RFC 6298: at least
  // 1 s), together with the second reply and the FIN that waited behind it.
  expectSegments(world, `
    client > server  S   seq 0
    server > client  S.  seq 0 ack 1
    client > server  P.  seq 1:7 ack 1
    server > client  P.  seq 1:13 ack 7
    ...
    server > client  FP. seq 1:25 ack 14
    ...`);
  expectStates(world, { client: 'CLOSED SYN-SENT ESTABLISHED FIN-WAIT-1 FIN-WAIT-2 TIME-WAIT CLOSED' });
});

test('a reset from the network reaches the client as ECONNRESET', async (t) => {
  const world = new World({ seed: 2, link: { delayMs: 5 } });
  world.host('server').createServer(lineEcho).listen(7);
  const client = world.host('client').connect({ host: 'server', port: 7 });
  const error = new Promise<NodeJS.ErrnoException>((resolve) => client.on('error', resolve));
  client.write('hello\n');
  // When the server's reply is sent, a middlebox resets the client's side of the connection.
  world.when('server > client P.', () => world.reset(client));
  const err = await world.settle(error);
  t.is(err.code, 'ECONNRESET');
});
