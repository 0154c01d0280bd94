import test from 'ava';
import {
  MemoryLink, LinkConfigError, defaultDirectionConfig, directionConfigProblems, type LinkConfig, type LinkDirectionConfig,
} from '../../lib/link/memory.ts';
import { Scheduler } from '../../lib/sim/scheduler.ts';
import { Random } from '../../lib/sim/random.ts';
import { allocPacket, dropRecycledPackets, recycledPackets } from '../../lib/wire/bytes.ts';

const A = 0x0a000001; // 10.0.0.1
const B = 0x0a000002; // 10.0.0.2

/** A fake IPv4 packet: only the destination address (bytes 16..19) matters to the link; a tag at 20. */
function pkt(dst: number, tag: number, len = 100): Buffer {
  const b = Buffer.alloc(len);
  b[0] = 0x45;
  b.writeUInt32BE(dst, 16);
  if (len >= 24) b.writeUInt32BE(tag, 20);
  return b;
}

interface Got { t: number; tag: number; p: Buffer }

function setup(cfg: Partial<LinkDirectionConfig> | LinkConfig, seed = 1) {
  const s = new Scheduler();
  const log: string[] = [];
  const config: LinkConfig = 'default' in cfg || 'directions' in cfg ? (cfg as LinkConfig) : { default: cfg as Partial<LinkDirectionConfig> };
  const link = new MemoryLink(s, new Random(seed), config, {
    onSend: (from, to, p, index, now) => log.push(`${now} send ${from}>${to} #${index} tag ${p.readUInt32BE(20)}`),
    onDrop: (from, to, p, reason, now) => log.push(`${now} drop ${from}>${to} tag ${p.length >= 24 ? p.readUInt32BE(20) : '-'} ${reason}`),
    onCorrupt: (from, to, orig, bad, now) => log.push(`${now} corrupt ${from}>${to} tag ${orig.readUInt32BE(20)} ${orig === bad ? 'same' : 'copy'}`),
  });
  const atA: Got[] = [];
  const atB: Got[] = [];
  link.attach('a', A, (p, now) => { t0check(s, now); atA.push({ t: now, tag: p.readUInt32BE(20), p }); });
  link.attach('b', B, (p, now) => { t0check(s, now); atB.push({ t: now, tag: p.readUInt32BE(20), p }); });
  return { s, link, atA, atB, log };
}

/** The receiver's `now` is the scheduler's. */
function t0check(s: Scheduler, now: number) {
  if (now !== s.now) throw new Error(`receiver now ${now} != scheduler ${s.now}`);
}

const tags = (g: Got[]) => g.map((x) => x.tag);
const range = (n: number) => [...Array(n).keys()];

test('defaults: no delay, MTU 1500, every impairment off; the same Buffer is delivered, uncopied', (t) => {
  t.is(defaultDirectionConfig.delayMs, 0);
  t.is(defaultDirectionConfig.mtu, 1500);
  const { s, link, atB, log } = setup({});
  const p = pkt(B, 1);
  link.send('a', p);
  t.is(atB.length, 0, 'delivery is an event, never a call inside send');
  s.run();
  t.is(atB.length, 1);
  t.is(atB[0].p, p);
  t.is(atB[0].t, 0);
  t.deepEqual(log, ['0 send a>b #1 tag 1']);
});

test('delay: each packet arrives delayMs after it was sent, in order, with fractional times', (t) => {
  const { s, link, atB } = setup({ delayMs: 10.5 });
  for (let i = 0; i < 3; i++) s.at(i * 0.25, () => link.send('a', pkt(B, i)));
  s.run();
  t.deepEqual(atB.map((g) => [g.t, g.tag]), [[10.5, 0], [10.75, 1], [11, 2]]);
});

test('a link with no impairments and no observer still counts every packet and byte sent and delivered, both ways', (t) => {
  // The plain path (nothing but the delay can happen to a packet) must keep the same books as the general one.
  const s = new Scheduler();
  const link = new MemoryLink(s, new Random(1), { default: { delayMs: 1 } });
  const got: string[] = [];
  link.attach('a', A, (p, now) => got.push(`${now} a ${p.readUInt32BE(20)}`));
  link.attach('b', B, (p, now) => got.push(`${now} b ${p.readUInt32BE(20)}`));
  for (let i = 0; i < 3; i++) s.at(i, () => { link.send('a', pkt(B, i, 100)); link.send('b', pkt(A, i, 60)); });
  s.run();
  t.deepEqual(got, ['1 b 0', '1 a 0', '2 b 1', '2 a 1', '3 b 2', '3 a 2']);
  t.like(link.stats()['a>b'], { sent: 3, bytes: 300, delivered: 3, bytesDelivered: 300 });
  t.like(link.stats()['b>a'], { sent: 3, bytes: 180, delivered: 3, bytesDelivered: 180 });
});

test('jitter: each delay is in [delay, delay + jitter) and the order is kept, even with packets closer than the jitter', (t) => {
  const { s, link, atB } = setup({ delayMs: 10, jitterMs: 50 });
  const sentAt: number[] = [];
  for (let i = 0; i < 1000; i++) s.at(i, () => { sentAt[i] = s.now; link.send('a', pkt(B, i)); });
  s.run();
  t.deepEqual(tags(atB), range(1000));
  t.true(atB.every((g) => g.t - sentAt[g.tag] >= 10 && g.t - sentAt[g.tag] < 60));
  // Packets further apart than the jitter are never held up by the one before: their delays spread out.
  const sparse = setup({ delayMs: 10, jitterMs: 50 });
  for (let i = 0; i < 200; i++) sparse.s.at(i * 100, () => sparse.link.send('a', pkt(B, i)));
  sparse.s.run();
  const delays = sparse.atB.map((g) => g.t - g.tag * 100);
  const mean = delays.reduce((a, d) => a + d, 0) / delays.length;
  t.true(Math.min(...delays) < 12 && Math.max(...delays) > 58, 'jitter covers its range');
  t.true(Math.abs(mean - 35) < 4, `mean delay ${mean}, expected about 10 + 50/2`);
});

test('rate: serialisation takes len*8/rate exactly, packets queue behind each other, an idle link starts afresh', (t) => {
  const { s, link, atB } = setup({ delayMs: 1, rateBitsPerSec: 8000 }); // 1 byte per ms
  for (let i = 0; i < 3; i++) link.send('a', pkt(B, i, 100));
  s.at(1000, () => link.send('a', pkt(B, 3, 250)));
  s.run();
  t.deepEqual(atB.map((g) => g.t), [101, 201, 301, 1251]);
  const fast = setup({ rateBitsPerSec: 10_000_000 });
  fast.link.send('a', pkt(B, 0, 1250)); // 10,000 bits at 10 Mbit/s: 1 ms
  fast.s.run();
  t.is(fast.atB[0].t, 1);
});

test('queue limit counts packets waiting behind the one being serialised; the queue drains with time', (t) => {
  const { s, link, atB, log } = setup({ rateBitsPerSec: 8000, queueLimit: 2 });
  for (let i = 0; i < 5; i++) link.send('a', pkt(B, i, 100)); // 0 on the wire, 1 and 2 wait, 3 and 4 overflow
  s.at(150, () => link.send('a', pkt(B, 5, 100))); // 0 has left, 1 is on the wire: 2 waits, room for one
  s.at(150, () => link.send('a', pkt(B, 6, 100)));
  s.run();
  t.deepEqual(atB.map((g) => [g.t, g.tag]), [[100, 0], [200, 1], [300, 2], [400, 5]]);
  t.deepEqual(log.filter((l) => l.includes('drop')), ['0 drop a>b tag 3 queue', '0 drop a>b tag 4 queue', '150 drop a>b tag 6 queue']);
  t.is(link.stats()['a>b'].dropped.queue, 3);
});

test('MTU: a packet larger than the MTU is dropped, one of exactly the MTU passes', (t) => {
  const { s, link, atB, log } = setup({ mtu: 576 });
  link.send('a', pkt(B, 1, 577));
  link.send('a', pkt(B, 2, 576));
  s.run();
  t.deepEqual(tags(atB), [2]);
  t.true(log.includes('0 drop a>b tag 1 mtu'));
});

test('scripted drops by 1-based index, per direction; dropped packets still count in the index', (t) => {
  const { s, link, atA, atB, log } = setup({ directions: { 'a>b': { drop: [1, 3] } } });
  for (let i = 1; i <= 4; i++) {
    link.send('a', pkt(B, i));
    link.send('b', pkt(A, i));
  }
  s.run();
  t.deepEqual(tags(atB), [2, 4]);
  t.deepEqual(tags(atA), [1, 2, 3, 4]);
  t.deepEqual(log.filter((l) => l.includes('a>b')), [
    '0 send a>b #1 tag 1', '0 drop a>b tag 1 scripted', '0 send a>b #2 tag 2', '0 send a>b #3 tag 3', '0 drop a>b tag 3 scripted', '0 send a>b #4 tag 4',
  ]);
  t.like(link.stats()['a>b'], { sent: 4, delivered: 2, dropped: { scripted: 2, loss: 0 } });
});

test('loss: over 10,000 packets the loss rate is within 3 standard deviations of p (fixed seed)', (t) => {
  const { s, link, atB } = setup({ loss: 0.1 }, 5);
  for (let i = 0; i < 10_000; i++) link.send('a', pkt(B, i));
  s.run();
  const lost = 10_000 - atB.length;
  t.true(lost > 910 && lost < 1090, `${lost} lost`);
  t.is(link.stats()['a>b'].dropped.loss, lost);
  t.deepEqual(tags(atB), tags(atB).slice().sort((x, y) => x - y), 'loss alone never reorders');
});

test('duplicate: the copy arrives right after the original, at the same time, as a distinct equal Buffer', (t) => {
  const { s, link, atB } = setup({ delayMs: 3, duplicate: 1 });
  link.send('a', pkt(B, 1));
  link.send('a', pkt(B, 2));
  s.run();
  t.deepEqual(atB.map((g) => [g.t, g.tag]), [[3, 1], [3, 1], [3, 2], [3, 2]]);
  t.not(atB[0].p, atB[1].p);
  t.true(atB[0].p.equals(atB[1].p));
  t.like(link.stats()['a>b'], { sent: 2, delivered: 4, duplicated: 2 });
});

test('reorder: a held-back packet is delivered right after the next packet that arrives', (t) => {
  const { s, link, atB } = setup({ delayMs: 10, reorder: 0.3 }, 3);
  for (let i = 0; i < 2000; i++) s.at(i, () => link.send('a', pkt(B, i)));
  s.run();
  const order = tags(atB);
  t.deepEqual(order.slice().sort((x, y) => x - y), range(2000), 'every packet arrives exactly once');
  const st = link.stats()['a>b'];
  t.true(st.reordered > 400 && st.reordered < 800, `${st.reordered} reordered`);
  // Every packet that arrives after a higher-numbered one arrived with it, at its time.
  let late = 0;
  let maxSoFar = -1;
  let maxAt = 0;
  let wrong = 0;
  for (const g of atB) {
    if (g.tag < maxSoFar) {
      late++;
      if (g.t !== maxAt) wrong++;
    } else {
      maxSoFar = g.tag;
      maxAt = g.t;
    }
  }
  t.is(late, st.reordered);
  t.is(wrong, 0);
});

test('reorder: a held-back packet nothing overtakes arrives reorderDelayMs late and is not counted reordered', (t) => {
  const { s, link, atB } = setup({ delayMs: 10, reorder: 1, reorderDelayMs: 7 });
  link.send('a', pkt(B, 1));
  s.at(100, () => link.send('a', pkt(B, 2)));
  s.run();
  t.deepEqual(atB.map((g) => [g.t, g.tag]), [[17, 1], [117, 2]]);
  t.is(link.stats()['a>b'].reordered, 0);
});

test('corrupt: exactly one bit differs in a copy; the sender\'s Buffer is untouched; the observer sees both', (t) => {
  const { s, link, atB, log } = setup({ corrupt: 1 }, 9);
  const sent: Buffer[] = [];
  for (let i = 0; i < 50; i++) sent.push(pkt(B, i, 64));
  const before = sent.map((p) => Buffer.from(p));
  for (const p of sent) link.send('a', p);
  s.run();
  t.true(sent.every((p, i) => p.equals(before[i])), 'the sender\'s buffers are unchanged');
  const flippedBits = atB.map((g, i) => {
    let bits = 0;
    for (let k = 0; k < 64; k++) for (let x = g.p[k] ^ before[i][k]; x; x >>= 1) bits += x & 1;
    return bits;
  });
  t.deepEqual(flippedBits, new Array(50).fill(1));
  t.is(log.filter((l) => l.includes('corrupt') && l.endsWith('copy')).length, 50);
  t.is(link.stats()['a>b'].corrupted, 50);
});

test('down: packets sent while down are dropped; packets already on the wire still arrive; up again works', (t) => {
  const { s, link, atB, log } = setup({ delayMs: 10 });
  link.send('a', pkt(B, 0));
  s.at(1, () => { link.setUp(false); link.send('a', pkt(B, 1)); });
  s.at(2, () => { link.setUp(true); link.send('a', pkt(B, 2)); });
  s.run();
  t.true(link.isUp);
  t.deepEqual(atB.map((g) => [g.t, g.tag]), [[10, 0], [12, 2]]);
  t.true(log.includes('1 drop a>b tag 1 down'));
  t.is(link.stats()['a>b'].dropped.down, 1);
});

test('no-route: an unknown destination or a packet too short to have one is dropped', (t) => {
  const { s, link, log } = setup({});
  link.send('a', pkt(0x0a000009, 1));
  link.send('a', Buffer.alloc(10));
  s.run();
  t.deepEqual(log, ['0 drop a>? tag 1 no-route', '0 drop a>? tag - no-route']);
  t.is(link.stats()['a>?'].dropped['no-route'], 2);
});

/** Everything on at once, both directions, with a delivery log that includes the bytes. */
function impairedRun(seed: number, serverToClient: Partial<LinkDirectionConfig> = {}) {
  const x = setup({
    default: { delayMs: 5, jitterMs: 4, loss: 0.1, duplicate: 0.05, reorder: 0.1, corrupt: 0.05, rateBitsPerSec: 1_000_000, queueLimit: 20 },
    directions: { 'b>a': serverToClient },
  }, seed);
  for (let i = 0; i < 500; i++) x.s.at(i * 0.5, () => { x.link.send('a', pkt(B, i)); x.link.send('b', pkt(A, i)); });
  x.s.run();
  const show = (g: Got[]) => g.map((d) => `${d.t} ${d.p.toString('hex')}`);
  return { ab: show(x.atB), ba: show(x.atA), log: x.log.filter((l) => l.includes('a>b')) };
}

test('the same seed gives the identical run; another seed gives another', (t) => {
  const one = impairedRun(77);
  t.deepEqual(impairedRun(77), one);
  t.notDeepEqual(impairedRun(78).ab, one.ab);
});

test('changing one direction never moves the other direction\'s draws', (t) => {
  const one = impairedRun(77);
  const other = impairedRun(77, { loss: 0.5, jitterMs: 0, corrupt: 0 });
  t.notDeepEqual(other.ba, one.ba);
  t.deepEqual(other.ab, one.ab);
  t.deepEqual(other.log, one.log);
});

test('the draws per packet are fixed: turning jitter on changes arrival times, not which packets are lost', (t) => {
  const lostTags = (jitterMs: number) => {
    const x = setup({ loss: 0.2, jitterMs }, 4);
    for (let i = 0; i < 1000; i++) x.link.send('a', pkt(B, i));
    x.s.run();
    return x.log.filter((l) => l.endsWith('loss'));
  };
  t.deepEqual(lostTags(0), lostTags(25));
});

test('settings out of range are refused with the field and the rule; every problem is listed', (t) => {
  const s = new Scheduler();
  const r = new Random(1);
  const e = t.throws(() => new MemoryLink(s, r, { default: { loss: 2 } }), { instanceOf: LinkConfigError });
  t.is(e.name, 'LinkConfigError');
  t.is(e.field, 'loss');
  t.is(e.message, 'link default: loss must be a probability in 0..1, got 2');
  t.is(t.throws(() => new MemoryLink(s, r, { directions: { 'a>b': { mtu: 40 } } }), { instanceOf: LinkConfigError }).where, 'a>b');
  t.is(t.throws(() => new MemoryLink(s, r, { directions: { ab: {} } }), { instanceOf: LinkConfigError }).field, 'direction');
  t.deepEqual(directionConfigProblems({ delayMs: -1, jitterMs: Number.NaN, corrupt: 1.5, queueLimit: 1.5, drop: [0, 2, 3.5] }).map((p) => p.field),
    ['delayMs', 'jitterMs', 'corrupt', 'queueLimit', 'drop']);
  t.deepEqual(directionConfigProblems({ ...defaultDirectionConfig }), []);
});

test('attaching a name or address twice, or sending from a host never attached, is a bug', (t) => {
  const { link } = setup({});
  t.throws(() => link.attach('a', 0x0a000003, () => {}), { message: /named a/ });
  t.throws(() => link.attach('c', B, () => {}), { message: /b already has address 10\.0\.0\.2/ });
  t.throws(() => link.send('zz', pkt(B, 1)), { message: /no host named zz/ });
});

/** A packet from the packet allocator, addressed to `dst`, tagged at 20 (what a host's encoder makes). */
function allocated(dst: number, tag: number, len = 100): Buffer {
  const b = allocPacket(len);
  b.fill(0);
  b[0] = 0x45;
  b.writeUInt32BE(dst, 16);
  b.writeUInt32BE(tag, 20);
  return b;
}

test('recycle: a packet whose receiver answers true (it kept nothing) goes back to the allocator; answered otherwise, or on a link without recycle, it does not', (t) => {
  for (const [recycle, answer, expected] of [[true, true, 1], [true, undefined, 0], [true, 1, 0], [false, true, 0]] as const) {
    dropRecycledPackets();
    const s = new Scheduler();
    const link = new MemoryLink(s, new Random(1), { default: { delayMs: 1 } }, {}, { recycle });
    link.attach('a', A, () => {});
    link.attach('b', B, () => answer);
    const p = allocated(B, 7, 1234);
    link.send('a', p);
    t.is(recycledPackets().packets, 0, 'nothing is recycled before it is delivered');
    s.run();
    t.is(recycledPackets().packets, expected, `recycle ${recycle}, receiver answers ${answer}`);
    if (expected) t.is(allocPacket(1234), p, 'and the next packet of its length is that one');
  }
  dropRecycledPackets();
});

test('recycle with duplication and reordering: a duplicate is copied before its original goes back, so both arrive whole, and each packet goes back once', (t) => {
  dropRecycledPackets();
  const s = new Scheduler();
  const link = new MemoryLink(s, new Random(3), { default: { delayMs: 1, duplicate: 0.5, reorder: 0.3 } }, {}, { recycle: true });
  const got: number[] = [];
  link.attach('a', A, () => {});
  link.attach('b', B, (p) => {
    got.push(p.readUInt32BE(20));
    // Overwritten as it is handed back, as it would be by the next packet of its length.
    p.fill(0xff);
    return true;
  });
  // Each of its own length, so that none is handed out again here and the pool counts them all.
  for (let i = 0; i < 200; i++) s.at(i * 0.1, () => link.send('a', allocated(B, i, 100 + i)));
  s.run();
  const st = link.stats()['a>b'];
  t.true(st.duplicated > 50 && st.reordered > 10, `duplicated ${st.duplicated}, reordered ${st.reordered}`);
  t.is(got.length, 200 + st.duplicated);
  t.deepEqual([...new Set(got)].sort((x, y) => x - y), range(200), 'every tag arrived intact');
  // Originals are recycled; a duplicate (a fresh copy) is delivered straight to the receiver and left to the collector.
  t.is(recycledPackets().packets, 200);
  dropRecycledPackets();
});

test('zero copy: splitSender exists only on a recycling link with no observer', (t) => {
  const s = new Scheduler();
  const plain = new MemoryLink(s, new Random(1), {}, {}, { recycle: false });
  plain.attach('a', A, () => {});
  t.is(plain.splitSender('a'), undefined);
  const watched = new MemoryLink(s, new Random(1), {}, { onDrop: () => {} }, { recycle: true });
  watched.attach('a', A, () => {});
  t.is(watched.splitSender('a'), undefined);
  const bare = new MemoryLink(s, new Random(1), {}, {}, { recycle: true });
  bare.attach('a', A, () => {});
  t.is(typeof bare.splitSender('a'), 'function');
});

test('zero copy on a plain direction: the split receiver gets each header with its own payload, the same Buffer, in order and at the delay, counted as whole packets; a header it kept nothing of goes back', (t) => {
  dropRecycledPackets();
  const s = new Scheduler();
  const link = new MemoryLink(s, new Random(1), { default: { delayMs: 2 } }, {}, { recycle: true });
  const got: { t: number; tag: number; payload: Buffer }[] = [];
  link.attach('a', A, () => {});
  let whole = 0;
  link.attach('b', B, () => { whole++; }, (h, p, now) => { got.push({ t: now, tag: h.readUInt32BE(20), payload: p }); return true; });
  // The direction is made by the first whole packet sent on it, as a host's SYN does.
  link.send('a', allocated(B, 99, 60));
  s.run();
  t.is(whole, 1);
  const send = link.splitSender('a')!;
  const payloads = range(3000).map((i) => Buffer.alloc(10 + (i % 7), i));
  for (let i = 0; i < 3000; i++) s.at(10 + i * 0.5, () => send(allocated(B, i, 40), payloads[i]));
  s.run();
  t.is(got.length, 3000);
  t.is(whole, 1, 'nothing joined');
  t.deepEqual(got.map((g) => g.tag), range(3000));
  t.true(got.every((g, i) => g.payload === payloads[i] && g.t === 10 + i * 0.5 + 2));
  const st = link.stats()['a>b'];
  t.is(st.sent, 3001);
  t.is(st.delivered, 3001);
  t.is(st.bytesDelivered, 60 + payloads.reduce((n, p) => n + 40 + p.length, 0));
  t.true(recycledPackets().packets > 0, 'headers went back');
  dropRecycledPackets();
});

test('zero copy elsewhere: on a direction with loss, or to a host with no split receiver, the pieces are joined into one packet and go the ordinary way', (t) => {
  for (const [cfg, split] of [[{ loss: 0.3 }, true], [{}, false]] as const) {
    const s = new Scheduler();
    const link = new MemoryLink(s, new Random(4), { default: { delayMs: 1, ...cfg } }, {}, { recycle: true });
    const whole: Buffer[] = [];
    link.attach('a', A, () => {});
    link.attach('b', B, (p) => { whole.push(Buffer.from(p)); }, split ? () => t.fail('nothing split on this direction') : undefined);
    const send = link.splitSender('a')!;
    for (let i = 0; i < 200; i++) send(allocated(B, i, 40), Buffer.alloc(9, i));
    s.run();
    const st = link.stats()['a>b'];
    t.is(whole.length + st.dropped.loss, 200);
    if ('loss' in cfg) t.true(st.dropped.loss > 20, `lost ${st.dropped.loss}`);
    for (const p of whole) {
      t.is(p.length, 49);
      t.deepEqual([...p.subarray(40)], Array(9).fill(p.readUInt32BE(20)), 'the payload follows its own header');
    }
  }
  dropRecycledPackets();
});

test('bursts: split packets sent one after another for the same time are one scheduler event, delivered in turn at their time; anything scheduled between them, another time, or a packet sent while a burst is delivered starts a new one', (t) => {
  const s = new Scheduler();
  const link = new MemoryLink(s, new Random(1), { default: { delayMs: 0 } }, {}, { recycle: true, bursts: true });
  const got: string[] = [];
  link.attach('a', A, () => {});
  link.attach('b', B, () => {}, (h, p, now) => {
    const tag = h.readUInt32BE(20);
    got.push(`${now} ${tag}`);
    // A receiver that makes its sender send at once (as an application holding both ends may).
    if (tag === 2 || tag === 7) send(allocated(B, 100 + tag, 40), Buffer.alloc(3, tag));
    return true;
  });
  link.send('a', allocated(B, 99, 60)); // makes the direction
  s.run();
  const send = link.splitSender('a')!;
  s.at(10, () => {
    for (let i = 0; i < 4; i++) send(allocated(B, i, 40), Buffer.alloc(3, i)); // one burst: 0..3
    s.post(10, () => got.push('10 timer')); // scheduled between: the next packet starts a new burst
    send(allocated(B, 4, 40), Buffer.alloc(3, 4));
    send(allocated(B, 5, 40), Buffer.alloc(3, 5)); // joins 4
  });
  s.at(10.5, () => send(allocated(B, 6, 40), Buffer.alloc(3, 6))); // another time: its own
  // 102 is sent while 0..3 are delivered and nothing was scheduled since 5: it joins 4..5, the burst still
  // waiting. 107 is sent while the last burst (7..9) is delivered: that one takes no more; 107 comes after it.
  s.at(20, () => { for (let i = 7; i < 10; i++) send(allocated(B, i, 40), Buffer.alloc(3, i)); });
  const before = s.scheduled;
  s.run();
  t.deepEqual(got, ['10 0', '10 1', '10 2', '10 3', '10 timer', '10 4', '10 5', '10 102', '10.5 6', '20 7', '20 8', '20 9', '20 107']);
  // Scheduled while they ran: the timer, and one event per burst (0..3, 4..5 and 102, 6, 7..9, 107).
  t.is(s.scheduled - before, 1 + 5);
  const st = link.stats()['a>b'];
  t.is(st.sent, 13); // with 99
  t.is(st.delivered, 13);
  dropRecycledPackets();
});

test('zero copy through a queue: with splitQueued, a clean direction with a rate delivers each split packet at the instant the whole packet arrives on the same link, the header with its own payload, in order', (t) => {
  // Twin links, the same sends: one handed whole packets, the other the same packets in two pieces.
  const sizes = range(400).map((i) => 10 + ((i * 37) % 1400));
  const sendAt = (i: number) => 10 + Math.floor(i / 7) * 0.05; // bursts faster than 10 Mbit/s: the queue grows
  const run = (split: boolean) => {
    const s = new Scheduler();
    const link = new MemoryLink(s, new Random(1), { default: { delayMs: 2, rateBitsPerSec: 10e6 } }, { onDrop: () => t.fail('nothing dropped') }, { splitQueued: true });
    const got: string[] = [];
    link.attach('a', A, () => {});
    link.attach('b', B, (p, now) => { got.push(`${now} ${p.readUInt32BE(20)} ${p.length} ${p[p.length - 1]}`); }, (h, p, now) => {
      got.push(`${now} ${h.readUInt32BE(20)} ${h.length + p.length} ${p[p.length - 1]}`);
      return true;
    });
    link.send('a', allocated(B, 99, 60)); // makes the direction
    const send = link.splitSender('a')!;
    for (let i = 0; i < sizes.length; i++) {
      s.at(sendAt(i), () => {
        const payload = Buffer.alloc(sizes[i], i & 255);
        if (split) send(allocated(B, i, 40), payload);
        else link.send('a', Buffer.concat([allocated(B, i, 40), payload]));
      });
    }
    s.run();
    return { got, st: link.stats()['a>b'] };
  };
  const whole = run(false);
  const split = run(true);
  t.is(split.got.length, 401);
  t.deepEqual(split.got, whole.got);
  t.deepEqual(split.st, whole.st);
  // The queue did hold packets: the last one left long after it was sent (400 packets of ~740 bytes at 10 Mbit/s).
  t.true(Number(split.got[400].split(' ')[0]) > sendAt(399) + 100);
});

test('zero copy through a queue: a split packet that the link drops (queue full, down, too large) is joined first, and the observer is shown it whole; a direction with loss joins every one', (t) => {
  const s = new Scheduler();
  const dropped: string[] = [];
  const link = new MemoryLink(s, new Random(3), {
    default: { delayMs: 1, rateBitsPerSec: 1e6, queueLimit: 2, mtu: 500 },
    directions: { 'b>a': { loss: 0.5 } },
  }, { onDrop: (from, to, p, reason) => dropped.push(`${from}>${to} ${p.readUInt32BE(20)} ${p.length} ${reason}`) }, { splitQueued: true });
  const split: number[] = [];
  const whole: number[] = [];
  link.attach('a', A, (p) => { whole.push(p.readUInt32BE(20)); }, (h) => { split.push(h.readUInt32BE(20)); });
  link.attach('b', B, (p) => { whole.push(p.readUInt32BE(20)); }, (h) => { split.push(h.readUInt32BE(20)); });
  link.send('a', allocated(B, 99, 60));
  link.send('b', allocated(A, 98, 60));
  s.run();
  const fromA = link.splitSender('a')!;
  const fromB = link.splitSender('b')!;
  s.at(10, () => {
    for (let i = 0; i < 5; i++) fromA(allocated(B, i, 40), Buffer.alloc(100)); // 0 on the wire, 1 and 2 wait, 3 and 4 find the queue full
    fromA(allocated(B, 5, 40), Buffer.alloc(600)); // larger than the MTU
  });
  s.at(100, () => link.setUp(false));
  s.at(100, () => fromA(allocated(B, 6, 40), Buffer.alloc(100)));
  s.at(200, () => link.setUp(true));
  s.at(200, () => { for (let i = 0; i < 40; i++) fromB(allocated(A, 100 + i, 40), Buffer.alloc(50)); });
  s.run();
  t.deepEqual(dropped.filter((d) => d.startsWith('a>b')), ['a>b 3 140 queue', 'a>b 4 140 queue', 'a>b 5 640 mtu', 'a>b 6 140 down']);
  t.deepEqual(split, [0, 1, 2], 'only what went through the queue of a clean direction came split');
  const lost = dropped.filter((d) => d.startsWith('b>a')).length;
  t.true(lost > 5, `lost ${lost}`);
  t.is(whole.length, 2 + 40 - lost, 'the lossy direction delivered the rest whole');
});

test('zero copy through a queue: splitSender is made for a link that does not recycle and tells onDrop, not for one that shows every packet sent or corrupted', (t) => {
  const s = new Scheduler();
  const make = (observer: ConstructorParameters<typeof MemoryLink>[3]) => {
    const link = new MemoryLink(s, new Random(1), {}, observer, { splitQueued: true });
    link.attach('a', A, () => {});
    return link.splitSender('a');
  };
  t.is(typeof make({ onDrop: () => {} }), 'function');
  t.is(make({ onSend: () => {} }), undefined);
  t.is(make({ onCorrupt: () => {} }), undefined);
});
