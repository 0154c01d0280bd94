/**
 * Retransmission timeout estimation, RFC 6298. All values in milliseconds.
 */
export class RttEstimator {
  srttMs: number | undefined;
  rttvarMs = 0;
  /** Exponential backoff multiplier from consecutive timeouts (RFC 6298 5.5). */
  backoff = 1;
  private baseRtoMs: number;

  /** The limits are read from `limits` (a connection's TcpConfig, shared by all its connections). */
  constructor(private readonly limits: { readonly rtoInitialMs: number; readonly rtoMinMs: number; readonly rtoMaxMs: number }) {
    // RFC 6298 2.1: until a measurement is made, RTO is the initial value (1 s).
    this.baseRtoMs = limits.rtoInitialMs;
  }

  /** The current RTO, backoff applied, within [min, max]. */
  get rtoMs(): number {
    return Math.min(this.limits.rtoMaxMs, this.baseRtoMs * this.backoff);
  }

  /** A new round-trip sample (never from a retransmitted segment: Karn's rule, RFC 6298 3). */
  sample(rttMs: number): void {
    const r = Math.max(rttMs, 0);
    if (this.srttMs === undefined) {
      // RFC 6298 2.2: the first measurement.
      this.srttMs = r;
      this.rttvarMs = r / 2;
    } else {
      // RFC 6298 2.3 with alpha = 1/8, beta = 1/4.
      this.rttvarMs = 0.75 * this.rttvarMs + 0.25 * Math.abs(this.srttMs - r);
      this.srttMs = 0.875 * this.srttMs + 0.125 * r;
    }
    // RFC 6298 2.3/2.4: RTO = SRTT + max(G, K*RTTVAR), G = 1 ms (our clock granularity), at least the minimum.
    this.baseRtoMs = Math.max(this.limits.rtoMinMs, this.srttMs + Math.max(1, 4 * this.rttvarMs));
    this.backoff = 1;
  }

  /** RFC 6298 5.5: the timer expired, double the RTO. */
  onTimeout(): void {
    if (this.baseRtoMs * this.backoff < this.limits.rtoMaxMs) this.backoff *= 2;
  }
}
