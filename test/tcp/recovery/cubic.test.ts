import test from 'ava';
import { CUBIC_ALPHA, Cubic, cubicK, cubicResponseSegments, wCubic } from '../../../lib/tcp/recovery/cubic.ts';
import { HyStartPlusPlus } from '../../../lib/tcp/recovery/hystart.ts';

const MSS = 1000;

/** Run CUBIC's congestion avoidance for `seconds`, one ACK per segment, a window per RTT. */
function avoid(c: Cubic, fromMs: number, seconds: number, rttMs: number): number {
  let now = fromMs;
  while (now < fromMs + seconds * 1000) {
    const segs = Math.floor(c.cwnd / MSS);
    for (let i = 0; i < segs; i++) c.onCongestionAvoidanceAck(MSS, now + (i * rttMs) / segs, rttMs);
    now += rttMs;
  }
  return now;
}

test('RFC 9438 4.2: W_cubic(0) = cwnd_epoch, W_cubic(K) = W_max, K = cbrt((W_max - cwnd_epoch) / C)', (t) => {
  const k = cubicK(100, 70);
  t.is(Math.round(k * 1000) / 1000, 4.217, 'cbrt(30 / 0.4) s');
  t.true(Math.abs(wCubic(0, k, 100) - 70) < 1e-9);
  t.is(wCubic(k, k, 100), 100);
  t.true(wCubic(k + 1, k, 100) > 100, 'convex beyond the plateau');
  t.is(Math.round(CUBIC_ALPHA * 10000) / 10000, 0.5294, 'alpha_cubic = 3 (1 - 0.7) / (1 + 0.7)');
});

test('RFC 9438 4.6 / 4.7: a congestion event keeps W_max and sets ssthresh to 0.7 cwnd; a second one below W_max converges fast', (t) => {
  const c = new Cubic(MSS, 100 * MSS);
  t.is(c.onCongestionEvent(), 70 * MSS);
  t.is(c.wMax, 100);
  c.cwnd = 80 * MSS;
  c.onCongestionEvent();
  t.is(c.wMax, 68, 'W_max = cwnd (1 + beta) / 2 = 80 * 0.85');
  c.cwnd = 2 * MSS;
  t.is(c.onCongestionEvent(), 2 * MSS, 'never below 2 segments');
});

test('RFC 9438 4.4-4.5: after a loss at 100 segments (RTT 100 ms) the window climbs concave to W_max at about K, then convex', (t) => {
  const c = new Cubic(MSS, 100 * MSS);
  c.ssthresh = c.onCongestionEvent();
  c.cwnd = c.ssthresh;
  const k = cubicK(100, 70);
  let now = avoid(c, 0, 2, 100);
  const at2 = c.cwndSegs;
  t.true(at2 > 85 && at2 < 100, `concave: well on the way at 2 s (${at2.toFixed(1)})`);
  now = avoid(c, now, k - 2, 100);
  t.true(Math.abs(c.cwndSegs - 100) < 3, `near W_max at K = ${k.toFixed(2)} s (${c.cwndSegs.toFixed(1)})`);
  const atK = c.cwndSegs;
  avoid(c, now, 1, 100);
  const plateau = c.cwndSegs - atK;
  avoid(c, now + 1000, 2, 100);
  t.true(c.cwndSegs - atK > 3 * plateau, 'convex: growth speeds up past the plateau');
});

test('RFC 9438 4.3: on a short path CUBIC grows at least as fast as Reno would (the Reno-friendly region)', (t) => {
  const c = new Cubic(MSS, 20 * MSS);
  c.ssthresh = c.onCongestionEvent();
  c.cwnd = c.ssthresh;
  avoid(c, 0, 1, 10); // 100 round trips of 10 ms
  const k = c.k;
  t.true(wCubic(1, k, 20) < 20, 'W_cubic alone would still be below W_max');
  t.true(c.cwndSegs > 90, `W_est: ~11 rounds at alpha_cubic to W_max, then one segment a round (${c.cwndSegs.toFixed(1)})`);
});

test('RFC 9438 4.9: a spurious congestion event is undone to the state before it', (t) => {
  const c = new Cubic(MSS, 50 * MSS);
  avoid(c, 0, 1, 100);
  const before = c.snapshot();
  c.ssthresh = c.onCongestionEvent();
  c.cwnd = c.ssthresh;
  c.restore(before);
  t.deepEqual(c.snapshot(), before);
});

test('RFC 9438 5.1 response function: Reno-friendly at 100 ms and 1% loss, CUBIC\'s own on a long fat path', (t) => {
  t.is(Math.round(cubicResponseSegments(0.01, 0.1) * 100) / 100, Math.round(Math.sqrt(3 / 0.02) * 100) / 100, 'sqrt(3 / (2p)) = 12.25 segments');
  const w = cubicResponseSegments(0.0001, 1);
  t.true(Math.abs(w - 1.0538 * 1000) < 1, `(C (3 + beta) / (4 (1 - beta)))^(1/4) * RTT^(3/4) / p^(3/4) = ${w.toFixed(1)}`);
});

test('RFC 9406 4.2: HyStart++ leaves slow start when a round\'s minimum RTT rises by RttThresh, grows at a quarter in CSS, and ends after 5 CSS rounds', (t) => {
  const h = new HyStartPlusPlus();
  // Eight segments in flight: the i-th ACK covers i segments and releases one more, so a round is eight ACKs.
  let i = 0;
  const round = (rtt: number) => {
    let grow = 0;
    let exit = false;
    for (let n = 0; n < 8; n++) {
      i++;
      const r = h.onAck(i * MSS, (i + 8) * MSS, MSS, MSS, rtt);
      grow += r.growBytes;
      exit ||= r.exitSlowStart;
    }
    return { grow, exit };
  };
  t.is(round(100).grow, 8 * MSS, 'slow start: every acknowledged byte');
  t.is(h.phase, 'slow-start');
  round(112); // 112 < 100 + max(4, min(100 / 8, 16)) = 112.5
  t.is(h.phase, 'slow-start');
  const css = round(126); // against the last round's 112: 126 >= 112 + 14
  t.is(h.phase, 'css');
  t.true(css.grow < 8 * MSS);
  const next = round(126);
  t.is(next.grow, 2 * MSS, 'CSS: a quarter of the bytes acknowledged');
  let ended = false;
  for (let i = 0; i < 5 && !ended; i++) ended = round(126).exit;
  t.true(ended, 'CSS_ROUNDS rounds of CSS end slow start');
  t.is(h.phase, 'done');
});

test('RFC 9406 4.2: an RTT that falls below the CSS baseline was a spurious exit: slow start resumes', (t) => {
  const h = new HyStartPlusPlus();
  let i = 0;
  const round = (rtt: number) => {
    for (let n = 0; n < 8; n++, i++) h.onAck((i + 1) * MSS, (i + 9) * MSS, MSS, MSS, rtt);
  };
  round(100);
  round(130);
  t.is(h.phase, 'css');
  round(90);
  t.is(h.phase, 'slow-start');
});
