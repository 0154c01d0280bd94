/** The numbers of a run in one block: what each host sent and received, losses, where it ended. */
import type { TcpStateName, TraceEvent } from '../events.ts';
import { displayWidth, padColumns, paint } from './ansi.ts';
import { dropWord, termsTable, whyCounts } from './words.ts';
import { msg, type Lang } from '../../i18n/index.ts';

export interface HostSummary {
  host: string;
  /** Segments the host handed to the link, retransmissions included. */
  segmentsSent: number;
  /** Payload bytes in first transmissions (what the application's data cost once). */
  dataBytesSent: number;
  /** Segments marked as retransmissions, and their payload bytes. */
  retransmissions: number;
  retransmittedBytes: number;
  /** Bytes the host's application read. */
  dataBytesDelivered: number;
  /** Each connection's last state, by connection id, in order of first appearance. */
  finalStates: Record<string, TcpStateName>;
  /** Error codes the application saw (ECONNREFUSED, ...), in order. */
  errors: string[];
}

export interface Summary {
  scenario?: string;
  seed?: number;
  /** Time of the last event, in ms since the start of the run. */
  durationMs: number;
  /** Totals over all hosts. */
  segmentsSent: number;
  retransmissions: number;
  /** Retransmissions by the `why` of their tx event ('' when it has none), in order of first appearance. */
  retransmissionsBy: Record<string, number>;
  /** Segments that died, by reason (loss, scripted, checksum, ...), reasons sorted. */
  drops: Record<string, number>;
  dropsTotal: number;
  /** `expect` events checked during the run. */
  expectationsPassed: number;
  expectationsFailed: number;
  /** The hosts asked for first, then in order of first appearance in the trace. */
  hosts: HostSummary[];
}

/** `opts.hosts` puts those hosts first, in that order; others follow in order of first appearance. */
export function summarize(events: readonly TraceEvent[], opts: { hosts?: string[] } = {}): Summary {
  const b = new SummaryBuilder(opts.hosts);
  for (const ev of events) b.add(ev);
  return b.result();
}

/**
 * The summary counted as a run goes, one event (or one fact) at a time: what `summarize` does over a
 * whole trace, and what a run that keeps no trace (lib/trace/counters.ts) does without making events.
 * Both feed the same methods, so the two cannot count differently.
 */
export class SummaryBuilder {
  private readonly hosts = new Map<string, HostSummary>();
  private readonly drops = new Map<string, number>();
  private readonly s: Summary = {
    durationMs: 0, segmentsSent: 0, retransmissions: 0, retransmissionsBy: {}, drops: {}, dropsTotal: 0,
    expectationsPassed: 0, expectationsFailed: 0, hosts: [],
  };

  constructor(hosts: readonly string[] = []) {
    for (const name of hosts) this.host(name);
  }

  host(name: string): HostSummary {
    let h = this.hosts.get(name);
    if (!h) {
      h = { host: name, segmentsSent: 0, dataBytesSent: 0, retransmissions: 0, retransmittedBytes: 0, dataBytesDelivered: 0, finalStates: {}, errors: [] };
      this.hosts.set(name, h);
    }
    return h;
  }

  meta(scenario: string, seed: number): void {
    this.s.scenario = scenario;
    this.s.seed = seed;
  }

  /** Every event's time passes here: the duration is the time of the last one. */
  time(t: number): void {
    if (t > this.s.durationMs) this.s.durationMs = t;
  }

  sent(h: HostSummary, len: number, retransmit: boolean | undefined, why: string | undefined): void {
    const s = this.s;
    h.segmentsSent++;
    s.segmentsSent++;
    if (retransmit) {
      h.retransmissions++;
      h.retransmittedBytes += len;
      s.retransmissions++;
      s.retransmissionsBy[why ?? ''] = (s.retransmissionsBy[why ?? ''] ?? 0) + 1;
    } else {
      h.dataBytesSent += len;
    }
  }

  dropped(reason: string | undefined): void {
    const r = reason ?? 'unknown';
    this.drops.set(r, (this.drops.get(r) ?? 0) + 1);
    this.s.dropsTotal++;
  }

  state(h: HostSummary, conn: string, to: TcpStateName): void {
    h.finalStates[conn] = to;
  }

  app(h: HostSummary, event: string, bytes: number | undefined, error: string | undefined): void {
    if (event === 'data') h.dataBytesDelivered += bytes ?? 0;
    if (event === 'error' && error !== undefined) h.errors.push(error);
  }

  expectation(ok: boolean): void {
    if (ok) this.s.expectationsPassed++;
    else this.s.expectationsFailed++;
  }

  add(ev: TraceEvent): void {
    if (ev.type === 'meta') {
      this.meta(ev.scenario, ev.seed);
      return;
    }
    this.time(ev.t);
    if (ev.type === 'cc' || ev.type === 'queue') return;
    const h = this.host(ev.host);
    switch (ev.type) {
      case 'segment':
        if (ev.event === 'tx') this.sent(h, ev.len, ev.retransmit, ev.why);
        else if (ev.event === 'drop') this.dropped(ev.reason);
        break;
      case 'state':
        this.state(h, ev.conn, ev.to);
        break;
      case 'app':
        this.app(h, ev.event, ev.bytes, ev.error);
        break;
      case 'expect':
        this.expectation(ev.ok);
        break;
      case 'timer':
        break;
    }
  }

  /** Drops by reason, in order of first appearance (RunStats keeps that order). */
  dropsInOrder(): Record<string, number> {
    return Object.fromEntries(this.drops);
  }

  /** The summary so far (a copy of the totals; the host rows are the builder's own). */
  result(): Summary {
    const drops: Record<string, number> = {};
    for (const reason of [...this.drops.keys()].sort()) drops[reason] = this.drops.get(reason)!;
    return { ...this.s, retransmissionsBy: { ...this.s.retransmissionsBy }, drops, hosts: [...this.hosts.values()] };
  }
}

export interface SummaryOptions {
  color: boolean;
  /** The language of the words (default English, issue 26). */
  lang?: Lang;
}

export function renderSummary(s: Summary, opts: SummaryOptions): string {
  const color = opts.color;
  const lang = opts.lang ?? 'en';
  const TERMS = termsTable(lang);
  let title = msg(lang, 'summary.title');
  if (s.scenario !== undefined) title += ` · ${TERMS.scenario} ${s.scenario}`;
  if (s.seed !== undefined) title += ` · ${TERMS.seed} ${s.seed}`;
  title += ` · ${s.durationMs.toFixed(3)} ms`;
  const out = [paint(title, 'bold', color)];

  const head = [TERMS.host, TERMS.segments, TERMS.dataSent, TERMS.delivered, TERMS.rtx, TERMS.finalState];
  const rows = s.hosts.map((h) => {
    const conns = Object.entries(h.finalStates);
    const final = conns.length === 0 ? '-' : conns.length === 1 ? conns[0]![1] : conns.map(([c, st]) => `${c} ${st}`).join(', ');
    return [h.host, String(h.segmentsSent), String(h.dataBytesSent), String(h.dataBytesDelivered), String(h.retransmissions), final, h.errors.join(' ')];
  });
  const w = head.map((title, i) => Math.max(displayWidth(title), ...rows.map((r) => displayWidth(r[i]!))));
  const line = (cells: string[], errs = ''): string =>
    ('  ' + cells.map((c, i) => padColumns(c, w[i]!, i === 0 || i === 5 ? 'end' : 'start')).join('  ') +
      (errs ? '  ' + paint(msg(lang, 'term.error', { error: errs }), 'boldRed', color) : '')).trimEnd();
  out.push(paint(line(head), 'dim', color));
  for (const r of rows) out.push(line(r.slice(0, 6), r[6]));

  const dropText = s.dropsTotal === 0 ? msg(lang, 'term.none') : `${s.dropsTotal} (${Object.entries(s.drops).map(([r, n]) => `${dropWord(r, lang)} ${n}`).join(', ')})`;
  let foot = `  ${TERMS.drops}: ${s.dropsTotal === 0 ? dropText : paint(dropText, 'red', color)} · ${TERMS.retransmissions}: ${s.retransmissions}` +
    (s.retransmissions > 0 ? ` (${whyCounts(new Map(Object.entries(s.retransmissionsBy)), lang)})` : '');
  const checked = s.expectationsPassed + s.expectationsFailed;
  if (checked > 0) {
    foot += ` · ${TERMS.expectations}: ${s.expectationsPassed} ${msg(lang, 'term.ok')}` +
      (s.expectationsFailed > 0 ? `, ${paint(msg(lang, 'term.failed', { n: s.expectationsFailed }), 'boldRed', color)}` : '');
  }
  out.push(foot);
  return out.join('\n') + '\n';
}
