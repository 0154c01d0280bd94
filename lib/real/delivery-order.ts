/**
 * The order in which the link's deliveries reach the kernels (lib/real/netns-link.ts).
 *
 * Packets the link delivers at one instant to different hosts: on the model the first one's receiver
 * answers first (events of an instant run in order); two kernels would race to answer. So the second
 * waits until the first's agent has written it and sent up what its kernel answered (bounded by
 * ANSWER_MS). Deliveries keep their order: each write follows the one before.
 *
 * A handshake's segments race the same way when their instants are only close: in a simultaneous open
 * (RFC 9293 3.5, figure 8) each end answers the other's SYN with a SYN-ACK a moment apart, and each
 * SYN-ACK draws an ACK at once; the model answers them in the order they arrived, two kernels in
 * whatever order the machine lets them (measured: a busy agent answered 20 ms late and its SYN-ACK left
 * second). So a delivery of a SYN to one host, and the delivery after it to another, also wait until
 * the one before has been answered (bounded by SYN_ANSWER_MS): the kernels answer SYNs in the link's
 * order. Handshakes are few: bulk deliveries are not held back by this.
 */

/** Bound on waiting for a kernel's answer to a delivery at the same instant (ms). */
export const ANSWER_MS = 50;
/** Bound on waiting for a kernel's answer to a delivered SYN (ms). */
export const SYN_ANSWER_MS = 250;

/** Writes a packet to a host's kernel; resolves once it was answered (or after `boundMs`). */
export type WriteConfirmed = (host: string, p: Buffer, boundMs: number) => Promise<void>;

interface Delivery {
  t: number;
  host: string;
  p: Buffer;
  syn: boolean;
}

/** Whether an IPv4 packet carries a TCP segment with SYN (read from the header alone; false when it cannot be read). */
export function carriesSyn(p: Buffer): boolean {
  if (p.length < 20 || p[0] >> 4 !== 4 || p[9] !== 6) return false;
  const flags = ((p[0] & 0x0f) << 2) + 13;
  return flags < p.length && (p[flags] & 0x02) !== 0;
}

export class DeliveryOrder {
  private last: { t: number; host: string; syn: boolean; confirmed: Promise<void> } | undefined;
  private readonly queue: Delivery[] = [];
  private draining = false;

  constructor(private readonly writeConfirmed: WriteConfirmed) {}

  /** The link delivers `p` to `host` at link time `t`. */
  deliver(t: number, host: string, p: Buffer): void {
    const item = { t, host, p, syn: carriesSyn(p) };
    if (!this.draining && !this.mustWait(item)) return this.write(item);
    this.queue.push(item);
    if (!this.draining) void this.drain();
  }

  private mustWait(item: Delivery): boolean {
    const last = this.last;
    return last !== undefined && last.host !== item.host && (last.t === item.t || last.syn || item.syn);
  }

  private write(item: Delivery): void {
    this.last = { t: item.t, host: item.host, syn: item.syn, confirmed: this.writeConfirmed(item.host, item.p, item.syn ? SYN_ANSWER_MS : ANSWER_MS) };
  }

  private async drain(): Promise<void> {
    this.draining = true;
    while (this.queue.length > 0) {
      const item = this.queue.shift()!;
      if (this.mustWait(item)) await this.last!.confirmed;
      this.write(item);
    }
    this.draining = false;
  }
}
