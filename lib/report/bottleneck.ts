/**
 * The report's section for a shared bottleneck (lib/link/bottleneck.ts): each direction's queue over
 * time, its drops, and each flow's goodput with Jain's fairness index. Drawn from the trace alone
 * (its `queue` events), so a recorded trace draws as the live run did.
 */
import type { TraceEvent } from '../trace/events.ts';
import { flowGoodputs, formatRate, jainIndex } from '../link/bottleneck.ts';
import { renderLineChart, type ChartSpec, type Domain } from './charts.ts';
import { esc } from './svg.ts';
import { msg, type Lang, type MessageKey, type Params } from '../i18n/index.ts';
import { dropWord } from '../trace/views/words.ts';

export function bottleneckSection(events: readonly TraceEvent[], view: Domain, tEnd: number, lang: Lang = 'en'): { html: string; specs: ChartSpec[] } {
  // Every word from the catalogues (issue 26), escaped for the page.
  const m = (key: MessageKey, params?: Params): string => esc(msg(lang, key, params));
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
  const chart = renderLineChart('queue', msg(lang, 'bn.chart'),
    [...byLink.entries()].map(([link, data], i) => ({ name: msg(lang, 'bn.series', { link }), cls: `s${i}`, data })), 'bytes', view, tEnd);
  const flows = flowGoodputs(events);
  const rows = flows.map((f) => `<tr><td>${esc(f.flow)}</td><td class="num">${f.bytes} B</td><td class="num">${m('bn.span', { from: (f.startMs / 1000).toFixed(3), to: (f.endMs / 1000).toFixed(3) })}</td><td class="num">${esc(formatRate(f.goodput))}</td></tr>`).join('');
  const dropText = drops.size === 0 ? m('bn.noDrops') : esc([...drops.entries()].map(([r, n]) => msg(lang, 'bn.dropped', { n, reason: dropWord(r, lang) })).join(msg(lang, 'list.sep')));
  const html = `<section id="bottleneck" aria-labelledby="h-bottleneck"><h2 id="h-bottleneck">${m('bn.title')}</h2>
<figure><figcaption>${msg(lang, 'bn.caption', { queue: `<strong>${m('bn.queue')}</strong>`, drops: dropText })}</figcaption><div class="legend">${chart.legend}</div>${chart.svg}</figure>
<table aria-label="${m('bn.flows')}"><thead><tr><th scope="col">${m('bn.col.flow')}</th><th scope="col">${m('bn.col.read')}</th><th scope="col">${m('bn.col.span')}</th><th scope="col">${m('bn.col.goodput')}</th></tr></thead><tbody>${rows}</tbody></table>
<p>${msg(lang, 'bn.jain', { n: flows.length, index: `<strong>${jainIndex(flows.map((f) => f.goodput)).toFixed(3)}</strong>` })}</p></section>`;
  return { html, specs: [chart.spec] };
}
