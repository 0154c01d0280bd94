/**
 * The connection's timers (RFC 9293 3.8, 3.10.8): their kinds, and one table of deadlines keyed by kind.
 * Owned by lib/tcp; the trace layer (lib/trace/events.ts) takes its TimerName from here.
 *
 * Adding a timer: its kind in TimerName and TIMER_KINDS, its field and switch cases in TimerTable (the compiler asks for
 * the field), and its handler in TcpTimers.fire (lib/tcp/timeouts.ts; the compiler asks for that too).
 */
/** `recovery`: the loss recovery module's own timer (RACK's reordering timer or TLP's probe timeout, RFC 8985). */
export type TimerName = 'rto' | 'persist' | 'delack' | 'timewait' | 'keepalive' | 'recovery';
/** The same type, by the connection's name for it. */
export type TimerKind = TimerName;

/**
 * Every kind, in the order the timers run when several are due at once. `recovery` comes first: a probe timeout
 * capped at the RTO's deadline takes the RTO's place (RFC 8985 7.2; Linux arms one timer for either), and a
 * probe sent restarts the RTO.
 */
export const TIMER_KINDS: readonly TimerKind[] = ['recovery', 'rto', 'persist', 'delack', 'timewait', 'keepalive'];

/**
 * When each timer is due (ms of the connection's clock), undefined when it is not running: a field a kind,
 * read with at(kind) and written with set(kind, ms). Switches, not `table[kind]`: a keyed access with a kind
 * that varies (the loops over TIMER_KINDS) goes through V8's megamorphic path, which cost the lifecycle
 * benchmark 13% of its time; a switch inlines to a field access.
 */
export class TimerTable implements Record<TimerKind, number | undefined> {
  /** Retransmission (RFC 6298). */
  rto: number | undefined = undefined;
  /** Zero-window probe and SWS override (RFC 9293 3.8.6.1, 3.8.6.2.1). */
  persist: number | undefined = undefined;
  /** Delayed ACK (RFC 9293 3.8.6.3). */
  delack: number | undefined = undefined;
  /** 2 MSL in TIME-WAIT (RFC 9293 3.10.7.4). */
  timewait: number | undefined = undefined;
  /** Keep-alive (RFC 9293 3.8.4). */
  keepalive: number | undefined = undefined;
  /** The loss recovery module's (LossRecovery.timerAt): RACK's reordering timer, TLP's PTO (RFC 8985 6.3, 7.2). */
  recovery: number | undefined = undefined;

  at(kind: TimerKind): number | undefined {
    switch (kind) {
      case 'rto': return this.rto;
      case 'persist': return this.persist;
      case 'delack': return this.delack;
      case 'timewait': return this.timewait;
      case 'keepalive': return this.keepalive;
      case 'recovery': return this.recovery;
      default: return kind satisfies never;
    }
  }

  set(kind: TimerKind, at: number | undefined): void {
    switch (kind) {
      case 'rto': this.rto = at; break;
      case 'persist': this.persist = at; break;
      case 'delack': this.delack = at; break;
      case 'timewait': this.timewait = at; break;
      case 'keepalive': this.keepalive = at; break;
      case 'recovery': this.recovery = at; break;
      default: kind satisfies never;
    }
  }

  /** The earliest deadline of any running timer. */
  next(): number | undefined {
    return earlier(earlier(earlier(this.rto, this.persist), earlier(this.delack, this.timewait)), earlier(this.keepalive, this.recovery));
  }
}

/** The earlier of two deadlines, undefined standing for "never". */
function earlier(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined || a <= b ? a : b;
}
