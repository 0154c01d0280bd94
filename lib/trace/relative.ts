/**
 * Relative sequence numbers, as tcpdump and Wireshark show them: each direction of a connection
 * counts from its initial sequence number, so the SYN is `seq 0` and the first data byte `seq 1`
 * (docs/scenario-format.md, segment lines). Pure bookkeeping over what was seen; no TCP logic.
 *
 * Choices, where the tools differ or are silent:
 * - A flow is one direction, `src>dst` with both `addr:port`. Its base is the sequence number of the
 *   first SYN it sends; without a SYN seen, the first sequence number seen (so that segment is seq 0).
 * - rack is relative to the reverse flow's base. When the reverse flow has sent nothing yet, the ack
 *   itself becomes the reverse flow's base (rack 0). That is the only guess consistent with what that
 *   flow will send next: its next segment starts at exactly this ack, and will then also be seq 0.
 *   A RST answering a SYN to a closed port (RFC 9293 3.10.7.1: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>)
 *   is the common case, and it comes out as `R. seq 0 ack 1` because the reverse base is the SYN's.
 * - Without the ACK flag the ack field means nothing (RFC 9293 3.1) and rack is 0.
 * - A SYN whose sequence number differs from its flow's base starts a new base (port reuse, usually
 *   after FIN or RST; Wireshark calls it "TCP port numbers reused"). The reverse flow's old base is
 *   then stale: its next segment (the new SYN-ACK, or a RST) sets a fresh one. A repeated SYN with the
 *   same number is a retransmission and changes nothing.
 * - Arithmetic is modulo 2^32 (RFC 9293 3.4), so numbers past a wrap stay small and positive.
 */
import { ACK, RST, SYN } from '../wire/tcp-types.ts';
import type { SegmentEvent, TraceEvent } from './events.ts';

interface FlowBase {
  /** Absolute sequence number that shows as 0. */
  base: number;
  /** The reverse flow started a new connection; this base belongs to the old one. */
  stale: boolean;
}

/** Flag bits from tcpdump letters ("S.", "FP.", "R", "none") or the header's flags byte. */
function flagBits(flags: string | number): number {
  if (typeof flags === 'number') return flags;
  let bits = 0;
  if (flags.includes('S')) bits |= SYN;
  if (flags.includes('R')) bits |= RST;
  if (flags.includes('.')) bits |= ACK;
  return bits;
}

export class Relativizer {
  private readonly flows = new Map<string, FlowBase>();

  /** Relative numbers for one segment seen from `src` (addr:port) to `dst`. Call in trace order. */
  relativize(src: string, dst: string, flags: string | number, seq: number, ack: number): { rseq: number; rack: number } {
    const bits = flagBits(flags);
    const key = `${src}>${dst}`;
    let fwd = this.flows.get(key);
    if (bits & SYN) {
      if (!fwd || fwd.stale || fwd.base !== seq) {
        const reused = fwd !== undefined && !fwd.stale;
        fwd = { base: seq >>> 0, stale: false };
        this.flows.set(key, fwd);
        if (reused) {
          const rev = this.flows.get(`${dst}>${src}`);
          if (rev) rev.stale = true;
        }
      }
    } else if (!fwd || fwd.stale) {
      fwd = { base: seq >>> 0, stale: false };
      this.flows.set(key, fwd);
    }
    const rseq = (seq - fwd.base) >>> 0;
    if (!(bits & ACK)) return { rseq, rack: 0 };
    const revKey = `${dst}>${src}`;
    let rev = this.flows.get(revKey);
    if (!rev || rev.stale) {
      rev = { base: ack >>> 0, stale: false };
      this.flows.set(revKey, rev);
    }
    return { rseq, rack: (ack - rev.base) >>> 0 };
  }

  /** The base of a flow, if one is known (for tests and diagnostics). */
  baseOf(src: string, dst: string): number | undefined {
    const fwd = this.flows.get(`${src}>${dst}`);
    return fwd && !fwd.stale ? fwd.base : undefined;
  }
}

/**
 * The events with rseq/rack of every segment recomputed by one Relativizer in order (e.g. for
 * segments decoded from a capture). Other events are passed through; nothing is mutated.
 */
export function withRelativeNumbers(events: readonly TraceEvent[]): TraceEvent[] {
  const rel = new Relativizer();
  return events.map((ev) => {
    if (ev.type !== 'segment') return ev;
    const { rseq, rack } = rel.relativize(ev.src, ev.dst, ev.flags, ev.seq, ev.ack);
    return { ...ev, rseq, rack } satisfies SegmentEvent;
  });
}
