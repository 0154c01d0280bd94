/**
 * A scenario file's text with its YAML positions: where a value, a key or a character inside a string sits
 * (line and column), the nearest-name hints every error uses, and the tokenizer of the small languages
 * inside strings. Every layer of the loader points its errors at the file through this.
 */
import { isMap, isNode, isPair, isScalar, isSeq, Scalar, type Document, type LineCounter, type Node, type Pair } from 'yaml';
import { TCP_STATES, type TcpStateName } from '../trace/events.ts';
import { ScenarioError } from './errors.ts';
import type { UnitError } from './units.ts';
import { word, type Msg } from '../i18n/index.ts';
import type { Pos } from './plan.ts';

// ---------------------------------------------------------------------------------------------
// Nearest-name hints


/** Levenshtein distance, case-insensitive (a hint should survive `Name` for `name`). */
export function editDistance(a: string, b: string): number {
  a = a.toLowerCase();
  b = b.toLowerCase();
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  let prev2 = prev;
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      // A swap of two neighbours ("nmae") is one typo, not two (optimal string alignment distance).
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) cur[j] = Math.min(cur[j], prev2[j - 2] + 1);
    }
    prev2 = prev;
    prev = cur;
  }
  return prev[b.length];
}

/** The candidate closest to `word`, if it is close enough to be a plausible typo; first wins a tie (deterministic). */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  // Close enough to be a typo, and not a total rewrite of a short word ("c" is no typo of "a").
  return bestD <= Math.max(2, Math.floor(word.length / 3)) && bestD < word.length ? best : undefined;
}

export function suggest(word: string, candidates: readonly string[], what: string): string {
  const n = nearest(word, candidates);
  const list = `${what}: ${candidates.join(', ')}`;
  return n === undefined ? list : `did you mean "${n}"? (${list})`;
}


export function hostList(names: readonly string[]): string {
  return `the hosts are: ${names.join(', ')}`;
}

export function unknownHostHint(word: string, names: readonly string[]): string {
  const n = nearest(word, names);
  return n === undefined ? hostList(names) : `did you mean "${n}"? (${hostList(names)})`;
}

/** A word as one of RFC 9293's state names, or the error `err` makes, with the nearest name as a hint. */
export function parseState(word: string, err: (m: string, h?: string) => ScenarioError): TcpStateName {
  if ((TCP_STATES as readonly string[]).includes(word)) return word as TcpStateName;
  const n = nearest(word, TCP_STATES);
  const names: Msg = { key: 'sc.stateNames', params: { names: TCP_STATES.join(' ') } };
  const e = err(`"${word}" is not a TCP state`, n ? `did you mean ${n}? (RFC 9293's names: ${TCP_STATES.join(' ')})` : `RFC 9293's names: ${TCP_STATES.join(' ')}`);
  e.text = { key: 'sc.notState', params: { word } };
  e.hintText = n ? { key: 'sc.didYouMeanState', params: { n, names } } : names;
  throw e;
}

// The same words as catalogue messages (issue 26), for the errors that are worded in any language.

/** `suggest`'s hint as a Msg: `list` is the kind of list (known keys, one of). */
export function suggestText(word: string, candidates: readonly string[], list: 'sc.knownKeys' | 'sc.oneOf' | 'sc.codeList'): Msg {
  const n = nearest(word, candidates);
  const all: Msg = { key: list, params: { list: candidates.join(', ') } };
  return n === undefined ? all : { key: 'sc.didYouMean', params: { n, list: all } };
}

/** `unknownHostHint` as a Msg. */
export function unknownHostHintText(word: string, names: readonly string[]): Msg {
  const n = nearest(word, names);
  const all: Msg = { key: 'sc.hostList', params: { names: names.join(', ') } };
  return n === undefined ? all : { key: 'sc.didYouMean', params: { n, list: all } };
}

/** `label` as a Msg parameter: the path as written, or "the file". */
export function labelText(path: readonly PathSeg[]): Msg | string {
  return path.length === 0 ? { key: 'sc.theFile' } : label(path);
}

/** `describe` as a Msg. */
export function describeText(v: unknown): Msg {
  if (v === null) return { key: 'sc.v.empty' };
  if (Array.isArray(v)) return { key: 'sc.v.list' };
  if (typeof v === 'object') return { key: 'sc.v.mapping' };
  if (typeof v === 'string') return { key: 'sc.v.text', params: { text: JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v) } };
  if (typeof v === 'number') return { key: 'sc.v.number', params: { v: String(v) } };
  return { key: 'sc.v.other', params: { type: typeof v, v: String(v) } };
}

// ---------------------------------------------------------------------------------------------
// Positions


export type PathSeg = string | number;

export class Source {
  readonly lines: string[];
  constructor(readonly file: string, readonly text: string, readonly lc: LineCounter, readonly doc: Document.Parsed | undefined) {
    this.lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  }

  pos(offset: number): Pos {
    const p = this.lc.linePos(Math.max(0, Math.min(offset, this.text.length)));
    return { line: p.line, col: p.col };
  }

  error(at: Pos, message: string, hint?: string): ScenarioError {
    return new ScenarioError(this.file, at.line, at.col, message, hint);
  }

  /** An error from the catalogue (issue 26): worded in English as `error` would, and in any language. */
  worded(at: Pos, text: Msg, hint?: Msg): ScenarioError {
    return ScenarioError.worded(this.file, at.line, at.col, text, hint);
  }

  /** Start of a node (or of the document when there is none). */
  nodePos(node: Node | Pair | null | undefined): Pos {
    if (node && isPair(node)) return this.nodePos(node.key as Node);
    const r = node && (node as Node).range;
    return r ? this.pos(r[0]) : { line: 1, col: 1 };
  }

  /** The node at `path`, or the deepest existing ancestor when the path runs out (a missing key points at its map). */
  nodeAt(path: readonly PathSeg[]): { node: Node | undefined; exact: boolean } {
    let node = this.doc?.contents as Node | undefined;
    for (const seg of path) {
      if (isMap(node)) {
        const pair = findPair(node.items, String(seg));
        if (!pair) return { node, exact: false };
        // `key:` with nothing after it: point at the key.
        node = (pair.value as Node | null) ?? (pair.key as Node);
        if (isScalar(node) && node.range === undefined) node = pair.key as Node;
      } else if (isSeq(node) && typeof seg === 'number' && node.items[seg] !== undefined) {
        node = node.items[seg] as Node;
      } else {
        return { node, exact: false };
      }
    }
    return { node, exact: true };
  }

  /** The key node of `key` in the map at `path`. */
  keyNode(path: readonly PathSeg[], key: string): Node | undefined {
    const { node, exact } = this.nodeAt(path);
    if (!exact || !isMap(node)) return undefined;
    // A key that is itself a map or a list reaches the schema stringified ("[ 6 ]"): point at such a key.
    return (findPair(node.items, key)?.key ?? node.items.find((p) => isNode(p.key) && !isScalar(p.key))?.key) as Node | undefined;
  }

  at(path: readonly PathSeg[]): Pos {
    return this.nodePos(this.nodeAt(path).node);
  }

  keyAt(path: readonly PathSeg[], key: string): Pos {
    return this.nodePos(this.keyNode(path, key) ?? this.nodeAt(path).node);
  }

  /** Position of character `idx` of a string scalar's value (best effort for escapes and folded lines). */
  inScalar(node: Node | undefined, idx: number): Pos {
    if (!node || !isScalar(node) || !node.range) return this.nodePos(node);
    if (node.type === Scalar.BLOCK_LITERAL || node.type === Scalar.BLOCK_FOLDED) {
      // Find the line of the value that holds idx, then map it as linesOf does.
      const lines = linesOf(this, node, String(node.value));
      let start = 0;
      for (const l of lines) {
        if (idx <= start + l.text.length) return l.pos(idx - start);
        start += l.text.length + 1;
      }
      return this.nodePos(node);
    }
    const quoted = node.type === Scalar.QUOTE_DOUBLE || node.type === Scalar.QUOTE_SINGLE;
    return this.pos(node.range[0] + (quoted ? 1 : 0) + idx);
  }
}

function findPair(items: Pair<unknown, unknown>[], key: string): Pair<unknown, unknown> | undefined {
  return items.find((p) => {
    const k = p.key;
    return (isScalar(k) ? String(k.value) : String(k)) === key;
  });
}

export function label(path: readonly PathSeg[]): string {
  let s = '';
  for (const seg of path) s += typeof seg === 'number' ? `[${seg}]` : s === '' ? seg : `.${seg}`;
  return s === '' ? 'the file' : s;
}

export function describe(v: unknown): string {
  if (v === null) return 'empty';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `the text ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  return `${typeof v === 'number' ? 'the number' : typeof v} ${String(v)}`;
}


// ---------------------------------------------------------------------------------------------
// Lines of a string (expect.states, expect.segments)


export interface Line {
  text: string;
  pos: (idx: number) => Pos;
}

/** Lines of a string node, each able to map a column back to the file. */
export function linesOf(src: Source, node: Node | undefined, value: string): Line[] {
  const lines = value.split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  if (node && isScalar(node) && node.range && (node.type === Scalar.BLOCK_LITERAL || node.type === Scalar.BLOCK_FOLDED)) {
    // A literal block keeps its lines 1:1 after the header line; only the indentation is taken off.
    const header = src.pos(node.range[0]).line;
    return lines.map((text, i) => {
      const line = header + 1 + i;
      const srcText = src.lines[line - 1] ?? '';
      const indent = srcText.endsWith(text) ? srcText.length - text.length : (/^ */.exec(srcText)?.[0].length ?? 0);
      return { text, pos: (idx: number) => ({ line, col: indent + idx + 1 }) };
    });
  }
  return lines.map((text, i) => ({
    text,
    pos: (idx: number) => {
      if (i === 0) return src.inScalar(node, idx);
      const first = src.nodePos(node);
      return { line: first.line + i, col: idx + 1 };
    },
  }));
}


// ---------------------------------------------------------------------------------------------
// Tokens of a command string (steps, segment lines)


export interface Token {
  text: string;
  /** The decoded text of a "quoted" token. */
  value?: string;
  quoted: boolean;
  /** Index of the first character in the command string. */
  start: number;
}

export function tokenize(s: string, err: (idx: number, message: string, hint?: string) => ScenarioError): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < s.length) {
    if (/\s/.test(s[i])) {
      i++;
      continue;
    }
    const start = i;
    if (s[i] === '"') {
      i++;
      while (i < s.length && s[i] !== '"') i += s[i] === '\\' ? 2 : 1;
      if (i >= s.length) throw withText(err(start, 'the quoted text is not closed', 'end it with a double quote: send "hello"'), { key: 'sc.unclosed' }, { key: 'sc.h.unclosedDouble' });
      i++;
      const text = s.slice(start, i);
      let value: string;
      try {
        value = JSON.parse(text) as string;
      } catch {
        throw withText(err(start, `${text} is not a valid quoted text`, 'use JSON escapes inside the quotes: \\n \\t \\" \\\\ \\u00e9'), { key: 'sc.badQuoted', params: { text } }, { key: 'sc.h.jsonEscapes' });
      }
      out.push({ text, value, quoted: true, start });
    } else if (s[i] === "'") {
      // 'text' as YAML and the shell write it: taken as it is, no escapes (send 'say "hi"').
      const close = s.indexOf("'", i + 1);
      if (close < 0) throw withText(err(start, 'the quoted text is not closed', "end it with a single quote: send 'hello'"), { key: 'sc.unclosed' }, { key: 'sc.h.unclosedSingle' });
      i = close + 1;
      out.push({ text: s.slice(start, i), value: s.slice(start + 1, close), quoted: true, start });
    } else {
      while (i < s.length && !/\s/.test(s[i])) i++;
      out.push({ text: s.slice(start, i), quoted: false, start });
    }
  }
  return out;
}


/** An error made by a caller's `err` (English), given its catalogue words too. */
export function withText(e: ScenarioError, text: Msg, hint?: Msg): ScenarioError {
  e.text = text;
  if (hint !== undefined) e.hintText = hint;
  return e;
}

/**
 * A caller's `err` (English words) turned into one that takes catalogue words (issue 26): the error
 * gets the English of `text` and `hint` from en.ts, and the keys to word it in any language.
 */
export function wordedErr<P>(err: (p: P, m: string, h?: string) => ScenarioError): (p: P, text: Msg, hint?: Msg) => ScenarioError {
  return (p, text, hint) => withText(err(p, word('en', text), hint && word('en', hint)), text, hint);
}

/**
 * A ScenarioError made from a unit's error (lib/scenario/units.ts) gets the unit's words (issue 26):
 * `what: message` (the message alone without `what`) and its hint, followed by `more` (a usage line).
 */
export function withUnitText(se: ScenarioError, e: UnitError, what?: string | Msg, more?: Msg): ScenarioError {
  if (e.text === undefined) return se;
  const text: Msg = what === undefined ? e.text : { key: 'sc.custom', params: { what, message: e.text } };
  const hint = e.hintText === undefined ? undefined : more === undefined ? e.hintText : { key: 'unit.h.withUsage', params: { hint: e.hintText, usage: more } } as const;
  return withText(se, text, hint);
}
