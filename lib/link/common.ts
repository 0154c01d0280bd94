/**
 * What the real-time links (UDP, TUN) share: counters, the drop observer, and the error they throw
 * when they cannot be set up.
 */

/** Counters every link keeps; each link adds its own. */
export interface LinkStats<Reason extends string> {
  /** Packets handed to send(), and the bytes put on the wire for them. */
  sent: number;
  bytesSent: number;
  /** Packets that arrived, those handed to the receiver, and the bytes that arrived. */
  received: number;
  delivered: number;
  bytesReceived: number;
  /** Packets that died, by reason. */
  dropped: Record<Reason, number>;
}

export interface LinkDropObserver<Reason extends string> {
  /** `side`: 'send' when the sending side dropped it, 'receive' when rejected on arrival. */
  onDrop?(packet: Buffer, reason: Reason, side: 'send' | 'receive', detail: string): void;
}

/** Fresh counters: every one of `reasons` at zero. */
export function newLinkStats<Reason extends string>(reasons: readonly Reason[]): LinkStats<Reason> {
  const dropped = {} as Record<Reason, number>;
  for (const r of reasons) dropped[r] = 0;
  return { sent: 0, bytesSent: 0, received: 0, delivered: 0, bytesReceived: 0, dropped };
}

/**
 * A user-facing failure to set a link up (a bad address, a port in use, a descriptor that is not a
 * TUN device), with a code to test and name it by: the command line prints it, exit status 2.
 * Each link has its own subclass (UdpLinkError, TunLinkError).
 */
export class LinkError extends Error {
  override name = 'LinkError';
  constructor(readonly code: string, message: string) {
    super(message);
  }
}
