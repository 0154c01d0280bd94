/**
 * Linux's send chronographs (tcp_chrono_start/stop, "tcp: instrument how long TCP is busy sending"):
 * how long a connection had data queued or in flight (busy), and how much of that time the next segment
 * could not go because the peer's receive window had no room for it (rwnd limited). TCP_INFO reports
 * them as tcpi_busy_time (all of it) and tcpi_rwnd_limited, in microseconds.
 *
 * One clock runs at a time; a receive-window stall outranks plain busy time, as Linux's chrono types
 * are ordered. The connection tells it after each transmission pass and each ACK of new data.
 * Not kept: tcpi_sndbuf_limited (time the application waited for send-buffer space); that time is
 * counted as busy, so the total stays right.
 */
export type ChronoKind = 'busy' | 'rwnd';

export class SendChrono {
  private kind: ChronoKind | undefined;
  private since = 0;
  private busy = 0;
  private rwnd = 0;

  /** After a transmission pass or an ACK: whether anything is queued or in flight, and whether the window stalled the next segment. */
  update(queued: boolean, rwndLimited: boolean, now: number): void {
    const kind: ChronoKind | undefined = !queued ? undefined : rwndLimited ? 'rwnd' : 'busy';
    if (kind === this.kind) return;
    this.close(now);
    this.kind = kind;
    this.since = now;
  }

  private close(now: number): void {
    if (this.kind === 'busy') this.busy += now - this.since;
    else if (this.kind === 'rwnd') this.rwnd += now - this.since;
  }

  /** Milliseconds in the window-limited state, the running stretch included. */
  rwndLimitedMs(now: number): number {
    return this.rwnd + (this.kind === 'rwnd' ? now - this.since : 0);
  }

  /** Milliseconds with data queued or in flight, the running stretch included. */
  busyMs(now: number): number {
    return this.busy + this.rwnd + (this.kind === undefined ? 0 : now - this.since);
  }
}
