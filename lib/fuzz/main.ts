import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import vm from 'node:vm';
import { fuzzTargets } from './targets.ts';
import { runTarget, type FuzzResult } from './run.ts';

/**
 * `npm run fuzz`: a million inputs (by default) over every decoder of outside input, a share each,
 * from one seed; a line per target as it finishes, then a table. Exit 0 when every input was accepted
 * or rejected with the decoder's own error, nothing was slow, and the heap came back; 1 otherwise, with
 * the smallest failing input; 2 for bad usage.
 */

const USAGE = `usage: npm run fuzz -- [--runs N] [--seed S] [--target NAME]...
  --runs N     inputs in all, shared out among the targets (default 1000000)
  --seed S     the fast-check seed (default 1); the same seed gives the same inputs
  --target T   only this target (repeatable)`;

/** An input slower than this counts as a hang: the decoders are linear and inputs are small. */
const SLOW_MS = 1000;
/** Heap growth over a target's run, after full collections, that counts as a leak. */
const LEAK_MB = 64;

function gcFunction(): (() => void) | undefined {
  const g = (globalThis as { gc?: () => void }).gc;
  if (typeof g === 'function') return g;
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

function main(argv: string[]): number {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: { runs: { type: 'string' }, seed: { type: 'string' }, target: { type: 'string', multiple: true }, help: { type: 'boolean', short: 'h' } } }));
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
  if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(seed)) {
    process.stderr.write(`fuzz: --runs must be a whole number >= 1 and --seed a whole number\n${USAGE}\n`);
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
  const gc = gcFunction();
  const results: FuzzResult[] = [];
  let failed = false;
  for (const t of targets) {
    const n = Math.max(1, Math.round((runs * t.share) / shareSum));
    process.stderr.write(`fuzz: ${t.name} (${t.what}): ${n} inputs...\n`);
    const r = runTarget(t, n, seed, gc);
    results.push(r);
    const slow = r.slowestMs > SLOW_MS;
    const leak = r.heapEndMB - r.heapStartMB > LEAK_MB;
    process.stderr.write(
      `fuzz: ${t.name}: ${r.inputs} inputs in ${(r.wallMs / 1000).toFixed(1)} s, ${r.accepted} accepted, ${r.rejected} rejected, slowest ${r.slowestMs.toFixed(1)} ms${slow ? ' (TOO SLOW)' : ''}, heap ${r.heapStartMB.toFixed(1)} -> ${r.heapEndMB.toFixed(1)} MB${leak ? ' (GREW)' : ''}\n`,
    );
    if (r.failure) {
      process.stderr.write(`fuzz: ${t.name} FAILED (seed ${seed}): the smallest input found throws something other than the decoder's error\n  input: ${r.failure.input}\n  ${r.failure.error}\n`);
    }
    failed ||= r.failure !== undefined || slow || leak;
  }
  const rows = [['target', 'inputs', 'accepted', 'rejected', 'slowest ms', 'heap MB start -> end', 'seconds', 'result']];
  for (const r of results) {
    rows.push([r.target, String(r.inputs), String(r.accepted), String(r.rejected), r.slowestMs.toFixed(1), `${r.heapStartMB.toFixed(1)} -> ${r.heapEndMB.toFixed(1)}`, (r.wallMs / 1000).toFixed(1), r.failure ? 'FAIL' : 'ok']);
  }
  const total = results.reduce((s, r) => s + r.inputs, 0);
  rows.push(['total', String(total), '', '', '', '', (results.reduce((s, r) => s + r.wallMs, 0) / 1000).toFixed(1), failed ? 'FAIL' : 'ok']);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  process.stdout.write(rows.map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n') + '\n');
  return failed ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
