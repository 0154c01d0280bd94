/**
 * The user timeout (RFC 9293 3.10's USER TIMEOUT; RFC 5482; Linux's TCP_USER_TIMEOUT, tcp(7)): how long
 * data may go unacknowledged before the connection is given up with ETIMEDOUT, without a RST. Linux
 * counts it from the first retransmission (its retrans_stamp, taken when the head segment is sent again)
 * and, once set, uses it instead of the retransmission count (tcp_retries2); each retransmission timer
 * is cut short so that it fires when the time runs out (tcp_clamp_rto_to_user_timeout). An ACK of new
 * data starts the count afresh. Checked on Linux 6.18 with fixtures/packetdrill/user-timeout.pkt.
 *
 * Not covered: the handshake (SYNs keep their retry count), zero-window probes and keep-alive probes.
 */
export class UserTimeout {
  /** When the oldest unacknowledged data was first retransmitted, if it was. */
  private since: number | undefined;

  constructor(public ms: number) {}

  /** A retransmission timeout sent the head segment again at `now`. */
  retransmitted(now: number): void {
    this.since ??= now;
  }

  /** The peer acknowledged new data. */
  acked(): void {
    this.since = undefined;
  }

  /** Whether the user timeout has run out since the first retransmission. */
  expired(now: number): boolean {
    return this.since !== undefined && now - this.since >= this.ms;
  }

  /** A retransmission timer due at `at`, brought forward to when the user timeout runs out. */
  clamp(at: number): number {
    return this.since === undefined ? at : Math.min(at, this.since + this.ms);
  }
}
