import test from 'ava';
import fc from 'fast-check';
import { RecvBuffer } from '../../lib/tcp/recv-buffer.ts';
import { seqAdd, seqDiff } from '../../lib/wire/seq.ts';

/**
 * The receive buffer against the plainest model of it (RFC 9293 3.10.7.4, "seventh, process the segment
 * text"): the bytes of the stream, each either received or not. Any mix of segments (in order, ahead of
 * RCV.NXT, overlapping, duplicated), near the 2^32 wrap, gives the same RCV.NXT, the same bytes to read and
 * the same SACK blocks (RFC 2018 3: each block a contiguous run of held bytes), the one holding the segment
 * just received first (RFC 2018 4).
 */
const STREAM = 6000;
// Segments at a 500-byte MSS's edges (as a sender cuts them: runs that touch) and anywhere (overlaps).
const seg = fc.oneof(
  fc.record({ at: fc.integer({ min: 0, max: STREAM / 500 - 1 }).map((k) => k * 500), len: fc.constantFrom(500, 1000) }),
  fc.record({ at: fc.integer({ min: 0, max: STREAM - 1 }), len: fc.integer({ min: 1, max: 1500 }) }),
);

function byte(i: number): number {
  return (i * 131 + 7) & 255;
}

function run(isn: number, segs: { at: number; len: number }[]): { ok: boolean; why?: string } {
  const buf = new RecvBuffer(isn);
  const have = new Uint8Array(STREAM);
  let nxt = 0;
  for (const { at, len } of segs) {
    const end = Math.min(STREAM, at + len);
    // The connection trims a segment to start at RCV.NXT before handing it over.
    const from = Math.max(at, nxt);
    if (from >= end) continue;
    const data = Buffer.alloc(end - from);
    for (let i = from; i < end; i++) data[i - from] = byte(i);
    buf.insert(seqAdd(isn, from), data);
    let newBytes = false;
    for (let i = from; i < end; i++) {
      if (!have[i]) newBytes = true;
      have[i] = 1;
    }
    while (nxt < STREAM && have[nxt]) nxt++;
    if (seqDiff(buf.rcvNxt, isn) !== nxt) return { ok: false, why: `RCV.NXT ${seqDiff(buf.rcvNxt, isn)}, model ${nxt}` };
    const blocks: [number, number][] = [];
    for (let i = nxt; i < STREAM; i++) {
      if (!have[i]) continue;
      const last = blocks[blocks.length - 1];
      if (last && last[1] === i) last[1] = i + 1;
      else blocks.push([i, i + 1]);
    }
    const all = buf.sackBlocks(100).map(([l, r]) => [seqDiff(l, isn), seqDiff(r, isn)] as [number, number]);
    const sorted = [...all].sort((a, b) => a[0] - b[0]);
    if (JSON.stringify(sorted) !== JSON.stringify(blocks)) return { ok: false, why: `blocks ${JSON.stringify(all)}, model ${JSON.stringify(blocks)}` };
    // RFC 2018 4: the first block holds the segment that triggered this ACK (when it was held, new, beyond RCV.NXT).
    if (newBytes && from > nxt) {
      const first = all[0];
      if (!first || first[0] > from || first[1] < end) return { ok: false, why: `first block ${JSON.stringify(first)} does not hold the segment ${from}-${end}` };
    }
    for (const max of [1, 3, 4]) {
      if (JSON.stringify(buf.sackBlocks(max).map(([l, r]) => [seqDiff(l, isn), seqDiff(r, isn)])) !== JSON.stringify(all.slice(0, max))) return { ok: false, why: `max ${max} is not the first ${max}` };
    }
    if (buf.hasGaps !== blocks.length > 0) return { ok: false, why: 'hasGaps' };
    if (blocks.length > 0 && seqDiff(buf.highestHeld, isn) !== blocks[blocks.length - 1]![1]) return { ok: false, why: 'highestHeld' };
  }
  const read = buf.read();
  for (let i = 0; i < read.length; i++) if (read[i] !== byte(i)) return { ok: false, why: `byte ${i} read wrong` };
  return read.length === nxt ? { ok: true } : { ok: false, why: `read ${read.length} bytes, model ${nxt}` };
}

test('the receive buffer holds, joins and reports what a byte-by-byte model does (SACK blocks included)', (t) => {
  fc.assert(fc.property(fc.constantFrom(0, 1000, 0xffffffff - 3000), fc.array(seg, { maxLength: 60 }), (isn, segs) => {
    const r = run(isn, segs);
    if (!r.ok) throw new Error(r.why);
    return true;
  }), { numRuns: 400 });
  t.pass();
});

test('segments after a hole, in order, make one SACK block; the hole filled takes them all in', (t) => {
  // RFC 2018 3: the receiver holds 1461..14600 behind a lost segment 1..1460: one block.
  const buf = new RecvBuffer(1);
  for (let s = 1461; s < 14601; s += 1460) buf.insert(s, Buffer.alloc(1460));
  t.deepEqual(buf.sackBlocks(3), [[1461, 14601]]);
  // Another hole: 17521.. arrives after 14601..17520 is lost, so its block comes first (RFC 2018 4), then the older.
  buf.insert(17521, Buffer.alloc(1460));
  t.deepEqual(buf.sackBlocks(3), [[17521, 18981], [1461, 14601]]);
  // The first hole filled: the block RCV.NXT reached goes, the other stays.
  t.is(buf.insert(1, Buffer.alloc(1460)), 14600);
  t.deepEqual(buf.sackBlocks(3), [[17521, 18981]]);
  // The second hole filled: all in.
  t.is(buf.insert(14601, Buffer.alloc(2920)), 2920 + 1460);
  t.false(buf.hasGaps);
  t.deepEqual(buf.sackBlocks(3), []);
});

test('a segment that fills the gap between two blocks joins them into one, reported first (RFC 2018 4)', (t) => {
  const buf = new RecvBuffer(1);
  buf.insert(1001, Buffer.alloc(1000));
  buf.insert(5001, Buffer.alloc(1000));
  buf.insert(3001, Buffer.alloc(1000));
  t.deepEqual(buf.sackBlocks(4), [[3001, 4001], [5001, 6001], [1001, 2001]]);
  buf.insert(4001, Buffer.alloc(1000));
  t.deepEqual(buf.sackBlocks(4), [[3001, 6001], [1001, 2001]]);
  // A duplicate of held data changes no order (it draws a D-SACK instead, RFC 2883, which the connection sends).
  buf.insert(1001, Buffer.alloc(500));
  t.deepEqual(buf.sackBlocks(4), [[3001, 6001], [1001, 2001]]);
});
