/**
 * Generated scenarios (lib/fuzz/scenarios.ts), a fixed slice: random settings of both ends, link
 * impairments, outages and endings, each run with the connection's invariants checked. Every byte is
 * delivered at most once and in order, every connection finishes, and a run where nothing went wrong
 * delivers everything. `npm run scenarios -- --runs N --seed S` runs as many as wanted.
 */
import test from 'ava';
import { judgeScenario, runGenerated } from '../../lib/fuzz/scenarios.ts';

test('400 generated scenarios (seed 23): no invariant broken, every byte once and in order, every connection finished', (t) => {
  const r = runGenerated(400, 23);
  t.is(r.failure, undefined, r.failure ? `${r.failure.problem}\n\n${r.failure.text}` : '');
  t.is(r.runs, 400);
  // Enough of them end cleanly for "everything written was read" to be tested, not just "a prefix".
  t.true(r.clean >= 20, `${r.clean} clean runs`);
  t.log(`${r.runs} scenarios, ${r.clean} clean, ${r.segments} segments`);
});

test('the judge fails a run whose connections have not finished: stopped by until: in TIME-WAIT', (t) => {
  const text = `name: cut
seed: 1
until: 100ms
tcp: { msl: 1s }
hosts: { client: {}, server: {} }
link: { delay: 5ms }
steps:
  - { at: 0ms, server: listen 80 }
  - { at: 10ms, client: connect server:80 }
  - { at: 50ms, client: close }
  - { at: 50ms, server: close }
`;
  const v = judgeScenario(text);
  t.false(v.ok);
  t.regex(v.problem ?? '', /ended in TIME-WAIT.*never finished/);
  t.true(judgeScenario(text.replace('until: 100ms', 'until: 10s')).ok, 'with time for 2 MSL it passes');
});
