/**
 * The connection states of RFC 9293 3.3.2, and the transitions its state diagram (figure 5) and text allow.
 * Owned by lib/tcp; the trace layer (lib/trace/events.ts) takes its TcpStateName from here.
 */
export type TcpStateName =
  | 'CLOSED' | 'LISTEN' | 'SYN-SENT' | 'SYN-RECEIVED' | 'ESTABLISHED' | 'FIN-WAIT-1' | 'FIN-WAIT-2'
  | 'CLOSE-WAIT' | 'CLOSING' | 'LAST-ACK' | 'TIME-WAIT';
/** The same type, by the connection's name for it. */
export type TcpState = TcpStateName;

export const TCP_STATES: readonly TcpState[] = [
  'CLOSED', 'LISTEN', 'SYN-SENT', 'SYN-RECEIVED', 'ESTABLISHED', 'FIN-WAIT-1', 'FIN-WAIT-2',
  'CLOSE-WAIT', 'CLOSING', 'LAST-ACK', 'TIME-WAIT',
];

/**
 * RFC 9293's state diagram (figure 5), with the transitions it describes in words: any synchronized
 * state to CLOSED on RST, ABORT or a timeout (3.10.5, 3.10.7.4, 3.8.3), SYN-RECEIVED to FIN-WAIT-1 on a
 * CLOSE (3.10.4) and to CLOSE-WAIT on a FIN (3.10.7.4, eighth), SYN-SENT to ESTABLISHED on a SYN-ACK.
 */
export const LEGAL_TRANSITIONS: Readonly<Record<TcpState, readonly TcpState[]>> = {
  'CLOSED': ['LISTEN', 'SYN-SENT'],
  'LISTEN': ['SYN-RECEIVED', 'CLOSED'],
  'SYN-SENT': ['SYN-RECEIVED', 'ESTABLISHED', 'CLOSED'],
  'SYN-RECEIVED': ['ESTABLISHED', 'FIN-WAIT-1', 'CLOSE-WAIT', 'CLOSED'],
  'ESTABLISHED': ['FIN-WAIT-1', 'CLOSE-WAIT', 'CLOSED'],
  'FIN-WAIT-1': ['FIN-WAIT-2', 'CLOSING', 'TIME-WAIT', 'CLOSED'],
  'FIN-WAIT-2': ['TIME-WAIT', 'CLOSED'],
  'CLOSE-WAIT': ['LAST-ACK', 'CLOSED'],
  'CLOSING': ['TIME-WAIT', 'CLOSED'],
  'LAST-ACK': ['CLOSED'],
  'TIME-WAIT': ['CLOSED'],
};

/** Whether RFC 9293's diagram has an edge from `from` to `to`. */
export function isLegalTransition(from: TcpState, to: TcpState): boolean {
  return LEGAL_TRANSITIONS[from].includes(to);
}
