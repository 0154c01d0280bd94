/** The numbers of a run in one block: what each host sent and received, losses, where it ended. */
import type { TcpStateName, TraceEvent } from '../events.ts';
import { displayWidth, padColumns, paint } from './ansi.ts';
import { termsTable, whyCounts } from './words.ts';
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
  const hosts = new Map<string, HostSummary>();
  const hostOf = (name: string): HostSummary => {
    let h = hosts.get(name);
    if (!h) {
      h = { host: name, segmentsSent: 0, dataBytesSent: 0, retransmissions: 0, retransmittedBytes: 0, dataBytesDelivered: 0, finalStates: {}, errors: [] };
      hosts.set(name, h);
    }
    return h;
  };
  const s: Summary = {
    durationMs: 0, segmentsSent: 0, retransmissions: 0, retransmissionsBy: {}, drops: {}, dropsTotal: 0,
    expectationsPassed: 0, expectationsFailed: 0, hosts: [],
  };
  const drops = new Map<string, number>();
  for (const name of opts.hosts ?? []) hostOf(name);
  for (const ev of events) {
    if (ev.type === 'meta') {
      s.scenario = ev.scenario;
      s.seed = ev.seed;
      continue;
    }
    s.durationMs = Math.max(s.durationMs, ev.t);
    if (ev.type === 'cc') continue;
    const h = hostOf(ev.host);
    switch (ev.type) {
      case 'segment':
        if (ev.event === 'tx') {
          h.segmentsSent++;
          s.segmentsSent++;
          if (ev.retransmit) {
            h.retransmissions++;
            h.retransmittedBytes += ev.len;
            s.retransmissions++;
            s.retransmissionsBy[ev.why ?? ''] = (s.retransmissionsBy[ev.why ?? ''] ?? 0) + 1;
          } else {
            h.dataBytesSent += ev.len;
          }
        } else if (ev.event === 'drop') {
          const reason = ev.reason ?? 'unknown';
          drops.set(reason, (drops.get(reason) ?? 0) + 1);
          s.dropsTotal++;
        }
        break;
      case 'state':
        h.finalStates[ev.conn] = ev.to;
        break;
      case 'app':
        if (ev.event === 'data') h.dataBytesDelivered += ev.bytes ?? 0;
        if (ev.event === 'error' && ev.error !== undefined) h.errors.push(ev.error);
        break;
      case 'expect':
        if (ev.ok) s.expectationsPassed++;
        else s.expectationsFailed++;
        break;
      case 'timer':
        break;
    }
  }
  for (const reason of [...drops.keys()].sort()) s.drops[reason] = drops.get(reason)!;
  s.hosts = [...hosts.values()];
  return s;
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

  const dropText = s.dropsTotal === 0 ? msg(lang, 'term.none') : `${s.dropsTotal} (${Object.entries(s.drops).map(([r, n]) => `${r} ${n}`).join(', ')})`;
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
