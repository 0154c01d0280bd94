import test from 'ava';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WireError } from '../../lib/wire/errors.ts';
import { flagString, optionStrings } from '../../lib/wire/format.ts';
import {
  encodePcap, LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2, LINKTYPE_LOOP, LINKTYPE_NULL, LINKTYPE_RAW,
  pcapHeader, pcapngBlock, pcapRecord, PcapWriter, readCapture, type Capture,
} from '../../lib/wire/pcap.ts';
import { ACK, decodePacket, encodePacket, PSH, SYN, type TcpSegment } from '../../lib/wire/tcp.ts';
import { wireError } from './assert.ts';
import { ethernetPcap, hex, loopbackHex, sll2Pcap, sllPcap } from './captured.ts';

const A = 0x0a000001;
const B = 0x0a000002;
const seg = (over: Partial<TcpSegment>): TcpSegment => ({ srcPort: 40000, dstPort: 80, seq: 1000, ack: 0, flags: SYN, window: 65535, urgent: 0, options: [], payload: Buffer.alloc(0), ...over });
const syn = encodePacket(A, B, seg({ options: [{ kind: 'mss', mss: 1460 }] }));
const data = encodePacket(B, A, seg({ srcPort: 80, dstPort: 40000, flags: PSH | ACK, payload: Buffer.from('hi') }));
/** An IPv6 packet's first bytes: version 6. Enough for the reader to skip it. */
const ipv6 = hex('6000000000000640' + '00'.repeat(32));

function decodedFlags(capture: Capture): string[] {
  return capture.packets.map((p) => flagString(decodePacket(p.ip, { verifyChecksum: 'allow-partial' }).tcp.flags));
}

// ---- real captures written by tcpdump (see captured.ts) ----

test('tcpdump -i lo (Ethernet): ten packets with the flags, options and times tcpdump printed', (t) => {
  const capture = readCapture(ethernetPcap, 'eth.pcap');
  t.is(capture.format, 'pcap');
  t.is(capture.skipped, 0);
  t.deepEqual(decodedFlags(capture), ['S', 'S.', '.', 'P.', '.', 'P.', '.', 'F.', 'F.', '.']);
  const first = capture.packets[0];
  t.like(first, { linktype: LINKTYPE_ETHERNET, index: 0, offset: 24, origLength: 74 });
  t.is(first.timeMs, 1795587402 * 1000 + 930223 / 1000); // tcpdump: 06:16:42.930223
  t.is(capture.packets[1].offset, 24 + 16 + 74);
  t.is(first.ip.length, 60, 'the Ethernet header is gone');
  const { tcp } = decodePacket(first.ip, { verifyChecksum: 'allow-partial' });
  // tcpdump: seq 1648158468, win 65495, options [mss 65495,sackOK,TS val 3975900573 ecr 0,nop,wscale 10]
  t.is(tcp.seq, 1648158468);
  t.is(tcp.window, 65495);
  t.is(optionStrings(tcp.options).join(','), 'mss 65495,sackOK,TS val 3975900573 ecr 0,nop,wscale 10');
});

test('tcpdump -i any: Linux cooked v2 (SLL2) and v1 (SLL) framing', (t) => {
  const v2 = readCapture(sll2Pcap);
  t.is(v2.packets.length, 3);
  t.is(v2.packets[0].linktype, LINKTYPE_LINUX_SLL2);
  t.deepEqual(decodedFlags(v2), ['S', 'S.', '.']);
  t.is(decodePacket(v2.packets[0].ip, { verifyChecksum: 'allow-partial' }).tcp.dstPort, 40125);
  t.is(v2.packets[1].timeMs, 1795587403 * 1000 + 473330 / 1000);
  const v1 = readCapture(sllPcap);
  t.is(v1.packets.length, 3);
  t.is(v1.packets[0].linktype, LINKTYPE_LINUX_SLL);
  t.deepEqual(decodedFlags(v1), ['S', 'S.', '.']);
  t.is(decodePacket(v1.packets[2].ip, { verifyChecksum: 'allow-partial' }).tcp.dstPort, 40126);
});

test('every truncation of a real capture is a WireError, except a cut exactly between records', (t) => {
  const boundaries = new Set([24]);
  for (const p of readCapture(ethernetPcap).packets) boundaries.add(p.offset + 16 + p.ip.length + 14);
  for (let n = 0; n < ethernetPcap.length; n++) {
    let result: Capture | undefined;
    try {
      result = readCapture(ethernetPcap.subarray(0, n));
    } catch (err) {
      t.true(err instanceof WireError, `cut at ${n}: ${String(err)}`);
      continue;
    }
    t.true(boundaries.has(n), `a cut at ${n} inside a record was accepted`);
    t.is(result.packets.length, [...boundaries].filter((b) => b <= n).length - 1);
  }
});

// ---- writing ----

test('pcapHeader: magic a1b2c3d4 little-endian, version 2.4, snaplen, LINKTYPE_RAW by default', (t) => {
  t.is(pcapHeader().toString('hex'), 'd4c3b2a1' + '0200' + '0400' + '00000000' + '00000000' + '00000400' + '65000000');
  t.is(pcapHeader(LINKTYPE_ETHERNET, 65535).readUInt32LE(16), 65535);
});

test('pcapRecord: time in ms becomes seconds and microseconds, rounded to the microsecond', (t) => {
  const rec = pcapRecord(1234.5678, syn);
  t.is(rec.readUInt32LE(0), 1);
  t.is(rec.readUInt32LE(4), 234568);
  t.is(rec.readUInt32LE(8), syn.length);
  t.is(rec.readUInt32LE(12), syn.length);
  t.true(rec.subarray(16).equals(syn));
  t.is(pcapRecord(999.9999, syn).readUInt32LE(0), 1, 'rounding up carries into the seconds');
  t.is(pcapRecord(999.9999, syn).readUInt32LE(4), 0);
  wireError(t, () => pcapRecord(-1, syn), 'bad-value');
  wireError(t, () => pcapRecord(Number.NaN, syn), 'bad-value');
});

test('PcapWriter writes atomically on close and the file reads back', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tcpemu-pcap-'));
  try {
    const path = join(dir, 'out.pcap');
    const writer = new PcapWriter(path);
    writer.write(0, syn);
    writer.write(10.5, data);
    t.false(existsSync(path), 'nothing is written before close');
    writer.close();
    t.deepEqual(readdirSync(dir), ['out.pcap'], 'no temporary file left behind');
    const bytes = readFileSync(path);
    t.true(bytes.equals(encodePcap([{ timeMs: 0, packet: syn }, { timeMs: 10.5, packet: data }])));
    const capture = readCapture(bytes);
    t.deepEqual(capture.packets.map((p) => [p.timeMs, p.linktype, p.index, p.ip.toString('hex')]), [
      [0, LINKTYPE_RAW, 0, syn.toString('hex')],
      [10.5, LINKTYPE_RAW, 1, data.toString('hex')],
    ]);
    t.throws(() => writer.write(20, syn));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// ---- classic pcap variants and link framings ----

/** A classic pcap built by hand, big-endian or little-endian, micro or nano. */
function classicPcap(linktype: number, frames: Buffer[], opts: { bigEndian?: boolean; nano?: boolean } = {}): Buffer {
  const le = !opts.bigEndian;
  const w32 = (b: Buffer, v: number, o: number) => (le ? b.writeUInt32LE(v, o) : b.writeUInt32BE(v, o));
  const head = Buffer.alloc(24);
  w32(head, opts.nano ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  if (le) head.writeUInt16LE(2, 4), head.writeUInt16LE(4, 6);
  else head.writeUInt16BE(2, 4), head.writeUInt16BE(4, 6);
  w32(head, 262144, 16);
  w32(head, linktype, 20);
  const parts: Buffer[] = [head];
  frames.forEach((frame, i) => {
    const rec = Buffer.alloc(16);
    w32(rec, 100 + i, 0);
    w32(rec, opts.nano ? 123456789 : 123456, 4);
    w32(rec, frame.length, 8);
    w32(rec, frame.length, 12);
    parts.push(rec, frame);
  });
  return Buffer.concat(parts);
}

test('big-endian pcap and nanosecond pcap are read with the right times', (t) => {
  const be = readCapture(classicPcap(LINKTYPE_RAW, [syn, data], { bigEndian: true }));
  t.deepEqual(be.packets.map((p) => p.timeMs), [100123.456, 101123.456]);
  t.true(be.packets[1].ip.equals(data));
  const nano = readCapture(classicPcap(LINKTYPE_RAW, [syn], { nano: true }));
  t.is(nano.packets[0].timeMs, 100000 + 123456789 / 1e6);
  const beNano = readCapture(classicPcap(LINKTYPE_RAW, [syn], { nano: true, bigEndian: true }));
  t.is(beNano.packets[0].timeMs, 100000 + 123456789 / 1e6);
});

const ether = (etherType: number, payload: Buffer, vlanTags = 0): Buffer => {
  const head = Buffer.alloc(12 + 4 * vlanTags + 2, 0x11);
  for (let i = 0; i < vlanTags; i++) head.writeUInt32BE((0x81000000 | (i + 5)) >>> 0, 12 + 4 * i);
  head.writeUInt16BE(etherType, 12 + 4 * vlanTags);
  return Buffer.concat([head, payload]);
};

test('Ethernet: IPv4 kept, VLAN tags skipped, ARP and IPv6 counted as skipped, padding left to the IPv4 length', (t) => {
  const padded = Buffer.concat([ether(0x0800, data), Buffer.alloc(8)]);
  const capture = readCapture(classicPcap(LINKTYPE_ETHERNET, [ether(0x0800, syn), ether(0x0806, Buffer.alloc(28)), ether(0x0800, syn, 2), ether(0x86dd, ipv6), padded, Buffer.alloc(10)]));
  t.is(capture.skipped, 3, 'ARP, IPv6, and a frame too short for its Ethernet header');
  t.deepEqual(capture.packets.map((p) => p.index), [0, 2, 4]);
  t.true(capture.packets[1].ip.equals(syn), 'two VLAN tags skipped');
  t.is(decodePacket(capture.packets[2].ip).tcp.payload.toString(), 'hi', 'trailing padding cut by the IPv4 total length');
});

test('BSD loopback: NULL with AF_INET in either byte order, LOOP in network order', (t) => {
  const le = Buffer.from([2, 0, 0, 0]);
  const be = Buffer.from([0, 0, 0, 2]);
  const inet6 = Buffer.from([30, 0, 0, 0]);
  const nul = readCapture(classicPcap(LINKTYPE_NULL, [Buffer.concat([le, syn]), Buffer.concat([be, data]), Buffer.concat([inet6, ipv6])]));
  t.is(nul.packets.length, 2);
  t.is(nul.skipped, 1);
  t.true(nul.packets[0].ip.equals(syn));
  t.true(nul.packets[1].ip.equals(data));
  const loop = readCapture(classicPcap(LINKTYPE_LOOP, [Buffer.concat([be, syn])]));
  t.true(loop.packets[0].ip.equals(syn));
});

test('SLL and SLL2 built by hand: only protocol 0x0800 is kept', (t) => {
  const sll = (proto: number, p: Buffer) => {
    const h = Buffer.alloc(16);
    h.writeUInt16BE(proto, 14);
    return Buffer.concat([h, p]);
  };
  const sll2 = (proto: number, p: Buffer) => {
    const h = Buffer.alloc(20);
    h.writeUInt16BE(proto, 0);
    return Buffer.concat([h, p]);
  };
  const v1 = readCapture(classicPcap(LINKTYPE_LINUX_SLL, [sll(0x0800, syn), sll(0x86dd, ipv6)]));
  t.deepEqual([v1.packets.length, v1.skipped], [1, 1]);
  t.true(v1.packets[0].ip.equals(syn));
  const v2 = readCapture(classicPcap(LINKTYPE_LINUX_SLL2, [sll2(0x86dd, ipv6), sll2(0x0800, data)]));
  t.deepEqual([v2.packets.length, v2.skipped, v2.packets[0].index], [1, 1, 1]);
  t.true(v2.packets[0].ip.equals(data));
});

test('RAW: DLT 12 and 14 are raw IP too; an IPv6 packet is skipped', (t) => {
  for (const linktype of [12, 14, LINKTYPE_RAW]) {
    const capture = readCapture(classicPcap(linktype, [ipv6, syn]));
    t.deepEqual([capture.packets.length, capture.skipped, capture.packets[0].linktype], [1, 1, linktype]);
  }
});

test('bad files: unknown magic, short header, unsupported link type, record past the end; the file name is in the message', (t) => {
  const magic = wireError(t, () => readCapture(Buffer.from('hello world, not a capture'), 'notes.txt'), 'bad-magic', 0);
  t.regex(magic.message, /^notes\.txt: at byte 0: /);
  wireError(t, () => readCapture(Buffer.alloc(2)), 'bad-magic', 0);
  wireError(t, () => readCapture(pcapHeader().subarray(0, 20)), 'truncated-record', 20);
  wireError(t, () => readCapture(pcapHeader(147)), 'bad-linktype', 20);
  const file = encodePcap([{ timeMs: 0, packet: syn }]);
  file.writeUInt32LE(syn.length + 1, 24 + 8);
  wireError(t, () => readCapture(file), 'truncated-record', 32);
});

// ---- pcapng ----

function pcapng(le: boolean): { file: Buffer; blockOffsets: number[] } {
  const u16 = (v: number) => { const b = Buffer.alloc(2); le ? b.writeUInt16LE(v) : b.writeUInt16BE(v); return b; };
  const u32 = (v: number) => { const b = Buffer.alloc(4); le ? b.writeUInt32LE(v) : b.writeUInt32BE(v); return b; };
  const shb = pcapngBlock(0x0a0d0d0a, Buffer.concat([u32(0x1a2b3c4d), u16(1), u16(0), Buffer.alloc(8, 0xff)]), le);
  // Interface 0: Ethernet, if_tsresol 9 (nanoseconds), then opt_endofopt.
  const idbEth = pcapngBlock(1, Buffer.concat([u16(LINKTYPE_ETHERNET), u16(0), u32(0), u16(9), u16(1), Buffer.from([9, 0, 0, 0]), u32(0)]), le);
  // Interface 1: RAW, if_tsresol 0x8a (2^-10 s), no end-of-options marker.
  const idbRaw = pcapngBlock(1, Buffer.concat([u16(LINKTYPE_RAW), u16(0), u32(0), u16(9), u16(1), Buffer.from([0x8a, 0, 0, 0])]), le);
  const epb = (ifc: number, units: bigint, frame: Buffer) =>
    pcapngBlock(6, Buffer.concat([u32(ifc), u32(Number(units >> 32n)), u32(Number(units & 0xffffffffn)), u32(frame.length), u32(frame.length), frame]), le);
  const nrb = pcapngBlock(4, Buffer.alloc(4), le); // name resolution: nothing to do with packets
  const spb = pcapngBlock(3, Buffer.concat([u32(syn.length + 14), ether(0x0800, syn)]), le);
  const blocks = [
    shb, idbEth, idbRaw, nrb,
    epb(0, 1_700_000_000_123_456_789n, ether(0x0800, syn)), // exact only with BigInt arithmetic
    epb(1, 3n * 1024n + 512n, data), // 3.5 s in 2^-10 s units
    spb,
    epb(0, 5n, ether(0x86dd, ipv6)),
    pcapngBlock(0x40000bad, Buffer.from('custom block'), le),
  ];
  const blockOffsets: number[] = [];
  let at = 0;
  for (const b of blocks) (blockOffsets.push(at), (at += b.length));
  return { file: Buffer.concat(blocks), blockOffsets };
}

for (const [order, le] of [['little-endian', true], ['big-endian', false]] as const) {
  test(`pcapng (${order}): EPB on two interfaces with their own time resolution, SPB, unknown blocks skipped`, (t) => {
    const { file, blockOffsets } = pcapng(le);
    const capture = readCapture(file);
    t.is(capture.format, 'pcapng');
    t.is(capture.skipped, 1, 'the IPv6 packet');
    t.deepEqual(capture.packets.map((p) => [p.index, p.linktype, p.offset]), [
      [0, LINKTYPE_ETHERNET, blockOffsets[4]],
      [1, LINKTYPE_RAW, blockOffsets[5]],
      [2, LINKTYPE_ETHERNET, blockOffsets[6]],
    ]);
    t.is(capture.packets[0].timeMs, 1_700_000_000_123 + 0.456789);
    t.is(capture.packets[1].timeMs, 3500);
    t.is(capture.packets[2].timeMs, 3500, 'a simple packet block has no time: it takes the one before');
    t.true(capture.packets[0].ip.equals(syn));
    t.true(capture.packets[1].ip.equals(data));
    t.true(capture.packets[2].ip.equals(syn));
  });
}

test('pcapng: every truncation is a WireError, except a cut exactly between blocks', (t) => {
  const { file, blockOffsets } = pcapng(true);
  const boundaries = new Set([...blockOffsets, file.length]);
  for (let n = 1; n < file.length; n++) {
    try {
      readCapture(file.subarray(0, n));
    } catch (err) {
      t.true(err instanceof WireError, `cut at ${n}: ${String(err)}`);
      continue;
    }
    t.true(boundaries.has(n), `a cut at ${n} inside a block was accepted`);
  }
});

test('pcapng: malformed blocks are WireErrors at their byte', (t) => {
  const { file, blockOffsets } = pcapng(true);
  const odd = Buffer.from(file);
  odd.writeUInt32LE(33, blockOffsets[3] + 4);
  wireError(t, () => readCapture(odd), 'bad-block', blockOffsets[3] + 4);
  const mismatch = Buffer.from(file);
  mismatch.writeUInt32LE(20, blockOffsets[4] - 4);
  wireError(t, () => readCapture(mismatch), 'bad-block', blockOffsets[4] - 4);
  const noInterface = Buffer.from(file);
  noInterface.writeUInt32LE(7, blockOffsets[4] + 8);
  wireError(t, () => readCapture(noInterface), 'bad-block', blockOffsets[4] + 8);
  const badLinktype = Buffer.from(file);
  badLinktype.writeUInt16LE(147, blockOffsets[1] + 8);
  wireError(t, () => readCapture(badLinktype), 'bad-linktype', blockOffsets[1] + 8);
  const badBom = Buffer.from(file);
  badBom.writeUInt32LE(0x12345678, 8);
  wireError(t, () => readCapture(badBom), 'bad-magic', 8);
});

test('a real kernel packet survives pcap write and read unchanged', (t) => {
  const packet = hex(loopbackHex.dataHello);
  const capture = readCapture(encodePcap([{ timeMs: 42, packet }]));
  t.true(capture.packets[0].ip.equals(packet));
  t.is(decodePacket(capture.packets[0].ip, { verifyChecksum: 'allow-partial' }).tcp.payload.toString(), 'hello');
});
