import fc from 'fast-check';
import { performance } from 'node:perf_hooks';
import type { FuzzTarget } from './targets.ts';

/**
 * Runs one fuzz target: `runs` inputs from a fixed seed, every one either accepted or rejected with
 * the target's own error. Records the slowest input (nothing may hang) and the heap before and after
 * (nothing may pile up). On the first input that throws anything else, fast-check shrinks it (fewer,
 * simpler mutations of the same seed, or fewer random bytes) and the result carries the input that
 * still fails, with the error.
 */
export interface FuzzResult {
  target: string;
  seed: number;
  /** Inputs generated (fast-check's count: without the retries of shrinking). */
  inputs: number;
  /** Decoder calls that returned or threw the decoder's error; shrinking's retries are counted too. */
  accepted: number;
  rejected: number;
  /** The slowest input's time, ms: the least of three runs of it (the three slowest inputs are timed again). */
  slowestMs: number;
  wallMs: number;
  /** Heap used after a full collection, before and after the run (MB); NaN without a gc function. */
  heapStartMB: number;
  heapEndMB: number;
  failure?: { input: string; dump: string; error: string };
}

export interface RunOptions {
  /** A full collection, for the heap figures (global.gc under --expose-gc). */
  gc?: () => void;
  /** Called with each input before the decoder sees it: the supervisor keeps it, in case that input never returns. */
  onInput?: (input: Buffer | string, index: number) => void;
}

/** How a failing input is shown on one line: text as a JSON string, bytes as hex (both paste back into a test). */
export function showInput(input: Buffer | string): string {
  return typeof input === 'string' ? JSON.stringify(input) : `hex ${input.toString('hex')}`;
}

/**
 * How a failing input is shown to be read: bytes as offset, hex and ASCII lines (as `xxd` prints them, so
 * an offset in a WireError can be found), text as numbered lines with invisible characters escaped.
 * At most `maxLines` lines; the length is always given.
 */
export function dumpInput(input: Buffer | string, maxLines = 32): string {
  const out: string[] = [];
  if (typeof input === 'string') {
    const lines = input.split('\n');
    out.push(`${input.length} characters, ${lines.length} lines:`);
    for (let i = 0; i < Math.min(lines.length, maxLines); i++) out.push(`${String(i + 1).padStart(5)} | ${JSON.stringify(lines[i]).slice(1, -1)}`);
    if (lines.length > maxLines) out.push(`      | ... ${lines.length - maxLines} more lines`);
    return out.join('\n');
  }
  out.push(`${input.length} bytes:`);
  const rows = Math.ceil(input.length / 16);
  for (let r = 0; r < Math.min(rows, maxLines); r++) {
    const row = input.subarray(r * 16, r * 16 + 16);
    const hex = [...row].map((b) => b.toString(16).padStart(2, '0'));
    const groups = [0, 2, 4, 6, 8, 10, 12, 14].map((i) => hex.slice(i, i + 2).join('')).join(' ');
    const ascii = [...row].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    out.push(`  ${(r * 16).toString(16).padStart(8, '0')}: ${groups.padEnd(39)}  ${ascii}`);
  }
  if (rows > maxLines) out.push(`  ... ${input.length - maxLines * 16} more bytes`);
  return out.join('\n');
}

/** How many of the slowest inputs runTarget times again. */
const SLOW_KEPT = 3;

export function runTarget(target: FuzzTarget, runs: number, seed: number, opts: RunOptions = {}): FuzzResult {
  const heap = () => {
    if (!opts.gc) return NaN;
    opts.gc();
    return process.memoryUsage().heapUsed / 1e6;
  };
  const heapStartMB = heap();
  let accepted = 0;
  let rejected = 0;
  let index = 0;
  // The slowest inputs, slowest first: timed again below, so that a slow spell of the machine (a busy
  // neighbour, a collection) is not taken for an input that is slow to decode.
  const slow: Array<{ ms: number; input: Buffer | string }> = [];
  const timeOnce = (input: Buffer | string): number => {
    const s = performance.now();
    try {
      target.run(input);
    } catch {
      // (its outcome was judged on the first run)
    }
    return performance.now() - s;
  };
  const t0 = performance.now();
  const property = fc.property(target.input, (input) => {
    opts.onInput?.(input, index++);
    const s = performance.now();
    try {
      target.run(input);
      accepted++;
    } catch (err) {
      if (!target.expected(err)) throw err;
      rejected++;
    } finally {
      const ms = performance.now() - s;
      if (slow.length < SLOW_KEPT || ms > slow[slow.length - 1]!.ms) {
        slow.push({ ms, input });
        slow.sort((a, b) => b.ms - a.ms);
        if (slow.length > SLOW_KEPT) slow.pop();
      }
    }
  });
  const out = fc.check(property, { seed, numRuns: runs });
  const wallMs = performance.now() - t0;
  // An input's time is the least of three runs; the slowest input is the one whose least is greatest.
  let slowestMs = 0;
  for (const x of slow) slowestMs = Math.max(slowestMs, Math.min(x.ms, timeOnce(x.input), timeOnce(x.input)));
  const result: FuzzResult = { target: target.name, seed, inputs: out.numRuns, accepted, rejected, slowestMs, wallMs, heapStartMB, heapEndMB: heap() };
  if (out.failed) {
    const input = out.counterexample?.[0] as Buffer | string | undefined;
    const e = out.errorInstance;
    result.failure = {
      input: input === undefined ? '(none)' : showInput(input),
      dump: input === undefined ? '' : dumpInput(input),
      error: e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : String(e),
    };
  }
  return result;
}
