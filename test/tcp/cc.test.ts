/**
 * The seam for congestion control and loss recovery (lib/tcp/cc): modules chosen by name from the config,
 * told of every ACK (with its SACK blocks), every data segment sent and every RTO, and asked what to send
 * again and why.
 */
import test from 'ava';
import { LOCAL_ISS, Pair } from './harness.ts';
import { resolveConfig, TcpConfigError } from '../../lib/tcp/config.ts';
import { registerLossRecovery } from '../../lib/tcp/cc/registry.ts';
import { NewRenoRecovery } from '../../lib/tcp/cc/newreno.ts';
import type { AckSample, CcParams, CongestionControl, Retransmission, SackBlock } from '../../lib/tcp/cc/types.ts';

const L = LOCAL_ISS;

/** NewReno, recording what the connection tells it, giving its retransmissions a reason of its own. */
class Recording extends NewRenoRecovery {
  static last: Recording | undefined;
  sacks: SackBlock[][] = [];
  sent: [seq: number, len: number, retransmit: boolean][] = [];
  rtos = 0;
  constructor(p: CcParams, cc: CongestionControl) {
    super(p, cc);
    Recording.last = this;
  }
  override onAck(a: AckSample) {
    if (a.sackBlocks.length > 0) this.sacks.push(a.sackBlocks.map(([l, r]) => [l, r] as const));
    return super.onAck(a);
  }
  override nextRetransmission(sndUna: number, sndNxt: number): Retransmission | undefined {
    const r = super.nextRetransmission(sndUna, sndNxt);
    return r && { ...r, why: `recording ${sndNxt > sndUna ? 'with' : 'without'} flight` };
  }
  override onTransmit(seq: number, len: number, retransmit: boolean) {
    this.sent.push([seq, len, retransmit]);
  }
  override onRto(sndMax: number, now: number) {
    this.rtos++;
    super.onRto(sndMax, now);
  }
}
registerLossRecovery('recording', (p, cc) => new Recording(p, cc));

function run(lost: Set<number>, profile: 'rfc' | 'linux') {
  const p = new Pair({ a: { initialWindow: 10, nagle: false, profile, lossRecovery: 'recording' }, b: { delayedAck: false, profile }, drop: (s, fromA) => fromA && lost.delete(s.seq) });
  p.b.listen(0);
  p.a.connect(0);
  p.run(100);
  const data = Buffer.alloc(1460 * 10, 7);
  p.a.send(data, p.now);
  p.run(600_000, () => Pair.drain(p.b, p.now));
  return p;
}

test('a connection gets Reno and NewReno unless its config names others', (t) => {
  const p = new Pair();
  t.is(p.a.cc.name, 'reno');
  t.is(p.a.recovery.name, 'newreno');
});

test('an unregistered module is a configuration error naming the registered ones', (t) => {
  const e = t.throws(() => resolveConfig({ lossRecovery: 'nonesuch' }), { instanceOf: TcpConfigError });
  t.is(e?.key, 'lossRecovery');
  t.regex(e?.hint ?? '', /newreno/);
  t.throws(() => resolveConfig({ congestionControl: 'nonesuch' }), { instanceOf: TcpConfigError });
});

test('the recovery module named in the config sees each ACK\'s SACK blocks and each data segment sent, and its reason marks its retransmissions', (t) => {
  // The linux profile agrees on timestamps, which take 12 bytes of each segment (RFC 7323 3).
  const mss = 1448;
  const hole = L + 1 + mss * 2;
  const p = run(new Set([hole]), 'linux');
  const r = Recording.last!;
  t.is(p.a.recovery, r);
  // RFC 2018 3: the receiver reports the block above the hole in each duplicate ACK, growing.
  t.true(r.sacks.length >= 3);
  t.deepEqual(r.sacks[0], [[hole + mss, hole + 2 * mss]]);
  t.deepEqual(r.sacks[2], [[hole + mss, hole + 4 * mss]]);
  // Every data segment a sent, retransmission included, was reported with its sequence range.
  const dataSent = p.log.filter((l) => l.fromA && l.seg.payload.length > 0).map((l) => [l.seg.seq, l.seg.payload.length, l.info.retransmit]);
  t.deepEqual(r.sent, dataSent);
  const rtx = p.log.filter((l) => l.fromA && l.info.retransmit);
  t.deepEqual(rtx.map((l) => [l.seg.seq, l.info.why]), [[hole, 'recording with flight']]);
  t.is(r.rtos, 0);
});

test('an RTO is reported to the recovery module', (t) => {
  // The whole first flight but its first segment lost, and no duplicates to recover it with: a timeout.
  const lost = new Set(Array.from({ length: 9 }, (_, i) => L + 1 + 1460 * (i + 1)));
  const p = run(lost, 'rfc');
  t.true(Recording.last!.rtos >= 1);
  t.true(p.log.some((l) => l.fromA && l.info.why === 'rto'));
});
