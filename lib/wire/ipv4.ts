/**
 * IPv4 header (RFC 791 section 3.1) and the TCP pseudo-header (RFC 9293 section 3.1).
 * Addresses are uint32 numbers (network order value: 10.0.0.1 is 0x0a000001) everywhere past the
 * edge; text only at the edges through parseAddr / formatAddr.
 */
import { checksumAdd, checksumAddUint32, checksumAddWord, checksumFinish } from './checksum.ts';
import { fits16, fits32, fits8, get16, get32, put16, put32 } from './bytes.ts';
import { WireError } from './errors.ts';

export const IPV4_HEADER_LENGTH = 20;
export const PROTO_TCP = 6;
/** RFC 791: "Don't Fragment" and "More Fragments" bits of the flags field (top 3 bits of byte 6). */
const FLAG_DF = 0x4000;
const FLAG_MF = 0x2000;
const FRAGMENT_OFFSET_MASK = 0x1fff;

export interface Ipv4Header {
  src: number;
  dst: number;
  protocol: number;
  /** Default 64 (Linux's net.ipv4.ip_default_ttl). */
  ttl?: number;
  /** Identification; default 0, as Linux sends on DF packets (RFC 6864 4.1 allows any value then). */
  id?: number;
  tos?: number;
  /** Default true: TCP with path MTU discovery (RFC 1191) sets DF, as Linux and BSD do. */
  dontFragment?: boolean;
}

export interface Ipv4Packet {
  readonly version: number;
  /** Header length in 32-bit words. */
  readonly ihl: number;
  readonly tos: number;
  /** Header plus payload, in bytes, from the header field. */
  readonly totalLength: number;
  readonly id: number;
  /** The 3 flag bits (bit 1 = DF, bit 0 = MF). */
  readonly flags: number;
  /** In 8-byte units; always 0 here because fragments are rejected. */
  readonly fragmentOffset: number;
  readonly ttl: number;
  readonly protocol: number;
  readonly headerChecksum: number;
  /** Whether the header checksum verifies (always true unless decoded with verifyChecksum: false). */
  readonly checksumOk: boolean;
  readonly src: number;
  readonly dst: number;
  /** View of the header bytes, options included. */
  readonly header: Buffer;
  /** View of the payload: bytes ihl*4 .. totalLength, so Ethernet padding past totalLength is cut. */
  readonly payload: Buffer;
}

/** '10.0.0.1' -> 0x0a000001. Strict dotted quad: four decimal parts 0..255, no leading zeros. */
export function parseAddr(text: string): number {
  const parts = text.split('.');
  const fail = (): never => {
    throw new WireError('bad-addr', 0, `"${text}" is not an IPv4 address`, { hint: 'write four numbers 0-255 separated by dots, e.g. 10.0.0.1' });
  };
  if (parts.length !== 4) fail();
  let n = 0;
  for (const part of parts) {
    // No leading zeros: "010" is octal to some parsers and decimal to others.
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) fail();
    const v = Number(part);
    if (v > 255) fail();
    n = n * 256 + v;
  }
  return n >>> 0;
}

export function formatAddr(addr: number): string {
  return `${addr >>> 24}.${(addr >>> 16) & 0xff}.${(addr >>> 8) & 0xff}.${addr & 0xff}`;
}

function checkField(name: string, value: number, max: 0xff | 0xffff | 0xffffffff): void {
  const fits = max === 0xff ? fits8(value) : max === 0xffff ? fits16(value) : fits32(value);
  if (!fits) throw new WireError('bad-value', 0, `${name} ${value} does not fit its field`, { hint: `an integer 0..${max}` });
}

/** Write a 20-byte IPv4 header (no options) at buf[offset], checksum filled. Returns 20. */
export function encodeIpv4HeaderInto(buf: Buffer, offset: number, h: Ipv4Header, payloadLength: number): number {
  return writeIpv4Header(buf, offset, h.src, h.dst, h.protocol, h.ttl, h.id, h.tos, h.dontFragment, payloadLength);
}

/**
 * encodeIpv4HeaderInto with the fields as arguments: no header object to build per packet. `check`
 * false skips the range checks, for a caller whose values fit by construction (encodePacket's `trusted`).
 */
export function writeIpv4Header(
  buf: Buffer, offset: number, src: number, dst: number, protocol: number,
  ttl = 64, id = 0, tos = 0, dontFragment = true, payloadLength: number, checksum = true, check = true,
): number {
  const totalLength = IPV4_HEADER_LENGTH + payloadLength;
  if (check) {
    checkField('IPv4 total length', totalLength, 0xffff);
    checkField('source address', src, 0xffffffff);
    checkField('destination address', dst, 0xffffffff);
    checkField('protocol', protocol, 0xff);
    checkField('ttl', ttl, 0xff);
    checkField('id', id, 0xffff);
    checkField('tos', tos, 0xff);
  }
  buf[offset] = 0x45; // version 4, IHL 5
  buf[offset + 1] = tos;
  put16(buf, offset + 2, totalLength);
  put16(buf, offset + 4, id);
  put16(buf, offset + 6, dontFragment ? FLAG_DF : 0);
  buf[offset + 8] = ttl;
  buf[offset + 9] = protocol;
  put16(buf, offset + 10, 0);
  put32(buf, offset + 12, src);
  put32(buf, offset + 16, dst);
  // false: left 0 (checksum offload, where nothing reads it: see encodePacket).
  if (checksum) put16(buf, offset + 10, checksumFinish(checksumAdd(buf, offset, offset + IPV4_HEADER_LENGTH)));
  return IPV4_HEADER_LENGTH;
}

/** A whole IPv4 packet: a 20-byte header (checksum filled) followed by a copy of payload. */
export function encodeIpv4(h: Ipv4Header, payload: Buffer): Buffer {
  const buf = Buffer.allocUnsafe(IPV4_HEADER_LENGTH + payload.length);
  encodeIpv4HeaderInto(buf, 0, h, payload.length);
  payload.copy(buf, IPV4_HEADER_LENGTH);
  return buf;
}

export interface Ipv4DecodeOptions {
  /** Default true: a header whose checksum does not verify is rejected with 'bad-checksum'. */
  /** Default true. false: decode whatever the checksum. 'skip': not even computed (checksum offload; checksumOk then reads true). */
  verifyChecksum?: boolean | 'skip';
}

/** Decode and check an IPv4 packet. buf may be longer than the packet (link-layer padding). */
export function decodeIpv4(buf: Buffer, opts: Ipv4DecodeOptions = {}): Ipv4Packet {
  return ipv4View(buf, checkIpv4(buf, opts));
}

/** The decoded view of a packet checkIpv4 has accepted, with what it said of the header checksum. */
export function ipv4View(buf: Buffer, checksumOk: boolean): Ipv4Packet {
  return new Ipv4View(buf, buf[0] & 0x0f, get16(buf, 2), checksumOk);
}

/**
 * The checks of decodeIpv4 without the decoded object: throws the same WireErrors, returns whether
 * the header checksum verifies. Past it, every header field may be read straight from buf. `available`:
 * the bytes of the packet, when buf holds only its headers and the payload lies elsewhere (see
 * encodePacketHeader in tcp.ts).
 */
export function checkIpv4(buf: Buffer, opts: Ipv4DecodeOptions = {}, available = buf.length): boolean {
  if (buf.length < IPV4_HEADER_LENGTH) {
    throw new WireError('short', buf.length, `IPv4 header needs 20 bytes, only ${buf.length} present`);
  }
  const version = buf[0] >>> 4;
  if (version !== 4) {
    throw new WireError('bad-version', 0, `IP version ${version}, expected 4`, { hint: 'only IPv4 is supported' });
  }
  const ihl = buf[0] & 0x0f;
  const headerLength = ihl * 4;
  if (ihl < 5) throw new WireError('bad-ihl', 0, `IPv4 header length ${ihl} words, the minimum is 5`);
  if (headerLength > buf.length) {
    throw new WireError('bad-ihl', 0, `IPv4 header length ${headerLength} bytes runs past the ${buf.length} bytes present`);
  }
  const totalLength = get16(buf, 2);
  if (totalLength < headerLength) {
    throw new WireError('bad-length', 2, `IPv4 total length ${totalLength} is shorter than its ${headerLength}-byte header`);
  }
  if (totalLength > available) {
    throw new WireError('bad-length', 2, `IPv4 total length ${totalLength} runs past the ${available} bytes present`, {
      hint: 'the packet was truncated (capture snaplen?)',
    });
  }
  const headerChecksum = get16(buf, 10);
  const checksumOk = opts.verifyChecksum === 'skip' || checksumFinish(checksumAdd(buf, 0, headerLength)) === 0;
  if (!checksumOk && opts.verifyChecksum !== false) {
    throw new WireError('bad-checksum', 10, `IPv4 header checksum 0x${headerChecksum.toString(16).padStart(4, '0')} does not verify`);
  }
  const flagsAndOffset = get16(buf, 6);
  const fragmentOffset = flagsAndOffset & FRAGMENT_OFFSET_MASK;
  if ((flagsAndOffset & FLAG_MF) !== 0 || fragmentOffset !== 0) {
    throw new WireError('fragment', 6, `IPv4 fragment (offset ${fragmentOffset * 8}${(flagsAndOffset & FLAG_MF) !== 0 ? ', more fragments' : ''})`, {
      hint: 'fragments are not reassembled',
    });
  }
  return checksumOk;
}

/**
 * A decoded IPv4 packet, as small as it can be: the receive path makes one per packet. The addresses
 * and lengths are read once; the other header fields, and the `header` and `payload` views, are read
 * from the packet's bytes when asked for (a host reads only the addresses, and decodes the TCP segment
 * straight from the bytes). The bytes must not change while the view is in use, as with any view.
 */
class Ipv4View implements Ipv4Packet {
  readonly src: number;
  readonly dst: number;

  constructor(
    private readonly bytes: Buffer,
    readonly ihl: number,
    readonly totalLength: number,
    readonly checksumOk: boolean,
  ) {
    this.src = get32(bytes, 12);
    this.dst = get32(bytes, 16);
  }

  get version(): number {
    return this.bytes[0] >>> 4;
  }

  get tos(): number {
    return this.bytes[1];
  }

  get id(): number {
    return get16(this.bytes, 4);
  }

  get flags(): number {
    return get16(this.bytes, 6) >>> 13;
  }

  get fragmentOffset(): number {
    return get16(this.bytes, 6) & FRAGMENT_OFFSET_MASK;
  }

  get ttl(): number {
    return this.bytes[8];
  }

  get protocol(): number {
    return this.bytes[9];
  }

  get headerChecksum(): number {
    return get16(this.bytes, 10);
  }

  get header(): Buffer {
    return this.bytes.subarray(0, this.ihl * 4);
  }

  get payload(): Buffer {
    return this.bytes.subarray(this.ihl * 4, this.totalLength);
  }
}

/**
 * The running one's complement sum of the TCP pseudo-header (RFC 9293 section 3.1): source and
 * destination address, zero, protocol, TCP length (header plus data). Computed from numbers, so no
 * buffer is built or concatenated; pass the result as `initial` to checksumAdd over the segment.
 */
export function pseudoHeaderSum(src: number, dst: number, protocol: number, tcpLength: number): number {
  return checksumAddWord(checksumAddWord(checksumAddUint32(checksumAddUint32(0, src), dst), protocol), tcpLength);
}
