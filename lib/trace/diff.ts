/**
 * The first divergence between two traces, for `tcpemu replay FILE.jsonl`.
 *
 * Events are compared as their serialized lines, so "equal" means exactly what determinism promises:
 * the same bytes. One exception: the meta event's `version` is left out of the comparison. A trace
 * recorded by an older tcpemu must still replay as identical when the behaviour did not change; a
 * real change of behaviour shows up in the events themselves. (The command line may still mention
 * differing versions when it reports a divergence.)
 */
import { msg, type Lang, type MessageKey, type Params } from '../i18n/index.ts';
import type { TraceEvent } from './events.ts';
import { serializeEvent } from './jsonl.ts';

export interface TraceDifference {
  /** 0-based index into both arrays. */
  index: number;
  /** 1-based line in the trace file (the meta event is line 1). */
  line: number;
  /** Absent when the expected trace ended first. */
  expected?: TraceEvent;
  /** Absent when the actual trace ended first. */
  actual?: TraceEvent;
  /** Fields whose values differ (or that only one side has), in the expected event's key order. */
  fields: string[];
}

function comparable(ev: TraceEvent): string {
  if (ev.type === 'meta') {
    const { version: _ignored, ...rest } = ev;
    return serializeEvent({ ...rest, version: '' });
  }
  return serializeEvent(ev);
}

function differingFields(a: TraceEvent, b: TraceEvent): string[] {
  const ra = a as unknown as Record<string, unknown>;
  const rb = b as unknown as Record<string, unknown>;
  const keys = [...Object.keys(ra), ...Object.keys(rb).filter((k) => !(k in ra))];
  return keys.filter((k) => k !== 'version' && JSON.stringify(ra[k]) !== JSON.stringify(rb[k]));
}

export function firstDifference(expected: readonly TraceEvent[], actual: readonly TraceEvent[]): TraceDifference | null {
  const n = Math.min(expected.length, actual.length);
  for (let i = 0; i < n; i++) {
    const e = expected[i]!;
    const a = actual[i]!;
    if (comparable(e) !== comparable(a)) {
      return { index: i, line: i + 1, expected: e, actual: a, fields: differingFields(e, a) };
    }
  }
  if (expected.length === actual.length) return null;
  const d: TraceDifference = { index: n, line: n + 1, fields: [] };
  if (n < expected.length) d.expected = expected[n];
  if (n < actual.length) d.actual = actual[n];
  return d;
}

/** A few lines for the terminal: where, what was recorded, what the model did now. */
export function formatDifference(d: TraceDifference, file = 'trace', lang: Lang = 'en'): string {
  // In the user's language (issue 26); the events themselves as the trace writes them.
  const m = (key: MessageKey, params?: Params) => msg(lang, key, params);
  const lines = [m('diff.first', { file, line: d.line, fields: d.fields.length > 0 ? { key: 'diff.in', params: { fields: d.fields.join(', ') } } : '' })];
  lines.push(m('diff.recorded', { event: d.expected ? serializeEvent(d.expected) : m('diff.traceEnds') }));
  lines.push(m('diff.now', { event: d.actual ? serializeEvent(d.actual) : m('diff.runEnds') }));
  return lines.join('\n');
}
