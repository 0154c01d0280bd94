import { performance } from 'node:perf_hooks';
import { Scheduler } from '../sim/scheduler.ts';
import { Random } from '../sim/random.ts';
import { MemoryLink, type LinkDirectionConfig } from '../link/memory.ts';
import { Host, type HostTracer, type SimSocket } from '../host/host.ts';
import { resolveConfig, type TcpConfig, type TcpConfigInput } from '../tcp/config.ts';
import { parseAddr } from '../wire/ipv4.ts';
import { dropRecycledPackets } from '../wire/bytes.ts';

/**
 * The emulator side of the benchmark: two hosts on one in-memory link, on virtual time, driven the way
 * an application would drive them (Node-shaped sockets, 'data' / 'drain' / 'end' events). No tracer:
 * what is measured is the cost of TCP itself, not of recording it.
 */

export const CLIENT_ADDR = parseAddr('10.0.0.1');
export const SERVER_ADDR = parseAddr('10.0.0.2');

export interface PairOptions {
  tcp: TcpConfigInput;
  link?: Partial<LinkDirectionConfig>;
  seed?: number;
  /**
   * "Checksum offload": nothing on this link can corrupt a packet, so arriving checksums are not
   * verified. Must stay false whenever the link corrupts.
   */
  offload?: boolean;
  /** Called with every packet either host sends (a capture); checksums are then always computed. */
  capture?: (timeMs: number, packet: Buffer) => void;
  /** HostOptions.lazyTimers (default true). */
  lazyTimers?: boolean;
  /** LinkOptions.bursts (default true). */
  bursts?: boolean;
  /** A tracer for both hosts (the mathis case reads the sender's cwnd through it); none in the timed cases. */
  tracer?: HostTracer;
}

export interface Pair {
  scheduler: Scheduler;
  link: MemoryLink;
  client: Host;
  server: Host;
  config: TcpConfig;
}

export function makePair(o: PairOptions): Pair {
  const scheduler = new Scheduler();
  const random = new Random(o.seed ?? 1);
  const capture = o.capture;
  const config = resolveConfig(o.tcp);
  // No capture and no observer: every packet is the link's alone once sent, so its memory can be reused
  // once its receiver kept nothing of it (MemoryLink's recycling).
  const link = new MemoryLink(scheduler, random.fork('link'), { default: o.link ?? {} }, {}, { recycle: capture === undefined, bursts: o.bursts ?? true });
  const verifyChecksums = !(o.offload ?? false) || capture !== undefined;
  // The hosts are made below; the link calls them only once packets flow.
  link.attach('client', CLIENT_ADDR, (p) => client.receivePacket(p), (h, p) => client.receiveSplit(h, p));
  link.attach('server', SERVER_ADDR, (p) => server.receivePacket(p), (h, p) => server.receiveSplit(h, p));
  // Without a capture a host hands its packets straight to the link: nothing of the bench's own per packet.
  const transmitFor = (name: string) => {
    const send = link.sender(name);
    return capture ? (p: Buffer) => { capture(scheduler.now, p); send(p); } : send;
  };
  // Zero copy too, when the link offers it (it recycles: no capture).
  const host = (name: string, addr: number) => new Host({
    name, addr, config, clock: scheduler, random: random.fork(`host:${name}`), verifyChecksums, computeChecksums: verifyChecksums, transmit: transmitFor(name),
    transmitSplit: link.splitSender(name),
    // A cleared or postponed timer is left on the clock (HostOptions.lazyTimers), as Linux leaves it.
    lazyTimers: o.lazyTimers ?? true,
    tracer: o.tracer,
  });
  const client = host('client', CLIENT_ADDR);
  const server = host('server', SERVER_ADDR);
  return { scheduler, link, client, server, config };
}

/** A buffer of recognisable bytes, written again and again (the send buffer keeps references, no copies). */
function chunkOf(n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = 0x61 + (i % 26);
  return b;
}

export interface BulkOptions {
  bytes: number;
  mss: number;
  /** Receive and send buffers (bytes). */
  buffer: number;
  link?: Partial<LinkDirectionConfig>;
  seed?: number;
  capture?: (timeMs: number, packet: Buffer) => void;
  /** HostOptions.lazyTimers (default true). */
  lazyTimers?: boolean;
  /** TCP settings over the bench's own (loss recovery, congestion control). */
  tcp?: TcpConfigInput;
  tracer?: HostTracer;
}

export interface BulkResult {
  bytes: number;
  wallMs: number;
  /** Virtual time from connect to the last byte read by the receiver. */
  virtualMs: number;
  /** Data segments the sender sent (retransmissions included) and all packets both ways. */
  dataSegments: number;
  packets: number;
  /** Packets the link lost (both ways). */
  lost: number;
}

/**
 * One connection, `bytes` one way, server to client: the client reads with Node's `onread` into one
 * 64 KiB buffer of its own, as a bulk receiver does to make no Buffer per chunk (the kernel peer reads
 * the same way). Linux profile (timestamps, SACK, window scaling, initial window 10), Nagle off as a bulk
 * sender would set TCP_NODELAY.
 */
export function simBulk(o: BulkOptions): BulkResult {
  const lossy = (o.link?.loss ?? 0) > 0 || (o.link?.corrupt ?? 0) > 0;
  const pair = makePair({
    tcp: { profile: 'linux', mss: o.mss, rcvbuf: o.buffer, sndbuf: o.buffer, isn: 'random', maxRetries: 50, ...o.tcp },
    // The MTU fits the MSS plus IPv4 and TCP headers with options, as on loopback (MTU 65536).
    link: { mtu: Math.min(65535, o.mss + 40 + 40), ...o.link },
    seed: o.seed,
    // Corruption off means nothing can change a packet in flight: skip the checksums.
    offload: (o.link?.corrupt ?? 0) === 0,
    capture: o.capture,
    lazyTimers: o.lazyTimers,
    tracer: o.tracer,
  });
  const { scheduler, client, server } = pair;
  const chunk = chunkOf(Math.min(1 << 20, o.bytes));
  let received = 0;
  let doneWall = 0;
  let doneVirtual = 0;
  let written = 0;
  server.listen(80).on('connection', (sock: SimSocket) => {
    const pump = () => {
      while (written < o.bytes) {
        const n = Math.min(chunk.length, o.bytes - written);
        written += n;
        if (!sock.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return;
      }
    };
    sock.on('drain', pump);
    pump();
  });
  const t0 = performance.now();
  client.connect(SERVER_ADDR, 80, {
    onread: {
      buffer: Buffer.allocUnsafe(64 * 1024),
      callback: (n: number) => {
        received += n;
        if (received >= o.bytes && doneWall === 0) {
          doneWall = performance.now();
          doneVirtual = scheduler.now;
        }
      },
    },
  });
  scheduler.run();
  if (received !== o.bytes) throw new Error(`bench bulk: ${received} of ${o.bytes} bytes arrived${lossy ? ' (lossy link)' : ''}`);
  return {
    bytes: received,
    wallMs: doneWall - t0,
    virtualMs: doneVirtual,
    dataSegments: server.stats.dataSegmentsSent,
    packets: client.stats.segmentsSent + server.stats.segmentsSent,
    lost: Object.values(pair.link.stats()).reduce((n, s) => n + s.dropped.loss, 0),
  };
}

export interface LifecycleOptions {
  connections: number;
  /** Bytes each way. */
  bytes: number;
  /** Virtual time between connection starts (ms). */
  gapMs: number;
  /** One-way link delay (ms). */
  delayMs: number;
  /** MSL (ms): TIME-WAIT lasts twice this. */
  mslMs: number;
  seed?: number;
  capture?: (timeMs: number, packet: Buffer) => void;
  /** HostOptions.lazyTimers (default true). */
  lazyTimers?: boolean;
  /** TCP settings over the bench's own (loss recovery, congestion control). */
  tcp?: TcpConfigInput;
}

export interface LifecycleResult {
  connections: number;
  wallMs: number;
  virtualMs: number;
  packets: number;
  /** Connections still open on either host at the end (should be 0: TIME-WAIT expired too). */
  leftOpen: number;
}

/**
 * `connections` complete lives, started `gapMs` apart: handshake, `bytes` from client to server, the
 * same echoed back, the client closes, the server closes on end-of-stream, the client's TIME-WAIT
 * expires. Server ports 80.. are used in turn so the client's ephemeral ports never run out.
 */
export function simLifecycle(o: LifecycleOptions): LifecycleResult {
  const pair = makePair({
    tcp: { profile: 'linux', mslMs: o.mslMs, isn: 'random', ...o.tcp },
    link: { delayMs: o.delayMs },
    seed: o.seed,
    offload: true,
    capture: o.capture,
    lazyTimers: o.lazyTimers,
  });
  const { scheduler, client, server } = pair;
  const PORTS = 16;
  const payload = chunkOf(o.bytes);
  let completed = 0;
  let failed = 0;
  // The application's handlers are shared by every connection (a socket is `this`, and counts what it read),
  // as in the kernel peer: the cost measured is the connections', not a closure per handler and socket.
  function onFailed(): void { failed++; }
  function onServerData(this: SimSocket): void { if (this.bytesRead === o.bytes) this.write(payload); }
  function onServerEnd(this: SimSocket): void { this.destroy(); }
  const onServerConn = (sock: SimSocket) => {
    sock.on('data', onServerData);
    sock.on('end', onServerEnd);
    sock.on('error', onFailed);
  };
  for (let p = 0; p < PORTS; p++) server.listen(80 + p).on('connection', onServerConn);
  function onClientConnect(this: SimSocket): void { this.write(payload); }
  function onClientData(this: SimSocket): void { if (this.bytesRead === o.bytes) this.destroy(); }
  function onClientClose(): void { completed++; }
  let started = 0;
  const start = () => {
    const sock = client.connect(SERVER_ADDR, 80 + (started % PORTS));
    started++;
    sock.on('connect', onClientConnect);
    sock.on('data', onClientData);
    sock.on('close', onClientClose);
    sock.on('error', onFailed);
    if (started < o.connections) scheduler.at(scheduler.now + o.gapMs, start);
  };
  const t0 = performance.now();
  scheduler.at(0, start);
  scheduler.run();
  const wallMs = performance.now() - t0;
  const leftOpen = client.connectionCount + server.connectionCount;
  if (completed !== o.connections || failed > 0 || leftOpen > 0) {
    throw new Error(`bench lifecycle: ${completed} of ${o.connections} completed, ${failed} failed, ${leftOpen} left open`);
  }
  return { connections: completed, wallMs, virtualMs: scheduler.now, packets: client.stats.segmentsSent + server.stats.segmentsSent, leftOpen };
}

export interface IdleResult {
  connections: number;
  /** Heap growth per connection (both ends: two TCBs, two sockets) and per endpoint (one side). */
  bytesPerConnection: number;
  bytesPerEndpoint: number;
  wallMs: number;
  method: string;
}

/**
 * `n` connections established and left idle (no timers: no keep-alive, nothing unacknowledged).
 * Heap is measured after a full garbage collection before and after; the sockets are kept alive by the
 * hosts, as an application's would be.
 */
export function simIdle(n: number, gc: (() => void) | undefined): IdleResult {
  const settle = () => {
    // Recycled packets are the allocator's, at most 16 MiB however many connections there are, not
    // the connections' memory: dropped before each look, as before any other measurement.
    dropRecycledPackets();
    if (gc) { gc(); gc(); }
    return process.memoryUsage().heapUsed;
  };
  const pair = makePair({ tcp: { profile: 'linux', isn: 'random' }, link: {}, offload: true });
  const { scheduler, client, server } = pair;
  // Enough listening ports that no ephemeral port range (16,384 per destination) fills up.
  const ports = Math.ceil(n / 10_000) + 1;
  let accepted = 0;
  for (let p = 0; p < ports; p++) server.listen(1000 + p).on('connection', () => { accepted++; });
  const before = settle();
  const t0 = performance.now();
  // In batches, so the scheduler's queue stays short and no batch outgrows a listen backlog.
  const BATCH = 400;
  for (let i = 0; i < n; i += BATCH) {
    for (let k = i; k < Math.min(n, i + BATCH); k++) client.connect(SERVER_ADDR, 1000 + (k % ports));
    scheduler.run();
  }
  const wallMs = performance.now() - t0;
  if (accepted !== n || client.connectionCount !== n || server.connectionCount !== n) {
    throw new Error(`bench idle: ${accepted} accepted, ${client.connectionCount}/${server.connectionCount} open of ${n}`);
  }
  const after = settle();
  // Keep the pair reachable until after the measurement.
  if (scheduler.pending > 0) throw new Error(`bench idle: ${scheduler.pending} events pending on idle connections`);
  const per = (after - before) / n;
  return { connections: n, bytesPerConnection: per, bytesPerEndpoint: per / 2, wallMs, method: gc ? 'heapUsed after forced gc' : 'heapUsed (no gc available: approximate)' };
}
