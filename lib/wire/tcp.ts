/**
 * TCP header and options (RFC 9293 section 3.1; MSS 3.7.1; window scale and timestamps RFC 7323;
 * SACK RFC 2018), encode and decode, and IPv4+TCP packets in one buffer.
 *
 * Decoding checks the lengths once, up front, then reads fields: past `decodeTcp` nothing needs to
 * re-check bytes. The payload and unknown options' data are views into the input, never copies.
 */
import { checksumAdd, checksumFinish, checksumFold } from './checksum.ts';
import { allocPacket, fits16, fits32, fits8, get16, get32, put16, put32 } from './bytes.ts';
import { WireError } from './errors.ts';
import { checkIpv4, IPV4_HEADER_LENGTH, ipv4View, type Ipv4DecodeOptions, type Ipv4Header, type Ipv4Packet, PROTO_TCP, pseudoHeaderSum, writeIpv4Header } from './ipv4.ts';
import { NO_OPTIONS, OPTION_EOL, OPTION_NOP, OPTION_SACK_PERMITTED, type TcpOption, type TcpSegment } from './tcp-types.ts';

export { ACK, CWR, ECE, FIN, PSH, RST, SYN, URG } from './tcp-types.ts';
export type { TcpOption, TcpSegment } from './tcp-types.ts';

export const TCP_HEADER_MIN = 20;
/** Data offset is 4 bits of 32-bit words: 60 bytes at most, so 40 bytes of options. */
export const TCP_HEADER_MAX = 60;

/** Option kinds (IANA "TCP Option Kind Numbers"). */
export const OPT_EOL = 0;
export const OPT_NOP = 1;
export const OPT_MSS = 2;
export const OPT_WSCALE = 3;
export const OPT_SACK_PERMITTED = 4;
export const OPT_SACK = 5;
export const OPT_TIMESTAMPS = 8;
/** TCP Fast Open (RFC 7413 4.1.1), and the experimental kind (RFC 6994) with its magic number for Fast Open. */
export const OPT_FASTOPEN = 34;
export const OPT_EXPERIMENTAL = 254;
export const FASTOPEN_MAGIC = 0xf989;

/** A decoded segment: the plain value plus what the bytes said about themselves. */
export type DecodedTcp = TcpSegment & {
  /** The checksum field as received. */
  checksum: number;
  /**
   * Whether the checksum verifies over the pseudo-header; present only when both addresses were
   * given to the decoder.
   */
  checksumOk?: boolean;
  /**
   * True when the checksum field holds only the folded pseudo-header sum: a locally sent packet
   * captured before the NIC (or loopback) would have finished it (Linux CHECKSUM_PARTIAL
   * offload). Present only when both addresses were given.
   */
  checksumPartial?: boolean;
  /** Header length in bytes, options and padding included. */
  headerLength: number;
};

export interface TcpEncodeOptions {
  /** Default true: fill the checksum over the pseudo-header. false: leave the field 0 (in encodePacket, the IPv4 header's too). */
  checksum?: boolean;
}

export interface TcpDecodeOptions {
  /**
   * Default true (when both addresses are given): a checksum that does not verify is rejected
   * with 'bad-checksum'. 'allow-partial' also accepts a checksum-offload partial checksum (see
   * `checksumPartial`), which is what captures of locally sent packets hold. false: never reject.
   * 'skip': checksum offload, nothing computed (checksumOk and checksumPartial stay undefined).
   */
  verifyChecksum?: boolean | 'allow-partial' | 'skip';
}

function optionLength(opt: TcpOption): number {
  switch (opt.kind) {
    case 'eol':
    case 'nop':
      return 1;
    case 'mss':
      return 4;
    case 'wscale':
      return 3;
    case 'sack-permitted':
      return 2;
    case 'timestamps':
      return 10;
    case 'sack':
      return 2 + 8 * opt.blocks.length;
    case 'fastopen':
      return (opt.experimental ? 4 : 2) + opt.cookie.length;
    case 'unknown':
      return 2 + opt.data.length;
  }
}

/**
 * The timestamps option after two NOPs: what every segment of a connection with timestamps carries
 * (RFC 7323 appendix A), with the shared NOP objects as the connection builds it. Measured, checked and
 * written without walking the list.
 */
function timestampsOnly(options: readonly TcpOption[]): TimestampsOption | undefined {
  if (options.length !== 3 || options[0] !== OPTION_NOP || options[1] !== OPTION_NOP) return undefined;
  const ts = options[2];
  return ts.kind === 'timestamps' ? ts : undefined;
}

type TimestampsOption = TcpOption & { kind: 'timestamps' };
/** The header of a segment whose options are just NOP, NOP, timestamps. */
const TS_HEADER_LENGTH = TCP_HEADER_MIN + 12;

/** Bytes the options take on the wire, before padding to a 4-byte boundary. */
export function tcpOptionsLength(options: readonly TcpOption[]): number {
  if (timestampsOnly(options)) return 12;
  let n = 0;
  for (const opt of options) n += optionLength(opt);
  return n;
}

/** Header length in bytes the segment will be encoded with: 20 plus options, padded to 4. */
export function tcpHeaderLength(seg: Pick<TcpSegment, 'options'>): number {
  return TCP_HEADER_MIN + ((tcpOptionsLength(seg.options) + 3) & ~3);
}

/** Bytes encodeTcp will produce: header plus payload. */
export function tcpSegmentLength(seg: Pick<TcpSegment, 'options' | 'payload'>): number {
  return tcpHeaderLength(seg) + seg.payload.length;
}

function badField(name: string, value: number, max: number): never {
  throw new WireError('bad-value', 0, `TCP ${name} ${value} does not fit its field`, { hint: `an integer 0..${max}` });
}

function check8(name: string, value: number): void {
  if (!fits8(value)) badField(name, value, 0xff);
}
function check16(name: string, value: number): void {
  if (!fits16(value)) badField(name, value, 0xffff);
}
function check32(name: string, value: number): void {
  if (!fits32(value)) badField(name, value, 0xffffffff);
}

function checkTimestamps(ts: { tsval: number; tsecr: number }): void {
  check32('TSval', ts.tsval);
  check32('TSecr', ts.tsecr);
}

/** `ts`: timestampsOnly(seg.options), which the encoder has already asked. */
function checkSegment(seg: TcpSegment, headerLength: number, ts: TimestampsOption | undefined): void {
  check16('source port', seg.srcPort);
  check16('destination port', seg.dstPort);
  check32('seq', seg.seq);
  check32('ack', seg.ack);
  check8('flags', seg.flags);
  check16('window', seg.window);
  check16('urgent pointer', seg.urgent);
  if (headerLength > TCP_HEADER_MAX) {
    throw new WireError('bad-value', 0, `TCP options take ${headerLength - TCP_HEADER_MIN} bytes with padding`, { hint: 'at most 40 bytes of options fit' });
  }
  // The common list is checked without walking it (about 2% of bulk-1460 in A/B runs).
  if (ts) return checkTimestamps(ts);
  for (const opt of seg.options) {
    switch (opt.kind) {
      case 'mss':
        check16('MSS', opt.mss);
        break;
      case 'wscale':
        check8('window scale shift', opt.shift);
        break;
      case 'timestamps':
        checkTimestamps(opt);
        break;
      case 'sack':
        if (opt.blocks.length === 0) throw new WireError('bad-value', 0, 'a SACK option with no blocks', { hint: 'RFC 2018 needs 1 to 4 blocks' });
        for (const [left, right] of opt.blocks) {
          check32('SACK left edge', left);
          check32('SACK right edge', right);
        }
        break;
      case 'unknown':
        check8('option kind', opt.type);
        if (opt.type === OPT_EOL || opt.type === OPT_NOP) {
          throw new WireError('bad-value', 0, `option kind ${opt.type} has no length byte`, { hint: "use { kind: 'eol' } or { kind: 'nop' }" });
        }
        break;
      default:
        break;
    }
  }
}

/**
 * Encode seg at buf[offset] (buf must hold tcpSegmentLength(seg) bytes from there). The checksum
 * covers the pseudo-header built from srcAddr and dstAddr (RFC 9293 3.1). Returns bytes written.
 */
export function encodeTcpInto(buf: Buffer, offset: number, seg: TcpSegment, srcAddr: number, dstAddr: number, opts: TcpEncodeOptions = {}): number {
  const ts = timestampsOnly(seg.options);
  return writeTcp(buf, offset, seg, ts ? TS_HEADER_LENGTH : tcpHeaderLength(seg), srcAddr, dstAddr, opts.checksum !== false, ts, true);
}

/**
 * encodeTcpInto with the header length already known (encodePacket needs it first for the IPv4 header),
 * and `ts`, timestampsOnly(seg.options): asked once per segment, not by each step. `check` false skips
 * checkSegment (encodePacket's `trusted`).
 */
function writeTcp(
  buf: Buffer, offset: number, seg: TcpSegment, headerLength: number, srcAddr: number, dstAddr: number, checksum: boolean,
  ts: TimestampsOption | undefined, check: boolean, withPayload = true,
): number {
  if (check) checkSegment(seg, headerLength, ts);
  // Without the payload (encodePacketHeader) only the header is written, but lengths and checksum count it.
  const end = offset + headerLength + seg.payload.length;
  const written = withPayload ? end : offset + headerLength;
  if (written > buf.length) throw new WireError('bad-value', buf.length, `the buffer holds ${buf.length - offset} bytes, the segment needs ${written - offset}`);
  put16(buf, offset, seg.srcPort);
  put16(buf, offset + 2, seg.dstPort);
  put32(buf, offset + 4, seg.seq);
  put32(buf, offset + 8, seg.ack);
  buf[offset + 12] = (headerLength / 4) << 4;
  buf[offset + 13] = seg.flags;
  put16(buf, offset + 14, seg.window);
  put16(buf, offset + 16, 0);
  put16(buf, offset + 18, seg.urgent);
  let i = offset + TCP_HEADER_MIN;
  if (ts) {
    put32(buf, i, 0x0101080a); // NOP, NOP, kind 8, length 10
    put32(buf, i + 4, ts.tsval);
    put32(buf, i + 8, ts.tsecr);
    i += 12;
  } else {
    for (const opt of seg.options) {
      switch (opt.kind) {
        case 'eol':
          buf[i++] = OPT_EOL;
          break;
        case 'nop':
          buf[i++] = OPT_NOP;
          break;
        case 'mss':
          buf[i] = OPT_MSS;
          buf[i + 1] = 4;
          put16(buf, i + 2, opt.mss);
          i += 4;
          break;
        case 'wscale':
          buf[i] = OPT_WSCALE;
          buf[i + 1] = 3;
          buf[i + 2] = opt.shift;
          i += 3;
          break;
        case 'sack-permitted':
          buf[i] = OPT_SACK_PERMITTED;
          buf[i + 1] = 2;
          i += 2;
          break;
        case 'timestamps':
          buf[i] = OPT_TIMESTAMPS;
          buf[i + 1] = 10;
          put32(buf, i + 2, opt.tsval);
          put32(buf, i + 6, opt.tsecr);
          i += 10;
          break;
        case 'sack':
          buf[i] = OPT_SACK;
          buf[i + 1] = 2 + 8 * opt.blocks.length;
          i += 2;
          for (const [left, right] of opt.blocks) {
            put32(buf, i, left);
            put32(buf, i + 4, right);
            i += 8;
          }
          break;
        case 'fastopen':
          if (opt.experimental) {
            buf[i] = OPT_EXPERIMENTAL;
            buf[i + 1] = 4 + opt.cookie.length;
            put16(buf, i + 2, FASTOPEN_MAGIC);
            opt.cookie.copy(buf, i + 4);
            i += 4 + opt.cookie.length;
          } else {
            buf[i] = OPT_FASTOPEN;
            buf[i + 1] = 2 + opt.cookie.length;
            opt.cookie.copy(buf, i + 2);
            i += 2 + opt.cookie.length;
          }
          break;
        case 'unknown':
          buf[i] = opt.type;
          buf[i + 1] = 2 + opt.data.length;
          opt.data.copy(buf, i + 2);
          i += 2 + opt.data.length;
          break;
      }
    }
  }
  // RFC 9293 3.1: "The TCP header padding is used to ensure that the TCP header ends ... on a
  // 32-bit boundary. The padding is composed of zeros."
  if (i < offset + headerLength) buf.fill(0, i, offset + headerLength);
  if (withPayload && seg.payload.length > 0) buf.set(seg.payload, offset + headerLength);
  if (checksum) {
    const sum = checksumAdd(buf, offset, written, pseudoHeaderSum(srcAddr, dstAddr, PROTO_TCP, end - offset));
    // The header's length is a multiple of 4: the payload's words stay aligned in the running sum.
    put16(buf, offset + 16, checksumFinish(withPayload ? sum : checksumAdd(seg.payload, 0, seg.payload.length, sum)));
  }
  return written - offset;
}

/** Encode a segment into a new Buffer. */
export function encodeTcp(seg: TcpSegment, srcAddr: number, dstAddr: number, opts: TcpEncodeOptions = {}): Buffer {
  const buf = Buffer.allocUnsafe(tcpSegmentLength(seg));
  encodeTcpInto(buf, 0, seg, srcAddr, dstAddr, opts);
  return buf;
}

/** The right length for each known option kind (RFC 9293 3.2, RFC 7323 2.2 and 3.2, RFC 2018). */
function badOptionLength(kind: number, length: number): string | undefined {
  switch (kind) {
    case OPT_MSS:
      return length === 4 ? undefined : 'MSS option needs length 4';
    case OPT_WSCALE:
      return length === 3 ? undefined : 'window scale option needs length 3';
    case OPT_SACK_PERMITTED:
      return length === 2 ? undefined : 'SACK-permitted option needs length 2';
    case OPT_TIMESTAMPS:
      return length === 10 ? undefined : 'timestamps option needs length 10';
    case OPT_SACK:
      return length >= 10 && (length - 2) % 8 === 0 ? undefined : 'SACK option needs length 2 + 8n, n >= 1';
    default:
      return undefined;
  }
}

const EMPTY = Buffer.alloc(0);

type TimestampsList = [TcpOption, TcpOption, { kind: 'timestamps'; tsval: number; tsecr: number }];

/**
 * Parse options in buf[start, end); error offsets are positions in buf. `tsList`, when given, is a
 * NOP, NOP, timestamps list to refill rather than make anew when the options are exactly that.
 */
function decodeOptions(buf: Buffer, start: number, end: number, tsList?: TimestampsList): TcpOption[] {
  if (start === end) return NO_OPTIONS;
  // What every segment of a connection with timestamps carries (RFC 7323 appendix A's layout): read
  // at once, into an array literal of its final length or the list given.
  if (end - start === 12 && buf[start] === OPT_NOP && buf[start + 1] === OPT_NOP && buf[start + 2] === OPT_TIMESTAMPS && buf[start + 3] === 10) {
    const tsval = get32(buf, start + 4);
    const tsecr = get32(buf, start + 8);
    if (tsList === undefined) return [OPTION_NOP, OPTION_NOP, { kind: 'timestamps', tsval, tsecr }];
    tsList[2].tsval = tsval;
    tsList[2].tsecr = tsecr;
    return tsList;
  }
  const options: TcpOption[] = [];
  let i = start;
  while (i < end) {
    const kind = buf[i];
    if (kind === OPT_EOL) {
      // RFC 9293 3.1: End of Option List; what follows up to the data offset is padding.
      options.push(OPTION_EOL);
      break;
    }
    if (kind === OPT_NOP) {
      options.push(OPTION_NOP);
      i += 1;
      continue;
    }
    if (i + 1 >= end) throw new WireError('option-overrun', i, `TCP option kind ${kind} has no length byte before the end of the header`);
    const length = buf[i + 1];
    if (length < 2) {
      throw new WireError('option-overrun', i + 1, `TCP option kind ${kind} has length ${length}`, { hint: 'the length counts kind and length bytes, so it is at least 2' });
    }
    if (i + length > end) {
      throw new WireError('option-overrun', i + 1, `TCP option kind ${kind} of length ${length} runs past the header (${end - i} bytes left)`);
    }
    const wrong = badOptionLength(kind, length);
    if (wrong !== undefined) throw new WireError('bad-option-length', i + 1, `${wrong}, has ${length}`);
    switch (kind) {
      case OPT_MSS:
        options.push({ kind: 'mss', mss: get16(buf, i + 2) });
        break;
      case OPT_WSCALE:
        options.push({ kind: 'wscale', shift: buf[i + 2] });
        break;
      case OPT_SACK_PERMITTED:
        options.push(OPTION_SACK_PERMITTED);
        break;
      case OPT_TIMESTAMPS:
        options.push({ kind: 'timestamps', tsval: get32(buf, i + 2), tsecr: get32(buf, i + 6) });
        break;
      case OPT_SACK: {
        const blocks: Array<[number, number]> = [];
        for (let b = i + 2; b < i + length; b += 8) blocks.push([get32(buf, b), get32(buf, b + 4)]);
        options.push({ kind: 'sack', blocks });
        break;
      }
      case OPT_FASTOPEN:
        options.push({ kind: 'fastopen', cookie: buf.subarray(i + 2, i + length) });
        break;
      case OPT_EXPERIMENTAL:
        // RFC 6994: the first two bytes name the experiment; only Fast Open's is read, others stay unknown.
        if (length >= 4 && get16(buf, i + 2) === FASTOPEN_MAGIC) options.push({ kind: 'fastopen', cookie: buf.subarray(i + 4, i + length), experimental: true });
        else options.push({ kind: 'unknown', type: kind, data: buf.subarray(i + 2, i + length) });
        break;
      default:
        options.push({ kind: 'unknown', type: kind, data: buf.subarray(i + 2, i + length) });
    }
    i += length;
  }
  return options;
}

/** Decode the TCP segment in buf[start, end); error offsets are positions in buf. */
function decodeTcpAt(buf: Buffer, start: number, end: number, srcAddr: number | undefined, dstAddr: number | undefined, opts: TcpDecodeOptions): DecodedTcp {
  return readTcp(buf, start, end, srcAddr, dstAddr, opts, blankTcp(), undefined);
}

/** A DecodedTcp with every field present (one shape for all of them), to be filled by readTcp. */
function blankTcp(): DecodedTcp {
  return {
    srcPort: 0, dstPort: 0, seq: 0, ack: 0, flags: 0, window: 0, urgent: 0, options: NO_OPTIONS, payload: EMPTY,
    checksum: 0, checksumOk: undefined, checksumPartial: undefined, headerLength: 0,
  };
}

/**
 * Fill `seg` from the TCP segment in buf[start, end); `tsList` as for decodeOptions (see PacketScratch).
 * With `split`, buf[start, end) is the header alone and `split` the payload (see encodePacketHeader).
 */
function readTcp(
  buf: Buffer, start: number, end: number, srcAddr: number | undefined, dstAddr: number | undefined, opts: TcpDecodeOptions,
  seg: DecodedTcp, tsList: TimestampsList | undefined, split?: Buffer,
): DecodedTcp {
  const length = end - start + (split === undefined ? 0 : split.length);
  if (length < TCP_HEADER_MIN) {
    throw new WireError('short', end, `TCP header needs 20 bytes, only ${length} present`);
  }
  const dataOffset = buf[start + 12] >>> 4;
  const headerLength = dataOffset * 4;
  if (dataOffset < 5) throw new WireError('bad-data-offset', start + 12, `TCP data offset ${dataOffset} words, the minimum is 5`);
  if (headerLength > length) {
    throw new WireError('bad-data-offset', start + 12, `TCP data offset ${headerLength} bytes runs past the ${length}-byte segment`);
  }
  if (split !== undefined && headerLength !== end - start) {
    throw new WireError('bad-data-offset', start + 12, `TCP data offset ${headerLength} bytes, but the header piece holds ${end - start}`);
  }
  const checksum = get16(buf, start + 16);
  seg.srcPort = get16(buf, start);
  seg.dstPort = get16(buf, start + 2);
  seg.seq = get32(buf, start + 4);
  seg.ack = get32(buf, start + 8);
  // The low 4 bits of byte 12 (reserved, RFC 9293 3.1) are not kept: TcpSegment has no field.
  seg.flags = buf[start + 13];
  seg.window = get16(buf, start + 14);
  seg.urgent = get16(buf, start + 18);
  seg.options = decodeOptions(buf, start + TCP_HEADER_MIN, start + headerLength, tsList);
  // A pure ACK shares one empty buffer instead of a view of nothing.
  seg.payload = split !== undefined ? split : headerLength === length ? EMPTY : buf.subarray(start + headerLength, end);
  seg.checksum = checksum;
  seg.checksumOk = undefined;
  seg.checksumPartial = undefined;
  seg.headerLength = headerLength;
  if (srcAddr !== undefined && dstAddr !== undefined && opts.verifyChecksum !== 'skip') {
    const pseudo = pseudoHeaderSum(srcAddr, dstAddr, PROTO_TCP, length);
    // The header's length is a multiple of 4, so the payload's words stay aligned in the running sum.
    const sum = checksumAdd(buf, start, end, pseudo);
    seg.checksumOk = checksumFinish(split === undefined ? sum : checksumAdd(split, 0, split.length, sum)) === 0;
    seg.checksumPartial = !seg.checksumOk && checksum === checksumFold(pseudo);
    const verify = opts.verifyChecksum ?? true;
    if (!seg.checksumOk && verify !== false && !(verify === 'allow-partial' && seg.checksumPartial)) {
      throw new WireError('bad-checksum', start + 16, `TCP checksum 0x${checksum.toString(16).padStart(4, '0')} does not verify`, {
        hint: seg.checksumPartial ? 'it is a checksum-offload partial sum: decode with verifyChecksum "allow-partial"' : 'the segment is corrupt',
      });
    }
  }
  return seg;
}

/**
 * Decode a TCP segment (header, options, payload: the whole of buf). The checksum is checked only
 * when both addresses are given (it covers the pseudo-header).
 */
export function decodeTcp(buf: Buffer, srcAddr?: number, dstAddr?: number, opts: TcpDecodeOptions = {}): DecodedTcp {
  return decodeTcpAt(buf, 0, buf.length, srcAddr, dstAddr, opts);
}

export interface PacketEncodeOptions extends TcpEncodeOptions, Omit<Ipv4Header, 'src' | 'dst' | 'protocol'> {
  /**
   * Every value is known to fit its field, so the range checks (WireError 'bad-value') are skipped: for a
   * caller that builds segments from values in range by construction, as a host does for its own
   * connections (see HostOptions.checkFields). A value that does not fit is then cut to its field's
   * width without a word. Default false.
   */
  trusted?: boolean;
}

/** An IPv4 packet carrying seg, built in one allocation. */
export function encodePacket(src: number, dst: number, seg: TcpSegment, opts: PacketEncodeOptions = {}): Buffer {
  return buildPacket(src, dst, seg, opts, true);
}

/**
 * encodePacket without the payload: the IPv4 and TCP headers alone, in a packet buffer of their length,
 * with the lengths (and checksums, if asked) of the whole packet, which is these bytes followed by
 * seg.payload's. A link that carries the two side by side moves no payload byte (the zero-copy path of
 * MemoryLink.splitSender); decodeSplitPacketInto reads them back.
 */
export function encodePacketHeader(src: number, dst: number, seg: TcpSegment, opts: PacketEncodeOptions = {}): Buffer {
  return buildPacket(src, dst, seg, opts, false);
}

function buildPacket(src: number, dst: number, seg: TcpSegment, opts: PacketEncodeOptions, withPayload: boolean): Buffer {
  const ts = timestampsOnly(seg.options);
  const headerLength = ts ? TS_HEADER_LENGTH : tcpHeaderLength(seg);
  const tcpLength = headerLength + seg.payload.length;
  if (IPV4_HEADER_LENGTH + tcpLength > 0xffff) {
    throw new WireError('bad-value', 0, `IPv4 packet of ${IPV4_HEADER_LENGTH + tcpLength} bytes`, { hint: 'at most 65535 bytes fit the total length field' });
  }
  const buf = allocPacket(IPV4_HEADER_LENGTH + (withPayload ? tcpLength : headerLength));
  // Checksum offload covers the IPv4 header's checksum too, as NICs do: nothing that could see it is looking.
  const checksum = opts.checksum !== false;
  const check = opts.trusted !== true;
  writeIpv4Header(buf, 0, src, dst, PROTO_TCP, opts.ttl, opts.id, opts.tos, opts.dontFragment, tcpLength, checksum, check);
  writeTcp(buf, IPV4_HEADER_LENGTH, seg, headerLength, src, dst, checksum, ts, check, withPayload);
  return buf;
}

// decodeIpv4's options, made once rather than per packet.
const IP_VERIFY: Ipv4DecodeOptions = Object.freeze({ verifyChecksum: true });
const IP_NO_VERIFY: Ipv4DecodeOptions = Object.freeze({ verifyChecksum: false });
const IP_SKIP: Ipv4DecodeOptions = Object.freeze({ verifyChecksum: 'skip' });

/**
 * A decoded packet that is filled in place, packet after packet (decodePacketInto): the receive path
 * of a host, which is done with each packet before it takes the next, makes no objects for it but
 * the payload's view. Only what decodePacket's `ip.src`, `ip.dst` and `tcp` hold; valid until the next
 * decodePacketInto with the same scratch, so nothing may keep `tcp` or its options.
 */
export interface PacketScratch {
  src: number;
  dst: number;
  readonly tcp: DecodedTcp;
  readonly tsList: TimestampsList;
}

export function packetScratch(): PacketScratch {
  return { src: 0, dst: 0, tcp: blankTcp(), tsList: [OPTION_NOP, OPTION_NOP, { kind: 'timestamps', tsval: 0, tsecr: 0 }] };
}

/**
 * The IPv4 checks of both packet decoders (the TCP segment's checksum by the same rule, the IPv4 header's
 * unless 'skip' or false), then the protocol. Returns whether the IPv4 header checksum verifies.
 */
function checkTcpPacket(buf: Buffer, opts: TcpDecodeOptions, available = buf.length): boolean {
  const checksumOk = checkIpv4(buf, opts.verifyChecksum === 'skip' ? IP_SKIP : opts.verifyChecksum === false ? IP_NO_VERIFY : IP_VERIFY, available);
  const protocol = buf[9];
  if (protocol !== PROTO_TCP) throw new WireError('not-tcp', 9, `IPv4 protocol ${protocol}, expected 6 (TCP)`);
  return checksumOk;
}

/** decodePacket into `out` (see PacketScratch): the same checks, the same WireErrors. */
export function decodePacketInto(buf: Buffer, opts: TcpDecodeOptions, out: PacketScratch): void {
  checkTcpPacket(buf, opts);
  out.src = get32(buf, 12);
  out.dst = get32(buf, 16);
  readTcp(buf, (buf[0] & 0x0f) * 4, get16(buf, 2), out.src, out.dst, opts, out.tcp, out.tsList);
}

/**
 * decodePacketInto for a packet in two pieces, `header` as encodePacketHeader makes it and `payload`:
 * the same checks over the whole, and `out.tcp.payload` is `payload` itself, not a copy.
 */
export function decodeSplitPacketInto(header: Buffer, payload: Buffer, opts: TcpDecodeOptions, out: PacketScratch): void {
  checkTcpPacket(header, opts, header.length + payload.length);
  const total = get16(header, 2);
  if (total !== header.length + payload.length) {
    throw new WireError('bad-length', 2, `IPv4 total length ${total}, but the pieces hold ${header.length + payload.length} bytes`);
  }
  out.src = get32(header, 12);
  out.dst = get32(header, 16);
  readTcp(header, (header[0] & 0x0f) * 4, header.length, out.src, out.dst, opts, out.tcp, out.tsList, payload);
}

export interface DecodedPacket {
  ip: Ipv4Packet;
  tcp: DecodedTcp;
}

/**
 * Decode an IPv4 packet carrying TCP. verifyChecksum applies to both checksums ('allow-partial'
 * verifies the IPv4 header checksum, which the kernel always finishes). Error offsets count from
 * the start of the IPv4 header.
 */
export function decodePacket(buf: Buffer, opts: TcpDecodeOptions = {}): DecodedPacket {
  const ip = ipv4View(buf, checkTcpPacket(buf, opts));
  // Straight from the packet's bytes: no view of the IPv4 payload is made.
  const tcp = decodeTcpAt(buf, ip.ihl * 4, ip.totalLength, ip.src, ip.dst, opts);
  return { ip, tcp };
}
