/**
 * The retransmissions real's output compares (lib/real/retransmits.ts): read from the wire alike on both
 * sides, a segment carrying sequence space below what its connection had already sent.
 */
import test from 'ava';
import { acksLostTo, compareCoverage, compareResends, coverageVerdict, renderCoverage, renderResends, resendsOf } from '../../lib/real/retransmits.ts';
import type { SegmentEvent } from '../../lib/trace/events.ts';

let n = 0;
function tx(t: number, flags: string, rseq: number, len: number, extra: Partial<SegmentEvent> = {}): SegmentEvent {
  n++;
  return {
    t, type: 'segment', event: 'tx', host: 'client', src: '10.0.0.1:40000', dst: '10.0.0.2:80', flags: flags as SegmentEvent['flags'],
    seq: 1000 + rseq, ack: 1, rseq, rack: 1, win: 65535, len, options: [], ...extra,
  };
}

test('a segment starting below the highest sequence sent is a retransmission: SYN, data and FIN alike; pure ACKs and forged segments are not', (t) => {
  const events = [
    tx(0, 'S', 0, 0), tx(1000, 'S', 0, 0), // the SYN again after the initial RTO (RFC 6298 2.1, 5.4)
    tx(1010, '.', 1, 0),
    tx(1020, '.', 1, 1448), tx(1021, '.', 1449, 1448), tx(1022, 'P.', 2897, 100),
    tx(1030, '.', 1, 0), tx(1040, '.', 1449, 1448), // the second segment again (fast retransmit, RFC 5681 3.2)
    tx(1050, 'R', 1449, 0, { forged: true }),
    tx(1100, 'F.', 2997, 0), tx(1400, 'F.', 2997, 0),
  ];
  t.deepEqual(resendsOf(events, 'client').map((r) => `${r.start}:${r.end} ${r.flags} ${r.t}`), ['0:1 S 1000', '1449:2897 . 1040', '2997:2998 F. 1400']);
});

test('model against kernel: the same range is paired in order, the rest is named per side, with the median lag of the pairs', (t) => {
  const model = [tx(0, '.', 1, 1000), tx(1, '.', 1001, 1000), tx(2, '.', 2001, 1000), tx(200, '.', 1001, 1000), tx(400, '.', 2001, 1000)];
  const kernel = [tx(5, '.', 1, 1000), tx(6, '.', 1001, 1000), tx(7, '.', 2001, 1000), tx(230, '.', 1001, 1000), tx(250, '.', 1, 1000)];
  const c = compareResends('client', model, kernel);
  t.deepEqual(c.same.map((p) => [p.model.t, p.kernel.t]), [[200, 230]]);
  t.deepEqual(c.onlyModel.map((r) => r.start), [2001]);
  t.deepEqual(c.onlyKernel.map((r) => r.start), [1]);
  t.deepEqual(renderResends(['client', 'server'], model, kernel), [
    '',
    'retransmissions (each sender\'s segments sent again: relative sequence range, ms)',
    '  client: model 2, kernel 2, the same range on both 1 (the kernel\'s 30 ms after the model\'s, median)',
    '      only the model:  2001:3001 at 400',
    '      only the kernel: 1:1001 at 250',
  ]);
  // Nothing sent again on either side: no section.
  t.deepEqual(renderResends(['client'], model.slice(0, 3), kernel.slice(0, 3)), []);
});

/** The link dropped this segment of the client's (the sender's drop event, as the link traces it). */
const drop = (t: number, rseq: number, len: number) => tx(t, '.', rseq, len, { event: 'drop', reason: 'loss' });

test('as sequence space: two sides that cut the same repair into other segments resent the same space', (t) => {
  // The model resends 1001:3001 as two segments of 1000; the kernel as one of 1500 and one of 500: no range is the same.
  const model = [tx(0, '.', 1, 1000), tx(1, '.', 1001, 1000), drop(1, 1001, 1000), tx(2, '.', 2001, 1000), drop(2, 2001, 1000), tx(3, '.', 3001, 1000),
    tx(200, '.', 1001, 1000), tx(201, '.', 2001, 1000)];
  const kernel = [tx(0, '.', 1, 1000), tx(1, '.', 1001, 1500), drop(1, 1001, 1500), tx(2, '.', 2501, 500), drop(2, 2501, 500), tx(3, '.', 3001, 1000),
    tx(210, '.', 1001, 1500), tx(211, '.', 2501, 500)];
  t.is(compareResends('client', model, kernel).same.length, 0);
  const c = compareCoverage('client', model, kernel);
  t.deepEqual(c, { host: 'client', resent: { model: 2000, kernel: 2000, both: 2000 }, lost: { model: 2000, kernel: 2000, modelResent: 2000, kernelResent: 2000 }, acksLost: { model: 0, kernel: 0 } });
  t.is(coverageVerdict(c), 'same');
});

test('as sequence space: sides that lost other bytes and each resent what it lost are alike; a resend of what was not lost parts them, unless an ACK to it was lost', (t) => {
  // The link's second packet carried 1001:2001 on the model and 1001:2501 on the kernel: each lost and resent its own.
  const model = [tx(0, '.', 1, 1000), tx(1, '.', 1001, 1000), drop(1, 1001, 1000), tx(2, '.', 2001, 1000), tx(200, '.', 1001, 1000)];
  const kernel = [tx(0, '.', 1, 1000), tx(1, '.', 1001, 1500), drop(1, 1001, 1500), tx(2, '.', 2501, 500), tx(200, '.', 1001, 1500)];
  const c = compareCoverage('client', model, kernel);
  t.deepEqual(c.resent, { model: 1000, kernel: 1500, both: 1000 });
  t.is(coverageVerdict(c), 'alike');
  t.deepEqual(renderCoverage(['client'], model, kernel), [
    "  as sequence space (segment boundaries aside; lost = what the link dropped of that side's own packets):",
    '  client: resent model 1000, kernel 1500, both 1000; lost model 1000 (1000 resent), kernel 1500 (1500 resent): each resent what it lost',
  ]);
  // The model sends 2001:3001 again though the link took nothing of it (a spurious retransmission, RFC 5682's subject).
  const spurious = [...model, tx(400, '.', 2001, 1000)];
  const d = compareCoverage('client', spurious, kernel);
  t.deepEqual(d.lost, { model: 1000, kernel: 1500, modelResent: 1000, kernelResent: 1500 });
  t.is(d.resent.model, 2000);
  t.is(coverageVerdict(d), 'differ');
  t.regex(renderCoverage(['client'], spurious, kernel)[1], /resent model 2000, kernel 1500, both 1500; .*: they part$/);
  // The same resend after the link dropped the server's ACK of 2001:3001 on its way to the client: the
  // client had no ACK for it when its RTO fired (RFC 6298 5.4), so that resend is a repair too.
  const ackLost: SegmentEvent = { ...tx(300, '.', 1, 0), host: 'server', src: '10.0.0.2:80', dst: '10.0.0.1:40000', event: 'drop', reason: 'loss' };
  const afterAckLoss = [...model, ackLost, tx(400, '.', 2001, 1000)];
  t.is(acksLostTo(afterAckLoss, 'client'), 1);
  t.is(acksLostTo(afterAckLoss, 'server'), 0);
  const e = compareCoverage('client', afterAckLoss, kernel);
  t.deepEqual(e.acksLost, { model: 1, kernel: 0 });
  t.is(coverageVerdict(e), 'alike');
  t.regex(renderCoverage(['client'], afterAckLoss, kernel)[1], /lost model 1000 \(1000 resent, 1 ACK to it lost\), kernel 1500 \(1500 resent\): each resent what it lost$/);
});
