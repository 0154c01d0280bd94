import { seqAdd, seqDiff, seqGe, seqLt } from '../../wire/seq.ts';
import { limitedTransmitBytes } from './limited-transmit.ts';
import { Prr } from './prr.ts';
import { Rack, Tlp, type RackAckInput } from './rack.ts';
import { DUP_THRESH, Scoreboard, type NextSegment } from './scoreboard.ts';
import { Frto, UndoState } from './undo.ts';
import type { ScoreboardView } from '../cc/types.ts';

/**
 * SACK-based loss recovery as one object a connection drives: RFC 6675 section 5's algorithm over the
 * scoreboard, with RACK-TLP (RFC 8985) as the loss detector when `mode` is 'rack-tlp', PRR (RFC 6937) for
 * how much to send in recovery, limited transmit (RFC 3042) before it, and undo (D-SACK, Eifel). It decides
 * what to retransmit and how much may be sent; the connection builds and sends the segments and tells it.
 */

/** Why a segment was retransmitted (the trace's `why`). */
export type RetransmitReason = 'dupack' | 'sack-hole' | 'rack' | 'tlp' | 'rto';

export type RecoveryMode = 'sack' | 'rack-tlp';

/**
 * The congestion controller's part (lib/tcp/cc/types.ts's CongestionControl has it): its window, and its
 * reduction when recovery begins (RFC 5681 3.1 eq. 4: ssthresh = max(FlightSize / 2, 2 SMSS); CUBIC: 0.7 cwnd).
 */
export interface CongestionWindow {
  cwnd: number;
  ssthresh: number;
  onEnterRecovery(flight: number, now: number): void;
  onLeaveRecovery(now: number): void;
  /** Optional: the controller's whole state, for undo (RFC 9438 4.9; lib/tcp/cc/types.ts). */
  snapshot?(): unknown;
  restore?(s: unknown): void;
}

export interface RecoveryOptions {
  mode: RecoveryMode;
  mss: number;
  iss: number;
  prr: boolean;
  undo: boolean;
  /** F-RTO after a retransmission timeout (RFC 5682 2.1). */
  frto?: boolean;
  /** Linux's choices where it departs from the RFC text: the PTO formula, no NextSeg rules 3-4. */
  linux: boolean;
}

/** One ACK as the connection parsed it. */
export interface RecoveryAckInput {
  ack: number;
  blocks: ReadonlyArray<readonly [number, number]>;
  nowMs: number;
  /** RFC 5681 2's duplicate ACK (no data, no window change, SND.UNA unchanged, data outstanding). */
  isDupAck: boolean;
  srttMs: number | undefined;
  /** An RTT sample this ACK gave (timestamps or an unambiguous segment), for RACK.min_RTT. */
  rttSampleMs?: number;
  /** TSecr of the ACK (Eifel, RFC 3522) and the transmit time (our clock) it names (RACK step 2). */
  tsecr?: number;
  echoedXmitMs?: number;
  /** Bytes never sent that the peer's window would take (F-RTO's new data, RFC 5682 2.1 step 2b). */
  newBytes?: number;
}

export interface RecoveryAckOutcome {
  /** Recovery began on this ACK, and why. */
  entered?: RetransmitReason;
  /** Recovery (or an RTO's loss phase) ended on this ACK. */
  exited: boolean;
  /** A reduction was undone (RFC 2883 D-SACK, RFC 3522 Eifel). */
  undone?: 'dsack' | 'eifel' | 'frto';
  /** The TLP episode's end (RFC 8985 7.4.2). */
  tlp?: 'spurious' | 'repaired-loss';
  /** RACK's reordering timer: ms from now, or 0 for none (RFC 8985 6.3). */
  rackTimeoutMs: number;
}

export class LossRecovery {
  readonly sb: Scoreboard;
  readonly rack = new Rack();
  readonly tlp = new Tlp();
  /**
   * PRR, undo and F-RTO, each made when first needed (entering recovery, a reduction, a timeout) if its setting
   * is on: most connections never need them, and a short one would pay for three objects it never uses.
   */
  prr: Prr | undefined;
  undoState: UndoState | undefined;
  frto: Frto | undefined;
  /** The window before the timeout F-RTO is judging (RFC 5682 3: a spurious timeout's response restores it). */
  private frtoPrior: { cwnd: number; ssthresh: number; snap: unknown } | undefined;
  /** Where SND.NXT should stand after this ACK (F-RTO), taken once by takeSendFrom. */
  private sendFrom: number | undefined;
  /** 'open', fast 'recovery', or 'loss' after an RTO until its RecoveryPoint is acknowledged (RFC 6675 5.1). */
  phase: 'open' | 'recovery' | 'loss' = 'open';
  dupAcks = 0;
  /** Bytes PRR allows since the last ACK (RFC 6937 sndcnt, less what was sent). */
  private prrQuota = 0;
  /** The reason for the next retransmission by rule 1: the first of a recovery is the fast retransmit. */
  private entryReason: RetransmitReason | undefined;
  /** Scoreboard.owedEpoch when the search for a lost segment last found none. */
  private noneOwedAt = -1;
  /** The outcome onAck returns, refilled on every ACK (valid until the next). */
  private readonly outcome: RecoveryAckOutcome = { entered: undefined, exited: false, undone: undefined, tlp: undefined, rackTimeoutMs: 0 };
  /** RACK's input for each ACK, refilled every time. */
  private readonly rackIn: RackAckInput = { nowMs: 0, sndUna: 0, sndNxt: 0, inRecovery: false, echoedXmitMs: undefined };
  /** What nextRetransmission chose, so onTransmit can account for it (RFC 6675 (C.2)). */
  private chosen: (NextSegment & { reason: RetransmitReason }) | undefined;

  constructor(readonly opts: RecoveryOptions, readonly cc: CongestionWindow) {
    // Data starts after the SYN (RFC 9293 3.4): the first octet the scoreboard can hold is ISS + 1.
    this.sb = new Scoreboard(opts.mss, seqAdd(opts.iss, 1), DUP_THRESH, !opts.linux);
  }

  /** The undo state, made on the first reduction when `undo` is on. */
  private undoFor(): UndoState | undefined {
    return this.opts.undo ? (this.undoState ??= new UndoState()) : undefined;
  }

  /** F-RTO's answer for the connection: where SND.NXT goes now (RFC 5682 2.1 steps 2b and 3a), once. */
  takeSendFrom(): number | undefined {
    const f = this.sendFrom;
    this.sendFrom = undefined;
    return f;
  }

  setMss(mss: number): void {
    this.opts.mss = mss;
    this.sb.setMss(mss);
  }

  /** TCP_INFO's tcpi_lost, tcpi_sacked, tcpi_retrans and tcpi_reordering: segments deemed lost and not SACKed (retransmitted or not), SACKed, retransmitted and in flight, and Scoreboard.reordering. */
  segmentCounts(): { lost: number; sacked: number; retrans: number; reordering: number } {
    const mss = this.opts.mss;
    const b = this.sb.lostAndRetransBytes();
    return { lost: Math.ceil(b.lost / mss), sacked: Math.ceil(this.sb.sackedBytes / mss), retrans: Math.ceil(b.retrans / mss), reordering: this.sb.reordering };
  }

  /** Whether the peer SACKed the byte at `seq` (Scoreboard.isSacked). */
  isSacked(seq: number): boolean {
    return this.sb.isSacked(seq);
  }

  /**
   * The scoreboard for the trace: ranges SACKed, deemed lost, and retransmitted and in flight; undefined while
   * none is (the lossless path builds nothing).
   */
  view(): ScoreboardView | undefined {
    if (this.sb.sackedBytes === 0 && this.phase === 'open' && this.retransmittedUnacked === 0 && this.sb.owedEpoch === this.noneOwedAt) return undefined;
    // One pass: the ranges of each kind as numbers (contiguous records merged) and a hash of them; the strings are
    // made, and a new object returned, only when the hash differs from the last view's.
    const runs: number[][] = [[], [], []];
    let hash = 2166136261;
    for (const s of this.sb.segments) {
      const kind = s.sacked ? 0 : s.rtxInFlight ? 2 : s.lost ? 1 : -1;
      if (kind < 0) continue;
      const r = runs[kind]!;
      if (r.length > 0 && r[r.length - 1] === s.seq) r[r.length - 1] = s.end;
      else r.push(s.seq, s.end);
    }
    for (let k = 0; k < 3; k++) {
      hash = Math.imul(hash ^ (k + 1), 16777619);
      for (const n of runs[k]!) hash = Math.imul(hash ^ n, 16777619);
    }
    if (runs[0]!.length + runs[1]!.length + runs[2]!.length === 0) return undefined;
    if (this.lastView && hash === this.lastViewHash) return this.lastView;
    const str = (r: number[]) => {
      const out: string[] = [];
      for (let i = 0; i < r.length; i += 2) out.push(`${r[i]}:${r[i + 1]}`);
      return out;
    };
    this.lastViewHash = hash;
    this.lastView = { sacked: str(runs[0]!), lost: str(runs[1]!), rtx: str(runs[2]!) };
    return this.lastView;
  }

  private lastView: ScoreboardView | undefined;
  private lastViewHash = 0;

  /** RFC 6675 SetPipe(): the bytes believed in the network, used in place of SND.NXT - SND.UNA. */
  pipe(): number {
    return this.sb.pipe();
  }

  /**
   * How many bytes may be sent now: PRR's quota in recovery (RFC 6937), else cwnd - pipe (RFC 6675 (C);
   * outside recovery this is also the SACK form of limited transmit, RFC 6675 5 (2.c), as SACKed segments
   * leave pipe). With `newDataBytes`, RFC 3042's limited transmit for a sender whose ACKs carry no SACK.
   */
  budget(flightBytes?: number, newDataBytes = 0): number {
    if (this.phase === 'recovery' && this.prr) return Math.max(0, this.prrQuota);
    const pipe = this.sb.pipe();
    let room = Math.max(0, this.cc.cwnd - pipe);
    if (this.phase === 'open' && flightBytes !== undefined && this.sb.sackedBytes === 0) {
      room = Math.max(room, limitedTransmitBytes(this.dupAcks, flightBytes, this.cc.cwnd, this.opts.mss, newDataBytes));
    }
    return room;
  }

  /**
   * The next retransmission, if one is due and the budget allows it: in recovery, RFC 6675 NextSeg (rules 1, 3,
   * 4; rule 2 means "send new data", left to the caller); after an RTO, the lowest segment deemed lost.
   */
  nextRetransmission(newDataBytes: number): { seq: number; len: number; reason: RetransmitReason } | undefined {
    // Asked again before the last answer was sent (the peer's window held it back): nothing more for now.
    if (this.chosen) {
      this.chosen = undefined;
      return undefined;
    }
    let seg: NextSegment | undefined;
    let reason: RetransmitReason;
    if (this.phase === 'recovery') {
      seg = this.sb.nextSeg(newDataBytes, this.opts.mode === 'sack' && !this.opts.linux);
      if (!seg || seg.rule === 2) return undefined;
      reason = seg.rule === 1 && this.entryReason ? this.entryReason : this.opts.mode === 'rack-tlp' ? 'rack' : 'sack-hole';
    } else {
      // RFC 5682 2.1 steps 2-3: while F-RTO judges the timeout, new data goes, not the rest of the flight.
      if (this.frto && this.frto.step !== 0) return undefined;
      // After an RTO (or a RACK loss outside recovery): the lowest lost segment not yet resent.
      // The search runs only when losses may have been marked since it last found none (Scoreboard.owedEpoch).
      if (this.sb.owedEpoch === this.noneOwedAt) return undefined;
      const lost = this.sb.firstOwed();
      if (!lost) {
        this.noneOwedAt = this.sb.owedEpoch;
        return undefined;
      }
      seg = { seq: lost.seq, len: Math.min(this.opts.mss, seqDiff(lost.end, lost.seq)), rule: 1 };
      reason = this.phase === 'loss' ? 'rto' : 'rack';
    }
    if (seg.len > this.budget()) return undefined;
    this.chosen = { ...seg, reason };
    return { seq: seg.seq, len: seg.len, reason };
  }

  /** Every data segment the connection sends (new or not), with its TSval when timestamps are on. */
  onTransmit(seq: number, len: number, nowMs: number, tsval?: number): void {
    if (len <= 0) return;
    const retransmit = seqLt(seq, this.sb.sndNxt);
    if (retransmit) {
      const c = this.chosen;
      if (c && c.seq === seq && c.len === len) {
        this.sb.onNextSegSent(c, nowMs);
        if (c.rule === 1 && c.reason === this.entryReason) this.entryReason = undefined;
      } else {
        this.sb.onTransmit(seq, len, nowMs);
      }
      this.undoState?.onRetransmit(seq, len, tsval);
      this.retransmittedUnacked++;
    } else {
      this.sb.onTransmit(seq, len, nowMs);
    }
    this.chosen = undefined;
    if (this.phase === 'recovery' && this.prr) {
      this.prr.onSent(len);
      this.prrQuota -= len;
    }
  }

  /** One ACK: the scoreboard, RACK, TLP, undo, and entering or leaving recovery (RFC 6675 5, RFC 8985 6-7). The outcome is one object, refilled by the next ACK. */
  onAck(a: RecoveryAckInput): RecoveryAckOutcome {
    const out = this.outcome;
    out.entered = undefined;
    out.exited = false;
    out.undone = undefined;
    out.tlp = undefined;
    out.rackTimeoutMs = 0;
    this.chosen = undefined;
    const flightBefore = seqDiff(this.sb.sndNxt, this.sb.sndUna);
    const u = this.sb.onAck(a.ack, a.blocks);
    const rackMode = this.opts.mode === 'rack-tlp';
    if (a.rttSampleMs !== undefined) this.rack.updateMinRtt(a.rttSampleMs);
    // Before any data was timed, the handshake's RTT (as SRTT) stands for the minimum (Linux's tcp_min_rtt has it).
    else if (this.rack.minRttMs === Infinity && a.srttMs !== undefined) this.rack.updateMinRtt(a.srttMs);
    const ri = this.rackIn;
    ri.nowMs = a.nowMs;
    ri.sndUna = this.sb.sndUna;
    ri.sndNxt = this.sb.sndNxt;
    ri.inRecovery = this.phase !== 'open';
    ri.echoedXmitMs = a.echoedXmitMs;
    this.rack.onAck(u, ri);

    // Undo (Linux tcp_try_undo_*): every retransmission D-SACKed, or the first ACK after one echoing an older timestamp.
    const undo = this.undoState;
    if (undo?.marker !== undefined) {
      if (u.dsack && undo.onDsack(u.dsack)) out.undone = 'dsack';
      // RFC 3522 2: only the first ACK acknowledging the episode's first retransmission tells.
      else if (u.cumAckedBytes > 0 && undo.eifelOnAck(a.ack, a.tsecr)) out.undone = 'eifel';
      if (out.undone) {
        const snap = undo.ccSnapshot;
        const r = undo.undo(this.cc.cwnd, this.cc.ssthresh);
        if (snap !== undefined && this.cc.restore) this.cc.restore(snap);
        this.cc.cwnd = r.cwnd;
        this.cc.ssthresh = r.ssthresh;
        this.undoneTimeout();
        if (this.phase !== 'open') this.leave(out, a.nowMs);
      }
    }

    // RFC 5682 2.1: F-RTO's verdict on the first two ACKs after the timeout's retransmission.
    const frto = this.frto;
    if (frto && frto.step !== 0 && this.phase === 'loss' && !out.undone && (u.cumAckedBytes > 0 || a.isDupAck || u.newlySackedBytes > 0)) {
      const wasStep = frto.step;
      const verdict = frto.onAck(a.ack, u.cumAckedBytes > 0, (a.newBytes ?? 0) > 0);
      if (verdict === 'send-new') {
        // Step 2b: the first ACK acknowledged new data: send new segments (from SND.MAX) rather than go back.
        this.sendFrom = this.sb.sndNxt;
      } else if (verdict === 'spurious') {
        // Step 3b: the second ACK acknowledged new data too: the timeout was spurious. The response (RFC 5682 3,
        // as Linux's tcp_try_undo_loss): the window from before the timeout, nothing deemed lost.
        const p = this.frtoPrior;
        if (p) {
          if (p.snap !== undefined && this.cc.restore) this.cc.restore(p.snap);
          this.cc.cwnd = Math.max(this.cc.cwnd, p.cwnd);
          this.cc.ssthresh = Math.max(this.cc.ssthresh, p.ssthresh);
        }
        this.undoState?.clear();
        this.undoneTimeout();
        out.undone = 'frto';
        this.leave(out, a.nowMs);
      } else if (verdict === 'conventional' && wasStep === 3) {
        // Step 3a: a duplicate ACK: the timeout was real; go back to SND.UNA and retransmit in slow start.
        this.sendFrom = this.sb.sndUna;
      }
    }

    // RFC 8985 7.4.2: the tail loss probe's ACK.
    if (rackMode) {
      const t = this.tlp.onAck(a.ack, u.dsack, a.isDupAck && a.blocks.length === 0);
      if (t === 'repaired-loss' && this.phase === 'open') {
        // The probe repaired a loss: react as to one (Linux tcp_process_tlp_ack: CWR, cwnd = ssthresh).
        this.cc.onEnterRecovery(flightBefore, a.nowMs);
        this.cc.cwnd = Math.min(this.cc.cwnd, this.cc.ssthresh);
        out.tlp = t;
      } else if (t === 'spurious') out.tlp = t;
    }

    // Duplicate ACKs: RFC 5681's, or RFC 6675 2's (an ACK that newly SACKs data counts as one).
    if (u.cumAckedBytes > 0) this.dupAcks = 0;
    else if (a.isDupAck || u.newlySackedBytes > 0) this.dupAcks++;

    // RFC 6675 5 (A) and 5.1: the end of recovery or of an RTO's loss phase.
    if (this.phase === 'recovery' && this.sb.maybeExitRecovery()) this.leave(out, a.nowMs);
    else if (this.phase === 'loss' && this.sb.rtoRecoveryPoint !== undefined && seqGe(this.sb.sndUna, this.sb.rtoRecoveryPoint)) this.leave(out, a.nowMs);

    // Loss detection: RFC 6675 IsLost, or RACK (RFC 8985 6.2 step 5, with the reordering timer).
    let newlyLost = false;
    if (rackMode && (this.phase !== 'open' || this.sb.sackedBytes > 0 || this.rtxOutstanding())) {
      // (Skipped when nothing is SACKed, nothing retransmitted and no recovery runs: every segment left was sent
      // after every one delivered, so none can be overdue. A bulk sender's ACKs take this way.)
      const reo = this.rack.reoWndMs(this.sb, this.phase !== 'open', a.srttMs ?? Infinity);
      const found = this.rack.detectLoss(this.sb, a.nowMs, reo);
      out.rackTimeoutMs = found.timeoutMs;
      if (found.lostBytes > 0) this.lostPending = true;
      newlyLost = found.lostBytes > 0;
      this.rackDeadline = out.rackTimeoutMs > 0 ? a.nowMs + out.rackTimeoutMs : undefined;
    } else if (rackMode) {
      this.rackDeadline = undefined;
    } else {
      newlyLost = this.sb.markLostByDupThresh() > 0;
    }

    if (this.phase === 'open' && this.sb.count > 0 && this.sb.mayEnterRecovery()) {
      let why: RetransmitReason | undefined;
      if (rackMode) {
        if (this.lostPending && this.sb.lostBytes() > 0) why = 'rack';
        this.lostPending = false;
      } else if (this.dupAcks >= DUP_THRESH) {
        why = 'dupack'; // RFC 6675 5 (2.a)
      } else if (this.sb.isLost(this.sb.sndUna)) {
        why = 'sack-hole'; // RFC 6675 5 (2.b)
      }
      if (why) this.enter(why, u.deliveredBytes, a.nowMs, out, u.cumAckedBytes > 0, newlyLost);
    } else if (this.phase === 'recovery' && this.prr) {
      this.prrQuota = this.prr.onAck(u.deliveredBytes, this.sb.pipe(), this.opts.mss, u.cumAckedBytes > 0, newlyLost);
    }
    return out;
  }

  /** When RACK's reordering timer is due (absolute ms), from the last ACK's detect-loss; undefined when not armed. */
  rackDeadline: number | undefined;

  /** Whether a retransmitted segment is still outstanding (RACK's order of transmission then differs from sequence order). */
  private rtxOutstanding(): boolean {
    if (this.retransmittedUnacked === 0) return false;
    // The scoreboard's simple form (no records) holds no retransmitted segment.
    const any = this.sb.hasRecords && this.sb.segments.some((s) => s.retransmitted);
    if (!any) this.retransmittedUnacked = 0;
    return any;
  }

  /** RACK marked a loss since recovery was last considered (saves a scan of the scoreboard on every ACK). */
  private lostPending = false;

  /** Retransmissions sent since the scoreboard last held none (a cheap bound for rtxOutstanding). */
  private retransmittedUnacked = 0;

  /** RFC 8985 6.3: the reordering timer fired; returns true when it started recovery (or found more losses). */
  onRackTimer(nowMs: number, srttMs: number | undefined): { lost: boolean; rackTimeoutMs: number } {
    const reo = this.rack.reoWndMs(this.sb, this.phase !== 'open', srttMs ?? Infinity);
    const r = this.rack.detectLoss(this.sb, nowMs, reo);
    this.rackDeadline = r.timeoutMs > 0 ? nowMs + r.timeoutMs : undefined;
    // Linux's tcp_rack_reo_timeout starts its reduction as if one segment was delivered, with nothing newly lost.
    if (r.lostBytes > 0 && this.phase === 'open' && this.sb.mayEnterRecovery()) this.enter('rack', this.opts.linux ? this.opts.mss : 0, nowMs, { exited: false, rackTimeoutMs: 0 }, false, false);
    return { lost: r.lostBytes > 0, rackTimeoutMs: r.timeoutMs };
  }

  /**
   * RFC 8985 7.2: when the tail loss probe should fire, ms from now, or undefined when it should not be armed
   * (then the RTO alone runs). `rtoRemainingMs` is the time left on the RTO timer.
   */
  ptoMs(srttMs: number | undefined, rtoRemainingMs: number, sackOk: boolean): number | undefined {
    if (this.opts.mode !== 'rack-tlp') return undefined;
    const outstanding = seqDiff(this.sb.sndNxt, this.sb.sndUna);
    if (!this.tlp.mayArm(sackOk, this.phase !== 'open', outstanding)) return undefined;
    return this.tlp.ptoMs(srttMs, this.sb.count === 1, rtoRemainingMs, this.opts.linux);
  }

  /** RFC 8985 7.3: the PTO fired. What to send as the probe (the caller sends it, then calls onProbeSent). */
  probe(newDataBytes: number): { seq: number; len: number; isRetrans: boolean } | undefined {
    return this.tlp.chooseProbe(this.sb, newDataBytes, this.opts.mss);
  }

  onProbeSent(isRetrans: boolean): void {
    this.tlp.onProbeSent(this.sb.sndNxt, isRetrans);
  }

  /**
   * A retransmission timeout (RFC 6675 5.1; RFC 8985 6.3). The caller has already applied the congestion
   * controller's timeout response (cwnd = 1 SMSS); this remembers what to undo and marks what is lost.
   */
  onRto(nowMs: number, priorCwnd: number, priorSsthresh: number, srttMs: number | undefined): void {
    // As Linux's tcp_enter_loss: a timeout in recovery or a repeated one keeps the episode's first prior window.
    const snap = this.cc.snapshot?.();
    if (this.phase === 'open' || this.undoState?.marker === undefined) this.undoFor()?.start(this.sb.sndUna, priorCwnd, priorSsthresh, snap);
    // RFC 5682 2.1 step 1, for a first timeout outside recovery (a repeated one, or one in fast recovery, is not judged).
    if (this.opts.frto) {
      if (this.phase === 'open') {
        (this.frto ??= new Frto()).onRto(this.sb.sndNxt);
        this.frtoPrior = { cwnd: priorCwnd, ssthresh: priorSsthresh, snap };
      } else if (this.frto) this.frto.step = 0;
    }
    this.sendFrom = undefined;
    if (this.phase === 'recovery') this.rack.onRecoveryExit();
    this.phase = 'loss';
    this.dupAcks = 0;
    this.rackDeadline = undefined;
    this.entryReason = undefined;
    this.tlp.endSeq = undefined;
    if (this.opts.mode === 'rack-tlp') {
      this.sb.onRto(false);
      this.rack.markLossesOnRto(this.sb, nowMs, this.rack.reoWndMs(this.sb, true, srttMs ?? Infinity));
    } else {
      this.sb.onRto(true);
    }
  }

  /** A timeout found spurious: nothing stays deemed lost, F-RTO stops (the caller restores the window). */
  private undoneTimeout(): void {
    if (this.phase !== 'loss') return;
    this.sb.unmarkLost();
    if (this.frto) this.frto.step = 0;
    // The flight was not lost: the connection goes on from SND.MAX instead of going back (RFC 3522 3's response).
    this.sendFrom = this.sb.sndNxt;
  }

  /** RFC 6675 5 step 4 (with RFC 6937's start): enter recovery. */
  private enter(why: RetransmitReason, deliveredBytes: number, nowMs: number, out: RecoveryAckOutcome, sndUnaAdvanced: boolean, newlyLost: boolean): void {
    const flight = seqDiff(this.sb.sndNxt, this.sb.sndUna);
    this.undoFor()?.start(this.sb.sndUna, this.cc.cwnd, this.cc.ssthresh, this.cc.snapshot?.());
    this.phase = 'recovery';
    if (this.opts.mode === 'sack') this.sb.enterRecovery();
    else this.sb.enterRecovery(false);
    this.entryReason = why;
    this.cc.onEnterRecovery(flight, nowMs);
    const ssthresh = this.cc.ssthresh;
    if (this.opts.prr) {
      this.prr ??= new Prr(false, true, this.opts.linux);
      this.prr.enter(ssthresh, flight);
      this.prrQuota = this.prr.onAck(deliveredBytes, this.sb.pipe(), this.opts.mss, sndUnaAdvanced, newlyLost);
    } else {
      // RFC 6675 5 (4.2): cwnd = ssthresh.
      this.cc.cwnd = ssthresh;
    }
    out.entered = why;
  }

  /** Leave recovery or the loss phase: cwnd = ssthresh after PRR (RFC 6937 3), RACK's persistence counts down. */
  private leave(out: RecoveryAckOutcome, nowMs: number): void {
    if (this.phase === 'recovery') {
      if (this.prr && !out.undone) this.cc.cwnd = this.cc.ssthresh;
      this.sb.recoveryPoint = undefined;
      this.cc.onLeaveRecovery(nowMs);
    }
    this.rack.onRecoveryExit();
    this.phase = 'open';
    this.entryReason = undefined;
    // The undo marker stays: a D-SACK for the episode's retransmission often comes just after recovery ends.
    out.exited = true;
  }
}
