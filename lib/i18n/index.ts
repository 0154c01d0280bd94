/**
 * Languages (issue 26): one message catalogue per language (en.ts, zh.ts) with the same keys, a
 * lookup that fills in `{name}` placeholders, and the default language from the environment.
 */
import { EN_AREAS, type MessageKey } from './en.ts';
import { ZH_AREAS } from './zh.ts';

export type { MessageKey } from './en.ts';
export type Lang = 'en' | 'zh';
export const LANGS: readonly Lang[] = ['en', 'zh'];

type Catalogue = Readonly<Record<MessageKey, string>>;
// Each language's areas merged into one catalogue, as they were when the module loaded until issue 29; now
// on first use only (a run looks its messages up in the areas, `text`). Typed as a whole catalogue, so tsc
// still fails when a language lacks a key.
const merged: Partial<Record<Lang, Catalogue>> = {};
const mergeEn = (): Catalogue => { const [a, b, c, d, e, f] = EN_AREAS; return { ...a, ...b, ...c, ...d, ...e, ...f }; };
const mergeZh = (): Catalogue => { const [a, b, c, d, e, f] = ZH_AREAS; return { ...a, ...b, ...c, ...d, ...e, ...f }; };

export const CATALOGUES: Readonly<Record<Lang, Catalogue>> = {
  get en() { return (merged.en ??= mergeEn()); },
  get zh() { return (merged.zh ??= mergeZh()); },
};

/**
 * Each language's areas, the last first: the first that has a key gives its text, as the merge would. The
 * Chinese ones are first asked for when a Chinese text is (the bundle the installed command starts loads
 * them from a file of their own then: scripts/build.mjs).
 */
type Areas = readonly Readonly<Record<string, string>>[];
const EN_LOOKUP: Areas = [...EN_AREAS].reverse();
let zhLookup: Areas | undefined;

/** The text of `key` in `lang` as the catalogue has it (CATALOGUES[lang][key], without merging the catalogue); undefined for no key. */
export function catalogueText(lang: Lang, key: string): string | undefined {
  const areas: Areas = lang === 'en' ? EN_LOOKUP : (zhLookup ??= [...ZH_AREAS].reverse());
  for (const area of areas) if (Object.hasOwn(area, key)) return area[key];
  return undefined;
}

export type Params = Readonly<Record<string, string | number | Msg | SysErr | readonly (string | Msg)[]>>;

/**
 * What the system (or a decoder) said when it refused: its code and its English message. English
 * shows the message as it was written; another language words the code (`key` when given, else
 * `os.CODE`, else `os.other`). Plain data, so a namespace agent can send it up as JSON.
 */
export interface SysErr {
  readonly code: string;
  readonly message: string;
  readonly key?: MessageKey;
}

/** A Node error as a SysErr (an error without a code: its message, with the code `?`). */
export function sysErr(err: unknown): SysErr {
  const e = err as { code?: unknown; message?: unknown };
  return { code: typeof e?.code === 'string' ? e.code : '?', message: typeof e?.message === 'string' ? e.message : String(err) };
}

/**
 * A message not yet worded: its key and parameters. An error keeps one so that the command line can
 * word it in the user's language when it prints it; a parameter may itself be a Msg (a hint, a
 * "did you mean"), worded in the same language.
 */
export interface Msg {
  readonly key: MessageKey;
  readonly params?: Params;
}

/** The text of `key` in `lang`, with each `{name}` replaced by `params[name]` (a Msg parameter worded in `lang`). */
export function msg(lang: Lang, key: MessageKey, params: Params = {}): string {
  return catalogueText(lang, key)!.replace(/\{([A-Za-z]+)\}/g, (whole, name: string) => {
    if (!Object.hasOwn(params, name)) return whole;
    const v = params[name]!;
    // A list is worded item by item and joined as the language writes a list (a, b / a、b).
    if (Array.isArray(v)) return v.map((x: string | Msg) => (typeof x === 'object' ? word(lang, x) : x)).join(catalogueText(lang, 'list.sep')!);
    if (typeof v !== 'object') return String(v);
    if (!('message' in v)) return msg(lang, (v as Msg).key, (v as Msg).params);
    const e = v as SysErr;
    if (lang === 'en') return e.message;
    if (e.key !== undefined) return catalogueText(lang, e.key)!;
    return catalogueText(lang, `os.${e.code}`) ?? msg(lang, 'os.other', { code: e.code });
  });
}

/** A Msg worded in `lang`. */
export function word(lang: Lang, m: Msg): string {
  return msg(lang, m.key, m.params);
}

/** The language a command line asks for: its `--lang X` or `--lang=X` when valid, else the environment's. */
export function langOfArgs(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Lang {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--') break;
    const value = args[i] === '--lang' ? args[i + 1] : args[i]!.startsWith('--lang=') ? args[i]!.slice('--lang='.length) : undefined;
    const lang = value === undefined ? null : parseLang(value);
    if (lang !== null) return lang;
  }
  return langFromEnv(env);
}

/** An error that carries its message as a Msg (and its hint as one), so it can be worded in any language. */
export interface Wordable {
  readonly text?: Msg;
  readonly hintText?: Msg;
}

/** Whether `key` is a message key (for keys made from trace words, such as `cause.rcv FIN`). */
export function isKey(key: string): key is MessageKey {
  return catalogueText('en', key) !== undefined;
}

/** The `{name}` placeholders a text uses, sorted: both catalogues must use the same ones per key. */
export function placeholders(text: string): string[] {
  return [...new Set([...text.matchAll(/\{([A-Za-z]+)\}/g)].map((m) => m[1]!))].sort();
}

/**
 * The language the environment asks for: the first of LC_ALL, LC_MESSAGES and LANG that is set (the
 * POSIX order of precedence), `zh` when it names Chinese (`zh_CN.UTF-8`, `zh_TW`), else English.
 */
export function langFromEnv(env: NodeJS.ProcessEnv = process.env): Lang {
  const value = [env.LC_ALL, env.LC_MESSAGES, env.LANG].find((v) => v !== undefined && v !== '');
  return value !== undefined && /^zh([_.@-]|$)/i.test(value) ? 'zh' : 'en';
}

/** A `--lang` value, or null when it is not one of the languages. */
export function parseLang(text: string): Lang | null {
  return (LANGS as readonly string[]).includes(text) ? (text as Lang) : null;
}
