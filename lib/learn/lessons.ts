/**
 * The lessons of `tcpemu learn` (issue 26), in the order a course takes them. Each is a scenario in
 * fixtures/lessons/ (with its title and description in English and Chinese) and two or three
 * questions; each answer is computed from the run's trace, so it names this run's numbers.
 * The questions' and answers' words are in the catalogues (lib/i18n), under `lesson.<id>.q<n>`/`a<n>`.
 */
import path from 'node:path';
import { PACKAGE_ROOT } from '../paths.ts';
import type { SegmentEvent, StateEvent, TraceEvent } from '../trace/events.ts';
import { msg, type Lang, type MessageKey, type Params } from '../i18n/index.ts';
import { segmentLabel } from '../trace/views/label.ts';
import { previewText, type Payloads } from '../trace/payload.ts';

export const LESSONS_DIR = path.join(PACKAGE_ROOT, 'fixtures/lessons');

interface Ctx {
  events: readonly TraceEvent[];
  lang: Lang;
  payloads: Payloads;
}

export interface Lesson {
  id: string;
  file: string;
  /** One function per question: the numbers its answer quotes. */
  answers: ((c: Ctx) => Params)[];
}

const tx = (c: Ctx): SegmentEvent[] => c.events.filter((e): e is SegmentEvent => e.type === 'segment' && e.event === 'tx');
const states = (c: Ctx): StateEvent[] => c.events.filter((e): e is StateEvent => e.type === 'state');
const hostsOf = (c: Ctx): string[] => [...new Set(c.events.flatMap((e) => ('host' in e ? [e.host] : [])))];
const list = (c: Ctx, items: string[]): string => (items.length === 0 ? msg(c.lang, 'learn.none') : items.join(msg(c.lang, 'learn.sep')));
const fmt = (t: number): string => String(+t.toFixed(3));
const byFlag = (c: Ctx, f: string): SegmentEvent[] => tx(c).filter((s) => s.flags.includes(f));
/** How long each timer ran before it fired, in the order they fired. */
function timerRuns(c: Ctx, timer: string, host?: string): number[] {
  const set = new Map<string, number>();
  const out: number[] = [];
  for (const e of c.events) {
    if (e.type !== 'timer' || e.timer !== timer || (host !== undefined && e.host !== host)) continue;
    const k = `${e.host}/${e.conn}`;
    if (e.event === 'set') set.set(k, e.t);
    else if (e.event === 'fire' && set.has(k)) out.push(e.t - set.get(k)!);
  }
  return out;
}
function statePath(c: Ctx, host: string): string {
  const mine = states(c).filter((s) => s.host === host);
  return mine.length === 0 ? '' : [mine[0]!.from, ...mine.map((s) => s.to)].join(' → ');
}
function firstTimeWait(c: Ctx): StateEvent | undefined {
  return states(c).find((s) => s.to === 'TIME-WAIT');
}
function mslOf(c: Ctx): number {
  const tw = firstTimeWait(c);
  const end = tw && states(c).find((s) => s.host === tw.host && s.from === 'TIME-WAIT');
  return tw && end ? (end.t - tw.t) / 2 : 0;
}

export const LESSONS: readonly Lesson[] = [
  {
    id: 'handshake', file: '01-handshake.yaml', answers: [
      (c) => {
        const hs = tx(c).filter((s) => s.flags.includes('S') || (s.flags === '.' && s.len === 0 && s.rack === 1 && s.rseq === 1)).slice(0, 3);
        const name = (s: SegmentEvent): string => msg(c.lang, s.flags.includes('S') ? (s.flags.includes('.') ? 'seg.synAck' : 'seg.syn') : 'seg.ack');
        return { n: hs.length, flags: hs.map((s) => `${s.host} ${name(s)} (${s.flags})`).join(msg(c.lang, 'learn.sep')) };
      },
      (c) => {
        const syns = byFlag(c, 'S');
        return { a: syns[0]?.host ?? '?', isnA: syns[0]?.seq ?? '?', b: syns[1]?.host ?? '?', isnB: syns[1]?.seq ?? '?' };
      },
    ],
  },
  {
    id: 'data-and-acks', file: '02-data-and-acks.yaml', answers: [
      (c) => {
        const a = tx(c).find((s) => s.host === 'server' && s.rack > 1);
        return { ack: a?.rack ?? '?', last: a ? a.rack - 1 : '?' };
      },
      (c) => ({ ms: timerRuns(c, 'delack', 'server').map(fmt)[0] ?? msg(c.lang, 'learn.noDelack') }),
      (c) => {
        // The 3000 bytes are the client's last send: the segments carrying bytes after the request, and the ACKs that cover them.
        const sends = c.events.filter((e) => e.type === 'app' && e.host === 'client' && e.event === 'send');
        const first = sends.slice(0, -1).reduce((n, e) => n + ((e as { bytes?: number }).bytes ?? 0), 1);
        const segs = tx(c).filter((s) => s.host === 'client' && s.len > 0 && s.rseq >= first && s.retransmit !== true);
        const acks = tx(c).filter((s) => s.host === 'server' && s.rack > first && s.flags.includes('.'));
        return { segs: segs.length, acks: acks.length };
      },
    ],
  },
  {
    id: 'window', file: '03-window.yaml', answers: [
      (c) => ({ t: fmt(tx(c).find((s) => s.host === 'server' && s.win === 0)?.t ?? NaN) }),
      (c) => ({ n: tx(c).filter((s) => s.why === 'persist').length }),
    ],
  },
  {
    id: 'four-way-close', file: '04-four-way-close.yaml', answers: [
      (c) => {
        const firstFin = tx(c).findIndex((s) => s.flags.includes('F'));
        const closing = firstFin === -1 ? [] : tx(c).slice(firstFin).filter((s) => s.flags.includes('F') || (s.len === 0 && !s.flags.includes('S')));
        return { list: closing.map((s) => `${s.host}: ${segmentLabel(s)}`).join('; ') };
      },
      (c) => ({ hosts: [...new Set(states(c).filter((s) => s.to === 'TIME-WAIT').map((s) => s.host))].join(', ') || msg(c.lang, 'learn.none') }),
    ],
  },
  {
    id: 'half-close', file: '05-half-close.yaml', answers: [
      (c) => {
        const fin = tx(c).find((s) => s.host === 'client' && s.flags.includes('F'));
        const sent = tx(c).filter((s) => s.host === 'server' && fin !== undefined && s.t > fin.t && s.retransmit !== true).reduce((n, s) => n + s.len, 0);
        const read = c.events.filter((e) => e.type === 'app' && e.host === 'client' && e.event === 'data' && fin !== undefined && e.t > fin.t)
          .reduce((n, e) => n + ((e as { bytes?: number }).bytes ?? 0), 0);
        return { sent, read };
      },
      (c) => {
        const fin = tx(c).find((s) => s.host === 'client' && s.flags.includes('F'));
        const data = tx(c).find((s) => s.host === 'server' && s.len > 0 && fin !== undefined && s.t > fin.t);
        const at = (host: string): string => {
          let st = '?';
          for (const s of states(c)) if (s.host === host && data !== undefined && s.t <= data.t) st = s.to;
          return st;
        };
        return { c: at('client'), s: at('server') };
      },
    ],
  },
  {
    id: 'time-wait', file: '06-time-wait.yaml', answers: [
      (c) => {
        const tw = firstTimeWait(c);
        const end = tw && states(c).find((s) => s.host === tw.host && s.from === 'TIME-WAIT');
        return { ms: tw && end ? fmt(end.t - tw.t) : '?', from: tw ? fmt(tw.t) : '?', to: end ? fmt(end.t) : '?', msl: fmt(mslOf(c)) };
      },
      (c) => {
        const last = [...tx(c)].reverse().find((s) => s.host === 'client');
        return { label: last ? segmentLabel(last) : '?' };
      },
    ],
  },
  {
    id: 'lost-segment-rto', file: '07-lost-segment-rto.yaml', answers: [
      (c) => {
        const lost = c.events.find((e): e is SegmentEvent => e.type === 'segment' && e.event === 'drop' && e.len > 0);
        const again = tx(c).find((s) => s.retransmit === true && s.len > 0);
        return { lost: lost ? fmt(lost.t) : '?', again: again ? fmt(again.t) : '?' };
      },
      (c) => ({ rto: timerRuns(c, 'rto', 'client').map(fmt)[0] ?? '?', dups: countDupAcks(c, 'server') }),
    ],
  },
  {
    id: 'fast-retransmit', file: '08-fast-retransmit.yaml', answers: [
      (c) => {
        const again = tx(c).find((s) => s.retransmit === true);
        // The duplicates that had reached the client when it resent (the server sent more, still on their way).
        let last: number | undefined;
        let dups = 0;
        for (const e of c.events.slice(0, again ? c.events.indexOf(again) : 0)) {
          if (e.type !== 'segment' || e.event !== 'rx' || e.host !== 'client') continue;
          if (e.len === 0 && e.flags === '.' && e.rack === last) dups++;
          last = e.rack;
        }
        return { ack: again?.rseq ?? '?', dups };
      },
      (c) => {
        const lost = c.events.find((e): e is SegmentEvent => e.type === 'segment' && e.event === 'drop');
        const again = tx(c).find((s) => s.retransmit === true);
        // The retransmission timer armed when the lost segment left: its deadline minus its start.
        const set = c.events.filter((e) => e.type === 'timer' && e.timer === 'rto' && e.event === 'set' && e.host === 'client' && lost !== undefined && e.t <= lost.t).pop();
        return { after: lost && again ? fmt(again.t - lost.t) : '?', rto: set?.type === 'timer' && set.at !== undefined ? fmt(set.at - set.t) : '?' };
      },
    ],
  },
  {
    id: 'simultaneous', file: '09-simultaneous.yaml', answers: [
      (c) => ({ paths: hostsOf(c).map((h) => msg(c.lang, 'learn.path', { host: h, path: statePath(c, h) })).join(msg(c.lang, 'learn.sep')) }),
      (c) => ({ syn: byFlag(c, 'S').length, fin: byFlag(c, 'F').length }),
    ],
  },
  {
    id: 'rst-refused', file: '10-rst-refused.yaml', answers: [
      (c) => ({ errors: list(c, c.events.flatMap((e) => (e.type === 'app' && e.event === 'error' && e.host === 'client' ? [`${e.error} (${e.conn})`] : []))) }),
      (c) => {
        const rsts = byFlag(c, 'R');
        const by = hostsOf(c).map((h) => [h, rsts.filter((s) => s.host === h).length] as const).filter(([, n]) => n > 0);
        return { list: list(c, by.map(([host, n]) => msg(c.lang, 'learn.count', { host, n }))) };
      },
    ],
  },
  {
    id: 'echo', file: '11-echo.yaml', answers: [
      (c) => {
        const reads = c.payloads.appBytes(c.events);
        const byHost = new Map<string, number[]>();
        for (const [e, bytes] of reads) if (e.event === 'data') byHost.set(e.host, [...(byHost.get(e.host) ?? []), ...bytes]);
        return { reads: list(c, [...byHost].map(([host, b]) => msg(c.lang, 'learn.read', { host, text: previewText(Uint8Array.from(b), 40) }))) };
      },
      (c) => {
        const first = tx(c).find((s) => s.flags.includes('F'));
        return { first: first?.host ?? '?', tw: [...new Set(states(c).filter((s) => s.to === 'TIME-WAIT').map((s) => s.host))].join(', ') || msg(c.lang, 'learn.none') };
      },
    ],
  },
];

/** Duplicate ACKs `host` sent: the same ack again, with no data and no SYN or FIN. */
function countDupAcks(c: Ctx, host: string): number {
  let last: number | undefined;
  let n = 0;
  for (const s of tx(c)) {
    if (s.host !== host) continue;
    if (s.len === 0 && s.flags === '.' && s.rack === last) n++;
    last = s.rack;
  }
  return n;
}

export interface QuestionAndAnswer {
  question: string;
  answer: string;
}

/** The lesson's questions in `lang`, with their answers computed from the run's events. */
export function questions(lesson: Lesson, events: readonly TraceEvent[], payloads: Payloads, lang: Lang): QuestionAndAnswer[] {
  const c: Ctx = { events, lang, payloads };
  return lesson.answers.map((answer, i) => ({
    question: msg(lang, `lesson.${lesson.id}.q${i + 1}` as MessageKey),
    answer: msg(lang, `lesson.${lesson.id}.a${i + 1}` as MessageKey, answer(c)),
  }));
}
