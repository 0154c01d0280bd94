/**
 * The report's section for a shared bottleneck (lib/link/bottleneck.ts): each direction's queue over
 * time, its drops, and each flow's goodput with Jain's fairness index. Drawn from the trace alone
 * (its `queue` events), so a recorded trace draws as the live run did.
 */
import type { TraceEvent } from '../trace/events.ts';
import { flowGoodputs, formatRate, jainIndex } from '../link/bottleneck.ts';
import { renderLineChart, type ChartSpec, type Domain } from './charts.ts';
import { esc } from './svg.ts';

export function bottleneckSection(events: readonly TraceEvent[], view: Domain, tEnd: number): { html: string; specs: ChartSpec[] } {
  const byLink = new Map<string, number[]>();
  for (const e of events) {
    if (e.type !== 'queue') continue;
    let d = byLink.get(e.link);
    if (!d) byLink.set(e.link, (d = []));
    d.push(e.t, e.bytes);
  }
  if (byLink.size === 0) return { html: '', specs: [] };
  const drops = new Map<string, number>();
  for (const e of events) if (e.type === 'segment' && e.event === 'drop' && (e.reason === 'queue' || e.reason === 'red')) drops.set(e.reason, (drops.get(e.reason) ?? 0) + 1);
  const chart = renderLineChart('queue', 'Bytes in each direction\'s bottleneck queue, as packets reached the router',
    [...byLink.entries()].map(([link, data], i) => ({ name: `${link} queue`, cls: `s${i}`, data })), 'bytes', view, tEnd);
  const flows = flowGoodputs(events);
  const rows = flows.map((f) => `<tr><td>${esc(f.flow)}</td><td class="num">${f.bytes} B</td><td class="num">${esc((f.startMs / 1000).toFixed(3))} s – ${esc((f.endMs / 1000).toFixed(3))} s</td><td class="num">${esc(formatRate(f.goodput))}</td></tr>`).join('');
  const dropText = drops.size === 0 ? 'no packet was dropped at the bottleneck' : [...drops.entries()].map(([r, n]) => `${n} dropped (${esc(r)})`).join(', ');
  const html = `<section id="bottleneck" aria-labelledby="h-bottleneck"><h2 id="h-bottleneck">Shared bottleneck</h2>
<figure><figcaption><strong>Queue</strong> at each router: ${dropText}</figcaption><div class="legend">${chart.legend}</div>${chart.svg}</figure>
<table aria-label="Flows"><thead><tr><th scope="col">Flow</th><th scope="col">Read</th><th scope="col">From first segment to last read</th><th scope="col">Goodput</th></tr></thead><tbody>${rows}</tbody></table>
<p>Jain's fairness index over ${flows.length} flows: <strong>${jainIndex(flows.map((f) => f.goodput)).toFixed(3)}</strong> (1 when every flow has the same goodput, 1/n when one has it all).</p></section>`;
  return { html, specs: [chart.spec] };
}
