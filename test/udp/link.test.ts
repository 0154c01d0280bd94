import test from 'ava';
import type { SimServer, SimSocket } from '../../lib/host/host.ts';
import { CLIENT_ADDR, SERVER_ADDR, closeEnd, collect, makeEnd, once, states, within, type End } from './helpers.ts';
import type { UdpImpairments } from '../../lib/link/udp.ts';

async function pair(t: { teardown(fn: () => unknown): void }, impair?: Partial<UdpImpairments>): Promise<{ server: End; client: End; listener: SimServer }> {
  const server = await makeEnd({ name: 'server', addr: SERVER_ADDR, seed: 11, impair });
  t.teardown(() => closeEnd(server));
  const listener = server.host.listen(9000);
  const client = await makeEnd({ name: 'client', addr: CLIENT_ADDR, peer: server.link.local, seed: 12, impair });
  t.teardown(() => closeEnd(client));
  return { server, client, listener };
}

/** The client sends `lines`, half-closes; the server answers each line with its upper case, then closes. */
async function chat(t: { teardown(fn: () => unknown): void }, lines: string[], impair?: Partial<UdpImpairments>) {
  const { server, client, listener } = await pair(t, impair);
  const accepted = once<SimSocket>(listener, 'connection');
  const sock = client.host.connect(SERVER_ADDR, 9000);
  const fromServer = collect(sock);
  await within(5000, once(sock, 'connect'), 'handshake');
  const peer = await within(5000, accepted, 'accept');
  const fromClient = collect(peer);
  let pending = '';
  peer.on('data', (b: Buffer) => {
    pending += b.toString();
    let nl;
    while ((nl = pending.indexOf('\n')) >= 0) {
      peer.write(pending.slice(0, nl).toUpperCase() + '\n');
      pending = pending.slice(nl + 1);
    }
  });
  peer.on('end', () => peer.end());
  for (const l of lines) sock.write(l + '\n');
  sock.end();
  const [clientErr, serverErr] = await within(10_000, Promise.all([fromServer.closed, fromClient.closed]), 'four-way close');
  return { server, client, sock, peer, fromServer: fromServer.text(), fromClient: fromClient.text(), clientErr, serverErr };
}

test('handshake, lines both ways, half-close and four-way close over loopback UDP', async (t) => {
  const lines = ['hello', 'world', 'third line'];
  const r = await chat(t, lines);
  t.is(r.fromClient, lines.map((l) => l + '\n').join(''));
  t.is(r.fromServer, lines.map((l) => l.toUpperCase() + '\n').join(''));
  t.false(r.clientErr);
  t.false(r.serverErr);
  t.is(r.sock.state, 'CLOSED');
  t.is(r.peer.state, 'CLOSED');
  t.deepEqual(states(r.client.recorder, 'client'), ['CLOSED', 'SYN-SENT', 'ESTABLISHED', 'FIN-WAIT-1', 'FIN-WAIT-2', 'TIME-WAIT', 'CLOSED']);
  t.deepEqual(states(r.server.recorder, 'server'), ['LISTEN', 'SYN-RECEIVED', 'ESTABLISHED', 'CLOSE-WAIT', 'LAST-ACK', 'CLOSED']);
  t.is(r.client.link.stats.dropped.malformed + r.server.link.stats.dropped.checksum, 0);
});

test('10% loss both ways, fixed seed: every line arrives once and in order', async (t) => {
  const lines = Array.from({ length: 40 }, (_, i) => `line ${i}`);
  const r = await chat(t, lines, { loss: 0.1 });
  t.is(r.fromClient, lines.map((l) => l + '\n').join(''));
  t.is(r.fromServer, lines.map((l) => l.toUpperCase() + '\n').join(''));
  t.is(r.sock.state, 'CLOSED');
  t.is(r.peer.state, 'CLOSED');
  // The seed really made the link lose packets, and the TCP recovered them.
  t.true(r.client.link.stats.dropped.loss + r.server.link.stats.dropped.loss > 0);
});
