import { cubicResponseSegments } from '../tcp/recovery/cubic.ts';
import type { TcpConfigInput } from '../tcp/config.ts';
import { simBulk } from './sim.ts';
import type { HostTracer } from '../host/host.ts';
import { ACK } from '../wire/tcp-types.ts';

/**
 * The textbook check (issue 25): goodput of a long transfer against random loss, next to what theory says.
 *
 * - Reno/NewReno against Mathis, Semke, Mahdavi and Ott (1997): BW = MSS / RTT * C / sqrt(p), C = sqrt(3/2)
 *   (a periodic loss every 1/p segments, an ACK per segment or byte counting as RFC 5681 3.1 does it).
 * - CUBIC against RFC 9438 5.1's response function: the average window, CUBIC's own or the Reno-friendly
 *   region's where that is more (lib/tcp/recovery/cubic.ts cubicResponseSegments), times MSS / RTT.
 *
 * Virtual time, so this is a fidelity figure, not a speed one: 100 ms of round trip (50 ms each way), MSS
 * 1460, random loss in both directions (ACKs too), buffers large enough that the window is cwnd's alone,
 * delayed ACKs on (the linux profile's). Goodput is counted over the last three quarters of the transfer (the
 * steady state). The ratio is measured goodput over the formula's; the goal is 0.75-1.25.
 */

export const MATHIS_LOSS_RATES = [0.001, 0.01, 0.05] as const;
export const MATHIS_RTT_MS = 100;
const MSS = 1460;
/** Mathis et al.'s constant for one ACK per segment (or byte counting): sqrt(3/2). */
export const MATHIS_C = Math.sqrt(3 / 2);

/** The variants measured: the classic RFC 5681/6582 sender, Reno with Linux's recovery, and Linux's default. */
export const MATHIS_VARIANTS: readonly { name: string; model: 'mathis' | 'cubic'; tcp: TcpConfigInput }[] = [
  { name: 'newreno', model: 'mathis', tcp: { congestionControl: 'reno', lossRecovery: 'newreno', prr: false, undo: false, frto: false } },
  { name: 'reno+rack', model: 'mathis', tcp: { congestionControl: 'reno' } },
  { name: 'cubic', model: 'cubic', tcp: { congestionControl: 'cubic' } },
];

/** Bytes per second the model predicts for one variant at loss rate `p`. */
export function predictedGoodput(model: 'mathis' | 'cubic', p: number, rttMs = MATHIS_RTT_MS, mss = MSS): number {
  const rtt = rttMs / 1000;
  if (model === 'mathis') return ((mss / rtt) * MATHIS_C) / Math.sqrt(p);
  return (cubicResponseSegments(p, rtt) * mss) / rtt;
}

export interface MathisPoint {
  variant: string;
  loss: number;
  /** Mean goodput over the seeds (bytes per virtual second), the formula's, and their ratio. */
  goodput: number;
  predicted: number;
  ratio: number;
  /** Each seed's ratio, to show the spread. */
  ratios: number[];
  virtualMs: number;
  wallMs: number;
}

/**
 * Run every variant at every loss rate. Each transfer is long enough for about `events` loss events
 * (`events / p` segments, at least 20,000), so slow start at the beginning weighs little; `seeds` runs each.
 */
export function runMathis(o: { events: number; seeds: number; minSegments: number }): MathisPoint[] {
  const out: MathisPoint[] = [];
  for (const v of MATHIS_VARIANTS) {
    for (const p of MATHIS_LOSS_RATES) {
      const segments = Math.max(o.minSegments, Math.round(o.events / p));
      const bytes = segments * MSS;
      const predicted = predictedGoodput(v.model, p);
      const ratios: number[] = [];
      let goodputSum = 0;
      let virtualMs = 0;
      let wallMs = 0;
      for (let seed = 1; seed <= o.seeds; seed++) {
        // Steady state only: goodput is counted from the moment the receiver has acknowledged the first quarter,
        // so the first slow start (and its overshoot, large when the first loss comes late) weighs nothing.
        let base: number | undefined;
        let quarterMs = 0;
        const tracer: HostTracer = {
          segment(event, host, _conn, _src, _dst, seg) {
            if (quarterMs > 0 || event !== 'tx' || host.name !== 'client' || !(seg.flags & ACK)) return;
            base ??= seg.ack;
            if (((seg.ack - base) >>> 0) >= bytes / 4) quarterMs = host.clock.now;
          },
          state() {},
          app() {},
        };
        const r = simBulk({ bytes, mss: MSS, buffer: 16 << 20, link: { loss: p, delayMs: MATHIS_RTT_MS / 2 }, seed, tcp: { ...v.tcp }, tracer });
        const goodput = ((bytes - bytes / 4) * 1000) / (r.virtualMs - quarterMs);
        goodputSum += goodput;
        ratios.push(goodput / predicted);
        virtualMs += r.virtualMs;
        wallMs += r.wallMs;
      }
      const goodput = goodputSum / o.seeds;
      out.push({ variant: v.name, loss: p, goodput, predicted, ratio: goodput / predicted, ratios, virtualMs, wallMs });
    }
  }
  return out;
}

/**
 * An ASCII plot of measured against predicted goodput (log scale on both axes is what the √p law wants;
 * here one row per point, the bar the measured goodput, `|` the formula's, each on a log scale).
 */
export function mathisPlot(points: readonly MathisPoint[], width = 50): string {
  const all = points.flatMap((p) => [p.goodput, p.predicted]);
  const lo = Math.log10(Math.min(...all) / 1.5);
  const hi = Math.log10(Math.max(...all) * 1.5);
  const col = (v: number) => Math.round(((Math.log10(v) - lo) / (hi - lo)) * (width - 1));
  const lines = [`goodput, log scale from ${kB(10 ** lo)} to ${kB(10 ** hi)}: # measured, | formula (Mathis for Reno, RFC 9438 5.1 for CUBIC)`];
  for (const p of points) {
    const bar = '#'.repeat(col(p.goodput) + 1).padEnd(width, ' ').split('');
    const f = col(p.predicted);
    bar[f] = bar[f] === '#' ? '|' : '|';
    const label = `${p.variant.padEnd(9)} p=${String(p.loss * 100).padEnd(4)}%`;
    lines.push(`${label} ${bar.join('')} ${kB(p.goodput)} / ${kB(p.predicted)} = ${p.ratio.toFixed(2)}`);
  }
  return lines.join('\n') + '\n';
}

function kB(bytesPerSec: number): string {
  return bytesPerSec >= 1e6 ? `${(bytesPerSec / 1e6).toFixed(2)} MB/s` : `${(bytesPerSec / 1e3).toFixed(0)} kB/s`;
}
