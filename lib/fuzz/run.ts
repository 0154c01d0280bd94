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
  inputs: number;
  accepted: number;
  rejected: number;
  slowestMs: number;
  wallMs: number;
  /** Heap used after a full collection, before and after the run (MB); NaN without a gc function. */
  heapStartMB: number;
  heapEndMB: number;
  failure?: { input: string; error: string };
}

/** How a failing input is shown: text as a JSON string, bytes as hex (both paste back into a test). */
export function showInput(input: Buffer | string): string {
  return typeof input === 'string' ? JSON.stringify(input) : `hex ${input.toString('hex')}`;
}

export function runTarget(target: FuzzTarget, runs: number, seed: number, gc?: () => void): FuzzResult {
  const heap = () => {
    if (!gc) return NaN;
    gc();
    return process.memoryUsage().heapUsed / 1e6;
  };
  const heapStartMB = heap();
  let accepted = 0;
  let rejected = 0;
  let slowestMs = 0;
  const t0 = performance.now();
  const property = fc.property(target.input, (input) => {
    const s = performance.now();
    try {
      target.run(input);
      accepted++;
    } catch (err) {
      if (!target.expected(err)) throw err;
      rejected++;
    } finally {
      const ms = performance.now() - s;
      if (ms > slowestMs) slowestMs = ms;
    }
  });
  const out = fc.check(property, { seed, numRuns: runs });
  const wallMs = performance.now() - t0;
  const result: FuzzResult = { target: target.name, seed, inputs: out.numRuns, accepted, rejected, slowestMs, wallMs, heapStartMB, heapEndMB: heap() };
  if (out.failed) {
    const input = out.counterexample?.[0] as Buffer | string | undefined;
    const e = out.errorInstance;
    result.failure = {
      input: input === undefined ? '(none)' : showInput(input),
      error: e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : String(e),
    };
  }
  return result;
}
