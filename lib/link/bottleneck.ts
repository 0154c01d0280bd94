/**
 * A shared bottleneck (docs/scenario-format.md, "A shared bottleneck"): the dumbbell of every course on
 * congestion. The hosts of `left:` sit behind one router, those of `right:` behind another; each host
 * reaches its router over an access link of `access-delay` and no rate limit; the two routers are
 * joined by the bottleneck, one queue and one transmitter in each direction, of `rate`, `delay`,
 * `queue` (drop-tail, in packets or in bytes) and optionally RED, and a random `loss` on its wire.
 *
 * Path of a packet from a left host to a right one:
 *   access link (access-delay) -> the left router: the queue of left>right takes it, or drops it
 *   ('queue' when full, 'red' when RED chose it) -> serialised at the rate after the packets ahead of
 *   it -> lost on the wire ('loss')? -> propagation (delay) -> the right router -> access link -> host.
 * A packet between two hosts of one side only crosses their router (two access links).
 *
 * The queue holds every packet the router has taken and not yet finished sending, the one on the wire
 * included; `queue: 50` lets 50 be there at once. Its length is reported (onQueue) each time a packet
 * reaches the router, after the router's decision: the queue as arriving packets find it.
 *
 * RED (Floyd and Jacobson 1993, "Random Early Detection Gateways for Congestion Avoidance"): on each
 * arrival avg = (1 - w) avg + w q, in the queue's unit; below `min` nothing is dropped, at or above
 * `max` every arrival is, in between with pa = pb / (1 - count pb), pb = max-p (avg - min) / (max - min),
 * count the arrivals since the last drop. Without the paper's idle-time correction of avg.
 *
 * Reproducibility: each direction draws from its own stream (random.fork('bottleneck:left>right')),
 * exactly two draws per packet the router takes or RED judges (RED's, then the wire's loss), whatever
 * the settings, so one seed gives one run.
 */
import type { Scheduler } from '../sim/scheduler.ts';
import type { Random } from '../sim/random.ts';
import { get32 } from '../wire/bytes.ts';
import type { LinkDirectionConfig, LinkReceiver } from './memory.ts';
import type { QueueEvent } from '../trace/events.ts';

export interface RedPlan {
  /** Thresholds in the queue's unit (packets or bytes). */
  min: number;
  max: number;
  /** Drop probability as avg reaches max. */
  maxP: number;
  /** Weight of the newest sample in the average queue. */
  weight: number;
}

export interface BottleneckPlan {
  left: string[];
  right: string[];
  rateBitsPerSec: number;
  delayMs: number;
  /** Largest queue, 0 = unlimited. */
  queue: number;
  unit: 'packets' | 'bytes';
  red?: RedPlan;
  loss: number;
  accessDelayMs: number;
}

export type BottleneckDrop = 'queue' | 'red' | 'loss' | 'down' | 'no-route';

export interface BottleneckObserver {
  onDrop?(from: string, to: string, packet: Buffer, reason: BottleneckDrop): void;
  /** The queue of `dir` ("left>right" or "right>left") as a packet reached its router. */
  onQueue?(dir: string, packets: number, bytes: number): void;
}

interface Endpoint {
  name: string;
  addr: number;
  side: 0 | 1;
  receive: LinkReceiver;
}

interface Queue {
  name: string;
  rng: Random;
  /** Serialisation end time and size of each packet in the queue, oldest first from `head`. */
  ends: number[];
  sizes: number[];
  head: number;
  bytes: number;
  busyUntil: number;
  avg: number;
  count: number;
  drops: Record<BottleneckDrop, number>;
  sent: number;
}

interface InFlight {
  from: Endpoint;
  to: Endpoint;
  packet: Buffer;
}

export const SIDE_NAMES = ['left', 'right'] as const;

/** The trace's queue event (docs/trace-format.md): the queue of one direction as a packet reached its router. */
export function queueEvent(now: number, link: string, packets: number, bytes: number): QueueEvent {
  return { t: Math.round(now * 1000) / 1000, type: 'queue', host: `router:${link.split('>')[0]}`, link, packets, bytes };
}

export class BottleneckLink {
  private readonly byAddr = new Map<number, Endpoint>();
  private readonly byName = new Map<string, Endpoint>();
  private readonly queues: [Queue, Queue];
  private up = true;

  constructor(
    private readonly scheduler: Scheduler,
    random: Random,
    readonly plan: BottleneckPlan,
    private readonly observer: BottleneckObserver = {},
  ) {
    const q = (name: string): Queue => ({
      name, rng: random.fork(`bottleneck:${name}`), ends: [], sizes: [], head: 0, bytes: 0, busyUntil: 0, avg: 0, count: -1,
      drops: { 'queue': 0, 'red': 0, 'loss': 0, 'down': 0, 'no-route': 0 }, sent: 0,
    });
    this.queues = [q('left>right'), q('right>left')];
  }

  attach(name: string, addr: number, receive: LinkReceiver): void {
    const side = this.plan.left.includes(name) ? 0 : this.plan.right.includes(name) ? 1 : undefined;
    if (side === undefined) throw new Error(`BottleneckLink: host ${name} is on neither side`);
    const ep: Endpoint = { name, addr: addr >>> 0, side, receive };
    this.byAddr.set(ep.addr, ep);
    this.byName.set(name, ep);
  }

  setUp(up: boolean): void {
    this.up = up;
  }

  /** The settings a packet from one host to another meets, as the in-memory link's (forged segments take its delay). */
  configOf(from: string, to: string): Pick<LinkDirectionConfig, 'delayMs'> {
    const a = this.byName.get(from);
    const b = this.byName.get(to);
    const across = a !== undefined && b !== undefined && a.side !== b.side;
    return { delayMs: 2 * this.plan.accessDelayMs + (across ? this.plan.delayMs : 0) };
  }

  /** Counts of each direction of the bottleneck: packets sent across, drops by reason. */
  stats(): Record<string, { sent: number; dropped: Record<BottleneckDrop, number> }> {
    return Object.fromEntries(this.queues.map((q) => [q.name, { sent: q.sent, dropped: { ...q.drops } }]));
  }

  send(from: string, packet: Buffer): void {
    const src = this.byName.get(from);
    if (!src) throw new Error(`BottleneckLink.send: no host named ${from} is attached`);
    const to = packet.length >= 20 ? this.byAddr.get(get32(packet, 16)) : undefined;
    if (!to) return this.observer.onDrop?.(from, '?', packet, 'no-route');
    if (!this.up) return this.observer.onDrop?.(from, to.name, packet, 'down');
    const rec: InFlight = { from: src, to, packet };
    if (src.side === to.side) {
      this.scheduler.post(this.scheduler.now + 2 * this.plan.accessDelayMs, this.deliver, rec);
      return;
    }
    this.scheduler.post(this.scheduler.now + this.plan.accessDelayMs, this.atRouter, rec);
  }

  /** A packet reaches its router: the queue toward the other side takes it or drops it. */
  private readonly atRouter = (rec: InFlight): void => {
    const q = this.queues[rec.from.side];
    const now = this.scheduler.now;
    const p = this.plan;
    // Packets fully sent by now have left the queue.
    while (q.head < q.ends.length && q.ends[q.head] <= now) {
      q.bytes -= q.sizes[q.head];
      q.head++;
    }
    if (q.head === q.ends.length) {
      q.ends.length = 0;
      q.sizes.length = 0;
      q.head = 0;
    }
    const len = rec.packet.length;
    const redDraw = q.rng.next();
    const lossDraw = q.rng.next();
    const inUnit = () => (p.unit === 'packets' ? q.ends.length - q.head : q.bytes);
    let verdict: BottleneckDrop | undefined;
    if (p.red) verdict = this.red(q, inUnit(), redDraw);
    if (verdict === undefined && p.queue > 0 && inUnit() + (p.unit === 'packets' ? 1 : len) > p.queue) verdict = 'queue';
    if (verdict !== undefined) {
      q.drops[verdict]++;
      this.observer.onQueue?.(q.name, q.ends.length - q.head, q.bytes);
      this.observer.onDrop?.(rec.from.name, rec.to.name, rec.packet, verdict);
      return;
    }
    const end = Math.max(now, q.busyUntil) + (p.rateBitsPerSec > 0 ? (len * 8 * 1000) / p.rateBitsPerSec : 0);
    q.busyUntil = end;
    q.ends.push(end);
    q.sizes.push(len);
    q.bytes += len;
    q.sent++;
    this.observer.onQueue?.(q.name, q.ends.length - q.head, q.bytes);
    // Lost on the wire: it was sent, so it took its turn on the transmitter.
    if (lossDraw < p.loss) {
      q.drops.loss++;
      this.observer.onDrop?.(rec.from.name, rec.to.name, rec.packet, 'loss');
      return;
    }
    this.scheduler.post(end + p.delayMs + p.accessDelayMs, this.deliver, rec);
  };

  /** RED's decision for an arrival finding `q` in the queue (see the file comment). */
  private red(queue: Queue, q: number, draw: number): BottleneckDrop | undefined {
    const r = this.plan.red!;
    queue.avg = (1 - r.weight) * queue.avg + r.weight * q;
    if (queue.avg < r.min) {
      queue.count = -1;
      return undefined;
    }
    if (queue.avg >= r.max) {
      queue.count = 0;
      return 'red';
    }
    queue.count++;
    const pb = (r.maxP * (queue.avg - r.min)) / (r.max - r.min);
    const pa = queue.count * pb >= 1 ? 1 : pb / (1 - queue.count * pb);
    if (draw < pa) {
      queue.count = 0;
      return 'red';
    }
    return undefined;
  }

  private readonly deliver = (rec: InFlight): void => {
    rec.to.receive(rec.packet, this.scheduler.now);
  };
}

// ---------------------------------------------------------------------------------------------
// Flows: goodput per connection and Jain's fairness index, from a trace

export interface FlowGoodput {
  /** "c1 > s1": the host that sent the data and the one whose application read it. */
  flow: string;
  from: string;
  to: string;
  /** The receiving host and its connection id. */
  host: string;
  conn: string;
  bytes: number;
  /** From the receiver's first segment of the connection to its application's last read, ms. */
  startMs: number;
  endMs: number;
  /** Bits per second over that time. */
  goodput: number;
}

interface TraceLike {
  type: string;
  t?: number;
  host?: string;
  conn?: string;
  event?: string;
  bytes?: number;
  src?: string;
  dst?: string;
}

/**
 * Goodput per connection, tallied as a run goes (CountingTracer, with RunOptions.flows) or over a trace
 * (flowGoodputs): which host sent from which address, each connection's first received segment, and
 * what its application read. One tally for both, so a sweep that counts and a report that reads the
 * trace give the same figures.
 */
export class FlowTally {
  private readonly hostOfAddr = new Map<string, string>();
  private readonly seenConns = new Map<string, Map<string, { t: number; src: string }>>();
  /** Connections in order of their first received segment. */
  private readonly order: { host: string; conn: string; t: number; src: string }[] = [];
  private readonly reads = new Map<string, { bytes: number; last: number }>();

  /** `host` sent from address `addr` (dotted, no port). */
  sender(host: string, addr: string): void {
    this.hostOfAddr.set(addr, host);
  }

  /** Whether `host`'s connection `conn` has had a segment already (so its first need not be given). */
  seen(host: string, conn: string): boolean {
    return this.seenConns.get(host)?.has(conn) ?? false;
  }

  /** A segment reached `host`'s connection `conn` at `t` from `src` ("addr:port"); only the first counts. */
  received(host: string, conn: string, t: number, src: string): void {
    let m = this.seenConns.get(host);
    if (m === undefined) this.seenConns.set(host, (m = new Map()));
    if (m.has(conn)) return;
    const first = { host, conn, t, src };
    m.set(conn, first);
    this.order.push(first);
  }

  /** `host`'s application read `bytes` on `conn` at `t`. */
  read(host: string, conn: string, bytes: number, t: number): void {
    const key = `${host} ${conn}`;
    const r = this.reads.get(key);
    if (r === undefined) this.reads.set(key, { bytes, last: t });
    else {
      r.bytes += bytes;
      r.last = t;
    }
  }

  /** A trace event, as it comes. */
  add(e: TraceLike): void {
    if (e.type === 'segment' && e.event === 'tx' && e.src !== undefined && e.host !== undefined) this.sender(e.host, e.src.slice(0, e.src.lastIndexOf(':')));
    if (e.type === 'segment' && e.event === 'rx' && e.conn !== undefined) this.received(e.host!, e.conn, e.t!, e.src!);
    if (e.type === 'app' && e.event === 'data' && e.bytes !== undefined) this.read(e.host!, e.conn!, e.bytes, e.t!);
  }

  /** Each connection whose application read data: how much, over how long, at what rate. In order of first appearance. */
  flows(): FlowGoodput[] {
    const out: FlowGoodput[] = [];
    for (const f of this.order) {
      const r = this.reads.get(`${f.host} ${f.conn}`);
      if (!r) continue;
      const from = this.hostOfAddr.get(f.src.slice(0, f.src.lastIndexOf(':'))) ?? f.src;
      const span = Math.max(r.last - f.t, 1e-3);
      out.push({ flow: `${from} > ${f.host}`, from, to: f.host, host: f.host, conn: f.conn, bytes: r.bytes, startMs: f.t, endMs: r.last, goodput: (r.bytes * 8 * 1000) / span });
    }
    return out;
  }
}

/** Each connection whose application read data: how much, over how long, at what rate. In order of first appearance. */
export function flowGoodputs(events: readonly TraceLike[]): FlowGoodput[] {
  const tally = new FlowTally();
  for (const e of events) tally.add(e);
  return tally.flows();
}

/** Jain's fairness index (Jain, Chiu and Hawe 1984): (sum x)^2 / (n sum x^2); 1 when all are equal, 1/n when one has all. */
export function jainIndex(xs: readonly number[]): number {
  if (xs.length === 0) return 1;
  let s = 0;
  let s2 = 0;
  for (const x of xs) {
    s += x;
    s2 += x * x;
  }
  return s2 === 0 ? 1 : (s * s) / (xs.length * s2);
}

/** Bits per second in the words of the rate unit: 9.87 Mbit/s. */
export function formatRate(bps: number): string {
  if (bps >= 1e9) return `${+(bps / 1e9).toFixed(2)} Gbit/s`;
  if (bps >= 1e6) return `${+(bps / 1e6).toFixed(2)} Mbit/s`;
  if (bps >= 1e3) return `${+(bps / 1e3).toFixed(2)} kbit/s`;
  return `${Math.round(bps)} bit/s`;
}

/** The flows table of a summary: one line a flow, then Jain's index over them. */
export function renderFlows(flows: readonly FlowGoodput[]): string {
  if (flows.length === 0) return '';
  const w = Math.max(4, ...flows.map((f) => f.flow.length));
  const lines = ['flows (goodput: bytes its application read, from its first segment to the last read)'];
  for (const f of flows) {
    lines.push(`  ${f.flow.padEnd(w)}  ${String(f.bytes).padStart(9)} B  ${fmtS(f.startMs)} to ${fmtS(f.endMs)}  ${formatRate(f.goodput).padStart(14)}`);
  }
  lines.push(`  Jain's fairness index over ${flows.length} flows: ${jainIndex(flows.map((f) => f.goodput)).toFixed(3)}`);
  return lines.join('\n') + '\n';
}

/** For `run --json`: each flow's goodput in bits per second and Jain's index over them. */
export function flowsJson(events: readonly TraceLike[]): { flows: { flow: string; bytes: number; goodput: number }[]; fairness: number } {
  const flows = flowGoodputs(events);
  return { flows: flows.map((f) => ({ flow: f.flow, bytes: f.bytes, goodput: Math.round(f.goodput) })), fairness: jainIndex(flows.map((f) => f.goodput)) };
}

function fmtS(ms: number): string {
  return `${(ms / 1000).toFixed(3)} s`;
}
