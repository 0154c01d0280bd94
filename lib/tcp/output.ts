import { ACK, FIN, NO_OPTIONS, OPTION_NOP as NOP, OPTION_SACK_PERMITTED as SACK_PERMITTED, PSH, RST, SYN, seqLen, type TcpOption, type TcpSegment } from '../wire/tcp-types.ts';
import { seqAdd, seqDiff, seqGe, seqGt, seqLe, seqLt, seqMax } from '../wire/seq.ts';
import { Tcb, CHECKED, CHECKERS, EMPTY, OWES_OUTPUT, REUSE_SEGMENTS, synWindow, type TxInfo } from './tcb.ts';
import { FastOpenClient } from './tfo.ts';
import { LinuxPush } from './linux-push.ts';
import { linuxDefersCutPacket, linuxSendsCutPiece } from './linux-split.ts';
import { OUTBOX, OUT_TRANSMIT } from './outbox.ts';
import { restartAfterIdle } from './idle-restart.ts';

/**
 * Output (Linux's tcp_output): what the windows, Nagle and SWS avoidance let go, the retransmissions the
 * recovery module asks for, SYNs, bare ACKs, challenge ACKs and resets; the one segment builder and the
 * window field it carries.
 */

/**
 * The SYN's options by (timestamps ? 4 : 0) | (SACK ? 2 : 0) | (window scale ? 1 : 0), in Linux's order:
 * MSS, SACK-permitted, timestamps, NOP, window scale, NOPs padding what is left out. SYN_MSS, SYN_TIMESTAMPS
 * and SYN_WSCALE only mark where those options go: sendSyn puts option objects with this SYN's values there,
 * the queue record's own for a connection whose sink uses each segment at once, new ones for any other.
 */
const SYN_TIMESTAMPS = { kind: 'timestamps' as const, tsval: 0, tsecr: 0 };
const SYN_MSS = { kind: 'mss' as const, mss: 0 };
const SYN_WSCALE = { kind: 'wscale' as const, shift: 0 };
const SYN_LAYOUTS: TcpOption[][] = [
  [SYN_MSS],
  [SYN_MSS, NOP, SYN_WSCALE],
  [SYN_MSS, NOP, NOP, SACK_PERMITTED],
  [SYN_MSS, NOP, NOP, SACK_PERMITTED, NOP, SYN_WSCALE],
  [SYN_MSS, NOP, NOP, SYN_TIMESTAMPS],
  [SYN_MSS, NOP, NOP, SYN_TIMESTAMPS, NOP, SYN_WSCALE],
  [SYN_MSS, SACK_PERMITTED, SYN_TIMESTAMPS],
  [SYN_MSS, SACK_PERMITTED, SYN_TIMESTAMPS, NOP, SYN_WSCALE],
];
/** How an ordinary segment was sent: one object for all of them. */
export const PLAIN: TxInfo = Object.freeze({ retransmit: false, why: undefined });
export const SYN_AGAIN: TxInfo = Object.freeze({ retransmit: true, why: 'rto' });
/** A SYN-ACK sent again because the peer repeated its SYN (our first was lost), not because a timer ran out. */
export const SYN_ACK_FOR_DUP_SYN: TxInfo = Object.freeze({ retransmit: true, why: 'dup-syn' });
/** RFC 5961 7: challenge ACKs sent per second, at most. */
const CHALLENGE_ACKS_PER_SECOND = 10;

export abstract class TcpOutput extends Tcb {
  /**
   * Send what the recovery module asks to send again (RFC 5681 3.2, RFC 6582 3.2: one segment from SND.UNA),
   * each outside cwnd when it says so, never outside the peer's window.
   */
  protected sendRetransmissions(now: number): void {
    for (let r = this.recovery.nextRetransmission(this.sndUna, this.sndNxt); r; r = this.recovery.nextRetransmission(this.sndUna, this.sndNxt)) {
      const saved = this.sndNxt;
      this.sndNxt = r.seq;
      this.output(now, r.why, 1, r.ignoreCwnd, false, r.len);
      this.sndNxt = seqMax(saved, this.sndNxt);
      if (this.timers.rto === undefined) this.setTimer('rto', now + this.rtt.rtoMs, now);
    }
  }

  /** ABORT's reset (RFC 9293 3.10.5): <SEQ=SND.NXT><CTL=RST>, with <ACK=RCV.NXT> too when `withAck` (Linux's form). */
  protected ownReset(withAck: boolean): TcpSegment {
    return {
      srcPort: this.localPort, dstPort: this.remotePort, seq: this.sndMax, ack: withAck ? this.rcvNxt : 0, flags: withAck ? RST | ACK : RST,
      window: 0, urgent: 0, options: NO_OPTIONS, payload: EMPTY,
    };
  }

  // ---------------------------------------------------------------- output

  /**
   * Whether cwnd may grow on this ACK. RFC 5681 grows it on every ACK. The linux profile grows it in slow
   * start only while cwnd is less than twice the most segments in flight in the last round trip
   * (tcp_is_cwnd_limited, as RFC 7661 asks of an application-limited sender); outside slow start always.
   */
  protected cwndLimited(): boolean {
    if (this.config.profile !== 'linux' || this.cc.cwnd >= this.cc.ssthresh) return true;
    return this.cc.cwnd < 2 * this.maxInFlight;
  }

  /** Linux profile: the end of the last data segment sent shorter than the MSS (Linux's snd_sml, Minshall's Nagle). */
  private sndSml: number | undefined;

  /**
   * When a segment carrying data last left, or when the connection was established (Linux's lsndtime);
   * undefined before. Restart after idle (restartIfIdle) and CUBIC's epoch (onTxStart) count idle time from it.
   */
  protected lastDataSentMs: number | undefined;

  /**
   * RFC 5681 4.1, when TcpConfig.slowStartAfterIdle is on: nothing in flight and no data sent for more than
   * the RTO, so cwnd goes to the restart window before anything is sent (lib/tcp/idle-restart.ts). Asked where
   * Linux asks it: the application queues data, or an ACK changes the peer's window while data waits.
   */
  protected restartIfIdle(now: number): void {
    if (!this.config.slowStartAfterIdle || this.lastDataSentMs === undefined || this.sndMax !== this.sndUna) return;
    const cc = this.cc;
    const r = restartAfterIdle({
      cwnd: cc.cwnd, ssthresh: cc.ssthresh, mss: cc.mss, initialWindowSegs: this.config.initialWindow, idleMs: now - this.lastDataSentMs,
      rtoMs: this.rtt.rtoMs, linux: this.config.profile === 'linux', inReduction: this.recovery.inRecovery,
    });
    if (r === undefined) return;
    cc.ssthresh = r.ssthresh;
    cc.cwnd = r.cwnd;
    this.reportCongestion(now);
  }

  /** The linux profile's record of the most bytes in flight in the round trip that ends at maxInFlightSeq. */
  protected noteInFlight(): void {
    const f = this.flight;
    if (this.maxInFlightSeq === undefined || seqGe(this.sndUna, this.maxInFlightSeq)) {
      this.maxInFlight = f;
      this.maxInFlightSeq = this.sndNxt;
    } else if (f > this.maxInFlight) this.maxInFlight = f;
  }

  /** The send chronographs: data queued or in flight, and whether the peer's window has no room for the next segment (Linux's tcp_snd_wnd_test). */
  protected chronoUpdate(now: number): void {
    const unsent = this.unsentBytes();
    const next = Math.min(unsent, this.effMss);
    this.chrono!.update(this.sendBuf.length > 0 || this.flight > 0, unsent > 0 && seqGt(seqAdd(this.sndNxt, next), seqAdd(this.sndUna, this.snd.wnd)), now);
  }

  /** Linux profile: a segment shorter than the MSS is sent and not yet acknowledged (tcp_minshall_check). */
  private shortUnacked(): boolean {
    return this.sndSml !== undefined && seqGt(this.sndSml, this.sndUna) && seqLe(this.sndSml, this.sndNxt);
  }

  /**
   * Linux profile: whether new data sent now ends what may go at once (the window or Nagle holds back
   * the rest): the end of the packet Linux would hand its device (lib/tcp/linux-push.ts).
   */
  protected lastOfBurst(left: number, usableLeft: number, segMss: number, wndLeft = -1, nextAt = 0): boolean {
    const next = Math.min(left, segMss, usableLeft);
    // A piece the peer's window cuts that goes in this packet (lib/tcp/linux-split.ts) does not end it.
    return next === 0 || (next < segMss && this.config.nagle && !this.linuxCutPieceGoes(nextAt, next, left, wndLeft, 1));
  }

  /**
   * Linux profile: whether `piece` bytes, short of the MSS because the peer's window ends there (`wndLeft`: the
   * window's room at the piece, which starts at `at`) with data beyond it (`left`), go in the packet being built, `ahead` segments
   * after the next one's place (tcp_mss_split_point; lib/tcp/linux-split.ts).
   */
  private linuxCutPieceGoes(at: number, piece: number, left: number, wndLeft: number, ahead: number): boolean {
    const p = this.linuxPush;
    if (!p || piece !== wndLeft || piece >= left) return false;
    // The piece and the segment before it in one send-queue buffer (Linux cuts one buffer's packet, never two).
    if (p.bufferEndBetween(seqAdd(at, -1), seqAdd(at, 1))) return false;
    const nagleHolds = (this.hold?.holdsShort() ?? false) || (this.config.nagle && this.shortUnacked());
    return linuxSendsCutPiece(p.segmentsInPacket + ahead, p.perPacket, p.cutDeferred, nagleHolds);
  }

  /** Linux profile: the application queued `n` bytes at the end of the send buffer (LinuxPush.wrote). */
  protected notePushMarks(n: number): void {
    const end = seqAdd(this.bufSeq, this.sendBuf.length);
    const p = (this.linuxPush ??= new LinuxPush(seqAdd(this.iss, 1), this.config.minTsoSegs));
    p.wrote(seqAdd(end, -n), end, this.sndMax, this.effMss, this.snd.max, this.hold?.more ?? false);
  }

  /**
   * Linux profile: whether the data segment [seq, seq + len) carries PSH (lib/tcp/linux-push.ts). RFC 9293
   * 3.9.1 leaves where a sender sets PSH to it; the rfc profile sets it only where the buffer empties.
   */
  private linuxPsh(seq: number, len: number, endsQueue: boolean, capped: boolean, left: number, usable: number, segMss: number, now: number): boolean {
    const p = this.linuxPush;
    const end = seqAdd(seq, len);
    if (!p) return endsQueue;
    if (seqLt(seq, this.sndMax)) return endsQueue || p.retransmitted(seq, end, now, this.sndMax, this.recovery.isSacked?.bind(this.recovery));
    const lastNow = capped || this.lastOfBurst(left - len, usable - len, segMss, this.snd.wnd - this.flight - len, end);
    return p.newData(end, endsQueue, lastNow, p.perPacket, now);
  }

  /**
   * Linux profile, new data at the start of an offloaded packet: size the packet, as tcp_write_xmit sizes each
   * with the flight before it, and say whether Linux defers it: only asked here when the peer's window, not
   * cwnd, ends inside the packet past its first whole segment (tcp_tso_should_defer; lib/tcp/linux-split.ts).
   * `unsent`, `usable`: bytes unsent and what the windows let go now.
   */
  private linuxPacketDefers(p: LinuxPush, now: number, pipe: number, unsent: number, usable: number, segMss: number): boolean {
    p.perPacket = p.segmentsPerPacket(this.effMss, this.cc.cwnd, this.cc.ssthresh, this.flight, pipe, this.rtt.srttMs);
    const wndRoom = this.snd.wnd - this.flight;
    p.cutDeferred = wndRoom === usable && wndRoom > segMss && wndRoom < unsent && wndRoom < p.perPacket * segMss && wndRoom % segMss !== 0
      && !p.bufferEndBetween(this.sndNxt, seqAdd(this.sndNxt, wndRoom))
      && linuxDefersCutPacket(now, this.lastDataSentMs, p.headSentMs, this.rtt.srttMs, this.recovery.inRecovery, wndRoom, this.snd.wnd, this.cc.cwnd);
    return p.cutDeferred;
  }

  /**
   * Send what the windows, Nagle and SWS avoidance allow, then a bare ACK if one is owed.
   * `limit` caps the number of data segments (1 after a timeout); `force` ignores the windows
   * (a fast retransmission of the first unacknowledged segment); `maxLen` caps a segment's payload (a
   * retransmission the recovery module sized). Returns the segments sent.
   */
  protected output(now: number, why?: string, limit = Infinity, force = false, override = false, maxLen = Infinity): number {
    // A connection the application closed or aborted from inside an event handler sends nothing more.
    if (this.state === 'CLOSED') {
      this.ackNow = false;
      return 0;
    }
    // A full pass after a segment's processing settles what 3.10.7.4's last step owes (sendOwed): the
    // application's write from inside its 'writable' handler usually makes it, and a second would find nothing.
    if (limit === Infinity && !force && !override && maxLen === Infinity) this.bits &= ~OWES_OUTPUT;
    const anythingQueued = this.finQueued || this.unsentBytes() > 0;
    // Nothing to send, no ACK owed and no chronograph to move (a receiver between its delayed ACKs): nothing to do.
    if (!anythingQueued && !this.ackNow && !this.chrono) return 0;
    let sent = 0;
    this.linuxPush?.startPass(this.sndUna);
    // Nothing unsent and no FIN to send (a receiver, called once a segment): no data segment, no probe.
    const canSendData = anythingQueued
      && (this.state === 'ESTABLISHED' || this.state === 'CLOSE-WAIT' || this.state === 'FIN-WAIT-1' || this.state === 'CLOSING' || this.state === 'LAST-ACK');
    while (canSendData && sent < limit) {
      const offset = seqDiff(this.sndNxt, this.bufSeq);
      const bufLen = this.sendBuf.length;
      const unsent = Math.max(0, bufLen - offset);
      const flight = this.flight;
      // A forced retransmission ignores cwnd (RFC 5681 3.2) but never the window the peer offered (3.8.6).
      // The recovery module's count of bytes in the network (RFC 6675 "pipe"; NewReno: the flight) is held
      // against cwnd; the peer's window against everything sent and not acknowledged (SACKed bytes included).
      // pipe() first: in PRR recovery it sets cwnd (pipe + the quota), which must be read after it.
      const pipe = force ? flight : this.recovery.pipe(flight);
      const usable = force ? Math.max(0, this.snd.wnd - flight) : Math.max(0, Math.min(this.snd.wnd - flight, -pipe + this.cc.cwnd));
      // SACK blocks take room in the header that a full-sized segment does not have (Linux's tcp_current_mss).
      const segMss = Math.max(1, this.effMss - this.sackOptionLength());
      let len = Math.min(unsent, segMss, usable, maxLen);
      const finSeq = seqAdd(this.bufSeq, bufLen);
      const finToSend = this.finQueued && offset + len === bufLen && seqLe(this.sndNxt, finSeq) && this.sndNxt !== seqAdd(finSeq, 1);
      if (len === 0 && !(finToSend && unsent === 0)) break;
      if (len > 0 && len < segMss && !force) {
        const allRemaining = len === unsent;
        // Nagle (RFC 9293 3.7.4): a short segment waits while data is unacknowledged, unless it is the last before our FIN.
        // The linux profile's Nagle is Minshall's (tcp_nagle_check): it holds a short segment only while an earlier short one is unacknowledged.
        const nagleOk = (!this.hold?.holdsShort() && (!this.config.nagle || flight === 0 || (this.config.profile === 'linux' && !this.shortUnacked()))) || (this.finQueued && allRemaining);
        // Sender SWS avoidance (RFC 9293 3.8.6.2.1): send at least half the largest window the peer offered.
        const swsOk = this.snd.max > 0 && len >= this.snd.max / 2;
        const retransmitting = seqLt(this.sndNxt, this.sndMax);
        // The linux profile sends a piece the peer's window cuts inside a packet of several segments (lib/tcp/linux-split.ts).
        const linuxCut = this.linuxPush !== undefined && !retransmitting
          && this.linuxCutPieceGoes(this.sndNxt, len, unsent, this.snd.wnd - flight, 0);
        if (!((allRemaining && nagleOk) || (swsOk && nagleOk) || retransmitting || override || linuxCut)) break;
      }
      // Linux profile: each offloaded packet of new data is sized as it starts, and may wait whole for the next ACK.
      const p = this.linuxPush;
      if (p !== undefined && len > 0 && p.atPacketStart && !seqLt(this.sndNxt, this.sndMax) && this.linuxPacketDefers(p, now, pipe, unsent, usable, segMss) && !force && !override) break;
      const payload = this.sendBuf.peek(offset, len);
      let flags = ACK;
      if (len > 0 && this.config.profile === 'linux') {
        if (this.linuxPsh(this.sndNxt, len, offset + len === bufLen, sent + 1 >= limit, unsent, usable, segMss, now)) flags |= PSH;
      } else if (len > 0 && offset + len === bufLen) flags |= PSH; // BSD: PSH on the segment that empties the buffer
      if (finToSend) flags |= FIN;
      const seq = this.sndNxt;
      if (flags & PSH && !override && this.hold?.unpushed(seqAdd(seq, len))) flags &= ~PSH;
      const retransmit = seqLt(seq, this.sndMax);
      if (len > 0) {
        // Linux's CA_EVENT_TX_START: data leaves with nothing in flight (RFC 9438 5.8 for CUBIC).
        if (flight === 0 && this.lastDataSentMs !== undefined) this.cc.onTxStart?.(now - this.lastDataSentMs, now);
        this.lastDataSentMs = now;
      }
      const seg = this.makeSegment(seq, flags, payload, now);
      const segLen = seqLen(seg);
      this.sndNxt = seqAdd(seq, segLen);
      if (seqGt(this.sndNxt, this.sndMax)) this.sndMax = this.sndNxt;
      if (!retransmit && this.rttSeq === undefined && len > 0) {
        this.rttSeq = this.sndNxt;
        this.rttStartMs = now;
      }
      this.emit(seg, retransmit ? { retransmit, why } : PLAIN, now);
      this.recovery.onTransmit(seq, segLen, retransmit, now, this.tsOk ? this.tsClock(now) : undefined);
      sent++;
      if (this.config.profile === 'linux') {
        this.noteInFlight();
        if (len < segMss) this.sndSml = this.sndNxt;
        // Linux has one transmit timer: new data in flight makes it the retransmission timer again
        // (tcp_event_new_data_sent), so a probe timer set while data was held is gone.
        if (!retransmit && this.timers.persist !== undefined) this.cancelTimer('persist', now);
      }
      if (this.timers.rto === undefined) this.setTimer('rto', now + this.rtt.rtoMs, now);
      if (flags & FIN) break;
    }
    // RFC 8985 7.2: the probe timeout restarts after data is sent.
    if (sent > 0) this.armRecoveryTimer(now);
    if (this.ackNow) this.emit(this.makeSegment(this.bareAckSeq(), ACK, EMPTY, now), why === undefined ? PLAIN : { retransmit: false, why }, now);
    if (this.chrono) this.chronoUpdate(now);
    // Data waiting and nothing in flight to bring an ACK: a zero window is probed (RFC 9293 3.8.6.1), a
    // window too small to use is forced after the override timeout (3.8.6.2.1). Both run on the persist timer.
    if (canSendData && this.unsentBytes() > 0 && this.flight === 0 && this.timers.persist === undefined && this.timers.rto === undefined) {
      this.armPersist(now);
    }
    return sent;
  }

  /** Send a window update at once when a read freed enough space (RFC 9293 3.8.6.2.2; RecvWindow.updateWorthSending). */
  protected maybeWindowUpdate(now: number): void {
    const rb = this.recvBuf!;
    const auto = this.rcvAuto;
    if (this.rcv.updateWorthSending(rb.rcvNxt, rb.unread, auto !== undefined ? auto.fullSpace() : this.config.rcvbuf, this.effMss)) {
      this.ackNow = true;
      this.output(now, 'window-update');
    }
  }

  /** `how`: PLAIN the first time, else a retransmission with its cause (SYN_AGAIN, SYN_ACK_FOR_DUP_SYN). */
  protected sendSyn(now: number, withAck: boolean, how: TxInfo): void {
    const retransmit = how.retransmit;
    const offerSack = this.config.sack && (!withAck || this.sackOk);
    const offerTs = this.config.timestamps && (!withAck || this.tsOk);
    const offerWs = this.config.windowScale && (!withAck || this.wsAgreed);
    const tsval = offerTs ? this.tsClock(now) : 0;
    const tsecr = withAck ? this.tsRecent : 0;
    const window = synWindow(this.config.rcvbuf);
    // Without RCV.NXT (a SYN of an active open) the edge is set when the SYN-ACK brings it (onSegmentSynSent).
    if (this.recvBuf) this.rcv.offeredSyn(this.recvBuf.rcvNxt, window);
    const ack = withAck ? this.recvBuf!.rcvNxt : 0;
    const layout = SYN_LAYOUTS[(offerTs ? 4 : 0) | (offerSack ? 2 : 0) | (offerWs ? 1 : 0)];
    const flags = SYN | (withAck ? ACK : 0);
    let seg: TcpSegment;
    if (this.bits & REUSE_SEGMENTS) {
      // The sink is done with it once handed over (ConnectionParams.segmentsUsedAtOnce): the SYN is written
      // into the queue's next record, its segment and option objects, as makeSegment writes the others.
      const r = OUTBOX.slot();
      const options = r.ownSynOptions;
      options.length = 0;
      for (const o of layout) {
        if (o === SYN_MSS) {
          r.ownMss.mss = this.config.mss;
          options.push(r.ownMss);
        } else if (o === SYN_TIMESTAMPS) {
          r.ownTs.tsval = tsval;
          r.ownTs.tsecr = tsecr;
          options.push(r.ownTs);
        } else if (o === SYN_WSCALE) {
          r.ownWscale.shift = this.rcv.scale;
          options.push(r.ownWscale);
        } else {
          options.push(o);
        }
      }
      seg = r.own;
      seg.srcPort = this.localPort;
      seg.dstPort = this.remotePort;
      seg.seq = this.iss;
      seg.ack = ack;
      seg.flags = flags;
      seg.window = window;
      seg.urgent = 0;
      seg.options = options;
      seg.payload = EMPTY;
    } else {
      // The same layout with option objects of this segment's own (map makes an array of its final length).
      const options = layout.map((o): TcpOption => {
        if (o === SYN_MSS) return { kind: 'mss', mss: this.config.mss };
        if (o === SYN_TIMESTAMPS) return { kind: 'timestamps', tsval, tsecr };
        if (o === SYN_WSCALE) return { kind: 'wscale', shift: this.rcv.scale };
        return o;
      });
      seg = { srcPort: this.localPort, dstPort: this.remotePort, seq: this.iss, ack, flags, window, urgent: 0, options, payload: EMPTY };
    }
    this.sndNxt = seqAdd(this.iss, 1);
    if (!retransmit) {
      this.rttSeq = this.sndNxt;
      this.rttStartMs = now;
      // RFC 7413: the Fast Open option, and a client's data after the SYN (lib/tcp/tfo.ts).
      if (this.fastOpen) seg = this.fastOpenSyn(seg, withAck);
    }
    this.sndMax = seqMax(this.sndMax, this.sndNxt);
    this.ackNow = false;
    this.cancelTimer('delack', now);
    this.emit(seg, how, now);
    this.setTimer('rto', now + this.rtt.rtoMs, now);
  }

  /** The first SYN's or SYN-ACK's Fast Open option, and what of the send buffer rides on a client's SYN (SND.NXT past it). */
  private fastOpenSyn(seg: TcpSegment, withAck: boolean): TcpSegment {
    const extra = this.fastOpen!.synOptions(withAck, this.config.mss);
    if (!extra) return seg;
    const len = Math.min(extra.room, this.sendBuf.length);
    if (len > 0 && this.fastOpen instanceof FastOpenClient) {
      this.fastOpen.synData = len;
      this.sndNxt = seqAdd(this.sndNxt, len);
    }
    return { ...seg, options: [...seg.options, ...extra.options], payload: len > 0 ? this.sendBuf.peek(0, len) : seg.payload };
  }

  /** Bytes the SACK option adds to our next segment (RFC 2018 3: 2 + 8 per block, with two NOPs). */
  protected sackOptionLength(): number {
    if (!this.sackOk || !(this.recvBuf?.hasGaps || this.dsackBlock)) return 0;
    return 4 + 8 * this.sackBlocksNow().length;
  }

  /** RFC 2883 4 (with the `dsack` setting): remember a duplicate [from, to) for the next ACK's first SACK block. */
  protected noteDuplicate(from: number, to: number): void {
    if (this.config.dsack && this.sackOk && seqLt(from, to)) this.dsackBlock = [from, to];
  }

  /** The SACK blocks for the next segment: a D-SACK first when one is owed (RFC 2883 4), then RFC 2018's; at most 4, 3 with timestamps. */
  private sackBlocksNow(): Array<[number, number]> {
    const max = this.tsOk ? 3 : 4;
    const blocks = this.recvBuf?.hasGaps ? this.recvBuf.sackBlocks(this.dsackBlock ? max - 1 : max) : [];
    return this.dsackBlock ? [this.dsackBlock, ...blocks] : blocks;
  }

  protected makeSegment(seq: number, flags: number, payload: Buffer, now: number): TcpSegment {
    if (this.bits & REUSE_SEGMENTS && !(this.sackOk && (this.recvBuf?.hasGaps || this.dsackBlock))) {
      // The sink is done with a segment when it is handed over (ConnectionParams.segmentsUsedAtOnce): written
      // into the segment object of the queue's next record (lib/tcp/outbox.ts), made once and reused.
      const r = OUTBOX.slot();
      const seg = r.own;
      seg.srcPort = this.localPort;
      seg.dstPort = this.remotePort;
      seg.seq = seq;
      seg.ack = this.recvBuf ? this.recvBuf.rcvNxt : 0;
      seg.flags = flags;
      seg.window = this.windowField();
      seg.payload = payload;
      if (this.tsOk) {
        r.ownTs.tsval = this.tsClock(now);
        r.ownTs.tsecr = this.tsRecent;
        seg.options = r.ownTsOptions;
      } else {
        seg.options = NO_OPTIONS;
      }
      return seg;
    }
    // Arrays written as literals of their final length: an empty array that is pushed to gets room for 17.
    let options = NO_OPTIONS;
    if (this.sackOk && (this.recvBuf?.hasGaps || this.dsackBlock)) {
      // RFC 2018 3: at most 4 blocks, 3 with timestamps; a D-SACK is reported once (RFC 2883 4).
      const sack: TcpOption = { kind: 'sack', blocks: this.sackBlocksNow() };
      this.dsackBlock = undefined;
      options = this.tsOk ? [NOP, NOP, this.tsOption(now, this.tsRecent), NOP, NOP, sack] : [NOP, NOP, sack];
    } else if (this.tsOk) {
      options = [NOP, NOP, this.tsOption(now, this.tsRecent)];
    }
    return {
      srcPort: this.localPort, dstPort: this.remotePort, seq, ack: this.recvBuf ? this.recvBuf.rcvNxt : 0,
      flags, window: this.windowField(), urgent: 0, options, payload,
    };
  }

  /** The window field of our next segment (RecvWindow.field), from the receive buffer's free space. */
  protected windowField(): number {
    const rb = this.recvBuf;
    if (!rb) return synWindow(this.config.rcvbuf);
    // Linux's receive autotuning (lib/tcp/rcvbuf-auto.ts): the free space as __tcp_select_window offers it.
    // rcv_ssthresh caps a new offer as a window clamp does; the free space still bounds the edge kept.
    const auto = this.rcvAuto;
    if (auto !== undefined) {
      const cap = Math.min(this.rcv.clamp, auto.offerCap(rb.unread, 1 << this.rcv.scale));
      return this.rcv.field(rb.rcvNxt, auto.free(rb.unread), auto.fullSpace(), this.effMss, cap);
    }
    return this.rcv.field(rb.rcvNxt, Math.max(0, this.config.rcvbuf - rb.unread), this.config.rcvbuf, this.effMss);
  }

  protected emit(seg: TcpSegment, info: TxInfo, now: number): void {
    if (seg.flags & ACK) {
      this.ackNow = false;
      this.unackedBytes = 0;
      if (this.timers.delack !== undefined) this.cancelTimer('delack', now);
    }
    if (this.bits & CHECKED) {
      const inv = CHECKERS.get(this)!;
      inv.transmit(now, this.tcbView(inv), seg, info.why);
    }
    const r = OUTBOX.push(OUT_TRANSMIT, now);
    r.info = info;
    r.seg = seg;
  }

  /**
   * The SEQ of a segment that carries only an ACK: one the peer will find acceptable (3.10.7.4), or its
   * acknowledgment is never read. SND.MAX, not SND.NXT: after a timeout SND.NXT went back to SND.UNA, below
   * what the peer may already hold (as BSD does). But never past the peer's window: a zero-window probe's
   * byte (3.8.6.1) is sent past it and not taken, and an ACK numbered after it would be refused, answered,
   * and the answer refused in turn by a peer that probes too (Linux's tcp_acceptable_seq stops at the edge).
   */
  protected bareAckSeq(): number {
    // Before our SYN is acknowledged the peer's window is not known yet (SND.WND is 0 for "unknown"): SND.MAX
    // (SND.NXT, 3.10.7.4's <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> in SYN-RECEIVED).
    if (!this.synAcked) return this.sndMax;
    const edge = this.snd.edge(this.sndUna);
    return seqLe(this.sndMax, edge) ? this.sndMax : edge;
  }

  protected challengeAck(now: number): void {
    // RFC 5961 7: rate-limit challenge ACKs, counted per second of the clock (as Linux counts its
    // tcp_challenge_ack_limit per jiffies / HZ), so "at most 10 in any clock second" holds exactly.
    const second = Math.floor(now / 1000);
    const c = (this.challenge ??= { start: second, count: 0 });
    if (c.start !== second) {
      c.start = second;
      c.count = 0;
    }
    if (c.count >= CHALLENGE_ACKS_PER_SECOND) return;
    c.count++;
    this.emit(this.makeSegment(this.bareAckSeq(), ACK, EMPTY, now), { retransmit: false, why: 'challenge-ack' }, now);
  }
}
