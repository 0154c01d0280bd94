import { writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runGenerated } from './scenarios.ts';

/**
 * `npm run scenarios`: generated scenarios (lib/fuzz/scenarios.ts) with the connection's invariants on.
 * Exit 0 when every one held; 1 with the smallest failing scenario file (written beside the report, so
 * `tcpemu run` reruns it) and what was wrong; 2 for bad usage.
 */

const USAGE = `usage: npm run scenarios -- [--runs N] [--seed S]
  --runs N   scenarios to generate and run (default 10000)
  --seed S   the fast-check seed (default 1); the same seed gives the same scenarios`;

function main(argv: string[]): number {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: { runs: { type: 'string' }, seed: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (err) {
    process.stderr.write(`scenarios: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const runs = Number(values.runs ?? 10_000);
  const seed = Number(values.seed ?? 1);
  if (!Number.isInteger(runs) || runs < 1) {
    process.stderr.write(`scenarios: --runs is ${values.runs}; it must be a whole number of at least 1\n${USAGE}\n`);
    return 2;
  }
  if (!Number.isInteger(seed)) {
    process.stderr.write(`scenarios: --seed is ${values.seed}; it must be a whole number\n${USAGE}\n`);
    return 2;
  }
  const start = Date.now();
  const step = Math.max(1, Math.round(runs / 20));
  const r = runGenerated(runs, seed, (done) => {
    if (done % step === 0) process.stderr.write(`scenarios: ${done} of ${runs} (${((Date.now() - start) / 1000).toFixed(0)} s)\n`);
  });
  const secs = ((Date.now() - start) / 1000).toFixed(1);
  if (r.failure) {
    const file = join(tmpdir(), `tcpemu-generated-${seed}.yaml`);
    writeFileSync(`${file}.tmp`, r.failure.text);
    renameSync(`${file}.tmp`, file);
    process.stdout.write(`FAIL after ${r.runs} scenarios held (${secs} s): ${r.failure.problem}\n\n${r.failure.text}\n`);
    process.stdout.write(`written to ${file}: rerun it with  npx tcpemu run ${file}\n`);
    process.stdout.write(`fast-check: seed ${r.failure.seed}, path "${r.failure.path}"\n`);
    return 1;
  }
  process.stdout.write(`ok: ${r.runs} generated scenarios held every invariant (${r.clean} ended cleanly and delivered every byte; ${r.segments} segments) in ${secs} s, seed ${seed}\n`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
