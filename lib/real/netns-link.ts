/**
 * The kernel side of `tcpemu real` through tcpemu's own link: each scenario host is Linux's TCP in a
 * network namespace of its own, with a TUN device, and the packets between the namespaces pass through
 * MemoryLink (lib/link/memory.ts, the in-memory runs' link) on real time, with the scenario's
 * impairments.
 *
 *   namespace tcpemu-real-PID-N-0               this process                  namespace ...-1
 *   Linux TCP (client) -> tcpemu0 -> agent  ==frames==>  MemoryLink  ==frames==>  agent -> tcpemu0 -> Linux TCP (server)
 *
 * - One agent per host (lib/real/netns-agent.ts), started in its namespace through
 *   lib/real/tun-helper.py (which makes the TUN device, the host's address on it as /32, the link's MTU,
 *   IPv6 off): it sets the namespace's sysctls and the route to each peer (lib/real/netns-settings.ts),
 *   runs the host's steps on its sockets, reads its socket table, and passes packets both ways.
 * - Here: the link, with the model's own random streams. `new Random(seed).fork('link')` as the model's
 *   runner makes it, and each direction forks `link:FROM>TO` from that as the model's link does, so the
 *   n-th packet of a direction draws the n-th fate of the model's n-th packet, and a scripted drop
 *   (`client>server #3`) hits the third packet of the kernel's conversation as of the model's. The
 *   link's scheduler runs on real time (lib/real/realtime.ts).
 * - The steps run here, at their times, in file order (runSteps, as on loopback): a host's step goes to
 *   its agent and the next waits for its answer; `link: down|up` goes to the link; `link: inject`
 *   builds its forged segment from what the link saw of the connection (lib/real/netns-forge.ts).
 *   Steps on events fire from the events the agents report as they happen (lib/real/netns-events.ts).
 * - A scenario with `bottleneck:` gets the model's BottleneckLink (routers, shared queue) instead.
 * - The segments are what the link was handed, stamped when this process read them (the sender's tx);
 *   what the link dropped is in the trace as drops, with the reason.
 *
 * Everything started here is stopped here: agents (their process groups), namespaces (a namespace left
 * by a run killed before its cleanup is deleted by the next run), the link's timer.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { KernelRunError, findPython, findTool, runSteps, withKernelLock, type KernelRunOptions, type KernelRunResult } from './kernel.ts';
import { HELPER, TUN_DEVICE, deleteNamespace, ip, reapStale, tunUnavailableWhy } from './tun.ts';
import { word, type Msg } from '../i18n/index.ts';
import { agentCommand } from './netns-agent-bundle.ts';
import { FrameReader, MESSAGE, PACKET, PACKET_CONFIRMED, frame, messageFrame } from './netns-frames.ts';
import { RealTimeScheduler } from './realtime.ts';
import { namespaceSettings, type NamespaceSettings } from './netns-settings.ts';
import { linuxModelConfig } from './compare.ts';
import type { AgentSetup, WireResult } from './netns-agent.ts';
import { MemoryLink, type DirectionStats } from '../link/memory.ts';
import { BottleneckLink } from '../link/bottleneck.ts';
import { kernelEventSteps } from './netns-events.ts';
import { DeliveryOrder } from './delivery-order.ts';
import { ConnectionStates, untilRunEnds } from './run-end.ts';
import { FlowBook } from './netns-forge.ts';
import type { LiveEvent } from './kernel.ts';
import { Random } from '../sim/random.ts';
import { TraceRecorder } from '../trace/recorder.ts';
import { decodePacket } from '../wire/tcp.ts';
import { formatAddr } from '../wire/ipv4.ts';
import type { ScenarioPlan, StepPlan } from '../scenario/plan.ts';
import type { ExpectResult } from '../scenario/expect.ts';
import type { SegmentEvent, TimedEvent } from '../trace/events.ts';
import type { TcpConfig } from '../tcp/config.ts';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const NETNS_PREFIX = 'tcpemu-real-';
/** Bound on an agent's start (namespace, helper, Node and tsx): 6.5 s was seen on a busy 2-core machine. */
const START_MS = 30_000;
/** Bound on one step's answer, and on the final report. */
const ANSWER_MS = 15_000;

export interface NetnsRunResult extends KernelRunResult {
  namespaces: string[];
  /** The link's counts per direction ("client>server"; a bottleneck's "left>right"). */
  linkStats: Record<string, LinkCounts>;
  /** Per host: what was set in its namespace, and what could not be. */
  settings: Record<string, NamespaceSettings>;
  /** The MTU of each host's device. */
  mtuOf: Record<string, number>;
  /** Why an expectation (by its `what`) is judged on the model alone, or undefined. */
  modelOnly: (what: string) => Msg | undefined;
  /** Drops on the link, as trace events (also in `events`, with each delivery as the receiver's rx). */
  drops: SegmentEvent[];
  /** The packets that carried data, as their senders handed them to the link (the first MiB of data): for the text the explain view shows. */
  packets: { packet: Buffer }[];
}

const PAYLOAD_LIMIT = 1 << 20;

/** A direction's counts: the in-memory link's, or a shared bottleneck's (sent and drops only). */
export type LinkCounts = Pick<DirectionStats, 'sent'> & Partial<Omit<DirectionStats, 'sent' | 'dropped'>> & { dropped: Record<string, number> };

/** Why the namespace run cannot happen here (not root, no /dev/net/tun, no ip, no python3), or undefined. */
export function netnsUnavailableWhy(): Msg | undefined {
  return tunUnavailableWhy({ key: 'realw.who.netns' });
}

/** netnsUnavailableWhy() in English. */
export function netnsUnavailableReason(): string | undefined {
  const why = netnsUnavailableWhy();
  return why && word('en', why);
}

let runs = 0;

/** An agent in its namespace, and the conversation with it: one answer per request, in order. */
class Agent {
  readonly child: ChildProcess;
  private readonly answers: { resolve: (m: Record<string, unknown>) => void; reject: (e: Error) => void }[] = [];
  private stderr = '';
  private dead: Error | undefined;

  constructor(readonly host: string, readonly ns: string, mtu: number, addr: string, onPacket: (p: Buffer) => void, log: (s: string) => void, onEvent: (e: LiveEvent) => void, node: string[]) {
    this.child = spawn(findTool('ip') ?? 'ip', ['netns', 'exec', ns, findPython() ?? 'python3', HELPER, '--dev', TUN_DEVICE, '--addr', `${addr}/32`, '--mtu', String(mtu), '--', ...node], {
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const reader = new FrameReader((kind, body) => {
      if (kind === PACKET) return onPacket(body);
      if (kind !== MESSAGE) return;
      const m = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      if (m.op === 'log') return log(`${host}: ${String(m.text)}`);
      if (m.op === 'fatal') return this.fail(new KernelRunError({ key: 'realw.err.namespace', params: { host, why: typeof m.fatal === 'object' && m.fatal !== null ? m.fatal as Msg : String(m.fatal) } }));
      if (m.op === 'written') return this.written.shift()?.();
      if (m.op === 'event') return onEvent(m.ev as LiveEvent);
      this.answers.shift()?.resolve(m);
    });
    this.child.stdout!.on('data', (d: Buffer) => reader.push(d));
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => { this.stderr += d; });
    this.child.stdin!.on('error', () => {});
    this.child.once('error', (e) => this.fail(e));
    // 'close', not 'exit': the agent exits as soon as its result is written, and 'exit' can come before the
    // last of its output has been read here, which then failed the run with the result on its way (CI, dumbbell).
    this.child.once('close', (code, signal) => {
      const why = /^tun-helper: (.*)$/m.exec(this.stderr)?.[1] ?? this.stderr.trim().split('\n').slice(-3).join(' | ');
      const how: string | Msg = signal ?? { key: 'realw.err.status', params: { code: String(code) } };
      this.fail(new KernelRunError(why ? { key: 'realw.err.agentExitWhy', params: { host, ns, how, why } } : { key: 'realw.err.agentExit', params: { host, ns, how } }));
    });
  }

  private fail(e: Error): void {
    this.dead ??= e;
    for (const a of this.answers.splice(0)) a.reject(this.dead);
  }

  packet(p: Buffer): void {
    if (!this.dead) this.child.stdin!.write(frame(PACKET, p));
  }

  private readonly written: (() => void)[] = [];

  /** Writes a packet; resolves once the agent has written it and sent up what the kernel answered, or after `boundMs`. */
  packetConfirmed(p: Buffer, boundMs: number): Promise<void> {
    if (this.dead) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, boundMs);
      this.written.push(() => { clearTimeout(timer); resolve(); });
      this.child.stdin!.write(frame(PACKET_CONFIRMED, p));
    });
  }

  ask(m: Record<string, unknown>, timeoutMs = ANSWER_MS): Promise<Record<string, unknown>> {
    if (this.dead) return Promise.reject(this.dead);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new KernelRunError({ key: 'realw.err.answer', params: { host: this.host, op: String(m.op), ms: timeoutMs } })), timeoutMs);
      this.answers.push({ resolve: (a) => { clearTimeout(timer); resolve(a); }, reject: (e) => { clearTimeout(timer); reject(e); } });
      this.child.stdin!.write(messageFrame(m));
    });
  }

  async stop(): Promise<void> {
    const exited = this.child.exitCode !== null || this.child.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.stdin!.end();
    await Promise.race([exited, new Promise((r) => setTimeout(r, 1500))]);
    try {
      if (this.child.pid !== undefined) process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 1000))]);
  }
}

/** The MTU of a host's device: the smallest of its directions' (the link drops what is larger; a bottleneck has no MTU of its own). */
function mtuOf(link: MemoryLink | BottleneckLink, plan: ScenarioPlan, host: string): number {
  const peers = plan.hosts.filter((h) => h.name !== host);
  if (link instanceof BottleneckLink) return 1500;
  return Math.min(...peers.map((p) => link.configOf(host, p.name).mtu), 65535);
}

/**
 * Runs the plan on Linux in namespaces joined by tcpemu's link. `tcp` gives each host's settings (the
 * model's, linuxModelConfig): they are set where Linux can take them. Throws KernelRunError when the
 * run breaks (an agent dies or hangs); the caller checks netnsUnavailableReason() first.
 */
export interface NetnsRunOptions extends KernelRunOptions {
  /** Called once the agents are starting, before waiting for them (the caller's model run fits there). */
  whileStarting?: () => void;
}

export async function runOnKernelNetns(plan: ScenarioPlan, tcp: Record<string, TcpConfig>, opts: NetnsRunOptions = {}): Promise<NetnsRunResult> {
  return withKernelLock(async () => {
    const log = opts.log ?? (() => {});
    const t00 = performance.now();
    const phase = (what: string) => { if (process.env.TCPEMU_REAL_DEBUG) log(`${what} at ${(performance.now() - t00).toFixed(0)} ms`); };
    await reapStale(NETNS_PREFIX);
    const n = ++runs;
    const rt = new RealTimeScheduler();
    let startAt: number | undefined;
    const recorder = new TraceRecorder({ get now() { return startAt === undefined ? 0 : rt.realNow() - startAt; } }, { timers: false, congestion: false });
    const drops: SegmentEvent[] = [];
    const onDrop = (from: string, _to: string, packet: Buffer, reason: string) => {
      const before = recorder.events.length;
      recorder.linkDrop(from, packet, reason);
      drops.push(...(recorder.events.splice(before) as SegmentEvent[]));
    };
    // The model's link, with the model's random streams (lib/scenario/runner.ts makes them so): a shared
    // bottleneck between two routers (the dumbbell) or the link between every pair of hosts.
    const random = new Random(plan.seed);
    const link = plan.bottleneck
      ? new BottleneckLink(rt.scheduler, random.fork('bottleneck'), plan.bottleneck, { onDrop })
      : new MemoryLink(rt.scheduler, random.fork('link'), { directions: plan.link.directions }, { onDrop });
    const flows = new FlowBook();
    let lastPacketAt = 0;
    const addrOf: Record<string, string> = Object.fromEntries(plan.hosts.map((h) => [h.name, h.addrText]));
    const agents = new Map<string, Agent>();
    const namespaces: string[] = [];
    const segments: SegmentEvent[] = [];
    const packets: { packet: Buffer }[] = [];
    let payloadBytes = 0;
    const settings: Record<string, NamespaceSettings> = {};
    const mtus: Record<string, number> = {};
    const node = await agentCommand(HERE);
    // What the agents report as it happens (steps on events): set once the steps' watcher is made.
    let onEvent: (e: LiveEvent) => void = () => {};
    try {
      // The namespaces and agents, all starting at once.
      for (const [i, h] of plan.hosts.entries()) {
        const ns = `${NETNS_PREFIX}${process.pid}-${n}-${i}`;
        const made = await ip(['netns', 'add', ns]);
        if (made.code !== 0) throw new KernelRunError({ key: 'realw.err.netnsAdd', params: { ns, why: made.stderr.trim() || { key: 'realw.err.exit', params: { code: String(made.code) } } } });
        namespaces.push(ns);
        mtus[h.name] = mtuOf(link, plan, h.name);
        // What the scenario asked for, against what the model runs (modelPlanForLink may have had to change it).
        settings[h.name] = namespaceSettings(h.name, tcp[h.name], mtus[h.name], linuxModelConfig(h.tcp).congestionControl);
        const onPacket = (p: Buffer) => {
          rt.advance();
          lastPacketAt = rt.realNow();
          if (startAt !== undefined) {
            try {
              const { ip: iph, tcp: seg } = decodePacket(p, { verifyChecksum: false });
              segments.push(recorder.segmentEvent('tx', h.name, undefined, iph.src, iph.dst, seg));
              flows.saw(iph.src, iph.dst, seg);
              // The bytes segments carried, for the explain view's text (issue 26): up to 1 MiB of them.
              if (seg.payload.length > 0 && payloadBytes < PAYLOAD_LIMIT) {
                payloadBytes += seg.payload.length;
                packets.push({ packet: Buffer.from(p) });
              }
            } catch {
              // not a TCP packet we can read: it still goes on the link
            }
          }
          link.send(h.name, p);
          rt.advance();
        };
        agents.set(h.name, new Agent(h.name, ns, mtus[h.name], h.addrText, onPacket, log, (e) => onEvent(e), node));
      }
      // What the link delivers is the receiver's rx, as in the model's trace (the ladder pairs tx with rx).
      // In the link's order, each kernel answering before the next gets a packet at the same instant or a SYN
      // (lib/real/delivery-order.ts).
      const order = new DeliveryOrder((host, p, boundMs) => agents.get(host)!.packetConfirmed(p, boundMs));
      const deliver = (host: string, p: Buffer) => order.deliver(rt.scheduler.now, host, p);
      const received: SegmentEvent[] = [];
      for (const h of plan.hosts) {
        link.attach(h.name, h.addr, (p) => {
          if (startAt !== undefined) {
            try {
              const { ip: iph, tcp: seg } = decodePacket(p, { verifyChecksum: false });
              received.push(recorder.segmentEvent('rx', h.name, undefined, iph.src, iph.dst, seg));
            } catch {
              // corrupted past reading: the receiving kernel drops it too
            }
          }
          deliver(h.name, p);
        });
      }
      phase('namespaces made, agents started');
      opts.whileStarting?.();
      await Promise.all(plan.hosts.map(async (h) => {
        const s = settings[h.name];
        const routes = plan.hosts.filter((p) => p.name !== h.name).map((p) => ['route', 'add', `${p.addrText}/32`, 'dev', TUN_DEVICE, ...s.routeOptions]);
        const setup: AgentSetup = { plan, host: h.name, addrOf, sysctls: s.sysctls, fallbacks: s.fallbacks, routes, settleMs: opts.settleMs };
        const ready = await agents.get(h.name)!.ask({ op: 'setup', ...setup }, START_MS);
        // A setting the namespace refused (CUBIC where only reno and bbr are allowed): not cross-checkable.
        s.notApplied.push(...((ready.unapplied as Msg[] | undefined) ?? []));
      }));
      phase('agents ready');
      // One start for all: far enough ahead for every agent's socket-table reader to have started.
      const startEpoch = performance.timeOrigin + performance.now() + 500;
      await Promise.all([...agents.values()].map((a) => a.ask({ op: 'begin', startEpochMs: startEpoch })));
      phase('agents begun');
      startAt = startEpoch - performance.timeOrigin - (performance.now() - rt.realNow());
      // The steps' clock: real time since the start, less the time the link's clock was held for a step whose
      // agent was behind (a listen or connect that took longer than it should on a busy machine). The next
      // steps keep their distance from what that step did, not from when it was asked: lost-syn's
      // `expect state` 1.1 s after a connect that took 200 ms counts from the SYN, as the model's does.
      const realNow = () => rt.realNow() - startAt!;
      const now = () => realNow() - rt.heldMs();
      const stepResults: ExpectResult[] = [];
      // The steps in file order, each waited for, as on loopback. On a busy machine a step can take longer
      // than the link's delay, so the link's clock stops from an instant's first listen or connect until
      // that instant's last step is done: a SYN sent meanwhile is delivered after, not to a port that the
      // next step was about to open (a simultaneous open's second connect would otherwise meet a RST).
      // The same from any step followed at its instant by another host's: on the model every step of an
      // instant runs before anything arrives (a simultaneous close's two FINs cross; measured: the server's
      // close reached its agent 40 ms after the client's FIN had arrived, and it closed from CLOSE-WAIT).
      let held: (() => void) | undefined;
      const exec = async (step: StepPlan) => {
        const next = plan.steps[plan.steps.indexOf(step) + 1];
        if (step.target === 'link') {
          rt.advance();
          if (step.command.op === 'inject') forge(step);
          else link.setUp(step.command.op === 'up');
        } else {
          const another = next !== undefined && next.atMs === step.atMs && next.target !== 'link' && next.target !== step.target;
          if (!held && (step.command.op === 'listen' || step.command.op === 'connect' || another)) held = rt.hold();
          await ask(step);
        }
        if (held && next?.atMs !== step.atMs) {
          held();
          held = undefined;
        }
      };
      /** Connection ids by host and `as` name, as the agents answered the connects. */
      const named = new Map<string, string>();
      const ask = async (step: StepPlan) => {
        const t0 = now();
        const done = await agents.get(step.target)!.ask({ op: 'step', step });
        if (typeof done.as === 'string' && typeof done.id === 'string') named.set(`${step.target} ${done.as}`, done.id);
        if (process.env.TCPEMU_REAL_DEBUG) log(`step "${step.text}" due ${step.atMs} ms, sent at ${t0.toFixed(1)} ms, done at ${now().toFixed(1)} ms`);
      };
      // `link: inject`: the forged segment, built from what the wire showed of the connection, reaches its
      // receiver after the link's delay, untouched by loss and taking no draw (as in the model).
      const forge = (step: StepPlan) => {
        if (step.command.op !== 'inject') return;
        const spec = step.command.inject;
        const made = flows.forge(spec);
        if (typeof made === 'string') {
          stepResults.push({ id: `step:${step.pos.line}:${step.pos.col}`, what: `step "${step.text}"`, ok: false, detail: `inject: ${made}`, pos: step.pos });
          return;
        }
        const from = spec.from.host ?? formatAddr(spec.from.addr);
        const ev = recorder.segmentEvent('tx', from, undefined, spec.from.addr, spec.to.addr, made.seg);
        ev.forged = true;
        segments.push(ev);
        const delay = spec.from.host === undefined ? 0 : link.configOf(spec.from.host, spec.to.host).delayMs;
        rt.scheduler.at(rt.scheduler.now + delay, () => {
          received.push(recorder.segmentEvent('rx', spec.to.host, undefined, spec.from.addr, spec.to.addr, made.seg));
          deliver(spec.to.host, made.packet);
        });
        rt.advance();
      };
      const watcher = plan.onSteps?.length ? kernelEventSteps(plan, rt, realNow, ask, (host, name) => named.get(`${host} ${name}`), opts.maxRunMs) : undefined;
      // Every connection's last state (the agents report them as they read their tables): when they are all
      // over, the run is (lib/real/run-end.ts).
      const states = new ConnectionStates();
      onEvent = (e) => {
        states.hear(e);
        watcher?.hear(e);
      };
      await runSteps(plan, opts, now, exec, stepResults, log);
      held?.();
      // The timed steps are done, but a transfer they started may still be going (a story whose last step is
      // a send at 100 ms and whose expectations are about what follows), and steps on events may still wait.
      const ended = await untilRunEnds({
        now: realNow, untilMs: Math.min(plan.untilMs, opts.maxRunMs ?? 120_000), quietMs: () => rt.realNow() - lastPacketAt, states,
        allRan: watcher?.allRan, idle: watcher?.idle, check: watcher?.check,
      }, opts.settleMs ?? 400);
      if (watcher) {
        await watcher.finish();
        stepResults.push(...watcher.steps.neverRan());
      }
      const durationMs = realNow();
      phase(`steps done (the run ended: ${ended})`);
      const results = await Promise.all([...agents.values()].map(async (a) => (await a.ask({ op: 'finish' })).result as WireResult));
      return merge(plan, addrOf, results, segments, [...drops, ...received], stepResults, durationMs, {
        namespaces, linkStats: link.stats(), settings, mtuOf: mtus, packets,
      });
    } finally {
      phase('results in');
      rt.stop();
      await Promise.all([...agents.values()].map((a) => a.stop()));
      phase('agents stopped');
      for (const ns of namespaces) await deleteNamespace(ns);
      phase('namespaces deleted');
    }
  });
}

function merge(
  plan: ScenarioPlan, addrOf: Record<string, string>, results: WireResult[], segments: SegmentEvent[], linkEvents: SegmentEvent[],
  stepResults: ExpectResult[], durationMs: number,
  extra: Pick<NetnsRunResult, 'namespaces' | 'linkStats' | 'settings' | 'mtuOf' | 'packets'>,
): NetnsRunResult {
  const connections = results.flatMap((r) => r.connections);
  // Each segment's connection on its sender, from the 4-tuples the agents saw.
  for (const s of segments) {
    const c = connections.find((k) => k.local === s.src && k.remote === s.dst);
    if (c) s.conn = c.conn;
  }
  const delivered: Record<string, Buffer> = {};
  const errors: Record<string, string[]> = {};
  for (const h of plan.hosts) {
    delivered[h.name] = Buffer.concat(results.map((r) => Buffer.from(r.delivered[h.name] ?? '', 'base64')));
    errors[h.name] = results.flatMap((r) => r.errors[h.name] ?? []);
  }
  for (const s of linkEvents) {
    const c = connections.find((k) => k.local === s.dst && k.remote === s.src);
    if (c && s.event === 'rx') s.conn = c.conn;
  }
  const drops = linkEvents.filter((e) => e.event === 'drop');
  const events: TimedEvent[] = [...segments, ...linkEvents, ...results.flatMap((r) => r.events)];
  events.sort((a, b) => a.t - b.t);
  const settings = extra.settings;
  return {
    plan, addrOf, events, segments, connections, delivered, errors,
    stepResults: [...stepResults, ...results.flatMap((r) => r.stepResults)].sort((a, b) => (a.pos?.line ?? 0) - (b.pos?.line ?? 0)),
    notCheckable: [],
    notApplied: Object.values(settings).flatMap((s) => s.notApplied),
    capture: Buffer.alloc(0), partialChecksums: 0,
    samples: results.reduce((a, r) => a + r.samples, 0),
    durationMs, ssDetails: results.map((r) => r.ssDetails).join(''), captureDropped: 0,
    via: 'netns', ...extra, drops,
    modelOnly: (what) => Object.values(settings).map((s) => s.modelOnly(what)).find((x) => x !== undefined),
  };
}
