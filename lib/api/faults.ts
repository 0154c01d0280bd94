/**
 * Faults injected from a test, on segments as they leave their host, before the link: drop, delay or
 * corrupt the next N segments of a direction, or the next N that match a line of the expectation
 * notation. Rules are kept in the order given; a segment meets at most one (the first whose
 * direction and pattern fit and whose count is not used up). What a fault does shows in the trace:
 * a drop as a drop with reason 'fault', a delayed segment arriving later, a corrupted one dropped by
 * its receiver's checksum.
 */
import type { Scheduler } from '../sim/scheduler.ts';
import type { Random } from '../sim/random.ts';
import type { SegmentEvent } from '../trace/events.ts';

export interface FaultOptions {
  /** How many segments the rule applies to (default 1). */
  count?: number;
}

type Action = { kind: 'drop' } | { kind: 'delay'; ms: number } | { kind: 'corrupt' };

interface Rule {
  match: (ev: SegmentEvent) => boolean;
  left: number;
  action: Action;
}

const IPV4_HEADER_BITS = 20 * 8;

export class Faults {
  private rules: Rule[] = [];

  /** @internal */
  constructor(
    private readonly scheduler: Scheduler,
    private readonly random: Random,
    private readonly send: (from: string, packet: Buffer) => void,
    private readonly dropped: (from: string, packet: Buffer, reason: string) => void,
    private readonly pattern: (text: string) => (ev: SegmentEvent) => boolean,
  ) {}

  /** Drop the next `count` segments that `match` ('client > server', or a segment line such as 'server > client F.'). */
  drop(match: string, opts: FaultOptions = {}): void {
    this.add(match, opts, { kind: 'drop' });
  }

  /** Hold the next `count` matching segments `ms` milliseconds before they enter the link (later ones may overtake them). */
  delay(match: string, ms: number, opts: FaultOptions = {}): void {
    if (!(Number.isFinite(ms) && ms >= 0)) throw new RangeError(`delay: ${ms} is not a number of milliseconds >= 0`);
    this.add(match, opts, { kind: 'delay', ms });
  }

  /** Flip one bit (drawn from the world's seed) in the TCP part of the next `count` matching segments. */
  corrupt(match: string, opts: FaultOptions = {}): void {
    this.add(match, opts, { kind: 'corrupt' });
  }

  /** Segments the rules given so far will still act on. */
  get pending(): number {
    return this.rules.reduce((n, r) => n + r.left, 0);
  }

  /** Forget every rule. */
  clear(): void {
    this.rules = [];
  }

  private add(match: string, opts: FaultOptions, action: Action): void {
    const count = opts.count ?? 1;
    if (!(Number.isInteger(count) && count >= 1)) throw new RangeError(`count: ${count} is not a whole number >= 1`);
    this.rules.push({ match: this.pattern(match), left: count, action });
  }

  /** @internal A host sends `packet`, whose transmission `ev` was just traced: to the link, or to its fault. */
  route(from: string, packet: Buffer, ev: SegmentEvent | undefined): void {
    const rule = ev === undefined || this.rules.length === 0 ? undefined : this.rules.find((r) => r.left > 0 && r.match(ev));
    if (!rule) return this.send(from, packet);
    rule.left--;
    this.rules = this.rules.filter((r) => r.left > 0);
    const a = rule.action;
    switch (a.kind) {
      case 'drop':
        return this.dropped(from, packet, 'fault');
      case 'delay':
        this.scheduler.at(this.scheduler.now + a.ms, () => this.send(from, packet));
        return;
      case 'corrupt': {
        const copy = Buffer.from(packet);
        const bit = IPV4_HEADER_BITS + this.random.int(packet.length * 8 - IPV4_HEADER_BITS);
        copy[bit >> 3] ^= 0x80 >> (bit & 7);
        return this.send(from, copy);
      }
    }
  }
}
