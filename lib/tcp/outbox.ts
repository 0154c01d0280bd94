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
  /** A segment object of this record's own, which a connection's one shared segment is copied into (copySegment). */
  readonly own: TcpSegment = { srcPort: 0, dstPort: 0, seq: 0, ack: 0, flags: 0, window: 0, urgent: 0, options: NO_OPTIONS, payload: Buffer.alloc(0) };
  readonly ownTs = { kind: 'timestamps' as const, tsval: 0, tsecr: 0 };
  readonly ownTsOptions: TcpOption[] = [NOP, NOP, this.ownTs];
  /** A SYN's options, copied from its builder's shared layout (copySegment with `syn`). */
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
    if (this.len === this.recs.length) this.recs.push(new OutRecord());
    const r = this.recs[this.len++];
    r.kind = kind;
    r.now = now;
    return r;
  }
}

/** The one stack of queued outputs (see above). */
export const OUTBOX = new Outbox();

/**
 * `seg` (a shared segment its builder fills for each send) copied into the record's own object, so that the
 * next send cannot change it before it is handed over. `sharedTs` is the builder's shared timestamps array:
 * its values are copied too, as are a SYN's (`syn`: its layout's option objects are shared); any other
 * options array is the segment's own or never changes, and is kept.
 */
export function copySegment(r: OutRecord, seg: TcpSegment, sharedTs: TcpOption[], syn: boolean): TcpSegment {
  const c = r.own;
  c.srcPort = seg.srcPort;
  c.dstPort = seg.dstPort;
  c.seq = seg.seq;
  c.ack = seg.ack;
  c.flags = seg.flags;
  c.window = seg.window;
  c.urgent = seg.urgent;
  c.payload = seg.payload;
  if (seg.options === sharedTs) {
    const ts = seg.options[2] as { tsval: number; tsecr: number };
    r.ownTs.tsval = ts.tsval;
    r.ownTs.tsecr = ts.tsecr;
    c.options = r.ownTsOptions;
  } else if (syn) {
    // A SYN's layout holds option objects the next SYN refills: the values go into the record's own objects.
    const opts = r.ownSynOptions;
    opts.length = 0;
    for (const o of seg.options) {
      if (o.kind === 'mss') {
        r.ownMss.mss = o.mss;
        opts.push(r.ownMss);
      } else if (o.kind === 'wscale') {
        r.ownWscale.shift = o.shift;
        opts.push(r.ownWscale);
      } else if (o.kind === 'timestamps') {
        r.ownTs.tsval = o.tsval;
        r.ownTs.tsecr = o.tsecr;
        opts.push(r.ownTs);
      } else {
        opts.push(o);
      }
    }
    c.options = opts;
  } else {
    c.options = seg.options;
  }
  return c;
}
