/**
 * Limited Transmit (RFC 3042 section 2; RFC 5681 3.2 step 1): on the first and second duplicate ACKs a
 * sender sends one new segment each, when the peer's window allows and the data outstanding stays at most
 * cwnd + 2 * SMSS, without changing cwnd. Those segments' ACKs can then make the third duplicate ACK that
 * starts fast retransmit, where a small window would otherwise end in an RTO.
 *
 * Returns how many bytes of new data this duplicate ACK lets the sender send (0 on any other ACK).
 * `flightBytes` is FlightSize now, `newDataBytes` the unsent data the peer's window allows.
 */
export function limitedTransmitBytes(dupAcks: number, flightBytes: number, cwnd: number, mss: number, newDataBytes: number): number {
  if (dupAcks < 1 || dupAcks > 2) return 0;
  // RFC 3042 2: "the amount of outstanding data would remain less than or equal to the congestion window plus 2 segments".
  const room = cwnd + dupAcks * mss - flightBytes;
  return Math.max(0, Math.min(mss, newDataBytes, room));
}
