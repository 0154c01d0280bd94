import {
  ACK, FIN, NO_OPTIONS, OPTION_NOP as NOP, OPTION_SACK_PERMITTED as SACK_PERMITTED, PSH, RST, SYN, timestampsOption, type TcpOption, type TcpSegment,
} from '../wire/tcp-types.ts';
import { seqAdd, seqDiff, seqGe, seqGt, seqInRange, seqLe, seqLt, seqMax, seqMin } from '../wire/seq.ts';
import type { TcpStateName, TimerName } from '../trace/events.ts';
import type { TcpConfig } from './config.ts';
import { SendBuffer, type SendData } from './send-buffer.ts';
import { RecvBuffer } from './recv-buffer.ts';
import { RttEstimator } from './rtt.ts';
import { makeCongestion } from './cc/registry.ts';
import type { AckSample, CongestionControl, LossRecovery, SackBlock } from './cc/types.ts';
import { InvariantChecker, invariantChecksByDefault, type TcbView } from './invariants.ts';

/**
 * One TCP connection: the TCB and RFC 9293 section 3.10's event processing, sans-IO.
 * Every entry point takes `now` (ms); nothing here reads a clock, starts a timer or touches a socket.
 * Outputs (segments, state changes, application events, timer changes) go to the sink as they happen;
 * the owner asks `nextDeadline()` when to call `onTimer(now)` next.
 */

export type TcpState = TcpStateName;

export interface TxInfo {
  /** The segment repeats sequence space sent before. */
  retransmit: boolean;
  /** Which rule or timer made it, when not the plain output path: rto, fast-retransmit, persist, delack, challenge-ack, keepalive, window-update. */
  why?: string;
}

export type ConnEvent =
  /** The three-way handshake completed (passive: this side was listening). */
  | { kind: 'established'; passive: boolean }
  /** New in-order bytes are waiting in the receive buffer. */
  | { kind: 'readable' }
  /** The peer's FIN was processed: no more bytes will arrive after those in the buffer. */
  | { kind: 'fin' }
  /** Send-buffer space was freed by an acknowledgment. */
  | { kind: 'writable' }
  /** The connection failed: a Node error code (ECONNREFUSED, ECONNRESET, ETIMEDOUT). */
  | { kind: 'error'; code: string }
  /** The connection reached CLOSED and is gone. */
  | { kind: 'closed' };

export interface CongestionSnapshot {
  cwnd: number;
  ssthresh: number;
  flight: number;
  sndWnd: number;
  rto: number;
  /** RFC 6675's pipe when the recovery module counts it apart from `flight` (SACKed or lost bytes); else absent. */
  pipe?: number;
}

export interface ConnectionSink {
  transmit(seg: TcpSegment, info: TxInfo, now: number): void;
  state(from: TcpState, to: TcpState, cause: string, now: number): void;
  event(ev: ConnEvent, now: number): void;
  timer?(name: TimerName, event: 'set' | 'fire' | 'cancel', at: number | undefined, now: number): void;
  congestion?(snap: CongestionSnapshot, now: number): void;
}

export interface ConnectionParams {
  config: TcpConfig;
  localPort: number;
  remotePort: number;
  /** Initial send sequence number (RFC 9293 3.4.1), chosen by the host. */
  iss: number;
  /** Added to the clock for the timestamps option, so that TSval does not reveal uptime (RFC 7323 5.4). */
  tsOffset?: number;
  sink: ConnectionSink;
  /**
   * The sink is done with each segment when `transmit` returns and keeps nothing of it (a host encodes it
   * at once): the ordinary segments are then built in one object shared by every connection, not made
   * anew each time. Default false: a sink may keep what it is given.
   */
  segmentsUsedAtOnce?: boolean;
  /**
   * Check the connection's invariants after every input and on every segment it sends, throwing
   * InvariantError with its history when one breaks (lib/tcp/invariants.ts). Default: on when
   * TCPEMU_INVARIANTS=1 (npm test) or setInvariantChecks(true), else off.
   */
  checkInvariants?: boolean;
}

/** Thrown for a user call that the state does not allow (RFC 9293 3.10's "error: connection closing" etc.). */
export class ConnectionError extends Error {
  override name = 'ConnectionError';
  constructor(public code: string, message: string) {
    super(message);
  }
}

const TIMER_NAMES: readonly TimerName[] = ['rto', 'persist', 'delack', 'timewait', 'keepalive', 'recovery'];
// Connection.bits.
const APP_CLOSED = 1;
const FIN_RECEIVED = 2;
const PASSIVE = 4;
const SYN_ACKED = 8;
const WS_AGREED = 16;
const REUSE_SEGMENTS = 32;
const CHECKED = 64;
/** The invariant checkers of the connections that have one (CHECKED): no field in every connection. */
const CHECKERS = new WeakMap<Connection, InvariantChecker>();
// The events that carry nothing but their kind, made once (one is sent for nearly every segment).
const ESTABLISHED_ACTIVE: ConnEvent = Object.freeze({ kind: 'established', passive: false });
const ESTABLISHED_PASSIVE: ConnEvent = Object.freeze({ kind: 'established', passive: true });
const READABLE: ConnEvent = Object.freeze({ kind: 'readable' });
const WRITABLE: ConnEvent = Object.freeze({ kind: 'writable' });
const FIN_EVENT: ConnEvent = Object.freeze({ kind: 'fin' });
const CLOSED_EVENT: ConnEvent = Object.freeze({ kind: 'closed' });

/** The TSecr of a segment's timestamps option, if it has one. */
function echoedTimestamp(seg: TcpSegment): number | undefined {
  return timestampsOption(seg.options)?.tsecr;
}

/** The SACK blocks of a segment (RFC 2018 3), or NO_SACK_BLOCKS. */
function sackBlocksOf(seg: TcpSegment): readonly SackBlock[] {
  const opts = seg.options;
  for (let i = 0; i < opts.length; i++) {
    const o = opts[i];
    if (o.kind === 'sack') return o.blocks;
  }
  return NO_SACK_BLOCKS;
}
const NO_SACK_BLOCKS: readonly SackBlock[] = Object.freeze([]);
/** The one AckSample the connections fill for their recovery module (Connection.ackSample); valid during a call. */
const ACK_SAMPLE: AckSample = {
  ack: 0, bytesAcked: 0, duplicate: false, sackBlocks: NO_SACK_BLOCKS, sackOk: false, flightBefore: 0, flightAfter: 0,
  sndUna: 0, sndNxt: 0, sndMax: 0, cwndLimited: false, rttMs: undefined, srttMs: undefined, now: 0,
};

/** The earlier of two deadlines, undefined standing for "never". */
function earlier(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined || a <= b ? a : b;
}
/**
 * The segment makeSegment and sendSyn fill for connections whose sink uses each at once (see
 * segmentsUsedAtOnce), and its one timestamps option: only one such segment is in use at a time.
 */
const SHARED_TIMESTAMPS = { kind: 'timestamps' as const, tsval: 0, tsecr: 0 };
const SHARED_TS_OPTIONS: TcpOption[] = [NOP, NOP, SHARED_TIMESTAMPS];
/** Header prediction on (see onSegmentSynchronized); off only to show that it changes nothing. */
let headerPrediction = true;

/** @internal For the differential test: every segment through the full 3.10.7.4 path when false. */
export function setHeaderPrediction(on: boolean): void {
  headerPrediction = on;
}

const SHARED_SEGMENT: TcpSegment = { srcPort: 0, dstPort: 0, seq: 0, ack: 0, flags: 0, window: 0, urgent: 0, options: NO_OPTIONS, payload: Buffer.alloc(0) };
/**
 * The SYN's options by (timestamps ? 4 : 0) | (SACK ? 2 : 0) | (window scale ? 1 : 0), in Linux's order:
 * MSS, SACK-permitted, timestamps, NOP, window scale, NOPs padding what is left out. A shared segment
 * takes these objects with their values filled in; any other a copy (sendSyn).
 */
const SYN_MSS = { kind: 'mss' as const, mss: 0 };
const SYN_WSCALE = { kind: 'wscale' as const, shift: 0 };
const SYN_LAYOUTS: TcpOption[][] = [
  [SYN_MSS],
  [SYN_MSS, NOP, SYN_WSCALE],
  [SYN_MSS, NOP, NOP, SACK_PERMITTED],
  [SYN_MSS, NOP, NOP, SACK_PERMITTED, NOP, SYN_WSCALE],
  [SYN_MSS, NOP, NOP, SHARED_TIMESTAMPS],
  [SYN_MSS, NOP, NOP, SHARED_TIMESTAMPS, NOP, SYN_WSCALE],
  [SYN_MSS, SACK_PERMITTED, SHARED_TIMESTAMPS],
  [SYN_MSS, SACK_PERMITTED, SHARED_TIMESTAMPS, NOP, SYN_WSCALE],
];
/** How an ordinary segment was sent: one object for all of them. */
const PLAIN: TxInfo = Object.freeze({ retransmit: false, why: undefined });
const SYN_AGAIN: TxInfo = Object.freeze({ retransmit: true, why: 'rto' });
/** A SYN-ACK sent again because the peer repeated its SYN (our first was lost), not because a timer ran out. */
const SYN_ACK_FOR_DUP_SYN: TxInfo = Object.freeze({ retransmit: true, why: 'dup-syn' });
const EMPTY = Buffer.alloc(0);
/** Every connection's send buffer until its first write; empty, so nothing ever changes it (consume(0) at most). */
const IDLE_SEND = new SendBuffer();
/** RFC 9293 3.7.1: the MSS to assume when the peer sends none. */
const DEFAULT_PEER_MSS = 536;
/** RFC 5961 7: challenge ACKs sent per second, at most. */
const CHALLENGE_ACKS_PER_SECOND = 10;

export class Connection {
  state: TcpState = 'CLOSED';
  readonly config: TcpConfig;
  readonly localPort: number;
  readonly remotePort: number;
  private readonly sink: ConnectionSink;

  // Send sequence space (RFC 9293 3.3.1). sndMax is the highest sequence number sent, for go-back-N after a timeout.
  readonly iss: number;
  sndUna: number;
  sndNxt: number;
  sndMax: number;
  sndWnd = 0;
  private sndWl1 = 0;
  private sndWl2 = 0;
  /** Largest window the peer has offered (RFC 9293 3.8.6.2.1 sender SWS avoidance; RFC 5961 5.2). */
  private maxSndWnd = 0;
  /** Sequence number of the send buffer's first byte. */
  private bufSeq: number;

  // Receive sequence space.
  irs = 0;
  /** Right edge of the window we last advertised (RCV.NXT + RCV.WND at that time). */
  private rcvAdvEdge = 0;

  // Negotiated options.
  private sndScale = 0;
  private rcvScale = 0;
  private tsOk = false;
  private tsRecent = 0;
  private readonly tsOffset: number;
  private sackOk = false;
  /** A duplicate segment's range to report in the next ACK's D-SACK block (RFC 2883 4; TcpConfig.dsack). */
  private dsackBlock: [number, number] | undefined;
  /** Effective send MSS: payload bytes per full segment. */
  effMss: number;

  /** The shared empty IDLE_SEND until the application first writes (an idle connection holds none). */
  private sendBuf: SendBuffer = IDLE_SEND;
  private recvBuf: RecvBuffer | undefined;
  readonly rtt: RttEstimator;
  /** Congestion control (cwnd, ssthresh) and loss recovery, the modules TcpConfig names (lib/tcp/cc). */
  readonly cc: CongestionControl;
  readonly recovery: LossRecovery;

  /** The application asked for FIN (shutdown or close). */
  finQueued = false;
  /** appClosed, finReceived, passive, synAcked and wsAgreed as bits of one field (APP_CLOSED, ... below). */
  private bits = 0;

  /** The application will not read any more (close, as opposed to shutdown). */
  get appClosed(): boolean {
    return (this.bits & APP_CLOSED) !== 0;
  }

  set appClosed(v: boolean) {
    this.setBit(APP_CLOSED, v);
  }
  /** The peer's FIN was processed. */
  get finReceived(): boolean {
    return (this.bits & FIN_RECEIVED) !== 0;
  }

  set finReceived(v: boolean) {
    this.setBit(FIN_RECEIVED, v);
  }
  /** Sequence number of the peer's FIN when it arrived ahead of missing data. */
  private peerFinSeq: number | undefined;
  private get passive(): boolean {
    return (this.bits & PASSIVE) !== 0;
  }

  private set passive(v: boolean) {
    this.setBit(PASSIVE, v);
  }
  /** Our SYN has been acknowledged. */
  private get synAcked(): boolean {
    return (this.bits & SYN_ACKED) !== 0;
  }

  private set synAcked(v: boolean) {
    this.setBit(SYN_ACKED, v);
  }

  /** Both sides sent the window scale option (RFC 7323 2.2). */
  private get wsAgreed(): boolean {
    return (this.bits & WS_AGREED) !== 0;
  }

  private set wsAgreed(v: boolean) {
    this.setBit(WS_AGREED, v);
  }

  private setBit(bit: number, on: boolean): void {
    this.bits = on ? this.bits | bit : this.bits & ~bit;
  }

  // The five timers' deadlines (ms), undefined when not running: fields, not a record, so that a named
  // access folds to a field load and an idle connection holds no extra object.
  private rtoAt: number | undefined = undefined;
  private persistAt: number | undefined = undefined;
  /** The loss recovery module's own timer (RACK's reordering timer, TLP's PTO: LossRecovery.timerAt). */
  private recoveryAt: number | undefined = undefined;
  private delackAt: number | undefined = undefined;
  private timewaitAt: number | undefined = undefined;
  private keepaliveAt: number | undefined = undefined;
  /** Consecutive retransmission timeouts (RFC 9293 3.8.3, R2). */
  private retries = 0;
  private persistBackoff = 0;
  private keepaliveProbes = 0;
  // RTT timing of one segment at a time (RFC 6298 3, Karn).
  private rttSeq: number | undefined;
  private rttStartMs = 0;
  private ackNow = false;
  /** Bytes received in order and not yet acknowledged, for "ACK every second full-sized segment" (RFC 5681 4.2). */
  private unackedBytes = 0;
  private maxInFlight = 0;
  private maxInFlightSeq: number | undefined = undefined;
  /** Linux's quick-ACK mode (linux profile): data segments still to be acknowledged at once; undefined before the first. */
  private quickAcks: number | undefined = undefined;
  /** Challenge ACKs sent in the current second of the clock (`start`: now / 1000, floored; RFC 5961 7); made on the first one. */
  private challenge: { start: number; count: number } | undefined = undefined;
  private lastCc: CongestionSnapshot | undefined;
  /** Error code given to the application, if the connection failed. */
  error: string | undefined;

  constructor(p: ConnectionParams) {
    this.config = p.config;
    this.localPort = p.localPort;
    this.remotePort = p.remotePort;
    this.sink = p.sink;
    this.iss = p.iss >>> 0;
    this.sndUna = this.iss;
    this.sndNxt = this.iss;
    this.sndMax = this.iss;
    this.bufSeq = seqAdd(this.iss, 1);
    this.tsOffset = p.tsOffset ?? 0;
    this.effMss = Math.min(this.config.mss, DEFAULT_PEER_MSS);
    this.rtt = new RttEstimator(this.config);
    const congestion = makeCongestion(this.config.congestionControl, this.config.lossRecovery, {
      mss: this.effMss, initialWindow: this.config.initialWindow, iss: this.iss, profile: this.config.profile,
      prr: this.config.prr, undo: this.config.undo,
    });
    this.cc = congestion.cc;
    this.recovery = congestion.recovery;
    if (p.segmentsUsedAtOnce) this.bits |= REUSE_SEGMENTS;
    if (p.checkInvariants ?? invariantChecksByDefault()) {
      this.bits |= CHECKED;
      CHECKERS.set(this, new InvariantChecker());
    }
  }

  /** Run an application call with the invariant checks: noted in the history, the TCB checked after it. */
  private checked<T>(now: number, what: string, count: number, run: () => T): T {
    const inv = CHECKERS.get(this)!;
    inv.input(now, what, count);
    const out = run();
    inv.check(now, this.tcbView(inv));
    return out;
  }

  /** The TCB as the invariant checker reads it, written into the checker's one view object. */
  private tcbView(inv: InvariantChecker): TcbView {
    const v = inv.view;
    v.state = this.state;
    v.iss = this.iss;
    v.sndUna = this.sndUna;
    v.sndNxt = this.sndNxt;
    v.sndMax = this.sndMax;
    v.sndWnd = this.sndWnd;
    v.bufSeq = this.bufSeq;
    v.sendLength = this.sendBuf.length;
    v.finQueued = this.finQueued;
    v.rcvNxt = this.rcvNxt;
    v.receiving = this.recvBuf !== undefined;
    v.unread = this.readable;
    v.rcvbuf = this.config.rcvbuf;
    v.rcvScale = this.rcvScale;
    return v;
  }

  // ---------------------------------------------------------------- user calls (RFC 9293 3.10.1 - 3.10.6)

  /** Active OPEN (3.10.1): send a SYN and enter SYN-SENT. */
  connect(now: number): void {
    if (this.bits & CHECKED) return this.checked(now, 'app connect', -1, () => this.doConnect(now));
    this.doConnect(now);
  }

  private doConnect(now: number): void {
    if (this.state !== 'CLOSED') throw new ConnectionError('EISCONN', `connect in ${this.state}`);
    this.rcvScale = this.config.windowScale ? scaleFor(this.config.scaleBytes ?? this.config.rcvbuf) : 0;
    this.setState('SYN-SENT', 'app connect', now);
    this.sendSyn(now, false, PLAIN);
  }

  /**
   * Passive OPEN (3.10.1): the host creates a connection for each SYN that reaches a listening port.
   * It is born in LISTEN (no CLOSED -> LISTEN event: docs/trace-format.md starts a passive history at LISTEN).
   */
  listen(_now: number): void {
    if (this.state !== 'CLOSED') throw new ConnectionError('EISCONN', `listen in ${this.state}`);
    this.passive = true;
    this.state = 'LISTEN';
  }

  /**
   * Take no RTT sample from the SYN-ACK now in flight: a SYN cookie's SYN-ACK was sent by the host from
   * no state, at a time nobody kept (RFC 4987 3.6; Linux measures nothing from it either, save timestamps).
   */
  forgetSynTiming(): void {
    this.rttSeq = undefined;
  }

  /** Free space in the send buffer (bytes). */
  get sendSpace(): number {
    return Math.max(0, this.config.sndbuf - this.sendBuf.length);
  }

  /** Bytes written by the application and not yet acknowledged. */
  get sendQueued(): number {
    return this.sendBuf.length;
  }

  /**
   * SEND (3.10.2): queue what fits in the send buffer of data[start..]; returns the number of bytes taken.
   * A caller that hands over the rest of the same Buffer later (from where this call stopped) adds no chunk.
   */
  send(data: SendData, now: number, start = 0): number {
    if (this.bits & CHECKED) return this.checked(now, 'app send', data.length - start, () => this.doSend(data, now, start));
    return this.doSend(data, now, start);
  }

  private doSend(data: SendData, now: number, start: number): number {
    switch (this.state) {
      case 'CLOSED':
      case 'LISTEN':
        throw new ConnectionError('ENOTCONN', `send in ${this.state}`);
      case 'FIN-WAIT-1': case 'FIN-WAIT-2': case 'CLOSING': case 'LAST-ACK': case 'TIME-WAIT':
        throw new ConnectionError('EPIPE', 'connection closing: this side already sent or queued its FIN');
    }
    if (this.finQueued) throw new ConnectionError('EPIPE', 'connection closing: this side already queued its FIN');
    const n = Math.min(data.length - start, this.sendSpace);
    if (n <= 0) return 0;
    if (this.sendBuf === IDLE_SEND) this.sendBuf = new SendBuffer();
    this.sendBuf.pushRange(data, start, start + n);
    if (this.isSynchronized()) this.output(now);
    return n;
  }

  /** In-order bytes waiting for the application. */
  get readable(): number {
    return this.recvBuf?.unread ?? 0;
  }

  /** End of stream: the peer's FIN arrived and every byte before it has been read. */
  get eof(): boolean {
    return this.finReceived && this.readable === 0;
  }

  /** RECEIVE (3.10.3): take up to `max` bytes; the freed space may reopen the window (3.8.6.2.2). */
  read(max: number, now: number): Buffer {
    if (this.bits & CHECKED) return this.checked(now, 'app read', max, () => this.doRead(max, now));
    return this.doRead(max, now);
  }

  private doRead(max: number, now: number): Buffer {
    if (!this.recvBuf) return EMPTY;
    const out = this.recvBuf.read(max);
    this.afterRead(out.length, now);
    return out;
  }

  /** Like read, but copied into the start of the application's `target` (Node's `onread`); returns how many bytes. */
  readInto(target: Uint8Array, max: number, now: number): number {
    if (this.bits & CHECKED) return this.checked(now, 'app read', max, () => this.doReadInto(target, max, now));
    return this.doReadInto(target, max, now);
  }

  private doReadInto(target: Uint8Array, max: number, now: number): number {
    if (!this.recvBuf) return 0;
    const n = this.recvBuf.readInto(target, max);
    this.afterRead(n, now);
    return n;
  }

  /** After a read of `n` bytes: the freed space may reopen the window (3.8.6.2.2), until the peer's FIN. */
  private afterRead(n: number, now: number): void {
    if (n > 0 && this.isSynchronized() && !this.finReceived) this.maybeWindowUpdate(now);
  }

  /**
   * Half-close (Node's `end()`): send FIN once the queued data is sent, keep receiving (3.10.4 CLOSE,
   * which in RFC 9293 closes only the sending direction).
   */
  shutdown(now: number): void {
    if (this.bits & CHECKED) return this.checked(now, 'app shutdown', -1, () => this.closeSending(now, 'app shutdown'));
    this.closeSending(now, 'app shutdown');
  }

  /**
   * Full close (Node's `destroy()` after `end()`): FIN as for shutdown, and the application reads no
   * more. Unread data makes it an abort, as Linux and BSD do (RFC 2525 2.17; RFC 1122 4.2.2.13).
   */
  close(now: number): void {
    if (this.bits & CHECKED) return this.checked(now, 'app close', -1, () => this.doClose(now));
    this.doClose(now);
  }

  private doClose(now: number): void {
    if (this.readable > 0 && this.isSynchronized()) {
      this.abort(now);
      return;
    }
    this.appClosed = true;
    if (this.state === 'LISTEN' || this.state === 'SYN-SENT') {
      this.enterClosed('app close', now);
      return;
    }
    if (this.finQueued || this.state === 'CLOSED') return;
    this.closeSending(now, 'app close');
  }

  /**
   * The application will read no more, though its FIN must still wait (Node's destroy() while written data
   * waits for room in the send buffer): data that arrives from now on cannot be delivered, and is answered
   * with RST as after a close (RFC 1122 4.2.2.13), instead of closing the window on a peer for ever.
   */
  stopReading(): void {
    this.appClosed = true;
  }

  private closeSending(now: number, cause: string): void {
    switch (this.state) {
      case 'CLOSED':
        throw new ConnectionError('ENOTCONN', 'connection does not exist');
      case 'LISTEN':
      case 'SYN-SENT':
        this.enterClosed(cause, now);
        return;
      case 'SYN-RECEIVED':
        this.finQueued = true;
        // 3.10.4: with nothing queued, send the FIN now and enter FIN-WAIT-1; else queue it until ESTABLISHED.
        if (this.sendBuf.length === 0) {
          this.setState('FIN-WAIT-1', cause, now);
          this.output(now);
        }
        return;
      case 'ESTABLISHED':
        this.finQueued = true;
        this.setState('FIN-WAIT-1', cause, now);
        this.output(now);
        return;
      case 'CLOSE-WAIT':
        this.finQueued = true;
        this.setState('LAST-ACK', cause, now);
        this.output(now);
        return;
      default:
        if (this.finQueued) return; // a second shutdown is harmless, as in Node
        throw new ConnectionError('EPIPE', 'connection closing');
    }
  }

  /** ABORT (3.10.5): RST to the peer where it knows us, then CLOSED. */
  abort(now: number): void {
    if (this.bits & CHECKED) return this.checked(now, 'app abort', -1, () => this.doAbort(now));
    this.doAbort(now);
  }

  private doAbort(now: number): void {
    switch (this.state) {
      case 'SYN-RECEIVED': case 'ESTABLISHED': case 'FIN-WAIT-1': case 'FIN-WAIT-2': case 'CLOSE-WAIT': {
        // Linux also sets ACK (tcp_send_active_reset), as `tcpemu real` shows.
        const rst = this.ownReset(this.config.profile === 'linux');
        // Linux's active reset carries the timestamps option when it was agreed (tcp_send_active_reset). RFC 7323
        // 3.2 asks for it on every segment but a RST; the rfc profile sends none there.
        if (this.config.profile === 'linux' && this.tsOk) rst.options = [NOP, NOP, this.tsOption(now, this.tsRecent)];
        this.emit(rst, { retransmit: false, why: 'abort' }, now);
        break;
      }
    }
    this.appClosed = true;
    if (this.state !== 'CLOSED') this.enterClosed('app abort', now);
  }

  // ---------------------------------------------------------------- timers (3.10.8)

  /** The earliest time at which `onTimer` has work to do. */
  nextDeadline(): number | undefined {
    return earlier(earlier(earlier(this.rtoAt, this.persistAt), earlier(this.delackAt, this.timewaitAt)), earlier(this.keepaliveAt, this.recoveryAt));
  }

  /** Run every timer due at `now`. A spurious call does nothing. */
  onTimer(now: number): void {
    if (this.bits & CHECKED) {
      const inv = CHECKERS.get(this)!;
      inv.input(now, 'timers due');
      this.runTimers(now);
      inv.check(now, this.tcbView(inv));
      return;
    }
    this.runTimers(now);
  }

  private runTimers(now: number): void {
    for (const name of TIMER_NAMES) {
      const at = this.timerAt(name);
      if (at === undefined || at > now) continue;
      this.setTimerAt(name, undefined);
      this.sink.timer?.(name, 'fire', undefined, now);
      if (this.state === 'CLOSED') return;
      switch (name) {
        case 'rto': this.onRetransmissionTimeout(now); break;
        case 'persist': this.onPersistTimeout(now); break;
        case 'delack': this.ackNow = true; this.output(now, 'delack'); break;
        case 'timewait': this.enterClosed('timewait timeout', now); break;
        case 'keepalive': this.onKeepaliveTimeout(now); break;
        case 'recovery': this.onRecoveryTimer(now); break;
      }
      if ((this.state as TcpState) === 'CLOSED') return;
    }
  }

  private setTimer(name: TimerName, at: number, now: number): void {
    this.setTimerAt(name, at);
    this.sink.timer?.(name, 'set', at, now);
  }

  /** When timer `name` is due, or undefined when it is not running. */
  private timerAt(name: TimerName): number | undefined {
    switch (name) {
      case 'rto': return this.rtoAt;
      case 'persist': return this.persistAt;
      case 'delack': return this.delackAt;
      case 'timewait': return this.timewaitAt;
      case 'keepalive': return this.keepaliveAt;
      case 'recovery': return this.recoveryAt;
    }
  }

  private setTimerAt(name: TimerName, at: number | undefined): void {
    switch (name) {
      case 'rto': this.rtoAt = at; break;
      case 'persist': this.persistAt = at; break;
      case 'delack': this.delackAt = at; break;
      case 'timewait': this.timewaitAt = at; break;
      case 'keepalive': this.keepaliveAt = at; break;
      case 'recovery': this.recoveryAt = at; break;
    }
  }

  private cancelTimer(name: TimerName, now: number): void {
    if (this.timerAt(name) === undefined) return;
    this.setTimerAt(name, undefined);
    this.sink.timer?.(name, 'cancel', undefined, now);
  }

  private onRetransmissionTimeout(now: number): void {
    this.retries++;
    // An unacknowledged SYN goes again whatever the state: an application that closes in SYN-RECEIVED is in
    // FIN-WAIT-1 at once (3.10.4), its FIN queued behind the SYN, and the data path has nothing before the FIN.
    if (this.state === 'SYN-SENT' || this.state === 'SYN-RECEIVED' || this.sndUna === this.iss) {
      if (this.retries > this.config.synRetries) {
        this.fail('ETIMEDOUT', 'SYN retransmission limit', now);
        return;
      }
      this.rtt.onTimeout();
      this.rttSeq = undefined;
      this.sendSyn(now, this.state !== 'SYN-SENT', SYN_AGAIN);
      return;
    }
    if (this.retries > this.config.maxRetries) {
      // RFC 9293 3.8.3 R2: give up and tell the application.
      this.fail('ETIMEDOUT', 'retransmission limit', now);
      return;
    }
    // RFC 6298 5.4-5.6 and RFC 5681 3.1: back off, collapse cwnd, go back to SND.UNA.
    this.cc.onRto(this.flight, now);
    this.recovery.onRto(this.sndMax, now);
    this.rtt.onTimeout();
    this.rttSeq = undefined; // Karn: no sample from retransmitted data
    this.sndNxt = this.sndUna;
    const sent = this.output(now, 'rto', 1);
    if (sent === 0 && !this.persistAt && this.unsentBytes() > 0) this.armPersist(now);
    if (this.flight > 0 && this.rtoAt === undefined) this.setTimer('rto', now + this.rtt.rtoMs, now);
    this.reportCongestion(now);
  }

  /**
   * The persist timer. With a zero window: a probe of one byte past the window, backing off (RFC 9293 3.8.6.1).
   * With a window too small for SWS avoidance and nothing in flight: the "override timeout" of 3.8.6.2.1,
   * which sends what the window allows.
   */
  private onPersistTimeout(now: number): void {
    if (this.unsentBytes() === 0) {
      this.persistBackoff = 0;
      return;
    }
    if (this.sndWnd > 0) {
      this.persistBackoff = 0;
      this.output(now, 'persist', 1, false, true);
      return;
    }
    if (this.config.profile === 'linux') {
      // Linux probes with no data: an ACK one below SND.UNA (tcp_write_wakeup's tcp_xmit_probe_skb), old enough
      // that the peer must answer it with an ACK carrying its window (RFC 9293 3.10.7.4), and nothing to retransmit.
      this.emit(this.makeSegment(seqAdd(this.sndUna, -1), ACK, EMPTY, now), { retransmit: false, why: 'persist' }, now);
      this.persistBackoff++;
      this.armPersist(now);
      return;
    }
    const offset = seqDiff(this.sndNxt, this.bufSeq);
    const byte = this.sendBuf.peek(offset, 1);
    const seg = this.makeSegment(this.sndNxt, ACK | (offset + 1 === this.sendBuf.length ? PSH : 0), byte, now);
    this.sndMax = seqMax(this.sndMax, seqAdd(this.sndNxt, 1));
    this.emit(seg, { retransmit: this.persistBackoff > 0, why: 'persist' }, now);
    this.recovery.onTransmit(this.sndNxt, 1, this.persistBackoff > 0, now);
    this.persistBackoff++;
    this.armPersist(now);
  }

  /** The recovery module's timer, where it wants it now (RFC 8985 6.3, 7.2); nothing for a module without one. */
  private armRecoveryTimer(now: number, restart = true): void {
    if (!this.recovery.timerAt) return;
    const at = this.recovery.timerAt(now, this.rtoAt, this.rtt.srttMs, restart, this.sackOk);
    if (at === undefined) this.cancelTimer('recovery', now);
    else if (at !== this.recoveryAt) this.setTimer('recovery', at, now);
  }

  /**
   * The recovery module's timer fired: RACK found losses (send them again), or the tail loss probe is due
   * (RFC 8985 7.3: one new segment, outside cwnd, if the peer's window allows; else the last segment again;
   * then the RTO restarts).
   */
  private onRecoveryTimer(now: number): void {
    const what = this.recovery.onTimer?.(now, this.rtt.srttMs) ?? 'none';
    if (what === 'retransmit') {
      this.sendRetransmissions(now);
    } else if (what === 'probe') {
      let isRetrans = false;
      let sent = this.unsentBytes() > 0 ? this.output(now, 'tlp', 1, true) : 0;
      const r = sent === 0 ? this.recovery.probeSegment?.() : undefined;
      if (r) {
        const saved = this.sndNxt;
        this.sndNxt = r.seq;
        sent = this.output(now, r.why, 1, true, false, r.len);
        this.sndNxt = seqMax(saved, this.sndNxt);
        isRetrans = true;
      }
      if (sent > 0) {
        this.recovery.onProbeSent?.(isRetrans);
        this.setTimer('rto', now + this.rtt.rtoMs, now);
      }
    }
    this.armRecoveryTimer(now);
    this.reportCongestion(now);
  }

  private armPersist(now: number): void {
    const base = Math.max(this.rtt.rtoMs, this.config.persistMinMs);
    const interval = Math.min(this.config.persistMaxMs, base * 2 ** Math.min(this.persistBackoff, 16));
    this.setTimer('persist', now + interval, now);
  }

  private onKeepaliveTimeout(now: number): void {
    // RFC 9293 3.8.4: keep-alives only when no sent data is outstanding (and none waits to be sent, as
    // Linux's tcp_keepalive_timer checks): then the retransmission or persist timer watches the peer, and
    // the keep-alive waits another idle time.
    if (this.flight > 0 || this.unsentBytes() > 0 || (this.finQueued && !this.finAcked())) {
      this.armKeepalive(now);
      return;
    }
    if (this.keepaliveProbes >= this.config.keepaliveProbes) {
      this.fail('ETIMEDOUT', 'keep-alive probes unanswered', now);
      return;
    }
    this.keepaliveProbes++;
    // RFC 9293 3.8.4: a probe with SEG.SEQ = SND.NXT - 1 and no data elicits an ACK.
    this.emit(this.makeSegment(seqAdd(this.sndUna, -1), ACK, EMPTY, now), { retransmit: true, why: 'keepalive' }, now);
    this.setTimer('keepalive', now + this.config.keepaliveIntervalMs, now);
  }

  private armKeepalive(now: number): void {
    if (this.config.keepaliveMs <= 0 || !this.isSynchronized()) return;
    this.keepaliveProbes = 0;
    this.setTimer('keepalive', now + this.config.keepaliveMs, now);
  }

  // ---------------------------------------------------------------- SEGMENT ARRIVES (3.10.7)

  onSegment(seg: TcpSegment, now: number): void {
    if (this.bits & CHECKED) {
      const inv = CHECKERS.get(this)!;
      inv.segmentIn(now, seg);
      this.arrive(seg, now);
      inv.check(now, this.tcbView(inv));
      return;
    }
    this.arrive(seg, now);
  }

  private arrive(seg: TcpSegment, now: number): void {
    switch (this.state) {
      case 'CLOSED': return; // the host answers segments for closed connections (3.10.7.1)
      case 'LISTEN': this.onSegmentListen(seg, now); return;
      case 'SYN-SENT': this.onSegmentSynSent(seg, now); return;
      default: this.onSegmentSynchronized(seg, now);
    }
  }

  /** 3.10.7.2: LISTEN. */
  private onSegmentListen(seg: TcpSegment, now: number): void {
    if (seg.flags & RST) return;
    if (seg.flags & ACK) {
      this.emit(resetFor(seg), { retransmit: false, why: 'reset' }, now);
      return;
    }
    if (!(seg.flags & SYN)) return;
    this.irs = seg.seq;
    this.recvBuf = new RecvBuffer(seqAdd(seg.seq, 1));
    this.takeSynOptions(seg);
    this.setState('SYN-RECEIVED', 'rcv SYN', now);
    this.sendSyn(now, true, PLAIN);
  }

  /** 3.10.7.3: SYN-SENT. */
  private onSegmentSynSent(seg: TcpSegment, now: number): void {
    const hasAck = (seg.flags & ACK) !== 0;
    if (hasAck && (seqLe(seg.ack, this.iss) || seqGt(seg.ack, this.sndMax))) {
      if (!(seg.flags & RST)) this.emit(resetFor(seg), { retransmit: false, why: 'reset' }, now);
      return;
    }
    if (seg.flags & RST) {
      // RFC 5961 3.2 leaves SYN-SENT to the ACK check above: an acceptable ACK makes the RST valid.
      if (hasAck) this.fail('ECONNREFUSED', 'rcv RST', now);
      return;
    }
    if (!(seg.flags & SYN)) return;
    this.irs = seg.seq;
    this.recvBuf = new RecvBuffer(seqAdd(seg.seq, 1));
    // Our SYN offered its window before RCV.NXT was known; now it is, that offer has a right edge
    // (RFC 7323 2.2: a SYN's window is never scaled).
    this.rcvAdvEdge = seqAdd(this.recvBuf.rcvNxt, synWindow(this.config.rcvbuf));
    this.takeSynOptions(seg);
    if (hasAck) {
      this.onAckOfSyn(seg, now);
      this.setState('ESTABLISHED', 'rcv SYN-ACK', now);
      // The ACK completing the handshake leaves before the application hears of it (as connect() returns on Linux).
      this.ackNow = true;
      this.output(now);
      this.sink.event(ESTABLISHED_ACTIVE, now);
      if (this.state === 'ESTABLISHED') this.afterEstablished(now);
      return;
    }
    // Simultaneous open (3.5, figure 8): answer with SYN,ACK from the same ISS.
    this.setState('SYN-RECEIVED', 'rcv SYN', now);
    this.sendSyn(now, true, PLAIN);
  }

  private onAckOfSyn(seg: TcpSegment, now: number): void {
    this.synAcked = true;
    this.sndUna = seg.ack;
    if (seqLt(this.sndNxt, this.sndUna)) this.sndNxt = this.sndUna;
    // RFC 7323 2.2: the window of a SYN segment is never scaled.
    this.sndWnd = seg.window;
    this.maxSndWnd = this.sndWnd;
    this.sndWl1 = seg.seq;
    this.sndWl2 = seg.ack;
    if (this.rttSeq !== undefined && seqGe(seg.ack, this.rttSeq)) this.rtt.sample(now - this.rttStartMs);
    this.rttSeq = undefined;
    this.retries = 0;
    this.cancelTimer('rto', now);
  }

  private afterEstablished(now: number): void {
    this.armKeepalive(now);
    if (this.finQueued && this.state === 'ESTABLISHED') this.setState('FIN-WAIT-1', this.appClosed ? 'app close' : 'app shutdown', now);
    this.output(now);
  }

  /** 3.10.7.4: every other state. */
  private onSegmentSynchronized(seg: TcpSegment, now: number): void {
    const rb = this.recvBuf!;
    let flags = seg.flags;
    let seq = seg.seq;
    let payload = seg.payload;
    const rcvWnd = Math.max(0, seqDiff(this.rcvAdvEdge, rb.rcvNxt));
    // Header prediction (Van Jacobson's, as in BSD's tcp_input and Linux's fast path): most of a bulk
    // transfer is the next data in sequence, inside the window, acknowledging nothing new and leaving the
    // send window as it was, on an established connection (whose application still reads: see stopReading)
    // with nothing out of order. For it every step
    // below comes to what onPredictedData does, in the same order.
    if (
      (flags & (SYN | FIN | RST | ACK)) === ACK && seq === rb.rcvNxt && this.state === 'ESTABLISHED' && headerPrediction
      && payload.length > 0 && payload.length <= rcvWnd && seg.ack === this.sndUna && seg.window << this.sndScale === this.sndWnd
      && !rb.hasGaps && this.peerFinSeq === undefined && (this.bits & (SYN_ACKED | APP_CLOSED)) === SYN_ACKED
    ) {
      this.onPredictedData(seg, rb, now);
      return;
    }
    const segLen = payload.length + (flags & SYN ? 1 : 0) + (flags & FIN ? 1 : 0);

    // First, check the sequence number.
    if (!acceptable(seq, segLen, rb.rcvNxt, rcvWnd) && !this.acceptableAtEdge(seq, segLen, flags, rb.rcvNxt, rcvWnd)) {
      if (flags & RST) return;
      if (this.state === 'SYN-RECEIVED' && flags & SYN && !(flags & ACK) && seq === this.irs) {
        // Our SYN-ACK was lost and the peer repeats its SYN: repeat the SYN-ACK.
        this.sendSyn(now, true, SYN_ACK_FOR_DUP_SYN);
        return;
      }
      if (this.state === 'SYN-RECEIVED' && (flags & (SYN | ACK)) === (SYN | ACK) && seq === this.irs && seqGt(seg.ack, this.sndUna) && seqLe(seg.ack, this.sndMax)) {
        // Simultaneous open: the peer's SYN,ACK acknowledges our SYN (3.5 figure 8, line 5). Linux accepts it likewise.
        this.onAckOfSyn(seg, now);
        this.enterEstablishedFromSynReceived(now, 'rcv SYN-ACK');
        return;
      }
      // RFC 5961 4.2: a SYN earns a challenge ACK "irrespective of the sequence number", so rate-limited
      // like every other (Linux: tcp_validate_incoming's syn_challenge), not one ACK per forged SYN.
      if (flags & SYN) {
        this.challengeAck(now);
        return;
      }
      if (this.state === 'TIME-WAIT' && flags & FIN && seqAdd(seq, segLen) === rb.rcvNxt) {
        // A retransmitted FIN: acknowledge it and restart the 2 MSL timer (3.10.7.4, eighth).
        this.setTimer('timewait', now + 2 * this.config.mslMs, now);
      }
      // RFC 2883 4: a duplicate of data already received is reported in a D-SACK block.
      if (payload.length > 0 && seqLe(seqAdd(seq, payload.length), rb.rcvNxt)) this.noteDuplicate(seq, seqAdd(seq, payload.length));
      this.ackNow = true;
      this.output(now);
      return;
    }
    this.onAnySegment(now);

    // RFC 1122 4.2.2.13: new data for an application that has closed (not merely shut down) cannot be
    // delivered; a RST says it was lost, and the connection ends (Linux's tcp_rcv_state_process: reset in
    // FIN-WAIT-1 and FIN-WAIT-2 after a close; ESTABLISHED here when the FIN waits behind writes, see
    // stopReading). ACKing it instead would close the window for ever.
    if (this.appClosed && payload.length > 0 && (this.state === 'ESTABLISHED' || this.state === 'FIN-WAIT-1' || this.state === 'FIN-WAIT-2')
      && seqGt(seqAdd(seq, payload.length), rb.rcvNxt) && !(flags & RST)) {
      this.resetOnDataAfterClose(seg, now);
      return;
    }

    // Trim to the window: drop what is before RCV.NXT and what is past the right edge.
    if (seqLt(seq, rb.rcvNxt)) {
      if (payload.length > 0) this.noteDuplicate(seq, seqMin(seqAdd(seq, payload.length), rb.rcvNxt));
      let skip = seqDiff(rb.rcvNxt, seq);
      if (flags & SYN) { flags &= ~SYN; skip--; seq = seqAdd(seq, 1); }
      const n = Math.min(skip, payload.length);
      payload = payload.subarray(n);
      seq = seqAdd(seq, n);
      if (skip > n && flags & FIN) flags &= ~FIN; // the FIN itself is a duplicate
    }
    const rightEdge = seqAdd(rb.rcvNxt, rcvWnd);
    if (seqGt(seqAdd(seq, payload.length), rightEdge)) {
      payload = payload.subarray(0, Math.max(0, seqDiff(rightEdge, seq)));
      flags &= ~FIN;
    }
    // Text or a FIN that trimming left nothing of (a segment taken at the edge, see acceptableAtEdge: all
    // of it old, or all past the window) is answered at once, as an unacceptable one is.
    if (segLen > 0 && payload.length === 0 && !(flags & (SYN | FIN | RST))) this.ackNow = true;

    if (this.tsOk) this.takeTimestamp(seg, seq, rb.rcvNxt);

    // Second, the RST bit (RFC 5961 3.2: only an exact match resets; in-window earns a challenge ACK).
    if (flags & RST) {
      if (seg.seq !== rb.rcvNxt) {
        this.challengeAck(now);
        return;
      }
      this.onReset(now);
      return;
    }

    // Fourth, the SYN bit (RFC 5961 4.2): a SYN in a synchronized state earns a challenge ACK.
    if (flags & SYN) {
      this.challengeAck(now);
      return;
    }

    // Fifth, the ACK field.
    if (!(flags & ACK)) return;
    if (!this.synAcked) {
      // SYN-RECEIVED, or FIN-WAIT-1 entered from it by a CLOSE (3.10.4): this ACK must cover our SYN.
      if (seqGt(seg.ack, this.sndUna) && seqLe(seg.ack, this.sndMax)) {
        const closing = this.state === 'FIN-WAIT-1';
        this.onAckOfSyn(seg, now);
        this.sndWnd = seg.window << this.sndScale;
        this.maxSndWnd = this.sndWnd;
        if (!closing) {
          this.enterEstablishedFromSynReceived(now, 'rcv ACK of SYN');
          if ((this.state as TcpState) !== 'ESTABLISHED' && (this.state as TcpState) !== 'FIN-WAIT-1') return;
        } else {
          this.sink.event(this.passive ? ESTABLISHED_PASSIVE : ESTABLISHED_ACTIVE, now);
          if (this.flight > 0) this.setTimer('rto', now + this.rtt.rtoMs, now);
          if (this.finAcked()) this.setState('FIN-WAIT-2', 'rcv ACK of FIN', now);
        }
      } else {
        this.emit(resetFor(seg), { retransmit: false, why: 'reset' }, now);
        return;
      }
    } else if (!this.onAck(seg, payload.length, flags, now)) {
      return;
    }
    if (this.state === 'CLOSED') return;

    // Seventh, the segment text.
    let advanced = 0;
    if (payload.length > 0 && (this.state === 'ESTABLISHED' || this.state === 'FIN-WAIT-1' || this.state === 'FIN-WAIT-2')) {
      advanced = this.takeText(rb, seq, payload, now);
    }

    // Eighth, the FIN bit.
    if (flags & FIN) {
      const finSeq = seqAdd(seq, payload.length);
      if (finSeq === rb.rcvNxt) this.onFin(now);
      else if (this.peerFinSeq === undefined) {
        this.peerFinSeq = finSeq;
        this.ackNow = true;
      }
    } else if (advanced > 0 && this.peerFinSeq !== undefined && this.peerFinSeq === rb.rcvNxt) {
      this.onFin(now);
    }
    if ((this.state as TcpState) !== 'CLOSED') this.output(now);
  }

  /**
   * The segment header prediction picked out (see onSegmentSynchronized): acceptable and inside the
   * window, so nothing is trimmed; no RST, no SYN, no FIN; its ACK acknowledges nothing new and is not a
   * duplicate (it carries data); the window it offers is the one we have.
   */
  private onPredictedData(seg: TcpSegment, rb: RecvBuffer, now: number): void {
    this.onAnySegment(now);
    if (this.tsOk) this.takeTimestamp(seg, seg.seq, rb.rcvNxt);
    // Fifth, the ACK field: the send window is the same, but the segment is the latest to have set it.
    if (this.updatesWindow(seg)) {
      this.sndWl1 = seg.seq;
      this.sndWl2 = seg.ack;
    }
    // Seventh, the segment text. Eighth: no FIN, and none arrived out of order before.
    this.takeText(rb, seg.seq, seg.payload, now);
    if (this.state !== 'CLOSED') this.output(now);
  }

  /**
   * Segments 3.10.7.4's four cases refuse but whose ACK is still taken. A bare ACK whose SEQ is exactly the
   * right edge (the peer has sent the whole window, and what it sent was lost): refusing it would lose the
   * ACK number, and 3.10.7.4 asks for "special allowance ... to accept valid ACKs". Linux's tcp_sequence
   * goes further (the linux profile follows it): any segment starting at or before the right edge and
   * ending at or after RCV.NXT is taken, its text past the window trimmed away.
   */
  private acceptableAtEdge(seq: number, segLen: number, flags: number, rcvNxt: number, rcvWnd: number): boolean {
    // A SYN stays with the four cases: refused, it is answered by the rules for a repeated SYN (the SYN-ACK
    // again in SYN-RECEIVED) or with a challenge ACK (RFC 5961 4.2), which trimming it away would skip.
    if (flags & SYN) return false;
    const edge = seqAdd(rcvNxt, rcvWnd);
    if (this.config.profile === 'linux') return seqLe(seq, edge) && seqGe(seqAdd(seq, segLen), rcvNxt);
    return segLen === 0 && seq === edge && !(flags & RST);
  }

  /** The segment text (3.10.7.4, seventh): into the receive buffer; returns by how much RCV.NXT advanced. */
  private takeText(rb: RecvBuffer, seq: number, payload: Buffer, now: number): number {
    const hadGaps = rb.hasGaps;
    const advanced = rb.insert(seq, payload);
    if (advanced > 0) {
      this.unackedBytes += advanced;
      // RFC 5681 4.2: ACK at least every second full-sized segment; RFC 9293 3.8.6.3 delays the rest.
      if (!this.config.delayedAck || this.unackedBytes >= 2 * this.effMss || hadGaps || this.quickAck()) this.ackNow = true;
      else if (this.delackAt === undefined) this.setTimer('delack', now + this.config.delayedAckMs, now);
      this.sink.event(READABLE, now);
    } else {
      // RFC 5681 4.2 / 3.2: an out-of-order segment is acknowledged at once (a duplicate ACK).
      this.ackNow = true;
    }
    return advanced;
  }

  /**
   * Linux's quick-ACK mode (tcp_incr_quickack): the first data of a connection is acknowledged segment by
   * segment, up to half the receive window in segments and at most 16, so that the peer's slow start is
   * not held back by delayed ACKs. RFC 9293 3.8.6.3 allows an ACK at once; the rfc profile delays.
   */
  private quickAck(): boolean {
    if (this.config.profile !== 'linux') return false;
    this.quickAcks ??= Math.min(16, Math.max(2, Math.floor(this.config.rcvbuf / (2 * this.effMss))));
    if (this.quickAcks === 0) return false;
    this.quickAcks--;
    return true;
  }

  private enterEstablishedFromSynReceived(now: number, cause: string): void {
    this.setState('ESTABLISHED', cause, now);
    if (!this.passive) {
      this.ackNow = true;
      this.output(now);
    }
    this.sink.event(this.passive ? ESTABLISHED_PASSIVE : ESTABLISHED_ACTIVE, now);
    if (this.state === 'ESTABLISHED') this.afterEstablished(now);
  }

  /** The ACK field in a synchronized state (3.10.7.4, fifth). Returns false when the segment is to be dropped. */
  private onAck(seg: TcpSegment, textLen: number, flags: number, now: number): boolean {
    const ack = seg.ack;
    // RFC 5961 5.2: an ACK of data never sent, or older than the largest window, earns a challenge ACK.
    if (seqGt(ack, this.sndMax) || seqLt(ack, seqAdd(this.sndUna, -Math.max(this.maxSndWnd, 1)))) {
      this.challengeAck(now);
      return false;
    }
    const wnd = seg.window << this.sndScale;
    let freed = false;
    if (seqGt(ack, this.sndUna)) {
      freed = this.onNewlyAcked(seg, now, this.tsOk ? echoedTimestamp(seg) : undefined);
    } else {
      // RFC 5681 2: a duplicate ACK; the recovery module sees the others too (their SACK blocks may matter).
      const duplicate = ack === this.sndUna && textLen === 0 && !(flags & (SYN | FIN)) && wnd === this.sndWnd && this.flight > 0;
      this.onOldAck(seg, duplicate, now);
    }
    if (this.updatesWindow(seg)) {
      const opened = this.sndWnd === 0 && wnd > 0;
      this.sndWnd = wnd;
      if (wnd > this.maxSndWnd) this.maxSndWnd = wnd;
      this.sndWl1 = seg.seq;
      this.sndWl2 = ack;
      if (opened) {
        this.cancelTimer('persist', now);
        this.persistBackoff = 0;
      }
    }
    // Only now, with SND.UNA and the window both taken from this ACK (3.10.7.4), may the application's
    // waiting write use the space the ACK freed: before, it would send into the old window (3.8.6).
    if (freed) this.sink.event(WRITABLE, now);

    switch (this.state) {
      case 'FIN-WAIT-1':
        if (this.finAcked()) this.setState('FIN-WAIT-2', 'rcv ACK of FIN', now);
        break;
      // CLOSING and LAST-ACK take nothing past the ACK step (3.10.7.4), but data queued before our FIN may
      // still be waiting for the window this ACK opened.
      case 'CLOSING':
        if (this.finAcked()) this.enterTimeWait('rcv ACK of FIN', now);
        else this.output(now);
        return false;
      case 'LAST-ACK':
        if (this.finAcked()) this.enterClosed('rcv ACK of FIN', now);
        else this.output(now);
        return false;
      case 'TIME-WAIT':
        return true;
    }
    return true;
  }

  /** RFC 9293 3.10.7.4, fifth: the send window is taken only from a segment no older than the last that set it. */
  private updatesWindow(seg: TcpSegment): boolean {
    return seqLt(this.sndWl1, seg.seq) || (this.sndWl1 === seg.seq && seqLe(this.sndWl2, seg.ack));
  }

  /**
   * `tsecr`: the TSval our peer echoed in this ACK (timestamps in use), for an RTT sample (RFC 7323 4).
   * Returns whether send-buffer space was freed; the caller tells the application once the ACK's window is taken.
   */
  private onNewlyAcked(seg: TcpSegment, now: number, tsecr?: number): boolean {
    const ack = seg.ack;
    const acked = seqDiff(ack, this.sndUna);
    const flightBefore = this.flight;
    // Sequence space acknowledged: data bytes, plus our FIN if covered.
    const dataAcked = Math.max(0, Math.min(this.sendBuf.length, seqDiff(ack, this.bufSeq)));
    if (dataAcked > 0) {
      this.sendBuf.consume(dataAcked);
      this.bufSeq = seqAdd(this.bufSeq, dataAcked);
    }
    this.sndUna = ack;
    if (seqLt(this.sndNxt, ack)) this.sndNxt = ack; // a zero-window probe byte was taken
    this.retries = 0;
    this.persistBackoff = 0;
    // RFC 7323 4 (RTTM): with timestamps, an ACK that acknowledges new data echoes the TSval of a segment it
    // covers, so every such ACK is an RTT sample, retransmissions included (the echo says which copy
    // arrived: Karn's ambiguity does not arise). It also ends a timeout's backoff as soon as data flows
    // again, as Linux does, instead of waiting for a segment sent once to be acknowledged.
    const tsRtt = tsecr !== undefined && tsecr !== 0 ? seqDiff(this.tsClock(now), tsecr) : undefined;
    let rttMs: number | undefined;
    if (tsRtt !== undefined && tsRtt >= 0) {
      this.rtt.sample((rttMs = tsRtt));
      this.rttSeq = undefined;
    } else if (this.rttSeq !== undefined && seqGe(ack, this.rttSeq)) {
      this.rtt.sample((rttMs = now - this.rttStartMs));
      this.rttSeq = undefined;
    }
    // Loss recovery and congestion control (lib/tcp/cc): cwnd grows, or recovery goes on or ends; what it
    // asks to send again goes now (RFC 6582 3.2 step 5: a partial ACK's hole at once).
    this.recovery.onAck(this.ackSample(seg, acked, false, flightBefore, rttMs, now));
    this.sendRetransmissions(now);
    // RFC 6298 5.2 / 5.3: restart the timer while data is outstanding, stop it when all is acknowledged.
    if (this.flight > 0) this.setTimer('rto', now + this.rtt.rtoMs, now);
    else this.cancelTimer('rto', now);
    this.armRecoveryTimer(now);
    this.reportCongestion(now);
    return dataAcked > 0;
  }

  /** An ACK that acknowledges nothing new (a duplicate, or an old or window-only one), for the recovery module. */
  private onOldAck(seg: TcpSegment, duplicate: boolean, now: number): void {
    const flight = this.flight;
    const step = this.recovery.onAck(this.ackSample(seg, 0, duplicate, flight, undefined, now));
    this.armRecoveryTimer(now, false);
    if (step === 'none') return;
    // RFC 5681 3.2 step 4: the fast retransmission (Karn: no RTT sample across it).
    if (step === 'entered') this.rttSeq = undefined;
    this.sendRetransmissions(now);
    this.reportCongestion(now);
  }

  /** The ACK as the recovery module reads it, in the one AckSample every connection shares (valid during the call). */
  private ackSample(seg: TcpSegment, acked: number, duplicate: boolean, flightBefore: number, rttMs: number | undefined, now: number): AckSample {
    const a = ACK_SAMPLE;
    a.ack = seg.ack;
    a.bytesAcked = acked;
    a.duplicate = duplicate;
    a.sackBlocks = this.sackOk ? sackBlocksOf(seg) : NO_SACK_BLOCKS;
    a.sackOk = this.sackOk;
    a.flightBefore = flightBefore;
    a.flightAfter = this.flight;
    a.sndUna = this.sndUna;
    a.sndNxt = this.sndNxt;
    a.sndMax = this.sndMax;
    a.cwndLimited = acked > 0 && this.cwndLimited();
    a.rttMs = rttMs;
    a.srttMs = this.rtt.srttMs;
    a.now = now;
    return a;
  }

  /**
   * Send what the recovery module asks to send again (RFC 5681 3.2, RFC 6582 3.2: one segment from SND.UNA),
   * each outside cwnd when it says so, never outside the peer's window.
   */
  private sendRetransmissions(now: number): void {
    for (let r = this.recovery.nextRetransmission(this.sndUna, this.sndNxt); r; r = this.recovery.nextRetransmission(this.sndUna, this.sndNxt)) {
      const saved = this.sndNxt;
      this.sndNxt = r.seq;
      this.output(now, r.why, 1, r.ignoreCwnd, false, r.len);
      this.sndNxt = seqMax(saved, this.sndNxt);
      if (this.rtoAt === undefined) this.setTimer('rto', now + this.rtt.rtoMs, now);
    }
  }

  private onReset(now: number): void {
    switch (this.state) {
      case 'SYN-RECEIVED':
        // 3.10.7.4: a passive open returns to LISTEN (here: the embryonic connection goes away, the listener stays);
        // an active one is refused.
        if (this.passive) this.enterClosed('rcv RST', now);
        else this.fail('ECONNREFUSED', 'rcv RST', now);
        return;
      case 'ESTABLISHED': case 'FIN-WAIT-1': case 'FIN-WAIT-2': case 'CLOSE-WAIT':
        this.fail('ECONNRESET', 'rcv RST', now);
        return;
      default:
        this.enterClosed('rcv RST', now);
    }
  }

  /**
   * Data arrived after a full close (RFC 1122 4.2.2.13). Linux answers the segment as one nobody should have
   * received (<SEQ=SEG.ACK><CTL=RST>); the rfc profile resets as ABORT does (3.10.5: <SEQ=SND.NXT><CTL=RST>).
   */
  private resetOnDataAfterClose(seg: TcpSegment, now: number): void {
    const rst = this.config.profile === 'linux' && seg.flags & ACK ? resetFor(seg) : this.ownReset(false);
    this.emit(rst, { retransmit: false, why: 'data-after-close' }, now);
    this.enterClosed('rcv data after close', now);
  }

  /** ABORT's reset (RFC 9293 3.10.5): <SEQ=SND.NXT><CTL=RST>, with <ACK=RCV.NXT> too when `withAck` (Linux's form). */
  private ownReset(withAck: boolean): TcpSegment {
    return {
      srcPort: this.localPort, dstPort: this.remotePort, seq: this.sndMax, ack: withAck ? this.rcvNxt : 0, flags: withAck ? RST | ACK : RST,
      window: 0, urgent: 0, options: NO_OPTIONS, payload: EMPTY,
    };
  }

  /** The peer's FIN is next in sequence (3.10.7.4, eighth). */
  private onFin(now: number): void {
    const rb = this.recvBuf!;
    rb.rcvNxt = seqAdd(rb.rcvNxt, 1);
    this.peerFinSeq = undefined;
    this.finReceived = true;
    this.ackNow = true;
    this.cancelTimer('delack', now);
    switch (this.state) {
      case 'SYN-RECEIVED':
      case 'ESTABLISHED':
        this.setState('CLOSE-WAIT', 'rcv FIN', now);
        break;
      case 'FIN-WAIT-1':
        if (this.finAcked()) this.enterTimeWait('rcv FIN', now);
        else this.setState('CLOSING', 'rcv FIN', now);
        break;
      case 'FIN-WAIT-2':
        this.enterTimeWait('rcv FIN', now);
        break;
    }
    this.sink.event(FIN_EVENT, now);
  }

  private onAnySegment(now: number): void {
    if (this.config.keepaliveMs > 0 && this.isSynchronized()) this.armKeepalive(now);
  }

  // ---------------------------------------------------------------- output

  /**
   * Whether cwnd may grow on this ACK. RFC 5681 grows it on every ACK. The linux profile grows it in slow
   * start only while cwnd is less than twice the most segments in flight in the last round trip
   * (tcp_is_cwnd_limited, as RFC 7661 asks of an application-limited sender); outside slow start always.
   */
  private cwndLimited(): boolean {
    if (this.config.profile !== 'linux' || this.cc.cwnd >= this.cc.ssthresh) return true;
    return this.cc.cwnd < 2 * this.maxInFlight;
  }

  /** The linux profile's record of the most bytes in flight in the round trip that ends at maxInFlightSeq. */
  private noteInFlight(): void {
    const f = this.flight;
    if (this.maxInFlightSeq === undefined || seqGe(this.sndUna, this.maxInFlightSeq)) {
      this.maxInFlight = f;
      this.maxInFlightSeq = this.sndNxt;
    } else if (f > this.maxInFlight) this.maxInFlight = f;
  }

  /**
   * Linux profile: whether new data sent now ends what may go at once (the window or Nagle holds back
   * the rest). Linux marks PSH on the last segment of each burst of its send queue (each TSO/GSO packet
   * of tcp_sendmsg carries it), and packetdrill's scripts expect it there; RFC 9293 3.9.1 leaves where a
   * sender sets PSH to it. The rfc profile sets PSH only where the buffer empties.
   */
  private lastOfBurst(left: number, usableLeft: number, segMss: number): boolean {
    const next = Math.min(left, segMss, usableLeft);
    return next === 0 || (next < segMss && this.config.nagle);
  }

  /**
   * Send what the windows, Nagle and SWS avoidance allow, then a bare ACK if one is owed.
   * `limit` caps the number of data segments (1 after a timeout); `force` ignores the windows
   * (a fast retransmission of the first unacknowledged segment); `maxLen` caps a segment's payload (a
   * retransmission the recovery module sized). Returns the segments sent.
   */
  private output(now: number, why?: string, limit = Infinity, force = false, override = false, maxLen = Infinity): number {
    // A connection the application closed or aborted from inside an event handler sends nothing more.
    if (this.state === 'CLOSED') {
      this.ackNow = false;
      return 0;
    }
    let sent = 0;
    // Nothing unsent and no FIN to send (a receiver, called once a segment): no data segment, no probe.
    const canSendData = (this.finQueued || this.unsentBytes() > 0)
      && (this.state === 'ESTABLISHED' || this.state === 'CLOSE-WAIT' || this.state === 'FIN-WAIT-1' || this.state === 'CLOSING' || this.state === 'LAST-ACK');
    while (canSendData && sent < limit) {
      const offset = seqDiff(this.sndNxt, this.bufSeq);
      const bufLen = this.sendBuf.length;
      const unsent = Math.max(0, bufLen - offset);
      const flight = this.flight;
      // A forced retransmission ignores cwnd (RFC 5681 3.2) but never the window the peer offered (3.8.6).
      // The recovery module's count of bytes in the network (RFC 6675 "pipe"; NewReno: the flight) is held
      // against cwnd; the peer's window against everything sent and not acknowledged (SACKed bytes included).
      const usable = force ? Math.max(0, this.sndWnd - flight) : Math.max(0, Math.min(this.sndWnd - flight, this.cc.cwnd - this.recovery.pipe(flight)));
      // SACK blocks take room in the header that a full-sized segment does not have (Linux's tcp_current_mss).
      const segMss = Math.max(1, this.effMss - this.sackOptionLength());
      let len = Math.min(unsent, segMss, usable, maxLen);
      const finSeq = seqAdd(this.bufSeq, bufLen);
      const finToSend = this.finQueued && offset + len === bufLen && seqLe(this.sndNxt, finSeq) && this.sndNxt !== seqAdd(finSeq, 1);
      if (len === 0 && !(finToSend && unsent === 0)) break;
      if (len > 0 && len < segMss && !force) {
        const allRemaining = len === unsent;
        // Nagle (RFC 9293 3.7.4): a short segment waits while data is unacknowledged, unless it is the last before our FIN.
        const nagleOk = !this.config.nagle || flight === 0 || (this.finQueued && allRemaining);
        // Sender SWS avoidance (RFC 9293 3.8.6.2.1): send at least half the largest window the peer offered.
        const swsOk = this.maxSndWnd > 0 && len >= this.maxSndWnd / 2;
        const retransmitting = seqLt(this.sndNxt, this.sndMax);
        if (!((allRemaining && nagleOk) || (swsOk && nagleOk) || retransmitting || override)) break;
      }
      const payload = this.sendBuf.peek(offset, len);
      let flags = ACK;
      if (len > 0 && offset + len === bufLen) flags |= PSH; // BSD and Linux: PSH on the segment that empties the buffer
      else if (len > 0 && this.config.profile === 'linux' && !force && seqGe(this.sndNxt, this.sndMax) && this.lastOfBurst(unsent - len, usable - len, segMss)) flags |= PSH;
      if (finToSend) flags |= FIN;
      const seq = this.sndNxt;
      const retransmit = seqLt(seq, this.sndMax);
      const seg = this.makeSegment(seq, flags, payload, now);
      this.sndNxt = seqAdd(seq, len + (flags & FIN ? 1 : 0));
      if (seqGt(this.sndNxt, this.sndMax)) this.sndMax = this.sndNxt;
      if (!retransmit && this.rttSeq === undefined && len > 0) {
        this.rttSeq = this.sndNxt;
        this.rttStartMs = now;
      }
      this.emit(seg, retransmit ? { retransmit, why } : PLAIN, now);
      this.recovery.onTransmit(seq, len + (flags & FIN ? 1 : 0), retransmit, now);
      sent++;
      if (this.config.profile === 'linux') this.noteInFlight();
      if (this.rtoAt === undefined) this.setTimer('rto', now + this.rtt.rtoMs, now);
      if (flags & FIN) break;
    }
    // RFC 8985 7.2: the probe timeout restarts after data is sent.
    if (sent > 0) this.armRecoveryTimer(now);
    if (this.ackNow) this.emit(this.makeSegment(this.bareAckSeq(), ACK, EMPTY, now), why === undefined ? PLAIN : { retransmit: false, why }, now);
    // Data waiting and nothing in flight to bring an ACK: a zero window is probed (RFC 9293 3.8.6.1), a
    // window too small to use is forced after the override timeout (3.8.6.2.1). Both run on the persist timer.
    if (canSendData && this.unsentBytes() > 0 && this.flight === 0 && this.persistAt === undefined && this.rtoAt === undefined) {
      this.armPersist(now);
    }
    return sent;
  }

  /**
   * Send a window update at once when a read freed enough space (RFC 9293 3.8.6.2.2), and only when the
   * window the peer knows of has become small: at most half the buffer, and the new one at least twice it
   * (Linux's tcp_cleanup_rbuf). A read that leaves the peer a large window waits for the next ACK that
   * is due anyway, so an application reading every segment as it arrives does not defeat delayed ACKs.
   */
  private maybeWindowUpdate(now: number): void {
    const rb = this.recvBuf!;
    const current = Math.max(0, seqDiff(this.rcvAdvEdge, rb.rcvNxt));
    // What could be advertised: the free space, as far as the 16-bit field and our window scale carry it (RFC 7323 2.3).
    const free = Math.min(this.config.rcvbuf - rb.unread, 0xffff * 2 ** this.rcvScale);
    if (2 * current > this.config.rcvbuf || free < 2 * current) return;
    if (free - current >= Math.min(this.config.rcvbuf / 2, this.effMss)) {
      this.ackNow = true;
      this.output(now, 'window-update');
    }
  }

  /** `how`: PLAIN the first time, else a retransmission with its cause (SYN_AGAIN, SYN_ACK_FOR_DUP_SYN). */
  private sendSyn(now: number, withAck: boolean, how: TxInfo): void {
    const retransmit = how.retransmit;
    const offerSack = this.config.sack && (!withAck || this.sackOk);
    const offerTs = this.config.timestamps && (!withAck || this.tsOk);
    const offerWs = this.config.windowScale && (!withAck || this.wsAgreed);
    const tsval = offerTs ? this.tsClock(now) : 0;
    const tsecr = withAck ? this.tsRecent : 0;
    const window = synWindow(this.config.rcvbuf);
    // Without RCV.NXT (a SYN of an active open) the edge is set when the SYN-ACK brings it (onSegmentSynSent).
    if (this.recvBuf) this.rcvAdvEdge = seqAdd(this.recvBuf.rcvNxt, window);
    const ack = withAck ? this.recvBuf!.rcvNxt : 0;
    const layout = SYN_LAYOUTS[(offerTs ? 4 : 0) | (offerSack ? 2 : 0) | (offerWs ? 1 : 0)];
    const flags = SYN | (withAck ? ACK : 0);
    let seg: TcpSegment;
    if (this.bits & REUSE_SEGMENTS) {
      // The sink is done with it before the next is made (ConnectionParams.segmentsUsedAtOnce): the shared
      // segment, with the layout's own option objects filled in.
      SYN_MSS.mss = this.config.mss;
      SHARED_TIMESTAMPS.tsval = tsval;
      SHARED_TIMESTAMPS.tsecr = tsecr;
      SYN_WSCALE.shift = this.rcvScale;
      seg = SHARED_SEGMENT;
      seg.srcPort = this.localPort;
      seg.dstPort = this.remotePort;
      seg.seq = this.iss;
      seg.ack = ack;
      seg.flags = flags;
      seg.window = window;
      seg.options = layout;
      seg.payload = EMPTY;
    } else {
      // The same layout with option objects of this segment's own (map makes an array of its final length).
      const options = layout.map((o): TcpOption => {
        if (o === SYN_MSS) return { kind: 'mss', mss: this.config.mss };
        if (o === SHARED_TIMESTAMPS) return { kind: 'timestamps', tsval, tsecr };
        if (o === SYN_WSCALE) return { kind: 'wscale', shift: this.rcvScale };
        return o;
      });
      seg = { srcPort: this.localPort, dstPort: this.remotePort, seq: this.iss, ack, flags, window, urgent: 0, options, payload: EMPTY };
    }
    this.sndNxt = seqAdd(this.iss, 1);
    this.sndMax = seqMax(this.sndMax, this.sndNxt);
    if (!retransmit) {
      this.rttSeq = this.sndNxt;
      this.rttStartMs = now;
    }
    this.ackNow = false;
    this.cancelTimer('delack', now);
    this.emit(seg, how, now);
    this.setTimer('rto', now + this.rtt.rtoMs, now);
  }

  private takeSynOptions(seg: TcpSegment): void {
    const { mss, wscale: ws, timestamps: ts, sackPermitted: sackOk } = synOptionsOf(seg);
    const peerMss = mss ?? DEFAULT_PEER_MSS;
    // RFC 7323 2.2: scaling only when both sides sent the option; shifts above 14 are taken as 14.
    if (this.config.windowScale && ws !== undefined) {
      this.wsAgreed = true;
      this.sndScale = Math.min(ws, 14);
      if (this.state === 'LISTEN') this.rcvScale = scaleFor(this.config.scaleBytes ?? this.config.rcvbuf);
    } else {
      this.sndScale = 0;
      this.rcvScale = 0;
    }
    if (this.config.timestamps && ts) {
      this.tsOk = true;
      this.tsRecent = ts.tsval;
    }
    this.sackOk = this.config.sack && sackOk;
    // RFC 9293 3.7.1: never send more than the peer's MSS; the timestamps option takes 12 bytes of it (as Linux counts).
    this.effMss = Math.max(1, Math.min(this.config.mss, peerMss) - (this.tsOk ? 12 : 0));
    this.cc.setMss(this.effMss);
  }

  private takeTimestamp(seg: TcpSegment, seq: number, rcvNxt: number): void {
    // RFC 7323 4.3: remember TSval of a segment that covers RCV.NXT (simplified: at or before it).
    if (!seqLe(seq, rcvNxt)) return;
    const ts = timestampsOption(seg.options);
    if (ts) this.tsRecent = ts.tsval;
  }

  private tsOption(now: number, tsecr: number): TcpOption {
    return { kind: 'timestamps', tsval: this.tsClock(now), tsecr };
  }

  /** Our timestamp clock (RFC 7323 5.4): 1 ms ticks, offset so that it does not reveal the clock's origin. */
  private tsClock(now: number): number {
    return (Math.floor(now) + this.tsOffset) >>> 0;
  }

  /** Bytes the SACK option adds to our next segment (RFC 2018 3: 2 + 8 per block, with two NOPs). */
  private sackOptionLength(): number {
    if (!this.sackOk || !(this.recvBuf?.hasGaps || this.dsackBlock)) return 0;
    return 4 + 8 * this.sackBlocksNow().length;
  }

  /** RFC 2883 4 (with the `dsack` setting): remember a duplicate [from, to) for the next ACK's first SACK block. */
  private noteDuplicate(from: number, to: number): void {
    if (this.config.dsack && this.sackOk && seqLt(from, to)) this.dsackBlock = [from, to];
  }

  /** The SACK blocks for the next segment: a D-SACK first when one is owed (RFC 2883 4), then RFC 2018's; at most 4, 3 with timestamps. */
  private sackBlocksNow(): Array<[number, number]> {
    const max = this.tsOk ? 3 : 4;
    const blocks = this.recvBuf?.hasGaps ? this.recvBuf.sackBlocks(this.dsackBlock ? max - 1 : max) : [];
    return this.dsackBlock ? [this.dsackBlock, ...blocks] : blocks;
  }

  private makeSegment(seq: number, flags: number, payload: Buffer, now: number): TcpSegment {
    if (this.bits & REUSE_SEGMENTS && !(this.sackOk && (this.recvBuf?.hasGaps || this.dsackBlock))) {
      // The sink is done with a segment before the next is made (ConnectionParams.segmentsUsedAtOnce).
      const seg = SHARED_SEGMENT;
      seg.srcPort = this.localPort;
      seg.dstPort = this.remotePort;
      seg.seq = seq;
      seg.ack = this.recvBuf ? this.recvBuf.rcvNxt : 0;
      seg.flags = flags;
      seg.window = this.windowField();
      seg.payload = payload;
      if (this.tsOk) {
        SHARED_TIMESTAMPS.tsval = this.tsClock(now);
        SHARED_TIMESTAMPS.tsecr = this.tsRecent;
        seg.options = SHARED_TS_OPTIONS;
      } else {
        seg.options = NO_OPTIONS;
      }
      return seg;
    }
    // Arrays written as literals of their final length: an empty array that is pushed to gets room for 17.
    let options = NO_OPTIONS;
    if (this.sackOk && (this.recvBuf?.hasGaps || this.dsackBlock)) {
      // RFC 2018 3: at most 4 blocks, 3 with timestamps; a D-SACK is reported once (RFC 2883 4).
      const sack: TcpOption = { kind: 'sack', blocks: this.sackBlocksNow() };
      this.dsackBlock = undefined;
      options = this.tsOk ? [NOP, NOP, this.tsOption(now, this.tsRecent), NOP, NOP, sack] : [NOP, NOP, sack];
    } else if (this.tsOk) {
      options = [NOP, NOP, this.tsOption(now, this.tsRecent)];
    }
    return {
      srcPort: this.localPort, dstPort: this.remotePort, seq, ack: this.recvBuf ? this.recvBuf.rcvNxt : 0,
      flags, window: this.windowField(), urgent: 0, options, payload,
    };
  }

  /**
   * The window to advertise, scaled (RFC 9293 3.8.6.2.2 and 3.10.7.4; RFC 7323 2.3). The right edge never
   * passes what the receive buffer can hold, and never moves left:
   * - A new window is the free space less one scale unit (2^shift - 1 bytes, none unscaled), rounded down
   *   to the scale: what it offers fits the buffer with a unit to spare.
   * - Receiver SWS avoidance (in Linux's form): a free space smaller than min(RCV.BUFF / 2, MSS) is not
   *   offered, nor one whose edge is left of the last; the edge then stays where it was, and since RCV.NXT
   *   moves in bytes, not units, the window is rounded up to keep it there (Linux's tcp_select_window). The
   *   spare unit makes room for that. Only when it is used up (the edge kept through several such ACKs)
   *   would rounding up pass the buffer; then the edge retracts by less than a unit, as RFC 7323 appendix F
   *   allows (Linux's tcp_shrink_window).
   */
  private windowField(): number {
    const rb = this.recvBuf;
    if (!rb) return synWindow(this.config.rcvbuf);
    const shift = this.rcvScale;
    const unit = 1 << shift; // the shift is at most 14 and the buffer at most 2^30: 32-bit arithmetic is exact
    const current = Math.max(0, seqDiff(this.rcvAdvEdge, rb.rcvNxt));
    const free = Math.max(0, this.config.rcvbuf - rb.unread);
    const offer = Math.max(0, free - (unit - 1)) >>> shift;
    let field: number;
    if (free >= Math.min(this.config.rcvbuf / 2, this.effMss) && offer << shift >= current) {
      field = offer;
    } else {
      field = (current + unit - 1) >>> shift;
      if (field << shift > free) field = current >>> shift;
    }
    if (field > 0xffff) field = 0xffff;
    const edge = seqAdd(rb.rcvNxt, field << shift);
    if (seqGt(edge, this.rcvAdvEdge)) this.rcvAdvEdge = edge;
    return field;
  }

  private emit(seg: TcpSegment, info: TxInfo, now: number): void {
    if (seg.flags & ACK) {
      this.ackNow = false;
      this.unackedBytes = 0;
      if (this.delackAt !== undefined) this.cancelTimer('delack', now);
    }
    if (this.bits & CHECKED) {
      const inv = CHECKERS.get(this)!;
      inv.transmit(now, this.tcbView(inv), seg, info.why);
    }
    this.sink.transmit(seg, info, now);
  }

  /**
   * The SEQ of a segment that carries only an ACK: one the peer will find acceptable (3.10.7.4), or its
   * acknowledgment is never read. SND.MAX, not SND.NXT: after a timeout SND.NXT went back to SND.UNA, below
   * what the peer may already hold (as BSD does). But never past the peer's window: a zero-window probe's
   * byte (3.8.6.1) is sent past it and not taken, and an ACK numbered after it would be refused, answered,
   * and the answer refused in turn by a peer that probes too (Linux's tcp_acceptable_seq stops at the edge).
   */
  private bareAckSeq(): number {
    // Before our SYN is acknowledged the peer's window is not known yet (SND.WND is 0 for "unknown"): SND.MAX
    // (SND.NXT, 3.10.7.4's <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> in SYN-RECEIVED).
    if (!this.synAcked) return this.sndMax;
    const edge = seqAdd(this.sndUna, this.sndWnd);
    return seqLe(this.sndMax, edge) ? this.sndMax : edge;
  }

  private challengeAck(now: number): void {
    // RFC 5961 7: rate-limit challenge ACKs, counted per second of the clock (as Linux counts its
    // tcp_challenge_ack_limit per jiffies / HZ), so "at most 10 in any clock second" holds exactly.
    const second = Math.floor(now / 1000);
    const c = (this.challenge ??= { start: second, count: 0 });
    if (c.start !== second) {
      c.start = second;
      c.count = 0;
    }
    if (c.count >= CHALLENGE_ACKS_PER_SECOND) return;
    c.count++;
    this.emit(this.makeSegment(this.bareAckSeq(), ACK, EMPTY, now), { retransmit: false, why: 'challenge-ack' }, now);
  }

  // ---------------------------------------------------------------- state

  private setState(to: TcpState, cause: string, now: number): void {
    const from = this.state;
    if (from === to) return;
    this.state = to;
    if (this.bits & CHECKED) {
      const inv = CHECKERS.get(this)!;
      inv.state(now, this.tcbView(inv), from, to, cause);
    }
    this.sink.state(from, to, cause, now);
  }

  private enterTimeWait(cause: string, now: number): void {
    for (const t of TIMER_NAMES) if (t !== 'timewait') this.cancelTimer(t, now);
    this.setState('TIME-WAIT', cause, now);
    // RFC 9293 3.10.7.4: TIME-WAIT lasts 2 MSL.
    this.setTimer('timewait', now + 2 * this.config.mslMs, now);
    // Nothing more will be sent or received in order (our FIN is acknowledged, so the send buffer is
    // empty): give back the buffers' memory for the 2 MSL, as Linux keeps only a small timewait sock.
    if (this.sendBuf.length === 0) this.sendBuf = IDLE_SEND;
    this.recvBuf?.release();
  }

  private fail(code: string, cause: string, now: number): void {
    this.error = code;
    this.sink.event({ kind: 'error', code }, now);
    this.enterClosed(cause, now);
  }

  private enterClosed(cause: string, now: number): void {
    for (const t of TIMER_NAMES) this.cancelTimer(t, now);
    this.setState('CLOSED', cause, now);
    this.sink.event(CLOSED_EVENT, now);
  }

  // ---------------------------------------------------------------- helpers

  /** Bytes sent and not acknowledged (sequence space, SYN and FIN included). */
  get flight(): number {
    return Math.max(0, seqDiff(this.sndNxt, this.sndUna));
  }

  private unsentBytes(): number {
    return Math.max(0, this.sendBuf.length - seqDiff(this.sndNxt, this.bufSeq));
  }

  private finAcked(): boolean {
    return this.finQueued && seqGt(this.sndUna, seqAdd(this.bufSeq, this.sendBuf.length));
  }

  isSynchronized(): boolean {
    return this.state !== 'CLOSED' && this.state !== 'LISTEN' && this.state !== 'SYN-SENT';
  }

  /** RCV.NXT, once known. */
  get rcvNxt(): number {
    return this.recvBuf?.rcvNxt ?? 0;
  }

  /**
   * What this end's next segment would carry now, read without changing anything (a forged segment's
   * defaults, lib/scenario/inject.ts): the window field it advertises (the edge last offered, as the
   * field says it) and its scale, the peer's window field and scale, and its timestamps when agreed.
   */
  headerNow(now: number): { window: number; scale: number; peerWindow: number; peerScale: number; ts?: { tsval: number; tsecr: number } } {
    const window = this.recvBuf ? Math.min(0xffff, Math.max(0, seqDiff(this.rcvAdvEdge, this.recvBuf.rcvNxt)) >>> this.rcvScale) : synWindow(this.config.rcvbuf);
    const out: ReturnType<Connection['headerNow']> = { window, scale: this.rcvScale, peerWindow: Math.min(0xffff, this.sndWnd >>> this.sndScale), peerScale: this.sndScale };
    if (this.tsOk) out.ts = { tsval: this.tsClock(now), tsecr: this.tsRecent };
    return out;
  }

  private reportCongestion(now: number): void {
    if (!this.sink.congestion) return;
    const flight = this.flight;
    const pipe = this.recovery.pipe(flight);
    const snap: CongestionSnapshot = { cwnd: this.cc.cwnd, ssthresh: this.cc.ssthresh, flight, sndWnd: this.sndWnd, rto: this.rtt.rtoMs };
    if (pipe !== flight) snap.pipe = pipe;
    const l = this.lastCc;
    if (l && l.cwnd === snap.cwnd && l.ssthresh === snap.ssthresh && l.flight === snap.flight && l.sndWnd === snap.sndWnd && l.rto === snap.rto && l.pipe === snap.pipe) return;
    this.lastCc = snap;
    this.sink.congestion(snap, now);
  }
}

/** The window a SYN offers: never scaled (RFC 7323 2.2), so at most 65535. */
function synWindow(rcvbuf: number): number {
  return Math.min(rcvbuf, 0xffff);
}

/** RFC 9293 3.10.7.4 first check: the four cases of segment acceptability. */
function acceptable(seq: number, segLen: number, rcvNxt: number, rcvWnd: number): boolean {
  if (segLen === 0) {
    if (rcvWnd === 0) return seq === rcvNxt;
    return seqInRange(seq, rcvNxt, seqAdd(rcvNxt, rcvWnd));
  }
  if (rcvWnd === 0) return false;
  const end = seqAdd(seq, segLen - 1);
  const edge = seqAdd(rcvNxt, rcvWnd);
  return seqInRange(seq, rcvNxt, edge) || seqInRange(end, rcvNxt, edge);
}

/**
 * The reset that answers a segment nobody should have received (RFC 9293 3.10.7.1, 3.5.2):
 * if it had an ACK, <SEQ=SEG.ACK><CTL=RST>; else <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>.
 * Never for a RST.
 */
export function resetFor(seg: TcpSegment): TcpSegment {
  const base = { srcPort: seg.dstPort, dstPort: seg.srcPort, window: 0, urgent: 0, options: NO_OPTIONS, payload: EMPTY };
  if (seg.flags & ACK) return { ...base, seq: seg.ack, ack: 0, flags: RST };
  const segLen = seg.payload.length + (seg.flags & SYN ? 1 : 0) + (seg.flags & FIN ? 1 : 0);
  return { ...base, seq: 0, ack: seqAdd(seg.seq, segLen), flags: RST | ACK };
}

/** The options a SYN or SYN-ACK offers (RFC 9293 3.7.1, RFC 7323, RFC 2018); absent ones undefined / false. */
export function synOptionsOf(seg: TcpSegment): { mss?: number; wscale?: number; timestamps?: { tsval: number; tsecr: number }; sackPermitted: boolean } {
  const out: { mss?: number; wscale?: number; timestamps?: { tsval: number; tsecr: number }; sackPermitted: boolean } = { sackPermitted: false };
  for (const o of seg.options) {
    if (o.kind === 'mss') out.mss = o.mss;
    else if (o.kind === 'wscale') out.wscale = o.shift;
    else if (o.kind === 'timestamps') out.timestamps = { tsval: o.tsval, tsecr: o.tsecr };
    else if (o.kind === 'sack-permitted') out.sackPermitted = true;
  }
  return out;
}

/** The smallest window-scale shift that lets the 16-bit field cover `bytes` (RFC 7323 2.3), at most 14. */
export function scaleFor(bytes: number): number {
  let s = 0;
  while (s < 14 && bytes / 2 ** s > 0xffff) s++;
  return s;
}
