/**
 * The command line only: parse arguments, call lib/, print, set the exit status.
 * Exit 0: everything held; 1: an expectation or comparison failed; 2: bad input or usage.
 */
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { loadScenario, MAX_SOURCE_BYTES, sourceTooLarge } from '../lib/scenario/load.ts';
import { ScenarioError } from '../lib/scenario/errors.ts';
import type { ScenarioPlan } from '../lib/scenario/plan.ts';
import { DEFAULT_MAX_TRACE_EVENTS, RunLimitError, runScenario, runScenarioUdp, type RunOptions, type RunResult } from '../lib/scenario/runner.ts';
import { readTrace, TraceError, TraceWriter } from '../lib/trace/jsonl.ts';
import { firstDifference, formatDifference } from '../lib/trace/diff.ts';
import { renderLadder } from '../lib/trace/views/ladder.ts';
import { renderStates } from '../lib/trace/views/states.ts';
import { renderSummary } from '../lib/trace/views/summary.ts';
import { WireError } from '../lib/wire/errors.ts';
import { wireErrorText } from '../lib/i18n/wire-words.ts';
import { PcapWriter } from '../lib/wire/pcap.ts';
import { TraceLimitError } from '../lib/trace/recorder.ts';
import type { MetaEvent, TraceEvent } from '../lib/trace/events.ts';
import { traceFromCapture } from '../lib/trace/from-capture.ts';
import { commandUsageError, didYouMeanText, wrap, parseOrHelp, suggest, synopsis, unknownCommand, usageError, UsageError } from '../lib/cli/args.ts';
import { PACKETDRILL_COMMAND, REAL_COMMAND, REPLAY_COMMAND, REPORT_COMMAND, RUN_COMMAND } from '../lib/cli/commands.ts';
import { PACKAGE_ROOT } from '../lib/paths.ts';
import { flowGoodputs, flowsJson, renderFlows } from '../lib/link/bottleneck.ts';
import { langOfArgs, msg, word, type Lang, type MessageKey, type Msg, type Params } from '../lib/i18n/index.ts';
import { summaryIn } from '../lib/i18n/help.ts';
import { expectationDetail, expectationWhat } from '../lib/i18n/expect-words.ts';

const ROOT = PACKAGE_ROOT;
export const DEMO_FILE = path.join(ROOT, 'fixtures/scenarios/demo.yaml');

/** The commands, in the order the main help lists them. */
const COMMANDS = ['run', 'replay', 'real', 'tun', 'bench', 'report', 'sweep', 'packetdrill', 'serve', 'connect', 'learn', 'help'] as const;


/** How serve and connect describe themselves: the first lines of their own help (they parse their own flags). */
async function chatUsage(cmd: 'serve' | 'connect'): Promise<{ usage: string; summary: string }> {
  let text = '';
  const sink = new Writable({ write(chunk, _enc, done) { text += String(chunk); done(); } });
  const udp = await import('../lib/cli/udp-chat.ts');
  await (cmd === 'serve' ? udp.serve : udp.connect)(['--help'], { stdin: process.stdin, stdout: sink, stderr: sink });
  const [first, ...rest] = text.split('\n');
  const about = rest.slice(0, Math.max(0, rest.findIndex((l) => /^\s*-/.test(l)))).map((l) => l.trim());
  return { usage: first.replace(/^usage: /, ''), summary: about.join(' ') };
}

/** The main help: every command with every flag it takes, made from the commands' own tables. */
async function mainHelp(lang: Lang): Promise<string> {
  const { TUN_COMMAND } = await import('../lib/cli/tun.ts');
  const { BENCH_COMMAND } = await import('../lib/bench/index.ts');
  const { SWEEP_COMMAND } = await import('../lib/sweep/index.ts');
  const out = [`${msg(lang, 'help.usage')}tcpemu [COMMAND] [ARGS...]`, `  ${msg(lang, 'help.about')}`, '', msg(lang, 'help.commands')];
  const entry = (usage: string, summary: string) => out.push(`  ${wrap(usage, 98, '      ')}`, `      ${wrap(summary, 94, '      ')}`);
  entry('tcpemu', msg(lang, 'help.demo'));
  const { LEARN_COMMAND } = await import('../lib/learn/command.ts');
  for (const spec of [RUN_COMMAND, REPLAY_COMMAND, REAL_COMMAND, TUN_COMMAND, BENCH_COMMAND, REPORT_COMMAND, SWEEP_COMMAND, PACKETDRILL_COMMAND, LEARN_COMMAND]) entry(synopsis(spec), summaryIn(spec.name, spec.summary, lang));
  for (const cmd of ['serve', 'connect'] as const) {
    const u = await chatUsage(cmd);
    entry(u.usage, summaryIn(cmd, u.summary, lang));
  }
  entry('tcpemu help [COMMAND]', msg(lang, 'help.helpCommand'));
  out.push('', msg(lang, 'help.perCommand'));
  out.push(msg(lang, 'help.exit'));
  return out.join('\n') + '\n';
}


interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  isTTY: boolean;
  color: boolean;
}

export async function main(argv: string[], io: Io): Promise<number> {
  // The language of the messages to the user (issue 26): --lang when given, anywhere, else the environment's.
  const lang = langOfArgs(argv);
  try {
    const [cmd, ...rest] = argv;
    switch (cmd) {
      case undefined:
        return await runCommand([DEMO_FILE], io);
      case 'run':
        return await runCommand(rest, io);
      case 'replay':
        return await replayCommand(rest, io);
      case 'report':
        return await reportCommand(rest, io);
      case 'bench': {
        const { benchCommand } = await import('../lib/bench/index.ts');
        return await benchCommand(rest, io);
      }
      case 'sweep': {
        const { sweepCommand } = await import('../lib/sweep/index.ts');
        return await sweepCommand(rest, io);
      }
      case 'real': {
        const { realCommand } = await import('../lib/cli/real.ts');
        return await realCommand(rest, io);
      }
      case 'learn': {
        const { learnCommand } = await import('../lib/learn/command.ts');
        return await learnCommand(rest, io);
      }
      case 'packetdrill': {
        const { packetdrillCommand } = await import('../lib/packetdrill/command.ts');
        return await packetdrillCommand(rest, io);
      }
      case 'tun': {
        const { tunCommand } = await import('../lib/cli/tun.ts');
        return await tunCommand(rest, io);
      }
      case 'serve':
      case 'connect': {
        // Loaded only for these commands: the UDP link pulls in dgram and real timers.
        const udpModule = '../lib/cli/udp-chat.ts';
        const udp = (await import(udpModule).catch(() => undefined)) as { serve: (a: string[], io: NodeJS.Process) => Promise<number>; connect: (a: string[], io: NodeJS.Process) => Promise<number> } | undefined;
        if (!udp) throw new UsageError(`tcpemu ${cmd}: the UDP link is not part of this build`);
        return await (cmd === "serve" ? udp.serve(rest, process) : udp.connect(rest, process));
      }
      case 'help': {
        const [topic] = rest;
        if (topic === undefined) io.out(await mainHelp(lang));
        else if ((COMMANDS as readonly string[]).includes(topic) && topic !== 'help') return await main([topic, '--help'], io);
        else throw unknownCommand(topic, COMMANDS);
        return 0;
      }
      case '-h':
      case '--help':
        io.out(await mainHelp(lang));
        return 0;
      default:
        if (cmd.startsWith('-')) {
          throw usageError('usage.optionFirst', { flag: cmd });
        }
        throw unknownCommand(cmd, COMMANDS);
    }
  } catch (err) {
    return reportError(err, io, lang);
  }
}

function reportError(err: unknown, io: Io, lang: Lang): number {
  if (err instanceof ScenarioError || err instanceof TraceError) {
    io.err(err.format(lang) + '\n');
    return 2;
  }
  if (err instanceof UsageError) {
    io.err((err.text && lang !== 'en' ? word(lang, err.text) : err.message) + '\n');
    return 2;
  }
  if (err instanceof WireError || err instanceof TraceLimitError) {
    io.err((err instanceof WireError ? wireErrorText(lang, err) : err.message) + '\n');
    return 2;
  }
  const e = err as { code?: string; message?: string; path?: string };
  if (e && typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code) && e.message) {
    // A file that cannot be read or written: the user's to fix. Worded by its code in other languages than English.
    io.err((lang === 'en' || e.path === undefined ? `tcpemu: ${e.message}` : msg(lang, 'file.os', { file: e.path, reason: osReason(e.code) })) + '\n');
    return 2;
  }
  throw err;
}

/** Why the file system refused, as a Msg (the refusals a user can fix by name, else the code). */
function osReason(code: string): { key: MessageKey; params?: Params } {
  const key = `os.${code}`;
  return Object.hasOwn(WRITE_REFUSALS, code) ? { key: key as MessageKey } : { key: 'os.other', params: { code } };
}

/** The largest trace or capture read: a JSONL trace is read as one string, and V8's strings end near 512 MiB. */
const MAX_INPUT_BYTES = 500 * 1024 * 1024;

/** Refuse a file over `limit` bytes before reading it (a missing file is left to the reader to report). */
function checkSize(file: string, limit = MAX_INPUT_BYTES): void {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    return;
  }
  if (size <= limit) return;
  if (limit === MAX_SOURCE_BYTES) throw sourceTooLarge(file, size);
  throw usageError('file.tooBig', { file, size, limit, limitText: fmtBytes(limit) });
}

function readText(file: string, limit = MAX_INPUT_BYTES): string {
  checkSize(file, limit);
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const e = err as { code?: string };
    if (e.code === 'ENOENT') throw usageError('file.noSuch', { file });
    if (e.code === 'EISDIR') throw usageError('file.isDir', { file });
    throw err;
  }
}

type View = 'ladder' | 'states' | 'summary' | 'explain' | 'none';

async function parseRunArgs(args: string[], io: Io) {
  const parsed = parseOrHelp(RUN_COMMAND, args, io);
  if (!parsed) return undefined;
  const fail = (key: MessageKey, params: Params = {}): never => {
    throw commandUsageError(RUN_COMMAND, { key, params });
  };
  const v = parsed.values as Record<string, string | undefined> & { json?: boolean };
  const maxEventsText = v['max-events'];
  if (maxEventsText !== undefined && !(/^\d+$/.test(maxEventsText) && Number(maxEventsText) >= 1 && Number(maxEventsText) <= 100_000_000)) {
    fail('usage.maxEvents', { value: maxEventsText });
  }
  const maxEvents = maxEventsText === undefined ? undefined : Number(maxEventsText);
  if (parsed.positionals.length === 0) fail('usage.nameScenario');
  let seed: number | undefined;
  if (v.seed !== undefined) {
    if (!/^\d+$/.test(v.seed) || Number(v.seed) > 0xffffffff) fail('usage.seed', { value: v.seed });
    seed = Number(v.seed);
  }
  const views = ['ladder', 'states', 'summary', 'explain', 'none'];
  if (v.view !== undefined && !views.includes(v.view)) fail('usage.view', { views: views.join(', '), value: v.view, suggestion: didYouMeanText(suggest(v.view, views)) });
  const single = parsed.positionals.length === 1;
  for (const opt of ['trace', 'pcap', 'html'] as const) {
    if (v[opt] !== undefined && !single) fail('usage.oneFile', { flag: opt, n: parsed.positionals.length });
  }
  if (v.width !== undefined && !(/^\d+$/.test(v.width) && Number(v.width) >= 40 && Number(v.width) <= 1000)) fail('usage.width', { value: v.width });
  const width = v.width !== undefined ? Number(v.width) : undefined;
  const { resolveLang } = await import('../lib/cli/learner.ts');
  const lang = resolveLang(v.lang, 'tcpemu run');
  return { files: parsed.positionals, seed, trace: v.trace, pcap: v.pcap, html: v.html, view: v.view as View | undefined, json: v.json ?? false, width, maxEvents, lang };
}

async function runCommand(args: string[], io: Io): Promise<number> {
  const o = await parseRunArgs(args, io);
  if (!o) return 0;
  // Load and validate every file before running any: bad input loses nothing and writes nothing.
  // The built-in demo is named by its place in the package, wherever tcpemu runs from.
  const plans = o.files.map((file) => loadScenario(readText(file, MAX_SOURCE_BYTES), file === DEMO_FILE ? path.relative(ROOT, file) : file, { seed: o.seed }));
  const several = plans.length > 1;
  // A shared bottleneck joins more than two hosts: its summary (with the flows) says more than a ladder of two.
  const view: View = o.view ?? (o.json || several ? 'none' : plans[0].bottleneck ? 'summary' : 'ladder');
  let failed = 0;
  for (const plan of plans) {
    const progress = !o.json && io.isTTY && process.stderr.isTTY ? await progressBar(o.lang) : undefined;
    // A run keeps what its outputs need (issue 29): the drawings and the report read the whole trace;
    // the summary, --json and no view at all need only counts. The trace and the capture go to their
    // files as the run makes them, and are renamed into place only once the run is whole.
    const drawn = view === 'ladder' || view === 'states' || view === 'explain' || o.html !== undefined;
    const traceOut = o.trace ? openOutput(o.trace, () => new TraceWriter({ file: o.trace, memory: false })) : undefined;
    let pcapOut: PcapWriter | undefined;
    try {
      pcapOut = o.pcap ? openOutput(o.pcap, () => new PcapWriter(o.pcap!, { stream: true })) : undefined;
    } catch (err) {
      traceOut?.abort();
      throw err;
    }
    let result: RunResult;
    try {
      // The explain view, the ladder and the report show the text segments carried (issue 26): from the run's packets.
      // A bulk run keeps its packets only when asked to explain it: the ladder and report then draw without the text.
      const showBytes = !several && !o.json && (view === 'explain' || ((view === 'ladder' || o.html !== undefined) && sentBytes(plan) <= 1 << 20));
      const runOpts: RunOptions = {
        capture: showBytes, onProgress: progress?.update, maxEvents: o.maxEvents,
        record: drawn ? 'trace' : 'counts', keepDelivered: false,
        // The ladder alone (no --html, no --max-events asked for) keeps a run's beginning and says it elides the rest.
        keepFirst: view === 'ladder' && o.html === undefined && o.maxEvents === undefined ? LADDER_KEEPS : undefined,
        onEvent: traceOut ? (ev) => traceOut.write(ev) : undefined,
        onPacket: pcapOut ? (timeMs, packet) => pcapOut.write(timeMs, packet) : undefined,
      };
      result = plan.link.udp ? await runScenarioUdp(plan, runOpts) : runScenario(plan, runOpts);
    } catch (err) {
      traceOut?.abort();
      pcapOut?.abort();
      if (!(err instanceof TraceLimitError || err instanceof RunLimitError)) throw err;
      // A run too big to keep: the user's to change, like any other bad input (exit 2), and nothing is written.
      throw usageError('cli.runStopped', { file: plan.file, why: err.text, n: DEFAULT_MAX_TRACE_EVENTS });
    } finally {
      progress?.stop();
    }
    // What was written goes to stderr, as report says it: stdout stays the drawing or the JSON.
    if (traceOut) {
      await writeOutput(o.trace!, () => traceOut.close());
      io.err(msg(o.lang, 'cli.wrote', { file: o.trace!, n: traceOut.length, what: msg(o.lang, 'cli.wroteTrace') }) + '\n');
    }
    if (pcapOut) {
      await writeOutput(o.pcap!, () => pcapOut.close());
      io.err(msg(o.lang, 'cli.wrote', { file: o.pcap!, n: pcapOut.count, what: msg(o.lang, 'cli.wrotePcap') }) + '\n');
    }
    if (o.html) {
      const { renderReport, writeReport } = await import('../lib/report/index.ts');
      const { scenarioWords } = await import('../lib/cli/learner.ts');
      const { Payloads } = await import('../lib/trace/payload.ts');
      const words = scenarioWords(plan, o.lang);
      const report = renderReport(result.events, { expectations: result.expectations, lang: o.lang, payloads: Payloads.fromPackets(result.packets), heading: words.title, description: words.description });
      await writeOutput(o.html, () => writeReport(o.html!, report));
      io.err(msg(o.lang, 'cli.wrote', { file: o.html, n: segmentsSent(result.events), what: msg(o.lang, 'cli.wroteHtml') }) + '\n');
    }
    if (!result.ok) failed++;
    if (o.json) {
      const flows = plan.bottleneck ? flowsJson(result.events) : {};
      io.out(JSON.stringify({ scenario: plan.name, ok: result.ok, expectations: result.expectations.map((e) => ({ id: e.id, what: e.what, ok: e.ok, detail: e.detail })), stats: result.stats, ...flows }) + '\n');
      continue;
    }
    const hosts = plan.hosts.map((h) => h.name);
    // A ladder is drawn between two hosts; a scenario of one host gets its summary instead.
    const lang = o.lang;
    if (view === 'ladder' && hosts.length < 2) io.out(renderSummary(result.summary, { color: io.color, lang }));
    else if (view === 'ladder') {
      const { Payloads } = await import('../lib/trace/payload.ts');
      const e = result.elided;
      io.out(renderLadder(e ? result.events.slice(0, e.kept) : result.events, { hosts, color: io.color, width: o.width ?? (process.stdout.columns || 100), lang, payloads: result.packets.length > 0 ? Payloads.fromPackets(result.packets) : undefined }));
      if (e) io.out(msg(lang, 'ladder.elided', { n: e.events, from: fmtDuration(e.fromMs), to: fmtDuration(e.toMs), kept: LADDER_KEEPS }) + '\n');
    } else if (view === 'states') io.out(renderStates(result.events, { hosts, color: io.color, lang }));
    else if (view === 'summary') io.out(renderSummary(result.summary, { color: io.color, lang }));
    else if (view === 'explain') {
      const { explainRun } = await import('../lib/cli/learner.ts');
      io.out(explainRun(result.events, plan, result.packets, lang, io.color));
    }
    // Behind a shared bottleneck: each flow's goodput and Jain's fairness index (lib/link/bottleneck.ts).
    if (plan.bottleneck && view !== 'none') io.out('\n' + renderFlows(flowGoodputs(result.events)));
    // A blank line parts the drawing from the verdict; with nothing drawn there is nothing to part.
    io.out(formatOutcome(plan.file, plan.name, result, io.color, several, view !== 'none', o.lang));
  }
  if (several && !o.json) io.out(msg(o.lang, 'cli.total', { passed: plans.length - failed, failed }) + '\n');
  return failed > 0 ? 1 : 0;
}

/** Events the ladder of `tcpemu run` keeps and draws before it elides the rest of a run (RunOptions.keepFirst). */
export const LADDER_KEEPS = 10_000;

/** The bytes a scenario's `send` steps write, all together. */
function sentBytes(plan: { steps: readonly { command: { op: string; data?: { text: string } | { bytes: number } } }[] }): number {
  let n = 0;
  for (const s of plan.steps) {
    const d = s.command.op === 'send' ? s.command.data : undefined;
    if (d !== undefined) n += 'text' in d ? Buffer.byteLength(d.text) : d.bytes;
  }
  return n;
}

function segmentsSent(events: readonly TraceEvent[]): number {
  return events.filter((e) => e.type === 'segment' && e.event === 'tx').length;
}

export function formatOutcome(file: string, name: string, r: RunResult, color: boolean, brief: boolean, drawn: boolean, lang: Lang = 'en'): string {
  const green = (s: string) => (color ? `\x1b[32m${s}\x1b[0m` : s);
  const red = (s: string) => (color ? `\x1b[31m${s}\x1b[0m` : s);
  const lines: string[] = [];
  const failed = r.expectations.filter((e) => !e.ok);
  // In the user's language (issue 26); the English as the checks wrote it.
  const what = (e: RunResult['expectations'][number]) => expectationWhat(e, lang);
  const where = (e: RunResult['expectations'][number]) => {
    const detail = expectationDetail(e, lang);
    return e.pos ? (lang === 'en' ? `${file}:${e.pos.line}:${e.pos.col}: ${detail}` : msg(lang, 'error.at', { file, line: e.pos.line, col: e.pos.col, message: detail })) : detail;
  };
  if (!brief) {
    for (const e of r.expectations) {
      lines.push(`${e.ok ? green('✔') : red('✘')} ${what(e)}${e.ok ? '' : ''}`);
      if (!e.ok) lines.push(indent(where(e)));
    }
  } else {
    for (const e of failed) lines.push(indent(`${red('✘')} ${what(e)}\n${indent(where(e))}`));
  }
  const verdict = r.ok ? green(msg(lang, 'cli.pass')) : red(msg(lang, 'cli.fail'));
  const count = r.expectations.length === 0 ? msg(lang, 'cli.noExpectations') : msg(lang, 'cli.expectationsHold', { ok: r.expectations.length - failed.length, n: r.expectations.length });
  if (!brief && drawn) lines.unshift('');
  lines.push(msg(lang, 'cli.outcome', { verdict, name, file, count, segments: r.stats.segments, time: fmtDuration(r.stats.durationMs) }));
  return lines.join('\n') + '\n';
}

function indent(s: string): string {
  return s.split('\n').map((l) => `    ${l}`).join('\n');
}

function fmtDuration(ms: number): string {
  return ms >= 1000 ? `${+(ms / 1000).toFixed(3)} s` : `${+ms.toFixed(3)} ms`;
}

const WRITE_REFUSALS: Record<string, string> = {
  ENOENT: 'its folder does not exist',
  ENOTDIR: 'a part of its path is not a folder',
  EISDIR: 'it is a folder',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
};

/** Opens an output written as the run goes: a refusal of the file system is the user's (exit 2), before anything runs. */
function openOutput<T>(file: string, open: () => T): T {
  try {
    return open();
  } catch (err) {
    throw writeRefusal(file, err);
  }
}

function writeRefusal(file: string, err: unknown): unknown {
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string' || !/^E[A-Z]+$/.test(code)) return err;
  const reason = WRITE_REFUSALS[code];
  return reason === undefined ? new UsageError(`${file}: cannot write it: ${(err as Error).message}`) : usageError('file.cannotWrite', { file, reason: { key: `os.${code}` as MessageKey } });
}

/**
 * Writes an output file (the writers go through a temporary file beside it, renamed when whole). A refusal
 * of the file system is the user's to fix (exit 2), and names the file they gave, not the temporary one.
 */
async function writeOutput(file: string, write: () => void | Promise<void>): Promise<void> {
  try {
    await write();
  } catch (err) {
    throw writeRefusal(file, err);
  }
}

async function progressBar(lang: Lang): Promise<{ update: (v: number, until: number, bytes: number) => void; stop: () => void }> {
  const { default: cliProgress } = await import('cli-progress');
  let bar: InstanceType<typeof cliProgress.SingleBar> | undefined;
  const started = Date.now();
  return {
    update(v, until, bytes) {
      // Only a run long enough to wait for gets a bar.
      if (!bar) {
        if (Date.now() - started < 500) return;
        bar = new cliProgress.SingleBar({ format: msg(lang, 'progress.run'), stream: process.stderr, clearOnComplete: true, hideCursor: true }, cliProgress.Presets.shades_classic);
        bar.start(Math.round(until / 1000), 0, { bytes: '0 B' });
      }
      bar.update(Math.round(v / 1000), { bytes: fmtBytes(bytes) });
    },
    stop() {
      bar?.stop();
    },
  };
}

function fmtBytes(n: number): string {
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}

/** The scenario a trace recorded, loaded: a mistake in it is named `FILE (recorded scenario 'x')`, in the user's language. */
function loadRecorded(meta: MetaEvent, file: string): ScenarioPlan {
  const label: Msg = { key: 'cli.recordedScenario', params: { file, scenario: meta.scenario } };
  try {
    return loadScenario(meta.source, word('en', label), { seed: meta.seed });
  } catch (e) {
    if (e instanceof ScenarioError) e.fileText = label;
    throw e;
  }
}

async function replayCommand(args: string[], io: Io): Promise<number> {
  const parsed = parseOrHelp(REPLAY_COMMAND, args, io);
  if (!parsed) return 0;
  if (parsed.positionals.length !== 1) throw commandUsageError(REPLAY_COMMAND, { key: 'usage.replayOne' });
  const file = parsed.positionals[0];
  if (!/\.jsonl$/i.test(file)) {
    // A capture: checked against the model segment by segment (lib/real/replay-capture.ts).
    checkSize(file);
    const { replayCaptureCommand } = await import('../lib/cli/replay-capture.ts');
    return await replayCaptureCommand(args, io);
  }
  const forCaptures = Object.keys(parsed.values).filter((k) => parsed.values[k] !== undefined && k !== 'view' && k !== 'lang');
  const { resolveLang } = await import('../lib/cli/learner.ts');
  const lang = resolveLang(parsed.values.lang as string | undefined, 'tcpemu replay');
  const replayView = parsed.values.view as string | undefined;
  if (replayView !== undefined && replayView !== 'explain') throw commandUsageError(REPLAY_COMMAND, { key: 'usage.replayView', params: { value: replayView } });
  if (forCaptures.length) throw commandUsageError(REPLAY_COMMAND, { key: 'usage.forCaptures', params: { flag: forCaptures[0]! } });
  const recorded = readTrace(readText(file), file);
  const meta = recorded[0] as MetaEvent;
  const plan = loadRecorded(meta, file);
  if (plan.link.udp) throw usageError('usage.replayUdp', { scenario: meta.scenario });
  let result: RunResult;
  try {
    // Room for every recorded event (a trace may have been made with --max-events above the default) and more.
    result = runScenario(plan, { maxEvents: Math.max(DEFAULT_MAX_TRACE_EVENTS, 2 * recorded.length), capture: replayView === 'explain' });
  } catch (err) {
    if (!(err instanceof TraceLimitError || err instanceof RunLimitError)) throw err;
    throw usageError('cli.replayStopped', { file, scenario: meta.scenario, why: err.text, n: recorded.length });
  }
  const diff = firstDifference(recorded, result.events);
  if (!diff) {
    if (replayView === 'explain') {
      const { explainRun } = await import('../lib/cli/learner.ts');
      io.out(explainRun(recorded, plan, result.packets, lang, io.color, true) + '\n');
    }
    io.out(msg(lang, 'cli.identical', { n: recorded.length, scenario: meta.scenario, seed: meta.seed }) + '\n');
    return 0;
  }
  io.out(formatDifference(diff, file, lang) + '\n');
  return 1;
}

async function reportCommand(args: string[], io: Io): Promise<number> {
  const parsed = parseOrHelp(REPORT_COMMAND, args, io);
  if (!parsed) return 0;
  const out = parsed.values.output as string | undefined;
  if (parsed.positionals.length !== 1 || !out) throw commandUsageError(REPORT_COMMAND, { key: 'usage.reportArgs' });
  const file = parsed.positionals[0];
  let events: TraceEvent[];
  if (/\.jsonl$/i.test(file)) events = readTrace(readText(file), file);
  else {
    let buf: Buffer;
    checkSize(file);
    try {
      buf = readFileSync(file);
    } catch {
      throw usageError('file.noSuch', { file });
    }
    events = traceFromCapture(buf, file);
  }
  const { resolveLang, reportExtras } = await import('../lib/cli/learner.ts');
  const lang = resolveLang(parsed.values.lang as string | undefined, 'tcpemu report');
  const { renderReport, writeReport } = await import('../lib/report/index.ts');
  const page = renderReport(events, { lang, ...reportExtras(events, lang) });
  await writeOutput(out, () => writeReport(out, page));
  io.err(msg(lang, 'cli.wrote', { file: out, n: segmentsSent(events), what: msg(lang, 'cli.wroteHtml') }) + '\n');
  return 0;
}

/**
 * Run as the program (bin/tcpemu.js or tsx bin/tcpemu.ts), not imported. argv[1] is compared after
 * resolving links: npm and npx start the program through node_modules/.bin/tcpemu, a link whose own name
 * says nothing, and npx's copy of a local package is itself a link to the folder.
 */
function startedAsProgram(): boolean {
  if (!process.argv[1]) return false;
  let entry: string;
  try {
    entry = realpathSync(process.argv[1]);
  } catch {
    return false;
  }
  // bin/tcpemu.cjs, the installed command, starts the bundle (this file) or bin/tcpemu.js with argv[1] its own.
  return entry === fileURLToPath(import.meta.url) || entry === path.join(ROOT, 'bin', 'tcpemu.js') || entry === path.join(ROOT, 'bin', 'tcpemu.cjs');
}

if (startedAsProgram()) {
  // Output piped into a reader that stops early (tcpemu | head): stop quietly, as other tools do.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(process.exitCode ?? 0);
  });
  const color = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
  // A promise, not a top-level await: the bundle for `run` is a script (scripts/build.mjs), which has none.
  void main(process.argv.slice(2), {
    out: (s) => process.stdout.write(s),
    err: (s) => process.stderr.write(s),
    isTTY: Boolean(process.stdout.isTTY),
    color,
  }).then((code) => {
    process.exitCode = code;
  });
}
