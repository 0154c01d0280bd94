/**
 * The Internet checksum (RFC 1071): the 16-bit one's complement of the one's complement sum of
 * the data taken as big-endian 16-bit words, an odd last byte padded with a zero byte.
 *
 * Speed: the sum is commutative and associative and end-around carries can be deferred
 * (RFC 1071 section 2 (B) and (C)), so the loop adds 32-bit words into a plain JS number (exact up
 * to 2^53) and folds once at the end. That is a quarter of the iterations of a byte loop.
 *
 * Incremental use (the TCP pseudo-header, RFC 9293 3.1): `checksumAdd` returns a running sum that
 * can be passed back as `initial`; every piece except the last must have an even length so the
 * words of the next piece stay aligned. `checksumFinish` folds and complements.
 */

/** Past this many 32-bit words a sum could exceed 2^53; fold before that. 2^20 words = 4 MiB. */
const FOLD_EVERY_WORDS = 1 << 20;

/** Fold a running sum into 16 bits with end-around carry (RFC 1071 section 2 (C)). */
export function checksumFold(sum: number): number {
  while (sum > 0xffff) sum = (sum % 0x10000) + Math.floor(sum / 0x10000);
  return sum;
}

/**
 * Add bytes buf[start, end) to a running one's complement sum. The result is folded to 16 bits
 * (not complemented), so it can be carried into the next call or handed to `checksumFinish`.
 */
export function checksumAdd(buf: Uint8Array, start = 0, end = buf.length, initial = 0): number {
  let sum = initial;
  let i = start;
  if (end - start <= 64) {
    // Headers: 16-bit words straight from the bytes, no DataView to allocate.
    for (; i + 1 < end; i += 2) sum += (buf[i] << 8) | buf[i + 1];
    if (i < end) sum += buf[i] << 8;
    return checksumFold(sum);
  }
  // A DataView over the same memory: no copy, and getUint32 is big-endian by default.
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  while (end - i >= 4) {
    const stop = Math.min(end - ((end - i) & 3), i + FOLD_EVERY_WORDS * 4);
    for (; i < stop; i += 4) sum += view.getUint32(i);
    sum = checksumFold(sum);
  }
  if (end - i >= 2) {
    sum += view.getUint16(i);
    i += 2;
  }
  // Odd length: the last byte is the high half of a word whose low half is zero.
  if (i < end) sum += buf[i] << 8;
  return checksumFold(sum);
}

/** Add a 16-bit word to a running sum. */
export function checksumAddWord(sum: number, word: number): number {
  return checksumFold(sum + (word & 0xffff));
}

/** Add a 32-bit value (an IPv4 address) as its two 16-bit words. */
export function checksumAddUint32(sum: number, value: number): number {
  return checksumFold(sum + (value >>> 16) + (value & 0xffff));
}

/** The checksum field value for a running sum: folded and complemented. */
export function checksumFinish(sum: number): number {
  return ~checksumFold(sum) & 0xffff;
}

/**
 * The checksum of buf[start, end). Computed over data that already holds a correct checksum field,
 * it is 0 (RFC 1071 section 1: the sum of everything, checksum included, is all ones).
 */
export function internetChecksum(buf: Uint8Array, start = 0, end = buf.length): number {
  return checksumFinish(checksumAdd(buf, start, end));
}
