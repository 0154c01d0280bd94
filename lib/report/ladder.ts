/**
 * The ladder diagram as SVG: one column per host, time flowing down, one arrow per transmission
 * from its send row to its arrival row (layout.ts decides the rows). Every movable element carries
 * its unstretched y in data attributes (`data-y`, `data-y1`, `data-y2`, with `data-dy` an offset
 * that must not stretch) so the page's script can make the diagram taller or shorter without
 * stretching the text.
 */
import type { AppEvent, SegmentEvent, StateEvent, TraceEvent } from '../trace/events.ts';
import {
  bucketSegments, choosePxPerMs, formatBytes, formatMs, formatMsIn, ladderLabel, ladderLabelVariants, layoutRows,
  segmentDetails, timeUnit, type LadderItem, type Pairing, type PairedSegment,
} from './layout.ts';
import { el, esc, num, text, title } from './svg.ts';
import { appWords, appWordsTable, dropWord } from '../trace/views/words.ts';
import { previewText, type Payloads } from '../trace/payload.ts';
import { isKey, msg, type Lang, type MessageKey } from '../i18n/index.ts';

export const LADDER_TOP_PX = 84;
const GUTTER_PX = 92;
const APP_MARGIN_PX = 150;
const STATE_MARGIN_PX = 112;
const COLUMN_GAP_PX = 470;
const MIN_ROW_GAP_PX = 19;
const MAX_EXTRA_PX = 56;
/**
 * Text boxes as the page draws them, for keeping labels apart before the browser sees them: the
 * ladder's text is 11.5px monospace, whose advance is 0.6em (6.9px); a little more is assumed, so
 * that a wider fallback glyph (⟳) does not make two labels touch.
 */
const CHAR_PX = 7.1;
const TEXT_ASCENT_PX = 11;
const TEXT_DESCENT_PX = 4;

interface Box {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}
const overlaps = (a: Box, b: Box): boolean => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;

/** The box of `chars` characters of text drawn at (x, baseline) with the given anchor. */
function textBox(x: number, baseline: number, chars: number, anchor: 'start' | 'end' | 'middle', pad = 2): Box {
  const w = chars * CHAR_PX;
  const x0 = anchor === 'start' ? x : anchor === 'end' ? x - w : x - w / 2;
  return { x0: x0 - pad, x1: x0 + w + pad, y0: baseline - TEXT_ASCENT_PX, y1: baseline + TEXT_DESCENT_PX };
}
const chars = (t: string): number => [...t].length;

/** Where an arrow's label goes: beside the sender's column, on the line's first row, above it. */
interface LabelSpot {
  p: PairedSegment;
  x: number;
  y: number;
  anchor: 'start' | 'end';
}

export interface LadderOptions {
  /** More transmissions than this and the ladder becomes a band of counts per time bucket. */
  maxSegments: number;
  /** The bytes segments carried: labels show a preview, tooltips the whole payload as text and hex (issue 26). */
  payloads?: Payloads;
  lang?: Lang;
}

/** What the drawing functions need beyond the geometry: the bytes, the language, each event's index. */
interface Ctx {
  payloads?: Payloads;
  lang: Lang;
  index: Map<TraceEvent, number>;
  appBytes: Map<AppEvent, Uint8Array>;
}
let ctx: Ctx = { lang: 'en', index: new Map(), appBytes: new Map() };
/** What the application did or saw, in the page's language, with the bytes it wrote or read when known. */
function appLabelIn(e: AppEvent): string {
  const bytes = ctx.appBytes.get(e);
  return appWords(e, ctx.lang, bytes !== undefined ? previewText(bytes, 16) : undefined);
}
const details = (p: PairedSegment): string => segmentDetails(p, ctx.payloads?.of(p.tx), ctx.lang).join('\n');

export interface LadderResult {
  svg: string;
  /** Said on the page above the diagram (why it looks the way it does), or null. */
  note: string | null;
  banded: boolean;
}

interface Geometry {
  xOf: Map<string, number>;
  width: number;
  hosts: string[];
}

function geometry(hosts: string[]): Geometry {
  const xOf = new Map<string, number>();
  hosts.forEach((h, i) => xOf.set(h, GUTTER_PX + APP_MARGIN_PX + STATE_MARGIN_PX + i * COLUMN_GAP_PX));
  const last = GUTTER_PX + APP_MARGIN_PX + STATE_MARGIN_PX + Math.max(0, hosts.length - 1) * COLUMN_GAP_PX;
  return { xOf, width: last + STATE_MARGIN_PX + APP_MARGIN_PX, hosts };
}

/** Which way labels go beside a column: outwards for the outer columns, rightwards in between. */
const outward = (g: Geometry, host: string): 1 | -1 => (g.hosts.indexOf(host) === 0 && g.hosts.length > 1 ? -1 : 1);

function header(g: Geometry, pairing: Pairing, firstState: Map<string, string>, bottom: number): string {
  let out = '';
  const addrs = new Map<string, string[]>();
  for (const [addr, host] of pairing.hostOfAddr) addrs.set(host, [...(addrs.get(host) ?? []), addr]);
  for (const h of g.hosts) {
    const x = g.xOf.get(h)!;
    const sub = (addrs.get(h) ?? []).join(', ');
    out += el('g', { class: 'host' },
      title(msg(ctx.lang, 'rl.host', { host: h, addrs: sub !== '' ? { key: 'rl.addrs', params: { addrs: sub } } : '' }))
      + el('rect', { x: x - 70, y: 8, width: 140, height: sub !== '' ? 38 : 26, rx: 6 })
      + text(x, 25, h, { 'text-anchor': 'middle', class: 'hostname' })
      + (sub !== '' ? text(x, 40, sub, { 'text-anchor': 'middle', class: 'small' }) : ''));
    const st = firstState.get(h);
    if (st !== undefined) out += text(x, 62, st, { 'text-anchor': 'middle', class: 'state0' });
    // A server starts where the textbook's does: the application's listen, then LISTEN (as the terminal ladder).
    if (st === 'LISTEN') {
      const side = outward(g, h);
      out += el('g', { class: 'app' }, text(x + side * (STATE_MARGIN_PX + 8), 62, appWordsTable(ctx.lang).listen, { 'text-anchor': side < 0 ? 'end' : 'start' }));
    }
    out += el('line', { class: 'lifeline', x1: x, x2: x, y1: LADDER_TOP_PX - 12, y2: bottom, 'data-y1': LADDER_TOP_PX - 12, 'data-y2': bottom });
  }
  return out;
}

const arrowClass = (g: Geometry, p: PairedSegment): string => {
  const dir = g.hosts.indexOf(p.from) === 0 ? 'd0' : 'd1';
  const cls = ['seg', dir];
  if (p.tx.len > 0) cls.push('data');
  if (p.tx.retransmit === true) cls.push('rtx');
  if (p.drop !== undefined) cls.push('dropped');
  return cls.join(' ');
};

export function renderLadder(events: readonly TraceEvent[], pairing: Pairing, opts: LadderOptions): LadderResult {
  const hosts = pairing.hosts.length > 0 ? pairing.hosts : ['(no hosts)'];
  const g = geometry(hosts);
  ctx = { payloads: opts.payloads, lang: opts.lang ?? 'en', index: new Map(events.map((e, i) => [e, i])), appBytes: opts.payloads?.appBytes(events) ?? new Map() };
  const firstState = new Map<string, string>();
  for (const e of events) if (e.type === 'state' && !firstState.has(e.host)) firstState.set(e.host, e.from);
  if (pairing.segments.length > opts.maxSegments) return renderBand(events, pairing, g, firstState, opts);

  const segOf = new Map<SegmentEvent, PairedSegment>();
  for (const p of pairing.segments) {
    segOf.set(p.tx, p);
    if (p.rx !== undefined) segOf.set(p.rx, p);
    if (p.drop !== undefined) segOf.set(p.drop, p);
    for (const d of p.dupRx) segOf.set(d, p);
  }
  const items: LadderItem[] = [];
  const sources: TraceEvent[] = [];
  for (const e of events) {
    if (e.type === 'segment') {
      items.push({ t: e.t, kind: e.event, host: e.host, segId: segOf.get(e)?.id });
      sources.push(e);
    } else if (e.type === 'state' || e.type === 'app') {
      items.push({ t: e.t, kind: e.type, host: e.host });
      sources.push(e);
    }
  }
  const rows = layoutRows(items, {
    top: LADDER_TOP_PX, minGapPx: MIN_ROW_GAP_PX, maxExtraPx: MAX_EXTRA_PX, pxPerMs: choosePxPerMs(pairing, items.map((i) => i.t), MAX_EXTRA_PX),
  });
  const yOf = new Map<TraceEvent, number>();
  sources.forEach((e, i) => yOf.set(e, rows.y[i]));

  const parts: string[] = [];
  parts.push(header(g, pairing, firstState, rows.bottom));
  // The gutter is the ladder's time axis: one unit for all of it.
  const unit = timeUnit(rows.timeMarks[0]?.t ?? 0, rows.timeMarks[rows.timeMarks.length - 1]?.t ?? 0);
  for (const m of rows.timeMarks) {
    parts.push(el('g', { class: 'tmark', 'data-y': m.y, transform: `translate(0,${m.y})` },
      text(GUTTER_PX - 8, 4, formatMsIn(m.t, unit), { 'text-anchor': 'end' })));
  }
  for (const b of rows.breaks) {
    const mid = (b.y0 + b.y1) / 2;
    parts.push(el('g', { class: 'break', 'data-y': mid, transform: `translate(0,${mid})` },
      title(msg(ctx.lang, 'rl.idleTitle', { d: formatMs(b.idleMs) }))
      + el('line', { x1: 4, x2: g.width - 4, y1: 0, y2: 0 })
      + text(6, -4, msg(ctx.lang, 'rl.idle', { d: formatMs(b.idleMs) }), { 'text-anchor': 'start', class: 'small' })));
  }

  // Text that labels must keep clear of: states, application events, drop reasons.
  const taken: Box[] = [];
  for (const e of sources) {
    const y = yOf.get(e)!;
    if (e.type === 'state') parts.push(stateMark(g, e, y, taken));
    else if (e.type === 'app') parts.push(appMark(g, e, y, taken));
  }
  const spots: LabelSpot[] = [];
  const ends: string[] = [];
  for (const p of pairing.segments) parts.push(arrow(g, p, yOf, taken, spots, ends));
  const labels = placeLabels(spots, taken);
  for (const o of pairing.orphans) {
    const y = yOf.get(o)!;
    const x = g.xOf.get(o.host) ?? GUTTER_PX;
    parts.push(el('g', { class: 'orphan tip', 'data-y': y, 'data-x': x, transform: `translate(${x},${y})` },
      title(msg(ctx.lang, 'rl.orphan', { event: o.event, host: o.host, label: ladderLabel(o, 64, ctx.lang), reason: o.reason === undefined ? '' : dropWord(o.reason, ctx.lang) }))
      + el('circle', { r: 4 }) + text(8 * outward(g, o.host), 4, `${o.event} ${ladderLabel(o, 40)}`, { 'text-anchor': outward(g, o.host) < 0 ? 'end' : 'start', class: 'small' })));
  }
  // Labels last, over every line, each on its own background: no arrow runs through text.
  parts.push(el('g', { class: 'labels' }, ends.join('') + labels.svg));
  const height = Math.round(rows.bottom + 16);
  const svg = el('svg', {
    id: 'ladder', xmlns: 'http://www.w3.org/2000/svg', viewBox: `0 0 ${g.width} ${num(height)}`, width: g.width, height,
    'data-top': LADDER_TOP_PX, 'data-height': height, role: 'group', 'aria-labelledby': 'ladder-title',
  }, el('title', { id: 'ladder-title' }, esc(msg(ctx.lang, 'rl.title', { n: pairing.segments.length, hosts: hosts.join(msg(ctx.lang, 'rl.and')) })))
    + markers() + parts.join(''));
  let note = msg(ctx.lang, rows.breaks.length > 0 ? 'rl.noteBreaks' : 'rl.note');
  if (labels.shortened + labels.hidden > 0) {
    const what = [
      ...(labels.shortened > 0 ? [msg(ctx.lang, 'rl.shortened', { n: labels.shortened })] : []),
      ...(labels.hidden > 0 ? [msg(ctx.lang, 'rl.hidden', { n: labels.hidden })] : []),
    ].join(msg(ctx.lang, 'rl.and'));
    note += msg(ctx.lang, 'rl.overlap', { what });
  }
  return { svg, note, banded: false };
}

function markers(): string {
  const m = (id: string, cls: string): string => el('marker', {
    id, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 9, markerHeight: 9, markerUnits: 'userSpaceOnUse', orient: 'auto-start-reverse',
  }, el('path', { d: 'M0,0 L10,5 L0,10 z', class: cls }));
  return el('defs', {}, m('ah-d0', 'ah d0') + m('ah-d1', 'ah d1') + m('ah-rtx', 'ah rtx'));
}

/**
 * One transmission: its line, and where the line ends when it did not arrive (✕ and the reason, or
 * a question mark), which goes to `ends` to be drawn over every line, like the labels.
 */
function arrow(g: Geometry, p: PairedSegment, yOf: Map<TraceEvent, number>, taken: Box[], spots: LabelSpot[], ends: string[]): string {
  const x0 = g.xOf.get(p.from)!;
  const x1 = g.xOf.get(p.to)!;
  const dir = Math.sign(x1 - x0) || 1;
  const y0 = yOf.get(p.tx)!;
  const marker = p.tx.retransmit === true ? 'ah-rtx' : g.hosts.indexOf(p.from) === 0 ? 'ah-d0' : 'ah-d1';
  let end = '';
  let xe: number, ye: number;
  let markerEnd: string | undefined = `url(#${marker})`;
  if (p.rx !== undefined) {
    xe = x1 - dir * 2;
    ye = yOf.get(p.rx)!;
  } else if (p.drop !== undefined) {
    // On the link: it dies part way; at the receiver's edge: right by the receiver.
    ye = yOf.get(p.drop)!;
    xe = p.drop.host === p.from ? x0 + (x1 - x0) * 0.66 : x1 - dir * 22;
    markerEnd = undefined;
    const reason = msg(ctx.lang, 'report.reasonDropped', { reason: p.drop.reason === undefined ? '?' : dropWord(p.drop.reason, ctx.lang) });
    const box = textBox(xe + (dir > 0 ? 10 : -10), ye + 4, chars(reason), dir > 0 ? 'start' : 'end');
    taken.push(box, { x0: xe - 7, x1: xe + 7, y0: ye - 7, y1: ye + 7 });
    end = el('g', { class: 'cross', 'data-lbl': p.id, 'data-y': ye, 'data-x': xe, transform: `translate(${xe},${ye})` },
      el('rect', { class: 'lblbg', x: box.x0 - xe, y: box.y0 - ye, width: box.x1 - box.x0, height: box.y1 - box.y0, rx: 2 })
      + el('path', { d: 'M-6,-6 L6,6 M-6,6 L6,-6' })
      + text(dir > 0 ? 10 : -10, 4, reason, { 'text-anchor': dir > 0 ? 'start' : 'end', class: 'reason' }));
  } else {
    xe = x0 + (x1 - x0) * 0.5;
    ye = y0 + MIN_ROW_GAP_PX;
    markerEnd = undefined;
    const none = msg(ctx.lang, 'report.noArrival');
    taken.push(textBox(xe, ye + 14, chars(none), 'middle'));
    end = el('g', { class: 'cross unknown', 'data-lbl': p.id, 'data-y': ye, 'data-x': xe, transform: `translate(${xe},${ye})` },
      text(0, 14, none, { 'text-anchor': 'middle', class: 'reason' }));
  }
  const line = { x1: x0, y1: y0, x2: xe, y2: ye, 'data-y1': y0, 'data-y2': ye };
  spots.push({ p, x: x0 + dir * 10, y: y0, anchor: dir > 0 ? 'start' : 'end' });
  let dups = '';
  for (const d of p.dupRx) {
    const yd = yOf.get(d)!;
    dups += el('line', { class: 'dup-arrow', x1: x0, y1: y0, x2: x1 - dir * 2, y2: yd, 'data-y1': y0, 'data-y2': yd, 'marker-end': `url(#${marker})` });
  }
  const svg = el('g', { class: arrowClass(g, p), 'data-seg': p.id, tabindex: 0 },
    title(details(p))
    + el('line', { class: 'hit', ...line })
    + el('line', { class: 'arrow', ...line, 'marker-end': markerEnd })
    + dups);
  if (end !== '') ends.push(end);
  return svg;
}

/**
 * Each arrow's label where it overlaps nothing drawn so far: the whole label if it fits, else a
 * shorter form (layoutLabelVariants, marked …), else none; the arrow and the label keep the whole
 * segment in their tooltip. Labels of opening, closing, reset, resent and dropped segments are
 * placed first, as they tell the story; then the rest in time order.
 */
function placeLabels(spots: readonly LabelSpot[], taken: Box[]): { svg: string; shortened: number; hidden: number } {
  const telling = (p: PairedSegment): boolean => /[SFR]/.test(p.tx.flags) || p.tx.retransmit === true || p.drop !== undefined;
  const order = [...spots].sort((a, b) => Number(telling(b.p)) - Number(telling(a.p)) || a.y - b.y || a.p.id - b.p.id);
  const placed = new Map<number, string>();
  let shortened = 0;
  let hidden = 0;
  for (const s of order) {
    const bytes = ctx.payloads?.of(s.p.tx);
    const plain = ladderLabelVariants(s.p.tx, ctx.lang);
    const variants = bytes !== undefined ? [`${plain[0]} ${previewText(bytes, 16)}`, ...plain] : plain;
    let drawn: string | undefined;
    for (const [i, v] of variants.entries()) {
      const label = i === 0 ? v : `${v} …`;
      const box = textBox(s.x, s.y - 4, chars(label), s.anchor);
      if (taken.some((b) => overlaps(b, box))) continue;
      taken.push(box);
      drawn = label;
      if (i > 0) shortened++;
      const w = box.x1 - box.x0;
      const rx = s.anchor === 'start' ? -2 : -w + 2;
      placed.set(s.p.id, el('g', { class: `lblg tip${s.p.tx.retransmit === true ? ' rtx' : ''}`, 'data-lbl': s.p.id, 'data-y': s.y, 'data-x': s.x, transform: `translate(${s.x},${s.y})` },
        title(details(s.p))
        + el('rect', { class: 'lblbg', x: rx, y: -4 - TEXT_ASCENT_PX, width: w, height: TEXT_ASCENT_PX + TEXT_DESCENT_PX, rx: 2 })
        + text(0, -4, label, { class: 'lbl', 'text-anchor': s.anchor })));
      break;
    }
    if (drawn === undefined) hidden++;
  }
  // In the order of the segments, so the page reads (and tabs) in time order.
  const svg = [...placed.entries()].sort((a, b) => a[0] - b[0]).map(([, m]) => m).join('');
  return { svg, shortened, hidden };
}

function stateMark(g: Geometry, e: StateEvent, y: number, taken: Box[]): string {
  const x = g.xOf.get(e.host);
  if (x === undefined) return '';
  const side = outward(g, e.host);
  taken.push(textBox(x + side * 9, y + 4, chars(e.to), side < 0 ? 'end' : 'start'), { x0: x - 4, x1: x + 4, y0: y - 4, y1: y + 4 });
  return el('g', { class: 'state tip', 'data-y': y, 'data-x': x, 'data-ev': ctx.index.get(e), transform: `translate(${x},${y})` },
    title(msg(ctx.lang, 'rl.stateTip', { host: e.host, conn: e.conn, from: e.from, to: e.to, cause: isKey(`scause.${e.cause}`) ? msg(ctx.lang, `scause.${e.cause}` as MessageKey) : e.cause }))
    + el('circle', { r: 3.5 })
    + text(side * 9, 4, e.to, { 'text-anchor': side < 0 ? 'end' : 'start' }));
}

function appMark(g: Geometry, e: AppEvent, y: number, taken: Box[]): string {
  const x = g.xOf.get(e.host);
  if (x === undefined) return '';
  const side = outward(g, e.host);
  const ax = x + side * (STATE_MARGIN_PX + 8);
  taken.push(textBox(ax, y + 4, chars(`${e.event === 'error' ? '⚠ ' : ''}${appLabelIn(e)}`), side < 0 ? 'end' : 'start'));
  const cls = e.event === 'error' ? 'app tip err' : 'app tip';
  return el('g', { class: cls, 'data-y': y, 'data-x': ax, 'data-ev': ctx.index.get(e), transform: `translate(${ax},${y})` },
    title(msg(ctx.lang, 'rl.appTip', { host: e.host, conn: e.conn, what: appLabelIn(e) }))
    + text(0, 4, `${e.event === 'error' ? '⚠ ' : ''}${appLabelIn(e)}`, { 'text-anchor': side < 0 ? 'end' : 'start' }));
}

const BAND_ROWS = 120;
const BAND_ROW_PX = 20;

/** Too many segments to draw: one row per time bucket, with counts per direction. */
function renderBand(events: readonly TraceEvent[], pairing: Pairing, g: Geometry, firstState: Map<string, string>, opts: LadderOptions): LadderResult {
  let t0 = Infinity, t1 = -Infinity;
  for (const p of pairing.segments) {
    t0 = Math.min(t0, p.tx.t);
    t1 = Math.max(t1, p.tx.t);
  }
  const buckets = bucketSegments(pairing.segments, t0, t1, BAND_ROWS);
  let maxCount = 1;
  for (const b of buckets) for (const f of b.byHost.values()) maxCount = Math.max(maxCount, f.segments);
  const states = new Map<number, Map<string, string[]>>();
  const span = t1 > t0 ? t1 - t0 : 1;
  for (const e of events) {
    if (e.type !== 'state') continue;
    const i = Math.min(BAND_ROWS - 1, Math.max(0, Math.floor(((e.t - t0) / span) * BAND_ROWS)));
    const m = states.get(i) ?? new Map<string, string[]>();
    m.set(e.host, [...(m.get(e.host) ?? []), e.to]);
    states.set(i, m);
  }
  const bottom = LADDER_TOP_PX + buckets.length * BAND_ROW_PX;
  const parts: string[] = [header(g, pairing, firstState, bottom)];
  buckets.forEach((b, i) => {
    const y = LADDER_TOP_PX + i * BAND_ROW_PX + BAND_ROW_PX / 2;
    let row = text(GUTTER_PX - 8, y + 4, formatMs(b.t0), { 'text-anchor': 'end' });
    const words: string[] = [];
    for (const [host, f] of b.byHost) {
      const x0 = g.xOf.get(host)!;
      const other = g.hosts.find((h) => h !== host) ?? host;
      const dir = Math.sign(g.xOf.get(other)! - x0) || 1;
      const len = (f.segments / maxCount) * COLUMN_GAP_PX * 0.9;
      const idx = g.hosts.indexOf(host) === 0 ? 0 : 1;
      row += el('rect', { class: `band d${idx}`, x: dir > 0 ? x0 : x0 - len, y: y - 7 + idx * 7, width: Math.max(1, len), height: 6 });
      const w = `${f.segments} seg, ${formatBytes(f.bytes)} B${f.retransmits > 0 ? `, ${f.retransmits} rtx` : ''}${f.drops > 0 ? `, ${f.drops} dropped` : ''}`;
      words.push(`${host}: ${w}`);
      const side = g.hosts.indexOf(host) === 0 && g.hosts.length > 1 ? -1 : 1;
      row += text(x0 + side * 10, y + 4, w, { 'text-anchor': side < 0 ? 'end' : 'start', class: `small${f.drops + f.retransmits > 0 ? ' warn' : ''}` });
    }
    for (const [host, list] of states.get(i) ?? []) {
      const x = g.xOf.get(host);
      if (x === undefined) continue;
      const side = g.hosts.indexOf(host) === 0 && g.hosts.length > 1 ? -1 : 1;
      row += text(x + side * (STATE_MARGIN_PX + 8), y + 4, list.join(' → '), { 'text-anchor': side < 0 ? 'end' : 'start', class: 'bandstate' });
      words.push(`${host} enters ${list.join(', ')}`);
    }
    parts.push(el('g', { class: 'bandrow tip' }, title(`${formatMs(b.t0)} to ${formatMs(b.t1)}: ${words.join('; ') || 'nothing sent'}`) + row));
  });
  const height = bottom + 16;
  const bucketMs = span / BAND_ROWS;
  const note = `${pairing.segments.length.toLocaleString('en-US')} segments are too many to draw one by one (limit ${opts.maxSegments.toLocaleString('en-US')}): `
    + `this ladder is a summary band, each row counting the segments sent in ${formatMs(bucketMs)}, with bar length by count. Application events are left out.`;
  const svg = el('svg', {
    id: 'ladder', class: 'banded', xmlns: 'http://www.w3.org/2000/svg', viewBox: `0 0 ${g.width} ${num(height)}`, width: g.width, height,
    'data-top': LADDER_TOP_PX, 'data-height': height, role: 'group', 'aria-labelledby': 'ladder-title',
  }, el('title', { id: 'ladder-title' }, esc(`Ladder summary band: ${pairing.segments.length} segments counted per ${formatMs(bucketMs)}`)) + parts.join(''));
  return { svg, note, banded: true };
}
