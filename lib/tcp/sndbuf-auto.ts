/**
 * Linux's send-buffer autotuning (net/ipv4/tcp_input.c, tcp_sndbuf_expand), for the linux profile when the
 * scenario leaves `sndbuf` alone (TcpConfig.sndbufAuto).
 *
 * Why it matters (issue 31): with a fixed buffer of 65535 bytes the application can never have more than
 * 65535 bytes unacknowledged + unsent, so the end of what it wrote sits 65535 bytes past SND.UNA, which is
 * not a whole number of segments (45 * 1448 + 375). Each time the window opened up to that end, the last
 * piece of the buffer (375 bytes) was all there was to send, and Nagle (Minshall's, no short segment
 * unacknowledged) let it go: a short segment mid-transfer, after which every segment boundary of the
 * model lay 375 bytes away from the kernel's, so the two lost and resent different bytes under the same
 * fates. Linux's buffer is not that limit: it grows to hold twice the congestion window (or ten segments)
 * in socket-buffer memory, so data waits beyond the window and the window's edge, not the buffer's end,
 * cuts the burst: Linux sends no packet whose first full segment does not fit (tcp_snd_wnd_test), and the
 * model's sender SWS avoidance (RFC 9293 3.8.6.2.1) holds a piece shorter than a segment there as well.
 * (Linux may still end a packet of several segments with a piece the window cuts, when Nagle lets it:
 * tcp_mss_split_point. The model sends segment by segment and does not; not seen to matter so far.)
 *
 * What Linux does, read from its source (not copied):
 * - At the end of the handshake (tcp_init_buffer_space) and whenever an ACK frees room while the
 *   application waits for it (tcp_check_space -> tcp_new_space), unless the application set SO_SNDBUF,
 *   and only while the sender does not fill its congestion window (tcp_should_expand_sndbuf: packets in
 *   flight < cwnd), sk_sndbuf becomes at least
 *     2 * max(10, cwnd, reordering + 1) * per_mss,  at most net.ipv4.tcp_wmem[2] (4 MiB),
 *   where per_mss is the memory one MSS-sized skb takes: roundup_pow_of_two(mss + MAX_TCP_HEADER +
 *   aligned skb_shared_info) + aligned sk_buff.
 * - sk_sndbuf limits the socket-buffer memory queued (truesize), not payload. The model counts the
 *   payload against it, a close enough stand-in: Linux's skbs carry up to 64 KiB each in page fragments,
 *   so their overhead is a few per cent.
 * The sizes below are x86-64's with a 6.x kernel (MAX_TCP_HEADER 320, skb_shared_info 320, sk_buff 256
 * after SMP_CACHE_BYTES alignment); tp->reordering starts at 3, so its term never passes 10 and is left out.
 */

/** net.ipv4.tcp_wmem[2]: the most the buffer grows to (bytes). */
export const LINUX_WMEM_MAX = 4 * 1024 * 1024;
/** TCP_INIT_CWND: the fewest segments the buffer is sized for. */
const INIT_CWND = 10;
const MAX_TCP_HEADER = 320;
const SHINFO = 320;
const SKB = 256;

/**
 * The memory an skb whose head holds `linear` bytes (data and headroom) takes: the head with its aligned
 * skb_shared_info, rounded up to a power of two as the allocator gives it, plus the aligned sk_buff (x86-64,
 * 6.x). The send side (below) and the receive side (lib/tcp/rcvbuf-auto.ts) both count so.
 */
export function skbTruesize(linear: number): number {
  let p = 1;
  while (p < linear + SHINFO) p *= 2;
  return p + SKB;
}

/** The memory one MSS-sized skb takes (tcp_sndbuf_expand's per_mss). */
export function perMssTruesize(mssClamp: number): number {
  return skbTruesize(mssClamp + MAX_TCP_HEADER);
}

/** The send buffer Linux grows to for a congestion window of `cwndSegments` (tcp_sndbuf_expand), in bytes. */
export function linuxSndbuf(mssClamp: number, cwndSegments: number): number {
  return Math.min(LINUX_WMEM_MAX, 2 * Math.max(INIT_CWND, cwndSegments) * perMssTruesize(mssClamp));
}
