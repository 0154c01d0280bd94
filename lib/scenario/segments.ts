/**
 * The segment grammar of `expect.segments` (and of `link: inject`): `FROM > TO FLAGS [seq A[:B]] [ack N]
 * [win N] [len N]` or `...`, in tcpdump's words; and the expectations section that uses it.
 */
import type * as z from 'zod';
import { flagString, parseFlagString } from '../wire/format.ts';
import type { ScenarioError } from './errors.ts';
import { ERROR_CODES } from './limits.ts';
import type { Schemas } from './schema.ts';
import { linesOf, nearest, parseState, suggestText, tokenize, unknownHostHint, unknownHostHintText, withText, wordedErr, type Line, type Source } from './source.ts';
import { word, type Msg } from '../i18n/index.ts';
import type { ExpectPlan, Pos, SegmentPattern } from './plan.ts';

const SEG_FIELDS = ['seq', 'ack', 'win', 'len'];

export function parseSegmentLine(line: Line, names: readonly string[], err: (p: Pos, m: string, h?: string) => ScenarioError): SegmentPattern | undefined {
  // A trailing " # comment" is allowed, as in YAML around it.
  const hash = line.text.search(/(^|\s)#/);
  const text = hash >= 0 ? line.text.slice(0, hash) : line.text;
  const lead = /^\s*/.exec(text)![0].length;
  if (text.trim() === '') return undefined;
  if (text.trim() === '...') return { kind: 'any', pos: line.pos(lead) };
  // Each message from the catalogues (issue 26): its English is the one `err` is given, the keys word it in any language.
  const fail = wordedErr(err);
  const usage: Msg = { key: 'seg.usage' };
  const m = /^(\s*)([^\s>]+)(\s*>\s*)([^\s>]+)/.exec(text);
  if (!m) throw fail(line.pos(lead), { key: 'seg.noParse', params: { line: text.trim() } }, usage);
  const from = m[2];
  const to = m[4];
  const fromAt = m[1].length;
  const toAt = fromAt + m[2].length + m[3].length;
  if (!names.includes(from)) throw withText(err(line.pos(fromAt), `segment line names unknown host "${from}"`, unknownHostHint(from, names)), { key: 'seg.unknownHost', params: { host: from } }, unknownHostHintText(from, names));
  if (!names.includes(to)) throw withText(err(line.pos(toAt), `segment line names unknown host "${to}"`, unknownHostHint(to, names)), { key: 'seg.unknownHost', params: { host: to } }, unknownHostHintText(to, names));
  const rest = tokenize(text.slice(m[0].length), () => fail(line.pos(m[0].length), { key: 'seg.quotes' }, usage))
    .map((t) => ({ ...t, start: t.start + m[0].length }));
  const flagsTok = rest[0];
  if (!flagsTok) throw fail(line.pos(text.length), { key: 'seg.noFlags' }, { key: 'seg.h.flagsAfterHosts', params: { usage } });
  let flags: string;
  try {
    flags = flagString(parseFlagString(flagsTok.text));
  } catch (e) {
    const off = typeof (e as { offset?: unknown }).offset === 'number' ? (e as { offset: number }).offset : 0;
    throw withText(err(line.pos(flagsTok.start + off), `bad flags "${flagsTok.text}": ${(e as Error).message}`, word('en', { key: 'seg.h.flagLetters' })),
      { key: 'seg.badFlags', params: { flags: flagsTok.text } }, { key: 'seg.h.flagLetters' });
  }
  const pat: SegmentPattern & { kind: 'segment' } = { kind: 'segment', from, to, flags, pos: line.pos(lead), text: text.trim() };
  const seen = new Set<string>();
  for (let i = 1; i < rest.length; i += 2) {
    const k = rest[i];
    const v = rest[i + 1];
    if (!SEG_FIELDS.includes(k.text)) {
      // tcpdump's own words for two of them, so typos of those are caught too.
      const alias: Record<string, string> = { length: 'len', window: 'win' };
      const near = nearest(k.text, [...SEG_FIELDS, ...Object.keys(alias)]);
      const n = near === undefined ? undefined : alias[near] ?? near;
      throw fail(line.pos(k.start), { key: 'seg.unknownField', params: { field: k.text } }, n ? { key: 'seg.h.didYouMean', params: { n, usage } } : usage);
    }
    if (seen.has(k.text)) throw fail(line.pos(k.start), { key: 'seg.twice', params: { field: k.text } }, { key: 'seg.h.once' });
    seen.add(k.text);
    if (!v) throw fail(line.pos(text.length), { key: 'seg.needsNumber', params: { field: k.text } }, usage);
    const num = (s: string, at: number): number => {
      if (!/^[0-9]+$/.test(s) || Number(s) > 0xffffffff) throw fail(line.pos(at), { key: 'seg.notNumber', params: { v: s, field: k.text } }, { key: k.text === 'seq' ? 'seg.h.seq' : 'seg.h.whole' });
      return Number(s);
    };
    if (k.text === 'seq') {
      const c = v.text.indexOf(':');
      if (c < 0) {
        pat.seq = num(v.text, v.start);
      } else {
        pat.seq = num(v.text.slice(0, c), v.start);
        pat.seqEnd = num(v.text.slice(c + 1), v.start + c + 1);
        if (pat.seqEnd < pat.seq) throw fail(line.pos(v.start), { key: 'seg.endsBefore', params: { seq: v.text } }, { key: 'seg.h.seqRange' });
      }
    } else {
      (pat as unknown as Record<string, number>)[k.text] = num(v.text, v.start);
    }
  }
  return pat;
}

export function buildExpect(src: Source, raw: z.output<Schemas['expectS']> | undefined, names: readonly string[]): ExpectPlan {
  const out: ExpectPlan = {};
  if (!raw) return out;
  const checkHost = (section: string, host: string) => {
    if (!names.includes(host)) throw src.worded(src.keyAt(['expect', section], host), { key: 'ex.unknownHost', params: { section, host } }, unknownHostHintText(host, names));
  };
  if (raw.states) {
    out.states = {};
    for (const [host, v] of Object.entries(raw.states)) {
      checkHost('states', host);
      const node = src.nodeAt(['expect', 'states', host]).node;
      const words: { text: string; pos: Pos }[] = [];
      const collect = (line: Line) => {
        for (const m of line.text.matchAll(/[^\s,]+/g)) words.push({ text: m[0], pos: line.pos(m.index!) });
      };
      if (typeof v === 'string') {
        linesOf(src, node, v).forEach(collect);
      } else {
        v.forEach((s, i) => {
          const n = src.nodeAt(['expect', 'states', host, i]).node;
          linesOf(src, n, s).forEach(collect);
        });
      }
      if (words.length === 0) throw src.worded(src.nodePos(node), { key: 'ex.statesEmpty', params: { host } }, { key: 'ex.h.statesEmpty' });
      const states = words.map((w) => parseState(w.text, (m, h) => src.error(w.pos, m, h)));
      out.states[host] = { states, pos: src.keyAt(['expect', 'states'], host) };
    }
  }
  if (raw.segments !== undefined) {
    const lines: Line[] = [];
    if (typeof raw.segments === 'string') {
      lines.push(...linesOf(src, src.nodeAt(['expect', 'segments']).node, raw.segments));
    } else {
      raw.segments.forEach((s, i) => lines.push(...linesOf(src, src.nodeAt(['expect', 'segments', i]).node, s)));
    }
    const pats: SegmentPattern[] = [];
    for (const line of lines) {
      const p = parseSegmentLine(line, names, (pos, m, h) => src.error(pos, m, h));
      if (p) pats.push(p);
    }
    out.segments = { lines: pats, pos: src.keyAt(['expect'], 'segments') };
  }
  if (raw.delivered) {
    out.delivered = {};
    for (const [host, v] of Object.entries(raw.delivered)) {
      checkHost('delivered', host);
      const pos = src.keyAt(['expect', 'delivered'], host);
      // A number is a byte count, text is the exact text (write "2000" in quotes for the text 2000).
      out.delivered[host] = typeof v === 'number' ? { bytes: v, pos } : { text: v, pos };
    }
  }
  if (raw.errors) {
    out.errors = {};
    for (const [host, code] of Object.entries(raw.errors)) {
      checkHost('errors', host);
      if (!(ERROR_CODES as readonly string[]).includes(code)) {
        throw src.worded(src.at(['expect', 'errors', host]), { key: 'sc.notErrorCode', params: { code } }, suggestText(code, ERROR_CODES, 'sc.codeList'));
      }
      out.errors[host] = { code, pos: src.keyAt(['expect', 'errors'], host) };
    }
  }
  return out;
}
