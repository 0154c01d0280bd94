/**
 * The segments each sender sent again, model against kernel (issue 31: "lossy scenarios agree between
 * model and kernel in the segments each retransmits"). Both sides are read from the wire alike: a
 * segment that carries sequence space (data, SYN or FIN) starting below the highest sequence its
 * connection had already sent is a retransmission. Ranges are relative to the connection's initial
 * sequence number (the trace's rseq); a host's connections are told apart by the order each first
 * sent (its first, second, ... connection), since the kernel's ports are its own.
 *
 * Two retransmissions are the same when they cover the same relative range; the i-th resend of a
 * range on one side is paired with the i-th on the other, and the pair's times are compared.
 */
import type { SegmentEvent, TraceEvent } from '../trace/events.ts';
import { msg, type Lang } from '../i18n/index.ts';

export interface Resend {
  /** The host's n-th connection (1-based), by first segment sent. */
  conn: number;
  t: number;
  start: number;
  end: number;
  flags: string;
}

export interface HostResends {
  host: string;
  model: Resend[];
  kernel: Resend[];
  /** Resends of the same range on both sides (paired in order). */
  same: { model: Resend; kernel: Resend }[];
  onlyModel: Resend[];
  onlyKernel: Resend[];
}

const space = (s: SegmentEvent) => s.len + (s.flags.includes('S') ? 1 : 0) + (s.flags.includes('F') ? 1 : 0);

/** The retransmissions a host sent, in order. */
export function resendsOf(events: readonly TraceEvent[], host: string): Resend[] {
  const flows = new Map<string, { n: number; high: number }>();
  const out: Resend[] = [];
  for (const e of events) {
    if (e.type !== 'segment' || e.event !== 'tx' || e.host !== host || e.forged) continue;
    const key = `${e.src}>${e.dst}`;
    let f = flows.get(key);
    if (!f) flows.set(key, (f = { n: flows.size + 1, high: 0 }));
    const n = space(e);
    if (n === 0) continue;
    const start = e.rseq;
    const end = start + n;
    if (start < f.high) out.push({ conn: f.n, t: e.t, start, end, flags: e.flags });
    if (end > f.high) f.high = end;
  }
  return out;
}

const rangeKey = (r: Resend) => `${r.conn} ${r.start}:${r.end}`;

export function compareResends(host: string, model: readonly TraceEvent[], kernel: readonly TraceEvent[]): HostResends {
  const m = resendsOf(model, host);
  const k = resendsOf(kernel, host);
  const pool = new Map<string, Resend[]>();
  for (const r of k) {
    const key = rangeKey(r);
    pool.set(key, [...(pool.get(key) ?? []), r]);
  }
  const same: HostResends['same'] = [];
  const onlyModel: Resend[] = [];
  const used = new Set<Resend>();
  for (const r of m) {
    const match = pool.get(rangeKey(r))?.shift();
    if (match) {
      same.push({ model: r, kernel: match });
      used.add(match);
    } else {
      onlyModel.push(r);
    }
  }
  return { host, model: m, kernel: k, same, onlyModel, onlyKernel: k.filter((r) => !used.has(r)) };
}

const LIST = 8;

function rangeText(r: Resend): string {
  return `${r.conn > 1 ? `#${r.conn} ` : ''}${r.start}:${r.end}${r.flags.includes('S') ? ' SYN' : r.flags.includes('F') ? ' FIN' : ''} at ${r.t.toFixed(0)}`;
}

function list(rs: readonly Resend[], lang: Lang = 'en'): string {
  const shown = rs.slice(0, LIST).map(rangeText).join(', ');
  return rs.length > LIST ? msg(lang, 'real.rtx.more', { shown, n: rs.length - LIST }) : shown;
}

/** The section of real's output; empty when neither side sent anything again. */
export function renderResends(hosts: readonly string[], model: readonly TraceEvent[], kernel: readonly TraceEvent[], lang: Lang = 'en'): string[] {
  const per = hosts.map((h) => compareResends(h, model, kernel)).filter((r) => r.model.length + r.kernel.length > 0);
  if (per.length === 0) return [];
  const out = ['', msg(lang, 'real.rtx.title')];
  for (const r of per) {
    const lag = r.same.map((p) => p.kernel.t - p.model.t).sort((a, b) => a - b);
    const median = lag.length ? lag[Math.floor(lag.length / 2)] : undefined;
    out.push(msg(lang, 'real.rtx.host', { host: r.host, model: r.model.length, kernel: r.kernel.length, same: r.same.length, lag: median !== undefined ? msg(lang, 'real.rtx.lag', { ms: median.toFixed(0) }) : '' }));
    if (r.onlyModel.length) out.push(msg(lang, 'real.rtx.onlyModel', { list: list(r.onlyModel, lang) }));
    if (r.onlyKernel.length) out.push(msg(lang, 'real.rtx.onlyKernel', { list: list(r.onlyKernel, lang) }));
  }
  return out;
}
