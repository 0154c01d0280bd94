/**
 * A shared bottleneck (lib/link/bottleneck.ts): hosts behind two routers, one queue and one transmitter
 * each way between them, drop-tail in packets or bytes, RED as an option; and what a run of the
 * dumbbell fixture shows (queue, drops, each flow's goodput, Jain's fairness index).
 */
import test, { type ExecutionContext } from 'ava';
import { readFileSync } from 'node:fs';
import { BottleneckLink, flowGoodputs, jainIndex, type BottleneckPlan } from '../../lib/link/bottleneck.ts';
import { Scheduler } from '../../lib/sim/scheduler.ts';
import { Random } from '../../lib/sim/random.ts';
import { loadScenario } from '../../lib/scenario/load.ts';
import { ScenarioError } from '../../lib/scenario/errors.ts';
import { runScenario } from '../../lib/scenario/runner.ts';
import type { QueueEvent } from '../../lib/trace/events.ts';
import { tcpemu } from '../cli/run.ts';

const C1 = 0x0a000001;
const C2 = 0x0a000002;
const S1 = 0x0a000003;
const S2 = 0x0a000004;

/** A fake IPv4 packet: the destination at 16..19, a tag at 20. */
function pkt(dst: number, tag: number, len = 1500): Buffer {
  const b = Buffer.alloc(len);
  b[0] = 0x45;
  b.writeUInt32BE(dst, 16);
  b.writeUInt32BE(tag, 20);
  return b;
}

function dumbbell(over: Partial<BottleneckPlan>) {
  // 1.2 Mbit/s: a 1500-byte packet takes exactly 10 ms to send.
  const plan: BottleneckPlan = { left: ['c1', 'c2'], right: ['s1', 's2'], rateBitsPerSec: 1_200_000, delayMs: 20, queue: 3, unit: 'packets', loss: 0, accessDelayMs: 1, ...over };
  const s = new Scheduler();
  const log: string[] = [];
  const queue: string[] = [];
  const link = new BottleneckLink(s, new Random(1), plan, {
    onDrop: (from, to, p, reason) => log.push(`${s.now} drop ${from}>${to} ${p.readUInt32BE(20)} ${reason}`),
    onQueue: (dir, packets, bytes) => queue.push(`${s.now} ${dir} ${packets} ${bytes}`),
  });
  for (const [name, addr] of [['c1', C1], ['c2', C2], ['s1', S1], ['s2', S2]] as const) {
    link.attach(name, addr, (p, now) => { log.push(`${now} ${name} got ${p.readUInt32BE(20)}`); });
  }
  return { s, link, log, queue };
}

test('drop-tail in packets: the router holds 3 (the one on the wire included), the rest of a burst is dropped', (t) => {
  const d = dumbbell({});
  for (let i = 1; i <= 5; i++) d.link.send('c1', pkt(S1, i));
  d.s.run();
  // All five reach the router at 1 ms: 1, 2, 3 are taken, 4 and 5 find it full. Each leaves 10 ms after
  // the one before it and arrives 20 ms + 1 ms later.
  t.deepEqual(d.log, ['1 drop c1>s1 4 queue', '1 drop c1>s1 5 queue', '32 s1 got 1', '42 s1 got 2', '52 s1 got 3']);
  t.deepEqual(d.queue, ['1 left>right 1 1500', '1 left>right 2 3000', '1 left>right 3 4500', '1 left>right 3 4500', '1 left>right 3 4500']);
  t.deepEqual(d.link.stats()['left>right'].dropped.queue, 2);
});

test('one queue for every flow of a direction: two clients\' packets wait in the order they came', (t) => {
  const d = dumbbell({ queue: 0 });
  d.link.send('c1', pkt(S1, 1));
  d.link.send('c2', pkt(S2, 2));
  d.link.send('c1', pkt(S1, 3));
  d.link.send('s1', pkt(C1, 4)); // the other direction has its own queue: it does not wait
  d.s.run();
  t.deepEqual(d.log, ['32 s1 got 1', '32 c1 got 4', '42 s2 got 2', '52 s1 got 3']);
});

test('drop-tail in bytes: a packet is taken only if all of it fits', (t) => {
  const d = dumbbell({ queue: 4000, unit: 'bytes' });
  d.link.send('c1', pkt(S1, 1));
  d.link.send('c1', pkt(S1, 2));
  d.link.send('c1', pkt(S1, 3, 1000));
  d.link.send('c1', pkt(S1, 4, 1001));
  d.s.run();
  t.deepEqual(d.log.filter((l) => l.includes('drop')), ['1 drop c1>s1 4 queue']);
  t.is(d.log.filter((l) => l.includes('got')).length, 3);
});

test('hosts on one side reach each other through their router, not the bottleneck', (t) => {
  const d = dumbbell({});
  d.link.send('c1', pkt(C2, 1));
  d.s.run();
  t.deepEqual(d.log, ['2 c2 got 1']);
  t.deepEqual(d.queue, []);
});

test('RED: below min nothing is dropped; at or above max every arrival is; between, some, from the seed', (t) => {
  // A weight of 1 makes the average the queue itself, so the thresholds act on what arrivals find.
  const d = dumbbell({ queue: 0, red: { min: 2, max: 4, maxP: 1, weight: 1 } });
  for (let i = 1; i <= 12; i++) d.link.send('c1', pkt(S1, i));
  d.s.run();
  const dropped = d.log.filter((l) => l.includes('drop')).map((l) => Number(l.split(' ')[3]));
  // 1 and 2 find fewer than 2 packets: taken. Once 4 are there every arrival is dropped (none leaves by 1 ms).
  t.false(dropped.includes(1) || dropped.includes(2));
  t.true(dropped.every((tag) => tag >= 3));
  const got = 12 - dropped.length;
  t.true(got >= 3 && got <= 4, `taken ${got}`);
  t.true(d.log.filter((l) => l.includes('drop')).every((l) => l.endsWith(' red')));
  // The same seed, the same drops.
  const again = dumbbell({ queue: 0, red: { min: 2, max: 4, maxP: 1, weight: 1 } });
  for (let i = 1; i <= 12; i++) again.link.send('c1', pkt(S1, i));
  again.s.run();
  t.deepEqual(again.log, d.log);
});

test('random loss on the bottleneck wire, after the packet took its turn on the transmitter', (t) => {
  const d = dumbbell({ queue: 0, loss: 0.5 });
  for (let i = 1; i <= 40; i++) d.link.send('c1', pkt(S1, i));
  d.s.run();
  const lost = d.log.filter((l) => l.endsWith('loss')).length;
  t.true(lost > 5 && lost < 35, `${lost} lost`);
  // Survivors keep their slot: the last arrives at 1 + 40 * 10 + 20 ms, as if no packet had been lost before it (if it survived).
  const times = d.log.filter((l) => l.includes('got')).map((l) => Number(l.split(' ')[0]));
  t.true(times.length > 0 && times.every((x) => (x - 32) % 10 === 0));
});

test('Jain\'s fairness index: 1 for equal shares, 1/n when one flow has everything', (t) => {
  t.is(jainIndex([5, 5, 5, 5]), 1);
  t.is(jainIndex([8, 0, 0, 0]), 0.25);
  t.is(jainIndex([3, 1]), 16 / 20);
});

test('the dumbbell fixture: four flows share the queue, it fills to its 50 packets and drops, each flow gets its megabyte through', (t) => {
  const file = 'fixtures/scenarios/dumbbell.yaml';
  const r = runScenario(loadScenario(readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8'), file));
  t.true(r.ok, JSON.stringify(r.expectations.filter((e) => !e.ok)));
  const q = r.events.filter((e): e is QueueEvent => e.type === 'queue' && e.link === 'left>right');
  t.is(Math.max(...q.map((e) => e.packets)), 50);
  t.true((r.stats.drops.queue ?? 0) > 0);
  const flows = flowGoodputs(r.events);
  t.deepEqual(flows.map((f) => [f.flow, f.bytes]), [['c1 > s1', 1048576], ['c2 > s2', 1048576], ['c3 > s3', 1048576], ['c4 > s4', 1048576]]);
  // Staggered starts at 0, 0.5, 1, 1.5 s: none below 1 Mbit/s, none above the 10 Mbit/s of the bottleneck.
  for (const f of flows) t.true(f.goodput > 1e6 && f.goodput < 10e6, `${f.flow} ${f.goodput}`);
  const j = jainIndex(flows.map((f) => f.goodput));
  t.true(j > 0.25 && j < 1);
  const cli = tcpemu(['run', file]);
  t.is(cli.code, 0, cli.err);
  t.regex(cli.out, /c3 > s3 +1048576 B/);
  t.regex(cli.out, new RegExp(`Jain's fairness index over 4 flows: ${j.toFixed(3)}`));
});

function fails(t: ExecutionContext, bottleneck: string, want: { message: RegExp; line: number; col: number; hint?: RegExp }, extra = '') {
  const text = `name: t\nhosts: { a: {}, b: {}, c: {} }\n${extra}bottleneck:\n${bottleneck}\n`;
  const e = t.throws(() => loadScenario(text, 's.yaml'), { instanceOf: ScenarioError });
  if (!e) return;
  t.regex(e.message, want.message);
  t.deepEqual([e.line, e.col], [want.line, want.col], e.format());
  if (want.hint) t.regex(e.hint ?? '', want.hint);
}

test('mistakes in bottleneck: are errors at their place', (t) => {
  fails(t, '  left: [a]\n  right: [b, c]\n  rat: 1mbit', { message: /unknown key "rat"/, line: 6, col: 3, hint: /did you mean "rate"/ });
  fails(t, '  left: [a]\n  right: [b]', { message: /c is on neither side/, line: 4, col: 3 });
  fails(t, '  left: [a, b]\n  right: [b, c]', { message: /b is on both sides/, line: 5, col: 11 });
  fails(t, '  left: [a, x]\n  right: [b, c]', { message: /unknown host "x"/, line: 4, col: 13 });
  fails(t, '  left: [a]\n  right: [b, c]\n  queue: lots', { message: /queue cannot be "lots"/, line: 6, col: 10, hint: /packets/ });
  fails(t, '  left: [a]\n  right: [b, c]\n  rate: 10mbps', { message: /bottleneck\.rate/, line: 6, col: 9 });
  fails(t, '  left: [a]\n  right: [b, c]\n  queue: 10\n  red: { min: 5, max: 20 }', { message: /past the queue's limit/, line: 7, col: 23 });
  fails(t, '  left: [a]\n  right: [b, c]\n  red: { min: 5, max: 5 }', { message: /must be more than min/, line: 6, col: 23 });
  fails(t, '  left: [a]\n  right: [b, c]', { message: /link: or bottleneck:, not both/, line: 3, col: 1 }, 'link: { delay: 1ms }\n');
  const ok = loadScenario('name: t\nhosts: { a: {}, b: {} }\nbottleneck: { left: a, right: [b], rate: 10mbit, queue: 64k bytes, red: { min: 16k, max: 48k, max-p: 10% } }\n', 's.yaml');
  t.deepEqual(ok.bottleneck, { left: ['a'], right: ['b'], rateBitsPerSec: 10e6, delayMs: 0, queue: 65536, unit: 'bytes', loss: 0, accessDelayMs: 0, red: { min: 16384, max: 49152, maxP: 0.1, weight: 0.002 } });
});
