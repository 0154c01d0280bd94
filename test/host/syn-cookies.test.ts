/**
 * SYN cookies (RFC 4987 3.6, as Linux makes them): the cookie itself, and connections made from one.
 */
import test from 'ava';
import { Host, type SimSocket } from '../../lib/host/host.ts';
import { COOKIE_MSS, SynCookies, cookieMssIndex, cookieTsOptions, cookieTsval } from '../../lib/host/syn-cookies.ts';
import { MemoryLink } from '../../lib/link/memory.ts';
import { Random } from '../../lib/sim/random.ts';
import { Scheduler } from '../../lib/sim/scheduler.ts';
import { resolveConfig, type TcpConfigInput } from '../../lib/tcp/config.ts';
import { parseAddr } from '../../lib/wire/ipv4.ts';
import { ACK, type TcpSegment } from '../../lib/wire/tcp-types.ts';
import { decodePacket, encodePacket } from '../../lib/wire/tcp.ts';

const T = { remoteAddr: parseAddr('192.0.2.7'), remotePort: 40000, localAddr: parseAddr('10.0.0.2'), localPort: 80 };
const MINUTE = 60_000;

test('a cookie checks for its 4-tuple in the minute it was made and the next, carrying the MSS index; not after, not for another tuple', (t) => {
  const jar = new SynCookies(new Random(1));
  for (let mssIndex = 0; mssIndex < COOKIE_MSS.length; mssIndex++) {
    const cookie = jar.make(T, 123_456_789, mssIndex, 5 * MINUTE + 59_000);
    t.is(jar.check(T, 123_456_789, cookie, 5 * MINUTE + 59_000), mssIndex, 'at once');
    t.is(jar.check(T, 123_456_789, cookie, 6 * MINUTE + 59_999), mssIndex, 'the next minute');
    t.is(jar.check(T, 123_456_789, cookie, 7 * MINUTE), undefined, 'two minutes on');
    t.is(jar.check({ ...T, remotePort: 40001 }, 123_456_789, cookie, 5 * MINUTE + 59_000), undefined, 'another port');
    t.is(jar.check({ ...T, remoteAddr: T.remoteAddr + 1 }, 123_456_789, cookie, 5 * MINUTE + 59_000), undefined, 'another address');
  }
});

test('blind guessing: none of 100,000 random cookies checks', (t) => {
  const jar = new SynCookies(new Random(2));
  const rng = new Random(3);
  let valid = 0;
  for (let i = 0; i < 100_000; i++) if (jar.check(T, rng.uint32(), rng.uint32(), 1000) !== undefined) valid++;
  t.is(valid, 0);
});

test('the same seed gives the same cookies; another seed other ones', (t) => {
  t.is(new SynCookies(new Random(9)).make(T, 1, 3, 0), new SynCookies(new Random(9)).make(T, 1, 3, 0));
  t.not(new SynCookies(new Random(9)).make(T, 1, 3, 0), new SynCookies(new Random(10)).make(T, 1, 3, 0));
});

test('MSS index: the largest of 536, 1300, 1440, 1460 not above the announced MSS; 536 without one', (t) => {
  t.deepEqual([undefined, 100, 536, 1299, 1300, 1452, 1460, 9000].map((m) => COOKIE_MSS[cookieMssIndex(m)]), [536, 536, 536, 536, 1300, 1440, 1460, 1460]);
});

test('TSval carries window scale and SACK-permitted in its low 6 bits, never later than the clock', (t) => {
  for (const now of [0x1000_0000, 0x1000_003f, 0x1000_0005, 0xffff_fff0]) {
    for (const [ws, sack] of [[7, true], [undefined, false], [14, false], [0, true]] as const) {
      const ts = cookieTsval(now, ws, sack);
      t.true(((now - ts) | 0) >= 0 && ((now - ts) | 0) < 64, `${ts} within 64 below ${now}`);
      t.deepEqual(cookieTsOptions(ts), { wscale: ws, sack });
    }
  }
  t.deepEqual(cookieTsOptions(0x2f), { wscale: undefined, sack: false }, '15: no window scaling; bit 5 (ECN) is not used');
});

/** A server with backlog 0 (every SYN gets a cookie) and a client, on a 5 ms link; packets are kept. */
function world(server: TcpConfigInput, client: TcpConfigInput) {
  const scheduler = new Scheduler();
  const random = new Random(77);
  const link = new MemoryLink(scheduler, random.fork('link'), { default: { delayMs: 5 } });
  const packets: { from: string; seg: TcpSegment }[] = [];
  const mk = (name: string, addr: string, cfg: TcpConfigInput) => {
    // eslint-disable-next-line prefer-const
    let h: Host;
    h = new Host({
      name, addr: parseAddr(addr), config: resolveConfig(cfg), clock: scheduler, random: random.fork(name),
      transmit: (p) => {
        packets.push({ from: name, seg: decodePacket(p).tcp });
        link.send(name, p);
      },
    });
    link.attach(name, h.addr, (p) => h.receivePacket(p));
    return h;
  };
  const s = mk('server', '10.0.0.2', server);
  const c = mk('client', '10.0.0.1', client);
  const accepted: SimSocket[] = [];
  s.listen(80, 0).on('connection', (sock: SimSocket) => {
    accepted.push(sock);
    sock.on('data', (d: Buffer) => sock.write(d));
  });
  return { scheduler, link, s, c, accepted, packets };
}

test('with both sides doing timestamps, window scaling and SACK survive the cookie; no RTT sample from the cookie SYN-ACK', (t) => {
  const w = world({ profile: 'linux', rcvbuf: 1 << 20 }, { profile: 'linux', rcvbuf: 1 << 20 });
  const sock = w.c.connect(w.s.addr, 80);
  w.scheduler.runUntil(20);
  t.is(sock.state, 'ESTABLISHED');
  t.is(w.accepted.length, 1);
  t.like(w.s.stats, { synCookiesSent: 1, synCookiesReceived: 1, synCookiesFailed: 0 });
  const synAck = w.packets.find((p) => p.from === 'server')!.seg;
  t.deepEqual(synAck.options.map((o) => o.kind), ['mss', 'sack-permitted', 'timestamps', 'nop', 'wscale'], 'the SYN-ACK offers what Linux offers');
  t.true(w.accepted[0].connection.sndWnd > 65535, `the client's window as the server reads it is scaled: ${w.accepted[0].connection.sndWnd}`);
  t.is(w.accepted[0].connection.rtt.srttMs, undefined, 'the SYN-ACK was timed by nobody');
  sock.write(Buffer.alloc(300_000, 7));
  w.scheduler.runUntil(2000);
  t.is(sock.bytesRead, 300_000, 'data flows both ways on the cookie connection');
  const later = w.packets.filter((p) => p.from === 'server').slice(1);
  t.true(later.every((p) => p.seg.options.some((o) => o.kind === 'timestamps')), 'every later server segment carries timestamps');
  t.true(w.accepted[0].connection.rtt.srttMs !== undefined, 'and data gives RTT samples');
});

test('without timestamps the cookie SYN-ACK offers only the MSS, and the MSS is the table entry at or below the peer\'s', (t) => {
  const w = world({ profile: 'rfc' }, { profile: 'rfc', mss: 1400 });
  const sock = w.c.connect(w.s.addr, 80);
  w.scheduler.runUntil(20);
  t.is(sock.state, 'ESTABLISHED');
  const synAck = w.packets.find((p) => p.from === 'server')!.seg;
  t.deepEqual(synAck.options, [{ kind: 'mss', mss: 1460 }]);
  t.is(w.accepted[0].connection.effMss, 1300, 'the client announced 1400: the cookie keeps 1300');
});

test('forged ACKs at a listener that overflowed: each is answered with RST and counted, none makes a connection', (t) => {
  const w = world({}, {});
  w.c.connect(w.s.addr, 80); // overflow: backlog 0
  w.scheduler.runUntil(20);
  const rng = new Random(5);
  w.link.attach('attacker', parseAddr('10.6.6.6'), () => {});
  for (let i = 0; i < 10_000; i++) {
    const seg = { srcPort: 1024 + rng.int(60000), dstPort: 80, seq: rng.uint32(), ack: rng.uint32(), flags: ACK, window: 1000, urgent: 0, options: [], payload: Buffer.alloc(0) };
    w.link.send('attacker', encodePacket(parseAddr('10.0.0.1'), w.s.addr, seg));
  }
  const resetsBefore = w.packets.filter((p) => p.from === 'server' && p.seg.flags & 0x04).length;
  w.scheduler.runUntil(100);
  t.is(w.s.stats.synCookiesFailed, 10_000);
  t.is(w.packets.filter((p) => p.from === 'server' && p.seg.flags & 0x04).length - resetsBefore, 10_000);
  t.is(w.s.connectionCount, 1, 'only the real one');
});
