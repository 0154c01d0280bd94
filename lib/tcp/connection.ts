import { OPTION_NOP as NOP } from '../wire/tcp-types.ts';
import { seqAdd } from '../wire/seq.ts';
import { SendBuffer, type SendData } from './send-buffer.ts';
import { SendHold } from './send-hold.ts';
import { CHECKED, ConnectionError, EMPTY, IDLE_SEND, scaleFor } from './tcb.ts';
import { PLAIN } from './output.ts';
import { TcpInput } from './input.ts';
import { OUTBOX } from './outbox.ts';
import { linuxSndbuf } from './sndbuf-auto.ts';

/**
 * One TCP connection, sans-IO: RFC 9293 section 3.10's event processing, in layers as Linux splits
 * tcp_input / tcp_output / tcp_timer: tcb.ts (the TCB, its state and transitions), output.ts (the segments
 * it sends), timeouts.ts (its timers firing), input.ts (SEGMENT ARRIVES, 3.10.7) and here the user calls
 * (3.10.1 - 3.10.6). Every entry point takes `now` (ms); nothing reads a clock, starts a timer or touches a socket.
 * Outputs (segments, state changes, application events, timer changes) are queued while a call works and
 * handed over in order when it is done (lib/tcp/outbox.ts): to the sink, or kept for the owner's `poll()`;
 * the owner asks `nextDeadline()` when to call `onTimer(now)` next.
 */

export type { TcpState } from './states.ts';
export type { TimerKind } from './timers.ts';
export { ConnectionError, scaleFor, type CongestionSnapshot, type ConnEvent, type ConnectionParams, type ConnectionSink, type ConnOutput, type TxInfo } from './tcb.ts';
export { setHeaderPrediction } from './tcb.ts';
export { resetFor, synOptionsOf } from './input.ts';

export class Connection extends TcpInput {
  /** With TcpConfig.sndbufAuto: the most the send buffer has grown to (sendBufLimit); 0 before it grows. */
  private sndbufNow = 0;

  // ---------------------------------------------------------------- user calls (RFC 9293 3.10.1 - 3.10.6)

  /**
   * Active OPEN (3.10.1): send a SYN and enter SYN-SENT. `data`: written before the SYN goes, so that a Fast
   * Open client (`fastOpen` set, RFC 7413) puts what its cookie allows on the SYN; returns the bytes taken.
   */
  connect(now: number, data?: Buffer): number {
    const mark = OUTBOX.len;
    try {
      if (this.bits & CHECKED) return this.checked(now, 'app connect', -1, () => this.doConnect(now, data));
      return this.doConnect(now, data);
    } finally {
      if (OUTBOX.len !== mark) this.deliver(mark);
    }
  }

  protected doConnect(now: number, data?: Buffer): number {
    if (this.state !== 'CLOSED') throw new ConnectionError('EISCONN', `connect in ${this.state}`);
    this.rcv.scale = this.config.windowScale ? scaleFor(this.config.scaleBytes ?? this.config.rcvbuf) : 0;
    this.transition('SYN-SENT', 'app connect', now);
    const n = data && data.length > 0 ? this.doSend(data, now, 0) : 0;
    this.sendSyn(now, false, PLAIN);
    return n;
  }

  /**
   * Passive OPEN (3.10.1): the host creates a connection for each SYN that reaches a listening port.
   * It is born in LISTEN (no CLOSED -> LISTEN event: docs/trace-format.md starts a passive history at LISTEN).
   */
  listen(now: number): void {
    const mark = OUTBOX.len;
    try {
      if (this.state !== 'CLOSED') throw new ConnectionError('EISCONN', `listen in ${this.state}`);
      this.passive = true;
      this.transition('LISTEN', 'app listen', now, false);
    } finally {
      if (OUTBOX.len !== mark) this.deliver(mark);
    }
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
    return Math.max(0, this.sendBufLimit() - this.sendBuf.length);
  }

  /**
   * The send buffer's size: `sndbuf`, or with TcpConfig.sndbufAuto what Linux grows it to (lib/tcp/sndbuf-auto.ts):
   * asked when the application has data to write, as Linux grows it when an ACK frees room for a waiting
   * writer, and only while cwnd is not full (tcp_should_expand_sndbuf). It never shrinks.
   */
  private sendBufLimit(): number {
    if (!this.config.sndbufAuto) return this.config.sndbuf;
    if (!this.isSynchronized()) return Math.max(this.config.sndbuf, this.sndbufNow);
    if (this.flight < this.cc.cwnd) {
      const grown = linuxSndbuf(this.effMss + (this.tsOk ? 12 : 0), Math.floor(this.cc.cwnd / this.effMss));
      if (grown > this.sndbufNow) this.sndbufNow = grown;
    }
    return Math.max(this.config.sndbuf, this.sndbufNow);
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
    const mark = OUTBOX.len;
    try {
      if (this.bits & CHECKED) return this.checked(now, 'app send', data.length - start, () => this.doSend(data, now, start));
      return this.doSend(data, now, start);
    } finally {
      if (OUTBOX.len !== mark) this.deliver(mark);
    }
  }

  protected doSend(data: SendData, now: number, start: number): number {
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
    this.hold?.wrote(seqAdd(this.bufSeq, this.sendBuf.length));
    if (this.config.profile === 'linux') this.notePushMarks(n);
    if (this.isSynchronized()) {
      this.restartIfIdle(now); // RFC 5681 4.1: after an idle spell, before the new data goes
      this.output(now);
    }
    return n;
  }

  /**
   * TCP_INFO's counters (lib/packetdrill/tcpinfo.ts): retransmission timeouts since data was last
   * acknowledged (Linux's icsk_retransmits), and zero-window or keep-alive probes unanswered (icsk_probes_out).
   */
  get timeoutsInARow(): number {
    return this.retries;
  }

  /**
   * TCP_INFO's tcpi_options, Linux's TCPI_OPT_* bits: timestamps 1, SACK 2, window scale 4, and 32 when the SYN's
   * data was acknowledged (client) or taken (server) with Fast Open.
   */
  get infoOptions(): number {
    const fo = this.fastOpen;
    const synData = fo === undefined ? false : 'synDataAcked' in fo ? fo.synDataAcked : fo.synDataAccepted;
    return (this.tsOk ? 1 : 0) | (this.sackOk ? 2 : 0) | (this.wsAgreed ? 4 : 0) | (synData ? 32 : 0);
  }

  /**
   * TCP_WINDOW_CLAMP (Linux): the most receive window this side offers from now on, in bytes; Infinity for no
   * bound. An edge already offered is never taken back (RFC 9293 3.8.6.2.2): the window closes to it as data comes.
   */
  set windowClamp(bytes: number) {
    this.rcv.clamp = bytes;
  }

  get probesUnanswered(): number {
    return this.persistBackoff + this.keepaliveProbes;
  }

  /** The connection's TCP_CORK / MSG_MORE state, made on first use (lib/tcp/send-hold.ts). */
  sendHold(): SendHold {
    return (this.hold ??= new SendHold());
  }

  /**
   * Linux's tcp_push_pending_frames after TCP_CORK is cleared or TCP_NODELAY set: send what may go now;
   * with `force`, also the short segment a cork holds (TCP_NAGLE_PUSH).
   */
  pushPending(now: number, force: boolean): void {
    if (!this.isSynchronized()) return;
    const hold = this.sendHold();
    hold.pushing = force;
    const mark = OUTBOX.len;
    try {
      this.output(now);
    } finally {
      hold.pushing = false;
      if (OUTBOX.len !== mark) this.deliver(mark);
    }
  }

  /** End of stream: the peer's FIN arrived and every byte before it has been read. */
  get eof(): boolean {
    return this.finReceived && this.readable === 0;
  }

  /** RECEIVE (3.10.3): take up to `max` bytes; the freed space may reopen the window (3.8.6.2.2). */
  read(max: number, now: number): Buffer {
    const mark = OUTBOX.len;
    try {
      if (this.bits & CHECKED) return this.checked(now, 'app read', max, () => this.doRead(max, now));
      return this.doRead(max, now);
    } finally {
      if (OUTBOX.len !== mark) this.deliver(mark);
    }
  }

  protected doRead(max: number, now: number): Buffer {
    if (!this.recvBuf) return EMPTY;
    const out = this.recvBuf.read(max);
    this.afterRead(out.length, now);
    return out;
  }

  /** Like read, but copied into the start of the application's `target` (Node's `onread`); returns how many bytes. */
  readInto(target: Uint8Array, max: number, now: number): number {
    const mark = OUTBOX.len;
    try {
      if (this.bits & CHECKED) return this.checked(now, 'app read', max, () => this.doReadInto(target, max, now));
      return this.doReadInto(target, max, now);
    } finally {
      if (OUTBOX.len !== mark) this.deliver(mark);
    }
  }

  protected doReadInto(target: Uint8Array, max: number, now: number): number {
    if (!this.recvBuf) return 0;
    const n = this.recvBuf.readInto(target, max);
    this.afterRead(n, now);
    return n;
  }

  /** After a read of `n` bytes: the freed space may reopen the window (3.8.6.2.2), until the peer's FIN. */
  protected afterRead(n: number, now: number): void {
    if (this.rcvAuto !== undefined && n > 0) this.rcvAuto.read(n, now, this.readable); // Linux's tcp_rcv_space_adjust (lib/tcp/rcvbuf-auto.ts)
    if (n > 0 && this.isSynchronized() && !this.finReceived) this.maybeWindowUpdate(now);
  }

  /**
   * Half-close (Node's `end()`): send FIN once the queued data is sent, keep receiving (3.10.4 CLOSE,
   * which in RFC 9293 closes only the sending direction).
   */
  shutdown(now: number): void {
    const mark = OUTBOX.len;
    try {
      if (this.bits & CHECKED) return this.checked(now, 'app shutdown', -1, () => this.closeSending(now, 'app shutdown'));
      this.closeSending(now, 'app shutdown');
    } finally {
      if (OUTBOX.len !== mark) this.deliver(mark);
    }
  }

  /**
   * Full close (Node's `destroy()` after `end()`): FIN as for shutdown, and the application reads no
   * more. Unread data makes it an abort, as Linux and BSD do (RFC 2525 2.17; RFC 1122 4.2.2.13).
   */
  close(now: number): void {
    const mark = OUTBOX.len;
    try {
      if (this.bits & CHECKED) return this.checked(now, 'app close', -1, () => this.doClose(now));
      this.doClose(now);
    } finally {
      if (OUTBOX.len !== mark) this.deliver(mark);
    }
  }

  protected doClose(now: number): void {
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

  protected closeSending(now: number, cause: string): void {
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
          this.transition('FIN-WAIT-1', cause, now);
          this.output(now);
        }
        return;
      case 'ESTABLISHED':
        this.finQueued = true;
        this.transition('FIN-WAIT-1', cause, now);
        this.output(now);
        return;
      case 'CLOSE-WAIT':
        this.finQueued = true;
        this.transition('LAST-ACK', cause, now);
        this.output(now);
        return;
      default:
        if (this.finQueued) return; // a second shutdown is harmless, as in Node
        throw new ConnectionError('EPIPE', 'connection closing');
    }
  }

  /** ABORT (3.10.5): RST to the peer where it knows us, then CLOSED. */
  abort(now: number): void {
    const mark = OUTBOX.len;
    try {
      if (this.bits & CHECKED) return this.checked(now, 'app abort', -1, () => this.doAbort(now));
      this.doAbort(now);
    } finally {
      if (OUTBOX.len !== mark) this.deliver(mark);
    }
  }

  protected doAbort(now: number): void {
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
}
