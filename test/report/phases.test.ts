/**
 * The congestion chart by phase (lib/report/phases.ts): slow start, recovery, the loss phase after a timeout,
 * congestion avoidance and CUBIC's concave and convex regions, read from the trace.
 */
import test from 'ava';
import { renderReport } from '../../lib/report/index.ts';
import { ccPhases, phaseText } from '../../lib/report/phases.ts';
import type { TraceEvent } from '../../lib/trace/events.ts';
import { lossyBulk } from './fixtures.ts';

test('lossyBulk: slow start until the first fast retransmission (RFC 5681 3.2), recovery until the recovery point is acknowledged, the RTO\'s loss phase, then slow start again', (t) => {
  const ev = lossyBulk();
  const bands = ccPhases(ev, 'client', 'c1', 5000);
  t.deepEqual(bands.map((b) => b.phase), ['slow-start', 'recovery', 'avoidance', 'recovery', 'loss', 'slow-start', 'avoidance']);
  // Recovery starts with the fast retransmission at 157.35 ms and the loss phase with the RTO at 1416 ms.
  t.is(bands[1]!.t0, 157.35);
  t.is(bands[4]!.t0, 1416);
  for (let i = 1; i < bands.length; i++) t.is(bands[i]!.t0, bands[i - 1]!.t1, 'the bands tile the time axis');
  t.is(phaseText(bands.slice(0, 2), 'en'), 'slow start 50–157 ms · fast recovery 157–260 ms');
  t.is(phaseText(bands.slice(0, 2), 'zh'), '慢启动 50–157 ms · 快速恢复 157–260 ms');
});

test('CUBIC: at or above ssthresh, below W_max is the concave region and above it the convex one (RFC 9438 4.2, 4.3)', (t) => {
  const cc = (tm: number, cwnd: number, extra: Record<string, unknown> = {}): TraceEvent => ({ t: tm, type: 'cc', host: 'a', conn: 'c1', cwnd, ssthresh: 7000, flight: 0, sndWnd: 65535, rto: 200, ...extra }) as unknown as TraceEvent;
  const tx = (tm: number): TraceEvent => ({ t: tm, type: 'segment', event: 'tx', host: 'a', conn: 'c1', src: 'x:1', dst: 'y:2', flags: '.', seq: 0, ack: 0, rseq: 1, rack: 1, win: 1000, len: 1000, options: [] }) as unknown as TraceEvent;
  const bands = ccPhases([tx(0), cc(10, 5000, { phase: 'slow-start' }), cc(20, 7000, { phase: 'avoidance', wMax: 10, k: 1 }), cc(30, 9000), cc(40, 11000)], 'a', 'c1', 50);
  t.deepEqual(bands.map((b) => [b.phase, b.t0, b.t1]), [['slow-start', 0, 20], ['concave', 20, 40], ['convex', 40, 50]]);
});

test('the report shades the congestion chart by phase and lists the phases', (t) => {
  const html = renderReport(lossyBulk(), {});
  t.regex(html, /<rect class="phase ph-recovery"/);
  t.regex(html, /<rect class="phase ph-loss"/);
  t.regex(html, /<p class="small phases">slow start 50–157 ms · fast recovery 157–260 ms/);
});
