import type { Host, HostTracer } from '../host/host.ts';
import type { CongestionSnapshot, TxInfo } from '../tcp/connection.ts';
import { SYN, type TcpSegment } from '../wire/tcp-types.ts';
import { decodePacket } from '../wire/tcp.ts';
import { flagString, optionStrings } from '../wire/format.ts';
import { formatAddr } from '../wire/ipv4.ts';
import { Relativizer } from './relative.ts';
import type { CongestionEvent, SegmentEvent, TcpStateName, TimedEvent, TimerName } from './events.ts';
import { CompactTrace } from './compact.ts';
import { word, type Msg } from '../i18n/index.ts';

/**
 * Writes the trace of docs/trace-format.md as things happen, from the layer that owns each event: hosts call it
 * for segments they send and receive, state changes, application events and timers; the link for
 * drops. Relative sequence numbers are computed once, in order, like tcpdump's.
 */
export class TraceRecorder implements HostTracer, RunRecorder {
  /** The events kept (all of them, unless `keep` says otherwise); empty when they are kept in `store`. */
  readonly events: TimedEvent[] = [];
  /** With TraceRecorderOptions.compact: the events kept, compactly (lib/trace/compact.ts), instead of `events`. */
  readonly store: CompactTrace | undefined;
  /** Payload bytes of every segment sent so far, retransmissions included (the progress bar's figure). */
  dataBytes = 0;
  private readonly rel = new Relativizer();
  /** Window-scale shift announced in each flow's SYN ("addr:port>addr:port"), as Wireshark tracks it. */
  private readonly scale = new Map<string, number>();
  /** Interned texts (see endpoint): each endpoint's "addr:port" and each set of flags' letters. */
  private readonly endpoints = new Map<number, string>();
  private readonly flagTexts = new Map<number, string>();
  /** Timer events are many; they are kept only when asked for. */
  constructor(private readonly clock: { readonly now: number }, private readonly opts: TraceRecorderOptions = {}) {
    if (opts.timers === false) this.timer = undefined;
    if (opts.congestion === false) this.congestion = undefined;
    this.store = opts.compact === true ? new CompactTrace() : undefined;
  }

  /** Adds one event made elsewhere (the scenario runner's expectations): kept and passed on like the recorder's own. */
  record(ev: TimedEvent): void {
    this.push(ev);
  }

  private push(ev: TimedEvent): void {
    if (ev.type === 'segment' && ev.event === 'tx') this.dataBytes += ev.len;
    this.opts.sink?.(ev);
    if (this.opts.keep && !this.opts.keep(ev)) return;
    const store = this.store;
    if (this.opts.maxEvents !== undefined && (store ?? this.events).length >= this.opts.maxEvents) {
      throw new TraceLimitError(this.opts.maxEvents, this.clock.now);
    }
    if (store !== undefined) store.push(ev);
    else this.events.push(ev);
  }

  private get t(): number {
    return round(this.clock.now);
  }

  segmentEvent(event: 'tx' | 'rx' | 'drop', hostName: string, conn: string | undefined, src: number, dst: number, seg: TcpSegment, info?: TxInfo, reason?: string): SegmentEvent {
    const s = this.endpoint(src, seg.srcPort);
    const d = this.endpoint(dst, seg.dstPort);
    let flags = this.flagTexts.get(seg.flags);
    if (flags === undefined) this.flagTexts.set(seg.flags, (flags = flagString(seg.flags)));
    const { rseq, rack } = this.rel.relativize(s, d, seg.flags, seg.seq, seg.ack);
    const fwd = `${s}>${d}`;
    if (seg.flags & SYN) {
      const ws = seg.options.find((o) => o.kind === 'wscale');
      if (ws && ws.kind === 'wscale') this.scale.set(fwd, Math.min(ws.shift, 14));
      else this.scale.delete(fwd);
    }
    // RFC 7323 2.2: scaling applies only when both SYNs carried the option, and never to a SYN's window.
    const shift = !(seg.flags & SYN) && this.scale.has(fwd) && this.scale.has(`${d}>${s}`) ? this.scale.get(fwd)! : 0;
    const ev: SegmentEvent = {
      t: this.t, type: 'segment', event, host: hostName, src: s, dst: d, flags, seq: seg.seq, ack: seg.ack, rseq, rack,
      win: seg.window * 2 ** shift, len: seg.payload.length, options: optionStrings(seg.options),
    };
    if (conn !== undefined) ev.conn = conn;
    if (reason !== undefined) ev.reason = reason;
    if (info?.retransmit) ev.retransmit = true;
    if (info?.why) ev.why = info.why;
    return ev;
  }

  /**
   * "addr:port", one string per endpoint for the whole run: the events of a trace kept in memory share
   * their addresses instead of holding a copy each (issue 29: 434 -> 379 bytes an event of the lossy job kept whole).
   */
  private endpoint(addr: number, port: number): string {
    const key = addr * 65536 + port;
    let text = this.endpoints.get(key);
    if (text === undefined) this.endpoints.set(key, (text = `${formatAddr(addr)}:${port}`));
    return text;
  }

  segment(event: 'tx' | 'rx' | 'drop', host: Host, conn: string | undefined, src: number, dst: number, seg: TcpSegment, info?: TxInfo, reason?: string): void {
    this.push(this.segmentEvent(event, host.name, conn, src, dst, seg, info, reason));
  }

  state(host: Host, conn: string, from: TcpStateName, to: TcpStateName, cause: string): void {
    this.push({ t: this.t, type: 'state', host: host.name, conn, from, to, cause });
  }

  app(host: Host, conn: string, event: string, bytes?: number, error?: string): void {
    const ev: TimedEvent = { t: this.t, type: 'app', host: host.name, conn, event: event as never };
    if (bytes !== undefined) ev.bytes = bytes;
    if (error !== undefined) ev.error = error;
    this.push(ev);
  }

  timer?: (host: Host, conn: string, name: TimerName, event: 'set' | 'fire' | 'cancel', at?: number) => void = (host, conn, name, event, at) => {
    const ev: TimedEvent = { t: this.t, type: 'timer', host: host.name, conn, timer: name, event };
    if (at !== undefined) ev.at = round(at);
    this.push(ev);
  };

  congestion?: (host: Host, conn: string, snap: CongestionSnapshot) => void = (host, conn, snap) => {
    const ev: CongestionEvent = { t: this.t, type: 'cc', host: host.name, conn, cwnd: snap.cwnd, ssthresh: snap.ssthresh, flight: snap.flight, sndWnd: snap.sndWnd, rto: round(snap.rto) };
    if (snap.pipe !== undefined) ev.pipe = snap.pipe;
    if (snap.phase !== undefined) ev.phase = snap.phase;
    if (snap.wMax !== undefined) {
      ev.wMax = snap.wMax;
      ev.k = snap.k;
    }
    if (snap.sacked !== undefined) {
      ev.sacked = snap.sacked;
      ev.lost = snap.lost;
      ev.rtx = snap.rtx;
    }
    this.push(ev);
  };

  /** A packet the receiving host could not decode (a corrupted one, usually): recorded as a drop with its fields as far as they read. */
  undecodable(host: Host, packet: Buffer, reason: string): void {
    this.linkDrop(host.name, packet, reason, true);
  }

  /** A packet the link dropped (`host` is the sender), or one a receiver rejected. */
  linkDrop(hostName: string, packet: Buffer, reason: string, atReceiver = false): void {
    try {
      const { ip, tcp } = decodePacket(packet, { verifyChecksum: false });
      this.push(this.segmentEvent('drop', hostName, undefined, ip.src, ip.dst, tcp, undefined, reason));
    } catch {
      // Too damaged to say which segment it was: still recorded, with what is known.
      this.push({ t: this.t, type: 'segment', event: 'drop', host: hostName, src: '?', dst: '?', flags: 'none', seq: 0, ack: 0, rseq: 0, rack: 0, win: 0, len: packet.length, options: [], reason: atReceiver ? reason : `${reason} (undecodable)` });
    }
  }
}

export interface TraceRecorderOptions {
  /** Record timer events (default true). */
  timers?: boolean;
  /** Record congestion snapshots (default true). */
  congestion?: boolean;
  /** Most events kept: past it, TraceLimitError. Events that `keep` lets go do not count. */
  maxEvents?: number;
  /** Which events to keep in `events` (default all): a run streamed to a file keeps only what its checks read. */
  keep?: (ev: TimedEvent) => boolean;
  /** Called with every event as it is made, kept or not (a trace file written as the run goes). */
  sink?: (ev: TimedEvent) => void;
  /** Keep the events in a CompactTrace (`store`) rather than as objects in `events` (default false). */
  compact?: boolean;
}

/**
 * What a scenario run records into: a TraceRecorder (every event, as objects) or a CountingTracer
 * (lib/trace/counters.ts: counts, and only the few events the expectations read).
 */
export interface RunRecorder extends HostTracer {
  /** The events kept. */
  readonly events: TimedEvent[];
  /** Payload bytes of every segment sent so far, retransmissions included. */
  readonly dataBytes: number;
  /** An event made elsewhere (an expectation checked during the run). */
  record(ev: TimedEvent): void;
  /** A packet the link dropped (`hostName` is the sender). */
  linkDrop(hostName: string, packet: Buffer, reason: string): void;
}

/** The run made more trace events than it may keep (RunOptions.maxEvents): it stops there. */
export class TraceLimitError extends Error {
  override name = 'TraceLimitError';
  /** @internal The message as a catalogue key (issue 26), for the command line to word in the user's language (`.message` is the English). */
  readonly text: Msg;
  constructor(public limit: number, public atMs?: number) {
    const text: Msg = atMs === undefined ? { key: 'trace.limit', params: { limit } } : { key: 'trace.limitAt', params: { limit, at: round(atMs) } };
    super(word('en', text));
    this.text = text;
  }
}

/** Times in the trace are rounded to the microsecond, so that float noise never makes two runs differ. */
export function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
