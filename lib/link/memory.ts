import type { Scheduler } from '../sim/scheduler.ts';
import type { Random } from '../sim/random.ts';
import { allocPacket, get32, recyclePacket } from '../wire/bytes.ts';

/**
 * The in-memory link: carries encoded IPv4 packets between attached hosts on virtual time, with
 * seeded impairments configured per direction ("client>server"). Every packet that does not arrive
 * has a reason, told to the observer.
 *
 * Path of one packet, in this order:
 *   down? -> 'down'; larger than the MTU? -> 'mtu'; serialisation queue full? -> 'queue'
 *   -> serialised at the rate (the transmitter is busy even for a packet then lost)
 *   -> scripted index? -> 'scripted'; lost? -> 'loss'
 *   -> propagation delay + jitter (never earlier than the previous packet: the wire stays FIFO)
 *   -> maybe corrupted (one bit, in a copy), maybe held back (reorder), maybe duplicated
 *   -> the receiver.
 *
 * Reproducibility: each direction draws from its own stream, `random.fork('link:FROM>TO')`, exactly six
 * draws per routed packet in a fixed order (loss, duplicate, reorder, corrupt, jitter, corrupt bit),
 * whatever the probabilities are and whether or not the packet survives. So the same seed gives the
 * same run, and changing one direction's settings never moves the other direction's draws. (A direction
 * with no random impairment at all skips its draws: they could not change anything, since its settings
 * are fixed and its stream serves nothing else.)
 *
 * Buffers: the link takes the sender's packet as is and never writes to it; the sender must not
 * modify it after `send`, and receivers must not modify what they get (the observer may hold the same
 * Buffer). A corrupted packet and a duplicate are fresh copies, so every Buffer delivered may be kept.
 *
 * Recycling (LinkOptions.recycle): a receiver may answer `true` for "I kept nothing of this packet, no
 * view of it either"; the link then gives the packet's memory back (recyclePacket) for the next packet
 * any host encodes. Only for a link whose every packet is the link's alone once sent: made by
 * encodePacket, kept by no sender, capture or observer beyond its call.
 *
 * Zero copy (splitSender): on a recycling link with no observer, a sender may hand over a packet in two
 * pieces, its headers (encodePacketHeader) and its payload, a view of the sender's own send buffer. A
 * direction on which nothing can happen to a packet but the delay ("plain") carries the two side by side,
 * and a receiver attached with a split receiver gets them so: no payload byte is copied on the way. The
 * payload is the sending application's memory, which it may not change once written (as the send buffer
 * holds it without a copy); a receiver that hands it on to code that may write to it must copy it first.
 * Anywhere else the pieces are joined into one packet first, and go the ordinary way.
 *
 * Zero copy through a queue (LinkOptions.splitQueued): a clean direction with a rate (no loss, duplication,
 * reordering, corruption, jitter or scripted drop) carries split packets too, through its serialisation
 * queue: each is timed exactly as the whole packet would be, so its receiver sees the same packet at the
 * same instant, but while it waits in the queue it holds only its headers, not a copy of its payload.
 * (A 1 Gbit/s queue fed by a thousand connections held tens of thousands of full packets, issue 29.) With
 * this option splitSender is also made for a link that does not recycle and that tells an onDrop observer:
 * a packet that the link will drop (down, too large, queue full) is joined first and dropped whole.
 *
 * Bursts (LinkOptions.bursts): split packets that a sender hands over one after another, with nothing
 * else scheduled in between, for the same arrival time on a plain direction, are one event on the
 * scheduler, which delivers them in turn. They were next to each other in the scheduler's order (same
 * time, consecutive insertions) and anything scheduled while they are delivered comes after the last
 * of them anyway, so every packet arrives exactly when and in the order it would have; only the
 * scheduler counts one event (run, pending, step) where there were several.
 */
export interface LinkDirectionConfig {
  /** One-way propagation delay (ms). */
  delayMs: number;
  /** Extra delay, uniform in [0, jitterMs) (ms). Jitter alone never reorders: the link stays FIFO. */
  jitterMs: number;
  /** Probability 0..1 that a packet is lost on the wire. */
  loss: number;
  /** Probability 0..1 that a packet is delivered twice, the copy right after the original. */
  duplicate: number;
  /** Probability 0..1 that a packet is held back until a packet sent after it has been delivered. */
  reorder: number;
  /** Probability 0..1 that one random bit of the packet is flipped (the receiver's checksum should catch it). */
  corrupt: number;
  /** Serialisation rate; 0 = unlimited, else each packet takes len*8/rate and packets queue behind each other. */
  rateBitsPerSec: number;
  /** Packets larger than this (bytes) are dropped ('mtu'): the model must never send one, so this is a check. */
  mtu: number;
  /** Packets waiting for serialisation (not counting the one being sent), at most; 0 = unlimited; overflow dropped ('queue'). */
  queueLimit: number;
  /** Scripted drops: 1-based indices of the packets sent in this direction (reason 'scripted'). */
  drop: number[];
  /** Longest a held-back packet waits beyond its own arrival time for a later packet to overtake it (ms). */
  reorderDelayMs: number;
}

export const defaultDirectionConfig: Readonly<Required<LinkDirectionConfig>> = Object.freeze({
  delayMs: 0,
  jitterMs: 0,
  loss: 0,
  duplicate: 0,
  reorder: 0,
  corrupt: 0,
  rateBitsPerSec: 0,
  mtu: 1500,
  queueLimit: 0,
  drop: Object.freeze([]) as unknown as number[],
  reorderDelayMs: 10,
});

export interface LinkConfig {
  /** Settings for every direction. */
  default?: Partial<LinkDirectionConfig>;
  /** Per direction, keyed "FROM>TO" by host name; over `default`. */
  directions?: Record<string, Partial<LinkDirectionConfig>>;
}

export type DropReason = 'loss' | 'scripted' | 'mtu' | 'queue' | 'down' | 'no-route';

export const DROP_REASONS: readonly DropReason[] = ['loss', 'scripted', 'mtu', 'queue', 'down', 'no-route'];

/** Told what happens on the link; all optional. `to` is '?' for a packet nobody is attached to receive. */
export interface LinkObserver {
  /** A packet was handed to the link (before any drop). `index` is its 1-based count in this direction. */
  onSend?(from: string, to: string, packet: Buffer, index: number, now: number): void;
  onDrop?(from: string, to: string, packet: Buffer, reason: DropReason, now: number): void;
  /** `corrupted` is the copy that will be delivered; `original` is the sender's, untouched. */
  onCorrupt?(from: string, to: string, original: Buffer, corrupted: Buffer, now: number): void;
}

/** Returns true when it kept nothing of the packet, not even a view (see Recycling above); else anything. */
export type LinkReceiver = (packet: Buffer, now: number) => unknown;
/** A packet in two pieces (see Zero copy above); true when it kept nothing of `header` (the payload is never recycled). */
export type LinkSplitReceiver = (header: Buffer, payload: Buffer, now: number) => unknown;

export interface LinkOptions {
  /**
   * Give a packet's memory back once its receiver says it kept nothing of it (see Recycling above).
   * Default false. Who makes the link promises that no sender, capture or observer keeps a packet.
   */
  recycle?: boolean;
  /** One scheduler event for a burst of split packets (see Bursts above). Default false. */
  bursts?: boolean;
  /** Split packets through a clean direction's rate queue too (see Zero copy through a queue above). Default false. */
  splitQueued?: boolean;
}

/** Counts for one direction. All are live: read them at the end of a run. */
export interface DirectionStats {
  /** Packets handed to the link, dropped or not, and their bytes. */
  sent: number;
  bytes: number;
  /** Receiver calls, duplicates included, and their bytes. */
  delivered: number;
  bytesDelivered: number;
  dropped: Record<DropReason, number>;
  /** Duplicate copies delivered. */
  duplicated: number;
  /** Held-back packets that were in fact delivered after a packet sent later (not those let go by reorderDelayMs). */
  reordered: number;
  /** Packets delivered with a flipped bit. */
  corrupted: number;
}

/** A link setting out of range. A bug in the caller: the scenario layer validates (with positions) first. */
export class LinkConfigError extends Error {
  override name = 'LinkConfigError';
  constructor(
    /** "default" or the direction key. */
    readonly where: string,
    readonly field: string,
    message: string,
  ) {
    super(`link ${where}: ${field} ${message}`);
  }
}

/** Every rule the settings break, one message each ("loss must be a probability in 0..1, got 2"). */
export function directionConfigProblems(cfg: Partial<LinkDirectionConfig>): { field: keyof LinkDirectionConfig; message: string }[] {
  const out: { field: keyof LinkDirectionConfig; message: string }[] = [];
  const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  for (const f of ['delayMs', 'jitterMs', 'reorderDelayMs', 'rateBitsPerSec'] as const) {
    const v = cfg[f];
    if (v !== undefined && !(num(v) && v >= 0)) out.push({ field: f, message: `must be a finite number >= 0, got ${v}` });
  }
  for (const f of ['loss', 'duplicate', 'reorder', 'corrupt'] as const) {
    const v = cfg[f];
    if (v !== undefined && !(num(v) && v >= 0 && v <= 1)) out.push({ field: f, message: `must be a probability in 0..1, got ${v}` });
  }
  // RFC 791: every IPv4 module must pass a 68-octet datagram unfragmented; nothing smaller is an IPv4 MTU.
  if (cfg.mtu !== undefined && !(Number.isInteger(cfg.mtu) && cfg.mtu >= 68)) out.push({ field: 'mtu', message: `must be a whole number of bytes >= 68 (RFC 791), got ${cfg.mtu}` });
  if (cfg.queueLimit !== undefined && !(Number.isInteger(cfg.queueLimit) && cfg.queueLimit >= 0)) out.push({ field: 'queueLimit', message: `must be a whole number >= 0 (0 = unlimited), got ${cfg.queueLimit}` });
  if (cfg.drop !== undefined) {
    const bad = Array.isArray(cfg.drop) ? cfg.drop.filter((i) => !(Number.isInteger(i) && i >= 1)) : [cfg.drop];
    if (bad.length > 0) out.push({ field: 'drop', message: `must list 1-based packet indices (whole numbers >= 1), got ${bad.join(', ')}` });
  }
  return out;
}

/** What the six draws decide for one packet (see the file comment). */
export interface PacketFate {
  lost: boolean;
  duplicate: boolean;
  holdBack: boolean;
  corrupt: boolean;
  jitterMs: number;
  /** Which bit a corruption flips, as a fraction of the packet's bits. */
  bitDraw: number;
}

/** The six draws, always all six and in this order, whatever the probabilities (the UDP link's too). */
export function drawFate(rng: Random, cfg: Pick<LinkDirectionConfig, 'loss' | 'duplicate' | 'reorder' | 'corrupt' | 'jitterMs'>): PacketFate {
  return {
    lost: rng.chance(cfg.loss),
    duplicate: rng.chance(cfg.duplicate),
    holdBack: rng.chance(cfg.reorder),
    corrupt: rng.chance(cfg.corrupt),
    jitterMs: rng.next() * cfg.jitterMs,
    bitDraw: rng.next(),
  };
}

/** A direction with no random impairment draws nothing: this is every packet's fate there. */
const CLEAN_FATE: PacketFate = Object.freeze({ lost: false, duplicate: false, holdBack: false, corrupt: false, jitterMs: 0, bitDraw: 0 });
const EMPTY = Buffer.alloc(0);

/**
 * A queue kept as an array and the index of its head, `head` after items left it: emptied when nothing
 * is left, and the gone ones cut off once they are most of it. Returns the new head.
 */
function shrunk(list: unknown[], head: number): number {
  if (head === list.length) {
    list.length = 0;
    return 0;
  }
  if (head > 1024 && head * 2 > list.length) {
    list.splice(0, head);
    return 0;
  }
  return head;
}
/** The key of a sender's direction to no host (a packet too short to have a destination, or to an address nobody has). */
const NO_ROUTE = -1;

/** A copy of `packet` with one bit flipped, the one `bitDraw` (0..1) points at. */
export function withBitFlipped(packet: Buffer, bitDraw: number): Buffer {
  const out = Buffer.from(packet);
  const bit = Math.floor(bitDraw * packet.length * 8);
  out[bit >> 3] ^= 0x80 >> (bit & 7);
  return out;
}

interface Endpoint {
  name: string;
  addr: number;
  receive: LinkReceiver;
  receiveSplit: LinkSplitReceiver | undefined;
  /** The directions from this endpoint, by destination address (NO_ROUTE: to no host), so no string key per packet. */
  out: Map<number, Direction>;
}

interface Direction {
  from: string;
  to: Endpoint;
  cfg: LinkDirectionConfig;
  /** No loss, duplication, reordering, corruption or jitter: no draws needed. */
  clean: boolean;
  /** Clean, and no rate limit or scripted drops either: a packet only waits the delay (see sendFrom). */
  plain: boolean;
  rng: Random;
  scripted: Set<number>;
  stats: DirectionStats;
  /** When the transmitter is free again (rate limiting), ms. */
  busyUntil: number;
  /** Serialisation end times of packets not yet fully sent, oldest first from `depHead`: the queue. */
  departures: number[];
  depHead: number;
  /** Latest arrival time given to a packet not held back, to keep the wire FIFO under jitter. */
  lastArrivalMs: number;
  /** Packets held back (reorder), in the order sent. */
  held: InFlight[];
  /** Delivers a packet (and counts it): the scheduler's function for a packet that needs no record (see sendFrom), made once per direction. */
  arrivePlain: (packet: Buffer) => void;
  /**
   * The payloads of split packets on the wire, in the order sent, from `payloadHead` (see Zero copy): a
   * plain direction delivers in that order, so the scheduler carries only the header.
   */
  payloads: Buffer[];
  payloadHead: number;
  /** arrivePlain for a split packet's header: its payload is the next in `payloads`. */
  arriveSplit: (header: Buffer) => void;
  /**
   * Bursts (see above): the headers of split packets on the wire beside `payloads`, how many packets
   * each burst event delivers (from `burstHead`), and the arrival time of the last burst and the
   * scheduler's count of events scheduled just after it (-1: the burst takes no more packets).
   */
  headers: Buffer[];
  bursts: number[];
  burstHead: number;
  burstAt: number;
  burstMark: number;
  /** Delivers the next burst: the scheduler's function for it, made once per direction. */
  arriveBurst: () => void;
}

/** One packet between send and delivery: the scheduler's argument, so no closure per packet. */
interface InFlight {
  dir: Direction;
  packet: Buffer;
  index: number;
  duplicate: boolean;
  /** The timer that lets a held-back packet go if nothing overtakes it. */
  heldTimer: number;
}

export class MemoryLink {
  private readonly byAddr = new Map<number, Endpoint>();
  private readonly byName = new Map<string, Endpoint>();
  private readonly directions = new Map<string, Direction>();
  private up = true;
  private readonly recycle: boolean;
  private readonly bursts: boolean;
  private readonly splitQueued: boolean;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly random: Random,
    private readonly config: LinkConfig = {},
    private readonly observer: LinkObserver = {},
    options: LinkOptions = {},
  ) {
    this.recycle = options.recycle === true;
    this.bursts = options.bursts === true;
    this.splitQueued = options.splitQueued === true;
    const check = (where: string, cfg: Partial<LinkDirectionConfig>) => {
      const p = directionConfigProblems(cfg)[0];
      if (p) throw new LinkConfigError(where, p.field, p.message);
    };
    check('default', config.default ?? {});
    for (const [key, cfg] of Object.entries(config.directions ?? {})) {
      if (!/^[^>]+>[^>]+$/.test(key)) throw new LinkConfigError(key, 'direction', 'must be written FROM>TO with host names');
      check(key, cfg);
    }
  }

  /** Connect a host: packets whose IPv4 destination is `addr` go to `receive`. */
  attach(name: string, addr: number, receive: LinkReceiver, receiveSplit?: LinkSplitReceiver): void {
    const a = addr >>> 0;
    if (this.byName.has(name)) throw new Error(`MemoryLink: a host named ${name} is already attached`);
    if (this.byAddr.has(a)) throw new Error(`MemoryLink: ${this.byAddr.get(a)!.name} already has address ${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`);
    const ep: Endpoint = { name, addr: a, receive, receiveSplit, out: new Map() };
    this.byAddr.set(a, ep);
    this.byName.set(name, ep);
  }

  /** While down, every packet sent is dropped ('down'); packets already on the wire still arrive. */
  setUp(up: boolean): void {
    this.up = up;
  }

  get isUp(): boolean {
    return this.up;
  }

  /** Counts per direction ("client>server"; "client>?" for no-route), for the directions used so far. */
  stats(): Record<string, DirectionStats> {
    const out: Record<string, DirectionStats> = {};
    for (const [k, d] of this.directions) out[k] = d.stats;
    return out;
  }

  /** The settings in force from one host to another (defaults, then `default`, then the direction's own). */
  configOf(from: string, to: string): Readonly<LinkDirectionConfig> {
    const key = `${from}>${to}`;
    return { ...defaultDirectionConfig, ...this.config.default, ...this.config.directions?.[key] };
  }

  /** A host hands a packet to the link; it is routed by its IPv4 destination address (bytes 16..19). */
  send(from: string, packet: Buffer): void {
    this.sendFrom(this.attached(from, 'send'), packet);
  }

  /** `send` for one host, the host looked up once: what a host's transmit calls for every packet. */
  sender(from: string): (packet: Buffer) => void {
    const sender = this.attached(from, 'sender');
    return (packet) => this.sendFrom(sender, packet);
  }

  /**
   * The zero-copy `sender` (see Zero copy above): packets handed over as headers and payload. Undefined
   * unless the link recycles and has no observer, since only then is nobody shown whole packets (with
   * splitQueued: unless an observer is shown every packet sent or corrupted; a dropped one is joined for it).
   */
  splitSender(from: string): ((header: Buffer, payload: Buffer) => void) | undefined {
    const sender = this.attached(from, 'splitSender');
    const o = this.observer;
    if (this.splitQueued ? o.onSend || o.onCorrupt : !this.recycle || o.onSend || o.onDrop || o.onCorrupt) return undefined;
    return (header, payload) => this.sendSplitFrom(sender, header, payload);
  }

  private sendSplitFrom(sender: Endpoint, header: Buffer, payload: Buffer): void {
    const dst = header.length >= 20 ? get32(header, 16) : NO_ROUTE;
    const d = dst === NO_ROUTE ? undefined : sender.out.get(dst);
    const length = header.length + payload.length;
    if (d !== undefined && this.onlyDelays(d, length) && d.to.receiveSplit !== undefined) {
      // sendFrom's plain path, the payload beside the header.
      d.stats.sent++;
      d.stats.bytes += length;
      d.payloads.push(payload);
      const at = this.plainArrival(d);
      if (!this.bursts) {
        this.scheduler.post(at, d.arriveSplit, header);
        return;
      }
      d.headers.push(header);
      // Nothing scheduled since the burst's last packet, for the same time: one more for it (see Bursts).
      if (d.burstMark === this.scheduler.scheduled && d.burstAt === at) {
        d.bursts[d.bursts.length - 1]++;
      } else {
        d.bursts.push(1);
        d.burstAt = at;
        this.scheduler.post(at, d.arriveBurst);
      }
      d.burstMark = this.scheduler.scheduled;
      return;
    }
    if (d !== undefined && this.splitQueued && d.to.receiveSplit !== undefined && this.onlyQueues(d, length)) {
      // sendFrom's way through the queue, for a clean direction that will not drop the packet.
      d.stats.sent++;
      d.stats.bytes += length;
      d.payloads.push(payload);
      let arrivesMs = this.serialised(d, length) + d.cfg.delayMs;
      if (arrivesMs < d.lastArrivalMs) arrivesMs = d.lastArrivalMs;
      d.lastArrivalMs = arrivesMs;
      this.scheduler.post(arrivesMs, d.arriveSplit, header);
      return;
    }
    // Anything else may need the whole packet: join the pieces, and the header's memory serves again.
    const packet = allocPacket(length);
    packet.set(header, 0);
    packet.set(payload, header.length);
    recyclePacket(header);
    this.sendFrom(sender, packet);
  }

  private attached(name: string, method: string): Endpoint {
    const ep = this.byName.get(name);
    if (!ep) throw new Error(`MemoryLink.${method}: no host named ${name} is attached`);
    return ep;
  }

  private sendFrom(sender: Endpoint, packet: Buffer): void {
    const from = sender.name;
    const now = this.scheduler.now;
    const dst = packet.length >= 20 ? get32(packet, 16) : NO_ROUTE;
    let d = dst === NO_ROUTE ? undefined : sender.out.get(dst);
    if (d === undefined) {
      const to = dst === NO_ROUTE ? undefined : this.byAddr.get(dst);
      if (!to) {
        const s = this.direction(sender, undefined).stats;
        s.sent++;
        s.bytes += packet.length;
        s.dropped['no-route']++;
        this.observer.onDrop?.(from, '?', packet, 'no-route', now);
        return;
      }
      d = this.direction(sender, to);
    }
    const to = d.to;
    const s = d.stats;
    if (this.onlyDelays(d, packet.length)) {
      // What the rest of this function comes to when nothing can happen to the packet but the delay.
      const index = ++s.sent;
      s.bytes += packet.length;
      this.observer.onSend?.(from, to.name, packet, index, now);
      this.scheduler.post(this.plainArrival(d), d.arrivePlain, packet);
      return;
    }
    const cfg = d.cfg;
    const index = ++s.sent;
    s.bytes += packet.length;
    this.observer.onSend?.(from, to.name, packet, index, now);

    const { lost, duplicate, holdBack, corrupt, jitterMs, bitDraw } = d.clean ? CLEAN_FATE : drawFate(d.rng, cfg);

    if (!this.up) return this.drop(d, packet, 'down', now);
    if (packet.length > cfg.mtu) return this.drop(d, packet, 'mtu', now);

    let departsMs = now;
    if (cfg.rateBitsPerSec > 0) {
      if (this.queueFull(d)) return this.drop(d, packet, 'queue', now);
      departsMs = this.serialised(d, packet.length);
    }
    // Lost on the wire: it was serialised, so it used the transmitter.
    if (d.scripted.has(index)) return this.drop(d, packet, 'scripted', now);
    if (lost) return this.drop(d, packet, 'loss', now);

    let arrivesMs = departsMs + cfg.delayMs + jitterMs;
    if (arrivesMs < d.lastArrivalMs) arrivesMs = d.lastArrivalMs;

    let out = packet;
    if (corrupt && packet.length > 0) {
      out = withBitFlipped(packet, bitDraw);
      s.corrupted++;
      this.observer.onCorrupt?.(from, to.name, packet, out, now);
    }
    if (!holdBack && !duplicate && d.held.length === 0) {
      // Nothing to hold, copy or let go after it (nothing was held back before it): the packet alone
      // is the scheduler's argument, and the direction's own function delivers it. No record.
      d.lastArrivalMs = arrivesMs;
      this.scheduler.post(arrivesMs, d.arrivePlain, out);
      return;
    }
    const rec: InFlight = { dir: d, packet: out, index, duplicate, heldTimer: 0 };
    if (holdBack) {
      // Not FIFO-clamping the packets behind it: they are meant to overtake this one.
      d.held.push(rec);
      rec.heldTimer = this.scheduler.at(arrivesMs + cfg.reorderDelayMs, this.releaseHeld, rec);
    } else {
      d.lastArrivalMs = arrivesMs;
      this.scheduler.post(arrivesMs, this.arrive, rec);
    }
  }

  /** Nothing can happen to a packet of `length` bytes sent on `d` now but the delay: a plain direction, up, within the MTU, nothing held back. */
  private onlyDelays(d: Direction, length: number): boolean {
    return d.plain && this.up && length <= d.cfg.mtu && d.held.length === 0;
  }

  /** Packets waiting for `d`'s transmitter fill its queue (first forgetting those fully serialised by now). */
  private queueFull(d: Direction): boolean {
    // The oldest one left is on the wire, the rest wait.
    const deps = d.departures;
    let head = d.depHead;
    const now = this.scheduler.now;
    while (head < deps.length && deps[head] <= now) head++;
    d.depHead = shrunk(deps, head);
    const waiting = deps.length - d.depHead - 1;
    return d.cfg.queueLimit > 0 && waiting >= d.cfg.queueLimit;
  }

  /** A packet of `length` bytes joins `d`'s queue (queueFull said there is room): when it is fully serialised, ms. */
  private serialised(d: Direction, length: number): number {
    const departsMs = Math.max(this.scheduler.now, d.busyUntil) + (length * 8 * 1000) / d.cfg.rateBitsPerSec;
    d.busyUntil = departsMs;
    d.departures.push(departsMs);
    return departsMs;
  }

  /** A packet of `length` bytes sent on `d` now only queues and waits the delay: clean, with a rate, no scripted drop, up, within the MTU, room in the queue. */
  private onlyQueues(d: Direction, length: number): boolean {
    return d.clean && d.cfg.rateBitsPerSec > 0 && d.scripted.size === 0 && this.up && length <= d.cfg.mtu && d.held.length === 0 && !this.queueFull(d);
  }

  /** When a packet sent now on plain direction `d` arrives: after the delay, never before the one sent before it (FIFO). */
  private plainArrival(d: Direction): number {
    let arrivesMs = this.scheduler.now + d.cfg.delayMs;
    if (arrivesMs < d.lastArrivalMs) arrivesMs = d.lastArrivalMs;
    d.lastArrivalMs = arrivesMs;
    return arrivesMs;
  }

  private direction(sender: Endpoint, to: Endpoint | undefined): Direction {
    const key = to ? to.addr : NO_ROUTE;
    let d = sender.out.get(key);
    if (!d) {
      const from = sender.name;
      const name = `${from}>${to ? to.name : '?'}`;
      const cfg = to ? this.configOf(from, to.name) : { ...defaultDirectionConfig };
      const clean = cfg.loss === 0 && cfg.duplicate === 0 && cfg.reorder === 0 && cfg.corrupt === 0 && cfg.jitterMs === 0;
      const scripted = new Set(cfg.drop);
      const dropped = {} as Record<DropReason, number>;
      for (const r of DROP_REASONS) dropped[r] = 0;
      d = {
        from,
        to: to ?? { name: '?', addr: 0, receive: () => {}, receiveSplit: undefined, out: new Map() },
        cfg,
        clean,
        plain: clean && cfg.rateBitsPerSec === 0 && scripted.size === 0,
        rng: this.random.fork(`link:${name}`),
        scripted,
        stats: { sent: 0, bytes: 0, delivered: 0, bytesDelivered: 0, dropped, duplicated: 0, reordered: 0, corrupted: 0 },
        busyUntil: 0,
        departures: [],
        depHead: 0,
        lastArrivalMs: 0,
        held: [],
        arrivePlain: (packet: Buffer) => {
          const ds = d!.stats;
          ds.delivered++;
          ds.bytesDelivered += packet.length;
          if (d!.to.receive(packet, this.scheduler.now) === true && this.recycle) recyclePacket(packet);
        },
        payloads: [],
        payloadHead: 0,
        arriveSplit: (header: Buffer) => this.deliverSplit(d!, header),
        headers: [],
        bursts: [],
        burstHead: 0,
        burstAt: 0,
        burstMark: -1,
        arriveBurst: () => {
          const dd = d!;
          const n = dd.bursts[dd.burstHead];
          dd.burstHead = shrunk(dd.bursts, dd.burstHead + 1);
          // Delivering: what is sent from now on comes after everything scheduled meanwhile.
          if (dd.burstHead === dd.bursts.length) dd.burstMark = -1;
          for (let i = 0; i < n; i++) {
            // The headers FIFO runs beside `payloads`, the same length and head: shrunk decides alike for both.
            const head = dd.payloadHead;
            const header = dd.headers[head];
            dd.headers[head] = EMPTY;
            shrunk(dd.headers, head + 1);
            this.deliverSplit(dd, header);
          }
        },
      };
      this.directions.set(name, d);
      sender.out.set(key, d);
    }
    return d;
  }

  /** A split packet arrives; its payload is the next in `payloads`. */
  private deliverSplit(d: Direction, header: Buffer): void {
    const payload = d.payloads[d.payloadHead];
    d.payloads[d.payloadHead] = EMPTY;
    d.payloadHead = shrunk(d.payloads, d.payloadHead + 1);
    const ds = d.stats;
    ds.delivered++;
    ds.bytesDelivered += header.length + payload.length;
    if (d.to.receiveSplit!(header, payload, this.scheduler.now) === true && this.recycle) recyclePacket(header);
  }

  private drop(d: Direction, packet: Buffer, reason: DropReason, now: number): void {
    d.stats.dropped[reason]++;
    this.observer.onDrop?.(d.from, d.to.name, packet, reason, now);
  }

  /** A packet reaches the receiver; any packet held back and sent before it follows right after. */
  private readonly arrive = (rec: InFlight): void => {
    const d = rec.dir;
    this.deliver(rec);
    if (d.held.length === 0) return;
    const overtaken = d.held.filter((h) => h.index < rec.index);
    if (overtaken.length === 0) return;
    d.held = d.held.filter((h) => h.index > rec.index);
    for (const h of overtaken) {
      this.scheduler.cancel(h.heldTimer);
      d.stats.reordered++;
      this.deliver(h);
    }
  };

  /** Nothing overtook a held-back packet within reorderDelayMs: it arrives late, but not reordered. */
  private readonly releaseHeld = (rec: InFlight): void => {
    const d = rec.dir;
    d.held = d.held.filter((h) => h !== rec);
    this.deliver(rec);
  };

  private deliver(rec: InFlight): void {
    const d = rec.dir;
    const s = d.stats;
    const now = this.scheduler.now;
    // The duplicate is copied first: once delivered, the original may be recycled.
    const copy = rec.duplicate ? Buffer.from(rec.packet) : undefined;
    d.arrivePlain(rec.packet);
    if (copy !== undefined) {
      s.delivered++;
      s.duplicated++;
      s.bytesDelivered += copy.length;
      d.to.receive(copy, now);
    }
  }
}
