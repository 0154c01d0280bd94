/**
 * SVG (and HTML) as strings. Every piece of text from a trace passes through `esc`: host names,
 * options, reasons and scenario names come from files anyone can write, and the page must not run
 * or fetch anything they contain.
 */
import { formatBytes, formatMsIn, niceTicks, timeUnit, type LinearScale } from './layout.ts';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text made safe for element content and for quoted attribute values. */
export function esc(text: string | number): string {
  return String(text).replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** Coordinates with at most 2 decimals: the page stays small and the output stays deterministic. */
export function num(v: number): string {
  if (!Number.isFinite(v)) return '0';
  const r = Math.round(v * 100) / 100;
  return Object.is(r, -0) ? '0' : String(r);
}

/** Data coordinates (times, sequence numbers) need more precision than pixels. */
export function dnum(v: number): string {
  if (!Number.isFinite(v)) return '0';
  return String(Number(v.toPrecision(10)));
}

export type AttrValue = string | number | boolean | undefined | null;

export function attrs(a: Record<string, AttrValue>): string {
  let out = '';
  for (const [k, v] of Object.entries(a)) {
    if (v === undefined || v === null || v === false) continue;
    if (v === true) out += ` ${k}`;
    else out += ` ${k}="${typeof v === 'number' ? num(v) : esc(v)}"`;
  }
  return out;
}

/** An element; `children` is markup, already escaped by whoever built it. */
export function el(name: string, a: Record<string, AttrValue>, children?: string): string {
  return children === undefined ? `<${name}${attrs(a)}/>` : `<${name}${attrs(a)}>${children}</${name}>`;
}

export function title(text: string): string {
  return `<title>${esc(text)}</title>`;
}

export function text(x: number, y: number, content: string, a: Record<string, AttrValue> = {}): string {
  return el('text', { x, y, ...a }, esc(content));
}

export type AxisFormat = 'ms' | 'bytes';
/** Ticks of one axis with their labels, times all in one unit (timeUnit of the axis's ends). */
export function tickLabels(ticks: readonly number[], fmt: AxisFormat): string[] {
  if (fmt === 'bytes') return ticks.map(formatBytes);
  const unit = timeUnit(ticks[0] ?? 0, ticks[ticks.length - 1] ?? 0);
  const step = ticks.length > 1 ? ticks[1]! - ticks[0]! : undefined;
  return ticks.map((t) => formatMsIn(t, unit, step));
}

/**
 * Tick marks and labels of a horizontal time axis; the page's script redraws the same markup
 * (client.js.ts, `xAxis`) when the time window changes.
 */
export function xAxisTicks(scale: LinearScale, y: number): string {
  const [d0, d1] = scale.domain;
  let out = '';
  const ticks = niceTicks(d0, d1, 7);
  const labels = tickLabels(ticks, 'ms');
  ticks.forEach((t, i) => {
    const x = scale(t);
    out += el('line', { x1: x, x2: x, y1: y, y2: y + 5 }) + text(x, y + 17, labels[i]!, { 'text-anchor': 'middle' });
  });
  return out;
}

/** Ticks, labels and grid lines of a vertical value axis (redrawn by the script as `yAxis`). */
export function yAxisTicks(scale: LinearScale, x: number, width: number, fmt: AxisFormat): string {
  const [d0, d1] = scale.domain;
  let out = '';
  const ticks = niceTicks(d0, d1, 5, fmt === 'bytes' ? 1 : 0);
  const labels = tickLabels(ticks, fmt);
  ticks.forEach((v, i) => {
    const y = scale(v);
    out += el('line', { class: 'grid', x1: x, x2: x + width, y1: y, y2: y })
      + text(x - 6, y + 4, labels[i]!, { 'text-anchor': 'end' });
  });
  return out;
}

/** A short sample of a series' line, for legends: the dash pattern tells series apart without colour. */
export function legendSwatch(cls: string, label: string): string {
  return `<span class="key">${el('svg', { width: 28, height: 10, 'aria-hidden': 'true' },
    el('line', { class: cls, x1: 1, x2: 27, y1: 5, y2: 5 }))}${esc(label)}</span>`;
}
