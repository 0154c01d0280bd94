/**
 * `tcpemu replay CAPTURE.pcap [--as client|server] [--profile linux|rfc]`: is a captured conversation
 * (one captured from the kernel, say) something the model could have done?
 *
 * The connection is the first one opened in the capture: its first SYN without ACK names the client.
 * For each endpoint in turn (or the one asked for) a model Connection (lib/tcp/connection.ts, the one
 * code path every mode drives) is built with what the capture shows of that endpoint: its initial
 * sequence number (its SYN or SYN-ACK), its MSS and which options it offered. The model is fed, at
 * their capture times, the segments the endpoint received, with its timers driven up to each time;
 * its application takes every byte as soon as it arrives. Each segment the endpoint sent is then
 * checked against the model's state at that moment, and applied to it (new bytes are handed to the
 * model's `send`, a FIN is the application's `shutdown`, a RST in a synchronized state its `abort`).
 *
 * The rules for a sent segment. They give the kernel the freedom the RFCs give: an ACK may come later
 * or less often than the model's (delayed and coalesced ACKs), a segment may repeat (retransmission),
 * and on loopback a segment the endpoint sends can be captured after a segment it had not yet
 * processed, so every rule is a bound the model's state can only loosen, never an exact value:
 * - SYN: the client's first segment, or a repetition with the same ISN; the server's SYN-ACK only once
 *   the model has taken the client's SYN (SYN-RECEIVED), acknowledging exactly that SYN.
 * - Every other segment but a RST carries ACK, and its acknowledgment number lies in
 *   [the last one this endpoint sent, the model's RCV.NXT]: it never acknowledges bytes (or a FIN)
 *   the model has not received, and never goes backwards.
 * - Data lies within the stream: it starts no later than the end of what the endpoint sent before
 *   (no gap), new data only while the application may still write (not after its FIN), and it ends
 *   within the window the peer offered (SND.UNA + SND.WND as the model tracks it). A repeated range is
 *   a retransmission and is allowed.
 * - A FIN sits right after the last data byte, and a repeated FIN at the same place.
 * - A segment without data or FIN has a sequence number from SND.UNA - 1 (a keep-alive or Linux's
 *   zero-window probe) to the end of what the endpoint sent.
 * - A RST in a synchronized state has a sequence number in [SND.UNA, the end of what was sent] (the
 *   application aborted, or closed with unread data); outside one, it answers the last segment
 *   received as RFC 9293 3.10.7.1 says (`resetFor`).
 * - An endpoint that never sent a SYN (a closed port) may only answer with `resetFor`.
 * Loopback captures carry unfinished checksums (checksum offload): they are counted and reported,
 * never rejected. Windows the endpoint advertises are its own business and are not checked.
 */
import { readCapture } from '../wire/pcap.ts';
import { decodePacket } from '../wire/tcp.ts';
import { WireError } from '../wire/errors.ts';
import { ACK, FIN, RST, SYN, type TcpSegment } from '../wire/tcp-types.ts';
import { formatAddr } from '../wire/ipv4.ts';
import { seqAdd, seqDiff, seqGt, seqLe, seqLt } from '../wire/seq.ts';
import { Connection, resetFor, synOptionsOf } from '../tcp/connection.ts';
import { MAX_MSS, resolveConfig } from '../tcp/config.ts';
import { TraceRecorder } from '../trace/recorder.ts';
import { formatSegment } from '../scenario/expect.ts';
import type { TcpStateName } from '../trace/events.ts';
import { msg, word, type Lang, type Msg } from '../i18n/index.ts';

export type Role = 'client' | 'server';

export interface ReplayCaptureOptions {
  as?: Role;
  profile?: 'linux' | 'rfc';
}

interface Frame {
  /** 1-based, as Wireshark numbers frames. */
  frame: number;
  /** ms since the first packet of the connection. */
  t: number;
  src: string;
  dst: string;
  seg: TcpSegment;
  /** tcpdump-notation line with relative numbers. */
  line: string;
}

export interface FrameVerdict {
  frame: number;
  t: number;
  line: string;
  dir: 'sent' | 'received';
  ok: boolean;
  why?: string;
  /** `why` as a catalogue message (issue 26): worded in the user's language. */
  whyText?: Msg;
  /** The model's state after the frame. */
  state: TcpStateName;
}

export interface EndpointReplay {
  role: Role;
  addr: string;
  ok: boolean;
  /** The model's state history: the first state, then each state entered. */
  states: TcpStateName[];
  frames: FrameVerdict[];
  firstBad?: FrameVerdict;
  /** Set when the endpoint never opened a connection (a closed port answering with RST). */
  closedPort?: boolean;
}

export interface CaptureReplay {
  source: string;
  client: string;
  server: string;
  /** Packets in the capture, connection's frames, and frames of anything else (ignored). */
  packets: number;
  frames: number;
  ignored: number;
  partialChecksums: number;
  profile: 'linux' | 'rfc';
  endpoints: EndpointReplay[];
  ok: boolean;
  /** The earliest non-conforming frame over all endpoints. */
  firstBad?: FrameVerdict & { role: Role };
}

/** A capture that holds no connection to check: exit 2, like a WireError. */
export class CaptureInputError extends Error {
  override name = 'CaptureInputError';
  /** The message as a catalogue message (issue 26), when it has one. */
  text?: Msg;
}

export function replayCapture(buf: Buffer, source: string, opts: ReplayCaptureOptions = {}): CaptureReplay {
  const cap = readCapture(buf, source);
  const profile = opts.profile ?? 'linux';
  const rec = new TraceRecorder({ now: 0 }, { timers: false, congestion: false });
  let client: string | undefined;
  let server: string | undefined;
  let t0 = 0;
  let partial = 0;
  let ignored = 0;
  const frames: Frame[] = [];
  for (const p of cap.packets) {
    let decoded;
    try {
      decoded = decodePacket(p.ip, { verifyChecksum: 'allow-partial' });
    } catch (err) {
      if (err instanceof WireError && err.code === 'not-tcp') {
        ignored++;
        continue;
      }
      if (err instanceof WireError) {
        throw new WireError(err.code, p.offset, `frame ${p.index + 1}: ${err.message}`, { source, hint: 'the packet record starts at this byte' });
      }
      throw err;
    }
    const { ip, tcp } = decoded;
    if (tcp.checksumPartial) partial++;
    const src = `${formatAddr(ip.src)}:${tcp.srcPort}`;
    const dst = `${formatAddr(ip.dst)}:${tcp.dstPort}`;
    if (client === undefined) {
      if ((tcp.flags & (SYN | ACK)) !== SYN) {
        ignored++;
        continue;
      }
      client = src;
      server = dst;
      t0 = p.timeMs;
    }
    const ours = (src === client && dst === server) || (src === server && dst === client);
    if (!ours) {
      ignored++;
      continue;
    }
    const t = p.timeMs - t0;
    const ev = rec.segmentEvent('tx', src, undefined, ip.src, ip.dst, tcp);
    const name = (ap: string) => (ap === client ? 'client' : ap === server ? 'server' : undefined);
    frames.push({ frame: p.index + 1, t, src, dst, seg: tcp, line: formatSegment(ev, name) });
  }
  if (client === undefined || server === undefined) {
    const text: Msg = { key: 'cap.noOpening', params: { source, n: cap.packets.length } };
    const e = new CaptureInputError(word('en', text));
    e.text = text;
    throw e;
  }
  const roles: Role[] = opts.as ? [opts.as] : ['client', 'server'];
  const endpoints = roles.map((role) => replayEndpoint(role, role === 'client' ? client! : server!, frames, profile));
  let firstBad: CaptureReplay['firstBad'];
  for (const e of endpoints) {
    if (e.firstBad && (!firstBad || e.firstBad.frame < firstBad.frame)) firstBad = { ...e.firstBad, role: e.role };
  }
  return {
    source, client, server, packets: cap.packets.length, frames: frames.length, ignored, partialChecksums: partial, profile,
    endpoints, ok: endpoints.every((e) => e.ok), firstBad,
  };
}

function replayEndpoint(role: Role, me: string, frames: readonly Frame[], profile: 'linux' | 'rfc'): EndpointReplay {
  const out: EndpointReplay = { role, addr: me, ok: true, states: [], frames: [] };
  const mySyn = frames.find((f) => f.src === me && f.seg.flags & SYN);
  if (!mySyn) return replayClosedPort(out, me, frames);
  const o = synOptionsOf(mySyn.seg);
  const shift = Math.min(o.wscale ?? 0, 14);
  const config = resolveConfig({
    profile,
    // Any 16-bit MSS can be on the wire, but the model's settings refuse 0 and anything above what fits an
    // IPv4 packet: 0 is read as no option (Linux ignores it), a larger one as the largest that fits.
    mss: o.mss === undefined || o.mss === 0 ? 536 : Math.min(o.mss, MAX_MSS),
    windowScale: o.wscale !== undefined,
    sack: o.sackPermitted,
    timestamps: o.timestamps !== undefined,
    // The largest window its scale can express: the model then takes whatever the endpoint took.
    rcvbuf: 65535 * 2 ** shift,
    // The application's writes are whatever the capture shows; neither the buffer nor the
    // congestion window nor Nagle may hold back what the endpoint is seen to send (the rules check the peer's window).
    sndbuf: 2 ** 30,
    initialWindow: 1_000_000,
    nagle: false,
    isn: mySyn.seg.seq,
  });
  const states: TcpStateName[] = [];
  const conn = new Connection({
    config, localPort: mySyn.seg.srcPort, remotePort: mySyn.seg.dstPort, iss: mySyn.seg.seq,
    sink: {
      transmit: () => {},
      state: (from, to) => {
        if (states.length === 0) states.push(from);
        states.push(to);
      },
      event: () => {},
    },
  });
  if (role === 'server') {
    conn.listen(0);
    states.push('LISTEN');
  } else {
    states.push('CLOSED');
  }
  const streamStart = seqAdd(conn.iss, 1);
  let appBytes = 0; // bytes handed to the model's application send
  let finSeq: number | undefined;
  let lastAck: number | undefined;
  let highSent = conn.iss; // end of the sequence space the endpoint has sent (exclusive)
  let lastReceived: TcpSegment | undefined;
  let now = 0;

  const runTimers = (t: number) => {
    for (let i = 0; i < 100_000; i++) {
      const d = conn.nextDeadline();
      if (d === undefined || d > t) break;
      now = Math.max(now, d);
      conn.onTimer(d);
    }
    now = Math.max(now, t);
  };

  for (const f of frames) {
    runTimers(f.t);
    if (f.dst === me) {
      lastReceived = f.seg;
      conn.onSegment(f.seg, now);
      // The application reads everything at once, so the model's window never closes on its account.
      conn.read(Infinity, now);
      out.frames.push({ frame: f.frame, t: f.t, line: f.line, dir: 'received', ok: true, state: conn.state });
      continue;
    }
    const why = checkSent(f.seg);
    const v: FrameVerdict = { frame: f.frame, t: f.t, line: f.line, dir: 'sent', ok: why === undefined, state: conn.state };
    if (why !== undefined) {
      v.why = word('en', why);
      v.whyText = why;
      out.ok = false;
      out.firstBad ??= v;
    }
    v.state = conn.state;
    out.frames.push(v);
  }
  out.states = states;
  return out;

  /** Checks a segment the endpoint sent and applies it to the model; returns why it is impossible, if it is. */
  function checkSent(seg: TcpSegment): Msg | undefined {
    const len = seg.payload.length;
    const state = conn.state;
    const end = seqAdd(seg.seq, len);
    if (seg.flags & SYN) {
      if (seg.seq !== conn.iss) return { key: 'cap.secondSyn', params: { isn: seg.seq, iss: conn.iss } };
      if (role === 'client') {
        if (state === 'CLOSED' && !(seg.flags & ACK)) {
          conn.connect(now);
          highSent = seqAdd(conn.iss, 1);
          return undefined;
        }
        if (state === 'SYN-SENT') return undefined; // a retransmitted SYN
        return { key: 'cap.synIn', params: { state } };
      }
      if (state !== 'SYN-RECEIVED') return { key: 'cap.synAckIn', params: { state } };
      if (!(seg.flags & ACK)) return { key: 'cap.synNoAck' };
      if (seg.ack !== conn.rcvNxt) return { key: 'cap.synAckAck', params: { ack: rel(seg.ack), want: rel(conn.rcvNxt) } };
      highSent = seqAdd(conn.iss, 1);
      lastAck = seg.ack;
      return undefined;
    }
    if (seg.flags & RST) {
      if (conn.isSynchronized()) {
        if (seqLt(seg.seq, conn.sndUna) || seqGt(seg.seq, highSent)) return { key: 'cap.rstOutside', params: { seq: rel(seg.seq), una: rel(conn.sndUna), high: rel(highSent) } };
        conn.abort(now);
        return undefined;
      }
      if (lastReceived && resetMatches(seg, resetFor(lastReceived))) return undefined;
      if (state === 'SYN-SENT' && seg.seq === seqAdd(conn.iss, 1)) {
        conn.abort(now);
        return undefined;
      }
      return { key: 'cap.rstAnswersNone', params: { state, seq: lastReceived ? rel(resetFor(lastReceived).seq) : '-' } };
    }
    if (state === 'CLOSED' || state === 'LISTEN' || state === 'SYN-SENT') return { key: 'cap.notSynchronized', params: { state } };
    if (!(seg.flags & ACK)) return { key: 'cap.noAckFlag' };
    if (seqGt(seg.ack, conn.rcvNxt)) return { key: 'cap.ackAhead', params: { ack: rel(seg.ack, true), rcv: rel(conn.rcvNxt, true) } };
    if (lastAck !== undefined && seqLt(seg.ack, lastAck)) return { key: 'cap.ackBack', params: { ack: rel(seg.ack, true), last: rel(lastAck, true) } };
    lastAck = seg.ack;
    const appEnd = seqAdd(streamStart, appBytes);
    if (len > 0) {
      if (seqLt(seg.seq, streamStart)) return { key: 'cap.dataBefore', params: { seq: rel(seg.seq) } };
      if (seqGt(seg.seq, appEnd)) return { key: 'cap.gap', params: { seq: rel(seg.seq), end: rel(appEnd) } };
      if (seqGt(end, appEnd)) {
        if (finSeq !== undefined || conn.finQueued) return { key: 'cap.dataAfterFin', params: { end: rel(end) } };
        if (state !== 'ESTABLISHED' && state !== 'CLOSE-WAIT') return { key: 'cap.dataIn', params: { state } };
        const edge = seqAdd(conn.sndUna, conn.sndWnd);
        const probe = conn.sndWnd === 0 && len === 1 && seg.seq === conn.sndUna;
        if (seqGt(end, edge) && !probe) return { key: 'cap.pastWindow', params: { end: rel(end), una: rel(conn.sndUna), wnd: conn.sndWnd, edge: rel(edge) } };
        const fresh = seg.payload.subarray(seqDiff(appEnd, seg.seq));
        conn.send(fresh, now);
        appBytes += fresh.length;
      }
      if (seqGt(end, highSent)) highSent = end;
    }
    if (seg.flags & FIN) {
      const at = seqAdd(seg.seq, len);
      const dataEnd = seqAdd(streamStart, appBytes);
      if (at !== dataEnd) return { key: 'cap.finAt', params: { at: rel(at), end: rel(dataEnd) } };
      if (finSeq === undefined) {
        if (!['ESTABLISHED', 'CLOSE-WAIT', 'SYN-RECEIVED'].includes(state)) return { key: 'cap.finIn', params: { state } };
        finSeq = at;
        conn.shutdown(now);
        highSent = seqAdd(at, 1);
      }
      return undefined;
    }
    if (len === 0) {
      if (seqLt(seg.seq, seqAdd(conn.sndUna, -1)) || seqGt(seg.seq, highSent)) {
        return { key: 'cap.seqOutside', params: { seq: rel(seg.seq), una1: rel(seqAdd(conn.sndUna, -1)), high: rel(highSent) } };
      }
    }
    return undefined;
  }

  /** A sequence number relative to the endpoint's ISN (or to the peer's, for an acknowledgment). */
  function rel(n: number, peer = false): string {
    return String(seqDiff(n, peer ? conn.irs : conn.iss) >>> 0);
  }
}

function resetMatches(sent: TcpSegment, want: TcpSegment): boolean {
  if (sent.seq !== want.seq) return false;
  if ((want.flags & ACK) && (!(sent.flags & ACK) || sent.ack !== want.ack)) return false;
  return true;
}

/** An endpoint that never sent a SYN: a port nobody listened on; it may only answer with RST (RFC 9293 3.10.7.1). */
function replayClosedPort(out: EndpointReplay, me: string, frames: readonly Frame[]): EndpointReplay {
  out.closedPort = true;
  out.states = ['CLOSED'];
  let last: TcpSegment | undefined;
  for (const f of frames) {
    if (f.dst === me) {
      last = f.seg;
      out.frames.push({ frame: f.frame, t: f.t, line: f.line, dir: 'received', ok: true, state: 'CLOSED' });
      continue;
    }
    let why: Msg | undefined;
    if (!(f.seg.flags & RST)) why = { key: 'cap.closedOnlyRst' };
    else if (!last || !resetMatches(f.seg, resetFor(last))) why = { key: 'cap.rstNoAnswer' };
    const v: FrameVerdict = { frame: f.frame, t: f.t, line: f.line, dir: 'sent', ok: why === undefined, state: 'CLOSED' };
    if (why) {
      v.why = word('en', why);
      v.whyText = why;
      out.ok = false;
      out.firstBad ??= v;
    }
    out.frames.push(v);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Printing and the command

export function renderCaptureReplay(r: CaptureReplay, color: boolean, opts: { frames?: boolean; lang?: Lang } = {}): string {
  const c = (s: string, code: number) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
  // Each line from the catalogues (issue 26): English as before, or the user's language.
  const lang = opts.lang ?? 'en';
  const say = (key: Parameters<typeof msg>[1], params?: Parameters<typeof msg>[2]) => msg(lang, key, params);
  const why = (f: { why?: string; whyText?: Msg }) => (f.whyText ? word(lang, f.whyText) : f.why ?? '');
  const role = (x: Role) => say(x === 'client' ? 'cap.theClient' : 'cap.theServer');
  const out: string[] = [];
  out.push(c(`tcpemu replay · ${r.source}`, 1));
  out.push(say('cap.connection', { client: r.client, server: r.server, frames: r.frames, packets: r.packets, ignored: r.ignored ? say('cap.ignored', { n: r.ignored }) : '', profile: r.profile }));
  if (r.partialChecksums > 0) out.push(say('cap.partial', { n: r.partialChecksums }));
  for (const e of r.endpoints) {
    out.push('');
    const verdict = e.ok ? c(say('cap.conforming'), 32) : c(say('cap.notConforming'), 31);
    const sent = e.frames.filter((f) => f.dir === 'sent').length;
    out.push(c(say('cap.as', { role: say(e.role === 'client' ? 'cap.client' : 'cap.server'), addr: e.addr, verdict }), 1) + say('cap.counts', { sent, received: e.frames.length - sent }));
    out.push(say('cap.states', { states: e.closedPort ? say('cap.closedPort') : e.states.join(' ') }));
    if (opts.frames !== false) {
      for (const f of e.frames) {
        const mark = f.dir === 'received' ? ' ' : f.ok ? c('✔', 32) : c('✘', 31);
        const dir = say(f.dir === 'sent' ? 'cap.dir.sent' : 'cap.dir.received');
        // The column is as wide in every language: a Chinese word takes two columns.
        const pad = 8 - [...dir].reduce((w, ch) => w + (/[\u3000-\u9fff\uff00-\uffef]/.test(ch) ? 2 : 1), 0);
        out.push(`  ${mark} #${String(f.frame).padEnd(4)} ${f.t.toFixed(3).padStart(9)} ms  ${dir}${' '.repeat(Math.max(0, pad))}  ${f.line.padEnd(58)} ${f.state}`);
        if (f.why) out.push(`      ${c(why(f), 31)}`);
      }
    }
  }
  out.push('');
  if (r.ok) out.push(c(say('cap.verdict.ok'), 32) + say('cap.allConform', { roles: r.endpoints.map((e) => role(e.role)).join(say('cap.and')) }));
  else {
    const b = r.firstBad!;
    out.push(c(say('cap.verdict.bad'), 31) + say('cap.firstBad', { frame: b.frame, t: b.t.toFixed(3), role: role(b.role), line: b.line }));
    out.push(say('cap.why', { why: why(b) }));
  }
  return out.join('\n') + '\n';
}
