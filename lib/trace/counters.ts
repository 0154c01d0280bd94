import type { Host } from '../host/host.ts';
import type { TxInfo } from '../tcp/connection.ts';
import type { TcpSegment } from '../wire/tcp-types.ts';
import { decodePacket } from '../wire/tcp.ts';
import { formatAddr } from '../wire/ipv4.ts';
import { FlowTally } from '../link/bottleneck.ts';
import type { TcpStateName, TimedEvent, TimerName } from './events.ts';
import { round, type RunRecorder } from './recorder.ts';
import { SummaryBuilder } from './views/summary.ts';

/**
 * A run's record when nothing will draw its trace (`--view summary`, `--view none`, `--json`): the
 * summary's counts, taken as things happen, and of the events only those the scenario's expectations
 * read afterwards (state changes, expectations checked during the run). No segment becomes an object
 * and nothing grows with the length of the run, so memory stays that of the connections.
 *
 * It counts exactly what `summarize` counts over the full trace of the same run (SummaryBuilder does
 * both; test/trace/counters.test.ts runs every fixture both ways).
 */
export class CountingTracer implements RunRecorder {
  readonly events: TimedEvent[] = [];
  dataBytes = 0;
  readonly summary: SummaryBuilder;

  /** Goodput per connection, when asked for (RunOptions.flows): what flowGoodputs reads from a trace. */
  readonly flows: FlowTally | undefined;
  /** Addresses already told to `flows`, so that a sent segment formats none. */
  private readonly senders: Map<number, string> | undefined;

  constructor(private readonly clock: { readonly now: number }, opts: { hosts?: readonly string[]; timers?: boolean; flows?: boolean } = {}) {
    this.summary = new SummaryBuilder(opts.hosts);
    if (opts.timers === false) this.timer = undefined;
    this.flows = opts.flows ? new FlowTally() : undefined;
    this.senders = opts.flows ? new Map() : undefined;
  }

  private get t(): number {
    return round(this.clock.now);
  }

  segment(event: 'tx' | 'rx' | 'drop', host: Host, conn: string | undefined, src: number, _dst: number, seg: TcpSegment, info?: TxInfo, reason?: string): void {
    const b = this.summary;
    b.time(this.t);
    const h = b.host(host.name);
    const flows = this.flows;
    if (flows !== undefined) {
      if (event === 'tx' && this.senders!.get(src) !== host.name) {
        this.senders!.set(src, host.name);
        flows.sender(host.name, formatAddr(src));
      } else if (event === 'rx' && conn !== undefined && !flows.seen(host.name, conn)) {
        flows.received(host.name, conn, this.t, `${formatAddr(src)}:${seg.srcPort}`);
      }
    }
    if (event === 'tx') {
      this.dataBytes += seg.payload.length;
      b.sent(h, seg.payload.length, info?.retransmit, info?.why);
    } else if (event === 'drop') {
      b.dropped(reason);
    }
  }

  state(host: Host, conn: string, from: TcpStateName, to: TcpStateName, cause: string): void {
    this.record({ t: this.t, type: 'state', host: host.name, conn, from, to, cause });
  }

  app(host: Host, conn: string, event: string, bytes?: number, error?: string): void {
    const b = this.summary;
    b.time(this.t);
    if (this.flows !== undefined && event === 'data' && bytes !== undefined) this.flows.read(host.name, conn, bytes, this.t);
    b.app(b.host(host.name), event, bytes, error);
  }

  timer?: (host: Host, conn: string, name: TimerName, event: 'set' | 'fire' | 'cancel', at?: number) => void = (host) => {
    this.summary.time(this.t);
    this.summary.host(host.name);
  };

  congestion(): void {
    this.summary.time(this.t);
  }

  undecodable(host: Host, _packet: Buffer, reason: string): void {
    this.summary.time(this.t);
    this.summary.host(host.name);
    this.summary.dropped(reason);
  }

  linkDrop(hostName: string, packet: Buffer, reason: string): void {
    this.summary.time(this.t);
    this.summary.host(hostName);
    // The trace names a drop it cannot decode "(undecodable)"; the count must say the same.
    let decodable = true;
    try {
      decodePacket(packet, { verifyChecksum: false });
    } catch {
      decodable = false;
    }
    this.summary.dropped(decodable ? reason : `${reason} (undecodable)`);
  }

  /** State changes and expectations are kept: the expectations read them after the run. */
  record(ev: TimedEvent): void {
    this.summary.add(ev);
    this.events.push(ev);
  }
}
