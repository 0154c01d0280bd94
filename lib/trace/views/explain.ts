/**
 * The explain view (issue 26): the story of a trace in numbered plain sentences, one item per event
 * that a learner would notice (a segment sent, arriving or lost; a state change; what the application
 * did or saw; a timer firing; a check). Every sentence is made from the trace itself: which rule made
 * a segment is read from its flags, its `why`, the state of its connection and what that connection
 * last received; the numbers are this connection's; the timeouts are the times between a timer's `set`
 * and its `fire`. A sentence that comes from a rule names it (RFC 9293 3.5, RFC 6298 5.4, ...).
 *
 * Timer `set`/`cancel` and `cc` events are not items of their own: they give the durations and
 * deadlines the other sentences quote.
 */
import type { AppEvent, SegmentEvent, StateEvent, TcpStateName, TimedEvent, TimerName, TraceEvent } from '../events.ts';
import { isKey, msg, type Lang, type MessageKey, type Params } from '../../i18n/index.ts';
import { segmentLabel } from './label.ts';
import { paint } from './ansi.ts';
import { previewText, type Payloads } from '../payload.ts';
import { dropWord } from './words.ts';
import { expectationDetail, expectationWhat } from '../../i18n/expect-words.ts';

export interface ExplainOptions {
  lang?: Lang;
  /** The bytes segments carried, for the text of data segments and application reads and writes. */
  payloads?: Payloads;
  /** The scenario's title and description in the chosen language, to head the output. */
  title?: string;
  description?: string;
}

export type ItemKind = 'tx' | 'rx' | 'drop' | 'state' | 'app' | 'timer' | 'expect';

export interface ExplainItem {
  /** 1-based number, as printed. */
  n: number;
  t: number;
  /** Index of the event in the trace it explains. */
  index: number;
  kind: ItemKind;
  host: string;
  sentences: string[];
  /** For a state item: the transition. */
  state?: { conn: string; from: TcpStateName; to: TcpStateName };
  retransmit?: boolean;
  /** For an expect item: whether it held. */
  ok?: boolean;
}

export interface Explanation {
  scenario?: string;
  seed?: number;
  title?: string;
  description?: string;
  items: ExplainItem[];
  totals: { segments: number; retransmissions: number; drops: number; stateChanges: number };
}

interface ConnInfo {
  peer?: string;
  state?: TcpStateName;
  synSent: boolean;
  finSent: boolean;
  finRcvd: boolean;
  lastAckSent?: number;
  lastWinSent?: number;
  lastAckRcvd?: number;
  peerWin?: number;
  dupAcks: number;
  sndMax: number;
  rcvNxt?: number;
  lastRx?: SegmentEvent;
  timers: Map<TimerName, { t: number; at: number }>;
  /** How long the last timer of each kind ran before it fired. */
  fired: Map<TimerName, number>;
}

const connKey = (host: string, conn: string | undefined): string => `${host}\u0000${conn ?? ''}`;
const fmtT = (t: number): string => String(+t.toFixed(3));
/** The `why`s of a retransmission, each explained by its own sentence after the segment's (RFC 6298, 5681, 6675, 8985). */
const RETRANSMIT_WHYS: ReadonlySet<string> = new Set(['rto', 'fast-retransmit', 'rack', 'tlp', 'sack-hole', 'dupack']);

export function explain(events: readonly TraceEvent[], opts: ExplainOptions = {}): Explanation {
  const lang = opts.lang ?? 'en';
  const m = (key: MessageKey, params?: Params): string => msg(lang, key, params);

  // Who owns each address, and how many connections each host has (a name gets its connection only when it has several).
  const hostOfAddr = new Map<string, string>();
  const connsOf = new Map<string, Set<string>>();
  for (const ev of events) {
    if (ev.type === 'segment') {
      if (ev.event === 'tx') hostOfAddr.set(ev.src, ev.host);
      if (ev.event === 'rx') hostOfAddr.set(ev.dst, ev.host);
    }
    if ('conn' in ev && ev.conn !== undefined && 'host' in ev) {
      if (!connsOf.has(ev.host)) connsOf.set(ev.host, new Set());
      connsOf.get(ev.host)!.add(ev.conn);
    }
  }
  const who = (host: string, conn?: string): string =>
    conn !== undefined && (connsOf.get(host)?.size ?? 0) > 1 ? m('explain.conn', { host, conn }) : host;
  const hostOf = (addr: string): string => hostOfAddr.get(addr) ?? addr;

  const conns = new Map<string, ConnInfo>();
  const connOf = (host: string, conn: string | undefined): ConnInfo => {
    const k = connKey(host, conn);
    let c = conns.get(k);
    if (!c) conns.set(k, (c = { synSent: false, finSent: false, finRcvd: false, dupAcks: 0, sndMax: 0, timers: new Map(), fired: new Map() }));
    return c;
  };
  const appText = opts.payloads?.appBytes(events) ?? new Map<AppEvent, Uint8Array>();
  // The tx times of segments on the way, to say how long each took (FIFO per segment identity).
  const inFlight = new Map<string, { t: number; conn?: string; host: string }[]>();
  const segId = (s: SegmentEvent): string => `${s.src}>${s.dst}#${s.seq}+${s.len}/${s.flags}/${s.ack}`;
  // Every rto timer set, by connection, for what a sender will do about a loss.
  const rtoSets = new Map<string, { t: number; at: number }[]>();
  for (const ev of events) {
    if (ev.type === 'timer' && ev.timer === 'rto' && ev.event === 'set' && ev.at !== undefined) {
      const k = connKey(ev.host, ev.conn);
      if (!rtoSets.has(k)) rtoSets.set(k, []);
      rtoSets.get(k)!.push({ t: ev.t, at: ev.at });
    }
  }

  const items: ExplainItem[] = [];
  const totals = { segments: 0, retransmissions: 0, drops: 0, stateChanges: 0 };
  let scenario: string | undefined;
  let seed: number | undefined;
  const push = (ev: TimedEvent, index: number, kind: ItemKind, host: string, sentences: string[], extra: Partial<ExplainItem> = {}): void => {
    items.push({ n: items.length + 1, t: ev.t, index, kind, host, sentences, ...extra });
  };

  const segName = (s: SegmentEvent): string => {
    if (s.flags.includes('R')) return m('seg.rst');
    if (s.flags.includes('S')) return s.flags.includes('.') ? m('seg.synAck') : m('seg.syn');
    if (s.flags.includes('F')) return m('seg.fin');
    if (s.len > 0) return m('seg.data');
    return m('seg.ack');
  };
  const dataText = (s: SegmentEvent): string => {
    const bytes = opts.payloads?.of(s);
    return bytes === undefined ? '' : m('tx.dataText', { text: previewText(bytes) });
  };

  events.forEach((ev, index) => {
    switch (ev.type) {
      case 'meta':
        scenario = ev.scenario;
        seed = ev.seed;
        return;
      case 'cc':
        return;
      case 'timer': {
        const c = connOf(ev.host, ev.conn);
        if (ev.event === 'set') c.timers.set(ev.timer, { t: ev.t, at: ev.at ?? ev.t });
        else if (ev.event === 'cancel') c.timers.delete(ev.timer);
        else {
          const set = c.timers.get(ev.timer);
          const ms = set !== undefined ? fmtT(ev.t - set.t) : '?';
          if (set !== undefined) c.fired.set(ev.timer, ev.t - set.t);
          c.timers.delete(ev.timer);
          const key: MessageKey = ev.timer === 'persist' && c.peerWin !== undefined && c.peerWin > 0 ? 'timer.fire.persistSws' : `timer.fire.${ev.timer}`;
          push(ev, index, 'timer', ev.host, [m(key, { host: who(ev.host, ev.conn), peer: c.peer ?? '?', ms })]);
        }
        return;
      }
      case 'segment': {
        if (ev.event === 'tx') explainTx(ev, index);
        else if (ev.event === 'rx') explainRx(ev, index);
        else explainDrop(ev, index);
        return;
      }
      case 'state': {
        const c = connOf(ev.host, ev.conn);
        c.state = ev.to;
        totals.stateChanges++;
        // tcpemu real's kernel trace: a state read from the socket table, between two times (lib/real/kernel.ts).
        const seen = /^observed in the socket table \(read ([\d.]+)-([\d.]+) ms\)$/.exec(ev.cause);
        const params = { host: who(ev.host, ev.conn), peer: c.peer ?? '?', cause: ev.cause, from: seen?.[1] ?? '', to: seen?.[2] ?? '' };
        push(ev, index, 'state', ev.host, [m('state.change', { host: who(ev.host, ev.conn), from: ev.from, to: ev.to }), m(causeKey(ev), params)],
          { state: { conn: ev.conn, from: ev.from, to: ev.to } });
        return;
      }
      case 'app': {
        const c = connOf(ev.host, ev.conn);
        const bytes = appText.get(ev);
        const text = bytes !== undefined ? m('appx.text', { text: previewText(bytes) }) : '';
        let key: MessageKey;
        if (ev.event === 'error') key = isKey(`appx.error.${ev.error}`) ? (`appx.error.${ev.error}` as MessageKey) : 'appx.error.other';
        else if (ev.event === 'read' && ev.bytes === undefined) key = 'appx.readAll';
        else key = `appx.${ev.event}` as MessageKey;
        push(ev, index, 'app', ev.host, [m(key, { host: who(ev.host, ev.conn), peer: c.peer ?? '?', n: ev.bytes ?? 0, text, error: ev.error ?? '' })]);
        return;
      }
      case 'expect':
        push(ev, index, 'expect', ev.host, [ev.ok ? m('expect.ok', { host: ev.host, what: expectationWhat(ev.what, lang) }) : m('expect.fail', { host: ev.host, what: expectationWhat(ev.what, lang), detail: expectationDetail(ev.detail ?? '', lang) })], { ok: ev.ok });
        return;
    }
  });

  function explainTx(s: SegmentEvent, index: number): void {
    totals.segments++;
    if (s.retransmit === true) totals.retransmissions++;
    const c = connOf(s.host, s.conn);
    const host = who(s.host, s.conn);
    const peer = hostOf(s.dst);
    c.peer ??= peer;
    const p = { host, peer };
    const out = [m('tx.sends', { ...p, label: segmentLabel(s) })];
    const has = (f: string): boolean => s.flags.includes(f);
    const ack = has('.');
    const rtoMs = c.fired.get('rto');
    const lastRx = c.lastRx;
    if (has('R')) {
      if (s.why === 'abort') out.push(m('tx.resetAbort', p));
      else if (s.why === 'data-after-close') out.push(m('tx.resetDataAfterClose', p));
      else if (s.why === 'reset') {
        const cause = lastRxAt(s);
        out.push(cause !== undefined && cause.flags.includes('S') && !cause.flags.includes('.')
          ? m('tx.resetNoListener', { ...p, port: s.src.slice(s.src.lastIndexOf(':') + 1) })
          : m('tx.resetNoConn', p));
      } else out.push(m('tx.resetOther', { ...p, why: s.why ?? '' }));
    } else if (has('S')) {
      if (!ack) out.push(s.retransmit === true ? m('tx.synAgain', p) : m('tx.syn', { ...p, isn: s.seq }));
      else if (s.why === 'dup-syn') out.push(m('tx.dupSyn', p));
      else out.push(c.synSent ? m('tx.synAckSimultaneous', p) : m('tx.synAck', { ...p, isn: s.seq }));
      const mss = s.options.find((o) => o.startsWith('mss '));
      if (mss !== undefined && s.retransmit !== true) out.push(m('tx.mss', { host, mss: mss.slice(4) }));
    } else {
      if (s.len > 0) {
        out.push(m('tx.data', { host, from: s.rseq, to: (s.rseq + s.len - 1) >>> 0, len: s.len, text: dataText(s) }));
        if (has('P') && s.why === undefined) out.push(m('tx.push', p));
      }
      if (has('F')) out.push(c.finRcvd ? m('tx.finPassive', p) : m('tx.finActive', p));
      if (s.why === 'delack') out.push(m('tx.delack', { ...p, ms: c.fired.has('delack') ? fmtT(c.fired.get('delack')!) : '?' }));
      else if (s.why === 'window-update') out.push(m('tx.windowUpdate', { ...p, win: s.win }));
      else if (s.why === 'persist') out.push(m('tx.persist', p));
      else if (s.why === 'keepalive') out.push(m('tx.keepalive', p));
      else if (s.why === 'challenge-ack') out.push(m('tx.challengeAck', p));
      else if (s.why === 'tlp' && s.retransmit !== true) out.push(m('tx.tlpNew', p));
      else if (s.why !== undefined && !RETRANSMIT_WHYS.has(s.why)) out.push(m('tx.otherWhy', { why: s.why }));
      else if (s.len === 0 && !has('F') && ack && s.why === undefined) {
        const finAcked = lastRx !== undefined && lastRx.flags.includes('F') && s.rack === ((lastRx.rseq + lastRx.len + 1) >>> 0);
        if (lastRx !== undefined && lastRx.flags.includes('S') && lastRx.flags.includes('.') && s.rack === ((lastRx.rseq + 1) >>> 0)) out.push(m('tx.handshakeAck', p));
        else if (finAcked) out.push(c.finSent ? m('tx.lastAck', p) : m('tx.ackOfFin', p));
        else if (lastRx !== undefined && lastRx.len > 0 && c.lastAckSent === s.rack && s.win === 0) out.push(m('tx.zeroWindowAck', p));
        else if (lastRx !== undefined && lastRx.len > 0 && c.lastAckSent === s.rack) out.push(m('tx.dupAck', { ...p, ack: s.rack }));
        else if (lastRx !== undefined && lastRx.len > 0) out.push(m('tx.ackNow', p));
      }
    }
    if (s.retransmit === true) {
      if (s.why === 'rto') out.push(rtoMs !== undefined ? m('tx.rtoRetransmit', { ...p, rto: fmtT(rtoMs) }) : m('tx.rtoRetransmitNoRto', p));
      else if (s.why === 'fast-retransmit') out.push(m('tx.fastRetransmit', { ...p, seq: s.rseq }));
      // issue 25's loss recovery: RFC 8985 (RACK, the tail loss probe) and RFC 6675 (the SACK scoreboard)
      else if (s.why === 'rack') out.push(m('tx.rackRetransmit', p));
      else if (s.why === 'tlp') out.push(m('tx.tlpRetransmit', p));
      else if (s.why === 'sack-hole') out.push(m('tx.sackHoleRetransmit', p));
      else if (s.why === 'dupack') out.push(m('tx.dupackRetransmit', { ...p, seq: s.rseq }));
      else if (s.why === undefined) out.push(m('tx.retransmit', p));
    }
    if (ack && c.lastAckSent !== s.rack) {
      const finSeq = c.finRcvd && lastRx !== undefined ? (lastRx.rseq + lastRx.len) >>> 0 : undefined;
      if (s.rack === 1 && has('S') || (s.rack === 1 && c.lastAckSent === undefined)) out.push(m('tx.ackMeaningSyn', { ack: s.rack }));
      else if (finSeq !== undefined && s.rack === ((finSeq + 1) >>> 0) && lastRx!.flags.includes('F')) out.push(m('tx.ackMeaningFin', { ack: s.rack, last: finSeq }));
      else out.push(m('tx.ackMeaning', { ack: s.rack, last: (s.rack - 1) >>> 0 }));
    }
    if ((ack || has('S')) && !has('R') && c.lastWinSent !== s.win && s.why !== 'window-update') {
      out.push(s.win === 0 ? m('tx.winZero', p) : m('tx.winMeaning', { host, win: s.win }));
    }
    if (ack) {
      c.lastAckSent = s.rack;
      c.rcvNxt = s.rack;
    }
    if (!has('R')) c.lastWinSent = s.win;
    if (has('S') && !ack) c.synSent = true;
    if (has('F')) c.finSent = true;
    const end = (s.rseq + s.len + (has('F') || has('S') ? 1 : 0)) >>> 0;
    if (end > c.sndMax) c.sndMax = end;
    const id = segId(s);
    if (!inFlight.has(id)) inFlight.set(id, []);
    inFlight.get(id)!.push({ t: s.t, conn: s.conn, host: s.host });
    push(s, index, 'tx', s.host, out, { retransmit: s.retransmit === true });
  }

  /** The last segment that arrived at the sender of `s` from where `s` goes (what a reset answers). */
  function lastRxAt(s: SegmentEvent): SegmentEvent | undefined {
    for (let i = items.length - 1; i >= 0; i--) {
      const e = events[items[i]!.index]!;
      if (e.type === 'segment' && e.event === 'rx' && e.dst === s.src && e.src === s.dst) return e;
    }
    return undefined;
  }

  function explainRx(s: SegmentEvent, index: number): void {
    const c = connOf(s.host, s.conn);
    const host = who(s.host, s.conn);
    const peer = hostOf(s.src);
    c.peer ??= peer;
    const sent = inFlight.get(segId(s))?.shift();
    const out = [m('rx.arrives', { host, peer, name: segName(s), ms: sent !== undefined ? fmtT(s.t - sent.t) : '?' })];
    const has = (f: string): boolean => s.flags.includes(f);
    if (s.conn === undefined) out.push(m('rx.noConnection', { host }));
    else {
      if (s.len > 0 && c.rcvNxt !== undefined) {
        const d = (s.rseq - c.rcvNxt) | 0;
        if (d > 0) out.push(m('rx.outOfOrder', { host, expected: c.rcvNxt }));
        else if (((s.rseq + s.len - c.rcvNxt) | 0) <= 0) out.push(m('rx.old', { host }));
        // In order (and inside the window): the next byte expected moves on; an ACK the host sends later says where it stands.
        else if (c.lastWinSent !== 0) c.rcvNxt = (s.rseq + s.len + (has('F') ? 1 : 0)) >>> 0;
      }
      if (has('.') && !has('S') && !has('F') && !has('R') && s.len === 0) {
        if (c.lastAckRcvd === s.rack && ((c.sndMax - s.rack) | 0) > 0 && c.peerWin === s.win && s.win > 0) {
          c.dupAcks++;
          out.push(m(c.dupAcks > 3 ? 'rx.dupAckMore' : 'rx.dupAck', { host, peer, n: c.dupAcks, ack: s.rack }));
        } else if (c.lastAckRcvd !== s.rack) c.dupAcks = 0;
      } else if (has('.') && c.lastAckRcvd !== s.rack) c.dupAcks = 0;
      if (!has('R') && !has('S')) {
        if (s.win === 0 && c.peerWin !== undefined && c.peerWin !== 0) out.push(m('rx.windowClosed', { host, peer }));
        else if (s.win > 0 && c.peerWin === 0) out.push(m('rx.windowOpened', { host, peer, win: s.win }));
      }
      if (has('.') && c.lastAckRcvd !== undefined && ((s.rack - c.lastAckRcvd) | 0) > 0 && s.rack > 1 && c.synSent !== undefined && (c.sndMax > 1)) {
        out.push(m('rx.newAck', { host, peer, last: (s.rack - 1) >>> 0 }));
      }
      if (has('.')) c.lastAckRcvd = s.rack;
      if (!has('R')) c.peerWin = s.win;
      if (has('S')) c.rcvNxt = 1;
      if (has('F')) c.finRcvd = true;
      c.lastRx = s;
    }
    push(s, index, 'rx', s.host, out);
  }

  function explainDrop(s: SegmentEvent, index: number): void {
    totals.drops++;
    const senderHost = hostOf(s.src);
    const onLink = senderHost === s.host;
    const sent = inFlight.get(segId(s))?.shift();
    const label = segmentLabel(s);
    const out = [onLink
      ? m('drop.lost', { host: senderHost, peer: hostOf(s.dst), name: segName(s), label, reason: s.reason === undefined ? '?' : dropWord(s.reason, lang) })
      : m('drop.atReceiver', { host: s.host, peer: senderHost, name: segName(s), label, reason: s.reason === undefined ? '?' : dropWord(s.reason, lang) })];
    const sender = who(senderHost, sent?.conn);
    if (s.flags.includes('R')) out.push(m('drop.rstLost', { peer: hostOf(s.dst) }));
    else if (s.len > 0 || s.flags.includes('S') || s.flags.includes('F')) {
      const sets = rtoSets.get(connKey(senderHost, sent?.conn)) ?? [];
      const set = [...sets].reverse().find((x) => x.t <= s.t);
      out.push(set !== undefined
        ? m(s.len > 0 ? 'drop.willRetransmit' : 'drop.willRetransmitTimerOnly', { sender, at: fmtT(set.at), rto: fmtT(set.at - set.t) })
        : m('drop.willRetransmitNoTimer', { sender }));
    } else out.push(m('drop.ackLost'));
    push(s, index, 'drop', s.host, out);
  }

  return { scenario, seed, title: opts.title, description: opts.description, items, totals };
}

/** The catalogue key for a state change's cause: by the recorded cause, told apart by where it led. */
function causeKey(ev: StateEvent): MessageKey {
  if (ev.cause === 'rcv SYN' && ev.from === 'SYN-SENT') return 'cause.rcv SYN simultaneous';
  if (ev.cause === 'rcv FIN' && ev.to === 'CLOSING') return 'cause.rcv FIN closing';
  if (ev.cause === 'rcv FIN' && ev.to === 'TIME-WAIT') return 'cause.rcv FIN timewait';
  if (ev.cause === 'rcv ACK of FIN' && ev.to === 'TIME-WAIT') return 'cause.rcv ACK of FIN timewait';
  if (ev.cause === 'rcv ACK of FIN' && ev.to === 'CLOSED') return 'cause.rcv ACK of FIN closed';
  if (ev.cause.startsWith('observed in the socket table (read ')) return 'cause.observed';
  const k = `cause.${ev.cause}`;
  return isKey(k) ? k : 'cause.other';
}

export interface RenderExplainOptions extends ExplainOptions {
  color?: boolean;
}

/** The explanation as terminal text: a title, the scenario's description, numbered items, the totals. */
export function renderExplain(events: readonly TraceEvent[], opts: RenderExplainOptions = {}): string {
  return formatExplanation(explain(events, opts), opts.lang ?? 'en', opts.color ?? false);
}

export function formatExplanation(x: Explanation, lang: Lang, color: boolean): string {
  const m = (key: MessageKey, params?: Params): string => msg(lang, key, params);
  let title = m('explain.title');
  if (x.scenario !== undefined) title += ` · ${m('term.scenario')} ${x.scenario}`;
  if (x.seed !== undefined) title += ` · ${m('term.seed')} ${x.seed}`;
  const out = [paint(title, 'bold', color)];
  if (x.title !== undefined) out.push(paint(x.title, 'bold', color));
  if (x.description !== undefined) out.push(x.description);
  out.push(paint(m('explain.about'), 'dim', color), '');
  if (x.items.length === 0) out.push(m('explain.noEvents'));
  const numW = String(x.items.length).length;
  const timeW = Math.max(0, ...x.items.map((i) => m('explain.time', { t: fmtT(i.t) }).length));
  for (const it of x.items) {
    const head = `${String(it.n).padStart(numW)}. ${m('explain.time', { t: fmtT(it.t) }).padStart(timeW)}  `;
    const style = it.kind === 'state' ? 'bold' : it.kind === 'drop' ? 'red' : it.ok === false ? 'boldRed' : null;
    out.push(head + paint(it.sentences[0]!, style, color));
    for (const s of it.sentences.slice(1)) out.push(' '.repeat(head.length) + s);
  }
  out.push('', m('explain.totals', { segments: x.totals.segments, rtx: x.totals.retransmissions, drops: x.totals.drops, states: x.totals.stateChanges }));
  return out.join('\n') + '\n';
}
