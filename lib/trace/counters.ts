import type { Host } from '../host/host.ts';
import type { TxInfo } from '../tcp/connection.ts';
import type { TcpSegment } from '../wire/tcp-types.ts';
import { decodePacket } from '../wire/tcp.ts';
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

  constructor(private readonly clock: { readonly now: number }, opts: { hosts?: readonly string[]; timers?: boolean } = {}) {
    this.summary = new SummaryBuilder(opts.hosts);
    if (opts.timers === false) this.timer = undefined;
  }

  private get t(): number {
    return round(this.clock.now);
  }

  segment(event: 'tx' | 'rx' | 'drop', host: Host, _conn: string | undefined, _src: number, _dst: number, seg: TcpSegment, info?: TxInfo, reason?: string): void {
    const b = this.summary;
    b.time(this.t);
    const h = b.host(host.name);
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

  app(host: Host, _conn: string, event: string, bytes?: number, error?: string): void {
    const b = this.summary;
    b.time(this.t);
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
