/**
 * Charts with a time axis: the time-sequence graphs and the window / congestion line charts.
 *
 * Each plot area is a nested <svg> whose viewBox is in data units (x: ms, y: minus the value, so
 * larger values are higher), drawn with non-scaling strokes and no text inside. Zooming and panning
 * the time axis is then only a new viewBox, and the page's script (client.js.ts) redraws the two
 * axes around it and fits the value axis to what is visible, from the series in `ChartSpec`.
 */
import {
  downsample, linearScale, segmentDetails, visibleExtent,
  type CcSeries, type Pairing, type SeqGraph,
} from './layout.ts';
import { dnum, el, legendSwatch, title, xAxisTicks, yAxisTicks, type AxisFormat } from './svg.ts';
import { msg, type Lang, type MessageKey } from '../i18n/index.ts';

export const CHART = { width: 960, height: 300, left: 72, right: 16, top: 12, bottom: 34 } as const;
const PLOT_W = CHART.width - CHART.left - CHART.right;
const PLOT_H = CHART.height - CHART.top - CHART.bottom;

/** What the script needs to fit a chart's value axis to the visible time window. */
export interface ChartSpec {
  id: string;
  fmt: AxisFormat;
  /** Keep zero on the value axis (window sizes); a sequence graph shows only the visible range. */
  zero: boolean;
  /** `fit: false`: drawn, but the value axis is not stretched to show it (the window edge). */
  series: Array<{ step: boolean; stride: number; data: number[]; fit?: boolean }>;
}

export interface Domain {
  t0: number;
  t1: number;
}

/** The value range shown: the visible extent, padded, with zero kept when asked. */
export function valueDomain(spec: ChartSpec, view: Domain): [number, number] {
  const ext = visibleExtent(spec.series, view.t0, view.t1) ?? [0, 1];
  let [lo, hi] = ext;
  if (spec.zero) lo = Math.min(0, lo);
  if (hi - lo < 1e-9) {
    hi += Math.max(1, Math.abs(hi) * 0.1);
    lo -= spec.zero ? 0 : Math.max(1, Math.abs(lo) * 0.1);
  }
  const pad = (hi - lo) * 0.06;
  return [spec.zero && lo >= 0 ? lo : lo - pad, hi + pad];
}

function frame(spec: ChartSpec, view: Domain, label: string, plotBody: string): string {
  const [v0, v1] = valueDomain(spec, view);
  const xs = linearScale(view.t0, view.t1, CHART.left, CHART.left + PLOT_W);
  const ys = linearScale(v0, v1, CHART.top + PLOT_H, CHART.top);
  return el('svg', {
    class: 'tchart', id: spec.id, xmlns: 'http://www.w3.org/2000/svg', viewBox: `0 0 ${CHART.width} ${CHART.height}`,
    role: 'group', 'aria-label': label,
  }, title(label)
    + el('g', { class: 'yaxis', 'data-x': CHART.left, 'data-y0': CHART.top, 'data-h': PLOT_H, 'data-w': PLOT_W, 'data-fmt': spec.fmt },
      yAxisTicks(ys, CHART.left, PLOT_W, spec.fmt))
    + el('g', { class: 'xaxis', 'data-x0': CHART.left, 'data-w': PLOT_W, 'data-y': CHART.top + PLOT_H }, xAxisTicks(xs, CHART.top + PLOT_H))
    + el('rect', { class: 'plotframe', x: CHART.left, y: CHART.top, width: PLOT_W, height: PLOT_H })
    + el('svg', {
      class: 'plot', x: CHART.left, y: CHART.top, width: PLOT_W, height: PLOT_H, preserveAspectRatio: 'none',
      viewBox: `${dnum(view.t0)} ${dnum(-v1)} ${dnum(view.t1 - view.t0)} ${dnum(v1 - v0)}`,
    }, plotBody));
}

/** A step line through [t, v, ...], held until `tEnd`. */
function stepPath(flat: readonly number[], tEnd: number): string {
  if (flat.length === 0) return '';
  let d = `M${dnum(flat[0])} ${dnum(-flat[1])}`;
  for (let i = 2; i < flat.length; i += 2) d += `H${dnum(flat[i])}V${dnum(-flat[i + 1])}`;
  if (tEnd > flat[flat.length - 2]) d += `H${dnum(tEnd)}`;
  return d;
}

const NSS = { 'vector-effect': 'non-scaling-stroke' } as const;

export interface SeqGraphOptions {
  /** More bars than this and they are merged per time bucket. */
  maxBars: number;
  /** Where step lines end (the end of the whole trace). */
  tEnd: number;
  /** The language of the titles and notes (default English, issue 26). */
  lang?: Lang;
}

export function renderSeqGraph(g: SeqGraph, index: number, pairing: Pairing, view: Domain, opts: SeqGraphOptions): { svg: string; spec: ChartSpec; note: string | null } {
  const id = `tsg-${index}`;
  const lang = opts.lang ?? 'en';
  let body = '';
  let barSeries: number[] = [];
  let note: string | null = null;
  if (g.bars.length <= opts.maxBars) {
    for (const b of g.bars) {
      barSeries.push(b.t, b.lo, b.hi);
      const cls = `bar${b.retransmit ? ' rtx' : ''}${b.dropped ? ' lost' : ''}`;
      body += el('line', {
        class: cls, 'data-seg': b.segId, x1: dnum(b.t), x2: dnum(b.t), y1: dnum(-b.lo), y2: dnum(-b.hi), ...NSS,
      }, title(segmentDetails(pairing.segments[b.segId], undefined, lang).join('\n')));
    }
  } else {
    // One bar per bucket and kind, from the lowest to the highest sequence number sent in it.
    const buckets = 1500;
    const span = Math.max(1e-9, opts.tEnd - g.bars[0].t);
    const t0 = g.bars[0].t;
    const acc = new Map<string, [number, number, number]>();
    for (const b of g.bars) {
      const i = Math.min(buckets - 1, Math.floor(((b.t - t0) / span) * buckets));
      const key = `${b.retransmit ? 'r' : 'o'}${i}`;
      const a = acc.get(key);
      if (a === undefined) acc.set(key, [b.t, b.lo, b.hi]);
      else a[1] = Math.min(a[1], b.lo), a[2] = Math.max(a[2], b.hi);
    }
    let dOrig = '', dRtx = '';
    const merged = [...acc.entries()].sort((a, b) => a[1][0] - b[1][0]);
    for (const [key, [t, lo, hi]] of merged) {
      const d = `M${dnum(t)} ${dnum(-lo)}V${dnum(-hi)}`;
      if (key.startsWith('r')) dRtx += d;
      else dOrig += d;
      barSeries.push(t, lo, hi);
    }
    body += el('path', { class: 'bar', d: dOrig, ...NSS }, title(msg(lang, 'ch.merged')));
    if (dRtx !== '') body += el('path', { class: 'bar rtx', d: dRtx, ...NSS }, title(msg(lang, 'ch.mergedRtx')));
    note = msg(lang, 'ch.mergedNote', { n: g.bars.length.toLocaleString('en-US') });
  }
  const ack = downsample(g.ack, view.t0, opts.tEnd, 2000);
  const win = downsample(g.window, view.t0, opts.tEnd, 2000);
  if (win.length > 0) body = el('path', { class: 'win', d: stepPath(win, opts.tEnd), ...NSS }, title(msg(lang, 'ch.winEdge', { host: g.to }))) + body;
  if (ack.length > 0) body += el('path', { class: 'ackline', d: stepPath(ack, opts.tEnd), ...NSS }, title(msg(lang, 'ch.ack', { host: g.to })));
  const sack = g.sack.length > 3 * 20000 ? [] : g.sack;
  let sackD = '';
  for (let i = 0; i < sack.length; i += 3) sackD += `M${dnum(sack[i])} ${dnum(-sack[i + 1])}V${dnum(-sack[i + 2])}`;
  if (sackD !== '') body += el('path', { class: 'sack', d: sackD, ...NSS }, title(msg(lang, 'ch.sack', { host: g.to })));
  if (sack.length === 0 && g.sack.length > 0) note = `${note ?? ''} ${msg(lang, 'ch.sackTooMany', { n: g.sack.length / 3 })}`.trim();
  barSeries = barSeries.length > 3 * 40000 ? barSeries.filter((_, i) => Math.floor(i / 3) % Math.ceil(barSeries.length / 3 / 40000) === 0) : barSeries;
  const spec: ChartSpec = {
    id, fmt: 'bytes', zero: false,
    series: [{ step: false, stride: 3, data: barSeries }, { step: true, stride: 2, data: ack }, { step: true, stride: 2, data: win, fit: false }, { step: false, stride: 3, data: sack }],
  };
  const label = msg(lang, 'ch.tsg', { from: g.from, to: g.to, flow: g.flow });
  return { svg: frame(spec, view, label, body), spec, note };
}

export interface LineSeries {
  name: string;
  /** CSS class: colour and dash pattern. */
  cls: string;
  data: number[];
}

/** `underlay`: drawn under the lines, in the plot's data units (the congestion chart's phases, lib/report/phases.ts). */
export function renderLineChart(id: string, label: string, series: LineSeries[], fmt: AxisFormat, view: Domain, tEnd: number, underlay = ''): { svg: string; spec: ChartSpec; legend: string } {
  const spec: ChartSpec = { id, fmt, zero: true, series: [] };
  let body = underlay;
  for (const s of series) {
    if (s.data.length === 0) continue;
    const data = downsample(s.data, view.t0, tEnd, 2000);
    spec.series.push({ step: true, stride: 2, data });
    body += el('path', { class: `ln ${s.cls}`, d: stepPath(data, tEnd), ...NSS }, title(`${s.name}`));
  }
  const legend = series.filter((s) => s.data.length > 0).map((s) => legendSwatch(`ln ${s.cls}`, s.name)).join('');
  return { svg: frame(spec, view, label, body), spec, legend };
}

/** The congestion chart's series; `name` is the English, `word` the catalogue key of the name in any language. */
export const CC_SERIES: Array<{ key: keyof Omit<CcSeries, 'host' | 'conn' | 'rto'>; name: string; cls: string; word: MessageKey }> = [
  { key: 'cwnd', name: 'cwnd (bytes)', cls: 's0', word: 'ch.cwnd' },
  { key: 'ssthresh', name: 'ssthresh (bytes; left out while unbounded)', cls: 's1', word: 'ch.ssthresh' },
  { key: 'flight', name: 'bytes in flight', cls: 's2', word: 'ch.flight' },
  { key: 'sndWnd', name: 'peer window sndWnd (bytes)', cls: 's3', word: 'ch.sndWnd' },
];

