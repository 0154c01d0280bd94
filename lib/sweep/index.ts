/**
 * `tcpemu sweep` (docs/command-line.md): one scenario over many seeds and every combination of the
 * values given with --set, run in worker threads, summed up in a table (expectations held, goodput,
 * retransmissions, duration: mean and spread over the seeds), written as CSV, JSON or an HTML page with
 * a plot. Each run is a pure function of its file, settings and seed (run.ts), and the rows are put in
 * the order of the combinations and seeds, so the table is the same for any --jobs. `--merge` joins
 * the JSON of sweeps split by seed ranges into one table.
 */
import { availableParallelism } from 'node:os';
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import path from 'node:path';
import { FROM_SOURCE, PACKAGE_ROOT } from '../paths.ts';
import { commandUsageError, parseOrHelp, usageError, UsageError, type CommandSpec } from '../cli/args.ts';
import { sysErr, type Msg, type Params } from '../i18n/index.ts';
import { scanJsonLine } from '../trace/json-scan.ts';
import { MAX_SOURCE_BYTES, sourceTooLarge } from '../scenario/load.ts';
import { formatRate } from '../link/bottleneck.ts';
import { VERSION } from '../version.ts';
import { measure, planFor, SettingError, type RunRow, type Setting, type SweepSet } from './run.ts';
import { renderSweepHtml } from './html.ts';
import { writeReport } from '../report/html.ts';
import { LANG_OPTION } from '../cli/commands.ts';
import { langOfArgs, msg, type Lang } from '../i18n/index.ts';
import { displayWidth, padColumns } from '../trace/views/ansi.ts';

export const SWEEP_COMMAND: CommandSpec = {
  name: 'sweep',
  args: 'FILE',
  summary: 'run a scenario over many seeds and settings in parallel, and tabulate the results',
  description: `every combination of the --set values, each with every seed, in worker threads; a table of
expectations held, goodput, retransmissions and duration (mean ± standard deviation over the seeds).
tcpemu sweep --merge A.json B.json ... joins the --json outputs of sweeps split by seed ranges.
exit status: 0 every run held its expectations, 1 some did not, 2 bad input`,
  options: {
    seeds: { type: 'string', value: 'A..B|A,B,...', help: "the seeds to run, e.g. 1..100 or 1,5,9 (default: the file's seed)" },
    set: { type: 'string', multiple: true, value: 'KEY=V1,V2,...', help: 'a key of the file, dotted (link.loss, bottleneck.rate, tcp.mss), and the values it takes in turn;\nrepeat for more keys: every combination runs' },
    jobs: { type: 'string', value: 'N', help: 'worker threads (default: one per core); 1 runs in this thread' },
    csv: { type: 'string', value: 'OUT.csv', help: 'write the table as CSV' },
    json: { type: 'string', value: 'OUT.json', help: 'write every run and the table as JSON (what --merge reads)' },
    html: { type: 'string', value: 'OUT.html', help: 'write the table and a plot of --plot against the first --set key' },
    plot: { type: 'string', value: 'goodput|retransmissions|duration|held', help: 'the column the HTML plots (default goodput; beside goodput against a loss, the Mathis et al. curve)' },
    merge: { type: 'boolean', help: 'join the --json outputs named as arguments into one table' },
    lang: LANG_OPTION,
  },
  positionals: true,
};

export const PLOT_COLUMNS = ['goodput', 'retransmissions', 'duration', 'held'] as const;
export type PlotColumn = (typeof PLOT_COLUMNS)[number];

export interface Spread { mean: number; sd: number; min: number; max: number }

export interface TableRow {
  set: Setting;
  runs: number;
  /** Runs in which every expectation held. */
  held: number;
  goodput: Spread;
  retransmissions: Spread;
  durationMs: Spread;
  /** Runs that could not be made (a run limit). */
  errors: number;
}

export interface SweepOutput {
  tcpemu: 'sweep';
  version: string;
  file: string;
  scenario: string;
  sets: SweepSet[];
  seeds: number[];
  /** What the Mathis curve needs, per combination: the MSS and the round-trip time of the path, when known. */
  paths: { set: Setting; mss: number; rttMs: number }[];
  runs: RunRow[];
  table: TableRow[];
}

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  isTTY: boolean;
}

const MAX_RUNS = 1_000_000;

/** `1..100`, `1,5,9`, `7`, or a mix (`1..10,20`): whole numbers 0 to 2^32 - 1, each once, in the order written. */
export function parseSeeds(text: string): number[] {
  const out: number[] = [];
  const seen = new Set<number>();
  const bad = () => commandUsageError(SWEEP_COMMAND, { key: 'sweep.u.seeds', params: { value: text } });
  for (const part of text.split(',')) {
    const m = /^\s*(\d+)\s*(?:\.\.\s*(\d+)\s*)?$/.exec(part);
    if (!m) throw bad();
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (a > 0xffffffff || b > 0xffffffff || b < a) throw bad();
    if (b - a + out.length >= MAX_RUNS) throw sweepError('sweep.u.tooManySeeds', { value: text, max: MAX_RUNS });
    for (let s = a; s <= b; s++) if (!seen.has(s)) {
      seen.add(s);
      out.push(s);
    }
  }
  return out;
}

export function parseSet(text: string): SweepSet {
  const m = /^([A-Za-z\p{L}][\p{L}\p{N}_-]*(?:\.[\p{L}\p{N}_>-]+)*)=(.+)$/u.exec(text);
  if (!m) throw commandUsageError(SWEEP_COMMAND, { key: 'sweep.u.set', params: { value: text } });
  const values = m[2].split(',').map((v) => v.trim());
  if (values.some((v) => v === '')) throw sweepError('sweep.u.emptyValue', { value: text });
  return { key: m[1], values };
}

/** Every combination of the sets' values, the first key changing slowest. */
export function combinations(sets: readonly SweepSet[]): Setting[] {
  let out: Setting[] = [{}];
  for (const s of sets) out = out.flatMap((c) => s.values.map((v) => ({ ...c, [s.key]: v })));
  return out;
}

function spread(xs: readonly number[]): Spread {
  if (xs.length === 0) return { mean: 0, sd: 0, min: 0, max: 0 };
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  // The sample standard deviation (n - 1): the seeds are a sample of what the link might do.
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1)) : 0;
  return { mean, sd, min: Math.min(...xs), max: Math.max(...xs) };
}

const key = (set: Setting) => JSON.stringify(Object.entries(set));

/** The table: one row a combination, in the order of `settings`, over the runs (in any order) of each. */
export function tabulate(settings: readonly Setting[], runs: readonly RunRow[]): TableRow[] {
  const by = new Map<string, RunRow[]>();
  for (const r of runs) {
    const k = key(r.set);
    if (!by.has(k)) by.set(k, []);
    by.get(k)!.push(r);
  }
  return settings.map((set) => {
    const rs = (by.get(key(set)) ?? []).filter((r) => r.error === undefined);
    const all = by.get(key(set)) ?? [];
    return {
      set, runs: all.length, held: rs.filter((r) => r.ok).length,
      goodput: spread(rs.map((r) => r.goodput)), retransmissions: spread(rs.map((r) => r.retransmissions)), durationMs: spread(rs.map((r) => r.durationMs)),
      errors: all.length - rs.length,
    };
  });
}

/** Rows in the order of the combinations, then of the seeds: the same whatever ran them. */
function sortRuns(runs: RunRow[], settings: readonly Setting[], seeds: readonly number[]): RunRow[] {
  const ci = new Map(settings.map((s, i) => [key(s), i]));
  const si = new Map(seeds.map((s, i) => [s, i]));
  return runs.sort((a, b) => ci.get(key(a.set))! - ci.get(key(b.set))! || (si.get(a.seed) ?? a.seed) - (si.get(b.seed) ?? b.seed));
}

// ---------------------------------------------------------------------------------------------
// Running

export interface SweepOptions {
  jobs?: number;
  onProgress?: (done: number, total: number) => void;
}

/** Runs every (combination, seed), in `jobs` worker threads (1: in this thread). Rows in combination, then seed order. */
export async function runSweep(text: string, file: string, sets: SweepSet[], seeds: number[], opts: SweepOptions = {}): Promise<SweepOutput> {
  const settings = combinations(sets);
  // Each combination loaded once here first: a value the scenario refuses stops the sweep before any run.
  const plans = settings.map((set) => planFor(text, file, set));
  const tasks = settings.flatMap((_, combo) => seeds.map((seed) => ({ combo, seed })));
  if (tasks.length > MAX_RUNS) throw sweepError('sweep.u.tooManyRuns', { n: tasks.length, max: MAX_RUNS });
  const jobs = Math.max(1, Math.min(opts.jobs ?? availableParallelism(), tasks.length));
  let runs: RunRow[] = [];
  if (jobs === 1) {
    for (const t of tasks) {
      runs.push(measure(text, file, settings[t.combo], t.seed));
      opts.onProgress?.(runs.length, tasks.length);
    }
  } else {
    runs = await inWorkers(text, file, settings, tasks, jobs, opts.onProgress);
  }
  runs = sortRuns(runs, settings, seeds);
  const paths = settings.map((set, i) => ({ set, ...pathOf(plans[i]) }));
  return { tcpemu: 'sweep', version: VERSION, file, scenario: plans[0].name, sets, seeds, paths, runs, table: tabulate(settings, runs) };
}

/** The MSS of the first host and the round trip between the first two hosts (or across the bottleneck), for the Mathis curve. */
function pathOf(plan: ReturnType<typeof planFor>): { mss: number; rttMs: number } {
  const mss = plan.hosts[0]?.tcp.mss ?? 1460;
  if (plan.bottleneck) return { mss, rttMs: 2 * (plan.bottleneck.delayMs + 2 * plan.bottleneck.accessDelayMs) };
  const [a, b] = plan.hosts;
  if (!b) return { mss, rttMs: 0 };
  const d = plan.link.directions;
  return { mss, rttMs: (d[`${a.name}>${b.name}`]?.delayMs ?? 0) + (d[`${b.name}>${a.name}`]?.delayMs ?? 0) };
}

const BOOT = `(async () => {
  const d = require('node:worker_threads').workerData;
  if (d.tsx) (await import(d.tsx)).register();
  await import(d.worker);
})().catch((e) => { process.nextTick(() => { throw e; }); });`;

/**
 * An installed sweep's workers start from one bundled script (dist/bin/sweep-worker.cjs, scripts/build.mjs)
 * with V8's code cache beside it, as \`tcpemu run\` does: a worker's start-up was mostly loading and
 * compiling the program's modules. The build runs a small sweep with TCPEMU_WRITE_CODE_CACHE=1, and the
 * first worker writes the cache after its first run.
 */
const BOOT_BUNDLE = `(() => {
  const { workerData: d, parentPort } = require('node:worker_threads');
  const writeCache = require(d.loader)(d.bundle);
  if (process.env.TCPEMU_WRITE_CODE_CACHE === '1') parentPort.once('message', writeCache);
})();`;

/**
 * `jobs` threads: this one and jobs - 1 workers (a worker costs a second load of the program and its own
 * warm-up, so this thread, idle otherwise, takes its share). Each worker holds two tasks at a time, so
 * that it has its next one while this thread is busy with a run of its own and cannot answer.
 */
function inWorkers(text: string, file: string, settings: Setting[], tasks: { combo: number; seed: number }[], jobs: number, onProgress?: (done: number, total: number) => void): Promise<RunRow[]> {
  // In a checkout the sources run through tsx, which each thread registers for itself; installed, dist/'s JavaScript.
  const ts = FROM_SOURCE;
  const worker = ts ? new URL('./worker.ts', import.meta.url).href : undefined;
  const tsx = ts ? import.meta.resolve('tsx/esm/api') : undefined;
  const bundle = ts ? undefined : path.join(PACKAGE_ROOT, 'dist/bin/sweep-worker.cjs');
  const loader = ts ? undefined : path.join(PACKAGE_ROOT, 'bin/load-bundle.cjs');
  return new Promise((resolve, reject) => {
    const rows: RunRow[] = [];
    let next = 0;
    let settled = false;
    const threads: Worker[] = [];
    const finish = (e?: Error) => {
      if (settled) return;
      settled = true;
      for (const w of threads) void w.terminate();
      if (e) reject(e);
      else resolve(rows);
    };
    let ranHere = 0;
    const started = performance.now();
    const got = (row: RunRow) => {
      rows.push(row);
      onProgress?.(rows.length, tasks.length);
      if (rows.length === tasks.length) {
        if (process.env.TCPEMU_SWEEP_DEBUG) process.stderr.write(`sweep: ${ranHere} of ${tasks.length} runs in the command's thread, ${tasks.length - ranHere} in ${threads.length} worker(s); ${(performance.now() - started).toFixed(0)} ms\n`);
        finish();
      }
    };
    const give = (w: Worker) => {
      if (next < tasks.length) w.postMessage(tasks[next++]);
    };
    for (let i = 1; i < jobs; i++) {
      const w = new Worker(bundle ? BOOT_BUNDLE : BOOT, { eval: true, workerData: { text, file, settings, tsx, worker, bundle, loader } });
      threads.push(w);
      w.on('message', (m: { ready?: true; row?: RunRow; failure?: string }) => {
        if (m.failure !== undefined) return finish(new Error(m.failure));
        if (m.ready) give(w);
        if (m.row) got(m.row);
        give(w);
      });
      w.on('error', (e) => finish(e));
      w.on('exit', (code) => {
        if (rows.length < tasks.length) finish(new Error(`a sweep worker stopped (exit code ${code}) before the sweep was done`));
      });
    }
    // This thread's share: one run at a time, letting the workers' messages in between.
    const mine = () => {
      if (settled) return;
      if (next < tasks.length) {
        const t = tasks[next++];
        try {
          got(measure(text, file, settings[t.combo], t.seed));
          ranHere++;
        } catch (e) {
          return finish(e as Error);
        }
      }
      if (next < tasks.length) setImmediate(mine);
    };
    setImmediate(mine);
  });
}

// ---------------------------------------------------------------------------------------------
// Output

const fmtNum = (x: number, digits = 1) => (Number.isInteger(x) ? String(x) : x.toFixed(digits));

function cell(col: 'goodput' | 'retransmissions' | 'durationMs', s: Spread): string {
  if (col === 'goodput') return `${formatRate(s.mean)} ± ${formatRate(s.sd)}`;
  if (col === 'durationMs') return `${fmtNum(s.mean / 1000, 3)} ± ${fmtNum(s.sd / 1000, 3)} s`;
  return `${fmtNum(s.mean)} ± ${fmtNum(s.sd)}`;
}

/** The table as the terminal shows it. */
export function renderTable(o: SweepOutput, lang: Lang = 'en'): string {
  const keys = o.sets.map((s) => s.key);
  const head = [...keys, ...(['held', 'goodput', 'retransmissions', 'duration'] as const).map((c) => msg(lang, `sweep.col.${c}`))];
  const rows = o.table.map((r) => [
    ...keys.map((k) => r.set[k]), `${r.held}/${r.runs}${r.errors ? msg(lang, 'sweep.failedToRun', { n: r.errors }) : ''}`,
    cell('goodput', r.goodput), cell('retransmissions', r.retransmissions), cell('durationMs', r.durationMs),
  ]);
  // Padded by terminal columns: the Chinese headers take two a character.
  const widths = head.map((h, i) => Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r[i]))));
  const line = (cells: string[]) => cells.map((c, i) => padColumns(c, widths[i], i < keys.length ? 'end' : 'start')).join('  ').trimEnd();
  const seeds = o.seeds.length === 1 ? msg(lang, 'sweep.seed1', { seed: o.seeds[0] }) : msg(lang, 'sweep.seedsN', { n: o.seeds.length });
  return [msg(lang, 'sweep.title', { scenario: o.scenario, seeds, runs: o.runs.length }), line(head), ...rows.map(line)].join('\n') + '\n';
}

export function renderCsv(o: SweepOutput): string {
  const keys = o.sets.map((s) => s.key);
  const q = (s: string) => (/[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
  const cols = ['runs', 'held', 'errors', 'goodput_bps_mean', 'goodput_bps_sd', 'retransmissions_mean', 'retransmissions_sd', 'duration_ms_mean', 'duration_ms_sd'];
  const out = [[...keys, ...cols].map(q).join(',')];
  const n = (x: number) => String(Math.round(x * 1000) / 1000);
  for (const r of o.table) {
    out.push([...keys.map((k) => q(r.set[k])), r.runs, r.held, r.errors, n(r.goodput.mean), n(r.goodput.sd), n(r.retransmissions.mean), n(r.retransmissions.sd), n(r.durationMs.mean), n(r.durationMs.sd)].join(','));
  }
  return out.join('\n') + '\n';
}

/** Joins sweeps of one scenario and the same settings, split by seeds: their runs, one table. */
export function mergeSweeps(parts: { file: string; o: SweepOutput }[]): SweepOutput {
  const [first] = parts;
  const seen = new Map<string, string>();
  const runs: RunRow[] = [];
  const seeds: number[] = [];
  for (const { file, o } of parts) {
    if (o.scenario !== first.o.scenario || JSON.stringify(o.sets) !== JSON.stringify(first.o.sets)) {
      throw sweepError('sweep.u.otherSweep', { file, scenario: o.scenario, sets: describeSets(o.sets), first: first.file, firstScenario: first.o.scenario, firstSets: describeSets(first.o.sets) }, 'tcpemu sweep --merge');
    }
    for (const r of o.runs) {
      const k = `${key(r.set)} ${r.seed}`;
      if (seen.has(k)) {
        const settings = Object.entries(r.set).map(([a, b]) => `${a}=${b}`);
        throw sweepError('sweep.u.seedTwice', { seed: r.seed, with: settings.length ? { key: 'sweep.u.seedWith', params: { settings } } : '', a: seen.get(k)!, b: file }, 'tcpemu sweep --merge');
      }
      seen.set(k, file);
      runs.push(r);
    }
    for (const s of o.seeds) if (!seeds.includes(s)) seeds.push(s);
  }
  seeds.sort((a, b) => a - b);
  const settings = combinations(first.o.sets);
  const sorted = sortRuns(runs, settings, seeds);
  return { ...first.o, seeds, runs: sorted, table: tabulate(settings, sorted) };
}

function describeSets(sets: SweepSet[]): Msg | string {
  return sets.length === 0 ? { key: 'sweep.u.noSets' } : sets.map((s) => `--set ${s.key}=${s.values.join(',')}`).join(' ');
}

/** A mistake of sweep's own, without the line to its help: `tcpemu sweep: WHAT`, in the user's language (issue 26). */
function sweepError(key: Msg['key'], params: Params, command = 'tcpemu sweep'): UsageError {
  return usageError('usage.lineNoHint', { command, text: { key, params } });
}

/** Line and column (1-based) of the character at `index` of `text`. */
function lineCol(text: string, index: number): { line: number; col: number } {
  const before = text.slice(0, Math.max(0, Math.min(index, text.length)));
  const lines = before.split('\n');
  return { line: lines.length, col: lines.at(-1)!.length + 1 };
}

function readSweepJson(file: string): SweepOutput {
  let o: SweepOutput;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ENOENT') throw usageError('file.noSuch', { file });
    throw e;
  }
  try {
    o = JSON.parse(text) as SweepOutput;
  } catch (e) {
    if (!(e instanceof SyntaxError)) throw e;
    // Where it stops being JSON (V8's message no longer says where): the recogniser that places a trace line's mistake.
    const scan = scanJsonLine(text);
    throw usageError('sweep.u.notJson', { file, ...lineCol(text, scan.ok ? text.length : scan.col - 1) });
  }
  if (o === null || typeof o !== 'object' || o.tcpemu !== 'sweep' || !Array.isArray(o.runs) || !Array.isArray(o.sets)) {
    throw usageError('sweep.u.notSweep', { file });
  }
  return o;
}

/** Written whole or not at all (the report's writer: a temporary file beside it, then renamed). */
async function writeWhole(file: string, text: string): Promise<void> {
  try {
    await writeReport(file, text);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) throw usageError('sweep.u.cannotWrite', { file, code });
    throw e;
  }
}

export async function sweepCommand(args: string[], io: Io): Promise<number> {
  const p = parseOrHelp(SWEEP_COMMAND, args, io);
  if (!p) return 0;
  const v = p.values as { seeds?: string; set?: string[]; jobs?: string; csv?: string; json?: string; html?: string; plot?: string; merge?: boolean };
  const fail = (key: Msg['key'], params: Params = {}): never => {
    throw commandUsageError(SWEEP_COMMAND, { key, params });
  };
  const plot = (v.plot ?? 'goodput') as PlotColumn;
  if (!(PLOT_COLUMNS as readonly string[]).includes(plot)) fail('sweep.u.plot', { columns: PLOT_COLUMNS.join(', '), value: String(v.plot) });
  let out: SweepOutput;
  if (v.merge) {
    if (p.positionals.length < 1) fail('sweep.u.mergeNames');
    for (const opt of ['seeds', 'set', 'jobs'] as const) if (v[opt] !== undefined) fail('sweep.u.mergeOnly', { flag: opt });
    out = mergeSweeps(p.positionals.map((file) => ({ file, o: readSweepJson(file) })));
  } else {
    if (p.positionals.length !== 1) fail('sweep.u.oneFile');
    const file = p.positionals[0];
    const jobs = v.jobs === undefined ? undefined : /^\d+$/.test(v.jobs) && Number(v.jobs) >= 1 && Number(v.jobs) <= 256 ? Number(v.jobs) : fail('sweep.u.jobs', { value: v.jobs });
    const sets = (v.set ?? []).map(parseSet);
    const dup = sets.find((s, i) => sets.findIndex((x) => x.key === s.key) !== i);
    if (dup) fail('sweep.u.setTwice', { key: dup.key });
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'ENOENT' || code === 'EISDIR') throw usageError(code === 'ENOENT' ? 'file.noSuch' : 'file.isDir', { file });
      throw usageError('sweep.u.read', { file, err: sysErr(e) });
    }
    if (Buffer.byteLength(text) > MAX_SOURCE_BYTES) throw sourceTooLarge(file, Buffer.byteLength(text));
    const seeds = v.seeds === undefined ? [planFor(text, file, {}).seed] : parseSeeds(v.seeds);
    const bar = io.isTTY && process.stderr.isTTY ? await progressBar(combinations(sets).length * seeds.length, langOfArgs(args)) : undefined;
    try {
      out = await runSweep(text, file, sets, seeds, { jobs, onProgress: bar?.update });
    } catch (e) {
      if (e instanceof SettingError) throw sweepError('sweep.u.setKey', { key: e.key, why: e.text });
      throw e;
    } finally {
      bar?.stop();
    }
  }
  if (v.csv) await writeWhole(v.csv, renderCsv(out));
  if (v.json) await writeWhole(v.json, JSON.stringify(out, null, 1) + '\n');
  if (v.html) await writeWhole(v.html, renderSweepHtml(out, plot));
  for (const f of [v.csv, v.json, v.html]) if (f) io.err(`${msg(langOfArgs(args), 'cli.wroteFile', { file: f })}\n`);
  io.out(renderTable(out, langOfArgs(args)));
  return out.table.every((r) => r.held === r.runs) ? 0 : 1;
}

async function progressBar(total: number, lang: Lang): Promise<{ update: (done: number) => void; stop: () => void }> {
  const { default: cliProgress } = await import('cli-progress');
  const bar = new cliProgress.SingleBar({ format: msg(lang, 'progress.sweep'), stream: process.stderr, clearOnComplete: true, hideCursor: true }, cliProgress.Presets.shades_classic);
  bar.start(total, 0);
  return { update: (done) => bar.update(done), stop: () => bar.stop() };
}
