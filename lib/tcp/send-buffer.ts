/**
 * The send buffer: bytes the application wrote that the peer has not acknowledged yet, unsent ones included.
 * Byte 0 of the buffer is the byte at SND.UNA (once the SYN is acknowledged). Stored as a queue of the
 * application's own Buffers, so writing costs no copy; a segment is a view when it falls in one chunk.
 *
 * Cost: an application that writes as acknowledgments free space adds one small chunk per ACK, so a
 * large window holds thousands of chunks. Segments are taken in sequence order, so `peek` resumes from
 * where the last one stopped (a cursor) instead of walking from the front: constant time per segment,
 * whatever the window. Acknowledged chunks leave by moving a head index, not by shifting the array.
 */
export class SendBuffer {
  /** A shared empty array until the first write: an idle connection holds no array of its own. */
  private chunks: Buffer[] = NONE as Buffer[];
  /** Index of the first chunk not wholly acknowledged. */
  private head = 0;
  /** Bytes of chunks[head] already acknowledged. */
  private headOffset = 0;
  /** Bytes held (unacknowledged + unsent). */
  length = 0;
  /** Bytes acknowledged since the buffer was made: byte 0 of the buffer is byte `base` of the stream. */
  private base = 0;
  /** The cursor: a chunk index and the stream position of that chunk's first byte. */
  private curIdx = 0;
  private curStart = 0;

  push(data: Buffer): void {
    if (data.length === 0) return;
    if (this.chunks === NONE) {
      // A literal of one: an empty array that is pushed to reserves 17 slots, and many connections write once.
      this.chunks = [data];
      this.length += data.length;
      return;
    }
    const chunks = this.chunks;
    const n = chunks.length;
    const last = n > this.head ? chunks[n - 1] : undefined;
    if (last !== undefined && last.buffer === data.buffer && last.byteOffset + last.length === data.byteOffset) {
      // The new bytes sit right after the last chunk's in the same memory (an application's large buffer
      // taken a piece at a time as ACKs free space): one longer view of the same bytes. Segments then
      // never straddle the pieces, so peek copies nothing.
      chunks[n - 1] = Buffer.from(last.buffer, last.byteOffset, last.length + data.length);
    } else {
      chunks.push(data);
    }
    this.length += data.length;
  }

  /** `len` bytes starting `offset` bytes after the first unacknowledged byte. */
  peek(offset: number, len: number): Buffer {
    if (len <= 0) return EMPTY;
    if (offset + len > this.length) throw new Error(`SendBuffer.peek(${offset}, ${len}) with only ${this.length} held`);
    const chunks = this.chunks;
    const target = this.base + offset;
    // Back to the first chunk when the cursor is behind the head or past the target (a retransmission).
    if (this.curIdx < this.head || target < this.curStart) {
      this.curIdx = this.head;
      this.curStart = this.base - this.headOffset;
    }
    let i = this.curIdx;
    let start = this.curStart;
    while (target >= start + chunks[i].length) {
      start += chunks[i].length;
      i++;
    }
    this.curIdx = i;
    this.curStart = start;
    let pos = target - start;
    const first = chunks[i];
    if (pos + len <= first.length) return first.subarray(pos, pos + len);
    const out = Buffer.allocUnsafe(len);
    let filled = 0;
    while (filled < len) {
      const c = chunks[i++];
      const n = Math.min(c.length - pos, len - filled);
      c.copy(out, filled, pos, pos + n);
      filled += n;
      pos = 0;
    }
    return out;
  }

  /** Drop `n` acknowledged bytes from the front. */
  consume(n: number): void {
    if (n > this.length) throw new Error(`SendBuffer.consume(${n}) with only ${this.length} held`);
    if (n === 0) return;
    this.length -= n;
    this.base += n;
    const chunks = this.chunks;
    let left = n + this.headOffset;
    while (this.head < chunks.length && left >= chunks[this.head].length) {
      left -= chunks[this.head].length;
      chunks[this.head] = EMPTY; // the application's buffer is free as soon as it is acknowledged
      this.head++;
    }
    this.headOffset = left;
    if (this.head === chunks.length) {
      // Everything acknowledged: start the array afresh.
      chunks.length = 0;
      this.head = 0;
      this.curIdx = 0;
      this.curStart = this.base;
    } else if (this.head >= 1024 && this.head * 2 >= chunks.length) {
      // Release the acknowledged chunks now and then (amortised constant time per chunk).
      chunks.splice(0, this.head);
      this.curIdx = Math.max(0, this.curIdx - this.head);
      if (this.curIdx === 0) this.curStart = this.base - this.headOffset;
      this.head = 0;
    }
  }
}

const EMPTY = Buffer.alloc(0);
const NONE: readonly Buffer[] = Object.freeze([]);
