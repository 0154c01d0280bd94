/**
 * What of a scenario `tcpemu real` can give the kernel on loopback, and what not: TCP settings Node cannot
 * set on a socket, link impairments and link steps loopback cannot make, and the ports the scenario uses.
 * Each as a message (lib/i18n), worded by the command line in the user's language.
 */
import type { ScenarioPlan } from '../scenario/plan.ts';
import { configKeyNames, rfcDefaults, linuxDefaults, type TcpConfig } from '../tcp/config.ts';
import { word, type Msg } from '../i18n/index.ts';

/** TCP settings that differ from what Linux does by itself and that Node cannot set on a socket. */
export function unappliedSettings(host: string, c: TcpConfig): Msg[] {
  const out: Msg[] = [];
  const base = c.profile === 'linux' ? linuxDefaults : rfcDefaults;
  const settable = new Set<keyof TcpConfig>(['autoread', 'nagle', 'isn', 'profile', 'keepaliveMs']);
  for (const k of Object.keys(base) as (keyof TcpConfig)[]) {
    if (settable.has(k) || c[k] === base[k]) continue;
    out.push({ key: 'realw.nodeCannot', params: { host, setting: settingMsg(k, c[k]) } });
  }
  return out;
}

/** A TCP setting as the scenario writes it, with its unit: `mslMs` 1000 is `msl = 1000 ms` (a `realw.set.*` message). */
export function settingMsg(key: string, value: unknown): Msg {
  const name = Object.keys(configKeyNames).find((k) => configKeyNames[k] === key) ?? key;
  const unit = key.endsWith('Ms') ? 'ms' : /^(rcvbuf|sndbuf|mss)$/.test(key) ? 'bytes' : 'plain';
  return { key: `realw.set.${unit}`, params: { name, value: String(value) } };
}

/** settingMsg in English. */
export function settingText(key: string, value: unknown): string {
  return word('en', settingMsg(key, value));
}

/** The link's impairments, each with its message (its unit: durations in ms, the rate in bit/s, the queue in packets). */
const IMPAIRMENTS: Array<[keyof ScenarioPlan['link']['directions'][string], Msg['key']]> = [
  ['delayMs', 'realw.i.delay'], ['jitterMs', 'realw.i.jitter'], ['loss', 'realw.i.loss'],
  ['duplicate', 'realw.i.duplicate'], ['reorder', 'realw.i.reorder'], ['corrupt', 'realw.i.corrupt'],
  ['rateBitsPerSec', 'realw.i.rate'], ['queueLimit', 'realw.i.queue'],
];

/** Link settings and steps of the plan that loopback cannot reproduce, one message each. */
export function notCrossCheckable(plan: ScenarioPlan): Msg[] {
  const out: Msg[] = [];
  for (const [dir, d] of Object.entries(plan.link.directions)) {
    for (const [key, what] of IMPAIRMENTS) {
      const v = d[key];
      if (typeof v === 'number' && v !== 0) out.push({ key: 'realw.link', params: { dir, what: { key: what, params: { v } }, why: { key: 'realw.lo.noImpairments' } } });
    }
    if (d.drop?.length) {
      const what: Msg = { key: d.drop.length > 1 ? 'realw.i.drop' : 'realw.i.drop1', params: { list: d.drop.map((n) => `#${n}`).join(', ') } };
      out.push({ key: 'realw.link', params: { dir, what, why: { key: 'realw.lo.dropsNothing' } } });
    }
  }
  if (plan.link.udp) out.push({ key: 'realw.udp', params: { why: { key: 'realw.lo.tcp' } } });
  for (const s of plan.steps) {
    if (s.target === 'link') out.push({ key: 'realw.linkStep', params: { line: s.pos.line, op: s.command.op, at: s.atMs, why: { key: 'realw.lo.down' } } });
  }
  return out;
}

/**
 * One of notCrossCheckable's notes without its "not cross-checkable (why)", when it is something the
 * link changes on the way (a drop, a loss, a duplicate, a reorder, a corruption, the link going down or up):
 * what a kernel on loopback cannot make, so an expectation that fails on both sides likely fails for it.
 */
export function whatLoopbackCannotMake(note: Msg): Msg | undefined {
  const p = note.params ?? {};
  if (note.key === 'realw.link' && /^realw\.i\.(drop1?|loss|duplicate|reorder|corrupt)$/.test((p.what as Msg).key)) {
    return { key: 'realw.linkBare', params: { dir: p.dir!, what: p.what! } };
  }
  if (note.key === 'realw.linkStep' && (p.op === 'down' || p.op === 'up')) return { key: 'realw.linkStepBare', params: { line: p.line!, op: p.op, at: p.at! } };
  return undefined;
}

/** Ports the scenario uses: listen ports, connect targets and explicit local ports. */
export function scenarioPorts(plan: ScenarioPlan): number[] {
  const ports = new Set<number>();
  for (const s of plan.steps) {
    const c = s.command;
    if (c.op === 'listen') ports.add(c.port);
    if (c.op === 'connect') {
      ports.add(c.port);
      if (c.fromPort !== undefined) ports.add(c.fromPort);
    }
  }
  return [...ports].sort((a, b) => a - b);
}
