import { seqGe } from '../../wire/seq.ts';

/**
 * HyStart++ (RFC 9406): slow start that watches each round's minimum RTT and, when it rises by more than a
 * threshold, leaves slow start for Conservative Slow Start (CSS, a quarter of the growth) and, after
 * CSS_ROUNDS rounds there, for congestion avoidance. Times in milliseconds.
 */

/** RFC 9406 4.3's constants. */
export const MIN_RTT_THRESH_MS = 4;
export const MAX_RTT_THRESH_MS = 16;
export const MIN_RTT_DIVISOR = 8;
export const N_RTT_SAMPLE = 8;
export const CSS_GROWTH_DIVISOR = 4;
export const CSS_ROUNDS = 5;
/** RFC 9406 4.3 "L": the most segments one ACK may add in slow start when not paced. */
export const L_UNPACED = 8;

export type HyStartPhase = 'slow-start' | 'css' | 'done';

export class HyStartPlusPlus {
  phase: HyStartPhase = 'slow-start';
  /** RFC 9406 4.2: lastRoundMinRTT, currentRoundMinRTT, rttSampleCount, windowEnd, cssBaselineMinRtt. */
  lastRoundMinRttMs = Infinity;
  currentRoundMinRttMs = Infinity;
  rttSampleCount = 0;
  windowEnd: number | undefined;
  cssBaselineMinRttMs = Infinity;
  cssRounds = 0;

  /**
   * One ACK in slow start (cwnd < ssthresh): `ack` its cumulative ACK, `sndNxt` SND.NXT now, `rttMs` its RTT
   * sample (undefined when none). Returns the bytes cwnd grows by (RFC 9406 4.2: min(N, L * SMSS), divided by
   * CSS_GROWTH_DIVISOR in CSS) and whether slow start has ended (the caller then sets ssthresh = cwnd).
   */
  onAck(ack: number, sndNxt: number, ackedBytes: number, mss: number, rttMs: number | undefined): { growBytes: number; exitSlowStart: boolean } {
    if (this.phase === 'done') return { growBytes: 0, exitSlowStart: true };
    let exitSlowStart = false;
    // A round ends when the ACK covers windowEnd (the SND.NXT of the round's start).
    if (this.windowEnd === undefined || seqGe(ack, this.windowEnd)) {
      if (this.windowEnd !== undefined && this.phase === 'css' && ++this.cssRounds >= CSS_ROUNDS) {
        // RFC 9406 4.2: CSS_ROUNDS rounds of CSS end slow start.
        this.phase = 'done';
        exitSlowStart = true;
      }
      this.lastRoundMinRttMs = this.currentRoundMinRttMs;
      this.currentRoundMinRttMs = Infinity;
      this.rttSampleCount = 0;
      this.windowEnd = sndNxt;
    }
    if (rttMs !== undefined) {
      this.currentRoundMinRttMs = Math.min(this.currentRoundMinRttMs, rttMs);
      this.rttSampleCount++;
    }
    const enough = this.rttSampleCount >= N_RTT_SAMPLE && this.currentRoundMinRttMs !== Infinity && this.lastRoundMinRttMs !== Infinity;
    if (this.phase === 'slow-start' && enough) {
      // RFC 9406 4.2: RttThresh = clamp(lastRoundMinRTT / 8, 4 ms, 16 ms).
      const thresh = Math.max(MIN_RTT_THRESH_MS, Math.min(this.lastRoundMinRttMs / MIN_RTT_DIVISOR, MAX_RTT_THRESH_MS));
      if (this.currentRoundMinRttMs >= this.lastRoundMinRttMs + thresh) {
        this.cssBaselineMinRttMs = this.currentRoundMinRttMs;
        this.phase = 'css';
        this.cssRounds = 0;
      }
    } else if (this.phase === 'css' && enough && this.currentRoundMinRttMs < this.cssBaselineMinRttMs) {
      // RFC 9406 4.2: the RTT fell back: the exit was spurious, resume slow start.
      this.cssBaselineMinRttMs = Infinity;
      this.phase = 'slow-start';
    }
    const n = Math.min(ackedBytes, L_UNPACED * mss);
    const growBytes = this.phase === 'css' ? Math.floor(n / CSS_GROWTH_DIVISOR) : this.phase === 'done' ? 0 : n;
    return { growBytes, exitSlowStart };
  }

  /** RFC 9406 4.2: a loss in slow start or CSS ends HyStart++ (congestion avoidance follows the reduction). */
  onCongestion(): void {
    this.phase = 'done';
  }

  /** RFC 9406 4.2 (after an RTO, slow start runs again with HyStart++ from its start). */
  reset(): void {
    this.phase = 'slow-start';
    this.lastRoundMinRttMs = Infinity;
    this.currentRoundMinRttMs = Infinity;
    this.rttSampleCount = 0;
    this.windowEnd = undefined;
    this.cssBaselineMinRttMs = Infinity;
    this.cssRounds = 0;
  }
}
