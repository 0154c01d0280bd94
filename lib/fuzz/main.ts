import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { fuzzTargets } from './targets.ts';
import type { FuzzResult } from './run.ts';
import { superviseTarget } from './supervise.ts';

/**
 * `npm run fuzz`: a million inputs (by default) over every decoder of outside input, a share each,
 * from one seed; each target in a process of its own (supervise.ts), a line per target as it starts and
 * as it finishes, then a table. Exit 0 when every input was accepted or rejected with the decoder's own
 * error, none was slow, none hung or crashed the process, and the heap came back; 1 otherwise, with the
 * failing input (the smallest fast-check found, when the process lived to shrink it); 2 for bad usage.
 */

const USAGE = `usage: npm run fuzz -- [--runs N] [--seed S] [--target NAME]... [--jobs J]
  --runs N     inputs in all, shared out among the targets (default 1000000)
  --seed S     the fast-check seed (default 1); the same seed gives the same inputs
  --target T   only this target (repeatable)
  --jobs J     targets run at once, each in its own process (default 1: the timings stay honest)`;

/** An input slower than this fails the run: the decoders are linear and inputs are small. */
const SLOW_MS = 1000;
/** No new input for this long: the decoder is stuck, and the run fails with the input it was given. */
const HANG_MS = 10_000;
/** Heap growth over a target's run, after full collections, that counts as a leak. */
const LEAK_MB = 64;
/** Each target's process may hold at most this much heap; an input that needs more fails the run. */
const HEAP_LIMIT_MB = 1024;

const fmt = (n: number, digits = 1) => (Number.isNaN(n) ? '-' : n.toFixed(digits));

async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { runs: { type: 'string' }, seed: { type: 'string' }, target: { type: 'string', multiple: true }, jobs: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (err) {
    process.stderr.write(`fuzz: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  const runs = Number(values.runs ?? 1_000_000);
  const seed = Number(values.seed ?? 1);
  const jobs = Number(values.jobs ?? 1);
  if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(seed) || !Number.isInteger(jobs) || jobs < 1 || jobs > availableParallelism() * 4) {
    process.stderr.write(`fuzz: --runs and --jobs take a whole number >= 1 and --seed a whole number\n${USAGE}\n`);
    return 2;
  }
  const all = fuzzTargets();
  const wanted = values.target ?? all.map((t) => t.name);
  const unknown = wanted.filter((w) => !all.some((t) => t.name === w));
  if (unknown.length > 0) {
    process.stderr.write(`fuzz: unknown target ${unknown.join(', ')}; the targets are ${all.map((t) => t.name).join(', ')}\n`);
    return 2;
  }
  const targets = all.filter((t) => wanted.includes(t.name));
  const shareSum = targets.reduce((s, t) => s + t.share, 0);
  const results = new Map<string, FuzzResult>();
  let failed = false;
  const queue = [...targets];
  const started = performance.now();
  const worker = async () => {
    for (let t = queue.shift(); t; t = queue.shift()) {
      const n = Math.max(1, Math.round((runs * t.share) / shareSum));
      process.stderr.write(`fuzz: ${t.name} (${t.what}): ${n} inputs...\n`);
      const r = await superviseTarget({ target: t.name, runs: n, seed, hangMs: HANG_MS, heapLimitMB: HEAP_LIMIT_MB });
      results.set(t.name, r);
      const slow = r.slowestMs > SLOW_MS;
      const leak = r.heapEndMB - r.heapStartMB > LEAK_MB;
      process.stderr.write(
        `fuzz: ${t.name}: ${r.inputs} inputs in ${fmt(r.wallMs / 1000)} s, ${r.accepted} accepted, ${r.rejected} rejected, slowest ${fmt(r.slowestMs)} ms${slow ? ' (TOO SLOW)' : ''}, heap ${fmt(r.heapStartMB)} -> ${fmt(r.heapEndMB)} MB${leak ? ' (GREW)' : ''}\n`,
      );
      if (r.failure) {
        process.stderr.write(
          `fuzz: ${t.name} FAILED (seed ${seed}; again: npm run fuzz -- --target ${t.name} --seed ${seed} --runs ${runs})\n` +
            `  ${r.failure.error.replace(/\n/g, '\n  ')}\n  the input, to paste into a test: ${r.failure.input}\n${r.failure.dump}\n`,
        );
      }
      failed ||= r.failure !== undefined || slow || leak;
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, targets.length) }, worker));
  const rows = [['target', 'inputs', 'accepted', 'rejected', 'slowest ms', 'heap MB start -> end', 'seconds', 'result']];
  const done = targets.map((t) => results.get(t.name)!);
  for (const r of done) {
    const kind = r.failure ? (/^(hang|crash):/.exec(r.failure.error)?.[1] ?? 'error').toUpperCase() : 'ok';
    rows.push([r.target, String(r.inputs), fmt(r.accepted, 0), fmt(r.rejected, 0), fmt(r.slowestMs), `${fmt(r.heapStartMB)} -> ${fmt(r.heapEndMB)}`, fmt(r.wallMs / 1000), kind]);
  }
  const total = done.reduce((s, r) => s + r.inputs, 0);
  rows.push(['total', String(total), '', '', '', '', `${fmt((performance.now() - started) / 1000)} wall`, failed ? 'FAIL' : 'ok']);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  process.stdout.write(rows.map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n') + '\n');
  return failed ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
