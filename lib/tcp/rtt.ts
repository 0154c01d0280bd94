import { seqGt } from '../wire/seq.ts';

/**
 * Retransmission timeout estimation, RFC 6298. All values in milliseconds.
 *
 * The linux profile follows Linux's tcp_rtt_estimator and __tcp_set_rto instead: RTO = SRTT + RTTVAR, where
 * RTTVAR (4 x the mean deviation) is at least the minimum RTO and decays towards the round trip's largest
 * deviation only once a round trip (when SND.UNA passes the SND.NXT of the last such step). So RTO is SRTT
 * plus at least 200 ms (210 ms for a 10 ms path, where RFC 6298 gives 200 ms), and a fall in the RTT
 * lowers the deviation eight times more slowly than a rise raises it.
 */
export class RttEstimator {
  srttMs: number | undefined;
  rttvarMs = 0;
  /** Exponential backoff multiplier from consecutive timeouts (RFC 6298 5.5). */
  backoff = 1;
  private baseRtoMs: number;

  /** The limits are read from `limits` (a connection's TcpConfig, shared by all its connections). */
  constructor(private readonly limits: { readonly rtoInitialMs: number; readonly rtoMinMs: number; readonly rtoMaxMs: number; readonly profile?: string }) {
    // RFC 6298 2.1: until a measurement is made, RTO is the initial value (1 s).
    this.baseRtoMs = limits.rtoInitialMs;
  }

  /** Linux's mean deviation (x4), its largest in this round trip, and the SND.NXT that ends the round trip. */
  private mdev4 = 0;
  private mdevMax = 0;
  private rttSeq = 0;

  /** The mean deviation of the RTT (RFC 6298's RTTVAR; the linux profile's mdev, which TCP_INFO's tcpi_rttvar reports). */
  get deviationMs(): number {
    return this.limits.profile === 'linux' ? this.mdev4 / 4 : this.rttvarMs;
  }

  /** The current RTO, backoff applied, within [min, max]. */
  get rtoMs(): number {
    return Math.min(this.limits.rtoMaxMs, this.baseRtoMs * this.backoff);
  }

  /**
   * A new round-trip sample (never from a retransmitted segment: Karn's rule, RFC 6298 3). `una` and `nxt`,
   * SND.UNA and SND.NXT after the ACK, mark the round trips of the linux profile's estimator.
   */
  sample(rttMs: number, una = 0, nxt = 0): void {
    const r = Math.max(rttMs, 0);
    if (this.limits.profile === 'linux') {
      this.sampleLinux(r, una, nxt);
      return;
    }
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

  private sampleLinux(r: number, una: number, nxt: number): void {
    const min = this.limits.rtoMinMs;
    if (this.srttMs === undefined) {
      this.srttMs = r;
      this.mdev4 = 2 * r;
      this.rttvarMs = Math.max(this.mdev4, min);
      this.mdevMax = this.rttvarMs;
      this.rttSeq = nxt;
    } else {
      let m = r - this.srttMs;
      this.srttMs += m / 8;
      if (m < 0) {
        m = -m - this.mdev4 / 4;
        if (m > 0) m /= 8;
      } else {
        m -= this.mdev4 / 4;
      }
      this.mdev4 += m;
      if (this.mdev4 > this.mdevMax) {
        this.mdevMax = this.mdev4;
        if (this.mdevMax > this.rttvarMs) this.rttvarMs = this.mdevMax;
      }
      if (seqGt(una, this.rttSeq)) {
        if (this.mdevMax < this.rttvarMs) this.rttvarMs -= (this.rttvarMs - this.mdevMax) / 4;
        this.rttSeq = nxt;
        this.mdevMax = min;
      }
    }
    this.baseRtoMs = this.srttMs + this.rttvarMs;
    this.backoff = 1;
  }

  /** RFC 6298 5.5: the timer expired, double the RTO. */
  onTimeout(): void {
    if (this.baseRtoMs * this.backoff < this.limits.rtoMaxMs) this.backoff *= 2;
  }
}
