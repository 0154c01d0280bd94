import test from 'ava';
import dgram from 'node:dgram';
import type { SimSocket } from '../../lib/host/host.ts';
import { encodePacket } from '../../lib/wire/tcp.ts';
import { ACK, PSH } from '../../lib/wire/tcp-types.ts';
import { parseAddr } from '../../lib/wire/ipv4.ts';
import { Random } from '../../lib/sim/random.ts';
import { CLIENT_ADDR, SERVER_ADDR, closeEnd, collect, makeEnd, once, within } from './helpers.ts';

function sendTo(sock: dgram.Socket, buf: Buffer, to: { address: string; port: number }): Promise<void> {
  return new Promise((res, rej) => sock.send(buf, to.port, to.address, (err) => (err ? rej(err) : res())));
}

test('junk datagrams are counted by reason and dropped; the connection carries on', async (t) => {
  const server = await makeEnd({ name: 'server', addr: SERVER_ADDR });
  t.teardown(() => closeEnd(server));
  const listener = server.host.listen(9000);
  const client = await makeEnd({ name: 'client', addr: CLIENT_ADDR, peer: server.link.local });
  t.teardown(() => closeEnd(client));
  const junk = dgram.createSocket('udp4');
  t.teardown(() => new Promise<void>((res) => junk.close(() => res())));
  await new Promise<void>((res) => junk.bind(0, '127.0.0.1', () => res()));

  const accepted = once<SimSocket>(listener, 'connection');
  const sock = client.host.connect(SERVER_ADDR, 9000);
  await within(5000, once(sock, 'connect'), 'handshake');
  const peer = await within(5000, accepted, 'accept');
  const got = collect(peer);
  peer.on('end', () => peer.end());
  const fromServer = collect(sock);

  const rng = new Random(3);
  const random = Buffer.from(Array.from({ length: 60 }, () => rng.int(256)));
  const seg = { srcPort: sock.localPort, dstPort: 9000, seq: 12345, ack: 1, flags: ACK | PSH, window: 1000, urgent: 0, options: [], payload: Buffer.from('evil\n') };
  const badChecksum = encodePacket(CLIENT_ADDR, SERVER_ADDR, seg);
  badChecksum[badChecksum.length - 1] ^= 0xff; // payload byte changed after the checksum was computed
  const elsewhere = encodePacket(CLIENT_ADDR, parseAddr('10.9.9.9'), seg);
  const loopSource = encodePacket(parseAddr('127.0.0.1'), SERVER_ADDR, seg);
  const trailing = Buffer.concat([encodePacket(CLIENT_ADDR, SERVER_ADDR, seg), Buffer.from('xx')]);
  for (const b of [random, Buffer.alloc(0), badChecksum, elsewhere, loopSource, trailing]) await sendTo(junk, b, server.link.local);
  // The client accepts datagrams from the server's UDP address only.
  await sendTo(junk, encodePacket(parseAddr('10.0.0.2'), CLIENT_ADDR, { ...seg, srcPort: 9000, dstPort: sock.localPort }), client.link.local);

  const s = server.link.stats.dropped;
  await within(3000, until(() => s.malformed + s.checksum + s['not-mine'] + s['bad-source'] >= 6 && client.link.stats.dropped.stranger >= 1), 'junk to arrive');
  t.is(s.malformed, 3, 'random bytes, an empty datagram, trailing bytes');
  t.is(s.checksum, 1);
  t.is(s['not-mine'], 1);
  t.is(s['bad-source'], 1);
  t.is(client.link.stats.dropped.stranger, 1);
  // None of it reached the TCP: the host saw no bad packet, and no RST went out for the forged segment.
  t.deepEqual(server.host.drops, {});
  t.false(server.recorder.events.some((e) => e.type === 'segment' && e.event === 'tx' && e.flags.includes('R')));

  // ...and the connection carries on.
  sock.write('still here\n');
  sock.end();
  const [ce, se] = await within(5000, Promise.all([fromServer.closed, got.closed]), 'close');
  t.is(got.text(), 'still here\n');
  t.false(ce);
  t.false(se);
  // The drops are in the trace too, for the summary view.
  const drops = server.recorder.events.filter((e) => e.type === 'segment' && e.event === 'drop').length;
  t.is(drops, 6);
});

test('a server that vanishes: the client gets ETIMEDOUT from its own retransmission timeout', async (t) => {
  const server = await makeEnd({ name: 'server', addr: SERVER_ADDR });
  let serverClosed = false;
  t.teardown(() => (serverClosed ? undefined : closeEnd(server)));
  const listener = server.host.listen(9000);
  const client = await makeEnd({ name: 'client', addr: CLIENT_ADDR, peer: server.link.local, tcp: { maxRetries: 3, rtoInitialMs: 100, rtoMinMs: 100, rtoMaxMs: 400 } });
  t.teardown(() => closeEnd(client));
  const accepted = once<SimSocket>(listener, 'connection');
  const sock = client.host.connect(SERVER_ADDR, 9000);
  await within(5000, once(sock, 'connect'), 'handshake');
  await within(5000, accepted, 'accept');
  const errors: string[] = [];
  sock.on('error', (err: { code: string }) => errors.push(err.code));
  const closed = once<boolean>(sock, 'close');

  // The server process goes away without a word: no FIN, no RST.
  serverClosed = true;
  await closeEnd(server);
  const started = Date.now();
  sock.write('anyone there?\n');
  const hadError = await within(5000, closed, 'ETIMEDOUT');
  t.true(hadError);
  t.deepEqual(errors, ['ETIMEDOUT']);
  t.is(sock.state, 'CLOSED');
  t.true(Date.now() - started < 5000);
});

/** Polls `cond` every 10 ms; gives up after `ms` (so a failing test never leaves a poll running). */
function until(cond: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  return new Promise((res, rej) => {
    const tick = () => (cond() ? res() : Date.now() > deadline ? rej(new Error('condition never held')) : setTimeout(tick, 10));
    tick();
  });
}
