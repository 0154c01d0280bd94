import test from 'ava';
import fc from 'fast-check';
import { seqAdd, seqDiff, seqGe, seqGt, seqInRange, seqLe, seqLt, seqMax, seqMin } from '../../lib/wire/seq.ts';

// RFC 9293 3.4: "all arithmetic dealing with sequence numbers must be performed modulo 2**32".
const TOP = 0xffffffff;

test('adding past 2^32 - 1 wraps to 0', (t) => {
  t.is(seqAdd(TOP, 1), 0);
  t.is(seqAdd(TOP - 9, 20), 10);
  t.is(seqAdd(5, -10), TOP - 4);
});

test('across the wrap, 2^32 - 1 comes before 0 and 0 after it', (t) => {
  t.true(seqLt(TOP, 0));
  t.true(seqGt(0, TOP));
  t.true(seqLe(TOP, TOP));
  t.true(seqGe(10, TOP - 10));
  t.false(seqLt(10, TOP - 10));
  t.is(seqDiff(10, TOP - 10), 21);
  t.is(seqDiff(TOP - 10, 10), -21);
  t.is(seqMax(TOP, 3), 3);
  t.is(seqMin(TOP, 3), TOP);
});

test('window membership across the wrap: RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND (RFC 9293 3.10.7.4)', (t) => {
  const rcvNxt = TOP - 99;
  const rcvWnd = 200;
  const hi = seqAdd(rcvNxt, rcvWnd);
  t.is(hi, 100);
  t.true(seqInRange(rcvNxt, rcvNxt, hi));
  t.true(seqInRange(TOP, rcvNxt, hi));
  t.true(seqInRange(0, rcvNxt, hi));
  t.true(seqInRange(99, rcvNxt, hi));
  t.false(seqInRange(100, rcvNxt, hi));
  t.false(seqInRange(rcvNxt - 1, rcvNxt, hi));
  t.false(seqInRange(rcvNxt, rcvNxt, rcvNxt), 'an empty window holds nothing');
});

test('for any a and 0 < n < 2^31: a < a+n, and the distance is n', (t) => {
  fc.assert(
    fc.property(fc.nat(TOP), fc.integer({ min: 1, max: 2 ** 31 - 1 }), (a, n) => {
      const b = seqAdd(a, n);
      return seqLt(a, b) && seqGt(b, a) && !seqLt(b, a) && seqDiff(b, a) === n && seqInRange(a, a, b) && !seqInRange(b, a, b);
    }),
    { seed: 42, numRuns: 2000 },
  );
  t.pass();
});
