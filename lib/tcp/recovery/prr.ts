/**
 * Proportional Rate Reduction (RFC 6937 section 3, PRR-SSRB): how much a sender in fast recovery may send
 * on each ACK, so that by the end of recovery the amount in flight has come down smoothly to ssthresh
 * (instead of RFC 6675's halt-then-burst or RFC 6582's window inflation). Bytes throughout.
 */
export class Prr {
  /** RFC 6937 "prr_delivered": bytes delivered to the receiver since recovery began. */
  delivered = 0;
  /** RFC 6937 "prr_out": bytes sent (new or retransmitted) since recovery began. */
  out = 0;
  /** RFC 6937 "RecoverFS": SND.NXT - SND.UNA when recovery began. */
  recoverFs = 0;
  ssthresh = 0;

  /**
   * @param conservative RFC 6937's PRR-CRB reduction bound instead of PRR-SSRB (Linux uses SSRB).
   * @param forceFirst Linux (tcp_cwnd_reduction) and RFC 6937bis: the first ACK of recovery may always send
   * one segment, so the fast retransmit goes out even when pipe is over ssthresh and nothing was delivered.
   * @param linuxBound Linux's tcp_cwnd_reduction (since 5.10): PRR-SSRB's extra segment only on an ACK that
   * advances SND.UNA and marks nothing newly lost; otherwise the bound is PRR-CRB's (RFC 6937bis 6).
   */
  constructor(private readonly conservative = false, private readonly forceFirst = true, private readonly linuxBound = false) {}

  /** RFC 6937 3, "At the beginning of recovery". */
  enter(ssthresh: number, recoverFs: number): void {
    this.ssthresh = ssthresh;
    this.recoverFs = Math.max(1, recoverFs);
    this.delivered = 0;
    this.out = 0;
  }

  /**
   * RFC 6937 3, "On every ACK during recovery": DeliveredData is the change in SND.UNA plus the change in
   * SACKed bytes; `pipe` is RFC 6675's; `sndUnaAdvanced` and `newlyLost` say whether this ACK moved SND.UNA and
   * whether it made a loss detector mark anything lost (read with `linuxBound`). Returns sndcnt, the bytes that
   * may be sent now (cwnd = pipe + sndcnt).
   */
  onAck(deliveredData: number, pipe: number, mss: number, sndUnaAdvanced = true, newlyLost = false): number {
    this.delivered += deliveredData;
    let sndcnt: number;
    if (pipe > this.ssthresh) {
      // Proportional Rate Reduction: send ssthresh / RecoverFS of what was delivered.
      // Rounded up to whole segments, as the RFC's examples count and Linux (in packets) does.
      sndcnt = Math.ceil((this.delivered * this.ssthresh) / this.recoverFs / mss) * mss - this.out;
    } else {
      // Reduction bound: PRR-CRB never sends more than was delivered; PRR-SSRB slow-starts back to ssthresh.
      const slowStart = !this.conservative && (!this.linuxBound || (sndUnaAdvanced && !newlyLost));
      const limit = slowStart ? Math.max(this.delivered - this.out, deliveredData) + mss : this.linuxBound ? Math.max(this.delivered - this.out, deliveredData) : this.delivered - this.out;
      sndcnt = Math.min(this.ssthresh - pipe, limit);
    }
    sndcnt = Math.max(sndcnt, 0);
    if (this.forceFirst && this.out === 0 && sndcnt === 0) sndcnt = mss;
    return sndcnt;
  }

  /** RFC 6937 3, "On any data transmission or retransmission". */
  onSent(bytes: number): void {
    this.out += bytes;
  }
}
