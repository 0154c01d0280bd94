import { seqGt } from '../wire/seq.ts';

/**
 * Congestion control: slow start, congestion avoidance, fast retransmit and fast recovery
 * (RFC 5681) with NewReno's handling of partial acknowledgments (RFC 6582). Bytes throughout.
 */
export class NewReno {
  cwnd: number;
  ssthresh: number;
  /** RFC 6582 "recover": the highest sequence number sent when fast recovery (or an RTO) began. */
  recover: number;
  inRecovery = false;
  dupAcks = 0;
  /** Bytes acknowledged since cwnd last grew in congestion avoidance (RFC 5681 3.1, byte counting). */
  private caAcked = 0;

  /**
   * Linux's slow start (tcp_slow_start): cwnd grows by every byte acknowledged, up to ssthresh, rather than
   * by at most one SMSS an ACK (RFC 5681 3.1; RFC 3465's byte counting with no limit L).
   */
  linuxSlowStart = false;

  constructor(private mss: number, initialWindowSegments: number, iss: number) {
    this.cwnd = initialWindow(mss, initialWindowSegments);
    // RFC 5681 3.1: ssthresh starts arbitrarily high.
    this.ssthresh = 0x7fffffff;
    this.recover = iss;
  }

  setMss(mss: number, initialWindowSegments: number): void {
    this.mss = mss;
    this.cwnd = initialWindow(mss, initialWindowSegments);
  }

  /** New data acknowledged, outside fast recovery. */
  onNewAck(bytesAcked: number): void {
    this.dupAcks = 0;
    if (this.cwnd < this.ssthresh) {
      // Slow start, RFC 5681 3.1 (equation 2): at most one SMSS per ACK.
      if (this.linuxSlowStart) this.cwnd = Math.max(this.cwnd, Math.min(this.cwnd + bytesAcked, this.ssthresh));
      else this.cwnd += Math.min(bytesAcked, this.mss);
    } else {
      // Congestion avoidance: one SMSS per cwnd of data acknowledged (RFC 5681 3.1, equation 3's byte-counting form).
      this.caAcked += bytesAcked;
      if (this.caAcked >= this.cwnd) {
        this.caAcked -= this.cwnd;
        this.cwnd += this.mss;
      }
    }
  }

  /**
   * A duplicate ACK (RFC 5681 2). Returns true when this is the third and fast retransmit should start:
   * only when the ACK covers more than `recover` (RFC 6582 3.2 step 2), so a burst of duplicates after
   * a timeout does not trigger a second reduction.
   */
  onDupAck(ack: number, flightBytes: number, sndMax: number): 'fast-retransmit' | 'inflate' | 'none' {
    this.dupAcks++;
    if (this.inRecovery) {
      // RFC 6582 3.2 step 4: inflate for each additional duplicate.
      this.cwnd += this.mss;
      return 'inflate';
    }
    if (this.dupAcks === 3 && seqGt(ack - 1 >>> 0, this.recover)) {
      // RFC 5681 3.2 steps 2-4 / RFC 6582 3.2 step 2.
      this.ssthresh = Math.max(Math.floor(flightBytes / 2), 2 * this.mss);
      this.recover = sndMax;
      this.cwnd = this.ssthresh + 3 * this.mss;
      this.inRecovery = true;
      return 'fast-retransmit';
    }
    return 'none';
  }

  /**
   * New data acknowledged during fast recovery. Returns 'partial' when the ACK leaves a hole below
   * `recover` (retransmit the next unacknowledged segment), 'full' when recovery ends.
   */
  onRecoveryAck(ack: number, bytesAcked: number, flightBytes: number): 'partial' | 'full' {
    if (seqGt(ack, this.recover) || ack === this.recover) {
      // RFC 6582 3.2 step 5, full acknowledgment: deflate to min(ssthresh, FlightSize + SMSS).
      this.cwnd = Math.min(this.ssthresh, Math.max(flightBytes, this.mss) + this.mss);
      this.inRecovery = false;
      this.dupAcks = 0;
      return 'full';
    }
    // RFC 6582 3.2 step 5, partial acknowledgment: deflate by the amount acknowledged, add back one SMSS.
    this.cwnd = Math.max(this.mss, this.cwnd - bytesAcked + this.mss);
    return 'partial';
  }

  /** RFC 5681 3.1 equation 4 and RFC 6582 4: after a retransmission timeout. */
  onTimeout(flightBytes: number, sndMax: number): void {
    this.ssthresh = Math.max(Math.floor(flightBytes / 2), 2 * this.mss);
    this.cwnd = this.mss;
    this.inRecovery = false;
    this.dupAcks = 0;
    this.caAcked = 0;
    this.recover = sndMax;
  }
}

/** The initial window in bytes: `segments` full segments (RFC 5681 3.1 allows 3 at an SMSS of 1460; RFC 6928 10). */
export function initialWindow(mss: number, segments: number): number {
  return Math.max(1, segments) * mss;
}
