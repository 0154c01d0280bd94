import test from 'ava';
import { WireError } from '../../lib/wire/errors.ts';
import { decodeIpv4, encodeIpv4, formatAddr, parseAddr, pseudoHeaderSum } from '../../lib/wire/ipv4.ts';
import { wireError } from './assert.ts';
import { hex, loopbackHex } from './captured.ts';

const LOCALHOST = 0x7f000001;


test('dotted quads parse to uint32 and format back', (t) => {
  t.is(parseAddr('10.0.0.1'), 0x0a000001);
  t.is(parseAddr('255.255.255.255'), 0xffffffff);
  t.is(parseAddr('0.0.0.0'), 0);
  t.is(formatAddr(0xc0a80102), '192.168.1.2');
  t.is(formatAddr(parseAddr('172.16.254.3')), '172.16.254.3');
});

test('bad address text is a WireError with a hint', (t) => {
  for (const bad of ['10.0.0', '256.1.1.1', '01.2.3.4', 'a.b.c.d', '1.2.3.4.5', '', '1..2.3', ' 1.2.3.4', '1.2.3.-4']) {
    const err = wireError(t, () => parseAddr(bad), 'bad-addr');
    t.truthy(err.hint);
  }
});

test('a real loopback SYN: the IPv4 header fields the kernel wrote', (t) => {
  const ip = decodeIpv4(hex(loopbackHex.syn));
  t.like(ip, {
    version: 4,
    ihl: 5,
    tos: 0,
    totalLength: 60,
    id: 0xde7c,
    flags: 0b010, // DF: Linux sets it on TCP for path MTU discovery
    fragmentOffset: 0,
    ttl: 64,
    protocol: 6,
    headerChecksum: 0x5e3d,
    checksumOk: true,
    src: LOCALHOST,
    dst: LOCALHOST,
  });
  t.is(ip.header.length, 20);
  t.is(ip.payload.length, 40);
});

test('encoding the decoded header fields with the payload gives back the kernel bytes', (t) => {
  for (const [name, text] of Object.entries(loopbackHex)) {
    const bytes = hex(text);
    const ip = decodeIpv4(bytes);
    const again = encodeIpv4({ src: ip.src, dst: ip.dst, protocol: ip.protocol, ttl: ip.ttl, id: ip.id, tos: ip.tos, dontFragment: (ip.flags & 2) !== 0 }, ip.payload);
    t.is(again.toString('hex'), text, name);
  }
});

test('the payload is a view into the input, not a copy', (t) => {
  const bytes = hex(loopbackHex.dataHello);
  const ip = decodeIpv4(bytes);
  t.is(ip.payload.buffer, bytes.buffer);
  t.is(ip.payload.byteOffset, bytes.byteOffset + 20);
});

test('bytes past the total length (Ethernet minimum-frame padding) are cut off, not an error', (t) => {
  const padded = Buffer.concat([hex(loopbackHex.ack), Buffer.alloc(6)]);
  const ip = decodeIpv4(padded);
  t.is(ip.totalLength, 52);
  t.is(ip.payload.length, 32);
});

test('TCP pseudo-header sum: 127.0.0.1 to itself with 40 TCP bytes is 0xfe30, the partial sum Linux leaves in the SYN', (t) => {
  t.is(pseudoHeaderSum(LOCALHOST, LOCALHOST, 6, 40), 0xfe30);
  t.is(hex(loopbackHex.syn).readUInt16BE(20 + 16), 0xfe30);
});

test('rejects: too short, wrong version, bad IHL, bad total length', (t) => {
  const syn = hex(loopbackHex.syn);
  wireError(t, () => decodeIpv4(syn.subarray(0, 19)), 'short', 19);
  const v6 = Buffer.from(syn);
  v6[0] = 0x65;
  wireError(t, () => decodeIpv4(v6), 'bad-version', 0);
  const ihl4 = Buffer.from(syn);
  ihl4[0] = 0x44;
  wireError(t, () => decodeIpv4(ihl4), 'bad-ihl', 0);
  const ihl15 = Buffer.from(syn.subarray(0, 40));
  ihl15[0] = 0x4f;
  wireError(t, () => decodeIpv4(ihl15), 'bad-ihl', 0);
  const long = Buffer.from(syn);
  long.writeUInt16BE(61, 2);
  wireError(t, () => decodeIpv4(long, { verifyChecksum: false }), 'bad-length', 2);
  const tooShortTotal = Buffer.from(syn);
  tooShortTotal.writeUInt16BE(19, 2);
  wireError(t, () => decodeIpv4(tooShortTotal, { verifyChecksum: false }), 'bad-length', 2);
});

test('fragments are rejected: first fragment (MF) and later ones (offset)', (t) => {
  const mf = encodeIpv4({ src: 1, dst: 2, protocol: 6 }, Buffer.alloc(8));
  mf.writeUInt16BE(0x2000, 6);
  wireError(t, () => decodeIpv4(mf, { verifyChecksum: false }), 'fragment', 6);
  const later = encodeIpv4({ src: 1, dst: 2, protocol: 6, dontFragment: false }, Buffer.alloc(8));
  later.writeUInt16BE(185, 6); // offset 1480 bytes
  wireError(t, () => decodeIpv4(later, { verifyChecksum: false }), 'fragment', 6);
});

test('a bad header checksum is rejected unless verifyChecksum is false', (t) => {
  const bytes = hex(loopbackHex.syn);
  bytes[8] = 63; // TTL changed, checksum not updated
  const err = wireError(t, () => decodeIpv4(bytes), 'bad-checksum', 10);
  t.regex(err.message, /at byte 10/);
  const ip = decodeIpv4(bytes, { verifyChecksum: false });
  t.false(ip.checksumOk);
  t.is(ip.ttl, 63);
});

test('every truncation of a real packet is a WireError', (t) => {
  const bytes = hex(loopbackHex.dataHello);
  for (let n = 0; n < bytes.length; n++) {
    t.throws(() => decodeIpv4(bytes.subarray(0, n)), { instanceOf: WireError }, `length ${n}`);
  }
});

test('encoding refuses fields that do not fit', (t) => {
  wireError(t, () => encodeIpv4({ src: 1, dst: 2, protocol: 6, ttl: 256 }, Buffer.alloc(0)), 'bad-value');
  wireError(t, () => encodeIpv4({ src: -1, dst: 2, protocol: 6 }, Buffer.alloc(0)), 'bad-value');
  wireError(t, () => encodeIpv4({ src: 1, dst: 2, protocol: 6 }, Buffer.alloc(65516)), 'bad-value');
});
