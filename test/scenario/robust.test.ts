import test from 'ava';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { loadScenario } from '../../lib/scenario/load.ts';
import { ScenarioError } from '../../lib/scenario/errors.ts';
import { runScenario } from '../../lib/scenario/runner.ts';

const FILE = 'fixtures/scenarios/handshake.yaml';
const handshake = readFileSync(new URL(`../../${FILE}`, import.meta.url), 'utf8');

/** Either a plan or a ScenarioError with a sane position: never any other exception (a stack trace to the user). */
function loadsOrExplains(text: string): boolean {
  try {
    loadScenario(text, 'f.yaml');
    return true;
  } catch (e) {
    if (!(e instanceof ScenarioError)) throw e;
    const lines = text.split('\n').length;
    return e.line >= 1 && e.line <= lines + 1 && e.col >= 1 && e.message.length > 0;
  }
}

test('mutated scenario files load or fail with a ScenarioError, never anything else', (t) => {
  fc.assert(
    fc.property(fc.nat(handshake.length), fc.nat(handshake.length), fc.string({ maxLength: 12 }), (a, b, insert) => {
      const [from, to] = a <= b ? [a, b] : [b, a];
      // Cut a short piece out and put random text in its place.
      const text = handshake.slice(0, from) + insert + handshake.slice(Math.min(to, from + 20));
      return loadsOrExplains(text);
    }),
    { numRuns: 400, seed: 1 },
  );
  t.pass();
});

test('random text loads or fails with a ScenarioError', (t) => {
  fc.assert(fc.property(fc.string({ maxLength: 200 }), (s) => loadsOrExplains(s)), { numRuns: 300, seed: 2 });
  fc.assert(fc.property(fc.string({ maxLength: 200 }), (s) => loadsOrExplains(`name: t\nhosts: { client: {}, server: {} }\nsteps:\n  - { at: 0, client: ${s} }\n`)), { numRuns: 300, seed: 3 });
  fc.assert(fc.property(fc.string({ maxLength: 80 }), (s) => loadsOrExplains(`name: t\nhosts: { client: {}, server: {} }\nexpect:\n  segments: |\n    ${s}\n`)), { numRuns: 300, seed: 4 });
  t.pass();
});

test('the handshake fixture runs and every expectation holds', (t) => {
  const r = runScenario(loadScenario(handshake, FILE));
  for (const e of r.expectations) t.true(e.ok, `${e.what}: ${e.detail}`);
  t.deepEqual(r.expectations.map((e) => e.what), ['states client', 'states server', 'segments']);
});
