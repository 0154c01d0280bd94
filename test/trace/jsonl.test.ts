import test from 'ava';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { SegmentEvent, TraceEvent } from '../../lib/trace/events.ts';
import { readTrace, serializeEvent, serializeTrace, TraceError, TraceWriter } from '../../lib/trace/jsonl.ts';
import { sampleTrace } from './sample.ts';

const META = '{"type":"meta","scenario":"s","seed":1,"version":"0.1.0","source":"name: s\\n"}';
const SEG = '{"t":0,"type":"segment","event":"tx","host":"client","src":"10.0.0.1:40000","dst":"10.0.0.2:80","flags":"S","seq":1000,"ack":0,"rseq":0,"rack":0,"win":65535,"len":0,"options":["mss 1460"]}';

test('a segment is one line with the interface key order and no spaces', (t) => {
  // Keys given in a scrambled order; the line must not depend on it.
  const ev = {
    options: ['mss 1460'], len: 0, win: 65535, rack: 0, rseq: 0, ack: 0, seq: 1000, flags: 'S',
    dst: '10.0.0.2:80', src: '10.0.0.1:40000', host: 'client', event: 'tx', type: 'segment', t: 0,
  } as SegmentEvent;
  t.is(serializeEvent(ev), SEG);
});

test('the meta line starts with type, as docs/trace-format.md writes it', (t) => {
  t.is(serializeEvent({ source: 'name: s\n', version: '0.1.0', seed: 1, scenario: 's', type: 'meta' }), META);
});

test('optional fields in their place when present, absent when undefined', (t) => {
  const ev: SegmentEvent = {
    t: 1.5, type: 'segment', event: 'drop', host: 'client', conn: 'c1', src: 'a:1', dst: 'b:2', flags: 'P.',
    seq: 1, ack: 2, rseq: 1, rack: 1, win: 10, len: 5, options: [], reason: 'loss', retransmit: true, why: undefined,
  };
  t.is(
    serializeEvent(ev),
    '{"t":1.5,"type":"segment","event":"drop","host":"client","conn":"c1","src":"a:1","dst":"b:2","flags":"P.","seq":1,"ack":2,"rseq":1,"rack":1,"win":10,"len":5,"options":[],"reason":"loss","retransmit":true}',
  );
});

test('fields unknown to this version come after the known ones, sorted', (t) => {
  const ev = { t: 0, zeta: 1, type: 'state', host: 'h', conn: 'c1', from: 'CLOSED', to: 'LISTEN', cause: 'app listen', alpha: 'x' } as unknown as TraceEvent;
  t.is(serializeEvent(ev), '{"t":0,"type":"state","host":"h","conn":"c1","from":"CLOSED","to":"LISTEN","cause":"app listen","alpha":"x","zeta":1}');
});

test('NaN is a bug, not a silent null', (t) => {
  const ev = { t: Number.NaN, type: 'expect', host: 'h', what: 'x', ok: true } as TraceEvent;
  t.throws(() => serializeEvent(ev), { instanceOf: RangeError });
});

test('the same events give the same bytes, and reading them back gives the same events', (t) => {
  const a = serializeTrace(sampleTrace({ lossy: true }));
  const b = serializeTrace(sampleTrace({ lossy: true }));
  t.is(a, b);
  const back = readTrace(a, 'x.jsonl');
  t.deepEqual(back, sampleTrace({ lossy: true }));
  t.is(serializeTrace(back), a);
});

/** The TraceError that reading `text` as run.jsonl throws. */
function readError(text: string): TraceError {
  try {
    readTrace(text, 'run.jsonl');
  } catch (e) {
    if (e instanceof TraceError) return e;
    throw e;
  }
  throw new Error('expected a TraceError');
}

test('bad JSON names the line and the column of the offending character', (t) => {
  const e = readError(`${META}\n{"t":0,"type":"state",,}\n`);
  t.is(e.name, 'TraceError');
  t.is(e.file, 'run.jsonl');
  t.is(e.line, 2);
  t.is(e.col, 23);
  t.regex(e.message, /^bad JSON: unexpected "," where a "key"/);
  t.true(e.hint.length > 0);
  t.is(e.format().split('\n')[0], `run.jsonl:2:23: ${e.message}`);
  t.regex(e.format(), /\n {2}hint: /);
});

test('a string left open is reported where it starts', (t) => {
  const e = readError(`${META}\n{"t":0,"type":"sta\n`);
  t.is(e.line, 2);
  t.is(e.col, 15); // the opening quote of "sta
  t.regex(e.message, /string not closed/);
});

test('a type from a newer version is kept as written (docs/trace-format.md: types may be added); a type that is not a string is an error', (t) => {
  const events = readTrace(`${META}\n{"t":5,"type":"packet","zeta":1,"alpha":"x"}\n`, 'x.jsonl');
  t.deepEqual(events[1], { t: 5, type: 'packet', zeta: 1, alpha: 'x' } as never);
  t.is(serializeEvent(events[1]), '{"t":5,"type":"packet","alpha":"x","zeta":1}');
  const e = readError(`${META}\n{"t":0,"type":7}\n`);
  t.deepEqual([e.line, e.col], [2, 8]);
  t.regex(e.hint, /segment, state, app, timer, cc, expect/);
  const noTime = readError(`${META}\n{"type":"packet"}\n`);
  t.regex(noTime.message, /"t"/);
});

test('a missing field points at the closing brace, where it would go', (t) => {
  const line = SEG.replace(',"seq":1000', '');
  const e = readError(`${META}\n${line}\n`);
  t.deepEqual([e.line, e.col], [2, line.length]);
  t.regex(e.message, /segment event is missing field "seq"/);
  t.regex(e.hint, /src, dst, flags, seq, ack/);
});

test('a field of the wrong kind points at its key, even when the source text mentions it', (t) => {
  // The meta source holds `"seed":` inside a string: the column must be the real key's.
  const meta = '{"type":"meta","scenario":"s","source":"\\"seed\\": 1","version":"1","seed":"one"}';
  const e = readError(meta + '\n');
  t.is(e.line, 1);
  t.is(e.col, meta.indexOf(',"seed"') + 2);
  t.regex(e.message, /field "seed" must be a number, found "one"/);
});

test('sequence numbers must fit in 32 bits', (t) => {
  const e = readError(`${META}\n${SEG.replace('"seq":1000', '"seq":4294967296')}\n`);
  t.is(e.col, SEG.indexOf('"seq"') + 1);
  t.regex(e.message, /32-bit/);
});

test('states must be spelled as RFC 9293 does', (t) => {
  const e = readError(`${META}\n{"t":0,"type":"state","host":"h","conn":"c1","from":"CLOSED","to":"ESTAB","cause":"x"}\n`);
  t.regex(e.message, /field "to" must be one of CLOSED, LISTEN/);
});

test('the first line must be meta, and only the first', (t) => {
  const first = readError(`${SEG}\n`);
  t.deepEqual([first.line, first.col], [1, 8]);
  t.regex(first.message, /first line must be the meta event/);
  const again = readError(`${META}\n${META}\n`);
  t.is(again.line, 2);
  t.regex(again.message, /only be the first line/);
});

test('an empty trace, a blank line inside, and a line that is not an object are errors', (t) => {
  t.regex(readError('').message, /empty/);
  t.regex(readError('\n\n').message, /empty/);
  const blank = readError(`${META}\n\n${SEG}\n`);
  t.deepEqual([blank.line, blank.message], [2, 'blank line inside the trace']);
  const arr = readError(`${META}\n[1,2]\n`);
  t.deepEqual([arr.line, arr.col], [2, 1]);
  t.regex(arr.message, /expected a JSON object, found a list/);
});

test('CRLF line ends and trailing blank lines are accepted', (t) => {
  const events = readTrace(`${META}\r\n${SEG}\r\n\r\n`, 'x');
  t.is(events.length, 2);
  t.is(events[1]!.type, 'segment');
});

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'tcpemu-trace-'));
}

test('TraceWriter: the file appears only on close, complete, and equal to the memory copy', (t) => {
  const dir = tmpDir();
  const file = path.join(dir, 'out.jsonl');
  const w = new TraceWriter({ file });
  const events = sampleTrace();
  for (const ev of events) w.write(ev);
  t.false(fs.existsSync(file));
  t.true(fs.existsSync(w.tempFile!));
  t.is(path.dirname(w.tempFile!), dir);
  w.close();
  t.false(fs.existsSync(w.tempFile!));
  t.is(fs.readFileSync(file, 'utf8'), serializeTrace(events));
  t.is(w.text(), serializeTrace(events));
  t.is(w.length, events.length);
  t.deepEqual(w.events(), events);
  t.throws(() => w.write(events[1]!), { message: /after close/ });
  fs.rmSync(dir, { recursive: true });
});

test('TraceWriter: abort leaves the old file as it was and no temporary file', (t) => {
  const dir = tmpDir();
  const file = path.join(dir, 'out.jsonl');
  fs.writeFileSync(file, 'previous\n');
  const w = new TraceWriter({ file });
  // Enough to pass the flush threshold, so bytes really reached the temporary file.
  const events = sampleTrace();
  for (let i = 0; i < 200; i++) for (const ev of i === 0 ? events : events.slice(1)) w.write(ev);
  t.true(fs.statSync(w.tempFile!).size > 0);
  w.abort();
  t.is(fs.readFileSync(file, 'utf8'), 'previous\n');
  t.deepEqual(fs.readdirSync(dir), ['out.jsonl']);
  fs.rmSync(dir, { recursive: true });
});

test('TraceWriter: memory only, and the meta event must come first', (t) => {
  const w = new TraceWriter();
  t.throws(() => w.write(sampleTrace()[1]!), { message: /first trace event must be meta/ });
  const events = sampleTrace();
  w.write(events[0]!);
  t.throws(() => w.write(events[0]!), { message: /meta may only be the first/ });
  w.write(events[1]!);
  w.close();
  t.deepEqual(w.lines(), [serializeEvent(events[0]!), serializeEvent(events[1]!)]);
});
