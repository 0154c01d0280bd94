import { seqAdd, seqGt, seqLt } from '../../wire/seq.ts';
import type { AckSample, CcParams, CongestionControl, LossRecovery, RecoveryStep, Retransmission } from './types.ts';

/**
 * Fast retransmit and fast recovery (RFC 5681 3.2) with NewReno's handling of partial acknowledgments
 * (RFC 6582 3.2): loss is inferred from the third duplicate ACK, the first unacknowledged segment is sent
 * again at once, cwnd is inflated by each further duplicate and deflated by each partial ACK, whose hole
 * is sent again too, until an ACK covers `recover`. No SACK: the blocks of an ACK are not read.
 */
export class NewRenoRecovery implements LossRecovery {
  readonly name = 'newreno';
  inRecovery = false;
  dupAcks = 0;
  /** RFC 6582 "recover": the highest sequence number sent when fast recovery (or an RTO) began. */
  recover: number;
  /** The segment at SND.UNA is to go again (fast retransmit, or a partial ACK's hole). */
  private pending = false;
  /** After a timeout, until an ACK covers `recover`: the sender goes back over data sent before, and Limited Transmit is for unsent data only. */
  private afterRto = false;

  constructor(p: CcParams, private readonly cc: CongestionControl) {
    // RFC 6582 3.2 starts "recover" at the ISS, and a duplicate ACK of the first flight (ACK = ISS+1) then covers
    // no more than it: no fast retransmit until some data has been acknowledged. Linux has no such gate outside
    // its Loss state, and fast-retransmits a loss in the first flight (packetdrill fast_recovery/fr-4pkt-sack).
    this.recover = p.profile === 'linux' ? seqAdd(p.iss, -1) : p.iss;
  }

  onAck(a: AckSample): RecoveryStep {
    if (a.bytesAcked > 0) return this.inRecovery ? this.onRecoveryAck(a) : this.onNewAck(a);
    if (a.duplicate) return this.onDupAck(a);
    return 'none';
  }

  /** New data acknowledged outside fast recovery: the duplicates are over; cwnd grows when it limited the sender. */
  private onNewAck(a: AckSample): RecoveryStep {
    this.dupAcks = 0;
    if (this.afterRto && !seqLt(a.ack, this.recover)) this.afterRto = false;
    if (a.cwndLimited) this.cc.onAck(a);
    return 'none';
  }

  /**
   * A duplicate ACK (RFC 5681 2). The third starts fast retransmit, but only when the ACK covers more than
   * `recover` (RFC 6582 3.2 step 2), so a burst of duplicates after a timeout does not bring a second reduction.
   */
  private onDupAck(a: AckSample): RecoveryStep {
    this.dupAcks++;
    const mss = this.cc.mss;
    if (this.inRecovery) {
      // RFC 6582 3.2 step 4: inflate for each additional duplicate.
      this.cc.cwnd += mss;
      return 'continued';
    }
    if (this.dupAcks === 3 && seqGt(a.ack - 1 >>> 0, this.recover)) {
      // RFC 5681 3.2 steps 2-4 / RFC 6582 3.2 step 2.
      this.cc.onEnterRecovery(a.flightBefore, a.now);
      this.recover = a.sndMax;
      this.cc.cwnd = this.cc.ssthresh + 3 * mss;
      this.inRecovery = true;
      this.pending = true;
      return 'entered';
    }
    return 'none';
  }

  /** New data acknowledged during fast recovery: 'left' when it covers `recover`, else a partial ACK. */
  private onRecoveryAck(a: AckSample): RecoveryStep {
    const mss = this.cc.mss;
    if (seqGt(a.ack, this.recover) || a.ack === this.recover) {
      // RFC 6582 3.2 step 5, full acknowledgment: deflate to min(ssthresh, FlightSize + SMSS).
      this.cc.cwnd = Math.min(this.cc.ssthresh, Math.max(a.flightAfter, mss) + mss);
      this.inRecovery = false;
      this.dupAcks = 0;
      this.cc.onLeaveRecovery(a.now);
      return 'left';
    }
    // RFC 6582 3.2 step 5, partial acknowledgment: deflate by the amount acknowledged, add back one SMSS,
    // and send the first unacknowledged segment again at once.
    this.cc.cwnd = Math.max(mss, this.cc.cwnd - a.bytesAcked + mss);
    this.pending = true;
    return 'continued';
  }

  nextRetransmission(sndUna: number, _sndNxt: number): Retransmission | undefined {
    if (!this.pending) return undefined;
    this.pending = false;
    return { seq: sndUna, why: 'fast-retransmit', ignoreCwnd: true };
  }

  onTransmit(_seq: number, _len: number, _retransmit: boolean, _now: number): void {}

  /**
   * The flight, less one segment for each of the first two duplicate ACKs outside recovery: Limited Transmit
   * (RFC 3042 2; RFC 5681 3.2 step 1). The sender may then send one new segment on each, as long as what is
   * outstanding stays at most cwnd + 2 * SMSS; cwnd itself does not change. Only new data goes so: nothing is
   * due for retransmission outside recovery, and the peer's window still bounds everything (output.ts); after a
   * timeout, while the sender goes back over what it had sent (until an ACK covers `recover`), none.
   */
  pipe(flight: number): number {
    if (this.inRecovery || this.afterRto || this.dupAcks < 1 || this.dupAcks > 2) return flight;
    return Math.max(0, flight - this.dupAcks * this.cc.mss);
  }

  /** RFC 6582 4: after a timeout, `recover` is the highest sequence number sent; recovery is over. */
  onRto(sndMax: number, _now: number): void {
    this.inRecovery = false;
    this.dupAcks = 0;
    this.pending = false;
    this.recover = sndMax;
    this.afterRto = true;
  }
}
