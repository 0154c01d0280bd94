/**
 * `tcpemu real --json`: the comparison as one JSON object instead of the side-by-side text, for scripts
 * and CI. The same figures as the text: the verdict, each expectation on each side, the link's counts,
 * the retransmissions (as ranges and as sequence space) and each flow's goodput with Jain's index.
 *
 *   { "file", "scenario", "via": "netns"|"loopback", "verdict": "AGREE"|"DIFFER", "allHold",
 *     "expectations": [{ what, line, col, model: {ok, detail}|null, kernel: {ok, detail}|null, modelOnly }],
 *     "disagreements": [text], "shared": [{ what, found }],
 *     "kernel": { durationMs, segments, linkStats?, notCheckable, notApplied, fallback? }, "model": { segments },
 *     "retransmissions": [{ host, model, kernel, sameRange, segments: { same, onlyModel, onlyKernel }, space: { resent, lost, acksLost, verdict } }],
 *     "packets": [{ host, peer, model, kernel, alike, parting?: { n, model, kernel }, drops: [{ n, model, kernel, modelDropped, kernelDropped }] }],
 *     "flows": [{ flow, model, kernel, ratio }], "fairness": { model, kernel } }
 */
import type { RunResult } from '../scenario/runner.ts';
import type { ExpectResult } from '../scenario/expect.ts';
import type { KernelRunResult } from './kernel.ts';
import type { NetnsRunResult } from './netns-link.ts';
import type { Comparison } from './compare.ts';
import { compareCoverage, compareResends, coverageVerdict } from './retransmits.ts';
import { compareFlows, flowComparisonJson } from './flows.ts';
import { word } from '../i18n/index.ts';
import { comparePacketFates } from './packet-fates.ts';

const side = (r: ExpectResult | undefined) => (r ? { ok: r.ok, detail: r.detail } : null);

export function realJson(k: KernelRunResult, model: RunResult, cmp: Comparison): Record<string, unknown> {
  const plan = k.plan;
  const net = k as Partial<NetnsRunResult>;
  const hosts = plan.hosts.map((h) => h.name);
  const retransmissions = hosts.map((host) => {
    const r = compareResends(host, model.events, k.segments);
    const c = compareCoverage(host, model.events, k.events);
    // Segment by segment (issue 31): the ranges resent on both, and on one side only.
    const ranges = (rs: readonly { conn: number; start: number; end: number }[]) => rs.map((x) => `${x.conn > 1 ? `#${x.conn} ` : ''}${x.start}:${x.end}`);
    const segments = { same: ranges(r.same.map((p) => p.model)), onlyModel: ranges(r.onlyModel), onlyKernel: ranges(r.onlyKernel) };
    return { host, model: r.model.length, kernel: r.kernel.length, sameRange: r.same.length, segments, space: { resent: c.resent, lost: c.lost, acksLost: c.acksLost, verdict: coverageVerdict(c) } };
  }).filter((r) => r.model + r.kernel > 0);
  // Each sender's packets in order and the link's drops of them, place by place (lib/real/packet-fates.ts).
  const packets = retransmissions.length ? comparePacketFates(hosts, model.events, k.events).filter((f) => f.drops.length > 0) : [];
  return {
    file: plan.file,
    scenario: plan.name,
    seed: plan.seed,
    via: net.via === 'netns' ? 'netns' : 'loopback',
    verdict: cmp.ok ? 'AGREE' : 'DIFFER',
    allHold: cmp.allHold,
    expectations: cmp.pairs.map((p) => ({
      what: p.what, line: p.pos?.line ?? null, col: p.pos?.col ?? null, model: side(p.model), kernel: side(p.kernel), modelOnly: p.modelOnly ? word('en', p.modelOnly) : null,
    })),
    disagreements: cmp.disagreements.map((d) => `${d.pair.what}: ${d.text}`),
    shared: cmp.shared.map((s) => ({ what: s.pair.what, found: s.found })),
    kernel: {
      durationMs: Math.round(k.durationMs),
      segments: k.segments.length,
      ...(net.linkStats ? { linkStats: net.linkStats } : {}),
      // In English, as they always were: --json's readers get text, not message keys.
      notCheckable: k.notCheckable.map((m) => word('en', m)),
      notApplied: k.notApplied.map((m) => word('en', m)),
      ...(k.fallback ? { fallback: word('en', k.fallback) } : {}),
    },
    model: { segments: model.stats.segments },
    retransmissions,
    packets,
    ...(flowComparisonJson(compareFlows(model.events, k.events)) as object),
  };
}
