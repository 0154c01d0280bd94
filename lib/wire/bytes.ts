/**
 * Big-endian loads and stores for offsets and values the caller has already checked. Buffer's
 * readUInt16BE / writeUInt32BE and friends validate every argument again, which on the per-segment
 * path costs more than the access itself.
 */

export function get16(buf: Uint8Array, at: number): number {
  return (buf[at] << 8) | buf[at + 1];
}

export function get32(buf: Uint8Array, at: number): number {
  return ((buf[at] << 24) | (buf[at + 1] << 16) | (buf[at + 2] << 8) | buf[at + 3]) >>> 0;
}

/** Little-endian loads (pcap and pcapng headers written on little-endian machines). */
export function get16le(buf: Uint8Array, at: number): number {
  return buf[at] | (buf[at + 1] << 8);
}

export function get32le(buf: Uint8Array, at: number): number {
  return (buf[at] | (buf[at + 1] << 8) | (buf[at + 2] << 16) | (buf[at + 3] << 24)) >>> 0;
}

export function put16(buf: Uint8Array, at: number, v: number): void {
  buf[at] = v >>> 8;
  buf[at + 1] = v;
}

export function put32(buf: Uint8Array, at: number, v: number): void {
  buf[at] = v >>> 24;
  buf[at + 1] = v >>> 16;
  buf[at + 2] = v >>> 8;
  buf[at + 3] = v;
}

// Whether a number fits an unsigned field of 8, 16 or 32 bits: true exactly for the integers 0..max
// (NaN, fractions, negatives and infinities all fail). One mask each, no Number.isInteger call.
export function fits8(v: number): boolean {
  return (v & 0xff) === v;
}

export function fits16(v: number): boolean {
  return (v & 0xffff) === v;
}

export function fits32(v: number): boolean {
  return v >>> 0 === v;
}

/**
 * Packets are cut from slabs of 128 KiB, as Buffer.allocUnsafe cuts small buffers from its 8 KiB pool:
 * making an ArrayBuffer costs about a microsecond, which the pool pays every five 1,500-byte packets and
 * a slab every eighty. A slab lives as long as any packet cut from it, or any view of one (a payload the
 * application keeps), as Node's own socket reads keep their 64 KiB buffers. Like allocUnsafe, the bytes
 * are not cleared: the caller writes every one of them.
 */
const SLAB_BYTES = 128 * 1024;
let slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
let slabUsed = 0;

export function allocPacket(length: number): Buffer {
  if (length > SLAB_BYTES / 8) return Buffer.allocUnsafeSlow(length);
  if (slabUsed + length > SLAB_BYTES) {
    slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
    slabUsed = 0;
  }
  const b = slab.subarray(slabUsed, slabUsed + length);
  // 8-byte aligned, as Node's pool is.
  slabUsed = (slabUsed + length + 7) & ~7;
  return b;
}
