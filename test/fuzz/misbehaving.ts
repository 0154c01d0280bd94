/**
 * Fuzz targets that break the rules on purpose, for the supervisor's tests: each misbehaves on an input
 * of 3 bytes or more whose first byte is 0x42, and accepts everything else.
 */
import fc from 'fast-check';
import type { FuzzTarget } from '../../lib/fuzz/targets.ts';

const bad = (b: Buffer | string) => typeof b !== 'string' && b.length >= 3 && b[0] === 0x42;

function misbehaving(name: string, act: () => void): FuzzTarget {
  return {
    name,
    what: `a decoder that ${name} on 42 xx xx`,
    share: 1,
    input: fc.uint8Array({ maxLength: 8 }).map((u) => Buffer.from(u)),
    run: (b) => {
      if (bad(b)) act();
    },
    expected: () => false,
  };
}

export function fuzzTargets(): FuzzTarget[] {
  return [
    misbehaving('loops', () => {
      for (;;);
    }),
    // Memory without bound: V8 stops the process at its heap limit (no exception: the process is gone).
    misbehaving('hoards', () => {
      const hoard: number[][] = [];
      for (;;) hoard.push(new Array(4096).fill(hoard.length));
    }),
    misbehaving('throws', () => {
      throw new RangeError('read past the end');
    }),
    misbehaving('behaves', () => undefined),
  ];
}
