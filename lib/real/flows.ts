/**
 * Each flow's goodput and Jain's fairness index, model against kernel (issue 31: the dumbbell's flows
 * share one bottleneck; does Linux share it as the model does?). Both sides are read from their traces
 * alike by the model's own tally (flowGoodputs, lib/link/bottleneck.ts): a flow is a connection whose
 * application read data, its goodput the bytes read over the time from the receiver's first segment to
 * its application's last read. On the kernel's side the segments are the link's (the receiver's rx) and
 * the reads are the agents' `data` events, on real time.
 *
 * Flows pair by "sender > receiver", the i-th of a name on one side with the i-th on the other. The
 * comparison is shown, not judged: the kernel's times are real time on a shared machine.
 */
import { flowGoodputs, formatRate, jainIndex, type FlowGoodput } from '../link/bottleneck.ts';
import type { TraceEvent } from '../trace/events.ts';
import { msg, type Lang } from '../i18n/index.ts';

export interface FlowPair {
  flow: string;
  model?: FlowGoodput;
  kernel?: FlowGoodput;
  /** kernel goodput / model goodput, when both have the flow. */
  ratio?: number;
}

export interface FlowComparison {
  pairs: FlowPair[];
  /** Jain's index over each side's flows (1 with none). */
  jain: { model: number; kernel: number };
}

/** Pairs each side's flows by name, in order of first appearance (the model's order first). */
export function compareFlows(model: readonly TraceEvent[], kernel: readonly TraceEvent[]): FlowComparison {
  const m = flowGoodputs(model);
  const k = flowGoodputs(kernel);
  const left = [...k];
  const pairs: FlowPair[] = m.map((f) => {
    const i = left.findIndex((x) => x.flow === f.flow);
    const kf = i < 0 ? undefined : left.splice(i, 1)[0];
    return { flow: f.flow, model: f, kernel: kf, ratio: kf && f.goodput > 0 ? kf.goodput / f.goodput : undefined };
  });
  for (const kf of left) pairs.push({ flow: kf.flow, kernel: kf });
  return { pairs, jain: { model: jainIndex(m.map((f) => f.goodput)), kernel: jainIndex(k.map((f) => f.goodput)) } };
}

/**
 * Whether real's output shows the flows: a shared bottleneck, or flows between more than one pair of
 * hosts (the two directions of one conversation, a request and its answer, are not flows that compete).
 */
export function showsFlows(c: FlowComparison, bottleneck: boolean): boolean {
  if (c.pairs.length === 0) return false;
  const pairsOfHosts = new Set(c.pairs.map((p) => {
    const f = p.model ?? p.kernel!;
    return [f.from, f.to].sort().join(' ');
  }));
  return bottleneck || pairsOfHosts.size > 1;
}

const cell = (f: FlowGoodput | undefined, lang: Lang) => (f ? `${String(f.bytes).padStart(8)} B ${formatRate(f.goodput).padStart(13)}` : msg(lang, 'real.fl.none').padEnd(24));

export function renderFlowComparison(c: FlowComparison, bottleneck: boolean, lang: Lang = 'en'): string[] {
  if (!showsFlows(c, bottleneck)) return [];
  const w = Math.max(4, ...c.pairs.map((p) => p.flow.length));
  const out = ['', msg(lang, 'real.fl.title')];
  out.push(`  ${msg(lang, 'real.fl.flow').padEnd(w)}  ${msg(lang, 'real.t.model').padEnd(24)}  ${msg(lang, 'real.t.kernelSide').padEnd(24)}  ${msg(lang, 'real.fl.ratio')}`);
  for (const p of c.pairs) {
    out.push(`  ${p.flow.padEnd(w)}  ${cell(p.model, lang)}  ${cell(p.kernel, lang)}  ${p.ratio === undefined ? '-' : p.ratio.toFixed(2)}`);
  }
  const nm = c.pairs.filter((p) => p.model).length;
  const nk = c.pairs.filter((p) => p.kernel).length;
  out.push(msg(lang, 'real.fl.jain', { model: c.jain.model.toFixed(3), nm, kernel: c.jain.kernel.toFixed(3), nk, diff: Math.abs(c.jain.model - c.jain.kernel).toFixed(3) }));
  return out;
}

/** For `real --json`: goodputs in bits per second, rounded. */
export function flowComparisonJson(c: FlowComparison): unknown {
  const side = (f: FlowGoodput | undefined) => (f ? { bytes: f.bytes, startMs: round(f.startMs), endMs: round(f.endMs), goodput: Math.round(f.goodput) } : null);
  return {
    flows: c.pairs.map((p) => ({ flow: p.flow, model: side(p.model), kernel: side(p.kernel), ratio: p.ratio === undefined ? null : round(p.ratio, 3) })),
    fairness: { model: round(c.jain.model, 4), kernel: round(c.jain.kernel, 4) },
  };
}

function round(x: number, digits = 1): number {
  const k = 10 ** digits;
  return Math.round(x * k) / k;
}
