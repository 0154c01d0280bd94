/**
 * The order in which the link's deliveries reach the kernels (lib/real/delivery-order.ts): the model
 * answers the packets of an instant, and the SYNs of a simultaneous open (RFC 9293 3.5, figure 8), in
 * the order they arrive; two kernels would race. Here the kernels are stand-ins that answer when told.
 */
import test from 'ava';
import { ANSWER_MS, DeliveryOrder, SYN_ANSWER_MS, carriesSyn } from '../../lib/real/delivery-order.ts';

/** An IPv4 packet with a 20-byte TCP header and these flags. */
function packet(flags: number): Buffer {
  const p = Buffer.alloc(40);
  p[0] = 0x45;
  p[9] = 6;
  p[33] = flags;
  return p;
}
const SYN = packet(0x02);
const SYN_ACK = packet(0x12);
const ACK = packet(0x10);

/** Kernels that answer only when `answer(i)` is called: what was written, in order, and the bound each write was given. */
function standIns() {
  const written: { host: string; syn: boolean; boundMs: number }[] = [];
  const answers: (() => void)[] = [];
  const order = new DeliveryOrder((host, p, boundMs) => {
    written.push({ host, syn: carriesSyn(p), boundMs });
    return new Promise<void>((r) => answers.push(r));
  });
  return { order, written, answer: (i: number) => answers[i]() };
}
const tick = () => new Promise<void>((r) => setImmediate(r));

test('a SYN is told from its flags; what is not IPv4 TCP carries none', (t) => {
  t.true(carriesSyn(SYN));
  t.true(carriesSyn(SYN_ACK));
  t.false(carriesSyn(ACK));
  const udp = packet(0x02);
  udp[9] = 17;
  t.false(carriesSyn(udp));
  t.false(carriesSyn(Buffer.alloc(10)));
});

test('simultaneous open: b\'s SYN for a, 12 ms after a\'s SYN reached b, is written only once b has answered a\'s (so b\'s SYN-ACK leaves first, as on the model)', async (t) => {
  const k = standIns();
  k.order.deliver(10, 'b', SYN);
  k.order.deliver(22, 'a', SYN);
  await tick();
  t.deepEqual(k.written.map((w) => w.host), ['b'], 'a waits for b\'s answer');
  t.is(k.written[0].boundMs, SYN_ANSWER_MS);
  k.answer(0);
  await tick();
  t.deepEqual(k.written.map((w) => w.host), ['b', 'a']);
  // The SYN-ACKs the same way. b's reaches a, which got b's SYN last: a's kernel takes them in order, no wait.
  k.order.deliver(30, 'a', SYN_ACK);
  t.is(k.written.length, 3);
  // a's SYN-ACK for b waits until a has answered b's (its ACK is then on its way first, as on the model).
  k.order.deliver(31, 'b', SYN_ACK);
  await tick();
  t.is(k.written.length, 3, 'b\'s SYN-ACK waits for a\'s answer');
  k.answer(2);
  await tick();
  t.deepEqual(k.written.map((w) => w.host), ['b', 'a', 'a', 'b']);
});

test('bulk deliveries at different instants go at once, one to each host in turn; at one instant the second waits for the first\'s answer', async (t) => {
  const k = standIns();
  k.order.deliver(100, 'server', ACK);
  k.order.deliver(100.5, 'client', ACK);
  k.order.deliver(101, 'server', ACK);
  t.deepEqual(k.written.map((w) => w.host), ['server', 'client', 'server'], 'no waiting');
  k.order.deliver(101, 'client', ACK);
  await tick();
  t.is(k.written.length, 3, 'the same instant as the last: waits');
  t.is(k.written[2].boundMs, ANSWER_MS);
  k.answer(2);
  await tick();
  t.is(k.written.length, 4);
  // Two packets to one host at one instant: its kernel takes them in order, nothing to wait for.
  k.order.deliver(105, 'server', ACK);
  k.order.deliver(105, 'server', ACK);
  t.is(k.written.length, 6);
});
