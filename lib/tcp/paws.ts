/**
 * PAWS, protection against wrapped sequences (RFC 7323 5.3 R1): a segment whose TSval is older than
 * TS.Recent is an old duplicate, discarded with an ACK, unless it is a RST. Timestamps compare modulo
 * 2^32. Linux lets one tick of lateness through (TCP_PAWS_WINDOW, tcp_paws_check).
 */
export function pawsRejects(tsRecent: number, tsval: number, linux: boolean): boolean {
  return ((tsRecent - tsval) | 0) > (linux ? 1 : 0);
}
