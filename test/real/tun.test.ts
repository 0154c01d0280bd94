/**
 * Interop through a TUN device: the model and the kernel's TCP as the two ends of one connection,
 * real IPv4 packets between them, in a network namespace each run creates and deletes. Only as root
 * with /dev/net/tun, `ip` and python3, and only if creating a namespace and a TUN device in it works
 * (checked by doing it once); elsewhere those tests are skipped and the reason is printed. The
 * checks on the link's descriptor run everywhere.
 *
 * Every run is bounded (the conversation by 10 s, the process by 10 s more, then killed), and each
 * leaves no namespace and no process behind, which the last tests check.
 */
import test, { type ExecutionContext } from 'ava';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TunLink, TunLinkError } from '../../lib/link/tun.ts';
import { tunCommand } from '../../lib/cli/tun.ts';
import { inNamespaceWithTun, leftoverNamespaces, probeTun, runThroughTun, tunUnavailableReason, type TunRunResult } from '../../lib/real/tun.ts';
import { defaultSizes, pattern, segmentsOf, type TunCase } from '../../lib/real/tun-dialogue.ts';
import type { TcpStateName } from '../../lib/trace/events.ts';

const reason = tunUnavailableReason() ?? (await probeTun());
if (reason) console.log(`test/real/tun.test.ts: TUN interop tests skipped: ${reason}`);
const tunTest = reason ? test.skip : test.serial;

const CONVERSATION_MS = 10_000;
const REQUEST_TOTAL = defaultSizes.request + defaultSizes.last;
const REPLY_TOTAL = defaultSizes.reply + defaultSizes.final;

// ------------------------------------------------------------------ the link's descriptor (anywhere)

function tmpFile(t: ExecutionContext): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tcpemu-tun-test-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'not-a-tun');
  writeFileSync(file, 'x');
  return file;
}

test('TunLink refuses a blocking descriptor: its read could never be stopped', (t) => {
  const fd = openSync(tmpFile(t), 'r');
  t.teardown(() => closeSync(fd));
  const err = t.throws(() => TunLink.open({ fd }), { instanceOf: TunLinkError });
  t.is(err?.code, 'EBLOCKING');
  t.regex(err!.message, /O_NONBLOCK/);
});

test('TunLink refuses a descriptor that is not a TUN device', (t) => {
  const fd = openSync(tmpFile(t), constants.O_RDONLY | constants.O_NONBLOCK);
  t.teardown(() => closeSync(fd));
  const err = t.throws(() => TunLink.open({ fd }), { instanceOf: TunLinkError });
  t.is(err?.code, 'ENOTTUN');
  t.regex(err!.message, /tun-helper\.py/);
});

test('the conversation\'s messages differ from each other and from one offset to the next', (t) => {
  const a = pattern(70_000, 1);
  const b = pattern(70_000, 2);
  t.false(a.equals(b));
  // No period of 256 (a block shifted by a multiple of 256 bytes would otherwise read the same).
  t.false(a.subarray(0, 1000).equals(a.subarray(256, 1256)));
  t.false(a.subarray(0, 1000).equals(a.subarray(65536, 66536)));
});

// ------------------------------------------------------------------ model <-> kernel (root)

function run(c: TunCase, profile: 'rfc' | 'linux', port: number): Promise<TunRunResult> {
  return runThroughTun({ case: c, port, profile, mslMs: 200, timeoutMs: CONVERSATION_MS });
}

/** `states` holds `want` in this order, and nothing outside `allowed`. */
function assertObserved(t: ExecutionContext, states: TcpStateName[], want: TcpStateName[], allowed: TcpStateName[], what: string): void {
  let i = 0;
  for (const s of states) if (s === want[i]) i++;
  t.is(i, want.length, `${what}: ${states.join(' ')} should hold ${want.join(' ')} in order`);
  t.deepEqual(states.filter((s) => !allowed.includes(s)), [], `${what}: ${states.join(' ')}`);
}

/** What both cases share: bytes intact both ways, end-of-stream, clean close, options in the SYNs, no stray packets. */
function assertConversation(t: ExecutionContext, r: TunRunResult): void {
  t.true(r.ok, r.problems.join('; '));
  const [client, server] = r.model.role === 'client' ? [r.model, r.kernel] : [r.kernel, r.model];
  t.is(server.received, REQUEST_TOTAL);
  t.is(client.received, REPLY_TOTAL);
  for (const e of [r.model, r.kernel]) {
    t.true(e.receivedIntact, `${e.side} ${e.role}: first wrong byte ${e.firstDifference}`);
    t.true(e.sawEnd, `${e.side} ${e.role} saw end-of-stream`);
    t.true(e.closed, `${e.side} ${e.role} closed`);
    t.deepEqual(e.errors, []);
  }
  // The kernel's SYN (or SYN-ACK) reached the model whole: MSS from the device's MTU of 1500.
  t.true(r.synOptions.kernel.includes('mss 1460'), r.synOptions.kernel.join(', '));
  t.true(r.synOptions.model.includes('mss 1460'));
  // Every packet the kernel sent was IPv4 carrying TCP: IPv6 is off on the device.
  t.deepEqual(Object.entries(r.link.dropped).filter(([, n]) => n > 0), []);
  t.is(r.link.delivered, r.link.received);
  // The client's FIN came first, and the model both sent one and received one. (Each is normally
  // sent once; a machine slow enough to delay an ACK past the RTO sees a retransmitted FIN, which is fine.)
  const fins = segmentsOf(r.trace).filter((s) => s.flags.includes('F')).map((s) => s.event);
  t.is(fins[0], client.side === 'model' ? 'tx' : 'rx', fins.join(' '));
  t.true(fins.includes('tx') && fins.includes('rx'), fins.join(' '));
  t.is(r.device, 'tcpemu0');
  // The conversation's own clock: the run around it adds Node's start-up, seconds on a busy machine (12 s seen in the full suite).
  t.true(r.durationMs < CONVERSATION_MS, `the conversation took ${r.durationMs} ms`);
  t.log(`${r.case}: ${segmentsOf(r.trace).length} segments, conversation ${r.durationMs.toFixed(0)} ms, run ${r.wallMs.toFixed(0)} ms`);
  t.log(`model ${r.model.states.join(' ')} ${JSON.stringify(r.model.at)}; kernel (table) ${r.kernel.states.join(' ')} ${JSON.stringify(r.kernel.at)}`);
}

for (const profile of ['linux', 'rfc'] as const) {
  tunTest(`TUN, profile ${profile}: a kernel net client talks to a tcpemu server, half-closes; the server keeps sending, then closes`, async (t) => {
    const r = await run('kernel-client', profile, 7000);
    assertConversation(t, r);
    t.deepEqual(r.model.states, ['LISTEN', 'SYN-RECEIVED', 'ESTABLISHED', 'CLOSE-WAIT', 'LAST-ACK', 'CLOSED']);
    t.deepEqual(r.model.at, { established: 'ESTABLISHED', halfClosed: 'CLOSE-WAIT', end: 'CLOSED' });
    // The kernel client, read from its socket table: FIN-WAIT-2 while the model still sends, TIME-WAIT after.
    t.deepEqual(r.kernel.at, { established: 'ESTABLISHED', halfClosed: 'FIN-WAIT-2', end: 'TIME-WAIT' });
    // A read that began before Node reported the connection may still show SYN-SENT.
    assertObserved(t, r.kernel.states, ['ESTABLISHED', 'FIN-WAIT-2', 'TIME-WAIT'], ['SYN-SENT', 'ESTABLISHED', 'FIN-WAIT-1', 'FIN-WAIT-2', 'TIME-WAIT'], 'kernel client');
    // The kernel's window scale and the model's answer: with the linux profile the model accepts scaling.
    t.is(r.synOptions.model.some((o) => o.startsWith('wscale')), profile === 'linux');
  });

  tunTest(`TUN, profile ${profile}: a tcpemu client talks to a kernel net server (allowHalfOpen), half-closes; the kernel keeps sending, then closes`, async (t) => {
    const r = await run('model-client', profile, 7001);
    assertConversation(t, r);
    t.deepEqual(r.model.states, ['CLOSED', 'SYN-SENT', 'ESTABLISHED', 'FIN-WAIT-1', 'FIN-WAIT-2', 'TIME-WAIT', 'CLOSED']);
    t.deepEqual(r.model.at, { established: 'ESTABLISHED', halfClosed: 'FIN-WAIT-2', end: 'CLOSED' });
    t.deepEqual(r.kernel.at, { established: 'ESTABLISHED', halfClosed: 'CLOSE-WAIT', end: 'CLOSED' });
    assertObserved(t, r.kernel.states, ['ESTABLISHED', 'CLOSE-WAIT', 'CLOSED'], ['SYN-RECEIVED', 'ESTABLISHED', 'CLOSE-WAIT', 'LAST-ACK', 'CLOSED'], 'kernel server');
  });
}

async function tun(args: string[]) {
  let out = '';
  let err = '';
  const code = await tunCommand(args, { out: (x) => { out += x; }, err: (x) => { err += x; }, color: false });
  return { code, out, err };
}

test('tcpemu tun: bad usage exits 2 and points to the usage', async (t) => {
  for (const args of [['--case', 'sideways'], ['--profile', 'bsd'], ['--request', 'lots'], ['--view', 'states'], ['extra']]) {
    const r = await tun(args);
    t.is(r.code, 2, args.join(' '));
    t.regex(r.err, /^tcpemu tun: .*\nrun 'tcpemu tun --help' for its usage\n$/s);
  }
});

tunTest('tcpemu tun --view ladder: both columns drawn, the kernel\'s states as read, OK', async (t) => {
  const r = await tun(['--case', 'model-client', '--profile', 'rfc', '--view', 'ladder', '--request', '3000', '--reply', '2k', '--last', '10', '--final', '500']);
  t.is(r.code, 0, r.out + r.err);
  t.regex(r.out, /kernel 10\.99\.0\.1:7000 +model 10\.99\.0\.2:\d+/);
  t.regex(r.out, /│<─+ S seq 0 win 65535 <mss 1460> ─┤/);
  t.regex(r.out, /├─ S\. seq 0 ack 1 win \d+ <mss 1460> ─+>│/);
  t.regex(r.out, /CLOSE-WAIT │/);
  t.regex(r.out, /read +3010 bytes, intact; end-of-stream; closed/);
  t.regex(r.out, /\nOK\n$/);
});

tunTest('TUN: a run that hangs is killed at its bound, and its namespace and processes are gone', async (t) => {
  const t0 = performance.now();
  const r = await inNamespaceWithTun(['sleep', '30'], 500);
  t.true(r.timedOut);
  t.true(performance.now() - t0 < 5000);
  t.false(await leftoverNamespaces().then((l) => l.includes(r.namespace)));
  const sleeping = execFileSync('ps', ['-eo', 'args']).toString().split('\n').filter((l) => l.trim() === 'sleep 30');
  t.deepEqual(sleeping, []);
});

tunTest('TUN: a conversation that cannot finish in time stops at its bound, says what it waited for, and aborts both ends', async (t) => {
  // 20 MB take some 350 ms through the device (57 MB/s measured): far more than the 50 ms allowed.
  const r = await runThroughTun({ case: 'kernel-client', port: 7002, timeoutMs: 50, sizes: { request: 20_000_000 } });
  t.false(r.ok);
  t.regex(r.problems[0], /^timed out after 50 ms waiting for the (kernel socket to connect|server to finish sending)/);
  t.true(r.model.received < 20_000_000);
  // The conversation's own clock (the child's start-up is not in it, and on a busy machine takes seconds).
  t.true(r.durationMs < 2000, `the conversation took ${r.durationMs} ms`);
});

tunTest('TUN: no namespace and no child of the runs is left', async (t) => {
  t.deepEqual(await leftoverNamespaces(), []);
  // tcpemu real's namespace agents (test/real/netns.test.ts, run beside this file) use the same helper: not ours.
  const children = execFileSync('ps', ['-eo', 'args']).toString().split('\n').filter((l) => (l.includes('tun-child.ts') || l.includes('tun-helper.py')) && !l.includes('netns-agent'));
  t.deepEqual(children, []);
});
