import test from 'ava';
import { MemoryLink, type LinkDirectionConfig } from '../../lib/link/memory.ts';
import { Scheduler } from '../../lib/sim/scheduler.ts';
import { Random } from '../../lib/sim/random.ts';

/** A fake IPv4 packet: 20-byte header with the destination address, then an index. */
function pkt(dst: number, i: number, len = 100): Buffer {
  const b = Buffer.alloc(len);
  b.writeUInt32BE(dst, 16);
  b.writeUInt32BE(i, 20);
  return b;
}

function setup(cfg: Partial<LinkDirectionConfig>, seed = 1) {
  const s = new Scheduler();
  const drops: string[] = [];
  const link = new MemoryLink(s, new Random(seed), { default: cfg }, { onDrop: (f, to, p, reason) => drops.push(`${p.readUInt32BE(20)}:${reason}`) });
  const got: { t: number; i: number; p: Buffer }[] = [];
  link.attach('a', 1, () => {});
  link.attach('b', 2, (p) => got.push({ t: s.now, i: p.readUInt32BE(20), p }));
  return { s, link, got, drops };
}

test('delay: every packet arrives delayMs later, in order', (t) => {
  const { s, link, got } = setup({ delayMs: 10 });
  for (let i = 0; i < 3; i++) s.at(i, () => link.send('a', pkt(2, i)));
  s.run();
  t.deepEqual(got.map((g) => [g.t, g.i]), [[10, 0], [11, 1], [12, 2]]);
});

test('rate: serialisation delay len*8/rate, and packets queue behind each other', (t) => {
  const { s, link, got } = setup({ delayMs: 1, rateBitsPerSec: 8000 }); // 1 byte per ms
  for (let i = 0; i < 3; i++) link.send('a', pkt(2, i, 100));
  s.run();
  t.deepEqual(got.map((g) => g.t), [101, 201, 301]);
});

test('queue limit and MTU drop with their reasons; scripted drops by index', (t) => {
  const { s, link, got, drops } = setup({ rateBitsPerSec: 8000, queueLimit: 2, mtu: 150, drop: [2] });
  link.send('a', pkt(2, 0));
  link.send('a', pkt(2, 1)); // scripted #2
  link.send('a', pkt(2, 2));
  link.send('a', pkt(2, 3)); // queue full (two waiting)
  link.send('a', pkt(2, 4, 200)); // too big
  s.run();
  t.deepEqual(got.map((g) => g.i), [0, 2]);
  t.deepEqual(drops, ['1:scripted', '3:queue', '4:mtu']);
});

test('jitter never reorders; reorder does, and every packet still arrives once', (t) => {
  const j = setup({ delayMs: 10, jitterMs: 50 });
  for (let i = 0; i < 200; i++) j.s.at(i, () => j.link.send('a', pkt(2, i)));
  j.s.run();
  t.deepEqual(j.got.map((g) => g.i), [...Array(200).keys()]);
  const r = setup({ delayMs: 10, reorder: 0.2 });
  for (let i = 0; i < 200; i++) r.s.at(i, () => r.link.send('a', pkt(2, i)));
  r.s.run();
  const order = r.got.map((g) => g.i);
  t.notDeepEqual(order, [...Array(200).keys()]);
  t.deepEqual([...order].sort((a, b) => a - b), [...Array(200).keys()]);
});

test('loss rate is near the probability; duplicate delivers a copy; the same seed repeats exactly', (t) => {
  const run = (seed: number) => {
    const x = setup({ loss: 0.1, duplicate: 0.05 }, seed);
    for (let i = 0; i < 10_000; i++) x.link.send('a', pkt(2, i));
    x.s.run();
    return x;
  };
  const a = run(5);
  const lost = a.drops.length;
  t.true(lost > 850 && lost < 1150, `${lost} lost`);
  t.true(a.got.length > 10_000 - lost, 'duplicates add deliveries');
  t.deepEqual(run(5).got.map((g) => g.i), a.got.map((g) => g.i));
  t.notDeepEqual(run(6).got.map((g) => g.i), a.got.map((g) => g.i));
});

test('corrupt flips one bit in a copy; the sender buffer is untouched', (t) => {
  const { s, link, got } = setup({ corrupt: 1 });
  const p = pkt(2, 7, 64);
  const orig = Buffer.from(p);
  link.send('a', p);
  s.run();
  t.true(p.equals(orig));
  let bits = 0;
  for (let i = 0; i < 64; i++) { let x = got[0].p[i] ^ orig[i]; while (x) { bits += x & 1; x >>= 1; } }
  t.is(bits, 1);
});

test('down drops what is sent while down; packets already in flight still arrive', (t) => {
  const { s, link, got, drops } = setup({ delayMs: 10 });
  link.send('a', pkt(2, 0));
  link.setUp(false);
  link.send('a', pkt(2, 1));
  link.setUp(true);
  link.send('a', pkt(2, 2));
  s.run();
  t.deepEqual(got.map((g) => g.i), [0, 2]);
  t.deepEqual(drops, ['1:down']);
});
