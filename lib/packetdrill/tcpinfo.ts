/**
 * TCP_INFO as the model can give it, for the `tcpi_*` names of `%{ }%` blocks (Linux's struct
 * tcp_info, include/uapi/linux/tcp.h): the state, the congestion window and threshold in segments, the
 * RTO and RTT in microseconds, the MSS, segments in flight, the congestion-avoidance state, and the
 * timeouts and probes in a row, the segments deemed lost and SACKed and the reordering seen (the recovery
 * module's scoreboard). Names the model keeps nothing for (tcpi_rcv_rtt...) are not here: a script that reads
 * one is UNSUPPORTED.
 */
import type { Connection } from '../tcp/connection.ts';
import type { TcpStateName } from '../trace/events.ts';
import { seqLt } from '../wire/seq.ts';
import { renoCounts } from '../tcp/recovery/sack-recovery.ts';

/** Linux's numbers for the states (include/net/tcp_states.h). */
const STATE_NUMBERS: Record<TcpStateName, number> = {
  'ESTABLISHED': 1, 'SYN-SENT': 2, 'SYN-RECEIVED': 3, 'FIN-WAIT-1': 4, 'FIN-WAIT-2': 5, 'TIME-WAIT': 6,
  'CLOSED': 7, 'CLOSE-WAIT': 8, 'LAST-ACK': 9, 'LISTEN': 10, 'CLOSING': 11,
};

/** The constants a block may compare with (packetdrill's code.c defines them for the Python). */
export const TCPI_CONSTANTS: Record<string, number> = {
  TCP_ESTABLISHED: 1, TCP_SYN_SENT: 2, TCP_SYN_RECV: 3, TCP_FIN_WAIT1: 4, TCP_FIN_WAIT2: 5, TCP_TIME_WAIT: 6,
  TCP_CLOSE: 7, TCP_CLOSE_WAIT: 8, TCP_LAST_ACK: 9, TCP_LISTEN: 10, TCP_CLOSING: 11,
  TCP_CA_Open: 0, TCP_CA_Disorder: 1, TCP_CA_CWR: 2, TCP_CA_Recovery: 3, TCP_CA_Loss: 4,
  TCP_INFINITE_SSTHRESH: 0x7fffffff,
  TCPI_OPT_TIMESTAMPS: 1, TCPI_OPT_SACK: 2, TCPI_OPT_WSCALE: 4, TCPI_OPT_ECN: 8, TCPI_OPT_ECN_SEEN: 16, TCPI_OPT_SYN_DATA: 32,
};

/**
 * Linux's congestion-avoidance state: Recovery (3) in fast recovery; Loss (4) after a retransmission
 * timeout until everything sent before it is acknowledged (tcp_enter_loss's high_seq, the connection's
 * lossHighSeq); Disorder (1) with duplicate ACKs; else Open (0).
 */
function caState(c: Connection): number {
  if (c.recovery.inRecovery) return 3;
  if (c.timeoutsInARow > 0 || (c.lossHighSeq !== undefined && seqLt(c.sndUna, c.lossHighSeq))) return 4;
  return c.recovery.dupAcks > 0 ? 1 : 0;
}

export function tcpInfo(c: Connection, now: number): Map<string, number> {
  const mss = c.effMss;
  const flight = c.flight;
  const ssthresh = c.cc.ssthresh >= 0x7fffffff ? 0x7fffffff : Math.floor(c.cc.ssthresh / mss);
  // Without a scoreboard (NewReno), Linux's Reno emulation (renoCounts).
  const counts = c.recovery.segmentCounts?.() ?? renoCounts(c.recovery);
  return new Map<string, number>([
    ['tcpi_state', STATE_NUMBERS[c.state]],
    ['tcpi_snd_cwnd', Math.floor(c.cc.cwnd / mss)],
    ['tcpi_snd_ssthresh', ssthresh],
    ['tcpi_rto', Math.round(c.rtt.rtoMs * 1000)],
    ['tcpi_rtt', Math.round((c.rtt.srttMs ?? 0) * 1000)],
    ['tcpi_rttvar', Math.round(c.rtt.deviationMs * 1000)],
    ['tcpi_snd_mss', mss],
    ['tcpi_advmss', c.config.mss],
    ['tcpi_unacked', Math.ceil(flight / mss)],
    ['tcpi_ca_state', caState(c)],
    ['tcpi_retransmits', c.timeoutsInARow],
    ['tcpi_probes', c.probesUnanswered],
    ['tcpi_options', c.infoOptions],
    ['tcpi_lost', counts.lost],
    ['tcpi_sacked', counts.sacked],
    ['tcpi_retrans', counts.retrans],
    ['tcpi_reordering', counts.reordering],
    ...(c.chrono ? ([['tcpi_busy_time', Math.round(c.chrono.busyMs(now) * 1000)], ['tcpi_rwnd_limited', Math.round(c.chrono.rwndLimitedMs(now) * 1000)]] as const) : []),
  ]);
}

/**
 * getsockopt(TCP_INFO) as a call: packetdrill compares an `[int]` optval with optlen 4 against the
 * struct's first four bytes read as a little-endian int: tcpi_state, tcpi_ca_state, tcpi_retransmits,
 * tcpi_probes (one byte each). The rest of the struct is read with `%{ }%` (the names above).
 */
export function tcpInfoFirstWord(c: Connection): number {
  const i = tcpInfo(c, 0);
  const b = (n: string) => Math.min(255, i.get(n)!);
  return (b('tcpi_state') | (b('tcpi_ca_state') << 8) | (b('tcpi_retransmits') << 16) | (b('tcpi_probes') << 24)) >>> 0;
}

tcpInfo.supported = ['tcpi_state', 'tcpi_snd_cwnd', 'tcpi_snd_ssthresh', 'tcpi_rto', 'tcpi_rtt', 'tcpi_rttvar', 'tcpi_snd_mss', 'tcpi_advmss', 'tcpi_unacked', 'tcpi_ca_state', 'tcpi_retransmits', 'tcpi_probes', 'tcpi_options', 'tcpi_lost', 'tcpi_sacked', 'tcpi_retrans', 'tcpi_reordering', 'tcpi_busy_time', 'tcpi_rwnd_limited'];
