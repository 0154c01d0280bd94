/**
 * The kernel side of `tcpemu real`: a ScenarioPlan's steps on Linux's own TCP, observed from outside.
 *
 * - Each scenario host is a loopback address of its own (127.0.0.1, 127.0.0.2, ... in file order; Linux
 *   answers on all of 127/8), ports as in the scenario. Sockets are Node `net` sockets with
 *   `allowHalfOpen: true`, so `shutdown` (end()) is a real half-close and not a full close.
 * - Steps run at their times in real time from one common start, in file order within a time.
 * - States are observed, never inferred: a worker thread reads the socket table (/proc/net/tcp, the
 *   same tables `ss` dumps over netlink) back to back, and the main thread asks it for a fresh read at
 *   every `expect state` step. A state that came and went between two reads (LAST-ACK on loopback,
 *   usually) is simply not in the history; the comparison reports it as "not observed". Measured
 *   here: one read of /proc/net/tcp takes ~8 ms (the kernel walks its whole connection hash), and so
 *   does one `ss` child. A read on the main thread would stall the steps and the sockets for that
 *   long, and an `ss` child per sample gives a snapshot whose time is anywhere between spawn and
 *   exit; a worker reading in a loop gives one read every ~8 ms, each stamped with the middle of its
 *   read, without disturbing the run. `ss -tanoiH` is still run once at the end for the details it
 *   adds (wscale, rto, mss), which go into the report.
 * - The wire is captured with tcpdump on `lo` and read back with the project's own pcap reader; each
 *   packet becomes a trace `segment` event (tx, from the host owning the source address) with
 *   tcpdump-style relative numbers, so kernel and model segments print in one notation.
 *
 * Everything started here is stopped here: sockets, servers, tcpdump, the sampler, the temp dir.
 */
import net from 'node:net';
import type { Worker } from 'node:worker_threads';
import { startTableSampler } from './table-sampler.ts';
import { spawn, spawnSync, execFile, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Command, ScenarioPlan, StepPlan } from '../scenario/plan.ts';
import { expectResult, type ExpectResult } from '../scenario/expect.ts';
import { payloadBytes } from '../scenario/runner.ts';
import type { AppEvent, SegmentEvent, StateEvent, TcpStateName, TimedEvent } from '../trace/events.ts';
import { TraceRecorder } from '../trace/recorder.ts';
import { readCapture } from '../wire/pcap.ts';
import { decodePacket } from '../wire/tcp.ts';
import { sysErr, word, type Msg } from '../i18n/index.ts';
import { readSocketTable, splitAP, type TableRow } from './socket-table.ts';
import { notCrossCheckable, scenarioPorts, unappliedSettings } from './cross-check.ts';
import { withKernelLock } from './kernel-lock.ts';

// Moved to modules of their own; still exported from here, where the rest of lib/real and the tests import them.
export { readSocketTable } from './socket-table.ts';
export { notCrossCheckable, scenarioPorts, settingMsg, settingText, whatLoopbackCannotMake } from './cross-check.ts';
export { alive, withKernelLock } from './kernel-lock.ts';

/** The kernel run cannot happen here (not root, no tcpdump): a user-facing reason, exit status 2. */
export class KernelUnavailable extends Error {
  override name = 'KernelUnavailable';
  /** The reason as a message key and its parameters (the CLI words it in the user's language). */
  readonly text: Msg;
  constructor(text: Msg) {
    super(word('en', text));
    this.text = text;
  }
}

/** A problem with the scenario on the kernel (a port already taken...): the user's to fix, exit 2. */
export class KernelRunError extends Error {
  override name = 'KernelRunError';
  /** The problem as a message key and its parameters (the CLI words it in the user's language). */
  readonly text: Msg;
  constructor(text: Msg) {
    super(word('en', text));
    this.text = text;
  }
}

export interface KernelRunOptions {
  /** Pause between two reads of the socket table (ms), beyond the ~8 ms a read takes. Default 0. */
  sampleMs?: number;
  /** How long to keep observing after the last step (ms). Default 400. */
  settleMs?: number;
  /** Hard bound on the whole run, steps included (ms). Default 120 000. */
  maxRunMs?: number;
  /** Keep the capture's bytes in the result (default true). */
  keepCapture?: boolean;
  /** Progress notes (tcpdump started, step late, ...). */
  log?: (line: string) => void;
  /** Each host's address (default: loopbackAddr in file order). lib/real/netns-link.ts gives the scenario's own. */
  addrOf?: Record<string, string>;
  /** Capture the wire with tcpdump on lo (default true); without it the result has no segments. */
  capture?: boolean;
  /**
   * Each application event and each state change read from the socket table, as it happens (after
   * begin): for steps on events (lib/real/netns-link.ts runs them from what its agents report).
   */
  onEvent?: (e: LiveEvent) => void;
}

/** What KernelRunOptions.onEvent reports: an application event, or a state first read from the socket table. */
export type LiveEvent = AppEvent | { t: number; type: 'state'; host: string; conn: string; to: TcpStateName; tuple?: string };

export interface ObservedState {
  /** ms since the run's start: the middle of the read that first saw the state. */
  t: number;
  state: TcpStateName;
  /** The read took place between these times (ms since the start): the state began at most `to`. */
  from: number;
  to: number;
}

export interface KernelConnection {
  host: string;
  /** The socket's id on its host (c1, c2, ...) when the application owns one; else the 4-tuple. */
  conn: string;
  local: string;
  remote: string;
  passive: boolean;
  /** Each state once, when first seen, in order; a final CLOSED when it left the table. */
  observed: ObservedState[];
  /** Still in the table when the run ended: the last state is where it stopped being watched. */
  stillOpen: boolean;
}

export interface KernelRunResult {
  plan: ScenarioPlan;
  /** Host name -> loopback address. */
  addrOf: Record<string, string>;
  /** Segments (from the capture), observed state changes and application events, by time. */
  events: TimedEvent[];
  segments: SegmentEvent[];
  connections: KernelConnection[];
  /** What each host's application read, all its connections in order of creation. */
  delivered: Record<string, Buffer>;
  /** Node error codes each host's application saw. */
  errors: Record<string, string[]>;
  /** In-run `expect state` / `expect delivered` steps and steps that could not run. */
  stepResults: ExpectResult[];
  /** Steps and link settings that have no kernel equivalent, one message each (`realw.*` keys). */
  notCheckable: Msg[];
  /** TCP settings of the scenario that the kernel run could not apply (Node has no setsockopt for them). */
  notApplied: Msg[];
  /** The pcap as tcpdump wrote it. */
  capture: Buffer;
  /** Packets whose TCP checksum was the offload partial sum (all of them, on loopback). */
  partialChecksums: number;
  /** Reads of the socket table. */
  samples: number;
  durationMs: number;
  /** `ss -tanoiH` for the scenario's ports at the end of the run. */
  ssDetails: string;
  /** Packets tcpdump reported as dropped by the kernel (the capture misses them). */
  captureDropped: number;
  /** Set by `tcpemu real` when it ran on loopback because namespaces could not be used: why. */
  fallback?: Msg;
  /** 'netns' for a run through namespaces and tcpemu's link (lib/real/netns-link.ts); else loopback. */
  via?: 'netns';
  /** Why an expectation (its `what`) is judged on the model alone, when it is (lib/real/netns-link.ts). */
  modelOnly?: (what: string) => Msg | undefined;
}

/** Why the kernel run is impossible here, or undefined when it can run. */
export function kernelUnavailableWhy(): Msg | undefined {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return { key: 'realw.no.root' };
  if (!findTool('tcpdump')) return { key: 'realw.no.tcpdump' };
  try {
    accessSync('/proc/net/tcp', constants.R_OK);
  } catch {
    return { key: 'realw.no.proc' };
  }
  return undefined;
}

/** kernelUnavailableWhy() in English. */
export function kernelUnavailableReason(): string | undefined {
  const why = kernelUnavailableWhy();
  return why && word('en', why);
}

export function findTool(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':').concat(['/usr/sbin', '/usr/bin', '/sbin'])) {
    const p = path.join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

let pythonPath: string | undefined | null = null;

/**
 * The python3 to start for the TUN helpers: the interpreter itself. Where python3 on PATH is a wrapper that
 * finds one (pyenv's shim runs some 46 shell processes first: 0.45 s of CPU at each start, against 0.06 s),
 * the interpreter it finds is asked for once (sys.executable) and started directly from then on; undefined
 * without python3.
 */
export function findPython(): string | undefined {
  if (pythonPath !== null) return pythonPath;
  const onPath = findTool('python3');
  pythonPath = onPath;
  if (onPath !== undefined) {
    const r = spawnSync(onPath, ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8', timeout: 10_000 });
    const exe = r.status === 0 ? r.stdout.trim() : '';
    try {
      if (exe !== '' && path.isAbsolute(exe)) {
        accessSync(exe, constants.X_OK);
        pythonPath = exe;
      }
    } catch {
      // not executable: keep python3 as found on PATH
    }
  }
  return pythonPath;
}

/** Loopback address of the i-th host (0-based): 127.0.0.1, 127.0.0.2, ... */
export function loopbackAddr(i: number): string {
  return `127.0.0.${i + 1}`;
}

/** The application's side of one kernel socket. */
interface AppSocket {
  id: string;
  host: string;
  sock: net.Socket;
  passive: boolean;
  autoread: boolean;
  received: Buffer[];
  bytesRead: number;
  errors: string[];
  sendOffset: number;
  /** local>remote once known. */
  tuple?: string;
  /** addr:port it connects to (active side). */
  target?: string;
  /** When Node reported the socket closed (ms since the start). */
  closedAt?: number;
}

function tupleOf(sock: net.Socket): string | undefined {
  if (!sock.localAddress || !sock.localPort || !sock.remoteAddress || !sock.remotePort) return undefined;
  return `${sock.localAddress}:${sock.localPort}>${sock.remoteAddress}:${sock.remotePort}`;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));

/** Runs the plan on the kernel. Throws KernelUnavailable when it cannot run here. */
export async function runOnKernel(plan: ScenarioPlan, opts: KernelRunOptions = {}): Promise<KernelRunResult> {
  const reason = kernelUnavailableWhy();
  if (reason) throw new KernelUnavailable(reason);
  return withKernelLock(async () => {
    const run = new KernelRun(plan, opts);
    try {
      return await run.execute();
    } finally {
      await run.cleanup();
    }
  });
}

/**
 * Runs the plan's steps at their times, in file order within a time, from `now()` 0, then waits the
 * settle time. How far the run has fallen behind the plan: a step that runs late (a busy machine can
 * stall this process for seconds) moves every later one by as much, so the time between steps is the
 * scenario's: an `expect state` 50 ms after a shutdown still gives the kernel its 50 ms (Linux may delay
 * the ACK of a FIN by its 40 ms minimum ATO), where a fixed schedule would read the table at once.
 */
export async function runSteps(plan: ScenarioPlan, opts: KernelRunOptions, now: () => number, exec: (step: StepPlan) => Promise<void>, stepResults: ExpectResult[], log: (s: string) => void): Promise<void> {
  const maxRun = opts.maxRunMs ?? 120_000;
  const steps = plan.steps.filter((s) => s.atMs <= plan.untilMs);
  let slipMs = 0;
  for (const step of steps) {
    if (step.atMs > maxRun) {
      stepResults.push(expectResult(`step:${step.pos.line}:${step.pos.col}`, { key: 'expect.what.step', params: { step: step.text } }, false, [{ key: 'real.d.pastBound', params: { at: step.atMs, max: maxRun } }], step.pos));
      continue;
    }
    // A step already due runs at once, not after a timer's turn: steps of one instant go out together.
    if (step.atMs + slipMs > now()) await sleep(step.atMs + slipMs - now());
    const late = now() - (step.atMs + slipMs);
    if (late > 50) log(`step "${step.text}" ran ${late.toFixed(1)} ms late; the steps after it move by as much`);
    if (late > 0) slipMs += late;
    await exec(step);
  }
  const lastAt = steps.length ? steps[steps.length - 1].atMs : 0;
  await sleep(Math.min(lastAt + slipMs + (opts.settleMs ?? 400), maxRun) - now());
}

export class KernelRun {
  private readonly log: (s: string) => void;
  readonly addrOf: Record<string, string> = {};
  private readonly hostOfAddr = new Map<string, string>();
  private readonly addrs: Set<string>;
  private readonly ports: Set<number>;
  private readonly sockets: AppSocket[] = [];
  private readonly servers: net.Server[] = [];
  private readonly named = new Map<string, Map<string, AppSocket>>();
  private readonly newest = new Map<string, AppSocket>();
  private readonly counters = new Map<string, number>();
  private readonly app: AppEvent[] = [];
  private readonly stepResults: ExpectResult[] = [];
  /** Per 4-tuple (local>remote): what was seen, in order. */
  private readonly seen = new Map<string, { rows: ObservedState[]; passive: boolean; gone: boolean }>();
  private samples = 0;
  private startMs = 0;
  private startEpochMs = 0;
  private dir: string;
  private tcpdump: ChildProcess | undefined;
  private tcpdumpStderr = '';
  private sampler: Worker | undefined;
  private waiters: { asked: number; done: () => void }[] = [];
  private current: TableRow[] = [];
  private readonly preexisting = new Set<string>();
  /** addr:port of every listener the application opened. */
  private readonly listening = new Set<string>();
  private pending: Promise<unknown>[] = [];

  constructor(private readonly plan: ScenarioPlan, private readonly opts: KernelRunOptions) {
    this.log = opts.log ?? (() => {});
    plan.hosts.forEach((h, i) => {
      const addr = opts.addrOf?.[h.name] ?? loopbackAddr(i);
      this.addrOf[h.name] = addr;
      this.hostOfAddr.set(addr, h.name);
    });
    this.addrs = new Set(Object.values(this.addrOf));
    this.ports = new Set(scenarioPorts(plan));
    this.dir = mkdtempSync(path.join(tmpdir(), 'tcpemu-real-'));
  }

  private now(): number {
    return performance.now() - this.startMs;
  }

  private t(): number {
    return Math.round(this.now() * 1000) / 1000;
  }

  async execute(): Promise<KernelRunResult> {
    await this.begin();
    await runSteps(this.plan, this.opts, () => this.now(), (step) => this.exec(step), this.stepResults, this.log);
    return this.finish();
  }

  /**
   * Starts watching (tcpdump unless `capture: false`, the socket-table reader). Times count from
   * `startEpochMs` (epoch ms) when given, so that several processes share one start; else from now.
   */
  async begin(startEpochMs?: number): Promise<void> {
    if (this.opts.capture !== false) await this.startCapture(path.join(this.dir, 'kernel.pcap'));
    // The reader's first read (a worker takes ~200 ms to start) gives the connections that were there
    // before the run (TIME-WAIT from an earlier run, usually): they are not the scenario's.
    await this.startSampler();
    this.startMs = startEpochMs === undefined ? performance.now() : startEpochMs - performance.timeOrigin;
    this.startEpochMs = performance.timeOrigin + this.startMs;
  }

  /** One step on its host (a step on the link is not this run's). */
  runStep(step: StepPlan): Promise<void> {
    return this.exec(step);
  }

  /** The id (c1, c2, ...) of the host's connection called `name` (`connect ... as NAME`, or an id), if it has one. */
  connIdOf(host: string, name: string): string | undefined {
    return this.named.get(host)?.get(name)?.id;
  }

  /** Stops watching and gathers what was seen. */
  async finish(): Promise<KernelRunResult> {
    await Promise.race([Promise.allSettled(this.pending), sleep(1000)]);
    await this.freshRead();
    await this.stopSampler();
    const durationMs = this.now();
    const ssDetails = await this.ssDetails();
    await this.stopCapture();
    const capFile = path.join(this.dir, 'kernel.pcap');

    // tcpdump's closing report: "N packets dropped by kernel". Lost packets make the capture incomplete;
    // on loopback 64 KB segments come faster than tcpdump writes them, hence its 64 MB buffer (-B).
    const dropped = Number(/(\d+) packets? dropped by kernel/.exec(this.tcpdumpStderr)?.[1] ?? 0);
    if (dropped > 0) this.log(`tcpdump: ${dropped} packets dropped by the kernel: the capture is incomplete`);
    const capture = this.opts.capture === false ? Buffer.alloc(0) : readFileSync(capFile);
    const { segments, partial } = this.opts.capture === false ? { segments: [], partial: 0 } : this.segmentsOf(capture);
    const connections = this.connections();
    const events: TimedEvent[] = [...segments, ...this.stateEvents(connections), ...this.app];
    events.sort((a, b) => a.t - b.t);
    const delivered: Record<string, Buffer> = {};
    const errors: Record<string, string[]> = {};
    for (const h of this.plan.hosts) {
      const mine = this.sockets.filter((s) => s.host === h.name);
      delivered[h.name] = Buffer.concat(mine.flatMap((s) => s.received));
      errors[h.name] = mine.flatMap((s) => s.errors);
    }
    return {
      plan: this.plan, addrOf: this.addrOf, events, segments, connections, delivered, errors,
      stepResults: this.stepResults,
      notCheckable: notCrossCheckable(this.plan),
      notApplied: this.plan.hosts.flatMap((h) => unappliedSettings(h.name, h.tcp)),
      capture: this.opts.keepCapture === false ? Buffer.alloc(0) : capture,
      partialChecksums: partial, samples: this.samples, durationMs, ssDetails, captureDropped: dropped,
    };
  }

  // ------------------------------------------------------------------ capture

  private filter(): string {
    const ports = [...this.ports].map((p) => `port ${p}`).join(' or ');
    const hosts = [...this.addrs].map((a) => `host ${a}`).join(' or ');
    return ports ? `tcp and (${ports}) and (${hosts})` : `tcp and (${hosts})`;
  }

  private startCapture(file: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const p = spawn(findTool('tcpdump')!, ['-i', 'lo', '-U', '--immediate-mode', '-n', '-B', '65536', '-w', file, this.filter()], { stdio: ['ignore', 'ignore', 'pipe'] });
      this.tcpdump = p;
      let err = '';
      let listening = false;
      const timer = setTimeout(() => fail({ key: 'realw.err.tcpdumpSilent', params: { said: err.trim() } }), 5000);
      const fail = (why: Msg) => {
        clearTimeout(timer);
        reject(new KernelUnavailable(why));
      };
      p.stderr!.setEncoding('utf8');
      p.stderr!.on('data', (d: string) => {
        err += d;
        this.tcpdumpStderr = err;
        if (err.includes('listening on') && !listening) {
          listening = true;
          clearTimeout(timer);
          this.log('tcpdump listening on lo');
          resolve();
        }
      });
      p.on('error', (e) => fail({ key: 'realw.err.tcpdumpStart', params: { err: sysErr(e) } }));
      p.on('exit', (code) => listening || fail({ key: 'realw.err.tcpdumpExit', params: { code: String(code), said: err.trim() } }));
    });
  }

  private async stopCapture(): Promise<void> {
    const p = this.tcpdump;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    // A short grace so the last packets of the run reach the capture buffer.
    await sleep(100);
    const exited = new Promise<void>((r) => p.once('exit', () => r()));
    p.kill('SIGINT');
    await Promise.race([exited, sleep(3000)]);
    if (p.exitCode === null && p.signalCode === null) {
      p.kill('SIGKILL');
      await Promise.race([exited, sleep(1000)]);
    }
    this.tcpdump = undefined;
  }

  private segmentsOf(capture: Buffer): { segments: SegmentEvent[]; partial: number } {
    const clock = { now: 0 };
    const rec = new TraceRecorder(clock, { timers: false, congestion: false });
    const segments: SegmentEvent[] = [];
    let partial = 0;
    for (const p of readCapture(capture, 'kernel capture').packets) {
      const { ip, tcp } = decodePacket(p.ip, { verifyChecksum: 'allow-partial' });
      if (tcp.checksumPartial) partial++;
      const src = `${(ip.src >>> 24) & 255}.${(ip.src >>> 16) & 255}.${(ip.src >>> 8) & 255}.${ip.src & 255}`;
      const host = this.hostOfAddr.get(src) ?? src;
      clock.now = p.timeMs - this.startEpochMs;
      const ev = rec.segmentEvent('tx', host, this.connOf(host, `${src}:${tcp.srcPort}`), ip.src, ip.dst, tcp);
      segments.push(ev);
    }
    return { segments, partial };
  }

  private connOf(host: string, localAP: string): string | undefined {
    return this.sockets.find((s) => s.host === host && s.tuple?.startsWith(`${localAP}>`))?.id;
  }

  private ssDetails(): Promise<string> {
    const f = [...this.ports].map((p) => `sport = :${p} or dport = :${p}`).join(' or ');
    return new Promise((resolve) => {
      execFile('ss', ['-tanoiH', `( ${f} )`], { timeout: 2000 }, (err, stdout) => resolve(err ? '' : stdout));
    });
  }

  // ------------------------------------------------------------------ states

  private async startSampler(): Promise<void> {
    const w = startTableSampler(this.addrs, this.opts.sampleMs ?? 0, (m) => this.onRead(m));
    this.sampler = w;
    w.on('error', (e) => this.log(`socket-table reader failed: ${e.message}`));
    // The first read: the table before any step.
    await this.freshRead();
  }

  private async stopSampler(): Promise<void> {
    const w = this.sampler;
    this.sampler = undefined;
    if (w) await w.terminate();
  }

  /** Resolves after a read that started after now (bounded: 2 s, for the worker's start). */
  private freshRead(): Promise<void> {
    const asked = performance.timeOrigin + performance.now();
    return new Promise<void>((resolve) => {
      const done = () => { clearTimeout(timer); resolve(); };
      const timer = setTimeout(() => { this.waiters = this.waiters.filter((x) => x.done !== done); resolve(); }, 2000);
      this.waiters.push({ asked, done });
    });
  }

  /** One read of the socket table, from the worker (times in epoch ms). */
  private onRead(m: { t0: number; t1: number; text: string }): void {
    const rows = readSocketTable(this.addrs, this.ports, m.text);
    if (!this.startMs) {
      for (const r of rows) this.preexisting.add(`${r.local}>${r.remote}`);
      this.resolveWaiters(m.t0);
      return;
    }
    this.samples++;
    const from = m.t0 - this.startEpochMs;
    const to = m.t1 - this.startEpochMs;
    const t = Math.round(((from + to) / 2) * 1000) / 1000;
    const present = new Set<string>();
    for (const r of rows) {
      if (r.state === 'LISTEN') continue;
      const key = `${r.local}>${r.remote}`;
      if (this.preexisting.has(key)) continue;
      present.add(key);
      let s = this.seen.get(key);
      if (!s || s.gone) {
        // The passive end is the one whose local port has a listener on its address.
        const [la, lp] = splitAP(r.local);
        const passive = rows.some((x) => x.state === 'LISTEN' && x.local === `${la}:${lp}`) || this.listening.has(`${la}:${lp}`);
        s = { rows: [], passive, gone: false };
        this.seen.set(key, s);
      }
      const last = s.rows[s.rows.length - 1];
      if (!last || last.state !== r.state) {
        s.rows.push({ t, state: r.state, from, to });
        this.liveState(key, r.state, t);
      }
    }
    for (const [key, s] of this.seen) {
      if (!s.gone && !present.has(key)) {
        s.gone = true;
        s.rows.push({ t, state: 'CLOSED', from, to });
        this.liveState(key, 'CLOSED', t);
      }
    }
    this.current = rows;
    this.resolveWaiters(m.t0);
  }

  /** A state change read from the table, to onEvent: on the application's connection id when it has one (an accepted socket's SYN-RECEIVED has none yet). */
  private liveState(key: string, to: TcpStateName, t: number): void {
    if (!this.opts.onEvent) return;
    const host = this.hostOfAddr.get(splitAP(key.split('>')[0])[0]);
    if (host === undefined) return;
    const conn = this.sockets.find((x) => x.tuple === key)?.id ?? key;
    this.opts.onEvent({ t, type: 'state', host, conn, to, tuple: key });
  }

  private resolveWaiters(readStart: number): void {
    const ready = this.waiters.filter((w) => w.asked <= readStart);
    this.waiters = this.waiters.filter((w) => w.asked > readStart);
    for (const w of ready) w.done();
  }

  private async stateOf(sock: AppSocket): Promise<TcpStateName | undefined> {
    // A socket still in SYN-SENT has no peer name yet: its tuple is its own end and the address it connects to.
    const bound = sock.sock.localAddress && sock.sock.localPort && sock.target ? `${sock.sock.localAddress}:${sock.sock.localPort}>${sock.target}` : undefined;
    const key = sock.tuple ?? (sock.tuple = tupleOf(sock.sock)) ?? bound;
    if (!key) return undefined;
    await this.freshRead();
    const row = this.current.find((r) => `${r.local}>${r.remote}` === key);
    return row?.state ?? 'CLOSED';
  }

  private connections(): KernelConnection[] {
    const out: KernelConnection[] = [];
    for (const [key, s] of this.seen) {
      const [local, remote] = key.split('>');
      const host = this.hostOfAddr.get(splitAP(local)[0])!;
      const app = this.sockets.find((x) => x.tuple === key);
      out.push({ host, conn: app?.id ?? key, local, remote, passive: s.passive, observed: s.rows, stillOpen: !s.gone });
    }
    // Sockets of the application that no read ever caught (a connect refused within microseconds): their
    // history is where they started and, if the socket closed, CLOSED at its close; nothing in between is claimed.
    for (const a of this.sockets) {
      if (a.tuple && this.seen.has(a.tuple)) continue;
      const local = a.sock.localAddress && a.sock.localPort ? `${a.sock.localAddress}:${a.sock.localPort}` : this.addrOf[a.host];
      const observed: ObservedState[] = a.closedAt === undefined ? [] : [{ t: a.closedAt, state: 'CLOSED', from: a.closedAt, to: a.closedAt }];
      out.push({ host: a.host, conn: a.id, local, remote: a.target ?? '?', passive: a.passive, observed, stillOpen: a.closedAt === undefined });
    }
    return out;
  }

  private stateEvents(conns: KernelConnection[]): StateEvent[] {
    const out: StateEvent[] = [];
    for (const c of conns) {
      let from: TcpStateName = c.passive ? 'LISTEN' : 'CLOSED';
      for (const o of c.observed) {
        if (o.state === from) continue;
        if (o.from === o.to) continue; // a close seen only by the application, not read from the table
        out.push({ t: o.t, type: 'state', host: c.host, conn: c.conn, from, to: o.state, cause: `observed in the socket table (read ${o.from.toFixed(1)}-${o.to.toFixed(1)} ms)` });
        from = o.state;
      }
    }
    return out;
  }

  // ------------------------------------------------------------------ the application

  private appEvent(s: AppSocket, event: AppEvent['event'], bytes?: number, error?: string): void {
    const ev: AppEvent = { t: this.t(), type: 'app', host: s.host, conn: s.id, event };
    if (bytes !== undefined) ev.bytes = bytes;
    if (error !== undefined) ev.error = error;
    this.app.push(ev);
    if (this.startMs) this.opts.onEvent?.(ev);
  }

  private accepted: { host: string; done: (s: AppSocket) => void }[] = [];

  private nextAccept(host: string, waitMs: number): Promise<AppSocket | undefined> {
    return new Promise((resolve) => {
      const w = { host, done: (s: AppSocket | undefined) => { clearTimeout(timer); this.accepted = this.accepted.filter((x) => x !== w); resolve(s); } };
      const timer = setTimeout(() => w.done(undefined), waitMs);
      this.accepted.push(w);
    });
  }

  private adopt(host: string, sock: net.Socket, passive: boolean, name?: string): AppSocket {
    const n = (this.counters.get(host) ?? 0) + 1;
    this.counters.set(host, n);
    const cfg = this.plan.hosts.find((h) => h.name === host)!.tcp;
    const s: AppSocket = { id: `c${n}`, host, sock, passive, autoread: cfg.autoread, received: [], bytesRead: 0, errors: [], sendOffset: 0 };
    this.sockets.push(s);
    let m = this.named.get(host);
    if (!m) this.named.set(host, (m = new Map()));
    m.set(s.id, s);
    if (name) m.set(name, s);
    this.newest.set(host, s);
    if (!cfg.nagle) sock.setNoDelay(true);
    if (cfg.keepaliveMs > 0) sock.setKeepAlive(true, cfg.keepaliveMs);
    const observe = (_what: string) => {
      if (!s.tuple) s.tuple = tupleOf(sock);
    };
    if (s.autoread) {
      sock.on('data', (chunk: Buffer) => {
        s.received.push(chunk);
        s.bytesRead += chunk.length;
        this.appEvent(s, 'data', chunk.length);
      });
    } else {
      sock.pause();
    }
    sock.on('connect', () => { observe('connect'); this.appEvent(s, 'connect'); });
    sock.on('end', () => { observe('end'); this.appEvent(s, 'end'); });
    sock.on('error', (e: NodeJS.ErrnoException) => {
      s.errors.push(e.code ?? e.message);
      this.appEvent(s, 'error', undefined, e.code ?? e.message);
      observe('error');
    });
    sock.on('close', () => { observe('close'); s.closedAt = this.t(); this.appEvent(s, 'close'); });
    if (passive) {
      s.tuple = tupleOf(sock);
      observe('accept');
      this.appEvent(s, 'accept');
      for (const w of this.accepted.filter((x) => x.host === host)) w.done(s);
    }
    return s;
  }

  private async exec(step: StepPlan): Promise<void> {
    const cmd = step.command;
    if (step.target === 'link') return; // reported by notCrossCheckable
    try {
      await this.execHost(step, step.target, cmd);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'EADDRINUSE' || e.code === 'EACCES' || e.code === 'EADDRNOTAVAIL') {
        throw new KernelRunError({ key: 'realw.err.socket', params: { file: this.plan.file, line: step.pos.line, col: step.pos.col, host: step.target, step: step.text, code: e.code, addr: this.addrOf[step.target]!, err: sysErr(e) } });
      }
      if (e instanceof KernelRunError) throw e;
      this.stepResults.push(expectResult(`step:${step.pos.line}:${step.pos.col}`, { key: 'expect.what.step', params: { step: step.text } }, false, [{ key: 'expect.d.socketError', params: { host: step.target, error: e.message } }], step.pos));
    }
  }

  private async execHost(step: StepPlan, host: string, cmd: Command): Promise<void> {
    const addr = this.addrOf[host];
    const cfg = this.plan.hosts.find((h) => h.name === host)!.tcp;
    switch (cmd.op) {
      case 'listen': {
        // highWaterMark 1: an application that does not read holds at most one chunk in Node; the rest stays in the kernel.
        const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: !cfg.autoread, highWaterMark: cfg.autoread ? undefined : 1 });
        server.on('connection', (sock) => this.adopt(host, sock, true));
        this.listening.add(`${addr}:${cmd.port}`);
        this.servers.push(server);
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen({ host: addr, port: cmd.port, backlog: cmd.backlog ?? 511 }, () => {
            server.off('error', reject);
            server.on('error', () => {});
            resolve();
          });
        });
        return;
      }
      case 'connect': {
        const target = this.addrOf[cmd.host];
        // readableHighWaterMark 1 (a Duplex option that the types of net.connect leave out): see listen.
        const options = { host: target, port: cmd.port, localAddress: addr, localPort: cmd.fromPort, allowHalfOpen: true, readableHighWaterMark: cfg.autoread ? undefined : 1 };
        const sock = net.connect(options as net.NetConnectOpts);
        this.adopt(host, sock, false, cmd.as).target = `${target}:${cmd.port}`;
        return;
      }
      case 'down':
      case 'up':
      case 'inject':
        return;
    }
    let s = cmd.conn ? this.named.get(host)?.get(cmd.conn) : this.newest.get(host);
    if (!s && !cmd.conn && [...this.listening].some((l) => l.startsWith(`${addr}:`))) {
      // A listener with no connection accepted yet: the handshake is on its way (on real time it can run a
      // few ms behind the scenario's clock on a busy machine). Waits for it, at most a second.
      s = await this.nextAccept(host, 1000);
    }
    if (!s) {
      this.stepResults.push(expectResult(`step:${step.pos.line}:${step.pos.col}`, { key: 'expect.what.step', params: { step: step.text } }, false,
        [cmd.conn ? { key: 'expect.d.noConnNamed', params: { host, conn: cmd.conn } } : { key: 'real.d.noConnYet', params: { host } }], step.pos));
      return;
    }
    const sock = s.sock;
    switch (cmd.op) {
      case 'send': {
        let data: Buffer;
        if ('text' in cmd.data) data = Buffer.from(cmd.data.text);
        else {
          data = payloadBytes(cmd.data.bytes, s.sendOffset);
          s.sendOffset += cmd.data.bytes;
        }
        this.appEvent(s, 'send', data.length);
        if (sock.destroyed || sock.writableEnded) {
          s.errors.push('EPIPE');
          this.appEvent(s, 'error', undefined, 'EPIPE');
          return;
        }
        sock.write(data);
        return;
      }
      case 'shutdown':
        this.appEvent(s, 'shutdown');
        sock.end();
        return;
      case 'close':
        this.appEvent(s, 'close-req');
        // Node's close: end() queues the FIN after what is written; the descriptor is closed once that is flushed.
        if (sock.destroyed) return;
        sock.end(() => sock.destroy());
        this.pending.push(new Promise<void>((r) => sock.once('close', () => r())));
        return;
      case 'abort':
        this.appEvent(s, 'abort');
        // SO_LINGER 0 then close: the kernel sends RST.
        if (!sock.destroyed) sock.resetAndDestroy();
        return;
      case 'read':
        this.appEvent(s, 'read');
        await this.readFrom(s, cmd.count === 'all' ? Infinity : cmd.count);
        return;
      case 'expect-state': {
        const state = await this.stateOf(s);
        const ok = state === cmd.state;
        this.stepResults.push(expectResult(`step:${step.pos.line}:${step.pos.col}`, { key: 'expect.what.at', params: { time: `${step.atMs} ms`, what: { key: 'expect.what.state', params: { host, conn: s.id, state: cmd.state } } } }, ok,
          [ok ? { key: 'real.d.stateRead', params: { state: state! } } : { key: 'real.d.kernelHas', params: { expected: cmd.state, state: state ?? { key: 'real.d.notConnected' } } }], step.pos));
        return;
      }
      case 'expect-delivered': {
        const ok = s.bytesRead === cmd.bytes;
        this.stepResults.push(expectResult(`step:${step.pos.line}:${step.pos.col}`, { key: 'expect.what.at', params: { time: `${step.atMs} ms`, what: { key: 'expect.what.deliveredNow', params: { host, conn: s.id, n: cmd.bytes } } } }, ok,
          [ok ? { key: 'expect.d.bytes', params: { n: s.bytesRead } } : { key: 'expect.d.deliveredNow', params: { n: cmd.bytes, got: s.bytesRead } }], step.pos));
        return;
      }
    }
  }

  /**
   * `read N|all` for an application that does not read by itself: take what Node holds, let Node read
   * more from the kernel, and stop at N bytes or when nothing more came for 20 ms (the kernel's
   * buffer is empty), bounded by 1 s.
   */
  private async readFrom(s: AppSocket, max: number): Promise<void> {
    const sock = s.sock;
    const deadline = performance.now() + 1000;
    let want = max;
    while (want > 0 && performance.now() < deadline && !sock.destroyed) {
      if (sock.readableLength > 0) {
        const chunk: Buffer | null = sock.read(Math.min(want, sock.readableLength));
        if (chunk) {
          s.received.push(chunk);
          s.bytesRead += chunk.length;
          want -= chunk.length;
          this.appEvent(s, 'data', chunk.length);
          continue;
        }
      }
      sock.read(0); // asks Node to read from the kernel again
      const got = await new Promise<boolean>((resolve) => {
        const t = setTimeout(() => { sock.off('readable', on); resolve(false); }, 20);
        const on = () => { clearTimeout(t); resolve(true); };
        sock.once('readable', on);
      });
      if (!got && sock.readableLength === 0) break;
    }
  }

  // ------------------------------------------------------------------ cleanup

  async cleanup(): Promise<void> {
    await this.stopSampler().catch(() => {});
    await this.stopCapture().catch(() => {});
    for (const s of this.sockets) if (!s.sock.destroyed) s.sock.destroy();
    await Promise.race([Promise.all(this.servers.map((srv) => new Promise<void>((r) => srv.close(() => r())))), sleep(1000)]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

