import type { Scheduler } from '../sim/scheduler.ts';
import type { Random } from '../sim/random.ts';

/**
 * The in-memory link: carries encoded IPv4 packets between attached hosts on virtual time, with
 * seeded impairments per direction. Every packet that does not arrive has a reason.
 * Impairment draws per packet are in a fixed order (loss, duplicate, reorder, corrupt, jitter), from a
 * stream forked per direction, so that a change in one direction never shifts the other.
 */
export interface LinkDirectionConfig {
  /** One-way propagation delay (ms). */
  delayMs: number;
  /** Uniform extra delay in [0, jitterMs]; jitter alone never reorders (the link stays FIFO). */
  jitterMs: number;
  /** Probabilities, 0..1. */
  loss: number;
  duplicate: number;
  reorder: number;
  corrupt: number;
  /** 0 = unlimited; else packets are serialised at this rate and queue behind each other. */
  rateBitsPerSec: number;
  /** Larger packets are dropped ('mtu'): the model must never send one. */
  mtu: number;
  /** Packets waiting for serialisation, at most; 0 = unlimited; overflow dropped ('queue'). */
  queueLimit: number;
  /** Scripted drops: 1-based indices of the packets sent in this direction. */
  drop: number[];
  /** A reordered packet is held back by this much (ms) beyond its normal arrival. */
  reorderDelayMs: number;
}

export const defaultDirectionConfig: Readonly<LinkDirectionConfig> = Object.freeze({
  delayMs: 0, jitterMs: 0, loss: 0, duplicate: 0, reorder: 0, corrupt: 0, rateBitsPerSec: 0, mtu: 1500, queueLimit: 0, drop: [], reorderDelayMs: 0,
});

export type DropReason = 'loss' | 'scripted' | 'mtu' | 'queue' | 'down' | 'no-route';

export interface LinkObserver {
  onDrop?(from: string, to: string, packet: Buffer, reason: DropReason): void;
}

export interface DirectionStats {
  sent: number;
  delivered: number;
  bytes: number;
  duplicated: number;
  reordered: number;
  corrupted: number;
  dropped: Partial<Record<DropReason, number>>;
}

interface Endpoint {
  name: string;
  addr: number;
  receive: (packet: Buffer) => void;
}

interface Direction {
  cfg: LinkDirectionConfig;
  rng: Random;
  scripted: Set<number>;
  stats: DirectionStats;
  /** When the transmitter is free again (rate limiting). */
  busyUntil: number;
  /** Latest arrival time scheduled, to keep jitter FIFO. */
  lastArrival: number;
  queued: number;
}

export class MemoryLink {
  private readonly byAddr = new Map<number, Endpoint>();
  private readonly byName = new Map<string, Endpoint>();
  private readonly directions = new Map<string, Direction>();
  private up = true;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly random: Random,
    private readonly config: { default?: Partial<LinkDirectionConfig>; directions?: Record<string, Partial<LinkDirectionConfig>> } = {},
    private readonly observer: LinkObserver = {},
  ) {}

  attach(name: string, addr: number, receive: (packet: Buffer) => void): void {
    const ep = { name, addr: addr >>> 0, receive };
    this.byAddr.set(ep.addr, ep);
    this.byName.set(name, ep);
  }

  setUp(up: boolean): void {
    this.up = up;
  }

  get isUp(): boolean {
    return this.up;
  }

  /** Statistics per direction ("client>server"). */
  stats(): Record<string, DirectionStats> {
    const out: Record<string, DirectionStats> = {};
    for (const [k, d] of this.directions) out[k] = d.stats;
    return out;
  }

  private direction(from: string, to: string): Direction {
    const key = `${from}>${to}`;
    let d = this.directions.get(key);
    if (!d) {
      const cfg: LinkDirectionConfig = { ...defaultDirectionConfig, ...this.config.default, ...this.config.directions?.[key] };
      d = {
        cfg, rng: this.random.fork(`link:${key}`), scripted: new Set(cfg.drop),
        stats: { sent: 0, delivered: 0, bytes: 0, duplicated: 0, reordered: 0, corrupted: 0, dropped: {} },
        busyUntil: 0, lastArrival: 0, queued: 0,
      };
      this.directions.set(key, d);
    }
    return d;
  }

  /** A host hands a packet to the link. Routed by the IPv4 destination address. */
  send(from: string, packet: Buffer): void {
    const dstAddr = packet.length >= 20 ? packet.readUInt32BE(16) : -1;
    const to = this.byAddr.get(dstAddr);
    if (!to) {
      this.observer.onDrop?.(from, '?', packet, 'no-route');
      return;
    }
    const d = this.direction(from, to.name);
    const s = d.stats;
    s.sent++;
    const index = s.sent;
    const now = this.scheduler.now;
    const cfg = d.cfg;
    // Fixed draw order per packet, whether or not a probability is zero.
    const lost = d.rng.chance(cfg.loss);
    const dup = d.rng.chance(cfg.duplicate);
    const reorder = d.rng.chance(cfg.reorder);
    const corrupt = d.rng.chance(cfg.corrupt);
    const jitter = cfg.jitterMs > 0 ? d.rng.next() * cfg.jitterMs : 0;
    const corruptBit = d.rng.int(Math.max(1, packet.length * 8));

    const drop = (reason: DropReason) => {
      s.dropped[reason] = (s.dropped[reason] ?? 0) + 1;
      this.observer.onDrop?.(from, to.name, packet, reason);
    };
    if (!this.up) return drop('down');
    if (d.scripted.has(index)) return drop('scripted');
    if (packet.length > cfg.mtu) return drop('mtu');
    if (cfg.queueLimit > 0 && d.queued >= cfg.queueLimit) return drop('queue');

    // Serialisation: the packet leaves when the transmitter is free, taking len*8/rate.
    let departs = now;
    if (cfg.rateBitsPerSec > 0) {
      const start = Math.max(now, d.busyUntil);
      departs = start + (packet.length * 8 * 1000) / cfg.rateBitsPerSec;
      d.busyUntil = departs;
      d.queued++;
      this.scheduler.at(departs, () => d.queued--);
    }
    // A packet lost on the wire still used the transmitter.
    if (lost) return drop('loss');
    let arrives = departs + cfg.delayMs + jitter;
    if (arrives < d.lastArrival) arrives = d.lastArrival; // jitter keeps FIFO order
    if (reorder) {
      // Held back: delivered after the next packet (or after reorderDelayMs).
      s.reordered++;
      arrives += Math.max(cfg.reorderDelayMs, 1e-3 + (cfg.delayMs > 0 ? cfg.delayMs / 2 : 1));
    } else {
      d.lastArrival = arrives;
    }
    let delivered = packet;
    if (corrupt) {
      s.corrupted++;
      delivered = Buffer.from(packet);
      delivered[corruptBit >> 3] ^= 1 << (corruptBit & 7);
    }
    s.bytes += packet.length;
    this.scheduler.at(arrives, () => {
      s.delivered++;
      to.receive(delivered);
    });
    if (dup) {
      s.duplicated++;
      const copy = Buffer.from(packet);
      this.scheduler.at(arrives, () => {
        s.delivered++;
        to.receive(copy);
      });
    }
  }
}
