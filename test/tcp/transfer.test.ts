/**
 * Data transfer between two connections back to back (10 ms one way): flow control, zero window and
 * persist, retransmission (RFC 6298), fast retransmit and NewReno (RFC 5681, 6582), Nagle, delayed
 * ACKs, out-of-order reassembly.
 */
import test from 'ava';
import { createHash } from 'node:crypto';
import { ACK, FIN, LOCAL_ISS, PSH, REMOTE_ISS, Pair, SYN, brief, established, open, seg, transfer } from './harness.ts';
import { setHeaderPrediction } from '../../lib/tcp/connection.ts';

const L = LOCAL_ISS;
const R = REMOTE_ISS;

function pattern(n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 7 + (i >> 8)) & 0xff;
  return b;
}

test('three-way handshake between two connections: SYN, SYN-ACK, ACK, both ESTABLISHED', (t) => {
  const p = new Pair({ a: { delayedAck: false }, b: { delayedAck: false } });
  open(p);
  t.deepEqual(p.log.map((l) => [l.t, l.fromA ? 'a>b' : 'b>a', brief(l.seg).flags]), [[0, 'a>b', 'S'], [10, 'b>a', 'S.'], [20, 'a>b', '.']]);
  t.is(p.a.state, 'ESTABLISHED');
  t.is(p.b.state, 'ESTABLISHED');
});

test('the sender never has more unacknowledged data than the peer window allows (3.8.6)', (t) => {
  const p = new Pair({ b: { rcvbuf: 4096, autoread: false }, a: { initialWindow: 10 } });
  open(p);
  let maxFlight = 0;
  p.a.send(pattern(20_000), p.now);
  p.run(5_000, () => { maxFlight = Math.max(maxFlight, p.a.flight); });
  t.true(maxFlight <= 4096, `flight ${maxFlight}`);
  t.is(p.b.readable, 4096, 'the receive buffer is full');
  const zeroWindowAcks = p.log.filter((l) => !l.fromA && l.seg.window === 0);
  t.true(zeroWindowAcks.length > 0, 'the receiver advertised a zero window');
});

test('zero window: the sender probes with the persist timer, backing off; a read reopens the window (3.8.6.1)', (t) => {
  const p = new Pair({ b: { rcvbuf: 2000, autoread: false }, a: { nagle: false } });
  open(p);
  p.a.send(pattern(5000), p.now);
  p.run(30_000);
  const probes = p.log.filter((l) => l.fromA && l.info.why === 'persist');
  t.true(probes.length >= 3, `${probes.length} probes`);
  const gaps = probes.slice(1).map((pr, i) => pr.t - probes[i].t);
  for (let i = 1; i < gaps.length; i++) t.true(gaps[i] >= gaps[i - 1], 'probe intervals back off');
  t.true(probes.every((pr) => pr.seg.payload.length === 1), 'a probe carries one byte');
  // The application reads: a window update goes out and the rest flows.
  const before = p.log.length;
  const got = [Pair.drain(p.b, p.now)];
  p.run(p.now + 60_000, () => got.push(Pair.drain(p.b, p.now)));
  t.true(p.log.slice(before).some((l) => !l.fromA && l.seg.window > 0), 'window update sent');
  t.deepEqual(Buffer.concat(got), pattern(5000));
});

test('RFC 6298: a lost segment is retransmitted after the RTO, Karn keeps the sample clean, backoff doubles', (t) => {
  let dropped = 0;
  const p = new Pair({ delayMs: 50, drop: (s, fromA) => fromA && s.payload.length > 0 && dropped++ < 2 });
  open(p);
  const got = transfer(p, Buffer.from('hello'));
  t.is(got.toString(), 'hello');
  const tx = p.log.filter((l) => l.fromA && l.seg.payload.length > 0);
  t.is(tx.length, 3);
  t.deepEqual(tx.map((l) => l.info.retransmit), [false, true, true]);
  t.is(tx[1].t - tx[0].t, 1000, 'first RTO: SRTT 100 + 4*RTTVAR 200 = 300, but at least 1 s');
  t.is(tx[2].t - tx[1].t, 2000, 'doubled');
});

test('RFC 7323 4 (RTTM): with timestamps, the ACK of a retransmission is an RTT sample and ends the backoff', (t) => {
  // The same loss as above, timestamps on both sides. Without timestamps (above) Karn's rule leaves the
  // retransmission untimed and the RTO doubled; with them the ACK echoes the retransmission's TSval.
  let dropped = 0;
  const p = new Pair({ a: { timestamps: true }, b: { timestamps: true }, delayMs: 50, drop: (s, fromA) => fromA && s.payload.length > 0 && dropped++ < 2 });
  open(p);
  const got = transfer(p, Buffer.from('hello'));
  t.is(got.toString(), 'hello');
  const tx = p.log.filter((l) => l.fromA && l.seg.payload.length > 0);
  t.deepEqual(tx.map((l) => l.info.retransmit), [false, true, true]);
  const ackOfData = p.log.find((l) => !l.fromA && l.t > tx[2].t && l.seg.ack === tx[2].seg.seq + 5)!;
  const ts = ackOfData.seg.options.find((o) => o.kind === 'timestamps');
  t.truthy(ts, 'the ACK carries timestamps');
  t.is(p.a.rtt.backoff, 1, 'the sample ended the backoff (RFC 6298 5.7 allows it once a valid sample is taken)');
  // The first sample (the SYN, 100 ms), then the retransmission's: 100 ms of path and the receiver's
  // 200 ms delayed ACK, 300 ms (RTTM measures what the sender waits): SRTT = 7/8 * 100 + 1/8 * 300.
  t.is(ackOfData.t - tx[2].t, 250, 'the ACK leaves 50 + 200 ms after the retransmission, and arrives 50 ms later');
  t.is(p.a.rtt.srttMs, 125);
  t.is(p.a.rtt.rtoMs, 1000, 'RTO back to max(SRTT + 4*RTTVAR, 1 s): not 4 s');
});

test('fast retransmit on the third duplicate ACK, then NewReno recovery completes without a timeout', (t) => {
  const lost = new Set([L + 1 + 1460 * 2]);
  const p = new Pair({ a: { initialWindow: 10, nagle: false }, b: { delayedAck: false }, drop: (s, fromA) => fromA && lost.delete(s.seq) });
  open(p);
  const data = pattern(1460 * 10);
  const got = transfer(p, data);
  t.true(got.equals(data));
  const rtx = p.log.filter((l) => l.fromA && l.info.retransmit);
  t.deepEqual(rtx.map((l) => [l.seg.seq - L, l.info.why]), [[1 + 1460 * 2, 'fast-retransmit']]);
  const dupAcks = p.log.filter((l) => !l.fromA && l.seg.ack === L + 1 + 1460 * 2);
  t.true(dupAcks.length >= 4, 'the receiver sent an ACK and at least three duplicates');
  t.is(p.a.recovery.inRecovery, false);
  // RFC 5681 (4): ssthresh = FlightSize / 2, and 8 segments were outstanding when the third duplicate came.
  t.is(p.a.cc.ssthresh, (1460 * 8) / 2);
});

test('NewReno: two losses in one window; the partial ACK retransmits the second hole at once (RFC 6582 3.2)', (t) => {
  const lost = new Set([L + 1 + 1460 * 2, L + 1 + 1460 * 5]);
  const p = new Pair({ a: { initialWindow: 10, nagle: false }, drop: (s, fromA) => fromA && lost.delete(s.seq) });
  open(p);
  const data = pattern(1460 * 10);
  t.true(transfer(p, data).equals(data));
  const rtx = p.log.filter((l) => l.fromA && l.info.retransmit);
  t.deepEqual(rtx.map((l) => [l.seg.seq - L, l.info.why]), [[1 + 1460 * 2, 'fast-retransmit'], [1 + 1460 * 5, 'fast-retransmit']]);
});

test('Nagle: small writes while data is unacknowledged are coalesced (RFC 9293 3.7.4)', (t) => {
  const p = new Pair({ delayMs: 50 });
  open(p);
  for (let i = 0; i < 10; i++) p.a.send(Buffer.from('x'), p.now);
  p.run(p.now + 500, () => Pair.drain(p.b, p.now));
  const data = p.log.filter((l) => l.fromA && l.seg.payload.length > 0);
  t.deepEqual(data.map((l) => l.seg.payload.length), [1, 9]);
});

test('Nagle off: every small write goes at once', (t) => {
  const p = new Pair({ delayMs: 50, a: { nagle: false } });
  open(p);
  for (let i = 0; i < 10; i++) p.a.send(Buffer.from('x'), p.now);
  p.run(p.now + 500, () => Pair.drain(p.b, p.now));
  t.is(p.log.filter((l) => l.fromA && l.seg.payload.length > 0).length, 10);
});

test('delayed ACK: one segment is acknowledged after the delay, two full segments at once (RFC 5681 4.2)', (t) => {
  const p = new Pair({ b: { delayedAck: true, delayedAckMs: 200 }, a: { nagle: false } });
  open(p);
  const t0 = p.now;
  p.a.send(Buffer.from('ping'), p.now);
  p.run(p.now + 1000, () => Pair.drain(p.b, p.now));
  const acks = p.log.filter((l) => !l.fromA && l.seg.ack === L + 5);
  t.is(acks.length, 1);
  t.is(acks[0].t - t0, 10 + 200);
  const t1 = p.now;
  p.a.send(pattern(2920), p.now);
  p.run(p.now + 1000, () => Pair.drain(p.b, p.now));
  const ack2 = p.log.filter((l) => !l.fromA && l.seg.ack === L + 5 + 2920);
  t.is(ack2[0].t - t1, 10, 'the second full-sized segment is acknowledged at once');
});

test('out-of-order segments are held and reassembled; duplicates and overlaps trimmed', (t) => {
  const { c, rec } = established();
  const text = Buffer.from('abcdefghijklmnopqrstuvwxyz');
  const at = (i: number, j: number) => seg({ flags: ACK, seq: R + 1 + i, ack: L + 1, payload: text.subarray(i, j) });
  c.onSegment(at(10, 20), 1);
  t.deepEqual(rec.take().map(brief), [{ flags: '.', seq: L + 1, ack: R + 1, win: 65535, len: 0 }], 'duplicate ACK for the hole');
  c.onSegment(at(5, 15), 2); // overlaps the held run
  c.onSegment(at(18, 26), 3); // overlaps its end
  t.is(c.readable, 0);
  c.onSegment(at(0, 7), 4); // fills the hole
  t.deepEqual(rec.take().map((s) => s.ack).pop(), R + 1 + 26);
  c.onSegment(at(0, 26), 5); // a full duplicate: acknowledged, not delivered twice
  t.is(c.read(100, 6).toString(), text.toString());
  t.is(c.read(100, 6).length, 0);
});

test('a FIN that arrives ahead of missing data waits for it', (t) => {
  const { c, rec } = established();
  c.onSegment(seg({ flags: ACK | FIN, seq: R + 1 + 5, ack: L + 1, payload: Buffer.from('world') }), 1);
  t.is(c.state, 'ESTABLISHED');
  c.onSegment(seg({ flags: ACK, seq: R + 1, ack: L + 1, payload: Buffer.from('hello') }), 2);
  t.is(c.state, 'CLOSE-WAIT');
  t.is(rec.take().pop()!.ack, R + 1 + 11);
  t.is(c.read(100, 3).toString(), 'helloworld');
  t.true(c.eof);
});

test('window scaling, SACK-permitted and timestamps are negotiated with the linux profile (RFC 7323, 2018)', (t) => {
  const p = new Pair({ a: { profile: 'linux', rcvbuf: 1 << 20 }, b: { profile: 'linux', rcvbuf: 1 << 20 } });
  open(p);
  const syn = p.log[0].seg;
  t.deepEqual(syn.options.map((o) => o.kind), ['mss', 'sack-permitted', 'timestamps', 'nop', 'wscale']);
  t.is(p.a.effMss, 1460 - 12, 'timestamps take 12 bytes of each segment');
  const data = pattern(300_000);
  t.true(transfer(p, data).equals(data));
  const maxWin = Math.max(...p.log.filter((l) => !l.fromA && !(l.seg.flags & SYN)).map((l) => l.seg.window));
  t.true(maxWin < 65536 && maxWin * 2 ** 5 >= 1 << 19, `scaled window field ${maxWin}`);
});

test('integrity: 2 MB both ways over 10% loss arrive exactly once and in order', (t) => {
  let n = 0;
  // a fixed pseudo-random drop pattern (LCG) so the test is deterministic
  let x = 12345;
  const p = new Pair({ a: { nagle: false }, b: { nagle: false }, drop: () => { x = (x * 1103515245 + 12345) & 0x7fffffff; n++; return x % 10 === 0; } });
  open(p);
  const ab = pattern(1_000_000);
  const ba = pattern(1_000_000).reverse();
  let offA = 0;
  let offB = 0;
  const gotB: Buffer[] = [];
  const gotA: Buffer[] = [];
  const pump = () => {
    if (offA < ab.length) offA += p.a.send(ab.subarray(offA), p.now);
    else if (p.a.state === 'ESTABLISHED' || p.a.state === 'CLOSE-WAIT') p.a.shutdown(p.now);
    if (offB < ba.length && (p.b.state === 'ESTABLISHED' || p.b.state === 'CLOSE-WAIT')) offB += p.b.send(ba.subarray(offB), p.now);
    else if (offB >= ba.length && (p.b.state === 'ESTABLISHED' || p.b.state === 'CLOSE-WAIT')) p.b.shutdown(p.now);
    gotB.push(Pair.drain(p.b, p.now));
    gotA.push(Pair.drain(p.a, p.now));
  };
  pump();
  p.run(10_000_000, pump);
  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  t.is(sha(Buffer.concat(gotB)), sha(ab));
  t.is(sha(Buffer.concat(gotA)), sha(ba));
  t.is(p.a.state, 'CLOSED');
  t.is(p.b.state, 'CLOSED');
  t.true(n > 1000);
});

test('segments handed in one shared object (as a host takes them) are the same segments, loss, SACK and timestamps included', (t) => {
  const run = (usedAtOnce: boolean) => {
    let x = 777;
    const p = new Pair({
      a: { profile: 'linux', nagle: false }, b: { profile: 'linux' }, usedAtOnce,
      drop: () => { x = (x * 1103515245 + 12345) & 0x7fffffff; return x % 20 === 0; },
    });
    open(p);
    const data = pattern(300_000);
    const got = transfer(p, data, 60_000);
    const log = p.log.map((l) => ({ t: l.t, fromA: l.fromA, dropped: l.dropped, info: l.info, ...l.seg, payload: l.seg.payload.toString('hex') }));
    return { got, log, handed: p.handed.size, segments: p.log.length, data };
  };
  const own = run(false);
  const shared = run(true);
  t.true(shared.got.equals(shared.data));
  // Sharing really happened: the segments with SACK blocks are their own objects, the rest (SYNs too) share two.
  // (A quarter of the segments carry SACK blocks here since the sender's window reduction was fixed in issue 25.)
  t.true(shared.segments > 200 && shared.handed < shared.segments / 3, `${shared.handed} objects for ${shared.segments} segments`);
  t.true(shared.log.some((l) => l.options.some((o) => o.kind === 'sack')) && shared.log.filter((l) => l.dropped).length > 5);
  t.deepEqual(shared.log, own.log);
});

test('header prediction keeps SND.WL1 (RFC 9293 3.10.7.4, fifth): after in-order data, an older segment overlapping it does not set the send window back, with prediction on and off', (t) => {
  for (const predict of [true, false]) {
    const { c, rec } = established({}, 65535, { headerPrediction: predict });
    const text = Buffer.alloc(250, 0x61);
    const at = (i: number, j: number, window: number) => seg({ flags: ACK, seq: R + 1 + i, ack: L + 1, window, payload: text.subarray(i, j) });
    // t=1, t=2: 100 bytes each, in order, acknowledging nothing new, the window as it was: predicted.
    c.onSegment(at(0, 100, 65535), 1);
    c.onSegment(at(100, 200, 65535), 2);
    t.is(c.sndWnd, 65535);
    // t=3: a segment from before the last one (it starts at 50, SND.WL1 is 100) that brings 50 new
    // bytes and an old window: its text is taken, its window is not (SND.WL1 > SEG.SEQ).
    rec.take();
    c.onSegment(at(50, 250, 1000), 3);
    t.deepEqual(rec.take().map(brief), [{ flags: '.', seq: L + 1, ack: R + 1 + 250, win: 65535 - 250, len: 0 }], `prediction ${predict}`);
    t.is(c.sndWnd, 65535, `prediction ${predict}: the window is the newer segment's`);
  }
});
