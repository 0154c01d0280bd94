import test from 'ava';
import { LOCAL_ISS, Pair, open, transfer } from '../harness.ts';

/**
 * SACK-based recovery in the connection (recovery: sack / rack-tlp through lib/tcp/cc's seam), two
 * connections back to back, 10 ms one way, the sender's segments at 1460 bytes. Segment k starts at
 * L + 1 + 1460 k.
 */
const L = LOCAL_ISS;
const at = (k: number) => L + 1 + 1460 * k;

const data = (n: number) => Buffer.alloc(n, 0x5a);
/** a sends to b with `recovery`; the first transmission of each data segment starting in `lost` is dropped. */
const sackPair = (recovery: string, lost: Set<number>, a: object = {}, b: object = {}) =>
  new Pair({
    a: { initialWindow: 10, nagle: false, sack: true, lossRecovery: recovery, ...a },
    b: { delayedAck: false, sack: true, ...b },
    drop: (s, fromA) => fromA && s.payload.length > 0 && lost.delete(s.seq),
  });
/** a's retransmissions: [segment number, why]. */
const retransmissions = (p: Pair) => p.log.filter((l) => l.fromA && l.info.retransmit).map((l) => [(l.seg.seq - at(0)) / 1460, l.info.why]);

test('RFC 6675: three holes in one window are all sent again within one round trip (NewReno needs three)', (t) => {
  const retransmitted = (recovery: string) => {
    const p = sackPair(recovery, new Set([at(2), at(4), at(6)]));
    open(p);
    const d = data(1460 * 10);
    t.true(transfer(p, d).equals(d));
    return p.log.filter((l) => l.fromA && l.info.retransmit).map((l) => ({ k: (l.seg.seq - at(0)) / 1460, why: l.info.why, t: l.t }));
  };
  const sack = retransmitted('sack');
  t.deepEqual(sack.map((r) => [r.k, r.why]), [[2, 'dupack'], [4, 'sack-hole'], [6, 'sack-hole']]);
  t.true(sack[2]!.t - sack[0]!.t < 20, `all three within one RTT of 20 ms (${sack.map((r) => r.t).join(', ')} ms)`);
  const newreno = retransmitted('newreno');
  t.deepEqual(newreno.map((r) => r.k), [2, 4, 6]);
  t.true(newreno[2]!.t - newreno[0]!.t >= 40, 'NewReno: one hole per round trip');
});

test('RFC 8985: RACK-TLP repairs the same three holes by time, without an RTO', (t) => {
  const p = sackPair('rack-tlp', new Set([at(2), at(4), at(6)]));
  open(p);
  const d = data(1460 * 10);
  t.true(transfer(p, d).equals(d));
  t.deepEqual(retransmissions(p), [[2, 'rack'], [4, 'rack'], [6, 'rack']]);
});

test('RFC 6675 5 (2.c) / RFC 3042: with a window of 3 and the first segment lost, SACKed segments let new data out and fast retransmit comes before any RTO', (t) => {
  const p = sackPair('sack', new Set([at(0)]), { initialWindow: 3 });
  open(p);
  const d = data(1460 * 8);
  t.true(transfer(p, d).equals(d));
  const rtx = p.log.filter((l) => l.fromA && l.info.retransmit);
  t.deepEqual(rtx.map((l) => [(l.seg.seq - at(0)) / 1460, l.info.why]), [[0, 'dupack']], 'fast retransmit, no timeout');
  const before = p.log.filter((l) => l.fromA && l.seg.payload.length > 0 && l.t < rtx[0]!.t);
  t.is(before.length, 5, 'three in the initial window, then one new segment for each of the first two duplicate ACKs');
});

test('RFC 3042 2 / RFC 5681 3.2 step 1: NewReno without SACK, a window of 3 and the first segment lost: one new segment on each of the first two duplicate ACKs, then fast retransmit before any RTO', (t) => {
  // The linux profile: RFC 6582's `recover` gate (no fast retransmit before data is acknowledged) is the rfc profile's.
  const p = sackPair('newreno', new Set([at(0)]), { profile: 'linux', initialWindow: 3 }, { sack: false });
  open(p);
  const d = data(1460 * 8);
  t.true(transfer(p, d).equals(d));
  const rtx = p.log.filter((l) => l.fromA && l.info.retransmit);
  t.deepEqual(rtx.map((l) => [(l.seg.seq - at(0)) / 1460, l.info.why]), [[0, 'fast-retransmit']], 'fast retransmit, no timeout');
  const before = p.log.filter((l) => l.fromA && l.seg.payload.length > 0 && l.t < rtx[0]!.t);
  // Segments 0-2 in the initial window; the duplicate ACKs of 1 and 2 let 3 and 4 out (outstanding cwnd + 1, then
  // cwnd + 2 segments); the duplicate ACK of 3 is the third, and fast retransmit follows it.
  t.deepEqual(before.map((l) => (l.seg.seq - at(0)) / 1460), [0, 1, 2, 3, 4]);
});

test('NewReno stays in charge when the peer does not SACK', (t) => {
  const p = sackPair('sack', new Set([at(2)]), {}, { sack: false });
  open(p);
  const d = data(1460 * 10);
  t.true(transfer(p, d).equals(d));
  t.deepEqual(retransmissions(p), [[2, 'fast-retransmit']]);
});

test('RFC 8985 7: a lost last segment is sent again by the tail loss probe, 2 SRTT + WCDelAckT after the last ACK, not after an RTO', (t) => {
  const p = sackPair('rack-tlp', new Set([at(9)]));
  open(p);
  const d = data(1460 * 10);
  t.true(transfer(p, d).equals(d));
  t.deepEqual(retransmissions(p), [[9, 'tlp']]);
  const lastAck = p.log.filter((l) => !l.fromA && l.seg.ack === at(9)).at(-1)!;
  const probe = p.log.find((l) => l.fromA && l.info.why === 'tlp')!;
  // The ACK of segment 8 reaches a at lastAck.t + 10; one segment (9) is in flight: PTO = 2 * SRTT + 200 ms.
  const srtt = p.a.rtt.srttMs!;
  t.true(Math.abs(probe.t - (lastAck.t + 10 + 2 * srtt + 200)) <= 1 + srtt, `probe at ${probe.t} ms, last ACK in at ${lastAck.t + 10} ms, SRTT ${srtt}`);
  t.true(probe.t < 1000, 'well before the 1 s RTO');
  t.false(p.ra.timers.some((x) => x.name === 'rto' && x.event === 'fire'));
});
