/**
 * The linux profile's send buffer grows as Linux's does (lib/tcp/sndbuf-auto.ts, tcp_sndbuf_expand), so that
 * in a bulk transfer the peer's window, not the end of what the application could queue, cuts each burst:
 * a full segment that does not fit the window waits for the next ACK (Linux's tcp_snd_wnd_test; RFC 9293
 * 3.8.6.2.1's sender SWS avoidance), and no short segment leaves mid-transfer (issue 31: the model sent one
 * of 375 bytes where Linux sent full ones, and from there the two lost different bytes under the same fates).
 */
import test from 'ava';
import { linuxSndbuf, perMssTruesize, LINUX_WMEM_MAX } from '../../lib/tcp/sndbuf-auto.ts';
import { ACK, LOCAL_ISS, REMOTE_ISS, brief, established, seg } from './harness.ts';

const MSS = 1460;
const data = Buffer.alloc(1_000_000);

test('Linux\'s sizes: one MSS-sized skb takes 4352 bytes; the buffer holds twice max(10, cwnd) of them, at most tcp_wmem[2]', (t) => {
  // roundup_pow_of_two(1460 + MAX_TCP_HEADER 320 + skb_shared_info 320) + sk_buff 256
  t.is(perMssTruesize(1460), 4096 + 256);
  t.is(perMssTruesize(65483), 131072 + 256); // loopback's MSS
  t.is(linuxSndbuf(1460, 3), 2 * 10 * 4352); // TCP_INIT_CWND is the floor
  t.is(linuxSndbuf(1460, 40), 2 * 40 * 4352);
  t.is(linuxSndbuf(1460, 10_000), LINUX_WMEM_MAX);
});

test('at the end of the handshake the linux profile\'s buffer is what tcp_init_buffer_space makes it (87040 bytes), the rfc profile\'s stays 65535', (t) => {
  t.is(established({ profile: 'linux' }).c.sendSpace, 2 * 10 * 4352);
  t.is(established({ profile: 'rfc' }).c.sendSpace, 65535);
  // A sndbuf the application chose is kept as it is (Linux: SO_SNDBUF locks it, SOCK_SNDBUF_LOCK).
  t.is(established({ profile: 'linux', sndbuf: 20_000 }).c.sendSpace, 20_000);
});

test('the buffer grows with cwnd while cwnd is not full (tcp_should_expand_sndbuf), and not while it is', (t) => {
  const { c, rec } = established({ profile: 'linux', initialWindow: 40 });
  // cwnd 40 segments, nothing in flight: room for 2 * 40 skbs.
  t.is(c.sendSpace, 2 * 40 * 4352);
  // At 10 ms the application writes 1 MB: 40 segments fill cwnd (the peer offered 65535 bytes: 44 would fit).
  c.send(data, 10);
  t.is(rec.take().filter((s) => s.payload.length > 0).length, 40);
  t.is(c.sendQueued, 2 * 40 * 4352);
  // 60 ms: the ACK of two segments; slow start makes cwnd 42 and four segments leave, so cwnd is full again
  // when the application asks for room: only the 2920 bytes the ACK freed, the buffer did not grow.
  c.onSegment(seg({ flags: ACK, seq: REMOTE_ISS + 1, ack: LOCAL_ISS + 1 + 2 * MSS, window: 65535 }), 60);
  t.is(rec.take().filter((s) => s.payload.length > 0).length, 4);
  t.is(c.sendSpace, 2 * MSS);
});

test('at 10 ms 1 MB is written into a 65535-byte window: 44 full segments leave and the 1295 bytes of window left wait; at 60 ms the ACK of two segments lets two more full ones go and the 1295 bytes at the edge', (t) => {
  // initialWindow 50: cwnd (73000 bytes) is larger than the peer's window, which alone limits.
  const { c, rec } = established({ profile: 'linux', initialWindow: 50 });
  const written = c.send(data, 10);
  t.is(written, 2 * 50 * 4352); // the whole of what the buffer holds: more than the window
  const first = rec.take().filter((s) => s.payload.length > 0);
  t.is(first.length, 44);
  t.true(first.every((s) => s.payload.length === MSS));
  t.is(first[43].seq + MSS - (LOCAL_ISS + 1), 44 * MSS); // 64240 of the 65535 bytes the peer offered
  // 60 ms: the ACK of the first two segments moves the window's right edge 2920 bytes on.
  c.onSegment(seg({ flags: ACK, seq: REMOTE_ISS + 1, ack: LOCAL_ISS + 1 + 2 * MSS, window: 65535 }), 60);
  // The window, not cwnd (52 segments now, 46 in flight), limits: the buffer grows to 2 * 52 skbs.
  t.is(c.sendSpace, 2 * 52 * 4352 - (written - 2 * MSS));
  c.send(data, 60, written); // the application fills the room, as a waiting writer does
  const next = rec.take().filter((s) => s.payload.length > 0).map((s) => [brief(s).seq - LOCAL_ISS, s.payload.length]);
  // The right edge is now 2 * 1460 + 65535 = 68455 bytes in: two full segments end at 67160, a third would pass it.
  // At 10 ms the 1295 bytes waited: they start a send-queue buffer (sizeGoal: 22 segments), and a packet whose first
  // segment does not fit goes not at all (tcp_snd_wnd_test). Now they end a packet of three in that buffer, which
  // Linux cuts at the window's edge (tcp_mss_split_point; lib/tcp/linux-split.ts): nothing was sent for 50 ms, no deferral.
  t.deepEqual(next, [[44 * MSS + 1, MSS], [45 * MSS + 1, MSS], [46 * MSS + 1, 1295]]);
});

test('with the buffer fixed at 65535 bytes (sndbuf set), its end is what cuts: the last 1295 bytes leave as a short segment and the next segments start 1295 bytes off the MSS grid (what the model did before, issue 31)', (t) => {
  const { c, rec } = established({ profile: 'linux', initialWindow: 50, sndbufAuto: false });
  const written = c.send(data, 10);
  t.is(written, 65535);
  const first = rec.take().filter((s) => s.payload.length > 0).map((s) => s.payload.length);
  // Nagle lets the last piece of the queue go when no short segment is unacknowledged (Minshall's rule, tcp_nagle_check).
  t.deepEqual(first, [...Array(44).fill(MSS), 1295]);
  c.onSegment(seg({ flags: ACK, seq: REMOTE_ISS + 1, ack: LOCAL_ISS + 1 + 2 * MSS, window: 65535 }), 60);
  c.send(data, 60, written);
  const next = rec.take().filter((s) => s.payload.length > 0).map((s) => [s.seq - LOCAL_ISS, s.payload.length]);
  t.deepEqual(next, [[65536, MSS], [65536 + MSS, MSS]]);
});
