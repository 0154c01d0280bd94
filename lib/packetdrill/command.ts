/**
 * `tcpemu packetdrill FILE.pkt|DIR...`: read every script first (a mistake is exit 2 and nothing runs or
 * is written), run each on the model, and print one line a script and a total; with --kernel, the
 * kernel's verdict beside the model's.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { PACKETDRILL_COMMAND } from '../cli/commands.ts';
import { commandUsageError, didYouMeanText, parseOrHelp, suggest, usageError } from '../cli/args.ts';
import type { CliIo } from '../cli/io.ts';
import { parseScript, type Script } from './parse.ts';
import { runScript, type ScriptResult } from './runner.ts';
import { DEFAULTS_CHOICES, defaultsFor, type DefaultsChoice } from './sysctl.ts';
import { findPacketdrill, runOnKernel, type KernelResult } from './kernel.ts';
import { renderLadder } from '../trace/views/ladder.ts';
import { langOfArgs, msg, word, type Lang, type Msg, type Params } from '../i18n/index.ts';

/** Every .pkt under the paths given, in name order (a file named is taken whatever its extension). */
export function scriptFiles(paths: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (p: string) => {
    let st;
    try {
      st = statSync(p);
    } catch {
      throw usageError('pd.u.noSuch', { path: p });
    }
    if (st.isDirectory()) {
      for (const name of readdirSync(p).sort()) {
        const q = path.join(p, name);
        if (statSync(q).isDirectory() || name.endsWith('.pkt')) walk(q);
      }
    } else out.push(p);
  };
  for (const p of paths) walk(p);
  return out;
}

export function loadScripts(files: readonly string[]): Script[] {
  return files.map((f) => parseScript(readFileSync(f, 'utf8'), f));
}

/** Why a script failed, in `lang` (packetdrill's English in English); an unsupported construct as the script writes it. */
function reasonIn(r: ScriptResult, lang: Lang): string {
  return r.reasonText ? word(lang, r.reasonText) : (r.reason ?? '');
}

function verdictWord(v: string): string {
  return v.toUpperCase();
}

/**
 * One script's line. PASS, FAIL and UNSUPPORTED stay as packetdrill's tools print them in every
 * language (a verdict token a user greps for); the words around them follow `lang` (issue 26).
 */
export function formatResult(r: ScriptResult, lang: Lang = 'en'): string {
  if (r.verdict === 'pass') return `PASS         ${r.file}\n`;
  if (r.verdict === 'unsupported') return `UNSUPPORTED  ${r.file}:${r.line}  ${reasonIn(r, lang)}\n`;
  let s = `FAIL         ${r.file}:${r.line}  ${reasonIn(r, lang)}\n`;
  if (r.expected !== undefined) s += `${msg(lang, 'pd.expected', { text: r.expected })}\n`;
  if (r.actual !== undefined) s += `${msg(lang, 'pd.actual', { text: r.actualText ?? r.actual })}\n`;
  return s;
}

/** The total line: `N scripts: A pass, B fail, C unsupported`, in `lang`. */
export function formatTotal(n: number, counts: { pass: number; fail: number; unsupported: number }, lang: Lang = 'en'): string {
  return `${msg(lang, n === 1 ? 'pd.total1' : 'pd.totalN', { n, ...counts })}\n`;
}

export async function packetdrillCommand(args: string[], io: CliIo): Promise<number> {
  const p = parseOrHelp(PACKETDRILL_COMMAND, args, io);
  if (!p) return 0;
  const lang = langOfArgs(args);
  const v = p.values as Record<string, string | boolean | undefined>;
  // A mistake on the command line: `tcpemu packetdrill: WHAT` and the line to its help, in the user's language (issue 26).
  const fail = (key: Msg['key'], params: Params = {}): never => {
    throw commandUsageError(PACKETDRILL_COMMAND, { key, params });
  };
  if (p.positionals.length === 0) fail('pd.u.name');
  const defaults = (v.defaults ?? 'auto') as string;
  if (!(DEFAULTS_CHOICES as readonly string[]).includes(defaults)) fail('pd.u.defaults', { choices: DEFAULTS_CHOICES.join(', '), value: defaults, suggestion: didYouMeanText(suggest(defaults, DEFAULTS_CHOICES)) });
  const tolText = v.tolerance_usecs as string | undefined;
  if (tolText !== undefined && !/^\d+$/.test(tolText)) fail('pd.u.tolerance', { value: tolText });
  const view = v.view as string | undefined;
  if (view !== undefined && !['ladder', 'none'].includes(view)) fail('pd.u.view', { value: view, suggestion: didYouMeanText(suggest(view, ['ladder', 'none'])) });
  let bin: string | undefined;
  if (v.kernel) {
    bin = (v.packetdrill as string | undefined) ?? findPacketdrill();
    if (!bin) fail('pd.u.noBinary');
    if (process.getuid?.() !== 0) fail('pd.u.root');
  } else if (v.packetdrill !== undefined) fail('pd.u.packetdrillFlag');
  // Every script is read before any runs: a mistake in one is exit 2, and nothing runs or is written.
  const scripts = loadScripts(scriptFiles(p.positionals));
  if ((view === 'ladder' || v.html !== undefined) && scripts.length !== 1) fail('pd.u.oneScript', { n: scripts.length });
  const opts = { defaults: defaults as DefaultsChoice, toleranceUsecs: tolText === undefined ? undefined : Number(tolText), strictSegments: v.strict_segments === true };
  const counts = { pass: 0, fail: 0, unsupported: 0 };
  const kernelCounts = { pass: 0, fail: 0, error: 0 };
  for (const script of scripts) {
    const r = runScript(script, opts);
    counts[r.verdict]++;
    let k: KernelResult | undefined;
    if (bin) {
      // The kernel on a shared VM needs room: 50 ms unless a tolerance was given (docs/packetdrill.md).
      const shells = script.events.flatMap((e) => (e.type === 'shell' ? [e.command] : []));
      k = runOnKernel(script.file, { packetdrill: bin, toleranceUsecs: opts.toleranceUsecs ?? 50_000, defaults: defaultsFor(opts.defaults, shells) });
      kernelCounts[k.verdict]++;
    }
    if (v.json) {
      const o: Record<string, unknown> = { file: r.file, verdict: r.verdict, line: r.line ?? null, expected: r.expected ?? null, actual: r.actual ?? null, reason: r.reason ?? null };
      if (k) o.kernel = { verdict: k.verdict, reason: k.reason ?? null };
      io.out(JSON.stringify(o) + '\n');
    } else if (k) {
      io.out(`${msg(lang, 'pd.model')} ${verdictWord(r.verdict).padEnd(11)}  ${msg(lang, 'pd.kernel')} ${verdictWord(k.verdict).padEnd(5)}  ${r.file}${r.line ? `:${r.line}` : ''}\n`);
      if (r.verdict !== 'pass') io.out(`${msg(lang, 'pd.modelWhy', { text: reasonIn(r, lang) })}\n`);
      if (k.verdict !== 'pass') io.out(`${msg(lang, 'pd.kernelWhy', { text: k.reason ?? '' })}\n`);
    } else io.out(formatResult(r, lang));
    if (view === 'ladder') io.out(renderLadder(r.events, { hosts: ['tcpemu', 'remote'], color: io.color, width: process.stdout.columns || 100 }));
    if (v.html !== undefined) {
      const { renderReport, writeReport } = await import('../report/index.ts');
      const out = v.html as string;
      await writeReport(out, renderReport(r.events, { title: `tcpemu packetdrill: ${script.file}`, expectations: [{ what: script.file, ok: r.verdict === 'pass', detail: r.reason ?? 'pass' }] }));
      io.err(`${msg(lang, 'cli.wroteFile', { file: out })}\n`);
    }
  }
  if (!v.json) {
    io.out(formatTotal(scripts.length, counts, lang));
    if (bin) io.out(`${msg(lang, 'pd.kernelTotal', kernelCounts)}${kernelCounts.error ? msg(lang, 'pd.kernelCouldNot', { n: kernelCounts.error }) : ''}\n`);
  }
  return counts.fail > 0 ? 1 : 0;
}
