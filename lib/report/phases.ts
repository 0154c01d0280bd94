/**
 * The congestion window by phase (issue 25): for each sender, when it was in slow start, in HyStart++'s
 * conservative slow start, in congestion avoidance (Reno's line, or CUBIC's concave and convex regions),
 * in fast recovery and in the loss phase after a timeout, read from the trace alone:
 *
 * - recovery begins with a fast retransmission (`why` dupack, sack-hole, rack, or NewReno's fast-retransmit)
 *   and the loss phase with a timeout's (`rto`); either ends when the peer acknowledges everything sent
 *   before it began (RFC 6582 3.2 / RFC 6675 5 (A): the recovery point; RFC 6675 5.1 after a timeout);
 * - outside them, the `cc` events say (before the first one, a sender of data is in slow start): cwnd below ssthresh is slow start (CUBIC's `phase: css` the
 *   conservative one, RFC 9406 4.2); at or above it, with CUBIC's W_max known, cwnd below W_max is the
 *   concave region and above it the convex one (RFC 9438 4.2, 4.3); else congestion avoidance.
 *
 * The chart draws each phase as a shaded band under the lines (renderPhaseBands) and lists them in words.
 */
import type { CongestionEvent, SegmentEvent, TraceEvent } from '../trace/events.ts';
import { el, dnum, esc } from './svg.ts';
import { msg, type Lang, type MessageKey } from '../i18n/index.ts';

export type CcPhase = 'slow-start' | 'css' | 'avoidance' | 'concave' | 'convex' | 'recovery' | 'loss';

export interface PhaseBand {
  t0: number;
  t1: number;
  phase: CcPhase;
}

/** Retransmission reasons that start fast recovery (the SACK modules' and NewReno's). */
const FAST_WHY = new Set(['dupack', 'sack-hole', 'rack', 'fast-retransmit']);
/** ssthresh at or above this is "unbounded" (the trace writes 2^31 - 1). */
const UNBOUNDED = 0x7fffffff;

/** The phases of `host`'s connection `conn`, in time order, the last one held until `tEnd`. */
export function ccPhases(events: readonly TraceEvent[], host: string, conn: string, tEnd: number): PhaseBand[] {
  const bands: PhaseBand[] = [];
  let cur: { phase: CcPhase; t0: number } | undefined;
  let mss = 0;
  let sndMax = 0;
  let state: 'open' | 'recovery' | 'loss' = 'open';
  let point = 0;
  let cwnd: number | undefined;
  let ssthresh: number | undefined;
  let cubicPhase: string | undefined;
  let wMax: number | undefined;
  const base = (): CcPhase | undefined => {
    // Before the first `cc` event (written on the first ACK) a sender that sent data is in slow start (RFC 5681 3.1).
    if (cwnd === undefined) return sndMax > 1 ? 'slow-start' : undefined;
    if (ssthresh === undefined || cwnd < ssthresh) return cubicPhase === 'css' ? 'css' : 'slow-start';
    if (wMax !== undefined && mss > 0) return cwnd < wMax * mss ? 'concave' : 'convex';
    return 'avoidance';
  };
  for (const e of events) {
    if (e.type === 'segment') {
      const s = e as SegmentEvent;
      if (s.host !== host || s.conn !== conn) continue;
      if (s.event === 'tx') {
        if (s.len > mss) mss = s.len;
        if (s.retransmit && state === 'open' && s.why !== undefined && FAST_WHY.has(s.why)) {
          state = 'recovery';
          point = sndMax;
        } else if (s.retransmit && s.why === 'rto' && state !== 'loss') {
          state = 'loss';
          point = sndMax;
        }
        const end = s.rseq + s.len;
        if (end > sndMax) sndMax = end;
      } else if (s.event === 'rx' && state !== 'open' && s.flags.includes('.') && s.rack >= point) {
        state = 'open';
      }
    } else if (e.type === 'cc') {
      const c = e as CongestionEvent;
      if (c.host !== host || c.conn !== conn) continue;
      cwnd = c.cwnd;
      ssthresh = c.ssthresh >= UNBOUNDED ? undefined : c.ssthresh;
      if (c.phase !== undefined) cubicPhase = c.phase;
      if (c.wMax !== undefined) wMax = c.wMax;
    } else {
      continue;
    }
    const phase = state !== 'open' ? state : base();
    if (phase === undefined || cur?.phase === phase) continue;
    if (cur) bands.push({ t0: cur.t0, t1: e.t, phase: cur.phase });
    cur = { phase, t0: e.t };
  }
  if (cur) bands.push({ t0: cur.t0, t1: Math.max(tEnd, cur.t0), phase: cur.phase });
  return bands.filter((b) => b.t1 > b.t0 || b === bands[bands.length - 1]);
}

const WORD: Record<CcPhase, MessageKey> = {
  'slow-start': 'ph.slowStart', 'css': 'ph.css', 'avoidance': 'ph.avoidance', 'concave': 'ph.concave', 'convex': 'ph.convex',
  'recovery': 'ph.recovery', 'loss': 'ph.loss',
};

/**
 * Shaded bands for a chart's plot (data units: x in ms, y minus the value). `top` is the largest value any of
 * the chart's series reaches: a band spans from below zero to well above it, whatever part the axis shows.
 */
export function renderPhaseBands(bands: readonly PhaseBand[], lang: Lang, top: number): string {
  const h = Math.max(1, top) * 4;
  return bands.map((b) => el('rect', {
    class: `phase ph-${b.phase}`, x: dnum(b.t0), width: dnum(Math.max(b.t1 - b.t0, 0)), y: dnum(-h), height: dnum(2 * h),
  }, `<title>${esc(`${msg(lang, WORD[b.phase])}: ${ms(b.t0)}–${ms(b.t1)} ms`)}</title>`)).join('');
}

/** The largest value in series of [t, v, ...] pairs (0 for none). */
export function seriesTop(series: ReadonlyArray<readonly number[]>): number {
  let top = 0;
  for (const d of series) for (let i = 1; i < d.length; i += 2) if (d[i]! > top) top = d[i]!;
  return top;
}

/** The legend's swatches for the phases that occur, in a fixed order. */
export function phaseLegend(bands: readonly PhaseBand[], lang: Lang): string {
  const seen = new Set(bands.map((b) => b.phase));
  return (Object.keys(WORD) as CcPhase[]).filter((p) => seen.has(p)).map((p) => `<span class="key">${el('svg', { width: 16, height: 10, 'aria-hidden': 'true' },
    el('rect', { class: `phase-key ph-${p}`, x: 1, y: 0, width: 14, height: 10 }))}${esc(msg(lang, WORD[p]))}</span>`).join('');
}

/** The phases in words, one line: "slow start 0–120 ms · recovery 140–180 ms · ...". */
export function phaseText(bands: readonly PhaseBand[], lang: Lang): string {
  return bands.map((b) => `${msg(lang, WORD[b.phase])} ${ms(b.t0)}–${ms(b.t1)} ms`).join(' · ');
}

/** A time for the words: whole milliseconds, or one decimal below 10 ms. */
function ms(t: number): string {
  return t < 10 ? (Math.round(t * 10) / 10).toString() : Math.round(t).toString();
}

/** The phases' fills: light enough that the lines stay readable, one hue per kind. */
export const PHASE_CSS = `
.phase { stroke: none; fill-opacity: 0.13; }
.phase-key { stroke: none; fill-opacity: 0.35; }
.ph-slow-start { fill: #56B4E9; } .ph-css { fill: #0072B2; } .ph-avoidance { fill: #999999; }
.ph-concave { fill: #009E73; } .ph-convex { fill: #E69F00; } .ph-recovery { fill: #D55E00; } .ph-loss { fill: #CC79A7; }
`;
