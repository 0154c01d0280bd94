import { seqGe, seqGt, seqLt } from '../../wire/seq.ts';
import { DUP_THRESH, type AckUpdate, type Scoreboard, type SegmentRecord } from './scoreboard.ts';

/**
 * RACK-TLP (RFC 8985): time-based loss detection (RACK, section 6) and the tail loss probe (TLP,
 * section 7). It keeps its per-segment state (transmit time, lost, retransmitted) on the scoreboard's
 * records. All times are milliseconds of the virtual clock.
 */

/** RFC 8985 6.2 "RACK_sent_after(t1, seq1, t2, seq2)": was (t1, seq1) sent after (t2, seq2)? */
export function sentAfter(t1: number, seq1: number, t2: number, seq2: number): boolean {
  return t1 > t2 || (t1 === t2 && seqGt(seq1, seq2));
}

/** The same, with the transmission order (SegmentRecord.xmitOrder) breaking a tie in place of the sequence number. */
function sentAfterInOrder(t1: number, order1: number, t2: number, order2: number): boolean {
  return t1 > t2 || (t1 === t2 && order1 > order2);
}

/** What the connection tells RACK about an ACK, beside the scoreboard's update. */
export interface RackAckInput {
  nowMs: number;
  sndUna: number;
  sndNxt: number;
  /** In fast recovery or in an RTO's recovery (RFC 8985 6.2 step 4). */
  inRecovery: boolean;
  /** The transmit time (our clock) the ACK's TSecr echoes, when timestamps are on (RFC 8985 6.2 step 2). */
  echoedXmitMs?: number;
}

/** RACK's state (RFC 8985 6.1). */
export class Rack {
  /** RACK.min_RTT: the smallest RTT seen (RFC 8985 allows a windowed minimum; the connection's minimum here). */
  minRttMs = Infinity;
  /** RACK.rtt: the RTT of the most recently sent segment acknowledged. */
  rttMs = 0;
  /** RACK.xmit_ts and RACK.end_seq of the most recently sent segment acknowledged or SACKed. */
  xmitMs: number | undefined;
  endSeq = 0;
  /** The transmission order of that segment (SegmentRecord.xmitOrder). */
  xmitOrder = 0;
  /** RACK.fack: the highest end sequence acknowledged or SACKed. */
  fack: number | undefined;
  /** RACK.reordering_seen. */
  reorderingSeen = false;
  /** RACK.reo_wnd_mult, RACK.reo_wnd_persist, RACK.dsack_round (RFC 8985 6.2 step 4). */
  reoWndMult = 1;
  reoWndPersist = 0;
  dsackRound: number | undefined;

  /** RFC 8985 6.2 step 1: a new RTT sample (from timestamps or an unambiguous segment). */
  updateMinRtt(rttMs: number): void {
    if (rttMs >= 0 && rttMs < this.minRttMs) this.minRttMs = rttMs;
  }

  /**
   * RFC 8985 6.2 steps 2-4 for one ACK: the most recently sent segment delivered sets RACK.xmit_ts, end_seq
   * and rtt; a delivery below RACK.fack of a segment never retransmitted is reordering; a D-SACK widens the
   * reordering window for 16 recoveries.
   */
  onAck(update: AckUpdate, input: RackAckInput): void {
    // The records delivered: those the cumulative ACK took, then those newly SACKed (two arrays, walked as one).
    const acked = update.newlyAcked;
    const sacked = update.newlySacked;
    const na = update.ackedCount;
    const n = na + update.sackedCount;
    for (let i = 0; i < n; i++) {
      const s: SegmentRecord = i < na ? acked[i]! : sacked[i - na]!;
      const rtt = input.nowMs - s.xmitMs;
      // Step 2: a retransmitted segment's delivery may be the original's (Karn's ambiguity); skip those the
      // timestamp echo or the minimum RTT show to be for an earlier transmission.
      const ambiguous = s.retransmitted && ((input.echoedXmitMs !== undefined && input.echoedXmitMs < s.xmitMs) || rtt < this.minRttMs);
      if (!ambiguous) {
        this.rttMs = rtt;
        if (this.xmitMs === undefined || sentAfterInOrder(s.xmitMs, s.xmitOrder, this.xmitMs, this.xmitOrder)) {
          this.xmitMs = s.xmitMs;
          this.endSeq = s.end;
          this.xmitOrder = s.xmitOrder;
        }
      }
      // Step 3: reordering is a never-retransmitted segment delivered below the highest one delivered.
      if (this.fack === undefined || seqGt(s.end, this.fack)) this.fack = s.end;
      else if (seqLt(s.end, this.fack) && !s.retransmitted) this.reorderingSeen = true;
    }
    // Step 4: D-SACK rounds.
    if (this.dsackRound !== undefined && seqGe(input.sndUna, this.dsackRound)) this.dsackRound = undefined;
    if (this.dsackRound === undefined && update.dsack) {
      this.dsackRound = input.sndNxt;
      this.reoWndMult += 1;
      this.reoWndPersist = 16;
    }
  }

  /** RFC 8985 6.2 step 4: leaving fast or RTO recovery counts down the widened window's persistence. */
  onRecoveryExit(): void {
    this.reoWndPersist -= 1;
    if (this.reoWndPersist <= 0) this.reoWndMult = 1;
  }

  /** RFC 8985 6.2 step 4 "RACK_update_reo_wnd()": zero until reordering is seen (then DupThresh rules), else min_RTT/4 times the multiplier, at most SRTT. */
  reoWndMs(sb: Scoreboard, inRecovery: boolean, srttMs: number): number {
    if (!this.reorderingSeen) {
      if (inRecovery) return 0;
      // RACK.segs_sacked: the segments the scoreboard holds as SACKed.
      let sacked = 0;
      for (const s of sb.segments) if (s.sacked && ++sacked >= DUP_THRESH) return 0;
    }
    if (this.minRttMs === Infinity) return 0;
    return Math.min((this.reoWndMult * this.minRttMs) / 4, srttMs);
  }

  /**
   * RFC 8985 6.2 step 5 "RACK_detect_loss()": every segment sent before the most recently delivered one and
   * outstanding longer than RACK.rtt + reo_wnd is lost. Returns the bytes newly marked and, when some segment
   * is not yet overdue, the time until it will be (the reordering timer, 6.3); 0 when none.
   */
  detectLoss(sb: Scoreboard, nowMs: number, reoWndMs: number): { lostBytes: number; timeoutMs: number } {
    let timeoutMs = 0;
    let lostBytes = 0;
    if (this.xmitMs === undefined) return { lostBytes, timeoutMs };
    sb.touched();
    sb.owedEpoch++;
    for (const s of sb.segments) {
      // Delivered, or already lost and waiting for its retransmission (RFC 8985: xmit_ts = INFINITE_TS).
      if (s.sacked || (s.lost && !s.rtxInFlight)) continue;
      if (!sentAfterInOrder(this.xmitMs, this.xmitOrder, s.xmitMs, s.xmitOrder)) continue;
      const remaining = s.xmitMs + this.rttMs + reoWndMs - nowMs;
      if (remaining <= 0) {
        s.lost = true;
        s.rtxInFlight = false;
        lostBytes += (s.end - s.seq) >>> 0;
      } else {
        timeoutMs = Math.max(timeoutMs, remaining);
      }
    }
    return { lostBytes, timeoutMs };
  }

  /**
   * RFC 8985 6.3 "RACK_mark_losses_on_RTO()": at an RTO, the first unacknowledged segment and every segment
   * outstanding longer than RACK.rtt + reo_wnd is lost. Returns the bytes newly marked.
   */
  markLossesOnRto(sb: Scoreboard, nowMs: number, reoWndMs: number): number {
    sb.touched();
    sb.owedEpoch++;
    let lostBytes = 0;
    for (const s of sb.segments) {
      if (s.sacked || (s.lost && !s.rtxInFlight)) continue;
      if (s.seq === sb.sndUna || s.xmitMs + this.rttMs + reoWndMs - nowMs <= 0) {
        s.lost = true;
        s.rtxInFlight = false;
        lostBytes += (s.end - s.seq) >>> 0;
      }
    }
    return lostBytes;
  }
}

/** RFC 8985 7.2 "WCDelAckT": the worst-case delayed-ACK timer a probe must wait out when one segment is in flight. */
export const WC_DEL_ACK_MS = 200;
/** Linux's TCP_TIMEOUT_MIN (2 jiffies): what its probe timeout adds to 2 * SRTT with more than one segment in flight. */
const LINUX_TIMEOUT_MIN_MS = 2;

/** RFC 8985 7: the tail loss probe's state. */
export class Tlp {
  /** TLP.end_seq: SND.NXT when the probe went out; undefined when no probe episode is open. */
  endSeq: number | undefined;
  /** TLP.is_retrans: the probe was a retransmission (not new data). */
  isRetrans = false;

  /**
   * RFC 8985 7.2 "TLP_calc_PTO()": 2 * SRTT (1 s before any sample), plus WCDelAckT when a single segment is
   * in flight, never past the RTO. With `linux`, today's tcp_schedule_loss_probe instead: 2 * SRTT plus the
   * minimum RTO (200 ms) with one segment in flight, else plus TCP_TIMEOUT_MIN (2 ms), rounded up to whole
   * milliseconds (jiffies at HZ=1000). (Linux before 4.13 took at least 10 ms, and with one segment in flight
   * at least 1.5 * SRTT + 200 ms; the 2 ms is what a partial ACK on a 1 ms path shows, as in packetdrill's
   * close/shutdown-rdwr-send-queue-ack-close: the probe 5 ms after the last send.)
   */
  ptoMs(srttMs: number | undefined, oneSegmentInFlight: boolean, rtoRemainingMs: number, linux = false): number {
    let pto: number;
    if (srttMs === undefined) pto = 1000;
    else if (linux) {
      pto = Math.ceil(2 * srttMs + (oneSegmentInFlight ? WC_DEL_ACK_MS : LINUX_TIMEOUT_MIN_MS));
    } else {
      pto = 2 * srttMs;
      if (oneSegmentInFlight) pto += WC_DEL_ACK_MS;
    }
    return Math.min(pto, rtoRemainingMs);
  }

  /**
   * RFC 8985 7.2: arm the PTO instead of the RTO when SACK is on, the connection is not in recovery, data is
   * outstanding and no probe episode is open.
   */
  mayArm(sackOk: boolean, inRecovery: boolean, outstandingBytes: number): boolean {
    return sackOk && !inRecovery && outstandingBytes > 0 && this.endSeq === undefined;
  }

  /**
   * RFC 8985 7.3 "TLP_send_probe()": new data when there is some the window allows, else the last segment
   * sent. Returns the range to send.
   */
  chooseProbe(sb: Scoreboard, newDataBytes: number, mss: number): { seq: number; len: number; isRetrans: boolean } | undefined {
    if (newDataBytes > 0) return { seq: sb.sndNxt, len: Math.min(mss, newDataBytes), isRetrans: false };
    const segs = sb.segments;
    for (let i = segs.length - 1; i >= 0; i--) {
      const s = segs[i]!;
      if (s.sacked) continue;
      const len = Math.min(mss, (s.end - s.seq) >>> 0);
      return { seq: (s.end - len) >>> 0, len, isRetrans: true };
    }
    return undefined;
  }

  /** RFC 8985 7.3: the probe went out; the episode ends at SND.NXT. */
  onProbeSent(sndNxt: number, isRetrans: boolean): void {
    this.endSeq = sndNxt;
    this.isRetrans = isRetrans;
  }

  /**
   * RFC 8985 7.4.2 "TLP_process_ack()": did the probe repair a loss (an ACK beyond TLP.end_seq without a
   * D-SACK for it: the congestion controller must react as to a loss), was it needless (a D-SACK for it),
   * or is the episode still open (an ACK of exactly TLP.end_seq waits for the next one, as Linux's does)?
   */
  onAck(ack: number, dsack: [number, number] | undefined, isDupAckWithoutSack: boolean): 'open' | 'closed' | 'spurious' | 'repaired-loss' {
    if (this.endSeq === undefined || seqLt(ack, this.endSeq)) return this.endSeq === undefined ? 'closed' : 'open';
    if (!this.isRetrans) {
      this.endSeq = undefined;
      return 'closed';
    }
    if (dsack && seqLt(dsack[0], this.endSeq) && seqGe(this.endSeq, dsack[1])) {
      this.endSeq = undefined;
      return 'spurious';
    }
    if (seqGt(ack, this.endSeq)) {
      this.endSeq = undefined;
      return 'repaired-loss';
    }
    if (isDupAckWithoutSack) {
      // Both the original and the probe arrived, and the receiver does not report D-SACKs (Linux's
      // tcp_process_tlp_ack reads a pure duplicate ACK so): no loss.
      this.endSeq = undefined;
      return 'closed';
    }
    return 'open';
  }
}
