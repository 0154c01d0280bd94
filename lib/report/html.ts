/**
 * `renderReport`: one self-contained HTML page drawn from trace events alone, so a recorded trace,
 * a replayed capture or a live run all draw the same way. Styles, script and data are inline, and a
 * Content-Security-Policy forbids every fetch, so opening the page never touches the network.
 */
import { randomBytes } from 'node:crypto';
import { rename, unlink, writeFile } from 'node:fs/promises';
import type { TraceEvent } from '../trace/events.ts';
import { CC_SERIES, renderLineChart, renderSeqGraph, type ChartSpec, type Domain } from './charts.ts';
import { CLIENT_SCRIPT } from './client.js.ts';
import { renderLadder } from './ladder.ts';
import {
  activeSpan, advertisedWindows, ccSeries, formatBytes, formatMs, formatRange, pairSegments, seqGraphs, summarize, type Pairing, type Summary,
} from './layout.ts';
import { el, esc, legendSwatch } from './svg.ts';
import { REPORT_CSS } from './style.ts';
import { bottleneckSection } from './bottleneck.ts';
import { ccPhases, phaseLegend, phaseText, renderPhaseBands, seriesTop, PHASE_CSS } from './phases.ts';
import { dropWord, termsTable, whyCounts } from '../trace/views/words.ts';
import { isKey, msg, type Lang, type MessageKey, type Params } from '../i18n/index.ts';
import { renderStepPanel, STEP_CSS, STEP_SCRIPT } from './step.ts';
import { expectationDetail, expectationWhat } from '../i18n/expect-words.ts';
import type { Payloads } from '../trace/payload.ts';

export interface Expectation {
  what: string;
  ok: boolean;
  detail: string;
}

export interface ReportOptions {
  /** Page title; default "tcpemu: <scenario>". */
  title?: string;
  /** The scenario's expectations as checked by the runner (the `--json` shape of docs/command-line.md). */
  expectations?: Expectation[];
  /** More transmissions than this and the ladder is drawn as a band of counts (default 5000). */
  maxLadderSegments?: number;
  /** More data segments in one direction than this and graph bars are merged (default 20000). */
  maxGraphBars?: number;
  /** At most this many time-sequence graphs (default 12); the rest are named, not drawn. */
  maxGraphs?: number;
  /** The page's language (default English, issue 26). */
  lang?: Lang;
  /** The bytes segments carried, for the tooltips' text and hex (lib/trace/payload.ts). */
  payloads?: Payloads;
  /** The scenario's title and description in that language: they head the page. */
  heading?: string;
  description?: string;
  /** A lesson's questions and their answers (lib/learn), shown at the end of the step-through. */
  questions?: { question: string; answer: string }[];
}

const CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

export function renderReport(events: TraceEvent[], opts: ReportOptions = {}): string {
  const lang = opts.lang ?? 'en';
  const m = (key: MessageKey, params?: Params): string => esc(msg(lang, key, params));
  const pairing = pairSegments(events);
  const summary = summarize(events, pairing);
  const domain = timeDomains(events, summary);
  const view: Domain = { t0: domain.fit[0], t1: domain.fit[1] };
  const tEnd = domain.all[1];
  const specs: ChartSpec[] = [];

  const ladder = renderLadder(events, pairing, { maxSegments: opts.maxLadderSegments ?? 5000, payloads: opts.payloads, lang });
  // The step-through (issue 26): for a drawn ladder of a run (a capture has no states to step through).
  const step = ladder.banded || fromCapture(events) ? { html: '', data: null } : renderStepPanel(events, pairing, { lang, payloads: opts.payloads, questions: opts.questions });

  let tsgHtml = '';
  const graphs = seqGraphs(pairing);
  const maxGraphs = opts.maxGraphs ?? 12;
  graphs.slice(0, maxGraphs).forEach((g, i) => {
    const r = renderSeqGraph(g, i, pairing, view, { maxBars: opts.maxGraphBars ?? 20000, tEnd, lang });
    specs.push(r.spec);
    const legend = [
      legendSwatch('swatch-bar', msg(lang, 'report.lg.data')), legendSwatch('swatch-rtx', msg(lang, 'report.lg.rtx')),
      legendSwatch('swatch-lost', msg(lang, 'report.lg.lost')), legendSwatch('ackline', msg(lang, 'report.lg.ack', { host: g.to })),
      legendSwatch('win', msg(lang, 'report.lg.win', { host: g.to })), legendSwatch('sack', msg(lang, 'report.lg.sack')),
    ].join('');
    tsgHtml += `<figure><figcaption><strong>${esc(g.from)} → ${esc(g.to)}</strong> <span class="small">${esc(g.flow)}</span>, `
      + `${m('report.fig.tsg', { n: g.bars.length })}</figcaption><div class="legend">${legend}</div>`
      + (r.note !== null ? `<p class="note dense">${esc(r.note)}</p>` : '') + r.svg + '</figure>';
  });
  if (graphs.length > maxGraphs) {
    tsgHtml += `<p class="note dense">${esc(m('rp.moreGraphs', { n: graphs.length - maxGraphs, list: graphs.slice(maxGraphs).map((g) => g.flow).join(', ') }))}</p>`;
  }
  if (graphs.length === 0) tsgHtml = `<p class="note">${esc(m('rp.noSeq'))}</p>`;

  let ccHtml = '';
  for (const [i, s] of ccSeries(events).entries()) {
    // The window by phase (lib/report/phases.ts): shaded under the lines, listed in words under the legend.
    const phases = ccPhases(events, s.host, s.conn, tEnd);
    const c = renderLineChart(`cc-${i}`, m('ch.cc', { host: s.host, conn: s.conn }),
      CC_SERIES.map((d) => ({ name: m(d.word), cls: d.cls, data: s[d.key] })), 'bytes', view, tEnd, renderPhaseBands(phases, lang, seriesTop(CC_SERIES.map((d) => s[d.key]))));
    const r = renderLineChart(`rto-${i}`, m('ch.rto', { host: s.host, conn: s.conn }),
      [{ name: m('ch.rtoSeries'), cls: 's0', data: s.rto }], 'ms', view, tEnd);
    specs.push(c.spec, r.spec);
    const phaseKeys = phases.length > 0 ? `<div class="legend phases">${phaseLegend(phases, lang)}</div><p class="small phases">${esc(phaseText(phases, lang))}</p>` : '';
    ccHtml += `<figure><figcaption><strong>${esc(s.host)} ${esc(s.conn)}</strong>: ${m('report.fig.windows')}</figcaption><div class="legend">${c.legend}</div>${phaseKeys}${c.svg}</figure>`
      + `<figure><figcaption><strong>${esc(s.host)} ${esc(s.conn)}</strong>: ${m('report.fig.rto')}</figcaption><div class="legend">${r.legend}</div>${r.svg}</figure>`;
  }
  if (ccHtml === '') ccHtml = `<p class="note">${esc(m('rp.noCc', { code: '\u0000' })).replace('\u0000', '<code>cc</code>')}</p>`;
  const adv = [...advertisedWindows(pairing).entries()];
  if (adv.length > 0) {
    const w = renderLineChart('advwin', m('ch.adv'),
      adv.map(([host, data], i) => ({ name: m('ch.advertises', { host }), cls: `s${[0, 3, 2, 1][i % 4]}`, data })), 'bytes', view, tEnd);
    specs.push(w.spec);
    ccHtml += `<figure><figcaption><strong>${m('report.fig.adv')}</strong> (<code>win</code>)</figcaption><div class="legend">${w.legend}</div>${w.svg}</figure>`;
  }

  // A shared bottleneck's queue, drops and flows (lib/report/bottleneck.ts), when the trace has one.
  const bottleneck = bottleneckSection(events, view, tEnd, lang);
  specs.push(...bottleneck.specs);

  const pageTitle = opts.title ?? `tcpemu: ${summary.scenario ?? 'trace'}`;
  // The words the page's script writes (client.js.ts), in the page's language.
  const words = { selected: m('js.selected'), selectedNoSeq: m('js.selectedNoSeq') };
  const data = JSON.stringify({ domain, charts: specs, words, ...(step.data !== null ? { step: step.data } : {}) }).replace(/</g, '\\u003c');
  const capture = fromCapture(events);
  const TERMS = termsTable(lang);
  const sub = [
    capture ? m('rp.capture', { name: String(summary.scenario), noSeed: TERMS.noSeed, noStates: TERMS.noStates }) : summary.scenario !== undefined ? `${TERMS.scenario} ${summary.scenario}` : m('rp.noMeta'),
    summary.seed !== undefined && !capture ? `${TERMS.seed} ${summary.seed}` : '',
    `${summary.segments} ${TERMS.segments}`,
    formatRange(summary.firstMs, summary.lastMs),
  ].filter((x) => x !== '').join(' · ');
  const opening = domain.fitSegments < domain.segments
    ? `<p class="note">${esc(m('rp.opening', { range: formatRange(view.t0, view.t1), fit: domain.fitSegments, n: domain.segments, all: '\u0000', whole: formatRange(domain.all[0], domain.all[1]) })).replace('\u0000', `<strong>${esc(m('rp.all'))}</strong>`)}</p>`
    : '';
  return `<!doctype html>
<html lang="${msg(lang, 'report.lang')}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="generator" content="tcpemu report">
<title>${esc(pageTitle)}</title>
<style>${REPORT_CSS}${STEP_CSS}${PHASE_CSS}</style>
</head>
<body>
<header><h1>${esc(opts.heading ?? pageTitle)}</h1>${opts.heading !== undefined ? `<p>${esc(pageTitle)}</p>` : ''}<p>${esc(sub)}</p>
${opts.description !== undefined ? `<p class="description" aria-label="${m('report.description')}">${esc(opts.description)}</p>` : ''}</header>
<nav class="toolbar" aria-label="${esc(m('aria.toolbar'))}"><div class="inner">
<div class="group" role="group" aria-label="${esc(m('aria.timeAxis'))}"><span>${m('report.tb.charts')}</span>
<button type="button" data-act="pan-left" aria-label="${esc(m('aria.panLeft'))}">◀</button>
<button type="button" data-act="zoom-in" aria-label="${esc(m('aria.zoomIn'))}">+</button>
<button type="button" data-act="zoom-out" aria-label="${esc(m('aria.zoomOut'))}">−</button>
<button type="button" data-act="pan-right" aria-label="${esc(m('aria.panRight'))}">▶</button>
<button type="button" data-act="fit" aria-label="${esc(m('aria.fit'))}">${m('report.tb.fit')}</button>
<button type="button" data-act="all" aria-label="${esc(m('aria.all'))}">${m('report.tb.all')}</button>
<span id="window" aria-live="polite">${esc(formatRange(view.t0, view.t1))}</span></div>
${ladder.banded ? '' : `<div class="group" role="group" aria-label="${esc(m('aria.ladderHeight'))}"><span>${m('report.tb.ladder')}</span>
<button type="button" data-act="taller" aria-label="${esc(m('aria.taller'))}">${m('report.tb.taller')}</button>
<button type="button" data-act="shorter" aria-label="${esc(m('aria.shorter'))}">${m('report.tb.shorter')}</button>
<button type="button" data-act="ladder-reset" aria-label="${esc(m('aria.ladderReset'))}">${m('report.tb.reset')}</button></div>`}
<span class="hint">${m('report.tb.hint')}</span>
<span id="selection" aria-live="polite"></span>
</div></nav>
<main>
<section id="summary" aria-labelledby="h-summary"><h2 id="h-summary">${m('report.summary')}</h2>${summaryHtml(summary, pairing, opts.expectations ?? [], capture, lang)}</section>
<section id="ladder-section" aria-labelledby="h-ladder"><h2 id="h-ladder">${m('report.ladder')}</h2>
${ladder.note !== null ? `<p class="note${ladder.banded ? ' dense' : ''}">${lang === 'en' || ladder.banded ? esc(ladder.note) : m('report.ladderNote')}</p>` : ''}
${step.html !== '' ? `<div class="stepwrap"><div class="scroll">${ladder.svg}</div>${step.html}</div>` : `<div class="scroll">${ladder.svg}</div>`}</section>
<section id="tsg" aria-labelledby="h-tsg"><h2 id="h-tsg">${m('report.h.tsg')}</h2>
${opening}
<p class="note">${m('report.tsgNote')}</p>
${tsgHtml}</section>
<section id="windows" aria-labelledby="h-windows"><h2 id="h-windows">${m('report.h.windows')}</h2>${ccHtml}</section>
${bottleneck.html}</main>
<div id="tooltip" role="tooltip" hidden></div>
<script type="application/json" id="report-data">${data}</script>
<script>${CLIENT_SCRIPT}${step.data !== null ? STEP_SCRIPT : ''}</script>
</body>
</html>
`;
}

/**
 * The whole trace, and the part worth looking at first: the stretch where most segments are sent
 * (layout.ts activeSpan) when it holds at least 80% of them, so three seconds of transfer are not squeezed into the left edge of a
 * two-minute axis by a TIME-WAIT and a last segment. The `all` button shows the rest.
 */
function timeDomains(events: readonly TraceEvent[], summary: Summary): { all: [number, number]; fit: [number, number]; fitSegments: number; segments: number } {
  const sent: number[] = [];
  let lo = Infinity, hi = -Infinity;
  for (const e of events) {
    if (e.type === 'segment' || e.type === 'cc') {
      lo = Math.min(lo, e.t);
      hi = Math.max(hi, e.t);
    }
    if (e.type === 'segment' && e.event === 'tx') sent.push(e.t);
  }
  if (lo > hi) [lo, hi] = [summary.firstMs, summary.lastMs];
  // A little room each side, but no time before the run's start (a run starts at 0: no `-3.6 s`).
  const floor = Math.min(0, summary.firstMs, lo);
  const pad = (a: number, b: number): [number, number] => {
    const p = b > a ? (b - a) * 0.03 : 1;
    return [Math.max(floor, a - p), b + p];
  };
  const all = pad(Math.min(lo, summary.firstMs), Math.max(hi, summary.lastMs));
  // Narrowed only when nearly everything happens there: a trace of a few segments opens whole.
  const span = activeSpan(sent);
  const inSpan = span === null ? 0 : sent.filter((t) => t >= span[0] && t <= span[1]).length;
  const active = span !== null && inSpan >= sent.length * 0.8 ? span : [lo, hi];
  const fitSegments = sent.filter((t) => t >= active[0] && t <= active[1]).length;
  return { all, fit: pad(active[0], active[1]), fitSegments, segments: sent.length };
}

/**
 * Where the trace came from: a scenario run records its scenario's text in the meta line; a
 * capture (lib/trace/from-capture.ts) has a meta line with no source and a seed of 0 that means
 * nothing, and no TCP states, since a capture sees segments only.
 */
function fromCapture(events: readonly TraceEvent[]): boolean {
  const meta = events.find((e) => e.type === 'meta');
  return meta !== undefined && meta.type === 'meta' && meta.source === '' && !events.some((e) => e.type === 'state');
}

function summaryHtml(s: Summary, pairing: Pairing, expectations: Expectation[], capture: boolean, lang: Lang): string {
  const m = (key: MessageKey, params?: Params): string => msg(lang, key, params);
  const row = (k: string, v: string, num = false): string => `<tr><th scope="row">${esc(k)}</th><td${num ? ' class="num"' : ''}>${v}</td></tr>`;
  const drops = [...s.drops.entries()].map(([r, n]) => `${n} ${esc(dropWord(r, lang))}`).join(', ');
  const perHost = [...s.perHost.entries()].map(([h, v]) =>
    esc(m('report.hostSegments', { host: h, n: v.segments, bytes: formatBytes(v.payloadBytes) }) + (v.retransmits > 0 ? m('report.hostRtx', { n: v.retransmits }) : ''))).join('<br>');
  const timers = [...s.timerFires.entries()].map(([k, n]) => `${n} ${esc(isKey(`timer.${k}`) ? m(`timer.${k}` as MessageKey) : k)}`).join(', ');
  const states = [...s.finalStates.entries()].map(([k, st]) => `${esc(k)}: ${esc(st)}`).join('<br>');
  const run = `<table aria-label="${esc(m('aria.run'))}">`
    + (capture ? row(m('report.row.capture'), esc(s.scenario ?? '')) : row(m('report.row.scenario'), esc(s.scenario ?? '(no meta event)')))
    + row(m('report.row.seed'), capture ? esc(m('term.noSeed')) : s.seed !== undefined ? esc(s.seed) : '–')
    + (s.version !== undefined ? row(m('report.row.version'), esc(s.version)) : '')
    + row(m('report.row.duration'), esc(`${formatMs(s.lastMs - s.firstMs)} (${formatRange(s.firstMs, s.lastMs).replace(' – ', m('aria.to'))})`))
    + row(m('report.row.segments'), `${s.segments}${perHost !== '' ? `<br>${perHost}` : ''}`)
    + row(m('report.row.payload'), `${s.payloadBytes} B`)
    + row(m('report.row.rtx'), s.retransmits > 0 ? esc(`${s.retransmits} (${whyCounts(s.retransmitsBy, lang)})`) : '0')
    + row(m('report.row.dropped'), drops !== '' ? `${[...s.drops.values()].reduce((a, b) => a + b, 0)}: ${drops}` : '0')
    + (s.duplicates > 0 ? row(m('report.row.duplicated'), String(s.duplicates)) : '')
    + (pairing.orphans.length > 0 ? row(m('report.row.orphans'), String(pairing.orphans.length)) : '')
    + (timers !== '' ? row(m('report.row.timers'), timers) : '')
    + (s.errors.length > 0 ? row(m('report.row.errors'), s.errors.map((e) => `<span class="fail">⚠ ${esc(e.host)}: ${esc(e.error)}</span> ${esc(m('report.at', { t: formatMs(e.t) }))}`).join('<br>')) : '')
    + row(m('report.row.last'), states !== '' ? states : esc(capture ? m('term.noStates') : m('report.noStateChanges')))
    + '</table>';
  // A run's expectations, when given, are the whole list (they include the timed `expect` steps); a bare
  // trace or capture has only the `expect` events it recorded.
  const all = expectations.length > 0
    ? expectations.map((x) => ({ what: expectationWhat(x, lang), ok: x.ok, detail: expectationDetail(x, lang), at: '' }))
    : s.checks.map((c) => ({ what: `${c.host}: ${expectationWhat(c.what, lang)}`, ok: c.ok, detail: expectationDetail(c.detail ?? '', lang), at: formatMs(c.t) }));
  const verdict = (ok: boolean): string => (ok ? `<span class="pass">${esc(m('report.pass'))}</span>` : `<span class="fail">${esc(m('report.fail'))}</span>`);
  const failed = all.filter((x) => !x.ok).length;
  const exp = all.length === 0
    ? `<p class="note">${esc(m('report.noExpectations'))}</p>`
    : `<p>${failed === 0 ? `<span class="pass">${esc(m('report.allHold', { n: all.length }))}</span>` : `<span class="fail">${esc(m('report.someFailed', { failed, n: all.length }))}</span>`}</p>`
      + `<table aria-label="${esc(m('report.h.expectations'))}"><thead><tr><th scope="col">${esc(m('report.col.expectation'))}</th><th scope="col">${esc(m('report.col.result'))}</th><th scope="col">${esc(m('report.col.detail'))}</th></tr></thead><tbody>`
      + all.map((x) => `<tr><td>${esc(x.what)}${x.at !== '' ? ` <span class="small">${esc(m('report.at', { t: x.at }))}</span>` : ''}</td><td>${verdict(x.ok)}</td><td>${esc(x.detail)}</td></tr>`).join('')
      + '</tbody></table>';
  return el('div', { class: 'summary' }, `<div>${run}</div><div><h3>${esc(m('report.h.expectations'))}</h3>${exp}</div>`);
}

/**
 * Writes the page so that a reader never sees half of it: to a temporary file in the same
 * directory (rename is atomic only within one file system), then renamed over `path`.
 */
export async function writeReport(path: string, html: string): Promise<void> {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, html, 'utf8');
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}
