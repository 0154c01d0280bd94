/**
 * A segment written the way the segment lines of docs/scenario-format.md and tcpdump write it:
 * `S seq 0 win 65535 <mss 1460>`, `P. seq 1:6 ack 1 win 65535 len 5`, `. ack 6 win 65530`.
 * Like tcpdump, the sequence number is left out of a bare ACK (nothing in sequence space),
 * and the ack out of a segment without the ACK flag (its ack field means nothing, RFC 9293 3.1).
 */
import type { SegmentEvent } from '../events.ts';

export type LabelFields = Pick<SegmentEvent, 'flags' | 'rseq' | 'rack' | 'win' | 'len' | 'options'>;

export function segmentLabel(s: LabelFields): string {
  const p = segmentLabelParts(s);
  return [p.head, p.options, p.tail].filter((x) => x !== '').join(' ');
}

/** The label in three parts, so that a narrow view can shorten the options and keep the length. */
export function segmentLabelParts(s: LabelFields): { head: string; options: string; tail: string } {
  const flags = s.flags === '' ? 'none' : s.flags;
  let head = flags;
  if (s.len > 0) head += ` seq ${s.rseq}:${(s.rseq + s.len) >>> 0}`;
  else if (/[SFR]/.test(flags)) head += ` seq ${s.rseq}`;
  if (flags.includes('.')) head += ` ack ${s.rack}`;
  head += ` win ${s.win}`;
  return {
    head,
    options: s.options.length > 0 ? `<${s.options.join(',')}>` : '',
    tail: s.len > 0 ? `len ${s.len}` : '',
  };
}
