/**
 * The fixed-seed slice of `npm run fuzz` (issue 7): for every decoder of outside input, and for the
 * report and replay commands that read what they accept, thousands of random, built and mutated inputs
 * (seeded from the fixtures) are each accepted or rejected with the decoder's own error; nothing else is
 * thrown and no input is slow. The full run is a million inputs, each target in a watched process.
 */
import test from 'ava';
import { fuzzTargets } from '../../lib/fuzz/targets.ts';
import { runTarget } from '../../lib/fuzz/run.ts';
import { loadCorpus } from '../../lib/fuzz/corpus.ts';

const corpus = loadCorpus();
/** Inputs in the suite, shared out as in the full run: 40,000 (about 10 s). */
const SLICE = 40_000;

test('the corpus holds every kind of input, the pcapng copies read back as the same packets', async (t) => {
  t.true(corpus.pcap.length >= 5, 'captures');
  t.true(corpus.packets.length >= 20, 'packets');
  t.true(corpus.traces.length >= 5, 'traces');
  t.true(corpus.scenarios.length >= 15, 'scenarios');
  const { readCapture } = await import('../../lib/wire/pcap.ts');
  for (let i = 0; i < corpus.pcap.length; i++) {
    const a = readCapture(corpus.pcap[i]).packets.map((p) => p.ip.toString('hex'));
    const b = readCapture(corpus.pcapng[i]);
    t.is(b.format, 'pcapng');
    t.deepEqual(b.packets.map((p) => p.ip.toString('hex')), a);
  }
});

for (const target of fuzzTargets(corpus)) {
  test(`fuzz ${target.name}: every input accepted or rejected with its own error, none slow`, (t) => {
    const r = runTarget(target, Math.round(SLICE * target.share), 20261125);
    t.is(r.failure, undefined, r.failure ? `input ${r.failure.input}\n${r.failure.error}` : '');
    t.is(r.accepted + r.rejected, r.inputs);
    // Both outcomes occur: the mutations reach past the first check (else the target tests nothing).
    t.true(r.accepted > 0 && r.rejected > 0, `${r.accepted} accepted, ${r.rejected} rejected`);
    t.true(r.slowestMs < 1000, `slowest input took ${r.slowestMs.toFixed(0)} ms`);
  });
}

test('a decoder that throws the wrong error is caught, with an input that does it (shown as hex)', (t) => {
  const [segment] = fuzzTargets(corpus);
  const broken = { ...segment, run: (b: Buffer | string) => { if ((b as Buffer).length > 3) throw new RangeError('read past the end'); } };
  const r = runTarget(broken, 500, 1);
  t.truthy(r.failure);
  t.regex(r.failure!.error, /RangeError: read past the end/);
  const input = /^hex ([0-9a-f]*)$/.exec(r.failure!.input);
  t.truthy(input, r.failure!.input);
  t.true(input![1].length / 2 > 3, 'the input shown does make the broken decoder throw');
});

/** Spin for `ms` of wall time (a decoder that is slow on some input). */
function spin(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

test('an input that is slow every time it runs is the slowest; a slow spell of the machine is not', (t) => {
  const [segment] = fuzzTargets(corpus);
  const isSeven = (b: Buffer | string) => (b as Buffer).length === 7;
  // Slow on every run of one kind of input.
  const slowDecoder = { ...segment, run: (b: Buffer | string) => { if (isSeven(b)) spin(40); } };
  t.true(runTarget(slowDecoder, 300, 1).slowestMs >= 40);
  // Slow once only, as when the machine stalls under a test (the input is as quick as any when run again).
  let stalls = 1;
  const stalled = { ...segment, run: (b: Buffer | string) => { if (isSeven(b) && stalls-- > 0) spin(40); } };
  t.true(runTarget(stalled, 300, 1).slowestMs < 40);
});
