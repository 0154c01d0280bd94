import v8 from 'node:v8';
import vm from 'node:vm';
import { Host, type SimSocket } from '../host/host.ts';
import { UdpLink } from '../link/udp.ts';
import { RealClock } from '../sim/real-clock.ts';
import { Random } from '../sim/random.ts';
import { resolveConfig } from '../tcp/config.ts';
import { parseAddr } from '../wire/ipv4.ts';

/**
 * The soak (`npm run soak`): many connections over the UDP link on loopback, with seeded loss both ways,
 * for minutes of real time. Each connection carries a stream each way, at a steady rate, and lives for
 * a while (`lifeMs`) before the client half-closes, the server answers with its own FIN, and a new
 * connection takes its place at once. Every byte is checked as it is read: stream i of a connection carries byte
 * (i + salt) mod 251, so a byte lost, doubled, reordered or forged shows at once; and when a connection
 * closes, each side must have read exactly what the other wrote.
 *
 * The process's heap (after a full collection), RSS and active handles
 * (process.getActiveResourcesInfo) are sampled at the start, every `sampleMs`, at the end of the traffic
 * and once everything is closed. The run fails if any byte is wrong or missing, if a connection fails,
 * if the heap at the end is more than `heapBoundBytes` above the first periodic sample (the warm state,
 * all connections open), if the handles then are more than `handleBound` (or half again) above it, or if, once closed,
 * any handle is left that was not there at the start.
 */
export interface SoakOptions {
  durationMs: number;
  connections: number;
  /** Loss probability on each direction (each side's sending link). */
  loss: number;
  /** Bytes per second each side writes on each connection. */
  rateBytesPerSec: number;
  /** A connection lives a uniformly random time in this range, then closes and is replaced. */
  lifeMs: [number, number];
  sampleMs: number;
  seed: number;
  heapBoundBytes: number;
  /** Handles at the end may exceed the warm sample by this many, or by half the warm count if that is more. */
  handleBound: number;
  /**
   * Longest wait for the last connections to close at the end. At 10% loss the tail can be long: a
   * SYN or FIN lost again and again backs its RTO off (RFC 6298 5.5) towards rto-max, 120 s with the
   * linux profile. (Data no longer keeps the backoff once it flows: with timestamps every ACK is an RTT
   * sample, RFC 7323 4.) A connection that has stalled for good (neither end with a timer) fails at once.
   */
  closeTimeoutMs: number;
}

export const defaultSoakOptions: Readonly<SoakOptions> = Object.freeze({
  durationMs: 10 * 60_000,
  connections: 100,
  loss: 0.1,
  rateBytesPerSec: 20_000,
  lifeMs: [20_000, 90_000] as [number, number],
  sampleMs: 60_000,
  seed: 1,
  heapBoundBytes: 32 * 1024 * 1024,
  handleBound: 50,
  closeTimeoutMs: 600_000,
});

export interface SoakSample {
  label: string;
  atMs: number;
  heapUsed: number;
  rss: number;
  /** Active resources (handles and requests) by type. */
  handles: Record<string, number>;
  open: number;
  closed: number;
  bytesEachWay: [number, number];
}

export interface SoakReport {
  ok: boolean;
  problems: string[];
  samples: SoakSample[];
  /** Connections that completed their life, both sides checked. */
  closed: number;
  slowestCloseMs: number;
  bytesClientToServer: number;
  bytesServerToClient: number;
  lost: [number, number];
}

const SERVER_PORT = 7000;
const TICK_MS = 50;
/** Sent at most this far ahead of what the peer has acknowledged (bytes waiting in the socket). */
const CHUNK = 4096;

/** One end of one connection's life: writes its stream, checks the one it reads. */
class StreamEnd {
  written = 0;
  read = 0;
  ended = false;
  closed = false;
  writing = true;
  blocked = false;
  bad: string | undefined;
  constructor(readonly sock: SimSocket, private readonly salt: number, private readonly peerSalt: number) {}

  /** Write what the rate allows by `due` bytes in total, unless the socket is still full. */
  pump(due: number): void {
    while (this.writing && !this.blocked && this.written < due && !this.sock.closed) {
      const n = Math.min(CHUNK, due - this.written);
      const b = Buffer.allocUnsafe(n);
      for (let i = 0; i < n; i++) b[i] = (this.written + i + this.salt) % 251;
      this.written += n;
      if (!this.sock.write(b)) this.blocked = true;
    }
  }

  onData(d: Buffer): void {
    for (let i = 0; i < d.length && this.bad === undefined; i++) {
      const want = (this.read + i + this.peerSalt) % 251;
      if (d[i] !== want) this.bad = `byte ${this.read + i} is ${d[i]}, expected ${want}`;
    }
    this.read += d.length;
  }
}

interface Life {
  id: number;
  startMs: number;
  endMs: number;
  client: StreamEnd;
  server: StreamEnd | undefined;
}

export async function runSoak(opts: Partial<SoakOptions> = {}, log: (line: string) => void = () => {}): Promise<SoakReport> {
  const o: SoakOptions = { ...defaultSoakOptions, ...opts };
  const gc = collector();
  const problems: string[] = [];
  const samples: SoakSample[] = [];
  const random = new Random(o.seed);
  const startHandles = handleCounts();
  const clock = new RealClock();
  const config = resolveConfig({ profile: 'linux', mslMs: 1000, synRetries: 10 });
  const links: UdpLink[] = [];
  const lives = new Map<number, Life>();
  /** Server side: the client's port -> its life, while open. */
  const byClientPort = new Map<number, Life>();
  let nextId = 1;
  let closedLives = 0;
  /** Longest time from a connection's end of life (the client's shutdown) to both sides closed. */
  let slowestCloseMs = 0;
  let bytes: [number, number] = [0, 0];
  let interval: NodeJS.Timeout | undefined;
  let stopping = false;

  const sample = (label: string) => {
    gc?.();
    const m = process.memoryUsage();
    const s: SoakSample = { label, atMs: clock.now, heapUsed: m.heapUsed, rss: m.rss, handles: handleCounts(), open: lives.size, closed: closedLives, bytesEachWay: [...bytes] as [number, number] };
    samples.push(s);
    log(formatSample(s));
    return s;
  };
  sample('start');

  try {
    for (const [name, addr] of [['client', '10.0.0.1'], ['server', '10.0.0.2']] as const) {
      links.push(await UdpLink.open({ addr: parseAddr(addr), bind: { address: '127.0.0.1', port: 0 }, clock, seed: random.fork(`udp:${name}`).uint32(), impair: { loss: o.loss } }));
    }
    links[0].setPeer(links[1].local);
    links[1].setPeer(links[0].local);
    const [client, server] = (['client', 'server'] as const).map((name, i) => {
      const host = new Host({ name, addr: links[i].addr, config, clock, random: random.fork(`host:${name}`), verifyChecksums: false, checkFields: true, transmit: (p) => links[i].send(p) });
      links[i].setReceiver((p, decoded) => host.receiveDecodedPacket(p, decoded));
      return host;
    });
    const lifeRng = random.fork('lives');

    const fail = (life: Life, what: string) => problems.push(`connection ${life.id}: ${what}`);
    const finish = (life: Life) => {
      if (!life.client.closed || !life.server?.closed) return;
      lives.delete(life.id);
      closedLives++;
      slowestCloseMs = Math.max(slowestCloseMs, clock.now - life.endMs);
      const s = life.server;
      if (life.client.bad) fail(life, `client read ${life.client.bad}`);
      if (s.bad) fail(life, `server read ${s.bad}`);
      if (s.read !== life.client.written) fail(life, `server read ${s.read} bytes, the client wrote ${life.client.written}`);
      if (life.client.read !== s.written) fail(life, `client read ${life.client.read} bytes, the server wrote ${s.written}`);
    };
    const watch = (life: Life, end: StreamEnd, side: 'client' | 'server') => {
      const sock = end.sock;
      sock.on('data', (d: Buffer) => {
        end.onData(d);
        bytes[side === 'server' ? 0 : 1] += d.length;
      });
      sock.on('drain', () => (end.blocked = false));
      sock.on('end', () => {
        end.ended = true;
        if (side === 'server') {
          // The client half-closed: the server stops too, and its FIN follows what it has written.
          end.writing = false;
          sock.end();
        }
      });
      sock.on('error', (err: { code?: string }) => fail(life, `${side} error ${err.code}`));
      sock.on('close', () => {
        end.closed = true;
        if (side === 'server') byClientPort.delete(life.client.sock.localPort);
        finish(life);
      });
    };
    const open = () => {
      const id = nextId++;
      const sock = client.connect(server.addr, SERVER_PORT);
      const now = clock.now;
      const life: Life = { id, startMs: now, endMs: now + o.lifeMs[0] + lifeRng.next() * (o.lifeMs[1] - o.lifeMs[0]), client: new StreamEnd(sock, id % 251, (id + 100) % 251), server: undefined };
      lives.set(id, life);
      byClientPort.set(sock.localPort, life);
      watch(life, life.client, 'client');
    };
    server.listen(SERVER_PORT).on('connection', (sock: SimSocket) => {
      const life = byClientPort.get(sock.remotePort);
      if (!life) {
        problems.push(`the server accepted a connection from port ${sock.remotePort} that no client opened`);
        sock.resetAndDestroy();
        return;
      }
      life.server = new StreamEnd(sock, (life.id + 100) % 251, life.id % 251);
      watch(life, life.server, 'server');
    });

    // One timer drives every writer: each side writes rate x its age, closes when its life is over.
    interval = setInterval(() => {
      const now = clock.now;
      for (const life of lives.values()) {
        const due = Math.floor(((Math.min(now, life.endMs) - life.startMs) * o.rateBytesPerSec) / 1000);
        if (life.client.sock.state === 'ESTABLISHED' || life.client.sock.state === 'CLOSE-WAIT') life.client.pump(due);
        if (life.server) life.server.pump(due);
        if (now >= life.endMs && life.client.writing) {
          life.client.writing = false;
          life.client.sock.end();
          // A new connection takes over at once: `connections` streams flow all the time, while the old
          // one finishes (FIN each way, then TIME-WAIT on the client).
          if (!stopping) open();
        }
      }
    }, TICK_MS);

    for (let i = 0; i < o.connections; i++) open();

    const runEnd = o.durationMs;
    let nextSample = o.sampleMs;
    while (clock.now < runEnd) {
      await sleep(Math.min(200, runEnd - clock.now));
      if (clock.now >= nextSample && clock.now < runEnd) {
        sample(`${fmtClock(nextSample)}`);
        nextSample += o.sampleMs;
      }
      if (problems.length > 0) break;
    }
    const warm = samples[1];
    const atEnd = sample('end of traffic');

    // Every connection still open half-closes now; wait (bounded) for all of them to finish.
    stopping = true;
    for (const life of lives.values()) life.endMs = Math.min(life.endMs, clock.now);
    const closeBy = clock.now + o.closeTimeoutMs;
    let stalledBefore = new Set<number>();
    while (lives.size > 0 && clock.now < closeBy) {
      await sleep(500);
      // No timer at either end and still not closed, twice in a row: nothing will ever move it again.
      const stalled = new Set([...lives.values()].filter((l) => l.client.sock.connection.nextDeadline() === undefined && l.server?.sock.connection.nextDeadline() === undefined).map((l) => l.id));
      const still = [...stalled].filter((id) => stalledBefore.has(id));
      if (still.length > 0) {
        problems.push(`connections ${still.join(', ')} stalled: no timer at either end, not closed (${still.map((id) => { const l = lives.get(id)!; return `client ${l.client.sock.state}, server ${l.server?.sock.state}`; }).join('; ')})`);
        break;
      }
      stalledBefore = stalled;
    }
    if (lives.size > 0 && problems.length === 0) problems.push(`${lives.size} connections were still open ${o.closeTimeoutMs / 1000} s after the end: ${[...lives.values()].slice(0, 5).map((l) => `${l.id} (client ${l.client.sock.state}, server ${l.server?.sock.state ?? 'never accepted'})`).join(', ')}`);

    if (warm && warm !== atEnd) {
      const grew = atEnd.heapUsed - warm.heapUsed;
      if (grew > o.heapBoundBytes) problems.push(`heap grew by ${mib(grew)} from ${warm.label} to the end, more than the bound of ${mib(o.heapBoundBytes)}`);
      // Timers come and go with the traffic (one per connection end with something pending): half again is noise, not a leak.
      const h = total(atEnd.handles) - total(warm.handles);
      const bound = Math.max(o.handleBound, Math.ceil(total(warm.handles) / 2));
      if (h > bound) problems.push(`active handles grew by ${h} from ${warm.label} to the end, more than the bound of ${bound}`);
    }
  } finally {
    if (interval) clearInterval(interval);
    clock.close();
    await Promise.all(links.map((l) => l.close(0)));
  }
  await sleep(50);
  const closed = sample('closed');
  for (const [type, n] of Object.entries(closed.handles)) {
    if (n > (startHandles[type] ?? 0)) problems.push(`${n - (startHandles[type] ?? 0)} ${type} handle(s) left after closing that were not there at the start`);
  }
  const lost: [number, number] = [links[0]?.stats.dropped.loss ?? 0, links[1]?.stats.dropped.loss ?? 0];
  return { ok: problems.length === 0, problems, samples, closed: closedLives, slowestCloseMs, bytesClientToServer: bytes[0], bytesServerToClient: bytes[1], lost };
}

/** A full collection before each heap sample: Node's gc when exposed, else made available as lib/bench does. */
function collector(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return exposed;
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

function sleep(ms: number): Promise<void> {
  return new Promise((res) => setTimeout(res, Math.max(0, ms)));
}

function handleCounts(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) out[r] = (out[r] ?? 0) + 1;
  return out;
}

function total(h: Record<string, number>): number {
  return Object.values(h).reduce((a, b) => a + b, 0);
}

function mib(n: number): string {
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

function fmtClock(ms: number): string {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export function formatSample(s: SoakSample): string {
  const handles = Object.entries(s.handles).map(([k, v]) => `${k} ${v}`).join(', ');
  return `[${fmtClock(s.atMs).padStart(6)}] ${s.label.padEnd(15)} heap ${mib(s.heapUsed).padStart(10)}  rss ${mib(s.rss).padStart(10)}  handles ${String(total(s.handles)).padStart(4)} (${handles})  open ${s.open}, closed ${s.closed}, bytes c>s ${s.bytesEachWay[0]} s>c ${s.bytesEachWay[1]}`;
}
