/**
 * The linux profile's piece at the peer's window edge (lib/tcp/linux-split.ts). RFC 9293 3.8.6.2.1 lets a sender
 * hold a segment the window cuts short (sender SWS avoidance), and the rfc profile does; Linux cuts an offloaded
 * packet of several segments at the window's edge (tcp_mss_split_point), so its last segment is the short
 * remainder, unless Minshall's Nagle holds it, or tcp_tso_should_defer keeps the whole packet for the next ACK.
 *
 * Every test: established at 10 ms (SRTT 10 ms), 40 segments of 1460 written at 10 ms; the initial window's ten
 * segments leave at 10 ms in packets of two (lib/tcp/linux-push.ts).
 */
import test from 'ava';
import { ACK, LOCAL_ISS, REMOTE_ISS, established, flagLetters, seg } from './harness.ts';
import { linuxDefersCutPacket, linuxSendsCutPiece } from '../../lib/tcp/linux-split.ts';

const MSS = 1460;

function tenSent(profile: 'linux' | 'rfc') {
  const x = established({ profile, initialWindow: 10 });
  x.c.send(Buffer.alloc(40 * MSS), 10);
  if (x.rec.take().length !== 10) throw new Error('expected the initial window of ten segments');
  return x;
}

/** The peer's ACK of `acked` bytes at `t` ms, with a window whose edge lies `room` bytes past SND.NXT (`sndNxt`, relative). */
function ackAt(c: ReturnType<typeof established>['c'], t: number, acked: number, sndNxt: number, room: number): void {
  c.onSegment(seg({ flags: ACK, seq: REMOTE_ISS + 1, ack: LOCAL_ISS + 1 + acked, window: sndNxt - 1 - acked + room }), t);
}

const sent = (rec: ReturnType<typeof established>['rec']) => rec.take().filter((s) => s.payload.length > 0).map((s) => [s.seq - LOCAL_ISS, s.payload.length, flagLetters(s.flags)]);

test('at 60 ms the window edge falls 1256 bytes into the second segment of a two-segment packet: the packet goes cut at the edge, 1460 + 1256 bytes, PSH on its last', (t) => {
  const { c, rec } = tenSent('linux');
  // The ACK of the first two segments; nothing was sent for 50 ms, so Linux does not defer (more than 1 ms).
  ackAt(c, 60, 2 * MSS, 14_601, MSS + 1256);
  t.deepEqual(sent(rec), [[14_601, 1460, '.'], [16_061, 1256, 'P.']]);
});

test('the rfc profile (with an initial window of ten) holds the same piece (RFC 9293 3.8.6.2.1: less than half the largest window, data beyond it)', (t) => {
  const { c, rec } = tenSent('rfc');
  ackAt(c, 60, 2 * MSS, 14_601, MSS + 1256);
  t.deepEqual(sent(rec).map(([seq, len]) => [seq, len]), [[14_601, 1460]]);
});

test('Minshall\'s Nagle: while the last piece is unacknowledged, the next window cut sends only the whole segment', (t) => {
  const { c, rec } = tenSent('linux');
  ackAt(c, 60, 2 * MSS, 14_601, MSS + 1256);
  t.is(sent(rec).length, 2); // ... 16061:17317 is the short one, now in flight
  // At 70 ms the ACK reaches 16061, not the piece; the edge falls 1256 bytes into the second segment again.
  ackAt(c, 70, 16_060, 17_317, MSS + 1256);
  t.deepEqual(sent(rec), [[17_317, 1460, '.']]);
  // At 80 ms the piece is acknowledged: the next cut piece goes again.
  ackAt(c, 80, 17_316, 18_777, MSS + 1256);
  t.deepEqual(sent(rec), [[18_777, 1460, '.'], [20_237, 1256, 'P.']]);
});

test('tcp_tso_should_defer: half a millisecond after the last send, with the oldest packet\'s ACK due, the cut packet waits whole for the next ACK', (t) => {
  const { c, rec } = tenSent('linux');
  // At 60 ms the window has room for one whole segment: it goes.
  ackAt(c, 60, 2 * MSS, 14_601, MSS);
  t.deepEqual(sent(rec), [[14_601, 1460, '.']]);
  // At 60.5 ms two more are acknowledged and the edge falls 1256 bytes into the second segment: data left 0.5 ms ago,
  // the room (2716 bytes) is under a third of the window, and the oldest packet (sent at 10 ms) is overdue: nothing leaves.
  ackAt(c, 60.5, 4 * MSS, 16_061, MSS + 1256);
  t.deepEqual(sent(rec), []);
  // At 65 ms (4.5 ms since data last left) the next ACK moves the edge 1256 bytes into the second segment again: it goes.
  ackAt(c, 65, 5 * MSS, 16_061, MSS + 1256);
  t.deepEqual(sent(rec), [[16_061, 1460, '.'], [17_521, 1256, 'P.']]);
});

test('the decision itself: deferral only within 1 ms of the last send, under a third of the window or cwnd, with the oldest packet\'s ACK due within min(1 ms, SRTT/2)', (t) => {
  // now 100, last sent 99.5, head sent 60, SRTT 40: the ACK is due at 100, within 1 ms: defer.
  t.true(linuxDefersCutPacket(100, 99.5, 60, 40, false, 2716, 60_000, 30_000));
  t.false(linuxDefersCutPacket(100, 98.9, 60, 40, false, 2716, 60_000, 30_000)); // last send 1.1 ms ago
  t.false(linuxDefersCutPacket(100, 99.5, 60, 40, true, 2716, 60_000, 30_000)); // in fast recovery
  t.false(linuxDefersCutPacket(100, 99.5, 60, 40, false, 10_000, 60_000, 30_000)); // a third of cwnd is there
  t.false(linuxDefersCutPacket(100, 99.5, 62, 40, false, 2716, 60_000, 30_000)); // the ACK is due in 2 ms
  t.false(linuxDefersCutPacket(100, 99.5, undefined, 40, false, 2716, 60_000, 30_000)); // nothing in flight
  // The piece: never alone in its packet, only inside the packet's budget, never when deferred or Nagle holds it.
  t.true(linuxSendsCutPiece(1, 2, false, false));
  t.false(linuxSendsCutPiece(0, 2, false, false));
  t.false(linuxSendsCutPiece(2, 2, false, false));
  t.false(linuxSendsCutPiece(1, 2, true, false));
  t.false(linuxSendsCutPiece(1, 2, false, true));
});
