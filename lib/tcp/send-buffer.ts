/**
 * Bytes that are made when they are needed, not held: a large write of a known pattern (the scenario
 * runner's `send N`). The send buffer keeps a range of it as it keeps a range of a Buffer, and asks it
 * for a segment's bytes when the segment is sent (again for a retransmission), so a window of it costs
 * no memory.
 */
export interface ByteSource {
  readonly length: number;
  /** The bytes [start, start + len): a new Buffer each call, which the caller may keep. */
  make(start: number, len: number): Buffer;
}

/** What the application hands the send buffer: its own Buffer, or a source of bytes. */
export type SendData = Buffer | ByteSource;

/** Told apart by the one property a Buffer never has. */
export function isByteSource(d: SendData): d is ByteSource {
  return (d as Partial<ByteSource>).make !== undefined;
}


/**
 * The send buffer: bytes the application wrote that the peer has not acknowledged yet, unsent ones included.
 * Byte 0 of the buffer is the byte at SND.UNA (once the SYN is acknowledged). Stored as a queue of ranges
 * of the application's own Buffers, so writing costs no copy; a segment is a view when it falls in one chunk.
 *
 * Cost: an application that writes as acknowledgments free space adds one small chunk per ACK, so a
 * large window holds thousands of chunks. Segments are taken in sequence order, so `peek` resumes from
 * where the last one stopped (a cursor) instead of walking from the front: constant time per segment,
 * whatever the window. Acknowledged chunks leave by moving a head index, not by shifting the array.
 */
export class SendBuffer {
  /**
   * The chunks, three slots each: the application's Buffer, the offset of the chunk's first byte in it and
   * the chunk's length. A range of the application's own buffer needs no view of its own, and a piece that
   * continues the last chunk only lengthens it. A shared empty array until the first write: an idle
   * connection holds no array of its own.
   */
  private chunks: (SendData | number)[] = NONE as (SendData | number)[];
  /** Slot of the first chunk not wholly acknowledged (a multiple of 3). */
  private head = 0;
  /** Bytes of the head chunk already acknowledged. */
  private headOffset = 0;
  /** Bytes held (unacknowledged + unsent). */
  length = 0;
  /** Bytes acknowledged since the buffer was made: byte 0 of the buffer is byte `base` of the stream. */
  private base = 0;
  /** The cursor: a chunk's slot and the stream position of that chunk's first byte. */
  private curIdx = 0;
  private curStart = 0;

  push(data: Buffer): void {
    this.pushRange(data, 0, data.length);
  }

  /** Take data[start, end): no copy and, for a range that continues the last one taken, no new chunk. */
  pushRange(data: SendData, start: number, end: number): void {
    const len = end - start;
    if (len <= 0) return;
    this.length += len;
    if (this.chunks === NONE) {
      // A literal of its final length: an empty array that is pushed to reserves 17 slots, and many connections write once.
      this.chunks = [data, start, len];
      return;
    }
    const chunks = this.chunks;
    const n = chunks.length;
    if (n > this.head) {
      const last = chunks[n - 3] as SendData;
      const lastOff = chunks[n - 2] as number;
      const lastLen = chunks[n - 1] as number;
      // The rest of a buffer whose front was taken before (a socket hands an application's large write
      // over a piece per ACK): the last chunk grows. Segments then never straddle the pieces, so peek copies nothing.
      if (last === data && lastOff + lastLen === start) {
        chunks[n - 1] = lastLen + len;
        return;
      }
      // Separate Buffers over neighbouring memory (an application's own pieces of one large buffer): one
      // longer view of the same bytes.
      if (!isByteSource(last) && !isByteSource(data) && last.buffer === data.buffer && last.byteOffset + lastOff + lastLen === data.byteOffset + start) {
        chunks[n - 3] = Buffer.from(last.buffer, last.byteOffset + lastOff, lastLen + len);
        chunks[n - 2] = 0;
        chunks[n - 1] = lastLen + len;
        return;
      }
    }
    chunks.push(data, start, len);
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
    while (target >= start + (chunks[i + 2] as number)) {
      start += chunks[i + 2] as number;
      i += 3;
    }
    this.curIdx = i;
    this.curStart = start;
    let pos = target - start;
    const first = chunks[i] as SendData;
    const firstOff = chunks[i + 1] as number;
    if (pos + len <= (chunks[i + 2] as number)) {
      return isByteSource(first) ? first.make(firstOff + pos, len) : first.subarray(firstOff + pos, firstOff + pos + len);
    }
    const out = Buffer.allocUnsafe(len);
    let filled = 0;
    while (filled < len) {
      const c = chunks[i] as SendData;
      const off = chunks[i + 1] as number;
      const n = Math.min((chunks[i + 2] as number) - pos, len - filled);
      if (isByteSource(c)) c.make(off + pos, n).copy(out, filled);
      else c.copy(out, filled, off + pos, off + pos + n);
      filled += n;
      pos = 0;
      i += 3;
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
    while (this.head < chunks.length && left >= (chunks[this.head + 2] as number)) {
      left -= chunks[this.head + 2] as number;
      chunks[this.head] = EMPTY; // the application's buffer is free as soon as it is acknowledged
      this.head += 3;
    }
    this.headOffset = left;
    if (this.head === chunks.length) {
      // Everything acknowledged: start the array afresh.
      chunks.length = 0;
      this.head = 0;
      this.curIdx = 0;
      this.curStart = this.base;
    } else if (this.head >= 3 * 1024 && this.head * 2 >= chunks.length) {
      // Release the acknowledged chunks now and then (amortised constant time per chunk).
      chunks.splice(0, this.head);
      this.curIdx = Math.max(0, this.curIdx - this.head);
      if (this.curIdx === 0) this.curStart = this.base - this.headOffset;
      this.head = 0;
    }
  }
}

const EMPTY = Buffer.alloc(0);
const NONE: readonly (SendData | number)[] = Object.freeze([]);
