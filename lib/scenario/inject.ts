/**
 * Forged segments (docs/scenario-format.md, "Forged segments"): the link command
 * `inject FROM > TO FLAGS [seq A[:B]] [ack N] [win N] [len N] [abs] [@CONN] [OPTIONS]` puts a segment on
 * the wire that no host's TCP wrote, in the notation of `expect.segments` (its parser, parseSegmentLine,
 * reads the shared part). Numbers are relative to the connection's initial sequence numbers, as in the
 * expectations, or absolute with `abs`; a field left out takes what the real sender would put there now.
 *
 * The segment is traced as the sender's `tx` with `forged: true`, captured for --pcap, and reaches its
 * receiver after the link's delay in that direction, untouched by loss, drops or `link: down` (it is put
 * on the wire next to them, as an attacker on the path would). It takes no random draw and no packet
 * number of the direction, so a scenario's other packets fare exactly as without it.
 */
import type { Host, SimSocket } from '../host/host.ts';
import type { Connection } from '../tcp/connection.ts';
import type { TraceRecorder } from '../trace/recorder.ts';
import { ACK, SYN, type TcpOption, type TcpSegment } from '../wire/tcp-types.ts';
import { encodePacket } from '../wire/tcp.ts';
import { formatAddr, parseAddr } from '../wire/ipv4.ts';
import { parseFlagString } from '../wire/format.ts';
import type { ScenarioError } from './errors.ts';
import { wordedErr } from './source.ts';
import { word, type Msg } from '../i18n/index.ts';
import type { HostPlan, Pos } from './plan.ts';

export interface InjectEnd {
  /** A host of the scenario, or none for an address that is no host's. */
  host?: string;
  addr: number;
  port?: number;
}

export interface InjectPlan {
  from: InjectEnd;
  to: InjectEnd & { host: string };
  flags: number;
  seq?: number;
  ack?: number;
  /** Bytes, as the receiver reads the window (after scaling), as in expect.segments. */
  win?: number;
  len?: number;
  abs: boolean;
  /** The connection the numbers are relative to: FROM's (or TO's, when FROM is no host), by id or name. */
  conn?: string;
  /** Written out: exactly these options (`noopts`: none); else the sender's own (timestamps, when agreed). */
  options?: TcpOption[];
  text: string;
}

export const INJECT_USAGE = word('en', { key: 'inj.usage' });
const USAGE: Msg = { key: 'inj.usage' };

type SegmentLineParser = (
  line: { text: string; pos: (idx: number) => Pos },
  names: readonly string[],
  err: (p: Pos, m: string, h?: string) => ScenarioError,
) => { kind: 'any' } | { kind: 'segment'; from: string; to: string; flags: string; seq?: number; seqEnd?: number; ack?: number; win?: number; len?: number } | undefined;

const uint = (s: string | undefined, max: number) => (s !== undefined && /^[0-9]+$/.test(s) && Number(s) <= max ? Number(s) : undefined);

/**
 * Parses `inject ...` (the whole link command; `text` starts with the word inject). The part the
 * expectations share is read by their own parser; the words only inject has are read here and blanked
 * out first, so that columns stay those of the file.
 */
export function parseInject(text: string, hosts: readonly HostPlan[], parseSegmentLine: SegmentLineParser, posOf: (idx: number) => Pos, err: (p: Pos, m: string, h?: string) => ScenarioError): InjectPlan {
  const names = hosts.map((h) => h.name);
  const start = text.indexOf('inject') + 'inject'.length;
  const chars = [...text.slice(0, start).replace(/\S/g, ' '), ...text.slice(start)];
  const tokens = [...text.slice(start).matchAll(/\S+/g)].map((m) => ({ text: m[0], at: start + m.index! }));
  const blank = (tok: { text: string; at: number }) => {
    for (let i = 0; i < tok.text.length; i++) chars[tok.at + i] = ' ';
  };
  const worded = wordedErr(err);
  const fail = (idx: number, text: Msg, hint: Msg = USAGE): ScenarioError => worded(posOf(idx), text, hint);
  if (tokens.length === 0) throw fail(text.length, { key: 'inj.needsSegment' });

  // FROM > TO, each maybe with :PORT (FROM may be an address that is no host's).
  const m = /^(\s*)([^\s>]+)(\s*>\s*)([^\s>]+)/.exec(text.slice(start));
  if (!m) throw fail(start, { key: 'inj.notSegment', params: { text: text.slice(start).trim() } });
  const fromAt = start + m[1].length;
  const toAt = fromAt + m[2].length + m[3].length;
  const end = (word: string, at: number, isFrom: boolean): InjectEnd & { name: string } => {
    const c = word.lastIndexOf(':');
    const base = c > 0 ? word.slice(0, c) : word;
    let port: number | undefined;
    if (c > 0) {
      port = uint(word.slice(c + 1), 65535);
      if (port === undefined || port === 0) throw fail(at + c + 1, { key: 'inj.notPort', params: { port: word.slice(c + 1) } }, { key: 'inj.h.port' });
      for (let i = c; i < word.length; i++) chars[at + i] = ' ';
    }
    const host = hosts.find((h) => h.name === base) ?? hosts.find((h) => h.addrText === base);
    if (host) return { name: base, host: host.name, addr: host.addr, ...(port === undefined ? {} : { port }) };
    let addr: number | undefined;
    if (/^[0-9.]+$/.test(base)) {
      try {
        addr = parseAddr(base);
      } catch {
        throw fail(at, { key: 'inj.notAddr', params: { addr: base } }, { key: 'inj.h.addr' });
      }
    }
    if (addr === undefined || !isFrom) {
      throw fail(at, { key: 'inj.unknownHost', params: { host: base } }, { key: isFrom ? 'inj.h.from' : 'inj.h.to', params: { names: names.join(', ') } });
    }
    return { name: base, addr, ...(port === undefined ? {} : { port }) };
  };
  const from = end(m[2], fromAt, true);
  const to = end(m[4], toAt, false);
  if (from.host !== undefined && from.host === to.host) throw fail(fromAt, { key: 'inj.itself', params: { host: from.host } }, { key: 'inj.h.itself' });

  // The words only inject has.
  const plan: InjectPlan = { from: strip(from), to: strip(to) as InjectPlan['to'], flags: 0, abs: false, text: text.trim() };
  let options: TcpOption[] | undefined;
  const addOption = (o: TcpOption) => (options ??= []).push(o);
  const rest = tokens.filter((t) => t.at >= toAt + m[4].length);
  for (let i = 1; i < rest.length; i++) {
    const t = rest[i];
    const arg = (n: number, max: number, what: Msg): number => {
      const v = uint(rest[i + n]?.text, max);
      if (v === undefined) throw fail(rest[i + n]?.at ?? text.length, { key: 'inj.needs', params: { word: t.text, what } });
      blank(rest[i + n]);
      return v;
    };
    let used = 0;
    switch (t.text) {
      case 'abs': plan.abs = true; break;
      case 'mss': addOption({ kind: 'mss', mss: arg(1, 65535, { key: 'inj.a.size' }) }); used = 1; break;
      case 'wscale': addOption({ kind: 'wscale', shift: arg(1, 255, { key: 'inj.a.shift' }) }); used = 1; break;
      case 'sackOK': addOption({ kind: 'sack-permitted' }); break;
      case 'nop': addOption({ kind: 'nop' }); break;
      case 'ts': addOption({ kind: 'timestamps', tsval: arg(1, 0xffffffff, { key: 'inj.a.ts' }), tsecr: arg(2, 0xffffffff, { key: 'inj.a.ts' }) }); used = 2; break;
      case 'noopts': options ??= []; break;
      default:
        if (t.text.startsWith('@')) {
          if (!/^@[\p{L}_][\p{L}\p{M}\p{N}_-]*$/u.test(t.text)) throw fail(t.at, { key: 'inj.badConn', params: { conn: t.text } }, { key: 'inj.h.conn' });
          plan.conn = t.text.slice(1);
          break;
        }
        // A field of the segment notation (seq, ack, win, len) and its value: left to its parser.
        i++;
        continue;
    }
    blank(t);
    i += used;
  }
  if (options !== undefined) plan.options = options;

  const names2 = from.host === undefined ? [...names, from.name] : names;
  const line = { text: chars.join(''), pos: posOf };
  const pat = parseSegmentLine(line, names2, err);
  if (!pat || pat.kind !== 'segment') throw fail(start, { key: 'inj.notAny' });
  plan.flags = parseFlagString(pat.flags);
  if (pat.seq !== undefined) plan.seq = pat.seq;
  if (pat.ack !== undefined) plan.ack = pat.ack;
  if (pat.win !== undefined) plan.win = pat.win;
  const fromSeq = pat.seqEnd !== undefined && pat.seq !== undefined ? pat.seqEnd - pat.seq : undefined;
  if (pat.len !== undefined && fromSeq !== undefined && pat.len !== fromSeq) throw fail(start, { key: 'inj.lenDisagrees', params: { seq: `${pat.seq}:${pat.seqEnd}`, n: fromSeq, len: pat.len } }, { key: 'inj.h.lenDisagrees' });
  const len = pat.len ?? fromSeq;
  if (len !== undefined) {
    if (len > 65495) throw fail(start, { key: 'inj.lenTooBig', params: { len } }, { key: 'sc.h.atMost', params: { limit: 65495 } });
    plan.len = len;
  }
  if (plan.win !== undefined && plan.win > 0xffff << 14) throw fail(start, { key: 'inj.winTooBig', params: { win: plan.win } }, { key: 'inj.h.win' });
  return plan;
}

function strip(e: InjectEnd & { name: string }): InjectEnd {
  const out: InjectEnd = { addr: e.addr };
  if (e.host !== undefined) out.host = e.host;
  if (e.port !== undefined) out.port = e.port;
  return out;
}

/** What a forged segment is made from: the scenario's hosts, the clock, the trace, the capture, the wire. */
export interface InjectContext {
  hosts: Map<string, Host>;
  readonly now: number;
  /** A host's socket by connection id or name (World's), if it has one by that name. */
  socket(host: string, name: string): SimSocket | undefined;
  recorder: TraceRecorder;
  /** The link's delay from a host to another (0 from an address that is no host's). */
  delayMs(from: string | undefined, to: string): number;
  at(timeMs: number, fn: () => void): unknown;
  capture?(timeMs: number, packet: Buffer): void;
}

/** The connection whose numbers a forged segment takes: FROM's own (as sender), else TO's (mirrored). */
function findConnection(spec: InjectPlan, ctx: InjectContext): { conn: Connection; id: string; sender: boolean } | undefined {
  const pick = (host: string, remote: InjectEnd, local: InjectEnd, sender: boolean) => {
    if (spec.conn !== undefined) {
      const s = ctx.socket(host, spec.conn);
      return s ? { conn: s.connection, id: s.id, sender } : undefined;
    }
    const all = ctx.hosts.get(host)!.sockets.filter((s) => s.remoteAddr === remote.addr
      && (remote.port === undefined || s.remotePort === remote.port) && (local.port === undefined || s.localPort === local.port));
    // The newest that is still open, else the newest.
    const s = [...all].reverse().find((x) => x.state !== 'CLOSED') ?? all[all.length - 1];
    return s ? { conn: s.connection, id: s.id, sender } : undefined;
  };
  if (spec.from.host !== undefined) {
    const mine = pick(spec.from.host, spec.to, spec.from, true);
    if (mine || spec.conn !== undefined) return mine;
  }
  return pick(spec.to.host, spec.from, spec.to, false);
}

/**
 * Builds the segment as the step's time finds the connection, traces it, captures it and puts it on
 * the wire. Returns why it cannot be built (the step then fails with that), or undefined.
 */
export function inject(spec: InjectPlan, ctx: InjectContext): Msg | undefined {
  const found = findConnection(spec, ctx);
  const now = ctx.now;
  const fromName = spec.from.host ?? formatAddr(spec.from.addr);
  if (!found && spec.conn !== undefined) return { key: 'inj.noConnNamed', params: { host: spec.from.host ?? spec.to.host, conn: spec.conn } };
  if (!found && (spec.from.port === undefined || spec.to.port === undefined)) return { key: 'inj.noConnPorts', params: { from: fromName, to: spec.to.host } };
  let iss = 0;
  let irs = 0;
  let seqNow = 0;
  let ackNow = 0;
  let windowField = 0xffff;
  let scale = 0;
  let ts: { tsval: number; tsecr: number } | undefined;
  let srcPort = spec.from.port ?? 0;
  let dstPort = spec.to.port ?? 0;
  if (found) {
    const c = found.conn;
    const h = c.headerNow(now);
    if (found.sender) {
      ({ iss, irs } = c);
      seqNow = c.sndNxt;
      ackNow = c.rcvNxt;
      windowField = h.window;
      scale = h.scale;
      ts = h.ts;
      srcPort = spec.from.port ?? c.localPort;
      dstPort = spec.to.port ?? c.remotePort;
    } else {
      // The receiver's view, mirrored: what it expects next is what its peer would send now.
      iss = c.irs;
      irs = c.iss;
      seqNow = c.rcvNxt;
      ackNow = c.sndNxt;
      windowField = h.peerWindow;
      scale = h.peerScale;
      if (h.ts) ts = { tsval: h.ts.tsecr, tsecr: h.ts.tsval };
      srcPort = spec.from.port ?? c.remotePort;
      dstPort = spec.to.port ?? c.localPort;
    }
  }
  const rel = !spec.abs && found !== undefined;
  const syn = (spec.flags & SYN) !== 0;
  const seg: TcpSegment = {
    srcPort, dstPort,
    seq: spec.seq === undefined ? seqNow : (rel ? iss + spec.seq : spec.seq) >>> 0,
    ack: spec.ack === undefined ? (spec.flags & ACK ? ackNow : 0) : (rel ? irs + spec.ack : spec.ack) >>> 0,
    flags: spec.flags,
    // RFC 7323 2.2: a SYN's window is never scaled.
    window: spec.win === undefined ? windowField : Math.min(0xffff, syn ? spec.win : spec.win >>> scale),
    urgent: 0,
    options: spec.options ?? (ts && !syn ? [{ kind: 'nop' }, { kind: 'nop' }, { kind: 'timestamps', ...ts }] : []),
    payload: forgedPayload(spec.len ?? 0),
  };
  const src = spec.from.addr;
  const dst = spec.to.addr;
  const packet = encodePacket(src, dst, seg);
  const ev = ctx.recorder.segmentEvent('tx', fromName, found?.sender ? found.id : undefined, src, dst, seg);
  ev.forged = true;
  ctx.recorder.record(ev);
  ctx.capture?.(now, packet);
  const to = ctx.hosts.get(spec.to.host)!;
  ctx.at(now + ctx.delayMs(spec.from.host, spec.to.host), () => to.receivePacket(packet));
  return undefined;
}

/** A forged payload: "forged" over and over, so that it shows in a capture. */
function forgedPayload(n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = 'forged'.charCodeAt(i % 6);
  return b;
}
