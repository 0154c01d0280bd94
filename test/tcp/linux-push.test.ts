/**
 * Where the linux profile sets PSH (lib/tcp/linux-push.ts). RFC 9293 3.9.1 leaves it to the sender; these
 * tests state Linux's rule: the end of each write, a full buffer after more than half the largest window
 * unmarked ("forced push"), and every offloaded packet of two or more segments (on its last segment).
 */
import test from 'ava';
import { LinuxPush, sizeGoal } from '../../lib/tcp/linux-push.ts';
import { ACK, LOCAL_ISS, REMOTE_ISS, established, flagLetters, seg } from './harness.ts';

const MSS = 1460;

test('the size goal: half the largest window offered, in whole MSS, at most 64 KiB', (t) => {
  t.is(sizeGoal(1000, 10_000), 5000);
  t.is(sizeGoal(1000, 9_999), 4000); // half is 4999.5 -> 4999 bytes -> 4 whole segments
  t.is(sizeGoal(1448, 1_000_000), 45 * 1448); // 64 KiB holds 45 segments of 1448
  t.is(sizeGoal(1000, 0), 65_000); // no window known yet: the device's 64 KiB
  t.is(sizeGoal(1000, 1500), 1000); // never less than one segment
});

test('forced push: one large write is marked after each full buffer once more than half the largest window went unmarked', (t) => {
  // Largest window 10000: buffers of 5000 bytes; the write [1, 20001) fills four of them.
  const p = new LinuxPush(1);
  p.wrote(1, 20_001, 1, 1000, 10_000, false);
  // 5001 is only 5000 past the last mark (not more than half the window): no mark; 10001 is 10000 past: marked.
  // 15001 is 5000 past 10001: no mark; 20001 ends the write: marked.
  const oneSegmentPacketEndingAt = (end: number) => p.newData(end, false, true, 2);
  t.false(oneSegmentPacketEndingAt(5001));
  t.true(oneSegmentPacketEndingAt(10_001));
  t.false(oneSegmentPacketEndingAt(15_001));
  t.true(oneSegmentPacketEndingAt(20_001));
});

test('a write that goes on filling the last unsent buffer takes its mark away; once that buffer was sent the mark stays', (t) => {
  const p = new LinuxPush(1);
  p.wrote(1, 501, 1, 1000, 100_000, false); // [1, 501): marked at 501
  p.wrote(501, 1001, 1, 1000, 100_000, false); // nothing sent yet: the same buffer, now [1, 1001), marked at 1001 only
  t.false(p.newData(501, false, true, 2));
  t.true(p.newData(1001, false, true, 2));
  const q = new LinuxPush(1);
  q.wrote(1, 501, 1, 1000, 100_000, false);
  q.wrote(501, 1001, 501, 1000, 100_000, false); // [1, 501) was sent: a new buffer; 501 keeps its mark
  t.true(q.newData(501, false, true, 2));
});

test('MSG_MORE: a write that says more is coming is not marked', (t) => {
  const p = new LinuxPush(1);
  p.wrote(1, 501, 1, 1000, 100_000, true);
  t.false(p.newData(501, false, true, 2));
});

test('packets of two segments: at 10 ms RTT and an initial window of ten, Linux sizes its offloaded packets to two segments, so PSH is on every second segment', (t) => {
  // The handshake takes 10 ms (SRTT 10 ms); pacing 2 x 14600 B / 10 ms = 2.92 MB/s, 2851 bytes a millisecond:
  // fewer than two segments, so two (tcp_tso_autosize's floor).
  const { c, rec } = established({ profile: 'linux', nagle: false });
  c.send(Buffer.alloc(10 * MSS), 10);
  const out = rec.take();
  t.deepEqual(out.map((s) => [s.seq - LOCAL_ISS, flagLetters(s.flags)]), [
    [1, '.'], [1461, 'P.'], [2921, '.'], [4381, 'P.'], [5841, '.'], [7301, 'P.'], [8761, '.'], [10_221, 'P.'], [11_681, '.'], [13_141, 'P.'],
  ]);
});

test('a one-segment packet that ends no write carries no PSH (the peer\'s window lets one segment go)', (t) => {
  const { c, rec } = established({ profile: 'linux', nagle: false });
  c.send(Buffer.alloc(20 * MSS), 10);
  t.is(rec.take().length, 10);
  // At 60 ms the first segment is acknowledged; the peer's window (ten segments from SND.UNA) has room for one more.
  c.onSegment(seg({ flags: ACK, seq: REMOTE_ISS + 1, ack: LOCAL_ISS + 1 + MSS, window: 10 * MSS }), 60);
  const out = rec.take().filter((s) => s.payload.length > 0);
  t.deepEqual(out.map((s) => [s.seq - LOCAL_ISS, flagLetters(s.flags)]), [[14_601, '.']]);
});

test('the rfc profile sets PSH only on the segment that empties the send buffer', (t) => {
  const { c, rec } = established({ profile: 'rfc', nagle: false });
  c.send(Buffer.alloc(3 * MSS), 10); // RFC 3390's initial window: three segments of 1460
  t.deepEqual(rec.take().map((s) => flagLetters(s.flags)), ['.', '.', 'P.']);
});
