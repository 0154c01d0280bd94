import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { dumpInput, showInput, type FuzzResult } from './run.ts';
import { readState, stateIndex } from './state.ts';

/**
 * Runs one fuzz target in a child process (child.ts) and watches it. An input that throws the wrong
 * error is the child's to report (shrunk, by fast-check); this catches the two failures a process cannot
 * report on itself: a decoder that never returns (no new input for `hangMs`: the child is killed), and
 * one that takes the process down (V8's fatal errors, such as an array grown past its limit, or the heap
 * limit `heapLimitMB` reached: memory stays bounded or the run fails). Either way the input in hand is
 * read back from the child's state file (state.ts) and reported, unshrunk.
 */

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
/** The targets `npm run fuzz` runs. */
export const TARGETS_MODULE = path.join(HERE, 'targets.ts');

export interface SuperviseOptions {
  target: string;
  runs: number;
  seed: number;
  /** A module exporting `fuzzTargets()` (default: targets.ts). */
  module?: string;
  /** No new input for this long means the decoder is stuck (default 10 s). */
  hangMs?: number;
  /** The child's V8 heap limit (default 1024 MB). */
  heapLimitMB?: number;
}

export async function superviseTarget(o: SuperviseOptions): Promise<FuzzResult> {
  const hangMs = o.hangMs ?? 10_000;
  const dir = mkdtempSync(path.join(tmpdir(), 'tcpemu-fuzz-'));
  const stateFile = path.join(dir, 'state');
  writeFileSync(stateFile, '');
  const fd = openSync(stateFile, 'r');
  try {
    const args = ['--expose-gc', '--import=tsx', `--max-old-space-size=${o.heapLimitMB ?? 1024}`, path.join(HERE, 'child.ts')];
    const child = spawn(process.execPath, [...args, o.module ?? TARGETS_MODULE, o.target, String(o.runs), String(o.seed), stateFile], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (err = (err + s).slice(-2000)));
    let seen = -1;
    let since = Date.now();
    let hung = false;
    const watch = setInterval(() => {
      const now = Date.now();
      const index = stateIndex(fd);
      // The clock starts with the first input: loading the corpus is no decoder's doing.
      if (index !== seen || index < 0) {
        seen = index;
        since = now;
      } else if (now - since > hangMs && !hung) {
        hung = true;
        child.kill('SIGKILL');
      }
    }, Math.max(10, Math.min(250, hangMs / 4)));
    const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
    clearInterval(watch);
    if (!hung && code === 0) {
      try {
        return JSON.parse(out) as FuzzResult;
      } catch {
        // Fall through: a child that exits 0 without its result died some other way.
      }
    }
    const state = readState(stateFile);
    const how = hung
      ? `hang: input #${state?.index} was still in the decoder after ${hangMs / 1000} s, so the process was killed`
      : `crash: the process died (${signal ?? `exit status ${code}`}) with input #${state?.index} in the decoder:\n${err.trim()}`;
    return {
      target: o.target,
      seed: o.seed,
      inputs: state ? state.index + 1 : 0,
      accepted: NaN,
      rejected: NaN,
      slowestMs: hung ? hangMs : NaN,
      wallMs: NaN,
      heapStartMB: NaN,
      heapEndMB: NaN,
      failure: { input: state ? showInput(state.input) : '(none)', dump: state ? dumpInput(state.input) : '', error: how },
    };
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
}
