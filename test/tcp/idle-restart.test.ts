import test from 'ava';
import { restartAfterIdle } from '../../lib/tcp/idle-restart.ts';
import { CubicCongestionControl } from '../../lib/tcp/cc/cubic.ts';
import { resolveConfig, type TcpConfigInput } from '../../lib/tcp/config.ts';
import { ACK, LOCAL_ISS, REMOTE_ISS, brief, established, seg } from './harness.ts';

/**
 * Restart after idle (RFC 5681 4.1): "TCP SHOULD set cwnd to no more than RW before beginning transmission if
 * the TCP has not sent data in an interval exceeding the retransmission timeout", RW = min(IW, cwnd). The
 * linux profile does it as Linux does with net.ipv4.tcp_slow_start_after_idle = 1 (tcp_cwnd_restart): cwnd
 * halves once for each RTO of idle beyond the first, and never goes below RW.
 *
 * The stories: an active open at t=0 whose SYN-ACK comes at t=10 (RTT 10 ms, so the linux profile's RTO is
 * 210 ms), MSS 1460, the peer's window 65535 (44 segments). At t=20 the application writes 30 segments: 10
 * leave (IW 10). The ACK of those at t=30 makes cwnd 20 and the other 20 leave: the last data sent is at t=30.
 * The ACK of all 30 at t=40 makes cwnd 40, and nothing more is written until the test says so.
 */
const MSS = 1460;
const seg1 = LOCAL_ISS + 1;

function warmed(config: TcpConfigInput = {}) {
  const x = established({ profile: 'linux', nagle: false, sndbuf: 1 << 20, ...config });
  x.c.send(Buffer.alloc(30 * MSS), 20);
  if (x.rec.take().length !== 10) throw new Error('IW 10 expected');
  x.c.onSegment(seg({ flags: ACK, seq: REMOTE_ISS + 1, ack: seg1 + 10 * MSS }), 30);
  if (x.rec.take().length !== 20) throw new Error('cwnd 20 expected');
  x.c.onSegment(seg({ flags: ACK, seq: REMOTE_ISS + 1, ack: seg1 + 30 * MSS }), 40);
  return x;
}

/** Write 44 segments (all the peer's window takes) at `t` and return what leaves at once: segments, and their first and last byte. */
function writeAt(x: ReturnType<typeof warmed>, t: number) {
  x.c.send(Buffer.alloc(44 * MSS), t);
  const out = x.rec.take().map(brief);
  return { segments: out.length, cwndSegs: x.c.cc.cwnd / MSS, first: out[0]?.seq, last: out.length ? out[out.length - 1].seq + MSS : undefined };
}

test('the story starts as said: cwnd 40 segments, RTO 210 ms, ssthresh not yet set', (t) => {
  const x = warmed();
  t.is(x.c.cc.cwnd, 40 * MSS);
  t.is(x.c.rtt.rtoMs, 210);
  t.is(x.c.cc.ssthresh, 0x7fffffff);
});

test('RFC 5681 4.1, linux: at t=345, 315 ms (1.5 RTO) after the last data, a write sends 20 segments: cwnd halved once', (t) => {
  const x = warmed();
  t.deepEqual(writeAt(x, 345), { segments: 20, cwndSegs: 20, first: seg1 + 30 * MSS, last: seg1 + 50 * MSS });
  // Linux's tcp_current_ssthresh: at least 3/4 of the cwnd before the cut (here the initial, higher ssthresh stays).
  t.is(x.c.cc.ssthresh, 0x7fffffff);
});

test('RFC 5681 4.1, linux: at t=660 (idle 630 ms, 3 RTOs) cwnd halves twice, 40 to 20 to 10 = RW, and 10 segments leave', (t) => {
  const x = warmed();
  t.deepEqual(writeAt(x, 660), { segments: 10, cwndSegs: 10, first: seg1 + 30 * MSS, last: seg1 + 40 * MSS });
});

test('RFC 5681 4.1: never below RW = min(IW, cwnd): after 10 s of idle, still the 10 segments of IW', (t) => {
  const x = warmed();
  t.is(writeAt(x, 10_030).segments, 10);
});

test('RFC 5681 4.1: "exceeding the retransmission timeout": idle of exactly one RTO (t=240) keeps cwnd 40', (t) => {
  const x = warmed();
  t.deepEqual(writeAt(x, 240), { segments: 40, cwndSegs: 40, first: seg1 + 30 * MSS, last: seg1 + 70 * MSS });
});

test('slow-start-after-idle: false (tcp_slow_start_after_idle=0): after 2 s of idle all 40 segments of cwnd leave', (t) => {
  const x = warmed({ slowStartAfterIdle: false });
  t.is(writeAt(x, 2030).segments, 40);
});

test('the linux profile has it on (Linux default 1); the rfc profile leaves it off unless asked', (t) => {
  t.is(resolveConfig({ profile: 'linux' }).slowStartAfterIdle, true);
  t.is(resolveConfig({ profile: 'rfc' }).slowStartAfterIdle, undefined);
});

test('RFC 5681 4.1, linux: a window that reopens after an idle spell restarts too (Linux asks on a window update with data waiting)', (t) => {
  const x = established({ profile: 'linux', nagle: false, sndbuf: 1 << 20 });
  x.c.send(Buffer.alloc(30 * MSS), 20);
  x.rec.take();
  x.c.onSegment(seg({ flags: ACK, seq: REMOTE_ISS + 1, ack: seg1 + 10 * MSS }), 30);
  x.rec.take();
  // t=40: all 30 acknowledged, but the peer's window is closed; 44 more segments wait.
  x.c.onSegment(seg({ flags: ACK, seq: REMOTE_ISS + 1, ack: seg1 + 30 * MSS, window: 0 }), 40);
  x.c.send(Buffer.alloc(44 * MSS), 40);
  t.deepEqual(x.rec.take(), []);
  // Zero-window probes carry no data (RFC 9293 3.8.6.1 as Linux sends them), so they do not end the idle spell.
  for (let d = x.c.nextDeadline(); d !== undefined && d < 1000; d = x.c.nextDeadline()) x.c.onTimer(d);
  t.true(x.rec.take().every((s) => s.payload.length === 0));
  t.is(x.c.cc.cwnd, 40 * MSS);
  // t=1000: the window opens, 970 ms after the last data: 40 -> 20 -> 10 (RW): 10 segments leave.
  x.c.onSegment(seg({ flags: ACK, seq: REMOTE_ISS + 1, ack: seg1 + 30 * MSS, window: 65535 }), 1000);
  const out = x.rec.take().filter((s) => s.payload.length > 0);
  t.is(out.length, 10);
  t.is(out[0].seq, seg1 + 30 * MSS);
});

test('RFC 5681 4.1, rfc profile with the setting on: cwnd = RW = min(IW, cwnd) at once, ssthresh untouched', (t) => {
  // IW 3 (RFC 5681 3.1), RTO at least 1 s (RFC 6298 2.4). Each segment ACKed alone: slow start adds one per ACK.
  const x = established({ profile: 'rfc', nagle: false, delayedAck: false, sndbuf: 1 << 20, slowStartAfterIdle: true });
  x.c.send(Buffer.alloc(9 * MSS), 20);
  let acked = 0;
  let now = 30;
  while (acked < 9) {
    const sent = x.rec.take().length;
    for (let i = 0; i < sent; i++) x.c.onSegment(seg({ flags: ACK, seq: REMOTE_ISS + 1, ack: seg1 + ++acked * MSS }), now);
    now += 10;
  }
  const before = { cwnd: x.c.cc.cwnd, ssthresh: x.c.cc.ssthresh };
  t.is(before.cwnd, 12 * MSS);
  t.is(x.c.rtt.rtoMs, 1000);
  // The last data left at t=40 (the 3rd to 9th segments went out at t=30 and t=40). At t=1100, idle 1060 ms > 1 RTO.
  x.c.send(Buffer.alloc(20 * MSS), 1100);
  t.is(x.rec.take().length, 3);
  t.is(x.c.cc.cwnd, 3 * MSS);
  t.is(x.c.cc.ssthresh, before.ssthresh);
});

test('restartAfterIdle, Linux arithmetic: packetdrill slow-start-after-idle\'s numbers (cwnd 36, idle 2.1 s, RTO 300 ms: 36 -> 18 -> 9, so RW 10)', (t) => {
  const p = { cwnd: 36_000, ssthresh: 0x7fffffff, mss: 1000, initialWindowSegs: 10, rtoMs: 300, linux: true, inReduction: false };
  t.deepEqual(restartAfterIdle({ ...p, idleMs: 2100 }), { cwnd: 10_000, ssthresh: 0x7fffffff });
  t.is(restartAfterIdle({ ...p, idleMs: 300 }), undefined);
  t.deepEqual(restartAfterIdle({ ...p, idleMs: 301 }), { cwnd: 18_000, ssthresh: 0x7fffffff });
  // ssthresh rises to 3/4 of cwnd (in segments: 36/2 + 36/4 = 27) when it was lower, except in a reduction.
  t.deepEqual(restartAfterIdle({ ...p, ssthresh: 20_000, idleMs: 301 }), { cwnd: 18_000, ssthresh: 27_000 });
  t.deepEqual(restartAfterIdle({ ...p, ssthresh: 20_000, idleMs: 301, inReduction: true }), { cwnd: 18_000, ssthresh: 20_000 });
  // A cwnd already below IW stays: RW = min(IW, cwnd).
  t.deepEqual(restartAfterIdle({ ...p, cwnd: 4000, idleMs: 5000 }), { cwnd: 4000, ssthresh: 0x7fffffff });
});

test('RFC 9438 5.8: CUBIC does not count an idle spell as time on its curve: the epoch moves on by it, never past now', (t) => {
  const cc = new CubicCongestionControl({ mss: 1000, initialWindow: 10, iss: 0, profile: 'linux' });
  const c = (cc as unknown as { c: { epochMs: number | undefined } }).c;
  cc.onTxStart(500, 1000);
  t.is(c.epochMs, undefined, 'no epoch yet: nothing to move');
  c.epochMs = 100;
  cc.onTxStart(500, 1000);
  t.is(c.epochMs, 600);
  cc.onTxStart(5000, 1000);
  t.is(c.epochMs, 1000);
});
