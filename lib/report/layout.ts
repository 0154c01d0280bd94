/**
 * The pure half of the HTML report: everything that turns trace events into numbers and words
 * (pairing, positions, scales, ticks, labels, buckets), with no markup. svg.ts and html.ts only
 * print what this file decides, so this is where the report is unit-tested.
 *
 * Choices:
 * - A transmission pairs with the first unmatched `rx` of the same segment (src, dst, seq, ack,
 *   flags, len), and likewise with a `drop`, so a retransmission pairs with its own arrival.
 *   An `rx` with no unmatched `tx` is a copy the link duplicated (it is attached to the latest
 *   transmission of that segment) or, with no transmission at all, an orphan (one-sided capture).
 * - The ladder's vertical axis is "event time": every drawn event gets a row of its own, rows
 *   follow time order, and the gap between rows grows with the time between them but is capped,
 *   so a 60 s TIME-WAIT does not push the handshake off the page and a burst of segments sent in
 *   the same millisecond does not print its labels on top of each other. The gutter writes the real
 *   time of every row, and long idle stretches are marked as breaks.
 * - SACK blocks in `options` ("sack 2 {a:b}{c:d}") are absolute sequence numbers unless the
 *   producer wrote them relative (lib/wire/format.ts can do both); whichever reading lands near the
 *   segment's own ack is taken.
 */
import type { AppEvent, CongestionEvent, SegmentEvent, StateEvent, TraceEvent } from '../trace/events.ts';
import { segmentLabelParts } from '../trace/views/label.ts';
import { appWords, dropWord, sendMark, whyLong } from '../trace/views/words.ts';
import { fullText, hexDump } from '../trace/payload.ts';
import { msg, type Lang, type MessageKey, type Params } from '../i18n/index.ts';
import { seqDiff } from '../wire/seq.ts';

// ---------------------------------------------------------------------------------------------
// Pairing

/** One transmitted segment with what became of it. `id` is its index among all `tx` events. */
export interface PairedSegment {
  id: number;
  tx: SegmentEvent;
  /** Host names of sender and receiver (the receiver's may be its address when it never spoke). */
  from: string;
  to: string;
  /** Flow key `src>dst`, one direction of one connection. */
  flow: string;
  rx?: SegmentEvent;
  drop?: SegmentEvent;
  /** Extra arrivals of the same segment (the link duplicated it). */
  dupRx: SegmentEvent[];
}

export interface Pairing {
  segments: PairedSegment[];
  /** rx or drop events that no transmission in the trace accounts for. */
  orphans: SegmentEvent[];
  /** Host names in column order: the first sender on the left, then by first appearance. */
  hosts: string[];
  /** addr (no port) -> host name. */
  hostOfAddr: Map<string, string>;
}

export const addrOf = (hostPort: string): string => {
  const i = hostPort.lastIndexOf(':');
  return i < 0 ? hostPort : hostPort.slice(0, i);
};
const segKey = (s: SegmentEvent): string => `${s.src}>${s.dst}|${s.flags}|${s.seq}|${s.ack}|${s.len}`;

export function pairSegments(events: readonly TraceEvent[]): Pairing {
  const hostOfAddr = new Map<string, string>();
  const hosts: string[] = [];
  const noteHost = (h: string): void => {
    if (!hosts.includes(h)) hosts.push(h);
  };
  // Addresses first, so that a receiver is named even when its rx comes after other events.
  for (const e of events) {
    if (e.type !== 'segment') continue;
    if (e.event === 'tx' && !hostOfAddr.has(addrOf(e.src))) hostOfAddr.set(addrOf(e.src), e.host);
    if (e.event === 'rx' && !hostOfAddr.has(addrOf(e.dst))) hostOfAddr.set(addrOf(e.dst), e.host);
  }
  const hostFor = (endpoint: string): string => hostOfAddr.get(addrOf(endpoint)) ?? addrOf(endpoint);

  const segments: PairedSegment[] = [];
  const orphans: SegmentEvent[] = [];
  const awaitingRx = new Map<string, number[]>();
  const awaitingDrop = new Map<string, number[]>();
  const lastTx = new Map<string, number>();
  const take = (m: Map<string, number[]>, key: string, ok: (p: PairedSegment) => boolean): PairedSegment | undefined => {
    const q = m.get(key);
    while (q !== undefined && q.length > 0) {
      const p = segments[q.shift()!];
      if (ok(p)) return p;
    }
    return undefined;
  };
  for (const e of events) {
    if (e.type === 'state' || e.type === 'app') noteHost(e.host);
    if (e.type !== 'segment') continue;
    const key = segKey(e);
    if (e.event === 'tx') {
      const p: PairedSegment = {
        id: segments.length, tx: e, from: e.host, to: hostFor(e.dst), flow: `${e.src}>${e.dst}`, dupRx: [],
      };
      segments.push(p);
      noteHost(p.from);
      noteHost(p.to);
      for (const m of [awaitingRx, awaitingDrop]) {
        const q = m.get(key);
        if (q === undefined) m.set(key, [p.id]);
        else q.push(p.id);
      }
      lastTx.set(key, p.id);
    } else if (e.event === 'rx') {
      noteHost(e.host);
      const p = take(awaitingRx, key, (c) => c.drop === undefined);
      if (p !== undefined) p.rx = e;
      else if (lastTx.has(key)) segments[lastTx.get(key)!].dupRx.push(e);
      else orphans.push(e);
    } else {
      // A drop ends a transmission that has not yet arrived; one at the receiver's edge may also
      // follow its own rx (the host took it from the link, then refused it).
      const p = take(awaitingDrop, key, (c) => c.rx === undefined && c.drop === undefined)
        ?? (lastTx.has(key) && segments[lastTx.get(key)!].drop === undefined ? segments[lastTx.get(key)!] : undefined);
      if (p !== undefined) p.drop = e;
      else orphans.push(e);
    }
  }
  // The active opener (the first to send) on the left, as in RFC 9293's own diagrams.
  const first = segments[0]?.from;
  if (first !== undefined) {
    hosts.splice(hosts.indexOf(first), 1);
    hosts.unshift(first);
  }
  return { segments, orphans, hosts, hostOfAddr };
}

// ---------------------------------------------------------------------------------------------
// Labels

const flagsHas = (flags: string, letter: string): boolean => flags !== 'none' && flags.includes(letter);

/** Sequence space a segment occupies: its payload plus one each for SYN and FIN (RFC 9293 3.4). */
export function seqLength(s: Pick<SegmentEvent, 'flags' | 'len'>): number {
  return s.len + (flagsHas(s.flags, 'S') ? 1 : 0) + (flagsHas(s.flags, 'F') ? 1 : 0);
}

/** Options worth a place on a ladder arrow: timestamps and padding are left to the tooltip. */
export function shortOptions(options: readonly string[]): string[] {
  return options.filter((o) => o !== 'nop' && o !== 'eol' && !o.startsWith('TS '));
}

/** SACK options with their blocks made relative, as tcpdump prints them without -S. */
export function relativeSackOptions(s: SegmentEvent): string[] {
  return s.options.map((o) => {
    const blocks = parseSackOption(o);
    if (blocks === null) return o;
    return `sack ${blocks.length} ${blocks.map(([l, r]) => `{${relativeSackEdge(l, s)}:${relativeSackEdge(r, s)}}`).join('')}`;
  });
}

/**
 * The arrow label: tcpdump's notation with relative numbers, as the segment lines of docs/scenario-format.md, and the
 * terminal ladder's mark for a retransmission or probe (`(rtx: rto)`, views/words.ts).
 */
export function ladderLabel(s: SegmentEvent, maxChars = 64, lang: Lang = 'en'): string {
  const parts = segmentLabelParts({ ...s, options: shortOptions(relativeSackOptions(s)) });
  const mark = sendMark(s, lang);
  const tail = [parts.tail, mark].filter((x) => x !== '').join(' ');
  let text = [parts.head, parts.options, tail].filter((x) => x !== '').join(' ');
  if (s.retransmit === true) text = `⟳ ${text}`;
  if (text.length > maxChars) {
    // Shorten the options first: flags and numbers are what a reader scans for.
    const room = maxChars - parts.head.length - tail.length - 3;
    const opts = room > 3 ? `${parts.options.slice(0, room - 1)}…` : '';
    text = [s.retransmit === true ? `⟳ ${parts.head}` : parts.head, opts, tail].filter((x) => x !== '').join(' ');
  }
  return text;
}

/**
 * The arrow label from longest to shortest, for a ladder too dense for the whole label: without
 * options, then without the window, then flags and numbers only. The whole label stays in the tooltip.
 */
export function ladderLabelVariants(s: SegmentEvent, lang: Lang = 'en'): string[] {
  const full = ladderLabel(s, 64, lang);
  const p = segmentLabelParts({ ...s, options: [] });
  const mark = sendMark(s, lang);
  const rtx = s.retransmit === true ? '⟳ ' : '';
  const noWin = p.head.replace(/ win \d+$/, '');
  const join = (...xs: string[]): string => rtx + xs.filter((x) => x !== '').join(' ');
  const flags = s.flags === '' ? 'none' : s.flags;
  const bare = s.len > 0 ? `${flags} ${s.rseq}:${(s.rseq + s.len) >>> 0}` : noWin;
  const out = [full, join(p.head, p.tail, mark), join(noWin, p.tail, mark), join(noWin, mark), join(bare)];
  return out.filter((v, i) => out.indexOf(v) === i);
}

export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  const a = Math.abs(ms);
  if (a >= 10_000) return `${trimZeros((ms / 1000).toFixed(3))} s`;
  if (a >= 1) return `${trimZeros(ms.toFixed(3))} ms`;
  if (a === 0) return '0 ms';
  return `${trimZeros((ms * 1000).toFixed(1))} µs`;
}
const trimZeros = (s: string): string => (s.includes('.') ? s.replace(/\.?0+$/, '') : s);

export type TimeUnit = 'µs' | 'ms' | 's';

/**
 * One unit for all the times of one axis or range, from its ends: seconds once either end reaches
 * 10 s, µs when both are under 1 ms, else ms. `-3600.9 ms – 123.631 s` is what this prevents.
 */
export function timeUnit(a: number, b: number): TimeUnit {
  const m = Math.max(Math.abs(a), Math.abs(b));
  if (m >= 10_000) return 's';
  if (m < 1 && m > 0) return 'µs';
  return 'ms';
}

/**
 * A time in the given unit. `stepMs`, the distance between neighbouring ticks, sets how many
 * decimals are needed to tell them apart (at least those, at most 3 beyond the unit's own).
 */
export function formatMsIn(ms: number, unit: TimeUnit, stepMs?: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  const scale = unit === 's' ? 1 / 1000 : unit === 'µs' ? 1000 : 1;
  const step = stepMs !== undefined && stepMs > 0 ? stepMs * scale : undefined;
  const decimals = step !== undefined ? Math.min(6, Math.max(0, Math.ceil(-Math.log10(step) - 1e-9))) : unit === 'µs' ? 1 : 3;
  const text = trimZeros((ms * scale).toFixed(decimals));
  return `${text === '-0' ? '0' : text} ${unit}`;
}

/** A range of times, both ends in one unit: `0 s – 123.6 s`. */
export function formatRange(t0: number, t1: number): string {
  const u = timeUnit(t0, t1);
  return `${formatMsIn(t0, u)} – ${formatMsIn(t1, u)}`;
}

/**
 * Where something happens: the times split wherever nothing happens for over a quarter of the whole
 * span, and the part holding the most of them (the first on a tie). A bulk transfer of three seconds
 * followed by two minutes of TIME-WAIT and a last segment opens on its three seconds.
 */
export function activeSpan(times: readonly number[]): [number, number] | null {
  if (times.length === 0) return null;
  const sorted = [...times].sort((a, b) => a - b);
  const whole = sorted[sorted.length - 1]! - sorted[0]!;
  let best: [number, number, number] = [sorted[0]!, sorted[0]!, 0];
  let lo = sorted[0]!;
  let count = 0;
  for (let i = 0; i < sorted.length; i++) {
    if (i > 0 && sorted[i]! - sorted[i - 1]! > whole * 0.25) {
      if (count > best[2]) best = [lo, sorted[i - 1]!, count];
      lo = sorted[i]!;
      count = 0;
    }
    count++;
  }
  if (count > best[2]) best = [lo, sorted[sorted.length - 1]!, count];
  return [best[0], best[1]];
}

/** Every field of a segment, one line each, for the tooltip and the screen-reader label. */
export function segmentDetails(p: PairedSegment, payload?: Uint8Array, lang: Lang = 'en'): string[] {
  const s = p.tx;
  // The field lines in the user's language (issue 26); the numbers, flags and options as tcpdump writes them.
  const m = (key: MessageKey, params?: Params): string => msg(lang, key, params);
  const lines = [
    `#${p.id} ${p.from} → ${p.to}  ${s.src} > ${s.dst}`,
    m('tip.flags', { flags: s.flags, len: s.len, win: s.win }),
    m('tip.seq', { seq: s.seq, rseq: `${s.rseq}${s.len > 0 ? `:${(s.rseq + s.len) >>> 0}` : ''}`, ack: s.ack, rack: s.rack }),
    m('tip.options', { list: s.options.length > 0 ? s.options.join(', ') : m('term.none') }),
    ...(s.options.some((o) => parseSackOption(o) !== null) ? [m('tip.relative', { list: relativeSackOptions(s).filter((o) => parseSackOption(o) !== null).join(', ') })] : []),
    m('tip.sent', { t: formatMs(s.t), on: s.conn !== undefined ? { key: 'tip.on', params: { conn: s.conn } } : '' }),
  ];
  const why = whyLong(s, lang);
  if (why !== undefined) lines.push(why);
  if (payload !== undefined) {
    // The whole payload (issue 26): as text when it is text, and always in hex.
    const text = fullText(payload);
    if (text !== undefined) lines.push(`${msg(lang, 'report.payload')}: "${text}"`);
    lines.push(`${msg(lang, 'report.payloadHex')}:`, hexDump(payload));
  }
  if (p.rx !== undefined) lines.push(m('tip.arrived', { t: formatMs(p.rx.t), d: formatMs(p.rx.t - s.t) }));
  if (p.drop !== undefined) lines.push(m('tip.dropped', { t: formatMs(p.drop.t), host: p.drop.host, reason: p.drop.reason === undefined ? m('tip.noReason') : dropWord(p.drop.reason, lang) }));
  if (p.rx === undefined && p.drop === undefined) lines.push(m('tip.noArrival'));
  for (const d of p.dupRx) lines.push(m('tip.dup', { t: formatMs(d.t) }));
  return lines;
}

/** What the application did or saw, in the words of every view (views/words.ts). */
export function appLabel(e: AppEvent): string {
  return appWords(e);
}

// ---------------------------------------------------------------------------------------------
// Scales and ticks

export interface LinearScale {
  (v: number): number;
  invert(px: number): number;
  domain: [number, number];
  range: [number, number];
}

export function linearScale(d0: number, d1: number, r0: number, r1: number): LinearScale {
  const k = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
  const f = ((v: number) => (d1 === d0 ? (r0 + r1) / 2 : r0 + (v - d0) * k)) as LinearScale;
  f.invert = (px: number) => (k === 0 ? d0 : d0 + (px - r0) / k);
  f.domain = [d0, d1];
  f.range = [r0, r1];
  return f;
}

/**
 * Round tick values (1, 2, 5 times a power of ten) covering [d0, d1], at most about maxCount;
 * never closer than `minStep` (1 for byte counts: there is no half a byte).
 */
export function niceTicks(d0: number, d1: number, maxCount = 6, minStep = 0): number[] {
  if (!(d1 > d0) || !Number.isFinite(d0) || !Number.isFinite(d1)) return Number.isFinite(d0) ? [d0] : [];
  const raw = Math.max((d1 - d0) / Math.max(1, maxCount), minStep);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const ticks: number[] = [];
  // At most maxCount + 1 fit (one more is left for rounding). The bound ends the loop when the step is lost
  // in v's rounding (a span tiny beside its values, as times near 1e308 in a corrupted trace): v += step
  // would never move.
  const most = Math.max(1, maxCount) + 2;
  for (let v = Math.ceil(d0 / step) * step; v <= d1 + step * 1e-9 && ticks.length < most; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/** Byte counts and sequence offsets, short: 950, 14.6k, 2.1M. */
export function formatBytes(n: number): string {
  const a = Math.abs(n);
  if (a >= 1e9) return `${trimZeros((n / 1e9).toFixed(2))}G`;
  if (a >= 1e6) return `${trimZeros((n / 1e6).toFixed(2))}M`;
  if (a >= 1e4) return `${trimZeros((n / 1e3).toFixed(1))}k`;
  return String(Math.round(n * 100) / 100);
}

// ---------------------------------------------------------------------------------------------
// Ladder rows

export type LadderItemKind = 'tx' | 'rx' | 'drop' | 'state' | 'app';
export interface LadderItem {
  t: number;
  kind: LadderItemKind;
  host: string;
  /** For tx, rx and drop: the id of the transmission they belong to, when known. */
  segId?: number;
}

export interface RowOptions {
  top: number;
  /** Least distance between two rows. */
  minGapPx: number;
  /** Extra distance per millisecond between rows... */
  pxPerMs: number;
  /** ...up to this much; longer idle times are shortened. */
  maxExtraPx: number;
}

export interface RowLayout {
  /** y of every item, same order as the input. */
  y: number[];
  /** y just below the last row. */
  bottom: number;
  /** One per row whose time differs from the row above: where to write the time. */
  timeMarks: Array<{ y: number; t: number }>;
  /** Idle stretches drawn much shorter than their share of time. */
  breaks: Array<{ y0: number; y1: number; idleMs: number }>;
}

/**
 * Rows for the ladder (see the header comment). An item joins the current row when it happens at
 * the same time and its label slot there is free; an rx has no label of its own, so it always
 * joins, but a tx from the host it arrived at then takes the next row (its label would sit on the
 * arriving arrowhead); a drop never shares the row of its own transmission, so a loss decided at
 * send time still shows as a (short) slanted arrow.
 */
export function layoutRows(items: readonly LadderItem[], opts: RowOptions): RowLayout {
  const y: number[] = new Array(items.length);
  const timeMarks: RowLayout['timeMarks'] = [];
  const breaks: RowLayout['breaks'] = [];
  let rowY = opts.top;
  let rowT = Number.NaN;
  let slots = new Set<string>();
  const txRowY = new Map<number, number>();
  for (let i = 0; i < items.length; i++) {
    const it = items[i];
    const slot = `${it.kind}:${it.host}`;
    const sameTime = it.t === rowT;
    // A transmission's label starts where an arrival ends on the same host: it needs the next row.
    const joins = sameTime && (it.kind === 'rx' || !slots.has(slot))
      && !(it.kind === 'tx' && slots.has(`rx:${it.host}`))
      && !(it.kind === 'drop' && it.segId !== undefined && txRowY.get(it.segId) === rowY);
    if (!joins) {
      if (!Number.isNaN(rowT)) {
        const dt = Math.max(0, it.t - rowT);
        const extra = dt * opts.pxPerMs;
        const gap = opts.minGapPx + Math.min(extra, opts.maxExtraPx);
        // Only a gap shortened by far is worth a mark; a mildly squeezed one is honest enough
        // with the real times written beside every row.
        if (extra > opts.maxExtraPx * 4) breaks.push({ y0: rowY, y1: rowY + gap, idleMs: dt });
        rowY += gap;
      }
      slots = new Set();
      if (it.t !== rowT) timeMarks.push({ y: rowY, t: it.t });
      rowT = it.t;
    }
    slots.add(slot);
    if (it.kind === 'tx' && it.segId !== undefined) txRowY.set(it.segId, rowY);
    y[i] = rowY;
  }
  return { y, bottom: rowY + opts.minGapPx, timeMarks, breaks };
}

/**
 * Default row spacing: the typical one-way delay (median of arrival minus send time) gets the full
 * `targetPx` of extra room, so arrows slant visibly and only idle times well beyond a round trip
 * are shortened. Without any arrival, the median gap between events stands in.
 */
export function choosePxPerMs(pairing: Pairing, times: readonly number[], targetPx: number): number {
  const delays: number[] = [];
  for (const p of pairing.segments) if (p.rx !== undefined && p.rx.t > p.tx.t) delays.push(p.rx.t - p.tx.t);
  if (delays.length === 0) {
    for (let i = 1; i < times.length; i++) if (times[i] > times[i - 1]) delays.push(times[i] - times[i - 1]);
  }
  if (delays.length === 0) return 1;
  delays.sort((a, b) => a - b);
  const median = delays[delays.length >> 1];
  return Math.min(200, Math.max(1e-4, targetPx / median));
}

// ---------------------------------------------------------------------------------------------
// Density buckets

export interface FlowBucket {
  segments: number;
  bytes: number;
  retransmits: number;
  drops: number;
}
export interface Bucket {
  t0: number;
  t1: number;
  /** Per sender host. */
  byHost: Map<string, FlowBucket>;
}

/** Segments counted per time bucket (by tx time) and per sender, for a ladder too dense to draw. */
export function bucketSegments(segments: readonly PairedSegment[], t0: number, t1: number, count: number): Bucket[] {
  const n = Math.max(1, Math.floor(count));
  const span = t1 > t0 ? t1 - t0 : 1;
  const buckets: Bucket[] = [];
  for (let i = 0; i < n; i++) buckets.push({ t0: t0 + (span * i) / n, t1: t0 + (span * (i + 1)) / n, byHost: new Map() });
  for (const p of segments) {
    const i = Math.min(n - 1, Math.max(0, Math.floor(((p.tx.t - t0) / span) * n)));
    const m = buckets[i].byHost;
    let b = m.get(p.from);
    if (b === undefined) m.set(p.from, (b = { segments: 0, bytes: 0, retransmits: 0, drops: 0 }));
    b.segments++;
    b.bytes += p.tx.len;
    if (p.tx.retransmit === true) b.retransmits++;
    if (p.drop !== undefined) b.drops++;
  }
  return buckets;
}

/**
 * Fewer points for a long series [t0, v0, t1, v1, ...] sorted by time: per time bucket the first,
 * lowest, highest and last point survive, so a line drawn through them keeps every peak and dip.
 */
export function downsample(flat: readonly number[], t0: number, t1: number, buckets: number): number[] {
  const n = flat.length / 2;
  if (n <= buckets * 4) return flat.slice();
  const out: number[] = [];
  const span = t1 > t0 ? t1 - t0 : 1;
  let cur = -1;
  let first = -1, lo = -1, hi = -1, last = -1;
  const flush = (): void => {
    if (first < 0) return;
    const idx = [...new Set([first, lo, hi, last])].sort((a, b) => a - b);
    for (const i of idx) out.push(flat[2 * i], flat[2 * i + 1]);
  };
  for (let i = 0; i < n; i++) {
    const b = Math.min(buckets - 1, Math.max(0, Math.floor(((flat[2 * i] - t0) / span) * buckets)));
    if (b !== cur) {
      flush();
      cur = b;
      first = lo = hi = last = i;
      continue;
    }
    if (flat[2 * i + 1] < flat[2 * lo + 1]) lo = i;
    if (flat[2 * i + 1] > flat[2 * hi + 1]) hi = i;
    last = i;
  }
  flush();
  return out;
}

// ---------------------------------------------------------------------------------------------
// Time-sequence graph (Stevens, TCP/IP Illustrated vol. 1; tcptrace; Wireshark's "Stevens" view)

export interface SeqBar {
  segId: number;
  t: number;
  lo: number;
  hi: number;
  retransmit: boolean;
  dropped: boolean;
}
export interface SeqGraph {
  flow: string;
  from: string;
  to: string;
  bars: SeqBar[];
  /** Step series as flat [t, v, ...]: the peer's cumulative ack, and ack + window. */
  ack: number[];
  window: number[];
  /** SACK blocks reported back by the peer: [t, lo, hi, ...]. */
  sack: number[];
}

/** Parses "sack 2 {a:b}{c:d}" into [[a, b], [c, d]]; null for other options. */
export function parseSackOption(option: string): Array<[number, number]> | null {
  if (!/^sack\b/.test(option)) return null;
  const blocks: Array<[number, number]> = [];
  for (const m of option.matchAll(/\{(\d+):(\d+)\}/g)) blocks.push([Number(m[1]), Number(m[2])]);
  return blocks;
}

/** A SACK edge relative to the data flow's initial sequence number (see the header comment). */
export function relativeSackEdge(edge: number, ackSeg: Pick<SegmentEvent, 'ack' | 'rack'>): number {
  const base = (ackSeg.ack - ackSeg.rack) >>> 0;
  const rel = (edge - base) >>> 0;
  if (Math.abs(seqDiff(rel, ackSeg.rack)) < 2 ** 30) return rel;
  return edge;
}

/**
 * One graph per flow that carried sequence space, seen from the sender, as tcptrace draws a capture
 * taken at the sender: data at the time it left, acks at the time they came back (their tx time when
 * the trace has no arrival, as in a one-sided capture; lost acks are left out, the sender never saw them).
 */
export function seqGraphs(pairing: Pairing): SeqGraph[] {
  const graphs = new Map<string, SeqGraph>();
  const reverseOf = (flow: string): string => flow.split('>').reverse().join('>');
  for (const p of pairing.segments) {
    const n = seqLength(p.tx);
    if (n === 0) continue;
    let g = graphs.get(p.flow);
    if (g === undefined) graphs.set(p.flow, (g = { flow: p.flow, from: p.from, to: p.to, bars: [], ack: [], window: [], sack: [] }));
    g.bars.push({
      segId: p.id, t: p.tx.t, lo: p.tx.rseq, hi: p.tx.rseq + n, retransmit: p.tx.retransmit === true, dropped: p.drop !== undefined,
    });
  }
  for (const p of pairing.segments) {
    const g = graphs.get(reverseOf(p.flow));
    if (g === undefined || !flagsHas(p.tx.flags, '.')) continue;
    if (p.drop !== undefined) continue;
    const t = p.rx?.t ?? p.tx.t;
    g.ack.push(t, p.tx.rack);
    g.window.push(t, p.tx.rack + p.tx.win);
    for (const o of p.tx.options) {
      const blocks = parseSackOption(o);
      if (blocks === null) continue;
      for (const [l, r] of blocks) g.sack.push(t, relativeSackEdge(l, p.tx), relativeSackEdge(r, p.tx));
    }
  }
  for (const g of graphs.values()) {
    // Acks arrive in their own order, not that of transmission; the line is drawn by time.
    sortFlatByTime(g.ack, 2);
    sortFlatByTime(g.window, 2);
    sortFlatByTime(g.sack, 3);
  }
  return [...graphs.values()];
}

function sortFlatByTime(flat: number[], stride: number): void {
  const n = flat.length / stride;
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) if (flat[i * stride] < flat[(i - 1) * stride]) sorted = false;
  if (sorted) return;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => flat[a * stride] - flat[b * stride] || a - b);
  const copy = flat.slice();
  idx.forEach((from, to) => {
    for (let k = 0; k < stride; k++) flat[to * stride + k] = copy[from * stride + k];
  });
}

/**
 * The y extent of series within the time window [t0, t1]. Step series also count the value they
 * hold at t0 (their last point before it), because that is what is drawn at the left edge.
 * Series marked `fit: false` are drawn but do not stretch the axis.
 */
export function visibleExtent(series: ReadonlyArray<{ step: boolean; stride: number; data: readonly number[]; fit?: boolean }>, t0: number, t1: number): [number, number] | null {
  let lo = Infinity, hi = -Infinity;
  for (const s of series) {
    if (s.fit === false) continue;
    let carried = -1;
    for (let i = 0; i < s.data.length; i += s.stride) {
      const t = s.data[i];
      if (t < t0) { carried = i; continue; }
      if (t > t1) break;
      for (let k = 1; k < s.stride; k++) {
        lo = Math.min(lo, s.data[i + k]);
        hi = Math.max(hi, s.data[i + k]);
      }
    }
    if (s.step && carried >= 0) {
      for (let k = 1; k < s.stride; k++) {
        lo = Math.min(lo, s.data[carried + k]);
        hi = Math.max(hi, s.data[carried + k]);
      }
    }
  }
  return lo <= hi ? [lo, hi] : null;
}

// ---------------------------------------------------------------------------------------------
// Windows and congestion

/** ssthresh starts "infinite" (RFC 5681 3.1: arbitrarily high); such values are left off the chart. */
export const UNBOUNDED_BYTES = 2 ** 30;

export interface CcSeries {
  host: string;
  conn: string;
  cwnd: number[];
  ssthresh: number[];
  flight: number[];
  sndWnd: number[];
  rto: number[];
}

export function ccSeries(events: readonly TraceEvent[]): CcSeries[] {
  const out = new Map<string, CcSeries>();
  for (const e of events) {
    if (e.type !== 'cc') continue;
    const c = e as CongestionEvent;
    const key = `${c.host} ${c.conn}`;
    let s = out.get(key);
    if (s === undefined) out.set(key, (s = { host: c.host, conn: c.conn, cwnd: [], ssthresh: [], flight: [], sndWnd: [], rto: [] }));
    const push = (arr: number[], v: number): void => {
      if (typeof v === 'number' && Number.isFinite(v) && v < UNBOUNDED_BYTES) arr.push(c.t, v);
    };
    push(s.cwnd, c.cwnd);
    push(s.ssthresh, c.ssthresh);
    push(s.flight, c.flight);
    push(s.sndWnd, c.sndWnd);
    push(s.rto, c.rto);
  }
  return [...out.values()];
}

/** The window each host advertised, from its own transmissions: host -> [t, win, ...]. */
export function advertisedWindows(pairing: Pairing): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const p of pairing.segments) {
    if (flagsHas(p.tx.flags, 'R')) continue; // a RST's window means nothing
    let s = out.get(p.from);
    if (s === undefined) out.set(p.from, (s = []));
    s.push(p.tx.t, p.tx.win);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Summary

export interface Summary {
  scenario?: string;
  seed?: number;
  version?: string;
  firstMs: number;
  lastMs: number;
  segments: number;
  payloadBytes: number;
  retransmits: number;
  /** Retransmissions by the `why` of their tx event ('' when it has none). */
  retransmitsBy: Map<string, number>;
  drops: Map<string, number>;
  duplicates: number;
  perHost: Map<string, { segments: number; payloadBytes: number; retransmits: number }>;
  timerFires: Map<string, number>;
  checks: Array<{ t: number; host: string; what: string; ok: boolean; detail?: string }>;
  errors: Array<{ t: number; host: string; error: string }>;
  finalStates: Map<string, string>;
}

export function summarize(events: readonly TraceEvent[], pairing: Pairing): Summary {
  const s: Summary = {
    firstMs: Infinity, lastMs: -Infinity, segments: pairing.segments.length, payloadBytes: 0, retransmits: 0, retransmitsBy: new Map(),
    drops: new Map(), duplicates: 0, perHost: new Map(), timerFires: new Map(), checks: [], errors: [], finalStates: new Map(),
  };
  for (const e of events) {
    if (e.type === 'meta') {
      s.scenario = e.scenario;
      s.seed = e.seed;
      s.version = e.version;
      continue;
    }
    s.firstMs = Math.min(s.firstMs, e.t);
    s.lastMs = Math.max(s.lastMs, e.t);
    if (e.type === 'timer' && e.event === 'fire') s.timerFires.set(e.timer, (s.timerFires.get(e.timer) ?? 0) + 1);
    else if (e.type === 'expect') s.checks.push({ t: e.t, host: e.host, what: e.what, ok: e.ok, detail: e.detail });
    else if (e.type === 'app' && e.event === 'error') s.errors.push({ t: e.t, host: e.host, error: e.error ?? 'error' });
    else if (e.type === 'state') s.finalStates.set(`${e.host} ${e.conn}`, (e as StateEvent).to);
    else if (e.type === 'segment' && e.event === 'drop') s.drops.set(e.reason ?? 'unknown', (s.drops.get(e.reason ?? 'unknown') ?? 0) + 1);
  }
  for (const p of pairing.segments) {
    s.payloadBytes += p.tx.len;
    s.duplicates += p.dupRx.length;
    if (p.tx.retransmit === true) {
      s.retransmits++;
      s.retransmitsBy.set(p.tx.why ?? '', (s.retransmitsBy.get(p.tx.why ?? '') ?? 0) + 1);
    }
    let h = s.perHost.get(p.from);
    if (h === undefined) s.perHost.set(p.from, (h = { segments: 0, payloadBytes: 0, retransmits: 0 }));
    h.segments++;
    h.payloadBytes += p.tx.len;
    if (p.tx.retransmit === true) h.retransmits++;
  }
  if (s.firstMs > s.lastMs) s.firstMs = s.lastMs = 0;
  return s;
}
