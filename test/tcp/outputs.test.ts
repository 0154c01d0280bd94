/**
 * The connection's outputs are queued while a call works and handed over, in order, when it is done
 * (lib/tcp/outbox.ts): to a sink, or kept for `poll()`. A sink that calls back in finds the connection settled.
 */
import test from 'ava';
import { Connection, type ConnEvent, type ConnOutput, type TcpState } from '../../lib/tcp/connection.ts';
import { resolveConfig } from '../../lib/tcp/config.ts';
import type { TcpSegment } from '../../lib/wire/tcp-types.ts';
import { ACK, FIN, LOCAL_ISS, LOCAL_PORT, PSH, REMOTE_ISS, REMOTE_PORT, SYN, conn, seg } from './harness.ts';


function pollAll(c: Connection): ConnOutput[] {
  const out: ConnOutput[] = [];
  for (let o = c.poll(); o; o = c.poll()) out.push(o);
  return out;
}

test('RFC 9293 3.10.1 on a connection without a sink: OPEN queues the state change, the timer and the SYN, for poll() in that order', (t) => {
  const c = new Connection({ config: resolveConfig({ profile: 'rfc' }), localPort: LOCAL_PORT, remotePort: REMOTE_PORT, iss: LOCAL_ISS });
  c.connect(0);
  const out = pollAll(c);
  t.deepEqual(out.map((o) => o.kind), ['state', 'transmit', 'timer']);
  const [state, tx, timer] = out;
  t.like(state, { kind: 'state', from: 'CLOSED', to: 'SYN-SENT', cause: 'app connect', now: 0 });
  t.true(tx.kind === 'transmit' && tx.segment.flags === SYN && tx.segment.seq === LOCAL_ISS && !tx.info.retransmit);
  // RFC 6298 2.1: the RTO starts at 1 s.
  t.like(timer, { kind: 'timer', timer: 'rto', action: 'set', at: 1000 });
  t.is(c.poll(), undefined, 'each output is given once');

  // 3.10.7.3: the SYN-ACK arrives; the handshake's ACK leaves before the application hears of it.
  c.onSegment(seg({ flags: SYN | ACK, seq: REMOTE_ISS, ack: LOCAL_ISS + 1 }), 50);
  const kinds = pollAll(c).map((o) => (o.kind === 'event' ? `event ${o.event.kind}` : o.kind === 'transmit' ? `transmit ${o.segment.flags === ACK ? 'ACK' : o.segment.flags}` : o.kind));
  t.deepEqual(kinds.filter((k) => k !== 'timer' && k !== 'congestion'), ['state', 'transmit ACK', 'event established']);
  t.is(c.state, 'ESTABLISHED');
});

test('a polled segment is the owner\'s to keep: the next call does not change it', (t) => {
  const c = new Connection({ config: resolveConfig({ profile: 'rfc', nagle: false }), localPort: LOCAL_PORT, remotePort: REMOTE_PORT, iss: LOCAL_ISS, segmentsUsedAtOnce: true });
  c.connect(0);
  c.onSegment(seg({ flags: SYN | ACK, seq: REMOTE_ISS, ack: LOCAL_ISS + 1 }), 50);
  pollAll(c);
  c.send(Buffer.from('one'), 60);
  c.send(Buffer.from('two'), 61);
  const sent = pollAll(c).flatMap((o) => (o.kind === 'transmit' ? [o.segment] : []));
  t.deepEqual(sent.map((s) => [s.seq - LOCAL_ISS, s.payload.toString()]), [[1, 'one'], [4, 'two']]);
  t.not(sent[0], sent[1]);
});

test('RFC 9293 3.10.7.4: a sink told "readable" finds the whole segment processed, FIN included, and may read at once', (t) => {
  const { c, rec } = conn({ profile: 'rfc' });
  let seen: { state: TcpState; readable: number } | undefined;
  let inside = false;
  const event = rec.event.bind(rec);
  rec.event = (ev: ConnEvent) => {
    t.false(inside, 'never told while the connection is inside onSegment');
    event(ev);
    if (ev.kind === 'readable') {
      seen = { state: c.state, readable: c.readable };
      c.read(100, 20);
    }
  };
  c.listen(0);
  c.onSegment(seg({ flags: SYN, seq: REMOTE_ISS }), 0);
  c.onSegment(seg({ flags: ACK, seq: REMOTE_ISS + 1, ack: LOCAL_ISS + 1 }), 10);
  rec.take();
  // Watch the processing itself: arrive is 3.10.7's body (input.ts); the hand-over comes after it returns.
  const body = (Object.getPrototypeOf(c) as { arrive(s: TcpSegment, n: number): void }).arrive;
  (c as unknown as { arrive(s: TcpSegment, n: number): void }).arrive = (s: TcpSegment, now: number) => {
    inside = true;
    try {
      body.call(c, s, now);
    } finally {
      inside = false;
    }
  };
  c.onSegment(seg({ flags: ACK | PSH | FIN, seq: REMOTE_ISS + 1, ack: LOCAL_ISS + 1, payload: Buffer.from('hello') }), 20);
  t.deepEqual(seen, { state: 'CLOSE-WAIT', readable: 5 });
  t.is(c.readable, 0);
  // The ACK of the data and FIN (3.10.7.4 eighth) is sent after the read: it offers the whole window again.
  const acks = rec.take();
  t.is(acks.length, 1);
  t.like(acks[0], { flags: ACK, ack: REMOTE_ISS + 7, window: 65535 });
});

test('a call made from inside the sink hands over its own outputs before the rest of the outer call\'s (the order a trace shows)', (t) => {
  const { c, rec } = conn({ profile: 'rfc', nagle: false });
  const order: string[] = [];
  rec.transmit = (s) => { order.push(`tx ${s.payload.length ? s.payload.toString() : s.flags === ACK ? 'ACK' : s.flags}`); };
  rec.state = (_from, to) => { order.push(`state ${to}`); };
  rec.event = (ev) => {
    order.push(`event ${ev.kind}`);
    // The application writes as soon as it hears the connection is open (Node's 'connect').
    if (ev.kind === 'established') c.send(Buffer.from('hi'), 50);
  };
  c.connect(0);
  c.onSegment(seg({ flags: SYN | ACK, seq: REMOTE_ISS, ack: LOCAL_ISS + 1 }), 50);
  t.deepEqual(order, ['state SYN-SENT', `tx ${SYN}`, 'state ESTABLISHED', 'tx ACK', 'event established', 'tx hi']);
});
