/**
 * The send buffer: bytes the application wrote that the peer has not acknowledged yet, unsent ones included.
 * Byte 0 of the buffer is the byte at SND.UNA (once the SYN is acknowledged). Stored as a queue of the
 * application's own Buffers, so writing costs no copy; a segment is a view when it falls in one chunk.
 */
export class SendBuffer {
  /** A shared empty array until the first write: an idle connection holds no array of its own. */
  private chunks: Buffer[] = NONE as Buffer[];
  /** Bytes of chunks[0] already acknowledged. */
  private headOffset = 0;
  /** Bytes held (unacknowledged + unsent). */
  length = 0;

  push(data: Buffer): void {
    if (data.length === 0) return;
    if (this.chunks === NONE) this.chunks = [];
    this.chunks.push(data);
    this.length += data.length;
  }

  /** `len` bytes starting `offset` bytes after the first unacknowledged byte. */
  peek(offset: number, len: number): Buffer {
    if (len <= 0) return EMPTY;
    let i = 0;
    let pos = offset + this.headOffset;
    while (i < this.chunks.length && pos >= this.chunks[i].length) {
      pos -= this.chunks[i].length;
      i++;
    }
    const first = this.chunks[i];
    if (pos + len <= first.length) return first.subarray(pos, pos + len);
    const out = Buffer.allocUnsafe(len);
    let filled = 0;
    while (filled < len) {
      const c = this.chunks[i++];
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
    this.length -= n;
    let left = n + this.headOffset;
    while (this.chunks.length > 0 && left >= this.chunks[0].length) {
      left -= this.chunks[0].length;
      this.chunks.shift();
    }
    this.headOffset = left;
  }
}

const EMPTY = Buffer.alloc(0);
const NONE: readonly Buffer[] = Object.freeze([]);
