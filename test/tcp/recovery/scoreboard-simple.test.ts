import test from 'ava';
import fc from 'fast-check';
import { Scoreboard, type AckUpdate } from '../../../lib/tcp/recovery/scoreboard.ts';

/**
 * The scoreboard keeps a sender without loss in its simple form (plain segments in a ring, no records) and
 * makes records only when something needs them. That must change nothing: every operation gives the same
 * answer as on a scoreboard made to keep records throughout (its simple form switched off). Random
 * senders: new data, cumulative ACKs at and inside segments, SACK blocks, D-SACKs, retransmissions,
 * timeouts and spurious ones, recovery (RFC 6675 5), near the 2^32 wrap.
 */
const MSS = 1000;

type Op =
  | { kind: 'send'; segs: number; short: boolean }
  | { kind: 'ack'; segs: number; inside: boolean; sack: Array<[number, number]> }
  | { kind: 'rtx'; seg: number }
  | { kind: 'rto' }
  | { kind: 'unmark' }
  | { kind: 'enter' };

/** SACK blocks, in segments from SND.UNA: none on most ACKs (so that flights also end and the simple form returns). */
const blocks = fc.oneof(
  { weight: 3, arbitrary: fc.constant([] as Array<[number, number]>) },
  { weight: 2, arbitrary: fc.array(fc.tuple(fc.integer({ min: -2, max: 8 }), fc.integer({ min: 1, max: 3 })), { minLength: 1, maxLength: 3 }).map((b) => b.map(([s, n]) => [s, s + n] as [number, number])) },
);

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('send' as const), segs: fc.integer({ min: 1, max: 4 }), short: fc.boolean() }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('ack' as const), segs: fc.integer({ min: 0, max: 3 }), inside: fc.boolean(), sack: blocks }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('rtx' as const), seg: fc.integer({ min: 0, max: 6 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'rto' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'unmark' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'enter' as const }) },
);

/** What an AckUpdate says, as plain data (its arrays are reused by the next ACK). */
function view(u: AckUpdate) {
  const rec = (s: { seq: number; end: number; xmitMs: number; xmitOrder: number; retransmitted: boolean }) => [s.seq, s.end, s.xmitMs, s.xmitOrder, s.retransmitted];
  return { cum: u.cumAckedBytes, delivered: u.deliveredBytes, sackedBytes: u.newlySackedBytes, dsack: u.dsack, acked: u.newlyAcked.slice(0, u.ackedCount).map(rec), sacked: u.newlySacked.slice(0, u.sackedCount).map(rec) };
}

function state(sb: Scoreboard) {
  return { una: sb.sndUna, nxt: sb.sndNxt, pipe: sb.pipe(), count: sb.count, sacked: sb.sackedBytes, lost: sb.lostBytes(), reordering: sb.reordering, owed: sb.firstOwed()?.seq };
}

test('the simple form answers every operation as records would', (t) => {
  fc.assert(
    fc.property(fc.constantFrom(1000, 0xffffffff - 3500), fc.array(op, { maxLength: 60 }), (iss, ops) => {
      const a = new Scoreboard(MSS, iss);
      const b = new Scoreboard(MSS, iss, undefined, undefined, false);
      let now = 0;
      const rel = (k: number) => (iss + k * MSS) >>> 0;
      for (const o of ops) {
        now += 1;
        const sent = ((a.sndNxt - iss) >>> 0) / MSS;
        if (o.kind === 'send') {
          for (let i = 0; i < o.segs; i++) {
            const len = o.short && i === o.segs - 1 ? MSS / 2 : MSS;
            a.onTransmit(a.sndNxt, len, now);
            b.onTransmit(b.sndNxt, len, now);
          }
        } else if (o.kind === 'ack') {
          const una = ((a.sndUna - iss) >>> 0) / MSS;
          let ack = rel(Math.min(sent, una + o.segs));
          if (o.inside && seqBefore(ack, a.sndNxt)) ack = (ack + 300) >>> 0;
          const blocks = o.sack.map(([l, r]) => [rel(una + l), rel(una + r)] as [number, number]);
          const ua = view(a.onAck(ack, blocks));
          const ub = view(b.onAck(ack, blocks));
          if (JSON.stringify(ua) !== JSON.stringify(ub)) return false;
        } else if (o.kind === 'rtx') {
          const una = ((a.sndUna - iss) >>> 0) / MSS;
          if (una + o.seg < sent) {
            a.onTransmit(rel(una + o.seg), MSS, now);
            b.onTransmit(rel(una + o.seg), MSS, now);
          }
        } else if (o.kind === 'rto') {
          a.onRto(true);
          b.onRto(true);
        } else if (o.kind === 'unmark') {
          // A timeout found spurious (RFC 3522): retransmitted segments stay retransmitted, none lost.
          a.unmarkLost();
          b.unmarkLost();
        } else if (a.mayEnterRecovery()) {
          a.enterRecovery();
          b.enterRecovery();
        } else if (a.maybeExitRecovery() !== b.maybeExitRecovery()) {
          return false;
        }
        if (JSON.stringify(state(a)) !== JSON.stringify(state(b))) return false;
      }
      return JSON.stringify(a.segments) === JSON.stringify(b.segments);
    }),
    { numRuns: 400, seed: 20261208 },
  );
  t.pass();
});

test('a segment sent again is acknowledged as retransmitted, after a spurious timeout too', (t) => {
  // Four segments; the third is sent again; the timeout proves spurious (RFC 3522), so nothing is lost. RACK
  // must still see it as retransmitted when it is acknowledged (RFC 8985 6.2 step 2, Karn's ambiguity).
  const a = new Scoreboard(MSS, 1000);
  const b = new Scoreboard(MSS, 1000, undefined, undefined, false);
  for (const sb of [a, b]) {
    for (let i = 0; i < 4; i++) sb.onTransmit(sb.sndNxt, MSS, 1);
    sb.onTransmit(3000, MSS, 2);
    sb.onRto(true);
    sb.unmarkLost();
    sb.onAck(3000, []);
  }
  t.true(a.hasRecords);
  const ua = a.onAck(4000, []);
  const ub = b.onAck(4000, []);
  t.deepEqual(ua.newlyAcked.slice(0, ua.ackedCount).map((r) => [r.seq, r.retransmitted]), [[3000, true]]);
  t.deepEqual(view(ua), view(ub));
  t.is(a.pipe(), b.pipe());
});

test('a sender without loss never makes a record: 10,000 segments sent and acknowledged two at a time', (t) => {
  const sb = new Scoreboard(MSS, 1000);
  let made = 0;
  // Records are made from the ring by materialize (the simple form's only way out).
  const proto = Object.getPrototypeOf(sb) as { materialize(): void };
  const orig = proto.materialize;
  proto.materialize = function (this: Scoreboard) { made++; orig.call(this); };
  try {
    for (let i = 0; i < 180; i++) sb.onTransmit(sb.sndNxt, MSS, 0);
    for (let k = 0; k < 5000; k++) {
      const u = sb.onAck((sb.sndUna + 2 * MSS) >>> 0, []);
      t.is(u.cumAckedBytes, 2 * MSS);
      sb.onTransmit(sb.sndNxt, MSS, k);
      sb.onTransmit(sb.sndNxt, MSS, k);
      if (sb.pipe() !== 180 * MSS) t.fail(`pipe ${sb.pipe()}`);
    }
  } finally {
    proto.materialize = orig;
  }
  t.is(made, 0);
  t.is(sb.count, 180);
});

function seqBefore(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}
