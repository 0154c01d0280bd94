/**
 * An expectation's words in a language (issue 26). The checks (lib/scenario/expect.ts, runner.ts,
 * events.ts) build each result from catalogue messages (`ExpectResult.text`, `detailText`), so a
 * result is worded from those. A trace's `expect` events keep only the English (the trace's format is
 * the same in every language), so for them the English is read back: each catalogue message an
 * `expect` step can write is turned into a pattern (its English text, each `{name}` a capture), and
 * the line that matches one whole is worded again from that message in `lang`. A line of no known
 * shape is left as written.
 */
import { catalogueText, msg, word, type Lang, type MessageKey, type Msg } from './index.ts';

/** The messages an `expect` step of the trace can hold (runner.ts `expect` and `fail`), most specific first. */
const WHAT_KEYS: readonly MessageKey[] = ['expect.what.state', 'expect.what.deliveredNow', 'expect.what.step'];
const DETAIL_KEYS: readonly MessageKey[] = [
  'expect.d.stateNow', 'expect.d.deliveredNow', 'expect.d.bytes', 'expect.d.noConnNamed', 'expect.d.noConnYet', 'expect.d.inject',
];

/** The English text of `key` as a whole-line pattern, each placeholder a named capture. */
function pattern(key: MessageKey): RegExp {
  const src = catalogueText('en', key)!
    .split(/(\{[A-Za-z]+\})/)
    .map((part) => (/^\{[A-Za-z]+\}$/.test(part) ? `(?<${part.slice(1, -1)}>.+?)` : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${src}$`);
}

const WHAT = WHAT_KEYS.map((k) => [pattern(k), k] as const);
const DETAIL = DETAIL_KEYS.map((k) => [pattern(k), k] as const);

function wordLine(line: string, shapes: readonly (readonly [RegExp, MessageKey])[], lang: Lang): string {
  for (const [re, key] of shapes) {
    const m = re.exec(line);
    if (m !== null) return msg(lang, key, { ...m.groups });
  }
  return line;
}

/** What an expectation checked, in `lang`: a result's own words, or a trace event's English read back. */
export function expectationWhat(r: string | { what: string; text?: Msg }, lang: Lang): string {
  if (typeof r !== 'string') return r.text !== undefined ? word(lang, r.text) : r.what;
  return lang === 'en' ? r : wordLine(r, WHAT, lang);
}

/** What an expectation found, in `lang`, line by line: a result's own words, or a trace event's English read back. */
export function expectationDetail(r: string | { detail: string; detailText?: readonly Msg[] }, lang: Lang): string {
  if (typeof r !== 'string') return r.detailText !== undefined ? r.detailText.map((l) => word(lang, l)).join('\n') : r.detail;
  return lang === 'en' ? r : r.split('\n').map((l) => wordLine(l, DETAIL, lang)).join('\n');
}
