import fc from 'fast-check';

/**
 * Input generators for the fuzzer, as fast-check arbitraries so that a failing input shrinks to a
 * small one: random bytes or text, and (most of the time) a real seed changed by a few mutations of
 * the kinds that find decoder bugs (bit flips, boundary values, cuts, insertions, deletions, repeats,
 * splices with another seed). Positions are taken modulo the input's length, so a mutation list applies
 * to any seed.
 */

type ByteMutation =
  | { op: 'set'; at: number; v: number }
  | { op: 'flip'; at: number; bit: number }
  | { op: 'word'; at: number; v: number; size: 2 | 4 }
  | { op: 'cut'; at: number }
  | { op: 'insert'; at: number; bytes: Uint8Array }
  | { op: 'delete'; at: number; n: number }
  | { op: 'repeat'; at: number; n: number }
  | { op: 'splice'; other: number; at: number; from: number };

/** Values at the edges of fields: lengths, offsets, counts and sequence numbers break there. */
const INTERESTING = [0, 1, 2, 3, 4, 5, 8, 15, 16, 20, 40, 60, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff];

const byteMutation: fc.Arbitrary<ByteMutation> = fc.oneof(
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), v: fc.nat(255) }),
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }),
  fc.record({ op: fc.constant('word' as const), at: fc.nat(), v: fc.constantFrom(...INTERESTING), size: fc.constantFrom(2 as const, 4 as const) }),
  fc.record({ op: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ op: fc.constant('repeat' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ op: fc.constant('splice' as const), other: fc.nat(), at: fc.nat(), from: fc.nat() }),
);

function applyBytes(seed: Buffer, edits: readonly ByteMutation[], seeds: readonly Buffer[]): Buffer {
  let b = Buffer.from(seed);
  for (const e of edits) {
    const len = b.length;
    const at = len === 0 ? 0 : e.at % len;
    switch (e.op) {
      case 'set':
        if (len > 0) b[at] = e.v;
        break;
      case 'flip':
        if (len > 0) b[at] ^= 1 << e.bit;
        break;
      case 'word':
        // Big- or little-endian at random (the position's parity decides): pcap is either.
        for (let k = 0; k < e.size && at + k < len; k++) {
          const shift = 8 * (e.at % 2 === 0 ? e.size - 1 - k : k);
          b[at + k] = Math.floor(e.v / 2 ** shift) & 0xff;
        }
        break;
      case 'cut':
        b = b.subarray(0, at);
        break;
      case 'insert':
        b = Buffer.concat([b.subarray(0, at), Buffer.from(e.bytes), b.subarray(at)]);
        break;
      case 'delete':
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + e.n)]);
        break;
      case 'repeat':
        b = Buffer.concat([b.subarray(0, at + e.n), b.subarray(at)]);
        break;
      case 'splice': {
        const other = seeds[e.other % seeds.length];
        const from = other.length === 0 ? 0 : e.from % other.length;
        b = Buffer.concat([b.subarray(0, at), other.subarray(from)]);
        break;
      }
    }
  }
  return b;
}

/** Bytes: a quarter random, the rest a mutated seed. */
export function bytesFrom(seeds: readonly Buffer[], maxRandom = 300): fc.Arbitrary<Buffer> {
  const mutated = fc
    .tuple(fc.nat(seeds.length - 1), fc.array(byteMutation, { minLength: 1, maxLength: 8 }))
    .map(([i, edits]) => applyBytes(seeds[i], edits, seeds));
  const random = fc.uint8Array({ maxLength: maxRandom }).map((u) => Buffer.from(u));
  return fc.oneof({ weight: 1, arbitrary: random }, { weight: 3, arbitrary: mutated });
}

type TextMutation =
  | { op: 'delete-line'; at: number }
  | { op: 'repeat-line'; at: number }
  | { op: 'swap-lines'; at: number; with: number }
  | { op: 'char'; at: number; c: string }
  | { op: 'insert'; at: number; s: string }
  | { op: 'delete'; at: number; n: number }
  | { op: 'cut'; at: number }
  | { op: 'splice'; other: number; at: number; from: number };

/** Pieces that mean something to YAML, JSON, the units parser or the schema. */
const TOKENS = [
  '{', '}', '[', ']', ':', ',', '"', "'", '-', '#', '&a', '*a', '!!str', '|', '>', '%', '@', '`', ' ', '\t', '\n', '\r\n', '\\',
  '0', '-1', '1e309', '-0', 'NaN', 'Infinity', '99999999999999999999', '0x10', '1.5', 'null', 'true', '~', '""',
  'ms', 's', 'min', 'h', 'kB', 'MiB', 'GiB', 'bps', 'Mbit/s', '%', 'at: ', 'steps:', 'hosts:', 'expect:', 'link:', 'tcp:',
  '"type":', '"t":', '"host":', '"seq":', '"flags":', '{"type":"meta"}', '\u0000', '\uffff', '\ud800', 'é', '𝄞',
];

const textMutation: fc.Arbitrary<TextMutation> = fc.oneof(
  fc.record({ op: fc.constant('delete-line' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('repeat-line' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('swap-lines' as const), at: fc.nat(), with: fc.nat() }),
  fc.record({ op: fc.constant('char' as const), at: fc.nat(), c: fc.constantFrom(...TOKENS) }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), s: fc.oneof(fc.constantFrom(...TOKENS), fc.string({ maxLength: 12 })) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ op: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('splice' as const), other: fc.nat(), at: fc.nat(), from: fc.nat() }),
);

function applyText(seed: string, edits: readonly TextMutation[], seeds: readonly string[]): string {
  let t = seed;
  for (const e of edits) {
    const len = t.length;
    const at = len === 0 ? 0 : e.at % len;
    switch (e.op) {
      case 'delete-line':
      case 'repeat-line':
      case 'swap-lines': {
        const lines = t.split('\n');
        const i = e.at % lines.length;
        if (e.op === 'delete-line') lines.splice(i, 1);
        else if (e.op === 'repeat-line') lines.splice(i, 0, lines[i]);
        else {
          const j = e.with % lines.length;
          [lines[i], lines[j]] = [lines[j], lines[i]];
        }
        t = lines.join('\n');
        break;
      }
      case 'char':
        t = t.slice(0, at) + e.c + t.slice(at + 1);
        break;
      case 'insert':
        t = t.slice(0, at) + e.s + t.slice(at);
        break;
      case 'delete':
        t = t.slice(0, at) + t.slice(at + e.n);
        break;
      case 'cut':
        t = t.slice(0, at);
        break;
      case 'splice': {
        const other = seeds[e.other % seeds.length];
        t = t.slice(0, at) + other.slice(other.length === 0 ? 0 : e.from % other.length);
        break;
      }
    }
  }
  return t;
}

/**
 * Any character: mostly ASCII, some from the whole 16-bit range (lone surrogates included), some beyond.
 * (fast-check's own `unit: 'binary'` builds tables of 86 MB, which would hide what the decoders hold.)
 */
const anyChar = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c)) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) },
  { weight: 1, arbitrary: fc.integer({ min: 0x10000, max: 0x10ffff }).map((c) => String.fromCodePoint(c)) },
);

/** Text: a tenth random (any characters), the rest a mutated seed. */
export function textFrom(seeds: readonly string[]): fc.Arbitrary<string> {
  const mutated = fc
    .tuple(fc.nat(seeds.length - 1), fc.array(textMutation, { minLength: 1, maxLength: 6 }))
    .map(([i, edits]) => applyText(seeds[i], edits, seeds));
  return fc.oneof({ weight: 1, arbitrary: fc.string({ maxLength: 400, unit: anyChar }) }, { weight: 9, arbitrary: mutated });
}
