import type { AckSample, CcParams, CongestionControl } from './types.ts';

/**
 * Reno's congestion control (RFC 5681 3.1): slow start, congestion avoidance by byte counting, ssthresh
 * halved from the flight on a loss, cwnd to one segment after a timeout. Bytes throughout. What happens
 * to cwnd inside fast recovery is the LossRecovery's (lib/tcp/cc/newreno.ts).
 */
export class Reno implements CongestionControl {
  readonly name = 'reno';
  cwnd: number;
  ssthresh: number;
  mss: number;
  /** Bytes acknowledged since cwnd last grew in congestion avoidance (RFC 5681 3.1, byte counting). */
  private caAcked = 0;
  private readonly initialWindow: number;
  /**
   * Linux's slow start (tcp_slow_start, the linux profile): cwnd grows by every byte acknowledged, up to
   * ssthresh, rather than by at most one SMSS an ACK (RFC 5681 3.1; RFC 3465's byte counting with no limit L).
   */
  private readonly linuxSlowStart: boolean;

  constructor(p: CcParams) {
    this.mss = p.mss;
    this.initialWindow = p.initialWindow;
    this.cwnd = initialWindow(p.mss, p.initialWindow);
    // RFC 5681 3.1: ssthresh starts arbitrarily high.
    this.ssthresh = 0x7fffffff;
    this.linuxSlowStart = p.profile === 'linux';
  }

  setMss(mss: number): void {
    this.mss = mss;
    this.cwnd = initialWindow(mss, this.initialWindow);
  }

  onAck(a: AckSample): void {
    const bytesAcked = a.bytesAcked;
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

  /** RFC 5681 3.2 step 2 (equation 4): ssthresh = max(FlightSize / 2, 2 * SMSS). */
  onEnterRecovery(flight: number): void {
    this.ssthresh = lossThreshold(flight, this.mss);
  }

  onLeaveRecovery(): void {}

  /** RFC 5681 3.1 equation 4, and the loss window of one segment. */
  onRto(flight: number): void {
    this.ssthresh = lossThreshold(flight, this.mss);
    this.cwnd = this.mss;
    this.caAcked = 0;
  }
}

/** RFC 5681 equation 4: half the flight, at least two segments. */
export function lossThreshold(flight: number, mss: number): number {
  return Math.max(Math.floor(flight / 2), 2 * mss);
}

/** The initial window in bytes: `segments` full segments (RFC 5681 3.1 allows 3 at an SMSS of 1460; RFC 6928 10). */
export function initialWindow(mss: number, segments: number): number {
  return Math.max(1, segments) * mss;
}
