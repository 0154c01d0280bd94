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
 *
 * A packet that its owner knows nobody references any more (a link that delivered it to a receiver
 * that kept no view of it) can be given back with recyclePacket, and allocPacket hands out a packet
 * of the same length again before cutting a new one. That is not only fewer objects: a slab's memory
 * comes back to the allocator only when the garbage collector finds it dead, megabytes of packets
 * later, so a fresh packet is written in memory out of the caches, and the copy of its payload was
 * the single most expensive line of a bulk transfer. A recycled packet was in use a moment ago.
 */
const SLAB_BYTES = 128 * 1024;
let slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
let slabUsed = 0;

/** Recycled packets by length: about what one connection has in flight, at most (see recyclePacket). */
const recycled = new Map<number, Buffer[]>();
let recycledBytes = 0;
const RECYCLED_MAX_BYTES = 16 * 1024 * 1024;
const RECYCLED_MAX_PER_LENGTH = 8192;

export function allocPacket(length: number): Buffer {
  const free = recycled.get(length);
  if (free !== undefined && free.length > 0) {
    recycledBytes -= length;
    return free.pop()!;
  }
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

/**
 * Give `packet` back for allocPacket to hand out again (its bytes are left as they are). Only for a
 * packet that allocPacket made and that nothing references any more, no view of it either: whoever
 * still held one would see it overwritten by the next packet of that length. Beyond 16 MiB, or 8192
 * packets of one length, a packet is left to the garbage collector instead.
 */
export function recyclePacket(packet: Buffer): void {
  const length = packet.length;
  if (recycledBytes + length > RECYCLED_MAX_BYTES) return;
  let free = recycled.get(length);
  if (free === undefined) recycled.set(length, (free = []));
  if (free.length >= RECYCLED_MAX_PER_LENGTH) return;
  free.push(packet);
  recycledBytes += length;
}

/** Packets waiting to be handed out again, and their bytes. */
export function recycledPackets(): { packets: number; bytes: number } {
  let packets = 0;
  for (const free of recycled.values()) packets += free.length;
  return { packets, bytes: recycledBytes };
}

/** Forget every recycled packet (for a measurement of memory that should not count them). */
export function dropRecycledPackets(): void {
  recycled.clear();
  recycledBytes = 0;
}
