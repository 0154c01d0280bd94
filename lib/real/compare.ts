/**
 * `tcpemu real`: the same scenario on the kernel and on the model, judged by the same expectations
 * and printed side by side.
 *
 * The model runs under the conditions the kernel run has, as far as the model can be told them:
 * - TCP: Linux's profile. The loader resolved each host's settings on the RFC defaults (or on
 *   Linux's, when the file said `profile: linux`), and the plan does not keep which keys the file
 *   wrote. A key whose value differs from those defaults was certainly written, and is kept; every
 *   other key takes Linux's default (`resolveConfig` with profile linux fills only keys not given, so
 *   passing the resolved config as it is would keep every RFC default). A key written with the RFC
 *   default's value cannot be told apart and takes Linux's. On top, the MSS is loopback's (65495:
 *   MTU 65536 less 40 bytes of headers, what the kernel announces on lo) unless the file set one.
 * - Link: loopback has no delay or impairment, so the model's link gets none either, with loopback's
 *   MTU; what the scenario asked of the link is listed as not cross-checkable.
 *
 * Verdict: every expectation of the scenario (`expect:` blocks and in-run `expect` steps) is
 * checked on both runs. AGREE (exit 0) when each holds on both, or fails on both the same way (the
 * same state found, the same segment line missed in the same fields): most often what the scenario
 * asks of its link, which loopback cannot make, so neither side sees the lost FIN it was written for.
 * DIFFER (exit 1) when one holds and the other fails, or both fail differently; each is named with the
 * side that failed and what it found.
 * States on the kernel side are what the socket table showed: a state that passed between two reads
 * cannot be seen, so the kernel's history holds when the states it showed appear, in order, in the
 * expected list; the expected states it did not show are reported as "not observed".
 */
import type { ExpectPlan, Pos, ScenarioPlan } from '../scenario/plan.ts';
import { checkDelivered, checkErrors, expectResult, formatSegment, matchSegments, type ExpectResult } from '../scenario/expect.ts';
import type { RunResult } from '../scenario/runner.ts';
import type { SegmentEvent, StateEvent, TcpStateName, TraceEvent } from '../trace/events.ts';
import { renderCoverage, renderResends } from './retransmits.ts';
import { comparePacketFates, renderPacketFates } from './packet-fates.ts';
import { compareFlows, renderFlowComparison } from './flows.ts';
import { isKey, msg, word, type Lang, type MessageKey, type Msg, type Params } from '../i18n/index.ts';
import { cubicAllowedInNamespaces } from './netns-settings.ts';
import { linuxDefaults, resolveConfig, rfcDefaults, type TcpConfig, type TcpConfigInput } from '../tcp/config.ts';
import { whatLoopbackCannotMake, type KernelConnection, type KernelRunResult } from './kernel.ts';
import type { NetnsRunResult } from './netns-link.ts';
import { describeSegmentParting, describeStateParting, firstSegmentParting, stateParting } from './parting.ts';

/** What Linux announces as its MSS on lo (MTU 65536 - 20 - 20), measured with tcpdump. */
export const LOOPBACK_MSS = 65495;
export const LOOPBACK_MTU = 65536;

/** A host's TCP settings for the model's side of `tcpemu real` (see the file comment). */
export function linuxModelConfig(c: TcpConfig, mss = LOOPBACK_MSS): TcpConfig {
  const base = c.profile === 'linux' ? linuxDefaults : rfcDefaults;
  const explicit: Record<string, unknown> = {};
  for (const k of Object.keys(base) as (keyof TcpConfig)[]) if (k !== 'profile' && c[k] !== base[k]) explicit[k] = c[k];
  // The send buffer autotunes as the kernel's does (lib/tcp/sndbuf-auto.ts) unless the file set one (the
  // kernel's side then gets it as tcp_wmem: lib/real/netns-settings.ts); a host already resolved says which.
  const sndbufAuto = c.profile === 'linux' ? c.sndbufAuto === true : explicit.sndbuf === undefined;
  // The receive buffer likewise (lib/tcp/rcvbuf-auto.ts; the kernel's tcp_rmem in netns-settings.ts).
  const rcvbufAuto = c.profile === 'linux' ? c.rcvbufAuto === true : explicit.rcvbuf === undefined;
  return resolveConfig({ ...linuxDefaults, mss, ...(explicit as TcpConfigInput), profile: 'linux', sndbufAuto, rcvbufAuto });
}

/** The plan the model runs for `tcpemu real`: Linux's profile, loopback's link. */
export function modelPlanFor(plan: ScenarioPlan): ScenarioPlan {
  const directions: ScenarioPlan['link']['directions'] = {};
  for (const k of Object.keys(plan.link.directions)) directions[k] = { mtu: LOOPBACK_MTU };
  return {
    ...plan,
    hosts: plan.hosts.map((h) => ({ ...h, tcp: linuxModelConfig(h.tcp) })),
    link: { udp: false, directions },
    // Steps on the link (down/up) have no kernel counterpart; the model skips them too, so that both sides run the same story.
    steps: plan.steps.filter((s) => s.target !== 'link'),
  };
}

/**
 * The plan the model runs when the kernel runs in namespaces joined by tcpemu's link
 * (lib/real/netns-link.ts): Linux's profile as above, the MSS of the link's MTU (MTU - 40, what Linux
 * announces on a device of that MTU) unless the file set one, and the scenario's link and link steps as
 * they are, since the kernel's packets cross the same link.
 */
export function modelPlanForLink(plan: ScenarioPlan): ScenarioPlan {
  const mtu = (host: string) => Math.min(65535, ...plan.hosts.filter((p) => p.name !== host).map((p) => plan.link.directions[`${host}>${p.name}`]?.mtu ?? 1500));
  const cubic = cubicAllowedInNamespaces();
  return {
    ...plan,
    hosts: plan.hosts.map((h) => {
      const tcp = linuxModelConfig(h.tcp, mtu(h.name) - 40);
      // A kernel that lets no namespace run CUBIC runs Reno (lib/real/netns-settings.ts): the model as well.
      return { ...h, tcp: tcp.congestionControl === 'cubic' && !cubic ? { ...tcp, congestionControl: 'reno' } : tcp };
    }),
  };
}

// ---------------------------------------------------------------------------------------------
// Kernel states against the expected list

/** A host's first connection on the kernel: the one observed first. */
function firstConnection(conns: readonly KernelConnection[], host: string): KernelConnection | undefined {
  let best: KernelConnection | undefined;
  for (const c of conns) {
    if (c.host !== host) continue;
    const t = c.observed[0]?.t ?? Infinity;
    if (!best || t < (best.observed[0]?.t ?? Infinity)) best = c;
  }
  return best;
}

/** The observed history: where it started (LISTEN for a passive open, CLOSED for an active one), then each state seen. */
export function observedHistory(c: KernelConnection): TcpStateName[] {
  const out: TcpStateName[] = [c.passive ? 'LISTEN' : 'CLOSED'];
  // The last CLOSED (gone from the table) is an observation of its own, even right after the starting CLOSED
  // of a connection that lived too briefly to be seen (a refused connect).
  c.observed.forEach((o, i) => {
    if (o.state !== out[out.length - 1] || (o.state === 'CLOSED' && i === c.observed.length - 1 && out.length === 1)) out.push(o.state);
  });
  return out;
}

export function checkObservedStates(expected: ExpectPlan['states'], conns: readonly KernelConnection[]): ExpectResult[] {
  const out: ExpectResult[] = [];
  for (const [host, { states, pos }] of Object.entries(expected ?? {})) {
    const c = firstConnection(conns, host);
    // Worded from the catalogues (issue 26): the English as before, and any language from the keys.
    const what: Msg = { key: 'expect.what.states', params: { host } };
    const expected: Msg = { key: 'expect.d.expectedStates', params: { states: states.join(' ') } };
    if (!c) {
      out.push(expectResult(`states:${host}`, what, false, [expected, { key: 'real.d.noConnSeen', params: { host } }], pos));
      continue;
    }
    const seen = observedHistory(c);
    // Greedy subsequence: each observed state must come, in order, among the expected ones.
    const notObserved: TcpStateName[] = [];
    let i = 0;
    let bad: Msg | undefined;
    for (const s of seen) {
      const k = states.indexOf(s, i);
      if (k < 0) {
        bad = { key: 'real.d.showed', params: { state: s, expected: states[i] ?? { key: 'real.d.nothingMore' } } };
        break;
      }
      notObserved.push(...states.slice(i, k));
      i = k + 1;
    }
    const tail = states.slice(i);
    let ok = bad === undefined;
    const notes: Msg[] = [];
    if (ok && tail.length > 0) {
      const last = seen[seen.length - 1];
      if (c.stillOpen && last === 'TIME-WAIT' && tail.every((s) => s === 'CLOSED')) {
        notes.push({ key: 'real.d.notObservedClosed' });
      } else {
        ok = false;
        bad = { key: c.stillOpen ? 'real.d.stillIn' : 'real.d.stoppedAt', params: { state: last!, expected: tail[0]! } };
      }
    }
    if (notObserved.length) notes.unshift({ key: 'real.d.notObserved', params: { states: notObserved.join(' ') } });
    const lines: Msg[] = ok
      ? [{ key: 'expect.d.text', params: { text: seen.join(' ') } }, ...notes]
      : [expected, { key: 'real.d.observed', params: { states: seen.join(' ') } }, { key: 'real.d.indent', params: { text: bad! } }];
    out.push(expectResult(`states:${host}`, what, ok, lines, pos));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The comparison

export interface ExpectationPair {
  what: string;
  pos?: Pos;
  /** Judged on the model alone, and why (it depends on a setting Linux cannot take). */
  modelOnly?: Msg;
  model?: ExpectResult;
  kernel?: ExpectResult;
}

/** An expectation that fails on both sides the same way: the two agree, and the scenario asks what neither does. */
export interface SharedFailure {
  pair: ExpectationPair;
  /** What both found, in words (`it is FIN-WAIT-2`, `line 23 did not match (differs in flags, ack)`). */
  found: string;
}

/** An expectation on which the two sides part: which side failed, and how. */
export interface Disagreement {
  pair: ExpectationPair;
  /** `holds on the model, fails on the kernel: ...`, in words. */
  text: string;
  /** Which sides fail and how they part, to word `text` in any language (issue 26). */
  kind?: DisagreementKind;
}

export type DisagreementKind = 'alone' | 'differently' | 'kernelOnlyCheck' | 'modelOnlyCheck' | 'kernelFails' | 'modelFails';

/** A disagreement's text in `lang`: which side fails, and what it found. */
export function disagreementText(d: Pick<Disagreement, 'pair' | 'kind' | 'text'>, lang: Lang): string {
  const { model: m, kernel: kk, modelOnly } = d.pair;
  switch (d.kind) {
    case 'alone': return msg(lang, 'real.dis.alone', { why: modelOnly ? word(lang, modelOnly) : '', found: foundIn(lang, m!) });
    case 'differently': return msg(lang, 'real.dis.differently', { model: foundIn(lang, m!), kernel: foundIn(lang, kk!) });
    case 'kernelOnlyCheck': return msg(lang, 'real.dis.kernelOnlyCheck', { found: foundIn(lang, kk!) });
    case 'modelOnlyCheck': return msg(lang, 'real.dis.modelOnlyCheck', { found: foundIn(lang, m!) });
    case 'kernelFails': return msg(lang, 'real.dis.kernelFails', { found: foundIn(lang, kk!) });
    case 'modelFails': return msg(lang, 'real.dis.modelFails', { found: foundIn(lang, m!) });
    default: return d.text;
  }
}

export interface Comparison {
  pairs: ExpectationPair[];
  /** The model and the kernel agree: every expectation holds on both, or fails on both the same way. */
  ok: boolean;
  /** Every expectation holds on both sides. */
  allHold: boolean;
  shared: SharedFailure[];
  disagreements: Disagreement[];
  /** The first disagreement, in words, with its place in the file. */
  firstDisagreement?: string;
}

function hostOfAddrIn(addrByHost: Record<string, string>) {
  return (addrPort: string) => {
    const a = addrPort.slice(0, addrPort.lastIndexOf(':'));
    for (const [h, addr] of Object.entries(addrByHost)) if (addr === a) return h;
    return undefined;
  };
}

/** The kernel run judged by the scenario's expectations. */
export function kernelExpectations(k: KernelRunResult): ExpectResult[] {
  const e = k.plan.expect;
  const out: ExpectResult[] = [...k.stepResults];
  if (e.states) out.push(...checkObservedStates(e.states, k.connections));
  if (e.segments) out.push({ ...matchSegments(e.segments.lines, k.events, hostOfAddrIn(k.addrOf)), pos: e.segments.pos });
  if (e.delivered) out.push(...checkDelivered(e.delivered, k.delivered));
  if (e.errors) out.push(...checkErrors(e.errors, k.errors));
  return out;
}

/** Results pair by their id, the same in every language: steps by their line and column, the `expect:` checks by kind and host. */
const key = (r: ExpectResult) => r.id;

/**
 * What a failed expectation found, in words that do not depend on the side: the model and the kernel
 * word their details differently (the kernel's states are read from its socket table, so it reports the
 * first state it showed out of order, the model the first that differs; times and windows differ), so two
 * failures are the same when they found the same thing, not when their texts are equal.
 */
export function failureFound(r: ExpectResult): string {
  return foundIn('en', r);
}

/** failureFound in `lang` (issue 26): its shapes from the catalogues, else the result's own detail. */
function foundIn(lang: Lang, r: ExpectResult): string {
  const m = foundText(r);
  if (m) return word(lang, m);
  // delivered and errors: both sides are checked by the same function, so their words are the same.
  const detail = lang !== 'en' && r.detailText ? r.detailText.map((l) => word(lang, l)).join('\n') : r.detail;
  return detail.replace(/t=[\d.]+ms/g, 't=…');
}

/** What a failed expectation found, as a message; undefined when it is the detail itself (delivered, errors). */
function foundText(r: ExpectResult): Msg | undefined {
  const d = r.detail;
  let m: RegExpExecArray | null;
  // An `expect state` step: the state the connection was in.
  if ((m = /^expected \S+, but (?:it is|the kernel has it in) (.+)$/.exec(d))) return { key: 'real.f.itIs', params: { state: m[1]! } };
  if ((m = /^expected \d+ bytes delivered, but (\d+) were/.exec(d))) return { key: 'real.f.delivered', params: { n: m[1]! } };
  if (r.what === 'segments') {
    if ((m = /^line (\d+) did not match/.exec(d))) {
      if (/actual: {2}no segment left/.test(d)) return { key: 'real.f.noneLeft', params: { line: m[1]! } };
      const fields = /differs in: ([^(\n]+)/.exec(d)?.[1].trim();
      return { key: 'real.f.lineDiffers', params: { line: m[1]!, fields: fieldsText(fields) } };
    }
    if (/^segment \d+ of \d+ was sent after the last line matched/.test(d)) return { key: 'real.f.more' };
  }
  if (r.what.startsWith('states ')) {
    if ((m = /got (\S+)$|showed (\S+) where|went on to (\S+)/m.exec(d))) return { key: 'real.f.outOfOrder', params: { state: m[1] ?? m[2] ?? m[3]! } };
    if ((m = /stopped at (\S+);|was still in (\S+) when the run ended/.exec(d))) return { key: 'real.f.stopped', params: { state: m[1] ?? m[2]! } };
    if (/no connection/.test(d)) return { key: 'real.f.noConnection' };
  }
  return undefined;
}

/** The fields a segment line differs in (`flags, ack`), each as the expectations word it. */
function fieldsText(fields: string | undefined): string | (string | Msg)[] {
  if (fields === undefined) return 'undefined';
  const names = fields.split(', ');
  const keys = names.map((f) => (f === 'seq end (length)' ? 'expect.field.seqEnd' : `expect.field.${f}`));
  return keys.every((k) => isKey(k)) ? keys.map((k) => ({ key: k as MessageKey })) : fields;
}

export function compareRuns(k: KernelRunResult, model: RunResult): Comparison {
  const pairs = new Map<string, ExpectationPair>();
  for (const r of model.expectations) pairs.set(key(r), { what: r.what, pos: r.pos, model: r });
  for (const r of kernelExpectations(k)) {
    const p = pairs.get(key(r));
    if (p) {
      p.kernel = r;
      p.pos ??= r.pos;
    }
    else pairs.set(key(r), { what: r.what, pos: r.pos, kernel: r });
  }
  const list = [...pairs.values()].sort((a, b) => (a.pos?.line ?? 0) - (b.pos?.line ?? 0) || (a.pos?.col ?? 0) - (b.pos?.col ?? 0));
  for (const p of list) {
    const why = k.modelOnly?.(p.what);
    if (why) p.modelOnly = why;
  }
  return judge(list, k.plan.file);
}

/** The verdict on paired expectations (apart from the runs, so that it can be tested on made-up pairs). */
export function judge(list: ExpectationPair[], file: string): Comparison {
  const shared: SharedFailure[] = [];
  const disagreements: Disagreement[] = [];
  // Worded from the catalogues in English (disagreementText words them in any language).
  const part = (pair: ExpectationPair, kind: DisagreementKind) => disagreements.push({ pair, kind, text: disagreementText({ pair, kind, text: '' }, 'en') });
  for (const p of list) {
    const m = p.model;
    const kk = p.kernel;
    if (p.modelOnly) {
      if (m && !m.ok) part(p, 'alone');
      continue;
    }
    if ((m?.ok ?? true) && (kk?.ok ?? true)) continue;
    if (m && kk && !m.ok && !kk.ok) {
      const [fm, fk] = [failureFound(m), failureFound(kk)];
      if (fm === fk) shared.push({ pair: p, found: fm });
      else part(p, 'differently');
    } else if (!m) part(p, 'kernelOnlyCheck');
    else if (!kk) part(p, 'modelOnlyCheck');
    else if (m.ok) part(p, 'kernelFails');
    else part(p, 'modelFails');
  }
  const where = (p: ExpectationPair) => (p.pos ? `${file}:${p.pos.line}:${p.pos.col}: ` : '');
  const d0 = disagreements[0];
  return {
    pairs: list,
    ok: disagreements.length === 0,
    allHold: disagreements.length === 0 && shared.length === 0,
    shared,
    disagreements,
    firstDisagreement: d0 ? `${where(d0.pair)}${d0.pair.what}: ${d0.text}` : undefined,
  };
}

/** The verdict's lines: AGREE or DIFFER, and each expectation that fails, on which side and how. */
export function renderVerdict(cmp: Comparison, file: string, notCheckable: readonly Msg[], color: boolean, throughLink = false, lang: Lang = 'en'): string[] {
  const where = (p: ExpectationPair) => (p.pos ? `${file}:${p.pos.line}:${p.pos.col}: ` : '');
  const out: string[] = [];
  // Each line from the catalogues (issue 26); a count picks the singular or plural message.
  const n = (k: number, one: MessageKey, many: MessageKey) => msg(lang, k === 1 ? one : many, { n: k });
  const alone = cmp.pairs.filter((p) => p.modelOnly).length;
  if (cmp.allHold) {
    return [paint(msg(lang, 'real.v.agree'), 32, color) + msg(lang, 'real.v.allHold', { alone: alone ? n(alone, 'real.v.aloneOne', 'real.v.aloneMany') : '' })];
  }
  if (cmp.ok) out.push(paint(msg(lang, 'real.v.agree'), 32, color) + msg(lang, 'real.v.alike', { fail: n(cmp.shared.length, 'real.v.failOne', 'real.v.failMany') }));
  else out.push(paint(msg(lang, 'real.v.differ'), 31, color) + msg(lang, 'real.v.part', { n: n(cmp.disagreements.length, 'real.v.expectationOne', 'real.v.expectationMany') }));
  for (const d of cmp.disagreements) out.push(`  ${where(d.pair)}${pairWhat(d.pair, lang)}: ${lang === 'en' ? d.text : disagreementText(d, lang)}`);
  if (!cmp.ok && cmp.shared.length) out.push(msg(lang, 'real.v.andShared', { fail: n(cmp.shared.length, 'real.v.failOne', 'real.v.failMany') }));
  for (const s of cmp.shared) out.push(msg(lang, 'real.v.onBoth', { where: where(s.pair), what: pairWhat(s.pair, lang), found: s.pair.model ? foundIn(lang, s.pair.model) : s.found }));
  if (cmp.shared.length && throughLink) {
    out.push(msg(lang, 'real.v.sameLink'));
  } else if (cmp.shared.length) {
    // What changes which segments arrive (a drop, loss, a link going down) is what a story on loopback most
    // often misses; a delay alone changes when, not what.
    const lost = notCheckable.map(whatLoopbackCannotMake).filter((l) => l !== undefined);
    out.push(lost.length
      ? msg(lang, 'real.v.lost', { lost: lost.map((l) => word(lang, l)).join(msg(lang, 'real.semi')) })
      : msg(lang, 'real.v.noLoss', { mss: LOOPBACK_MSS }));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Printing

/** `s` cut or padded to `w` columns (a Chinese character takes two); cut text ends in … when `mark` (English keeps its plain cut). */
function padCols(s: string, w: number, mark = false): string {
  const width = (ch: string) => (/[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(ch) ? 2 : 1);
  const chars = [...s];
  const total = chars.reduce((n, ch) => n + width(ch), 0);
  const room = total > w && mark ? w - 1 : w;
  let cols = 0;
  let out = '';
  for (const ch of chars) {
    if (cols + width(ch) > room) break;
    out += ch;
    cols += width(ch);
  }
  if (total > w && mark) return out + '…' + ' '.repeat(w - cols - 1);
  return out + ' '.repeat(w - cols);
}

function paint(s: string, code: number, color: boolean): string {
  return color ? `\x1b[${code}m${s}\x1b[0m` : s;
}

function preview(b: Buffer, lang: Lang = 'en'): string {
  const s = b.toString('utf8');
  return msg(lang, 'real.t.bytes', { n: b.length, text: b.length ? ` ${JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s)}` : '' });
}

/** A pair's expectation in `lang`: its words from the catalogue when a side has them, else as written. */
function pairWhat(p: ExpectationPair, lang: Lang): string {
  const text = p.model?.text ?? p.kernel?.text;
  return lang !== 'en' && text ? word(lang, text) : p.what;
}

/** A result's detail in `lang`. */
function detailIn(r: ExpectResult, lang: Lang): string {
  return lang !== 'en' && r.detailText ? r.detailText.map((l) => word(lang, l)).join('\n') : r.detail;
}

function modelHistory(events: readonly TraceEvent[], host: string): TcpStateName[] {
  const mine = events.filter((e): e is StateEvent => e.type === 'state' && e.host === host);
  if (mine.length === 0) return [];
  const conn = mine[0].conn;
  return [mine[0].from, ...mine.filter((e) => e.conn === conn).map((e) => e.to)];
}

function segLine(ev: SegmentEvent, hostOf: (ap: string) => string | undefined): string {
  // The sender is the column's host: "> server  S.  seq 0 ack 1 win 65535 len 0".
  return `${ev.t.toFixed(1).padStart(7)} ${formatSegment(ev, hostOf).replace(/^\S+ > /, '> ')}`;
}

export function renderComparison(k: KernelRunResult, model: RunResult, cmp: Comparison, color: boolean, lang: Lang = 'en'): string {
  // Each line from the catalogues (issue 26): English as before, or the user's language.
  const say = (key: MessageKey, params?: Params) => msg(lang, key, params);
  const plan = k.plan;
  const out: string[] = [];
  const modelAddr: Record<string, string> = Object.fromEntries(model.plan.hosts.map((h) => [h.name, h.addrText]));
  const hostOfModel = hostOfAddrIn(modelAddr);
  const hostOfKernel = hostOfAddrIn(k.addrOf);
  out.push(paint(`tcpemu real · ${plan.name} (${plan.file})`, 1, color));
  const net = k as Partial<NetnsRunResult>;
  const m0 = model.plan.hosts[0]?.tcp;
  if (net.via === 'netns') {
    const drops = Object.entries(net.linkStats ?? {}).map(([d, st]) => {
      const lost = Object.entries(st.dropped).filter(([, v]) => v > 0).map(([r, v]) => say('real.h.droppedWhy', { n: v, why: isKey(`dropReason.${r}`) ? say(`dropReason.${r}` as MessageKey) : r }));
      return say('real.h.linkDir', { dir: d, sent: st.sent, dropped: lost.length ? say('real.h.dropped', { list: lost.join(say('real.comma')) }) : '',
        duplicated: st.duplicated ? say('real.h.duplicated', { n: st.duplicated }) : '', reordered: st.reordered ? say('real.h.reordered', { n: st.reordered }) : '',
        corrupted: st.corrupted ? say('real.h.corrupted', { n: st.corrupted }) : '' });
    });
    out.push(say('real.h.netns', { hosts: plan.hosts.map((h) => `${h.name} = ${k.addrOf[h.name]}, MTU ${net.mtuOf?.[h.name]}`).join(say('real.semi')), seed: plan.seed,
      ms: k.durationMs.toFixed(0), segments: k.segments.length, samples: k.samples }));
    if (drops.length) out.push(say('real.h.link', { list: drops.join(say('real.semi')) }));
    out.push(say('real.h.modelNetns', { mss: m0?.mss ?? '', segments: model.stats.segments }));
  } else {
    if (k.fallback) out.push(say('real.h.fallback', { why: word(lang, k.fallback) }));
    out.push(say('real.h.loopback', { hosts: plan.hosts.map((h) => `${h.name} = ${k.addrOf[h.name]}`).join(', '), ms: k.durationMs.toFixed(0),
      segments: k.segments.length, partial: k.partialChecksums, samples: k.samples }));
    out.push(say('real.h.modelLoopback', { mss: m0?.mss ?? '', mtu: LOOPBACK_MTU, segments: model.stats.segments }));
  }
  if (k.notCheckable.length) {
    out.push('', say('real.notCheckable'));
    for (const l of k.notCheckable) out.push(`  ${word(lang, l)}`);
  }
  if (k.fallback && k.notCheckable.length) {
    // What loopback cannot make changes which segments arrive (a drop, loss, a link going down) or only when (a delay, a rate).
    const changesWhat = k.notCheckable.some((l) => whatLoopbackCannotMake(l) !== undefined);
    const unchecked = cmp.pairs.filter((p) => (changesWhat ? !/^(delivered|errors?) /.test(p.what) : /^at /.test(p.what) || p.what === 'segments')).map((p) => p.what);
    if (unchecked.length) out.push(say('real.unchecked', { list: cmp.pairs.filter((p) => unchecked.includes(p.what)).map((p) => pairWhat(p, lang)).join(say('real.semi')) }));
  }
  if (k.notApplied.length) {
    out.push('', say(net.via === 'netns' ? 'real.notApplied.netns' : 'real.notApplied.loopback'));
    for (const l of k.notApplied) out.push(`  ${word(lang, l)}`);
  }
  const W = 58;
  const parting = firstSegmentParting(plan.hosts.map((h) => h.name), model.events, k.events);
  for (const h of plan.hosts) {
    out.push('', paint(`── ${h.name} ${'─'.repeat(Math.max(0, 60 - h.name.length))}`, 1, color));
    const mh = modelHistory(model.events, h.name);
    const kc = firstConnection(k.connections, h.name);
    out.push(say('real.t.states', { states: mh.length ? mh.join(' ') : say('real.t.noConn') }));
    out.push(say('real.t.kernel', { text: kc ? observedHistory(kc).join(' ') + (kc.stillOpen ? say('real.t.stillOpen') : '') : say('real.t.noConnSeen') }));
    const ms = model.events.filter((e): e is SegmentEvent => e.type === 'segment' && e.event === 'tx' && e.host === h.name).map((e) => segLine(e, hostOfModel));
    const ks = k.segments.filter((e) => e.host === h.name).map((e) => segLine(e, hostOfKernel));
    out.push(`${say('real.t.sent')}${padCols(say('real.t.modelCol'), W)}| ${say('real.t.kernelCol')}`);
    for (let i = 0; i < Math.max(ms.length, ks.length); i++) {
      const here = parting?.host === h.name && parting.index === i + 1 ? paint(say('real.t.partHere'), 33, color) : '';
      out.push(`            ${(ms[i] ?? '').padEnd(W)}| ${ks[i] ?? ''}${here}`);
    }
    out.push(say('real.t.received', { text: preview(model.delivered[h.name] ?? Buffer.alloc(0), lang) }));
    out.push(say('real.t.kernel', { text: preview(k.delivered[h.name] ?? Buffer.alloc(0), lang) }));
    const me = model.events.filter((e) => e.type === 'app' && e.host === h.name && e.event === 'error').map((e) => (e as { error?: string }).error);
    out.push(say('real.t.errors', { text: me.length ? me.join(', ') : say('real.t.none') }));
    out.push(say('real.t.kernel', { text: k.errors[h.name]?.length ? k.errors[h.name].join(', ') : say('real.t.none') }));
  }
  // Which segments each side sent again (lossy runs): lib/real/retransmits.ts.
  const resends = renderResends(plan.hosts.map((h) => h.name), model.events, k.segments, lang);
  // The same as sequence space, set against what the link took from each side (the kernel's drops are in its events).
  out.push(...resends, ...(resends.length ? renderCoverage(plan.hosts.map((h) => h.name), model.events, k.events, lang) : []));
  // Segment by segment: each side's packets in order and what the link's fates took of them (lib/real/packet-fates.ts).
  if (resends.length) out.push(...renderPacketFates(comparePacketFates(plan.hosts.map((h) => h.name), model.events, k.events), lang));
  // Each flow's goodput and Jain's index (a shared bottleneck, or several flows): lib/real/flows.ts.
  out.push(...renderFlowComparison(compareFlows(model.events, k.events), plan.bottleneck !== undefined, lang));
  out.push('', paint(say('real.t.expectations'), 1, color) + say('real.t.columns'));
  const mark = (r: ExpectResult | undefined) => (r === undefined ? '  -   ' : r.ok ? paint('  ✔   ', 32, color) : paint('  ✘   ', 31, color));
  for (const p of cmp.pairs) {
    out.push(`  ${padCols(pairWhat(p, lang), 36, lang !== 'en')}  ${mark(p.model)}  ${p.modelOnly ? ` (${p.kernel ? (p.kernel.ok ? '✔' : '✘') : '-'}) ${say('real.t.notJudged')}` : mark(p.kernel)}`);
    if (p.modelOnly) out.push(say('real.t.alone', { why: word(lang, p.modelOnly) }));
    for (const [side, r] of [['model', p.model], ['kernel', p.kernel]] as const) {
      if (r && (!r.ok || (side === 'kernel' && r.detail.includes('not observed')))) {
        out.push(`      ${say('real.t.side', { side: say(side === 'model' ? 'real.t.model' : 'real.t.kernelSide') })}${detailIn(r, lang).split('\n').join('\n      ')}`);
      }
    }
  }
  if (cmp.pairs.length === 0) out.push(say('real.t.nothing'));
  out.push('', ...renderVerdict(cmp, plan.file, k.notCheckable, color, net.via === 'netns', lang));
  if (!cmp.ok) {
    // Where the two conversations part, which explains the disagreement more often than the expectation itself.
    const states = plan.hosts.map((h) => {
      const kc = firstConnection(k.connections, h.name);
      return kc ? stateParting(h.name, modelHistory(model.events, h.name), observedHistory(kc), kc.stillOpen) : undefined;
    }).find((x) => x !== undefined);
    out.push(parting ? say('real.part.first', { where: describeSegmentParting(parting, lang) }) : say('real.part.same'));
    if (states) out.push(say('real.part.andAt', { where: describeStateParting(states, lang) }));
  }
  return out.join('\n') + '\n';
}

/**
 * Bytes the model's applications read, from the trace's app `data` events: RunResult keeps the
 * bytes themselves on its sockets, not in the result, so the model's column shows the count (the
 * `delivered` expectation compares the bytes).
 */
