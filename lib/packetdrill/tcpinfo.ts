/**
 * TCP_INFO as the model can give it, for the `tcpi_*` names of `%{ }%` blocks (Linux's struct
 * tcp_info, include/uapi/linux/tcp.h): the state, the congestion window and threshold in segments, the
 * RTO and RTT in microseconds, the MSS, segments in flight and the congestion-avoidance state. Names
 * the model keeps nothing for (tcpi_sacked, tcpi_lost, tcpi_reordering, tcpi_rcv_rtt...) are not here:
 * a script that reads one is UNSUPPORTED.
 */
import type { Connection } from '../tcp/connection.ts';
import type { TcpStateName } from '../trace/events.ts';

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
};

export function tcpInfo(c: Connection): Map<string, number> {
  const mss = c.effMss;
  const flight = c.flight;
  const ssthresh = c.cc.ssthresh >= 0x7fffffff ? 0x7fffffff : Math.floor(c.cc.ssthresh / mss);
  return new Map<string, number>([
    ['tcpi_state', STATE_NUMBERS[c.state]],
    ['tcpi_snd_cwnd', Math.floor(c.cc.cwnd / mss)],
    ['tcpi_snd_ssthresh', ssthresh],
    ['tcpi_rto', Math.round(c.rtt.rtoMs * 1000)],
    ['tcpi_rtt', Math.round((c.rtt.srttMs ?? 0) * 1000)],
    ['tcpi_rttvar', Math.round(c.rtt.rttvarMs * 1000)],
    ['tcpi_snd_mss', mss],
    ['tcpi_advmss', c.config.mss],
    ['tcpi_unacked', Math.ceil(flight / mss)],
    ['tcpi_ca_state', c.recovery.inRecovery ? 3 : c.recovery.dupAcks > 0 ? 1 : 0],
  ]);
}

tcpInfo.supported = ['tcpi_state', 'tcpi_snd_cwnd', 'tcpi_snd_ssthresh', 'tcpi_rto', 'tcpi_rtt', 'tcpi_rttvar', 'tcpi_snd_mss', 'tcpi_advmss', 'tcpi_unacked', 'tcpi_ca_state'];
