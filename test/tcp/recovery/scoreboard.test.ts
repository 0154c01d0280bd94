import test from 'ava';
import { Scoreboard, dsackOf } from '../../../lib/tcp/recovery/scoreboard.ts';

/**
 * The RFC 6675 scoreboard, in the RFC's terms. Segments are 1000 bytes (SMSS = 1000) so sequence numbers
 * read as segment numbers: segment k covers [k * 1000, (k + 1) * 1000) after an ISN of 1000.
 */
const MSS = 1000;

/** A scoreboard that has sent `n` full segments from 1000 at time 0. */
function sent(n: number, iss = 1000): Scoreboard {
  const sb = new Scoreboard(MSS, iss);
  for (let i = 0; i < n; i++) sb.onTransmit((iss + i * MSS) >>> 0, MSS, 0);
  return sb;
}

test('RFC 6675 4 IsLost: a hole is lost once DupThresh (3) segments above it are SACKed, not before', (t) => {
  const sb = sent(10); // 1000..11000; the segment at 2000 is dropped
  sb.onAck(2000, [[3000, 4000]]);
  t.false(sb.isLost(2000), 'one SACKed segment above');
  sb.onAck(2000, [[3000, 5000]]);
  t.false(sb.isLost(2000), 'two SACKed segments: 2000 bytes, not more than (DupThresh - 1) * SMSS');
  sb.onAck(2000, [[3000, 6000]]);
  t.true(sb.isLost(2000), 'three SACKed segments above');
  t.false(sb.isLost(6000), 'nothing SACKed above 6000');
});

test('RFC 6675 4 IsLost by bytes: more than (DupThresh - 1) * SMSS SACKed bytes above count even in one block', (t) => {
  const sb = new Scoreboard(MSS, 1000);
  sb.onTransmit(1000, 1000, 0);
  sb.onTransmit(2000, 2500, 0); // one large segment (TSO-like), 2500 > 2 * SMSS
  sb.onAck(1000, [[2000, 4500]]);
  t.true(sb.isLost(1000));
});

test('RFC 6675 4 SetPipe: unSACKed octets count once unless lost, once more when retransmitted', (t) => {
  const sb = sent(10);
  t.is(sb.pipe(), 10_000, 'all ten in flight');
  const u = sb.onAck(2000, [[3000, 6000]]);
  t.is(u.cumAckedBytes, 1000);
  t.is(u.newlySackedBytes, 3000);
  t.is(u.deliveredBytes, 4000, 'RFC 6937 DeliveredData: change in SND.UNA plus newly SACKed bytes');
  t.is(sb.pipe(), 6000, '9 outstanding, 3 SACKed');
  t.is(sb.markLostByDupThresh(), 1000, 'the hole at 2000 is lost');
  t.is(sb.pipe(), 5000, 'the lost hole leaves pipe');
  sb.enterRecovery();
  const first = sb.nextSeg(0)!;
  t.deepEqual(first, { seq: 2000, len: 1000, rule: 1 });
  sb.onNextSegSent(first, 10);
  t.is(sb.pipe(), 6000, 'its retransmission is back in pipe');
  t.is(sb.highRxtEnd, 3000, 'HighRxt is the last octet retransmitted (2999)');
});

test('RFC 6675 4 NextSeg: rule 1 (lost holes, lowest first), then rule 2 (new data); no rescue of a segment already sent again', (t) => {
  const sb = sent(10); // 1000..11000; 2000, 4000 and 6000 dropped: three holes in one window
  sb.onAck(2000, [[7000, 11000], [5000, 6000], [3000, 4000]]);
  sb.markLostByDupThresh();
  sb.enterRecovery();
  t.is(sb.recoveryPoint, 11000, 'RecoveryPoint = HighData');
  const order = [];
  for (let i = 0; i < 3; i++) {
    const s = sb.nextSeg(0)!;
    order.push([s.seq, s.rule]);
    sb.onNextSegSent(s, 10);
  }
  t.deepEqual(order, [[2000, 1], [4000, 1], [6000, 1]], 'the three holes, all repaired in one round trip');
  t.deepEqual(sb.nextSeg(5000), { seq: 11000, len: 1000, rule: 2 }, 'then new data while there is some');
  // Rule 4 would take the highest unSACKed octet (6999), but its retransmission is already in flight: no rescue.
  t.is(sb.nextSeg(0), undefined);
});

test('RFC 6675 4 NextSeg rule 3 sends a hole not yet deemed lost, and rule 4 the rescue, once per recovery', (t) => {
  const sb = sent(10);
  sb.onAck(2000, [[3000, 6000]]); // 2000 lost by IsLost; 6000..11000 unSACKed, not lost
  sb.markLostByDupThresh();
  sb.enterRecovery();
  sb.onNextSegSent(sb.nextSeg(0)!, 10);
  const rescue = sb.nextSeg(0)!;
  t.deepEqual(rescue, { seq: 10_000, len: 1000, rule: 4 }, 'nothing below the highest SACK: the rescue covers the highest unSACKed octet');
  sb.onNextSegSent(rescue, 10);
  t.is(sb.rescueRxt, 10_999, 'RescueRxt = RecoveryPoint');
  t.is(sb.highRxtEnd, 3000, 'HighRxt is not moved by the rescue');
  t.is(sb.nextSeg(0), undefined, 'only one rescue');

  const sb3 = sent(10);
  sb3.onAck(2000, [[3000, 6000], [8000, 9000]]); // 6000 and 7000 unSACKed below the highest SACK, 1 segment above them only
  sb3.markLostByDupThresh();
  sb3.enterRecovery();
  sb3.onNextSegSent(sb3.nextSeg(0)!, 10);
  t.false(sb3.isLost(6000));
  t.deepEqual(sb3.nextSeg(0), { seq: 6000, len: 1000, rule: 3 }, 'below the highest SACKed octet, not lost');
});

test('Linux-style choice (no rules 1.a, 3, 4): only what a loss detector marked lost is retransmitted', (t) => {
  const sb = sent(10);
  sb.onAck(2000, [[3000, 6000], [8000, 9000]]);
  sb.markLostByDupThresh();
  sb.enterRecovery();
  t.deepEqual(sb.nextSeg(0, false), { seq: 2000, len: 1000, rule: 1 });
  sb.onNextSegSent(sb.nextSeg(0, false)!, 10);
  t.is(sb.nextSeg(0, false), undefined);
});

test('RFC 6675 5 (A): recovery ends with a cumulative ACK at RecoveryPoint, not at a partial ACK', (t) => {
  const sb = sent(4);
  sb.onAck(1000, [[2000, 5000]]);
  sb.markLostByDupThresh();
  sb.enterRecovery();
  t.false(sb.mayEnterRecovery());
  sb.onAck(1000);
  t.false(sb.maybeExitRecovery());
  sb.onAck(5000);
  t.true(sb.maybeExitRecovery());
  t.is(sb.segments.length, 0);
  t.is(sb.sackedBytes, 0, 'SACKed bytes the cumulative ACK covers leave the count');
});

test('A SACK block that covers part of a segment splits it, and only the covered part is SACKed', (t) => {
  const sb = sent(2);
  sb.onAck(1000, [[1500, 2000]]);
  t.deepEqual(sb.segments.map((s) => [s.seq, s.end, s.sacked]), [[1000, 1500, false], [1500, 2000, true], [2000, 3000, false]]);
  t.is(sb.sackedBytes, 500);
});

test('Without splitting (Linux: SACKs count in whole segments), a block covering part of a segment SACKs nothing of it', (t) => {
  const sb = new Scoreboard(MSS, 1000, 3, false);
  sb.onTransmit(1000, 1000, 0);
  sb.onTransmit(2000, 1000, 0);
  sb.onAck(1000, [[1999, 3000]]);
  t.deepEqual(sb.segments.map((s) => [s.seq, s.end, s.sacked]), [[1000, 2000, false], [2000, 3000, true]]);
});

test('Blocks beyond SND.NXT or upside down are ignored (RFC 2018 gives them no meaning; Linux drops them)', (t) => {
  const sb = sent(3);
  const u = sb.onAck(1000, [[3000, 9000], [2500, 2000]]);
  t.is(u.newlySackedBytes, 0);
  t.is(sb.sackedBytes, 0);
});

test('RFC 2883 4: the first block is a D-SACK when below the cumulative ACK or inside the second block', (t) => {
  // 4.1.1: a duplicate of an acknowledged segment arrives; the receiver reports it below its ACK.
  t.deepEqual(dsackOf(4000, [[3000, 3500]]), [3000, 3500]);
  // 4.1.2: a duplicate of an out-of-order segment: the first block inside the second.
  t.deepEqual(dsackOf(4000, [[5000, 5500], [4500, 5500]]), [5000, 5500]);
  // Plain SACK blocks.
  t.is(dsackOf(4000, [[5000, 5500], [6000, 6500]]), undefined);
  t.is(dsackOf(4000, [[4500, 5500]]), undefined);
  t.is(dsackOf(4000, []), undefined);
});

test('An ACK carrying a D-SACK reports it and does not SACK the duplicate again', (t) => {
  const sb = sent(4);
  sb.onTransmit(1000, 1000, 5); // a retransmission the peer did not need
  const u = sb.onAck(3000, [[1000, 2000]]);
  t.deepEqual(u.dsack, [1000, 2000]);
  t.is(u.cumAckedBytes, 2000);
});

test('RFC 6675 5.1 after an RTO: every unSACKed segment is lost, no new recovery until HighACK reaches the old HighData', (t) => {
  const sb = sent(5);
  sb.onAck(1000, [[3000, 4000]]);
  sb.onRto();
  t.deepEqual(sb.segments.map((s) => s.lost), [true, true, false, true, true]);
  t.is(sb.pipe(), 0);
  t.false(sb.mayEnterRecovery());
  sb.onAck(4000);
  t.false(sb.mayEnterRecovery());
  sb.onAck(6000);
  t.true(sb.mayEnterRecovery());
});

test('Sequence numbers wrap: a window across 2^32 is scored the same', (t) => {
  const iss = 0xffffffff - 2500;
  const sb = sent(10, iss);
  const hole = (iss + 1000) >>> 0;
  sb.onAck(hole, [[(iss + 2000) >>> 0, (iss + 5000) >>> 0]]);
  t.true(sb.isLost(hole));
  t.is(sb.markLostByDupThresh(), 1000);
  sb.enterRecovery();
  t.deepEqual(sb.nextSeg(0), { seq: hole, len: 1000, rule: 1 });
  t.is(sb.pipe(), 10_000 - 1000 - 3000 - 1000);
});

test('reordering (Linux\'s tp->reordering, tcpi_reordering): a never-resent segment SACKed below the highest SACK raises it to that distance', (t) => {
  const sb = sent(10); // segments at 1000..10000
  t.is(sb.reordering, 3, 'tcp_reordering: 3 at first');
  sb.onAck(1000, [[3000, 4000], [7000, 8000], [9000, 10000]]);
  t.is(sb.reordering, 3, 'SACKs in ascending order are no reordering');
  sb.onAck(1000, [[3000, 5000], [7000, 8000], [9000, 10000]]);
  t.is(sb.reordering, 6, 'the segment at 4000 arrived after the one at 9000: 10000 - 4000 is six segments');
  sb.onAck(1000, [[3000, 6000], [7000, 8000], [9000, 10000]]);
  t.is(sb.reordering, 6, 'five segments is no more than six: unchanged');
});

test('lostAndRetransBytes: Linux\'s lost_out counts a lost segment until SACKed or acknowledged, retransmitted or not', (t) => {
  const sb = sent(4);
  sb.onAck(1000, [[2000, 5000]]);
  sb.markLostByDupThresh();
  t.deepEqual(sb.lostAndRetransBytes(), { lost: 1000, retrans: 0 });
  sb.onAck(2000, [[2000, 5000]]);
  t.deepEqual(sb.lostAndRetransBytes(), { lost: 0, retrans: 0 });
});
