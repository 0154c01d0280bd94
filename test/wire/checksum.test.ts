import test from 'ava';
import fc from 'fast-check';
import { checksumAdd, checksumAddUint32, checksumAddWord, checksumFinish, internetChecksum } from '../../lib/wire/checksum.ts';

/** The definition, word by word, as RFC 1071 section 1 states it: the slow reference. */
function referenceChecksum(bytes: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 2) {
    sum += (bytes[i] << 8) | (i + 1 < bytes.length ? bytes[i + 1] : 0);
    sum = (sum & 0xffff) + (sum >>> 16);
  }
  return ~sum & 0xffff;
}

test('RFC 1071 section 3 example: bytes 00 01 f2 03 f4 f5 f6 f7 sum to ddf2, checksum 220d', (t) => {
  const bytes = Buffer.from('0001f203f4f5f6f7', 'hex');
  t.is(checksumAdd(bytes), 0xddf2);
  t.is(internetChecksum(bytes), 0x220d);
});

test('data with its checksum appended checks to zero', (t) => {
  const bytes = Buffer.from('0001f203f4f5f6f7220d', 'hex');
  t.is(internetChecksum(bytes), 0);
});

test('an odd last byte is padded with a zero byte', (t) => {
  t.is(internetChecksum(Buffer.from([0xab])), ~0xab00 & 0xffff);
  t.is(internetChecksum(Buffer.from([0x12, 0x34, 0xab])), referenceChecksum(Buffer.from([0x12, 0x34, 0xab])));
});

test('empty data has checksum ffff', (t) => {
  t.is(internetChecksum(Buffer.alloc(0)), 0xffff);
});

test('matches the word-by-word definition on any data, length, and offset', (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 3000 }), fc.nat(7), (bytes, skip) => {
      // Copy behind a few junk bytes so the view starts at an odd or unaligned byteOffset.
      const backing = Buffer.alloc(bytes.length + skip, 0x5a);
      backing.set(bytes, skip);
      const view = backing.subarray(skip);
      return internetChecksum(view) === referenceChecksum(bytes) && internetChecksum(backing, skip) === referenceChecksum(bytes);
    }),
    { seed: 42, numRuns: 1000 },
  );
  t.pass();
});

test('incremental sums over even-length pieces equal the sum of the whole', (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), fc.nat(200), (bytes, cutHalf) => {
      const cut = Math.min(cutHalf * 2, bytes.length & ~1);
      const whole = Buffer.from(bytes);
      const running = checksumAdd(whole, cut, whole.length, checksumAdd(whole, 0, cut));
      return checksumFinish(running) === referenceChecksum(bytes);
    }),
    { seed: 42, numRuns: 1000 },
  );
  t.pass();
});

test('words and 32-bit values added by number equal the same bytes added from a buffer', (t) => {
  const bytes = Buffer.from('0a000001c0a80102000600ff', 'hex');
  const byNumber = checksumAddWord(checksumAddWord(checksumAddUint32(checksumAddUint32(0, 0x0a000001), 0xc0a80102), 6), 0xff);
  t.is(byNumber, checksumAdd(bytes));
});

test('5 MiB of 0xff bytes (past the 4 MiB fold interval) sums without losing carries', (t) => {
  const big = Buffer.alloc(5 * 1024 * 1024 + 3, 0xff);
  t.is(internetChecksum(big), referenceChecksum(big));
});
