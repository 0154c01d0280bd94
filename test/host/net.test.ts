/**
 * The net-shaped API: Duplex sockets on virtual time. The scheduler runs one event at a time and lets
 * Node's stream machinery (nextTick, microtasks) settle between events.
 */
import test from 'ava';
import { Host } from '../../lib/host/host.ts';
import { connect, createServer, type Socket } from '../../lib/host/net.ts';
import { Scheduler } from '../../lib/sim/scheduler.ts';
import { Random } from '../../lib/sim/random.ts';
import { MemoryLink } from '../../lib/link/memory.ts';
import { resolveConfig } from '../../lib/tcp/config.ts';
import { parseAddr } from '../../lib/wire/ipv4.ts';

function world(server: Record<string, unknown> = {}) {
  const s = new Scheduler();
  const r = new Random(3);
  const link = new MemoryLink(s, r.fork('link'), { default: { delayMs: 5 } });
  const mk = (name: string, addr: string, cfg: Record<string, unknown>) => {
    const h = new Host({ name, addr: parseAddr(addr), config: resolveConfig(cfg), clock: s, random: r.fork(name), transmit: (p) => link.send(name, p) });
    link.attach(name, h.addr, (p) => h.receivePacket(p));
    return h;
  };
  const drive = async (limit = 600_000) => {
    for (let i = 0; i < 1_000_000; i++) {
      await new Promise((res) => setImmediate(res));
      const t = s.nextTime();
      if (t === undefined || t > limit) return;
      s.step();
    }
  };
  return { s, drive, a: mk('a', '10.0.0.1', { mslMs: 100 }), b: mk('b', '10.0.0.2', { mslMs: 100, ...server }) };
}

test('a Duplex echo: pipe() on the server, write/end and data/end/close on the client', async (t) => {
  const w = world();
  createServer(w.b, {}, (sock: Socket) => sock.pipe(sock)).listen(7);
  const c = connect(w.a, { host: '10.0.0.2', port: 7 });
  const chunks: Buffer[] = [];
  let ended = false;
  let closed = false;
  let connected = false;
  c.on('connect', () => { connected = true; c.write('hello '); c.end('world'); });
  c.on('data', (d: Buffer) => chunks.push(d));
  c.on('end', () => (ended = true));
  c.on('close', () => (closed = true));
  await w.drive();
  t.true(connected);
  t.is(Buffer.concat(chunks).toString(), 'hello world');
  t.true(ended);
  t.true(closed);
  t.is(c.state, 'CLOSED');
});

test('backpressure: a big write completes only as the peer reads; a paused reader closes the window', async (t) => {
  const w = world({ rcvbuf: 8192, sndbuf: 8192 });
  let server: Socket | undefined;
  createServer(w.b, { allowHalfOpen: true }, (sock: Socket) => { server = sock; sock.pause(); }).listen(9);
  const c = connect(w.a, { host: '10.0.0.2', port: 9, allowHalfOpen: true });
  let written = false;
  c.on('connect', () => c.write(Buffer.alloc(100_000, 7), () => (written = true)));
  await w.drive(5_000);
  t.false(written, 'the write waits while nobody reads');
  t.true(server!.sim.connection.readable > 0);
  const got: Buffer[] = [];
  server!.on('data', (d: Buffer) => got.push(d));
  server!.resume();
  await w.drive(60_000);
  t.true(written);
  t.is(Buffer.concat(got).length, 100_000);
});

test('connection refused comes as an error event with code ECONNREFUSED, then close', async (t) => {
  const w = world();
  const c = connect(w.a, { host: '10.0.0.2', port: 81 });
  const codes: string[] = [];
  let closed = false;
  c.on('error', (e: NodeJS.ErrnoException) => codes.push(e.code!));
  c.on('close', () => (closed = true));
  await w.drive();
  t.deepEqual(codes, ['ECONNREFUSED']);
  t.true(closed);
});

test('resetAndDestroy sends RST; the peer gets ECONNRESET', async (t) => {
  const w = world();
  const codes: string[] = [];
  createServer(w.b, {}, (sock: Socket) => sock.on('error', (e: NodeJS.ErrnoException) => codes.push(e.code!))).listen(80);
  const c = connect(w.a, { host: '10.0.0.2', port: 80 });
  c.on('connect', () => c.resetAndDestroy());
  await w.drive();
  t.deepEqual(codes, ['ECONNRESET']);
});
