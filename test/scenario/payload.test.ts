/** The bytes of `send N`: a pattern, position-dependent, the same however it is made. */
import test from 'ava';
import { loadScenario } from '../../lib/scenario/load.ts';
import { payloadBytes, runScenario } from '../../lib/scenario/runner.ts';

test('a generated send N carries the same bytes as payloadBytes, at any offset and length, across the pattern', (t) => {
  // The runner's `send N` above 16 KiB hands out views of one shared pattern (issue 29): byte for byte what payloadBytes made.
  const plan = loadScenario(`name: pattern
hosts: { a: {}, b: {} }
steps:
  - { at: 0, b: listen 80 }
  - { at: 0, a: connect b:80 }
  - { at: 1ms, a: send 5 }
  - { at: 1ms, a: send 100001 }
  - { at: 1ms, a: close }
`, 'pattern.yaml');
  const r = runScenario(plan);
  t.true(r.delivered.b.equals(Buffer.concat([payloadBytes(5), payloadBytes(100001, 5)])));
  t.is(r.delivered.b.length, 100006);
});
