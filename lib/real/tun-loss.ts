/**
 * `tcpemu tun` with losses (issue 25): the kernel sends a bulk transfer to the model, then the model sends
 * one to the kernel, each through the TUN device over a path that drops the same packets of the sender
 * (lib/real/tun-bulk.ts: a list of the sender's packets, and seeded random loss from one stream in both
 * runs). Then the two senders are set side by side:
 * - the segments each sent again, and when: lib/real/retransmits.ts, the comparison `tcpemu real` prints
 *   (the same relative range resent on both, paired in order, the kernel's lag; then as sequence space);
 * - the congestion window of each over time, in segments: the model's from its trace, the kernel's from
 *   its socket's tcp_info; sampled on one time grid, with each one's time-weighted mean.
 * Each run's sender is the host `sender` in both traces, so the comparison reads them as one host.
 */
import { runTunChild } from './tun.ts';
import { SENDER, type BulkOptions, type BulkReport, type CwndSample } from './tun-bulk.ts';
import { compareResends, renderCoverage, renderResends, type HostResends } from './retransmits.ts';
import type { TimedEvent } from '../trace/events.ts';
import { msg, word, type Lang } from '../i18n/index.ts';

/** A BulkOptions for both runs: all but the sender and the device; the port defaults to 7000. */
export type LossOptions = Omit<BulkOptions, 'sender' | 'fd' | 'port'> & { port?: number };

export type LossRun = BulkReport & { namespace: string; wallMs: number };

export interface LossComparison {
  options: LossOptions;
  kernel: LossRun;
  model: LossRun;
  resends: HostResends;
  /** Each sender's window (segments) at the grid's times, and its time-weighted mean over its transfer. */
  cwnd: { times: number[]; kernel: (number | undefined)[]; model: (number | undefined)[]; kernelMean: number; modelMean: number };
}

/** The sender's events under the one name `sender`, the receiver's under `receiver`. */
export function asRoles(r: Pick<BulkReport, 'sender' | 'trace'>): TimedEvent[] {
  return r.trace.map((e) => ('host' in e ? { ...e, host: e.host === r.sender ? SENDER : 'receiver' } : e)) as TimedEvent[];
}

/** The window in force at time t (the last sample at or before t), or undefined before the first. */
export function cwndAt(samples: readonly CwndSample[], t: number): number | undefined {
  let v: number | undefined;
  for (const s of samples) {
    if (s.t > t) break;
    v = s.cwnd;
  }
  return v;
}

/** The time-weighted mean of the window over [0, end] (from its first sample). */
export function meanCwnd(samples: readonly CwndSample[], end: number): number {
  let area = 0;
  let span = 0;
  for (let i = 0; i < samples.length; i++) {
    const from = Math.max(0, samples[i].t);
    const to = Math.min(end, samples[i + 1]?.t ?? end);
    if (to <= from) continue;
    area += samples[i].cwnd * (to - from);
    span += to - from;
  }
  return span > 0 ? area / span : NaN;
}

export function compareLossRuns(options: LossOptions, kernel: LossRun, model: LossRun, columns = 10): LossComparison {
  const resends = compareResends(SENDER, asRoles(model), asRoles(kernel));
  const end = Math.max(kernel.transferMs || 0, model.transferMs || 0);
  const step = end > 0 ? end / columns : 0;
  const times = Array.from({ length: columns + 1 }, (_, i) => Math.round(i * step));
  return {
    options, kernel, model, resends,
    cwnd: {
      times,
      kernel: times.map((t) => cwndAt(kernel.cwnd, t)),
      model: times.map((t) => cwndAt(model.cwnd, t)),
      kernelMean: meanCwnd(kernel.cwnd, kernel.transferMs),
      modelMean: meanCwnd(model.cwnd, model.transferMs),
    },
  };
}

/** Both transfers, one after the other (each in a namespace of its own), and their comparison. */
export async function runLossComparison(o: LossOptions): Promise<LossComparison> {
  const timeoutMs = o.timeoutMs ?? 60_000;
  const run = (sender: BulkOptions['sender']) => runTunChild<BulkReport>({
    mode: 'bulk', sender, port: o.port ?? 7000, bytes: o.bytes, drop: o.drop, loss: o.loss, seed: o.seed, delayMs: o.delayMs, profile: o.profile ?? 'linux', timeoutMs,
  }, timeoutMs);
  const kernel = await run('kernel');
  const model = await run('model');
  return compareLossRuns(o, kernel, model);
}

const fmt = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '-' : String(Math.round(v * 10) / 10));

/** The comparison as lines of text, in `lang`. */
export function renderLossComparison(c: LossComparison, lang: Lang = 'en'): string {
  const o = c.options;
  const what = [
    ...(o.drop.length ? [msg(lang, 'tunloss.dropList', { list: o.drop.map((n) => `#${n}`).join(',') })] : []),
    ...(o.loss > 0 ? [msg(lang, 'tunloss.random', { loss: `${Math.round(o.loss * 10000) / 100}%`, seed: o.seed })] : []),
  ].join(msg(lang, 'tunloss.and'));
  const lines = [msg(lang, 'tunloss.title', { bytes: o.bytes, delay: o.delayMs, what, cc: c.kernel.congestionControl })];
  for (const note of new Set([...c.kernel.notApplied, ...c.model.notApplied].map((n) => word(lang, n)))) lines.push(msg(lang, 'tunloss.notApplied', { note }));
  for (const r of [c.kernel, c.model]) {
    const resent = c.resends[r.sender === 'kernel' ? 'kernel' : 'model'].length;
    const dropped = Object.values(r.link['sender>receiver']?.dropped ?? {}).reduce((a, b) => a + b, 0);
    lines.push(msg(lang, r.sender === 'kernel' ? 'tunloss.kernelRun' : 'tunloss.modelRun', {
      ms: fmt(r.transferMs), sent: r.link['sender>receiver']?.sent ?? 0, dropped, resent,
      ok: r.ok ? msg(lang, 'tunloss.ok') : msg(lang, 'tunloss.failed', { problems: r.problems.join('; ') }),
    }));
  }
  const rtx = renderResends([SENDER], asRoles(c.model), asRoles(c.kernel), lang);
  if (rtx.length === 0) lines.push('', msg(lang, 'tunloss.noResends'));
  else lines.push(...rtx, ...renderCoverage([SENDER], asRoles(c.model), asRoles(c.kernel), lang));
  lines.push('', msg(lang, 'tunloss.cwndTitle'));
  const w = Math.max(6, ...c.cwnd.times.map((t) => String(t).length + 1));
  const row = (label: string, vals: (number | string | undefined)[]) => `  ${label.padEnd(8)}${vals.map((v) => (typeof v === 'string' ? v : fmt(v)).padStart(w)).join('')}`;
  lines.push(row(msg(lang, 'tunloss.cwndT'), c.cwnd.times.map(String)));
  lines.push(row(msg(lang, 'tunloss.cwndKernel'), c.cwnd.kernel), row(msg(lang, 'tunloss.cwndModel'), c.cwnd.model));
  lines.push(msg(lang, 'tunloss.cwndMean', { kernel: fmt(c.cwnd.kernelMean), model: fmt(c.cwnd.modelMean), reads: c.kernel.infoReads }));
  return lines.join('\n') + '\n';
}
