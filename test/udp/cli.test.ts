import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import dgram from 'node:dgram';
import { connect, serve, tcpdumpLine } from '../../lib/cli/udp-chat.ts';
import { readCapture } from '../../lib/wire/pcap.ts';
import { memIo, waitFor, within } from './helpers.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DRIVER = path.join(ROOT, 'test/udp/run-cli.ts');

interface Child {
  proc: ChildProcess;
  out: () => string;
  err: () => string;
  exit: Promise<number | null>;
}

function start(t: { teardown(fn: () => unknown): void }, args: string[]): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', DRIVER, ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  t.teardown(() => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (b: Buffer) => (out += b));
  proc.stderr!.on('data', (b: Buffer) => (err += b));
  const exit = new Promise<number | null>((res) => proc.on('exit', (code) => res(code)));
  return { proc, out: () => out, err: () => err, exit };
}

/** Resolves with the first match of `re` in what `text()` returns, polling; bounded by the caller. */

test('two processes: a half-close as the socket template shows it; the server talks on after the client\'s FIN, both exit 0', async (t) => {
  const server = start(t, ['serve', '--udp', '127.0.0.1:0', '--once']);
  server.proc.stdin!.write('pong 1\npong 2\n'); // typed before anyone connects: the first client gets them
  const [, port] = await waitFor(server.err, /listening on udp 127\.0\.0\.1:([0-9]+)/, 10_000);
  const client = start(t, ['connect', '--udp', `127.0.0.1:${port}`, '--msl', '200ms', '--trace']);
  client.proc.stdin!.end('hello\nworld\n');
  // The client's end of input half-closes; the server says so and does not answer with its own FIN.
  await waitFor(client.err, /^end of input: half-closed \(FIN\); the server may still send$/m, 10_000);
  await waitFor(server.err, /finished sending \(half-closed\): what you type still goes to it/, 10_000);
  t.notRegex(client.err(), /Flags \[F\.?\].*\n(.|\n)*10\.0\.0\.2\.\d+ > .*Flags \[F/, 'no FIN from the server yet');
  // The server talks on over the half-open connection, then ends its input: only now its FIN.
  server.proc.stdin!.end('after your FIN\n');
  const [clientCode, serverCode] = await within(20_000, Promise.all([client.exit, server.exit]), 'both processes to exit');
  t.is(server.out(), 'from client: hello\nfrom client: world\n');
  t.is(client.out(), 'from server: pong 1\nfrom server: pong 2\nfrom server: after your FIN\n');
  t.is(clientCode, 0, client.err());
  t.is(serverCode, 0, server.err());
  t.regex(server.err(), /closing our side \(FIN\)\n(.|\n)*closed\n/);
  t.regex(client.err(), /^the server finished sending; closing \(TIME-WAIT 400 ms\)$/m);
  t.regex(client.err(), /^closed$/m, 'the client does not exit without a word');
  // --trace: tcpdump's notation, relative numbers, the handshake first.
  t.regex(client.err(), /^\d+\.\d{3} 10\.0\.0\.\d+\.\d+ > 10\.0\.0\.2\.\d+: Flags \[S\], seq 0, win 65535, options \[mss 1460\], length 0$/m);
  t.regex(client.err(), /10\.0\.0\.\d+\.\d+ > 10\.0\.0\.2\.\d+: Flags \[FP?\.\], seq (13|7:13), /, 'the half-close');
});

test('serve with no terminal on its input keeps serving after that input ends, until SIGTERM', async (t) => {
  const server = start(t, ['serve', '--udp', '127.0.0.1:0', '--msl', '100ms']);
  server.proc.stdin!.end(); // at EOF at once, as `tcpemu serve ... </dev/null` or under a service manager
  const [, port] = await waitFor(server.err, /listening on udp 127\.0\.0\.1:([0-9]+)/, 10_000);
  await waitFor(server.err, /end of input: nothing more to send; still serving until SIGINT \(Ctrl-C\) or SIGTERM/, 10_000);
  // Still there, and still serving: a client connects, talks, and is told the server has nothing to say.
  const cio = memIo('still there?\n');
  cio.stdinStream.end();
  t.teardown(() => cio.abort());
  t.is(await within(10_000, connect(['--udp', `127.0.0.1:${port}`, '--msl', '100ms'], cio), 'client'), 0, cio.err());
  await waitFor(server.out, /^from client: still there\?$/m, 5000);
  // It closed first (it had nothing to say), so it waits out TIME-WAIT before the connection is gone.
  await waitFor(server.err, /^10\.0\.0\.\d+:\d+ closed$/m, 5000);
  t.is(server.proc.exitCode, null, 'the server has not exited');
  server.proc.kill('SIGTERM');
  t.is(await within(10_000, server.exit, 'server to exit on SIGTERM'), 143);
  t.regex(server.err(), /SIGTERM: aborting 0 connections \(RST\) and stopping/);
});

test('connect with no server: each SYN retry is reported as it happens, with its timeout, then ETIMEDOUT, exit 1', async (t) => {
  // A UDP port that takes datagrams and never answers.
  const silent = dgram.createSocket('udp4');
  t.teardown(() => new Promise<void>((res) => silent.close(() => res())));
  await new Promise<void>((res) => silent.bind(0, '127.0.0.1', () => res()));
  const cio = memIo();
  t.teardown(() => cio.abort());
  const done = connect(['--udp', `127.0.0.1:${silent.address().port}`, '--rto-initial', '100ms', '--rto-min', '100ms', '--syn-retries', '2'], cio);
  // The first retry is printed while the client is still trying, not at the end.
  const [, first] = await within(5000, waitFor(cio.err, /^no answer in (\d+) ms \(RTO\): SYN sent again, retry 1 of 2$/m, 5000), 'first retry');
  t.is(await within(10_000, done, 'client'), 1);
  t.regex(cio.err(), /^connecting to 10\.0\.0\.2:\d+ over udp /m);
  const [, second] = /^no answer in (\d+) ms \(RTO\): SYN sent again, retry 2 of 2$/m.exec(cio.err()) ?? [];
  // 100 ms, then doubled (RFC 6298 5.5), measured between the SYNs as the real clock stamped them: one
  // stamp can come some ms after the timer was set (95 ms was seen under load, 84 ms in CI beside the
  // namespace tests, the first SYN's stamp 16 ms late), so 25% is allowed; the doubling must show.
  t.true(Number(first) >= 75 && Number(second) >= 180 && Number(second) > Number(first), `waits of ${first} and ${second} ms`);
  t.regex(cio.err(), /ETIMEDOUT/);
  t.regex(cio.err(), /connection failed; exit 1\n$/);
});


test('echo server in process, with loss, a capture and the summary; Ctrl-C on the server exits 130', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tcpemu-udp-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const sio = memIo();
  t.teardown(() => sio.abort());
  // Seed 13 loses the server's 2nd packet (the draws depend on the packet's index only).
  const serverDone = serve(['--udp', '127.0.0.1:0', '--echo', '--loss', '10%', '--seed', '13', '--rto-min', '100ms', '--rto-initial', '200ms', '--view', 'summary', '--pcap', path.join(dir, 's.pcap')], sio);
  const [, port] = await within(5000, waitFor(sio.err, /listening on udp 127\.0\.0\.1:([0-9]+)/, 5000), 'listen');
  const cio = memIo(Array.from({ length: 20 }, (_, i) => `msg ${i}\n`).join(''));
  cio.stdinStream.end();
  t.teardown(() => cio.abort());
  const code = await within(20_000, connect(['--udp', `127.0.0.1:${port}`, '--loss', '0.1', '--seed', '6', '--msl', '100ms', '--rto-min', '100ms', '--rto-initial', '200ms'], cio), 'client');
  t.is(code, 0, cio.err());
  t.is(cio.out(), Array.from({ length: 20 }, (_, i) => `from server: msg ${i}\n`).join(''));
  sio.abort();
  t.is(await within(5000, serverDone, 'server'), 130);
  t.regex(sio.out(), /tcpemu summary · scenario udp server · seed 13/);
  t.regex(sio.out(), /udp link: \d+ datagrams sent, \d+ received, \d+ accepted · dropped: loss \d+/);
  const cap = readCapture(readFileSync(path.join(dir, 's.pcap')));
  t.true(cap.packets.length >= 4);
});

test('Ctrl-C on the client aborts with RST: exit 130, and the server sees ECONNRESET', async (t) => {
  const sio = memIo();
  t.teardown(() => sio.abort());
  const serverDone = serve(['--udp', '127.0.0.1:0', '--echo', '--once'], sio);
  const [, port] = await within(5000, waitFor(sio.err, /listening on udp 127\.0\.0\.1:([0-9]+)/, 5000), 'listen');
  const cio = memIo('hi\n');
  t.teardown(() => cio.abort());
  const clientDone = connect(['--udp', `127.0.0.1:${port}`], cio);
  await within(5000, waitFor(cio.out, /from server: hi/, 5000), 'echo');
  cio.abort();
  t.is(await within(5000, clientDone, 'client'), 130);
  t.is(await within(5000, serverDone, 'server'), 1);
  t.regex(sio.err(), /ECONNRESET/);
});

test('bad usage: one line on stderr and exit 2, nothing bound', async (t) => {
  const cases: [typeof serve, string[], RegExp][] = [
    [serve, [], /needs --udp ADDR:PORT/],
    [serve, ['--udp', 'nowhere'], /is not ADDR:PORT/],
    [connect, ['--udp', '127.0.0.1:0'], /port cannot be 0/],
    [connect, ['--udp', '127.0.0.1:9', '--loss', '2'], /--loss: probability 2 is outside 0..1/],
    [serve, ['--udp', '127.0.0.1:0', '--delay', 'soon'], /--delay: "soon" is not a duration/],
    [serve, ['--udp', '127.0.0.1:0', '--view', 'pretty'], /--view: "pretty"/],
    [connect, ['--udp', '127.0.0.1:9', '--addr', '10.0.0.300'], /--addr: "10.0.0.300" is not an IPv4 address/],
    [serve, ['--udp', '127.0.0.1:0', '--frobnicate'], /unknown option --frobnicate\nrun 'tcpemu serve --help' for its usage\n$/],
    // A typo gets the nearest flag, as every other command's does.
    [serve, ['--udp', '127.0.0.1:0', '--ech'], /^tcpemu serve: unknown option --ech; did you mean --echo\?\n/],
    [connect, ['--udp', '127.0.0.1:9', '--sede', '3'], /^tcpemu connect: unknown option --sede; did you mean --seed\?\n/],
    [serve, ['--udp', '127.0.0.1:0', '--pcap', '/nonexistent-dir/x.pcap'], /--pcap: cannot write in \/nonexistent-dir/],
  ];
  for (const [fn, args, re] of cases) {
    const io = memIo();
    t.is(await within(5000, fn(args, io), args.join(' ')), 2, args.join(' '));
    t.regex(io.err(), re);
    t.notRegex(io.err(), /\n\s+at /, 'no stack trace');
  }
});

test('a UDP port in use is a clear error, exit 2', async (t) => {
  const busy = dgram.createSocket('udp4');
  t.teardown(() => new Promise<void>((res) => busy.close(() => res())));
  await new Promise<void>((res) => busy.bind(0, '127.0.0.1', () => res()));
  const io = memIo();
  t.is(await within(5000, serve(['--udp', `127.0.0.1:${busy.address().port}`], io)), 2);
  t.regex(io.err(), /cannot bind UDP 127\.0\.0\.1:\d+: EADDRINUSE/);
});

test('tcpdumpLine writes segments as tcpdump does', (t) => {
  const base = { t: 12345.6, type: 'segment' as const, event: 'tx' as const, host: 'client', src: '10.0.0.1:49152', dst: '10.0.0.2:9000', seq: 0, ack: 0, win: 65535 };
  t.is(tcpdumpLine({ ...base, flags: 'S', rseq: 0, rack: 0, len: 0, options: ['mss 1460'] }), '12.346 10.0.0.1.49152 > 10.0.0.2.9000: Flags [S], seq 0, win 65535, options [mss 1460], length 0');
  t.is(tcpdumpLine({ ...base, flags: 'P.', rseq: 1, rack: 1, len: 5, options: [] }), '12.346 10.0.0.1.49152 > 10.0.0.2.9000: Flags [P.], seq 1:6, ack 1, win 65535, length 5');
  t.is(tcpdumpLine({ ...base, event: 'drop', reason: 'loss', flags: '.', rseq: 6, rack: 1, len: 0, options: [] }), '12.346 10.0.0.1.49152 > 10.0.0.2.9000: Flags [.], ack 1, win 65535, length 0 (dropped: loss)');
});

test('several clients at once: each its own connection, lines labelled by address', async (t) => {
  const sio = memIo();
  t.teardown(() => sio.abort());
  const serverDone = serve(['--udp', '127.0.0.1:0', '--echo'], sio);
  const [, port] = await within(5000, waitFor(sio.err, /listening on udp 127\.0\.0\.1:([0-9]+)/, 5000), 'listen');
  const a = memIo();
  const b = memIo();
  t.teardown(() => (a.abort(), b.abort()));
  const aDone = connect(['--udp', `127.0.0.1:${port}`, '--addr', '10.0.0.3', '--msl', '100ms'], a);
  const bDone = connect(['--udp', `127.0.0.1:${port}`, '--addr', '10.0.0.4', '--msl', '100ms'], b);
  await within(5000, Promise.all([waitFor(a.err, /^connected/m, 5000), waitFor(b.err, /^connected/m, 5000)]), 'both connected');
  a.stdinStream.end('from a\n');
  b.stdinStream.end('from b\n');
  t.deepEqual(await within(10_000, Promise.all([aDone, bDone]), 'clients'), [0, 0]);
  t.is(a.out(), 'from server: from a\n');
  t.is(b.out(), 'from server: from b\n');
  t.regex(sio.out(), /^from 10\.0\.0\.3:\d+: from a$/m);
  t.regex(sio.out(), /^from 10\.0\.0\.4:\d+: from b$/m);
  sio.abort();
  t.is(await within(5000, serverDone, 'server'), 130);
});
