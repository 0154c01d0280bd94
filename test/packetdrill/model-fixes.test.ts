/**
 * Departures of the model from Linux found by packetdrill's scripts, fixed in the `linux` profile, with
 * `--profile rfc` kept to the RFCs. Each test is a packetdrill script in our own words: at this time this
 * segment arrives, so exactly these segments leave.
 */
import test from 'ava';
import { PASSIVE_OPEN, run } from './helpers.ts';

// The rfc profile's recovery too (the runner starts from linuxDefaults, which choose RACK-TLP, PRR, D-SACK and undo).
const RFC = { config: { profile: 'rfc' as const, lossRecovery: 'newreno', congestionControl: 'reno', prr: false, undo: false, dsack: false, frto: false } };

/** The passive open, then a send buffer large enough for every test's writes. */
const OPEN = `${PASSIVE_OPEN}+0 setsockopt(4, SOL_SOCKET, SO_SNDBUF, [200000], 4) = 0
`;

// RFC 9293 3.9.1 leaves to the sender where PSH goes. Linux marks the last segment of each burst
// (each TSO packet of tcp_sendmsg); BSD and the rfc profile only the segment that empties the buffer.
test('linux profile: PSH on the last segment of a burst the window cuts short', (t) => {
  const script = `${OPEN}+0 write(4, ..., 30000) = 30000\n+0 > P. 1:10001(10000) ack 1\n`;
  t.is(run(script).verdict, 'pass');
  t.like(run(script, RFC), { verdict: 'fail', line: 11, reason: 'live packet field tcp_psh: expected: 1 (0x1) vs actual: 0 (0x0)' });
});

// RFC 5681 3.1 (equation 2): in slow start cwnd grows by at most one SMSS an ACK. Linux's tcp_slow_start
// counts every segment acknowledged (RFC 3465 with no limit L): an ACK of two segments opens four.
test('linux profile: an ACK of two segments in slow start lets four more go; one SMSS under --profile rfc', (t) => {
  const script = `${OPEN}+0 write(4, ..., 10000) = 10000
+0 > P. 1:10001(10000) ack 1
+0 write(4, ..., 20000) = 20000
+.1 < . 1:1(0) ack 2001 win 257
+0 > P. 10001:14001(4000) ack 1
`;
  t.is(run(script).verdict, 'pass');
  const rfc = run(script, RFC);
  t.is(rfc.verdict, 'fail');
  t.is(rfc.line, 14);
});

// RFC 7661 (cwnd validation): an application-limited sender should not grow cwnd without bound. Linux's
// tcp_is_cwnd_limited in slow start: cwnd grows only while it is below twice the segments in flight.
test('linux profile: with six segments in flight cwnd grows to twelve and no further', (t) => {
  const script = `${OPEN}+0 write(4, ..., 6000) = 6000
+0 > P. 1:6001(6000) ack 1
+.1 < . 1:1(0) ack 2001 win 257
+0 < . 1:1(0) ack 4001 win 257
+0 < . 1:1(0) ack 6001 win 257
+0 %{ assert tcpi_snd_cwnd == 12, tcpi_snd_cwnd }%
`;
  t.is(run(script).verdict, 'pass');
  t.like(run(script, RFC), { verdict: 'fail', line: 15, actual: 'tcpi_snd_cwnd=13' });
});

// RFC 9293 3.8.6.2.2 (receiver SWS avoidance): a window update is sent when the window that can be
// advertised grows by enough. Without window scaling (RFC 7323 2.3) it can never pass 65535, so a read
// that frees space beyond that sends nothing, in both profiles.
test('a read sends no window update that the 16-bit window field cannot carry', (t) => {
  const script = `0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+.1 < S 0:0(0) win 20000 <mss 1000,sackOK,nop,nop>
+0 > S. 0:0(0) ack 1 <mss 1460,nop,nop,sackOK>
+.1 < . 1:1(0) ack 1 win 20000
+0 accept(3, ..., ...) = 4
+0 < P. 1:1001(1000) ack 1 win 257
+0 > . 1:1(0) ack 1001
+.01 read(4, ..., 1000) = 1000
+.1 < P. 1001:2001(1000) ack 1 win 257
+0 > . 1:1(0) ack 2001
`;
  t.is(run(script).verdict, 'pass');
  t.is(run(script, { config: { profile: 'rfc', delayedAck: false } }).verdict, 'pass');
});

// RFC 7323 3.2: once agreed, the timestamps option goes on every segment but a RST. Linux's active reset
// (close with unread data, RFC 2525 2.17) carries it too; the rfc profile's does not.
test('linux profile: the RST of close() with unread data carries the timestamps option', (t) => {
  const script = `0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+0 < S 0:0(0) win 20000 <mss 1000,sackOK,TS val 100 ecr 0>
+0 > S. 0:0(0) ack 1 <mss 1460,sackOK,TS val 100 ecr 100>
+.1 < . 1:1(0) ack 1 win 20000 <nop,nop,TS val 200 ecr 100>
+0 accept(3, ..., ...) = 4
+0 < . 1:1001(1000) ack 1 win 20000 <nop,nop,TS val 201 ecr 100>
+0 > . 1:1(0) ack 1001 <nop,nop,TS val 200 ecr 201>
+1 close(4) = 0
+0 > R. 1:1(0) ack 1001 <nop,nop,TS val 1200 ecr 201>
`;
  t.is(run(script).verdict, 'pass');
  // The rfc profile's reset is ABORT's <SEQ=SND.NXT><CTL=RST> (RFC 9293 3.10.5): no ACK, no options.
  const rfc = run(script, { config: { profile: 'rfc', delayedAck: false } });
  t.like(rfc, { verdict: 'fail', line: 12 });
  t.regex(rfc.actual ?? '', /^\S+ R 1:1\(0\) win 0$/);
});

// RFC 5681 3.2: the third duplicate ACK starts a fast retransmit. RFC 6582 3.2 starts "recover" at the ISS,
// which a duplicate ACK of the first flight (ACK = ISS+1) does not pass, so the rfc profile waits for the
// retransmission timer; Linux (the linux profile) retransmits at once.
test('linux profile: three duplicate ACKs in the first flight bring a fast retransmit', (t) => {
  const script = `${OPEN}+0 write(4, ..., 4000) = 4000
+0 > P. 1:4001(4000) ack 1
+.1 < . 1:1(0) ack 1 win 257 <sack 1001:2001,nop,nop>
+0 < . 1:1(0) ack 1 win 257 <sack 1001:3001,nop,nop>
+0 < . 1:1(0) ack 1 win 257 <sack 1001:4001,nop,nop>
+0 > . 1:1001(1000) ack 1
`;
  t.is(run(script).verdict, 'pass');
  const rfc = run(script, RFC);
  t.like(rfc, { verdict: 'fail', line: 15 });
  // The retransmission timer instead: RTO = SRTT + 4 RTTVAR = 300 ms from the handshake's 100 ms sample (RFC 6298 2.2).
  t.regex(rfc.reason ?? '', /^timing error: expected outbound packet at 0\.300000 sec but happened at 0\.500000 sec/);
});

// RFC 9293 3.8.6.1: with a zero window the sender probes on the persist timer. RFC 9293's probe carries a
// byte past the window (the rfc profile); Linux's carries none, one below SND.UNA, which the peer must
// answer with its window (tcp_write_wakeup). Both back off: 300 ms, then 600 ms here.
test('linux profile: zero-window probes carry no data and sit one below SND.UNA', (t) => {
  const script = `0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
0.100 < S 0:0(0) win 65535 <mss 1460>
0.100 > S. 0:0(0) ack 1 <mss 1460>
0.200 < . 1:1(0) ack 1 win 0
0.200 accept(3, ..., ...) = 4
0.200 write(4, ..., 1000) = 1000
0.500 > . 0:0(0) ack 1
1.100 > . 0:0(0) ack 1
1.500 < . 1:1(0) ack 1 win 65535
1.500 > P. 1:1001(1000) ack 1
`;
  t.is(run(script).verdict, 'pass');
  t.like(run(script, RFC), { verdict: 'fail', line: 10, reason: 'live packet payload: expected 0 bytes vs actual 1 bytes' });
});

// RFC 9293 3.7.4 (Nagle): a short segment waits while any data is unacknowledged. Linux's Nagle is
// Minshall's variant (tcp_nagle_check, tcp_minshall_check): it waits only while an earlier *short*
// segment is unacknowledged, so the tail of a write goes behind full-sized segments at once.
test('linux profile: the short tail of a write goes behind full segments in flight (Minshall); RFC Nagle holds it', (t) => {
  const script = `${OPEN}+0 write(4, ..., 2500) = 2500
+0 > P. 1:2501(2500) ack 1
+.1 < . 1:1(0) ack 2501 win 257
+0 write(4, ..., 300) = 300
+0 > P. 2501:2801(300) ack 1
+0 write(4, ..., 300) = 300
+.1 < . 1:1(0) ack 2801 win 257
+0 > P. 2801:3101(300) ack 1
`;
  t.is(run(script).verdict, 'pass');
  t.like(run(script, RFC), { verdict: 'fail', line: 11 });
});

// RFC 6298 2.3: RTO = SRTT + max(G, 4 * RTTVAR), at least 1 s (the rfc profile: at least rtoMin). Linux's
// tcp_rtt_estimator and __tcp_set_rto: RTO = SRTT + RTTVAR with RTTVAR at least tcp_rto_min (200 ms), so
// a 10 ms path gets 210 ms where RFC 6298 with a 200 ms floor gets 200 ms.
test('linux profile: the RTO of a 10 ms path is 210 ms (SRTT + at least 200 ms); 200 ms under --profile rfc', (t) => {
  const script = `0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+0 < S 0:0(0) win 32792 <mss 1000>
+0 > S. 0:0(0) ack 1 <mss 1460>
+.01 < . 1:1(0) ack 1 win 32792
+0 accept(3, ..., ...) = 4
+0 write(4, ..., 1000) = 1000
+0 > P. 1:1001(1000) ack 1
+.21 > P. 1:1001(1000) ack 1
`;
  t.is(run(script).verdict, 'pass');
  t.like(run(script, { config: { profile: 'rfc' as const, rtoMinMs: 200 } }), { verdict: 'fail', line: 11 });
});

// RFC 7323 5.3 R1 (PAWS): a segment with SEG.TSval < TS.Recent is an old duplicate, dropped and answered
// with an ACK (fixtures/packetdrill/paws.pkt, checked on Linux). Linux lets one tick of lateness through
// (TCP_PAWS_WINDOW); the rfc profile takes R1 literally.
test('PAWS: a TSval one tick below TS.Recent is taken by the linux profile, dropped under --profile rfc', (t) => {
  const script = `0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+.1 < S 0:0(0) win 65535 <mss 1000,nop,nop,TS val 1000 ecr 0>
+0 > S. 0:0(0) ack 1 <mss 1460,nop,nop,TS val 100 ecr 1000>
+.1 < . 1:1(0) ack 1 win 65535 <nop,nop,TS val 1020 ecr 100>
+0 accept(3, ..., ...) = 4
+.1 < P. 1:101(100) ack 1 win 65535 <nop,nop,TS val 1019 ecr 100>
+0 > . 1:1(0) ack 101 <nop,nop,TS val 200 ecr 1019>
`;
  t.is(run(script).verdict, 'pass');
  t.like(run(script, RFC), { verdict: 'fail', line: 10, reason: 'live packet field tcp_ack_seq: expected: 101 (0x65) vs actual: 1 (0x1)' });
});

// RFC 9293 3.6 puts no limit on FIN-WAIT-2; Linux ends an orphaned socket there after tcp_fin_timeout
// (fixtures/packetdrill/fin-wait-2-timeout.pkt, checked on Linux). tcpemu packetdrill gives the model
// Linux's 60 s; the rfc profile here has none.
test('a closed connection in FIN-WAIT-2 is gone after tcp_fin_timeout (linux, 60 s); none under --profile rfc', (t) => {
  const script = `${OPEN}+0 close(4) = 0
+0 > F. 1:1(0) ack 1
+.1 < . 1:1(0) ack 2 win 257
+59.8 < . 1:1(0) ack 2 win 257
+.2 < . 1:1(0) ack 2 win 257
+0 > R 2:2(0)
`;
  t.is(run(script).verdict, 'pass');
  t.like(run(script, { config: { profile: 'rfc' as const, finTimeoutMs: undefined } }), { verdict: 'fail', line: 15 });
});

// RFC 8985 7.2 lets the PTO be no later than the RTO. Linux arms one timer for the two (tcp_schedule_loss_probe
// caps the probe timeout at the RTO and puts the probe in the RTO's place), so when both fall at the same
// instant the tail loss probe goes, the RTO is armed again from it, and only then do the timeouts back off:
// a lone FIN on a 100 ms path (RTO 300 ms) goes again at +300 ms (probe), +300 ms (RTO) and +600 ms.
test('linux profile: a tail loss probe due with the RTO goes first, and the RTO restarts from it', (t) => {
  const script = `${PASSIVE_OPEN}+1 close(4) = 0
+0 > F. 1:1(0) ack 1
+.3 > F. 1:1(0) ack 1
+.3 > F. 1:1(0) ack 1
+.6 > F. 1:1(0) ack 1
`;
  const r = run(script);
  t.is(r.verdict, 'pass', r.reason);
  const why = r.events.flatMap((e) => (e.type === 'segment' && e.event === 'tx' && e.host === 'tcpemu' && e.why ? [e.why] : []));
  t.deepEqual(why.slice(0, 2), ['tlp', 'rto']);
  // Under the rfc profile there is no probe: the first retransmission is the RTO's, and the second waits twice as long.
  t.like(run(script, RFC), { verdict: 'fail', line: 12, actual: '2.100000 F. 1:1(0) ack 1 win 1364' });
});
