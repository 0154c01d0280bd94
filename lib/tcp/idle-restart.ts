import { initialWindow } from './cc/reno.ts';

/**
 * Restart after idle (RFC 5681 4.1): a sender that has sent no data for longer than the RTO has no ACK clock
 * left and its cwnd no longer says what the path can take, so before it sends again cwnd is cut to the
 * restart window, RW = min(IW, cwnd), and slow start builds it up again.
 *
 * - The rfc profile does what RFC 5681 4.1 says: cwnd = RW, ssthresh untouched.
 * - The linux profile does what Linux does with net.ipv4.tcp_slow_start_after_idle = 1 (its default):
 *   ssthresh first rises to at least 3/4 of the old cwnd (unless a reduction is under way), so the
 *   slow start that follows goes back most of the way; then cwnd, in whole segments, is halved once for
 *   each RTO the idle time lasted beyond the first (counting a part of one as one), and stops halving at
 *   RW (RFC 2861's decay, which RFC 7661 has since replaced; Linux keeps it). Idle for 1.5 RTOs halves it
 *   once, for 2.5 twice; nothing goes below RW, and nothing happens at all up to one RTO.
 *
 * Linux asks the question when the application queues data with nothing in flight, and when an ACK
 * changes the peer's window while data waits (the window reopening after a stall). "Idle" is counted from
 * the last segment that carried data, or from the connection's establishment if none has yet.
 */
export interface IdleRestartInput {
  cwnd: number;
  ssthresh: number;
  mss: number;
  /** TcpConfig.initialWindow: IW in segments (RFC 5681 3.1). */
  initialWindowSegs: number;
  /** How long no data has been sent (ms), and the current RTO (ms). */
  idleMs: number;
  rtoMs: number;
  linux: boolean;
  /** A reduction is under way (fast recovery): Linux leaves ssthresh as it is then. */
  inReduction: boolean;
}

/** The windows after a restart, or undefined when the idle time is not over the RTO (nothing changes). */
export function restartAfterIdle(p: IdleRestartInput): { cwnd: number; ssthresh: number } | undefined {
  if (!(p.idleMs > p.rtoMs)) return undefined;
  const iw = initialWindow(p.mss, p.initialWindowSegs);
  if (!p.linux) return { cwnd: Math.min(iw, p.cwnd), ssthresh: p.ssthresh };
  // Linux counts cwnd in segments.
  const segs = Math.floor(p.cwnd / p.mss);
  const ssthresh = p.inReduction ? p.ssthresh : Math.max(p.ssthresh, ((segs >> 1) + (segs >> 2)) * p.mss);
  const restartSegs = Math.min(Math.floor(iw / p.mss), segs);
  let w = segs;
  for (let left = p.idleMs - p.rtoMs; left > 0 && w > restartSegs; left -= p.rtoMs) w >>= 1;
  return { cwnd: Math.max(w, restartSegs, 1) * p.mss, ssthresh };
}
