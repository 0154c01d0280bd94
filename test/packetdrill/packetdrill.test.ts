/**
 * tcpemu packetdrill: the reader (times, packets, options, calls, errors at their line and column), the
 * runner (a script that must pass, one that must fail at a given line, UNSUPPORTED), exit 2 for a typo,
 * and every script of fixtures/packetdrill and, where ../shared is present, of ../shared/packetdrill,
 * each checked against the committed table of expected verdicts (expected-verdicts.json).
 */
import test from 'ava';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseScript } from '../../lib/packetdrill/parse.ts';
import { runScript } from '../../lib/packetdrill/runner.ts';
import { scriptFiles, loadScripts } from '../../lib/packetdrill/command.ts';
import { ScenarioError } from '../../lib/scenario/errors.ts';
import { ROOT, tcpemu, tmp } from '../cli/run.ts';

const SHARED = path.resolve(ROOT, '../shared/packetdrill');
const TABLE = path.join(ROOT, 'test/packetdrill/expected-verdicts.json');

/** A passive open written in our own words: listen on 8080, the peer's SYN, our SYN-ACK, the ACK, accept. */
const PASSIVE = `0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+.1 < S 0:0(0) win 65535 <mss 1460>
+0 > S. 0:0(0) ack 1 <mss 1460>
+.1 < . 1:1(0) ack 1 win 65535
+0 accept(3, ..., ...) = 4
`;

function run(text: string, opts = {}) {
  return runScript(parseScript(text, 'inline.pkt'), opts);
}

function parseError(text: string): ScenarioError {
  const err = (() => {
    try {
      parseScript(text, 't.pkt');
    } catch (e) {
      return e;
    }
    return undefined;
  })();
  if (!(err instanceof ScenarioError)) throw new Error(`expected a ScenarioError for ${JSON.stringify(text)}`);
  return err;
}

test('reader: times absolute, relative, any, windows and blocking spans', (t) => {
  const s = parseScript('0.100...0.200 connect(3, ..., ...) = 0\n+.3~+.4 > F. 1:1(0) ack 1\n* > . 1:1(0) ack 2\n+0...30 read(4, ..., 10) = -1 ETIMEDOUT (timed out)\n', 'x.pkt');
  t.deepEqual(s.events.map((e) => (e.type === 'shell' ? undefined : e.time)), [
    { kind: 'abs', start: 0.1, blocking: { kind: 'abs', end: 0.2 } },
    { kind: 'rel', start: 0.3, window: { kind: 'rel', end: 0.4 } },
    { kind: 'any', start: 0 },
    { kind: 'rel', start: 0, blocking: { kind: 'rel', end: 30 } },
  ]);
  const r = s.events[3];
  t.true(r.type === 'syscall' && r.result === -1 && r.errno === 'ETIMEDOUT');
});

test('reader: a segment line with flags, range, ack, win and options', (t) => {
  const s = parseScript('+0 < S. 0:0(0) ack 1 win 32792 <mss 1100,sackOK,TS val 100 ecr 0,nop,wscale 7,sack 1001:2001 3001:4001>\n+0 > P. 1:1001(1000) ack 1 <...>\n', 'x.pkt');
  const [a, b] = s.events;
  t.like(a, { type: 'packet', dir: '<', flags: 'S.', start: 0, end: 0, len: 0, ack: 1, win: 32792 });
  t.deepEqual(a.type === 'packet' ? a.options : undefined, [
    { kind: 'mss', mss: 1100 }, { kind: 'sackOK' }, { kind: 'TS', val: 100, ecr: 0 }, { kind: 'nop' }, { kind: 'wscale', shift: 7 },
    { kind: 'sack', blocks: [[1001, 2001], [3001, 4001]] },
  ]);
  t.like(b, { type: 'packet', dir: '>', options: 'any', len: 1000 });
});

test('reader: shell lines, multi-line calls and %{ }% assertions', (t) => {
  const s = parseScript('`../common/defaults.sh`\n0 sendmsg(4, {msg_name(...)=...,\n   msg_iov(1)=[{..., 40}], msg_flags=0}, 0) = 40\n+0 %{ cwnd = 10; assert tcpi_snd_cwnd == cwnd, tcpi_snd_cwnd }%\n`/tmp/sysctl_restore_${PPID}.sh`\n', 'x.pkt');
  t.deepEqual(s.events.map((e) => e.type), ['shell', 'syscall', 'code', 'shell']);
  const code = s.events[2];
  t.deepEqual(code.type === 'code' ? code.code.statements.map((x) => x.kind) : [], ['assign', 'assert']);
});

test('reader: a typo is an error at its line and column, with a hint', (t) => {
  const flag = parseError('0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 < SX 0:0(0) win 100\n');
  t.deepEqual([flag.line, flag.col], [2, 7]);
  t.regex(flag.message, /'X' is not a TCP flag/);
  const opt = parseError('+0 > S 0:0(0) <mss 1460,sackOk>\n');
  t.deepEqual([opt.line, opt.col], [1, 25]);
  t.regex(opt.hint ?? '', /did you mean sackOK/);
  const len = parseError('+0 < . 1:1001(100) ack 1 win 10\n');
  t.regex(len.message, /holds 1000 bytes, but the length says 100/);
  t.is(parseError('+0 < . 1:1(0) ack 1\n').hint, "add 'win N', for example win 257 (the raw 16-bit field, before scaling)");
  t.regex(parseError('+0 write(4, ..., 10)\n').message, /has no '= result'/);
  t.regex(parseError("+0 %{ assert 1 == 1 \n").message, /never closed/);
  t.regex(parseError('* write(4, ..., 10) = 10\n').message, /only for an outbound packet/);
  // A call packetdrill does not have is a typo (packetdrill stops on it); one it has that the model lacks is UNSUPPORTED.
  const call = parseError('0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 bnid(3, ..., ...) = 0\n');
  t.deepEqual([call.line, call.col, call.message, call.hint], [2, 4, "unknown system call 'bnid'", 'did you mean bind?']);
  t.regex(parseError('+0 > S 0:0(0) <mss 1460,FO abc>\n').message, /Fast Open cookie of 3 hex digits/);
});

// An inbound packet that cannot be put on the wire (here 42 bytes of options, 44 padded; the header has room for 40) fails at its line.
test('runner: an inbound packet that cannot be encoded is a failure at its line', (t) => {
  const r = run(`0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 bind(3, ..., ...) = 0\n+0 listen(3, 1) = 0\n+0 < S 0:0(0) win 1000 <FO ${'ab'.repeat(38)},nop,nop>\n`);
  t.like(r, { verdict: 'fail', line: 4 });
  t.regex(r.reason ?? '', /^this packet cannot be sent: TCP options take 44 bytes with padding \(at most 40 bytes of options fit\)$/);
});

// RFC 9293 3.5 and 3.10.7.3: a passive open, data each way, and the end of the connection.
test('runner: a script that holds passes', (t) => {
  const r = run(`${PASSIVE}+0 write(4, ..., 1000) = 1000
+0 > P. 1:1001(1000) ack 1
+.1 < . 1:1(0) ack 1001 win 65535
+0 < P. 1:101(100) ack 1001 win 65535
+0 > . 1001:1001(0) ack 101
+0 read(4, ..., 100) = 100
`);
  t.is(r.verdict, 'pass', `${r.line}: ${r.reason}`);
});

test('runner: a script that does not hold fails at its line, in packetdrill words', (t) => {
  const r = run(`${PASSIVE}+0 write(4, ..., 1000) = 1000
+0 > P. 1:1001(1000) ack 5
`);
  t.is(r.verdict, 'fail');
  t.is(r.line, 10);
  t.is(r.reason, 'live packet field tcp_ack_seq: expected: 5 (0x5) vs actual: 1 (0x1)');
  t.regex(r.actual ?? '', /P\. 1:1001\(1000\) ack 1/);
  const late = run(`${PASSIVE}+0 write(4, ..., 1000) = 1000\n+.05 > P. 1:1001(1000) ack 1\n`);
  t.is(late.line, 10);
  t.regex(late.reason ?? '', /^timing error: expected outbound packet at 0\.250000 sec but happened at 0\.200000 sec; tolerance 0\.004000 sec$/);
  const result = run(`${PASSIVE}+0 read(4, ..., 100) = -1 EAGAIN (would block)\n`);
  t.is(result.verdict, 'fail');
  t.regex(result.reason ?? '', /blocked, but the script gives it no \.\.\.end time/);
});

test('runner: what the model cannot run is UNSUPPORTED naming it, never a pass', (t) => {
  t.like(run(`${PASSIVE}+0 setsockopt(4, SOL_SOCKET, SO_KEEPALIVE, [1], 4) = 0\n`), { verdict: 'unsupported', line: 9, reason: 'setsockopt SO_KEEPALIVE' });
  t.like(run(`${PASSIVE}+0 %{ assert tcpi_rcv_rtt == 0 }%\n`), { verdict: 'unsupported', line: 9 });
  t.like(run("`ip route change default mtu 1000`\n" + PASSIVE), { verdict: 'unsupported', line: 1, reason: 'shell command `ip route change default mtu 1000`' });
});

test('runner: %{ }% assertions are checked against the model connection', (t) => {
  t.is(run(`${PASSIVE}+0 %{ assert tcpi_state == TCP_ESTABLISHED and tcpi_snd_mss == 1460 }%\n`).verdict, 'pass');
  const r = run(`${PASSIVE}+0 %{ assert tcpi_snd_cwnd == 3, tcpi_snd_cwnd }%\n`);
  t.like(r, { verdict: 'fail', line: 9, reason: 'AssertionError: assert tcpi_snd_cwnd == 3', actual: 'tcpi_snd_cwnd=10' });
});

test('runner: a script waiting for ever stops at a bound with a clear message', (t) => {
  const r = run(`${PASSIVE}* > P. 1:11(10) ack 1\n`, { boundSecs: 30 });
  t.like(r, { verdict: 'fail', line: 9 });
  t.regex(r.reason ?? '', /stopped at the bound: no packet in 30 sec of virtual time/);
});

// Linux's quick-ACK (tcp_incr_quickack): the first data of a connection is acknowledged at once in the
// linux profile; RFC 9293 3.8.6.3 lets a receiver delay it, and the rfc profile does (200 ms, RFC 1122 4.2.3.2).
test('model: quick-ACK at the start of a connection (linux profile); delayed under --profile rfc', (t) => {
  const script = `${PASSIVE}+0 < P. 1:101(100) ack 1 win 65535\n+0 > . 1:1(0) ack 101\n`;
  t.is(run(script).verdict, 'pass');
  const rfc = run(script, { config: { profile: 'rfc', delayedAckMs: 200 } });
  t.like(rfc, { verdict: 'fail', line: 10 });
  t.regex(rfc.reason ?? '', /happened at 0\.400000 sec/);
});

test('tcpemu packetdrill: a typo exits 2 at FILE:LINE:COL, nothing else runs', (t) => {
  const dir = tmp(t);
  const good = path.join(dir, 'a.pkt');
  const bad = path.join(dir, 'b.pkt');
  writeFileSync(good, PASSIVE);
  writeFileSync(bad, `${PASSIVE}+0 > P. 1:11(10) ack 1 <mss 1460,wscal 7>\n`);
  const r = tcpemu(['packetdrill', dir]);
  t.is(r.code, 2);
  t.is(r.out, '');
  t.regex(r.err, /b\.pkt:9:34: unknown TCP option 'wscal'\n {2}hint: did you mean wscale\?/);
  const html = path.join(dir, 'out.html');
  t.is(tcpemu(['packetdrill', bad, '--html', html]).code, 2);
  t.false(existsSync(html));
});

test('tcpemu packetdrill: one line a script, a total, --json, exit 1 on a failure', (t) => {
  const dir = tmp(t);
  writeFileSync(path.join(dir, 'a.pkt'), PASSIVE);
  writeFileSync(path.join(dir, 'b.pkt'), `${PASSIVE}+0 write(4, ..., 10) = 10\n+0 > P. 1:11(10) ack 2\n`);
  const r = tcpemu(['packetdrill', dir]);
  t.is(r.code, 1);
  t.regex(r.out, /^PASS {9}.*a\.pkt\nFAIL {9}.*b\.pkt:10  live packet field tcp_ack_seq: expected: 2 \(0x2\) vs actual: 1 \(0x1\)\n {4}expected: .*\n {4}actual: .*\n2 scripts: 1 pass, 1 fail, 0 unsupported\n$/);
  const j = tcpemu(['packetdrill', '--json', dir]);
  const lines = j.out.trim().split('\n').map((l) => JSON.parse(l));
  t.deepEqual(lines.map((l) => [path.basename(l.file), l.verdict, l.line]), [['a.pkt', 'pass', null], ['b.pkt', 'fail', 10]]);
  t.deepEqual(Object.keys(lines[1]), ['file', 'verdict', 'line', 'expected', 'actual', 'reason']);
});

/**
 * Every script's verdict against the committed table: a regression fails; an improvement fails too,
 * asking for the table to be updated (UPDATE_VERDICTS=1 writes it).
 */
test('verdicts of fixtures/packetdrill and ../shared/packetdrill match the committed table', (t) => {
  const table = JSON.parse(readFileSync(TABLE, 'utf8')) as Record<string, string>;
  const dirs = [path.join(ROOT, 'fixtures/packetdrill')];
  if (existsSync(SHARED)) dirs.push(SHARED);
  else t.log(`../shared/packetdrill is absent (${SHARED}): only our own scripts are run`);
  const got: Record<string, string> = {};
  for (const script of loadScripts(scriptFiles(dirs))) {
    const key = script.file.startsWith(SHARED) ? `shared/${path.relative(SHARED, script.file)}` : path.relative(ROOT, script.file);
    const r = runScript(script);
    got[key] = r.verdict === 'pass' ? 'pass' : `${r.verdict}:${r.line}`;
  }
  if (process.env.UPDATE_VERDICTS) {
    writeFileSync(TABLE, JSON.stringify({ ...table, ...got }, Object.keys({ ...table, ...got }).sort(), 2) + '\n');
  }
  const diffs: string[] = [];
  for (const [k, v] of Object.entries(got)) {
    const want = table[k];
    if (want === v) continue;
    const better = v === 'pass' || (want !== undefined && want.startsWith('fail') && v.startsWith('fail') && Number(v.split(':')[1]) > Number(want.split(':')[1]));
    diffs.push(`${k}: table says ${want ?? '(missing)'}, now ${v}${better ? ' (an improvement: update the table with UPDATE_VERDICTS=1)' : ' (a regression)'}`);
  }
  t.deepEqual(diffs, []);
  for (const k of Object.keys(got)) if (k.startsWith('fixtures/')) t.is(got[k], 'pass', `our own script ${k} must pass`);
});
