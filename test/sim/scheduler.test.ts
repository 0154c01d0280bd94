import test from 'ava';
import { Scheduler } from '../../lib/sim/scheduler.ts';
import { Random } from '../../lib/sim/random.ts';

test('events at the same time run in the order they were scheduled, also when scheduled while running', (t) => {
  const s = new Scheduler();
  const order: string[] = [];
  s.at(5, () => order.push('a'));
  s.at(1, () => order.push('b'));
  s.at(5, () => order.push('c'));
  s.at(1, () => {
    order.push('d');
    s.at(1, () => order.push('e')); // same instant: after everything already due at 1
    s.at(0, () => order.push('f')); // in the past: runs at now, after 'e'
  });
  s.run();
  t.deepEqual(order, ['b', 'd', 'e', 'f', 'a', 'c']);
  t.is(s.now, 5);
});

test('now is the running event\'s time; after() counts from it; the argument form passes its argument', (t) => {
  const s = new Scheduler();
  const seen: [number, string][] = [];
  const record = (label: string) => seen.push([s.now, label]);
  s.at(2.5, record, 'x');
  s.at(1, () => s.after(0.25, record, 'y'));
  s.after(3, () => record('z'));
  t.is(s.pending, 3);
  t.is(s.run(), 4);
  t.deepEqual(seen, [[1.25, 'y'], [2.5, 'x'], [3, 'z']]);
  t.is(s.pending, 0);
  t.false(s.step());
});

test('cancel: before it runs, from another event, twice, and after it ran', (t) => {
  const s = new Scheduler();
  const order: number[] = [];
  const a = s.at(2, () => order.push(2));
  const b = s.at(3, () => order.push(3));
  s.at(3, () => order.push(33));
  const c = s.at(4, () => order.push(4));
  s.at(3.5, () => s.cancel(c));
  s.cancel(a);
  s.cancel(a);
  t.is(s.pending, 4);
  t.is(s.nextTime(), 3, 'nextTime skips the cancelled event');
  s.run();
  s.cancel(b); // already ran: nothing happens
  t.deepEqual(order, [3, 33]);
  t.is(s.pending, 0);
});

test('a stale id never cancels the event that reuses its slot', (t) => {
  const s = new Scheduler();
  const ran: string[] = [];
  const old = s.at(1, () => ran.push('old'));
  s.run();
  s.at(2, () => ran.push('new')); // takes the freed slot
  s.cancel(old);
  t.is(s.pending, 1);
  s.run();
  t.deepEqual(ran, ['old', 'new']);
});

test('an event may cancel its own id or reschedule itself while running', (t) => {
  const s = new Scheduler();
  let n = 0;
  let id = 0;
  const tick = () => {
    n++;
    s.cancel(id); // its own, already-running id: ignored
    if (n < 5) id = s.after(10, tick);
  };
  id = s.at(0, tick);
  s.run();
  t.is(n, 5);
  t.is(s.now, 40);
});

test('runUntil runs what is due up to and including the limit, then stands at the limit', (t) => {
  const s = new Scheduler();
  const order: number[] = [];
  s.at(3, () => { order.push(3); s.at(7, () => order.push(7)); });
  s.at(10, () => order.push(10));
  s.runUntil(7);
  t.deepEqual(order, [3, 7]);
  t.is(s.now, 7);
  s.runUntil(8);
  t.is(s.now, 8);
  t.is(s.nextTime(), 10);
  // Nothing left before the limit: the clock stays at the last event's time.
  s.runUntil(1000);
  t.deepEqual(order, [3, 7, 10]);
  t.is(s.now, 10);
  t.is(s.nextTime(), undefined);
});

test('run(maxEvents) stops after that many', (t) => {
  const s = new Scheduler();
  for (let i = 0; i < 10; i++) s.at(i, () => {});
  t.is(s.run(4), 4);
  t.is(s.now, 3);
  t.is(s.pending, 6);
});

test('post() queues like at() (same order, same argument form) but hands back no id; it is never cancelled', (t) => {
  const s = new Scheduler();
  const order: string[] = [];
  const push = (x: string) => order.push(x);
  t.is(s.post(2, push, 'p1'), undefined);
  const id = s.at(2, push, 'a1');
  s.post(1, () => {
    push('p0');
    s.post(2, push, 'p2'); // scheduled later, for the same instant: after a1
    s.post(0, push, 'past'); // in the past: runs at now
  });
  s.cancel(id);
  t.is(s.pending, 2);
  s.run();
  t.deepEqual(order, ['p0', 'past', 'p1', 'p2']);
  t.is(s.now, 2);
  t.throws(() => s.post(NaN, push, 'x'), { instanceOf: RangeError });
});

test('a time that is not a finite number is refused', (t) => {
  const s = new Scheduler();
  t.throws(() => s.at(Number.NaN, () => {}), { instanceOf: RangeError });
  t.throws(() => s.after(Infinity, () => {}), { instanceOf: RangeError });
  t.is(s.pending, 0);
});

test('100,000 random events, 60% cancelled: the rest run once each, sorted by (time, insertion)', (t) => {
  const s = new Scheduler();
  const r = new Random(7);
  const seen: number[] = [];
  const times: number[] = [];
  const ids: number[] = [];
  const N = 100_000;
  const run = (k: number) => seen.push(k);
  // Few distinct times, so that ties are common and insertion order is exercised.
  for (let k = 0; k < N; k++) {
    times.push(r.int(5_000));
    ids.push(s.at(times[k], run, k));
  }
  const cancelled = new Set<number>();
  for (let k = 0; k < N; k++) if (r.chance(0.6)) { s.cancel(ids[k]); cancelled.add(k); } // sweeps the heap on the way
  t.is(s.pending, N - cancelled.size);
  s.run();
  t.is(seen.length, N - cancelled.size);
  let sorted = true;
  for (let i = 1; i < seen.length; i++) {
    const a = seen[i - 1];
    const b = seen[i];
    if (times[a] > times[b] || (times[a] === times[b] && a > b)) sorted = false;
  }
  t.true(sorted);
  t.false(seen.some((k) => cancelled.has(k)));
});

test('a timer re-armed a million times (cancel and set again) fires once, at its last time', (t) => {
  const s = new Scheduler();
  let fired = 0;
  const fire = () => fired++;
  let id = s.at(1000, fire);
  for (let i = 1; i <= 1_000_000; i++) {
    s.cancel(id);
    id = s.at(1000 + i, fire);
  }
  t.is(s.pending, 1);
  s.run();
  t.is(fired, 1);
  t.is(s.now, 1_001_000);
});

test('runs of equal delays (the FIFO lanes) mixed with random times, scheduled while running, and cancels: the order is a single sorted queue\'s', (t) => {
  // A model of a simulation: each event, when it runs, schedules more at one of a few fixed delays (a
  // link, a TIME-WAIT, a retransmission timer), sometimes at a random one, and sometimes cancels a
  // pending event. The reference is the plainest queue: every event ever scheduled, sorted by
  // (time, insertion), minus the cancelled.
  const s = new Scheduler();
  const r = new Random(3);
  const delays = [0, 0.05, 0.1, 20, 40, 200, 1000, 3.5, 7, 11];
  const scheduled: { time: number; k: number }[] = [];
  const ids: number[] = [];
  const cancelled = new Set<number>();
  const ran: number[] = [];
  const done = new Set<number>();
  let next = 0;
  const schedule = (time: number) => {
    const k = next++;
    scheduled.push({ time, k });
    ids.push(s.at(time, run, k));
  };
  const run = (k: number) => {
    ran.push(k);
    done.add(k);
    if (next >= 60_000) return;
    for (let i = r.int(3); i >= 0; i--) {
      const time = r.chance(0.1) ? s.now + r.int(500) : s.now + delays[r.int(delays.length)];
      schedule(time);
    }
    if (r.chance(0.3)) {
      const victim = r.int(next);
      if (!done.has(victim)) cancelled.add(victim);
      s.cancel(ids[victim]);
    }
  };
  for (let i = 0; i < 20; i++) schedule(r.int(10));
  s.run();
  const expected = scheduled.filter((e) => !cancelled.has(e.k)).sort((a, b) => a.time - b.time || a.k - b.k).map((e) => e.k);
  t.is(ran.length, expected.length);
  t.deepEqual(ran, expected);
  t.is(s.pending, 0);
});

test('a lane whose ring has wrapped around keeps its order through growth and through a sweep of cancelled events', (t) => {
  // One lane (times only increase): 1,000 events, 900 of them run, so the ring's first is near its end;
  // 900 more wrap around to its start. Then 600 cancels outnumber the living and trigger the sweep,
  // which must keep the survivors in order across the wrap, and the lane's last time: events earlier
  // than that last must not join the lane after it. 400 more then join the swept lane.
  const s = new Scheduler();
  const ran: number[] = [];
  const run = (k: number) => ran.push(k);
  const ids = new Map<number, number>();
  const add = (k: number) => ids.set(k, s.at(k, run, k));
  for (let k = 1; k <= 1000; k++) add(k);
  s.runUntil(900);
  t.deepEqual(ran, Array.from({ length: 900 }, (_, i) => i + 1));
  for (let k = 1001; k <= 1900; k++) add(k);
  const cancelled = new Set<number>();
  for (let k = 901; k <= 1900 && cancelled.size < 600; k += 1 + (k % 3 === 0 ? 1 : 0)) {
    s.cancel(ids.get(k)!);
    cancelled.add(k);
  }
  t.is(s.pending, 1000 - 600);
  for (const k of [950.5, 1500.5, 1899.5]) add(k);
  for (let k = 1901; k <= 2300; k++) add(k);
  s.run();
  const expected = [...Array.from({ length: 2300 }, (_, i) => i + 1), 950.5, 1500.5, 1899.5].filter((k) => !cancelled.has(k)).sort((a, b) => a - b);
  t.deepEqual(ran, expected);
  t.is(s.pending, 0);
});
