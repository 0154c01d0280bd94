/**
 * TCP Fast Open (RFC 7413), as Linux does it: data on the SYN, taken by the server before the handshake ends
 * when the SYN carries a cookie the server made for the client's address.
 *
 * - The server's cookie (RFC 7413 4.1.2) is Linux's: SipHash-2-4 of the IPv4 source and destination
 *   addresses under the 128-bit `tcp_fastopen_key`, 8 bytes (tcp_fastopen.c __tcp_fastopen_cookie_gen_cipher).
 * - The client keeps the cookies it was given per server address (RFC 7413 4.1.3; Linux's tcp_metrics),
 *   in a FastOpenCache its host owns, and puts data on a SYN only when it has one for that server.
 * - The option is kind 34 (RFC 7413 4.1.1), or the experimental kind 254 with magic 0xF989 (RFC 6994),
 *   answered in the form it came in (Linux's foc->exp).
 *
 * The connection calls in at three places (input.ts onSegmentListen and onSegmentSynSent, output.ts sendSyn);
 * everything else is here.
 */
import { OPTION_NOP, type TcpOption } from '../wire/tcp-types.ts';

/** The `tcp_fastopen` sysctl's bits this model follows (Documentation/networking/ip-sysctl.rst). */
export const TFO_CLIENT_ENABLE = 0x1;
export const TFO_SERVER_ENABLE = 0x2;
/** The client sends data on a SYN without a cookie. */
export const TFO_CLIENT_NO_COOKIE = 0x4;
/** The server takes SYN data without a cookie. */
export const TFO_SERVER_COOKIE_NOT_REQD = 0x200;
/** Every listener does Fast Open, without setsockopt(TCP_FASTOPEN). */
export const TFO_SERVER_WO_SOCKOPT1 = 0x400;

/** Linux's MAX_TCP_OPTION_SPACE: what SYN data leaves for options. */
const MAX_OPTION_SPACE = 40;

/** The `fast-open` setting's values, and the sysctl bits each stands for. */
export const FAST_OPEN_CHOICES = ['off', 'client', 'server', 'both'] as const;
export type FastOpenChoice = (typeof FAST_OPEN_CHOICES)[number];
export function fastOpenBits(choice: FastOpenChoice | undefined): number {
  switch (choice) {
    case 'client': return TFO_CLIENT_ENABLE;
    case 'server': return TFO_SERVER_ENABLE;
    case 'both': return TFO_CLIENT_ENABLE | TFO_SERVER_ENABLE;
    default: return 0;
  }
}

/** RFC 7413 4.1.1: a cookie is 4 to 16 bytes, an even number. */
export function cookieLengthOk(n: number): boolean {
  return n >= 4 && n <= 16 && n % 2 === 0;
}

const MASK = (1n << 64n) - 1n;
const rotl = (x: bigint, b: bigint) => ((x << b) | (x >> (64n - b))) & MASK;

/** SipHash-2-4 (Aumasson and Bernstein) of `data` under the 16-byte key `key` (k0, k1 little-endian). */
export function siphash24(key: Uint8Array, data: Uint8Array): bigint {
  const kb = Buffer.from(key);
  const k0 = kb.readBigUInt64LE(0);
  const k1 = kb.readBigUInt64LE(8);
  let v0 = k0 ^ 0x736f6d6570736575n;
  let v1 = k1 ^ 0x646f72616e646f6dn;
  let v2 = k0 ^ 0x6c7967656e657261n;
  let v3 = k1 ^ 0x7465646279746573n;
  const round = () => {
    v0 = (v0 + v1) & MASK; v1 = rotl(v1, 13n); v1 ^= v0; v0 = rotl(v0, 32n);
    v2 = (v2 + v3) & MASK; v3 = rotl(v3, 16n); v3 ^= v2;
    v0 = (v0 + v3) & MASK; v3 = rotl(v3, 21n); v3 ^= v0;
    v2 = (v2 + v1) & MASK; v1 = rotl(v1, 17n); v1 ^= v2; v2 = rotl(v2, 32n);
  };
  const words = Math.floor(data.length / 8);
  const buf = Buffer.from(data);
  for (let i = 0; i < words; i++) {
    const m = buf.readBigUInt64LE(i * 8);
    v3 ^= m;
    round(); round();
    v0 ^= m;
  }
  // The last word: the leftover bytes, and the length's low byte on top.
  let last = BigInt(data.length & 0xff) << 56n;
  for (let i = words * 8; i < data.length; i++) last |= BigInt(buf[i]) << BigInt(8 * (i - words * 8));
  v3 ^= last;
  round(); round();
  v0 ^= last;
  v2 ^= 0xffn;
  round(); round(); round(); round();
  return (v0 ^ v1 ^ v2 ^ v3) & MASK;
}

/**
 * The `tcp_fastopen_key` sysctl's text (four 32-bit hex words joined by '-') as the 16 key bytes Linux
 * hashes with: each word little-endian (proc_tcp_fastopen_key). Undefined when the text is not such a key.
 */
export function parseFastOpenKey(text: string): Buffer | undefined {
  const m = /^([0-9a-f]{1,8})-([0-9a-f]{1,8})-([0-9a-f]{1,8})-([0-9a-f]{1,8})$/i.exec(text.trim());
  if (!m) return undefined;
  const key = Buffer.alloc(16);
  for (let i = 0; i < 4; i++) key.writeUInt32LE(parseInt(m[i + 1], 16) >>> 0, 4 * i);
  return key;
}

/** RFC 7413 4.1.2: the server's cookie for a client: 8 bytes, SipHash of source then destination address. */
export function fastOpenCookie(key: Uint8Array, clientAddr: number, serverAddr: number): Buffer {
  const data = Buffer.alloc(8);
  data.writeUInt32BE(clientAddr >>> 0, 0);
  data.writeUInt32BE(serverAddr >>> 0, 4);
  const out = Buffer.alloc(8);
  out.writeBigUInt64LE(siphash24(key, data), 0);
  return out;
}

/** The Fast Open option of a segment: its cookie (empty for a request) and whether it came as kind 254. */
export function fastOpenOption(options: readonly TcpOption[]): { cookie: Buffer; experimental: boolean } | undefined {
  for (const o of options) if (o.kind === 'fastopen') return { cookie: o.cookie, experimental: o.experimental === true };
  return undefined;
}

/**
 * The option as Linux writes it after the others (tcp_options_write): kind 34 or 254 and the cookie, then
 * NOPs to the next 4-byte boundary.
 */
export function fastOpenOptions(cookie: Buffer, experimental: boolean): TcpOption[] {
  const len = (experimental ? 4 : 2) + cookie.length;
  const out: TcpOption[] = [{ kind: 'fastopen', cookie, experimental }];
  for (let i = len; i % 4 !== 0; i++) out.push(OPTION_NOP);
  return out;
}

/** RFC 7413 4.1.3: the client's cookies, per server address (Linux keeps them in tcp_metrics, per network namespace). */
export class FastOpenCache {
  private readonly cookies = new Map<number, { cookie: Buffer; mss: number | undefined }>();

  get(serverAddr: number): Buffer | undefined {
    return this.cookies.get(serverAddr >>> 0)?.cookie;
  }

  entry(serverAddr: number): { cookie: Buffer; mss: number | undefined } | undefined {
    return this.cookies.get(serverAddr >>> 0);
  }

  set(serverAddr: number, cookie: Buffer, mss?: number): void {
    this.cookies.set(serverAddr >>> 0, { cookie: Buffer.from(cookie), mss });
  }

  /** `ip tcp_metrics flush`. */
  clear(): void {
    this.cookies.clear();
  }
}

/**
 * A client connection's Fast Open: what its SYN carries and what its SYN-ACK taught. `cookie` undefined: ask
 * for one (an empty option); then the SYN carries no data unless `noCookie` (TFO_CLIENT_NO_COOKIE).
 */
export class FastOpenClient {
  /** Bytes of data the first SYN carried (0 when none). */
  synData = 0;
  /** The SYN went: a retransmitted SYN carries neither the option nor data (Linux's tcp_send_syn_data). */
  synSent = false;
  /** The SYN-ACK acknowledged the SYN's data (TCP_INFO's TCPI_OPT_SYN_DATA). */
  synDataAcked = false;

  constructor(
    private readonly cache: FastOpenCache,
    private readonly serverAddr: number,
    private readonly noCookie = false,
  ) {}

  get cookie(): Buffer | undefined {
    return this.cache.get(this.serverAddr);
  }

  /**
   * Bytes of data the first SYN may carry with an MSS of `mss`: none without a cookie (unless `noCookie`), else
   * Linux's tcp_send_syn_data: the MSS (at most the server's, as cached with its cookie) less 40 bytes of options.
   */
  synRoom(mss: number): number {
    const entry = this.cache.entry(this.serverAddr);
    if (!entry && !this.noCookie) return 0;
    return Math.max(0, Math.min(mss, entry?.mss ?? mss) - MAX_OPTION_SPACE);
  }

  /** What our SYN (not a SYN-ACK) adds: the option, once (Linux sends neither option nor data on a SYN again). */
  synOptions(withAck: boolean, mss: number): { options: TcpOption[]; room: number } | undefined {
    if (withAck || this.synSent) return undefined;
    this.synSent = true;
    const cookie = this.cookie;
    return { options: this.noCookie && !cookie ? [] : fastOpenOptions(cookie ?? Buffer.alloc(0), false), room: this.synRoom(mss) };
  }

  /** RFC 7413 4.1.3: a SYN-ACK's cookie is kept, with the server's MSS, for the next connection to this server. */
  onSynAck(options: readonly TcpOption[], peerMss: number | undefined): void {
    const fo = fastOpenOption(options);
    if (fo && cookieLengthOk(fo.cookie.length)) this.cache.set(this.serverAddr, fo.cookie, peerMss);
  }
}

/** A listener's Fast Open: its key and the addresses a SYN came between, for the cookie. */
export class FastOpenServer {
  /** The SYN's data was taken (TCP_INFO's TCPI_OPT_SYN_DATA). */
  synDataAccepted = false;
  /** The connection was made on the SYN (a valid cookie): accept() had it before the handshake ended. */
  acceptedEarly = false;
  /** The cookie our first SYN-ACK carries (a retransmitted one carries none, as Linux's tcp_rtx_synack). */
  private reply: TcpOption[] = [];

  /**
   * `backupKey`: a second key whose cookies are taken too (Linux's TCP_FASTOPEN_KEY of 32 bytes); the SYN-ACK then
   * gives the client the primary key's cookie. `queueFull`: the listener already has its TCP_FASTOPEN queue length
   * of Fast Open connections waiting for their handshake's last ACK, so this SYN gets no Fast Open at all.
   */
  constructor(
    private readonly key: Uint8Array,
    private readonly clientAddr: number,
    private readonly serverAddr: number,
    private readonly cookieNotRequired = false,
    private readonly more: { backupKey?: Uint8Array; queueFull?: boolean } = {},
  ) {}

  /**
   * RFC 7413 4.2.2: what to do with a SYN. No option: nothing (an ordinary SYN). An empty option (a request)
   * or a cookie that is not ours: the SYN-ACK carries our cookie, in the option's form, and the data is not
   * taken. Our cookie: the data is taken, and the SYN-ACK carries no cookie (Linux's tcp_try_fastopen).
   */
  onSyn(options: readonly TcpOption[], dataLength: number): { acceptData: boolean; reply: TcpOption[] } {
    const fo = fastOpenOption(options);
    // RFC 7413 5.1 (the server limits its pending Fast Open connections): with the queue full, Linux's
    // tcp_fastopen_queue_check turns Fast Open off for this SYN, before the cookie is looked at: an ordinary
    // SYN-ACK without a cookie, and the data is not taken.
    if (this.more.queueFull && (fo || dataLength > 0)) return { acceptData: false, reply: [] };
    if (dataLength > 0 && this.cookieNotRequired) return this.accept(dataLength);
    if (!fo) return { acceptData: false, reply: [] };
    const ours = fastOpenCookie(this.key, this.clientAddr, this.serverAddr);
    // A valid cookie makes the connection at once, data or not ("a data-less SYN with a valid cookie may send data in SYN_RECV").
    if (fo.cookie.length > 0 && fo.cookie.equals(ours)) return this.accept(dataLength);
    // Valid under the backup key: taken, and the SYN-ACK carries the primary key's cookie to replace it.
    const backup = this.more.backupKey;
    this.reply = fastOpenOptions(ours, fo.experimental);
    if (backup && fo.cookie.length > 0 && fo.cookie.equals(fastOpenCookie(backup, this.clientAddr, this.serverAddr))) {
      return { ...this.accept(dataLength), reply: this.reply };
    }
    return { acceptData: false, reply: this.reply };
  }

  private accept(dataLength: number): { acceptData: boolean; reply: TcpOption[] } {
    // Linux's tcp_fastopen_add_skb: syn_data_acked only when there was data.
    this.synDataAccepted = dataLength > 0;
    this.acceptedEarly = true;
    return { acceptData: true, reply: [] };
  }

  /** What our SYN-ACK adds: the cookie, on the first one only. */
  synOptions(withAck: boolean): { options: TcpOption[]; room: number } | undefined {
    if (!withAck || this.reply.length === 0) return undefined;
    const options = this.reply;
    this.reply = [];
    return { options, room: 0 };
  }
}
