/**
 * The pure half of the report (lib/report/layout.ts): pairing of transmissions with arrivals and
 * drops, labels, scales and ticks, ladder rows, density buckets, time-sequence series, congestion
 * series and the summary counts, on the fixtures and on small hand-made traces.
 */
import test from 'ava';
import type { SegmentEvent, TraceEvent } from '../../lib/trace/events.ts';
import {
  bucketSegments, ccSeries, layoutRows, ladderLabel, linearScale, niceTicks, pairSegments, parseSackOption,
  relativeSackEdge, segmentDetails, seqGraphs, seqLength, summarize, type LadderItem,
} from '../../lib/report/layout.ts';
import { CLIENT, ISN, SERVER, halfClose, handshakeClose, lossyBulk } from './fixtures.ts';

const segs = (events: TraceEvent[]) => events.filter((e): e is SegmentEvent => e.type === 'segment');
const key = (s: SegmentEvent) => `${s.src}>${s.dst} ${s.flags} ${s.seq} ${s.ack} ${s.len}`;

function seg(t: number, event: SegmentEvent['event'], host: string, src: string, dst: string, extra: Partial<SegmentEvent> = {}): SegmentEvent {
  return { t, type: 'segment', event, host, src, dst, flags: '.', seq: 100, ack: 200, rseq: 1, rack: 1, win: 1000, len: 0, options: [], ...extra };
}

// ---- pairing -------------------------------------------------------------------------------

test('pairing: one entry per tx, numbered in order, each with the matching arrival or drop', (t) => {
  const events = lossyBulk();
  const p = pairSegments(events);
  const tx = segs(events).filter((e) => e.event === 'tx');
  t.is(p.segments.length, tx.length);
  t.deepEqual(p.segments.map((s) => s.id), tx.map((_, i) => i));
  t.deepEqual(p.hosts, ['client', 'server']);
  for (const s of p.segments) {
    t.is(s.rx === undefined, s.drop !== undefined, `#${s.id} has exactly one of rx and drop`);
    const end = s.rx ?? s.drop!;
    t.is(key(end), key(s.tx));
    t.true(end.t >= s.tx.t, `#${s.id} ends after it starts`);
    t.is(s.from, s.tx.host);
    t.is(s.to, s.from === 'client' ? 'server' : 'client');
  }
  t.deepEqual(p.orphans, []);
});

test('pairing: a retransmission pairs with its own arrival, not with the lost first copy', (t) => {
  const p = pairSegments(lossyBulk());
  const copies = p.segments.filter((s) => s.from === 'client' && s.tx.rseq === 24617);
  // the original and the fast retransmission die on the link; the RTO's copy arrives
  t.deepEqual(copies.map((s) => [s.tx.retransmit === true, s.tx.why ?? '', s.drop?.reason ?? 'arrived']),
    [[false, '', 'loss'], [true, 'fast-retransmit', 'loss'], [true, 'rto', 'arrived']]);
  const last = copies[2]!;
  t.true(last.rx!.t - last.tx.t < 30, 'the arrival is one link delay after the RTO copy, not after the first');
  const fr = p.segments.find((s) => s.tx.rseq === 4345 && s.tx.retransmit === true)!;
  t.true(Math.abs(fr.rx!.t - (fr.tx.t + 26.2)) < 1e-9, 'serialisation (1.2 ms) plus 25 ms propagation after its own send');
});

test('pairing: a duplicate arrival, an orphan rx, a drop at the receiver after rx, and an unknown peer', (t) => {
  const a = '10.0.0.1:5000';
  const b = '10.0.0.2:80';
  const events: TraceEvent[] = [
    seg(0, 'tx', 'A', a, b),
    seg(5, 'rx', 'B', a, b),
    seg(6, 'rx', 'B', a, b), // the link duplicated it
    seg(7, 'rx', 'B', b, a, { flags: 'S.', seq: 1 }), // never sent in this trace (one-sided capture)
    seg(10, 'tx', 'A', a, b, { flags: 'P.', len: 10 }),
    seg(15, 'rx', 'B', a, b, { flags: 'P.', len: 10 }),
    seg(15, 'drop', 'B', a, b, { flags: 'P.', len: 10, reason: 'checksum' }),
    seg(20, 'tx', 'A', a, '192.168.9.9:443'),
  ];
  const p = pairSegments(events);
  t.is(p.segments.length, 3);
  t.is(p.segments[0]!.rx!.t, 5);
  t.deepEqual(p.segments[0]!.dupRx.map((e) => e.t), [6]);
  t.deepEqual(p.orphans.map((e) => e.t), [7]);
  t.is(p.segments[1]!.rx!.t, 15);
  t.is(p.segments[1]!.drop!.reason, 'checksum');
  t.is(p.segments[2]!.to, '192.168.9.9', 'a peer that never spoke is named by its address');
  t.deepEqual(p.hosts, ['A', 'B', '192.168.9.9']);
});

test('pairing: drops carry their reasons through to the summary counts', (t) => {
  const events = lossyBulk();
  const p = pairSegments(events);
  t.deepEqual(p.segments.filter((s) => s.drop).map((s) => [s.tx.rseq, s.drop!.reason]),
    [[4345, 'scripted'], [8689, 'scripted'], [24617, 'loss'], [24617, 'loss']]);
  const s = summarize(events, p);
  t.is(s.scenario, 'lossy-bulk');
  t.is(s.seed, 42);
  t.is(s.segments, 66);
  t.is(s.retransmits, 4);
  t.deepEqual([...s.drops.entries()].sort(), [['loss', 2], ['scripted', 2]]);
  t.is(s.payloadBytes, 40_000 + 4 * 1448, 'every byte once, plus four retransmitted segments');
  t.is(s.firstMs, 0);
  t.is(s.lastMs, segs(events).filter((e) => e.event === 'tx').at(-1)!.t + 2000, 'ends when TIME-WAIT does, 2 MSL after the last ACK');
  t.deepEqual([...s.finalStates.values()], ['CLOSED', 'CLOSED']);
});

// ---- labels --------------------------------------------------------------------------------

test('labels: tcpdump notation with relative numbers', (t) => {
  const label = (events: TraceEvent[], i: number) => ladderLabel(segs(events).filter((e) => e.event === 'tx')[i]!);
  const hc = halfClose();
  t.is(label(hc, 0), 'S seq 0 win 65535 <mss 1460,sackOK,wscale 7>', 'SYN: seq 0, no ack, short options');
  t.is(label(hc, 1), 'S. seq 0 ack 1 win 65535 <mss 1460,sackOK,wscale 7>');
  t.is(label(hc, 2), '. ack 1 win 65536', 'a bare ACK shows no seq');
  t.is(label(hc, 3), 'P. seq 1:6 ack 1 win 65536 len 5');
  t.is(label(hc, 5), 'F. seq 6 ack 1 win 65536');
  // the server's numbers wrap past 2^32 here; relative numbers do not
  t.is(label(hc, 7), '. seq 1:1449 ack 7 win 65536 len 1448');
  t.is(label(hc, 8), 'P. seq 1449:2001 ack 7 win 65536 len 552');
  const rtx = segs(lossyBulk()).find((e) => e.event === 'tx' && e.retransmit === true)!;
  t.is(ladderLabel(rtx), '⟳ . seq 4345:5793 ack 1 win 65536 len 1448 (rtx: fast-retransmit)', 'a retransmission is marked');
  t.true(ladderLabel(segs(hc)[0]!, 24).length <= 24, 'options are shortened to fit');
  t.true(ladderLabel(segs(hc)[0]!, 24).startsWith('S seq 0 win 65535'), 'flags and numbers survive shortening');
});

test('labels: the tooltip lines hold every field, absolute and relative', (t) => {
  const p = pairSegments(lossyBulk());
  const rtx = p.segments.find((s) => s.tx.retransmit === true)!;
  const text = segmentDetails(rtx).join('\n');
  for (const want of [String(rtx.tx.seq), String(rtx.tx.ack), `rel ${rtx.tx.rseq}`, `rel ${rtx.tx.rack}`, 'TS val', 'fast-retransmit', CLIENT, SERVER, 'arrived']) {
    t.true(text.includes(want), `tooltip has ${want}`);
  }
  const lost = p.segments.find((s) => s.drop !== undefined)!;
  t.regex(segmentDetails(lost).join('\n'), /DROPPED .* scripted/);
});

test('sequence space: payload plus one for SYN and FIN', (t) => {
  t.is(seqLength({ flags: 'S', len: 0 }), 1);
  t.is(seqLength({ flags: 'FP.', len: 10 }), 11);
  t.is(seqLength({ flags: '.', len: 0 }), 0);
  t.is(seqLength({ flags: 'none', len: 0 }), 0);
});

// ---- scales, ticks, rows -----------------------------------------------------------------

test('scales: times map linearly to pixels and back', (t) => {
  const s = linearScale(50, 1550, 100, 400);
  t.is(s(50), 100);
  t.is(s(1550), 400);
  t.is(s(800), 250);
  t.is(s.invert(250), 800);
  const flat = linearScale(7, 7, 0, 100);
  t.is(flat(7), 50, 'a one-instant domain maps to the middle, not to NaN');
  t.false(Number.isNaN(flat.invert(10)));
});

test('ticks: round numbers inside the domain, about as many as asked', (t) => {
  t.deepEqual(niceTicks(0, 5570.95, 6), [0, 1000, 2000, 3000, 4000, 5000]);
  t.deepEqual(niceTicks(0.1, 0.7, 6), [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7], 'no 0.30000000000000004');
  const ticks = niceTicks(-167.1, 5738.1, 8);
  t.true(ticks.length >= 4 && ticks.length <= 9);
  t.true(ticks.every((v) => v >= -167.1 && v <= 5738.1));
  t.deepEqual(niceTicks(3, 3), [3]);
});

test('rows: time flows down, simultaneous events share a row, long idle times are shortened', (t) => {
  const items: LadderItem[] = [
    { t: 0, kind: 'tx', host: 'client', segId: 0 },
    { t: 0, kind: 'state', host: 'client' },
    { t: 10, kind: 'rx', host: 'server', segId: 0 },
    { t: 10, kind: 'tx', host: 'server', segId: 1 }, // its label would sit on the arrowhead: next row
    { t: 20, kind: 'rx', host: 'client', segId: 1 },
    { t: 60_020, kind: 'state', host: 'client' }, // the end of TIME-WAIT, a minute later
  ];
  const r = layoutRows(items, { top: 100, minGapPx: 20, pxPerMs: 1, maxExtraPx: 50 });
  t.is(r.y[0], 100);
  t.is(r.y[1], 100, 'a state change at the same time shares the row');
  t.true(r.y[2]! > r.y[1]!);
  t.true(r.y[3]! > r.y[2]!, 'a reply sent on arrival gets the next row');
  for (let i = 1; i < items.length; i++) t.true(r.y[i]! >= r.y[i - 1]!, 'never upwards');
  t.is(r.y[5]! - r.y[4]!, 70, 'one minute idle drawn as the capped gap (20 + 50 px)');
  t.is(r.breaks.length, 1);
  t.is(r.breaks[0]!.idleMs, 60_000);
  t.deepEqual(r.timeMarks.map((m) => m.t), [0, 10, 20, 60_020], 'one time mark per distinct time');
});

// ---- density buckets ------------------------------------------------------------------------

test('buckets: every segment counted once, by sender, in the bucket of its send time', (t) => {
  const p = pairSegments(lossyBulk());
  const t0 = p.segments[0]!.tx.t;
  const t1 = p.segments.at(-1)!.tx.t;
  const b = bucketSegments(p.segments, t0, t1, 10);
  t.is(b.length, 10);
  const total = b.reduce((n, x) => n + [...x.byHost.values()].reduce((m, v) => m + v.segments, 0), 0);
  t.is(total, p.segments.length);
  t.is(b[0]!.t0, t0);
  t.is(b[9]!.t1, t1);
  const inLast = p.segments.filter((s) => s.tx.t >= b[9]!.t0);
  t.true(inLast.includes(p.segments.at(-1)!), 'the last ACK is sent exactly at t1');
  t.is([...b[9]!.byHost.values()].reduce((n, v) => n + v.segments, 0), inLast.length, 'and lands in the last bucket, not past it');
  const drops = b.reduce((n, x) => n + (x.byHost.get('client')?.drops ?? 0), 0);
  const rtx = b.reduce((n, x) => n + (x.byHost.get('client')?.retransmits ?? 0), 0);
  t.deepEqual([drops, rtx], [4, 4]);
  const bytes = b.reduce((n, x) => n + (x.byHost.get('client')?.bytes ?? 0), 0);
  t.is(bytes, 40_000 + 4 * 1448);
});

// ---- time-sequence graphs ------------------------------------------------------------------

test('time-sequence: bars per segment with sequence space, ack and window lines from the peer, relative SACK blocks', (t) => {
  const events = lossyBulk();
  const p = pairSegments(events);
  const [up, down] = seqGraphs(p);
  t.is(up!.flow, `${CLIENT}>${SERVER}`);
  t.is(up!.from, 'client');
  const withSpace = p.segments.filter((s) => s.from === 'client' && seqLength(s.tx) > 0);
  t.is(up!.bars.length, withSpace.length, 'SYN, data and FIN; bare ACKs are not bars');
  t.deepEqual(up!.bars[0], { segId: 0, t: 0, lo: 0, hi: 1, retransmit: false, dropped: false });
  t.is(up!.bars.filter((b) => b.retransmit).length, 4);
  t.is(up!.bars.filter((b) => b.dropped).length, 4);
  const last = up!.bars.at(-1)!;
  t.deepEqual([last.lo, last.hi], [40_001, 40_002], 'the FIN');
  // the ack line: the server's acks when they came back to the client
  const acks = up!.ack.filter((_, i) => i % 2 === 1);
  t.is(Math.max(...acks), 40_002);
  for (let i = 1; i < up!.ack.length / 2; i++) t.true(up!.ack[2 * i]! >= up!.ack[2 * i - 2]!, 'ack line by time');
  t.is(up!.window[1]! - up!.ack[1]!, 16_384, 'window line is ack + win');
  // SACK: the first block reported covers the segment after the first loss, in relative numbers
  t.deepEqual(up!.sack.slice(1, 3), [5793, 7241]);
  t.true(up!.sack.every((v, i) => i % 3 === 0 || v <= 40_002), 'every SACK edge relative');
  t.is(down!.flow, `${SERVER}>${CLIENT}`);
  t.deepEqual(down!.bars.map((b) => [b.lo, b.hi]), [[0, 1], [1, 2]], 'the server sends only SYN and FIN');
});

test('time-sequence: relative numbers stay small across the 2^32 wrap of the server ISN', (t) => {
  const g = seqGraphs(pairSegments(halfClose())).find((x) => x.from === 'server')!;
  t.true(ISN.server + 3001 > 2 ** 32, 'the fixture does wrap');
  t.deepEqual(g.bars.map((b) => [b.lo, b.hi]), [[0, 1], [1, 1449], [1449, 2001], [2001, 3001], [3001, 3002]]);
});

test('SACK options: parsed, and made relative from ack - rack; relative ones are kept', (t) => {
  t.deepEqual(parseSackOption('sack 2 {100:200}{300:400}'), [[100, 200], [300, 400]]);
  t.is(parseSackOption('sackOK'), null);
  t.is(parseSackOption('mss 1460'), null);
  const ackSeg = { ack: (ISN.client + 4345) >>> 0, rack: 4344 };
  t.is(relativeSackEdge(ISN.client + 5793, ackSeg), 5792);
  t.is(relativeSackEdge(5793, ackSeg), 5793, 'an edge already relative stays as written');
});

// ---- windows and congestion ----------------------------------------------------------------

test('congestion series: one per host and connection, absurd ssthresh left out', (t) => {
  const events = lossyBulk();
  const [c, ...rest] = ccSeries(events);
  t.deepEqual(rest, [], 'only the client sends data');
  t.is(c!.host, 'client');
  t.is(c!.conn, 'c1');
  const cc = events.filter((e) => e.type === 'cc');
  t.is(c!.cwnd.length, cc.length * 2);
  t.is(c!.ssthresh.length, cc.filter((e) => e.ssthresh < 1e9).length * 2, 'the initial 2^31-1 is not drawn');
  t.true(c!.ssthresh.length > 0);
  t.is(Math.max(...c!.rto.filter((_, i) => i % 2 === 1)), 2000, 'the RTO doubled once');
  t.deepEqual(ccSeries(handshakeClose()), [], 'no cc events, no series');
});
