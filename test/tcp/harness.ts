/**
 * Test helpers in the style of smoltcp's socket tests: a connection with fixed ISN, a sink that records
 * what leaves, `recv` / `recvNothing` that require exactly the listed segments, and a pair of connections
 * wired back to back on a tiny virtual clock.
 */
import { Connection, type ConnEvent, type ConnectionSink, type TxInfo } from '../../lib/tcp/connection.ts';
import { resolveConfig, type TcpConfigInput } from '../../lib/tcp/config.ts';
import { ACK, FIN, PSH, RST, SYN, type TcpOption, type TcpSegment } from '../../lib/wire/tcp-types.ts';
import type { ExecutionContext } from 'ava';
import type { TcpStateName, TimerName } from '../../lib/trace/events.ts';
import { seqAdd } from '../../lib/wire/seq.ts';

export { ACK, FIN, PSH, RST, SYN };
export const LOCAL_PORT = 80;
export const REMOTE_PORT = 49152;
export const LOCAL_ISS = 10_000;
export const REMOTE_ISS = 50_000;

export class Recorder implements ConnectionSink {
  out: { seg: TcpSegment; info: TxInfo; t: number }[] = [];
  states: TcpStateName[] = [];
  events: ConnEvent[] = [];
  timers: { name: TimerName; event: string; at?: number; t: number }[] = [];
  transmit(seg: TcpSegment, info: TxInfo, now: number): void { this.out.push({ seg, info, t: now }); }
  state(from: TcpStateName, to: TcpStateName): void {
    if (this.states.length === 0) this.states.push(from);
    this.states.push(to);
  }
  event(ev: ConnEvent): void { this.events.push(ev); }
  timer(name: TimerName, event: 'set' | 'fire' | 'cancel', at: number | undefined, now: number): void { this.timers.push({ name, event, at, t: now }); }
  take(): TcpSegment[] { const s = this.out.map((o) => o.seg); this.out = []; return s; }
  errors(): string[] { return this.events.flatMap((e) => (e.kind === 'error' ? [e.code] : [])); }
}

export function conn(config: TcpConfigInput = {}, iss = LOCAL_ISS, ports: [number, number] = [LOCAL_PORT, REMOTE_PORT], params: { headerPrediction?: boolean } = {}) {
  const rec = new Recorder();
  const c = new Connection({ config: resolveConfig({ delayedAck: false, ...config }), localPort: ports[0], remotePort: ports[1], iss, sink: rec, ...params });
  return { c, rec };
}

/** A deep copy: the segment's options, their SACK blocks and its payload are its own. */
export function copySegment(s: TcpSegment): TcpSegment {
  const options = s.options.map((o) => (o.kind === 'sack' ? { ...o, blocks: o.blocks.map(([l, r]) => [l, r] as [number, number]) } : { ...o }));
  return { ...s, options, payload: Buffer.from(s.payload) };
}

/** A segment from the remote side, with defaults for every field not given. */
export function seg(p: Partial<TcpSegment> & { flags: number }): TcpSegment {
  return { srcPort: REMOTE_PORT, dstPort: LOCAL_PORT, seq: REMOTE_ISS + 1, ack: 0, window: 65535, urgent: 0, options: [], payload: Buffer.alloc(0), ...p };
}

/**
 * A segment as a test demands it (smoltcp's `recv!`): flags as letters ('S.', 'FP.' ...; see flagLetters),
 * SEQ, ACK (only with the ACK flag), window field, payload length, and the options, exactly: none unless
 * listed. `why` (TxInfo.why, e.g. 'rto') is compared only when given.
 */
export interface Expected {
  flags: string;
  seq: number;
  ack?: number;
  win: number;
  len?: number;
  options?: TcpOption[];
  why?: string;
}

function sentView(s: TcpSegment, info: TxInfo | undefined, withWhy: boolean) {
  const v: Record<string, unknown> = { ...brief(s), options: s.options };
  if (withWhy) v.why = info?.why;
  return v;
}

/**
 * Exactly these segments left since the last look, in this order, options included (an expected segment
 * without `options` demands none), and nothing else. They are taken from the recorder.
 */
export function expectSent(t: ExecutionContext, rec: Recorder, ...expected: Expected[]): void {
  const out = rec.out;
  rec.out = [];
  const withWhy = expected.some((e) => e.why !== undefined);
  t.deepEqual(
    out.map((o) => sentView(o.seg, o.info, withWhy)),
    expected.map((e) => {
      const v: Record<string, unknown> = { flags: e.flags, seq: e.seq, ack: e.flags.includes('.') ? e.ack : undefined, win: e.win, len: e.len ?? 0, options: e.options ?? [] };
      if (withWhy) v.why = e.why;
      return v;
    }),
  );
}

/** Nothing left since the last look (smoltcp's `recv_nothing!`). */
export function expectNothingSent(t: ExecutionContext, rec: Recorder): void {
  expectSent(t, rec);
}

/** The deadline timer `kind` was last set to, if it is still running (neither fired nor cancelled since). */
export function timerAt(rec: Recorder, kind: TimerName): number | undefined {
  for (let i = rec.timers.length - 1; i >= 0; i--) {
    const e = rec.timers[i];
    if (e.name !== kind) continue;
    return e.event === 'set' ? e.at : undefined;
  }
  return undefined;
}

/** A compact, comparable view of a segment: flags, seq, ack, win, payload length. */
export function brief(s: TcpSegment) {
  return { flags: flagLetters(s.flags), seq: s.seq, ack: s.flags & ACK ? s.ack : undefined, win: s.window, len: s.payload.length };
}

export function flagLetters(f: number): string {
  let s = '';
  if (f & FIN) s += 'F';
  if (f & SYN) s += 'S';
  if (f & RST) s += 'R';
  if (f & PSH) s += 'P';
  if (f & ACK) s += '.';
  return s || 'none';
}

/** Drive a connection into ESTABLISHED by an active open with the remote's SYN-ACK. */
export function established(config: TcpConfigInput = {}, remoteWindow = 65535, params: { headerPrediction?: boolean } = {}) {
  const x = conn(config, LOCAL_ISS, [LOCAL_PORT, REMOTE_PORT], params);
  x.c.connect(0);
  x.c.onSegment(seg({ flags: SYN | ACK, seq: REMOTE_ISS, ack: LOCAL_ISS + 1, window: remoteWindow, options: [{ kind: 'mss', mss: 1460 }] }), 10);
  x.rec.take();
  return x;
}

/** Drive a connection into ESTABLISHED by a passive open. */
export function accepted(config: TcpConfigInput = {}) {
  const x = conn(config);
  x.c.listen(0);
  x.c.onSegment(seg({ flags: SYN, seq: REMOTE_ISS, options: [{ kind: 'mss', mss: 1460 }] }), 0);
  x.c.onSegment(seg({ flags: ACK, seq: REMOTE_ISS + 1, ack: LOCAL_ISS + 1 }), 10);
  x.rec.take();
  return x;
}

/**
 * Two connections back to back with a one-way delay and a drop filter, driven on virtual time.
 * `drop(seg, fromA)` returning true loses that segment.
 */
export class Pair {
  a: Connection;
  b: Connection;
  ra = new Recorder();
  rb = new Recorder();
  now = 0;
  private wire: { at: number; toA: boolean; seg: TcpSegment; n: number }[] = [];
  private n = 0;
  private sentByA = 0;
  private sentByB = 0;
  log: { t: number; fromA: boolean; seg: TcpSegment; dropped: boolean; info: TxInfo }[] = [];
  /** With `usedAtOnce`: the distinct objects the connections handed over. */
  handed = new Set<TcpSegment>();
  delayMs: number;
  drop: (s: TcpSegment, fromA: boolean, index: number) => boolean;

  /**
   * `usedAtOnce` makes both connections hand their segments in the one shared object (ConnectionParams.segmentsUsedAtOnce,
   * as a host's are); the sink then copies each before it keeps it.
   */
  constructor(opts: { a?: TcpConfigInput; b?: TcpConfigInput; delayMs?: number; drop?: (s: TcpSegment, fromA: boolean, index: number) => boolean; usedAtOnce?: boolean } = {}) {
    this.delayMs = opts.delayMs ?? 10;
    this.drop = opts.drop ?? (() => false);
    const mk = (rec: Recorder, fromA: boolean): ConnectionSink => ({
      transmit: (shared, info, now) => {
        if (opts.usedAtOnce) this.handed.add(shared);
        const s = opts.usedAtOnce ? copySegment(shared) : shared;
        rec.transmit(s, info, now);
        // A count per direction, not a filter over the log: attack tests send hundreds of thousands.
        const index = fromA ? ++this.sentByA : ++this.sentByB;
        const dropped = this.drop(s, fromA, index);
        this.log.push({ t: now, fromA, seg: s, dropped, info });
        if (!dropped) this.wire.push({ at: now + this.delayMs, toA: !fromA, seg: { ...s, payload: Buffer.from(s.payload) }, n: this.n++ });
      },
      state: (f, t, c, now) => rec.state(f, t),
      event: (e) => rec.event(e),
      timer: (n, e, at, now) => rec.timer(n, e, at, now),
    });
    const segmentsUsedAtOnce = opts.usedAtOnce ?? false;
    this.a = new Connection({ config: resolveConfig(opts.a), localPort: 49152, remotePort: 80, iss: LOCAL_ISS, sink: mk(this.ra, true), segmentsUsedAtOnce });
    this.b = new Connection({ config: resolveConfig(opts.b), localPort: 80, remotePort: 49152, iss: REMOTE_ISS, sink: mk(this.rb, false), segmentsUsedAtOnce });
  }

  /** Run until `limit` or until nothing is left to happen. */
  run(limit = 600_000, onStep?: () => void): void {
    for (let guard = 0; guard < 1_000_000; guard++) {
      const next = this.nextTime();
      if (next === undefined || next > limit) { this.now = Math.max(this.now, Math.min(limit, next ?? limit)); return; }
      this.now = next;
      this.wire.sort((x, y) => x.at - y.at || x.n - y.n);
      if (this.wire.length > 0 && this.wire[0].at <= next) {
        const w = this.wire.shift()!;
        (w.toA ? this.a : this.b).onSegment(w.seg, this.now);
      } else {
        for (const c of [this.a, this.b]) { const d = c.nextDeadline(); if (d !== undefined && d <= this.now) c.onTimer(this.now); }
      }
      onStep?.();
    }
    throw new Error('Pair.run: no progress');
  }

  private nextTime(): number | undefined {
    const times = this.wire.map((w) => w.at);
    for (const c of [this.a, this.b]) { const d = c.nextDeadline(); if (d !== undefined) times.push(d); }
    return times.length ? Math.min(...times) : undefined;
  }

  /** Read everything readable on a connection (an application with autoread). */
  static drain(c: Connection, now: number): Buffer {
    const parts: Buffer[] = [];
    for (;;) { const b = c.read(Infinity, now); if (b.length === 0) break; parts.push(Buffer.from(b)); }
    return Buffer.concat(parts);
  }
}

export const rel = (base: number, n: number) => seqAdd(base, n);

/** The pair's handshake: b listens, a connects, and both are ESTABLISHED by 100 ms. */
export function open(p: Pair): void {
  p.b.listen(0);
  p.a.connect(0);
  p.run(100);
}

/** Push `data` from a to b, reading on b as it arrives; returns what b read. */
export function transfer(p: Pair, data: Buffer, limit = 600_000): Buffer {
  let off = 0;
  const got: Buffer[] = [];
  const pump = () => {
    if (off < data.length && p.a.state === 'ESTABLISHED') off += p.a.send(data.subarray(off), p.now);
    got.push(Pair.drain(p.b, p.now));
  };
  pump();
  p.run(limit, pump);
  return Buffer.concat(got);
}
