/**
 * RFC 9293's state diagram (3.3.2, figure 5), one transition per test: at time t this segment arrives
 * (or the application calls), so exactly these segments leave and the connection is in this state.
 * Local ISS 10000, remote ISS 50000, delayed ACKs off unless a test turns them on.
 */
import test from 'ava';
import { ACK, FIN, LOCAL_ISS, PSH, REMOTE_ISS, RST, SYN, accepted, brief, conn, established, expectNothingSent, expectSent, flagLetters, seg, timerAt } from './harness.ts';

const L = LOCAL_ISS;
/** Our MSS option, on every SYN and SYN-ACK (RFC 9293 3.7.1). */
const MSS_1460 = { kind: 'mss' as const, mss: 1460 };
const R = REMOTE_ISS;

// ---------------------------------------------------------------- CLOSED

test('CLOSED -> SYN-SENT: active OPEN sends a SYN with our MSS (3.10.1)', (t) => {
  const { c, rec } = conn();
  c.connect(0);
  const out = rec.take();
  t.deepEqual(out.map(brief), [{ flags: 'S', seq: L, ack: undefined, win: 65535, len: 0 }]);
  t.deepEqual(out[0].options, [{ kind: 'mss', mss: 1460 }]);
  t.is(c.state, 'SYN-SENT');
});

// ---------------------------------------------------------------- SYN-SENT

test('SYN-SENT -> ESTABLISHED: a SYN-ACK acknowledging our SYN is answered with an ACK (3.10.7.3)', (t) => {
  const { c, rec } = conn();
  c.connect(0);
  rec.take();
  c.onSegment(seg({ flags: SYN | ACK, seq: R, ack: L + 1, options: [{ kind: 'mss', mss: 1000 }] }), 20);
  expectSent(t, rec, { flags: '.', seq: L + 1, ack: R + 1, win: 65535, len: 0 });
  t.is(c.state, 'ESTABLISHED');
  t.is(c.effMss, 1000, 'the peer MSS bounds our segments (3.7.1)');
  t.deepEqual(rec.events[0], { kind: 'established', passive: false });
  t.is(c.rtt.srttMs, 20, 'the SYN was timed: first RTT sample (RFC 6298 2.2)');
});

test('SYN-SENT -> CLOSED: RST,ACK acknowledging our SYN refuses the connection with ECONNREFUSED', (t) => {
  const { c, rec } = conn();
  c.connect(0);
  rec.take();
  c.onSegment(seg({ flags: RST | ACK, seq: 0, ack: L + 1 }), 5);
  expectNothingSent(t, rec);
  t.is(c.state, 'CLOSED');
  t.deepEqual(rec.errors(), ['ECONNREFUSED']);
});

test('SYN-SENT: a RST whose ACK is unacceptable is ignored; an ACK of something unsent is answered with RST', (t) => {
  const { c, rec } = conn();
  c.connect(0);
  rec.take();
  c.onSegment(seg({ flags: RST | ACK, seq: 0, ack: L + 7 }), 5);
  t.is(c.state, 'SYN-SENT');
  expectNothingSent(t, rec);
  c.onSegment(seg({ flags: ACK, seq: 123, ack: L + 7 }), 6);
  expectSent(t, rec, { flags: 'R', seq: L + 7, ack: undefined, win: 0, len: 0 });
  t.is(c.state, 'SYN-SENT');
});

test('SYN-SENT -> SYN-RECEIVED -> ESTABLISHED: simultaneous open (3.5, figure 8)', (t) => {
  const { c, rec } = conn();
  c.connect(0);
  rec.take();
  c.onSegment(seg({ flags: SYN, seq: R, options: [{ kind: 'mss', mss: 1460 }] }), 10);
  expectSent(t, rec, { flags: 'S.', seq: L, ack: R + 1, win: 65535, len: 0, options: [MSS_1460] });
  t.is(c.state, 'SYN-RECEIVED');
  // The peer's own SYN,ACK arrives: it acknowledges our SYN.
  c.onSegment(seg({ flags: SYN | ACK, seq: R, ack: L + 1 }), 20);
  expectSent(t, rec, { flags: '.', seq: L + 1, ack: R + 1, win: 65535, len: 0 });
  t.is(c.state, 'ESTABLISHED');
  t.deepEqual(rec.states, ['CLOSED', 'SYN-SENT', 'SYN-RECEIVED', 'ESTABLISHED']);
});

test('SYN-SENT: the SYN is retransmitted with exponential backoff, then ETIMEDOUT (RFC 6298 5.5, 3.8.3)', (t) => {
  const { c, rec } = conn({ synRetries: 2 });
  c.connect(0);
  rec.take();
  t.is(c.nextDeadline(), 1000, 'initial RTO 1 s (RFC 6298 2.1)');
  t.is(timerAt(rec, 'rto'), 1000, 'the retransmission timer is the one due');
  c.onTimer(1000);
  expectSent(t, rec, { flags: 'S', seq: L, win: 65535, options: [MSS_1460], why: 'rto' });
  t.is(c.nextDeadline(), 3000, 'backed off to 2 s');
  t.is(timerAt(rec, 'rto'), 3000);
  c.onTimer(3000);
  expectSent(t, rec, { flags: 'S', seq: L, win: 65535, options: [MSS_1460], why: 'rto' });
  t.is(timerAt(rec, 'rto'), 7000, 'backed off to 4 s');
  t.is(c.nextDeadline(), 7000);
  c.onTimer(7000);
  expectNothingSent(t, rec);
  t.is(c.state, 'CLOSED');
  t.deepEqual(rec.errors(), ['ETIMEDOUT']);
});

test('SYN-SENT -> CLOSED: CLOSE deletes the TCB without a segment (3.10.4)', (t) => {
  const { c, rec } = conn();
  c.connect(0);
  rec.take();
  c.close(5);
  expectNothingSent(t, rec);
  t.is(c.state, 'CLOSED');
});

// ---------------------------------------------------------------- LISTEN and SYN-RECEIVED

test('LISTEN -> SYN-RECEIVED: a SYN is answered with SYN,ACK (3.10.7.2)', (t) => {
  const { c, rec } = conn();
  c.listen(0);
  c.onSegment(seg({ flags: SYN, seq: R, options: [{ kind: 'mss', mss: 1460 }] }), 1);
  expectSent(t, rec, { flags: 'S.', seq: L, ack: R + 1, win: 65535, len: 0, options: [MSS_1460] });
  t.is(c.state, 'SYN-RECEIVED');
});

test('LISTEN: an ACK is answered with <SEQ=SEG.ACK><CTL=RST>, a RST is ignored', (t) => {
  const { c, rec } = conn();
  c.listen(0);
  c.onSegment(seg({ flags: RST, seq: 5 }), 1);
  expectNothingSent(t, rec);
  c.onSegment(seg({ flags: ACK, seq: 5, ack: 777 }), 2);
  expectSent(t, rec, { flags: 'R', seq: 777, ack: undefined, win: 0, len: 0 });
  t.is(c.state, 'LISTEN');
});

test('SYN-RECEIVED -> ESTABLISHED: the ACK of our SYN completes the passive open', (t) => {
  const { c, rec } = conn();
  c.listen(0);
  c.onSegment(seg({ flags: SYN, seq: R }), 1);
  rec.take();
  c.onSegment(seg({ flags: ACK, seq: R + 1, ack: L + 1 }), 11);
  t.deepEqual(rec.take(), [], 'nothing to say');
  t.is(c.state, 'ESTABLISHED');
  t.deepEqual(rec.events[0], { kind: 'established', passive: true });
});

test('SYN-RECEIVED: a repeated SYN (our SYN,ACK was lost) gets the SYN,ACK again', (t) => {
  const { c, rec } = conn();
  c.listen(0);
  c.onSegment(seg({ flags: SYN, seq: R }), 1);
  rec.take();
  c.onSegment(seg({ flags: SYN, seq: R }), 1001);
  expectSent(t, rec, { flags: 'S.', seq: L, ack: R + 1, win: 65535, len: 0, options: [MSS_1460] });
  t.is(c.state, 'SYN-RECEIVED');
});

test('SYN-RECEIVED: the SYN,ACK is retransmitted on timeout', (t) => {
  const { c, rec } = conn();
  c.listen(0);
  c.onSegment(seg({ flags: SYN, seq: R }), 0);
  rec.take();
  c.onTimer(1000);
  t.deepEqual(rec.out.map((o) => [brief(o.seg).flags, o.info.retransmit]), [['S.', true]]);
});

test('SYN-RECEIVED: an unacceptable ACK is answered with RST', (t) => {
  const { c, rec } = conn();
  c.listen(0);
  c.onSegment(seg({ flags: SYN, seq: R }), 1);
  rec.take();
  c.onSegment(seg({ flags: ACK, seq: R + 1, ack: L + 99 }), 2);
  expectSent(t, rec, { flags: 'R', seq: L + 99, ack: undefined, win: 0, len: 0 });
  t.is(c.state, 'SYN-RECEIVED');
});

test('SYN-RECEIVED (passive) -> CLOSED on RST: the embryonic connection goes, with no error to anyone', (t) => {
  const { c, rec } = conn();
  c.listen(0);
  c.onSegment(seg({ flags: SYN, seq: R }), 1);
  rec.take();
  c.onSegment(seg({ flags: RST, seq: R + 1 }), 2);
  t.is(c.state, 'CLOSED');
  t.deepEqual(rec.errors(), []);
});

// ---------------------------------------------------------------- ESTABLISHED

test('ESTABLISHED -> FIN-WAIT-1: CLOSE sends FIN (3.10.4)', (t) => {
  const { c, rec } = established();
  c.close(100);
  expectSent(t, rec, { flags: 'F.', seq: L + 1, ack: R + 1, win: 65535, len: 0 });
  t.is(c.state, 'FIN-WAIT-1');
});

test('ESTABLISHED -> FIN-WAIT-1: queued data goes first, the FIN rides on the last segment', (t) => {
  const { c, rec } = established();
  c.send(Buffer.from('hello'), 100);
  c.shutdown(100);
  expectSent(t, rec,
    { flags: 'P.', seq: L + 1, ack: R + 1, win: 65535, len: 5 },
    { flags: 'F.', seq: L + 6, ack: R + 1, win: 65535, len: 0 });
});

test('ESTABLISHED -> CLOSE-WAIT: a FIN is acknowledged at once and the application sees end-of-stream', (t) => {
  const { c, rec } = established();
  c.onSegment(seg({ flags: FIN | ACK, seq: R + 1, ack: L + 1 }), 50);
  expectSent(t, rec, { flags: '.', seq: L + 1, ack: R + 2, win: 65535, len: 0 });
  t.is(c.state, 'CLOSE-WAIT');
  t.true(c.eof);
});

test('ESTABLISHED -> CLOSED: a RST at exactly RCV.NXT resets with ECONNRESET (RFC 5961 3.2)', (t) => {
  const { c, rec } = established();
  c.onSegment(seg({ flags: RST, seq: R + 1 }), 50);
  t.is(c.state, 'CLOSED');
  t.deepEqual(rec.errors(), ['ECONNRESET']);
  expectNothingSent(t, rec);
});

test('ESTABLISHED: an in-window RST not at RCV.NXT earns a challenge ACK; out of window it is ignored (RFC 5961 3.2)', (t) => {
  const { c, rec } = established();
  c.onSegment(seg({ flags: RST, seq: R + 100 }), 50);
  expectSent(t, rec, { flags: '.', seq: L + 1, ack: R + 1, win: 65535, len: 0 });
  t.is(c.state, 'ESTABLISHED');
  c.onSegment(seg({ flags: RST, seq: R + 1 + 100_000 }), 51);
  expectNothingSent(t, rec);
  t.is(c.state, 'ESTABLISHED');
});

test('ESTABLISHED: a SYN earns a challenge ACK and changes nothing (RFC 5961 4.2)', (t) => {
  const { c, rec } = established();
  c.onSegment(seg({ flags: SYN, seq: R + 10 }), 50);
  expectSent(t, rec, { flags: '.', seq: L + 1, ack: R + 1, win: 65535, len: 0 });
  t.is(c.state, 'ESTABLISHED');
});

test('ESTABLISHED: challenge ACKs are rate-limited (RFC 5961 7)', (t) => {
  const { c, rec } = established();
  for (let i = 0; i < 50; i++) c.onSegment(seg({ flags: RST, seq: R + 100 + i }), 100);
  t.is(rec.take().length, 10);
  c.onSegment(seg({ flags: RST, seq: R + 100 }), 1100);
  t.is(rec.take().length, 1, 'a new second, a new allowance');
});

test('ESTABLISHED: an ACK of data never sent earns a challenge ACK and is dropped (RFC 5961 5.2)', (t) => {
  const { c, rec } = established();
  c.onSegment(seg({ flags: ACK | PSH, seq: R + 1, ack: L + 500, payload: Buffer.from('xyz') }), 50);
  expectSent(t, rec, { flags: '.', seq: L + 1, ack: R + 1, win: 65535, len: 0 });
  t.is(c.readable, 0, 'the data was not taken');
});

test('ABORT with the linux profile sends RST,ACK, as Linux does', (t) => {
  const { c, rec } = established({ profile: 'linux', timestamps: false, sack: false, windowScale: false });
  c.abort(70);
  expectSent(t, rec, { flags: 'R.', seq: L + 1, ack: R + 1, win: 0, len: 0 });
});

test('ESTABLISHED -> CLOSED: ABORT sends RST (3.10.5)', (t) => {
  const { c, rec } = established();
  c.abort(70);
  expectSent(t, rec, { flags: 'R', seq: L + 1, ack: undefined, win: 0, len: 0 });
  t.is(c.state, 'CLOSED');
});

// ---------------------------------------------------------------- FIN-WAIT-1, FIN-WAIT-2, CLOSING, TIME-WAIT

test('FIN-WAIT-1 -> FIN-WAIT-2 -> TIME-WAIT -> CLOSED: the active close (3.6, figure 12)', (t) => {
  const { c, rec } = established({ mslMs: 1000 });
  c.close(100);
  rec.take();
  c.onSegment(seg({ flags: ACK, seq: R + 1, ack: L + 2 }), 110);
  t.is(c.state, 'FIN-WAIT-2');
  expectNothingSent(t, rec);
  c.onSegment(seg({ flags: FIN | ACK, seq: R + 1, ack: L + 2 }), 200);
  expectSent(t, rec, { flags: '.', seq: L + 2, ack: R + 2, win: 65535, len: 0 });
  t.is(c.state, 'TIME-WAIT');
  t.is(c.nextDeadline(), 2200, 'TIME-WAIT lasts 2 MSL');
  c.onTimer(2200);
  t.is(c.state, 'CLOSED');
  t.deepEqual(rec.states, ['CLOSED', 'SYN-SENT', 'ESTABLISHED', 'FIN-WAIT-1', 'FIN-WAIT-2', 'TIME-WAIT', 'CLOSED']);
});

test('FIN-WAIT-1 -> CLOSING -> TIME-WAIT: simultaneous close (3.6, figure 13)', (t) => {
  const { c, rec } = established();
  c.close(100);
  rec.take();
  c.onSegment(seg({ flags: FIN | ACK, seq: R + 1, ack: L + 1 }), 105);
  expectSent(t, rec, { flags: '.', seq: L + 2, ack: R + 2, win: 65535, len: 0 });
  t.is(c.state, 'CLOSING');
  c.onSegment(seg({ flags: ACK, seq: R + 2, ack: L + 2 }), 110);
  t.is(c.state, 'TIME-WAIT');
});

test('FIN-WAIT-1 -> TIME-WAIT in one step: a FIN that also acknowledges our FIN', (t) => {
  const { c, rec } = established();
  c.close(100);
  rec.take();
  c.onSegment(seg({ flags: FIN | ACK, seq: R + 1, ack: L + 2 }), 110);
  t.is(c.state, 'TIME-WAIT');
  t.deepEqual(rec.states.slice(-3), ['FIN-WAIT-1', 'FIN-WAIT-2', 'TIME-WAIT']);
});

test('FIN-WAIT-1: the FIN is retransmitted when its ACK does not come', (t) => {
  const { c, rec } = established();
  c.close(100);
  rec.take();
  c.onTimer(c.nextDeadline()!);
  t.deepEqual(rec.out.map((o) => [brief(o.seg), o.info.retransmit]), [[{ flags: 'F.', seq: L + 1, ack: R + 1, win: 65535, len: 0 }, true]]);
});

test('FIN-WAIT-2: data still arrives and is delivered (half-close: the peer may keep sending)', (t) => {
  const { c, rec } = established();
  c.shutdown(100);
  c.onSegment(seg({ flags: ACK, seq: R + 1, ack: L + 2 }), 110);
  rec.take();
  c.onSegment(seg({ flags: ACK | PSH, seq: R + 1, ack: L + 2, payload: Buffer.from('more') }), 120);
  expectSent(t, rec, { flags: '.', seq: L + 2, ack: R + 5, win: 65535 - 4, len: 0 });
  t.is(c.read(100, 121).toString(), 'more');
  t.is(c.state, 'FIN-WAIT-2');
});

test('TIME-WAIT: a retransmitted FIN is acknowledged and restarts the 2 MSL timer', (t) => {
  const { c, rec } = established({ mslMs: 1000 });
  c.close(100);
  c.onSegment(seg({ flags: FIN | ACK, seq: R + 1, ack: L + 2 }), 200);
  rec.take();
  t.is(c.nextDeadline(), 2200);
  c.onSegment(seg({ flags: FIN | ACK, seq: R + 1, ack: L + 2 }), 1500);
  expectSent(t, rec, { flags: '.', seq: L + 2, ack: R + 2, win: 65535, len: 0 });
  t.is(c.nextDeadline(), 3500);
  t.is(c.state, 'TIME-WAIT');
});

// ---------------------------------------------------------------- CLOSE-WAIT, LAST-ACK

test('CLOSE-WAIT -> LAST-ACK -> CLOSED: the passive close', (t) => {
  const { c, rec } = accepted();
  c.onSegment(seg({ flags: FIN | ACK, seq: R + 1, ack: L + 1 }), 50);
  rec.take();
  t.is(c.state, 'CLOSE-WAIT');
  c.send(Buffer.from('bye'), 60);
  c.close(60);
  expectSent(t, rec,
    { flags: 'P.', seq: L + 1, ack: R + 2, win: 65535, len: 3 },
    { flags: 'F.', seq: L + 4, ack: R + 2, win: 65535, len: 0 });
  t.is(c.state, 'LAST-ACK');
  c.onSegment(seg({ flags: ACK, seq: R + 2, ack: L + 5 }), 70);
  t.is(c.state, 'CLOSED');
  t.deepEqual(rec.states, ['LISTEN', 'SYN-RECEIVED', 'ESTABLISHED', 'CLOSE-WAIT', 'LAST-ACK', 'CLOSED']);
  t.deepEqual(rec.errors(), []);
});

test('CLOSE-WAIT: the application can still send (the other half of a half-close)', (t) => {
  const { c, rec } = accepted();
  c.onSegment(seg({ flags: FIN | ACK, seq: R + 1, ack: L + 1 }), 50);
  rec.take();
  t.is(c.send(Buffer.alloc(100), 60), 100);
  expectSent(t, rec, { flags: 'P.', seq: L + 1, ack: R + 2, win: 65535, len: 100 });
});

test('after shutdown, send fails with EPIPE', (t) => {
  const { c } = established();
  c.shutdown(1);
  const err = t.throws(() => c.send(Buffer.from('x'), 2));
  t.is((err as { code?: string }).code, 'EPIPE');
});

test('SYN-RECEIVED -> FIN-WAIT-1: CLOSE with nothing queued sends FIN at once (3.10.4); the ACK of SYN and FIN leads to FIN-WAIT-2', (t) => {
  const { c, rec } = conn();
  c.connect(0);
  c.onSegment(seg({ flags: SYN, seq: R }), 10); // simultaneous open
  rec.take();
  c.close(15);
  expectSent(t, rec, { flags: 'F.', seq: L + 1, ack: R + 1, win: 65535, len: 0 });
  t.is(c.state, 'FIN-WAIT-1');
  c.onSegment(seg({ flags: ACK, seq: R + 1, ack: L + 2 }), 20);
  t.is(c.state, 'FIN-WAIT-2');
  t.deepEqual(rec.states, ['CLOSED', 'SYN-SENT', 'SYN-RECEIVED', 'FIN-WAIT-1', 'FIN-WAIT-2']);
});

test('SYN-RECEIVED: CLOSE with data queued waits for ESTABLISHED, then sends the data with the FIN (3.10.4)', (t) => {
  const { c, rec } = conn();
  c.connect(0);
  c.send(Buffer.from('early'), 1);
  c.onSegment(seg({ flags: SYN, seq: R }), 10);
  rec.take();
  c.close(15);
  t.is(c.state, 'SYN-RECEIVED');
  expectNothingSent(t, rec);
  c.onSegment(seg({ flags: ACK, seq: R + 1, ack: L + 1 }), 20);
  // Both were queued, so the FIN rides on the data segment.
  expectSent(t, rec, { flags: 'FP.', seq: L + 1, ack: R + 1, win: 65535, len: 5 });
  t.is(c.state, 'FIN-WAIT-1');
});

test('a repeated SYN in SYN-RECEIVED is answered with the SYN-ACK again, marked as an answer to it, not as a timeout (RFC 9293 3.10.7.4)', (t) => {
  const { c, rec } = conn();
  c.listen(0);
  c.onSegment(seg({ flags: SYN, seq: REMOTE_ISS, options: [{ kind: 'mss', mss: 1460 }] }), 0);
  t.deepEqual(rec.take().map((s) => flagLetters(s.flags)), ['S.']);
  // At 500 ms, before our RTO: the peer never got our SYN-ACK and sends its SYN again.
  c.onSegment(seg({ flags: SYN, seq: REMOTE_ISS, options: [{ kind: 'mss', mss: 1460 }] }), 500);
  t.is(rec.out.length, 1);
  t.is(flagLetters(rec.out[0].seg.flags), 'S.');
  t.deepEqual(rec.out[0].info, { retransmit: true, why: 'dup-syn' });
  t.is(c.state, 'SYN-RECEIVED');
});

test('SYN-RECEIVED: an unacceptable segment is answered with <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, SND.NXT being ISS+1 (RFC 9293 3.10.7.4)', (t) => {
  const { c, rec } = conn();
  c.listen(0);
  c.onSegment(seg({ flags: SYN, seq: R, options: [{ kind: 'mss', mss: 1460 }] }), 0);
  rec.take();
  // At 10 ms a segment far outside the window arrives (its ACK is no use): the answer is an ACK.
  c.onSegment(seg({ flags: ACK, seq: R + 1 + 200_000, ack: L + 1 }), 10);
  expectSent(t, rec, { flags: '.', seq: L + 1, ack: R + 1, win: 65535, len: 0 });
  t.is(c.state, 'SYN-RECEIVED');
});

test('linux profile too: a repeated SYN in SYN-RECEIVED brings the SYN-ACK again, though Linux\'s wider acceptance takes segments up to the right edge', (t) => {
  const { c, rec } = conn({ profile: 'linux' });
  c.listen(0);
  c.onSegment(seg({ flags: SYN, seq: R, options: [{ kind: 'mss', mss: 1460 }] }), 0);
  rec.take();
  c.onSegment(seg({ flags: SYN, seq: R, options: [{ kind: 'mss', mss: 1460 }] }), 500);
  t.deepEqual(rec.out.map((o) => [flagLetters(o.seg.flags), o.info.why]), [['S.', 'dup-syn']]);
});
