/**
 * Each flow's goodput and Jain's fairness index, model against kernel (lib/real/flows.ts): read from both
 * traces alike, by the model's own tally (from the receiver's first segment to its application's last read).
 */
import test from 'ava';
import { compareFlows, flowComparisonJson, renderFlowComparison, showsFlows } from '../../lib/real/flows.ts';
import type { TraceEvent } from '../../lib/trace/events.ts';

/** A flow from `from` (10.0.0.N) to `to`: its first segment reaches `to` at t0, and `to`'s application reads `bytes` at t1. */
function flow(from: string, to: string, n: number, conn: string, t0: number, t1: number, bytes: number): TraceEvent[] {
  const src = `10.0.0.${n}:40000`;
  const dst = `10.0.1.${n}:80`;
  const seg = { type: 'segment', flags: 'S', seq: 0, ack: 0, rseq: 0, rack: 0, win: 65535, len: 0, options: [], src, dst } as const;
  return [
    { ...seg, t: t0 - 1, event: 'tx', host: from },
    { ...seg, t: t0, event: 'rx', host: to, conn },
    { t: t1, type: 'app', host: to, conn, event: 'data', bytes },
  ] as TraceEvent[];
}

test('flows pair by sender > receiver; goodput is bytes read over the time from the first segment to the last read; Jain\'s index per side', (t) => {
  // Model: two flows of 1 MB each in 1 s: 8 Mbit/s each, index 1.
  const model = [...flow('c1', 's1', 1, 'c1', 0, 1000, 1e6), ...flow('c2', 's2', 2, 'c1', 0, 1000, 1e6)];
  // Kernel: the first in 1 s, the second in 4 s: 8 and 2 Mbit/s; (8 + 2)^2 / (2 (64 + 4)) = 100 / 136.
  const kernel = [...flow('c1', 's1', 1, 'k1', 10, 1010, 1e6), ...flow('c2', 's2', 2, 'k2', 10, 4010, 1e6)];
  const c = compareFlows(model, kernel);
  t.deepEqual(c.pairs.map((p) => [p.flow, Math.round(p.model!.goodput), Math.round(p.kernel!.goodput), p.ratio]), [
    ['c1 > s1', 8e6, 8e6, 1],
    ['c2 > s2', 8e6, 2e6, 0.25],
  ]);
  t.is(c.jain.model, 1);
  t.is(c.jain.kernel, 100 / 136);
  t.deepEqual(renderFlowComparison(c, true), [
    '',
    'flows (goodput: bytes its application read, from its first segment to the last read)',
    '  flow     model                     kernel                    kernel/model',
    '  c1 > s1   1000000 B      8 Mbit/s   1000000 B      8 Mbit/s  1.00',
    '  c2 > s2   1000000 B      8 Mbit/s   1000000 B      2 Mbit/s  0.25',
    "  Jain's fairness index: model 1.000 over 2 flows, kernel 0.735 over 2 flows (difference 0.265)",
  ]);
  const j = flowComparisonJson(c) as { flows: { flow: string; kernel: { goodput: number } }[]; fairness: { model: number; kernel: number } };
  t.deepEqual(j.fairness, { model: 1, kernel: 0.7353 });
  t.deepEqual(j.flows.map((f) => [f.flow, f.kernel.goodput]), [['c1 > s1', 8e6], ['c2 > s2', 2e6]]);
});

test('a flow on one side only is listed with "(none)" on the other; one flow without a bottleneck shows no section', (t) => {
  const model = [...flow('c1', 's1', 1, 'c1', 0, 1000, 1e6)];
  const kernel = [...flow('c1', 's1', 1, 'k1', 0, 500, 1e6), ...flow('c2', 's2', 2, 'k2', 0, 500, 5e5)];
  const c = compareFlows(model, kernel);
  t.deepEqual(c.pairs.map((p) => [p.flow, p.model !== undefined, p.kernel !== undefined, p.ratio]), [['c1 > s1', true, true, 2], ['c2 > s2', false, true, undefined]]);
  t.regex(renderFlowComparison(c, false).join('\n'), /c2 > s2 {2}\(none\) +500000 B +8 Mbit\/s {2}-/);
  const one = compareFlows(model, model);
  t.false(showsFlows(one, false));
  t.deepEqual(renderFlowComparison(one, false), []);
  t.true(showsFlows(one, true), 'a bottleneck shows even one flow');
  // The two directions of one conversation (a request and its answer) do not compete: no section without a bottleneck.
  const both = compareFlows([...flow('a', 'b', 1, 'c1', 0, 100, 10), ...flow('b', 'a', 2, 'c1', 0, 100, 10)], []);
  t.is(both.pairs.length, 2);
  t.false(showsFlows(both, false));
});
