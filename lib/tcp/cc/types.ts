/**
 * The seam between the connection and its congestion control and loss recovery, as Linux separates
 * tcp_congestion_ops (how cwnd grows and how far it falls) from tcp_input's loss detection and recovery
 * (when a segment counts as lost, what is sent again, when recovery begins and ends).
 *
 * - A CongestionControl owns cwnd and ssthresh and their arithmetic outside recovery: growth on an ACK
 *   (slow start, congestion avoidance), the reduction when recovery begins, the collapse after an RTO.
 *   Reno (RFC 5681) is lib/tcp/cc/reno.ts.
 * - A LossRecovery sees every acceptable ACK (with its SACK blocks), every data segment sent (with its
 *   time) and every RTO; it decides when recovery begins and ends, sets cwnd inside recovery (inflation,
 *   deflation, PRR), and says what to send again and why. NewReno (RFC 6582) is lib/tcp/cc/newreno.ts.
 *
 * Both are chosen per connection by name from the config (TcpConfig.congestionControl, .lossRecovery),
 * from the tables of lib/tcp/cc/registry.ts. Units: bytes and sequence numbers (32-bit, RFC 9293 3.4),
 * times in ms of the connection's clock. Nothing here reads a clock or sends a segment: the modules
 * answer, the connection acts.
 */

/** A SACK block as the option carries it (RFC 2018 3): [left edge, right edge), sequence numbers. */
export type SackBlock = readonly [left: number, right: number];

/** What a module is told when it is made: the connection's settings it may depend on. */
export interface CcParams {
  /** The effective send MSS known at creation (536-based until the SYN exchange; see CongestionControl.setMss). */
  mss: number;
  /** Initial window in segments (TcpConfig.initialWindow). */
  initialWindow: number;
  /** The connection's initial send sequence number. */
  iss: number;
  /** TcpConfig.profile: where the RFCs leave a choice, 'linux' takes Linux's. */
  profile: 'rfc' | 'linux';
  /** TcpConfig.prr, .undo: PRR (RFC 6937) in recovery; undo of a reduction proved spurious (D-SACK, RFC 2883). */
  prr?: boolean;
  undo?: boolean;
  /** TcpConfig.frto: F-RTO (RFC 5682 2.1) after a retransmission timeout. */
  frto?: boolean;
}

export interface CongestionControl {
  /** The name it is registered under (lib/tcp/cc/registry.ts). */
  readonly name: string;
  /** Congestion window (bytes, RFC 5681 2). A LossRecovery may set it inside recovery. */
  cwnd: number;
  /** Slow start threshold (bytes, RFC 5681 3.1). */
  ssthresh: number;
  /** The current sender MSS (bytes). */
  readonly mss: number;
  /** The SYN exchange settled the MSS (RFC 9293 3.7.1): take it, and start over from the initial window. */
  setMss(mss: number): void;
  /**
   * New data was acknowledged outside recovery while cwnd limited the sender (RFC 7661's "cwnd-limited";
   * the connection decides which ACKs count): grow cwnd. `ack` is the ACK's details, valid during the call.
   */
  onAck(ack: AckSample): void;
  /** Recovery begins (fast retransmit, or loss found from SACK): set ssthresh for the reduction. `flight`: bytes outstanding. */
  onEnterRecovery(flight: number, now: number): void;
  /** Recovery ended with every byte it covered acknowledged. */
  onLeaveRecovery(now: number): void;
  /** A retransmission timeout (RFC 5681 3.1 equation 4): ssthresh from `flight`, cwnd to the loss window. */
  onRto(flight: number, now: number): void;
  /**
   * Optional: data is about to leave with nothing in flight, `idleMs` after the last data segment (Linux's
   * CA_EVENT_TX_START). CUBIC moves its epoch on by the idle time (RFC 9438 5.8: an application-limited
   * spell must not count as time for the cubic function's growth).
   */
  onTxStart?(idleMs: number, now: number): void;
  /**
   * Optional: the controller's whole state, for undo to put back (RFC 9438 4.9: CUBIC's W_max, K and epoch as
   * well as cwnd and ssthresh). Without these, undo restores cwnd and ssthresh alone (Linux's prior_cwnd).
   */
  snapshot?(): unknown;
  restore?(s: unknown): void;
  /** Optional: what the trace's `cc` event shows of the controller's own state (CUBIC's W_max, K and phase). */
  traceState?(): CcTraceState;
}

/** A congestion controller's state for the trace (docs/trace-format.md, `cc`): W_max in segments, K in seconds. */
export interface CcTraceState {
  phase: 'slow-start' | 'css' | 'avoidance';
  wMax?: number;
  k?: number;
}

/** The scoreboard's view for the trace: ranges `A:B` (sequence numbers, half open) SACKed, deemed lost, and retransmitted and still in flight. */
export interface ScoreboardView {
  sacked: string[];
  lost: string[];
  rtx: string[];
}

/**
 * One acceptable ACK, as the connection hands it to LossRecovery.onAck (and to CongestionControl.onAck).
 * The connection fills one object and reuses it: it is valid only during the call; copy what you keep.
 */
export interface AckSample {
  /** SEG.ACK. */
  ack: number;
  /** Sequence space newly acknowledged by it (SND.UNA moved by this much; 0 for none). */
  bytesAcked: number;
  /**
   * A duplicate ACK in RFC 5681 2's sense (same ACK number, no data, no SYN or FIN, window unchanged,
   * data outstanding), as the connection judged it. A SACK-based module may count others (RFC 6675 2).
   */
  duplicate: boolean;
  /** The SACK blocks the segment carried when SACK was agreed (RFC 2018), in the option's order; else empty. */
  sackBlocks: readonly SackBlock[];
  /** SACK was agreed in the SYN exchange (RFC 2018 2): a module may fall back to a non-SACK algorithm when not. */
  sackOk: boolean;
  /** Bytes outstanding (SND.NXT - SND.UNA) before this ACK, and after it. */
  flightBefore: number;
  flightAfter: number;
  /** SND.UNA after the ACK was taken, SND.NXT and the highest sequence number sent (SND.MAX). */
  sndUna: number;
  sndNxt: number;
  sndMax: number;
  /** cwnd limited the sender over the last round trip (Linux's tcp_is_cwnd_limited; always true in the rfc profile). */
  cwndLimited: boolean;
  /** The RTT sample this ACK gave (ms), if it gave one, and the smoothed RTT after it (RFC 6298), once there is one. */
  rttMs: number | undefined;
  srttMs: number | undefined;
  /** The TSecr the ACK echoed (RFC 7323 3), when timestamps are in use; Eifel detection reads it (RFC 3522 2). */
  tsecr: number | undefined;
  /** Bytes never sent that the peer's window would take now (beyond SND.MAX): F-RTO's "new data" (RFC 5682 2.1 step 2b). */
  newBytes: number;
  now: number;
}

/** A segment for the connection to send again: from `seq`, at most `len` bytes (one MSS when absent), and why. */
export interface Retransmission {
  seq: number;
  len?: number;
  /**
   * The reason, as the trace shows it (TxInfo.why): 'fast-retransmit' (RFC 5681 3.2), and for the
   * modules to come e.g. 'sack-recovery' (RFC 6675), 'rack' (RFC 8985), 'tlp' (RFC 8985 7).
   */
  why: string;
  /** Send it outside cwnd (RFC 5681 3.2 step 4: the fast retransmission itself); never outside the peer's window. */
  ignoreCwnd: boolean;
}

/** What an ACK did to recovery, for the connection (which clears its RTT timing on 'entered', Karn). */
export type RecoveryStep = 'none' | 'entered' | 'continued' | 'left';

export interface LossRecovery {
  readonly name: string;
  /** In fast recovery (Linux's TCP_CA_Recovery; TCP_INFO's tcpi_ca_state 3). */
  readonly inRecovery: boolean;
  /** Duplicate ACKs counted since the last new one (TCP_INFO's tcpi_ca_state 1, "disorder", when above 0). */
  readonly dupAcks: number;
  /**
   * Every acceptable ACK in a synchronized state, after SND.UNA and the RTT have been taken from it and before
   * the send window is: decide on recovery, and set cwnd inside it (through the CongestionControl it was
   * made with). What to send again is asked next, through nextRetransmission.
   */
  onAck(ack: AckSample): RecoveryStep;
  /**
   * Asked after each ACK until it answers undefined: the next segment to send again now. The connection sends
   * it (within the peer's window) and calls onTransmit for it.
   */
  nextRetransmission(sndUna: number, sndNxt: number): Retransmission | undefined;
  /**
   * A data segment (or FIN) left: [seq, seq + len) in sequence space, at `now`, a retransmission or not.
   * RACK (RFC 8985) keeps these per-segment transmit times; NewReno needs none.
   */
  onTransmit(seq: number, len: number, retransmit: boolean, now: number, tsval?: number): void;
  /** The bytes the sender counts as in the network, for the window check ("pipe", RFC 6675 2); NewReno: `flight`. */
  pipe(flight: number): number;
  /** A retransmission timeout (RFC 6582 4 / RFC 6675 5.1): leave recovery; `sndMax` is the highest sent. */
  onRto(sndMax: number, now: number): void;
  /**
   * Optional: when the module's own timer should fire (RACK's reordering timer, RFC 8985 6.3; the tail loss
   * probe's PTO, 7.2), asked after each ACK and each transmission of new data; undefined: not running.
   * `rtoAt` is when the RTO is due; `restart`: data was sent or newly acknowledged (the PTO restarts then,
   * not on a duplicate ACK); `sackOk`: SACK was agreed. The connection runs it as the `recovery` timer.
   */
  timerAt?(now: number, rtoAt: number | undefined, srttMs: number | undefined, restart: boolean, sackOk: boolean): number | undefined;
  /**
   * Optional: that timer fired. 'probe': send a tail loss probe (RFC 8985 7.3: one new segment if the
   * peer's window allows, else probeSegment()), then call onProbeSent; 'retransmit': ask nextRetransmission.
   */
  onTimer?(now: number, srttMs: number | undefined): 'probe' | 'retransmit' | 'none';
  /** Optional: the segment to send again as the probe when no new data can go (RFC 8985 7.3: the last one sent). */
  probeSegment?(): Retransmission | undefined;
  onProbeSent?(isRetrans: boolean): void;
  /**
   * Optional, asked after each ACK: where SND.NXT should stand now, or undefined to leave it. After a timeout
   * the connection goes back to SND.UNA (RFC 5681 3.1); F-RTO (RFC 5682 2.1 step 2b) sends new data instead,
   * from SND.MAX, and goes back only when the timeout proves real (step 3a).
   */
  sendFrom?(): number | undefined;
  /** Optional: the scoreboard as the trace shows it; undefined while nothing is SACKed, lost or retransmitted. */
  scoreboardView?(): ScoreboardView | undefined;
  /** Optional: segments deemed lost and not SACKed, SACKed, retransmitted and in flight, reordering seen (TCP_INFO's tcpi_lost, tcpi_sacked, tcpi_retrans, tcpi_reordering). */
  segmentCounts?(): { lost: number; sacked: number; retrans: number; reordering: number };
  /** Optional: whether the peer SACKed the byte at `seq` (the scoreboard's view; false without one). */
  isSacked?(seq: number): boolean;
}

export type CongestionControlFactory = (p: CcParams) => CongestionControl;
export type LossRecoveryFactory = (p: CcParams, cc: CongestionControl) => LossRecovery;
