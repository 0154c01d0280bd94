/**
 * The state timeline: per host, each change of TCP state with its time and cause, then the path the
 * connection took, written as the scenario file's `expect: states:` line so it can be pasted there.
 */
import type { StateEvent, TraceEvent } from '../events.ts';
import { displayWidth, padColumns, paint } from './ansi.ts';
import { termsTable } from './words.ts';
import { isKey, msg, type Lang, type MessageKey } from '../../i18n/index.ts';

export interface StatesOptions {
  color: boolean;
  /** Hosts in this order first; hosts not listed follow in order of first appearance. */
  hosts?: string[];
  /** The language of the words (default English, issue 26). */
  lang?: Lang;
}

export function renderStates(events: readonly TraceEvent[], opts: StatesOptions): string {
  const color = opts.color;
  const byHost = new Map<string, StateEvent[]>();
  for (const h of opts.hosts ?? []) byHost.set(h, []);
  const lang = opts.lang ?? 'en';
  const TERMS = termsTable(lang);
  let title = msg(lang, 'states.title');
  for (const ev of events) {
    if (ev.type === 'meta') title += ` · ${TERMS.scenario} ${ev.scenario} · ${TERMS.seed} ${ev.seed}`;
    if (ev.type !== 'state') continue;
    if (!byHost.has(ev.host)) byHost.set(ev.host, []);
    byHost.get(ev.host)!.push(ev);
  }
  const all = [...byHost.values()].flat();
  const out = [paint(title, 'bold', color)];
  if (all.length === 0) return out.concat(msg(lang, 'term.noStateChanges')).join('\n') + '\n';

  const timeW = Math.max(...all.map((e) => e.t.toFixed(3).length));
  const multiConn = (list: StateEvent[]): boolean => new Set(list.map((e) => e.conn)).size > 1;
  const who = (e: StateEvent, list: StateEvent[]): string => (multiConn(list) ? `${e.host} ${e.conn}` : e.host);
  const whoW = Math.max(...[...byHost.values()].flatMap((list) => list.map((e) => displayWidth(who(e, list)))));
  const fromW = Math.max(...all.map((e) => e.from.length));
  const toW = Math.max(...all.map((e) => e.to.length));
  const indent = ' '.repeat(timeW + 5);

  for (const [host, list] of byHost) {
    if (list.length === 0) continue;
    out.push('');
    for (const e of list) {
      out.push(
        `${e.t.toFixed(3).padStart(timeW)} ms  ${padColumns(who(e, list), whoW, 'end')}  ` +
          `${paint(e.from, 'bold', color)}${' '.repeat(fromW - e.from.length)} -> ` +
          `${paint(e.to, 'bold', color)}${' '.repeat(toW - e.to.length)}  ` +
          paint(`(${isKey(`scause.${e.cause}`) ? msg(lang, `scause.${e.cause}` as MessageKey) : e.cause})`, 'dim', color),
      );
    }
    // Each connection's path: its first state, then every state entered.
    const conns = [...new Set(list.map((e) => e.conn))];
    for (const conn of conns) {
      const mine = list.filter((e) => e.conn === conn);
      const path = [mine[0]!.from, ...mine.map((e) => e.to)].join(' ');
      const name = conns.length > 1 ? `${host} ${conn}` : host;
      out.push(`${indent}${padColumns(name, whoW, 'end')}  ${msg(lang, 'states.path', { path })}`);
    }
  }
  return out.join('\n') + '\n';
}
