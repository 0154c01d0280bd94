import { skbTruesize } from './sndbuf-auto.ts';

/**
 * Linux's receive-buffer autotuning and its quick-ACK accounting, for the linux profile when the scenario leaves
 * `rcvbuf` alone (TcpConfig.rcvbufAuto), beside lib/tcp/sndbuf-auto.ts for the send side.
 *
 * Why it matters (issue 31): a Linux receiver's window grows during a bulk transfer, the model's stayed 65535
 * bytes, so from the fourth round trip on the model's sender was held by the window where the kernel's was not;
 * and Linux ACKs the first 22 segments one by one where the model stopped after 16. Both moved where the two
 * runs of `tcpemu real` part.
 *
 * What Linux (6.18, net/ipv4/tcp_input.c and tcp_output.c) does, read from its source (not copied):
 * - Memory, not payload: sk_rcvbuf bounds the skb memory queued (truesize), and the window is worked out from it
 *   with the scaling ratio, payload over truesize of the last full-sized segment received, in 1/256
 *   (tcp_win_from_space; TCP_DEFAULT_SCALING_RATIO, 50 %, until data comes: tcp_measure_rcv_mss). sk_rcvbuf starts
 *   at net.ipv4.tcp_rmem[1] (131072), so the first window is 65535 and the window scale is sized for tcp_rmem[2]
 *   (tcp_select_initial_window).
 * - window_clamp, the most window ever offered: at the end of the handshake the full space less one segment
 *   (tcp_init_buffer_space); when the ratio changes, the full space again (tcp_set_window_clamp, which lifts
 *   rcv_ssthresh to the last window offered).
 * - rcv_ssthresh, the window actually offered in slow start: each in-order segment of 128 bytes or more whose
 *   memory fits raises it by 2 x max(advmss, its length), up to min(window_clamp, free space) (tcp_grow_window),
 *   and each raise puts the receiver back into quick-ACK mode for one more ACK (`icsk_ack.quick |= 1`).
 * - Quick ACKs: the first data segment sets the count to rcv_wnd / (2 x rcv_mss), at most TCP_MAX_QUICKACKS 16
 *   (tcp_incr_quickack, from tcp_event_data_recv; again after a silence longer than the RTO); every segment is
 *   ACKed at once while it lasts, and each ACK takes one off (tcp_dec_quickack_mode). A free space under half
 *   the full one ends it (__tcp_select_window). So with the window growing the count stays up, and only once
 *   rcv_ssthresh reaches its bound do the 16 run down: 6 growing + 16 = 22 segments ACKed one by one at 1448
 *   bytes, as the kernel does.
 * - DRS (Dynamic Right-Sizing; tcp_rcv_space_adjust, tcp_rcvbuf_grow), when the application reads: once per
 *   receiver RTT (measured from the timestamps the peer echoes, tcp_rcv_rtt_measure_ts, or else from how long a
 *   window takes to arrive, tcp_rcv_rtt_measure), if the bytes read in it exceed the last measure, the window
 *   wanted is 2 x copied plus, for slow start, 4 x copied x growth; sk_rcvbuf becomes the memory of that window
 *   (at most tcp_rmem[2]) and window_clamp follows. Out-of-order data asks the same, with the span held beyond
 *   RCV.NXT on top (tcp_data_queue_ofo).
 * The model counts payload for memory through the ratio (a buffer of `space()` bytes of window, less what is
 * unread), and a received segment's truesize as an skb a network device allocates for its packet: the packet
 * (payload + 52 bytes of IP, TCP and timestamp headers) + NET_SKB_PAD 64 + skb_shared_info 320, rounded up to a
 * power of two, + sk_buff 256 (2304 bytes for a 1448-byte segment: ratio 160/256, which the kernel's first
 * windows across tcpemu's TUN link agree with). Not modelled: memory pressure (tcp_clamp_window,
 * tcp_adjust_rcv_ssthresh), the out-of-order queue's memory, pingpong mode and the ACK-timeout estimator (ato).
 */

/** net.ipv4.tcp_rmem[1]: sk_rcvbuf at the start (bytes of skb memory). */
export const LINUX_RMEM_DEFAULT = 131072;
/** net.ipv4.tcp_rmem[2]: the most sk_rcvbuf grows to (32 MiB since Linux 6.15; 6 MiB before). */
export const LINUX_RMEM_MAX = 32 * 1024 * 1024;
/** TCP_MAX_QUICKACKS. */
export const MAX_QUICKACKS = 16;
/** TCP_DEFAULT_SCALING_RATIO: 1/2 in 1/256 (TCP_RMEM_TO_WIN_SCALE 8). */
const DEFAULT_RATIO = 128;
/** TCP_MSS_DEFAULT and TCP_MIN_MSS: the bounds of the first guess at the peer's MSS (tcp_initialize_rcv_mss). */
const MSS_DEFAULT = 536;
const MIN_MSS = 88;
const HEADERS = 52;
const NET_SKB_PAD = 64;

/** The memory Linux charges for a received segment of `len` bytes (see the file comment). */
export function rcvTruesize(len: number): number {
  return skbTruesize(len + HEADERS + NET_SKB_PAD);
}

/** One connection's receive-side autotuning state (Linux's sk_rcvbuf, window_clamp, rcv_ssthresh, rcvq_space, rcv_rtt_est, icsk_ack.quick). */
export class RcvbufAuto {
  /** sk_rcvbuf (bytes of skb memory). */
  rcvbuf = LINUX_RMEM_DEFAULT;
  /** scaling_ratio: payload per 256 bytes of memory. */
  ratio = DEFAULT_RATIO;
  /** window_clamp and rcv_ssthresh (bytes of window). */
  clamp: number;
  ssthresh: number;
  /** icsk_ack.rcv_mss: the peer's segment size as seen. */
  rcvMss: number;
  /** icsk_ack.quick: segments still to ACK at once; `started`: the first data came (icsk_ack.ato set). */
  quick = 0;
  private started = false;
  private lastDataMs = 0;
  /** rcvq_space: the bytes read in the last measured RTT, and where (bytes read in all) and when that RTT began. */
  space = 0;
  private spaceCopied = 0;
  private spaceMs = 0;
  /** Bytes the application has read in all (copied_seq). */
  private copied = 0;
  /** rcv_rtt_est.rtt_us, times 8 (0: no sample yet); the TSecr last sampled and the one the last segment echoed. */
  rttUs8 = 0;
  private lastTsecr = -1;
  tsecr = -1;
  /** The window-based RTT measure (tcp_rcv_rtt_measure): the bytes received in all it waits for, and since when. */
  private rttMarkBytes = -1;
  private rttMarkMs = 0;
  private received = 0;
  /** The largest window the buffer ever allowed (for the invariant checks: the buffer a window was offered from). */
  maxSpace: number;

  /** `advmss`: the MSS we announced; `rcvWnd`: the window our SYN or SYN-ACK offered. */
  constructor(private readonly advmss: number, rcvWnd: number) {
    this.ssthresh = rcvWnd;
    this.clamp = this.winFromSpace(this.rcvbuf);
    // tcp_initialize_rcv_mss: an underestimate until data shows the real one.
    this.rcvMss = Math.max(MIN_MSS, Math.min(advmss, Math.floor(rcvWnd / 2), MSS_DEFAULT));
    this.maxSpace = this.clamp;
  }

  winFromSpace(bytes: number): number {
    return Math.floor((bytes * this.ratio) / 256);
  }

  /** tcp_init_buffer_space, when the connection is established: window_clamp the full space less a segment (tcp_app_win 31). */
  established(now: number): void {
    const maxwin = this.winFromSpace(this.rcvbuf);
    if (this.clamp >= maxwin) this.clamp = maxwin;
    if (this.clamp > 2 * this.advmss && this.clamp + this.advmss > maxwin) this.clamp = Math.max(2 * this.advmss, maxwin - this.advmss);
    this.ssthresh = Math.min(this.ssthresh, this.clamp);
    this.space = Math.min(this.ssthresh, 10 * this.advmss);
    this.spaceMs = now;
  }

  /** The full window the buffer allows now: min(window_clamp, tcp_full_space). */
  fullSpace(): number {
    return Math.min(this.clamp, this.winFromSpace(this.rcvbuf));
  }

  /**
   * The room that bounds the edge kept with `unread` bytes queued: the largest window the buffer ever allowed, as
   * Linux never takes back an edge it offered (tcp_select_window), even when a smaller ratio shrinks tcp_space.
   */
  free(unread: number): number {
    return Math.max(0, this.maxSpace - unread);
  }

  /**
   * The most a new window offers (__tcp_select_window): the free space (tcp_space), at most rcv_ssthresh, rounded
   * up to the window scale's unit (`unit`, 2^shift) as Linux aligns it. A free space under half the full one ends
   * quick-ACK mode.
   */
  offerCap(unread: number, unit: number): number {
    const all = this.winFromSpace(this.rcvbuf);
    if (all > this.maxSpace) this.maxSpace = all;
    const space = all - unread;
    if (space < Math.min(this.clamp, all) / 2) this.quick = 0;
    return Math.ceil(Math.max(0, Math.min(space, this.ssthresh)) / unit) * unit;
  }

  /**
   * In-order data of `len` bytes taken at `now` (tcp_event_data_recv): `rcvWnd` the window last offered, `unread`
   * the bytes queued with it, `rtoMs` the RTO, `tsNow` our timestamp clock (for the RTT the echoed TSecr gives).
   */
  data(len: number, rcvWnd: number, unread: number, now: number, rtoMs: number, tsNow: number): void {
    this.received += len;
    this.measureRtt(len, now, rcvWnd, tsNow, unread - len);
    this.measureRcvMss(len);
    if (!this.started) {
      this.started = true;
      this.incrQuick(rcvWnd);
    } else if (now - this.lastDataMs > rtoMs) {
      // "Too long gap": the sender failed to restart its window, so ACK quickly.
      this.incrQuick(rcvWnd);
    }
    this.lastDataMs = now;
    if (len >= 128) this.grow(len, unread);
  }

  /** Out-of-order data of `len` bytes held, `span` bytes from RCV.NXT to the end of what is held (tcp_data_queue_ofo). */
  ofo(len: number, span: number, unread: number): void {
    this.received += len;
    if (len >= 128) this.grow(len, unread);
    this.rcvbufGrow(this.space, span);
  }

  /** Whether this segment is ACKed at once as a quick ACK (tcp_in_quickack_mode; tcp_dec_quickack_mode when the ACK goes). */
  takeQuick(): boolean {
    if (this.quick === 0) return false;
    this.quick--;
    return true;
  }

  /** The application read `n` bytes at `now`, `inq` still unread (tcp_rcv_space_adjust). */
  read(n: number, now: number, inq: number): void {
    this.copied += n;
    if (this.rttUs8 === 0 || (now - this.spaceMs) * 1000 < this.rttUs8 >> 3) return;
    const copied = this.copied - this.spaceCopied - inq;
    if (copied > this.space) this.rcvbufGrow(copied, 0);
    this.spaceCopied = this.copied;
    this.spaceMs = now;
  }

  /** tcp_rcvbuf_grow: the window DRS wants for `newval` bytes a round trip (and `ofoSpan` held out of order). */
  private rcvbufGrow(newval: number, ofoSpan: number): void {
    const oldval = this.space;
    this.space = newval;
    // DRS is one RTT late: twice what came; and in slow start the sender may double again.
    let rcvwin = 2 * newval;
    if (oldval > 0 && newval > oldval) rcvwin += 2 * Math.floor((rcvwin * (newval - oldval)) / oldval);
    rcvwin += ofoSpan;
    const rcvbuf = Math.min(Math.floor((rcvwin * 256) / this.ratio), LINUX_RMEM_MAX);
    if (rcvbuf > this.rcvbuf) {
      this.rcvbuf = rcvbuf;
      this.clamp = this.winFromSpace(rcvbuf);
    }
  }

  private incrQuick(rcvWnd: number): void {
    const q = Math.min(Math.floor(rcvWnd / (2 * this.rcvMss)) || 2, MAX_QUICKACKS);
    if (q > this.quick) this.quick = q;
  }

  /** tcp_measure_rcv_mss (full-sized segments): a new size sets the ratio from its truesize, and window_clamp with it. */
  private measureRcvMss(len: number): void {
    if (len < this.rcvMss) return;
    if (len !== this.rcvMss) {
      const old = this.ratio;
      this.ratio = Math.max(1, Math.floor((len * 256) / rcvTruesize(len)));
      if (this.ratio !== old) {
        // tcp_set_window_clamp: a larger clamp lifts rcv_ssthresh to the window last offered.
        const clamp = this.winFromSpace(this.rcvbuf);
        if (clamp > this.clamp) this.ssthresh = Math.max(this.ssthresh, Math.min(this.lastOffered, clamp));
        else this.ssthresh = Math.min(this.ssthresh, clamp);
        this.clamp = clamp;
        if (this.clamp < this.space) this.space = this.clamp;
      }
    }
    this.rcvMss = Math.min(len, this.advmss);
  }

  /** The window of the last segment sent (tp->rcv_wnd), set by data() before the ratio is measured. */
  private lastOffered = 0;

  /** The receiver's RTT: from the TSecr the segment echoes (tcp_rcv_rtt_measure_ts), else one window's arrival (tcp_rcv_rtt_measure). */
  private measureRtt(len: number, now: number, rcvWnd: number, tsNow: number, queued: number): void {
    this.lastOffered = rcvWnd;
    if (this.tsecr >= 0) {
      if (this.tsecr === this.lastTsecr || len < this.rcvMss) return;
      this.lastTsecr = this.tsecr;
      const sample = Math.max(1, ((tsNow - this.tsecr) | 0) * 1000);
      // The lowest sample counts at once; a higher one is smoothed in only with nothing queued before this segment
      // (else it measures how fast the application reads, not the path: tcp_rcv_rtt_update).
      if (this.rttUs8 === 0 || sample * 8 < this.rttUs8) this.rttUs8 = sample * 8;
      else if (queued <= 0) this.rttUs8 += sample - (this.rttUs8 >> 3);
      return;
    }
    if (this.rttMarkBytes >= 0 && this.received < this.rttMarkBytes) return;
    if (this.rttMarkBytes >= 0) {
      const sample = Math.max(1, (now - this.rttMarkMs) * 1000) * 8;
      if (this.rttUs8 === 0 || sample < this.rttUs8) this.rttUs8 = sample;
    }
    this.rttMarkBytes = this.received + rcvWnd;
    this.rttMarkMs = now;
  }

  /** tcp_grow_window: rcv_ssthresh up by 2 x max(advmss, len) while it is under min(window_clamp, free space); each raise is one more quick ACK. */
  private grow(len: number, unread: number): void {
    const room = Math.min(this.clamp, this.winFromSpace(this.rcvbuf) - unread) - this.ssthresh;
    if (room <= 0) return;
    // Check #2: the segment's memory would fit as the buffer fills (Linux's __tcp_grow_window for a worse ratio).
    if (this.winFromSpace(rcvTruesize(len)) > len && !this.fitsLater(len)) return;
    this.ssthresh += Math.min(room, Math.max(2 * this.advmss, 2 * len));
    this.quick |= 1;
  }

  /** __tcp_grow_window: halving truesize and tcp_rmem[2]'s window together, does the segment fit before rcv_ssthresh passes it. */
  private fitsLater(len: number): boolean {
    let truesize = this.winFromSpace(rcvTruesize(len)) >> 1;
    let window = this.winFromSpace(LINUX_RMEM_MAX) >> 1;
    while (this.ssthresh <= window) {
      if (truesize <= len) return true;
      truesize >>= 1;
      window >>= 1;
    }
    return false;
  }
}
