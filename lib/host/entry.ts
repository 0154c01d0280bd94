import type { Connection, ConnEvent, ConnectionSink, CongestionSnapshot, TxInfo } from '../tcp/connection.ts';
import type { TcpSegment } from '../wire/tcp-types.ts';
import type { TcpStateName, TimerName } from '../trace/events.ts';
import type { Host } from './host.ts';
import type { SimServer, SimSocket } from './socket.ts';

/**
 * One connection of this host, and its sink: the connection calls these methods (on the prototype, so a
 * connection costs no closures). Tracing hooks live on a subclass, so an untraced connection never
 * builds a timer or congestion record.
 */
export class Entry implements ConnectionSink {
  conn!: Connection;
  socket!: SimSocket;
  /** The clock's event for this connection's timer, and when it fires (with lazy timers, maybe before the connection's next deadline). */
  timerId: number | undefined = undefined;
  deadline: number | undefined = undefined;

  constructor(
    readonly host: Host,
    /** Creation order: the n of the id cn. */
    readonly seq: number,
    readonly remoteAddr: number,
    readonly listener: SimServer | undefined,
  ) {}

  /** The connection's name in traces ("c1"): made when asked (only tracing asks), not stored. */
  get id(): string {
    return `c${this.seq}`;
  }

  transmit(seg: TcpSegment, info: TxInfo): void {
    this.host.sendFor(this, seg, info);
  }

  state(from: TcpStateName, to: TcpStateName, cause: string): void {
    this.host.tracer?.state(this.host, this.id, from, to, cause);
  }

  event(ev: ConnEvent): void {
    this.socket.handleEvent(ev);
  }
}

export class TracedEntry extends Entry {
  timer(name: TimerName, event: 'set' | 'fire' | 'cancel', at: number | undefined): void {
    this.host.tracer?.timer?.(this.host, this.id, name, event, at);
  }

  congestion(snap: CongestionSnapshot): void {
    this.host.tracer?.congestion?.(this.host, this.id, snap);
  }
}
