import test from 'ava';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadScenario } from '../../../lib/scenario/load.ts';
import { runScenario } from '../../../lib/scenario/runner.ts';
import type { CongestionEvent, TraceEvent } from '../../../lib/trace/events.ts';
import { CUBIC_ALPHA, CUBIC_C } from '../../../lib/tcp/recovery/cubic.ts';

/**
 * The loss-recovery stories of fixtures/scenarios (issue 25): each passes its own expectations, and its trace
 * shows what the story tells (the reasons for each retransmission, the window undone, CUBIC's curve).
 */
const DIR = path.resolve(import.meta.dirname, '../../../fixtures/scenarios');

function run(name: string) {
  const file = path.join(DIR, `${name}.yaml`);
  const r = runScenario(loadScenario(readFileSync(file, 'utf8'), file));
  return r;
}
const retransmissions = (events: readonly TraceEvent[]) =>
  events.flatMap((e) => (e.type === 'segment' && e.event === 'tx' && e.retransmit ? [{ t: e.t, why: e.why, rseq: e.rseq }] : []));
const ccOf = (events: readonly TraceEvent[], host: string) => events.filter((e): e is CongestionEvent => e.type === 'cc' && e.host === host);

test('sack-three-holes: RFC 6675 sends the three holes again in one burst: the fast retransmission, then two holes by the scoreboard', (t) => {
  const r = run('sack-three-holes');
  t.true(r.ok);
  const rtx = retransmissions(r.events);
  t.deepEqual(rtx.map((x) => [x.rseq, x.why]), [[2897, 'dupack'], [5793, 'sack-hole'], [8689, 'sack-hole']]);
  t.is(new Set(rtx.map((x) => x.t)).size, 1, 'all three at the same moment, within one round trip of the first loss signal');
  // The scoreboard in the trace: at the ACK that started recovery, three SACKed ranges and the three holes between,
  // each sent again and in flight.
  const board = ccOf(r.events, 'client').find((e) => e.rtx !== undefined && e.rtx.length === 3)!;
  t.is(board.sacked!.length, 3);
  t.is(board.rtx!.length, 3);
  t.deepEqual(board.lost, []);
});

test('tlp-tail-loss: the probe (RFC 8985 7) then RACK repair the tail; no retransmission timeout fires', (t) => {
  const r = run('tlp-tail-loss');
  t.true(r.ok);
  t.deepEqual(retransmissions(r.events).map((x) => x.why), ['tlp', 'rack']);
  t.false(r.events.some((e) => e.type === 'timer' && e.timer === 'rto' && e.event === 'fire'));
});

test('dsack-undo: the RTO\'s needless retransmission is D-SACKed and the window comes back (RFC 2883, Linux undo)', (t) => {
  const r = run('dsack-undo');
  t.true(r.ok);
  const rtx = retransmissions(r.events);
  t.deepEqual(rtx.map((x) => x.why), ['rto']);
  const cc = ccOf(r.events, 'client');
  const before = cc.filter((e) => e.t < rtx[0]!.t).at(-1)!;
  const collapsed = cc.find((e) => e.t >= rtx[0]!.t)!;
  const after = cc.find((e) => e.t > rtx[0]!.t && e.cwnd > collapsed.cwnd)!;
  t.is(collapsed.cwnd, 1448, 'the timeout takes cwnd to one segment (RFC 5681 3.1)');
  t.true(after.cwnd >= before.cwnd, `undone: cwnd ${after.cwnd} again, was ${before.cwnd}`);
});

test('cubic-window: after a loss the window follows RFC 9438\'s W_cubic: concave up to W_max at K, convex beyond', (t) => {
  const r = run('cubic-window');
  t.true(r.ok);
  const cc = ccOf(r.events, 'client');
  // The longest epoch: from a cc event that sets K (the first ACK of congestion avoidance after a reduction)
  // to the next reduction.
  let lastK = 0;
  const starts = cc.map((e, i) => [e, i] as const).filter(([e]) => {
    const isStart = e.k !== undefined && e.k !== lastK && e.cwnd >= e.ssthresh;
    if (e.k !== undefined) lastK = e.k;
    return isStart;
  });
  const epochs = starts.map(([e, i]) => {
    const end = cc.findIndex((x, j) => j > i && x.ssthresh !== e.ssthresh);
    return { start: e, events: cc.slice(i, end < 0 ? undefined : end) };
  });
  const { start, events } = epochs.sort((a, b) => b.events.at(-1)!.t - b.start.t - (a.events.at(-1)!.t - a.start.t))[0]!;
  const wMax = start.wMax!;
  const k = start.k!;
  const mss = 1448;
  const segsAt = (tMs: number) => events.filter((e) => e.t <= tMs).at(-1)!.cwnd / mss;
  const t0 = start.t;
  t.true(events.at(-1)!.t - t0 > k * 1000 + 500, `the epoch (${((events.at(-1)!.t - t0) / 1000).toFixed(1)} s) runs past K = ${k} s`);
  // RFC 9438 4.2: K = cbrt((W_max - cwnd_epoch) / C), so W_cubic(0) = cwnd_epoch and W_cubic(K) = W_max.
  t.true(Math.abs(wMax - CUBIC_C * k ** 3 - start.cwnd / mss) < 1, 'K as equation 2 gives it');
  // At K the window is W_max, or the Reno-friendly estimate where that has grown past it (RFC 9438 4.3: W_est
  // grows by alpha_cubic a round trip, here at least 100 ms).
  const wEst = start.cwnd / mss + (CUBIC_ALPHA * k * 1000) / 100;
  const atK = segsAt(t0 + k * 1000);
  t.true(atK >= wMax - 2 && atK <= Math.max(wMax, wEst) + 2, `at K: ${atK.toFixed(1)} segments, W_max ${wMax}, W_est at most ${wEst.toFixed(1)}`);
  // Concave, then convex: fast growth after the reduction, a plateau around K, faster again beyond it.
  const growth = (a: number, b: number) => segsAt(t0 + b * 1000) - segsAt(t0 + a * 1000);
  const early = growth(0, k / 3);
  const plateau = growth(k - k / 6, k + k / 6);
  const late = growth(k + k / 6, k + k / 6 + k / 3);
  t.true(early > plateau && late > plateau, `growth per third of K: ${early.toFixed(1)} early, ${plateau.toFixed(1)} around K, ${late.toFixed(1)} after`);
});
