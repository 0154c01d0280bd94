/**
 * A SYN flood (RFC 4987): 100,000 SYNs from invented addresses and ports at a listener (backlog 511),
 * one every 0.1 ms for 10 s of virtual time, on the in-memory link (5 ms one way). Meanwhile five real
 * clients connect, one a second, and each has 64 KiB echoed back.
 *
 * With SYN cookies (the default, RFC 4987 3.6): the first 511 SYNs fill the queue of half-open
 * connections; every later one is answered with a cookie SYN-ACK and leaves nothing behind; a real
 * client's ACK returns its cookie and the connection is made then. The host's connection table never
 * holds more than the backlog plus the real clients, and the heap grows by about the 511 half-open
 * connections. Without cookies the queue stays full for the whole flood (each half-open entry retries
 * its SYN-ACK for two minutes), so no client is served until long after it: the reason cookies exist.
 */
import test from 'ava';
import v8 from 'node:v8';
import vm from 'node:vm';
import { Host, type SimSocket } from '../../lib/host/host.ts';
import { MemoryLink } from '../../lib/link/memory.ts';
import { Random } from '../../lib/sim/random.ts';
import { Scheduler } from '../../lib/sim/scheduler.ts';
import { resolveConfig } from '../../lib/tcp/config.ts';
import { formatAddr, parseAddr } from '../../lib/wire/ipv4.ts';
import { SYN } from '../../lib/wire/tcp-types.ts';
import { encodePacket } from '../../lib/wire/tcp.ts';

const FLOOD = 100_000;
const FLOOD_EVERY_MS = 0.1;
const FLOOD_END_MS = FLOOD * FLOOD_EVERY_MS;
/** When the last SYN has arrived (5 ms after it was sent), on a 100 ms grid. */
const FLOOD_OVER_MS = FLOOD_END_MS + 100;
const BACKLOG = 511;
const CLIENTS = 5;
const ECHO_BYTES = 64 * 1024;

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
function heapUsed(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

interface Outcome {
  /** Per client: the virtual time its echo came back complete, or undefined. */
  servedAtMs: (number | undefined)[];
  /** Largest number of connections the server held while the flood lasted. */
  peakEntries: number;
  heapGrowth: number;
  server: Host;
  link: MemoryLink;
  scheduler: Scheduler;
  clients: SimSocket[];
}

function flood(synCookies: boolean, runUntilMs: number): Outcome {
  const scheduler = new Scheduler();
  const random = new Random(4987);
  const link = new MemoryLink(scheduler, random.fork('link'), { default: { delayMs: 5 } });
  const config = resolveConfig({ profile: 'linux' });
  const mk = (name: string, addr: string) => {
    // eslint-disable-next-line prefer-const
    let h: Host;
    h = new Host({ name, addr: parseAddr(addr), config, clock: scheduler, random: random.fork(name), transmit: (p) => link.send(name, p), synCookies });
    link.attach(name, h.addr, (p) => h.receivePacket(p));
    return h;
  };
  const server = mk('server', '10.0.0.2');
  const client = mk('client', '10.0.0.1');
  // The attacker needs no TCP: it writes SYN packets with invented sources straight onto the link.
  link.attach('attacker', parseAddr('10.6.6.6'), () => {});

  server.listen(80, BACKLOG).on('connection', (sock: SimSocket) => {
    sock.on('data', (d: Buffer) => sock.write(d));
    sock.on('end', () => sock.end());
  });

  const rng = random.fork('attacker');
  let sent = 0;
  const synFlood = () => {
    // 1.0.0.0 .. 223.255.255.255 less the link's own 10/8: addresses nobody here answers for.
    let src: number;
    do src = (0x01000000 + rng.int(0xdf000000)) >>> 0;
    while (src >>> 24 === 10);
    const seg = {
      srcPort: 1024 + rng.int(64512), dstPort: 80, seq: rng.uint32(), ack: 0, flags: SYN, window: 64240, urgent: 0, payload: Buffer.alloc(0),
      options: [{ kind: 'mss' as const, mss: 1460 }, { kind: 'sack-permitted' as const }, { kind: 'timestamps' as const, tsval: rng.uint32(), tsecr: 0 }, { kind: 'nop' as const }, { kind: 'wscale' as const, shift: 7 }],
    };
    link.send('attacker', encodePacket(src, server.addr, seg));
    if (++sent < FLOOD) scheduler.at(sent * FLOOD_EVERY_MS, synFlood);
  };
  scheduler.at(0, synFlood);

  const servedAtMs: (number | undefined)[] = [];
  const clients: SimSocket[] = [];
  for (let i = 0; i < CLIENTS; i++) {
    scheduler.at(1000 + i * 1500, () => {
      const sock = client.connect(server.addr, 80);
      clients.push(sock);
      const data = Buffer.alloc(ECHO_BYTES, 0x30 + i);
      const got: Buffer[] = [];
      let n = 0;
      sock.on('connect', () => {
        sock.write(data);
        sock.end();
      });
      sock.on('data', (d: Buffer) => {
        got.push(d);
        n += d.length;
        if (n === ECHO_BYTES && Buffer.concat(got).equals(data)) servedAtMs[i] = scheduler.now;
      });
      sock.on('error', () => {});
    });
  }

  scheduler.runUntil(1); // the hosts and the first events exist: the baseline
  const before = heapUsed();
  let peakEntries = 0;
  let heapGrowth = 0;
  for (let t = 100; t <= runUntilMs; t += 100) {
    scheduler.runUntil(t);
    peakEntries = Math.max(peakEntries, server.connectionCount);
    if (t === FLOOD_OVER_MS) heapGrowth = heapUsed() - before;
  }
  return { servedAtMs, peakEntries, heapGrowth, server, link, scheduler, clients };
}

test('SYN flood with SYN cookies: 100,000 SYNs leave at most the backlog behind, and every real client is served during the flood', (t) => {
  const started = performance.now();
  const o = flood(true, FLOOD_OVER_MS);
  const wallMs = performance.now() - started;
  const s = o.server.stats;
  t.log(`${FLOOD} SYNs in ${FLOOD_END_MS / 1000} s virtual (${wallMs.toFixed(0)} ms wall): cookies sent ${s.synCookiesSent}, accepted ${s.synCookiesReceived}, failed ${s.synCookiesFailed}; most connections held ${o.peakEntries}; heap growth ${(o.heapGrowth / 1024 / 1024).toFixed(1)} MiB; clients served at ${o.servedAtMs.map((x) => (x === undefined ? '-' : `${x.toFixed(0)} ms`)).join(', ')}`);
  t.is(s.synCookiesSent, FLOOD + CLIENTS - BACKLOG, 'every SYN past the full queue got a cookie, the clients\' too');
  t.is(s.synCookiesReceived, CLIENTS, 'each real client came back with its cookie');
  t.is(s.synCookiesFailed, 0);
  t.true(o.peakEntries <= BACKLOG + CLIENTS, `connections held: at most the backlog plus the clients, saw ${o.peakEntries}`);
  for (let i = 0; i < CLIENTS; i++) {
    const at = o.servedAtMs[i];
    t.true(at !== undefined && at < FLOOD_END_MS, `client ${i} had its ${ECHO_BYTES} bytes echoed during the flood (at ${at} ms)`);
  }
  // 511 half-open connections and their timers, not 100,000: a few MiB at most, whatever the flood's length.
  t.true(o.heapGrowth < 32 * 1024 * 1024, `heap growth ${o.heapGrowth} bytes`);
});

test('after the flood the half-open connections time out and the server holds nothing (no leak)', (t) => {
  // The flood again, then 3 minutes: SYN-ACK retries (1+2+4+...+32 s with the linux profile's 6) give up.
  const o = flood(true, FLOOD_OVER_MS + 180_000);
  t.is(o.server.connectionCount, 0);
  t.true(o.clients.every((c) => c.state === 'CLOSED'));
  t.is(o.scheduler.pending, 0, 'no timer is left either');
});

test('SYN flood without SYN cookies: the queue stays full, SYNs are dropped and counted, and no client is served during the flood', (t) => {
  const o = flood(false, FLOOD_OVER_MS);
  t.log(`dropped for a full backlog: ${o.server.drops['backlog']}; most connections held ${o.peakEntries}`);
  t.is(o.server.stats.synCookiesSent, 0);
  t.true((o.server.drops['backlog'] ?? 0) >= FLOOD - BACKLOG, 'every SYN past the full queue was dropped, the clients\' too');
  t.true(o.peakEntries <= BACKLOG, 'memory is bounded this way too');
  t.deepEqual(o.servedAtMs.filter((x) => x !== undefined), [], 'but nobody real got in');
  t.is(formatAddr(o.server.addr), '10.0.0.2');
});
