import type { TcpOption, TcpSegment } from '../wire/tcp-types.ts';
import { seqAdd, seqDiff, seqGt } from '../wire/seq.ts';
import type { TcpState } from './states.ts';
import { TIMER_KINDS, TimerTable, type TimerKind } from './timers.ts';
import type { TcpConfig } from './config.ts';
import { SendBuffer } from './send-buffer.ts';
import { RecvBuffer } from './recv-buffer.ts';
import { RttEstimator } from './rtt.ts';
import { RecvWindow, SendWindow } from './windows.ts';
import { makeCongestion } from './cc/registry.ts';
import type { CongestionControl, LossRecovery, ScoreboardView } from './cc/types.ts';
import type { SendHold } from './send-hold.ts';
import type { LinuxPush } from './linux-push.ts';
import type { UserTimeout } from './user-timeout.ts';
import type { SendChrono } from './chrono.ts';
import type { FastOpenClient, FastOpenServer } from './tfo.ts';
import { InvariantChecker, invariantChecksByDefault, type TcbView } from './invariants.ts';
import { OUTBOX, OUT_CONGESTION, OUT_EVENT, OUT_STATE, OUT_TIMER, OUT_TRANSMIT } from './outbox.ts';
import type { RcvbufAuto } from './rcvbuf-auto.ts';

/**
 * The TCB of one connection (RFC 9293 3.3.1): its variables, its state and the one place that changes it,
 * the timer table's primitives, the invariant checks. The connection is built up in layers, as Linux
 * splits tcp_input, tcp_output and tcp_timer: Tcb (here) <- TcpOutput (output.ts) <- TcpTimers
 * (timeouts.ts) <- TcpInput (input.ts, segment arrives: 3.10.7) <- Connection (connection.ts, the user
 * calls of 3.10.1 - 3.10.6). A layer calls down freely; a call up is declared abstract below it.
 */

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

/** The sender's congestion and window figures (the trace's `cc` event: lib/trace/events.ts). */
export interface CongestionSnapshot {
  /** Congestion window, slow-start threshold, bytes in flight, peer's window: all bytes. */
  cwnd: number;
  ssthresh: number;
  flight: number;
  sndWnd: number;
  /** Current retransmission timeout in ms. */
  rto: number;
  /** RFC 6675's pipe when the recovery module counts it apart from `flight` (SACKed or lost bytes); else absent. */
  pipe?: number;
  /** The congestion controller's own state, when it has one (CUBIC: phase, W_max in segments, K in s). */
  phase?: string;
  wMax?: number;
  k?: number;
  /** The scoreboard's ranges (`A:B`), while something is SACKed, lost or retransmitted (SACK-based recovery). */
  sacked?: string[];
  lost?: string[];
  rtx?: string[];
}

/**
 * Where a connection's outputs go, in order, once each call into it is done (lib/tcp/outbox.ts): never in the
 * middle of its processing, so a sink may call the connection back.
 */
export interface ConnectionSink {
  transmit(seg: TcpSegment, info: TxInfo, now: number): void;
  state(from: TcpState, to: TcpState, cause: string, now: number): void;
  event(ev: ConnEvent, now: number): void;
  timer?(name: TimerKind, event: 'set' | 'fire' | 'cancel', at: number | undefined, now: number): void;
  congestion?(snap: CongestionSnapshot, now: number): void;
}

/** One output of a connection without a sink, as `poll()` gives it: what the sink's method of that name would be told. */
export type ConnOutput =
  | { kind: 'transmit'; segment: TcpSegment; info: TxInfo; now: number }
  | { kind: 'state'; from: TcpState; to: TcpState; cause: string; now: number }
  | { kind: 'event'; event: ConnEvent; now: number }
  | { kind: 'timer'; timer: TimerKind; action: 'set' | 'fire' | 'cancel'; at: number | undefined; now: number }
  | { kind: 'congestion'; snapshot: CongestionSnapshot; now: number };

export interface ConnectionParams {
  config: TcpConfig;
  localPort: number;
  remotePort: number;
  /** Initial send sequence number (RFC 9293 3.4.1), chosen by the host. */
  iss: number;
  /** Added to the clock for the timestamps option, so that TSval does not reveal uptime (RFC 7323 5.4). */
  tsOffset?: number;
  /**
   * Where the outputs go when each call is done. Without one, they wait for the owner's `poll()`, and
   * `segmentsUsedAtOnce` is ignored (a polled segment is the owner's to keep).
   */
  sink?: ConnectionSink;
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
  /**
   * Header prediction (input.ts, onSegmentSynchronized): the next in-order data segment takes a short path
   * through 3.10.7.4 that comes to the same. Default true, or what setHeaderPrediction last set; off only to
   * show that it changes nothing (the differential tests).
   */
  headerPrediction?: boolean;
}

/** Thrown for a user call that the state does not allow (RFC 9293 3.10's "error: connection closing" etc.). */
export class ConnectionError extends Error {
  override name = 'ConnectionError';
  constructor(public code: string, message: string) {
    super(message);
  }
}

/*
 * The connection's flags: one number, `Tcb.bits`, one bit per yes/no fact below (the only bit field of the
 * connection; every other field is a plain one). A bit is read with `bits & X` on hot paths, or through the
 * getter of the same name where there is one (appClosed, finReceived, passive, synAcked, wsAgreed).
 */
/** The application closed (or aborted): it will not read any more, as opposed to a shutdown of sending. */
export const APP_CLOSED = 1;
/** The peer's FIN was processed (RFC 9293 3.10.7.4 eighth step). */
export const FIN_RECEIVED = 2;
/** The connection came from a listener (a passive open, RFC 9293 3.5): SYN-RECEIVED goes back to LISTEN on a RST. */
export const PASSIVE = 4;
/** Our SYN has been acknowledged. */
export const SYN_ACKED = 8;
/** Both SYNs carried the window scale option (RFC 7323 2.2). */
export const WS_AGREED = 16;
/** The sink uses each segment before the next is made (ConnectionParams.segmentsUsedAtOnce): builders write into the queue's records. */
export const REUSE_SEGMENTS = 32;
/** The invariant checks run on this connection (ConnectionParams.checkInvariants); its checker is in CHECKERS. */
export const CHECKED = 64;
/** Header prediction on for this connection (ConnectionParams.headerPrediction). */
export const PREDICT = 128;
/**
 * 3.10.7.4's last step, sending what may go now (ACKs, data the ACK let out), is owed: onSegment does it once
 * the call's other outputs are handed over, so that it sees what the application did about them (read data,
 * wrote more), as a stack's ACK leaves after the reader it woke has run.
 */
export const OWES_OUTPUT = 256;
/** The default of ConnectionParams.headerPrediction for connections made from now on (setHeaderPrediction). */
let predictByDefault = true;

/**
 * @internal For the differential tests that run a whole host or benchmark: the default of
 * ConnectionParams.headerPrediction for the connections made after the call (each reads it once, when made).
 */
export function setHeaderPrediction(on: boolean): void {
  predictByDefault = on;
}
/** The invariant checkers of the connections that have one (CHECKED): no field in every connection. */
export const CHECKERS = new WeakMap<Tcb, InvariantChecker>();
// The events that carry nothing but their kind, made once (one is sent for nearly every segment).
export const ESTABLISHED_ACTIVE: ConnEvent = Object.freeze({ kind: 'established', passive: false });
export const ESTABLISHED_PASSIVE: ConnEvent = Object.freeze({ kind: 'established', passive: true });
export const READABLE: ConnEvent = Object.freeze({ kind: 'readable' });
export const WRITABLE: ConnEvent = Object.freeze({ kind: 'writable' });
export const FIN_EVENT: ConnEvent = Object.freeze({ kind: 'fin' });
export const CLOSED_EVENT: ConnEvent = Object.freeze({ kind: 'closed' });
export const EMPTY = Buffer.alloc(0);
/** Every connection's send buffer until its first write; empty, so nothing ever changes it (consume(0) at most). */
export const IDLE_SEND = new SendBuffer();
/** RFC 9293 3.7.1: the MSS to assume when the peer sends none. */
export const DEFAULT_PEER_MSS = 536;

export abstract class Tcb {
  state: TcpState = 'CLOSED';
  readonly config: TcpConfig;
  readonly localPort: number;
  readonly remotePort: number;
  protected readonly sink: ConnectionSink | undefined;
  /** Outputs waiting for `poll()` (a connection without a sink). */
  private polled: ConnOutput[] | undefined;
  /** Whether timer changes and congestion snapshots are wanted: the sink has the method, or there is no sink. */
  protected readonly wantsTimers: boolean;
  private readonly wantsCongestion: boolean;

  // Send sequence space (RFC 9293 3.3.1). sndMax is the highest sequence number sent, for go-back-N after a timeout.
  readonly iss: number;
  sndUna: number;
  sndNxt: number;
  sndMax: number;
  /** SND.WND, SND.WL1, SND.WL2, the largest window offered and the peer's scale (lib/tcp/windows.ts). */
  protected readonly snd = new SendWindow();
  /** Sequence number of the send buffer's first byte. */
  protected bufSeq: number;

  // Receive sequence space.
  irs = 0;
  /** RCV.WND: the right edge last advertised and our scale (lib/tcp/windows.ts). */
  protected readonly rcv = new RecvWindow();

  // Negotiated options.
  protected tsOk = false;
  protected tsRecent = 0;
  protected readonly tsOffset: number;
  protected sackOk = false;
  /** A duplicate segment's range to report in the next ACK's D-SACK block (RFC 2883 4; TcpConfig.dsack). */
  protected dsackBlock: [number, number] | undefined;
  /** Effective send MSS: payload bytes per full segment. */
  effMss: number;

  /** The shared empty IDLE_SEND until the application first writes (an idle connection holds none). */
  protected sendBuf: SendBuffer = IDLE_SEND;
  protected recvBuf: RecvBuffer | undefined;
  readonly rtt: RttEstimator;
  /** Congestion control (cwnd, ssthresh) and loss recovery, the modules TcpConfig names (lib/tcp/cc). */
  readonly cc: CongestionControl;
  readonly recovery: LossRecovery;

  /** The application asked for FIN (shutdown or close). */
  finQueued = false;
  /** TCP_CORK / MSG_MORE (lib/tcp/send-hold.ts), once the application asked for one. */
  hold: SendHold | undefined;
  /** The linux profile's PSH rule (lib/tcp/linux-push.ts), from the first write. */
  linuxPush: LinuxPush | undefined;
  /** TCP_USER_TIMEOUT (lib/tcp/user-timeout.ts), once the application set one. */
  userTimeout: UserTimeout | undefined;
  /** TCP_INFO's busy and receive-window-limited times (lib/tcp/chrono.ts), where someone asked for them. */
  chrono: SendChrono | undefined;
  /** TCP Fast Open (lib/tcp/tfo.ts, RFC 7413): a client's with MSG_FASTOPEN, a server's on a Fast Open listener. */
  fastOpen: FastOpenClient | FastOpenServer | undefined;
  /** The connection's flags (APP_CLOSED ... OWES_OUTPUT, above). */
  protected bits = 0;

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
  protected peerFinSeq: number | undefined;
  protected get passive(): boolean {
    return (this.bits & PASSIVE) !== 0;
  }

  protected set passive(v: boolean) {
    this.setBit(PASSIVE, v);
  }
  /** Our SYN has been acknowledged. */
  protected get synAcked(): boolean {
    return (this.bits & SYN_ACKED) !== 0;
  }

  protected set synAcked(v: boolean) {
    this.setBit(SYN_ACKED, v);
  }

  /** Both sides sent the window scale option (RFC 7323 2.2). */
  protected get wsAgreed(): boolean {
    return (this.bits & WS_AGREED) !== 0;
  }

  protected set wsAgreed(v: boolean) {
    this.setBit(WS_AGREED, v);
  }

  protected setBit(bit: number, on: boolean): void {
    this.bits = on ? this.bits | bit : this.bits & ~bit;
  }

  /** The timers' deadlines (ms), by kind (lib/tcp/timers.ts). */
  protected readonly timers = new TimerTable();
  /** Consecutive retransmission timeouts (RFC 9293 3.8.3, R2). */
  protected retries = 0;
  protected persistBackoff = 0;
  protected keepaliveProbes = 0;
  // RTT timing of one segment at a time (RFC 6298 3, Karn).
  protected rttSeq: number | undefined;
  protected rttStartMs = 0;
  protected ackNow = false;
  /** Bytes received in order and not yet acknowledged, for "ACK every second full-sized segment" (RFC 5681 4.2). */
  protected unackedBytes = 0;
  protected maxInFlight = 0;
  protected maxInFlightSeq: number | undefined = undefined;
  /** Linux's quick-ACK mode (linux profile): data segments still to be acknowledged at once; undefined before the first. */
  protected quickAcks: number | undefined = undefined;
  /** With TcpConfig.rcvbufAuto, once established: Linux's receive-buffer autotuning and quick ACKs (lib/tcp/rcvbuf-auto.ts). */
  protected rcvAuto: RcvbufAuto | undefined = undefined;
  /** Challenge ACKs sent in the current second of the clock (`start`: now / 1000, floored; RFC 5961 7); made on the first one. */
  protected challenge: { start: number; count: number } | undefined = undefined;
  protected lastCc: CongestionSnapshot | undefined;
  /** Error code given to the application, if the connection failed. */
  error: string | undefined;

  constructor(p: ConnectionParams) {
    this.config = p.config;
    this.localPort = p.localPort;
    this.remotePort = p.remotePort;
    this.sink = p.sink;
    this.wantsTimers = !p.sink || p.sink.timer !== undefined;
    this.wantsCongestion = !p.sink || p.sink.congestion !== undefined;
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
      prr: this.config.prr, undo: this.config.undo, frto: this.config.frto,
    });
    this.cc = congestion.cc;
    this.recovery = congestion.recovery;
    if (p.segmentsUsedAtOnce && p.sink) this.bits |= REUSE_SEGMENTS;
    if (p.headerPrediction ?? predictByDefault) this.bits |= PREDICT;
    if (p.checkInvariants ?? invariantChecksByDefault()) {
      this.bits |= CHECKED;
      CHECKERS.set(this, new InvariantChecker());
    }
  }

  /** Run an application call with the invariant checks: noted in the history, the TCB checked after it. */
  protected checked<T>(now: number, what: string, count: number, run: () => T): T {
    const inv = CHECKERS.get(this)!;
    inv.input(now, what, count);
    const out = run();
    inv.check(now, this.tcbView(inv));
    return out;
  }

  /** The TCB as the invariant checker reads it, written into the checker's one view object. */
  protected tcbView(inv: InvariantChecker): TcbView {
    const v = inv.view;
    v.state = this.state;
    v.iss = this.iss;
    v.sndUna = this.sndUna;
    v.sndNxt = this.sndNxt;
    v.sndMax = this.sndMax;
    v.sndWnd = this.snd.wnd;
    v.bufSeq = this.bufSeq;
    v.sendLength = this.sendBuf.length;
    v.finQueued = this.finQueued;
    v.rcvNxt = this.rcvNxt;
    v.receiving = this.recvBuf !== undefined;
    v.unread = this.readable;
    v.rcvbuf = this.rcvAuto !== undefined ? this.rcvAuto.maxSpace : this.config.rcvbuf;
    v.rcvScale = this.rcv.scale;
    return v;
  }

  /** In-order bytes waiting for the application. */
  get readable(): number {
    return this.recvBuf?.unread ?? 0;
  }

  /** The recovery module's timer, where it wants it now (RFC 8985 6.3, 7.2); nothing for a module without one. */
  protected armRecoveryTimer(now: number, restart = true): void {
    if (!this.recovery.timerAt) return;
    const at = this.recovery.timerAt(now, this.timers.rto, this.rtt.srttMs, restart, this.sackOk);
    if (at === undefined) this.cancelTimer('recovery', now);
    // A later deadline leaves the timer where it is: it fires early, finds nothing due and is set again then
    // (a bulk sender restarts the PTO with every segment; moving the timer each time would cost more than that).
    else if (this.timers.recovery === undefined || at < this.timers.recovery) this.setTimer('recovery', at, now);
  }

  protected setTimer(kind: TimerKind, at: number, now: number): void {
    this.timers.set(kind, at);
    if (this.wantsTimers) this.queueTimer(kind, 'set', at, now);
  }

  protected cancelTimer(kind: TimerKind, now: number): void {
    if (this.timers.at(kind) === undefined) return;
    this.timers.set(kind, undefined);
    if (this.wantsTimers) this.queueTimer(kind, 'cancel', undefined, now);
  }

  protected queueTimer(kind: TimerKind, event: 'set' | 'fire' | 'cancel', at: number | undefined, now: number): void {
    const r = OUTBOX.push(OUT_TIMER, now);
    r.timer = kind;
    r.timerEvent = event;
    r.at = at;
  }

  protected queueEvent(ev: ConnEvent, now: number): void {
    OUTBOX.push(OUT_EVENT, now).value = ev;
  }

  // ---------------------------------------------------------------- outputs (lib/tcp/outbox.ts)

  /**
   * Hand over the outputs this call queued, records `mark` and up of the stack, in order: to the sink, or to
   * `poll()`. A call the sink makes back into a connection queues above them and hands over its own first.
   */
  protected deliver(mark: number): void {
    const box = OUTBOX;
    const sink = this.sink;
    try {
      if (!sink) {
        for (let i = mark; i < box.len; i++) {
          const r = box.recs[i];
          (this.polled ??= []).push(polledOutput(r));
          r.seg = undefined;
          r.value = undefined;
        }
        return;
      }
      // Each record lets go of what it held as it is handed over (box.len grows if the sink calls back in;
      // those records are handed over and taken off again before the call returns).
      for (let i = mark; i < box.len; i++) {
        const r = box.recs[i];
        switch (r.kind) {
          case OUT_TRANSMIT: { const seg = r.seg!; r.seg = undefined; sink.transmit(seg, r.info as TxInfo, r.now); break; }
          case OUT_STATE: sink.state(r.from, r.to, r.cause, r.now); break;
          case OUT_EVENT: { const v = r.value as ConnEvent; r.value = undefined; sink.event(v, r.now); break; }
          case OUT_TIMER: sink.timer!(r.timer, r.timerEvent, r.at, r.now); break;
          case OUT_CONGESTION: { const v = r.value as CongestionSnapshot; r.value = undefined; sink.congestion!(v, r.now); break; }
        }
      }
    } finally {
      // (After a sink threw, the records not handed over keep what they held until they are reused.)
      box.len = mark;
    }
  }

  /** The next output of a connection without a sink, oldest first; undefined when none waits. */
  poll(): ConnOutput | undefined {
    return this.polled?.shift();
  }

  protected tsOption(now: number, tsecr: number): TcpOption {
    return { kind: 'timestamps', tsval: this.tsClock(now), tsecr };
  }

  /** Our timestamp clock (RFC 7323 5.4): 1 ms ticks, offset so that it does not reveal the clock's origin. */
  protected tsClock(now: number): number {
    return (Math.floor(now) + this.tsOffset) >>> 0;
  }

  // ---------------------------------------------------------------- state

  /**
   * Every change of state goes through here, with its cause ("rcv SYN", "app close", ...). With the invariant
   * checks on (tests), a change that RFC 9293's state diagram does not have (lib/tcp/states.ts) throws
   * InvariantError. `report` false: not told to the sink (LISTEN, where a passive history starts).
   */
  protected transition(to: TcpState, cause: string, now: number, report = true): void {
    const from = this.state;
    if (from === to) return;
    this.state = to;
    if (this.bits & CHECKED) {
      const inv = CHECKERS.get(this)!;
      inv.state(now, this.tcbView(inv), from, to, cause);
    }
    if (report) {
      const r = OUTBOX.push(OUT_STATE, now);
      r.from = from;
      r.to = to;
      r.cause = cause;
    }
  }

  protected enterTimeWait(cause: string, now: number): void {
    for (const t of TIMER_KINDS) if (t !== 'timewait') this.cancelTimer(t, now);
    this.transition('TIME-WAIT', cause, now);
    // RFC 9293 3.10.7.4: TIME-WAIT lasts 2 MSL.
    this.setTimer('timewait', now + 2 * this.config.mslMs, now);
    // Nothing more will be sent or received in order (our FIN is acknowledged, so the send buffer is
    // empty): give back the buffers' memory for the 2 MSL, as Linux keeps only a small timewait sock.
    if (this.sendBuf.length === 0) this.sendBuf = IDLE_SEND;
    this.recvBuf?.release();
  }

  protected fail(code: string, cause: string, now: number): void {
    this.error = code;
    this.queueEvent({ kind: 'error', code }, now);
    this.enterClosed(cause, now);
  }

  protected enterClosed(cause: string, now: number): void {
    for (const t of TIMER_KINDS) this.cancelTimer(t, now);
    this.transition('CLOSED', cause, now);
    this.queueEvent(CLOSED_EVENT, now);
  }

  // ---------------------------------------------------------------- helpers

  /** SND.WND (bytes, scaled): the window the peer offers. */
  get sndWnd(): number {
    return this.snd.wnd;
  }

  /** Bytes sent and not acknowledged (sequence space, SYN and FIN included). */
  get flight(): number {
    return Math.max(0, seqDiff(this.sndNxt, this.sndUna));
  }

  protected unsentBytes(): number {
    return Math.max(0, this.sendBuf.length - seqDiff(this.sndNxt, this.bufSeq));
  }

  protected finAcked(): boolean {
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
    const window = this.recvBuf ? this.rcv.lastField(this.recvBuf.rcvNxt) : synWindow(this.config.rcvbuf);
    const out: ReturnType<Tcb['headerNow']> = { window, scale: this.rcv.scale, peerWindow: Math.min(0xffff, this.snd.wnd >>> this.snd.scale), peerScale: this.snd.scale };
    if (this.tsOk) out.ts = { tsval: this.tsClock(now), tsecr: this.tsRecent };
    return out;
  }

  protected reportCongestion(now: number): void {
    if (!this.wantsCongestion) return;
    const flight = this.flight;
    const pipe = this.recovery.pipe(flight);
    const snap: CongestionSnapshot = { cwnd: this.cc.cwnd, ssthresh: this.cc.ssthresh, flight, sndWnd: this.snd.wnd, rto: this.rtt.rtoMs };
    if (pipe !== flight) snap.pipe = pipe;
    this.extendSnapshot(snap);
    const l = this.lastCc;
    if (l && l.cwnd === snap.cwnd && l.ssthresh === snap.ssthresh && l.flight === snap.flight && l.sndWnd === snap.sndWnd && l.rto === snap.rto && l.pipe === snap.pipe && sameExtension(l, snap)) return;
    this.lastCc = snap;
    OUTBOX.push(OUT_CONGESTION, now).value = snap;
  }

  /** Arm the persist timer (TcpTimers). */
  protected abstract armPersist(now: number): void;

  /** What the trace last showed of the controller's state and of the scoreboard (each written only when it changes). */
  private lastCcState = '';
  private lastBoard: ScoreboardView | undefined;

  /** The `cc` event's additions where a module has them: CUBIC's state, the scoreboard's ranges (docs/trace-format.md). */
  private extendSnapshot(snap: CongestionSnapshot): void {
    const st = this.cc.traceState?.();
    if (st) {
      const key = `${st.phase} ${st.wMax} ${st.k}`;
      if (key !== this.lastCcState) {
        this.lastCcState = key;
        snap.phase = st.phase;
        if (st.wMax !== undefined) {
          snap.wMax = st.wMax;
          snap.k = st.k;
        }
      }
    }
    if (!this.recovery.scoreboardView) return;
    // The module hands the same object back while its scoreboard is unchanged.
    const v = this.recovery.scoreboardView();
    if (v === this.lastBoard) return;
    this.lastBoard = v;
    snap.sacked = v?.sacked ?? [];
    snap.lost = v?.lost ?? [];
    snap.rtx = v?.rtx ?? [];
  }
}

/** Whether a snapshot adds nothing of the modules' (their fields are set only when they changed). */
function sameExtension(_last: CongestionSnapshot, snap: CongestionSnapshot): boolean {
  return snap.phase === undefined && snap.sacked === undefined;
}

/** The window a SYN offers: never scaled (RFC 7323 2.2), so at most 65535. */
export function synWindow(rcvbuf: number): number {
  return Math.min(rcvbuf, 0xffff);
}

/** The smallest window-scale shift that lets the 16-bit field cover `bytes` (RFC 7323 2.3), at most 14. */
export function scaleFor(bytes: number): number {
  let s = 0;
  while (s < 14 && bytes / 2 ** s > 0xffff) s++;
  return s;
}

function polledOutput(r: import('./outbox.ts').OutRecord): ConnOutput {
  switch (r.kind) {
    case OUT_TRANSMIT: return { kind: 'transmit', segment: r.seg!, info: r.info as TxInfo, now: r.now };
    case OUT_STATE: return { kind: 'state', from: r.from, to: r.to, cause: r.cause, now: r.now };
    case OUT_EVENT: return { kind: 'event', event: r.value as ConnEvent, now: r.now };
    case OUT_TIMER: return { kind: 'timer', timer: r.timer, action: r.timerEvent, at: r.at, now: r.now };
    default: return { kind: 'congestion', snapshot: r.value as CongestionSnapshot, now: r.now };
  }
}
