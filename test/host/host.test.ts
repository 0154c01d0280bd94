/**
 * Hosts on a tiny two-host wire with a fixed one-way delay: demultiplexing by 4-tuple, listeners and
 * backlog, RST for closed ports (RFC 9293 3.10.7.1), ephemeral ports, and the socket API's events.
 */
import { createHash } from 'node:crypto';
import test from 'ava';
import { Host, type HostOptions, type SimSocket } from '../../lib/host/host.ts';
import { resolveConfig } from '../../lib/tcp/config.ts';
import { parseAddr } from '../../lib/wire/ipv4.ts';
import { ACK, encodePacket } from '../../lib/wire/tcp.ts';
import { TraceRecorder } from '../../lib/trace/recorder.ts';
import { setHeaderPrediction } from '../../lib/tcp/connection.ts';
import { makePair, SERVER_ADDR, simBulk, simLifecycle } from '../../lib/bench/sim.ts';

/** A minimal virtual clock: enough for host tests, independent of lib/sim. */
class TestClock {
  now = 0;
  private q: { at: number; n: number; fn: (arg?: unknown) => void; arg: unknown; id: number }[] = [];
  private n = 0;
  at(at: number, fn: () => void): number;
  at<T>(at: number, fn: (arg: T) => void, arg: T): number;
  at(at: number, fn: (arg?: any) => void, arg?: unknown): number { const id = ++this.n; this.q.push({ at: Math.max(at, this.now), n: id, fn, arg, id }); return id; }
  cancel(id: number): void { this.q = this.q.filter((e) => e.id !== id); }
  run(limit = 1e9): void {
    while (this.q.length) {
      this.q.sort((a, b) => a.at - b.at || a.n - b.n);
      if (this.q[0].at > limit) break;
      const e = this.q.shift()!;
      this.now = e.at;
      e.fn(e.arg);
    }
  }
}

function world(cfg = {}, hostOptions: Partial<HostOptions> = {}) {
  const clock = new TestClock();
  let r = 1;
  const random = { uint32: () => (r = (r * 1664525 + 1013904223) >>> 0), int: (n: number) => (r = (r * 1664525 + 1013904223) >>> 0) % n };
  const trace = new TraceRecorder(clock, { timers: false });
  const hosts: Record<number, Host> = {};
  const mk = (name: string, addr: string) => {
    const h = new Host({ name, addr: parseAddr(addr), config: resolveConfig({ isn: 0, ...cfg }), clock, random, tracer: trace,
      transmit: (p) => { const dst = p.readUInt32BE(16); clock.at(clock.now + 5, () => hosts[dst]?.receivePacket(p)); }, ...hostOptions });
    hosts[h.addr] = h;
    return h;
  };
  return { clock, trace, client: mk('client', '10.0.0.1'), server: mk('server', '10.0.0.2') };
}

test('a connect to a port nobody listens on is refused: SYN, then RST,ACK, ECONNREFUSED (3.10.7.1)', (t) => {
  const w = world();
  const s = w.client.connect(w.server.addr, 81);
  const errors: string[] = [];
  s.on('error', (e: { code: string }) => errors.push(e.code));
  w.clock.run();
  const tx = w.trace.events.filter((e) => e.type === 'segment' && e.event === 'tx').map((e) => e.type === 'segment' && `${e.host} ${e.flags} seq ${e.rseq} ack ${e.rack}`);
  t.deepEqual(tx, ['client S seq 0 ack 0', 'server R. seq 0 ack 1']);
  t.deepEqual(errors, ['ECONNREFUSED']);
  t.is(s.state, 'CLOSED');
  t.is(w.client.connectionCount, 0);
  // Segments sent (tcpOutSegs), the RST from no connection included; none carried data.
  t.deepEqual([w.client.stats.segmentsSent, w.server.stats.segmentsSent, w.client.stats.dataSegmentsSent], [1, 1, 0]);
});

test('a server accepts several clients, each its own connection by 4-tuple, and echoes to each', (t) => {
  const w = world();
  const server = w.server.listen(80);
  server.on('connection', (sock: SimSocket) => sock.on('data', (d: Buffer) => sock.write(Buffer.from(d.toString().toUpperCase()))));
  const got: string[][] = [[], [], []];
  const clients = [0, 1, 2].map((i) => {
    const c = w.client.connect(w.server.addr, 80);
    c.on('connect', () => c.write(`hello ${i}`));
    c.on('data', (d: Buffer) => got[i].push(d.toString()));
    return c;
  });
  w.clock.run(1000);
  t.deepEqual(got, [['HELLO 0'], ['HELLO 1'], ['HELLO 2']]);
  t.is(new Set(clients.map((c) => c.localPort)).size, 3, 'three ephemeral ports');
  t.true(clients.every((c) => c.localPort >= 49152));
  t.is(w.server.connectionCount, 3);
});

test('half-close through the socket API: end() sends FIN, the peer sees end and can still send, then both close', (t) => {
  const w = world({ mslMs: 100 });
  const server = w.server.listen(80);
  let serverGot = '';
  server.on('connection', (sock: SimSocket) => {
    sock.on('data', (d: Buffer) => (serverGot += d));
    sock.on('end', () => { sock.write('late reply'); sock.destroy(); });
  });
  const c = w.client.connect(w.server.addr, 80);
  let clientGot = '';
  let ended = false;
  let closed = false;
  c.on('connect', () => { c.write('request'); c.end(); });
  c.on('data', (d: Buffer) => (clientGot += d));
  c.on('end', () => (ended = true));
  c.on('close', () => (closed = true));
  w.clock.run();
  t.is(serverGot, 'request');
  t.is(clientGot, 'late reply');
  t.true(ended);
  t.true(closed);
  const states = w.trace.events.filter((e) => e.type === 'state' && e.host === 'client').map((e) => e.type === 'state' && e.to);
  t.deepEqual(states, ['SYN-SENT', 'ESTABLISHED', 'FIN-WAIT-1', 'FIN-WAIT-2', 'TIME-WAIT', 'CLOSED']);
});

test('backlog without SYN cookies: SYNs beyond the backlog of embryonic connections are dropped, not refused', (t) => {
  const w = world({}, { synCookies: false });
  w.server.listen(80, 1);
  w.client.connect(w.server.addr, 80);
  w.client.connect(w.server.addr, 80);
  w.clock.run(6); // both SYNs arrive; no ACK has come back yet
  t.is(w.server.drops['backlog'], 1);
  w.clock.run(20_000);
  t.true(w.client.sockets.every((s) => s.state === 'ESTABLISHED'), 'the dropped SYN is retransmitted and then accepted');
});

test('backlog with SYN cookies (the default): the SYN beyond the backlog gets a cookie SYN-ACK, and its ACK makes the connection (RFC 4987 3.6)', (t) => {
  const w = world();
  w.server.listen(80, 1);
  const first = w.client.connect(w.server.addr, 80);
  const second = w.client.connect(w.server.addr, 80);
  w.clock.run(6);
  t.is(w.server.connectionCount, 1, 'the cookie left no state behind');
  t.like(w.server.stats, { synCookiesSent: 1, synCookiesReceived: 0, synCookiesFailed: 0 });
  w.clock.run(20);
  t.is(second.state, 'ESTABLISHED', 'no retransmission needed: established one round trip later');
  t.is(first.state, 'ESTABLISHED');
  t.like(w.server.stats, { synCookiesSent: 1, synCookiesReceived: 1, synCookiesFailed: 0 });
  t.false('backlog' in w.server.drops, 'nothing dropped');
  const cookieSynAck = w.trace.events.find((e) => e.type === 'segment' && e.event === 'tx' && e.why === 'syncookie');
  t.truthy(cookieSynAck);
  t.is(cookieSynAck?.type === 'segment' && cookieSynAck.dst, `10.0.0.1:${second.localPort}`);
});

test('a segment with a bad checksum is dropped at the host and counted', (t) => {
  const w = world();
  w.server.listen(80);
  const c = w.client.connect(w.server.addr, 80);
  w.clock.run(100);
  // corrupt one byte of a data packet on its way
  const h = w.client as unknown as { transmitPacket: (p: Buffer) => void };
  const orig = h.transmitPacket;
  h.transmitPacket = (p: Buffer) => { const q = Buffer.from(p); q[q.length - 1] ^= 0x10; orig(q); h.transmitPacket = orig; };
  c.write('x');
  w.clock.run(200);
  t.is(w.server.drops['corrupt'], 1);
  t.true(w.trace.events.some((e) => e.type === 'segment' && e.event === 'drop' && e.reason?.startsWith('corrupt')));
});

test('connections by the thousand come and go, and every segment still finds its own connection (the 4-tuple table)', (t) => {
  // The table is open addressing with tombstones and rehashing: churn thousands of entries through it, on
  // both hosts, and check that each survivor still gets its own bytes and nobody else's.
  const pair = makePair({ tcp: { profile: 'linux', isn: 'random', mslMs: 1 }, link: { delayMs: 0.1 }, seed: 7 });
  const { scheduler, client, server } = pair;
  for (let p = 0; p < 4; p++) {
    server.listen(1000 + p).on('connection', (sock: SimSocket) => {
      // Echo with the 4-tuple the server sees, so a misrouted segment shows.
      sock.on('data', (d: Buffer) => sock.write(`${d.toString()}@${sock.remotePort}>${sock.localPort};`));
    });
  }
  const N = 3000;
  const socks: SimSocket[] = [];
  const got: string[] = new Array(N).fill('');
  for (let i = 0; i < N; i++) {
    const s = client.connect(SERVER_ADDR, 1000 + (i % 4));
    socks.push(s);
    s.on('data', (d: Buffer) => { got[i] += d.toString(); });
    s.on('error', () => {});
    if (i % 10 === 9) scheduler.run();
  }
  scheduler.run();
  t.is(client.connectionCount, N);
  t.is(server.connectionCount, N);
  // Two of every three leave (RST both ends' entries away), in an order unlike the one they came in.
  for (let i = 0; i < N; i++) if (i % 3 !== 0) socks[(i * 7) % N].resetAndDestroy();
  scheduler.run();
  t.is(client.connectionCount, N / 3);
  t.is(server.connectionCount, N / 3);
  // A thousand more arrive into the table full of tombstones, then every survivor speaks.
  for (let i = 0; i < 1000; i++) client.connect(SERVER_ADDR, 1000 + (i % 4)).on('error', () => {});
  scheduler.run();
  const survivors = socks.map((s, i) => [s, i] as const).filter(([s]) => s.state === 'ESTABLISHED');
  t.is(survivors.length, N / 3);
  for (const [s, i] of survivors) s.write(`m${i}`);
  scheduler.run();
  for (const [s, i] of survivors) t.is(got[i], `m${i}@${s.localPort}>${s.remotePort};`);
  t.is(client.connectionCount, N / 3 + 1000);
});

test('a packet handed to a host while it handles another (here by its tracer) is decoded into its own object: the first is handled as sent', (t) => {
  // The host decodes packets into a scratch object it reuses; one that arrives while the scratch is in
  // use must not overwrite it. The server's tracer, seeing the client's SYN, hands the server a stray
  // ACK for a closed port first; the SYN must still open the connection, and the stray ACK gets its RST.
  const w = world();
  const stray = encodePacket(w.client.addr, w.server.addr, { srcPort: 5555, dstPort: 81, seq: 1000, ack: 2000, flags: ACK, window: 100, urgent: 0, options: [], payload: Buffer.alloc(0) });
  const record = w.trace.segment.bind(w.trace);
  let injected = false;
  w.trace.segment = (ev, host, conn, src, dst, seg, ...rest) => {
    if (ev === 'rx' && host === w.server && !injected) {
      injected = true;
      w.server.receivePacket(stray);
    }
    record(ev, host, conn, src, dst, seg, ...rest);
  };
  const c = w.client.connect(w.server.addr, 80);
  let accepted = 0;
  w.server.listen(80).on('connection', () => accepted++);
  w.clock.run();
  t.true(injected);
  t.is(c.state, 'ESTABLISHED');
  t.is(accepted, 1);
  const tx = w.trace.events.filter((e) => e.type === 'segment' && e.event === 'tx' && e.host === 'server').map((e) => e.type === 'segment' && `${e.flags} ${e.dst}`);
  t.deepEqual(tx, ['R 10.0.0.1:5555', `S. 10.0.0.1:${c.localPort}`]);
});

test('addresses, ports and configurations are checked where they come in, with Node\'s error codes', (t) => {
  const w = world();
  const code = (fn: () => unknown) => (t.throws(fn) as Error & { code?: string }).code;
  t.is(code(() => w.client.connect(w.server.addr, 70_000)), 'ERR_SOCKET_BAD_PORT');
  t.is(code(() => w.client.connect(w.server.addr, 0)), 'ERR_SOCKET_BAD_PORT');
  t.is(code(() => w.client.connect(w.server.addr, 80.5)), 'ERR_SOCKET_BAD_PORT');
  t.is(code(() => w.client.connect(w.server.addr, 80, { fromPort: -1 })), 'ERR_SOCKET_BAD_PORT');
  t.is(code(() => w.client.connect(2 ** 32, 80)), 'ERR_INVALID_IP_ADDRESS');
  t.is(code(() => w.server.listen(65_536)), 'ERR_SOCKET_BAD_PORT');
  const bad = { ...resolveConfig(), mss: 70_000 };
  const e = t.throws(() => w.client.connect(w.server.addr, 80, { config: bad }));
  t.regex(e!.message, /mss is 70000/);
  t.throws(() => w.server.listen(80, 511, bad), { message: /mss is 70000/ });
  t.throws(() => new Host({ name: 'x', addr: 1, config: bad, clock: w.clock, random: { uint32: () => 1, int: () => 0 }, transmit: () => {} }), { message: /mss is 70000/ });
  // Nothing was made by the refused calls.
  t.is(w.client.connectionCount, 0);
  t.notThrows(() => w.server.listen(0));
});

test('checkFields: a field out of range in a segment the host sends is a WireError; without it the encoder trusts the model and cuts the value to its width', (t) => {
  // Stand-in for a bug in the model: an established connection whose local port no longer fits 16 bits.
  const run = (checkFields: boolean) => {
    const sent: Buffer[] = [];
    const w = world({}, { checkFields });
    w.server.listen(80);
    const s = w.client.connect(w.server.addr, 80, { fromPort: 4000 });
    w.clock.run();
    t.is(s.state, 'ESTABLISHED');
    const real = (w.client as unknown as { transmitPacket: (p: Buffer) => void }).transmitPacket;
    (w.client as unknown as { transmitPacket: (p: Buffer) => void }).transmitPacket = (p) => { sent.push(p); real(p); };
    (s.connection as unknown as { localPort: number }).localPort = 4000 + 65_536;
    let error: unknown;
    try {
      s.write('x');
    } catch (err) {
      error = err;
    }
    return { error, sent };
  };
  const checked = run(true);
  t.like(checked.error, { name: 'WireError', code: 'bad-value' });
  t.regex((checked.error as Error).message, /source port 69536/);
  t.is(checked.sent.length, 0);
  const trusted = run(false);
  t.is(trusted.error, undefined);
  t.is(trusted.sent.length, 1);
  t.is(trusted.sent[0].readUInt16BE(20), 4000, 'the port cut to 16 bits');
});

/** Bytes no two runs of a transfer could mistake for each other: a seeded pseudo-random stream. */
function noise(n: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (x * 1664525 + 1013904223) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

test('onread (Node\'s net.connect option): arriving bytes are copied into the application\'s buffer, one callback a chunk, and no \'data\' is emitted', (t) => {
  const w = world();
  const sent = noise(5000, 1);
  w.server.listen(80).on('connection', (sock: SimSocket) => { sock.write(sent); sock.end(); });
  const buffer = Buffer.alloc(1024);
  const chunks: Buffer[] = [];
  const c = w.client.connect(w.server.addr, 80, { onread: { buffer, callback: (n, buf) => { t.is(buf, buffer); chunks.push(Buffer.from(buf.subarray(0, n))); } } });
  let data = 0;
  let ended = false;
  c.on('data', () => data++);
  c.on('end', () => (ended = true));
  w.clock.run(1000);
  t.is(data, 0);
  t.true(ended);
  t.true(chunks.every((ch) => ch.length <= buffer.length), 'no chunk larger than the buffer');
  t.true(Buffer.concat(chunks).equals(sent));
  t.is(c.bytesRead, sent.length);
});

test('onread: a callback that returns false pauses the socket, the peer\'s window closes as bytes wait, and resume() reads on from there (RFC 9293 3.8.6.2.2)', (t) => {
  const w = world({ rcvbuf: 4096, sndbuf: 65536 });
  const sent = noise(20_000, 2);
  w.server.listen(80).on('connection', (sock: SimSocket) => { sock.write(sent); sock.end(); });
  const got: Buffer[] = [];
  const c = w.client.connect(w.server.addr, 80, {
    onread: { buffer: () => Buffer.alloc(1000), callback: (n, buf) => { got.push(Buffer.from(buf.subarray(0, n))); return false; } },
  });
  w.clock.run(10_000);
  // One chunk, then paused: the receive buffer fills to rcvbuf and the window the client advertises is zero.
  t.is(got.length, 1);
  t.is(c.connection.readable, 4096);
  const windows = w.trace.events.filter((e) => e.type === 'segment' && e.event === 'tx' && e.host === 'client').map((e) => e.type === 'segment' && e.win);
  t.is(windows[windows.length - 1], 0, 'the last segment the client sent advertises a zero window');
  // Read on, chunk by chunk, until everything is in.
  for (let i = 0; i < 100 && !c.ended; i++) {
    c.resume();
    w.clock.run(w.clock.now + 1000);
  }
  t.true(c.ended);
  t.true(Buffer.concat(got).equals(sent));
});

test('onread must be { buffer, callback }: anything else is ERR_INVALID_ARG_TYPE, before any segment is sent', (t) => {
  const w = world();
  const bad = [{}, { buffer: 'x', callback: () => {} }, { buffer: Buffer.alloc(1) }] as never[];
  for (const onread of bad) t.throws(() => w.client.connect(w.server.addr, 80, { onread }), { code: 'ERR_INVALID_ARG_TYPE' } as never);
  t.is(w.client.stats.segmentsSent, 0);
});

/** The bench's pair (recycling, zero copy), its server writing `sent` in 100 kB pieces to whoever connects to port 80, then ending. */
function pairServing(sent: Buffer, seed: number) {
  const pair = makePair({ tcp: { profile: 'linux', isn: 'random', mss: 1460 }, link: { delayMs: 0.05 }, offload: true, seed });
  pair.server.listen(80).on('connection', (sock: SimSocket) => {
    let at = 0;
    const pump = () => { while (at < sent.length) { const n = Math.min(100_000, sent.length - at); at += n; if (!sock.write(sent.subarray(at - n, at))) return; } sock.end(); };
    sock.on('drain', pump);
    pump();
  });
  return pair;
}

test('over a link that recycles packets (the bench\'s pair), an onread reader gets every byte as sent, and \'data\' chunks kept to the end are unchanged: no packet a view was given of is used again', (t) => {
  const sent = noise(3_000_000, 3);
  const run = (reader: 'onread' | 'data') => {
    const { scheduler, client } = pairServing(sent, 5);
    const kept: Buffer[] = [];
    const buffer = Buffer.alloc(65536);
    const sock = reader === 'onread'
      ? client.connect(SERVER_ADDR, 80, { onread: { buffer, callback: (n) => { kept.push(Buffer.from(buffer.subarray(0, n))); } } })
      : client.connect(SERVER_ADDR, 80);
    if (reader === 'data') sock.on('data', (d: Buffer) => kept.push(d)); // the views themselves, kept
    scheduler.run();
    return { all: Buffer.concat(kept), ended: sock.ended };
  };
  const byOnread = run('onread');
  t.true(byOnread.ended);
  t.true(byOnread.all.equals(sent));
  const byData = run('data');
  t.true(byData.ended);
  t.true(byData.all.equals(sent), 'a chunk handed to a data listener was overwritten');
});

test('zero copy (the bench\'s pair): a \'data\' listener that writes over every chunk it gets changes nothing the sender holds, and a paused onread reader still gets every byte', (t) => {
  const sent = noise(2_000_000, 4);
  const original = Buffer.from(sent);
  const run = (reader: 'scribble' | 'paused') => {
    const { scheduler, client } = pairServing(sent, 6);
    const kept: Buffer[] = [];
    const buffer = Buffer.alloc(5000);
    let calls = 0;
    const sock = reader === 'paused'
      // Paused after every other chunk: bytes wait in the receive buffer (views of the sender's memory) until resumed.
      ? client.connect(SERVER_ADDR, 80, { onread: { buffer, callback: (n) => { kept.push(Buffer.from(buffer.subarray(0, n))); return ++calls % 2 === 1; } } })
      : client.connect(SERVER_ADDR, 80);
    if (reader === 'scribble') sock.on('data', (d: Buffer) => { kept.push(Buffer.from(d)); d.fill(0xee); });
    for (let i = 0; i < 100_000 && !sock.ended; i++) {
      scheduler.run(200);
      if (reader === 'paused' && !sock.autoread) sock.resume();
    }
    return { all: Buffer.concat(kept), ended: sock.ended, calls };
  };
  const scribbled = run('scribble');
  t.true(scribbled.ended);
  t.true(scribbled.all.equals(original), 'every byte arrived as sent');
  t.true(sent.equals(original), 'the sender\'s buffer is as it wrote it');
  const paused = run('paused');
  t.true(paused.ended);
  t.true(paused.calls > 100, `${paused.calls} reads`);
  t.true(paused.all.equals(original));
});

test('zero copy changes nothing the peers see: a bulk run without a capture (split packets) and with one (whole packets) sends the same segments at the same virtual times', (t) => {
  for (const link of [{}, { delayMs: 1 }]) {
    const o = { bytes: 4 << 20, mss: 1460, buffer: 256 * 1024, link, seed: 3 };
    let captured = 0;
    const withCapture = simBulk({ ...o, capture: () => { captured++; } });
    const split = simBulk(o);
    t.is(captured, withCapture.packets);
    t.deepEqual(
      { dataSegments: split.dataSegments, packets: split.packets, virtualMs: split.virtualMs },
      { dataSegments: withCapture.dataSegments, packets: withCapture.packets, virtualMs: withCapture.virtualMs },
    );
  }
});

/** A capture that folds every packet, its bytes and its virtual time, into one hash. */
function hashedCapture() {
  const h = createHash('sha256');
  let n = 0;
  return { n: () => n, digest: () => h.digest('hex'), fn: (timeMs: number, p: Buffer) => { n++; h.update(`${timeMs} `); h.update(p); } };
}

test('lazy timers change nothing the peers see: bulk (no delay; 10 ms each way and 1% loss, where RTOs and delayed ACKs fire) and 2,000 lifecycles give byte-identical captures with timers lazy and eager', (t) => {
  const runs: [string, (lazyTimers: boolean, c: (timeMs: number, p: Buffer) => void) => { packets: number }][] = [
    ['bulk', (lazyTimers, c) => simBulk({ bytes: 2 << 20, mss: 1460, buffer: 256 * 1024, seed: 5, lazyTimers, capture: c })],
    ['lossy', (lazyTimers, c) => simBulk({ bytes: 2 << 20, mss: 1460, buffer: 256 * 1024, link: { delayMs: 10, loss: 0.01 }, seed: 6, lazyTimers, capture: c })],
    ['lifecycle', (lazyTimers, c) => simLifecycle({ connections: 2000, bytes: 1000, gapMs: 0.5, delayMs: 1, mslMs: 50, seed: 7, lazyTimers, capture: c })],
  ];
  for (const [name, run] of runs) {
    const eager = hashedCapture();
    const lazy = hashedCapture();
    const a = run(false, eager.fn);
    const b = run(true, lazy.fn);
    t.true(eager.n() > 1000, `${name}: ${eager.n()} packets`);
    t.is(a.packets, eager.n());
    t.is(lazy.n(), eager.n(), name);
    t.is(lazy.digest(), eager.digest(), name);
  }
});

test('header prediction changes nothing the peers see: bulk, lossy and reordering bulk (gaps, SACK, recovery) and 2,000 lifecycles give byte-identical captures with it on and off', (t) => {
  const runs: [string, (c: (timeMs: number, p: Buffer) => void) => { packets: number }][] = [
    ['bulk', (c) => simBulk({ bytes: 2 << 20, mss: 1460, buffer: 256 * 1024, seed: 5, capture: c })],
    ['lossy', (c) => simBulk({ bytes: 2 << 20, mss: 1460, buffer: 256 * 1024, link: { delayMs: 10, loss: 0.02 }, seed: 6, capture: c })],
    ['reordering', (c) => simBulk({ bytes: 1 << 20, mss: 1000, buffer: 64 * 1024, link: { delayMs: 5, reorder: 0.05, reorderDelayMs: 2, duplicate: 0.01 }, seed: 8, capture: c })],
    ['lifecycle', (c) => simLifecycle({ connections: 2000, bytes: 3000, gapMs: 0.5, delayMs: 1, mslMs: 50, seed: 7, capture: c })],
  ];
  for (const [name, run] of runs) {
    const off = hashedCapture();
    const on = hashedCapture();
    setHeaderPrediction(false);
    try {
      run(off.fn);
    } finally {
      setHeaderPrediction(true);
    }
    run(on.fn);
    t.true(off.n() > 1000, `${name}: ${off.n()} packets`);
    t.is(on.n(), off.n(), name);
    t.is(on.digest(), off.digest(), name);
  }
});

test('bursts change nothing the hosts see: with bursts on and off every packet reaches its host at the same virtual time, in the same order, with the same bytes (bulk at delays 0, 1 ms and 1 ms with jitter, both ways), in fewer scheduler events', (t) => {
  // No capture (it would turn zero copy, and so bursts, off): every packet is hashed as the link hands it to a host.
  const run = (bursts: boolean, link: { delayMs?: number; jitterMs?: number }) => {
    const pair = makePair({ tcp: { profile: 'linux', mss: 1460, rcvbuf: 128 * 1024, sndbuf: 128 * 1024, isn: 'random' }, link, seed: 9, offload: true, bursts });
    const { scheduler, client, server } = pair;
    const c = hashedCapture();
    for (const h of [client, server]) {
      const receivePacket = h.receivePacket.bind(h);
      const receiveSplit = h.receiveSplit.bind(h);
      h.receivePacket = (p: Buffer) => { c.fn(scheduler.now, p); return receivePacket(p); };
      h.receiveSplit = (hd: Buffer, p: Buffer) => { c.fn(scheduler.now, Buffer.concat([hd, p])); return receiveSplit(hd, p); };
    }
    const chunk = Buffer.alloc(300_000, 7);
    let got = 0;
    // Both ways at once: each side writes 300 kB (three writes) and reads what comes.
    server.listen(80).on('connection', (sock: SimSocket) => {
      sock.on('data', (d: Buffer) => { got += d.length; });
      for (let i = 0; i < 3; i++) sock.write(chunk.subarray(i * 100_000, (i + 1) * 100_000));
    });
    const sock = client.connect(SERVER_ADDR, 80);
    sock.on('data', (d: Buffer) => { got += d.length; });
    sock.on('connect', () => sock.write(chunk));
    let events = 0;
    while (scheduler.step()) events++;
    return { got, events, n: c.n(), digest: c.digest(), end: scheduler.now };
  };
  for (const link of [{}, { delayMs: 1 }, { delayMs: 1, jitterMs: 0.5 }] as { delayMs?: number; jitterMs?: number }[]) {
    const off = run(false, link);
    const on = run(true, link);
    t.is(off.got, 600_000);
    t.is(on.got, 600_000);
    t.true(off.n > 400, `${off.n} packets`);
    t.deepEqual({ n: on.n, digest: on.digest, end: on.end }, { n: off.n, digest: off.digest, end: off.end }, JSON.stringify(link));
    if (!('jitterMs' in link)) t.true(on.events < off.events, `${JSON.stringify(link)}: ${on.events} events with bursts, ${off.events} without`);
  }
});
