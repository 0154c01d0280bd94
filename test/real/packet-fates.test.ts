/**
 * Each sender's packets in order, model against kernel, and what the link dropped of them (lib/real/packet-fates.ts):
 * the n-th packet of a direction meets the n-th fate on both sides, so a drop hits the same segment on both
 * exactly where the two sent the same n-th packet.
 */
import test from 'ava';
import { comparePacketFates, renderPacketFates, sameDrop } from '../../lib/real/packet-fates.ts';
import type { SegmentEvent } from '../../lib/trace/events.ts';

function seg(event: 'tx' | 'drop', t: number, flags: string, rseq: number, len: number, extra: Partial<SegmentEvent> = {}): SegmentEvent {
  return {
    t, type: 'segment', event, host: 'client', src: '10.0.0.1:40000', dst: '10.0.0.2:80', flags: flags as SegmentEvent['flags'],
    seq: 1000 + rseq, ack: 1, rseq, rack: 1, win: 65535, len, options: [], ...extra,
  };
}
/** A packet sent, and dropped on the link when `lost`. */
const sent = (t: number, flags: string, rseq: number, len: number, lost = false, extra: Partial<SegmentEvent> = {}) =>
  lost ? [seg('tx', t, flags, rseq, len, extra), seg('drop', t, flags, rseq, len, extra)] : [seg('tx', t, flags, rseq, len, extra)];

test('the third packet is dropped on both sides: where both sent the same segment there, it is the same loss; after a short segment on one side, the fifth fate hits other bytes', (t) => {
  // The model's third packet is the same 1448 bytes as the kernel's; then the model sends 375 bytes where the kernel sends 1448
  // (issue 31's short segment), so its fifth packet carries 4720:6168 and the kernel's 5793:7241.
  const model = [...sent(0, '.', 1, 1448), ...sent(0, '.', 1449, 1448), ...sent(0, '.', 2897, 1448, true), ...sent(0, 'P.', 4345, 375), ...sent(0, '.', 4720, 1448, true)];
  const kernel = [...sent(5, '.', 1, 1448), ...sent(5, '.', 1449, 1448), ...sent(5, 'P.', 2897, 1448, true), ...sent(5, '.', 4345, 1448), ...sent(5, '.', 5793, 1448, true)];
  const [f] = comparePacketFates(['client'], model, kernel);
  t.like(f, { host: 'client', peer: 1, model: 5, kernel: 5, alike: 3, parting: { n: 4, model: '4345:4720', kernel: '4345:5793' } });
  t.deepEqual(f.drops.map((d) => [d.n, d.model, d.kernel, sameDrop(d)]), [[3, '2897:4345', '2897:4345', true], [5, '4720:6168', '5793:7241', false]]);
  t.deepEqual(renderPacketFates([f]), [
    '  packets in sending order (the n-th packet of a direction meets the n-th fate on both sides):',
    '  client: model 5, kernel 5 packets; the first 3 alike, then #4: model 4345:4720, kernel 4345:5793; 2 dropped, 1 of them the same segment on both:',
    '      #3 both 2897:4345 · #5 model 4720:6168, kernel 5793:7241',
  ]);
});

test('PSH and the window do not make packets differ; a pure ACK is what it acknowledges; a drop on one side only says the other kept its packet', (t) => {
  const model = [...sent(0, 'P.', 1, 100), ...sent(1, '.', 101, 0, false, { rack: 7 }), ...sent(2, 'F.', 101, 0, true)];
  const kernel = [...sent(3, '.', 1, 100, false, { win: 1000 }), ...sent(4, '.', 101, 0, true, { rack: 7 }), ...sent(5, 'F.', 101, 0)];
  const [f] = comparePacketFates(['client'], model, kernel);
  t.is(f.alike, 3);
  t.is(f.parting, undefined);
  t.deepEqual(renderPacketFates([f]).slice(1), [
    '  client: model 3, kernel 3 packets; the first 3 alike (all); 2 dropped, 0 of them the same segment on both:',
    '      #2 model ack 7 (not dropped), kernel ack 7 · #3 model FIN 101:102, kernel FIN 101:102 (not dropped)',
  ]);
});

test('nothing dropped on either side: no lines', (t) => {
  const model = sent(0, '.', 1, 100);
  t.deepEqual(renderPacketFates(comparePacketFates(['client', 'server'], model, model)), []);
});
