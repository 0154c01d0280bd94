/**
 * One fuzz target in a process of its own, started by supervise.ts: `child.ts MODULE TARGET RUNS SEED STATE`.
 * MODULE exports `fuzzTargets()`; the result goes to stdout as one JSON line. Each input is written to
 * the STATE file (state.ts) before the decoder sees it, so that when the decoder never returns, or takes
 * the process down with it, the supervisor still knows which input did it.
 */
import { openSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { runTarget } from './run.ts';
import { writeState } from './state.ts';
import type { FuzzTarget } from './targets.ts';

const [moduleFile, name, runsText, seedText, stateFile] = process.argv.slice(2);
const mod = (await import(pathToFileURL(path.resolve(moduleFile)).href)) as { fuzzTargets: () => FuzzTarget[] };
const target = mod.fuzzTargets().find((t) => t.name === name);
if (!target) {
  process.stderr.write(`fuzz child: no target ${name} in ${moduleFile}\n`);
  process.exit(2);
}
const fd = openSync(stateFile, 'w');
const result = runTarget(target, Number(runsText), Number(seedText), {
  gc: (globalThis as { gc?: () => void }).gc,
  onInput: (input, index) => writeState(fd, input, index),
});
process.stdout.write(JSON.stringify(result) + '\n');
