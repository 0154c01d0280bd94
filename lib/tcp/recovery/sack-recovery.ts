import { NewRenoRecovery } from '../cc/newreno.ts';
import type { AckSample, CcParams, CongestionControl, LossRecovery, RecoveryStep, Retransmission, ScoreboardView } from '../cc/types.ts';
import { LossRecovery as Controller, type RecoveryAckInput, type RecoveryMode } from './controller.ts';

/**
 * The seam's LossRecovery (lib/tcp/cc/types.ts) for SACK-based recovery: 'sack' (RFC 6675, IsLost with
 * DupThresh) and 'rack-tlp' (RFC 8985), both with limited transmit and, when asked, PRR and D-SACK undo.
 * A peer that did not agree to SACK gets NewReno (RFC 6582), as Linux falls back to its Reno emulation.
 */
export interface SackRecoveryOptions {
  prr: boolean;
  undo: boolean;
  frto?: boolean;
}

export class SackLossRecovery implements LossRecovery {
  readonly core: Controller;
  /** NewReno for a peer without SACK, made when first needed (most peers agree to SACK). */
  private fallbackRec: NewRenoRecovery | undefined;
  private readonly params: CcParams;
  /** Whether the peer agreed to SACK, learnt from the first ACK (AckSample.sackOk). */
  private sack: boolean | undefined;
  private readonly cc: CongestionControl;
  /** When the tail loss probe is due, while armed. */
  private ptoAt: number | undefined;
  /** The core's input for each ACK, refilled every time. */
  private readonly coreIn: RecoveryAckInput = { ack: 0, blocks: [], nowMs: 0, isDupAck: false, srttMs: undefined, rttSampleMs: undefined, tsecr: undefined, echoedXmitMs: undefined, newBytes: undefined };

  constructor(readonly name: RecoveryMode, p: CcParams, cc: CongestionControl, o: SackRecoveryOptions) {
    this.cc = cc;
    this.core = new Controller({ mode: name, mss: p.mss, iss: p.iss, prr: o.prr, undo: o.undo, frto: o.frto, linux: p.profile === 'linux' }, cc);
    this.params = p;
  }

  private get fallback(): NewRenoRecovery {
    return (this.fallbackRec ??= new NewRenoRecovery(this.params, this.cc));
  }

  get inRecovery(): boolean {
    return this.sack ? this.core.phase === 'recovery' : (this.fallbackRec?.inRecovery ?? false);
  }

  get dupAcks(): number {
    return this.sack ? this.core.dupAcks : (this.fallbackRec?.dupAcks ?? 0);
  }

  onAck(a: AckSample): RecoveryStep {
    this.sack ??= a.sackOk;
    if (!this.sack) return this.fallback.onAck(a);
    if (this.cc.mss !== this.core.opts.mss) this.core.setMss(this.cc.mss);
    const wasIn = this.core.phase === 'recovery';
    const ci = this.coreIn;
    ci.ack = a.ack;
    ci.blocks = a.sackBlocks;
    ci.nowMs = a.now;
    ci.isDupAck = a.duplicate;
    ci.srttMs = a.srttMs;
    ci.rttSampleMs = a.rttMs;
    ci.tsecr = a.tsecr;
    ci.newBytes = a.newBytes;
    const r = this.core.onAck(ci);
    // Outside recovery, cwnd grows as the congestion control says (RFC 5681 3.1; CUBIC), as NewReno does;
    // after a timeout too, in slow start from one segment (RFC 5681 3.1, RFC 6675 5.1).
    if ((this.core.phase === 'loss' || (this.core.phase === 'open' && !wasIn)) && !r.undone && !r.tlp && a.bytesAcked > 0 && a.cwndLimited) this.cc.onAck(a);
    if (r.entered) return 'entered';
    if (r.exited) return 'left';
    return this.core.phase === 'recovery' ? 'continued' : 'none';
  }

  nextRetransmission(sndUna: number, sndNxt: number): Retransmission | undefined {
    if (!this.sack) return this.fallback.nextRetransmission(sndUna, sndNxt);
    const r = this.core.nextRetransmission(0);
    return r && { seq: r.seq, len: r.len, why: r.reason, ignoreCwnd: false };
  }

  onTransmit(seq: number, len: number, retransmit: boolean, now: number, tsval?: number): void {
    // (NewReno keeps nothing per transmission: one made later has missed nothing.)
    if (this.sack !== true) this.fallbackRec?.onTransmit(seq, len, retransmit, now);
    this.core.onTransmit(seq, len, now, tsval);
  }

  scoreboardView(): ScoreboardView | undefined {
    return this.sack ? this.core.view() : undefined;
  }

  /** TCP_INFO's tcpi_lost, tcpi_sacked, tcpi_retrans, tcpi_reordering (Linux's lost_out, sacked_out, retrans_out, reordering); renoCounts without SACK. */
  segmentCounts(): { lost: number; sacked: number; retrans: number; reordering: number } {
    if (this.sack) return this.core.segmentCounts();
    return renoCounts(this.fallbackRec ?? { inRecovery: false, dupAcks: 0 });
  }

  isSacked(seq: number): boolean {
    return this.sack === true && this.core.isSacked(seq);
  }

  sendFrom(): number | undefined {
    return this.sack ? this.core.takeSendFrom() : undefined;
  }

  pipe(flight: number): number {
    // A NewReno not yet made has seen no duplicate ACK: its pipe is the flight.
    if (!this.sack) return this.fallbackRec ? this.fallbackRec.pipe(flight) : flight;
    // In recovery with PRR, the budget is PRR's: cwnd - pipe must equal it (Linux sets cwnd = in_flight + sndcnt).
    const pipe = this.core.pipe();
    if (this.core.phase === 'recovery' && this.core.prr) this.cc.cwnd = pipe + this.core.budget();
    return pipe;
  }

  /** RACK's reordering timer when armed, else the PTO (RFC 8985 7.2), else none. */
  timerAt(now: number, rtoAt: number | undefined, srttMs: number | undefined, restart: boolean, sackOk: boolean): number | undefined {
    this.sack ??= sackOk;
    if (!this.sack) return undefined;
    if (this.core.rackDeadline !== undefined) return this.core.rackDeadline;
    const pto = this.core.ptoMs(srttMs, rtoAt === undefined ? Infinity : rtoAt - now, true);
    if (pto === undefined) this.ptoAt = undefined;
    // RFC 8985 7.2: the PTO restarts when data is sent or newly acknowledged (Linux: FLAG_SET_XMIT_TIMER), not on a SACK alone.
    else if (restart || this.ptoAt === undefined || this.ptoAt < now) this.ptoAt = now + pto;
    return this.ptoAt;
  }

  onTimer(now: number, srttMs: number | undefined): 'probe' | 'retransmit' | 'none' {
    if (!this.sack) return 'none';
    if (this.core.rackDeadline !== undefined) {
      if (now < this.core.rackDeadline) return 'none';
      return this.core.onRackTimer(now, srttMs).lost ? 'retransmit' : 'none';
    }
    if (this.ptoAt === undefined || now < this.ptoAt) return 'none';
    return this.core.phase === 'open' && this.core.tlp.endSeq === undefined ? 'probe' : 'none';
  }

  probeSegment(): Retransmission | undefined {
    const p = this.core.probe(0);
    return p && { seq: p.seq, len: p.len, why: 'tlp', ignoreCwnd: true };
  }

  onProbeSent(isRetrans: boolean): void {
    this.core.onProbeSent(isRetrans);
  }

  onRto(sndMax: number, now: number): void {
    // NewReno's state is read only while the peer is not known to SACK (this.sack is learnt once, for good).
    if (this.sack !== true) this.fallback.onRto(sndMax, now);
    if (this.sack) this.core.onRto(now, this.cc.cwnd, this.cc.ssthresh, undefined);
  }
}

/**
 * TCP_INFO's counts without a scoreboard, as Linux's Reno emulation keeps them: each duplicate ACK one SACKed
 * segment (tcp_add_reno_sack), the first segment lost and retransmitted once in recovery, reordering at
 * tcp_reordering's 3 (not measured without SACK).
 */
export function renoCounts(r: { inRecovery: boolean; dupAcks: number }): { lost: number; sacked: number; retrans: number; reordering: number } {
  const inRec = r.inRecovery ? 1 : 0;
  return { lost: inRec, sacked: r.dupAcks, retrans: inRec, reordering: 3 };
}
