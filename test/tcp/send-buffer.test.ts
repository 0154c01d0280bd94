import test from 'ava';
import fc from 'fast-check';
import { SendBuffer } from '../../lib/tcp/send-buffer.ts';

/**
 * The send buffer against the plainest model of it (one growing byte string): any mix of writes,
 * segment-sized reads in order, retransmissions from the front and acknowledgments reads the same bytes.
 */
type Op = { kind: 'push'; size: number } | { kind: 'peek'; at: number; len: number } | { kind: 'ack'; n: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('push' as const), size: fc.integer({ min: 0, max: 3000 }) }),
  fc.record({ kind: fc.constant('peek' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), len: fc.integer({ min: 1, max: 1460 }) }),
  fc.record({ kind: fc.constant('ack' as const), n: fc.double({ min: 0, max: 1, noNaN: true }) }),
);

test('reads what was written, in any mix of writes, reads at any offset and acknowledgments', (t) => {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
      const buf = new SendBuffer();
      let model = Buffer.alloc(0);
      let next = 0;
      for (const o of ops) {
        if (o.kind === 'push') {
          const data = Buffer.alloc(o.size, 0).map(() => next++ & 0xff) as Buffer;
          buf.push(data);
          model = Buffer.concat([model, data]);
        } else if (o.kind === 'peek' && model.length > 0) {
          const at = Math.floor(o.at * (model.length - 1));
          const len = Math.min(o.len, model.length - at);
          if (!buf.peek(at, len).equals(model.subarray(at, at + len))) return false;
        } else if (o.kind === 'ack') {
          const n = Math.floor(o.n * model.length);
          buf.consume(n);
          model = model.subarray(n);
        }
        if (buf.length !== model.length) return false;
      }
      return true;
    }),
    { seed: 7, numRuns: 300 },
  );
  t.pass('300 generated histories matched the model');
});

test('segments taken in order from thousands of small writes come back whole (the cursor), and acknowledged chunks are let go', (t) => {
  const buf = new SendBuffer();
  const writes: Buffer[] = [];
  for (let i = 0; i < 5000; i++) {
    const b = Buffer.alloc(700, i & 0xff);
    writes.push(b);
    buf.push(b);
  }
  const all = Buffer.concat(writes);
  let sent = 0;
  let acked = 0;
  while (sent < all.length) {
    const len = Math.min(1460, all.length - sent);
    t.true(buf.peek(sent - acked, len).equals(all.subarray(sent, sent + len)), `segment at ${sent}`);
    sent += len;
    if (sent - acked > 100_000) {
      buf.consume(2920);
      acked += 2920;
    }
  }
  // A retransmission from the front after the cursor has moved far on.
  t.true(buf.peek(0, 1460).equals(all.subarray(acked, acked + 1460)));
  t.throws(() => buf.peek(buf.length, 1), { message: /only \d+ held/ });
  buf.consume(buf.length);
  t.is(buf.length, 0);
});
