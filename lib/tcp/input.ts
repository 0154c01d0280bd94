import { OUTBOX } from './outbox.ts';
import { ACK, FIN, NO_OPTIONS, RST, SYN, seqLen, timestampsOption, type TcpSegment } from '../wire/tcp-types.ts';
import { pawsRejects } from './paws.ts';
import { seqAdd, seqDiff, seqGe, seqGt, seqInRange, seqLe, seqLt, seqMin } from '../wire/seq.ts';
import type { TcpState } from './states.ts';
import { RecvBuffer } from './recv-buffer.ts';
import type { AckSample, SackBlock } from './cc/types.ts';
import { FastOpenClient, FastOpenServer } from './tfo.ts';
import { APP_CLOSED, CHECKED, OWES_OUTPUT, PREDICT, CHECKERS, DEFAULT_PEER_MSS, EMPTY, ESTABLISHED_ACTIVE, ESTABLISHED_PASSIVE, FIN_EVENT, READABLE, SYN_ACKED, WRITABLE, scaleFor, synWindow } from './tcb.ts';
import { PLAIN, SYN_ACK_FOR_DUP_SYN } from './output.ts';
import { TcpTimers } from './timeouts.ts';
import { MAX_QUICKACKS, RcvbufAuto } from './rcvbuf-auto.ts';

/** Segment arrives (RFC 9293 3.10.7; Linux's tcp_input): LISTEN, SYN-SENT, and the synchronized states' steps in the RFC's order. */

/** The TSecr of a segment's timestamps option, if it has one. */
function echoedTimestamp(seg: TcpSegment): number | undefined {
  return timestampsOption(seg.options)?.tsecr;
}

/**
 * A segment on its way through 3.10.7.4's steps: the segment as it came, and what is left of it after
 * trimming to the window (seq, flags, payload). segLen is the untrimmed length in sequence space.
 */
interface Arrival {
  seg: TcpSegment;
  seq: number;
  flags: number;
  payload: Buffer;
  segLen: number;
}

/**
 * The Arrival every segment's steps use, refilled for each (a pure ACK of a bulk sender takes these steps, so
 * one object a segment would be garbage on every other segment). A segment's steps never run inside another's
 * (a connection's outputs are handed over after its steps); ARRIVAL_IN_USE makes a fresh one if they ever did.
 */
/** What ARRIVAL holds between segments (nothing of the last one, so its packet can go). */
const ARRIVAL_EMPTY_SEG: TcpSegment = { srcPort: 0, dstPort: 0, seq: 0, ack: 0, flags: 0, window: 0, urgent: 0, options: NO_OPTIONS, payload: Buffer.alloc(0) };
const ARRIVAL: Arrival = { seg: ARRIVAL_EMPTY_SEG, seq: 0, flags: 0, payload: ARRIVAL_EMPTY_SEG.payload, segLen: 0 };
let ARRIVAL_IN_USE = false;

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
  sndUna: 0, sndNxt: 0, sndMax: 0, cwndLimited: false, rttMs: undefined, srttMs: undefined, tsecr: undefined, newBytes: 0, now: 0,
};

export abstract class TcpInput extends TcpTimers {
  // ---------------------------------------------------------------- SEGMENT ARRIVES (3.10.7)

  onSegment(seg: TcpSegment, now: number): void {
    const mark = OUTBOX.len;
    try {
      if (this.bits & CHECKED) {
        const inv = CHECKERS.get(this)!;
        inv.segmentIn(now, seg);
        this.arrive(seg, now);
        inv.check(now, this.tcbView(inv));
      } else {
        this.arrive(seg, now);
      }
    } finally {
      if (OUTBOX.len !== mark) this.deliver(mark);
    }
    if (this.bits & OWES_OUTPUT) this.sendOwed(now);
  }

  /** 3.10.7.4's last step, after the application has heard of the segment (OWES_OUTPUT). */
  protected sendOwed(now: number): void {
    this.bits &= ~OWES_OUTPUT;
    if (this.state === 'CLOSED') return;
    const mark = OUTBOX.len;
    try {
      this.output(now);
      if (this.bits & CHECKED) {
        const inv = CHECKERS.get(this)!;
        inv.check(now, this.tcbView(inv));
      }
    } finally {
      if (OUTBOX.len !== mark) this.deliver(mark);
    }
  }

  protected arrive(seg: TcpSegment, now: number): void {
    switch (this.state) {
      case 'CLOSED': return; // the host answers segments for closed connections (3.10.7.1)
      case 'LISTEN': this.onSegmentListen(seg, now); return;
      case 'SYN-SENT': this.onSegmentSynSent(seg, now); return;
      default: this.onSegmentSynchronized(seg, now);
    }
  }

  /** 3.10.7.2: LISTEN. */
  protected onSegmentListen(seg: TcpSegment, now: number): void {
    if (seg.flags & RST) return;
    if (seg.flags & ACK) {
      this.emit(resetFor(seg), { retransmit: false, why: 'reset' }, now);
      return;
    }
    if (!(seg.flags & SYN)) return;
    this.irs = seg.seq;
    this.recvBuf = new RecvBuffer(seqAdd(seg.seq, 1));
    this.takeSynOptions(seg);
    this.transition('SYN-RECEIVED', 'rcv SYN', now);
    // RFC 7413 4.2.2: with a valid cookie the SYN's data is taken, the SYN-ACK acknowledges it, and the
    // application may accept the connection now (lib/tcp/tfo.ts).
    const early = this.fastOpen instanceof FastOpenServer && this.fastOpen.onSyn(seg.options, seg.payload.length).acceptData;
    if (early && seg.payload.length > 0) this.recvBuf.insert(seqAdd(seg.seq, 1), seg.payload);
    this.sendSyn(now, true, PLAIN);
    if (early) {
      this.queueEvent(ESTABLISHED_PASSIVE, now);
      if (this.recvBuf.unread > 0) this.queueEvent(READABLE, now);
    }
  }

  /** 3.10.7.3: SYN-SENT. */
  protected onSegmentSynSent(seg: TcpSegment, now: number): void {
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
    this.rcv.offeredSyn(this.recvBuf.rcvNxt, synWindow(this.config.rcvbuf));
    this.takeSynOptions(seg);
    if (hasAck) {
      this.onAckOfSyn(seg, now);
      this.transition('ESTABLISHED', 'rcv SYN-ACK', now);
      // The ACK completing the handshake leaves before the application hears of it (as connect() returns on Linux).
      this.ackNow = true;
      this.output(now);
      this.queueEvent(ESTABLISHED_ACTIVE, now);
      if (this.state === 'ESTABLISHED') this.afterEstablished(now);
      return;
    }
    // Simultaneous open (3.5, figure 8): answer with SYN,ACK from the same ISS.
    this.transition('SYN-RECEIVED', 'rcv SYN', now);
    this.sendSyn(now, true, PLAIN);
  }

  protected onAckOfSyn(seg: TcpSegment, now: number): void {
    this.synAcked = true;
    this.sndUna = seg.ack;
    if (seqLt(this.sndNxt, this.sndUna)) this.sndNxt = this.sndUna;
    // RFC 7323 2.2: the window of a SYN segment is never scaled.
    this.snd.start(seg.window);
    this.snd.touch(seg.seq, seg.ack);
    if (this.rttSeq !== undefined && seqGe(seg.ack, this.rttSeq)) this.rtt.sample(now - this.rttStartMs, this.sndUna, this.sndNxt);
    this.rttSeq = undefined;
    this.retries = 0;
    this.cancelTimer('rto', now);
    if (this.fastOpen instanceof FastOpenClient) this.fastOpenAcked(seg);
  }

  /**
   * RFC 7413 4.2.1: the ACK of a client's SYN: the cookie of a SYN-ACK is kept, the SYN's data it covers leaves the
   * send buffer, and what it does not cover goes again at once (Linux's tcp_rcv_fastopen_synack).
   */
  private fastOpenAcked(seg: TcpSegment): void {
    const fo = this.fastOpen as FastOpenClient;
    if (seg.flags & SYN) fo.onSynAck(seg.options, synOptionsOf(seg).mss);
    const taken = Math.max(0, Math.min(this.sendBuf.length, seqDiff(seg.ack, this.bufSeq)));
    if (taken > 0) {
      this.sendBuf.consume(taken);
      this.bufSeq = seqAdd(this.bufSeq, taken);
      fo.synDataAcked = true;
    }
    if (seqLt(this.sndUna, this.sndNxt)) this.sndNxt = this.sndUna;
  }

  protected afterEstablished(now: number): void {
    if (this.config.rcvbufAuto && this.rcvAuto === undefined) {
      this.rcvAuto = new RcvbufAuto(this.config.mss, synWindow(this.config.rcvbuf));
      this.rcvAuto.established(now);
    }
    this.lastDataSentMs = now; // idle is counted from here until data is sent (Linux: no restart on the first data)
    this.armKeepalive(now);
    if (this.finQueued && this.state === 'ESTABLISHED') this.transition('FIN-WAIT-1', this.appClosed ? 'app close' : 'app shutdown', now);
    this.output(now);
  }

  /**
   * 3.10.7.4: every other state. After header prediction, the RFC's steps in its order, each a method
   * that says whether processing goes on: first the sequence number (and trimming to the window), second
   * RST, fourth SYN, fifth ACK, seventh the text, eighth FIN. (Third, security, and sixth, URG, are not
   * modelled: no IP security options, and the urgent pointer is neither sent nor read.)
   */
  protected onSegmentSynchronized(seg: TcpSegment, now: number): void {
    const rb = this.recvBuf!;
    const rcvWnd = this.rcv.wnd(rb.rcvNxt);
    // RFC 7323 5.3 R1 (lib/tcp/paws.ts): an old duplicate by its timestamp is dropped, and answered with an ACK.
    if (this.tsOk && !(seg.flags & RST)) {
      const ts = timestampsOption(seg.options);
      if (ts && pawsRejects(this.tsRecent, ts.tsval, this.config.profile === 'linux')) {
        this.ackNow = true;
        this.output(now);
        return;
      }
    }
    // Header prediction (Van Jacobson's, as in BSD's tcp_input and Linux's fast path): most of a bulk
    // transfer is the next data in sequence, inside the window, acknowledging nothing new and leaving the
    // send window as it was, on an established connection (whose application still reads: see stopReading)
    // with nothing out of order. For it every step
    // below comes to what onPredictedData does, in the same order.
    const flags = seg.flags;
    if (
      (flags & (SYN | FIN | RST | ACK)) === ACK && seg.seq === rb.rcvNxt && this.state === 'ESTABLISHED'
      && seg.payload.length > 0 && seg.payload.length <= rcvWnd && seg.ack === this.sndUna && this.snd.offered(seg.window) === this.snd.wnd
      && !rb.hasGaps && this.peerFinSeq === undefined && (this.bits & (SYN_ACKED | APP_CLOSED | PREDICT)) === (SYN_ACKED | PREDICT)
    ) {
      this.onPredictedData(seg, rb, now);
      return;
    }
    const shared = !ARRIVAL_IN_USE;
    const a: Arrival = shared ? ARRIVAL : { seg, seq: 0, flags: 0, payload: seg.payload, segLen: 0 };
    a.seg = seg;
    a.seq = seg.seq;
    a.flags = flags;
    a.payload = seg.payload;
    a.segLen = seqLen(seg);
    if (shared) ARRIVAL_IN_USE = true;
    try {
      if (!this.checkSequenceNumber(a, rb, rcvWnd, now)) return;
      if (!this.checkRst(a, rb, now)) return;
      if (!this.checkSyn(a, now)) return;
      if (!this.checkAck(a, now)) return;
      const advanced = this.processText(a, rb, now);
      this.checkFin(a, rb, advanced, now);
      this.bits |= OWES_OUTPUT;
    } finally {
      if (shared) {
        ARRIVAL_IN_USE = false;
        a.seg = ARRIVAL_EMPTY_SEG;
        a.payload = EMPTY;
      }
    }
  }

  /**
   * 3.10.7.4 first: is the segment acceptable? An unacceptable one is answered (an ACK, a SYN-ACK again, a
   * challenge ACK) and dropped. An acceptable one restarts the keep-alive, is refused with a RST when it
   * brings data to an application that closed, and is trimmed to the window (a.seq, a.flags, a.payload).
   */
  protected checkSequenceNumber(a: Arrival, rb: RecvBuffer, rcvWnd: number, now: number): boolean {
    const seg = a.seg;
    const segLen = a.segLen;
    let { seq, flags, payload } = a;
    if (!acceptable(seq, segLen, rb.rcvNxt, rcvWnd) && !this.acceptableAtEdge(seq, segLen, flags, rb.rcvNxt, rcvWnd)) {
      if (flags & RST) return false;
      if (this.state === 'SYN-RECEIVED' && flags & SYN && !(flags & ACK) && seq === this.irs) {
        // Our SYN-ACK was lost and the peer repeats its SYN: repeat the SYN-ACK.
        this.sendSyn(now, true, SYN_ACK_FOR_DUP_SYN);
        return false;
      }
      if (this.state === 'SYN-RECEIVED' && (flags & (SYN | ACK)) === (SYN | ACK) && seq === this.irs && seqGt(seg.ack, this.sndUna) && seqLe(seg.ack, this.sndMax)) {
        // Simultaneous open: the peer's SYN,ACK acknowledges our SYN (3.5 figure 8, line 5). Linux accepts it likewise,
        // and reports its SYN, received before, as a duplicate (RFC 2883 4; tcp_data_queue's D-SACK).
        this.onAckOfSyn(seg, now);
        this.noteDuplicate(seq, seqAdd(seq, 1));
        this.enterEstablishedFromSynReceived(now, 'rcv SYN-ACK');
        return false;
      }
      // RFC 5961 4.2: a SYN earns a challenge ACK "irrespective of the sequence number", so rate-limited
      // like every other (Linux: tcp_validate_incoming's syn_challenge), not one ACK per forged SYN.
      if (flags & SYN) {
        this.challengeAck(now);
        return false;
      }
      if (this.state === 'TIME-WAIT' && flags & FIN && seqAdd(seq, segLen) === rb.rcvNxt) {
        // A retransmitted FIN: acknowledge it and restart the 2 MSL timer (3.10.7.4, eighth).
        this.setTimer('timewait', now + 2 * this.config.mslMs, now);
      }
      // RFC 2883 4: a duplicate of data already received is reported in a D-SACK block.
      if (payload.length > 0 && seqLe(seqAdd(seq, payload.length), rb.rcvNxt)) this.noteDuplicate(seq, seqAdd(seq, payload.length));
      this.ackNow = true;
      this.output(now);
      return false;
    }
    this.onAnySegment(now);

    // RFC 1122 4.2.2.13: new data for an application that has closed (not merely shut down) cannot be
    // delivered; a RST says it was lost, and the connection ends (Linux's tcp_rcv_state_process: reset in
    // FIN-WAIT-1 and FIN-WAIT-2 after a close; ESTABLISHED here when the FIN waits behind writes, see
    // stopReading). ACKing it instead would close the window for ever.
    if (this.appClosed && payload.length > 0 && (this.state === 'ESTABLISHED' || this.state === 'FIN-WAIT-1' || this.state === 'FIN-WAIT-2')
      && seqGt(seqAdd(seq, payload.length), rb.rcvNxt) && !(flags & RST)) {
      this.resetOnDataAfterClose(seg, now);
      return false;
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
    a.seq = seq;
    a.flags = flags;
    a.payload = payload;
    // Text or a FIN that trimming left nothing of (a segment taken at the edge, see acceptableAtEdge: all
    // of it old, or all past the window) is answered at once, as an unacceptable one is.
    if (segLen > 0 && payload.length === 0 && !(flags & (SYN | FIN | RST))) this.ackNow = true;

    if (this.tsOk) this.takeTimestamp(seg, seq, rb.rcvNxt);
    return true;
  }

  /** 3.10.7.4 second, the RST bit (RFC 5961 3.2: only an exact match resets; in-window earns a challenge ACK). */
  protected checkRst(a: Arrival, rb: RecvBuffer, now: number): boolean {
    if (!(a.flags & RST)) return true;
    if (a.seg.seq !== rb.rcvNxt) this.challengeAck(now);
    else this.onReset(now);
    return false;
  }

  /** 3.10.7.4 fourth, the SYN bit (RFC 5961 4.2): a SYN in a synchronized state earns a challenge ACK. */
  protected checkSyn(a: Arrival, now: number): boolean {
    if (!(a.flags & SYN)) return true;
    this.challengeAck(now);
    return false;
  }

  /**
   * 3.10.7.4 fifth, the ACK field: a segment without one is dropped; in SYN-RECEIVED it must cover our SYN;
   * else the ACK is taken (takeAck), and then what it does to the state (ackMovesState).
   */
  protected checkAck(a: Arrival, now: number): boolean {
    if (!(a.flags & ACK)) return false;
    if (!this.synAcked) {
      if (!this.ackOfSynReceived(a.seg, now)) return false;
    } else if (!this.takeAck(a.seg, a.payload.length, a.flags, now)) {
      return false;
    }
    if (this.state === 'CLOSED') return false;
    return this.ackMovesState(now);
  }

  /**
   * The ACK of SYN-RECEIVED, or of FIN-WAIT-1 entered from it by a CLOSE (3.10.4): it must cover our SYN,
   * else it is answered with a reset. Returns whether processing goes on.
   */
  protected ackOfSynReceived(seg: TcpSegment, now: number): boolean {
    if (!(seqGt(seg.ack, this.sndUna) && seqLe(seg.ack, this.sndMax))) {
      this.emit(resetFor(seg), { retransmit: false, why: 'reset' }, now);
      return false;
    }
    const closing = this.state === 'FIN-WAIT-1';
    this.onAckOfSyn(seg, now);
    this.snd.start(this.snd.offered(seg.window));
    if (closing) {
      this.queueEvent(this.passive ? ESTABLISHED_PASSIVE : ESTABLISHED_ACTIVE, now);
      if (this.flight > 0) this.setTimer('rto', now + this.rtt.rtoMs, now);
      return true;
    }
    this.enterEstablishedFromSynReceived(now, 'rcv ACK of SYN');
    return this.state === 'ESTABLISHED' || (this.state as TcpState) === 'FIN-WAIT-1';
  }

  /**
   * 3.10.7.4 fifth, what the ACK does to the state: FIN-WAIT-1 to FIN-WAIT-2 once our FIN is acknowledged,
   * CLOSING to TIME-WAIT, LAST-ACK to CLOSED. CLOSING and LAST-ACK take nothing past the ACK step ("otherwise
   * ignore the segment"), but data queued before our FIN may still be waiting for the window this ACK opened.
   */
  protected ackMovesState(now: number): boolean {
    switch (this.state) {
      case 'FIN-WAIT-1':
        if (this.finAcked()) this.enterFinWait2(now);
        return true;
      case 'CLOSING':
        if (this.finAcked()) this.enterTimeWait('rcv ACK of FIN', now);
        else this.output(now);
        return false;
      case 'LAST-ACK':
        if (this.finAcked()) this.enterClosed('rcv ACK of FIN', now);
        else this.output(now);
        return false;
      default:
        return true;
    }
  }

  /**
   * FIN-WAIT-2 on the ACK of our FIN. A connection the application closed waits there at most
   * config.finTimeoutMs (Linux's tcp_fin_timeout for an orphaned socket), on the TIME-WAIT timer.
   */
  protected enterFinWait2(now: number): void {
    this.transition('FIN-WAIT-2', 'rcv ACK of FIN', now);
    if (this.appClosed && this.config.finTimeoutMs !== undefined) this.setTimer('timewait', now + this.config.finTimeoutMs, now);
  }

  /** 3.10.7.4 seventh, the segment text, in the states that take it; returns by how much RCV.NXT advanced. */
  protected processText(a: Arrival, rb: RecvBuffer, now: number): number {
    if (a.payload.length === 0 || !(this.state === 'ESTABLISHED' || this.state === 'FIN-WAIT-1' || this.state === 'FIN-WAIT-2')) return 0;
    return this.takeText(rb, a.seq, a.payload, now);
  }

  /** 3.10.7.4 eighth, the FIN bit: taken when next in sequence, else remembered until the data before it arrives. */
  protected checkFin(a: Arrival, rb: RecvBuffer, advanced: number, now: number): void {
    if (a.flags & FIN) {
      const finSeq = seqAdd(a.seq, a.payload.length);
      if (finSeq === rb.rcvNxt) this.onFin(now);
      else if (this.peerFinSeq === undefined) {
        this.peerFinSeq = finSeq;
        this.ackNow = true;
      }
    } else if (advanced > 0 && this.peerFinSeq !== undefined && this.peerFinSeq === rb.rcvNxt) {
      this.onFin(now);
    }
  }

  /**
   * The segment header prediction picked out (see onSegmentSynchronized): acceptable and inside the
   * window, so nothing is trimmed; no RST, no SYN, no FIN; its ACK acknowledges nothing new and is not a
   * duplicate (it carries data); the window it offers is the one we have.
   */
  protected onPredictedData(seg: TcpSegment, rb: RecvBuffer, now: number): void {
    this.onAnySegment(now);
    if (this.tsOk) this.takeTimestamp(seg, seg.seq, rb.rcvNxt);
    // Fifth, the ACK field: the send window is the same, but the segment is the latest to have set it.
    if (this.snd.updates(seg.seq, seg.ack)) this.snd.touch(seg.seq, seg.ack);
    // Seventh, the segment text. Eighth: no FIN, and none arrived out of order before.
    this.takeText(rb, seg.seq, seg.payload, now);
    this.bits |= OWES_OUTPUT;
  }

  /**
   * Segments 3.10.7.4's four cases refuse but whose ACK is still taken. A bare ACK whose SEQ is exactly the
   * right edge (the peer has sent the whole window, and what it sent was lost): refusing it would lose the
   * ACK number, and 3.10.7.4 asks for "special allowance ... to accept valid ACKs". Linux's tcp_sequence
   * goes further (the linux profile follows it): any segment starting at or before the right edge and
   * ending at or after RCV.NXT is taken, its text past the window trimmed away.
   */
  protected acceptableAtEdge(seq: number, segLen: number, flags: number, rcvNxt: number, rcvWnd: number): boolean {
    // A SYN stays with the four cases: refused, it is answered by the rules for a repeated SYN (the SYN-ACK
    // again in SYN-RECEIVED) or with a challenge ACK (RFC 5961 4.2), which trimming it away would skip.
    if (flags & SYN) return false;
    const edge = seqAdd(rcvNxt, rcvWnd);
    if (this.config.profile === 'linux') return seqLe(seq, edge) && seqGe(seqAdd(seq, segLen), rcvNxt);
    return segLen === 0 && seq === edge && !(flags & RST);
  }

  /** The segment text (3.10.7.4, seventh): into the receive buffer; returns by how much RCV.NXT advanced. */
  protected takeText(rb: RecvBuffer, seq: number, payload: Buffer, now: number): number {
    const hadGaps = rb.hasGaps;
    const advanced = rb.insert(seq, payload);
    // Linux's receive autotuning sees the segment before the ACK is decided (tcp_event_data_recv, tcp_data_queue_ofo).
    const auto = this.rcvAuto;
    if (auto !== undefined && payload.length > 0) {
      if (advanced > 0) auto.data(payload.length, this.rcv.wnd(rb.rcvNxt) + advanced, rb.unread, now, this.rtt.rtoMs, this.tsClock(now));
      else if (rb.hasGaps) auto.ofo(payload.length, seqDiff(rb.highestHeld, rb.rcvNxt), rb.unread);
    }
    if (advanced > 0) {
      this.unackedBytes += advanced;
      // RFC 5681 4.2: ACK at least every second full-sized segment; RFC 9293 3.8.6.3 delays the rest.
      if (!this.config.delayedAck || this.unackedBytes >= 2 * this.effMss || hadGaps || this.quickAck()) this.ackNow = true;
      else if (this.timers.delack === undefined) this.setTimer('delack', now + this.config.delayedAckMs, now);
      this.queueEvent(READABLE, now);
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
  protected quickAck(): boolean {
    if (this.config.profile !== 'linux') return false;
    if (this.rcvAuto !== undefined) return this.rcvAuto.takeQuick();
    this.quickAcks ??= Math.min(MAX_QUICKACKS, Math.max(2, Math.floor(this.config.rcvbuf / (2 * this.effMss))));
    if (this.quickAcks === 0) return false;
    this.quickAcks--;
    return true;
  }

  protected enterEstablishedFromSynReceived(now: number, cause: string): void {
    this.transition('ESTABLISHED', cause, now);
    if (!this.passive) {
      this.ackNow = true;
      this.output(now);
    }
    // A Fast Open connection was announced on its SYN already (onSegmentListen).
    if (!(this.fastOpen instanceof FastOpenServer && this.fastOpen.acceptedEarly)) this.queueEvent(this.passive ? ESTABLISHED_PASSIVE : ESTABLISHED_ACTIVE, now);
    if (this.state === 'ESTABLISHED') this.afterEstablished(now);
  }

  /**
   * Take the ACK in a synchronized state (3.10.7.4, fifth): SND.UNA, the retransmission queue, loss recovery,
   * the send window. Returns false only for an ACK to be dropped (RFC 5961 5.2); the state is ackMovesState's.
   */
  protected takeAck(seg: TcpSegment, textLen: number, flags: number, now: number): boolean {
    const ack = seg.ack;
    // RFC 5961 5.2: an ACK of data never sent, or older than the largest window, earns a challenge ACK.
    if (seqGt(ack, this.sndMax) || seqLt(ack, seqAdd(this.sndUna, -Math.max(this.snd.max, 1)))) {
      this.challengeAck(now);
      return false;
    }
    const wnd = this.snd.offered(seg.window);
    let freed = false;
    const acksNew = seqGt(ack, this.sndUna);
    if (acksNew) {
      freed = this.onNewlyAcked(seg, now, this.tsOk ? echoedTimestamp(seg) : undefined);
    } else {
      // RFC 5681 2: a duplicate ACK; the recovery module sees the others too (their SACK blocks may matter).
      const duplicate = ack === this.sndUna && textLen === 0 && !(flags & (SYN | FIN)) && wnd === this.snd.wnd && this.flight > 0;
      this.onOldAck(seg, duplicate, now);
    }
    if (this.snd.updates(seg.seq, ack)) {
      // Linux's tcp_ack_update_window: a new window with data waiting may end an idle spell (RFC 5681 4.1); an
      // ACK of new data had something in flight when it came (Linux asks before it frees the acknowledged).
      if (wnd !== this.snd.wnd && !acksNew && this.config.slowStartAfterIdle && this.unsentBytes() > 0) this.restartIfIdle(now);
      if (this.snd.take(wnd, seg.seq, ack)) {
        this.cancelTimer('persist', now);
        this.persistBackoff = 0;
      }
    }
    // Only now, with SND.UNA and the window both taken from this ACK (3.10.7.4), may the application's
    // waiting write use the space the ACK freed: before, it would send into the old window (3.8.6).
    if (freed) this.queueEvent(WRITABLE, now);
    return true;
  }

  /**
   * `tsecr`: the TSval our peer echoed in this ACK (timestamps in use), for an RTT sample (RFC 7323 4).
   * Returns whether send-buffer space was freed; the caller tells the application once the ACK's window is taken.
   */
  protected onNewlyAcked(seg: TcpSegment, now: number, tsecr?: number): boolean {
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
    this.userTimeout?.acked();
    if (this.chrono) this.chronoUpdate(now);
    this.retries = 0;
    this.persistBackoff = 0;
    // RFC 7323 4 (RTTM): with timestamps, an ACK that acknowledges new data echoes the TSval of a segment it
    // covers, so every such ACK is an RTT sample, retransmissions included (the echo says which copy
    // arrived: Karn's ambiguity does not arise). It also ends a timeout's backoff as soon as data flows
    // again, as Linux does, instead of waiting for a segment sent once to be acknowledged.
    const tsRtt = tsecr !== undefined && tsecr !== 0 ? seqDiff(this.tsClock(now), tsecr) : undefined;
    let rttMs: number | undefined;
    if (tsRtt !== undefined && tsRtt >= 0) {
      this.rtt.sample((rttMs = tsRtt), this.sndUna, this.sndNxt);
      this.rttSeq = undefined;
    } else if (this.rttSeq !== undefined && seqGe(ack, this.rttSeq)) {
      this.rtt.sample((rttMs = now - this.rttStartMs), this.sndUna, this.sndNxt);
      this.rttSeq = undefined;
    }
    // Loss recovery and congestion control (lib/tcp/cc): cwnd grows, or recovery goes on or ends; what it
    // asks to send again goes now (RFC 6582 3.2 step 5: a partial ACK's hole at once).
    this.recovery.onAck(this.ackSample(seg, acked, false, flightBefore, rttMs, now));
    this.takeSendFrom();
    this.sendRetransmissions(now);
    // RFC 6298 5.2 / 5.3: restart the timer while data is outstanding, stop it when all is acknowledged.
    if (this.flight > 0) this.setTimer('rto', now + this.rtt.rtoMs, now);
    else this.cancelTimer('rto', now);
    this.armRecoveryTimer(now);
    this.reportCongestion(now);
    return dataAcked > 0;
  }

  /** An ACK that acknowledges nothing new (a duplicate, or an old or window-only one), for the recovery module. */
  protected onOldAck(seg: TcpSegment, duplicate: boolean, now: number): void {
    const flight = this.flight;
    const step = this.recovery.onAck(this.ackSample(seg, 0, duplicate, flight, undefined, now));
    this.takeSendFrom();
    this.armRecoveryTimer(now, false);
    if (step === 'none') return;
    // RFC 5681 3.2 step 4: the fast retransmission (Karn: no RTT sample across it).
    if (step === 'entered') this.rttSeq = undefined;
    this.sendRetransmissions(now);
    this.reportCongestion(now);
  }

  /** The ACK as the recovery module reads it, in the one AckSample every connection shares (valid during the call). */
  protected ackSample(seg: TcpSegment, acked: number, duplicate: boolean, flightBefore: number, rttMs: number | undefined, now: number): AckSample {
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
    a.tsecr = this.tsOk ? echoedTimestamp(seg) : undefined;
    a.newBytes = Math.max(0, Math.min(this.sendBuf.length - seqDiff(this.sndMax, this.bufSeq), this.snd.wnd - seqDiff(this.sndMax, this.sndUna)));
    a.now = now;
    return a;
  }

  /** F-RTO (RFC 5682 2.1) may move SND.NXT after an ACK: forward to send new data, or back to SND.UNA. */
  private takeSendFrom(): void {
    const from = this.recovery.sendFrom?.();
    if (from !== undefined && seqGe(from, this.sndUna) && seqLe(from, this.sndMax)) this.sndNxt = from;
  }

  protected onReset(now: number): void {
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
  protected resetOnDataAfterClose(seg: TcpSegment, now: number): void {
    const rst = this.config.profile === 'linux' && seg.flags & ACK ? resetFor(seg) : this.ownReset(false);
    this.emit(rst, { retransmit: false, why: 'data-after-close' }, now);
    this.enterClosed('rcv data after close', now);
  }

  /** The peer's FIN is next in sequence (3.10.7.4, eighth). */
  protected onFin(now: number): void {
    const rb = this.recvBuf!;
    rb.rcvNxt = seqAdd(rb.rcvNxt, 1);
    this.peerFinSeq = undefined;
    this.finReceived = true;
    this.ackNow = true;
    this.cancelTimer('delack', now);
    switch (this.state) {
      case 'SYN-RECEIVED':
      case 'ESTABLISHED':
        this.transition('CLOSE-WAIT', 'rcv FIN', now);
        break;
      case 'FIN-WAIT-1':
        if (this.finAcked()) this.enterTimeWait('rcv FIN', now);
        else this.transition('CLOSING', 'rcv FIN', now);
        break;
      case 'FIN-WAIT-2':
        this.enterTimeWait('rcv FIN', now);
        break;
    }
    this.queueEvent(FIN_EVENT, now);
  }

  protected onAnySegment(now: number): void {
    if (this.config.keepaliveMs > 0 && this.isSynchronized()) this.armKeepalive(now);
  }

  protected takeSynOptions(seg: TcpSegment): void {
    const { mss, wscale: ws, timestamps: ts, sackPermitted: sackOk } = synOptionsOf(seg);
    const peerMss = mss ?? DEFAULT_PEER_MSS;
    // RFC 7323 2.2: scaling only when both sides sent the option; shifts above 14 are taken as 14.
    if (this.config.windowScale && ws !== undefined) {
      this.wsAgreed = true;
      this.snd.scale = Math.min(ws, 14);
      if (this.state === 'LISTEN') this.rcv.scale = scaleFor(this.config.scaleBytes ?? this.config.rcvbuf);
    } else {
      this.snd.scale = 0;
      this.rcv.scale = 0;
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

  protected takeTimestamp(seg: TcpSegment, seq: number, rcvNxt: number): void {
    // RFC 7323 4.3: remember TSval of a segment that covers RCV.NXT (simplified: at or before it).
    if (!seqLe(seq, rcvNxt)) return;
    const ts = timestampsOption(seg.options);
    if (ts) {
      this.tsRecent = ts.tsval;
      if (this.rcvAuto !== undefined) this.rcvAuto.tsecr = ts.tsecr;
    }
  }
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
  return { ...base, seq: 0, ack: seqAdd(seg.seq, seqLen(seg)), flags: RST | ACK };
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