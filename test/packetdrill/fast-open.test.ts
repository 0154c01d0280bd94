/**
 * TCP Fast Open (RFC 7413) on the model's connections, as packetdrill scripts in our own words: at this time
 * this segment arrives, so exactly these segments leave. fixtures/packetdrill/fast-open-*.pkt are checked on
 * the kernel too; these are the cases around them.
 */
import test from 'ava';
import { run } from './helpers.ts';
import { Host } from '../../lib/host/host.ts';
import { Scheduler } from '../../lib/sim/scheduler.ts';
import { Random } from '../../lib/sim/random.ts';
import { parseAddr } from '../../lib/wire/ipv4.ts';
import { rfcDefaults, linuxDefaults } from '../../lib/tcp/config.ts';
import { SocketError } from '../../lib/host/socket.ts';
import { fastOpenCookie } from '../../lib/tcp/tfo.ts';

const SERVER = `\`sysctl -q net.ipv4.tcp_fastopen=3 net.ipv4.tcp_fastopen_key=a1a1a1a1-b2b2b2b2-c3c3c3c3-d4d4d4d4 net.ipv4.tcp_timestamps=0\`
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
+0 setsockopt(3, SOL_TCP, TCP_FASTOPEN, [4], 4) = 0
+0 bind(3, ..., ...) = 0
+0 listen(3, 4) = 0
`;

// RFC 7413 4.2.2: "If the cookie is not valid, the server ... MUST ignore the data in the SYN" and answers
// with a valid cookie; Linux answers in the form the client used (here the experimental one).
test('RFC 7413 4.2.2: a SYN with a cookie that is not ours: its data is ignored, the SYN-ACK brings our cookie', (t) => {
  const script = `${SERVER}+.1 < S 0:10(10) win 65535 <mss 1000,nop,nop,sackOK,FOEXP 0011223344556677>
+0 > S. 0:0(0) ack 1 <mss 1460,nop,nop,sackOK,FOEXP TFO_COOKIE>
+.1 < . 1:1(0) ack 1 win 65535
+0 accept(3, ..., ...) = 4
+0 ioctl(4, SIOCINQ, [0]) = 0
`;
  const r = run(script);
  t.is(r.verdict, 'pass', r.reason);
  // Had the data been taken, there would be 10 bytes to read.
  t.like(run(script.replace('SIOCINQ, [0]', 'SIOCINQ, [10]')), { verdict: 'fail', reason: 'Bad ioctl SIOCINQ value: expected: 10 actual: 0' });
});

// Without TCP_FASTOPEN on the listener (and without TFO_SERVER_WO_SOCKOPT1) Linux does no Fast Open: the
// option is ignored, no cookie comes back, the data is not taken.
test('a listener that did not ask for Fast Open ignores the option', (t) => {
  const script = `${SERVER.replace('+0 setsockopt(3, SOL_TCP, TCP_FASTOPEN, [4], 4) = 0\n', '')}+.1 < S 0:10(10) win 65535 <mss 1000,nop,nop,sackOK,FO TFO_COOKIE,nop,nop>
+0 > S. 0:0(0) ack 1 <mss 1460,nop,nop,sackOK>
`;
  const r = run(script);
  t.is(r.verdict, 'pass', r.reason);
});

/** A client asks for a cookie with a first SYN and gets 0102030405060708 from the server (RFC 7413 4.1.1, 4.2.1). */
const CLIENT_GETS_COOKIE = `\`sysctl -q net.ipv4.tcp_fastopen=1 net.ipv4.tcp_timestamps=0 net.ipv4.tcp_window_scaling=0\`
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0
+0 sendto(3, ..., 100, MSG_FASTOPEN, ..., ...) = -1 EINPROGRESS (Operation is now in progress)
+0 > S 0:0(0) <mss 1460,nop,nop,sackOK,FO,nop,nop>
+.05 < S. 0:0(0) ack 1 win 65535 <mss 1460,nop,nop,sackOK,FO 0102030405060708,nop,nop>
+0 > . 1:1(0) ack 1
`;

// RFC 7413 4.2.1 and Linux's tcp_send_syn_data: a SYN sent again carries neither the data nor the option (the
// data waits for the handshake); here the SYN-ACK then acknowledges the SYN only, and the data goes after it.
test('RFC 7413 4.2.1: a retransmitted SYN carries no data and no cookie; the data follows the handshake', (t) => {
  const script = `${CLIENT_GETS_COOKIE}+0 close(3) = 0
+0 > F. 1:1(0) ack 1
+.05 < F. 1:1(0) ack 2 win 65535
+0 > . 2:2(0) ack 2
+.1 socket(..., SOCK_STREAM, IPPROTO_TCP) = 4
+0 fcntl(4, F_SETFL, O_RDWR|O_NONBLOCK) = 0
+0 sendto(4, ..., 500, MSG_FASTOPEN, ..., ...) = 500
+0 > S 0:500(500) <mss 1460,nop,nop,sackOK,FO 0102030405060708,nop,nop>
+1 > S 0:0(0) <mss 1460,nop,nop,sackOK>
+.05 < S. 0:0(0) ack 1 win 65535 <mss 1460,nop,nop,sackOK>
+0 > P. 1:501(500) ack 1
+.05 < . 1:1(0) ack 501 win 65535
`;
  const r = run(script);
  t.is(r.verdict, 'pass', r.reason);
});

// net.ipv4.tcp_fastopen without the client bit: Linux refuses MSG_FASTOPEN (tcp_sendmsg_fastopen's EOPNOTSUPP).
test('MSG_FASTOPEN with tcp_fastopen=0 fails with EOPNOTSUPP', (t) => {
  const script = `\`sysctl -q net.ipv4.tcp_fastopen=0\`
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 sendto(3, ..., 100, MSG_FASTOPEN, ..., ...) = -1 EOPNOTSUPP (Operation not supported)
`;
  t.is(run(script).verdict, 'pass');
});

// The library: Host.connect's fastOpen follows the fastOpen setting: on in the linux profile (Linux's default
// tcp_fastopen=1, client), off in the rfc profile, where opening with data is refused.
test('Host.connect with Fast Open data: a cookie request under the linux profile, refused under rfc', (t) => {
  const make = () => new Host({ name: 'c', addr: parseAddr('10.0.0.1'), config: { ...rfcDefaults }, clock: new Scheduler(), random: new Random(1), transmit: () => {} });
  const e = t.throws(() => make().connect(parseAddr('10.0.0.2'), 80, { config: { ...rfcDefaults }, fastOpen: Buffer.from('hi') }), { instanceOf: SocketError });
  t.is(e?.code, 'EOPNOTSUPP');
  const sent: Buffer[] = [];
  const host = new Host({ name: 'c', addr: parseAddr('10.0.0.1'), config: { ...linuxDefaults }, clock: new Scheduler(), random: new Random(1), transmit: (p) => sent.push(Buffer.from(p)) });
  const s = host.connect(parseAddr('10.0.0.2'), 80, { config: { ...linuxDefaults }, fastOpen: Buffer.from('hi') });
  t.is(s.state, 'SYN-SENT');
  t.is(sent.length, 1);
  // No cookie yet: an empty option (a request), and the two bytes wait in the send buffer.
  t.true(sent[0].includes(Buffer.from([34, 2])));
  t.is(s.connection.sendQueued, 2);
});

// tcp(7) TCP_FASTOPEN_CONNECT: with a cookie cached, connect() returns at once and sends nothing; the first
// write sends the SYN with the cookie and the data (Linux's tcp_fastopen_defer_connect).
test('TCP_FASTOPEN_CONNECT: connect() returns 0 with nothing sent, the first write goes on the SYN', (t) => {
  const script = `${CLIENT_GETS_COOKIE}+.1 socket(..., SOCK_STREAM, IPPROTO_TCP) = 4
+0 setsockopt(4, SOL_TCP, TCP_FASTOPEN_CONNECT, [1], 4) = 0
+0 fcntl(4, F_SETFL, O_RDWR|O_NONBLOCK) = 0
+0 connect(4, ..., ...) = 0
+.1 write(4, ..., 300) = 300
+0 > S 0:300(300) <mss 1460,nop,nop,sackOK,FO 0102030405060708,nop,nop>
+.05 < S. 0:0(0) ack 301 win 65535 <mss 1460,nop,nop,sackOK>
+0 > . 301:301(0) ack 1
+0 %{ assert (tcpi_options & TCPI_OPT_SYN_DATA) != 0, tcpi_options }%
`;
  const r = run(script);
  t.is(r.verdict, 'pass', r.reason);
  // Without the option, connect() sends a plain SYN at once, and a non-blocking one says EINPROGRESS.
  t.like(run(script.replace('[1], 4) = 0\n+0 fcntl(4', '[0], 4) = 0\n+0 fcntl(4')), { verdict: 'fail', line: 11, actual: 'connect(...) = -1 EINPROGRESS' });
});

/** The cookie a listener keyed with these 16 bytes gives the script's remote 192.0.2.1 at 192.168.0.1. */
const cookieUnder = (key: string) => fastOpenCookie(Buffer.from(key, 'latin1'), parseAddr('192.0.2.1'), parseAddr('192.168.0.1')).toString('hex');

// RFC 7413 5.1 asks a server to limit its pending Fast Open connections; Linux's limit is TCP_FASTOPEN's queue
// length, counting connections made by Fast Open whose handshake has not ended (tcp_fastopen_queue_check). Beyond
// it a SYN gets an ordinary SYN-ACK: no cookie, its data not acknowledged. (packetdrill sends every SYN from one
// port, so the kernel cannot be shown a second connection by a script; the runner gives a SYN with a new
// sequence number a port of its own.)
test('RFC 7413 5.1: TCP_FASTOPEN qlen 1: a second SYN with a valid cookie while the first waits for its ACK gets no Fast Open', (t) => {
  const script = (qlen: number, secondAck: number) => `${SERVER.replace('TCP_FASTOPEN, [4]', `TCP_FASTOPEN, [${qlen}]`)}+.1 < S 0:10(10) win 65535 <mss 1000,nop,nop,sackOK,FO TFO_COOKIE,nop,nop>
+0 > S. 0:0(0) ack 11 <mss 1460,nop,nop,sackOK>
+.01 < S 1000:1010(10) win 65535 <mss 1000,nop,nop,sackOK,FO TFO_COOKIE,nop,nop>
+0 > S. 0:0(0) ack ${secondAck} <mss 1460,nop,nop,sackOK>
`;
  t.is(run(script(1, 1001)).verdict, 'pass', run(script(1, 1001)).reason);
  // With room for two, the second is taken too (its 10 bytes acknowledged).
  t.is(run(script(2, 1011)).verdict, 'pass', run(script(2, 1011)).reason);
  t.is(run(script(1, 1011)).verdict, 'fail');
});

// Linux's TCP_FASTOPEN_KEY on a listener: its own key (16 bytes), replacing net.ipv4.tcp_fastopen_key's for it.
// Checked on this kernel (packetdrill 2.0, Linux 6.18) with the same lines.
test('TCP_FASTOPEN_KEY: the listener\'s own key makes its cookies; the sysctl key\'s cookie is no longer valid; a wrong length is EINVAL', (t) => {
  const r = run(`${SERVER}+0 setsockopt(3, SOL_TCP, TCP_FASTOPEN_KEY, "0123456789abcdef", 15) = -1 EINVAL (Invalid argument)
+0 setsockopt(3, SOL_TCP, TCP_FASTOPEN_KEY, "0123456789abcdef", 16) = 0
+.1 < S 0:10(10) win 65535 <mss 1000,nop,nop,sackOK,FO TFO_COOKIE,nop,nop>
+0 > S. 0:0(0) ack 1 <mss 1460,nop,nop,sackOK,FO ${cookieUnder('0123456789abcdef')},nop,nop>
`);
  t.is(r.verdict, 'pass', r.reason);
});

// 32 bytes: a primary and a backup key. A cookie made under the backup is taken, and the SYN-ACK hands the client
// the primary key's cookie in its place (Linux's LINUX_MIB_TCPFASTOPENPASSIVEALTKEY path). Checked on this kernel.
// Until the handshake's last ACK, SIOCINQ reads 0 (Linux's tcp_inq in SYN-RECV), then the SYN's 10 bytes.
test('TCP_FASTOPEN_KEY with a backup key: its cookie is taken and replaced by the primary\'s', (t) => {
  const r = run(`${SERVER}+0 setsockopt(3, SOL_TCP, TCP_FASTOPEN_KEY, "0123456789abcdeffedcba9876543210", 32) = 0
+.1 < S 0:10(10) win 65535 <mss 1000,nop,nop,sackOK,FO ${cookieUnder('fedcba9876543210')},nop,nop>
+0 > S. 0:0(0) ack 11 <mss 1460,nop,nop,sackOK,FO ${cookieUnder('0123456789abcdef')},nop,nop>
+0 accept(3, ..., ...) = 4
+0 ioctl(4, SIOCINQ, [0]) = 0
+.1 < . 11:11(0) ack 1 win 65535
+0 ioctl(4, SIOCINQ, [10]) = 0
`);
  t.is(r.verdict, 'pass', r.reason);
});

// TCP_FASTOPEN_NO_COOKIE (0 or 1, before connect): a listener takes data on a SYN without any cookie, as
// net.ipv4.tcp_fastopen's 0x200 does for all; a client sends its data on the SYN without asking for a cookie
// (0x4 for all). Both checked on this kernel.
test('TCP_FASTOPEN_NO_COOKIE on a listener: a SYN\'s data is taken without a cookie; 2 is EINVAL', (t) => {
  const script = (opt: string) => `${SERVER}${opt}+.1 < S 0:10(10) win 65535 <mss 1000,nop,nop,sackOK>
+0 > S. 0:0(0) ack 11 <mss 1460,nop,nop,sackOK>
`;
  const r = run(script(`+0 setsockopt(3, SOL_TCP, TCP_FASTOPEN_NO_COOKIE, [2], 4) = -1 EINVAL (Invalid argument)
+0 setsockopt(3, SOL_TCP, TCP_FASTOPEN_NO_COOKIE, [1], 4) = 0
+0 getsockopt(3, SOL_TCP, TCP_FASTOPEN_NO_COOKIE, [1], [4]) = 0
`));
  t.is(r.verdict, 'pass', r.reason);
  // Without it, the data waits for the handshake: the SYN-ACK acknowledges the SYN only.
  t.like(run(script('')), { verdict: 'fail', line: 8, reason: 'live packet field tcp_ack_seq: expected: 11 (0xb) vs actual: 1 (0x1)' });
});

test('TCP_FASTOPEN_NO_COOKIE on a client: MSG_FASTOPEN sends the data on the first SYN with no cookie option', (t) => {
  const r = run(`\`sysctl -q net.ipv4.tcp_fastopen=1 net.ipv4.tcp_timestamps=0 net.ipv4.tcp_window_scaling=0\`
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0
+0 setsockopt(3, SOL_TCP, TCP_FASTOPEN_NO_COOKIE, [1], 4) = 0
+0 sendto(3, ..., 100, MSG_FASTOPEN, ..., ...) = 100
+0 > S 0:100(100) <mss 1460,nop,nop,sackOK>
+.05 < S. 0:0(0) ack 101 win 65535 <mss 1460,nop,nop,sackOK>
+0 > . 101:101(0) ack 1
`);
  t.is(r.verdict, 'pass', r.reason);
});
