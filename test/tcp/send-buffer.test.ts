import test from 'ava';
import fc from 'fast-check';
import { SendBuffer, type ByteSource } from '../../lib/tcp/send-buffer.ts';

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

/**
 * Replays `ops` on a SendBuffer and on the model; `piece(size)` makes each write's bytes, `write` hands
 * them over, and `isView` (when given) must hold for every segment read. False at the first difference.
 */
function matchesModel(ops: Op[], piece: (size: number) => Buffer, isView?: (seg: Buffer) => boolean, write = (buf: SendBuffer, data: Buffer) => buf.push(data)): boolean {
  const buf = new SendBuffer();
  let model = Buffer.alloc(0);
  for (const o of ops) {
    if (o.kind === 'push') {
      const data = piece(o.size);
      write(buf, data);
      model = Buffer.concat([model, data]);
    } else if (o.kind === 'peek' && model.length > 0) {
      const at = Math.floor(o.at * (model.length - 1));
      const len = Math.min(o.len, model.length - at);
      const seg = buf.peek(at, len);
      if (!seg.equals(model.subarray(at, at + len))) return false;
      if (isView && !isView(seg)) return false;
    } else if (o.kind === 'ack') {
      const n = Math.floor(o.n * model.length);
      buf.consume(n);
      model = model.subarray(n);
    }
    if (buf.length !== model.length) return false;
  }
  return true;
}

test('reads what was written, in any mix of writes, reads at any offset and acknowledgments', (t) => {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
      let next = 0;
      return matchesModel(ops, (size) => Buffer.alloc(size, 0).map(() => next++ & 0xff) as Buffer);
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

/**
 * The application's one large buffer handed over a piece at a time (as a socket does when ACKs free
 * space), as views of it or as ranges of it (pushRange), against the model; every segment must be a view
 * of the buffer's memory (a copy would live in memory of its own).
 */
function piecesOfOneBuffer(asRanges: boolean, seed: number): void {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
      const big = Buffer.alloc(300 * 3000).map((_, i) => (i * 7) & 0xff) as Buffer;
      let taken = 0;
      // The model takes each piece as a view; pushRange takes it as (big, start, end).
      const piece = (size: number) => big.subarray(taken, (taken += size));
      const at = (data: Buffer) => data.byteOffset - big.byteOffset;
      const write = asRanges ? (buf: SendBuffer, data: Buffer) => buf.pushRange(big, at(data), at(data) + data.length) : undefined;
      return matchesModel(ops, piece, (seg) => seg.buffer === big.buffer, write);
    }),
    { seed, numRuns: 300 },
  );
}

test('pieces of one large buffer written one after another join into one chunk: any segment across them is a view, not a copy', (t) => {
  piecesOfOneBuffer(false, 11);
  // Pieces that are not neighbours in memory stay apart, and a segment across them is still right (a copy).
  const buf = new SendBuffer();
  const a = Buffer.alloc(6, 'abcdef'); // alloc, not from: each in memory of its own
  const b = Buffer.alloc(6, 'ghijkl');
  buf.push(a.subarray(0, 4));
  buf.push(b);
  const seg = buf.peek(2, 4);
  t.is(seg.toString(), 'cdgh');
  t.true(seg.buffer !== a.buffer && seg.buffer !== b.buffer, 'a segment across two separate buffers is a copy');
});

test('ranges of one Buffer handed over one after another (as a socket gives its pending write) grow one chunk: every segment is a view of it', (t) => {
  piecesOfOneBuffer(true, 13);
  // A range that does not continue the last one is a chunk of its own, and a segment across the two is a copy.
  const buf = new SendBuffer();
  const a = Buffer.alloc(10, 'abcdefghij'); // alloc, not from: in memory of its own
  buf.pushRange(a, 0, 3);
  buf.pushRange(a, 5, 8);
  const seg = buf.peek(1, 4);
  t.is(seg.toString(), 'bcfg');
  t.true(seg.buffer !== a.buffer, 'a segment across two ranges that are not neighbours is a copy');
  t.is(buf.peek(3, 3).toString(), 'fgh');
});

test('a ByteSource is held as a range and asked for a segment\'s bytes only when the segment is taken, again for a retransmission', (t) => {
  const asked: [number, number][] = [];
  const src: ByteSource = {
    length: 10_000,
    make: (start, len) => {
      asked.push([start, len]);
      return Buffer.from(Array.from({ length: len }, (_, i) => (start + i) % 251));
    },
  };
  const want = (from: number, len: number) => Buffer.from(Array.from({ length: len }, (_, i) => (from + i) % 251));
  const b = new SendBuffer();
  b.push(Buffer.from('ab'));
  b.pushRange(src, 0, 4000);
  b.pushRange(src, 4000, 10_000); // continues the last range: still one chunk
  t.is(b.length, 10_002);
  t.deepEqual(asked, [], 'nothing made while only held');
  t.true(b.peek(2, 1460).equals(want(0, 1460)));
  t.deepEqual(asked, [[0, 1460]]);
  // A segment straddling the Buffer and the source: the source's part is made, then copied beside.
  t.true(b.peek(0, 10).equals(Buffer.concat([Buffer.from('ab'), want(0, 8)])));
  t.true(b.peek(8002, 2000).equals(want(8000, 2000)), 'one range: 4000 and 6000 merged');
  t.deepEqual(asked.at(-1), [8000, 2000]);
  b.consume(5002);
  t.true(b.peek(0, 1460).equals(want(5000, 1460)), 'after an ACK, byte 0 is the first unacknowledged');
});
