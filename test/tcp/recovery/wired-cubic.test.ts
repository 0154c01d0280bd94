import test from 'ava';
import { resolveConfig } from '../../../lib/tcp/config.ts';
import { CUBIC_BETA } from '../../../lib/tcp/recovery/cubic.ts';
import type { CubicCongestionControl } from '../../../lib/tcp/cc/cubic.ts';
import { Pair, open, transfer } from '../harness.ts';
import { simBulk } from '../../../lib/bench/sim.ts';

/**
 * CUBIC (RFC 9438), Eifel (RFC 3522) and F-RTO (RFC 5682) in the connection, through lib/tcp/cc's seam: two
 * linux-profile connections back to back, 10 ms one way; with timestamps a segment carries 1448 bytes.
 */
const data = (n: number) => Buffer.alloc(n, 0x5a);

/**
 * A delay spike (RFC 3522 1's cause of a spurious timeout): once `spike.from` is set, a's segments sent from then
 * until `spike.until` are held by the path until `spike.until`, then delivered in order; all others take 10 ms.
 */
function spikePair(a: object, spike: { from: number; until: number }) {
  const p: Pair = new Pair({
    a: { profile: 'linux', nagle: false, ...a },
    b: { profile: 'linux', delayedAck: false },
    drop: (_s, fromA) => {
      p.delayMs = fromA && p.now >= spike.from && p.now < spike.until ? Math.max(10, spike.until - p.now) : 10;
      return false;
    },
  });
  return p;
}

test('The linux profile grows its window with CUBIC (RFC 9438), as Linux does by default; rfc keeps Reno', (t) => {
  t.is(resolveConfig({ profile: 'linux' }).congestionControl, 'cubic');
  t.is(resolveConfig({ profile: 'linux' }).frto, true);
  t.is(resolveConfig({ profile: 'rfc' }).congestionControl, undefined);
  const p = new Pair({ a: { profile: 'linux' }, b: { profile: 'linux' } });
  t.is(p.a.cc.name, 'cubic');
});

test('RFC 9438 4.6: on a loss, ssthresh = 0.7 cwnd; RFC 9438 4.2: the window then climbs back toward W_max', (t) => {
  // The 60th data segment a sends is lost.
  let dataSent = 0;
  let lostSeq: number | undefined;
  let cwndAtLoss = 0;
  const p: Pair = new Pair({
    a: { profile: 'linux', nagle: false, sndbuf: 1 << 22 },
    b: { profile: 'linux', delayedAck: false, rcvbuf: 1 << 22 },
    drop: (s, fromA) => {
      if (!fromA || s.payload.length === 0 || ++dataSent !== 60) return false;
      cwndAtLoss = p.a.cc.cwnd;
      lostSeq = s.seq;
      return true;
    },
  });
  open(p);
  const d = data(1460 * 2000);
  t.true(transfer(p, d).equals(d));
  const rtx = p.log.filter((l) => l.fromA && l.info.retransmit);
  t.deepEqual(rtx.map((l) => l.seg.seq), [lostSeq], 'the one hole, once');
  // W_max is the window when recovery began (slow start went on until the loss was found); ssthresh is 0.7 of it.
  const wMax = (p.a.cc as CubicCongestionControl).state.wMax!;
  t.true(wMax * p.a.cc.mss >= cwndAtLoss, `W_max ${wMax} segments, at least the window when the segment was lost`);
  t.true(Math.abs(p.a.cc.ssthresh - wMax * p.a.cc.mss * CUBIC_BETA) <= 1, `ssthresh ${p.a.cc.ssthresh} = 0.7 W_max`);
  t.true(p.a.cc.cwnd > p.a.cc.ssthresh, `cwnd ${p.a.cc.cwnd} grew past ssthresh ${p.a.cc.ssthresh} again`);
});

test('RFC 3522 2 (Eifel): a timeout caused by a delay spike is undone when the first ACK echoes the original\'s timestamp', (t) => {
  const spike = { from: Infinity, until: 0 };
  const p = spikePair({ frto: false }, spike);
  open(p);
  const d = data(1460 * 60);
  t.true(transfer(p, d.subarray(0, 1460 * 20), 2000).equals(d.subarray(0, 1460 * 20)));
  const cwndBefore = p.a.cc.cwnd;
  Object.assign(spike, { from: p.now, until: p.now + 550 });
  t.true(transfer(p, d.subarray(1460 * 20), 10_000).equals(d.subarray(1460 * 20)));
  const rtx = p.log.filter((l) => l.fromA && l.info.retransmit);
  t.true(rtx.length >= 1 && rtx[0]!.info.why === 'rto', 'the spike made the RTO fire');
  t.is(rtx.filter((l) => l.seg.seq === rtx[0]!.seg.seq).length, 1, 'the head went again once, no go-back-N of the flight');
  t.true(p.a.cc.cwnd >= cwndBefore, `cwnd ${p.a.cc.cwnd} back to at least ${cwndBefore}`);
});

test('RFC 5682 2.1 (F-RTO): after a spurious timeout, two ACKs of new data: new segments go instead of the flight, and the window is restored', (t) => {
  const spike = { from: Infinity, until: 0 };
  const p = spikePair({ timestamps: false, frto: true }, spike);
  open(p);
  const d = data(1460 * 60);
  t.true(transfer(p, d.subarray(0, 1460 * 20), 2000).equals(d.subarray(0, 1460 * 20)));
  const cwndBefore = p.a.cc.cwnd;
  Object.assign(spike, { from: p.now, until: p.now + 550 });
  const sndMaxBefore = p.a.sndMax;
  t.true(transfer(p, d.subarray(1460 * 20), 10_000).equals(d.subarray(1460 * 20)));
  const rtx = p.log.filter((l) => l.fromA && l.info.retransmit);
  t.is(rtx.length, 1, `only the timeout's retransmission of the head (${rtx.map((l) => l.seg.seq).join(", ")})`);
  t.is(rtx[0]!.info.why, 'rto');
  // Step 2b: after the first ACK, the next data segment is new (beyond the highest sent before the timeout).
  const after = p.log.filter((l) => l.fromA && l.seg.payload.length > 0 && l.t > rtx[0]!.t);
  t.true(after.length > 0 && after[0]!.seg.seq - sndMaxBefore >= 0, 'new data after the retransmission');
  t.true(p.a.cc.cwnd >= cwndBefore, `cwnd ${p.a.cc.cwnd} back to at least ${cwndBefore}`);
});

test('A tracer that reads the congestion state changes nothing: the same lossy transfer sends the same segments with and without one', (t) => {
  // PRR sets cwnd when pipe is asked (cwnd = pipe + sndcnt); the send check once read cwnd before asking, so
  // only a run whose tracer asked first reduced its window.
  const run = (tracer: boolean) => simBulk({
    bytes: 1460 * 3000, mss: 1460, buffer: 1 << 22, link: { loss: 0.01, delayMs: 20 }, seed: 3,
    tracer: tracer ? { segment() {}, state() {}, app() {}, congestion() {} } : undefined,
  });
  const a = run(false);
  const b = run(true);
  t.true(a.lost > 0);
  t.deepEqual([a.virtualMs, a.dataSegments, a.packets, a.lost], [b.virtualMs, b.dataSegments, b.packets, b.lost]);
});
