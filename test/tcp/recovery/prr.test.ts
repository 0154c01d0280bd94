import test from 'ava';
import { Prr } from '../../../lib/tcp/recovery/prr.ts';
import { limitedTransmitBytes } from '../../../lib/tcp/recovery/limited-transmit.ts';

const MSS = 1000;

test('RFC 6937 6 (one loss, cwnd 20, ssthresh 10): PRR sends one segment for every two delivered, ending at ssthresh', (t) => {
  const prr = new Prr();
  prr.enter(10 * MSS, 20 * MSS);
  const sent: string[] = [];
  let out = 0;
  // Each duplicate ACK delivers one segment; pipe is what is still in flight: 19 originals less those delivered, plus what PRR sent.
  for (let k = 1; k <= 19; k++) {
    const pipe = (19 - k) * MSS + out;
    const sndcnt = prr.onAck(MSS, pipe, MSS);
    const n = Math.floor(sndcnt / MSS);
    sent.push(n === 0 ? '.' : String(n));
    prr.onSent(n * MSS);
    out += n * MSS;
  }
  t.is(sent.slice(0, 16).join(''), '1.1.1.1.1.1.1.1.', 'the retransmission on the first ACK, then one segment per two ACKs');
  t.is(out, 10 * MSS, 'as much sent in recovery as ssthresh: pipe lands on ssthresh, no burst, no stall');
});

test('RFC 6937 3 PRR-SSRB: with pipe below ssthresh (heavy loss), each ACK may send what it delivered plus one segment', (t) => {
  const prr = new Prr();
  prr.enter(10 * MSS, 20 * MSS);
  prr.onSent(MSS);
  t.is(prr.onAck(MSS, 4 * MSS, MSS), 2 * MSS, 'min(ssthresh - pipe, max(prr_delivered - prr_out, DeliveredData) + MSS)');
  t.is(prr.onAck(MSS, 9 * MSS, MSS), MSS, 'never beyond ssthresh - pipe');
  const crb = new Prr(true);
  crb.enter(10 * MSS, 20 * MSS);
  crb.onSent(MSS);
  t.is(crb.onAck(2 * MSS, 4 * MSS, MSS), MSS, 'PRR-CRB: no more than delivered - sent');
});

test('The first ACK of recovery always sends the fast retransmit (Linux tcp_cwnd_reduction), even when PRR alone would wait', (t) => {
  const prr = new Prr();
  prr.enter(7 * MSS, 10 * MSS);
  t.is(prr.onAck(0, 9 * MSS, MSS), MSS);
  const strict = new Prr(false, false);
  strict.enter(7 * MSS, 10 * MSS);
  t.is(strict.onAck(0, 9 * MSS, MSS), 0);
});

test('RFC 3042 2: with cwnd 3 and the first segment lost, the first two duplicate ACKs each send one new segment; cwnd is unchanged', (t) => {
  const cwnd = 3 * MSS;
  t.is(limitedTransmitBytes(1, 3 * MSS, cwnd, MSS, 10 * MSS), MSS, 'first duplicate ACK: outstanding becomes cwnd + 1 segment');
  t.is(limitedTransmitBytes(2, 4 * MSS, cwnd, MSS, 10 * MSS), MSS, 'second: cwnd + 2 segments');
  t.is(limitedTransmitBytes(3, 5 * MSS, cwnd, MSS, 10 * MSS), 0, 'the third starts fast retransmit instead');
  t.is(limitedTransmitBytes(1, 3 * MSS, cwnd, MSS, 0), 0, 'nothing unsent, or no window: nothing');
  t.is(limitedTransmitBytes(2, 5 * MSS, cwnd, MSS, 10 * MSS), 0, 'never beyond cwnd + 2 segments outstanding');
  t.is(limitedTransmitBytes(0, 3 * MSS, cwnd, MSS, 10 * MSS), 0);
});

test('Linux\'s bound (tcp_cwnd_reduction since 5.10, RFC 6937bis): the extra segment of PRR-SSRB only on an ACK that advances SND.UNA and marks nothing newly lost', (t) => {
  // Ten segments out, ssthresh 7; the ACK that starts recovery SACKs one segment and RACK marks six lost (pipe 1).
  const prr = new Prr(false, true, true);
  prr.enter(7 * MSS, 10 * MSS);
  t.is(prr.onAck(MSS, 1 * MSS, MSS, false, true), MSS, 'one segment, the fast retransmission: max(delivered - out, delivered), no extra');
  prr.onSent(MSS);
  t.is(prr.onAck(MSS, 2 * MSS, MSS, false, false), MSS, 'a SACK alone: CRB\'s delivered - out = 1');
  prr.onSent(MSS);
  t.is(prr.onAck(MSS, 2 * MSS, MSS, true, false), 2 * MSS, 'SND.UNA advances, nothing newly lost: one more (slow start toward ssthresh)');
  const rfc = new Prr();
  rfc.enter(7 * MSS, 10 * MSS);
  t.is(rfc.onAck(MSS, 1 * MSS, MSS, false, true), 2 * MSS, 'RFC 6937 PRR-SSRB adds it on every ACK');
});
