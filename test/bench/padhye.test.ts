import test from 'ava';
import { padhyeGoodput, predictedGoodput } from '../../lib/bench/mathis.ts';

// Padhye, Firoiu, Towsley, Kurose (1998), eq. 30 with b = 1, 100 ms RTT, MSS 1460, by hand:
// p = 5%, T0 = 340 ms: 0.1 sqrt(0.1/3) = 0.018257; 3 sqrt(0.15/8) = 0.41079; 0.05 (1 + 32 * 0.0025) = 0.054;
// 0.34 * 0.41079 * 0.054 = 0.0075421; 1460 / 0.0257993 = 56 590 bytes/s.
test('Padhye et al.\'s formula: the round-trip term plus the timeout term, in bytes per second', (t) => {
  t.is(Math.round(padhyeGoodput(0.05, 340)), 56_590);
  // With no timeout cost (T0 = 0) it is Mathis's with C = sqrt(3/2).
  t.is(Math.round(padhyeGoodput(0.01, 0)), Math.round(predictedGoodput('mathis', 0.01)));
  // At 0.1% the timeout term is small: within 2% of Mathis's.
  t.true(padhyeGoodput(0.001, 300) / predictedGoodput('mathis', 0.001) > 0.98);
});
