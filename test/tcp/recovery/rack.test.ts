import test from 'ava';
import { Rack, Tlp, sentAfter } from '../../../lib/tcp/recovery/rack.ts';
import { Scoreboard } from '../../../lib/tcp/recovery/scoreboard.ts';

/**
 * RACK-TLP (RFC 8985) on the scoreboard, as the RFC's section 3 walks through it. Segments P1, P2, ...
 * are 1000 bytes, P1 = [1000, 2000). The path's RTT is 100 ms.
 */
const MSS = 1000;
const P = (k: number) => 1000 * k; // start of Pk

function flight(n: number, atMs = 0): Scoreboard {
  const sb = new Scoreboard(MSS, 1000);
  for (let k = 1; k <= n; k++) sb.onTransmit(P(k), MSS, atMs);
  return sb;
}

/** One ACK through the scoreboard and RACK's steps 1-4, as a connection would run them. */
function ack(sb: Scoreboard, rack: Rack, nowMs: number, cum: number, blocks: Array<[number, number]>, inRecovery = false) {
  const u = sb.onAck(cum, blocks);
  rack.onAck(u, { nowMs, sndUna: sb.sndUna, sndNxt: sb.sndNxt, inRecovery });
  return u;
}

test('RFC 8985 6.2: RACK_sent_after orders by transmit time, then by sequence', (t) => {
  t.true(sentAfter(10, 2000, 5, 9000));
  t.true(sentAfter(10, 3000, 10, 2000));
  t.false(sentAfter(10, 2000, 10, 2000));
  t.false(sentAfter(5, 9000, 10, 2000));
});

test('RFC 8985 3.3: one SACK is enough; P1 is lost a reordering window (min_RTT / 4) after P2 is SACKed', (t) => {
  const sb = flight(4); // P1..P4 at t = 0; P1 dropped
  const rack = new Rack();
  rack.updateMinRtt(100);
  ack(sb, rack, 100, P(1), [[P(2), P(3)]]);
  t.is(rack.rttMs, 100);
  const reo = rack.reoWndMs(sb, false, 100);
  t.is(reo, 25, 'no reordering seen, fewer than DupThresh SACKed: min_RTT / 4');
  let r = rack.detectLoss(sb, 100, reo);
  t.deepEqual(r, { lostBytes: 0, timeoutMs: 25 }, 'P1 is not overdue yet: the reordering timer is armed for 25 ms');
  r = rack.detectLoss(sb, 125, reo);
  t.is(r.lostBytes, 1000, 'at t = 125 ms the timer fires and P1 is lost (where DupThresh would still wait for two more SACKs)');
  t.true(sb.segments[0]!.lost);
  t.false(sb.segments[2]!.lost, 'P3, sent with P1 but above P2, is not judged by P2');
});

test('RFC 8985 6.2 step 4: with DupThresh segments SACKed and no reordering seen, the window is 0 and loss is immediate', (t) => {
  const sb = flight(5);
  const rack = new Rack();
  rack.updateMinRtt(100);
  ack(sb, rack, 100, P(1), [[P(2), P(5)]]);
  const reo = rack.reoWndMs(sb, false, 100);
  t.is(reo, 0);
  t.is(rack.detectLoss(sb, 100, reo).lostBytes, 1000);
});

test('RFC 8985 6.2 step 3: a never-retransmitted segment delivered below RACK.fack is reordering; the window then stays open in recovery', (t) => {
  const sb = flight(4);
  const rack = new Rack();
  rack.updateMinRtt(80);
  ack(sb, rack, 100, P(1), [[P(3), P(4)]]);
  t.false(rack.reorderingSeen);
  t.is(rack.reoWndMs(sb, true, 100), 0, 'in recovery, no reordering seen: 0');
  ack(sb, rack, 101, P(1), [[P(2), P(4)]]); // P2 arrives after P3: reordered
  t.true(rack.reorderingSeen);
  t.is(rack.reoWndMs(sb, true, 100), 20, 'min_RTT / 4');
  t.is(rack.reoWndMs(sb, true, 10), 10, 'never more than SRTT');
});

test('RFC 8985 6.2 step 4: a D-SACK widens the window by min_RTT / 4 per round, for 16 recoveries', (t) => {
  const sb = flight(8);
  const rack = new Rack();
  rack.updateMinRtt(100);
  rack.reorderingSeen = true;
  const u = ack(sb, rack, 100, P(3), [[P(1), P(2)]]);
  t.deepEqual(u.dsack, [P(1), P(2)]);
  t.is(rack.reoWndMult, 2);
  t.is(rack.reoWndMs(sb, false, 1000), 50);
  ack(sb, rack, 101, P(3), [[P(2), P(3)]]);
  t.is(rack.reoWndMult, 2, 'one increase per round trip (until SND.UNA passes RACK.dsack_round)');
  for (let i = 0; i < 15; i++) rack.onRecoveryExit();
  t.is(rack.reoWndMult, 2);
  rack.onRecoveryExit();
  t.is(rack.reoWndMult, 1, 'after 16 recoveries the multiplier is reset');
});

test('RFC 8985 3.3 (lost retransmission): a retransmission is lost again when a segment sent after it is SACKed and it is overdue', (t) => {
  const sb = flight(4);
  const rack = new Rack();
  rack.updateMinRtt(100);
  ack(sb, rack, 100, P(1), [[P(2), P(5)]]);
  rack.detectLoss(sb, 100, rack.reoWndMs(sb, false, 100));
  t.true(sb.segments[0]!.lost);
  sb.onTransmit(P(1), MSS, 100); // R1, the retransmission of P1 (dropped again)
  sb.onTransmit(P(5), MSS, 110); // new data P5
  t.false(sb.segments[0]!.lost && !sb.segments[0]!.rtxInFlight, 'R1 in flight');
  ack(sb, rack, 210, P(1), [[P(2), P(6)]], true);
  t.is(rack.xmitMs, 110, 'P5 is the most recently sent segment delivered');
  const r = rack.detectLoss(sb, 210, rack.reoWndMs(sb, true, 100));
  t.is(r.lostBytes, 1000, 'R1 (sent at 100) + RACK.rtt (100) <= 210: lost, without waiting for an RTO');
  t.false(sb.segments[0]!.rtxInFlight);
});

test('RFC 8985 6.2 step 2: a retransmitted segment acknowledged faster than min_RTT is taken as the original\'s delivery and sets nothing', (t) => {
  const sb = flight(2);
  const rack = new Rack();
  rack.updateMinRtt(100);
  sb.onTransmit(P(1), MSS, 150); // a spurious retransmission
  ack(sb, rack, 160, P(2), []);
  t.is(rack.xmitMs, undefined, 'rtt 10 ms < min_RTT: ambiguous');
  const sb2 = flight(2);
  sb2.onTransmit(P(1), MSS, 150);
  const u = sb2.onAck(P(2), []);
  rack.onAck(u, { nowMs: 260, sndUna: P(2), sndNxt: P(3), inRecovery: false, echoedXmitMs: 0 });
  t.is(rack.xmitMs, undefined, 'the timestamp echo names the original transmission (0 < 150)');
});

test('RFC 8985 6.3: at an RTO, SND.UNA and every segment overdue by RACK.rtt + reo_wnd are lost', (t) => {
  const sb = flight(3);
  sb.onTransmit(P(4), MSS, 500);
  const rack = new Rack();
  rack.updateMinRtt(100);
  rack.rttMs = 100;
  t.is(rack.markLossesOnRto(sb, 550, 0), 3000, 'P1-P3 (sent at 0), not P4 (sent at 500)');
  t.deepEqual(sb.segments.map((s) => s.lost), [true, true, true, false]);
});

test('RFC 8985 7.2 PTO: 2 * SRTT; plus WCDelAckT with one segment in flight; 1 s before any RTT sample; never after the RTO', (t) => {
  const tlp = new Tlp();
  t.is(tlp.ptoMs(100, false, 1000), 200);
  t.is(tlp.ptoMs(100, true, 1000), 400);
  t.is(tlp.ptoMs(100, true, 300), 300, 'capped at the RTO');
  t.is(tlp.ptoMs(undefined, false, 3000), 1000);
  t.is(tlp.ptoMs(100, true, 1000, true), 400, 'Linux: 2 * SRTT + the minimum RTO with one segment in flight');
  t.is(tlp.ptoMs(1, false, 1000, true), 4, 'Linux: 2 * SRTT + TCP_TIMEOUT_MIN (2 ms), no 10 ms floor since 4.13');
  t.is(tlp.ptoMs(1.2, false, 1000, true), 5, 'Linux: rounded up to whole jiffies (ms)');
  t.is(tlp.ptoMs(100, true, 300, true), 300, 'Linux: capped at the RTO too');
  t.true(tlp.mayArm(true, false, 1000));
  t.false(tlp.mayArm(false, false, 1000), 'SACK is required');
  t.false(tlp.mayArm(true, true, 1000), 'not in recovery');
});

test('RFC 8985 7.3: the probe is new data when the window allows, else the last segment sent', (t) => {
  const sb = flight(10); // P8-P10 lost at the tail: no ACK will come for them
  const tlp = new Tlp();
  t.deepEqual(tlp.chooseProbe(sb, 5000, MSS), { seq: P(11), len: 1000, isRetrans: false });
  t.deepEqual(tlp.chooseProbe(sb, 0, MSS), { seq: P(10), len: 1000, isRetrans: true });
});

test('RFC 8985 7.4.2: an ACK beyond the probe ends the episode as a repaired loss; a D-SACK of it, or a pure duplicate ACK, as needless', (t) => {
  // Tail loss: P10 lost, probe R10 repairs it, and the ACK of R10 covers TLP.end_seq.
  const tlp = new Tlp();
  tlp.onProbeSent(P(11), true);
  t.is(tlp.onAck(P(10), undefined, false), 'open', 'an ACK below TLP.end_seq');
  t.is(tlp.onAck(P(11), undefined, false), 'open', 'the ACK of exactly TLP.end_seq: was the original lost, or only late?');
  t.is(tlp.onAck(P(11), undefined, true), 'closed', 'a duplicate ACK without SACK: both copies arrived, no loss');
  t.is(tlp.endSeq, undefined);
  // Nothing was lost: the original P10 arrived, and the probe's copy is reported as a duplicate.
  tlp.onProbeSent(P(11), true);
  t.is(tlp.onAck(P(11), [P(10), P(11)], false), 'spurious');
  // Later data acknowledged beyond the probe.
  tlp.onProbeSent(P(11), true);
  t.is(tlp.onAck(P(12), undefined, false), 'repaired-loss');
  // A probe of new data needs nothing more once acknowledged.
  tlp.onProbeSent(P(12), false);
  t.is(tlp.onAck(P(12), undefined, false), 'closed');
});
