/**
 * The linux profile's receiver as Linux's (lib/tcp/rcvbuf-auto.ts; issue 31): with no `rcvbuf` set, the window
 * grows as tcp_grow_window raises rcv_ssthresh, each raise buys one more quick ACK (icsk_ack.quick |= 1), and the
 * application's reads grow the buffer once a receiver RTT (DRS: tcp_rcv_space_adjust, tcp_rcvbuf_grow). A `rcvbuf`
 * written in the scenario (SO_RCVBUF) keeps the window where it was and the 16 quick ACKs of TCP_MAX_QUICKACKS.
 */
import test from 'ava';
import { LINUX_RMEM_MAX, RcvbufAuto, rcvTruesize } from '../../lib/tcp/rcvbuf-auto.ts';
import { resolveConfig, type TcpConfigInput } from '../../lib/tcp/config.ts';
import { ACK, LOCAL_ISS, REMOTE_ISS, conn, seg } from './harness.ts';
import { SYN } from '../../lib/wire/tcp-types.ts';

const SEG = 1448; // 1460 less the timestamps option
const ts = (tsval: number, tsecr: number) => ({ kind: 'timestamps' as const, tsval, tsecr });

/**
 * A server: SYN at 0 ms (MSS 1460, window scale 7, timestamps), our SYN-ACK at 0 ms (TSval 0), the handshake's ACK
 * at 40 ms. `data(n, t, tsecr)` then brings the peer's next `n` full segments at t ms, echoing `tsecr`, each read by
 * the application as it comes (as `autoread` does); it returns the ACKs that left: [ack relative, window in bytes].
 */
function server(config: TcpConfigInput = {}) {
  const x = conn({ profile: 'linux', delayedAck: true, ...config });
  x.c.listen(0);
  x.c.onSegment(seg({ flags: SYN, seq: REMOTE_ISS, window: 65535, options: [{ kind: 'mss', mss: 1460 }, { kind: 'wscale', shift: 7 }, ts(500, 0)] }), 0);
  const synAck = x.rec.take()[0]!;
  const shift = (synAck.options.find((o) => o.kind === 'wscale') as { shift: number } | undefined)?.shift ?? 0;
  x.c.onSegment(seg({ flags: ACK, seq: REMOTE_ISS + 1, ack: LOCAL_ISS + 1, window: 512, options: [ts(540, 0)] }), 40);
  let next = 0;
  const data = (n: number, t: number, tsecr: number) => {
    const acks: [number, number][] = [];
    for (let i = 0; i < n; i++) {
      x.c.onSegment(seg({ flags: ACK, seq: REMOTE_ISS + 1 + next, ack: LOCAL_ISS + 1, window: 512, payload: Buffer.alloc(SEG), options: [ts(540 + t, tsecr)] }), t);
      next += SEG;
      for (const s of x.rec.take()) acks.push([s.ack - REMOTE_ISS - 1, s.window << shift]);
      x.c.read(SEG, t);
      for (const s of x.rec.take()) acks.push([s.ack - REMOTE_ISS - 1, s.window << shift]);
    }
    return acks;
  };
  return { ...x, shift, data };
}

test('Linux\'s sizes: a received 1448-byte segment takes 2304 bytes of memory (ratio 160/256); the window scale covers tcp_rmem[2]', (t) => {
  t.is(rcvTruesize(1448), 2048 + 256);
  t.is(Math.floor((1448 * 256) / rcvTruesize(1448)), 160);
  const c = resolveConfig({ profile: 'linux' });
  t.true(c.rcvbufAuto);
  t.is(c.scaleBytes, LINUX_RMEM_MAX);
  t.is(server().shift, 10); // ilog2(32 MiB) - 15, as tcp_select_initial_window
  // A rcvbuf the application chose is kept (SO_RCVBUF locks it); the rfc profile never autotunes.
  t.falsy(resolveConfig({ profile: 'linux', rcvbuf: 65535 }).rcvbufAuto);
  t.falsy(resolveConfig({}).rcvbufAuto);
});

test('at 40 ms 30 full segments arrive one by one: the first 22 are ACKed at once, then every second; the window grows by 2 x advmss a segment while rcv_ssthresh has room', (t) => {
  const { data } = server();
  const acks = data(30, 40, 0);
  // The first segment sets the count: 65535 / (2 x 1448) = 22, at most 16 (tcp_incr_quickack). Each of the first six
  // raises rcv_ssthresh (65535 + 2920 k, up to window_clamp 81920 = 131072 x 160/256) and adds the ACK back; then
  // the 16 run down: 22 ACKs, one per segment.
  t.deepEqual(acks.slice(0, 22).map((a) => a[0]), Array.from({ length: 22 }, (_, i) => (i + 1) * SEG));
  // Past them, delayed ACKs: one for every second full segment (RFC 5681 4.2).
  t.deepEqual(acks.slice(22).map((a) => a[0]), [24 * SEG, 26 * SEG, 28 * SEG, 30 * SEG]);
  // rcv_ssthresh aligned up to the 1024-byte unit, as __tcp_select_window offers it: 68455 -> 68608 and so on
  // (the kernel's first windows across tcpemu's link were these); from the fifth the unread segment bounds it.
  t.deepEqual(acks.slice(0, 4).map((a) => a[1]), [68608, 71680, 74752, 77824]);
  t.true(acks.every((a) => a[1] <= 81920));
});

test('with rcvbuf set (65535: SO_RCVBUF, no autotuning) the same segments get 16 quick ACKs and the window stays 65535', (t) => {
  const { data, shift } = server({ rcvbuf: 65535 });
  t.is(shift, 0);
  const acks = data(30, 40, 0);
  t.deepEqual(acks.slice(0, 16).map((a) => a[0]), Array.from({ length: 16 }, (_, i) => (i + 1) * SEG));
  t.deepEqual(acks.slice(16).map((a) => a[0]), [18 * SEG, 20 * SEG, 22 * SEG, 24 * SEG, 26 * SEG, 28 * SEG, 30 * SEG]);
  // The window never passes the 65535 bytes (less what is unread when an ACK leaves before the read).
  t.true(acks.every((a) => a[1] <= 65535 && a[1] >= 65535 - SEG));
});

test('DRS: a receiver RTT (40 ms, from the echoed TSval) after reading twice the last round\'s bytes, the buffer grows and every segment is ACKed at once again while the window opens', (t) => {
  const { data } = server();
  data(10, 40, 0); // round 1 at 40 ms, echoing our SYN-ACK's TSval 0: the receiver's RTT is 40 ms
  // Round 2 at 80 ms: the first read 40 ms after the handshake measures 15928 bytes against rcvq_space 14600 (10 x
  // advmss): 2 x 15928 + 4 x 15928 x 1328/14600 = 37650 bytes of window, less than the 81920 the buffer has.
  const round2 = data(20, 80, 40);
  t.true(round2.every((a) => a[1] <= 81920));
  // Round 3 at 120 ms: 28960 bytes were read in the last RTT; the window wanted is 2 x 28960 + 4 x 28960 x
  // 13032/15928 = 152698, so sk_rcvbuf becomes 244316 and window_clamp 152697: rcv_ssthresh has room again,
  // and from the second segment on (the first came before the read that grew the buffer, and waits for its
  // partner as a delayed ACK) each is ACKed at once with a window 2920 bytes (aligned: 3072 or 2048) larger.
  const round3 = data(6, 120, 80);
  t.deepEqual(round3.map((a) => a[0]), Array.from({ length: 5 }, (_, i) => (32 + i) * SEG));
  const wins = round3.map((a) => a[1]);
  t.true(wins[4]! > 81920);
  for (let i = 1; i < wins.length; i++) t.true(wins[i]! - wins[i - 1]! === 3072 || wins[i]! - wins[i - 1]! === 2048, `${wins}`);
});

test('the state alone: tcp_init_buffer_space keeps a segment in reserve; the first full segment sets the ratio and lifts window_clamp to the full space', (t) => {
  const a = new RcvbufAuto(1460, 65535);
  a.established(40);
  t.is(a.clamp, 65536 - 1460); // 131072 x 128/256 less advmss
  t.is(a.space, 14600);
  a.data(SEG, 65535, SEG, 40, 1000, 40);
  t.is(a.ratio, 160);
  t.is(a.clamp, 81920);
  t.is(a.ssthresh, 65535 + 2920);
  t.is(a.quick, 17); // 16, and one more for the raise
});

test('the state alone, DRS: rounds of 10, 20 and 1 segments read as they come, 40 ms apart, echoing TSvals 40 ms old', (t) => {
  const a = new RcvbufAuto(1460, 65535);
  a.established(40);
  const round = (n: number, at: number, tsecr: number) => {
    for (let i = 0; i < n; i++) {
      a.tsecr = tsecr;
      a.data(SEG, 65535, SEG, at, 1000, at);
      a.read(SEG, at, 0);
    }
  };
  round(10, 40, 0);
  t.is(a.rttUs8 >> 3, 40_000); // tcp_rcv_rtt_measure_ts, in microseconds
  t.deepEqual([a.space, a.rcvbuf, a.clamp], [14600, 131072, 81920]); // less than one RTT since the handshake: no measure
  round(20, 80, 40);
  // The first read at 80 ms measured 15928 bytes: the window wanted, 37650, fits the buffer already.
  t.deepEqual([a.space, a.rcvbuf, a.clamp], [15928, 131072, 81920]);
  round(1, 120, 80);
  // 28960 bytes in the last RTT: 2 x 28960 + 4 x 28960 x 13032/15928 = 152698 bytes of window, 244316 of memory at 160/256.
  t.deepEqual([a.space, a.rcvbuf, a.clamp], [28960, 244316, 152697]);
});
