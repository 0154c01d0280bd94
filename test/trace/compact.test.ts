/**
 * The compact in-memory trace (issue 29): events stored as shapes and typed-array slots come back exactly as
 * they went in (the same keys in the same order, the same values), and a segment costs a fraction of its object.
 */
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { CompactTrace } from '../../lib/trace/compact.ts';
import { loadScenario } from '../../lib/scenario/load.ts';
import { runScenario } from '../../lib/scenario/runner.ts';
import type { TimedEvent } from '../../lib/trace/events.ts';

const FIXTURES = new URL('../../fixtures/scenarios/', import.meta.url);

/** Every event of a run, as the recorder made them (streamed, so never stored compactly on the way). */
function eventsOf(file: string): TimedEvent[] {
  const text = readFileSync(new URL(file, FIXTURES), 'utf8');
  const out: TimedEvent[] = [];
  runScenario(loadScenario(text, file), { record: 'counts', onEvent: (ev) => ev.type !== 'meta' && out.push(ev) });
  return out;
}

test('every event of every fixture scenario comes back from the store with the same keys, in the same order, and the same values', (t) => {
  const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.yaml') && !f.startsWith('udp-'));
  t.true(files.length > 20);
  let total = 0;
  for (const file of files) {
    const events = eventsOf(file);
    const store = new CompactTrace();
    for (const ev of events) store.push(ev);
    t.is(store.length, events.length);
    t.is(JSON.stringify(store.toArray()), JSON.stringify(events), file);
    t.deepEqual([...store], events, file);
    for (let i = 0; i < events.length; i += 7) t.deepEqual(Object.keys(store.at(i)), Object.keys(events[i]));
    total += events.length;
  }
  t.true(total > 5000, `${total} events`);
});

test('values that do not fit a 4-byte slot, or would print otherwise, come back as they were', (t) => {
  const seg = (over: Record<string, unknown>) => ({ t: 1.5, type: 'segment', event: 'tx', host: 'a', src: '10.0.0.1:1', dst: '10.0.0.2:80', flags: '.', seq: 1, ack: 2, rseq: 0, rack: 0, win: 3, len: 0, options: [], ...over }) as unknown as TimedEvent;
  const odd: TimedEvent[] = [
    seg({ t: -0, seq: 4294967295, ack: 4294967296, win: -1, len: 0.5, rseq: NaN, rack: Infinity }),
    seg({ options: ['nop', 'nop', 'TS val 007 ecr 1'] }),
    seg({ options: ['TS val 4294967296 ecr 1', 'TS val 4294967295 ecr 0', 'TS val 1 ecr 2 '] }),
    seg({ options: ['\u0001', '\u0002', '\u0003x', 'TS val 5 ecr 6'] }),
    seg({ options: ['\u0001\u0002', '\u0003x', 'TS val 5 ecr 6'] }),
    seg({ options: Array.from({ length: 40 }, (_, i) => (i % 2 ? `TS val ${i} ecr ${i}` : 'nop')) }),
    seg({ retransmit: true, why: 'rto', conn: 'c1' }),
    { conn: 'c1', why: 'rto', t: 2, type: 'segment', event: 'rx', host: 'b', src: 'x', dst: 'y', flags: 'S', seq: 0, ack: 0, rseq: 0, rack: 0, win: 0, len: 0, options: ['mss 1460'] } as unknown as TimedEvent,
    { t: 3, type: 'app', host: 'a', conn: 'c1', event: 'data', bytes: 5 },
    { t: 3, type: 'app', host: 'a', conn: 'c1', event: 'data', bytes: 5.25 },
    { t: 4, type: 'expect', host: 'a', what: 'x', ok: false, detail: 'line\nbreak' },
    { t: 4, type: 'expect', host: 'a', what: 'x', ok: true },
  ];
  const store = new CompactTrace();
  for (const ev of odd) store.push(ev);
  const back = store.toArray();
  t.deepEqual(back, odd);
  t.is(JSON.stringify(back), JSON.stringify(odd));
  t.true(Object.is(back[0].t, -0));
  t.true(Number.isNaN((back[0] as { rseq: number }).rseq));
  t.deepEqual(Object.keys(back[7]), Object.keys(odd[7]), 'the same keys in another order are another shape');
});

test('an event that is not flat is kept as the object it is', (t) => {
  const nested = { t: 1, type: 'cc', host: 'a', conn: 'c1', extra: { deep: [1, 2] } } as unknown as TimedEvent;
  const holes = { t: 1, type: 'app', host: 'a', conn: 'c1', event: 'data', bytes: undefined } as unknown as TimedEvent;
  class Odd { t = 1; type = 'app'; }
  const instance = new Odd() as unknown as TimedEvent;
  const store = new CompactTrace();
  for (const ev of [nested, holes, instance]) store.push(ev);
  t.is(store.at(0), nested);
  t.is(store.at(1), holes);
  t.is(store.at(2), instance);
  t.throws(() => store.at(3), { instanceOf: RangeError });
});

test('a segment with timestamps costs under 120 bytes in the store, tables included, where the object takes several hundred', (t) => {
  const events: TimedEvent[] = [];
  const plan = loadScenario(`name: timestamps
tcp: { profile: linux }
hosts: { client: {}, server: {} }
link: { delay: 5ms, rate: 10mbit, loss: 2% }
steps:
  - { at: 0, server: listen 80 }
  - { at: 0, client: connect server:80 }
  - { at: 10ms, client: send 300000 }
`, 'timestamps.yaml');
  runScenario(plan, { record: 'counts', onEvent: (ev) => ev.type !== 'meta' && events.push(ev) });
  const segs = events.filter((e) => e.type === 'segment' && e.options.some((o) => o.startsWith('TS val')));
  t.true(segs.length > 200, `${segs.length} segments`);
  const store = new CompactTrace();
  for (const ev of segs) store.push(ev);
  const perEvent = store.bytes / segs.length;
  // t in 8 bytes, 14 fields and the two timestamps in 4 each, 10 bytes of index: 78; the rest is the
  // tables, mostly the SACK lists, each a template of its own (their block edges are not taken out).
  t.true(perEvent < 120, `${perEvent.toFixed(1)} bytes a segment`);
  t.deepEqual(store.toArray(), segs);
});

test('a run keeps its trace compactly and RunResult.events gives every event, as made, in order, the same array each time it is read', (t) => {
  const file = 'sack-three-holes.yaml';
  const text = readFileSync(new URL(file, FIXTURES), 'utf8');
  const streamed: unknown[] = [];
  const r = runScenario(loadScenario(text, file), { onEvent: (ev) => streamed.push(ev) });
  t.true(streamed.length > 50);
  t.is(JSON.stringify(r.events), JSON.stringify(streamed));
  t.is(r.events, r.events);
  t.true(r.ok);
});

test('more events than a chunk holds: every one comes back, by index, by iteration and drained; a drained store is empty', (t) => {
  const events: TimedEvent[] = [];
  for (let i = 0; i < 40000; i++) {
    events.push(i % 3 === 0
      ? { t: i / 7, type: 'timer', host: 'a', conn: 'c1', timer: 'rto', event: 'set', at: i + 0.5 }
      : { t: i / 7, type: 'segment', event: 'tx', host: 'a', src: 's', dst: 'd', flags: '.', seq: i * 1000, ack: 5, rseq: i, rack: 1, win: 65535, len: i % 1449, options: ['nop', 'nop', `TS val ${i} ecr ${i - 1 >>> 0}`] });
  }
  events.push({ t: 9, type: 'cc', host: 'a', conn: 'c1', odd: { nested: true } } as unknown as TimedEvent);
  const store = new CompactTrace();
  for (const ev of events) store.push(ev);
  t.is(store.length, events.length);
  for (const i of [0, 16383, 16384, 32767, 32768, 40000]) t.deepEqual(store.at(i), events[i], `event ${i}`);
  t.deepEqual([...store], events);
  // A segment: t in 8 bytes, 15 slots of 4, 10 of index (78); a timer: t and at in 8, 5 slots of 4, 10 of index (46).
  t.true(store.bytes / events.length < 70, `${(store.bytes / events.length).toFixed(1)} bytes an event`);
  const drained = store.drain();
  t.is(JSON.stringify(drained), JSON.stringify(events));
  t.is(store.length, 0);
  t.throws(() => store.at(0), { instanceOf: RangeError });
  store.push(events[1]);
  t.deepEqual(store.toArray(), [events[1]]);
});
