import test from 'ava';
import { Random } from '../../lib/sim/random.ts';

const draws = (r: Random, n: number) => Array.from({ length: n }, () => r.uint32());

test('the stream is pinned: these numbers must never change (ISNs, ports and impairments depend on them)', (t) => {
  t.deepEqual(draws(new Random(1), 4), [1828152527, 3394835397, 2967886022, 2251045104]);
  t.deepEqual(draws(new Random(0), 2), [4205396811, 3543653536]);
  t.deepEqual(draws(new Random(1).fork('link'), 2), [3533296726, 291067886]);
});

test('same seed, same stream; another seed, another stream; seeds are taken modulo 2^32', (t) => {
  t.deepEqual(draws(new Random(42), 100), draws(new Random(42), 100));
  t.notDeepEqual(draws(new Random(42), 10), draws(new Random(43), 10));
  t.deepEqual(draws(new Random(2 ** 32 + 5), 10), draws(new Random(5), 10));
});

test('fork depends on the seed and the label, not on how far the parent has drawn', (t) => {
  const early = new Random(9).fork('link:client>server');
  const parent = new Random(9);
  draws(parent, 17);
  t.deepEqual(draws(parent.fork('link:client>server'), 20), draws(early, 20));
  t.notDeepEqual(draws(new Random(9).fork('a'), 10), draws(new Random(9).fork('b'), 10));
  t.notDeepEqual(draws(new Random(9).fork('a'), 10), draws(new Random(10).fork('a'), 10));
  t.notDeepEqual(draws(new Random(9).fork('a'), 10), draws(new Random(9), 10));
});

test('next is in [0, 1) and spread evenly (chi-square over 16 bins); int stays in range', (t) => {
  const r = new Random(3);
  const bins = new Array<number>(16).fill(0);
  const N = 160_000;
  let outside = 0;
  for (let i = 0; i < N; i++) {
    const x = r.next();
    if (!(x >= 0 && x < 1)) outside++;
    else bins[Math.floor(x * 16)]++;
  }
  t.is(outside, 0);
  const expected = N / 16;
  const chi2 = bins.reduce((a, o) => a + (o - expected) ** 2 / expected, 0);
  t.true(chi2 < 37.7, `chi-square ${chi2} over 15 degrees of freedom (p = 0.001 bound 37.7)`);
  const seen = new Set<number>();
  let bad = 0;
  for (let i = 0; i < 1000; i++) {
    const k = r.int(7);
    if (!(Number.isInteger(k) && k >= 0 && k < 7)) bad++;
    seen.add(k);
  }
  t.is(bad, 0);
  t.is(seen.size, 7);
  t.is(new Random(1).int(1), 0);
});

test('int refuses a range that is not a whole number from 1 to 2^32', (t) => {
  const r = new Random(1);
  for (const n of [0, -3, 2.5, Number.NaN, 2 ** 32 + 1]) t.throws(() => r.int(n), { instanceOf: RangeError }, `int(${n})`);
});

test('chance: p <= 0 never, p >= 1 always, and every call draws exactly once whatever p is', (t) => {
  const a = new Random(11);
  const b = new Random(11);
  let wrong = 0;
  for (let i = 0; i < 1000; i++) {
    if (a.chance(0)) wrong++;
    if (!b.chance(1)) wrong++;
  }
  t.is(wrong, 0);
  t.is(a.uint32(), b.uint32(), 'both streams advanced by the same number of draws');
  const c = new Random(12);
  let hits = 0;
  for (let i = 0; i < 10_000; i++) if (c.chance(0.25)) hits++;
  t.true(hits > 2370 && hits < 2630, `${hits} of 10,000 at p = 0.25`); // within 3 standard deviations
});
