/**
 * Hand-built traces for the trace tests: a client and a server 10 ms apart, a handshake, five bytes
 * of data, a half-close by the client, the server's close and TIME-WAIT. `lossy: true` loses the
 * data segment on the link, so the client's RTO resends it a second later.
 */
import type { AppEvent, SegmentEvent, StateEvent, TcpStateName, TraceEvent } from '../../lib/trace/events.ts';
import { Relativizer } from '../../lib/trace/relative.ts';

export const CLIENT = '10.0.0.1:40000';
export const SERVER = '10.0.0.2:80';
const ADDR: Record<string, string> = { client: CLIENT, server: SERVER };
const PEER: Record<string, string> = { client: 'server', server: 'client' };

type SegSpec = { flags: string; seq: number; ack: number; len?: number; win?: number; options?: string[]; retransmit?: boolean; why?: string };

export class TraceBuilder {
  readonly events: TraceEvent[] = [];
  private readonly rel = new Relativizer();

  constructor(scenario = 'sample', seed = 1) {
    this.events.push({ type: 'meta', scenario, seed, version: '0.1.0', source: `name: ${scenario}\n` });
  }

  private seg(t: number, event: SegmentEvent['event'], host: string, from: string, s: SegSpec, reason?: string): SegmentEvent {
    const src = ADDR[from]!;
    const dst = ADDR[PEER[from]!]!;
    const { rseq, rack } = this.rel.relativize(src, dst, s.flags, s.seq, s.ack);
    const ev: SegmentEvent = {
      t, type: 'segment', event, host, conn: 'c1', src, dst, flags: s.flags, seq: s.seq, ack: s.ack, rseq, rack,
      win: s.win ?? 65535, len: s.len ?? 0, options: s.options ?? [],
    };
    if (reason !== undefined) ev.reason = reason;
    if (s.retransmit) ev.retransmit = true;
    if (s.why !== undefined) ev.why = s.why;
    this.events.push(ev);
    return ev;
  }

  /** `from` sends at t; it arrives 10 ms later unless `drop` names a reason. */
  send(t: number, from: string, s: SegSpec, opts: { drop?: string; delayMs?: number } = {}): this {
    this.seg(t, 'tx', from, from, s);
    if (opts.drop !== undefined) this.seg(t, 'drop', from, from, s, opts.drop);
    else this.seg(t + (opts.delayMs ?? 10), 'rx', PEER[from]!, from, s);
    return this;
  }

  /** Events in time order, as a run writes them (stable: equal times keep insertion order). */
  sorted(): TraceEvent[] {
    const [meta, ...rest] = this.events;
    return [meta!, ...rest.map((e, i) => ({ e, i })).sort((a, b) => ((a.e as { t: number }).t - (b.e as { t: number }).t) || a.i - b.i).map((x) => x.e)];
  }

  state(t: number, host: string, from: TcpStateName, to: TcpStateName, cause: string): this {
    this.events.push({ t, type: 'state', host, conn: 'c1', from, to, cause } satisfies StateEvent);
    return this;
  }

  app(t: number, host: string, event: AppEvent['event'], extra: { bytes?: number; error?: string } = {}): this {
    this.events.push({ t, type: 'app', host, conn: 'c1', event, ...extra } satisfies AppEvent);
    return this;
  }
}

export const C_ISN = 1000;
export const S_ISN = 5000;

/** The whole story; see the file comment. */
export function sampleTrace(opts: { lossy?: boolean } = {}): TraceEvent[] {
  const b = new TraceBuilder(opts.lossy ? 'lossy-hello' : 'hello');
  const c = C_ISN;
  const s = S_ISN;
  // A passively opened connection's history starts at LISTEN (docs/trace-format.md).
  b.app(0, 'server', 'listen');
  b.app(0, 'client', 'open').state(0, 'client', 'CLOSED', 'SYN-SENT', 'app connect');
  b.send(0, 'client', { flags: 'S', seq: c, ack: 0, options: ['mss 1460'] });
  b.state(10, 'server', 'LISTEN', 'SYN-RECEIVED', 'rcv SYN');
  b.send(10, 'server', { flags: 'S.', seq: s, ack: c + 1, options: ['mss 1460'] });
  b.state(20, 'client', 'SYN-SENT', 'ESTABLISHED', 'rcv SYN-ACK').app(20, 'client', 'connect');
  b.send(20, 'client', { flags: '.', seq: c + 1, ack: s + 1 });
  b.state(30, 'server', 'SYN-RECEIVED', 'ESTABLISHED', 'rcv ACK of SYN').app(30, 'server', 'accept');

  b.app(100, 'client', 'send', { bytes: 5 });
  let t = 100;
  if (opts.lossy) {
    b.send(100, 'client', { flags: 'P.', seq: c + 1, ack: s + 1, len: 5 }, { drop: 'loss' });
    b.events.push({ t: 1100, type: 'timer', host: 'client', conn: 'c1', timer: 'rto', event: 'fire' });
    t = 1100;
    b.send(t, 'client', { flags: 'P.', seq: c + 1, ack: s + 1, len: 5, retransmit: true, why: 'rto' });
  } else {
    b.send(t, 'client', { flags: 'P.', seq: c + 1, ack: s + 1, len: 5 });
  }
  b.app(t + 10, 'server', 'data', { bytes: 5 });
  b.send(t + 10, 'server', { flags: '.', seq: s + 1, ack: c + 6, win: 65530 });

  t += 100;
  b.app(t, 'client', 'shutdown').state(t, 'client', 'ESTABLISHED', 'FIN-WAIT-1', 'app shutdown');
  b.send(t, 'client', { flags: 'F.', seq: c + 6, ack: s + 1 });
  b.state(t + 10, 'server', 'ESTABLISHED', 'CLOSE-WAIT', 'rcv FIN').app(t + 10, 'server', 'end');
  b.send(t + 10, 'server', { flags: '.', seq: s + 1, ack: c + 7 });
  b.state(t + 20, 'client', 'FIN-WAIT-1', 'FIN-WAIT-2', 'rcv ACK of FIN');

  t += 100;
  b.app(t, 'server', 'close-req').state(t, 'server', 'CLOSE-WAIT', 'LAST-ACK', 'app close');
  b.send(t, 'server', { flags: 'F.', seq: s + 1, ack: c + 7 });
  b.state(t + 10, 'client', 'FIN-WAIT-2', 'TIME-WAIT', 'rcv FIN').app(t + 10, 'client', 'end');
  b.send(t + 10, 'client', { flags: '.', seq: c + 7, ack: s + 2 });
  b.state(t + 20, 'server', 'LAST-ACK', 'CLOSED', 'rcv ACK of FIN').app(t + 20, 'server', 'close');
  b.events.push({ t: t + 10 + 60000, type: 'timer', host: 'client', conn: 'c1', timer: 'timewait', event: 'fire' });
  b.state(t + 10 + 60000, 'client', 'TIME-WAIT', 'CLOSED', 'timewait timeout').app(t + 10 + 60000, 'client', 'close');
  return b.sorted();
}
