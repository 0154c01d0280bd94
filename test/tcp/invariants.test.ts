/**
 * The invariant checker (lib/tcp/invariants.ts): each rule breaks when it should and holds when it should,
 * and it is on for every connection in `npm test`.
 */
import test from 'ava';
import { InvariantChecker, InvariantError, invariantChecksByDefault, type TcbView } from '../../lib/tcp/invariants.ts';
import { ACK, FIN, RST, SYN, type TcpSegment } from '../../lib/wire/tcp-types.ts';
import { LOCAL_ISS, REMOTE_ISS, established, seg } from './harness.ts';

/** An established connection's TCB: 1000 bytes sent of 3000 written, 200 unread of a 1000-byte buffer. */
function tcb(p: Partial<TcbView> = {}): TcbView {
  return {
    state: 'ESTABLISHED', iss: 100, sndUna: 101, sndNxt: 1101, sndMax: 1101, sndWnd: 5000, bufSeq: 101, sendLength: 3000,
    finQueued: false, rcvNxt: 5001, receiving: true, unread: 200, rcvbuf: 1000, rcvScale: 0, ...p,
  };
}

function out(p: Partial<TcpSegment> & { flags: number }): TcpSegment {
  return { srcPort: 80, dstPort: 1000, seq: 1101, ack: 5001, window: 800, urgent: 0, options: [], payload: Buffer.alloc(0), ...p };
}

test('npm test runs every connection with the checks on (TCPEMU_INVARIANTS=1 in the ava configuration)', (t) => {
  t.true(invariantChecksByDefault());
});

test('the advertised right edge may reach the free space, not pass it (RFC 9293 3.8.6.2.2)', (t) => {
  const c = new InvariantChecker();
  c.transmit(0, tcb(), out({ flags: ACK, window: 800 }), undefined); // 5001 + 800 = 200 unread + 800 free
  const e = t.throws(() => c.transmit(1, tcb(), out({ flags: ACK, window: 801 }), undefined), { instanceOf: InvariantError });
  t.regex(e!.message, /past the 800 free bytes/);
  t.regex(e!.message, /t=0 snd \. seq 1101 ack 5001 win 800/, 'the history is in the message');
});

test('the right edge never moves left, save by less than one scale unit where keeping it would pass the buffer (RFC 7323 appendix F)', (t) => {
  const c = new InvariantChecker();
  c.transmit(0, tcb(), out({ flags: ACK, window: 500 }), undefined);
  t.throws(() => c.transmit(1, tcb(), out({ flags: ACK, window: 499 }), undefined), { message: /moved left, from 5501 to 5500/ });
  // Scaled by 2^4: the edge at 5001 + 50 * 16 = 5801 is the buffer's end; RCV.NXT moves 5 bytes on, so
  // rounding the window up (to 50 units) would pass it, and rounding down retracts by 11 bytes.
  const s = new InvariantChecker();
  s.transmit(0, tcb({ rcvScale: 4 }), out({ flags: ACK, window: 50 }), undefined);
  t.notThrows(() => s.transmit(1, tcb({ rcvScale: 4, rcvNxt: 5006, unread: 205 }), out({ flags: ACK, ack: 5006, window: 49 }), undefined));
  // Where the rounded-up window still fits, there is no excuse.
  const u = new InvariantChecker();
  u.transmit(0, tcb({ rcvScale: 4, unread: 0 }), out({ flags: ACK, window: 40 }), undefined);
  t.throws(() => u.transmit(1, tcb({ rcvScale: 4, rcvNxt: 5006, unread: 5 }), out({ flags: ACK, ack: 5006, window: 39 }), undefined), { message: /moved left/ });
});

test('nothing beyond the peer\'s window, but a one-byte zero-window probe (RFC 9293 3.8.6, 3.8.6.1)', (t) => {
  const c = new InvariantChecker();
  const data = (n: number) => Buffer.alloc(n);
  t.notThrows(() => c.transmit(0, tcb({ sndWnd: 1000 }), out({ flags: ACK, seq: 101, payload: data(1000) }), undefined));
  t.throws(() => c.transmit(0, tcb({ sndWnd: 1000 }), out({ flags: ACK, seq: 101, payload: data(1001) }), 'fast-retransmit'), { message: /past the peer's window/ });
  t.notThrows(() => c.transmit(0, tcb({ sndWnd: 0, sndNxt: 101, sndMax: 102 }), out({ flags: ACK, seq: 101, payload: data(1) }), 'persist'));
  t.throws(() => c.transmit(0, tcb({ sndWnd: 0, sndNxt: 101 }), out({ flags: ACK, seq: 101, payload: data(2) }), 'persist'), { message: /past the peer's window/ });
});

test('keep-alives only with nothing outstanding (RFC 9293 3.8.4)', (t) => {
  const c = new InvariantChecker();
  t.throws(() => c.transmit(0, tcb(), out({ flags: ACK, seq: 100 }), 'keepalive'), { message: /keep-alive probe with data outstanding/ });
  t.notThrows(() => c.transmit(0, tcb({ sndNxt: 101, sndMax: 101, sendLength: 0 }), out({ flags: ACK, seq: 100 }), 'keepalive'));
});

test('only the transitions of RFC 9293\'s state diagram', (t) => {
  const c = new InvariantChecker();
  t.notThrows(() => c.state(0, tcb(), 'ESTABLISHED', 'CLOSE-WAIT', 'rcv FIN'));
  t.notThrows(() => c.state(0, tcb(), 'FIN-WAIT-1', 'TIME-WAIT', 'rcv FIN'));
  t.throws(() => c.state(0, tcb(), 'CLOSE-WAIT', 'FIN-WAIT-2', 'app close'), { message: /CLOSE-WAIT -> FIN-WAIT-2 \(app close\) is no transition/ });
  t.throws(() => c.state(0, tcb(), 'TIME-WAIT', 'ESTABLISHED', 'rcv SYN'), { message: /no transition/ });
});

test('SND.UNA <= SND.NXT <= SND.MAX, in flight agrees with the send buffer, unread fits the buffer', (t) => {
  const c = new InvariantChecker();
  t.notThrows(() => c.check(0, tcb()));
  t.throws(() => c.check(0, tcb({ sndNxt: 1102 })), { message: /SND.UNA <= SND.NXT <= SND.MAX/ });
  t.throws(() => c.check(0, tcb({ sndUna: 103, sndNxt: 1101 })), { message: /SND.UNA is 2 from the send buffer's first byte/ });
  t.throws(() => c.check(0, tcb({ sendLength: 500 })), { message: /500 sequence numbers sent past the end/ });
  t.notThrows(() => c.check(0, tcb({ sendLength: 1000, finQueued: true, sndNxt: 1102, sndMax: 1102 })), 'the FIN after the data');
  t.throws(() => c.check(0, tcb({ unread: 1001 })), { message: /1001 unread bytes in a 1000-byte buffer/ });
});

test('a connection built with the checks throws InvariantError from the input that breaks one, with its history', (t) => {
  // No input from outside breaks an invariant of a correct connection, so one is broken behind its back: a
  // send buffer emptied of what is in flight. The next input finds "in flight agrees with the send buffer" false.
  const { c } = established({ initialWindow: 10 });
  c.send(Buffer.alloc(3000, 1), 20);
  (c as unknown as { sendBuf: { consume(n: number): void } }).sendBuf.consume(3000);
  const e = t.throws(() => c.onSegment(seg({ flags: ACK, seq: REMOTE_ISS + 1, ack: LOCAL_ISS + 1 }), 30), { instanceOf: InvariantError });
  t.regex(e!.message, /sequence numbers sent past the end of the send buffer/);
  t.regex(e!.message, /t=20 app send 3000/);
  t.regex(e!.message, /t=30 rcv \. seq 50001 ack 10001/);
});

test('flags are named as tcpdump names them in the history', (t) => {
  const c = new InvariantChecker();
  c.segmentIn(0, out({ flags: SYN | ACK }));
  c.segmentIn(0, out({ flags: FIN | ACK }));
  c.segmentIn(0, out({ flags: RST }));
  const e = t.throws(() => c.check(1, tcb({ unread: 5000 })));
  t.regex(e!.message, /rcv S\. seq[\s\S]*rcv F\. seq[\s\S]*rcv R seq/);
});

test('a retransmitted SYN-ACK\'s unscaled window is no move of the edge: the peer takes nothing from its old SEQ (found by the fuzzer)', (t) => {
  const c = new InvariantChecker();
  const big = tcb({ state: 'SYN-RECEIVED', rcvbuf: 67_107_840, unread: 0, rcvScale: 10 });
  c.transmit(0, big, out({ flags: SYN | ACK, window: 65535 }), undefined);
  c.transmit(1, big, out({ flags: ACK, window: 65534 }), undefined);
  t.notThrows(() => c.transmit(1000, big, out({ flags: SYN | ACK, window: 65535 }), 'rto'));
  t.throws(() => c.transmit(1001, big, out({ flags: ACK, window: 64 }), undefined), { message: /moved left/ });
});
