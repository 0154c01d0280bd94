/**
 * The `expect:` section checked against a finished run's trace. Pure functions: events in, results
 * out, so that a replayed trace is judged exactly as the live run was.
 */
import type { SegmentEvent, StateEvent, TcpStateName, TimedEvent } from '../trace/events.ts';
import type { ExpectPlan, Pos, SegmentPattern } from './plan.ts';
import { word, type MessageKey, type Msg, type Params } from '../i18n/index.ts';

/**
 * One expectation checked. `id` names the expectation whatever the language (`states:client`,
 * `delivered:server`, `segments`, a step's `line:col`): tcpemu real pairs the model's result and the
 * kernel's by it. `text` and `detailText` are the words as catalogue messages (issue 26), `what` and
 * `detail` the same in English.
 */
export type ExpectResult = { id: string; what: string; ok: boolean; detail: string; pos?: Pos; text?: Msg; detailText?: readonly Msg[] };

/** A catalogue message (a shorthand for the checks' many lines). */
export const say = (key: MessageKey, params?: Params): Msg => (params === undefined ? { key } : { key, params });

/** A result from its words: `what` and `detail` are their English (one line of detail per message). */
export function expectResult(id: string, text: Msg, ok: boolean, lines: readonly Msg[], pos?: Pos): ExpectResult {
  const r: ExpectResult = { id, what: word('en', text), ok, detail: lines.map((l) => word('en', l)).join('\n'), text, detailText: lines };
  return pos === undefined ? r : { ...r, pos };
}

// ---------------------------------------------------------------------------------------------
// States

/**
 * Per host: the history of the host's first connection (the `conn` of its first state event):
 * the first event's `from`, then every `to`. It must equal the expected list exactly.
 */
export function checkStates(expected: ExpectPlan['states'], events: readonly TimedEvent[]): ExpectResult[] {
  const out: ExpectResult[] = [];
  for (const [host, { states, pos }] of Object.entries(expected ?? {})) {
    const mine = events.filter((e): e is StateEvent => e.type === 'state' && e.host === host);
    const actual: TcpStateName[] = [];
    if (mine.length > 0) {
      const conn = mine[0].conn;
      actual.push(mine[0].from);
      for (const e of mine) if (e.conn === conn) actual.push(e.to);
    }
    const ok = actual.length === states.length && actual.every((s, i) => s === states[i]);
    const what = say('expect.what.states', { host });
    if (ok) {
      out.push(expectResult(`states:${host}`, what, ok, [say('expect.d.text', { text: actual.join(' ') })], pos));
      continue;
    }
    let i = 0;
    while (i < actual.length && i < states.length && actual[i] === states[i]) i++;
    const where = i < states.length && i < actual.length
      ? say('expect.d.stateDiffers', { i: i + 1, expected: states[i]!, got: actual[i]! })
      : i < states.length ? say('expect.d.stopped', { state: actual[actual.length - 1] ?? '(none)', expected: states[i]! })
        : say('expect.d.wentOn', { state: actual[i]! });
    out.push(expectResult(`states:${host}`, what, ok, [
      say('expect.d.expectedStates', { states: states.join(' ') }),
      actual.length ? say('expect.d.actualStates', { states: actual.join(' ') }) : say('expect.d.noConnection', { host }),
      where,
    ], pos));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Segments

type HostOf = (addrPort: string) => string | undefined;

function fmtT(ms: number): string {
  return `${+ms.toFixed(3)}ms`;
}

/**
 * A segment in the same notation as expectation lines, every field written:
 * `client > server  P.  seq 1:6 ack 1 win 65535 len 5`. The data range `seq A:B` only when there is
 * data, as tcpdump does (a SYN or FIN alone is `seq N`); `ack` only when the ACK flag is set.
 */
export function formatSegment(ev: SegmentEvent, hostOf: HostOf): string {
  const from = hostOf(ev.src) ?? ev.src;
  const to = hostOf(ev.dst) ?? ev.dst;
  const seq = ev.len > 0 ? `seq ${ev.rseq}:${(ev.rseq + ev.len) >>> 0}` : `seq ${ev.rseq}`;
  const ack = ev.flags.includes('.') ? ` ack ${ev.rack}` : '';
  return `${from} > ${to}  ${ev.flags}  ${seq}${ack} win ${ev.win} len ${ev.len}`;
}

type Seg = SegmentPattern & { kind: 'segment' };

/** Fields of the pattern the segment does not satisfy (empty: it matches), as message keys. Unwritten fields are not checked. */
function mismatches(p: Seg, ev: SegmentEvent, hostOf: HostOf): MessageKey[] {
  const bad: MessageKey[] = [];
  if (hostOf(ev.src) !== p.from) bad.push('expect.field.from');
  if (hostOf(ev.dst) !== p.to) bad.push('expect.field.to');
  if (ev.flags !== p.flags) bad.push('expect.field.flags');
  if (p.seq !== undefined && ev.rseq !== p.seq) bad.push('expect.field.seq');
  if (p.seqEnd !== undefined && p.seq !== undefined && ev.len !== p.seqEnd - p.seq) bad.push('expect.field.seqEnd');
  if (p.ack !== undefined && ev.rack !== p.ack) bad.push('expect.field.ack');
  if (p.win !== undefined && ev.win !== p.win) bad.push('expect.field.win');
  if (p.len !== undefined && ev.len !== p.len) bad.push('expect.field.len');
  return bad;
}

const plural = (n: number, one: MessageKey, many: MessageKey): Msg => say(n === 1 ? one : many);

function patternText(p: SegmentPattern): string {
  return p.kind === 'any' ? '...' : p.text;
}

/**
 * Matches the transmitted segments, in order, against the pattern lines. `...` stands for any number
 * of segments, none included. The search is the classic wildcard match with backtracking to the
 * last `...` (complete for patterns whose only wildcard is `...`, in O(lines * segments) time and
 * O(1) space), so a long trace cannot blow the stack or the memory.
 *
 * On failure the report is about the furthest line reached: of the segments tried against that line,
 * the one differing in the fewest fields (earliest on a tie) is shown beside it.
 */
export function matchSegments(patterns: readonly SegmentPattern[], events: readonly TimedEvent[], hostOfAddr: HostOf): ExpectResult {
  const segs = events.filter((e): e is SegmentEvent => e.type === 'segment' && e.event === 'tx');
  const m = patterns.length;
  const n = segs.length;
  // Furthest failure: line index i, segment index j (n: none left; i === m: a segment with no line left).
  // A real segment that nearly matches says more than "none left", so running out scores worst.
  let best: { i: number; j: number; bad: MessageKey[]; score: number } | undefined;
  const note = (i: number, j: number, bad: MessageKey[]) => {
    const score = i < m && j >= n ? Infinity : bad.length;
    if (!best || i > best.i || (i === best.i && score < best.score)) best = { i, j, bad, score };
  };

  let i = 0;
  let j = 0;
  let star = -1;
  let starJ = 0;
  for (;;) {
    const p = patterns[i];
    if (i < m && p.kind === 'any') {
      star = i;
      starJ = j;
      i++;
      continue;
    }
    if (i < m && j < n) {
      const bad = mismatches(p as Seg, segs[j], hostOfAddr);
      if (bad.length === 0) {
        i++;
        j++;
        continue;
      }
      note(i, j, bad);
    } else if (i === m && j === n) {
      return expectResult('segments', say('expect.what.segments'), true, [say('expect.d.matched', {
        n, segments: plural(n, 'expect.w.segment', 'expect.w.segments'), m, lines: plural(m, 'expect.w.line', 'expect.w.lines'),
      })]);
    } else {
      note(i, j, []);
    }
    // Let the last `...` swallow one more segment and try again from the line after it.
    if (star >= 0 && starJ < n) {
      starJ++;
      j = starJ;
      i = star + 1;
      continue;
    }
    break;
  }

  const f = best!;
  const lines: Msg[] = [];
  const remaining = patterns.slice(f.i + 1).filter((p) => p.kind === 'segment');
  let pos: Pos | undefined;
  if (f.i >= m) {
    const s = segs[f.j];
    lines.push(say('expect.d.extra', { i: f.j + 1, n }));
    lines.push(say('expect.d.actualAt', { t: fmtT(s.t), segment: formatSegment(s, hostOfAddr) }));
    const more = n - f.j - 1;
    if (more > 0) lines.push(say('expect.d.more', { n: more, segments: plural(more, 'expect.w.segment', 'expect.w.segments') }));
    lines.push(say('expect.d.endWithAny'));
    pos = patterns.length > 0 ? patterns[m - 1].pos : undefined;
  } else {
    const p = patterns[f.i] as Seg;
    pos = p.pos;
    lines.push(say('expect.d.lineNoMatch', { line: p.pos.line }));
    lines.push(say('expect.d.expectedLine', { line: p.pos.line, text: p.text }));
    if (f.j >= n) {
      lines.push(say('expect.d.noneLeft', { n }));
    } else {
      const s = segs[f.j];
      const afterAny = f.i > 0 && patterns[f.i - 1].kind === 'any';
      lines.push(say('expect.d.actualSegment', { t: fmtT(s.t), i: f.j + 1, segment: formatSegment(s, hostOfAddr) }));
      lines.push(say(afterAny ? 'expect.d.differsAfterAny' : 'expect.d.differs', { fields: f.bad.map((k) => say(k)) }));
    }
    if (remaining.length > 0) {
      lines.push(say('expect.d.notReached'));
      for (const r of patterns.slice(f.i + 1)) lines.push(say('expect.d.notReachedLine', { line: r.pos.line, text: patternText(r) }));
    }
  }
  return expectResult('segments', say('expect.what.segments'), false, lines, pos);
}

// ---------------------------------------------------------------------------------------------
// Delivered data and errors

function preview(b: Buffer | string): string {
  const s = typeof b === 'string' ? b : b.toString('utf8');
  return JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}…` : s);
}

/** Where two byte strings first differ (the shorter one's length when one is a prefix of the other); undefined when equal. */
export function firstByteDifference(a: Uint8Array, b: Uint8Array): number | undefined {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? undefined : n;
}

/** What each application read: the exact text, or the byte count. */
/** `bytesByHost`, where given, counts what was read when the bytes themselves were not kept (RunOptions.keepDelivered). */
export function checkDelivered(expected: ExpectPlan['delivered'], deliveredByHost: Record<string, Buffer>, bytesByHost?: Record<string, number>): ExpectResult[] {
  const out: ExpectResult[] = [];
  for (const [host, e] of Object.entries(expected ?? {})) {
    const got = deliveredByHost[host] ?? Buffer.alloc(0);
    if (e.text !== undefined) {
      const want = Buffer.from(e.text, 'utf8');
      const ok = want.equals(got);
      const detail = ok ? [say('expect.d.bytesText', { n: got.length, text: preview(got) })] : [
        say('expect.d.expectedText', { n: want.length, text: preview(e.text) }),
        say('expect.d.actualText', { n: got.length, text: preview(got) }),
        say('expect.d.firstDiff', { at: String(firstByteDifference(want, got)) }),
      ];
      out.push(expectResult(`delivered:${host}`, say('expect.what.delivered', { host }), ok, detail, e.pos));
    } else if (e.bytes !== undefined) {
      const n = bytesByHost?.[host] ?? got.length;
      const ok = n === e.bytes;
      out.push(expectResult(`delivered:${host}`, say('expect.what.delivered', { host }), ok,
        [ok ? say('expect.d.bytes', { n }) : say('expect.d.readCount', { n: e.bytes, host, got: n })], e.pos));
    }
  }
  return out;
}

/** The error each application saw: the expected code must be among them. */
export function checkErrors(expected: ExpectPlan['errors'], errorsByHost: Record<string, string[]>): ExpectResult[] {
  const out: ExpectResult[] = [];
  for (const [host, e] of Object.entries(expected ?? {})) {
    const seen = errorsByHost[host] ?? [];
    const ok = seen.includes(e.code);
    const detail = ok ? say('expect.d.saw', { host, code: e.code })
      : seen.length ? say('expect.d.sawOther', { code: e.code, host, seen: seen.join(', ') }) : say('expect.d.sawNone', { code: e.code, host });
    out.push(expectResult(`error:${host}`, say('expect.what.error', { host }), ok, [detail], e.pos));
  }
  return out;
}
