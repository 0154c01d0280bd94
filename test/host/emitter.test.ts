import test from 'ava';
import { LiteEmitter } from '../../lib/host/emitter.ts';

/** The socket's emitter keeps Node's EventEmitter semantics for everything sockets use. */

test('listeners run in the order added, with the arguments emitted, and emit says whether any ran', (t) => {
  const e = new LiteEmitter();
  const seen: string[] = [];
  t.false(e.emit('data', 1));
  e.on('data', (x: number) => seen.push(`a${x}`));
  e.addListener('data', (x: number) => seen.push(`b${x}`));
  t.true(e.emit('data', 7));
  t.deepEqual(seen, ['a7', 'b7']);
  t.is(e.listenerCount('data'), 2);
  t.is(e.listenerCount('end'), 0);
});

test('once runs one time; off removes a listener, once-listeners included', (t) => {
  const e = new LiteEmitter();
  let n = 0;
  e.once('connect', () => n++);
  e.emit('connect');
  e.emit('connect');
  t.is(n, 1);
  const f = () => n++;
  e.once('close', f);
  e.off('close', f);
  t.false(e.emit('close'));
  e.on('x', f).on('x', f);
  e.removeListener('x', f);
  e.emit('x');
  t.is(n, 2, 'one of the two registrations is left');
  e.removeAllListeners('x');
  t.is(e.listenerCount('x'), 0);
});

test('a listener added or removed during an emit does not change that emit', (t) => {
  const e = new LiteEmitter();
  const seen: string[] = [];
  const second = () => seen.push('second');
  e.on('ev', () => {
    seen.push('first');
    e.off('ev', second);
    e.on('ev', () => seen.push('late'));
  });
  e.on('ev', second);
  e.emit('ev');
  t.deepEqual(seen, ['first', 'second']);
  seen.length = 0;
  e.emit('ev');
  t.deepEqual(seen, ['first', 'late']);
});

test("'error' with no listener throws the error, as Node's EventEmitter does; with one it is delivered", (t) => {
  const e = new LiteEmitter();
  const err = new Error('ECONNRESET');
  t.is(t.throws(() => e.emit('error', err)), err);
  let got: unknown;
  e.on('error', (x: unknown) => { got = x; });
  t.true(e.emit('error', err));
  t.is(got, err);
  t.throws(() => e.on('data', 'not a function' as unknown as () => void), { instanceOf: TypeError });
});
