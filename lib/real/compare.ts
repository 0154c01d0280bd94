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
import { checkDelivered, checkErrors, formatSegment, matchSegments, type ExpectResult } from '../scenario/expect.ts';
import type { RunResult } from '../scenario/runner.ts';
import type { SegmentEvent, StateEvent, TcpStateName, TraceEvent } from '../trace/events.ts';
import { renderCoverage, renderResends } from './retransmits.ts';
import { compareFlows, renderFlowComparison } from './flows.ts';
import { cubicAllowedInNamespaces } from './netns-settings.ts';
import { linuxDefaults, resolveConfig, rfcDefaults, type TcpConfig, type TcpConfigInput } from '../tcp/config.ts';
import type { KernelConnection, KernelRunResult } from './kernel.ts';
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
  return resolveConfig({ ...linuxDefaults, mss, ...(explicit as TcpConfigInput), profile: 'linux' });
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
    const what = `states ${host}`;
    if (!c) {
      out.push({ id: `states:${host}`, what, ok: false, detail: `expected: ${states.join(' ')}\n  observed: (no connection of ${host} was seen in the socket table)`, pos });
      continue;
    }
    const seen = observedHistory(c);
    // Greedy subsequence: each observed state must come, in order, among the expected ones.
    const notObserved: TcpStateName[] = [];
    let i = 0;
    let bad: string | undefined;
    for (const s of seen) {
      const k = states.indexOf(s, i);
      if (k < 0) {
        bad = `the kernel showed ${s} where the expected list has ${states[i] ?? 'nothing more'}`;
        break;
      }
      notObserved.push(...states.slice(i, k));
      i = k + 1;
    }
    const tail = states.slice(i);
    let ok = bad === undefined;
    const notes: string[] = [];
    if (ok && tail.length > 0) {
      const last = seen[seen.length - 1];
      if (c.stillOpen && last === 'TIME-WAIT' && tail.every((s) => s === 'CLOSED')) {
        notes.push(`not observed: CLOSED (the run ended while the kernel held the connection in TIME-WAIT, 60 s on Linux)`);
      } else {
        ok = false;
        bad = `the kernel's connection ${c.stillOpen ? `was still in ${last} when the run ended` : `stopped at ${last}`}; expected next ${tail[0]}`;
      }
    }
    if (notObserved.length) notes.unshift(`not observed (passed between two reads of the socket table): ${notObserved.join(' ')}`);
    const detail = ok
      ? `${seen.join(' ')}${notes.length ? `\n  ${notes.join('\n  ')}` : ''}`
      : `expected: ${states.join(' ')}\n  observed: ${seen.join(' ')}\n  ${bad}`;
    out.push({ id: `states:${host}`, what, ok, detail, pos });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The comparison

export interface ExpectationPair {
  what: string;
  pos?: Pos;
  /** Judged on the model alone, and why (it depends on a setting Linux cannot take). */
  modelOnly?: string;
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
  const d = r.detail;
  let m: RegExpExecArray | null;
  // An `expect state` step: the state the connection was in.
  if ((m = /^expected \S+, but (?:it is|the kernel has it in) (.+)$/.exec(d))) return `it is ${m[1]}`;
  if ((m = /^expected \d+ bytes delivered, but (\d+) were/.exec(d))) return `${m[1]} bytes were delivered`;
  if (r.what === 'segments') {
    if ((m = /^line (\d+) did not match/.exec(d))) {
      if (/actual: {2}no segment left/.test(d)) return `line ${m[1]} did not match (no segment was left)`;
      const fields = /differs in: ([^(\n]+)/.exec(d)?.[1].trim();
      return `line ${m[1]} did not match (differs in ${fields})`;
    }
    if (/^segment \d+ of \d+ was sent after the last line matched/.test(d)) return 'more segments were sent than the lines list';
  }
  if (r.what.startsWith('states ')) {
    if ((m = /got (\S+)$|showed (\S+) where|went on to (\S+)/m.exec(d))) return `the connection went to ${m[1] ?? m[2] ?? m[3]} out of order`;
    if ((m = /stopped at (\S+);|was still in (\S+) when the run ended/.exec(d))) return `the connection stopped at ${m[1] ?? m[2]}`;
    if (/no connection/.test(d)) return 'there was no connection';
  }
  // delivered and errors: both sides are checked by the same function, so their words are the same.
  return d.replace(/t=[\d.]+ms/g, 't=…');
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
  for (const p of list) {
    const m = p.model;
    const kk = p.kernel;
    if (p.modelOnly) {
      if (m && !m.ok) disagreements.push({ pair: p, text: `fails on the model, judged on the model alone (${p.modelOnly}): ${failureFound(m)}` });
      continue;
    }
    if ((m?.ok ?? true) && (kk?.ok ?? true)) continue;
    if (m && kk && !m.ok && !kk.ok) {
      const [fm, fk] = [failureFound(m), failureFound(kk)];
      if (fm === fk) shared.push({ pair: p, found: fm });
      else disagreements.push({ pair: p, text: `fails on both, differently: on the model ${fm}; on the kernel ${fk}` });
    } else if (!m) disagreements.push({ pair: p, text: `fails on the kernel (the model has no such check): ${failureFound(kk!)}` });
    else if (!kk) disagreements.push({ pair: p, text: `fails on the model (the kernel has no such check): ${failureFound(m)}` });
    else if (m.ok) disagreements.push({ pair: p, text: `holds on the model, fails on the kernel: ${failureFound(kk)}` });
    else disagreements.push({ pair: p, text: `fails on the model, holds on the kernel: ${failureFound(m)}` });
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
export function renderVerdict(cmp: Comparison, file: string, notCheckable: readonly string[], color: boolean, throughLink = false): string[] {
  const where = (p: ExpectationPair) => (p.pos ? `${file}:${p.pos.line}:${p.pos.col}: ` : '');
  const out: string[] = [];
  const n = (k: number, one: string, many: string) => `${k} ${k === 1 ? one : many}`;
  const alone = cmp.pairs.filter((p) => p.modelOnly).length;
  if (cmp.allHold) {
    return [paint('AGREE', 32, color) + `: every expectation holds on the model and on the kernel${alone ? ` (${n(alone, 'of them is', 'of them are')} judged on the model alone: Linux cannot take a setting ${alone === 1 ? 'it depends' : 'they depend'} on)` : ''}`];
  }
  if (cmp.ok) out.push(paint('AGREE', 32, color) + `: the model and the kernel behave alike; ${n(cmp.shared.length, 'expectation fails', 'expectations fail')} on both, the same way:`);
  else out.push(paint('DIFFER', 31, color) + `: the model and the kernel part on ${n(cmp.disagreements.length, 'expectation', 'expectations')}:`);
  for (const d of cmp.disagreements) out.push(`  ${where(d.pair)}${d.pair.what}: ${d.text}`);
  if (!cmp.ok && cmp.shared.length) out.push(`and ${n(cmp.shared.length, 'expectation fails', 'expectations fail')} on both, the same way:`);
  for (const s of cmp.shared) out.push(`  ${where(s.pair)}${s.pair.what}: on both ${s.found}`);
  if (cmp.shared.length && throughLink) {
    out.push('  (both ran the scenario on the same link, with the same drops: the expectation asks what neither TCP does under Linux\'s settings)');
  } else if (cmp.shared.length) {
    // What changes which segments arrive (a drop, loss, a link going down) is what a story on loopback most
    // often misses; a delay alone changes when, not what.
    const lost = notCheckable.filter((l) => /: (drop|loss|duplicate|reorder|corrupt)\b| link (down|up) /.test(l)).map((l) => l.replace(/: not cross-checkable.*$/, ''));
    out.push(lost.length
      ? `  (what fails on both is likely what loopback cannot make, listed under "not cross-checkable" above: ${lost.join('; ')})`
      : `  (no drop or loss left out on loopback explains it: both part from the scenario under loopback's conditions, Linux's settings and MSS ${LOOPBACK_MSS}, or the expectation asks what neither does)`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Printing

function paint(s: string, code: number, color: boolean): string {
  return color ? `\x1b[${code}m${s}\x1b[0m` : s;
}

function preview(b: Buffer): string {
  const s = b.toString('utf8');
  return `${b.length} bytes${b.length ? ` ${JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s)}` : ''}`;
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

export function renderComparison(k: KernelRunResult, model: RunResult, cmp: Comparison, color: boolean): string {
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
      const lost = Object.entries(st.dropped).filter(([, v]) => v > 0).map(([r, v]) => `${v} ${r}`);
      return `${d} ${st.sent} sent${lost.length ? `, dropped ${lost.join(', ')}` : ''}${st.duplicated ? `, ${st.duplicated} duplicated` : ''}${st.reordered ? `, ${st.reordered} reordered` : ''}${st.corrupted ? `, ${st.corrupted} corrupted` : ''}`;
    });
    out.push(`kernel: Linux in a network namespace per host (${plan.hosts.map((h) => `${h.name} = ${k.addrOf[h.name]}, MTU ${net.mtuOf?.[h.name]}`).join('; ')}), joined through tcpemu's link ` +
      `with the scenario's impairments and seed ${plan.seed}; ${k.durationMs.toFixed(0)} ms of real time, ${k.segments.length} segments, ${k.samples} reads of the socket tables`);
    if (drops.length) out.push(`        link: ${drops.join('; ')}`);
    out.push(`model:  profile linux, mss ${m0?.mss}, the scenario's link; ${model.stats.segments} segments`);
  } else {
    if (k.fallback) out.push(`on loopback: the run through namespaces and tcpemu's link cannot happen here (${k.fallback}); loopback has no impairments, so what the scenario asks of its link is not checked`);
    out.push(`kernel: loopback, ${plan.hosts.map((h) => `${h.name} = ${k.addrOf[h.name]}`).join(', ')}; ${k.durationMs.toFixed(0)} ms of real time, ` +
      `${k.segments.length} segments captured (${k.partialChecksums} with offloaded checksums), ${k.samples} reads of the socket table`);
    out.push(`model:  profile linux, mss ${m0?.mss}, link without impairments (MTU ${LOOPBACK_MTU}); ${model.stats.segments} segments`);
  }
  if (k.notCheckable.length) {
    out.push('', 'not cross-checkable:');
    for (const l of k.notCheckable) out.push(`  ${l}`);
  }
  if (k.fallback && k.notCheckable.length) {
    // What loopback cannot make changes which segments arrive (a drop, loss, a link going down) or only when (a delay, a rate).
    const changesWhat = k.notCheckable.some((l) => /: (drop|loss|duplicate|reorder|corrupt)\b| link (down|up) /.test(l));
    const unchecked = cmp.pairs.filter((p) => (changesWhat ? !/^(delivered|errors?) /.test(p.what) : /^at /.test(p.what) || p.what === 'segments')).map((p) => p.what);
    if (unchecked.length) out.push(`  so these expectations cannot be checked on loopback (they depend on the link): ${unchecked.join('; ')}`);
  }
  if (k.notApplied.length) {
    out.push('', net.via === 'netns'
      ? 'not cross-checkable (Linux cannot take them; the model uses them, and expectations that depend on them are judged on the model alone):'
      : 'not applied on the kernel (the model uses them):');
    for (const l of k.notApplied) out.push(`  ${l}`);
  }
  const W = 58;
  const parting = firstSegmentParting(plan.hosts.map((h) => h.name), model.events, k.events);
  for (const h of plan.hosts) {
    out.push('', paint(`── ${h.name} ${'─'.repeat(Math.max(0, 60 - h.name.length))}`, 1, color));
    const mh = modelHistory(model.events, h.name);
    const kc = firstConnection(k.connections, h.name);
    out.push(`  states    model:  ${mh.length ? mh.join(' ') : '(no connection)'}`);
    out.push(`            kernel: ${kc ? observedHistory(kc).join(' ') + (kc.stillOpen ? '  (still open when the run ended)' : '') : '(no connection seen)'}`);
    const ms = model.events.filter((e): e is SegmentEvent => e.type === 'segment' && e.event === 'tx' && e.host === h.name).map((e) => segLine(e, hostOfModel));
    const ks = k.segments.filter((e) => e.host === h.name).map((e) => segLine(e, hostOfKernel));
    out.push(`  sent      ${'model (ms, seq/ack relative)'.padEnd(W)}| kernel (ms)`);
    for (let i = 0; i < Math.max(ms.length, ks.length); i++) {
      const here = parting?.host === h.name && parting.index === i + 1 ? paint('  ◀ they part here', 33, color) : '';
      out.push(`            ${(ms[i] ?? '').padEnd(W)}| ${ks[i] ?? ''}${here}`);
    }
    out.push(`  received  model:  ${preview(model.delivered[h.name] ?? Buffer.alloc(0))}`);
    out.push(`            kernel: ${preview(k.delivered[h.name] ?? Buffer.alloc(0))}`);
    const me = model.events.filter((e) => e.type === 'app' && e.host === h.name && e.event === 'error').map((e) => (e as { error?: string }).error);
    out.push(`  errors    model:  ${me.length ? me.join(', ') : 'none'}`);
    out.push(`            kernel: ${k.errors[h.name]?.length ? k.errors[h.name].join(', ') : 'none'}`);
  }
  // Which segments each side sent again (lossy runs): lib/real/retransmits.ts.
  const resends = renderResends(plan.hosts.map((h) => h.name), model.events, k.segments);
  // The same as sequence space, set against what the link took from each side (the kernel's drops are in its events).
  out.push(...resends, ...(resends.length ? renderCoverage(plan.hosts.map((h) => h.name), model.events, k.events) : []));
  // Each flow's goodput and Jain's index (a shared bottleneck, or several flows): lib/real/flows.ts.
  out.push(...renderFlowComparison(compareFlows(model.events, k.events), plan.bottleneck !== undefined));
  out.push('', paint('expectations', 1, color) + '                           model   kernel');
  const mark = (r: ExpectResult | undefined) => (r === undefined ? '  -   ' : r.ok ? paint('  ✔   ', 32, color) : paint('  ✘   ', 31, color));
  for (const p of cmp.pairs) {
    out.push(`  ${p.what.padEnd(36).slice(0, 36)}  ${mark(p.model)}  ${p.modelOnly ? ` (${p.kernel ? (p.kernel.ok ? '✔' : '✘') : '-'}) not judged` : mark(p.kernel)}`);
    if (p.modelOnly) out.push(`      judged on the model alone: ${p.modelOnly}`);
    for (const [side, r] of [['model', p.model], ['kernel', p.kernel]] as const) {
      if (r && (!r.ok || (side === 'kernel' && r.detail.includes('not observed')))) {
        out.push(`      ${side}: ${r.detail.split('\n').join('\n      ')}`);
      }
    }
  }
  if (cmp.pairs.length === 0) out.push('  (the scenario expects nothing: there is nothing to compare)');
  out.push('', ...renderVerdict(cmp, plan.file, k.notCheckable, color, net.via === 'netns'));
  if (!cmp.ok) {
    // Where the two conversations part, which explains the disagreement more often than the expectation itself.
    const states = plan.hosts.map((h) => {
      const kc = firstConnection(k.connections, h.name);
      return kc ? stateParting(h.name, modelHistory(model.events, h.name), observedHistory(kc), kc.stillOpen) : undefined;
    }).find((x) => x !== undefined);
    out.push(parting ? `  they part first at ${describeSegmentParting(parting)} (marked ◀ above)` : '  every host sent the same segments on both sides (flags, sequence and acknowledgment numbers)');
    if (states) out.push(`  and at ${describeStateParting(states)}`);
  }
  return out.join('\n') + '\n';
}

/**
 * Bytes the model's applications read, from the trace's app `data` events: RunResult keeps the
 * bytes themselves on its sockets, not in the result, so the model's column shows the count (the
 * `delivered` expectation compares the bytes).
 */
