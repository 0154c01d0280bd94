/**
 * What the Chinese-run tests (zh-cli.test.ts, zh-more.test.ts) share: the scenario's own words, the
 * English left in a text (english.ts says what is kept and why), and the text a reader of a report
 * page meets.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../cli/run.ts';
import { englishWords } from './english.ts';
import { loadScenario } from '../../lib/scenario/load.ts';
import { UsageError } from '../../lib/cli/args.ts';
import { langOfArgs, word } from '../../lib/i18n/index.ts';
import type { CliIo } from '../../lib/cli/io.ts';

/** The scenario's own words: its name, its hosts' names, and its description and title as written. */
export function ownWords(file: string): { words: Set<string>; lines: string[] } {
  const plan = loadScenario(readFileSync(path.join(ROOT, file), 'utf8'), file);
  const lines = [plan.description, plan.title].filter((x): x is string => x !== undefined).flatMap((x) => x.split('\n')).map((l) => l.trim()).filter(Boolean);
  return { words: new Set([plan.name, ...plan.name.split(/[^A-Za-z0-9]+/), ...plan.hosts.map((h) => h.name)]), lines };
}

export function leftovers(text: string, own: { words: Set<string>; lines: string[] } = { words: new Set(), lines: [] }): string[] {
  let rest = text;
  for (const l of own.lines) rest = rest.split(l).join(' ');
  const bad = new Set<string>();
  for (const line of rest.split('\n')) for (const w of englishWords(line, own.words)) bad.add(`${w}   ← ${line.trim().slice(0, 120)}`);
  return [...bad];
}

/**
 * What a reader of the page meets: its text (outside scripts and styles), its tooltips (<title>),
 * its aria labels, and the words its scripts show (the page's JSON block: the step-through's
 * explanations and the status words; its chart data and ids are not words).
 */
export function pageText(html: string): string {
  const json = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html)?.[1];
  const data = json ? (JSON.parse(json) as { step?: unknown; words?: unknown }) : {};
  const strings: string[] = [];
  const walk = (v: unknown, key: string): void => {
    if (typeof v === 'string') {
      // Identifiers the script uses (state names, classes, ids), not sentences: the RFC names are kept anyway.
      if (!/^(id|cls|class|kind|host|conn|state|from|to|svg|ev|key)$/.test(key)) strings.push(v);
    } else if (Array.isArray(v)) v.forEach((x) => walk(x, key));
    else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k);
  };
  walk(data.step, '');
  walk(data.words, '');
  const attrs = [...html.matchAll(/aria-label="([^"]*)"/g)].map((m) => m[1]!);
  const text = html
    .replace(/<script[\s\S]*?<\/script>/g, ' ')
    .replace(/<style[\s\S]*?<\/style>/g, ' ')
    .replace(/<[^>]+>/g, '\n');
  const decode = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
  return decode([text, ...attrs, ...strings].join('\n'));
}

/**
 * `tcpemu packetdrill ARGS...`, `tcpemu sweep ARGS...` ... in this process: exit status and output, or the
 * usage mistake it threw as bin/tcpemu.ts prints it, in the language of its --lang. Every mistake of these
 * commands is a message (worded in the user's language, never English read back): one without is marked.
 */
export async function inProcess(command: (args: string[], io: CliIo & { isTTY: boolean }) => Promise<number>, args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  try {
    const code = await command(args, { out: (x) => { out += x; }, err: (x) => { err += x; }, color: false, isTTY: false });
    return { code, out, err };
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    if (e.text === undefined) return { code: 2, out, err: `(no message key) ${e.message}` };
    const lang = langOfArgs(args);
    return { code: 2, out, err: lang === 'en' ? e.message : word(lang, e.text) };
  }
}
