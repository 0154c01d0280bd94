/**
 * Command-line parsing for every tcpemu command: one table per command (lib/cli/commands.ts) says
 * which flags it takes, what value each wants and what it does. The parser (Node's util.parseArgs),
 * the `--help` text and the main help are all made from that table, so a flag cannot be accepted
 * without being described. `-h` and `--help` print the usage (exit 0); an unknown command or flag is a
 * usage error (exit 2) with the nearest known name as a "did you mean".
 *
 * util.parseArgs rather than a library such as commander: it is already what every command used, it
 * adds no dependency, and the three things it lacks (help text, suggestions, messages without its
 * advice about `--`) are the few dozen lines below.
 */
import { parseArgs } from 'node:util';
import { nearest } from '../scenario/source.ts';
import { langOfArgs, word, type Lang, type MessageKey, type Msg, type Params } from '../i18n/index.ts';
import { helpText } from '../i18n/help.ts';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** The value's placeholder in the help (`N`, `FILE`, `ladder|states`); string options only. */
  value?: string;
  /** What the flag does, in one or a few lines of the help. */
  help: string;
  /** Shown without brackets in the usage line (the command checks that it was given). */
  required?: boolean;
}

export interface CommandSpec {
  /** The command's word (`run`), or '' for the program itself. */
  name: string;
  /** The positional arguments as the usage line writes them (`FILE...`), or '' for none. */
  args: string;
  /** One line for the main help. */
  summary: string;
  /** More lines under the usage line: what it does, what the exit status means. */
  description?: string;
  options: Record<string, OptionSpec>;
  /** Whether positionals are accepted at all (default: when `args` names some). */
  positionals?: boolean;
}

/** A mistake of the user's: printed as it is, exit 2, no stack trace. */
export class UsageError extends Error {
  override name = 'UsageError';
  /** The message as a catalogue key and parameters (issue 26), when it has one: worded in the user's language. */
  readonly text?: Msg;
  constructor(message: string, text?: Msg) {
    super(message);
    if (text !== undefined) this.text = text;
  }
}

/** A UsageError from the catalogue: `message` is its English wording, `text` words it in any language. */
export function usageError(key: MessageKey, params: Params = {}): UsageError {
  const text = { key, params };
  return new UsageError(word('en', text), text);
}

/** A usage error of one command: `tcpemu run: WHAT` and the line that points to its help. */
export function commandUsageError(spec: CommandSpec, what: Msg): UsageError {
  return usageError('usage.line', { command: commandWords(spec), text: what, hint: { key: 'usage.hint', params: { command: commandWords(spec) } } });
}

/** "; did you mean X?" as a Msg parameter, or '' when there is no suggestion. */
export function didYouMeanText(s: string | undefined): Msg | '' {
  return s === undefined ? '' : { key: 'usage.didYouMean', params: { word: s } };
}

export type Values = Record<string, string | boolean | string[] | undefined>;
export type Parsed = { help: true } | { help: false; values: Values; positionals: string[] };

const HELP: OptionSpec = { type: 'boolean', short: 'h', help: 'print this help and exit' };

/** Every option the command accepts, `--help` included. */
export function allOptions(spec: CommandSpec): Record<string, OptionSpec> {
  return { ...spec.options, help: HELP };
}

/**
 * The known word nearest to `word`, if it is near enough to be a typo (the scenario loader's measure),
 * or else a known word that starts with what was typed (`conn` for connect).
 */
export function suggest(word: string, known: readonly string[]): string | undefined {
  return nearest(word, known) ?? (word.length >= 2 ? known.find((k) => k.startsWith(word)) : undefined);
}

export function didYouMean(s: string | undefined): string {
  return s === undefined ? '' : `; did you mean ${s}?`;
}

function flagName(name: string, o: OptionSpec): string {
  return o.type === 'string' ? `--${name} ${o.value ?? 'VALUE'}` : `--${name}`;
}

/** `tcpemu run` or `tcpemu`. */
export function commandWords(spec: CommandSpec): string {
  return spec.name ? `tcpemu ${spec.name}` : 'tcpemu';
}

/** The usage line: the command, its arguments and every flag with its value. */
export function synopsis(spec: CommandSpec): string {
  const flags = Object.entries(spec.options).map(([n, o]) => (o.required ? flagName(n, o) : `[${flagName(n, o)}]`));
  return [commandWords(spec), spec.args, ...flags].filter(Boolean).join(' ');
}

/** Lines of at most `width` (where words allow), broken between words but never inside `[...]`. */
export function wrap(words: string, width: number, indent: string): string {
  const lines: string[] = [];
  let line = '';
  for (const w of words.split(/ (?![^[]*\])/)) {
    if (line && line.length + 1 + w.length > width) {
      lines.push(line);
      line = indent + w;
    } else line = line ? `${line} ${w}` : w;
  }
  lines.push(line);
  return lines.join('\n');
}

/** The whole `--help` text of a command; in Chinese where lib/i18n/help.ts has its words. */
export function formatHelp(spec: CommandSpec, lang: Lang = 'en'): string {
  const t = helpText(spec, lang);
  const out = [`${t.usage}${wrap(synopsis(spec), 100, ' '.repeat(t.usage.length + commandWords(spec).length + 1))}`];
  out.push(`  ${t.summary}`);
  if (t.description) out.push(...t.description.split('\n').map((l) => (l ? `  ${l}` : '')));
  out.push('', t.options);
  const rows = Object.entries(allOptions(spec)).map(([n, o]) => [`${o.short ? `-${o.short}, ` : ''}${flagName(n, o)}`, t.option(n, o.help)] as const);
  const w = Math.min(28, Math.max(...rows.map(([f]) => f.length)));
  for (const [f, h] of rows) {
    const pad = ' '.repeat(w + 4);
    const body = h.split('\n').join(`\n${pad}`);
    out.push(f.length > w ? `  ${f}\n${pad}${body}` : `  ${f.padEnd(w)}  ${body}`);
  }
  return out.join('\n') + '\n';
}

/** The line that ends every usage error. */
export function helpHint(spec: CommandSpec): string {
  return `run '${commandWords(spec)} --help' for its usage`;
}

/**
 * Parse a command's arguments against its table. `-h`/`--help` anywhere before `--` asks for the help;
 * an unknown flag, a missing value or a value given to a switch is a UsageError naming the flag (with the
 * nearest known one), never parseArgs' own message.
 */
export function parseCommand(spec: CommandSpec, args: string[]): Parsed {
  const options = allOptions(spec);
  const shorts = new Map(Object.entries(options).filter(([, o]) => o.short).map(([n, o]) => [o.short!, n]));
  const config = Object.fromEntries(
    Object.entries(options).map(([n, o]) => [n, { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) }]),
  );
  const { tokens } = parseArgs({ args, options: config, strict: false, allowPositionals: true, tokens: true });
  const fail = (key: MessageKey, params: Params): never => {
    throw commandUsageError(spec, { key, params });
  };
  if (tokens.some((t) => t.kind === 'option' && t.name === 'help')) return { help: true };
  const known = Object.keys(options).map((n) => `--${n}`);
  for (const t of tokens) {
    if (t.kind === 'positional' && spec.positionals === false) fail('usage.takesNoArgs', { arg: t.value });
    if (t.kind !== 'option') continue;
    // parseArgs names a known short flag by its long name; an unknown one by its letter.
    const name = Object.hasOwn(options, t.name) ? t.name : t.rawName.startsWith('--') ? undefined : shorts.get(t.name);
    const o = name === undefined ? undefined : options[name];
    if (!o || name === undefined) return fail('usage.unknownOption', { flag: t.rawName, suggestion: didYouMeanText(suggest(t.rawName, known)) });
    if (o.type === 'boolean' && t.value !== undefined) fail('usage.switchValue', { flag: t.rawName, value: t.value });
    if (o.type === 'string') {
      if (t.value === undefined) fail('usage.needsValue', { flag: t.rawName, form: flagName(name, o) });
      // parseArgs takes the next word as the value even when it is a flag: `--seed --json` is a forgotten value.
      if (!t.inlineValue && t.value!.startsWith('-') && t.value!.length > 1) fail('usage.valueIsFlag', { flag: t.rawName, value: t.value! });
    }
  }
  const parsed = parseArgs({ args, options: config, strict: true, allowPositionals: spec.positionals !== false });
  return { help: false, values: parsed.values as Values, positionals: parsed.positionals };
}

/** An unknown command: the nearest command as a "did you mean". */
export function unknownCommand(cmd: string, commands: readonly string[]): UsageError {
  const s = suggest(cmd, commands);
  return usageError('usage.unknownCommand', { cmd, suggestion: s ? { key: 'usage.didYouMeanQuoted', params: { word: s } } : '' });
}

/** A command's arguments parsed; `undefined` when they asked for its help, which has then been printed. */
export function parseOrHelp(spec: CommandSpec, args: string[], io: { out(s: string): void }): Extract<Parsed, { help: false }> | undefined {
  const p = parseCommand(spec, args);
  if (p.help) {
    io.out(formatHelp(spec, langOfArgs(args)));
    return undefined;
  }
  return p;
}
