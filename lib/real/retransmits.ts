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

// ---------------------------------------------------------------------------------------------
// The same comparison as sequence space (issue 31's lossy runs): where the two TCPs cut their streams
// into segments differently (a sub-MSS segment on one side, PSH or a tail elsewhere), no resent range
// is the same on both even when they repair the same bytes. So each side's retransmissions are also
// taken as the set of sequence numbers they covered, per connection, and set against each other and
// against what the link took from that side (its drops: the space the sender had to repair, on its own
// conversation, which is where the two part when their n-th packets carry other bytes).

/** Half-open ranges [start, end), sorted, apart, per connection (the host's n-th, 1-based). */
export type SpaceSet = Map<number, [number, number][]>;

function addRange(set: SpaceSet, conn: number, start: number, end: number): void {
  if (end <= start) return;
  const list = set.get(conn) ?? [];
  list.push([start, end]);
  list.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const r of list) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  set.set(conn, merged);
}

/** How many sequence numbers a set holds. */
export function spaceSize(set: SpaceSet): number {
  let n = 0;
  for (const list of set.values()) for (const [a, b] of list) n += b - a;
  return n;
}

/** The numbers in both sets. */
export function spaceBoth(x: SpaceSet, y: SpaceSet): SpaceSet {
  const out: SpaceSet = new Map();
  for (const [conn, xs] of x) {
    for (const [a, b] of xs) for (const [c, d] of y.get(conn) ?? []) addRange(out, conn, Math.max(a, c), Math.min(b, d));
  }
  return out;
}

/** The space a host's retransmissions covered, per connection (as resendsOf finds them). */
export function resentSpace(events: readonly TraceEvent[], host: string): SpaceSet {
  const set: SpaceSet = new Map();
  for (const r of resendsOf(events, host)) addRange(set, r.conn, r.start, r.end);
  return set;
}

/** The space the link (or a receiver's checksum) dropped of what a host sent, per connection numbered as resendsOf numbers them. */
export function lostSpace(events: readonly TraceEvent[], host: string): SpaceSet {
  const conns = new Map<string, number>();
  const set: SpaceSet = new Map();
  for (const e of events) {
    if (e.type !== 'segment' || e.host !== host || e.forged) continue;
    const key = `${e.src}>${e.dst}`;
    if (e.event === 'tx' && !conns.has(key)) conns.set(key, conns.size + 1);
    if (e.event !== 'drop') continue;
    const conn = conns.get(key);
    if (conn !== undefined) addRange(set, conn, e.rseq, e.rseq + space(e));
  }
  return set;
}

/** How many segments without sequence space (pure ACKs) the link dropped on their way to a host: a sender may resend what it had no ACK for. */
export function acksLostTo(events: readonly TraceEvent[], host: string): number {
  const mine = new Set<string>();
  let n = 0;
  for (const e of events) {
    if (e.type !== 'segment') continue;
    if (e.event === 'tx' && e.host === host) mine.add(e.src);
    else if (e.event === 'drop' && e.host !== host && mine.has(e.dst) && space(e) === 0) n++;
  }
  return n;
}

export interface HostCoverage {
  host: string;
  /** Sequence numbers sent again: by the model, by the kernel, by both. */
  resent: { model: number; kernel: number; both: number };
  /** Sequence numbers the link took from each side, and how many of them that side sent again. */
  lost: { model: number; kernel: number; modelResent: number; kernelResent: number };
  /** Pure ACKs to this host the link dropped, on each side. */
  acksLost: { model: number; kernel: number };
}

export function compareCoverage(host: string, model: readonly TraceEvent[], kernel: readonly TraceEvent[]): HostCoverage {
  const rm = resentSpace(model, host);
  const rk = resentSpace(kernel, host);
  const lm = lostSpace(model, host);
  const lk = lostSpace(kernel, host);
  return {
    host,
    resent: { model: spaceSize(rm), kernel: spaceSize(rk), both: spaceSize(spaceBoth(rm, rk)) },
    lost: { model: spaceSize(lm), kernel: spaceSize(lk), modelResent: spaceSize(spaceBoth(lm, rm)), kernelResent: spaceSize(spaceBoth(lk, rk)) },
    acksLost: { model: acksLostTo(model, host), kernel: acksLostTo(kernel, host) },
  };
}

/**
 * What the coverage says, in one word a host:
 * - `same`: both sent again exactly the same sequence space (whatever their segments);
 * - `alike`: not the same space, but each sent again all the link took from it, and more only where the
 *   link had dropped ACKs on their way to it (a sender resends what it had no ACK for: RFC 6298 5.4): the
 *   two part in what they lost (their n-th packets carried other bytes), not in how they repair;
 * - `differ`: a side left some of what it lost to no retransmission (lost bytes are resent or never
 *   delivered), or sent again what the link did not take from it with no ACK of the peer's lost either
 *   (a spurious or go-back-N retransmission: an RTO that fired early, say, on a busy machine).
 */
export function coverageVerdict(c: HostCoverage): 'same' | 'alike' | 'differ' {
  const { resent: r, lost: l, acksLost: a } = c;
  if (r.model === r.kernel && r.both === r.model) return 'same';
  const repairs = (resent: number, lost: number, lostResent: number, acks: number) => lostResent === lost && (resent === lost || acks > 0);
  return repairs(r.model, l.model, l.modelResent, a.model) && repairs(r.kernel, l.kernel, l.kernelResent, a.kernel) ? 'alike' : 'differ';
}

/** The coverage lines of real's output, after renderResends' (empty when neither side sent anything again). */
export function renderCoverage(hosts: readonly string[], model: readonly TraceEvent[], kernel: readonly TraceEvent[], lang: Lang = 'en'): string[] {
  const per = hosts.map((h) => compareCoverage(h, model, kernel)).filter((c) => c.resent.model + c.resent.kernel > 0);
  if (per.length === 0) return [];
  const out = [msg(lang, 'real.cov.title')];
  const verdict = { same: 'real.cov.same', alike: 'real.cov.alike', differ: 'real.cov.differ' } as const;
  const acks = (n: number) => (n ? msg(lang, n === 1 ? 'real.cov.ack' : 'real.cov.acks', { n }) : '');
  for (const c of per) {
    out.push(msg(lang, 'real.cov.host', {
      host: c.host, model: c.resent.model, kernel: c.resent.kernel, both: c.resent.both,
      lostModel: c.lost.model, resentModel: c.lost.modelResent, acksModel: acks(c.acksLost.model),
      lostKernel: c.lost.kernel, resentKernel: c.lost.kernelResent, acksKernel: acks(c.acksLost.kernel),
      verdict: msg(lang, verdict[coverageVerdict(c)]),
    }));
  }
  return out;
}
