/**
 * Blind in-window attacks on an established connection (RFC 5961; RFC 9293 3.10.7.4 and 3.5.3).
 *
 * The attacker knows the 4-tuple but not the sequence numbers. Against a connection that carries data
 * both ways on virtual time (10 ms one way, each application writing 300 bytes a millisecond and
 * reading all that arrives), it forges 100,000 segments, one every 0.2 ms, half with a sequence number
 * drawn from all 2^32 and half near RCV.NXT (within two windows), so that the in-window rules run
 * thousands of times. For every forged segment the test works out from the victim's state what RFC 5961
 * allows, then requires exactly that answer:
 *
 * - RST (5961 3.2): exactly RCV.NXT resets; elsewhere in the window, a challenge ACK; outside, nothing.
 * - SYN (5961 4.2): a challenge ACK whatever the sequence number; never a reset.
 * - data (5961 5.2; 9293 3.10.7.4): outside the window, a duplicate ACK; in the window with an ACK value
 *   outside [SND.UNA - MAX.SND.WND, SND.MAX], dropped with a challenge ACK.
 * - challenge ACKs: at most 10 in each second of the clock (5961 7); past that, nothing.
 *
 * The one forgery RFC 5961 cannot catch (the exact RST; data both in the window and with an acceptable
 * ACK value, about one chance in 2^32 per try) is drawn again and counted, and its own test below shows
 * that it does get through: the guard is exactly the RFC's, no wider and no narrower. At the end the
 * connection is ESTABLISHED and each application has read exactly the bytes its peer wrote, in order.
 */
import test, { type ExecutionContext } from 'ava';
import type { Connection, TxInfo } from '../../lib/tcp/connection.ts';
import { Random } from '../../lib/sim/random.ts';
import { seqAdd, seqGt, seqInRange, seqLt } from '../../lib/wire/seq.ts';
import { ACK, FIN, PSH, RST, SYN, type TcpSegment } from '../../lib/wire/tcp-types.ts';
import { Pair } from '../tcp/harness.ts';

const TRIES = 100_000;
/** One forged segment every 0.2 ms: 100,000 over 20 s of virtual time. */
const EVERY_MS = 0.2;
const START_MS = 100;
/** Each application writes this many bytes per millisecond of virtual time. */
const APP_BYTES_PER_MS = 300;
const CHALLENGE_ACKS_PER_SECOND = 10;

/** Byte i of a stream: period 251 (prime), so a forged, lost, doubled or shifted byte shows. */
function streamByte(i: number, salt: number): number {
  return (i + salt) % 251;
}

/** One application: writes its stream at a steady rate and checks every byte it reads against the peer's. */
class App {
  written = 0;
  read = 0;
  writing = true;
  firstBad: string | undefined;
  constructor(private readonly c: Connection, private readonly salt: number, private readonly peerSalt: number) {}

  step(now: number): void {
    const due = Math.floor((now - START_MS) * APP_BYTES_PER_MS) - this.written;
    const n = Math.min(due, this.c.sendSpace);
    if (n > 0 && this.writing && this.c.state === 'ESTABLISHED') {
      const b = Buffer.allocUnsafe(n);
      for (let i = 0; i < n; i++) b[i] = streamByte(this.written + i, this.salt);
      this.written += this.c.send(b, now);
    }
    for (;;) {
      const b = this.c.read(Infinity, now);
      if (b.length === 0) break;
      for (let i = 0; i < b.length && this.firstBad === undefined; i++) {
        const want = streamByte(this.read + i, this.peerSalt);
        if (b[i] !== want) this.firstBad = `byte ${this.read + i} is ${b[i]}, the peer wrote ${want}`;
      }
      this.read += b.length;
    }
  }
}

/** What the victim (p.a) looks like to the test, from its public fields and the segments on the wire. */
interface View {
  rcvNxt: number;
  /** RCV.NXT + RCV.WND as last advertised: the right edge of the receive window. */
  rcvEdge: number;
  sndUna: number;
  sndMax: number;
  /** MAX.SND.WND (RFC 5961 5.2): the largest window the real peer offered. */
  maxSndWnd: number;
}

/** RFC 9293 3.10.7.4's acceptability test, written out again here as the oracle. */
function seqAcceptable(seq: number, segLen: number, v: View): boolean {
  const wnd = (v.rcvEdge - v.rcvNxt) >>> 0;
  if (segLen === 0) return wnd === 0 ? seq === v.rcvNxt : seqInRange(seq, v.rcvNxt, v.rcvEdge);
  if (wnd === 0) return false;
  return seqInRange(seq, v.rcvNxt, v.rcvEdge) || seqInRange(seqAdd(seq, segLen - 1), v.rcvNxt, v.rcvEdge);
}

/** RFC 5961 5.2: SND.UNA - MAX.SND.WND <= SEG.ACK <= SND.MAX (SND.MAX standing for SND.NXT after a timeout). */
function ackAcceptable(ack: number, v: View): boolean {
  return !seqGt(ack, v.sndMax) && !seqLt(ack, seqAdd(v.sndUna, -Math.max(v.maxSndWnd, 1)));
}

/** A forged segment and the answer RFC 5961 requires; undefined = the one forgery it cannot catch: draw again. */
type Forgery = { seg: TcpSegment; expect: 'challenge' | 'dupack' | 'nothing'; inWindow: boolean } | undefined;

/** A sequence number: half of the draws from all 2^32, half within two windows of RCV.NXT. */
function blindSeq(rng: Random, v: View, i: number): number {
  if (i % 2 === 0) return rng.uint32();
  const wnd = Math.max(1, (v.rcvEdge - v.rcvNxt) >>> 0);
  return seqAdd(v.rcvNxt, rng.int(4 * wnd) - 2 * wnd);
}

function forged(flags: number, seq: number, ack: number, payload: Buffer = Buffer.alloc(0)): TcpSegment {
  // From the real peer's port to the victim's: the attacker knows the 4-tuple.
  return { srcPort: 80, dstPort: 49152, seq, ack, flags, window: 65535, urgent: 0, options: [], payload };
}

interface Tally {
  tries: number;
  inWindow: number;
  redrawn: number;
  challengeAcks: number;
  dupAcks: number;
  /** Challenge ACKs per second of the clock. */
  perSecond: Map<number, number>;
  wall: number;
  bytes: [number, number];
}

/**
 * Run the connection pair and the attack; `forge` makes each forged segment from the victim's view.
 * Every answer is checked as it happens; returns the counts for the final assertions and the log.
 */
function attack(t: ExecutionContext, forge: (rng: Random, v: View, i: number) => Forgery, seed: number): Tally {
  const started = performance.now();
  const p = new Pair({ delayMs: 10 });
  p.b.listen(0);
  p.a.connect(0);
  p.run(START_MS);
  t.is(p.a.state, 'ESTABLISHED');
  const victim = p.a;
  const appA = new App(p.a, 0, 100);
  const appB = new App(p.b, 100, 0);
  const rng = new Random(seed);
  const view: View = { rcvNxt: 0, rcvEdge: 0, sndUna: 0, sndMax: 0, maxSndWnd: 0 };
  const tally: Tally = { tries: 0, inWindow: 0, redrawn: 0, challengeAcks: 0, dupAcks: 0, perSecond: new Map(), wall: 0, bytes: [0, 0] };
  const countChallenges = (out: { seg: TcpSegment; info: TxInfo; t: number }[]) => {
    for (const o of out) {
      if (o.info.why !== 'challenge-ack') continue;
      tally.challengeAcks++;
      const s = Math.floor(o.t / 1000);
      tally.perSecond.set(s, (tally.perSecond.get(s) ?? 0) + 1);
    }
  };
  /** Read what both ends sent since last time: the victim's window edge and the peer's largest window. */
  const observe = () => {
    for (const o of p.ra.out) if (o.seg.flags & ACK && seqGt(seqAdd(o.seg.ack, o.seg.window), view.rcvEdge)) view.rcvEdge = seqAdd(o.seg.ack, o.seg.window);
    for (const o of p.rb.out) view.maxSndWnd = Math.max(view.maxSndWnd, o.seg.window);
    countChallenges(p.ra.out);
    p.ra.out = [];
    p.rb.out = [];
    p.log = [];
    view.rcvNxt = victim.rcvNxt;
    view.sndUna = victim.sndUna;
    view.sndMax = victim.sndMax;
  };
  view.rcvEdge = victim.rcvNxt;
  observe();

  let failures = 0;
  for (let i = 0; i < TRIES; i++) {
    const at = START_MS + i * EVERY_MS;
    p.run(at);
    appA.step(p.now);
    appB.step(p.now);
    observe();
    let f = forge(rng, view, i);
    while (f === undefined) {
      tally.redrawn++;
      f = forge(rng, view, i);
    }
    tally.tries++;
    if (f.inWindow) tally.inWindow++;
    const second = Math.floor(p.now / 1000);
    const budgetLeft = (tally.perSecond.get(second) ?? 0) < CHALLENGE_ACKS_PER_SECOND;
    const rcvNxtBefore = victim.rcvNxt;
    victim.onSegment(f.seg, p.now);
    const answer = p.ra.out.map((o) => ({ flags: o.seg.flags, seq: o.seg.seq, ack: o.seg.ack, len: o.seg.payload.length, why: o.info.why }));
    const bareAck = { flags: ACK, seq: victim.sndMax, ack: victim.rcvNxt, len: 0 };
    let want: object[] = [];
    if (f.expect === 'challenge' && budgetLeft) want = [{ ...bareAck, why: 'challenge-ack' }];
    if (f.expect === 'dupack') want = [{ ...bareAck, why: undefined }];
    if (f.expect === 'dupack' && answer.length === 1) tally.dupAcks++;
    const ok = victim.state === 'ESTABLISHED' && victim.rcvNxt === rcvNxtBefore && JSON.stringify(answer) === JSON.stringify(want);
    if (!ok && failures++ < 3) {
      t.fail(`at ${p.now} ms, forged ${JSON.stringify({ flags: f.seg.flags, seq: f.seg.seq, ack: f.seg.ack, len: f.seg.payload.length })} with RCV.NXT ${rcvNxtBefore}: state ${victim.state}, answered ${JSON.stringify(answer)}, expected ${JSON.stringify(want)}`);
    }
    observe();
  }
  // Let the last forgeries' answers and the data in flight settle, still writing and reading.
  for (let at = p.now + 1, end = p.now + 3000; at < end; at += 1) {
    p.run(at);
    appA.step(p.now);
    appB.step(p.now);
  }
  // Then the writers stop and everything written is read.
  appA.writing = appB.writing = false;
  for (let at = p.now + 1, end = p.now + 5000; at < end; at += 1) {
    p.run(at);
    appA.step(p.now);
    appB.step(p.now);
  }
  observe();
  t.is(failures, 0, `${failures} forged segments got an answer RFC 5961 does not allow`);
  t.is(victim.state, 'ESTABLISHED');
  t.is(p.b.state, 'ESTABLISHED');
  t.is(appA.firstBad, undefined, 'victim read exactly what its peer wrote');
  t.is(appB.firstBad, undefined, 'peer read exactly what the victim wrote');
  t.is(appA.read, appB.written, 'every byte the peer wrote reached the victim, once');
  t.is(appB.read, appA.written, 'every byte the victim wrote reached the peer, once');
  t.true(appA.read > 5_000_000 && appB.read > 5_000_000, `data flowed both ways during the attack: ${appA.read} and ${appB.read} bytes`);
  const worst = Math.max(0, ...tally.perSecond.values());
  t.true(worst <= CHALLENGE_ACKS_PER_SECOND, `at most ${CHALLENGE_ACKS_PER_SECOND} challenge ACKs in any second of the clock, saw ${worst}`);
  tally.wall = performance.now() - started;
  tally.bytes = [appA.read, appB.read];
  t.log(`${tally.tries} forged (${tally.inWindow} in the window, ${tally.redrawn} exact guesses drawn again); ${tally.challengeAcks} challenge ACKs (most in one second: ${worst}), ${tally.dupAcks} duplicate ACKs; ${appA.read} + ${appB.read} bytes delivered intact; ${tally.wall.toFixed(0)} ms`);
  return tally;
}

test('100,000 blind RSTs: only RCV.NXT exactly would reset; in the window a rate-limited challenge ACK, outside nothing (RFC 5961 3.2)', (t) => {
  const tally = attack(t, (rng, v, i) => {
    const seq = blindSeq(rng, v, i);
    if (seq === v.rcvNxt) return undefined;
    const inWindow = seqAcceptable(seq, 0, v);
    // RST alone, or RST with an ACK of some value: RFC 5961 3.2 looks at the sequence number only.
    const flags = i % 4 === 1 ? RST | ACK : RST;
    return { seg: forged(flags, seq, rng.uint32()), expect: inWindow ? 'challenge' : 'nothing', inWindow };
  }, 5961_32);
  t.true(tally.inWindow > 10_000, `the in-window rule ran ${tally.inWindow} times`);
  t.true(tally.challengeAcks >= 200, `the rate limit was reached: ${tally.challengeAcks} challenge ACKs in 20 s`);
});

test('100,000 blind SYNs: a rate-limited challenge ACK whatever the sequence number, never a reset (RFC 5961 4.2)', (t) => {
  const tally = attack(t, (rng, v, i) => {
    const seq = blindSeq(rng, v, i);
    // A SYN, or a SYN,ACK as a reflection might carry: both are answered the same way.
    const flags = i % 4 === 1 ? SYN | ACK : SYN;
    return { seg: forged(flags, seq, rng.uint32()), expect: 'challenge', inWindow: seqAcceptable(seq, 1, v) };
  }, 5961_42);
  t.true(tally.inWindow > 10_000, `SYNs in the window: ${tally.inWindow}`);
  t.true(tally.challengeAcks >= 200, `the rate limit was reached: ${tally.challengeAcks} challenge ACKs in 20 s`);
});

test('100,000 blind data segments with random ACK values: none is taken; in the window a challenge ACK, outside a duplicate ACK (RFC 5961 5.2)', (t) => {
  const tally = attack(t, (rng, v, i) => {
    const len = 1 + rng.int(64);
    const seq = blindSeq(rng, v, i);
    const ack = rng.uint32();
    const inWindow = seqAcceptable(seq, len, v);
    // In the window with an acceptable ACK value: the forgery RFC 5961 accepts (about 2^-16 of the in-window draws).
    if (inWindow && ackAcceptable(ack, v)) return undefined;
    const payload = Buffer.alloc(len, 0xee);
    const flags = i % 8 === 3 ? ACK | PSH | FIN : ACK | PSH;
    return { seg: forged(flags, seq, ack, payload), expect: inWindow ? 'challenge' : 'dupack', inWindow };
  }, 5961_52);
  t.true(tally.inWindow > 10_000, `data in the window: ${tally.inWindow}`);
  t.true(tally.dupAcks > 50_000, `duplicate ACKs for data outside the window: ${tally.dupAcks}`);
});

// ------------------------------------------------------------------ the exact guesses

/** An established pair with data flowing, at time 1000 ms. */
function flowing() {
  const p = new Pair({ delayMs: 10 });
  p.b.listen(0);
  p.a.connect(0);
  p.run(START_MS);
  const appA = new App(p.a, 0, 100);
  const appB = new App(p.b, 100, 0);
  for (let at = START_MS + 1; at <= 1000; at++) {
    p.run(at);
    appA.step(p.now);
    appB.step(p.now);
  }
  p.ra.out = [];
  return { p, appA, appB };
}

test('the exact guess: a RST at exactly RCV.NXT resets the connection, ECONNRESET (RFC 5961 3.2, RFC 9293 3.10.7.4)', (t) => {
  const { p } = flowing();
  p.a.onSegment(forged(RST, p.a.rcvNxt, 0), p.now);
  t.is(p.a.state, 'CLOSED');
  t.deepEqual(p.ra.errors(), ['ECONNRESET']);
  t.deepEqual(p.ra.out, [], 'nothing answers a RST');
});

test('a SYN at exactly RCV.NXT is no exact guess: challenge ACK, still ESTABLISHED (RFC 5961 4.2)', (t) => {
  const { p } = flowing();
  p.a.onSegment(forged(SYN, p.a.rcvNxt, 0), p.now);
  t.is(p.a.state, 'ESTABLISHED');
  t.deepEqual(p.ra.out.map((o) => [o.seg.flags, o.seg.seq, o.seg.ack, o.info.why]), [[ACK, p.a.sndMax, p.a.rcvNxt, 'challenge-ack']]);
});

test('the exact guess: data at RCV.NXT with an ACK value in [SND.UNA - MAX.SND.WND, SND.MAX] is taken, as RFC 5961 5.2 allows', (t) => {
  const { p, appA } = flowing();
  const before = appA.read;
  p.a.onSegment(forged(ACK | PSH, p.a.rcvNxt, p.a.sndUna, Buffer.from([0xee, 0xee, 0xee])), p.now);
  appA.step(p.now);
  t.is(p.a.state, 'ESTABLISHED');
  t.is(appA.read, before + 3, 'the forged bytes reached the application');
  t.truthy(appA.firstBad, 'and the stream check sees them');
});
