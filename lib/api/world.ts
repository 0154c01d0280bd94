/**
 * A world: hosts on an in-memory link, with impairments and a seed, on virtual time; the library's
 * way in (docs/library.md). Each host gives `net`-shaped servers and sockets (lib/host/net.ts), the
 * test drives the clock, then reads the trace, draws it, writes a capture or a report, and checks
 * expectations in the scenario file's notation.
 *
 * Virtual time and the user's code. The emulation is single-threaded JavaScript on a discrete-event
 * clock; the code under test is ordinary Node code, which reacts to socket events through Node's own
 * queues (promise reactions, process.nextTick, setImmediate: a Duplex stream emits 'end', 'finish'
 * and write callbacks on the next tick). So the clock is driven asynchronously: the world runs every
 * event due at one instant, then lets Node's event loop run everything it has ready (until no
 * setImmediate is left), then the next instant, and so on. User code thus takes no virtual time, and
 * the same seed and code give the same run, event for event. What is not on the virtual clock:
 * the user's own timers (setTimeout, setInterval), real I/O and Date.now(), which follow the wall
 * clock while virtual time jumps ahead. Sockets' setTimeout is on virtual time. With
 * `realtime: true` the world's instants are taken at the wall-clock time they stand for, so the
 * user's timers and the world's agree (within a few ms), but runs are no longer reproducible.
 */
import { setImmediate as nextImmediate } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { writeFile } from 'node:fs/promises';
import { Scheduler } from '../sim/scheduler.ts';
import { Random } from '../sim/random.ts';
import { MemoryLink, type DirectionStats, type LinkDirectionConfig } from '../link/memory.ts';
import { Host, type HostTracer, type SimSocket } from '../host/host.ts';
import { connect as netConnect, createServer as netCreateServer, Server, Socket, type SocketOptions } from '../host/net.ts';
import { resolveConfig, type TcpConfig } from '../tcp/config.ts';
import { TraceRecorder } from '../trace/recorder.ts';
import type { MetaEvent, SegmentEvent, TcpStateName, TimedEvent, TraceEvent } from '../trace/events.ts';
import { serializeTrace } from '../trace/jsonl.ts';
import { renderLadder } from '../trace/views/ladder.ts';
import { renderStates } from '../trace/views/states.ts';
import { renderSummary, summarize } from '../trace/views/summary.ts';
import { encodePcap } from '../wire/pcap.ts';
import { encodePacket } from '../wire/tcp.ts';
import { RST } from '../wire/tcp-types.ts';
import { formatAddr, parseAddr } from '../wire/ipv4.ts';
import { renderReport, writeReport } from '../report/html.ts';
import { DEFAULT_MAX_RUN_EVENTS, RunLimitError } from '../scenario/runner.ts';
import { VERSION } from '../version.ts';
import { checkExpectations, ExpectationError, parseSegments, segmentMatches, type Checkable, type Expectations, type ExpectResult } from './expect.ts';
import { Faults } from './faults.ts';

/** Impairments of one direction of the link; times in ms, probabilities 0..1. Unset: a perfect link. */
export type LinkSettings = Partial<LinkDirectionConfig>;

/** TCP settings: a profile's defaults ('rfc', the default, or 'linux'), with any field overridden. */
export type TcpSettings = Partial<TcpConfig>;

export interface HostSpec {
  name: string;
  /** Dotted IPv4 address; default 10.0.0.N for the Nth host. */
  address?: string;
  /** Over the world's `tcp`. */
  tcp?: TcpSettings;
}

export interface WorldOptions {
  /** Initial sequence numbers, ports and every random impairment come from it (default 1). */
  seed?: number;
  /** Default ['client', 'server']. */
  hosts?: readonly (string | HostSpec)[];
  /** Every direction of the link. */
  link?: LinkSettings;
  /** Per direction, keyed 'FROM>TO' by host name, over `link`. */
  directions?: Readonly<Record<string, LinkSettings>>;
  /** TCP settings of every host. */
  tcp?: TcpSettings;
  /** Name in the trace's meta line, the ladder's title and the report (default 'world'). */
  name?: string;
  /** Take each instant at the wall-clock time it stands for (not reproducible; see the file comment). */
  realtime?: boolean;
  /** Record timer events in the trace (default true). */
  timers?: boolean;
  /** Keep every byte each application reads, for `delivered` checks (default true). */
  keepData?: boolean;
  /** Keep every packet sent, for pcap() (default true). */
  capture?: boolean;
  /** Most trace events kept (default 1,000,000): past it the run throws TraceLimitError. */
  maxTraceEvents?: number;
}

export interface RunOptions {
  /** Most events the clock runs in this call (default 20,000,000): past it, RunLimitError. */
  maxEvents?: number;
}

/** What starts a `when` callback: a segment sent (in the expectation notation), a state entered, or any test. */
export type Trigger = string | { host: string; state: TcpStateName } | ((event: TimedEvent) => boolean);

export interface LadderDrawOptions {
  /** ANSI colour (default false). */
  color?: boolean;
  /** Width in terminal cells (default 100). */
  width?: number;
  /** The two hosts drawn, left and right (default the first two). */
  hosts?: readonly [string, string];
}

/** One host of a world: `net`'s createServer and connect on its own address. */
export class WorldHost {
  /** @internal */
  constructor(private readonly world: World, private readonly host: Host, private readonly keepData: boolean) {}

  get name(): string {
    return this.host.name;
  }

  /** The host's IPv4 address, dotted. */
  get address(): string {
    return this.host.addrText;
  }

  /** As net.createServer: `server.listen(port)`, then 'connection' with each accepted Socket. */
  createServer(onConnection?: (socket: Socket) => void): Server;
  createServer(opts: SocketOptions, onConnection?: (socket: Socket) => void): Server;
  createServer(a?: SocketOptions | ((socket: Socket) => void), b?: (socket: Socket) => void): Server {
    const opts = typeof a === 'object' ? a : {};
    const onConnection = typeof a === 'function' ? a : b;
    const server = netCreateServer(this.host, opts);
    // First, so the bytes are kept from the first read whatever the application's listener does.
    if (this.keepData) server.on('connection', (s: Socket) => keep(s.sim));
    if (onConnection) server.on('connection', onConnection);
    return server;
  }

  /**
   * As net.connect: `{ host, port }` (host: a host's name or dotted address), or (port, host).
   * The handshake starts when the clock runs.
   */
  connect(to: { host: string; port: number; localPort?: number } & SocketOptions, onConnect?: () => void): Socket;
  connect(port: number, host: string, onConnect?: () => void): Socket;
  connect(a: ({ host: string; port: number; localPort?: number } & SocketOptions) | number, b?: string | (() => void), c?: () => void): Socket {
    const to = typeof a === 'number' ? { port: a, host: b as string } : a;
    const onConnect = typeof a === 'number' ? c : (b as (() => void) | undefined);
    const sock = netConnect(this.host, { ...to, host: this.world.addressOf(to.host) }, onConnect);
    if (this.keepData) keep(sock.sim);
    return sock;
  }
}

function keep(sim: SimSocket): void {
  sim.received ??= [];
}

/**
 * setImmediate callbacks that worlds' drivers have queued and that have not run yet. Worlds driven at
 * the same time (tests of one file run concurrently) each wait for the others' application code, but
 * not for the others' drivers, or each would wait for the other forever.
 */
let driverImmediates = 0;

/** At most this many turns of the event loop for one settling, in case application code queues immediates forever. */
const MAX_SETTLE_TURNS = 10_000;

/** Node has nothing ready to run: no setImmediate but the drivers' own is waiting (promise reactions and ticks ran before ours). */
function nodeIsIdle(): boolean {
  let n = 0;
  for (const r of process.getActiveResourcesInfo()) if (r === 'Immediate') n++;
  return n <= driverImmediates;
}

/** One turn of Node's event loop: every tick, promise reaction and immediate queued before it has run. */
async function turn(): Promise<void> {
  driverImmediates++;
  try {
    await nextImmediate();
  } finally {
    driverImmediates--;
  }
}

export class World implements Checkable {
  readonly seed: number;
  readonly name: string;
  /** Host names in order. */
  readonly hostNames: readonly string[];
  /** Drop, delay or corrupt segments as they leave their host (see Faults). */
  readonly faults: Faults;
  private readonly scheduler = new Scheduler();
  private readonly random: Random;
  private readonly recorder: TraceRecorder;
  private readonly memoryLink: MemoryLink;
  private readonly hosts = new Map<string, Host>();
  private readonly handles = new Map<string, WorldHost>();
  private readonly hostByAddr = new Map<string, string>();
  private readonly packets: { timeMs: number; packet: Buffer }[] = [];
  private readonly realtime: boolean;
  /** performance.now() at virtual time 0, in realtime mode (set when the clock first runs). */
  private wallOrigin: number | undefined;
  private readonly listeners: ((ev: TimedEvent) => void)[] = [];
  /** Trace events already shown to `listeners`. */
  private seen = 0;
  /** The transmission a host traced last, not yet handed to the link (hosts trace a segment, then transmit it). */
  private lastTx: SegmentEvent | undefined;

  constructor(opts: WorldOptions = {}) {
    this.seed = opts.seed ?? 1;
    this.name = opts.name ?? 'world';
    this.realtime = opts.realtime === true;
    this.random = new Random(this.seed);
    this.recorder = new TraceRecorder(this.scheduler, { timers: opts.timers ?? true, congestion: true, maxEvents: opts.maxTraceEvents ?? 1_000_000 });
    this.memoryLink = new MemoryLink(this.scheduler, this.random.fork('link'), { default: opts.link, directions: { ...opts.directions } }, {
      onDrop: (from, _to, packet, reason) => {
        this.recorder.linkDrop(from, packet, reason);
        this.notify();
      },
    });
    this.faults = new Faults(this.scheduler, this.random.fork('faults'), (from, packet) => this.memoryLink.send(from, packet), (from, packet, reason) => {
      this.recorder.linkDrop(from, packet, reason);
      this.notify();
    }, (text) => this.pattern(text));
    const specs = (opts.hosts ?? ['client', 'server']).map((h) => (typeof h === 'string' ? { name: h } : h));
    if (specs.length < 2) throw new RangeError('a world needs at least two hosts');
    const tracer = this.tracer();
    specs.forEach((spec, i) => {
      if (!/^[A-Za-z][\w-]*$/.test(spec.name)) throw new RangeError(`host name "${spec.name}": a letter, then letters, digits, _ or -`);
      if (this.hosts.has(spec.name)) throw new RangeError(`two hosts are named ${spec.name}`);
      const addr = spec.address === undefined ? (0x0a000001 + i) >>> 0 : parseAddr(spec.address);
      const name = spec.name;
      const host: Host = new Host({
        name, addr, config: resolveConfig({ ...opts.tcp, ...spec.tcp }), clock: this.scheduler, random: this.random.fork(`host:${name}`), tracer,
        keepClosedSockets: true,
        checkFields: true,
        transmit: (packet) => {
          if (opts.capture !== false) this.packets.push({ timeMs: this.scheduler.now, packet });
          // The host has just traced this packet's transmission: the faults match against it.
          const ev = this.lastTx;
          this.lastTx = undefined;
          this.faults.route(name, packet, ev);
        },
      });
      this.memoryLink.attach(name, addr, (packet) => host.receivePacket(packet));
      this.hosts.set(name, host);
      this.hostByAddr.set(host.addrText, name);
      this.handles.set(name, new WorldHost(this, host, opts.keepData !== false));
    });
    this.hostNames = specs.map((s) => s.name);
  }

  /** The host named `name`. */
  host(name: string): WorldHost {
    const h = this.handles.get(name);
    if (!h) throw new RangeError(`no host named ${name}; the hosts are ${this.hostNames.join(', ')}`);
    return h;
  }

  /** @internal A host's name or dotted address, as a dotted address. */
  addressOf(hostOrAddress: string): string {
    const host = this.hosts.get(hostOrAddress);
    if (host) return host.addrText;
    if (!/^\d+\.\d+\.\d+\.\d+$/.test(hostOrAddress)) throw new RangeError(`"${hostOrAddress}" is neither a host of this world (${this.hostNames.join(', ')}) nor an IPv4 address`);
    return formatAddr(parseAddr(hostOrAddress));
  }

  /** Virtual time now, in ms since the world began. */
  get now(): number {
    return this.scheduler.now;
  }

  /** True when nothing is left to happen on the clock. */
  get idle(): boolean {
    return this.scheduler.nextTime() === undefined;
  }

  // ---------------------------------------------------------------------------------------------
  // The clock

  /** Run until nothing is left to happen (every connection closed and its timers done, TIME-WAIT included). */
  async run(opts: RunOptions = {}): Promise<void> {
    await this.drive(Infinity, () => false, opts);
  }

  /** Run every event due up to `timeMs`; the clock then reads `timeMs`. */
  async runUntil(timeMs: number, opts: RunOptions = {}): Promise<void> {
    await this.drive(timeMs, () => false, opts);
    if (this.scheduler.now < timeMs) this.scheduler.runUntil(timeMs);
  }

  /** runUntil(now + ms). */
  async runFor(ms: number, opts: RunOptions = {}): Promise<void> {
    await this.runUntil(this.scheduler.now + ms, opts);
  }

  /** Run the next instant (every event due then, and what the application does about them); false when idle. */
  async step(): Promise<boolean> {
    await this.settleNode();
    return this.instant(Infinity, { n: 0, max: DEFAULT_MAX_RUN_EVENTS });
  }

  /**
   * Run until `promise` settles, and return (or throw) what it does: `await world.settle(fetchIt())`.
   * Throws if the world goes idle first (nothing left that could settle it), or at `timeoutMs` of
   * virtual time from now.
   */
  async settle<T>(promise: Promise<T>, opts: RunOptions & { timeoutMs?: number } = {}): Promise<T> {
    let done = false;
    const watched = promise.finally(() => {
      done = true;
    });
    watched.catch(() => undefined);
    const limit = this.scheduler.now + (opts.timeoutMs ?? Infinity);
    await this.drive(limit, () => done, opts);
    if (!done && limit < Infinity && this.scheduler.now < limit) this.scheduler.runUntil(limit);
    if (!done) {
      const why = this.idle ? 'the world went idle' : `the timeout (${opts.timeoutMs} ms of virtual time) passed`;
      throw new Error(`world.settle: ${why} at ${this.scheduler.now} ms before the promise settled`);
    }
    return promise;
  }

  /** Call `fn` at virtual time `timeMs` (now, if that has passed), after what is already due then. */
  at(timeMs: number, fn: () => void): void {
    this.scheduler.at(timeMs, fn);
  }

  /**
   * Call `fn` once, at the same instant, just after the first trace event that `trigger` matches
   * from now on: a segment sent (`'server > client F.'`), a state entered (`{ host, state }`), or any
   * event a function accepts. (Not inside the event: a host is never re-entered.)
   */
  when(trigger: Trigger, fn: (event: TimedEvent) => void): void {
    const test = this.triggerTest(trigger);
    const listener = (ev: TimedEvent): void => {
      if (!test(ev)) return;
      this.listeners.splice(this.listeners.indexOf(listener), 1);
      this.scheduler.at(this.scheduler.now, () => fn(ev));
    };
    this.startListening(listener);
  }

  /** Every trace event as it is recorded; returns a function that stops it. Do not re-enter the world from it (use `when`). */
  onTrace(listener: (event: TimedEvent) => void): () => void {
    this.startListening(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  // ---------------------------------------------------------------------------------------------
  // The link and connections from the outside

  /** Take the whole link down (every packet sent is lost, reason 'down'; those on the wire still arrive) or up. */
  setLinkUp(up: boolean): void {
    this.memoryLink.setUp(up);
  }

  get linkUp(): boolean {
    return this.memoryLink.isUp;
  }

  /** Counts per direction ('client>server'): sent, delivered, dropped by reason, duplicated, reordered, corrupted. */
  linkStats(): Record<string, DirectionStats> {
    return this.memoryLink.stats();
  }

  /**
   * Reset `socket`'s connection from the outside, as a middlebox does: a RST from its peer's address
   * and port with the sequence number it expects next (RCV.NXT, which RFC 5961 3.2 accepts), handed
   * to its host now. With `both`, the peer gets one too. The trace shows each RST as sent by the
   * host whose address it carries, with `why: 'injected'`.
   */
  reset(socket: Socket, opts: { both?: boolean } = {}): void {
    const sims = [socket.sim];
    if (opts.both) {
      const peer = this.peerOf(socket.sim);
      if (peer) sims.push(peer);
    }
    for (const sim of sims) this.injectReset(sim);
  }

  private injectReset(sim: SimSocket): void {
    if (sim.closed || sim.state === 'CLOSED' || sim.state === 'LISTEN' || sim.state === 'SYN-SENT') return;
    const victim = this.hostOwning(sim);
    const from = this.hosts.get(this.hostByAddr.get(sim.remoteAddress) ?? '');
    if (!victim || !from) return;
    const seg = { srcPort: sim.remotePort, dstPort: sim.localPort, seq: sim.connection.rcvNxt, ack: 0, flags: RST, window: 0, urgent: 0, options: [], payload: Buffer.alloc(0) };
    const packet = encodePacket(sim.remoteAddr, victim.addr, seg);
    this.recorder.segment('tx', from, undefined, sim.remoteAddr, victim.addr, seg, { retransmit: false, why: 'injected' });
    this.notify();
    this.scheduler.at(this.scheduler.now, () => victim.receivePacket(packet));
  }

  private hostOwning(sim: SimSocket): Host | undefined {
    for (const h of this.hosts.values()) if (h.sockets.includes(sim)) return h;
    return undefined;
  }

  private peerOf(sim: SimSocket): SimSocket | undefined {
    const me = this.hostOwning(sim);
    const peerHost = this.hosts.get(this.hostByAddr.get(sim.remoteAddress) ?? '');
    return peerHost?.sockets.find((s) => s.localPort === sim.remotePort && s.remotePort === sim.localPort && s.remoteAddr === me?.addr && !s.closed);
  }

  // ---------------------------------------------------------------------------------------------
  // What happened

  /** The trace so far, without its meta line (docs/trace-format.md's events; live: it grows as the clock runs). */
  get events(): readonly TimedEvent[] {
    return this.recorder.events;
  }

  /** The whole trace as the command line writes it: a meta line, then every event. */
  trace(): TraceEvent[] {
    const meta: MetaEvent = { type: 'meta', scenario: this.name, seed: this.seed, version: VERSION, source: '' };
    return [meta, ...this.recorder.events];
  }

  /** The ladder diagram of the run so far, as `tcpemu run` draws it. */
  ladder(opts: LadderDrawOptions = {}): string {
    const hosts = opts.hosts ? [...opts.hosts] : [...this.hostNames];
    return renderLadder(this.trace(), { hosts, color: opts.color ?? false, width: opts.width });
  }

  /** Each host's TCP states over time (`--view states`). */
  statesView(opts: { color?: boolean } = {}): string {
    return renderStates(this.trace(), { color: opts.color ?? false, hosts: [...this.hostNames] });
  }

  /** Segments, bytes, retransmissions and drops per host (`--view summary`). */
  summary(opts: { color?: boolean } = {}): string {
    return renderSummary(summarize(this.trace(), { hosts: [...this.hostNames] }), { color: opts.color ?? false });
  }

  /** Every packet sent, as a classic pcap file (raw IPv4), virtual time as its timestamps. */
  pcap(): Buffer {
    return encodePcap(this.packets);
  }

  async writePcap(path: string): Promise<void> {
    await writeFile(path, this.pcap());
  }

  /** The trace as JSON Lines (docs/trace-format.md), for `tcpemu report` or your own tools. */
  async writeTrace(path: string): Promise<void> {
    await writeFile(path, serializeTrace(this.trace()));
  }

  /** The HTML report (ladder, graphs, windows), one self-contained page; `expectations` are shown in it. */
  report(opts: { title?: string; expectations?: readonly ExpectResult[] } = {}): string {
    return renderReport(this.trace(), { title: opts.title, expectations: opts.expectations ? [...opts.expectations] : undefined });
  }

  async writeReport(path: string, opts: { title?: string; expectations?: readonly ExpectResult[] } = {}): Promise<void> {
    await writeReport(path, this.report(opts));
  }

  /** Every expectation checked against the run so far (the scenario file's `expect:` notation). */
  check(expectations: Expectations): ExpectResult[] {
    return checkExpectations(this, expectations);
  }

  /** check(), throwing ExpectationError (with the ladder) when any fails. */
  expect(expectations: Expectations): void {
    const results = this.check(expectations);
    if (results.some((r) => !r.ok)) throw new ExpectationError(results, this.ladder());
  }

  /** Per host: every byte its applications read, over all connections (with keepData). */
  delivered(): Record<string, Buffer> {
    const out: Record<string, Buffer> = {};
    for (const [name, host] of this.hosts) out[name] = Buffer.concat(host.sockets.flatMap((s) => s.received ?? []));
    return out;
  }

  /** Per host: the error codes its applications saw. */
  errors(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const [name, host] of this.hosts) out[name] = host.sockets.flatMap((s) => (s.error ? [s.error] : []));
    return out;
  }

  /** The host name of an 'addr:port' (or bare address) of the trace. */
  hostOfAddress(addrPort: string): string | undefined {
    const colon = addrPort.lastIndexOf(':');
    return this.hostByAddr.get(colon >= 0 ? addrPort.slice(0, colon) : addrPort);
  }

  private readonly hostOfAddressFn = (addrPort: string): string | undefined => this.hostOfAddress(addrPort);

  // ---------------------------------------------------------------------------------------------
  // Inside

  /** Instants until `limitMs` or `stop()`, with Node's queues emptied before each. */
  private async drive(limitMs: number, stop: () => boolean, opts: RunOptions): Promise<void> {
    const budget = { n: 0, max: opts.maxEvents ?? DEFAULT_MAX_RUN_EVENTS };
    await this.settleNode();
    while (!stop() && (await this.instant(limitMs, budget)));
  }

  /** Every event due at the next time (if not after `limitMs`), and what Node then has ready; false if none. */
  private async instant(limitMs: number, budget: { n: number; max: number }): Promise<boolean> {
    let t = this.scheduler.nextTime();
    if (t === undefined || t > limitMs) return false;
    if (this.realtime) {
      await this.waitForWallClock(t, limitMs);
      t = this.scheduler.nextTime();
      if (t === undefined || t > limitMs) return false;
    }
    // What the application does about this instant may schedule more for it (a write on a link of delay 0).
    for (;;) {
      let next = this.scheduler.nextTime();
      if (next === undefined || next > t) return true;
      while (next !== undefined && next <= t) {
        if (budget.n++ >= budget.max) throw new RunLimitError(budget.max, this.scheduler.now);
        this.scheduler.step();
        next = this.scheduler.nextTime();
      }
      await this.settleNode();
    }
  }

  /** Let Node run what it has ready: promise reactions, ticks, immediates, and what those start. */
  private async settleNode(): Promise<void> {
    for (let i = 0; i < MAX_SETTLE_TURNS; i++) {
      await turn();
      if (nodeIsIdle()) return;
    }
  }

  /** Realtime: sleep until the wall clock reaches virtual time `t`, moving the clock along meanwhile. */
  private async waitForWallClock(t: number, limitMs: number): Promise<void> {
    this.wallOrigin ??= performance.now() - this.scheduler.now;
    for (;;) {
      const wall = performance.now() - this.wallOrigin;
      const next = this.scheduler.nextTime() ?? t;
      if (wall >= next) return;
      // The application's writes while we wait then happen at (about) the wall clock's time.
      this.scheduler.runUntil(Math.min(wall, next, limitMs));
      await new Promise((r) => setTimeout(r, Math.min(next - wall, 5)));
    }
  }

  private tracer(): HostTracer {
    const r = this.recorder;
    const t: HostTracer = {
      segment: (...a) => {
        r.segment(...a);
        if (a[0] === 'tx') this.lastTx = r.events[r.events.length - 1] as SegmentEvent;
        this.notify();
      },
      state: (...a) => {
        r.state(...a);
        this.notify();
      },
      app: (...a) => {
        r.app(...a);
        this.notify();
      },
      undecodable: (...a) => {
        r.undecodable(...a);
        this.notify();
      },
    };
    if (r.timer) {
      const timer = r.timer;
      t.timer = (...a) => {
        timer(...a);
        this.notify();
      };
    }
    if (r.congestion) {
      const cc = r.congestion;
      t.congestion = (...a) => {
        cc(...a);
        this.notify();
      };
    }
    return t;
  }

  private startListening(listener: (ev: TimedEvent) => void): void {
    if (this.listeners.length === 0) this.seen = this.recorder.events.length;
    this.listeners.push(listener);
  }

  /** Show the events recorded since last time to the listeners. */
  private notify(): void {
    const events = this.recorder.events;
    if (this.listeners.length === 0) {
      this.seen = events.length;
      return;
    }
    while (this.seen < events.length) {
      const ev = events[this.seen++];
      for (const l of [...this.listeners]) l(ev);
    }
  }

  private triggerTest(trigger: Trigger): (ev: TimedEvent) => boolean {
    if (typeof trigger === 'function') return trigger;
    if (typeof trigger === 'string') {
      const match = this.pattern(trigger);
      return (ev) => ev.type === 'segment' && ev.event === 'tx' && match(ev);
    }
    const { host, state } = trigger;
    if (!this.hosts.has(host)) throw new RangeError(`when: no host named ${host}; the hosts are ${this.hostNames.join(', ')}`);
    return (ev) => ev.type === 'state' && ev.host === host && ev.to === state;
  }

  /**
   * A test for transmitted segments: 'FROM > TO' (every segment that way) or a line of the expectation
   * notation ('server > client F.', 'client > server P. seq 1:101').
   */
  private pattern(text: string): (ev: SegmentEvent) => boolean {
    const dir = /^\s*([^\s>]+)\s*>\s*([^\s>]+)\s*$/.exec(text);
    if (dir) {
      const [, from, to] = dir;
      for (const h of [from, to]) parseSegments(`${h} > ${h} .`, this.hostNames, `"${text}"`);
      return (ev) => this.hostOfAddress(ev.src) === from && this.hostOfAddress(ev.dst) === to;
    }
    const pats = parseSegments(text, this.hostNames, `"${text}"`);
    if (pats.length !== 1 || pats[0].kind !== 'segment') throw new RangeError(`"${text}": one segment line, such as 'server > client F.'`);
    const p = pats[0];
    return (ev) => segmentMatches(p, ev, this.hostOfAddressFn);
  }
}
