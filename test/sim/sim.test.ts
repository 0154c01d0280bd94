import test from 'ava';
import { Scheduler } from '../../lib/sim/scheduler.ts';
import { Random } from '../../lib/sim/random.ts';

test('events at the same time run in the order they were scheduled', (t) => {
  const s = new Scheduler();
  const order: string[] = [];
  s.at(5, () => order.push('a'));
  s.at(1, () => order.push('b'));
  s.at(5, () => order.push('c'));
  s.at(1, () => { order.push('d'); s.at(1, () => order.push('e')); });
  s.run();
  t.deepEqual(order, ['b', 'd', 'e', 'a', 'c']);
  t.is(s.now, 5);
});

test('cancel removes an event; runUntil stops at the limit and sets the clock there', (t) => {
  const s = new Scheduler();
  const order: number[] = [];
  const id = s.at(2, () => order.push(2));
  s.at(3, () => order.push(3));
  s.at(10, () => order.push(10));
  s.cancel(id);
  t.is(s.pending, 2);
  s.runUntil(7);
  t.deepEqual(order, [3]);
  t.is(s.now, 7);
  t.is(s.nextTime(), 10);
});

test('100,000 random events come out in time order', (t) => {
  const s = new Scheduler();
  const r = new Random(7);
  const seen: number[] = [];
  for (let i = 0; i < 100_000; i++) { const at = r.int(1_000_000); s.at(at, () => seen.push(at)); }
  s.run();
  t.is(seen.length, 100_000);
  let sorted = true;
  for (let i = 1; i < seen.length; i++) if (seen[i] < seen[i - 1]) sorted = false;
  t.true(sorted);
});

test('Random: same seed, same stream; forks are independent of the parent position', (t) => {
  const a = new Random(42);
  const b = new Random(42);
  t.deepEqual([a.uint32(), a.uint32(), a.uint32()], [b.uint32(), b.uint32(), b.uint32()]);
  const c = new Random(43);
  t.not(new Random(42).uint32(), c.uint32());
  const f1 = new Random(42).fork('link');
  const p = new Random(42);
  p.uint32();
  t.is(p.fork('link').uint32(), f1.uint32());
  t.not(new Random(42).fork('x').uint32(), new Random(42).fork('y').uint32());
  let sum = 0;
  for (let i = 0; i < 10_000; i++) sum += a.next();
  t.true(Math.abs(sum / 10_000 - 0.5) < 0.02);
});
