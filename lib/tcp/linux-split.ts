/**
 * The linux profile's piece at the peer's window edge. RFC 9293 3.8.6.2.1 (sender SWS avoidance) lets a sender
 * hold a segment shorter than the MSS that the window cuts; Linux does not always hold it. Read from
 * net/ipv4/tcp_output.c (tcp_write_xmit, tcp_mss_split_point, tcp_nagle_check, tcp_tso_should_defer, with the
 * October 2025 change "tcp: fix tcp_tso_should_defer() vs large RTT" that 6.18 carries) and put in our own words:
 *
 * - Linux sends offloaded packets of several segments (lib/tcp/linux-push.ts). When the peer's window ends
 *   inside the send-queue buffer being sent, and inside the packet's segment budget (the congestion quota and
 *   the autosized packet), the packet is cut at the window's edge, not at the last whole segment before it: its
 *   last segment is the short remainder. Only Nagle takes the remainder off (Minshall's rule: while an earlier
 *   short segment is unacknowledged; or a corked socket). A remainder alone, with no whole segment before it
 *   in its packet, never goes (tcp_snd_wnd_test wants the first segment to fit).
 * - Before that, the whole packet may be deferred, to send a bigger one at the next ACK (tcp_tso_should_defer).
 *   It goes now in fast recovery or after an RTO; when nothing was sent for more than 1 ms; when the room
 *   (the smaller of the window and what cwnd leaves) is at least a third of the smaller of the window and
 *   cwnd; when nothing is in flight; or when the ACK of the oldest unacknowledged packet is due later than
 *   min(1 ms, SRTT / 2) from now (its send time plus SRTT). Otherwise a packet the window cuts waits.
 *
 * The kernel takes these times from its clock in real time; the model takes them from the virtual clock, so
 * the decision is deterministic here, and matches the kernel where the kernel's packets and ACKs keep the
 * model's timing to within a millisecond.
 */

/** Linux's tcp_tso_win_divisor default: room for a third of the window or cwnd is sent at once. */
const TSO_WIN_DIVISOR = 3;
/** The 1 ms of tcp_tso_should_defer: no deferral after a longer pause, nor for an ACK due later than this. */
const DEFER_MS = 1;

/**
 * Whether Linux defers a packet the peer's window cuts (tcp_tso_should_defer), asked as the packet starts.
 * `lastSentMs`: when data last left before this packet (undefined: never); `headSentMs`: when the oldest
 * unacknowledged packet was sent (undefined: nothing in flight); `room`: the smaller of the peer's window past
 * SND.NXT and what cwnd leaves, bytes; `sndWnd`, `cwnd`: bytes.
 */
export function linuxDefersCutPacket(
  nowMs: number, lastSentMs: number | undefined, headSentMs: number | undefined, srttMs: number | undefined,
  inRecovery: boolean, room: number, sndWnd: number, cwnd: number,
): boolean {
  if (inRecovery || lastSentMs === undefined || nowMs - lastSentMs > DEFER_MS) return false;
  if (room >= Math.floor(Math.min(sndWnd, cwnd) / TSO_WIN_DIVISOR)) return false;
  if (headSentMs === undefined || srttMs === undefined) return false;
  // The ACK of the oldest packet is due at its send time plus SRTT: defer only when that is near.
  return headSentMs + srttMs - nowMs <= Math.min(srttMs / 2, DEFER_MS);
}

/**
 * Whether a piece shorter than the MSS, cut by the peer's window, goes as the last segment of the packet being
 * built (tcp_mss_split_point): `slot` is the piece's place in its packet (0 for the first segment), `perPacket`
 * the packet's segment budget, `deferred` linuxDefersCutPacket's answer for the packet, `nagleHolds` whether
 * Nagle (Minshall's, or a cork) holds a short segment now.
 */
export function linuxSendsCutPiece(slot: number, perPacket: number, deferred: boolean, nagleHolds: boolean): boolean {
  return slot >= 1 && slot < perPacket && !deferred && !nagleHolds;
}
