/**
 * The words every view uses for the same things (issue 27): the terminal ladder, the states view,
 * the summary and the HTML report all take their text from these tables, so a reader never meets
 * `connected` in one and `connect` in another. Each table is keyed by what the trace records (an
 * app event, a `why`, a summary field), so a translation replaces the values and keeps the keys.
 *
 * `{n}` in a phrase is a byte count and `{error}` an error code, filled in by `phrase`. The words
 * themselves live in the message catalogues (lib/i18n/en.ts, zh.ts, issue 26); these tables and
 * functions give them in a language, English by default.
 */
import type { AppEvent } from '../events.ts';
import { msg, isKey, type Lang, type MessageKey } from '../../i18n/index.ts';

const APP_EVENTS: readonly AppEvent['event'][] = ['listen', 'open', 'connect', 'accept', 'send', 'data', 'read', 'end', 'shutdown', 'close-req', 'close', 'abort', 'error'];
const WHYS = ['rto', 'fast-retransmit', 'dup-syn', 'persist', 'keepalive', 'delack', 'challenge-ack', 'window-update', 'reset', 'abort',
  'rack', 'tlp', 'sack-hole', 'dupack'] as const;
const TERM_KEYS = {
  scenario: 'term.scenario', seed: 'term.seed', noSeed: 'term.noSeed', noStates: 'term.noStates', host: 'term.host',
  segments: 'term.segments', dataSent: 'term.dataSent', delivered: 'term.delivered', retransmissions: 'term.retransmissions',
  rtx: 'term.rtx', drops: 'term.drops', finalState: 'term.finalState', expectations: 'term.expectations', dropped: 'term.dropped',
  notReceived: 'term.notReceived', duplicate: 'term.duplicate', expires: 'term.expires',
} as const satisfies Record<string, MessageKey>;

/** What the application did or saw, by app event kind (events.ts `AppEvent.event`), in a language. */
export function appWordsTable(lang: Lang): Readonly<Record<AppEvent['event'], string>> {
  return Object.fromEntries(APP_EVENTS.map((e) => [e, msg(lang, `app.${e}` as MessageKey)])) as Record<AppEvent['event'], string>;
}

/** Why a segment was sent, by the `why` of its tx event, in a language (see WHY_WORDS). */
export function whyWordsTable(lang: Lang): Readonly<Record<string, { short: string; long: string }>> {
  return Object.fromEntries(WHYS.map((w) => [w, { short: msg(lang, `why.${w}.short`), long: msg(lang, `why.${w}.long`) }]));
}

/** The words around the numbers (see TERMS), in a language. */
export function termsTable(lang: Lang): { readonly [K in keyof typeof TERM_KEYS]: string } & { readonly listenState: 'LISTEN' } {
  return { ...Object.fromEntries(Object.entries(TERM_KEYS).map(([k, key]) => [k, msg(lang, key)])), listenState: 'LISTEN' } as never;
}

/** What the application did or saw, by app event kind (events.ts `AppEvent.event`). */
export const APP_WORDS: Readonly<Record<AppEvent['event'], string>> = appWordsTable('en');

/** A read request with no byte count asks for everything there is. */
export const READ_ALL = msg('en', 'app.readAll');

/**
 * Why a segment was sent, by the `why` of its tx event: `short` goes on a ladder arrow, `long` in
 * the page's tooltip. A `why` missing from this table is printed as the trace wrote it.
 */
export const WHY_WORDS: Readonly<Record<string, { short: string; long: string }>> = whyWordsTable('en');

/** Words around the numbers, shared by the summaries, titles and legends of every view. */
export const TERMS = termsTable('en');

/** The legend of the terminal ladder, in the same words as the arrows. */
export const LADDER_LEGEND = msg('en', 'ladder.legend');

export function phrase(template: string, n: number | undefined, error?: string): string {
  return template.replace('{n}', String(n ?? 0)).replace('{error}', error ?? '').trimEnd();
}

/** The words for an application event, as every view prints them; with `text`, the bytes themselves (`send "你好"`). */
export function appWords(e: Pick<AppEvent, 'event' | 'bytes' | 'error'>, lang: Lang = 'en', text?: string): string {
  if (e.event === 'read' && e.bytes === undefined) return msg(lang, 'app.readAll');
  if (text !== undefined && e.event === 'send') return msg(lang, 'app.sendText', { text });
  if (text !== undefined && e.event === 'data') return msg(lang, 'app.dataText', { text });
  return phrase(msg(lang, `app.${e.event}` as MessageKey), e.bytes, e.error);
}

function whyWord(why: string, form: 'short' | 'long', lang: Lang): string {
  const key = `why.${why}.${form}`;
  return isKey(key) ? msg(lang, key) : why;
}

/** The mark after a ladder label: `(rtx: rto)`, `(rtx)`, `(window probe)`, or '' for a plain segment. */
export function sendMark(s: { retransmit?: boolean; why?: string; forged?: boolean }, lang: Lang = 'en'): string {
  // Written by the scenario (link: inject), not by a host's TCP.
  if (s.forged === true) return msg(lang, 'why.forgedMark');
  const short = s.why !== undefined ? whyWord(s.why, 'short', lang) : undefined;
  if (s.retransmit === true) return short !== undefined ? msg(lang, 'why.rtxMark', { why: short }) : msg(lang, 'why.rtxPlain');
  if (s.why === 'persist' || s.why === 'keepalive') return lang === 'en' ? `(${short})` : `（${short}）`;
  return '';
}

/** Retransmissions counted by why, in the short words, most first: `fast-retransmit 10, rto 4`. */
export function whyCounts(counts: ReadonlyMap<string, number>, lang: Lang = 'en'): string {
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([why, n]) => `${why === '' ? msg(lang, 'why.unexplained') : whyWord(why, 'short', lang)} ${n}`)
    .join(', ');
}

/** A sentence for the tooltip: why this segment was sent (or resent). */
export function whyLong(s: { retransmit?: boolean; why?: string }, lang: Lang = 'en'): string | undefined {
  const long = s.why !== undefined ? whyWord(s.why, 'long', lang) : undefined;
  if (s.retransmit === true) return long !== undefined ? msg(lang, 'why.retransmission', { long, why: s.why! }) : msg(lang, 'why.retransmissionPlain');
  return long !== undefined ? msg(lang, 'why.why', { long, why: s.why! }) : undefined;
}

/** Why a segment died (a drop event's `reason`), in a language; a reason the catalogue does not know is printed as recorded. */
export function dropWord(reason: string | undefined, lang: Lang = 'en'): string {
  if (reason === undefined) return msg(lang, 'term.dropped');
  const key = `dropReason.${reason}`;
  return isKey(key) ? msg(lang, key) : reason;
}
