import { OUTBOX } from './outbox.ts';
import { ACK, PSH } from '../wire/tcp-types.ts';
import { seqAdd, seqDiff, seqMax } from '../wire/seq.ts';
import type { TcpState } from './states.ts';
import { TIMER_KINDS, type TimerKind } from './timers.ts';
import { CHECKED, CHECKERS, EMPTY } from './tcb.ts';
import { TcpOutput, SYN_AGAIN } from './output.ts';

/** The timers firing (RFC 9293 3.8, 3.10.8; Linux's tcp_timer): retransmission, persist, delayed ACK, TIME-WAIT, keep-alive. */
export abstract class TcpTimers extends TcpOutput {
  /**
   * SND.MAX when the last retransmission timeout struck (Linux's high_seq in tcp_enter_loss): until SND.UNA
   * passes it the connection is in Linux's Loss state (TCP_INFO's tcpi_ca_state, lib/packetdrill/tcpinfo.ts).
   */
  lossHighSeq: number | undefined = undefined;

  // ---------------------------------------------------------------- timers (3.10.8)

  /** The earliest time at which `onTimer` has work to do. */
  nextDeadline(): number | undefined {
    return this.timers.next();
  }

  /** Run every timer due at `now`. A spurious call does nothing. */
  onTimer(now: number): void {
    const mark = OUTBOX.len;
    try {
      if (this.bits & CHECKED) {
        const inv = CHECKERS.get(this)!;
        inv.input(now, 'timers due');
        this.runTimers(now);
        inv.check(now, this.tcbView(inv));
        return;
      }
      this.runTimers(now);
    } finally {
      if (OUTBOX.len !== mark) this.deliver(mark);
    }
  }

  protected runTimers(now: number): void {
    const timers = this.timers;
    // TIMER_KINDS runs `recovery` first: a probe timeout due with the RTO goes first and re-arms it (lib/tcp/timers.ts).
    for (const kind of TIMER_KINDS) {
      const at = timers.at(kind);
      if (at === undefined || at > now) continue;
      timers.set(kind, undefined);
      if (this.wantsTimers) this.queueTimer(kind, 'fire', undefined, now);
      if (this.state === 'CLOSED') return;
      this.fire(kind, now);
      if ((this.state as TcpState) === 'CLOSED') return;
    }
  }

  /** What each timer does when it fires (RFC 9293 3.10.8): one case a kind of lib/tcp/timers.ts (the compiler checks that none is missing). */
  protected fire(kind: TimerKind, now: number): void {
    switch (kind) {
      case 'rto': this.onRetransmissionTimeout(now); return;
      case 'persist': this.onPersistTimeout(now); return;
      case 'delack': this.onDelayedAckTimeout(now); return;
      case 'timewait': this.enterClosed(this.state === 'FIN-WAIT-2' ? 'FIN-WAIT-2 timeout' : 'timewait timeout', now); return;
      case 'keepalive': this.onKeepaliveTimeout(now); return;
      case 'recovery': this.onRecoveryTimer(now); return;
      default: kind satisfies never;
    }
  }

  /** The delayed ACK is due (RFC 9293 3.8.6.3). */
  protected onDelayedAckTimeout(now: number): void {
    this.ackNow = true;
    this.output(now, 'delack');
  }

  protected onRetransmissionTimeout(now: number): void {
    this.retries++;
    // An unacknowledged SYN goes again whatever the state: an application that closes in SYN-RECEIVED is in
    // FIN-WAIT-1 at once (3.10.4), its FIN queued behind the SYN, and the data path has nothing before the FIN.
    if (this.state === 'SYN-SENT' || this.state === 'SYN-RECEIVED' || this.sndUna === this.iss) {
      if (this.retries > this.config.synRetries) {
        this.fail('ETIMEDOUT', 'SYN retransmission limit', now);
        return;
      }
      this.rtt.onTimeout();
      this.rttSeq = undefined;
      this.sendSyn(now, this.state !== 'SYN-SENT', SYN_AGAIN);
      return;
    }
    // A user timeout, once set, replaces the retry count (RFC 5482 with Linux's retransmits_timed_out).
    if (this.userTimeout ? this.userTimeout.expired(now) : this.retries > this.config.maxRetries) {
      // RFC 9293 3.8.3 R2: give up and tell the application.
      this.fail('ETIMEDOUT', this.userTimeout ? 'user timeout' : 'retransmission limit', now);
      return;
    }
    // RFC 6298 5.4-5.6 and RFC 5681 3.1: back off, collapse cwnd, go back to SND.UNA.
    // The recovery module first: it keeps the window from before the timeout, for undo (RFC 3522, RFC 5682).
    this.recovery.onRto(this.sndMax, now);
    this.cc.onRto(this.flight, now);
    this.lossHighSeq = this.sndMax;
    this.rtt.onTimeout();
    this.rttSeq = undefined; // Karn: no sample from retransmitted data
    this.sndNxt = this.sndUna;
    let sent = this.output(now, 'rto', 1);
    // RFC 6298 5.4: the earliest unacknowledged segment goes whatever cwnd says (Linux's tcp_retransmit_timer
    // sends the head directly). RACK marks at an RTO only what is overdue (RFC 8985 6.3), so segments sent
    // just before can still fill pipe's one-segment cwnd.
    if (sent === 0 && this.sendBuf.length > 0 && this.recovery.pipe(0) > 0) sent = this.output(now, 'rto', 1, true);
    this.userTimeout?.retransmitted(now);
    if (sent === 0 && !this.timers.persist && this.unsentBytes() > 0) this.armPersist(now);
    if (this.flight > 0 && this.timers.rto === undefined) this.setTimer('rto', now + this.rtt.rtoMs, now);
    if (this.userTimeout && this.timers.rto !== undefined) this.setTimer('rto', Math.max(now, this.userTimeout.clamp(this.timers.rto)), now);
    this.reportCongestion(now);
  }

  /**
   * The persist timer. With a zero window: a probe of one byte past the window, backing off (RFC 9293 3.8.6.1).
   * With a window too small for SWS avoidance and nothing in flight: the "override timeout" of 3.8.6.2.1,
   * which sends what the window allows.
   */
  protected onPersistTimeout(now: number): void {
    if (this.unsentBytes() === 0) {
      this.persistBackoff = 0;
      return;
    }
    if (this.snd.wnd > 0) {
      this.persistBackoff = 0;
      // Linux's probe timer does nothing once data is in flight (tcp_probe_timer): its ACK will send the rest.
      if (this.config.profile === 'linux' && this.flight > 0) return;
      this.output(now, 'persist', 1, false, true);
      return;
    }
    if (this.config.profile === 'linux') {
      // Linux probes with no data: an ACK one below SND.UNA (tcp_write_wakeup's tcp_xmit_probe_skb), old enough
      // that the peer must answer it with an ACK carrying its window (RFC 9293 3.10.7.4), and nothing to retransmit.
      this.emit(this.makeSegment(seqAdd(this.sndUna, -1), ACK, EMPTY, now), { retransmit: false, why: 'persist' }, now);
      this.persistBackoff++;
      this.armPersist(now);
      return;
    }
    const offset = seqDiff(this.sndNxt, this.bufSeq);
    const byte = this.sendBuf.peek(offset, 1);
    const seg = this.makeSegment(this.sndNxt, ACK | (offset + 1 === this.sendBuf.length ? PSH : 0), byte, now);
    this.sndMax = seqMax(this.sndMax, seqAdd(this.sndNxt, 1));
    this.emit(seg, { retransmit: this.persistBackoff > 0, why: 'persist' }, now);
    this.recovery.onTransmit(this.sndNxt, 1, this.persistBackoff > 0, now);
    this.persistBackoff++;
    this.armPersist(now);
  }

  /**
   * The recovery module's timer fired: RACK found losses (send them again), or the tail loss probe is due
   * (RFC 8985 7.3: one new segment, outside cwnd, if the peer's window allows; else the last segment again;
   * then the RTO restarts).
   */
  protected onRecoveryTimer(now: number): void {
    const what = this.recovery.onTimer?.(now, this.rtt.srttMs) ?? 'none';
    if (what === 'retransmit') {
      this.sendRetransmissions(now);
    } else if (what === 'probe') {
      let isRetrans = false;
      let sent = this.unsentBytes() > 0 ? this.output(now, 'tlp', 1, true) : 0;
      const r = sent === 0 ? this.recovery.probeSegment?.() : undefined;
      if (r) {
        const saved = this.sndNxt;
        this.sndNxt = r.seq;
        sent = this.output(now, r.why, 1, true, false, r.len);
        this.sndNxt = seqMax(saved, this.sndNxt);
        isRetrans = true;
      }
      if (sent > 0) {
        this.recovery.onProbeSent?.(isRetrans);
        this.setTimer('rto', now + this.rtt.rtoMs, now);
      }
    }
    // Fired early (the deadline moved later meanwhile) or for nothing: set again for the deadline as it stands.
    this.armRecoveryTimer(now, what !== 'none');
    this.reportCongestion(now);
  }

  protected armPersist(now: number): void {
    const base = Math.max(this.rtt.rtoMs, this.config.persistMinMs);
    const interval = Math.min(this.config.persistMaxMs, base * 2 ** Math.min(this.persistBackoff, 16));
    this.setTimer('persist', now + interval, now);
  }

  protected onKeepaliveTimeout(now: number): void {
    // RFC 9293 3.8.4: keep-alives only when no sent data is outstanding (and none waits to be sent, as
    // Linux's tcp_keepalive_timer checks): then the retransmission or persist timer watches the peer, and
    // the keep-alive waits another idle time.
    if (this.flight > 0 || this.unsentBytes() > 0 || (this.finQueued && !this.finAcked())) {
      this.armKeepalive(now);
      return;
    }
    if (this.keepaliveProbes >= this.config.keepaliveProbes) {
      this.fail('ETIMEDOUT', 'keep-alive probes unanswered', now);
      return;
    }
    this.keepaliveProbes++;
    // RFC 9293 3.8.4: a probe with SEG.SEQ = SND.NXT - 1 and no data elicits an ACK.
    this.emit(this.makeSegment(seqAdd(this.sndUna, -1), ACK, EMPTY, now), { retransmit: true, why: 'keepalive' }, now);
    this.setTimer('keepalive', now + this.config.keepaliveIntervalMs, now);
  }

  protected armKeepalive(now: number): void {
    if (this.config.keepaliveMs <= 0 || !this.isSynchronized()) return;
    this.keepaliveProbes = 0;
    this.setTimer('keepalive', now + this.config.keepaliveMs, now);
  }
}
