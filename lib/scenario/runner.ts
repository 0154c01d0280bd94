import { Scheduler } from '../sim/scheduler.ts';
import { Random } from '../sim/random.ts';
import { MemoryLink } from '../link/memory.ts';
import { Host, SocketError, type SimServer, type SimSocket } from '../host/host.ts';
// Types only: the real clock and the UDP link (dgram, net, dns) load when a udp: true scenario runs (issue 29: start-up).
import type { UdpLink } from '../link/udp.ts';
import { ScenarioError } from './errors.ts';
import { TraceRecorder, type RunRecorder } from '../trace/recorder.ts';
import { CountingTracer } from '../trace/counters.ts';
import { SummaryBuilder, type Summary } from '../trace/views/summary.ts';
import type { ExpectEvent, MetaEvent, TimedEvent, TraceEvent } from '../trace/events.ts';
import type { Command, ScenarioPlan, StepPlan } from './plan.ts';
import { checkDelivered, checkErrors, checkStates, expectResult, matchSegments, say, type ExpectResult } from './expect.ts';
import { word, type Msg } from '../i18n/index.ts';
import { VERSION } from '../version.ts';
import { EventSteps } from './events.ts';
import { inject, type InjectContext } from './inject.ts';
import { BottleneckLink, FlowTally, flowGoodputs, queueEvent, type FlowGoodput } from '../link/bottleneck.ts';

/**
 * Runs a scenario plan on virtual time over the in-memory link: builds the hosts, schedules each step at
 * its time, runs until `until` or until nothing is left to happen, then checks every expectation.
 * The trace is written as things happen, by the layers that own them.
 */

export interface RunOptions {
  /** Record timer events in the trace (default true). */
  timers?: boolean;
  /** Keep every packet that crossed the link, for --pcap. */
  capture?: boolean;
  /** Every packet as it leaves its host, with its time (ms): a capture written as the run goes. */
  onPacket?: (timeMs: number, packet: Buffer) => void;
  /** Called now and then with virtual time and bytes moved (progress bar). */
  onProgress?: (virtualMs: number, untilMs: number, bytes: number) => void;
  /** Most trace events kept (resource limit; default DEFAULT_MAX_TRACE_EVENTS): past it, TraceLimitError. */
  maxEvents?: number;
  /** Most scheduler events run (default DEFAULT_MAX_RUN_EVENTS): past it, RunLimitError. */
  maxRunEvents?: number;
  /**
   * What the run keeps (default 'trace'): 'trace' keeps every event in `RunResult.events`; 'counts'
   * keeps the summary's counts and only the events the expectations read (state changes and checked
   * expectations), so that memory does not grow with the run. A scenario with `expect.segments` keeps
   * its segments either way.
   */
  record?: 'trace' | 'counts';
  /**
   * With record 'trace': keep the first this many events whole, then only what the checks read (state
   * changes and expectations), counting the rest as 'counts' does; RunResult.elided says what was let go.
   * A drawing of a long run then holds its beginning, not the run (issue 29). A scenario whose checks
   * read every segment (wholeTraceFor) keeps them all.
   */
  keepFirst?: number;
  /** Work out each connection's goodput (RunResult.flows): from the trace, or tallied as the run goes when it keeps none. */
  flows?: boolean;
  /**
   * Every trace event as it is made, the meta event first, whatever `record` keeps: a trace file written
   * as the run goes (with record 'counts', the events are made for this and then let go).
   */
  onEvent?: (ev: TraceEvent) => void;
  /**
   * Keep every byte each application read, for `RunResult.delivered` (default true). With false only
   * the hosts whose `expect.delivered` is a text keep theirs; the others are counted (`deliveredBytes`).
   */
  keepDelivered?: boolean;
}

/**
 * Trace events a run keeps by default. During the run they are kept compactly (lib/trace/compact.ts: about 120
 * bytes each on the lossy job of `bench --case cli`, heap measured); RunResult.events makes them objects of about
 * 350 bytes each when it is first read, so about 350 MB at the limit for a caller that reads them.
 */
export const DEFAULT_MAX_TRACE_EVENTS = 1_000_000;
/**
 * Events the virtual clock runs by default. Only a run that traces nothing can reach it before the trace
 * limit; it stops, say, two hosts that would trade segments forever at one instant (time never reaching until).
 */
export const DEFAULT_MAX_RUN_EVENTS = 20_000_000;

/** The run executed more events than it may (RunOptions.maxRunEvents): it stops there. */
export class RunLimitError extends Error {
  override name = 'RunLimitError';
  /** @internal The message as a catalogue key (issue 26), for the command line to word in the user's language (`.message` is the English). */
  readonly text: Msg;
  constructor(readonly limit: number, readonly atMs: number) {
    const text: Msg = { key: 'trace.runLimit', params: { limit, at: Math.round(atMs * 1000) / 1000 } };
    super(word('en', text));
    this.text = text;
  }
}

export interface RunStats {
  durationMs: number;
  segments: number;
  dataBytes: number;
  retransmissions: number;
  drops: Record<string, number>;
}

export interface RunResult {
  plan: ScenarioPlan;
  /** The whole trace, meta line first. */
  events: TraceEvent[];
  expectations: ExpectResult[];
  ok: boolean;
  stats: RunStats;
  /** Packets as they left each host, with their time (ms), when `capture` was asked for. */
  packets: { timeMs: number; packet: Buffer }[];
  /** Per host: every byte its application read, in order, over all its connections (see RunOptions.keepDelivered). */
  delivered: Record<string, Buffer>;
  /** Per host: how many bytes its application read. */
  deliveredBytes: Record<string, number>;
  /** The summary view's numbers (lib/trace/views/summary.ts), counted as the run went. */
  summary: Summary;
  /** Per host: the error codes its application saw. */
  errors: Record<string, string[]>;
  /** Goodput per connection (flowGoodputs), when RunOptions.flows asked for it; counted as the run went when it kept no trace. */
  flows?: FlowGoodput[];
  /**
   * What RunOptions.keepFirst let go: `events` events from `fromMs` to `toMs`; `kept` is how many of
   * `events` (the meta event included) came before the first of them, so `events.slice(0, kept)` is the
   * whole beginning of the run.
   */
  elided?: { events: number; fromMs: number; toMs: number; kept: number };
}

/** `send N` above this many bytes is made as it is sent (SimSocket.writeGenerated), not all at once. */
const GENERATE_ABOVE = 16 * 1024;

/** Fills `send N` payloads: printable and position-dependent, so a misplaced byte shows. */
export function payloadBytes(n: number, offset = 0): Buffer {
  const b = Buffer.allocUnsafe(n);
  if (n > 0) b.fill(ALPHABETS[offset % 26]);
  return b;
}

/**
 * The bytes payloadBytes(n, offset) would make, as a view of one shared, never written pattern: a generated
 * segment then costs no memory of its own (a Buffer of its own per segment was half of what a bulk run
 * allocated outside the heap, issue 29). Whoever is handed a payload may keep it but never writes to it,
 * as with an application's own buffer.
 */
function patternView(n: number, offset: number): Buffer {
  const start = offset % 26;
  if (start + n > pattern.length) pattern = Buffer.allocUnsafeSlow(n + 26 + 4096).fill(ALPHABETS[0]);
  return pattern.subarray(start, start + n);
}

/** "abc...z" starting at each letter: fill() repeats one, as fast as memset (a byte loop took 250 ms for 16 MiB). */
const ALPHABETS = Array.from({ length: 26 }, (_, k) => Buffer.from(Array.from({ length: 26 }, (_, i) => 0x61 + ((k + i) % 26))));

/** patternView's pattern: "abc...z" over and over from "a", as long as the longest segment asked for so far. */
let pattern = Buffer.allocUnsafeSlow(64 * 1024 + 26).fill(ALPHABETS[0]);

export function runScenario(plan: ScenarioPlan, opts: RunOptions = {}): RunResult {
  if (plan.link.udp) throw new SocketError('EUDP', 'a scenario with link: { udp: true } runs on real time: use runScenarioUdp');
  const scheduler = new Scheduler();
  const random = new Random(plan.seed);
  const recording = recorderFor(plan, scheduler, opts);
  const { recorder } = recording;
  const onDrop = (from: string, _to: string, packet: Buffer, reason: string) => recorder.linkDrop(from, packet, reason);
  const link = plan.bottleneck
    ? new BottleneckLink(scheduler, random.fork('bottleneck'), plan.bottleneck, { onDrop, onQueue: (dir, packets, bytes) => recorder.record(queueEvent(scheduler.now, dir, packets, bytes)) })
    // Zero copy through the queue: a packet waiting for a link's rate holds its headers, not a copy of its payload (issue 29).
    : new MemoryLink(scheduler, random.fork('link'), { directions: plan.link.directions }, { onDrop }, { splitQueued: true });
  const packets: { timeMs: number; packet: Buffer }[] = [];
  const hosts = new Map<string, Host>();
  const results: ExpectResult[] = [];
  const capture = captureFor(opts, packets);
  const world = new World(plan, hosts, (up) => link.setUp(up), recorder, results, opts.keepDelivered ?? true, {
    clock: scheduler, delayMs: (from, to) => (from === undefined ? 0 : link.configOf(from, to).delayMs), capture,
  });
  // Steps on events (lib/scenario/events.ts) watch what the hosts tell the recorder.
  const onSteps = eventSteps(plan, scheduler, world);
  const tracer = onSteps ? onSteps.tracer(recorder) : recorder;

  for (const hp of plan.hosts) {
    // Attached first, so that the link can make its zero-copy sender; no packet moves before the steps run.
    let host: Host;
    if (link instanceof MemoryLink) link.attach(hp.name, hp.addr, (packet) => host.receivePacket(packet), (header, payload) => host.receiveSplit(header, payload));
    else link.attach(hp.name, hp.addr, (packet) => host.receivePacket(packet));
    // A capture is shown every packet whole as it leaves: then none is split.
    const transmitSplit = capture === undefined && link instanceof MemoryLink ? link.splitSender(hp.name) : undefined;
    host = new Host({
      name: hp.name, addr: hp.addr, config: hp.tcp, clock: scheduler, random: random.fork(`host:${hp.name}`), tracer,
      // The expectations read what every socket received, closed ones included.
      keepClosedSockets: true,
      // A scenario run is small and traced: every field of every segment is checked as it is encoded.
      checkFields: true,
      transmit: (packet) => {
        capture?.(scheduler.now, packet);
        link.send(hp.name, packet);
      },
      transmitSplit,
    });
    hosts.set(hp.name, host);
  }
  for (const step of plan.steps) scheduler.at(step.atMs, () => world.exec(step));

  if (opts.onProgress) {
    const tick = Math.max(plan.untilMs / 200, 100);
    const report = () => {
      opts.onProgress!(scheduler.now, plan.untilMs, recorder.dataBytes);
      if (scheduler.pending > 1 && scheduler.now + tick <= plan.untilMs) scheduler.at(scheduler.now + tick, report);
    };
    scheduler.at(tick, report);
  }
  runBounded(scheduler, plan.untilMs, opts.maxRunEvents ?? DEFAULT_MAX_RUN_EVENTS);
  if (onSteps) results.push(...onSteps.neverRan());
  return finish(plan, hosts, recording, results, packets, opts.flows ?? false);
}

/**
 * The same scenario on real time, each host on its own UDP socket on loopback carrying exactly the
 * IPv4 packets the in-memory link would (issue 4). Two hosts; the link's delay, jitter, loss,
 * duplication, reordering and corruption are applied by each sending side. Scripted drops, rate,
 * MTU and queue limits have no equivalent here and are refused. The run ends at `until` or once no
 * timer is left for `settleMs` of quiet.
 */
export async function runScenarioUdp(plan: ScenarioPlan, opts: RunOptions & { settleMs?: number } = {}): Promise<RunResult> {
  const udpPos = positionOf(plan.source, 'udp');
  if (plan.hosts.length !== 2) throw ScenarioError.worded(plan.file, udpPos.line, udpPos.col, { key: 'udp.twoHosts', params: { n: plan.hosts.length } }, { key: 'udp.twoHostsHint' });
  for (const [dir, cfg] of Object.entries(plan.link.directions)) {
    const unsupported = (['drop', 'rateBitsPerSec', 'queueLimit'] as const).filter((k) => {
      const v = (cfg as Record<string, unknown>)[k];
      return Array.isArray(v) ? v.length > 0 : typeof v === 'number' && v > 0;
    });
    if (unsupported.length > 0) {
      throw ScenarioError.worded(plan.file, udpPos.line, udpPos.col, { key: 'udp.cannotApply', params: { dir, what: unsupported.map((k) => ({ key: `udp.field.${k}` as const })) } }, { key: 'udp.cannotApplyHint' });
    }
  }
  const [{ RealClock }, { UdpLink }] = await Promise.all([import('../sim/real-clock.ts'), import('../link/udp.ts')]);
  const clock = new RealClock();
  const random = new Random(plan.seed);
  const recording = recorderFor(plan, clock, opts);
  const { recorder } = recording;
  const packets: { timeMs: number; packet: Buffer }[] = [];
  const hosts = new Map<string, Host>();
  const results: ExpectResult[] = [];
  let up = true;
  const capture = captureFor(opts, packets);
  const world = new World(plan, hosts, (u) => (up = u), recorder, results, opts.keepDelivered ?? true, {
    clock, delayMs: (from, to) => (from === undefined ? 0 : plan.link.directions[`${from}>${to}`]?.delayMs ?? 0), capture,
  });
  const onSteps = eventSteps(plan, clock, world);
  const tracer = onSteps ? onSteps.tracer(recorder) : recorder;
  const [a, b] = plan.hosts;
  const links: UdpLink[] = [];
  try {
    for (const [me, peer] of [[a, b], [b, a]]) {
      const d = plan.link.directions[`${me.name}>${peer.name}`] ?? {};
      links.push(await UdpLink.open({
        addr: me.addr, bind: { address: '127.0.0.1', port: 0 }, clock, seed: random.fork(`udp:${me.name}`).uint32(),
        impair: { delayMs: d.delayMs ?? 0, jitterMs: d.jitterMs ?? 0, loss: d.loss ?? 0, duplicate: d.duplicate ?? 0, reorder: d.reorder ?? 0, corrupt: d.corrupt ?? 0 },
        observer: { onDrop: (packet, reason) => recorder.linkDrop(me.name, packet, reason) },
      }));
    }
    links[0].setPeer(links[1].local);
    links[1].setPeer(links[0].local);
    plan.hosts.forEach((hp, i) => {
      const link = links[i];
      const host = new Host({
        name: hp.name, addr: hp.addr, config: hp.tcp, clock, random: random.fork(`host:${hp.name}`), tracer,
        keepClosedSockets: true,
        checkFields: true,
        // The UDP link has checked every arriving packet already.
        verifyChecksums: false,
        transmit: (packet) => {
          capture?.(clock.now, packet);
          if (up) link.send(packet);
          else recorder.linkDrop(hp.name, packet, 'down');
        },
      });
      hosts.set(hp.name, host);
      link.setReceiver((packet, decoded) => host.receiveDecodedPacket(packet, decoded));
    });
    // One timer per instant, running its steps in file order: Node orders timers by their (fractional)
    // delay, so two timers for one instant, set microseconds apart, could fire in either order.
    const byTime = new Map<number, StepPlan[]>();
    for (const step of plan.steps) byTime.set(step.atMs, [...(byTime.get(step.atMs) ?? []), step]);
    for (const [atMs, steps] of byTime) clock.at(atMs, () => { for (const step of steps) world.exec(step); });
    const lastStep = plan.steps.reduce((m, st) => Math.max(m, st.atMs), 0);
    const settleMs = opts.settleMs ?? 100;
    let quietSince = -1;
    while (clock.now < plan.untilMs) {
      await new Promise((res) => setTimeout(res, 10));
      opts.onProgress?.(clock.now, plan.untilMs, recorder.dataBytes);
      if (clock.now < lastStep || clock.pending > 0) {
        quietSince = -1;
        continue;
      }
      if (quietSince < 0) quietSince = clock.now;
      else if (clock.now - quietSince >= settleMs) break;
    }
  } finally {
    clock.close();
    await Promise.all(links.map((l) => l.close(0)));
  }
  if (onSteps) results.push(...onSteps.neverRan());
  return finish(plan, hosts, recording, results, packets, opts.flows ?? false);
}

/** Where each packet that leaves a host (or is forged) goes: the kept packets (`capture`) and the stream (`onPacket`). */
function captureFor(opts: RunOptions, packets: { timeMs: number; packet: Buffer }[]): ((timeMs: number, packet: Buffer) => void) | undefined {
  if (!opts.capture && !opts.onPacket) return undefined;
  return (timeMs, packet) => {
    if (opts.capture) packets.push({ timeMs, packet });
    opts.onPacket?.(timeMs, packet);
  };
}

/** Why a scenario keeps its whole trace even when asked for counts (undefined: it need not). */
export function wholeTraceFor(plan: ScenarioPlan): string | undefined {
  if (plan.expect.segments) return 'expect.segments reads every segment';
  if (plan.steps.some((st) => st.command.op === 'inject')) return 'a forged segment takes its numbers from the trace';
  if (plan.bottleneck) return "each flow's goodput is read from the trace";
  return undefined;
}

/** The trace's first line: the scenario, its seed and its text, so that the trace can be run again. */
export function metaOf(plan: ScenarioPlan): MetaEvent {
  return { type: 'meta', scenario: plan.name, seed: plan.seed, version: VERSION, source: plan.source };
}

/**
 * What the run records into (RunOptions.record and onEvent): every event kept, or counts and the few
 * events the expectations read; with `onEvent`, every event is also made and handed over as it comes.
 * A scenario whose checks or views read segments keeps the whole trace: expect.segments, forged
 * segments (made from the trace's numbers) and a shared bottleneck (each flow's goodput).
 */
function recorderFor(plan: ScenarioPlan, clock: { readonly now: number }, opts: RunOptions): Recording {
  const timers = opts.timers ?? true;
  const maxEvents = opts.maxEvents ?? DEFAULT_MAX_TRACE_EVENTS;
  const whole = wholeTraceFor(plan) !== undefined;
  const counts = opts.record === 'counts' && !whole;
  const onEvent = opts.onEvent;
  onEvent?.(metaOf(plan));
  // A trace the run's checks do not read whole is kept compactly, and made into objects when RunResult.events is read (issue 29).
  if (!counts && (opts.keepFirst === undefined || whole)) return { recorder: new TraceRecorder(clock, { timers, congestion: true, maxEvents, sink: onEvent, compact: !whole }) };
  if (!counts) return firstEvents(plan, clock, opts.keepFirst!, { timers, maxEvents, onEvent, flows: opts.flows });
  if (!onEvent) {
    const recorder = new CountingTracer(clock, { hosts: plan.hosts.map((h) => h.name), timers, flows: opts.flows });
    return { recorder, flows: recorder.flows };
  }
  // Streamed and counted: events are made for the stream, counted, and only what the checks read is kept.
  const summary = new SummaryBuilder(plan.hosts.map((h) => h.name));
  const flows = opts.flows ? new FlowTally() : undefined;
  const keep = (ev: TimedEvent) => ev.type === 'state' || ev.type === 'expect';
  const sink = (ev: TimedEvent) => {
    summary.add(ev);
    flows?.add(ev);
    onEvent(ev);
  };
  return { recorder: new TraceRecorder(clock, { timers, congestion: true, maxEvents, keep, sink }), summary, flows };
}

/** What a run records into: the recorder, and the counts made as it went when it keeps no whole trace. */
interface Recording {
  recorder: RunRecorder;
  summary?: SummaryBuilder;
  flows?: FlowTally;
  elided?: RunResult['elided'];
}

/**
 * RunOptions.keepFirst: every event is counted (and streamed); the first `n` are kept, and after them only
 * the state changes and expectations the checks read. Once one event is let go, none after it is kept but
 * those: the kept beginning has no holes.
 */
function firstEvents(plan: ScenarioPlan, clock: { readonly now: number }, n: number, o: { timers: boolean; maxEvents: number; onEvent?: (ev: TraceEvent) => void; flows?: boolean }): Recording {
  const summary = new SummaryBuilder(plan.hosts.map((h) => h.name));
  const flows = o.flows ? new FlowTally() : undefined;
  const recording: Recording = { recorder: undefined as unknown as RunRecorder, summary, flows };
  let kept = 0;
  const keep = (ev: TimedEvent) => {
    const e = recording.elided;
    if (e === undefined && kept < n) {
      kept++;
      return true;
    }
    if (ev.type === 'state' || ev.type === 'expect') return true;
    if (e === undefined) recording.elided = { events: 1, fromMs: ev.t, toMs: ev.t, kept: kept + 1 };
    else {
      e.events++;
      e.toMs = ev.t;
    }
    return false;
  };
  const sink = (ev: TimedEvent) => {
    summary.add(ev);
    flows?.add(ev);
    o.onEvent?.(ev);
  };
  recording.recorder = new TraceRecorder(clock, { timers: o.timers, congestion: true, maxEvents: o.maxEvents, keep, sink, compact: true });
  return recording;
}

/** The watcher of the steps on events, when the plan has any (else undefined: the run is as it always was). */
function eventSteps(plan: ScenarioPlan, clock: { readonly now: number; at(t: number, fn: () => void): unknown }, world: World): EventSteps | undefined {
  if (!plan.onSteps?.length) return undefined;
  return new EventSteps(plan.onSteps, {
    at: (t, fn) => clock.at(t, fn),
    get now() { return clock.now; },
    connId: (host, name) => world.connId(host, name),
    exec: (step, conn) => world.exec(step, conn),
    untilMs: plan.untilMs,
  });
}

/** The scheduler's runUntil, but with at most `maxEvents` events: a run that would not end throws RunLimitError. */
function runBounded(scheduler: Scheduler, untilMs: number, maxEvents: number): void {
  for (let n = 0; ; n++) {
    const t = scheduler.nextTime();
    if (t === undefined || t > untilMs) break;
    if (n >= maxEvents) throw new RunLimitError(maxEvents, scheduler.now);
    scheduler.step();
  }
  // Nothing is due by untilMs now: this only moves the clock there, as runUntil does.
  scheduler.runUntil(untilMs);
}

/** Line and column of the first `word` in the scenario text (for errors found after loading). */
function positionOf(source: string, word: string): { line: number; col: number } {
  const lines = source.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const c = lines[i].indexOf(word);
    if (c >= 0) return { line: i + 1, col: c + 1 };
  }
  return { line: 1, col: 1 };
}

function finish(plan: ScenarioPlan, hosts: Map<string, Host>, recording: Recording, results: ExpectResult[], packets: { timeMs: number; packet: Buffer }[], flows: boolean): RunResult {
  const { recorder, summary: counted } = recording;
  // Kept compactly (a trace no check reads whole): read as it is made again, and made into objects only when asked for.
  const store = recorder instanceof TraceRecorder ? recorder.store : undefined;
  const events: Iterable<TimedEvent> = store ?? recorder.events;
  const hostOfAddr = (addrPort: string) => {
    const addr = addrPort.slice(0, addrPort.lastIndexOf(':'));
    for (const hp of plan.hosts) if (hp.addrText === addr) return hp.name;
    return undefined;
  };
  const delivered: Record<string, Buffer> = {};
  const deliveredBytes: Record<string, number> = {};
  const errors: Record<string, string[]> = {};
  for (const [name, host] of hosts) {
    delivered[name] = Buffer.concat(host.sockets.flatMap((s) => s.received ?? []));
    deliveredBytes[name] = host.sockets.reduce((n, s) => n + s.bytesRead, 0);
    errors[name] = host.sockets.flatMap((s) => (s.error ? [s.error] : []));
  }
  const expectations: ExpectResult[] = [...results];
  if (plan.expect.states) expectations.push(...checkStates(plan.expect.states, [...events].filter((e) => e.type === 'state')));
  // A plan with expect.segments keeps its trace whole, as objects (wholeTraceFor).
  if (plan.expect.segments) expectations.push(matchSegments(plan.expect.segments.lines, recorder.events, hostOfAddr));
  if (plan.expect.delivered) expectations.push(...checkDelivered(plan.expect.delivered, delivered, deliveredBytes));
  if (plan.expect.errors) expectations.push(...checkErrors(plan.expect.errors, errors));

  const meta = metaOf(plan);
  // The counts made as the run went, or (a run that kept its trace) the same counts made from the trace.
  const builder = counted ?? (recorder instanceof CountingTracer ? recorder.summary : summaryOf(plan, events));
  builder.meta(plan.name, plan.seed);
  const summary = builder.result();
  let all: TraceEvent[] | undefined = store === undefined ? [meta, ...recorder.events] : undefined;
  return {
    plan,
    get events(): TraceEvent[] {
      // Made once, the store let go of chunk by chunk as its events are made (CompactTrace.drain).
      if (all === undefined) {
        const made: TraceEvent[] = store!.drain();
        made.unshift(meta);
        all = made;
      }
      return all;
    },
    set events(v: TraceEvent[]) {
      all = v;
    },
    expectations,
    ok: expectations.every((e) => e.ok),
    stats: statsOfSummary(summary, builder),
    packets,
    delivered,
    deliveredBytes,
    summary,
    errors,
    ...(flows ? { flows: recording.flows?.flows() ?? (store === undefined ? flowGoodputs(recorder.events) : tallied(store)) } : {}),
    ...(recording.elided ? { elided: recording.elided } : {}),
  };
}

/** RunStats from the summary's counts (drops in order of first appearance). */
function statsOfSummary(s: Summary, b: SummaryBuilder): RunStats {
  const bytes = s.hosts.reduce((n, h) => n + h.dataBytesSent + h.retransmittedBytes, 0);
  return { durationMs: s.durationMs, segments: s.segmentsSent, dataBytes: bytes, retransmissions: s.retransmissions, drops: b.dropsInOrder() };
}

/** flowGoodputs of a trace kept compactly, each event made again in turn. */
function tallied(events: Iterable<TimedEvent>): FlowGoodput[] {
  const tally = new FlowTally();
  for (const ev of events) tally.add(ev);
  return tally.flows();
}

function summaryOf(plan: ScenarioPlan, events: Iterable<TimedEvent>): SummaryBuilder {
  const b = new SummaryBuilder(plan.hosts.map((h) => h.name));
  for (const ev of events) b.add(ev);
  return b;
}

/** The scenario's hosts and their sockets, as the steps see them. */
class World {
  /** Named connections per host ("as NAME", and each socket's own id c1, c2, ...). */
  private readonly named = new Map<string, Map<string, SimSocket>>();
  /** The newest connection of each host: a command acts on it unless it names one. */
  private readonly newest = new Map<string, SimSocket>();
  private readonly servers = new Map<string, SimServer[]>();
  private sendOffset = new Map<SimSocket, number>();

  constructor(
    private readonly plan: ScenarioPlan,
    private readonly hosts: Map<string, Host>,
    private readonly setLinkUp: (up: boolean) => void,
    private readonly recorder: RunRecorder,
    private readonly results: ExpectResult[],
    private readonly keepDelivered: boolean,
    /** For `link: inject` (lib/scenario/inject.ts): the clock, the link's delays and the capture. */
    private readonly wire?: { clock: { readonly now: number; at(t: number, fn: () => void): unknown }; delayMs: InjectContext['delayMs']; capture: InjectContext['capture'] },
  ) {}

  private adopt(hostName: string, sock: SimSocket, name?: string): void {
    // What an application read is kept only where it is asked for: a text to compare, or the caller's wish.
    if (this.keepDelivered || this.plan.expect.delivered?.[hostName]?.text !== undefined) sock.received = [];
    let m = this.named.get(hostName);
    if (!m) this.named.set(hostName, (m = new Map()));
    m.set(sock.id, sock);
    if (name) m.set(name, sock);
    this.newest.set(hostName, sock);
    // Errors are recorded in the trace by the host; a listener keeps EventEmitter from throwing.
    sock.on('error', () => {});
  }

  /** The id of the host's connection called `name` (its id or its `as` name), if it has one. */
  connId(hostName: string, name: string): string | undefined {
    return this.named.get(hostName)?.get(name)?.id;
  }

  /** Runs a step; `conn` (a step on an event: the event's connection) stands in when the command names none. */
  exec(step: StepPlan, conn?: string): void {
    const c = step.command;
    const onConn = conn !== undefined && step.target !== 'link' && c.op !== 'listen' && c.op !== 'connect' && !('conn' in c && c.conn !== undefined);
    const cmd = onConn ? ({ ...c, conn } as Command) : c;
    if (step.target === 'link') {
      if (cmd.op === 'down') this.setLinkUp(false);
      else if (cmd.op === 'up') this.setLinkUp(true);
      else if (cmd.op === 'inject' && this.wire) {
        const w = this.wire;
        const why = inject(cmd.inject, {
          hosts: this.hosts, get now() { return w.clock.now; }, socket: (host, name) => this.named.get(host)?.get(name),
          // recorderFor keeps the whole trace for a scenario that injects: its numbers come from the trace's.
          recorder: this.recorder as TraceRecorder, delayMs: w.delayMs, at: (t, fn) => w.clock.at(t, fn), capture: w.capture,
        });
        if (why !== undefined) this.fail(step, say('expect.d.inject', { why }));
      }
      return;
    }
    const host = this.hosts.get(step.target)!;
    try {
      this.execHost(step, host, cmd);
    } catch (err) {
      if (!(err instanceof SocketError)) throw err;
      this.fail(step, say('expect.d.socketError', { host: step.target, error: err.message }));
    }
  }

  private execHost(step: StepPlan, host: Host, cmd: Command): void {
    switch (cmd.op) {
      case 'listen': {
        const server = host.listen(cmd.port, cmd.backlog);
        server.on('connection', (sock: SimSocket) => this.adopt(host.name, sock));
        this.servers.set(host.name, [...(this.servers.get(host.name) ?? []), server]);
        return;
      }
      case 'connect': {
        const target = this.plan.hosts.find((h) => h.name === cmd.host)!;
        const sock = host.connect(target.addr, cmd.port, { fromPort: cmd.fromPort });
        this.adopt(host.name, sock, cmd.as);
        return;
      }
      case 'down':
      case 'up':
      case 'inject':
        return;
    }
    const sock = this.socketFor(step, host, cmd.conn);
    if (!sock) return;
    switch (cmd.op) {
      case 'send': {
        if ('text' in cmd.data) {
          sock.write(Buffer.from(cmd.data.text));
          return;
        }
        const off = this.sendOffset.get(sock) ?? 0;
        const n = cmd.data.bytes;
        this.sendOffset.set(sock, off + n);
        // A large pattern is made as the send buffer takes it: memory stays that of the buffers (issue 29).
        if (n > GENERATE_ABOVE) sock.writeGenerated({ length: n, make: (start, len) => patternView(len, off + start) });
        else sock.write(payloadBytes(n, off));
        return;
      }
      case 'shutdown': sock.end(); return;
      case 'close': sock.destroy(); return;
      case 'abort': sock.resetAndDestroy(); return;
      case 'read': sock.read(cmd.count === 'all' ? Infinity : cmd.count); return;
      case 'expect-state': {
        const ok = sock.state === cmd.state;
        this.expect(step, host.name, say('expect.what.state', { host: host.name, conn: sock.id, state: cmd.state }), ok,
          ok ? say('expect.d.text', { text: sock.state }) : say('expect.d.stateNow', { expected: cmd.state, state: sock.state }));
        return;
      }
      case 'expect-delivered': {
        const ok = sock.bytesRead === cmd.bytes;
        this.expect(step, host.name, say('expect.what.deliveredNow', { host: host.name, conn: sock.id, n: cmd.bytes }), ok,
          ok ? say('expect.d.bytes', { n: sock.bytesRead }) : say('expect.d.deliveredNow', { n: cmd.bytes, got: sock.bytesRead }));
        return;
      }
    }
  }

  private socketFor(step: StepPlan, host: Host, conn: string | undefined): SimSocket | undefined {
    const sock = conn ? this.named.get(host.name)?.get(conn) : this.newest.get(host.name);
    if (!sock) {
      this.fail(step, conn ? say('expect.d.noConnNamed', { host: host.name, conn }) : say('expect.d.noConnYet', { host: host.name }));
    }
    return sock;
  }

  private expect(step: StepPlan, hostName: string, what: Msg, ok: boolean, detail: Msg): void {
    // The trace keeps the English (its format is the same in every language); the result keeps the words.
    const ev: ExpectEvent = { t: Math.round(step.atMs * 1000) / 1000, type: 'expect', host: hostName, what: word('en', what), ok, detail: word('en', detail) };
    this.recorder.record(ev);
    this.results.push(expectResult(`step:${step.pos.line}:${step.pos.col}`, say('expect.what.at', { time: fmtMs(step.atMs), what }), ok, [detail], step.pos));
  }

  private fail(step: StepPlan, detail: Msg): void {
    this.expect(step, step.target, say('expect.what.step', { step: step.text }), false, detail);
  }
}

function fmtMs(ms: number): string {
  return ms >= 1000 ? `${+(ms / 1000).toFixed(3)}s` : `${+ms.toFixed(3)}ms`;
}

