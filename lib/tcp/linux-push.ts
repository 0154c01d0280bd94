import { seqAdd, seqDiff, seqLe, seqLt } from '../wire/seq.ts';

/**
 * Where the linux profile sets PSH. RFC 9293 3.9.1 leaves it to the sender ("the sender ... may set the PUSH
 * flag"); this is Linux's rule, read from net/ipv4/tcp.c (tcp_sendmsg_locked, tcp_push, tcp_mark_push,
 * forced_push) and net/ipv4/tcp_output.c (tcp_tso_autosize, __tcp_transmit_skb, tcp_fragment) and put in our
 * own words. It has three parts.
 *
 * 1. Marks in the send queue. A write is cut into send-queue buffers of at most a "size goal": what one
 *    offloaded packet may carry (64 KiB), but no more than half the largest window the peer offered, in whole
 *    MSS. The buffer that ends a write is marked for PSH, unless the write said more is coming (MSG_MORE,
 *    lib/tcp/send-hold.ts). While one write fills buffer after buffer, a full buffer is marked as well once more
 *    than half the largest window was written since the last mark ("forced push"). A write that goes on
 *    filling the last buffer, while that buffer is neither sent nor full, takes the buffer's mark away (the
 *    mark then comes at the new end).
 * 2. Offloaded packets. Linux hands the device packets of several segments (TSO/GSO), about a millisecond of
 *    its pacing rate each, never fewer than two segments, nor more than the windows or the buffer let go at
 *    once. Every packet of two or more segments carries PSH (for the receiver's GRO), which ends up on its last
 *    segment once it is cut into segments. A one-segment packet carries PSH only when it ends a marked buffer.
 * 3. Retransmissions resend buffers as they stand in the retransmission queue, cut where the packets ended,
 *    at SACK edges and at what was acknowledged; a piece keeps its buffer's mark only at its end. A piece of
 *    two or more segments resent at once is again one offloaded packet, with PSH.
 *
 * The model sends segment by segment: this keeps where Linux's buffers and packets end, and says for each
 * segment whether it ends one of them with PSH.
 */

/** Linux's GSO_LEGACY_MAX_SIZE: the most one offloaded packet carries (sk_gso_max_size on ordinary devices). */
const GSO_MAX = 65536;
/** Linux's tcp_min_tso_segs default: an offloaded packet is sized to at least two segments. */
const MIN_TSO_SEGS = 2;

export class LinuxPush {
  /** Linux's pushed_seq: where the last mark was set (the stream's start at first). */
  private pushedSeq: number;
  /** The start of the send queue's last buffer, while a write may still go on filling it. */
  private tailStart: number | undefined;
  /** Ends of marked buffers not yet acknowledged, in sequence order. */
  private readonly marks = new SeqQueue();
  /** Ends of the send-queue buffers not yet acknowledged, in sequence order (a packet never spans two: lib/tcp/linux-split.ts). */
  private readonly bufEnds = new SeqQueue();
  /** Ends of the offloaded packets sent and not yet acknowledged, in sequence order (buffer edges in Linux's retransmission queue). */
  private readonly packetEnds = new SeqQueue();
  /** Segments of the offloaded packet being built by this output pass. */
  private inPacket = 0;
  /** The end and time of the last retransmitted segment: the next one continues its piece when sent at once after it. */
  private rtxEnd: number | undefined;
  private rtxAt = -1;
  /** The least smoothed RTT seen (standing for Linux's windowed minimum RTT, ms). */
  private minRttMs = Infinity;

  constructor(streamStart: number, private readonly minTsoSegs = MIN_TSO_SEGS) {
    this.pushedSeq = streamStart;
  }

  /** Whether the next new segment starts an offloaded packet. */
  get atPacketStart(): boolean {
    return this.inPacket === 0;
  }

  /** Segments of the packet being built already sent in this pass (the next one's place in its packet). */
  get segmentsInPacket(): number {
    return this.inPacket;
  }

  /** When the oldest unacknowledged packet of new data was sent (Linux's retransmission-queue head's tstamp), or undefined. */
  get headSentMs(): number | undefined {
    return this.packetEnds.firstVal();
  }

  /**
   * The application queued [start, end). `unsentFrom` is SND.MAX (the first byte never sent), `maxWindow` the
   * largest window the peer offered, `more` whether the write carried MSG_MORE.
   */
  wrote(start: number, end: number, unsentFrom: number, mss: number, maxWindow: number, more: boolean): void {
    if (start === end) return;
    const goal = sizeGoal(mss, maxWindow);
    const half = maxWindow >>> 1;
    // The last buffer is still being filled when none of it was sent and it has room: its mark goes.
    let bufStart = start;
    if (this.tailStart !== undefined && seqDiff(start, unsentFrom) > 0) {
      const tail = seqDiff(this.tailStart, unsentFrom) > 0 ? this.tailStart : unsentFrom;
      if (seqDiff(start, tail) < goal) {
        bufStart = tail;
        if (this.marks.last() === start) this.marks.pop();
        if (this.bufEnds.last() === start) this.bufEnds.pop();
      }
    }
    let pos = start;
    for (;;) {
      const room = goal - seqDiff(pos, bufStart);
      if (room <= 0) {
        bufStart = pos;
        continue;
      }
      pos = seqAdd(pos, Math.min(room, seqDiff(end, pos)));
      if (pos === end) break;
      // A full buffer, and more of this write to come: marked when over half the largest window went unmarked.
      if (seqDiff(pos, this.pushedSeq) > half) this.mark(pos);
      this.bufEnds.push(pos);
      bufStart = pos;
    }
    this.bufEnds.push(end);
    if (!more || seqDiff(end, this.pushedSeq) > half) this.mark(end);
    this.tailStart = bufStart;
  }

  /** Segments of the packet being built: segmentsPerPacket's answer, asked as each packet starts (atPacketStart). */
  perPacket = 0;

  /** Whether Linux would defer the packet being built, were the peer's window to cut it (lib/tcp/linux-split.ts). */
  cutDeferred = false;

  /** A new output pass: what was acknowledged is forgotten, and the next segment starts a new packet. */
  startPass(sndUna: number): void {
    this.inPacket = 0;
    this.marks.prune(sndUna);
    this.packetEnds.prune(sndUna);
    this.bufEnds.prune(sndUna);
  }

  /** Whether a send-queue buffer ends after `from` and before `to` (so no one packet holds both). */
  bufferEndBetween(from: number, to: number): boolean {
    const e = this.bufEnds.firstAfter(from);
    return e !== undefined && seqLt(e, to);
  }

  /**
   * The segments of the offloaded packet that starts now. tcp_tso_autosize's size: a millisecond's worth of the
   * pacing rate (2 x cwnd / SRTT in slow start below half ssthresh, else 1.2 x), plus a share of 64 KiB that
   * halves for every 512 us of minimum RTT, at least tcp_min_tso_segs segments; and no more than tcp_cwnd_test's
   * quota: half of cwnd ("at least 2 GSO packets in flight"), and what cwnd leaves beside the packets in the
   * network (`pipe`, Linux's tcp_packets_in_flight). `flight` is all that is sent and unacknowledged (packets_out).
   */
  segmentsPerPacket(mss: number, cwnd: number, ssthresh: number, flight: number, pipe: number, srttMs: number | undefined): number {
    const cwndSegs = Math.max(1, Math.floor(cwnd / mss));
    const quota = Math.max(1, Math.min(Math.max(cwndSegs >> 1, 1), cwndSegs - Math.ceil(pipe / mss)));
    return Math.min(quota, this.autosize(mss, cwnd, ssthresh, flight, srttMs));
  }

  private autosize(mss: number, cwnd: number, ssthresh: number, flight: number, srttMs: number | undefined): number {
    if (srttMs === undefined || srttMs <= 0) return Math.max(this.minTsoSegs, Math.floor(GSO_MAX / mss));
    if (srttMs < this.minRttMs) this.minRttMs = srttMs;
    const ratio = cwnd < ssthresh / 2 ? 2 : 1.2;
    const rate = (ratio * Math.max(cwnd, flight) * 1000) / srttMs;
    let bytes = Math.floor(rate / 1024);
    const halvings = Math.floor((this.minRttMs * 1000) / 512);
    if (halvings < 31) bytes += GSO_MAX >>> halvings;
    return Math.max(this.minTsoSegs, Math.floor(Math.min(bytes, GSO_MAX) / mss));
  }

  /**
   * A segment of new data ending at `end` is sent: whether it carries PSH. `endsQueue`: it empties the send
   * queue; `lastNow`: nothing more goes in this pass after it; `perPacket`: segmentsPerPacket's answer; `now`: the
   * time, kept with the packet's end.
   */
  newData(end: number, endsQueue: boolean, lastNow: boolean, perPacket: number, now = 0): boolean {
    const marked = endsQueue || this.marks.has(end);
    this.inPacket++;
    if (!(marked || lastNow || this.inPacket >= perPacket)) return false;
    const psh = marked || this.inPacket >= 2;
    this.inPacket = 0;
    this.packetEnds.push(end, now);
    return psh;
  }

  /**
   * A segment [seq, end) is sent again at `now`: whether it carries PSH. It ends its piece of the retransmission
   * queue when `end` is the end of what was sent, a packet's or buffer's end, or SACKed; the piece was resent as
   * one packet of several segments when this segment follows the last one resent, at the same time, within it.
   */
  retransmitted(seq: number, end: number, now: number, sndMax: number, isSacked: ((seq: number) => boolean) | undefined): boolean {
    const continues = this.rtxAt === now && this.rtxEnd === seq && !this.packetEnds.has(seq) && !this.marks.has(seq);
    this.rtxEnd = end;
    this.rtxAt = now;
    const marked = this.marks.has(end);
    const endsPiece = end === sndMax || marked || this.packetEnds.has(end) || (isSacked?.(end) ?? false);
    return endsPiece && (continues || marked);
  }

  private mark(at: number): void {
    const last = this.marks.last();
    if (last === undefined || seqDiff(at, last) > 0) this.marks.push(at);
    this.pushedSeq = at;
  }
}

/** Linux's size goal (tcp_xmit_size_goal with tcp_bound_to_half_wnd): bytes per send-queue buffer, whole MSS. */
export function sizeGoal(mss: number, maxWindow: number): number {
  const cutoff = maxWindow > 536 ? maxWindow >>> 1 : maxWindow;
  const goal = cutoff > 0 && GSO_MAX > cutoff ? cutoff : GSO_MAX;
  return Math.max(mss, Math.floor(goal / mss) * mss);
}

/**
 * Sequence numbers in ascending order (modulo 2^32), taken off the front as they are acknowledged. The front is
 * an index, not a splice: an output pass prunes on every ACK, and splice(0, n) moved every entry left each time.
 */
class SeqQueue {
  private items: number[] = [];
  /** A number kept with each entry (a packet's send time), at the same index. */
  private vals: number[] = [];
  private head = 0;

  push(x: number, v = 0): void {
    this.items.push(x);
    this.vals.push(v);
  }

  /** The first entry's number, or undefined when empty. */
  firstVal(): number | undefined {
    return this.items.length > this.head ? this.vals[this.head] : undefined;
  }

  /** The last entry, or undefined when empty. */
  last(): number | undefined {
    return this.items.length > this.head ? this.items[this.items.length - 1] : undefined;
  }

  pop(): void {
    if (this.items.length > this.head) {
      this.items.pop();
      this.vals.pop();
    }
  }

  /** Drop the entries at or before `sndUna` (acknowledged). */
  prune(sndUna: number): void {
    const items = this.items;
    let h = this.head;
    while (h < items.length && seqLe(items[h]!, sndUna)) h++;
    if (h === items.length) {
      items.length = 0;
      this.vals.length = 0;
      h = 0;
    } else if (h >= 64 && h * 2 >= items.length) {
      // Mostly dead entries at the front: copy the live ones down once (amortised O(1) per entry).
      items.copyWithin(0, h);
      items.length -= h;
      this.vals.copyWithin(0, h);
      this.vals.length -= h;
      h = 0;
    }
    this.head = h;
  }

  /** The first entry after `x`, or undefined. */
  firstAfter(x: number): number | undefined {
    const i = this.search(x, true);
    return i < this.items.length ? this.items[i] : undefined;
  }

  /** Whether `x` is in the queue. */
  has(x: number): boolean {
    const i = this.search(x, false);
    return i < this.items.length && this.items[i] === x;
  }

  /** The index of the first live entry after `x` (`after`) or at or after it (binary search by signed distance). */
  private search(x: number, after: boolean): number {
    const items = this.items;
    let lo = this.head;
    let hi = items.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const d = seqDiff(items[mid]!, x);
      if (d < 0 || (after && d === 0)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
