/** Plain values for a TCP segment; the codec lives in tcp.ts. */

/** Flag bits of the TCP header's 8-bit flags field (RFC 9293 3.1, RFC 3168). */
export const FIN = 0x01;
export const SYN = 0x02;
export const RST = 0x04;
export const PSH = 0x08;
export const ACK = 0x10;
export const URG = 0x20;
export const ECE = 0x40;
export const CWR = 0x80;

export type TcpOption =
  | { kind: 'eol' }
  | { kind: 'nop' }
  | { kind: 'mss'; mss: number }
  | { kind: 'wscale'; shift: number }
  | { kind: 'sack-permitted' }
  /** SACK blocks as [left edge, right edge) absolute sequence numbers (RFC 2018). */
  | { kind: 'sack'; blocks: Array<[number, number]> }
  | { kind: 'timestamps'; tsval: number; tsecr: number }
  /**
   * TCP Fast Open (RFC 7413 4.1.1): kind 34 with the cookie (empty: a cookie request), or with `experimental`
   * the kind 254 form with magic 0xF989 that Linux also reads and answers in (RFC 6994).
   */
  | { kind: 'fastopen'; cookie: Buffer; experimental?: boolean }
  /** Any other kind: kept as its bytes (without kind and length) and skipped by its length. */
  | { kind: 'unknown'; type: number; data: Buffer };

export interface TcpSegment {
  srcPort: number;
  dstPort: number;
  /** Absolute, uint32. */
  seq: number;
  ack: number;
  /** The flags byte (FIN | SYN | ...). */
  flags: number;
  /** The raw 16-bit window field, before any window scaling. */
  window: number;
  urgent: number;
  /** In header order, EOL and NOP included, so that encoding a decoded segment gives the same bytes. */
  options: TcpOption[];
  payload: Buffer;
}

/**
 * The options without values, as shared frozen objects (the decoder and the connection use these):
 * one allocation fewer per NOP, and a timestamped segment carries two. Options are values: nothing
 * changes one in place.
 */
/** SEG.LEN (RFC 9293 3.4): the segment's length in sequence space, its data plus one for SYN and one for FIN. */
export function seqLen(seg: { readonly flags: number; readonly payload: { readonly length: number } }): number {
  return seg.payload.length + (seg.flags & SYN ? 1 : 0) + (seg.flags & FIN ? 1 : 0);
}

export const OPTION_NOP: TcpOption = Object.freeze({ kind: 'nop' });
export const OPTION_EOL: TcpOption = Object.freeze({ kind: 'eol' });
export const OPTION_SACK_PERMITTED: TcpOption = Object.freeze({ kind: 'sack-permitted' });
/** An empty option list, shared the same way. */
export const NO_OPTIONS: TcpOption[] = Object.freeze([]) as unknown as TcpOption[];

/** The timestamps option of a list, if it has one; looked for first where NOP, NOP, timestamps puts it. */
export function timestampsOption(options: readonly TcpOption[]): (TcpOption & { kind: 'timestamps' }) | undefined {
  if (options.length === 3 && options[2].kind === 'timestamps') return options[2];
  for (const o of options) if (o.kind === 'timestamps') return o;
  return undefined;
}
