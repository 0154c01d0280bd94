import { seqAdd, seqDiff, seqGt, seqLt, seqLe } from '../wire/seq.ts';

/**
 * The receive side: in-order bytes waiting for the application, and out-of-order segments held for
 * reassembly (RFC 9293 3.10.7.4, "seventh, process the segment text"). Sequence numbers are absolute.
 */
export class RecvBuffer {
  // Both lists start as a shared empty array and get their own on the first insert: an idle
  // connection holds no array of its own.
  private readable: Buffer[] = NONE as Buffer[];
  private readableHead = 0;
  /** In-order bytes not yet read by the application. */
  unread = 0;
  /** Out-of-order runs, sorted, non-overlapping, none adjacent to RCV.NXT. */
  private ooo: { seq: number; data: Buffer }[] = NONE as { seq: number; data: Buffer }[];
  oooBytes = 0;
  /**
   * The held runs as SACK blocks (RFC 2018 4), start and end of each, flat, the most recently changed first:
   * "the first SACK block ... MUST specify the contiguous block of data containing the segment which
   * triggered this ACK", and the others follow by recency, as Linux keeps them (tcp_sack_new_ofo_skb: the
   * block a segment extends moves to the front, blocks it joins merge into it; tcp_sack_remove: blocks that
   * RCV.NXT reached go).
   */
  private sacks: number[] = NONE as number[];

  constructor(public rcvNxt: number) {}

  /**
   * Take a segment's text whose first byte is at `seq` (already trimmed to the window, so it starts at or
   * after RCV.NXT). Returns the number of bytes by which RCV.NXT advanced.
   */
  insert(seq: number, data: Buffer): number {
    if (data.length === 0) return 0;
    if (seq === this.rcvNxt) {
      this.append(data);
      let advanced = data.length;
      // Pull in any held run the new bytes reach.
      if (this.ooo.length === 0 || seqGt(this.ooo[0].seq, this.rcvNxt)) return advanced;
      while (this.ooo.length > 0 && seqLe(this.ooo[0].seq, this.rcvNxt)) {
        const run = this.ooo.shift()!;
        this.oooBytes -= run.data.length;
        const skip = seqDiff(this.rcvNxt, run.seq);
        if (skip < run.data.length) {
          const rest = run.data.subarray(skip);
          this.append(rest);
          advanced += rest.length;
        }
      }
      // The blocks RCV.NXT reached were taken in whole (held runs that touch are taken together).
      const kept: number[] = [];
      for (let i = 0; i < this.sacks.length; i += 2) if (seqGt(this.sacks[i]!, this.rcvNxt)) kept.push(this.sacks[i]!, this.sacks[i + 1]!);
      this.sacks = kept;
      return advanced;
    }
    this.hold(seq, data);
    return 0;
  }

  private append(data: Buffer): void {
    // A literal of one, not [] pushed to (which reserves 17 slots): many connections receive one segment.
    if (this.readable === NONE) this.readable = [data];
    else this.readable.push(data);
    this.unread += data.length;
    this.rcvNxt = seqAdd(this.rcvNxt, data.length);
  }

  /** Keep an out-of-order run, trimming what is already held (duplicates and overlaps). */
  private hold(seq: number, data: Buffer): void {
    let start = seq;
    let end = seqAdd(seq, data.length);
    const pieces: { seq: number; data: Buffer }[] = [];
    // Walk the held runs; keep only the parts of [start, end) they do not cover.
    let cursor = start;
    for (const run of this.ooo) {
      const runEnd = seqAdd(run.seq, run.data.length);
      if (seqLe(runEnd, cursor)) continue;
      if (seqLe(end, run.seq)) break;
      if (seqLt(cursor, run.seq)) pieces.push({ seq: cursor, data: data.subarray(seqDiff(cursor, seq), seqDiff(run.seq, seq)) });
      cursor = runEnd;
      if (!seqLt(cursor, end)) break;
    }
    if (seqLt(cursor, end)) pieces.push({ seq: cursor, data: data.subarray(seqDiff(cursor, seq)) });
    if (pieces.length > 0) this.noteSack(seq, end);
    for (const p of pieces) {
      if (p.data.length === 0) continue;
      // Copy: the segment's payload may be a view into a packet buffer the link reuses.
      const copy = Buffer.from(p.data);
      let i = 0;
      while (i < this.ooo.length && seqLt(this.ooo[i].seq, p.seq)) i++;
      if (this.ooo === NONE) this.ooo = [];
      this.ooo.splice(i, 0, { seq: p.seq, data: copy });
      this.oooBytes += copy.length;
    }
    void start;
  }

  /**
   * Give back the lists' memory when they are empty (they become the shared empty list again): for a
   * connection that will receive no more, such as one in TIME-WAIT.
   */
  release(): void {
    if (this.unread === 0) {
      this.readable = NONE as Buffer[];
      this.readableHead = 0;
    }
    if (this.ooo.length === 0) {
      this.ooo = NONE as { seq: number; data: Buffer }[];
      this.sacks = NONE as number[];
    }
  }

  /** Up to `max` in-order bytes for the application. */
  read(max = Infinity): Buffer {
    if (this.unread === 0 || max <= 0) return EMPTY;
    const n = Math.min(max, this.unread);
    let out: Buffer;
    const first = this.readable[0];
    if (this.readableHead === 0 && first.length === n) {
      // The whole of the oldest piece (an application reading as segments arrive): hand it over as it is.
      out = first;
      this.readable.shift();
    } else if (first.length - this.readableHead >= n) {
      out = first.subarray(this.readableHead, this.readableHead + n);
      this.readableHead += n;
      if (this.readableHead === first.length) {
        this.readable.shift();
        this.readableHead = 0;
      }
    } else {
      // Across pieces: copied into one new Buffer.
      out = Buffer.allocUnsafe(n);
      this.readInto(out, n);
      return out;
    }
    this.unread -= n;
    return out;
  }

  /**
   * Copy up to `max` in-order bytes into the start of `target` (the application's own buffer, as with
   * Node's `onread`); returns how many. No view of what is held leaves the buffer.
   */
  readInto(target: Uint8Array, max = Infinity): number {
    const n = Math.min(target.length, max, this.unread);
    if (n <= 0) return 0;
    let filled = 0;
    while (filled < n) {
      const c = this.readable[0];
      const k = Math.min(c.length - this.readableHead, n - filled);
      // A whole piece (a segment's payload, as it arrived) is copied as it is, no view made of it.
      if (k === c.length) target.set(c, filled);
      else c.copy(target, filled, this.readableHead, this.readableHead + k);
      filled += k;
      this.readableHead += k;
      if (this.readableHead === c.length) {
        this.readable.shift();
        this.readableHead = 0;
      }
    }
    this.unread -= n;
    return n;
  }

  /** A segment [seq, end) was held (some of it new): its block, extended or new, goes first, joined with any it touches. */
  private noteSack(seq: number, end: number): void {
    let start = seq;
    let stop = end;
    const rest: number[] = [];
    // One pass joins every block the segment touches (held data is contiguous across them once it is in).
    for (let i = 0; i < this.sacks.length; i += 2) {
      const l = this.sacks[i]!;
      const r = this.sacks[i + 1]!;
      if (seqLe(l, stop) && seqLe(start, r)) {
        if (seqLt(l, start)) start = l;
        if (seqGt(r, stop)) stop = r;
      } else {
        rest.push(l, r);
      }
    }
    rest.unshift(start, stop);
    this.sacks = rest;
  }

  /** Up to `max` SACK blocks for the next ACK, the most recent first (RFC 2018 4; see `sacks`). */
  sackBlocks(max: number): Array<[number, number]> {
    const n = Math.min(max, this.sacks.length >> 1);
    const out: Array<[number, number]> = new Array(n);
    for (let i = 0; i < n; i++) out[i] = [this.sacks[2 * i]!, this.sacks[2 * i + 1]!];
    return out;
  }

  /** Is any held run beyond RCV.NXT? */
  get hasGaps(): boolean {
    return this.ooo.length > 0;
  }

  /** Highest sequence number held out of order (or RCV.NXT). */
  get highestHeld(): number {
    if (this.ooo.length === 0) return this.rcvNxt;
    const last = this.ooo[this.ooo.length - 1];
    const e = seqAdd(last.seq, last.data.length);
    return seqGt(e, this.rcvNxt) ? e : this.rcvNxt;
  }
}

const EMPTY = Buffer.alloc(0);
/** The shared empty list: never written to (see the fields above). */
const NONE: readonly unknown[] = Object.freeze([]);
