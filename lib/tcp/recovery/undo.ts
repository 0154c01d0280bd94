import { seqAdd, seqGe, seqGt, seqLe, seqLt } from '../../wire/seq.ts';

/**
 * Undoing a window reduction that proved needless, as Linux does (tcp_input.c: undo_marker, undo_retrans,
 * prior_cwnd, prior_ssthresh, retrans_stamp): by D-SACK, when the receiver reports every retransmission of
 * the episode as a duplicate (RFC 2883 5, RFC 3708), or by timestamps, when the first ACK after the
 * retransmission echoes a timestamp older than the retransmission's (Eifel detection, RFC 3522 2).
 */
export class UndoState {
  /** SND.UNA when the reduction happened (Linux's undo_marker); undefined when there is nothing to undo. */
  marker: number | undefined;
  /** Bytes retransmitted in the episode that no D-SACK has yet shown needless (Linux's undo_retrans, in bytes). */
  retransBytes = 0;
  priorCwnd = 0;
  priorSsthresh = 0;
  /** TSval of the episode's first retransmission (RFC 3522 "RetransmitTS"); undefined without timestamps. */
  retransmitTs: number | undefined;
  /** The first sequence number of that retransmission: only an ACK beyond it can tell (RFC 3522 2). */
  retransmitSeq = 0;
  /** Eifel has judged this episode (RFC 3522 2 looks at the first retransmission's first ACK only). */
  eifelDone = false;
  /**
   * The ranges retransmitted in the episode and not yet D-SACKed: a D-SACK counts only for one of them (Linux
   * counts undo_retrans down only for a segment it marked retransmitted), not for an older episode's duplicate.
   */
  private readonly rtx: Array<[number, number]> = [];
  /** The congestion controller's whole state before the reduction (RFC 9438 4.9), when it keeps one. */
  ccSnapshot: unknown;

  /** A reduction begins (fast recovery, RACK/TLP loss, or an RTO): remember what to go back to. */
  start(sndUna: number, priorCwnd: number, priorSsthresh: number, ccSnapshot?: unknown): void {
    this.marker = sndUna;
    this.ccSnapshot = ccSnapshot;
    this.retransBytes = 0;
    this.priorCwnd = priorCwnd;
    this.priorSsthresh = priorSsthresh;
    this.retransmitTs = undefined;
    this.eifelDone = false;
    this.rtx.length = 0;
  }

  /** A retransmission in the episode, with its TSval when timestamps are on. */
  onRetransmit(seq: number, bytes: number, tsval: number | undefined): void {
    if (this.marker === undefined) return;
    this.retransBytes += bytes;
    this.rtx.push([seq, seqAdd(seq, bytes)]);
    if (this.retransmitTs === undefined && !this.eifelDone) {
      this.retransmitTs = tsval;
      this.retransmitSeq = seq;
    }
  }

  /**
   * A D-SACK at or above the marker reports a retransmission as a duplicate (RFC 2883 5: the original arrived
   * too). True when every retransmitted byte of the episode is so reported: the reduction was needless.
   */
  onDsack(dsack: [number, number]): boolean {
    if (this.marker === undefined || seqLt(dsack[0], this.marker)) return false;
    const i = this.rtx.findIndex((r) => seqLe(r[0], dsack[0]) && seqGe(r[1], dsack[1]));
    if (i < 0) return false;
    this.rtx.splice(i, 1);
    this.retransBytes -= (dsack[1] - dsack[0]) >>> 0;
    return this.retransBytes <= 0;
  }

  /**
   * RFC 3522 2 (Eifel detection): the first ACK acknowledging the retransmitted data echoes `tsecr`; older
   * than RetransmitTS means the original transmission was acknowledged, so the retransmission was spurious.
   */
  eifelSpurious(tsecr: number | undefined): boolean {
    if (this.marker === undefined || this.retransmitTs === undefined || tsecr === undefined || tsecr === 0) return false;
    return seqLt(tsecr, this.retransmitTs);
  }

  /**
   * RFC 3522 2 for one ACK: when it is the first to acknowledge the episode's first retransmission, judge it
   * (true: spurious) and judge no other in the episode; before it, nothing.
   */
  eifelOnAck(ack: number, tsecr: number | undefined): boolean {
    if (this.retransmitTs === undefined || !seqGt(ack, this.retransmitSeq)) return false;
    const spurious = this.eifelSpurious(tsecr);
    this.retransmitTs = undefined;
    this.eifelDone = true;
    return spurious;
  }

  /** Linux's tcp_undo_cwnd_reduction: cwnd back to at least what it was, ssthresh to at least what it was. Ends the episode. */
  undo(cwnd: number, ssthresh: number): { cwnd: number; ssthresh: number } {
    const out = { cwnd: Math.max(cwnd, this.priorCwnd), ssthresh: Math.max(ssthresh, this.priorSsthresh) };
    this.marker = undefined;
    return out;
  }

  /** The episode is over without undo (its data acknowledged and no proof came). */
  clear(): void {
    this.marker = undefined;
  }
}

/**
 * F-RTO (RFC 5682 2.1, the basic algorithm): after an RTO, the first two ACKs tell a spurious timeout (the
 * originals were only delayed: both ACKs acknowledge new data while new data is being sent) from a real one
 * (a duplicate ACK: go on with conventional RTO recovery, retransmitting in slow start).
 */
export type FrtoVerdict = 'conventional' | 'send-new' | 'spurious' | 'none';

export class Frto {
  /** 0: not running; 2: waiting for the first ACK after the RTO's retransmission; 3: for the second. */
  step: 0 | 2 | 3 = 0;
  /** RFC 5682 "recover": SND.NXT (the highest sequence sent, plus one) when the RTO fired. */
  recover = 0;

  /** RFC 5682 2.1 step 1: the RTO fired and the first unacknowledged segment is retransmitted. */
  onRto(sndNxt: number): void {
    this.step = 2;
    this.recover = sndNxt;
  }

  /**
   * RFC 5682 2.1 steps 2 and 3 for each ACK after the RTO. `advances` says the ACK acknowledges new data;
   * `canSendNew` that previously unsent data exists and the peer's window allows two segments of it.
   */
  onAck(ack: number, advances: boolean, canSendNew: boolean): FrtoVerdict {
    if (this.step === 2) {
      // 2a: a duplicate ACK, or an ACK covering all of "recover": conventional recovery.
      if (!advances || seqGe(ack, this.recover)) {
        this.step = 0;
        return 'conventional';
      }
      // 2b: new data acknowledged: send up to two new segments and wait for the next ACK.
      if (!canSendNew) {
        this.step = 0;
        return 'conventional';
      }
      this.step = 3;
      return 'send-new';
    }
    if (this.step === 3) {
      this.step = 0;
      // 3a: a duplicate ACK: the timeout was real. 3b: new data acknowledged: it was spurious.
      return advances ? 'spurious' : 'conventional';
    }
    return 'none';
  }
}
