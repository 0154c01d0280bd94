import test from 'ava';
import fc from 'fast-check';
import { allocPacket, dropRecycledPackets, recyclePacket, recycledPackets } from '../../lib/wire/bytes.ts';
import { WireError } from '../../lib/wire/errors.ts';
import { encodeIpv4, pseudoHeaderSum } from '../../lib/wire/ipv4.ts';
import { readCapture } from '../../lib/wire/pcap.ts';
import {
  ACK, decodePacket, decodePacketInto, decodeSplitPacketInto, decodeTcp, encodePacket, encodePacketHeader, encodeTcp, FIN, packetScratch, PSH, RST, SYN, tcpHeaderLength, tcpOptionsLength,
  type DecodedTcp, type TcpOption, type TcpSegment,
} from '../../lib/wire/tcp.ts';
import { OPTION_NOP } from '../../lib/wire/tcp-types.ts';
import { wireError } from './assert.ts';
import { ethernetPcap, hex, loopbackHex } from './captured.ts';

const LOCALHOST = 0x7f000001;
const A = 0x0a000001; // 10.0.0.1
const B = 0x0a000002; // 10.0.0.2


/** The TCP part of a captured IPv4 packet (all of them have a 20-byte IPv4 header). */
function tcpBytes(name: keyof typeof loopbackHex): Buffer {
  return hex(loopbackHex[name]).subarray(20);
}

/** Comparable form: Buffers as hex, so deepEqual compares contents, not views. */
function plain(seg: TcpSegment): unknown {
  return {
    srcPort: seg.srcPort, dstPort: seg.dstPort, seq: seg.seq, ack: seg.ack, flags: seg.flags, window: seg.window, urgent: seg.urgent,
    options: seg.options.map((o) => (o.kind === 'unknown' ? { ...o, data: o.data.toString('hex') } : o)),
    payload: seg.payload.toString('hex'),
  };
}

// ---- real segments from the kernel (see captured.ts for how and why the checksums are partial) ----

test('the kernel SYN: ports, ISN, window, and options MSS, SACK-permitted, timestamps, NOP, window scale', (t) => {
  const syn = decodeTcp(tcpBytes('syn'));
  t.deepEqual(plain(syn), {
    srcPort: 40718, dstPort: 40123, seq: 0xcfe89969, ack: 0, flags: SYN, window: 65495, urgent: 0,
    options: [
      { kind: 'mss', mss: 65495 }, // loopback MTU 65536 - 40
      { kind: 'sack-permitted' },
      { kind: 'timestamps', tsval: 0x2f68df93, tsecr: 0 },
      { kind: 'nop' },
      { kind: 'wscale', shift: 10 },
    ],
    payload: '',
  });
  t.is(syn.headerLength, 40);
  t.is(syn.checksum, 0xfe30);
  t.is(syn.checksumOk, undefined, 'no addresses, no verdict on the checksum');
});

test('the kernel SYN-ACK acknowledges ISN+1 (RFC 9293 3.5: the SYN takes one sequence number)', (t) => {
  const syn = decodeTcp(tcpBytes('syn'));
  const synAck = decodeTcp(tcpBytes('synAck'));
  t.is(synAck.flags, SYN | ACK);
  t.is(synAck.ack, syn.seq + 1);
  t.is(synAck.seq, 0xd30cd658);
  t.is(synAck.window, 65483);
});

test('data, FIN and RST segments from the kernel', (t) => {
  const hello = decodeTcp(tcpBytes('dataHello'));
  t.is(hello.flags, PSH | ACK);
  t.is(hello.payload.toString(), 'hello');
  t.is(hello.window, 64, 'raw field: the peer scales it by 2^10');
  t.deepEqual(hello.options.map((o) => o.kind), ['nop', 'nop', 'timestamps']);
  t.is(decodeTcp(tcpBytes('dataWorld')).payload.toString(), 'world!');
  const fin = decodeTcp(tcpBytes('fin'));
  t.is(fin.flags, FIN | ACK);
  t.is(fin.seq, hello.seq + 5, 'the FIN follows the 5 data bytes');
  // The server closed with "hello" unread, so it reset the connection (RFC 2525 2.17).
  t.is(decodeTcp(tcpBytes('rstAck')).flags, RST | ACK);
});

test('the payload is a view into the input, not a copy', (t) => {
  const bytes = tcpBytes('dataHello');
  const seg = decodeTcp(bytes);
  t.is(seg.payload.buffer, bytes.buffer);
  t.is(seg.payload.byteOffset, bytes.byteOffset + 32);
});

test('loopback checksums are partial (offload): strict decoding rejects them, allow-partial accepts', (t) => {
  const err = wireError(t, () => decodePacket(hex(loopbackHex.syn)), 'bad-checksum', 36);
  t.regex(err.hint ?? '', /allow-partial/);
  const { ip, tcp } = decodePacket(hex(loopbackHex.syn), { verifyChecksum: 'allow-partial' });
  t.is(ip.src, LOCALHOST);
  t.false(tcp.checksumOk);
  t.true(tcp.checksumPartial);
  t.false(decodePacket(hex(loopbackHex.syn), { verifyChecksum: false }).tcp.checksumOk);
});

test('encoding each decoded kernel segment gives back its bytes (checksum field aside, which holds the partial sum)', (t) => {
  for (const name of Object.keys(loopbackHex) as Array<keyof typeof loopbackHex>) {
    const bytes = tcpBytes(name);
    const seg = decodeTcp(bytes, LOCALHOST, LOCALHOST, { verifyChecksum: 'allow-partial' });
    const again = encodeTcp(seg, LOCALHOST, LOCALHOST, { checksum: false });
    t.is(again.readUInt16BE(16), 0, 'checksum: false leaves the field 0');
    // Put back what the kernel left there: the pseudo-header sum (RFC 9293 3.1), not complemented.
    again.writeUInt16BE(pseudoHeaderSum(LOCALHOST, LOCALHOST, 6, bytes.length), 16);
    t.is(again.toString('hex'), bytes.toString('hex'), name);
  }
});

test('whole packets re-encoded with a finished checksum: IPv4 header identical, TCP checksum verifies', (t) => {
  for (const name of Object.keys(loopbackHex) as Array<keyof typeof loopbackHex>) {
    const bytes = hex(loopbackHex[name]);
    const { ip, tcp } = decodePacket(bytes, { verifyChecksum: 'allow-partial' });
    const again = encodePacket(ip.src, ip.dst, tcp, { id: ip.id, ttl: ip.ttl, tos: ip.tos });
    t.is(again.subarray(0, 36).toString('hex'), bytes.subarray(0, 36).toString('hex'), name);
    t.is(again.subarray(38).toString('hex'), bytes.subarray(38).toString('hex'), name);
    t.true(decodePacket(again).tcp.checksumOk, name);
  }
});

test('our checksums equal the ones tcpdump computed for the same kernel packets ("incorrect -> 0x4d1f")', (t) => {
  // From `tcpdump -v -r`: cksum 0xfe30 (incorrect -> 0x4d1f) and so on, in capture order.
  const tcpdumpSays = [0x4d1f, 0x63fe, 0x8c7d, 0x2409, 0x8c79, 0x1d04, 0x8c77, 0x8c76, 0x8c74, 0x8c73];
  const { packets } = readCapture(ethernetPcap);
  t.is(packets.length, tcpdumpSays.length);
  packets.forEach((p, i) => {
    const { ip, tcp } = decodePacket(p.ip, { verifyChecksum: 'allow-partial' });
    t.is(encodeTcp(tcp, ip.src, ip.dst).readUInt16BE(16), tcpdumpSays[i], `packet ${i}`);
  });
});

// ---- encoding rules ----

test('options that end off a 4-byte boundary are padded with zeros, which decode as EOL', (t) => {
  const seg: TcpSegment = { srcPort: 1, dstPort: 2, seq: 0, ack: 0, flags: SYN, window: 100, urgent: 0, options: [{ kind: 'mss', mss: 1460 }, { kind: 'wscale', shift: 7 }], payload: Buffer.alloc(0) };
  t.is(tcpOptionsLength(seg.options), 7);
  t.is(tcpHeaderLength(seg), 28);
  const bytes = encodeTcp(seg, A, B);
  t.is(bytes.subarray(20).toString('hex'), '020405b403030700');
  t.deepEqual(decodeTcp(bytes, A, B).options, [{ kind: 'mss', mss: 1460 }, { kind: 'wscale', shift: 7 }, { kind: 'eol' }]);
});

test('an explicit EOL is written where the list puts it, and what follows it is padding', (t) => {
  const seg: TcpSegment = { srcPort: 1, dstPort: 2, seq: 0, ack: 0, flags: ACK, window: 100, urgent: 0, options: [{ kind: 'nop' }, { kind: 'eol' }], payload: Buffer.alloc(0) };
  const bytes = encodeTcp(seg, A, B);
  t.is(bytes.subarray(20).toString('hex'), '01000000');
  // Non-zero bytes after EOL are ignored (RFC 9293 3.1: the rest is padding).
  const dirty = Buffer.from(bytes);
  dirty[22] = 0x99;
  t.deepEqual(decodeTcp(dirty).options, [{ kind: 'nop' }, { kind: 'eol' }]);
});

test('an unknown option kind is kept as its bytes and skipped by its length', (t) => {
  const raw = rawSegment([30, 4, 0xab, 0xcd, 2, 4, 0x05, 0xb4]);
  const seg = decodeTcp(raw);
  t.is(seg.options.length, 2);
  const [unknown, mss] = seg.options;
  t.is(unknown.kind, 'unknown');
  if (unknown.kind === 'unknown') {
    t.is(unknown.type, 30);
    t.is(unknown.data.toString('hex'), 'abcd');
  }
  t.deepEqual(mss, { kind: 'mss', mss: 1460 });
  t.is(encodeTcp(seg, 0, 0, { checksum: false }).toString('hex'), raw.toString('hex'));
});

test('encoding refuses values that do not fit and more than 40 bytes of options', (t) => {
  const base: TcpSegment = { srcPort: 1, dstPort: 2, seq: 0, ack: 0, flags: 0, window: 0, urgent: 0, options: [], payload: Buffer.alloc(0) };
  wireError(t, () => encodeTcp({ ...base, srcPort: 65536 }, A, B), 'bad-value');
  wireError(t, () => encodeTcp({ ...base, seq: 2 ** 32 }, A, B), 'bad-value');
  wireError(t, () => encodeTcp({ ...base, window: -1 }, A, B), 'bad-value');
  wireError(t, () => encodeTcp({ ...base, options: [{ kind: 'sack', blocks: [] }] }, A, B), 'bad-value');
  const fourTimestamps: TcpOption[] = Array.from({ length: 4 }, () => ({ kind: 'timestamps', tsval: 1, tsecr: 2 }));
  wireError(t, () => encodeTcp({ ...base, options: [...fourTimestamps, { kind: 'nop' }] }, A, B), 'bad-value');
  t.is(encodeTcp({ ...base, options: fourTimestamps }, A, B).length, 60, '40 bytes of options fit exactly');
  wireError(t, () => encodePacket(A, B, { ...base, payload: Buffer.alloc(65500) }), 'bad-value');
});

test('encodePacket with trusted skips the range checks: what does not fit is cut to its width (a host trusts its own connections)', (t) => {
  const base: TcpSegment = { srcPort: 1, dstPort: 2, seq: 0, ack: 0, flags: ACK, window: 0, urgent: 0, options: [{ kind: 'nop' }, { kind: 'nop' }, { kind: 'timestamps', tsval: 1, tsecr: 2 }], payload: Buffer.alloc(0) };
  const wide = { ...base, window: 0x1_0005, options: [{ kind: 'mss', mss: 0x1_0006 }] as TcpOption[] };
  wireError(t, () => encodePacket(A, B, wide), 'bad-value');
  wireError(t, () => encodePacket(A, B, { ...base, options: [{ kind: 'nop' }, { kind: 'nop' }, { kind: 'timestamps', tsval: 2 ** 32, tsecr: 0 }] }), 'bad-value');
  wireError(t, () => encodePacket(A, B, base, { ttl: 256 }), 'bad-value');
  const p = encodePacket(A, B, wide, { trusted: true, ttl: 257 });
  const back = decodePacket(p);
  t.is(back.tcp.window, 5);
  t.deepEqual(back.tcp.options, [{ kind: 'mss', mss: 6 }]);
  t.is(back.ip.ttl, 1);
  // What fits comes out the same either way.
  t.deepEqual(encodePacket(A, B, base, { trusted: true }), encodePacket(A, B, base));
});

// ---- decoding rejects ----

/** A 20-byte header (data offset from the option bytes, zero-padded to 4) followed by the options. */
function rawSegment(optionBytes: number[], dataOffsetWords?: number, extra: Buffer = Buffer.alloc(0)): Buffer {
  const padded = [...optionBytes, ...Array((4 - (optionBytes.length % 4)) % 4).fill(0)];
  const buf = Buffer.concat([Buffer.alloc(20), Buffer.from(padded), extra]);
  buf.writeUInt16BE(1234, 0);
  buf.writeUInt16BE(80, 2);
  buf[12] = (dataOffsetWords ?? 5 + padded.length / 4) << 4;
  buf[13] = ACK;
  return buf;
}

test('rejects fewer than 20 bytes, a data offset under 5, and a data offset past the segment', (t) => {
  wireError(t, () => decodeTcp(Buffer.alloc(19)), 'short', 19);
  wireError(t, () => decodeTcp(rawSegment([], 4)), 'bad-data-offset', 12);
  wireError(t, () => decodeTcp(rawSegment([1, 1, 1, 1], 6).subarray(0, 23)), 'bad-data-offset', 12);
});

test('rejects an option that runs past the header or has a length below 2', (t) => {
  wireError(t, () => decodeTcp(rawSegment([1, 1, 1, 2])), 'option-overrun', 23); // MSS kind, no room for its length byte
  wireError(t, () => decodeTcp(rawSegment([2, 8, 0, 0])), 'option-overrun', 21); // length 8 in a 4-byte option area
  wireError(t, () => decodeTcp(rawSegment([30, 1, 0, 0])), 'option-overrun', 21); // length 1: would not even cover itself
  wireError(t, () => decodeTcp(rawSegment([30, 0, 0, 0])), 'option-overrun', 21); // length 0 would loop forever
});

test('rejects known options with the wrong length: MSS 4, WS 3, SACK-permitted 2, TS 10, SACK 2+8n', (t) => {
  wireError(t, () => decodeTcp(rawSegment([2, 3, 5, 0])), 'bad-option-length', 21);
  wireError(t, () => decodeTcp(rawSegment([3, 4, 7, 0])), 'bad-option-length', 21);
  wireError(t, () => decodeTcp(rawSegment([4, 3, 0, 0])), 'bad-option-length', 21);
  wireError(t, () => decodeTcp(rawSegment([8, 8, 0, 0, 0, 0, 0, 0])), 'bad-option-length', 21);
  wireError(t, () => decodeTcp(rawSegment([5, 9, 0, 0, 0, 0, 0, 0, 0])), 'bad-option-length', 21);
  wireError(t, () => decodeTcp(rawSegment([5, 2])), 'bad-option-length', 21);
  t.deepEqual(decodeTcp(rawSegment([5, 10, 0, 0, 0, 1, 0, 0, 0, 2])).options[0], { kind: 'sack', blocks: [[1, 2]] });
});

test('a corrupted byte fails the checksum; the error offset counts from the IPv4 header in decodePacket', (t) => {
  const seg: TcpSegment = { srcPort: 5000, dstPort: 80, seq: 1, ack: 2, flags: PSH | ACK, window: 512, urgent: 0, options: [], payload: Buffer.from('payload') };
  const packet = encodePacket(A, B, seg);
  packet[packet.length - 1] ^= 0x01;
  wireError(t, () => decodePacket(packet), 'bad-checksum', 36);
  t.false(decodePacket(packet, { verifyChecksum: false }).tcp.checksumOk);
  const badOffset = encodePacket(A, B, seg);
  badOffset[32] = 0x40;
  wireError(t, () => decodePacket(badOffset, { verifyChecksum: false }), 'bad-data-offset', 32);
});

test('decodePacket rejects a protocol other than TCP', (t) => {
  wireError(t, () => decodePacket(encodeIpv4({ src: A, dst: B, protocol: 17 }, Buffer.alloc(8))), 'not-tcp', 9);
});

test('every truncation of a real packet, and of its TCP header, is a WireError', (t) => {
  for (const name of Object.keys(loopbackHex) as Array<keyof typeof loopbackHex>) {
    const packet = hex(loopbackHex[name]);
    for (let n = 0; n < packet.length; n++) {
      t.throws(() => decodePacket(packet.subarray(0, n), { verifyChecksum: 'allow-partial' }), { instanceOf: WireError }, `${name} cut to ${n}`);
    }
    // Without an IPv4 length the segment's end is the buffer's end: a cut in the payload is only
    // noticed through the checksum (the pseudo-header carries the TCP length).
    const segment = packet.subarray(20);
    const headerLength = (segment[12] >>> 4) * 4;
    for (let n = 0; n < segment.length; n++) {
      t.throws(() => decodeTcp(segment.subarray(0, n), LOCALHOST, LOCALHOST, { verifyChecksum: 'allow-partial' }), { instanceOf: WireError }, `${name} TCP cut to ${n}`);
      if (n < headerLength) t.throws(() => decodeTcp(segment.subarray(0, n)), { instanceOf: WireError });
    }
  }
});

// ---- generated segments ----

const u32 = fc.nat(0xffffffff);
const optionArb: fc.Arbitrary<TcpOption> = fc.oneof(
  fc.constant<TcpOption>({ kind: 'nop' }),
  fc.nat(0xffff).map((mss): TcpOption => ({ kind: 'mss', mss })),
  fc.nat(255).map((shift): TcpOption => ({ kind: 'wscale', shift })),
  fc.constant<TcpOption>({ kind: 'sack-permitted' }),
  fc.tuple(u32, u32).map(([tsval, tsecr]): TcpOption => ({ kind: 'timestamps', tsval, tsecr })),
  fc.array(fc.tuple(u32, u32), { minLength: 1, maxLength: 4 }).map((blocks): TcpOption => ({ kind: 'sack', blocks })),
  // Kinds 34 and 254 (with magic 0xF989) are Fast Open's (RFC 7413), decoded as such.
  fc.tuple(fc.integer({ min: 6, max: 255 }).filter((k) => k !== 8 && k !== 34 && k !== 254), fc.uint8Array({ maxLength: 10 }))
    .map(([type, data]): TcpOption => ({ kind: 'unknown', type, data: Buffer.from(data) })),
  fc.tuple(fc.oneof(fc.constant(0), fc.integer({ min: 4, max: 16 })), fc.boolean())
    .chain(([n, experimental]) => fc.uint8Array({ minLength: n, maxLength: n }).map((c): TcpOption => (experimental ? { kind: 'fastopen', cookie: Buffer.from(c), experimental } : { kind: 'fastopen', cookie: Buffer.from(c) }))),
);
/** EOL only last, as a real sender writes it; everything must fit 40 bytes. */
const optionsArb = fc.tuple(fc.array(optionArb, { maxLength: 8 }), fc.boolean())
  .map(([opts, eol]) => (eol ? [...opts, { kind: 'eol' } as TcpOption] : opts))
  .filter((opts) => tcpOptionsLength(opts) <= 40);
const segmentArb: fc.Arbitrary<TcpSegment> = fc.record({
  srcPort: fc.nat(0xffff), dstPort: fc.nat(0xffff), seq: u32, ack: u32, flags: fc.nat(0xff), window: fc.nat(0xffff), urgent: fc.nat(0xffff),
  options: optionsArb,
  payload: fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
});

/** What decoding gives back: the padding of an unaligned option list reads as one EOL. */
function expectedOptions(options: TcpOption[]): TcpOption[] {
  const ends = options.length > 0 && options[options.length - 1].kind === 'eol';
  return !ends && tcpOptionsLength(options) % 4 !== 0 ? [...options, { kind: 'eol' }] : options;
}

test('generated segments: decode(encode(seg)) is seg, and encode(decode(bytes)) is bytes', (t) => {
  fc.assert(
    fc.property(segmentArb, u32, u32, (seg, src, dst) => {
      const bytes = encodeTcp(seg, src, dst);
      const back: DecodedTcp = decodeTcp(bytes, src, dst);
      t.deepEqual(plain(back), plain({ ...seg, options: expectedOptions(seg.options) }));
      t.true(back.checksumOk);
      t.is(back.headerLength, tcpHeaderLength(seg));
      t.is(encodeTcp(back, src, dst).toString('hex'), bytes.toString('hex'));
    }),
    { seed: 42, numRuns: 2000 },
  );
});

test('generated packets: decodePacket(encodePacket(...)) round-trips, and every truncation is a WireError', (t) => {
  fc.assert(
    fc.property(segmentArb, u32, u32, (seg, src, dst) => {
      const packet = encodePacket(src, dst, seg);
      const { ip, tcp } = decodePacket(packet);
      t.is(ip.src, src);
      t.is(ip.dst, dst);
      t.deepEqual(plain(tcp), plain({ ...seg, options: expectedOptions(seg.options) }));
      for (let n = 0; n < packet.length; n += 1 + (n >> 4)) {
        t.throws(() => decodePacket(packet.subarray(0, n)), { instanceOf: WireError });
      }
    }),
    { seed: 7, numRuns: 300 },
  );
});

test('checksum offload: encodePacket with checksum false leaves both the IPv4 and the TCP checksum 0; by default both verify', (t) => {
  const seg = decodeTcp(hex(loopbackHex.syn).subarray(20));
  const src = 0x7f000001;
  const dst = 0x7f000001;
  const offloaded = encodePacket(src, dst, seg, { checksum: false });
  t.is(offloaded.readUInt16BE(10), 0, 'IPv4 header checksum left 0');
  t.is(offloaded.readUInt16BE(20 + 16), 0, 'TCP checksum left 0');
  // Skipping verification reads it; verifying rejects it at the IPv4 checksum.
  t.is(decodePacket(offloaded, { verifyChecksum: 'skip' }).tcp.seq, seg.seq);
  wireError(t, () => decodePacket(offloaded), 'bad-checksum', 10);
  const full = encodePacket(src, dst, seg);
  t.true(decodePacket(full).tcp.checksumOk);
  t.true(decodePacket(full).ip.checksumOk);
  // Everything else is the same bytes.
  t.deepEqual(offloaded.subarray(12, 36), full.subarray(12, 36));
});

test('the NOP, NOP, timestamps layout written by the shortcut is the same bytes as the general path, and its values are still checked', (t) => {
  const ts = { kind: 'timestamps' as const, tsval: 0xfedcba98, tsecr: 7 };
  const base: TcpSegment = { srcPort: 40000, dstPort: 80, seq: 0xffffffff, ack: 1, flags: ACK, window: 512, urgent: 0, options: [], payload: Buffer.from('hi') };
  const shared = encodeTcp({ ...base, options: [OPTION_NOP, OPTION_NOP, ts] }, 1, 2);
  const plain = encodeTcp({ ...base, options: [{ kind: 'nop' }, { kind: 'nop' }, ts] }, 1, 2);
  t.is(shared.toString('hex'), plain.toString('hex'));
  t.is(shared.subarray(20, 32).toString('hex'), '0101080afedcba9800000007');
  wireError(t, () => encodeTcp({ ...base, options: [OPTION_NOP, OPTION_NOP, { ...ts, tsval: 2 ** 32 }] }, 1, 2), 'bad-value');
});

test('decodePacketInto fills one scratch packet after packet with what decodePacket gives, and throws the same errors', (t) => {
  // These loopback captures hold partial checksums (offload): both decoders are asked to allow them.
  const opts = { verifyChecksum: 'allow-partial' as const };
  const scratch = packetScratch();
  for (const [name, text] of Object.entries(loopbackHex)) {
    const bytes = hex(text);
    const fresh = decodePacket(bytes, opts);
    decodePacketInto(bytes, opts, scratch);
    t.deepEqual({ src: scratch.src, dst: scratch.dst, tcp: { ...scratch.tcp } }, { src: fresh.ip.src, dst: fresh.ip.dst, tcp: fresh.tcp }, name);
  }
  const corrupt = hex(loopbackHex.dataHello);
  corrupt[corrupt.length - 1] ^= 1;
  wireError(t, () => decodePacket(corrupt), 'bad-checksum', 36);
  wireError(t, () => decodePacketInto(corrupt, {}, scratch), 'bad-checksum', 36);
  const udp = hex(loopbackHex.ack);
  udp[9] = 17;
  wireError(t, () => decodePacketInto(udp, { verifyChecksum: false }, scratch), 'not-tcp', 9);
});

test('zero copy: encodePacketHeader is encodePacket\'s first bytes, lengths and checksums counting the payload; decodeSplitPacketInto reads the pieces back, the payload itself', (t) => {
  fc.assert(
    fc.property(segmentArb, u32, u32, fc.boolean(), (seg, src, dst, checksum) => {
      const whole = encodePacket(src, dst, seg, { checksum });
      const header = encodePacketHeader(src, dst, seg, { checksum });
      t.is(header.length, whole.length - seg.payload.length);
      t.is(Buffer.concat([header, seg.payload]).toString('hex'), whole.toString('hex'));
      const split = packetScratch();
      const joined = packetScratch();
      const opts = { verifyChecksum: checksum ? true : ('skip' as const) };
      decodeSplitPacketInto(header, seg.payload, opts, split);
      decodePacketInto(whole, opts, joined);
      t.deepEqual(plain(split.tcp), plain(joined.tcp));
      t.is(split.tcp.checksumOk, joined.tcp.checksumOk);
      t.is(split.tcp.payload, seg.payload, 'not a copy');
    }),
    { seed: 11, numRuns: 300 },
  );
});

test('decodeSplitPacketInto: a corrupt payload byte fails the checksum over both pieces, and pieces whose lengths disagree with the header are a bad length', (t) => {
  const seg: TcpSegment = { srcPort: 40000, dstPort: 80, seq: 1000, ack: 2000, flags: ACK | PSH, window: 512, urgent: 0, options: [], payload: Buffer.from('hello, world') };
  const header = encodePacketHeader(A, B, seg);
  const scratch = packetScratch();
  const bad = Buffer.from(seg.payload);
  bad[3] ^= 0x10;
  wireError(t, () => decodeSplitPacketInto(header, bad, {}, scratch), 'bad-checksum', 36);
  // One byte short: the IPv4 total length runs past the pieces. One byte long: the pieces hold more than it says.
  wireError(t, () => decodeSplitPacketInto(header, seg.payload.subarray(1), {}, scratch), 'bad-length', 2);
  wireError(t, () => decodeSplitPacketInto(header, Buffer.concat([seg.payload, Buffer.from('!')]), {}, scratch), 'bad-length', 2);
  decodeSplitPacketInto(header, seg.payload, {}, scratch);
  t.true(scratch.tcp.checksumOk);
});

test('packets cut from the shared slab never overlap: each keeps what was written to it, across slabs and beside large ones', (t) => {
  fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 40_000 }), { minLength: 1, maxLength: 300 }), (lengths) => {
    const packets = lengths.map((n) => allocPacket(n));
    packets.forEach((p, i) => p.fill(i & 0xff));
    packets.forEach((p, i) => {
      if (p.length !== lengths[i] || p.some((b) => b !== (i & 0xff))) throw new Error(`packet ${i} of ${lengths[i]} bytes was overwritten`);
    });
  }), { numRuns: 50 });
  t.pass();
});

test('a recycled packet is handed out again, for its own length only, last in first out; past 8192 of one length the rest are left to the collector', (t) => {
  dropRecycledPackets();
  const a = allocPacket(1500);
  const b = allocPacket(1500);
  const small = allocPacket(52);
  recyclePacket(a);
  recyclePacket(b);
  recyclePacket(small);
  t.deepEqual(recycledPackets(), { packets: 3, bytes: 3052 });
  t.is(allocPacket(1499).length, 1499);
  t.not(allocPacket(1499), a, 'another length gets a new packet');
  t.is(allocPacket(1500), b);
  t.is(allocPacket(1500), a);
  t.not(allocPacket(1500), a, 'once handed out, a packet is no longer in the pool');
  t.is(allocPacket(52), small);
  t.deepEqual(recycledPackets(), { packets: 0, bytes: 0 });
  const many = Array.from({ length: 8200 }, () => allocPacket(60));
  for (const p of many) recyclePacket(p);
  t.deepEqual(recycledPackets(), { packets: 8192, bytes: 8192 * 60 });
  dropRecycledPackets();
  t.deepEqual(recycledPackets(), { packets: 0, bytes: 0 });
});
