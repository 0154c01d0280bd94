/**
 * RunOptions.keepFirst (issue 29): a drawing of a long run holds the run's beginning, whole, and after it only
 * what the checks read; the counts, the verdict and a streamed trace take in every event.
 */
import test from 'ava';
import { loadScenario } from '../../lib/scenario/load.ts';
import { runScenario } from '../../lib/scenario/runner.ts';
import type { TraceEvent } from '../../lib/trace/events.ts';

const BULK = `name: keep-first
tcp: { profile: linux }
hosts: { client: {}, server: {} }
link: { delay: 5ms, rate: 100mbit }
steps:
  - { at: 0, server: listen 80 }
  - { at: 0, client: connect server:80 }
  - { at: 10ms, client: send 200000 }
  - { at: 10ms, client: close }
  - { at: 500ms, server: close }
expect:
  delivered: { server: 200000 }
  states: { client: CLOSED SYN-SENT ESTABLISHED FIN-WAIT-1 FIN-WAIT-2 TIME-WAIT CLOSED }
`;

test('keepFirst keeps the first N events whole, then only state changes and expectations; counts and verdict are those of the whole run', (t) => {
  const plan = () => loadScenario(BULK, 'keep-first.yaml');
  const whole = runScenario(plan(), { record: 'trace', keepDelivered: false });
  const streamed: TraceEvent[] = [];
  const first = runScenario(plan(), { record: 'trace', keepDelivered: false, keepFirst: 100, onEvent: (ev) => streamed.push(ev) });
  t.true(whole.ok);
  t.true(first.ok, 'the states expectation reads state changes past the cut');
  const e = first.elided!;
  t.truthy(e);
  // The meta event and the first 100 events, exactly as the whole run has them.
  t.is(e.kept, 101);
  t.deepEqual(first.events.slice(0, e.kept), whole.events.slice(0, e.kept));
  // After the cut: only state changes (and expectations), every one of the whole run's.
  const after = first.events.slice(e.kept);
  t.true(after.length > 0);
  t.true(after.every((ev) => ev.type === 'state' || ev.type === 'expect'));
  t.deepEqual(after, whole.events.slice(e.kept).filter((ev) => ev.type === 'state' || ev.type === 'expect'));
  // What was let go is counted, from the first event past the cut to the last.
  t.is(e.events, whole.events.length - e.kept - after.length);
  const rest = whole.events.slice(e.kept) as { t: number }[];
  t.is(e.fromMs, rest[0].t);
  t.is(e.toMs, rest[rest.length - 1].t);
  t.deepEqual(first.summary, whole.summary);
  t.deepEqual(first.stats, whole.stats);
  // The stream has every event.
  t.deepEqual(streamed, whole.events);
});

test('keepFirst larger than the run keeps everything and elides nothing', (t) => {
  const whole = runScenario(loadScenario(BULK, 'keep-first.yaml'), { record: 'trace' });
  const r = runScenario(loadScenario(BULK, 'keep-first.yaml'), { record: 'trace', keepFirst: 1e6 });
  t.is(r.elided, undefined);
  t.deepEqual(r.events, whole.events);
});
