/**
 * The soak's own code, for a few seconds with a few connections (the full run is `npm run soak`, ten
 * minutes, not part of npm test): connections over the UDP link with 10% loss each way, each replaced
 * when its life ends, every byte checked, the heap and handles sampled, nothing left open afterwards.
 */
import test from 'ava';
import { runSoak } from '../../lib/soak/soak.ts';

test('soak, 3 s: 4 connections at a time over UDP with 10% loss, each replaced when its life ends; every byte once and in order, no handle left', async (t) => {
  const lines: string[] = [];
  // Bounded by itself: 3 s of traffic, then at most 30 s for the last connections to close.
  const r = await runSoak({ durationMs: 3000, connections: 4, loss: 0.1, rateBytesPerSec: 50_000, lifeMs: [500, 1500], sampleMs: 1000, closeTimeoutMs: 30_000, seed: 7 }, (l) => lines.push(l));
  t.log(lines.join('\n'));
  t.deepEqual(r.problems, []);
  t.true(r.ok);
  t.true(r.closed >= 8, `connections completed and replaced: ${r.closed}`);
  t.true(r.bytesClientToServer > 100_000 && r.bytesServerToClient > 100_000, `bytes each way: ${r.bytesClientToServer}, ${r.bytesServerToClient}`);
  t.true(r.lost[0] > 0 && r.lost[1] > 0, 'the link did lose packets both ways');
  t.deepEqual(r.samples.map((s) => s.label), ['start', '0:01', '0:02', 'end of traffic', 'closed']);
  const [start, , , , closed] = r.samples;
  t.false('UDPWrap' in closed.handles, 'both UDP sockets closed');
  t.true((closed.handles['Timeout'] ?? 0) <= (start.handles['Timeout'] ?? 0), 'no timer left');
});
