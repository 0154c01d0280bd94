/**
 * Packet captures: classic pcap written (LINKTYPE_RAW, one IPv4 packet a record, microsecond
 * times), classic pcap and pcapng read, giving the IPv4 packets inside whatever link framing the
 * capture used. Formats: the tcpdump.org pcap file format, draft-ietf-opsawg-pcap; pcapng,
 * draft-ietf-opsawg-pcapng; link-layer header types from tcpdump.org/linktypes.html.
 */
import { AtomicFile } from '../atomic-file.ts';
import { WireError } from './errors.ts';
import { get16, get16le, get32, get32le } from './bytes.ts';

export const LINKTYPE_NULL = 0;
export const LINKTYPE_ETHERNET = 1;
/** DLT_RAW as OpenBSD (14) and most others (12) numbered it before LINKTYPE_RAW existed. */
export const DLT_RAW_12 = 12;
export const DLT_RAW_14 = 14;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_LOOP = 108;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_LINUX_SLL2 = 276;

const PCAP_MAGIC_MICRO = 0xa1b2c3d4;
const PCAP_MAGIC_NANO = 0xa1b23c4d;
const PCAP_HEADER_LENGTH = 24;
const PCAP_RECORD_HEADER_LENGTH = 16;

const BLOCK_SHB = 0x0a0d0d0a;
const BLOCK_IDB = 0x00000001;
const BLOCK_OPB = 0x00000002; // obsolete Packet Block, still written by old tools
const BLOCK_SPB = 0x00000003;
const BLOCK_EPB = 0x00000006;
const PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const OPT_IF_TSRESOL = 9;
const OPT_IF_TSOFFSET = 14;

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_VLAN = 0x8100;
const ETHERTYPE_QINQ = 0x88a8;
const AF_INET = 2;

// ---------------------------------------------------------------------------------------------
// Writing

/** The 24-byte classic pcap file header, little-endian, microsecond timestamps. */
export function pcapHeader(linktype = LINKTYPE_RAW, snaplen = 262144): Buffer {
  const buf = Buffer.alloc(PCAP_HEADER_LENGTH);
  buf.writeUInt32LE(PCAP_MAGIC_MICRO, 0);
  buf.writeUInt16LE(2, 4); // version 2.4, the only one there is
  buf.writeUInt16LE(4, 6);
  // thiszone and sigfigs stay 0, as every writer since libpcap 0.x does
  buf.writeUInt32LE(snaplen, 16);
  buf.writeUInt32LE(linktype, 20);
  return buf;
}

/** Seconds and microseconds for a time in (fractional) milliseconds, rounded to the microsecond. */
function splitTime(timeMs: number): [number, number] {
  if (!Number.isFinite(timeMs) || timeMs < 0 || timeMs >= 2 ** 32 * 1000) {
    throw new WireError('bad-value', 0, `capture time ${timeMs} ms does not fit a pcap record`, { hint: '0 <= time < 2^32 s' });
  }
  const totalMicros = Math.round(timeMs * 1000);
  return [Math.floor(totalMicros / 1e6), totalMicros % 1e6];
}

/** A 16-byte record header followed by a copy of the packet. */
export function pcapRecord(timeMs: number, packet: Buffer): Buffer {
  const buf = Buffer.allocUnsafe(PCAP_RECORD_HEADER_LENGTH + packet.length);
  writeRecordHeader(buf, 0, timeMs, packet.length);
  packet.copy(buf, PCAP_RECORD_HEADER_LENGTH);
  return buf;
}

function writeRecordHeader(buf: Buffer, offset: number, timeMs: number, length: number): void {
  const [sec, micros] = splitTime(timeMs);
  buf.writeUInt32LE(sec, offset);
  buf.writeUInt32LE(micros, offset + 4);
  buf.writeUInt32LE(length, offset + 8); // captured length
  buf.writeUInt32LE(length, offset + 12); // original length: never snapped
}

export interface PcapRecordInput {
  timeMs: number;
  packet: Buffer;
}

/** A whole classic pcap file in one allocation. */
export function encodePcap(records: readonly PcapRecordInput[], linktype = LINKTYPE_RAW, snaplen = 262144): Buffer {
  let length = PCAP_HEADER_LENGTH;
  for (const r of records) length += PCAP_RECORD_HEADER_LENGTH + r.packet.length;
  const buf = Buffer.allocUnsafe(length);
  pcapHeader(linktype, snaplen).copy(buf, 0);
  let offset = PCAP_HEADER_LENGTH;
  for (const r of records) {
    writeRecordHeader(buf, offset, r.timeMs, r.packet.length);
    r.packet.copy(buf, offset + PCAP_RECORD_HEADER_LENGTH);
    offset += PCAP_RECORD_HEADER_LENGTH + r.packet.length;
  }
  return buf;
}

/** One pcapng block (little-endian unless asked): type, total length, body padded to 4 bytes, total length again. */
export function pcapngBlock(type: number, body: Buffer, littleEndian = true): Buffer {
  const padded = Buffer.alloc((body.length + 3) & ~3);
  body.copy(padded);
  const b = Buffer.alloc(12 + padded.length);
  const u32 = (v: number, at: number) => (littleEndian ? b.writeUInt32LE(v, at) : b.writeUInt32BE(v, at));
  u32(type, 0);
  u32(b.length, 4);
  padded.copy(b, 8);
  u32(b.length, b.length - 4);
  return b;
}

/**
 * Writes a capture that appears whole or not at all (lib/atomic-file.ts): kept in memory and written on
 * close(), or with `stream` written to its temporary file as it comes; close() renames it onto `path`,
 * so a reader never sees half a capture and a failed run leaves none.
 */
export class PcapWriter {
  readonly path: string;
  private chunks: Buffer[];
  private chunkBytes = 0;
  private closed = false;
  /** Packets written so far. */
  count = 0;
  /** With `stream`: the file the records go to as they come. */
  private readonly out: AtomicFile | undefined;

  /** Flush to the temporary file once this many bytes wait (stream mode): few system calls, bounded memory. */
  private static readonly FLUSH_BYTES = 256 * 1024;

  /**
   * `stream`: records go to a temporary file beside `path` as they come (memory stays bounded however
   * long the capture), renamed onto `path` by close() and removed by abort(). Without it the capture is
   * kept in memory and written whole by close().
   */
  constructor(path: string, opts: { linktype?: number; snaplen?: number; stream?: boolean } = {}) {
    this.path = path;
    this.chunks = [pcapHeader(opts.linktype ?? LINKTYPE_RAW, opts.snaplen ?? 262144)];
    if (opts.stream) this.out = new AtomicFile(path);
  }

  /** Add one packet (copied: the caller may reuse its buffer). */
  write(timeMs: number, packet: Buffer): void {
    if (this.closed) throw new Error(`PcapWriter for ${this.path} is closed`);
    const rec = pcapRecord(timeMs, packet);
    this.chunks.push(rec);
    this.count++;
    this.chunkBytes += rec.length;
    if (this.out !== undefined && this.chunkBytes >= PcapWriter.FLUSH_BYTES) this.out.write(this.takeChunks());
  }

  private takeChunks(): Buffer {
    const b = Buffer.concat(this.chunks);
    this.chunks = [];
    this.chunkBytes = 0;
    return b;
  }

  /** The file as it would be written now (not in stream mode, whose records are on disk already). */
  toBuffer(): Buffer {
    if (this.out !== undefined) throw new Error('PcapWriter.toBuffer in stream mode');
    return Buffer.concat(this.chunks);
  }

  /** Write the file. Later writes are a bug and throw. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    (this.out ?? new AtomicFile(this.path)).commit(this.takeChunks());
  }

  /** Gives up: nothing is written, a stream's temporary file is removed. Safe after close(). */
  abort(): void {
    if (this.closed) return;
    this.closed = true;
    this.chunks = [];
    this.out?.abort();
  }
}

// ---------------------------------------------------------------------------------------------
// Reading

export interface CapturedPacket {
  /** Capture time in milliseconds since the Unix epoch (fractional: micro- or nanoseconds kept). */
  timeMs: number;
  /** View of the IPv4 packet: link framing removed, link padding (if any) still there. */
  ip: Buffer;
  /** Link type the packet was captured with. */
  linktype: number;
  /** 0-based number of the packet record in the file, skipped ones counted (Wireshark's frame number - 1). */
  index: number;
  /** File byte offset of the record (pcap) or block (pcapng). */
  offset: number;
  /** The packet's length on the wire; larger than the link frame when the capture snapped it. */
  origLength: number;
}

export interface Capture {
  format: 'pcap' | 'pcapng';
  /** The IPv4 packets, in file order. */
  packets: CapturedPacket[];
  /** Packet records that were not IPv4 (IPv6, ARP, ...) or whose link header was cut short. */
  skipped: number;
}

const SUPPORTED_LINKTYPES = new Set([LINKTYPE_NULL, LINKTYPE_ETHERNET, DLT_RAW_12, DLT_RAW_14, LINKTYPE_RAW, LINKTYPE_LOOP, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2]);
const LINKTYPE_HINT = 'supported link types: RAW (101, 12, 14), Ethernet (1), Linux SLL (113), SLL2 (276), NULL (0), LOOP (108)';

/**
 * The IPv4 packet inside one link-layer frame, or undefined when the frame holds something else
 * (or is too short for its own link header).
 */
export function ipv4FromFrame(linktype: number, frame: Buffer): Buffer | undefined {
  let start: number;
  switch (linktype) {
    case LINKTYPE_RAW:
    case DLT_RAW_12:
    case DLT_RAW_14:
      start = 0;
      break;
    case LINKTYPE_ETHERNET: {
      // dst MAC, src MAC, EtherType; 802.1Q / 802.1ad tags put 4 bytes before the real EtherType.
      let typeAt = 12;
      while (typeAt + 2 <= frame.length) {
        const etherType = get16(frame, typeAt);
        if (etherType !== ETHERTYPE_VLAN && etherType !== ETHERTYPE_QINQ) break;
        typeAt += 4;
      }
      if (typeAt + 2 > frame.length || get16(frame, typeAt) !== ETHERTYPE_IPV4) return undefined;
      start = typeAt + 2;
      break;
    }
    case LINKTYPE_LINUX_SLL:
      // packet type, ARPHRD type, address length, 8 address bytes, protocol (EtherType)
      if (frame.length < 16 || get16(frame, 14) !== ETHERTYPE_IPV4) return undefined;
      start = 16;
      break;
    case LINKTYPE_LINUX_SLL2:
      // protocol (EtherType), reserved, interface index, ARPHRD type, packet type, address length, 8 address bytes
      if (frame.length < 20 || get16(frame, 0) !== ETHERTYPE_IPV4) return undefined;
      start = 20;
      break;
    case LINKTYPE_NULL:
    case LINKTYPE_LOOP: {
      // A 4-byte address family: host byte order of the capturing machine for NULL, network byte
      // order for LOOP, though writers get this wrong often enough that both orders are accepted.
      if (frame.length < 4) return undefined;
      const family = get32le(frame, 0);
      if (family !== AF_INET && get32(frame, 0) !== AF_INET) return undefined;
      start = 4;
      break;
    }
    default:
      return undefined;
  }
  // The link type does not always say IPv4 (RAW carries IPv6 too): check the version nibble.
  if (start >= frame.length || frame[start] >>> 4 !== 4) return undefined;
  return frame.subarray(start);
}

/** Read a classic pcap or pcapng file. `name` is put into error messages. */
export function readCapture(buf: Buffer, name?: string): Capture {
  const src = name === undefined ? {} : { source: name };
  if (buf.length < 4) throw new WireError('bad-magic', 0, `${buf.length} bytes are too few for a capture file`, { ...src, hint: 'expected a pcap or pcapng file' });
  const magicBE = buf.readUInt32BE(0);
  if (magicBE === BLOCK_SHB) return readPcapng(buf, src);
  const magicLE = buf.readUInt32LE(0);
  for (const [magic, little] of [[magicLE, true], [magicBE, false]] as const) {
    if (magic === PCAP_MAGIC_MICRO || magic === PCAP_MAGIC_NANO) return readPcap(buf, little, magic === PCAP_MAGIC_NANO ? 1e6 : 1e3, src);
  }
  throw new WireError('bad-magic', 0, `magic number 0x${magicBE.toString(16).padStart(8, '0')} is neither pcap nor pcapng`, {
    ...src,
    hint: 'expected a pcap or pcapng file (tcpdump -w, Wireshark)',
  });
}

type Source = { source?: string };

function readPcap(buf: Buffer, little: boolean, fracPerMs: number, src: Source): Capture {
  if (buf.length < PCAP_HEADER_LENGTH) throw new WireError('truncated-record', buf.length, `pcap file header needs 24 bytes, only ${buf.length} present`, src);
  // Offsets are checked against the length before each read: the plain loads, not Buffer's checking readUInt32LE.
  const u32 = little ? (o: number) => get32le(buf, o) : (o: number) => get32(buf, o);
  // The upper bits of the link type field carry FCS information (draft-ietf-opsawg-pcap 4); the type is the low 16.
  const linktype = u32(20) & 0xffff;
  if (!SUPPORTED_LINKTYPES.has(linktype)) throw new WireError('bad-linktype', 20, `link type ${linktype} is not supported`, { ...src, hint: LINKTYPE_HINT });
  const packets: CapturedPacket[] = [];
  let skipped = 0;
  let offset = PCAP_HEADER_LENGTH;
  for (let index = 0; offset < buf.length; index++) {
    if (offset + PCAP_RECORD_HEADER_LENGTH > buf.length) {
      throw new WireError('truncated-record', offset, `record ${index} header cut off by the end of the file`, src);
    }
    const sec = u32(offset);
    const frac = u32(offset + 4);
    const capLength = u32(offset + 8);
    const origLength = u32(offset + 12);
    const dataAt = offset + PCAP_RECORD_HEADER_LENGTH;
    if (capLength > buf.length - dataAt) {
      throw new WireError('truncated-record', offset + 8, `record ${index} says ${capLength} bytes, only ${buf.length - dataAt} left in the file`, src);
    }
    const ip = ipv4FromFrame(linktype, buf.subarray(dataAt, dataAt + capLength));
    if (ip === undefined) skipped++;
    else packets.push({ timeMs: sec * 1000 + frac / fracPerMs, ip, linktype, index, offset, origLength });
    offset = dataAt + capLength;
  }
  return { format: 'pcap', packets, skipped };
}

interface Interface {
  linktype: number;
  /** Timestamp units per second (if_tsresol; default 10^6). */
  unitsPerSec: bigint;
  /** if_tsoffset, seconds added to every timestamp. */
  offsetSec: number;
}

function readPcapng(buf: Buffer, src: Source): Capture {
  const packets: CapturedPacket[] = [];
  let skipped = 0;
  let interfaces: Interface[] = [];
  let little = true;
  let lastTimeMs = 0;
  let index = 0;
  let offset = 0;
  const u32 = (o: number) => (little ? get32le(buf, o) : get32(buf, o));
  const u16 = (o: number) => (little ? get16le(buf, o) : get16(buf, o));
  while (offset < buf.length) {
    if (offset + 12 > buf.length) throw new WireError('truncated-record', offset, 'block header cut off by the end of the file', src);
    const type = u32(offset);
    if (type === BLOCK_SHB) {
      // Each section header sets the byte order of the blocks after it (pcapng 4.1).
      const bom = buf.readUInt32LE(offset + 8);
      if (bom === PCAPNG_BYTE_ORDER_MAGIC) little = true;
      else if (buf.readUInt32BE(offset + 8) === PCAPNG_BYTE_ORDER_MAGIC) little = false;
      else throw new WireError('bad-magic', offset + 8, 'section header without the pcapng byte-order magic', src);
      interfaces = [];
    }
    const length = u32(offset + 4);
    if (length < 12 || length % 4 !== 0) {
      throw new WireError('bad-block', offset + 4, `block length ${length} is not a multiple of 4 of at least 12`, src);
    }
    if (length > buf.length - offset) {
      throw new WireError('truncated-record', offset + 4, `block of ${length} bytes, only ${buf.length - offset} left in the file`, src);
    }
    const end = offset + length;
    if (u32(end - 4) !== length) throw new WireError('bad-block', end - 4, `trailing block length ${u32(end - 4)} differs from the leading ${length}`, src);
    const body = offset + 8;
    const bodyEnd = end - 4;
    const need = (n: number, what: string): void => {
      if (bodyEnd - body < n) throw new WireError('bad-block', offset + 4, `${what} of ${length} bytes is too short for its fixed fields`, src);
    };
    const iface = (id: number, at: number): Interface => {
      const found = interfaces[id];
      if (found === undefined) throw new WireError('bad-block', at, `packet on interface ${id}, but only ${interfaces.length} interfaces are described`, src);
      return found;
    };
    const addPacket = (ifc: Interface, timeMs: number, dataAt: number, capLength: number, origLength: number): void => {
      if (capLength > bodyEnd - dataAt) throw new WireError('bad-block', offset, `packet of ${capLength} bytes overruns its block`, src);
      const ip = ipv4FromFrame(ifc.linktype, buf.subarray(dataAt, dataAt + capLength));
      if (ip === undefined) skipped++;
      else packets.push({ timeMs, ip, linktype: ifc.linktype, index, offset, origLength });
      index++;
      lastTimeMs = timeMs;
    };
    switch (type) {
      case BLOCK_SHB:
        need(16, 'section header block');
        break;
      case BLOCK_IDB: {
        need(8, 'interface description block');
        const linktype = u16(body);
        if (!SUPPORTED_LINKTYPES.has(linktype)) throw new WireError('bad-linktype', body, `link type ${linktype} is not supported`, { ...src, hint: LINKTYPE_HINT });
        const ifc: Interface = { linktype, unitsPerSec: 1_000_000n, offsetSec: 0 };
        forEachOption(buf, body + 8, bodyEnd, u16, src, (code, at, len) => {
          if (code === OPT_IF_TSRESOL && len >= 1) {
            // High bit clear: 10^-n seconds; set: 2^-n seconds (pcapng 4.2).
            const v = buf[at];
            ifc.unitsPerSec = v & 0x80 ? 1n << BigInt(v & 0x7f) : 10n ** BigInt(v);
          } else if (code === OPT_IF_TSOFFSET && len >= 8) {
            ifc.offsetSec = Number(little ? buf.readBigInt64LE(at) : buf.readBigInt64BE(at));
          }
        });
        interfaces.push(ifc);
        break;
      }
      case BLOCK_EPB:
      case BLOCK_OPB: {
        // The same layout, but the obsolete packet block's interface id is 16 bits (a drops count follows).
        need(20, type === BLOCK_EPB ? 'enhanced packet block' : 'packet block');
        const ifc = iface(type === BLOCK_EPB ? u32(body) : u16(body), body);
        const timeMs = timestampMs(ifc, u32(body + 4), u32(body + 8));
        addPacket(ifc, timeMs, body + 20, u32(body + 12), u32(body + 16));
        break;
      }
      case BLOCK_SPB: {
        // No interface id (always the first) and no time: it gets the time of the packet before it.
        need(4, 'simple packet block');
        const origLength = u32(body);
        const ifc = iface(0, body);
        addPacket(ifc, lastTimeMs, body + 4, Math.min(origLength, bodyEnd - body - 4), origLength);
        break;
      }
      default:
        break; // name resolution, statistics, custom, decryption secrets...: nothing to do with packets
    }
    offset = end;
  }
  return { format: 'pcapng', packets, skipped };
}

function timestampMs(ifc: Interface, high: number, low: number): number {
  // 64-bit count of units: BigInt keeps nanosecond stamps exact through the division.
  const units = (BigInt(high) << 32n) | BigInt(low);
  const sec = units / ifc.unitsPerSec;
  const rest = units % ifc.unitsPerSec;
  return (Number(sec) + ifc.offsetSec) * 1000 + (Number(rest) * 1000) / Number(ifc.unitsPerSec);
}

/** pcapng options: code (2), length (2), value padded to 4; opt_endofopt (0) ends the list. */
function forEachOption(buf: Buffer, start: number, end: number, u16: (o: number) => number, src: Source, fn: (code: number, at: number, length: number) => void): void {
  let at = start;
  while (at + 4 <= end) {
    const code = u16(at);
    const length = u16(at + 2);
    if (code === 0) return;
    if (at + 4 + length > end) throw new WireError('bad-block', at + 2, `option ${code} of ${length} bytes overruns its block`, src);
    fn(code, at + 4, length);
    at += 4 + ((length + 3) & ~3);
  }
}
