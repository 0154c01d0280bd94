import { Cubic, type CubicSnapshot } from '../recovery/cubic.ts';
import { HyStartPlusPlus } from '../recovery/hystart.ts';
import { initialWindow } from './reno.ts';
import type { AckSample, CcParams, CcTraceState, CongestionControl } from './types.ts';

/**
 * CUBIC (RFC 9438) as a CongestionControl, with HyStart++ (RFC 9406) for the initial slow start: Linux's
 * default (net.ipv4.tcp_congestion_control = cubic). The arithmetic is lib/tcp/recovery/cubic.ts and
 * hystart.ts; this class drives them from the connection's ACKs and keeps what undo needs (RFC 9438 4.9).
 */
export class CubicCongestionControl implements CongestionControl {
  readonly name = 'cubic';
  private readonly c: Cubic;
  private readonly hystart = new HyStartPlusPlus();
  mss: number;
  private readonly initialWindow: number;
  /**
   * RFC 9406 4.3's L, the most one ACK may add in slow start: 8 SMSS unpaced. The linux profile grows by every
   * byte acknowledged, as Linux's tcp_slow_start does (no L), so its exits and windows stay Linux's.
   */
  private readonly limitSegs: number;

  constructor(p: CcParams) {
    this.mss = p.mss;
    this.initialWindow = p.initialWindow;
    this.c = new Cubic(p.mss, initialWindow(p.mss, p.initialWindow));
    this.limitSegs = p.profile === 'linux' ? Infinity : 8;
  }

  get cwnd(): number {
    return this.c.cwnd;
  }
  set cwnd(v: number) {
    this.c.cwnd = v;
  }
  get ssthresh(): number {
    return this.c.ssthresh;
  }
  set ssthresh(v: number) {
    this.c.ssthresh = v;
  }

  /** The state the trace shows (RFC 9438 4.1's variables): W_max in segments, K in seconds; the phase (HyStart++'s CSS, RFC 9406). */
  get state(): { wMax: number | undefined; k: number; phase: CcTraceState['phase'] } {
    const c = this.c;
    return { wMax: c.wMax, k: c.k, phase: c.cwnd >= c.ssthresh ? 'avoidance' : this.hystart.phase === 'css' ? 'css' : 'slow-start' };
  }

  traceState(): CcTraceState {
    const s = this.state;
    const out: CcTraceState = { phase: s.phase };
    if (s.wMax !== undefined) {
      out.wMax = Math.round(s.wMax * 100) / 100;
      out.k = Math.round(s.k * 1000) / 1000;
    }
    return out;
  }

  setMss(mss: number): void {
    this.mss = mss;
    this.c.setMss(mss, initialWindow(mss, this.initialWindow));
  }

  onAck(a: AckSample): void {
    const c = this.c;
    if (c.cwnd < c.ssthresh) {
      let grow: number;
      if (this.hystart.phase === 'done') {
        // RFC 9406 4.2: HyStart++ runs in the initial slow start only; later ones (after an RTO) are RFC 5681's.
        grow = Math.min(a.bytesAcked, this.limitSegs * this.mss);
      } else {
        const h = this.hystart.onAck(a.ack, a.sndNxt, Math.min(a.bytesAcked, this.limitSegs * this.mss), this.mss, a.rttMs);
        // RFC 9406 4.2: in CSS, or after CSS_ROUNDS of it, ssthresh = cwnd: congestion avoidance from here.
        if (h.exitSlowStart) {
          c.ssthresh = c.cwnd;
          return;
        }
        // HyStart++ caps an ACK's growth at L (8 SMSS) in slow start; the linux profile has no L (limitSegs).
        grow = this.limitSegs === Infinity && this.hystart.phase === 'slow-start' ? a.bytesAcked : h.growBytes;
      }
      c.cwnd = Math.min(c.cwnd + grow, Math.max(c.ssthresh, c.cwnd));
      return;
    }
    // RFC 9438 4.2-4.5: congestion avoidance. RTT is the smoothed RTT (4.2's "RTT"); before any, 100 ms.
    c.onCongestionAvoidanceAck(a.bytesAcked, a.now, a.srttMs ?? 100);
  }

  /** RFC 9438 4.6-4.7: W_max, ssthresh = 0.7 cwnd; a loss in slow start also ends HyStart++ (RFC 9406 4.2). */
  onEnterRecovery(_flight: number, _now: number): void {
    this.c.onCongestionEvent();
    this.hystart.onCongestion();
  }

  /** RFC 9438 4.6: congestion avoidance starts afresh after recovery (t_epoch is set on its first ACK). */
  onLeaveRecovery(_now: number): void {
    this.c.epochMs = undefined;
  }

  /** RFC 9438 4.8: a timeout is a congestion event, then one segment of window and slow start to ssthresh. */
  onRto(_flight: number, _now: number): void {
    this.c.onTimeout();
    this.hystart.onCongestion();
  }

  /**
   * RFC 9438 5.8: the time t of the cubic function must not include a spell in which the application sent
   * nothing, or W_cubic(t) would be far above cwnd when it sends again. As Linux's cubictcp_cwnd_event
   * (CA_EVENT_TX_START) does, the epoch moves on by the idle time, never past now: the curve keeps its shape,
   * later by that much.
   */
  onTxStart(idleMs: number, now: number): void {
    const c = this.c;
    if (c.epochMs === undefined || !(idleMs > 0)) return;
    c.epochMs = Math.min(c.epochMs + idleMs, now);
  }

  snapshot(): CubicSnapshot {
    return this.c.snapshot();
  }

  /** RFC 9438 4.9: a congestion event found spurious restores W_max, K, the epoch and the windows from before it. */
  restore(s: unknown): void {
    this.c.restore(s as CubicSnapshot);
  }
}
