/**
 * CUBIC (RFC 9438): the window grows as a cubic function of the time since the last congestion event,
 * W_cubic(t) = C * (t - K)^3 + W_max (4.2), never slower than a Reno flow would (the Reno-friendly region,
 * 4.3), with fast convergence (4.7) and beta_cubic = 0.7 (4.6). Windows in segments inside, bytes outside.
 * Slow start is the caller's (HyStart++, RFC 9406, in hystart.ts).
 */

/** RFC 9438 5: C = 0.4, beta_cubic = 0.7. */
export const CUBIC_C = 0.4;
export const CUBIC_BETA = 0.7;
/** RFC 9438 4.3: alpha_cubic = 3 * (1 - beta) / (1 + beta), Reno's additive increase at CUBIC's beta. */
export const CUBIC_ALPHA = (3 * (1 - CUBIC_BETA)) / (1 + CUBIC_BETA);

/** RFC 9438 4.2 equation 1: W_cubic(t) in segments, t in seconds. */
export function wCubic(tSec: number, kSec: number, wMaxSegs: number): number {
  return CUBIC_C * (tSec - kSec) ** 3 + wMaxSegs;
}

/** RFC 9438 4.2 equation 2: K = cubic_root((W_max - cwnd_epoch) / C), seconds. */
export function cubicK(wMaxSegs: number, cwndEpochSegs: number): number {
  return Math.cbrt(Math.max(0, wMaxSegs - cwndEpochSegs) / CUBIC_C);
}

/**
 * RFC 9438 5.1's response function: the average window (segments) of a CUBIC flow at loss rate p and round
 * trip `rttSec`. CUBIC's own, (C (3 + beta) / (4 (1 - beta)))^(1/4) * RTT^(3/4) / p^(3/4), or the
 * Reno-friendly region's where that is more (an AIMD flow with alpha_cubic and beta_cubic has Reno's
 * average, sqrt(alpha (1 + beta) / (2 (1 - beta) p)) = sqrt(3 / (2 p))).
 */
export function cubicResponseSegments(p: number, rttSec: number): number {
  const cubic = ((CUBIC_C * (3 + CUBIC_BETA)) / (4 * (1 - CUBIC_BETA))) ** 0.25 * (rttSec ** 0.75 / p ** 0.75);
  const renoFriendly = Math.sqrt((CUBIC_ALPHA * (1 + CUBIC_BETA)) / (2 * (1 - CUBIC_BETA) * p));
  return Math.max(cubic, renoFriendly);
}

/** What CUBIC keeps to undo a spurious congestion event (RFC 9438 4.9). */
export interface CubicSnapshot {
  cwnd: number;
  ssthresh: number;
  wMax: number | undefined;
  k: number;
  epochMs: number | undefined;
  cwndEpoch: number;
  wEst: number;
}

export class Cubic {
  /** Bytes. */
  cwnd: number;
  ssthresh = 0x7fffffff;
  /** RFC 9438 "W_max": the window (segments) just before the last reduction; undefined before any. */
  wMax: number | undefined;
  /** RFC 9438 "K", seconds. */
  k = 0;
  /** RFC 9438 "t_epoch" (ms): when the current congestion avoidance stage began; undefined until its first ACK. */
  epochMs: number | undefined;
  /** RFC 9438 "cwnd_epoch" (segments). */
  cwndEpoch = 0;
  /** RFC 9438 "W_est" (segments): the Reno-friendly estimate. */
  wEst = 0;
  /** RFC 9438 4.7: fast convergence on by default, as in Linux. */
  fastConvergence = true;
  /** Fractional growth (segments) kept between ACKs. */
  private carry = 0;

  constructor(private mss: number, initialCwndBytes: number) {
    this.cwnd = initialCwndBytes;
  }

  setMss(mss: number, initialCwndBytes: number): void {
    this.mss = mss;
    this.cwnd = initialCwndBytes;
  }

  get cwndSegs(): number {
    return this.cwnd / this.mss;
  }

  /**
   * RFC 9438 4.1-4.5, one ACK in congestion avoidance (cwnd >= ssthresh) acknowledging `ackedBytes`, at
   * `nowMs`, with the current smoothed RTT. Grows cwnd toward W_cubic(t + RTT), or to W_est where that is more.
   */
  onCongestionAvoidanceAck(ackedBytes: number, nowMs: number, rttMs: number): void {
    const cwndSegs = this.cwndSegs;
    if (this.epochMs === undefined) {
      // 4.2: a new congestion avoidance stage begins.
      this.epochMs = nowMs;
      this.cwndEpoch = cwndSegs;
      this.wEst = cwndSegs;
      if (this.wMax === undefined || this.wMax <= cwndSegs) {
        // No reduction to recover from (e.g. slow start ended without loss): the plateau is here.
        this.k = 0;
        this.wMax = cwndSegs;
      } else {
        this.k = cubicK(this.wMax, cwndSegs);
      }
    }
    const wMax = this.wMax ?? cwndSegs;
    const segsAcked = ackedBytes / this.mss;
    const tSec = (nowMs - this.epochMs) / 1000;
    // 4.2: target = W_cubic(t + RTT), within [cwnd, 1.5 cwnd].
    const target = Math.min(Math.max(wCubic(tSec + rttMs / 1000, this.k, wMax), cwndSegs), 1.5 * cwndSegs);
    // 4.3: Reno-friendly estimate, alpha_cubic until W_est reaches W_max, then 1.
    const alpha = this.wEst >= wMax ? 1 : CUBIC_ALPHA;
    this.wEst += (alpha * segsAcked) / cwndSegs;
    let next: number;
    if (wCubic(tSec, this.k, wMax) < this.wEst) {
      next = this.wEst; // 4.3: the Reno-friendly region
    } else {
      // 4.4 (concave) and 4.5 (convex): (target - cwnd) / cwnd per segment acknowledged.
      next = cwndSegs + ((target - cwndSegs) / cwndSegs) * segsAcked;
    }
    // Whole bytes only; the fraction is kept for the next ACK so slow growth is not lost to rounding.
    const grown = (next - cwndSegs) * this.mss + this.carry;
    const whole = Math.floor(grown);
    this.carry = grown - whole;
    this.cwnd += whole;
  }

  /**
   * RFC 9438 4.6 and 4.7: a congestion event (fast retransmit, RACK or TLP loss). W_max is remembered (less,
   * with fast convergence, when the window was still below the last W_max); ssthresh = max(cwnd * beta,
   * 2 segments) (Linux multiplies cwnd; 4.6 allows it in place of flight_size). The caller sets cwnd (PRR or
   * ssthresh). Returns the new ssthresh.
   */
  onCongestionEvent(): number {
    const cwndSegs = this.cwndSegs;
    this.epochMs = undefined;
    this.carry = 0;
    if (this.fastConvergence && this.wMax !== undefined && cwndSegs < this.wMax) this.wMax = (cwndSegs * (1 + CUBIC_BETA)) / 2;
    else this.wMax = cwndSegs;
    this.ssthresh = Math.max(Math.floor(this.cwnd * CUBIC_BETA), 2 * this.mss);
    return this.ssthresh;
  }

  /** RFC 9438 4.8: a retransmission timeout is a congestion event, then cwnd = 1 segment (slow start). */
  onTimeout(): void {
    this.onCongestionEvent();
    this.cwnd = this.mss;
  }

  snapshot(): CubicSnapshot {
    return { cwnd: this.cwnd, ssthresh: this.ssthresh, wMax: this.wMax, k: this.k, epochMs: this.epochMs, cwndEpoch: this.cwndEpoch, wEst: this.wEst };
  }

  /** RFC 9438 4.9: a congestion event found spurious restores the state from before it. */
  restore(s: CubicSnapshot): void {
    this.cwnd = Math.max(this.cwnd, s.cwnd);
    this.ssthresh = s.ssthresh;
    this.wMax = s.wMax;
    this.k = s.k;
    this.epochMs = s.epochMs;
    this.cwndEpoch = s.cwndEpoch;
    this.wEst = s.wEst;
  }
}
