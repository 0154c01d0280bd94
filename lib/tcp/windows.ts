import { seqAdd, seqDiff, seqGt, seqLe, seqLt } from '../wire/seq.ts';

/**
 * The send window (RFC 9293 3.3.1, 3.10.7.4 fifth): SND.WND with SND.WL1 / SND.WL2, the largest window the
 * peer has offered, and the peer's window scale (RFC 7323 2). Bytes, sequence numbers modulo 2^32.
 */
export class SendWindow {
  /** SND.WND, scaled to bytes. */
  wnd = 0;
  /** SND.WL1, SND.WL2: SEG.SEQ and SEG.ACK of the segment that last set the window. */
  wl1 = 0;
  wl2 = 0;
  /** Largest window the peer has offered (RFC 9293 3.8.6.2.1 sender SWS avoidance; RFC 5961 5.2). */
  max = 0;
  /** The peer's window-scale shift (0 unless both sides sent the option). */
  scale = 0;

  /** The window a segment's field offers, in bytes (RFC 7323 2.3; a SYN's is never scaled, see setFromSyn). */
  offered(field: number): number {
    return field << this.scale;
  }

  /** 3.10.7.4 fifth: the window is taken only from a segment no older than the last that set it. */
  updates(seq: number, ack: number): boolean {
    return seqLt(this.wl1, seq) || (this.wl1 === seq && seqLe(this.wl2, ack));
  }

  /** Take `wnd` bytes from the segment <seq, ack> (the caller has checked `updates`). Returns whether a zero window opened. */
  take(wnd: number, seq: number, ack: number): boolean {
    const opened = this.wnd === 0 && wnd > 0;
    this.wnd = wnd;
    if (wnd > this.max) this.max = wnd;
    this.wl1 = seq;
    this.wl2 = ack;
    return opened;
  }

  /** Mark <seq, ack> as the segment that last set the window, the window itself unchanged (header prediction). */
  touch(seq: number, ack: number): void {
    this.wl1 = seq;
    this.wl2 = ack;
  }

  /** The first window, from the SYN exchange: `wnd` bytes, and the largest so far. */
  start(wnd: number): void {
    this.wnd = wnd;
    this.max = wnd;
  }

  /** The right edge: SND.UNA + SND.WND. */
  edge(sndUna: number): number {
    return seqAdd(sndUna, this.wnd);
  }
}

/**
 * The receive window (RFC 9293 3.3.1, 3.8.6.2.2; RFC 7323 2): the right edge last advertised and our
 * window-scale shift. RCV.WND is worked out here alone (`wnd`), and so is the field each segment carries.
 */
export class RecvWindow {
  /** Right edge of the window we last advertised (RCV.NXT + RCV.WND at that time). */
  advEdge = 0;
  /** Our window-scale shift (0 unless both sides sent the option). */
  scale = 0;
  /** The most window we offer, in bytes (Linux's TCP_WINDOW_CLAMP, window_clamp); Infinity: the buffer alone bounds it. */
  clamp = Infinity;

  /** RCV.WND: what is left of the window last advertised, from RCV.NXT. */
  wnd(rcvNxt: number): number {
    return Math.max(0, seqDiff(this.advEdge, rcvNxt));
  }

  /** The window field as last advertised, read without changing anything. */
  lastField(rcvNxt: number): number {
    return Math.min(0xffff, this.wnd(rcvNxt) >>> this.scale);
  }

  /** An unscaled window (a SYN's, RFC 7323 2.2) of `window` bytes was offered with RCV.NXT known. */
  offeredSyn(rcvNxt: number, window: number): void {
    this.advEdge = seqAdd(rcvNxt, window);
  }

  /**
   * The window to advertise, scaled (RFC 9293 3.8.6.2.2 and 3.10.7.4; RFC 7323 2.3), from `free` bytes of
   * the receive buffer (of `rcvbuf`); the right edge never passes what the buffer can hold, and never moves left:
   * - A new window is the free space less one scale unit (2^shift - 1 bytes, none unscaled), rounded down
   *   to the scale: what it offers fits the buffer with a unit to spare.
   * - Receiver SWS avoidance (in Linux's form): a free space smaller than min(RCV.BUFF / 2, MSS) is not
   *   offered, nor one whose edge is left of the last; the edge then stays where it was, and since RCV.NXT
   *   moves in bytes, not units, the window is rounded up to keep it there (Linux's tcp_select_window). The
   *   spare unit makes room for that. Only when it is used up (the edge kept through several such ACKs)
   *   would rounding up pass the buffer; then the edge retracts by less than a unit, as RFC 7323 appendix F
   *   allows (Linux's tcp_shrink_window).
   * `clamp` bounds this offer as the field `clamp` bounds every one: lower for one segment where the receive
   * autotuning's rcv_ssthresh holds a new window back (lib/tcp/rcvbuf-auto.ts).
   */
  field(rcvNxt: number, free: number, rcvbuf: number, mss: number, clamp = this.clamp): number {
    const shift = this.scale;
    const unit = 1 << shift; // the shift is at most 14 and the buffer at most 2^30: 32-bit arithmetic is exact
    const current = this.wnd(rcvNxt);
    let offer = Math.max(0, free - (unit - 1)) >>> shift;
    let avail = free;
    // A clamp bounds the window offered, rounded down to the scale, and the space it is judged against (Linux's
    // __tcp_select_window, where rcv_ssthresh never exceeds window_clamp); the buffer still bounds the edge kept.
    if (clamp !== Infinity) {
      offer = Math.min(offer, Math.floor(clamp / unit));
      avail = Math.min(free, clamp);
      rcvbuf = Math.min(rcvbuf, clamp);
    }
    let field: number;
    if (avail >= Math.min(rcvbuf / 2, mss) && offer << shift >= current) {
      field = offer;
    } else {
      field = (current + unit - 1) >>> shift;
      if (field << shift > free) field = current >>> shift;
    }
    if (field > 0xffff) field = 0xffff;
    const edge = seqAdd(rcvNxt, field << shift);
    if (seqGt(edge, this.advEdge)) this.advEdge = edge;
    return field;
  }

  /**
   * Whether a read that left `unread` bytes should send a window update at once (RFC 9293 3.8.6.2.2): only
   * when the window the peer knows of has become small, at most half the buffer, and the new one is at least
   * twice it (Linux's tcp_cleanup_rbuf). A read that leaves the peer a large window waits for the next ACK
   * that is due anyway, so an application reading every segment as it arrives does not defeat delayed ACKs.
   */
  updateWorthSending(rcvNxt: number, unread: number, rcvbuf: number, mss: number): boolean {
    const current = this.wnd(rcvNxt);
    // What could be advertised: the free space, as far as the 16-bit field and our window scale carry it (RFC 7323 2.3).
    // (And as far as a clamp lets it: Linux's tcp_cleanup_rbuf asks __tcp_select_window.)
    const free = Math.min(rcvbuf - unread, 0xffff * 2 ** this.scale, this.clamp);
    if (2 * current > rcvbuf || free < 2 * current) return false;
    return free - current >= Math.min(rcvbuf / 2, mss);
  }
}
