/**
 * Runs a packetdrill script against one tcpemu host on virtual time, with packetdrill's semantics (see
 * docs/packetdrill.md): the script's remote end is played here, injecting `<` segments straight into
 * the host and taking the host's segments off its link for the `>` lines; system calls go to the
 * host's socket API (./sockets.ts); `%{ }%` blocks are checked against the model's connection.
 *
 * The verdict is PASS, FAIL (the line, packetdrill's words for what differed, the expected and the
 * actual segment or result) or UNSUPPORTED (the construct the model cannot run; the script is read
 * through for those before it runs, so one is never a pass).
 */
import { Scheduler } from '../sim/scheduler.ts';
import { Random } from '../sim/random.ts';
import { Host } from '../host/host.ts';
import { TraceRecorder } from '../trace/recorder.ts';
import type { MetaEvent, TraceEvent } from '../trace/events.ts';
import { VERSION } from '../version.ts';
import type { TcpConfig } from '../tcp/config.ts';
import { decodePacket, encodePacket } from '../wire/tcp.ts';
import { parseAddr } from '../wire/ipv4.ts';
import { WireError } from '../wire/errors.ts';
import { ACK, FIN, PSH, RST, SYN, URG, ECE, CWR, type TcpOption, type TcpSegment } from '../wire/tcp-types.ts';
import { seqAdd } from '../wire/seq.ts';
import type { PacketEvent, PdEvent, PdOption, Script, SyscallEvent, TimeSpec, CodeEvent } from './parse.ts';
import { applyShell, baseSettings, defaultsFor, SCRIPT_DEFINES, Unsupported, type DefaultsChoice, type Settings } from './sysctl.ts';
import { Sockets, unsupportedSyscall, type CallOutcome, type PendingCall } from './sockets.ts';
import { evalPy, namesOf, UnknownName } from './python.ts';
import { tcpInfo, TCPI_CONSTANTS } from './tcpinfo.ts';
import { word, type Msg } from '../i18n/index.ts';

export type Verdict = 'pass' | 'fail' | 'unsupported';

export interface ScriptResult {
  file: string;
  verdict: Verdict;
  /** The script line of the failure or of the unsupported construct. */
  line?: number;
  expected?: string;
  actual?: string;
  /** packetdrill's words for the failure (in English), or the unsupported construct. */
  reason?: string;
  /** The failure's reason as a message (`pd.r.*`), to word it in the user's language; `reason` is its English. */
  reasonText?: Msg;
  /** `actual` when it is words, not a packet or a call (no packet came): to word it in the user's language. */
  actualText?: Msg;
  /** Settings the script asks for that the model departs from (CUBIC, RACK-TLP). */
  departures: string[];
  /** The run's trace (hosts 'tcpemu' and 'remote'), for --view and --html. */
  events: TraceEvent[];
}

export interface PacketdrillOptions {
  /** Which kernel's defaults the script assumes (default auto: see defaultsFor). */
  defaults?: DefaultsChoice;
  /** --tolerance_usecs (a script's own line wins). */
  toleranceUsecs?: number;
  strictSegments?: boolean;
  /** Model settings over the script's (the tests run a script under --profile rfc this way). */
  config?: Partial<TcpConfig>;
  /** Longest wait (s of virtual time) for a `*` packet or a blocking call with no end; the run's bound. */
  boundSecs?: number;
}

const LOCAL = parseAddr('192.168.0.1');
const REMOTE = parseAddr('192.0.2.1');
const PORT = 8080;
const REMOTE_PORT_BASE = 40000;
/** packetdrill's sniffing timeout after a packet's expected time (run_packet.c: 2 s). */
const SNIFF_GRACE_S = 2;
/** packetdrill's wait for a blocking call before the next call (run_system_call.c: 1 s). */
const BLOCKING_WAIT_S = 1;
const MAX_STEPS = 5_000_000;

/** A failure in packetdrill's words (a `pd.r.*` message; `reason`: its English), at a script line. */
class Failure extends Error {
  readonly reason: string;
  readonly actual?: string;
  constructor(readonly line: number, readonly text: Msg, readonly expected?: string, readonly actualOrWords?: string | Msg) {
    const reason = word('en', text);
    super(reason);
    this.reason = reason;
    if (actualOrWords !== undefined) this.actual = typeof actualOrWords === 'string' ? actualOrWords : word('en', actualOrWords);
  }
}

interface Sent {
  t: number;
  seg: TcpSegment;
  /** The IPv4 header's type-of-service byte. */
  tos: number;
}

/** The one IP information the model checks: `(tos 0xNN)` or `[tos 0xNN]`, the IPv4 TOS byte. */
function tosOf(ipInfo: string): number | undefined {
  const m = /^[[(]\s*tos\s+0x([0-9a-f]{1,2})\s*[\])]$/i.exec(ipInfo);
  return m ? parseInt(m[1], 16) : undefined;
}

/** Statically: the first construct of the script the model cannot run. */
export function findUnsupported(script: Script, settings: Settings): Unsupported | undefined {
  const s = script.options;
  for (const [name, o] of Object.entries(s)) {
    if (!['tolerance_usecs', 'tolerance_percent', 'strict_segments', 'tcp_ts_tick_usecs'].includes(name)) return new Unsupported(`--${name}`, o.pos.line);
  }
  const known = new Set(Object.keys(TCPI_CONSTANTS));
  const vars = new Set<string>();
  for (const ev of script.events) {
    try {
      if (ev.type === 'shell') applyShell(settings, ev.command, ev.pos.line);
      else if (ev.type === 'packet') {
        if (ev.ipInfo && tosOf(ev.ipInfo) === undefined) return new Unsupported({ key: 'pd.u.ipInfo', params: { info: ev.ipInfo } }, ev.pos.line);
        if (/[EWAU0-7]/.test(ev.flags)) return new Unsupported({ key: 'pd.u.flags', params: { flags: ev.flags } }, ev.pos.line);
        if (ev.urg !== undefined) return new Unsupported({ key: 'pd.u.urg' }, ev.pos.line);
        const named = Array.isArray(ev.options) ? ev.options.find((o) => o.kind === 'FO' && !/^[0-9a-f]*$/i.test(o.cookie) && !(o.cookie in SCRIPT_DEFINES)) : undefined;
        if (named && named.kind === 'FO') return new Unsupported({ key: 'pd.u.cookie', params: { cookie: named.cookie } }, ev.pos.line);
        const other = Array.isArray(ev.options) ? ev.options.find((o) => o.kind === 'other') : undefined;
        if (other && other.kind === 'other') return new Unsupported({ key: 'pd.u.tcpOption', params: { name: other.name } }, ev.pos.line);
      } else if (ev.type === 'syscall') {
        const why = unsupportedSyscall(ev);
        if (why) return new Unsupported(why, ev.pos.line);
      } else if (ev.type === 'code') {
        for (const st of ev.code.statements) {
          if (st.kind === 'unsupported') return new Unsupported({ key: 'pd.u.python', params: { text: st.text } }, st.line);
          if (st.kind === 'assign') vars.add(st.name);
          if (st.kind === 'assert' || st.kind === 'assign') {
            for (const n of namesOf(st.expr)) {
              if (n.startsWith('tcpi_') && !tcpInfo.supported.includes(n)) return new Unsupported({ key: 'pd.u.tcpi', params: { name: n } }, st.line);
              if (!n.startsWith('tcpi_') && !known.has(n) && !vars.has(n)) return new Unsupported({ key: 'pd.u.pyName', params: { name: n } }, st.line);
            }
          }
        }
      }
    } catch (err) {
      if (err instanceof Unsupported) return err;
      throw err;
    }
  }
  return undefined;
}

export function runScript(script: Script, opts: PacketdrillOptions = {}): ScriptResult {
  const shells = script.events.flatMap((e) => (e.type === 'shell' ? [e.command] : []));
  const settings = baseSettings(defaultsFor(opts.defaults ?? 'auto', shells));
  const unsupported = findUnsupported(script, settings);
  if (opts.config) settings.config = { ...settings.config, ...opts.config };
  const base = { file: script.file, departures: settings.departures };
  if (unsupported) return { ...base, verdict: 'unsupported', line: unsupported.line, reason: unsupported.construct, reasonText: unsupported.text, events: [] };
  const run = new Run(script, settings, opts);
  try {
    run.execute();
    return { ...base, verdict: 'pass', events: run.trace() };
  } catch (err) {
    if (err instanceof Failure) {
      const r: ScriptResult = { ...base, verdict: 'fail', line: err.line, reason: err.reason, reasonText: err.text, events: run.trace() };
      if (err.expected !== undefined) r.expected = err.expected;
      if (err.actual !== undefined) r.actual = err.actual;
      if (typeof err.actualOrWords === 'object') r.actualText = err.actualOrWords;
      return r;
    }
    if (err instanceof Unsupported) return { ...base, verdict: 'unsupported', line: err.line, reason: err.construct, reasonText: err.text, events: run.trace() };
    throw err;
  }
}

class Run {
  readonly clock = new Scheduler();
  readonly recorder: TraceRecorder;
  readonly host: Host;
  readonly sockets: Sockets;
  private readonly sent: Sent[] = [];
  private readonly tolerance: number;
  private readonly tolerancePct: number;
  private readonly strict: boolean;
  private readonly tsTickUsecs: number;
  /** The script time of the event being run (the TS val tolerance grows with it). */
  private eventScriptT = 0;
  private readonly boundS: number;
  private steps = 0;
  /** Script time (s) of the last event, and whether it was an inbound packet (packetdrill's anchoring). */
  private lastScriptT = 0;
  private lastAnchored = false;
  private pending: PendingCall | undefined;
  // The connection under test, as packetdrill tracks it.
  private remoteIsn: number | undefined;
  private localIsn: number | undefined;
  private scriptLocalIsn = 0;
  private remotePort = REMOTE_PORT_BASE;
  private readonly tsMap = new Map<number, number>();
  private firstTs: { script: number; live: number } | undefined;
  private lastSynSeq: number | undefined;
  private readonly codeChecks: Array<{ ev: CodeEvent; info: Map<string, number> | undefined }> = [];

  constructor(readonly script: Script, readonly settings: Settings, opts: PacketdrillOptions) {
    const o = script.options;
    this.tolerance = (o.tolerance_usecs ? Number(o.tolerance_usecs.value) : opts.toleranceUsecs ?? 4000) / 1e6;
    this.tolerancePct = o.tolerance_percent ? Number(o.tolerance_percent.value) : 0;
    this.strict = opts.strictSegments === true || o.strict_segments !== undefined;
    this.tsTickUsecs = o.tcp_ts_tick_usecs ? Number(o.tcp_ts_tick_usecs.value) : 0;
    this.boundS = opts.boundSecs ?? 600;
    this.recorder = new TraceRecorder(this.clock, { timers: false, congestion: true, maxEvents: 200_000 });
    const config = { ...settings.config, scaleBytes: settings.rmemMax };
    this.host = new Host({
      name: 'tcpemu', addr: LOCAL, config, clock: this.clock, random: new Random(1).fork('host'), tracer: this.recorder,
      keepClosedSockets: true, checkFields: true,
      transmit: (packet) => {
        const { ip, tcp } = decodePacket(packet, { verifyChecksum: false });
        // The remote end's view: the segment arrives there at once.
        this.recorder.segment('rx', REMOTE_HOST, undefined, LOCAL, REMOTE, tcp);
        this.sent.push({ t: this.clock.now / 1000, seg: { ...tcp, payload: Buffer.from(tcp.payload) }, tos: ip.tos });
      },
    });
    if (settings.fastOpenKey) this.host.setFastOpenKey(settings.fastOpenKey);
    this.sockets = new Sockets(this.host, config, REMOTE, PORT, () => this.clock.now / 1000, settings.fastOpenFlags);
  }

  trace(): TraceEvent[] {
    return [
      { type: 'meta', scenario: this.script.file, seed: 1, version: VERSION, source: '' } satisfies MetaEvent,
      ...this.recorder.events,
    ];
  }

  private get now(): number {
    return this.clock.now / 1000;
  }

  /** Run the model's clock up to `t` (s), stopping early when `until` holds after an event. */
  private advance(t: number, until?: () => boolean): void {
    for (;;) {
      this.checkPending();
      if (until?.()) return;
      const next = this.clock.nextTime();
      if (next === undefined || next > t * 1000) break;
      if (++this.steps > MAX_STEPS) throw new Failure(0, { key: 'pd.r.bound', params: { max: MAX_STEPS, t: this.now.toFixed(6) } });
      this.clock.step();
    }
    // The clock stands at t even when nothing happens by then (runUntil alone leaves it at the last event).
    if (this.clock.now < t * 1000) {
      this.clock.at(t * 1000, noop);
      this.clock.runUntil(t * 1000);
    }
    this.checkPending();
  }

  private checkPending(): void {
    const p = this.pending;
    if (!p || p.done) return;
    const out = p.poll();
    if (out) {
      p.done = true;
      p.outcome = out;
      p.endT = this.now;
    }
  }

  /** The script time of an event: absolute, or from the previous event (packetdrill's adjust_relative_event_times). */
  private times(ev: PdEvent & { time: TimeSpec }): { start: number; end: number; offset: number } {
    const t = ev.time;
    const anchored = ev.type === 'packet' && ev.dir === '<';
    let offset = 0;
    if (t.kind !== 'abs') offset = this.lastAnchored && anchored ? this.lastScriptT : this.now;
    const start = t.kind === 'any' ? this.now : t.start + offset;
    let end = start;
    if (t.window) end = t.window.end + (t.window.kind === 'rel' ? offset : 0);
    return { start, end, offset };
  }

  private toleranceFor(scriptT: number): number {
    return Math.max(this.tolerance, (this.tolerancePct / 100) * (scriptT - this.lastScriptT));
  }

  execute(): void {
    for (const ev of this.script.events) {
      if (ev.type === 'shell' && ev.time === undefined) continue; // settings: read before the run
      const { start, end, offset } = this.times(ev as PdEvent & { time: TimeSpec });
      this.advance(start);
      this.eventScriptT = start;
      if (ev.type === 'packet' && ev.dir === '<') this.inbound(ev);
      else if (ev.type === 'packet') this.outbound(ev, start, end, offset);
      else if (ev.type === 'syscall') this.syscall(ev, start, offset);
      else if (ev.type === 'code') this.codeChecks.push({ ev, info: this.sockets.tcpInfoOfLast() });
      // A timed shell line changes settings the sockets already have: read for UNSUPPORTED, else nothing to do.
      this.lastScriptT = start;
      this.lastAnchored = ev.type === 'packet' && ev.dir === '<';
    }
    this.finishPending();
    this.checkCode();
  }

  /** The blocking call still open when the script ends must return in its time. */
  private finishPending(): void {
    const p = this.pending;
    if (!p) return;
    this.advance(p.endScript + this.toleranceFor(p.endScript) + 1e-9, () => p.done);
    this.verifyPending();
  }

  private verifyPending(): void {
    const p = this.pending!;
    this.pending = undefined;
    if (!p.done) throw new Failure(p.ev.pos.line, { key: 'pd.r.stillBlocked', params: { call: p.ev.name, t: this.now.toFixed(6), end: p.endScript.toFixed(6) } });
    this.checkResult(p.ev, p.outcome!);
    const tol = this.toleranceFor(p.endScript);
    if (Math.abs(p.endT! - p.endScript) > tol + 1e-9) {
      throw new Failure(p.ev.pos.line, { key: 'pd.r.callTiming', params: { end: p.endScript.toFixed(6), t: p.endT!.toFixed(6), tol: tol.toFixed(6) } });
    }
  }

  private syscall(ev: SyscallEvent, start: number, offset: number): void {
    // packetdrill waits (up to 1 s) for a blocking call in progress before it makes the next call.
    if (this.pending) {
      const p = this.pending;
      this.advance(this.now + BLOCKING_WAIT_S, () => p.done);
      if (ev.time.blocking && !p.done) throw new Failure(ev.pos.line, { key: 'pd.r.twoBlocking', params: { call: ev.name } });
      if (p.done) this.verifyPending();
    }
    const call = this.sockets.call(ev);
    if (ev.time.blocking) {
      const endScript = ev.time.blocking.end + (ev.time.blocking.kind === 'rel' ? offset : 0);
      this.pending = { ev, poll: call, done: false, endScript };
      this.checkPending();
      void start;
      return;
    }
    const out = call();
    if (!out) {
      // A call written without ...end must not block (packetdrill's SYSCALL_NON_BLOCKING).
      throw new Failure(ev.pos.line, { key: 'pd.r.noEnd', params: { call: ev.name } });
    }
    this.checkResult(ev, out);
  }

  private checkResult(ev: SyscallEvent, out: CallOutcome): void {
    const expected = ev.result;
    const exp = `${ev.name}(...) = ${expected === undefined ? '...' : expected}${ev.errno ? ` ${ev.errno}` : ''}`;
    const act = `${ev.name}(...) = ${out.result}${out.errno ? ` ${out.errno}` : ''}`;
    if (out.mismatch) throw new Failure(ev.pos.line, out.mismatch, exp, act);
    if (expected !== undefined) {
      const fdCall = ev.name === 'socket' || ev.name === 'accept';
      if (fdCall && expected >= 0 ? out.result < 0 : out.result !== expected) {
        throw new Failure(ev.pos.line, { key: 'pd.r.result', params: { expected, got: out.result, errno: out.errno ? { key: 'pd.r.withErrno', params: { errno: out.errno } } : '' } }, exp, act);
      }
    }
    if (ev.errno !== undefined && ev.errno !== out.errno) {
      throw new Failure(ev.pos.line, { key: 'pd.r.errno', params: { expected: ev.errno, got: out.errno ?? { key: 'pd.r.none' } } }, exp, act);
    }
  }

  // ------------------------------------------------------------------ packets

  private inbound(ev: PacketEvent): void {
    const flags = flagBits(ev.flags);
    const syn = (flags & SYN) !== 0;
    if (syn && !(flags & ACK)) {
      // A new SYN to the listener comes from a fresh port (packetdrill's ephemeral_port); a repeated one from the same.
      if (this.lastSynSeq !== undefined && this.lastSynSeq !== ev.start) this.remotePort++;
      this.lastSynSeq = ev.start;
      this.remoteIsn = ev.start;
    } else if (syn) {
      this.remoteIsn = ev.start;
    }
    // Passive: the peer's ephemeral port to the listener's 8080. Active: from 8080 to the port the stack picked.
    const active = this.sockets.lastWasConnect() ? this.sockets.activeLocalPort() : undefined;
    const srcPort = active !== undefined ? PORT : this.remotePort;
    const dstPort = active ?? PORT;
    if (this.remoteIsn === undefined) this.remoteIsn = 0;
    const seq = syn ? ev.start : seqAdd(this.remoteIsn, ev.start);
    let ack = 0;
    if (ev.ack !== undefined) {
      if (this.localIsn === undefined && (flags & ACK)) throw new Failure(ev.pos.line, { key: 'pd.r.noIsn' });
      ack = seqAdd(this.localIsn ?? 0, ev.ack - this.scriptLocalIsn);
    }
    const options: TcpOption[] = [];
    for (const o of Array.isArray(ev.options) ? ev.options : []) options.push(this.inboundOption(o, ev));
    const seg: TcpSegment = {
      srcPort, dstPort, seq, ack, flags, window: ev.win ?? 0, urgent: 0, options,
      payload: Buffer.alloc(ev.len),
    };
    let packet: Buffer;
    try {
      packet = encodePacket(REMOTE, LOCAL, seg);
    } catch (err) {
      if (!(err instanceof WireError)) throw err;
      throw new Failure(ev.pos.line, { key: 'pd.r.cannotSend', params: { why: { code: err.code, message: err.message.replace(/^at byte \d+: /, ''), key: `wire.${err.code}` } } });
    }
    this.recorder.segment('tx', REMOTE_HOST, undefined, REMOTE, LOCAL, seg);
    this.host.receivePacket(packet);
    this.checkPending();
  }

  private inboundOption(o: PdOption, ev: PacketEvent): TcpOption {
    switch (o.kind) {
      case 'mss': return { kind: 'mss', mss: o.mss };
      case 'sackOK': return { kind: 'sack-permitted' };
      case 'nop': return { kind: 'nop' };
      case 'eol': return { kind: 'eol' };
      case 'wscale': return { kind: 'wscale', shift: o.shift };
      case 'FO': return { kind: 'fastopen', cookie: cookieBytes(o.cookie), experimental: o.experimental };
      case 'sack': return { kind: 'sack', blocks: o.blocks.map(([a, b]) => [seqAdd(this.localIsn ?? 0, a - this.scriptLocalIsn), seqAdd(this.localIsn ?? 0, b - this.scriptLocalIsn)]) };
      case 'TS': {
        let ecr = 0;
        if (o.ecr !== 0 || (this.firstTs !== undefined && this.tsMap.has(0))) {
          const mapped = this.tsMap.get(o.ecr);
          if (mapped !== undefined) ecr = mapped;
          else if (this.firstTs) ecr = (o.ecr - this.firstTs.script + this.firstTs.live) >>> 0;
          else throw new Failure(ev.pos.line, { key: 'pd.r.tsEcr', params: { ecr: o.ecr } });
        }
        return { kind: 'timestamps', tsval: o.val, tsecr: ecr };
      }
      default: throw new Unsupported({ key: 'pd.u.tcpOption', params: { name: o.kind } }, ev.pos.line);
    }
  }

  /** Wait for the stack's next segment: sent already, or sent before `deadline` (s). */
  private nextSent(deadline: number): Sent | undefined {
    if (this.sent.length === 0) this.advance(deadline, () => this.sent.length > 0);
    return this.sent.shift();
  }

  private outbound(ev: PacketEvent, start: number, end: number, offset: number): void {
    const any = ev.time.kind === 'any';
    const deadline = any ? this.now + this.boundS : Math.max(start, end) + SNIFF_GRACE_S;
    const expectText = `${fmtT(start)} ${scriptPacketText(ev)}`;
    const first = this.nextSent(deadline);
    if (!first) {
      const why: Msg = any ? { key: 'pd.r.anyBound', params: { s: this.boundS } } : { key: 'pd.r.timedOut' };
      throw new Failure(ev.pos.line, why, expectText, { key: 'pd.noPacket' });
    }
    const pieces = [first];
    let total = first.seg.payload.length;
    while (total < ev.len && !this.strict) {
      const next = this.nextSent(Math.max(start, end) + SNIFF_GRACE_S);
      if (!next) break;
      const prev = pieces[pieces.length - 1];
      const mismatch = fragmentMismatch(prev.seg, next.seg, ev.len - total);
      if (mismatch) throw new Failure(ev.pos.line, mismatch, expectText, this.liveText(next));
      pieces.push(next);
      total += next.seg.payload.length;
    }
    const live = aggregate(pieces);
    const actualText = this.liveText(live);
    if (total !== ev.len) throw new Failure(ev.pos.line, { key: 'pd.r.payload', params: { expected: ev.len, actual: total } }, expectText, actualText);
    const seg = live.seg;
    // The stack's ISN, learned from its SYN (packetdrill: the script's SYN seq is taken as written).
    if (seg.flags & SYN) {
      this.localIsn = seg.seq;
      this.scriptLocalIsn = ev.start;
    }
    const flags = flagBits(ev.flags);
    const rel = (v: number, isn: number, scriptIsn: number) => (seqAdd(v, -isn) + scriptIsn) >>> 0;
    const liveSeq = rel(seg.seq, this.localIsn ?? 0, this.scriptLocalIsn);
    // packetdrill maps no ACK of an outbound SYN (remote_seq_live_to_script_offset: 0 for a SYN): a SYN-ACK's is as written.
    const liveAck = seg.flags & ACK ? (seg.flags & SYN ? seg.ack >>> 0 : rel(seg.ack, this.remoteIsn ?? 0, 0)) : 0;
    const field = (name: string, e: number, a: number) => {
      if (e !== a) throw new Failure(ev.pos.line, { key: 'pd.r.field', params: { name, expected: e, expectedHex: `0x${e.toString(16)}`, actual: a, actualHex: `0x${a.toString(16)}` } }, expectText, actualText);
    };
    // packetdrill checks the TOS byte only where the script gives it (its TOS_CHECK_TOS).
    const tos = ev.ipInfo === undefined ? undefined : tosOf(ev.ipInfo);
    if (tos !== undefined) field('tos', tos, live.tos);
    field('tcp_fin', flags & FIN ? 1 : 0, seg.flags & FIN ? 1 : 0);
    field('tcp_syn', flags & SYN ? 1 : 0, seg.flags & SYN ? 1 : 0);
    field('tcp_rst', flags & RST ? 1 : 0, seg.flags & RST ? 1 : 0);
    field('tcp_psh', flags & PSH ? 1 : 0, seg.flags & PSH ? 1 : 0);
    field('tcp_ack', flags & ACK ? 1 : 0, seg.flags & ACK ? 1 : 0);
    field('tcp_ece', flags & ECE ? 1 : 0, seg.flags & ECE ? 1 : 0);
    field('tcp_cwr', flags & CWR ? 1 : 0, seg.flags & CWR ? 1 : 0);
    field('tcp_seq', ev.start >>> 0, liveSeq);
    field('tcp_ack_seq', (ev.ack ?? 0) >>> 0, liveAck);
    if (ev.win !== undefined) field('tcp_window', ev.win, seg.window);
    this.checkOptions(ev, seg, expectText, actualText);
    const tol = this.toleranceFor(start);
    if (!any) {
      const lo = start - tol;
      const hi = (ev.time.window ? end : start) + tol;
      if (live.t < lo - 1e-9 || live.t > hi + 1e-9) {
        let why: Msg;
        if (!ev.time.window) why = { key: 'pd.r.timing', params: { start: start.toFixed(6), t: live.t.toFixed(6), tol: tol.toFixed(6) } };
        else if (ev.time.kind === 'abs') why = { key: 'pd.r.timingRange', params: { start: start.toFixed(6), end: end.toFixed(6), t: live.t.toFixed(6) } };
        else why = { key: 'pd.r.timingRel', params: { start: (start - offset).toFixed(6), end: (end - offset).toFixed(6), t: (live.t - offset).toFixed(6) } };
        throw new Failure(ev.pos.line, why, expectText, actualText);
      }
    }
  }

  private checkOptions(ev: PacketEvent, seg: TcpSegment, expectText: string, actualText: string): void {
    if (ev.options === 'any') {
      this.noteTs(seg, undefined);
      return;
    }
    const want = ev.options ?? [];
    const bad = (detail?: Msg) => new Failure(ev.pos.line, detail ?? { key: 'pd.r.badOptions' }, expectText, actualText);
    if (want.length !== seg.options.length) throw bad();
    want.forEach((w, k) => {
      const a = seg.options[k];
      const kindOf: Record<string, string> = { mss: 'mss', sackOK: 'sack-permitted', TS: 'timestamps', nop: 'nop', eol: 'eol', wscale: 'wscale', sack: 'sack', FO: 'fastopen' };
      if (kindOf[w.kind] !== a.kind) throw bad();
      const value = (what: string, e: string, v: string) => {
        if (e !== v) throw bad({ key: 'pd.r.badOption', params: { kind: what, expected: e, actual: v } });
      };
      if (w.kind === 'mss' && a.kind === 'mss') value('mss', `mss ${w.mss}`, `mss ${a.mss}`);
      if (w.kind === 'wscale' && a.kind === 'wscale') value('wscale', `wscale ${w.shift}`, `wscale ${a.shift}`);
      if (w.kind === 'FO' && a.kind === 'fastopen') {
        const name = (exp: boolean | undefined) => (exp ? 'FOEXP' : 'FO');
        value(name(w.experimental), `${name(w.experimental)} ${cookieBytes(w.cookie).toString('hex')}`, `${name(a.experimental)} ${a.cookie.toString('hex')}`);
      }
      if (w.kind === 'sack' && a.kind === 'sack') {
        const isn = this.remoteIsn ?? 0;
        value('sack', `sack ${w.blocks.map(([x, y]) => `${x}:${y}`).join(' ')}`, `sack ${a.blocks.map(([x, y]) => `${seqAdd(x, -isn) >>> 0}:${seqAdd(y, -isn) >>> 0}`).join(' ')}`);
      }
      if (w.kind === 'TS' && a.kind === 'timestamps') {
        this.noteTs(seg, w.val);
        // --tcp_ts_tick_usecs: the TS val, counted from the first one seen, within tolerance (run_packet.c).
        if (this.tsTickUsecs > 0) {
          const asScript = (this.firstTs!.script + (a.tsval - this.firstTs!.live)) >>> 0;
          const tol = Math.max(this.tolerance, (this.tolerancePct / 100) * this.eventScriptT) * 1e6;
          if (Math.abs((asScript - w.val) | 0) * this.tsTickUsecs > tol) throw bad({ key: 'pd.r.tsTolerance', params: { tol: Math.round(tol) } });
        }
      }
    });
  }

  /** An outbound TS val, remembered under the script's name for it (the ecr of later inbound packets). */
  private noteTs(seg: TcpSegment, scriptVal: number | undefined): void {
    const ts = seg.options.find((o) => o.kind === 'timestamps');
    if (!ts || ts.kind !== 'timestamps' || scriptVal === undefined) return;
    this.tsMap.set(scriptVal, ts.tsval);
    this.firstTs ??= { script: scriptVal, live: ts.tsval };
  }

  private liveText(s: Sent): string {
    const seg = s.seg;
    const seq = (seqAdd(seg.seq, -(this.localIsn ?? seg.seq)) + this.scriptLocalIsn) >>> 0;
    const ack = seg.flags & ACK ? ` ack ${seqAdd(seg.ack, -(this.remoteIsn ?? 0)) >>> 0}` : '';
    const opts = seg.options.length ? ` <${seg.options.map((o) => optionText(o, this.remoteIsn ?? 0)).join(',')}>` : '';
    return `${fmtT(s.t)} ${flagText(seg.flags)} ${seg.flags & SYN ? 0 : seq}:${(seg.flags & SYN ? 0 : seq) + seg.payload.length}(${seg.payload.length})${ack} win ${seg.window}${opts}`;
  }

  // ------------------------------------------------------------------ %{ }%

  private checkCode(): void {
    const env = new Map<string, number>(Object.entries(TCPI_CONSTANTS));
    for (const { ev, info } of this.codeChecks) {
      for (const [k, v] of info ?? []) env.set(k, v);
      for (const st of ev.code.statements) {
        try {
          if (st.kind === 'assign') {
            const v = evalPy(st.expr, env);
            env.set(st.name, st.op === '=' ? v : st.op === '+=' ? (env.get(st.name) ?? 0) + v : (env.get(st.name) ?? 0) - v);
          } else if (st.kind === 'assert' && !evalPy(st.expr, env)) {
            const names = [...namesOf(st.expr)].filter((n) => n.startsWith('tcpi_') || env.has(n) && !(n in TCPI_CONSTANTS));
            const actual = names.map((n) => `${n}=${env.get(n)}`).join(', ');
            throw new Failure(st.line, { key: 'pd.r.assert', params: { text: st.text } }, st.text, actual);
          }
        } catch (err) {
          if (err instanceof UnknownName) {
            if (info === undefined) throw new Failure(st.line, { key: 'pd.r.noSocket', params: { name: err.varName } });
            throw new Unsupported({ key: 'pd.u.pyName', params: { name: err.varName } }, st.line);
          }
          throw err;
        }
      }
    }
  }
}

function noop(): void {}

const REMOTE_HOST = { name: 'remote' } as unknown as Host;

function flagBits(flags: string): number {
  let f = 0;
  for (const c of flags) {
    if (c === 'S') f |= SYN;
    else if (c === 'F') f |= FIN;
    else if (c === 'R') f |= RST;
    else if (c === 'P') f |= PSH;
    else if (c === '.') f |= ACK;
    else if (c === 'E') f |= ECE;
    else if (c === 'W') f |= CWR;
    else if (c === 'U') f |= URG;
  }
  return f;
}

function flagText(f: number): string {
  let s = '';
  if (f & SYN) s += 'S';
  if (f & FIN) s += 'F';
  if (f & RST) s += 'R';
  if (f & PSH) s += 'P';
  if (f & ACK) s += '.';
  return s || '-';
}

function optionText(o: TcpOption, isn: number): string {
  switch (o.kind) {
    case 'mss': return `mss ${o.mss}`;
    case 'sack-permitted': return 'sackOK';
    case 'timestamps': return `TS val ${o.tsval} ecr ${o.tsecr}`;
    case 'wscale': return `wscale ${o.shift}`;
    case 'sack': return `sack ${o.blocks.map(([a, b]) => `${seqAdd(a, -isn) >>> 0}:${seqAdd(b, -isn) >>> 0}`).join(' ')}`;
    case 'fastopen': return `${o.experimental ? 'FOEXP' : 'FO'}${o.cookie.length ? ` ${o.cookie.toString('hex')}` : ''}`;
    case 'unknown': return `kind ${o.type}`;
    default: return o.kind;
  }
}

function scriptPacketText(ev: PacketEvent): string {
  const opts = ev.options === 'any' ? ' <...>' : ev.options ? ` <${ev.options.map((o) => o.kind === 'TS' ? `TS val ${o.val} ecr ${o.ecr}` : o.kind === 'mss' ? `mss ${o.mss}` : o.kind === 'wscale' ? `wscale ${o.shift}` : o.kind === 'sack' ? `sack ${o.blocks.map(([a, b]) => `${a}:${b}`).join(' ')}` : o.kind === 'FO' ? `${o.experimental ? 'FOEXP' : 'FO'}${o.cookie ? ` ${o.cookie}` : ''}` : o.kind === 'other' ? o.name : o.kind).join(',')}>` : '';
  return `${ev.flags} ${ev.start}:${ev.end}(${ev.len})${ev.ack !== undefined ? ` ack ${ev.ack}` : ''}${ev.win !== undefined ? ` win ${ev.win}` : ''}${opts}`;
}

/** A Fast Open cookie as written: hex digits, or a -D name (SCRIPT_DEFINES; findUnsupported refuses others). */
function cookieBytes(text: string): Buffer {
  return Buffer.from(SCRIPT_DEFINES[text] ?? text, 'hex');
}

function fmtT(t: number): string {
  return t.toFixed(6);
}

/** Consecutive segments merged into one line must agree (run_packet.c verify_packet_fragments). */
function fragmentMismatch(prev: TcpSegment, next: TcpSegment, remaining: number): Msg | undefined {
  const mask = SYN | RST | ACK | URG | ECE;
  if ((prev.flags & mask) !== (next.flags & mask)) return { key: 'pd.r.fragFlags', params: { expected: flagText(prev.flags), actual: flagText(next.flags) } };
  if (prev.ack !== next.ack) return { key: 'pd.r.fragAck', params: { expected: prev.ack, actual: next.ack } };
  if (seqAdd(prev.seq, prev.payload.length) !== next.seq) return { key: 'pd.r.fragSeq' };
  if (next.payload.length < remaining && next.payload.length !== prev.payload.length) {
    return { key: 'pd.r.fragPayload', params: { expected: prev.payload.length, actual: next.payload.length } };
  }
  return undefined;
}

/** One line's segments as one packet: the last one's header (its flags: PSH as on the last of a GSO packet), the first's seq and CWR (packet.c aggregate_packets). */
function aggregate(pieces: Sent[]): Sent {
  if (pieces.length === 1) return pieces[0];
  const first = pieces[0].seg;
  const last = pieces[pieces.length - 1].seg;
  return {
    t: pieces[0].t,
    tos: pieces[pieces.length - 1].tos,
    seg: { ...last, seq: first.seq, flags: (last.flags & ~CWR) | (first.flags & CWR), options: first.options, payload: Buffer.concat(pieces.map((p) => p.seg.payload)) },
  };
}
