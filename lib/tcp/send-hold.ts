/**
 * Linux's application-side holds on sending: TCP_CORK and MSG_MORE (tcp(7), send(2)).
 *
 * - TCP_CORK (a socket option) and MSG_MORE (a flag of one send call) both keep a segment shorter than
 *   the MSS in the send queue, whatever Nagle says and even with nothing in flight (Linux's
 *   tcp_nagle_check with TCP_NAGLE_CORK). Full-sized segments and a segment carrying the FIN still go.
 * - MSG_MORE holds only while the call that carries it runs: an ACK arriving later sends by the socket's
 *   own Nagle setting (tcp_push passes TCP_NAGLE_CORK for that call; tp->nonagle is unchanged).
 * - Data written with MSG_MORE is not marked for PSH (tcp_push marks the tail only without MSG_MORE), so
 *   a segment that ends in such data carries no PSH.
 * - Clearing TCP_CORK, or setting TCP_NODELAY, pushes what is queued at once (TCP_NAGLE_PUSH: "cork is
 *   overridden for already queued data").
 * - Held data with nothing in flight is sent after Linux's probe timer, max(RTO, 200 ms) (tcp(7): "a 200
 *   millisecond ceiling on the time for which output is corked"); the connection runs it on its persist
 *   timer, whose override timeout sends what the window allows.
 *
 * A connection has one only once the application asked for a hold (Connection.sendHold()).
 */
import { seqGt } from '../wire/seq.ts';

export class SendHold {
  /** TCP_CORK is set. */
  corked = false;
  /** A send with MSG_MORE is being queued. */
  more = false;
  /** Queued data goes now whatever the cork (TCP_NAGLE_PUSH), for one output pass. */
  pushing = false;
  /** Sequence number just past the last byte written without MSG_MORE (Linux's push mark), if any was. */
  private pushMark: number | undefined;
  private sawMore = false;

  /** Whether a segment shorter than the MSS must wait. */
  holdsShort(): boolean {
    return (this.corked || this.more) && !this.pushing;
  }

  /** The application queued bytes up to (not including) sequence number `end`. */
  wrote(end: number): void {
    if (this.more) this.sawMore = true;
    else this.pushMark = end;
  }

  /** Whether a segment ending just before `end` ends in data written with MSG_MORE (no PSH for it). */
  unpushed(end: number): boolean {
    return this.sawMore && (this.pushMark === undefined || seqGt(end, this.pushMark));
  }
}
