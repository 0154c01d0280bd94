/**
 * The report's step-through mode (issue 26): previous / next event (buttons and the arrow keys),
 * RFC 9293's state diagram drawn as SVG with each host's current state lit and the transition just
 * taken marked, and the explanation of the current event (lib/trace/views/explain.ts) beside the
 * ladder, whose row for that event is highlighted and scrolled into view. Everything is inline.
 */
import type { TraceEvent, TcpStateName } from '../trace/events.ts';
import { TCP_STATES } from '../trace/events.ts';
import { explain, type ExplainItem } from '../trace/views/explain.ts';
import { msg, type Lang } from '../i18n/index.ts';
import type { Payloads } from '../trace/payload.ts';
import type { Pairing } from './layout.ts';
import { el, esc, num } from './svg.ts';

/** Where each state sits in the diagram (the layout of RFC 9293 figure 5, turned to fit a side panel). */
const NODE: Readonly<Record<TcpStateName, [number, number]>> = {
  'CLOSED': [200, 30],
  'LISTEN': [200, 100],
  'SYN-RECEIVED': [80, 170],
  'SYN-SENT': [320, 170],
  'ESTABLISHED': [200, 240],
  'FIN-WAIT-1': [80, 320],
  'CLOSE-WAIT': [320, 320],
  'FIN-WAIT-2': [80, 400],
  'CLOSING': [200, 400],
  'LAST-ACK': [320, 400],
  'TIME-WAIT': [200, 470],
};
const NODE_W = 104;
const NODE_H = 26;

/** The transitions RFC 9293 figure 5 draws, and the resets and aborts that lead back to CLOSED. */
export const TRANSITIONS: readonly [TcpStateName, TcpStateName][] = [
  ['CLOSED', 'LISTEN'], ['CLOSED', 'SYN-SENT'], ['LISTEN', 'SYN-RECEIVED'], ['LISTEN', 'SYN-SENT'], ['LISTEN', 'CLOSED'],
  ['SYN-SENT', 'SYN-RECEIVED'], ['SYN-SENT', 'ESTABLISHED'], ['SYN-SENT', 'CLOSED'], ['SYN-RECEIVED', 'ESTABLISHED'],
  ['SYN-RECEIVED', 'FIN-WAIT-1'], ['SYN-RECEIVED', 'LISTEN'], ['ESTABLISHED', 'FIN-WAIT-1'], ['ESTABLISHED', 'CLOSE-WAIT'],
  ['FIN-WAIT-1', 'FIN-WAIT-2'], ['FIN-WAIT-1', 'CLOSING'], ['FIN-WAIT-1', 'TIME-WAIT'], ['FIN-WAIT-2', 'TIME-WAIT'],
  ['CLOSING', 'TIME-WAIT'], ['CLOSE-WAIT', 'LAST-ACK'], ['LAST-ACK', 'CLOSED'], ['TIME-WAIT', 'CLOSED'],
];

/** Where the segment from (x0,y0) to (x1,y1) leaves the box around (x0,y0). */
function clip(x0: number, y0: number, x1: number, y1: number): [number, number] {
  const dx = x1 - x0, dy = y1 - y0;
  const k = Math.min(dx === 0 ? Infinity : (NODE_W / 2 + 3) / Math.abs(dx), dy === 0 ? Infinity : (NODE_H / 2 + 3) / Math.abs(dy));
  return [x0 + dx * k, y0 + dy * k];
}

export function stateDiagram(lang: Lang, hosts: readonly string[]): string {
  let edges = '';
  for (const [from, to] of TRANSITIONS) {
    const [ax, ay] = NODE[from];
    const [bx, by] = NODE[to];
    // Two-way pairs (LISTEN/SYN-SENT ...) are drawn apart by a small offset, so both arrows show.
    const back = TRANSITIONS.some(([f, t]) => f === to && t === from);
    const off = back ? (from < to ? 5 : -5) : 0;
    const [x1, y1] = clip(ax + off, ay + off, bx + off, by + off);
    const [x2, y2] = clip(bx + off, by + off, ax + off, ay + off);
    edges += el('line', { class: 'edge', id: `edge-${from}-${to}`, x1: num(x1), y1: num(y1), x2: num(x2), y2: num(y2), 'marker-end': 'url(#st-ah)' });
  }
  let nodes = '';
  for (const s of TCP_STATES) {
    const [x, y] = NODE[s];
    nodes += el('g', { class: 'node', id: `node-${s}`, 'data-state': s, transform: `translate(${x},${y})` },
      el('rect', { x: -NODE_W / 2, y: -NODE_H / 2, width: NODE_W, height: NODE_H, rx: 6 })
      + el('text', { y: 4, 'text-anchor': 'middle' }, esc(s))
      + hosts.slice(0, 2).map((_, i) => el('circle', { class: `dot h${i}`, cx: -NODE_W / 2 + 8 + i * 10, cy: -NODE_H / 2 + 7, r: 4 })).join(''));
  }
  const legend = hosts.slice(0, 2).map((h, i) => el('g', { class: `legend h${i}`, transform: `translate(${12 + i * 200},510)` },
    el('circle', { class: `dot h${i}`, cx: 0, cy: -4, r: 5 }) + el('text', { x: 10, y: 0 }, esc(h)))).join('');
  return el('svg', { id: 'state-diagram', xmlns: 'http://www.w3.org/2000/svg', viewBox: '0 0 400 520', role: 'img', 'aria-label': msg(lang, 'report.step.diagram') },
    el('defs', {}, el('marker', { id: 'st-ah', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 8, markerHeight: 8, markerUnits: 'userSpaceOnUse', orient: 'auto-start-reverse' }, el('path', { d: 'M0,0 L10,5 L0,10 z' })))
    + edges + nodes + legend);
}

/** One step of the page: an explained event, and where it is drawn in the ladder. */
interface Step {
  n: number;
  t: number;
  host: string;
  kind: ExplainItem['kind'];
  text: string[];
  /** The ladder's segment id (`data-seg`), for tx, rx and drop steps. */
  seg?: number;
  /** The event's index in the trace (`data-ev` of state and application marks). */
  ev: number;
  from?: TcpStateName;
  to?: TcpStateName;
}

/** What the page's step script reads (the `step` of the page's one JSON data block). */
export interface StepData {
  steps: Step[];
  hosts: string[];
  start: Record<string, TcpStateName>;
  of: string;
  startText: string;
}

export interface StepOptions {
  lang: Lang;
  payloads?: Payloads;
  questions?: { question: string; answer: string }[];
}

/** The step panel (buttons, diagram, explanation), its data, or '' when the trace has nothing to step through. */
export function renderStepPanel(events: readonly TraceEvent[], pairing: Pairing, opts: StepOptions): { html: string; data: StepData | null } {
  const x = explain(events, { lang: opts.lang, payloads: opts.payloads });
  if (x.items.length === 0) return { html: '', data: null };
  const segOf = new Map<TraceEvent, number>();
  for (const p of pairing.segments) {
    segOf.set(p.tx, p.id);
    if (p.rx !== undefined) segOf.set(p.rx, p.id);
    if (p.drop !== undefined) segOf.set(p.drop, p.id);
  }
  const steps: Step[] = x.items.map((it) => {
    const s: Step = { n: it.n, t: it.t, host: it.host, kind: it.kind, text: it.sentences, ev: it.index };
    const seg = segOf.get(events[it.index]!);
    if (seg !== undefined) s.seg = seg;
    if (it.state !== undefined) {
      s.from = it.state.from;
      s.to = it.state.to;
    }
    return s;
  });
  // The hosts in the order of the ladder's columns; each starts in the `from` of its first change.
  const hosts = pairing.hosts.filter((h) => steps.some((s) => s.host === h));
  for (const s of steps) if (!hosts.includes(s.host)) hosts.push(s.host);
  const start: Record<string, TcpStateName> = {};
  for (const s of steps) if (s.from !== undefined && !(s.host in start)) start[s.host] = s.from;
  const m = (k: Parameters<typeof msg>[1], p?: Parameters<typeof msg>[2]): string => esc(msg(opts.lang, k, p));
  const qa = (opts.questions ?? []).map((q) => `<li><p>${esc(q.question)}</p><details><summary>${m('learn.answers')}</summary><p>${esc(q.answer)}</p></details></li>`).join('');
  const html = `<aside id="step" aria-labelledby="h-step">
<h3 id="h-step">${m('report.step.title')}</h3>
<div class="stepbar"><button type="button" id="step-prev" aria-keyshortcuts="ArrowLeft">${m('report.step.prev')}</button>
<button type="button" id="step-next" aria-keyshortcuts="ArrowRight">${m('report.step.next')}</button>
<span id="step-count" aria-live="polite">${m('report.step.start')}</span></div>
<p class="note">${m('report.step.hint')}</p>
<div id="step-text" aria-live="polite"></div>
<figure><figcaption>${m('report.step.diagram')}</figcaption>${stateDiagram(opts.lang, hosts)}</figure>
${qa !== '' ? `<h3>${m('learn.questions')}</h3><ol class="questions">${qa}</ol>` : ''}
</aside>`;
  const data: StepData = { steps, hosts, start, of: msg(opts.lang, 'report.step.of'), startText: msg(opts.lang, 'report.step.start') };
  return { html, data };
}

/** The font lists: the system's, then the common CJK fonts, so Chinese renders with no download. */
export const CJK_SANS = 'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif';
export const CJK_MONO = 'ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", "Noto Sans Mono CJK SC", "Noto Sans CJK SC", "Microsoft YaHei", monospace';

export const STEP_CSS = `
body { font-family: ${CJK_SANS}; }
#ladder text { font-family: ${CJK_MONO}; }
.stepwrap { display: flex; gap: 14px; align-items: flex-start; }
.stepwrap > .scroll { flex: 1 1 auto; min-width: 0; }
#step { flex: 0 0 340px; position: sticky; top: 48px; max-height: calc(100vh - 56px); overflow: auto; background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 6px 10px; font-size: 13px; }
#step h3 { margin: 4px 0; }
#step .stepbar { display: flex; gap: 6px; align-items: center; flex-wrap: wrap; }
#step button { font: inherit; color: var(--fg); background: var(--bg); border: 1px solid var(--line); border-radius: 4px; padding: 2px 9px; cursor: pointer; }
#step-text { min-height: 4em; }
#step-text p { margin: 4px 0; }
#step-text p.first { font-weight: 600; }
#step figure { margin: 6px 0; }
#state-diagram { width: 100%; height: auto; }
#state-diagram .edge { stroke: var(--line); stroke-width: 1.3; }
#state-diagram .edge.taken { stroke: var(--rtx); stroke-width: 3; }
#state-diagram marker path { fill: var(--muted); }
#state-diagram .node rect { fill: var(--bg); stroke: var(--line); stroke-width: 1.3; }
#state-diagram .node text { font-size: 11px; fill: var(--fg); }
#state-diagram .node.on-h0 rect { stroke: var(--d0); stroke-width: 3; }
#state-diagram .node.on-h1 rect { stroke: var(--d1); stroke-width: 3; }
#state-diagram .node.on-h0.on-h1 rect { stroke: var(--ack); }
#state-diagram .node .dot { display: none; }
#state-diagram .node.on-h0 .dot.h0, #state-diagram .node.on-h1 .dot.h1 { display: inline; }
#state-diagram .dot.h0 { fill: var(--d0); }
#state-diagram .dot.h1 { fill: var(--d1); }
#state-diagram .legend text { font-size: 12px; fill: var(--fg); }
#ladder .current, #ladder .current text { font-weight: 700; }
#ladder .current .arrow { stroke-width: 4; }
#ladder .stepmark { fill: var(--hlbg); }
.questions li p { margin: 2px 0; }
`;

/** The page's step-through script: plain ES2020, no libraries. */
export const STEP_SCRIPT = String.raw`
(function () {
  'use strict';
  var d = JSON.parse(document.getElementById('report-data').textContent).step;
  if (!d) return;
  var steps = d.steps, hosts = d.hosts;
  var at = -1;
  var ladder = document.getElementById('ladder');
  var NS = 'http://www.w3.org/2000/svg';
  var band = null;
  function statesAt(i) {
    var cur = {};
    for (var h in d.start) cur[h] = d.start[h];
    for (var k = 0; k <= i; k++) if (steps[k].to) cur[steps[k].host] = steps[k].to;
    return cur;
  }
  function show(i) {
    at = Math.max(-1, Math.min(steps.length - 1, i));
    var cur = statesAt(at);
    var nodes = document.querySelectorAll('#state-diagram .node');
    for (var k = 0; k < nodes.length; k++) {
      var st = nodes[k].getAttribute('data-state');
      for (var h = 0; h < hosts.length && h < 2; h++) nodes[k].classList.toggle('on-h' + h, cur[hosts[h]] === st);
    }
    var edges = document.querySelectorAll('#state-diagram .edge.taken');
    for (k = 0; k < edges.length; k++) edges[k].classList.remove('taken');
    var olds = ladder ? ladder.querySelectorAll('.current') : [];
    for (k = 0; k < olds.length; k++) olds[k].classList.remove('current');
    if (band) { band.remove(); band = null; }
    var text = document.getElementById('step-text');
    text.textContent = '';
    if (at < 0) {
      document.getElementById('step-count').textContent = d.startText;
      return;
    }
    var s = steps[at];
    document.getElementById('step-count').textContent = d.of.replace('{i}', at + 1).replace('{n}', steps.length);
    // Each host's last transition so far stays marked until it takes another.
    var last = {};
    for (k = 0; k <= at; k++) if (steps[k].to) last[steps[k].host] = steps[k];
    for (var hk in last) {
      var e = document.getElementById('edge-' + last[hk].from + '-' + last[hk].to);
      if (e) e.classList.add('taken');
    }
    s.text.forEach(function (line, j) {
      var p = document.createElement('p');
      p.textContent = (j === 0 ? s.n + '. ' + s.t + ' ms  ' : '') + line;
      if (j === 0) p.className = 'first';
      text.appendChild(p);
    });
    var marks = [];
    if (ladder) {
      if (s.seg !== undefined) marks = ladder.querySelectorAll('[data-seg="' + s.seg + '"], [data-lbl="' + s.seg + '"]');
      else marks = ladder.querySelectorAll('[data-ev="' + s.ev + '"]');
    }
    for (k = 0; k < marks.length; k++) marks[k].classList.add('current');
    if (marks.length > 0) {
      // A band across the ladder at the event's row, and the row brought into view beside the panel.
      // Its row as drawn now (the ladder may have been made taller): a line's end, or a mark's translate.
      var y = NaN;
      var ln = marks[0].querySelector('line.arrow');
      if (ln) y = Number(ln.getAttribute(s.kind === 'rx' || s.kind === 'drop' ? 'y2' : 'y1'));
      else {
        var tr = /translate\(([-\d.]+),([-\d.]+)\)/.exec(marks[0].getAttribute('transform') || '');
        if (tr) y = Number(tr[2]);
      }
      if (!isNaN(y)) {
        band = document.createElementNS(NS, 'rect');
        band.setAttribute('class', 'stepmark');
        band.setAttribute('x', 0);
        band.setAttribute('width', ladder.viewBox.baseVal.width);
        band.setAttribute('y', y - 10);
        band.setAttribute('height', 20);
        ladder.insertBefore(band, ladder.firstChild.nextSibling);
      }
      marks[0].scrollIntoView({ block: 'center', inline: 'nearest' });
    }
  }
  document.getElementById('step-next').addEventListener('click', function () { show(at + 1); });
  document.getElementById('step-prev').addEventListener('click', function () { show(at - 1); });
  document.addEventListener('keydown', function (ev) {
    if (ev.target && (ev.target.tagName === 'INPUT' || ev.target.tagName === 'TEXTAREA')) return;
    if (ev.key === 'ArrowRight') { ev.preventDefault(); show(at + 1); }
    if (ev.key === 'ArrowLeft') { ev.preventDefault(); show(at - 1); }
  });
  show(-1);
})();
`;
