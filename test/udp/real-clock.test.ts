import test from 'ava';
import { RealClock } from '../../lib/sim/real-clock.ts';
import { within } from './helpers.ts';

test('RealClock: now starts near 0 and grows; timers fire in order; cancel and close stop them', async (t) => {
  const clock = new RealClock();
  t.teardown(() => clock.close());
  t.true(clock.now >= 0 && clock.now < 50);
  const fired: string[] = [];
  const start = clock.now;
  const done = new Promise<void>((res) => clock.at(start + 40, () => (fired.push('b'), res())));
  // A time already past fires as soon as possible. Set first: set after 'a', a stall of the process of more
  // than 10 ms between the two calls (a busy VM) would make both due, and 'a' the earlier.
  clock.at(start - 5, () => fired.push('past'));
  clock.at(start + 10, () => fired.push('a'));
  const cancelled = clock.at(start + 20, () => fired.push('cancelled'));
  clock.cancel(cancelled);
  await within(2000, done, 'timers');
  t.deepEqual(fired, ['past', 'a', 'b']);
  t.true(clock.now - start >= 39);

  clock.at(clock.now + 5, () => fired.push('after close'));
  t.is(clock.pending, 1);
  clock.close();
  t.is(clock.pending, 0);
  clock.at(clock.now, () => fired.push('set after close'));
  await new Promise((r) => setTimeout(r, 30));
  t.deepEqual(fired, ['past', 'a', 'b']);
});
