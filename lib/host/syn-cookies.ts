import { createRequire } from 'node:module';
import type { RandomSource } from './host.ts';

/**
 * SYN cookies (RFC 4987 3.6), made and checked as Linux does (net/ipv4/syncookies.c): when a listener's
 * queue of half-open connections is full, its SYN-ACK carries an initial sequence number that encodes
 * all the host needs to know later, and the host keeps nothing. A returning ACK whose acknowledgment
 * number minus one is a valid cookie for its 4-tuple creates the connection then.
 *
 *   ISN = H(k, 4-tuple) + SEG.SEQ of the SYN + (minute << 24) + ((H(k, 4-tuple, minute) + MSS index) mod 2^24)
 *
 * H is HMAC-SHA-256 with a 256-bit secret drawn from the host's seeded random source the first time a
 * cookie is made, so the same seed gives the same cookies. A cookie is good in the minute it was made and
 * the next (Linux's MAX_SYNCOOKIE_AGE); the MSS the peer announced is kept as an index into Linux's
 * table for IPv4, rounded down. As in Linux, the SYN's sequence number is added in, not authenticated: the
 * ACK's SEG.SEQ - 1 is taken as the SYN's. Window scaling and SACK fit only in the timestamps option: with both
 * sides doing timestamps they ride in the low 6 bits of our TSval (Linux's cookie_init_timestamp) and
 * come back in the peer's TSecr; without, the SYN-ACK offers neither (Linux's tcp_clear_options).
 */

/** Linux's msstab (net/ipv4/syncookies.c): the MSS values a cookie can carry, by index. */
export const COOKIE_MSS: readonly number[] = Object.freeze([536, 1300, 1440, 1460]);
const COOKIE_BITS = 24;
const COOKIE_MASK = (1 << COOKIE_BITS) - 1;
/** A cookie from this minute or the one before is accepted. */
const MAX_AGE_MINUTES = 2;
const MINUTE_MS = 60_000;
/** Low bits of TSval that carry the options (Linux's TSBITS), and their layout. */
const TS_BITS = 6;
const TS_WSCALE_NONE = 0xf;
const TS_SACK = 1 << 4;

/** The connection a cookie is for, as the listener sees it: the remote end and ours. */
export interface CookieTuple {
  remoteAddr: number;
  remotePort: number;
  localAddr: number;
  localPort: number;
}

export class SynCookies {
  private key: Buffer | undefined;
  private readonly msg = Buffer.alloc(17);

  constructor(private readonly random: RandomSource) {}

  /** The cookie (our ISN) for a SYN with sequence number `synSeq` from `t`, carrying MSS table entry `mssIndex`. */
  make(t: CookieTuple, synSeq: number, mssIndex: number, nowMs: number): number {
    const minute = minuteOf(nowMs);
    return (this.hash(t, 0, 0) + synSeq + ((minute << COOKIE_BITS) >>> 0) + ((this.hash(t, minute, 1) + mssIndex) & COOKIE_MASK)) >>> 0;
  }

  /**
   * The MSS index a returning ACK's cookie carries, or undefined if it is not one this host made for
   * `t` within the last two minutes. `synSeq` is SEG.SEQ - 1 of the ACK, `cookie` SEG.ACK - 1.
   */
  check(t: CookieTuple, synSeq: number, cookie: number, nowMs: number): number | undefined {
    const minute = minuteOf(nowMs);
    const rest = (cookie - this.hash(t, 0, 0) - synSeq) >>> 0;
    const age = (minute - (rest >>> COOKIE_BITS)) & (0xffffffff >>> COOKIE_BITS);
    if (age >= MAX_AGE_MINUTES) return undefined;
    const mssIndex = (rest - this.hash(t, (minute - age) >>> 0, 1)) & COOKIE_MASK;
    return mssIndex < COOKIE_MSS.length ? mssIndex : undefined;
  }

  /**
   * The timestamp offset for connections between two addresses (Linux's secure_tcp_ts_off): a cookie's
   * TSval and the connection made from it later must count from the same origin, and nothing is kept.
   */
  tsOffset(t: CookieTuple): number {
    return this.hash({ remoteAddr: t.remoteAddr, localAddr: t.localAddr, remotePort: 0, localPort: 0 }, 0, 2);
  }

  private hash(t: CookieTuple, minute: number, which: number): number {
    if (!this.key) {
      this.key = Buffer.alloc(32);
      for (let i = 0; i < 32; i += 4) this.key.writeUInt32BE(this.random.uint32(), i);
    }
    const m = this.msg;
    m.writeUInt32BE(t.remoteAddr >>> 0, 0);
    m.writeUInt32BE(t.localAddr >>> 0, 4);
    m.writeUInt16BE(t.remotePort, 8);
    m.writeUInt16BE(t.localPort, 10);
    m.writeUInt32BE(minute >>> 0, 12);
    m[16] = which;
    return hmac()('sha256', this.key).update(m).digest().readUInt32BE(0);
  }
}

function minuteOf(nowMs: number): number {
  return Math.floor(nowMs / MINUTE_MS) >>> 0;
}

/** The largest table MSS not above what the peer announced (536, RFC 9293 3.7.1's default, when it announced none). */
export function cookieMssIndex(peerMss: number | undefined): number {
  let i = COOKIE_MSS.length - 1;
  while (i > 0 && COOKIE_MSS[i] > (peerMss ?? 536)) i--;
  return i;
}

/**
 * Our TSval in a cookie SYN-ACK: the clock's value with its low 6 bits replaced by the peer's window
 * scale (15: none) and SACK-permitted, never later than the clock (Linux's cookie_init_timestamp), so
 * that the connection's later TSvals still only grow.
 */
export function cookieTsval(tsNow: number, wscale: number | undefined, sack: boolean): number {
  const options = (wscale ?? TS_WSCALE_NONE) | (sack ? TS_SACK : 0);
  let ts = ((tsNow >>> TS_BITS) << TS_BITS) | options;
  if (((ts - tsNow) | 0) > 0) ts -= 1 << TS_BITS;
  return ts >>> 0;
}

/** The options a returning TSecr carries back (Linux's cookie_timestamp_decode). */
export function cookieTsOptions(tsecr: number): { wscale: number | undefined; sack: boolean } {
  const ws = tsecr & TS_WSCALE_NONE;
  return { wscale: ws === TS_WSCALE_NONE ? undefined : ws, sack: (tsecr & TS_SACK) !== 0 };
}

/**
 * node:crypto when the first cookie is made: loading it (and its ~16 internal modules) was a part of every
 * run's start-up, and most runs never make a cookie (issue 29).
 */
let createHmac: typeof import('node:crypto').createHmac | undefined;
function hmac(): typeof import('node:crypto').createHmac {
  createHmac ??= (createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto')).createHmac;
  return createHmac;
}
