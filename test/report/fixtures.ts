/**
 * Three hand-built traces for the report tests, shaped like what the emulator writes (docs/trace-format.md,
 * "Trace file"): absolute sequence numbers from non-trivial ISNs (the server's close to 2^32, so its
 * numbers wrap), relative numbers computed the way the trace layer computes them, options as
 * tcpdump prints them, state, app and cc events. Built here rather than by running the emulator so
 * that the report's tests do not move when the TCP model changes.
 *
 * - handshakeClose: three-way handshake, then the client closes first and ends in TIME-WAIT.
 * - halfClose: "hello" from the client, the client half-closes, the server keeps sending 3000 bytes, then closes.
 * - lossyBulk: 40,000 bytes client -> server over a 25 ms, 10 Mbit/s link that drops four segments:
 *   SACK blocks, two fast retransmissions, a third that is lost again, and the RTO that repairs it.
 */
import type { AppEvent, SegmentEvent, StateEvent, TcpStateName, TraceEvent } from '../../lib/trace/events.ts';
import { withRelativeNumbers } from '../../lib/trace/relative.ts';

export const CLIENT = '10.0.0.1:40312';
export const SERVER = '10.0.0.2:80';
const ADDR: Record<string, string> = { client: CLIENT, server: SERVER };
const PEER: Record<string, string> = { client: 'server', server: 'client' };
/** Initial sequence numbers. The server's is 3,000 short of 2^32 so its data wraps around zero. */
export const ISN = { client: 1_234_567_890, server: 4_294_964_296 } as const;
const SYN_OPTIONS = ['mss 1460', 'sackOK', 'TS val 1000 ecr 0', 'nop', 'wscale 7'];

export interface SegSpec {
  flags: string;
  seq: number;
  ack: number;
  len?: number;
  win?: number;
  options?: string[];
  retransmit?: boolean;
  why?: string;
}

/** Collects events in any order; `events()` sorts them by time (stable) and fills in rseq/rack. */
export class Trace {
  private readonly list: Array<Exclude<TraceEvent, { type: 'meta' }>> = [];

  constructor(readonly scenario: string, readonly seed: number, readonly source = `name: ${scenario}\n`) {}

  segment(t: number, event: SegmentEvent['event'], host: string, from: string, s: SegSpec, reason?: string): SegmentEvent {
    const ev: SegmentEvent = {
      t: Math.round(t * 1000) / 1000, type: 'segment', event, host, conn: 'c1', src: ADDR[from]!, dst: ADDR[PEER[from]!]!, flags: s.flags,
      seq: s.seq >>> 0, ack: s.ack >>> 0, rseq: 0, rack: 0, win: s.win ?? 65535, len: s.len ?? 0, options: s.options ?? [],
    };
    if (reason !== undefined) ev.reason = reason;
    if (event === 'tx' && s.retransmit) ev.retransmit = true;
    if (event === 'tx' && s.why !== undefined) ev.why = s.why;
    this.list.push(ev);
    return ev;
  }

  /** `from` sends at t; it arrives `delay` ms later, or dies on the link when `drop` names a reason. */
  send(t: number, from: string, s: SegSpec, opts: { drop?: string; delay?: number } = {}): this {
    this.segment(t, 'tx', from, from, s);
    if (opts.drop !== undefined) this.segment(t, 'drop', from, from, s, opts.drop);
    else this.segment(t + (opts.delay ?? 10), 'rx', PEER[from]!, from, s);
    return this;
  }

  state(t: number, host: string, from: TcpStateName, to: TcpStateName, cause: string): this {
    this.list.push({ t, type: 'state', host, conn: 'c1', from, to, cause } satisfies StateEvent);
    return this;
  }

  app(t: number, host: string, event: AppEvent['event'], extra: { bytes?: number; error?: string } = {}): this {
    this.list.push({ t, type: 'app', host, conn: 'c1', event, ...extra } satisfies AppEvent);
    return this;
  }

  cc(t: number, host: string, v: { cwnd: number; ssthresh: number; flight: number; sndWnd: number; rto: number }): this {
    this.list.push({ t, type: 'cc', host, conn: 'c1', ...v });
    return this;
  }

  events(): TraceEvent[] {
    const sorted = this.list.map((e, i) => ({ e, i })).sort((a, b) => a.e.t - b.e.t || a.i - b.i).map((x) => x.e);
    return withRelativeNumbers([{ type: 'meta', scenario: this.scenario, seed: this.seed, version: '0.1.0', source: this.source }, ...sorted]);
  }
}

const C = ISN.client;
const S = ISN.server;

/** Handshake at 0..20 ms, client closes at 100 ms, TIME-WAIT (2 MSL = 2 s) ends at 2160 ms. */
export function handshakeClose(): TraceEvent[] {
  const tr = new Trace('handshake-close', 7);
  tr.app(0, 'server', 'listen');
  tr.app(0, 'client', 'open');
  tr.state(0, 'client', 'CLOSED', 'SYN-SENT', 'app connect');
  tr.send(0, 'client', { flags: 'S', seq: C, ack: 0, win: 65535, options: SYN_OPTIONS });
  tr.state(10, 'server', 'LISTEN', 'SYN-RECEIVED', 'rcv SYN');
  tr.send(10, 'server', { flags: 'S.', seq: S, ack: C + 1, win: 65535, options: ['mss 1460', 'sackOK', 'TS val 5000 ecr 1000', 'nop', 'wscale 7'] });
  tr.state(20, 'client', 'SYN-SENT', 'ESTABLISHED', 'rcv SYN-ACK');
  tr.app(20, 'client', 'connect');
  tr.send(20, 'client', { flags: '.', seq: C + 1, ack: S + 1, win: 65536, options: ['nop', 'nop', 'TS val 1020 ecr 5000'] });
  tr.state(30, 'server', 'SYN-RECEIVED', 'ESTABLISHED', 'rcv ACK of SYN');
  tr.app(30, 'server', 'accept');
  tr.app(100, 'client', 'close-req');
  tr.state(100, 'client', 'ESTABLISHED', 'FIN-WAIT-1', 'app close');
  tr.send(100, 'client', { flags: 'F.', seq: C + 1, ack: S + 1, win: 65536, options: ['nop', 'nop', 'TS val 1100 ecr 5000'] });
  tr.state(110, 'server', 'ESTABLISHED', 'CLOSE-WAIT', 'rcv FIN');
  tr.app(110, 'server', 'end');
  tr.send(110, 'server', { flags: '.', seq: S + 1, ack: C + 2, win: 65536, options: ['nop', 'nop', 'TS val 5110 ecr 1100'] });
  tr.state(120, 'client', 'FIN-WAIT-1', 'FIN-WAIT-2', 'rcv ACK of FIN');
  tr.app(150, 'server', 'close-req');
  tr.state(150, 'server', 'CLOSE-WAIT', 'LAST-ACK', 'app close');
  tr.send(150, 'server', { flags: 'F.', seq: S + 1, ack: C + 2, win: 65536, options: ['nop', 'nop', 'TS val 5150 ecr 1100'] });
  tr.state(160, 'client', 'FIN-WAIT-2', 'TIME-WAIT', 'rcv FIN');
  tr.app(160, 'client', 'end');
  tr.send(160, 'client', { flags: '.', seq: C + 2, ack: S + 2, win: 65536, options: ['nop', 'nop', 'TS val 1160 ecr 5150'] });
  tr.state(170, 'server', 'LAST-ACK', 'CLOSED', 'rcv ACK of FIN');
  tr.app(170, 'server', 'close');
  tr.state(2160, 'client', 'TIME-WAIT', 'CLOSED', 'timewait timeout');
  tr.app(2160, 'client', 'close');
  return tr.events();
}

/**
 * The client sends "hello" and half-closes; the server answers with 2000 bytes, more 1000 bytes
 * after the client's FIN (the half-open direction still carries data), then closes.
 */
export function halfClose(): TraceEvent[] {
  const tr = new Trace('half-close', 1);
  const ts = (v: number, e: number) => ['nop', 'nop', `TS val ${v} ecr ${e}`];
  tr.app(0, 'server', 'listen');
  tr.app(0, 'client', 'open');
  tr.state(0, 'client', 'CLOSED', 'SYN-SENT', 'app connect');
  tr.send(0, 'client', { flags: 'S', seq: C, ack: 0, options: SYN_OPTIONS });
  tr.state(10, 'server', 'LISTEN', 'SYN-RECEIVED', 'rcv SYN');
  tr.send(10, 'server', { flags: 'S.', seq: S, ack: C + 1, options: ['mss 1460', 'sackOK', 'TS val 5000 ecr 1000', 'nop', 'wscale 7'] });
  tr.state(20, 'client', 'SYN-SENT', 'ESTABLISHED', 'rcv SYN-ACK');
  tr.app(20, 'client', 'connect');
  tr.send(20, 'client', { flags: '.', seq: C + 1, ack: S + 1, win: 65536, options: ts(1020, 5000) });
  tr.state(30, 'server', 'SYN-RECEIVED', 'ESTABLISHED', 'rcv ACK of SYN');
  tr.app(30, 'server', 'accept');
  // the client's request
  tr.app(100, 'client', 'send', { bytes: 5 });
  tr.send(100, 'client', { flags: 'P.', seq: C + 1, ack: S + 1, len: 5, win: 65536, options: ts(1100, 5000) });
  tr.app(110, 'server', 'data', { bytes: 5 });
  tr.send(110, 'server', { flags: '.', seq: S + 1, ack: C + 6, win: 65536, options: ts(5110, 1100) });
  // the client half-closes: FIN, and it can still receive
  tr.app(200, 'client', 'shutdown');
  tr.state(200, 'client', 'ESTABLISHED', 'FIN-WAIT-1', 'app shutdown');
  tr.send(200, 'client', { flags: 'F.', seq: C + 6, ack: S + 1, win: 65536, options: ts(1200, 5110) });
  tr.state(210, 'server', 'ESTABLISHED', 'CLOSE-WAIT', 'rcv FIN');
  tr.app(210, 'server', 'end');
  tr.send(210, 'server', { flags: '.', seq: S + 1, ack: C + 7, win: 65536, options: ts(5210, 1200) });
  tr.state(220, 'client', 'FIN-WAIT-1', 'FIN-WAIT-2', 'rcv ACK of FIN');
  // the server keeps sending on its half: 2000 bytes in two segments (its numbers wrap past 2^32 here)
  tr.app(300, 'server', 'send', { bytes: 2000 });
  tr.send(300, 'server', { flags: '.', seq: S + 1, ack: C + 7, len: 1448, win: 65536, options: ts(5300, 1200) });
  tr.send(300.5, 'server', { flags: 'P.', seq: S + 1449, ack: C + 7, len: 552, win: 65536, options: ts(5300, 1200) });
  tr.app(310, 'client', 'data', { bytes: 1448 });
  tr.app(310.5, 'client', 'data', { bytes: 552 });
  tr.send(310.5, 'client', { flags: '.', seq: C + 7, ack: S + 2001, win: 65536, options: ts(1310, 5300) });
  tr.app(350, 'server', 'send', { bytes: 1000 });
  tr.send(350, 'server', { flags: 'P.', seq: S + 2001, ack: C + 7, len: 1000, win: 65536, options: ts(5350, 1310) });
  tr.app(360, 'client', 'data', { bytes: 1000 });
  tr.send(360, 'client', { flags: '.', seq: C + 7, ack: S + 3001, win: 65536, options: ts(1360, 5350) });
  tr.app(400, 'server', 'close-req');
  tr.state(400, 'server', 'CLOSE-WAIT', 'LAST-ACK', 'app close');
  tr.send(400, 'server', { flags: 'F.', seq: S + 3001, ack: C + 7, win: 65536, options: ts(5400, 1360) });
  tr.state(410, 'client', 'FIN-WAIT-2', 'TIME-WAIT', 'rcv FIN');
  tr.app(410, 'client', 'end');
  tr.send(410, 'client', { flags: '.', seq: C + 7, ack: S + 3002, win: 65536, options: ts(1410, 5400) });
  tr.state(420, 'server', 'LAST-ACK', 'CLOSED', 'rcv ACK of FIN');
  tr.app(420, 'server', 'close');
  tr.state(2410, 'client', 'TIME-WAIT', 'CLOSED', 'timewait timeout');
  tr.app(2410, 'client', 'close');
  return tr.events();
}

/**
 * A bulk transfer simulated just enough to look like one: NewReno-style slow start, fast retransmit
 * on three duplicate ACKs with SACK blocks, partial ACKs in recovery, an RTO (1 s, RFC 6298's
 * minimum) when a retransmission is lost too. The receiver (16 KiB buffer, reading at once) ACKs
 * every segment and advertises its buffer minus what waits out of order.
 */
export function lossyBulk(): TraceEvent[] {
  const tr = new Trace('lossy-bulk', 42, 'name: lossy-bulk\nlink: { delay: 25ms, rate: 10mbit, drop: ["client>server #6", "client>server #9"], loss: 0.05 }\n');
  const MSS = 1448;
  const TOTAL = 40_000;
  const RCVBUF = 16_384;
  const DELAY = 25;
  const SER = 1.2; // ms to put 1500 bytes on a 10 Mbit/s wire
  /** Which copies (1st, 2nd sending) of the data at each offset the link drops, and why. */
  const DROP = new Map<number, Map<number, string>>([
    [4344, new Map([[1, 'scripted']])],
    [8688, new Map([[1, 'scripted']])],
    [24616, new Map([[1, 'loss'], [2, 'loss']])], // the fast retransmission is lost too: only the RTO helps
  ]);
  const copies = new Map<number, number>();

  // A tiny discrete-event loop: [time, order, action], run in time order, ties in scheduling order.
  const queue: Array<[number, number, () => void]> = [];
  let order = 0;
  const at = (t: number, fn: () => void) => queue.push([Math.round(t * 1000) / 1000, order++, fn]);
  let now = 0;
  let linkFree = 0;

  const ts = (host: 'client' | 'server') => ['nop', 'nop', `TS val ${Math.floor(now) + (host === 'client' ? 1000 : 5000)} ecr ${Math.floor(now)}`];
  /** Client -> server: serialised on the 10 Mbit/s link, then 25 ms of propagation. */
  const clientSend = (s: SegSpec, onArrive: () => void, off = -1) => {
    const copy = (copies.get(off) ?? 0) + 1;
    copies.set(off, copy);
    const start = Math.max(now, linkFree);
    linkFree = start + SER * ((s.len ?? 0) + 52) / 1500;
    tr.segment(start, 'tx', 'client', 'client', s);
    const reason = DROP.get(off)?.get(copy);
    if (reason !== undefined) {
      tr.segment(start, 'drop', 'client', 'client', s, reason);
      return;
    }
    at(linkFree + DELAY, () => {
      tr.segment(now, 'rx', 'server', 'client', s);
      onArrive();
    });
  };
  const serverSend = (s: SegSpec, onArrive: () => void) => {
    tr.segment(now, 'tx', 'server', 'server', s);
    at(now + DELAY + 0.05, () => {
      tr.segment(now, 'rx', 'client', 'server', s);
      onArrive();
    });
  };

  // sender (client) state, relative to C + 1
  let una = 0;
  let nxt = 0;
  let cwnd = 3 * MSS;
  let ssthresh = 2 ** 31 - 1; // "infinite" until the first loss: the report must not scale to it
  let sndWnd = RCVBUF;
  let rto = 1000;
  let dupacks = 0;
  let recover = -1;
  let fastRecovery = false;
  let rtoDeadline = Infinity;
  let rtoGen = 0;
  const highest = { sent: 0 };
  // receiver (server) state
  let rcvNxt = 0;
  const ooo = new Map<number, number>(); // start -> len
  let serverClosed = false;

  const cc = () => tr.cc(now, 'client', { cwnd, ssthresh, flight: nxt - una, sndWnd, rto });
  const armRto = () => {
    rtoDeadline = now + rto;
    const gen = ++rtoGen;
    at(rtoDeadline, () => { if (gen === rtoGen) onRto(); });
  };
  const sendData = (off: number, retransmit: boolean, why?: string) => {
    const len = Math.min(MSS, TOTAL - off);
    const last = off + len === TOTAL;
    const spec: SegSpec = { flags: last ? 'P.' : '.', seq: C + 1 + off, ack: S + 1, len, win: 65536, options: ts('client') };
    if (retransmit) { spec.retransmit = true; if (why) spec.why = why; }
    clientSend(spec, () => serverReceive(off, len), off);
    if (off + len > highest.sent) highest.sent = off + len;
  };
  const trySend = () => {
    while (nxt < TOTAL && nxt - una + Math.min(MSS, TOTAL - nxt) <= Math.min(cwnd, sndWnd)) {
      sendData(nxt, nxt < highest.sent, nxt < highest.sent ? 'rto' : undefined);
      nxt += Math.min(MSS, TOTAL - nxt);
      if (rtoDeadline === Infinity) armRto();
    }
    if (nxt === TOTAL && una === TOTAL) rtoDeadline = Infinity;
  };
  const onRto = () => {
    ssthresh = Math.max(Math.floor((nxt - una) / 2), 2 * MSS);
    cwnd = MSS;
    rto = Math.min(rto * 2, 60_000);
    recover = nxt;
    fastRecovery = false;
    dupacks = 0;
    nxt = una;
    cc();
    sendData(una, true, 'rto');
    nxt = una + Math.min(MSS, TOTAL - una);
    armRto();
  };
  const serverReceive = (off: number, len: number) => {
    if (off === rcvNxt) {
      rcvNxt += len;
      while (ooo.has(rcvNxt)) { const l = ooo.get(rcvNxt)!; ooo.delete(rcvNxt); rcvNxt += l; }
      tr.app(now, 'server', 'data', { bytes: rcvNxt - off });
    } else if (off > rcvNxt) ooo.set(off, len);
    const held = [...ooo.values()].reduce((a, b) => a + b, 0);
    // SACK blocks: merged runs of what waits out of order, absolute like the trace writes them
    const runs: Array<[number, number]> = [];
    for (const [s0, l] of [...ooo.entries()].sort((a, b) => a[0] - b[0])) {
      const r = runs[runs.length - 1];
      if (r && r[1] === s0) r[1] = s0 + l; else runs.push([s0, s0 + l]);
    }
    const options = ts('server');
    if (runs.length > 0) options.push('nop', 'nop', `sack ${Math.min(3, runs.length)} ${runs.slice(0, 3).map(([a, b]) => `{${(C + 1 + a) >>> 0}:${(C + 1 + b) >>> 0}}`).join('')}`);
    const ackNo = rcvNxt;
    serverSend({ flags: '.', seq: S + 1, ack: C + 1 + ackNo, win: RCVBUF - held, options }, () => clientAck(ackNo, RCVBUF - held));
    if (rcvNxt === TOTAL && !serverClosed) {
      serverClosed = true;
    }
  };
  const clientAck = (ackNo: number, win: number) => {
    sndWnd = win;
    if (ackNo > una) {
      const acked = ackNo - una;
      una = ackNo;
      if (nxt < una) nxt = una; // after an RTO reset nxt, the receiver may hold far more than resent
      dupacks = 0;
      if (fastRecovery && una < recover) {
        // partial ACK in recovery: the next hole is lost too; resend it at once (RFC 6582)
        sendData(una, true, 'fast-retransmit');
        cwnd = Math.max(cwnd - acked + MSS, MSS);
      } else {
        if (fastRecovery) { cwnd = Math.max(ssthresh, MSS); fastRecovery = false; }
        if (una >= recover) recover = -1;
        cwnd += cwnd < ssthresh ? Math.min(acked, MSS) : Math.max(1, Math.floor(MSS * MSS / cwnd));
      }
      if (una === TOTAL) { rtoDeadline = Infinity; rtoGen++; } else armRto();
      cc();
      trySend();
      if (una === TOTAL) finish();
      return;
    }
    if (nxt > una && ackNo === una) {
      dupacks++;
      if (dupacks === 3 && recover < 0) {
        ssthresh = Math.max(Math.floor((nxt - una) / 2), 2 * MSS);
        cwnd = ssthresh + 3 * MSS;
        recover = nxt;
        fastRecovery = true;
        cc();
        sendData(una, true, 'fast-retransmit');
        armRto();
      } else if (dupacks > 3) {
        cwnd += MSS;
        cc();
        trySend();
      }
    }
  };
  let finished = false;
  let timeWaitFrom = 0;
  const finish = () => {
    if (finished) return;
    finished = true;
    const t0 = now;
    tr.app(t0, 'client', 'close-req');
    tr.state(t0, 'client', 'ESTABLISHED', 'FIN-WAIT-1', 'app close');
    now = t0;
    clientSend({ flags: 'F.', seq: C + 1 + TOTAL, ack: S + 1, win: 65536, options: ts('client') }, () => {
      tr.state(now, 'server', 'ESTABLISHED', 'CLOSE-WAIT', 'rcv FIN');
      tr.app(now, 'server', 'end');
      tr.app(now, 'server', 'close-req');
      tr.state(now, 'server', 'CLOSE-WAIT', 'LAST-ACK', 'app close');
      serverSend({ flags: 'F.', seq: S + 1, ack: C + 2 + TOTAL, win: RCVBUF, options: ts('server') }, () => {
        tr.state(now, 'client', 'FIN-WAIT-1', 'TIME-WAIT', 'rcv FIN');
        tr.app(now, 'client', 'end');
        timeWaitFrom = now;
        clientSend({ flags: '.', seq: C + 2 + TOTAL, ack: S + 2, win: 65536, options: ts('client') }, () => {
          tr.state(now, 'server', 'LAST-ACK', 'CLOSED', 'rcv ACK of FIN');
          tr.app(now, 'server', 'close');
        });
      });
    });
  };

  // handshake, by hand: SYN at 0, SYN-ACK at 25, ACK and the first flight at 50
  tr.app(0, 'server', 'listen');
  tr.app(0, 'client', 'open');
  tr.state(0, 'client', 'CLOSED', 'SYN-SENT', 'app connect');
  tr.send(0, 'client', { flags: 'S', seq: C, ack: 0, options: SYN_OPTIONS }, { delay: DELAY });
  tr.state(25, 'server', 'LISTEN', 'SYN-RECEIVED', 'rcv SYN');
  tr.send(25, 'server', { flags: 'S.', seq: S, ack: C + 1, win: RCVBUF, options: ['mss 1460', 'sackOK', 'TS val 5025 ecr 1000', 'nop', 'wscale 0'] }, { delay: DELAY });
  tr.state(50, 'client', 'SYN-SENT', 'ESTABLISHED', 'rcv SYN-ACK');
  tr.app(50, 'client', 'connect');
  tr.send(50, 'client', { flags: '.', seq: C + 1, ack: S + 1, win: 65536, options: ['nop', 'nop', 'TS val 1050 ecr 5025'] }, { delay: DELAY });
  tr.state(75, 'server', 'SYN-RECEIVED', 'ESTABLISHED', 'rcv ACK of SYN');
  tr.app(75, 'server', 'accept');
  tr.app(50, 'client', 'send', { bytes: TOTAL });
  now = 50;
  linkFree = 50.05;
  cc();
  trySend();
  while (queue.length > 0) {
    queue.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const [t, , fn] = queue.shift()!;
    now = t;
    fn();
  }
  // (the loop may end later, on a stale RTO deadline that no longer fires anything)
  tr.state(timeWaitFrom + 2000, 'client', 'TIME-WAIT', 'CLOSED', 'timewait timeout');
  tr.app(timeWaitFrom + 2000, 'client', 'close');
  return tr.events();
}

export const FIXTURES: ReadonlyArray<{ name: string; events: () => TraceEvent[] }> = [
  { name: 'handshake-close', events: handshakeClose },
  { name: 'half-close', events: halfClose },
  { name: 'lossy-bulk', events: lossyBulk },
];
