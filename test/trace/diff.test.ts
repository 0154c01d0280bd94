import test from 'ava';
import type { TraceEvent } from '../../lib/trace/events.ts';
import { firstDifference, formatDifference } from '../../lib/trace/diff.ts';
import { sampleTrace } from './sample.ts';

test('identical traces have no difference', (t) => {
  t.is(firstDifference(sampleTrace(), sampleTrace()), null);
});

test('the meta version is not compared; everything else is', (t) => {
  const a = sampleTrace();
  const b = sampleTrace();
  b[0] = { ...(b[0] as Extract<TraceEvent, { type: 'meta' }>), version: '9.9.9' };
  t.is(firstDifference(a, b), null);
  b[0] = { ...(b[0] as Extract<TraceEvent, { type: 'meta' }>), seed: 2 };
  const d = firstDifference(a, b)!;
  t.deepEqual([d.index, d.line, d.fields], [0, 1, ['seed']]);
});

test('the first differing event, its line and fields', (t) => {
  const a = sampleTrace();
  const b = sampleTrace();
  const i = b.findIndex((e) => e.type === 'segment' && e.flags === 'P.');
  b[i] = { ...(b[i] as Extract<TraceEvent, { type: 'segment' }>), win: 1024, t: 101 };
  const later = b.findIndex((e, k) => k > i && e.type === 'state');
  b[later] = { ...(b[later] as Extract<TraceEvent, { type: 'state' }>), cause: 'other' };
  const d = firstDifference(a, b)!;
  t.is(d.index, i);
  t.is(d.line, i + 1);
  t.deepEqual(d.fields, ['t', 'win']);
  t.is(d.expected, a[i]);
  t.is(d.actual, b[i]);
  const text = formatDifference(d, 'rec.jsonl');
  t.is(text.split('\n')[0], `rec.jsonl:${i + 1}: first difference in t, win`);
  t.regex(text, /recorded: \{"t":100,/);
  t.regex(text, /now: {6}\{"t":101,/);
});

test('one trace ending early differs at the line after its last', (t) => {
  const a = sampleTrace();
  const short = a.slice(0, 10);
  const d = firstDifference(a, short)!;
  t.deepEqual([d.index, d.line], [10, 11]);
  t.is(d.expected, a[10]);
  t.is(d.actual, undefined);
  t.regex(formatDifference(d), /now: +\(nothing: the run ended here\)/);
  const e = firstDifference(short, a)!;
  t.is(e.expected, undefined);
  t.is(e.actual, a[10]);
});

test('a field present on one side only counts as a difference', (t) => {
  const a = sampleTrace();
  const b = sampleTrace();
  const i = b.findIndex((e) => e.type === 'segment');
  b[i] = { ...(b[i] as Extract<TraceEvent, { type: 'segment' }>), retransmit: true };
  t.deepEqual(firstDifference(a, b)!.fields, ['retransmit']);
});
