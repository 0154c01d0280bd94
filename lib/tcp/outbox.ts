import { NO_OPTIONS, OPTION_NOP as NOP, type TcpOption, type TcpSegment } from '../wire/tcp-types.ts';
import type { TcpState } from './states.ts';
import type { TimerKind } from './timers.ts';

/**
 * A connection's outputs, queued while it works and handed over when it is done (issue 24's polled outputs).
 *
 * Every call into a connection (a segment arrives, a timer fires, the application sends, reads, closes ...)
 * first does all its processing, queueing what it would tell the world (segments to send, state changes,
 * application events, timer and congestion changes for the trace). Only when the call has finished does the
 * connection hand them over in order: to its sink, or, without one, to the owner's `poll()`. So a sink that
 * calls back into the connection (an application that reads on `readable`) finds it in a settled state, never
 * half-way through 3.10.7's steps.
 *
 * The queue is one stack shared by every connection, as calls are: a call made while outputs are being handed
 * over (the application's read inside `readable`, a link that delivers at once) queues above them and hands
 * over its own before returning, so the records of a call are always the top of the stack. Records are reused
 * from call to call: the steady state allocates nothing.
 */

export const OUT_TRANSMIT = 0;
export const OUT_STATE = 1;
export const OUT_EVENT = 2;
export const OUT_TIMER = 3;
export const OUT_CONGESTION = 4;

/** One queued output; the fields its kind uses are set, the others are left as they were. */
export class OutRecord {
  kind = OUT_TRANSMIT;
  now = 0;
  seg: TcpSegment | undefined = undefined;
  info: unknown = undefined;
  from: TcpState = 'CLOSED';
  to: TcpState = 'CLOSED';
  cause = '';
  timer: TimerKind = 'rto';
  timerEvent: 'set' | 'fire' | 'cancel' = 'set';
  at: number | undefined = undefined;
  /** The event (OUT_EVENT) or congestion snapshot (OUT_CONGESTION). */
  value: unknown = undefined;
  /** A segment object of this record's own: the builders write into it (Outbox.slot: makeSegment, sendSyn). */
  readonly own: TcpSegment = { srcPort: 0, dstPort: 0, seq: 0, ack: 0, flags: 0, window: 0, urgent: 0, options: NO_OPTIONS, payload: Buffer.alloc(0) };
  readonly ownTs = { kind: 'timestamps' as const, tsval: 0, tsecr: 0 };
  readonly ownTsOptions: TcpOption[] = [NOP, NOP, this.ownTs];
  /** A SYN's options, in its layout's order (sendSyn). */
  readonly ownSynOptions: TcpOption[] = [];
  readonly ownMss = { kind: 'mss' as const, mss: 0 };
  readonly ownWscale = { kind: 'wscale' as const, shift: 0 };
}

export class Outbox {
  readonly recs: OutRecord[] = [];
  /** Records in use: the stack's height. */
  len = 0;

  /** The next record, on top of the stack. */
  push(kind: number, now: number): OutRecord {
    const r = this.slot();
    this.len++;
    r.kind = kind;
    r.now = now;
    return r;
  }

  /**
   * The record the next push will take, not taken yet: a segment builder writes the segment into its `own`
   * object (TcpOutput.makeSegment), which stays as written until that record is handed over, whichever
   * output takes the record (a timer change queued before the segment, say).
   */
  slot(): OutRecord {
    if (this.len === this.recs.length) this.recs.push(new OutRecord());
    return this.recs[this.len];
  }
}

/** The one stack of queued outputs (see above). */
export const OUTBOX = new Outbox();
