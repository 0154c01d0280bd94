/**
 * TCP Fast Open (RFC 7413) pieces below the connection: the option on the wire (4.1.1), the server's cookie
 * (4.1.2) and the client's cache (4.1.3). The behaviour of a connection with it is in
 * test/packetdrill/fast-open.test.ts.
 */
import test from 'ava';
import { decodeTcp, encodeTcp } from '../../lib/wire/tcp.ts';
import { optionStrings } from '../../lib/wire/format.ts';
import { SYN, type TcpSegment } from '../../lib/wire/tcp-types.ts';
import { parseAddr } from '../../lib/wire/ipv4.ts';
import { FastOpenCache, FastOpenClient, FastOpenServer, fastOpenCookie, parseFastOpenKey, siphash24 } from '../../lib/tcp/tfo.ts';
import { WireError } from '../../lib/wire/errors.ts';

const A = parseAddr('192.0.2.1');
const B = parseAddr('192.168.0.1');

function syn(options: TcpSegment['options']): TcpSegment {
  return { srcPort: 40000, dstPort: 8080, seq: 1, ack: 0, flags: SYN, window: 65535, urgent: 0, options, payload: Buffer.alloc(0) };
}

// RFC 7413 4.1.1: Kind 34, Length, then the cookie (absent in a request); Linux also reads and answers the
// experimental form of RFC 6994, kind 254 with the 16-bit ExID 0xF989 before the cookie.
test('RFC 7413 4.1.1: the Fast Open option as kind 34 and as kind 254 with magic 0xF989, bytes and back', (t) => {
  const cookie = Buffer.from('abcd1234', 'hex');
  const bytes = encodeTcp(syn([{ kind: 'fastopen', cookie }, { kind: 'nop' }, { kind: 'nop' }]), A, B);
  t.deepEqual([...bytes.subarray(20, 28)], [34, 6, 0xab, 0xcd, 0x12, 0x34, 1, 1]);
  t.deepEqual(decodeTcp(bytes).options[0], { kind: 'fastopen', cookie });

  const exp = encodeTcp(syn([{ kind: 'fastopen', cookie: Buffer.alloc(0), experimental: true }]), A, B);
  t.deepEqual([...exp.subarray(20, 24)], [254, 4, 0xf9, 0x89]);
  t.deepEqual(decodeTcp(exp).options[0], { kind: 'fastopen', cookie: Buffer.alloc(0), experimental: true });
  // Another experiment under kind 254 is not Fast Open: it stays an unknown option.
  const other = encodeTcp(syn([{ kind: 'unknown', type: 254, data: Buffer.from([0x12, 0x34, 1, 2]) }]), A, B);
  t.is(decodeTcp(other).options[0].kind, 'unknown');

  t.deepEqual(optionStrings([{ kind: 'fastopen', cookie }, { kind: 'fastopen', cookie: Buffer.alloc(0), experimental: true }]), ['tfo cookie abcd1234', 'exp-tfo cookiereq']);
  // RFC 7413 4.1.1 wants 4 to 16 bytes; the wire carries what a sender puts there (a peer may send a bad one,
  // and the receiver judges it: FastOpenClient keeps no such cookie, below).
  t.deepEqual(decodeTcp(encodeTcp(syn([{ kind: 'fastopen', cookie: Buffer.alloc(2) }, { kind: 'eol' }]), A, B)).options[0], { kind: 'fastopen', cookie: Buffer.alloc(2) });
  t.throws(() => encodeTcp(syn([{ kind: 'fastopen', cookie: Buffer.alloc(40) }]), A, B), { instanceOf: WireError }, 'no more than 40 bytes of options');
});

// SipHash-2-4's reference vectors (Aumasson and Bernstein, vectors.h): key 00..0f, messages 00, 00 01, ...
test('SipHash-2-4 gives the reference vectors', (t) => {
  const key = Buffer.from([...Array(16).keys()]);
  const msg = (n: number) => Buffer.from([...Array(n).keys()]);
  t.is(siphash24(key, msg(0)), 0x726fdb47dd0e0e31n);
  t.is(siphash24(key, msg(8)), 0x93f5f5799a932462n);
  t.is(siphash24(key, msg(15)), 0xa129ca6149be45e5n);
});

// RFC 7413 4.1.2: the server's cookie is a MAC of the client's address under a secret key. Linux's is
// SipHash of source and destination address; the kernel here made 3021b9d889017eeb for 192.0.2.1 at
// 192.168.0.1 under packetdrill's defaults.sh key (the TFO_COOKIE the scripts are run with).
test("RFC 7413 4.1.2: the server's cookie is Linux's, SipHash of the two addresses under tcp_fastopen_key", (t) => {
  const key = parseFastOpenKey('a1a1a1a1-b2b2b2b2-c3c3c3c3-d4d4d4d4')!;
  t.is(fastOpenCookie(key, A, B).toString('hex'), '3021b9d889017eeb');
  t.not(fastOpenCookie(key, B, A).toString('hex'), '3021b9d889017eeb', 'another client, another cookie');
  t.is(parseFastOpenKey('a1a1a1a1-b2b2b2b2'), undefined);

  const server = new FastOpenServer(key, A, B);
  // A request (empty option) gets the cookie back in the same form; a SYN without the option gets nothing.
  t.deepEqual(server.onSyn([{ kind: 'fastopen', cookie: Buffer.alloc(0), experimental: true }], 10), {
    acceptData: false, reply: [{ kind: 'fastopen', cookie: fastOpenCookie(key, A, B), experimental: true }],
  });
  t.deepEqual(server.onSyn([], 10), { acceptData: false, reply: [] });
  t.is(server.onSyn([{ kind: 'fastopen', cookie: fastOpenCookie(key, A, B) }], 10).acceptData, true);
  t.true(server.synDataAccepted);
});

// RFC 7413 4.1.3: the client caches the cookie per server, and uses it on the next SYN to it.
test('RFC 7413 4.1.3: the client keeps a cookie per server and puts data on a SYN only with one', (t) => {
  const cache = new FastOpenCache();
  const client = new FastOpenClient(cache, B);
  t.is(client.synRoom(1460), 0, 'no cookie: the SYN asks for one and carries no data');
  client.onSynAck([{ kind: 'fastopen', cookie: Buffer.from('0102030405060708', 'hex') }], 1200);
  t.is(cache.get(B)?.toString('hex'), '0102030405060708');
  t.is(cache.get(A), undefined);
  // Linux's tcp_send_syn_data: the server's MSS, kept with the cookie, less 40 bytes of options.
  t.is(new FastOpenClient(cache, B).synRoom(1460), 1160);
  // A cookie of the wrong length is not kept.
  new FastOpenClient(cache, A).onSynAck([{ kind: 'fastopen', cookie: Buffer.alloc(3) }], 1460);
  t.is(cache.get(A), undefined);
});
