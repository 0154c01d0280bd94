import test from 'ava';
import { Frto, UndoState } from '../../../lib/tcp/recovery/undo.ts';

const MSS = 1000;

test('RFC 2883 5 / Linux undo: when D-SACKs report every retransmission of the episode as a duplicate, the reduction is undone', (t) => {
  const u = new UndoState();
  u.start(5000, 20 * MSS, 0x7fffffff);
  u.onRetransmit(5000, MSS, undefined); // [5000, 6000), the fast retransmit
  u.onRetransmit(7000, MSS, undefined); // [7000, 8000)
  t.false(u.onDsack([5000, 6000]), 'one of two shown needless');
  t.true(u.onDsack([7000, 8000]), 'both: the originals had arrived, only reordered');
  t.deepEqual(u.undo(14 * MSS, 14 * MSS), { cwnd: 20 * MSS, ssthresh: 0x7fffffff });
  t.is(u.marker, undefined);
});

test('A D-SACK below the episode (an older duplicate) proves nothing about it', (t) => {
  const u = new UndoState();
  u.start(5000, 20 * MSS, 40 * MSS);
  u.onRetransmit(5000, MSS, undefined);
  t.false(u.onDsack([3000, 4000]));
});

test('A D-SACK of a range not retransmitted in this episode (a duplicate an earlier episode sent) proves nothing about it', (t) => {
  const u = new UndoState();
  u.start(5000, 20 * MSS, 40 * MSS);
  u.onRetransmit(5000, MSS, undefined);
  t.false(u.onDsack([9000, 10000]), 'never retransmitted since the episode began');
  t.is(u.retransBytes, MSS, 'still owed');
  t.true(u.onDsack([5000, 6000]));
});

test('RFC 3522 2 Eifel detection: an ACK echoing a timestamp older than the retransmission\'s acknowledges the original', (t) => {
  const u = new UndoState();
  u.start(5000, 20 * MSS, 40 * MSS);
  u.onRetransmit(5000, MSS, 1200); // RetransmitTS = 1200
  t.true(u.eifelSpurious(1000), 'TSecr 1000: the original, sent at TSval 1000, was acknowledged');
  t.false(u.eifelSpurious(1200), 'TSecr 1200: the retransmission was needed');
  t.false(new UndoState().eifelSpurious(1000), 'no episode, nothing to undo');
});

test('RFC 3522 2: only the first ACK acknowledging the first retransmission is judged, never a later retransmission\'s', (t) => {
  const u = new UndoState();
  u.start(5000, 20 * MSS, 40 * MSS);
  u.onRetransmit(5000, MSS, 1200); // the first hole, at TSval 1200
  t.false(u.eifelOnAck(5000, 1000), 'an ACK not beyond 5000 does not acknowledge it: not judged');
  t.false(u.eifelOnAck(7000, 1200), 'the first ACK beyond it echoes the retransmission: needed');
  u.onRetransmit(7000, MSS, 1300); // the second hole, later
  t.false(u.eifelOnAck(9000, 1200), 'an ACK echoing the first retransmission is not taken as the second\'s original');
});

test('RFC 5682 2.1 F-RTO: two ACKs of new data after an RTO declare it spurious', (t) => {
  const f = new Frto();
  f.onRto(11_000); // segments up to 11000 were outstanding; 1000 is retransmitted
  t.is(f.onAck(2000, true, true), 'send-new', 'step 2b: the (delayed) original is acknowledged: send two new segments');
  t.is(f.onAck(3000, true, true), 'spurious', 'step 3b: more new data acknowledged: the RTO was spurious');
});

test('RFC 5682 2.1 F-RTO: a duplicate ACK after the first means a real loss, and conventional RTO recovery goes on', (t) => {
  const f = new Frto();
  f.onRto(11_000);
  t.is(f.onAck(2000, true, true), 'send-new');
  t.is(f.onAck(2000, false, true), 'conventional', 'step 3a');
  f.onRto(11_000);
  t.is(f.onAck(1000, false, true), 'conventional', 'step 2a: a duplicate ACK first');
  f.onRto(11_000);
  t.is(f.onAck(11_000, true, true), 'conventional', 'step 2a: all of "recover" acknowledged at once');
  f.onRto(11_000);
  t.is(f.onAck(2000, true, false), 'conventional', 'step 2b: no new data to send');
  t.is(f.onAck(3000, true, true), 'none', 'F-RTO is over');
});
