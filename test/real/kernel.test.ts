/**
 * `tcpemu real` on the kernel: only as root with tcpdump installed (it captures on lo); elsewhere
 * the tests are skipped with the reason printed. Each run is bounded (the scenarios last < 2 s of
 * real time, the runner has its own bounds) and cleans up its sockets, tcpdump and temp files.
 */
import test from 'ava';
import path from 'node:path';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { real as realRun } from './run-real.ts';
import { kernelUnavailableReason, runOnKernel, withKernelLock } from '../../lib/real/kernel.ts';
import { loadScenario } from '../../lib/scenario/load.ts';
import { linuxModelConfig, LOOPBACK_MSS } from '../../lib/real/compare.ts';
import { namespaceSettings } from '../../lib/real/netns-settings.ts';
import { rfcDefaults, resolveConfig } from '../../lib/tcp/config.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SCENARIOS = path.join(ROOT, 'fixtures/scenarios');
const reason = kernelUnavailableReason();
if (reason) console.log(`test/real/kernel.test.ts: kernel tests skipped: ${reason}`);
const kernelTest = reason ? test.skip : test.serial;

/** `tcpemu real --loopback ...`: these tests are about the loopback run (test/real/netns.test.ts has the namespaces'). */
const real = (args: string[]) => realRun([...args, '--loopback']);

test('the model side takes Linux defaults except what the scenario set, and loopback\'s MSS', (t) => {
  const c = linuxModelConfig(resolveConfig({ rcvbuf: 4096, autoread: false }));
  t.is(c.profile, 'linux');
  t.is(c.rcvbuf, 4096);
  t.is(c.autoread, false);
  t.is(c.mss, LOOPBACK_MSS);
  t.true(c.timestamps && c.sack && c.windowScale);
  t.is(c.rtoMinMs, 200);
  t.is(linuxModelConfig(resolveConfig({ mss: 1000 })).mss, 1000);
  t.is(linuxModelConfig({ ...rfcDefaults }).initialWindow, 10);
});

test('the model side\'s send buffer autotunes as the kernel\'s unless the scenario set one (then neither side autotunes)', (t) => {
  t.true(linuxModelConfig(resolveConfig({})).sndbufAuto);
  t.true(linuxModelConfig(resolveConfig({ profile: 'linux' })).sndbufAuto);
  t.false(linuxModelConfig(resolveConfig({ sndbuf: 16384 })).sndbufAuto);
  t.false(linuxModelConfig(resolveConfig({ profile: 'linux', sndbuf: 65535 })).sndbufAuto);
  t.deepEqual(namespaceSettings('h', linuxModelConfig(resolveConfig({ profile: 'linux', sndbuf: 65535 }), 1460), 1500).sysctls.find(([k]) => k === 'net/ipv4/tcp_wmem'), ['net/ipv4/tcp_wmem', '4096 65535 65535']);
});

test('the model side\'s receive buffer autotunes as the kernel\'s unless the scenario set one; the namespace gets the tcp_rmem the model follows', (t) => {
  t.true(linuxModelConfig(resolveConfig({})).rcvbufAuto);
  t.true(linuxModelConfig(resolveConfig({ profile: 'linux' })).rcvbufAuto);
  t.false(linuxModelConfig(resolveConfig({ rcvbuf: 16384 })).rcvbufAuto);
  t.false(linuxModelConfig(resolveConfig({ profile: 'linux', rcvbuf: 65535 })).rcvbufAuto);
  const rmem = (c: Parameters<typeof resolveConfig>[0]) => namespaceSettings('h', linuxModelConfig(resolveConfig(c), 1460), 1500).sysctls.find(([k]) => k === 'net/ipv4/tcp_rmem')?.[1];
  t.is(rmem({}), '4096 131072 33554432');
  t.is(rmem({ profile: 'linux', rcvbuf: 65535 }), '4096 65535 65535');
  t.is(rmem({ rcvbuf: 16384 }), '4096 16384 16384');
});

kernelTest('tcpemu real half-close-client: kernel and model agree, states observed, data delivered', async (t) => {
  const r = await real([path.join(SCENARIOS, 'half-close-client.yaml')]);
  t.is(r.code, 0, r.out + r.err);
  t.regex(r.out, /AGREE: every expectation holds/);
  t.regex(r.out, /link client>server: delay 10 ms: not cross-checkable/);
  // The kernel's states were read from the table; FIN-WAIT-2 and CLOSE-WAIT last long enough to be seen.
  t.regex(r.out, /kernel: CLOSED .*FIN-WAIT-2 TIME-WAIT/);
  t.regex(r.out, /kernel: LISTEN .*CLOSE-WAIT/);
  t.regex(r.out, /kernel: 2000 bytes "abcdefghij/);
  t.regex(r.out, /> server {2}F\. {2}seq 6 ack 1/);
});

kernelTest('tcpemu real connection-refused: ECONNREFUSED on both sides, the kernel answers R.', async (t) => {
  const r = await real([path.join(SCENARIOS, 'connection-refused.yaml')]);
  t.is(r.code, 0, r.out + r.err);
  t.regex(r.out, /> client {2}R\. {2}seq 0 ack 1/);
  t.regex(r.out, /errors {4}model: {2}ECONNREFUSED\n {12}kernel: ECONNREFUSED/);
});

kernelTest('tcpemu real abort-reset: kernel and model (linux profile) both abort with RST+ACK where the scenario (RFC 9293 3.10.5) expects a bare RST: they agree (exit 0), the shared failure named', async (t) => {
  const r = await real([path.join(SCENARIOS, 'abort-reset.yaml')]);
  t.is(r.code, 0, r.out + r.err);
  t.regex(r.out, /AGREE: the model and the kernel behave alike; 1 expectation fails on both, the same way:\n {2}.*abort-reset\.yaml:\d+:\d+: segments: on both line \d+ did not match \(differs in flags\)/);
  t.regex(r.out, /no drop or loss left out on loopback explains it/);
  t.is([...r.out.matchAll(/actual .*client > server {2}R\. {2}seq 15/g)].length, 2);
});

kernelTest('tcpemu real lost-fin: loopback cannot drop the FIN, so both miss the lost-FIN expectations the same way: AGREE (exit 0), each named, durations with units', async (t) => {
  const r = await real([path.join(SCENARIOS, 'lost-fin.yaml')]);
  t.is(r.code, 0, r.out + r.err);
  t.regex(r.out, /link client>server: delay 10 ms: not cross-checkable/);
  t.regex(r.out, /link client>server: drop segment #3: not cross-checkable/);
  // The run says why it is on loopback, and which expectations that leaves unchecked.
  t.regex(r.out, /on loopback: the run through namespaces and tcpemu's link cannot happen here \(asked for with --loopback\)/);
  t.regex(r.out, /so these expectations cannot be checked on loopback \(they depend on the link\): at 500ms: client c1 in FIN-WAIT-1; at 500ms: server c1 in ESTABLISHED; states client; states server; segments/);
  t.regex(r.out, /client: tcp msl = 1000 ms/);
  t.notRegex(r.out, /delay 10:|mslMs/);
  t.regex(r.out, /AGREE: the model and the kernel behave alike; 3 expectations fail on both, the same way:/);
  t.regex(r.out, /lost-fin\.yaml:11:26: at 500ms: client c1 in FIN-WAIT-1: on both it is FIN-WAIT-2/);
  t.regex(r.out, /lost-fin\.yaml:23:5: segments: on both line 23 did not match/);
  t.regex(r.out, /loopback cannot make, .*drop segment #3/);
  t.notRegex(r.out, /DIFFER/);
});

kernelTest('the kernel runner cleans up: no socket of the run is left but TIME-WAIT, and tcpdump is gone', async (t) => {
  const file = path.join(SCENARIOS, 'request-response.yaml');
  const plan = loadScenario(readFileSync(file, 'utf8'), file);
  // The lock around the run and the checks: no other kernel run (another test file's) may start between.
  await withKernelLock(async () => {
    const r = await runOnKernel(plan, { settleMs: 200 });
    t.is(r.delivered.server.toString(), 'ping');
    t.is(r.delivered.client.toString(), 'pong');
    t.true(r.segments.length >= 9);
    // Loopback leaves checksums to the (absent) NIC: the capture holds the partial sums, and they are counted.
    t.true(r.partialChecksums > 0 && r.partialChecksums <= r.segments.length);
    const { execFileSync } = await import('node:child_process');
    const left = execFileSync('ss', ['-tanH', '( sport = :8080 or dport = :8080 )']).toString().split('\n').filter((l) => l && !l.startsWith('TIME-WAIT'));
    t.deepEqual(left, []);
    const tcpdumps = execFileSync('ps', ['-eo', 'args']).toString().split('\n').filter((l) => l.includes('tcpdump') && l.includes('tcpemu-real-'));
    t.deepEqual(tcpdumps, []);
  });
});

test('tcpemu real: bad input exits 2 with one line', async (t) => {
  let r = await real([]);
  t.is(r.code, 2);
  r = await real([path.join(SCENARIOS, 'no-such.yaml')]);
  t.is(r.code, 2);
  t.regex(r.err, /no such file/);
  r = await real([path.join(SCENARIOS, 'handshake.yaml'), '--settle', 'soon']);
  t.is(r.code, 2);
});

kernelTest('tcpemu real: data after a full close is answered with RST, by the kernel as by the model (RFC 1122 4.2.2.13; issue 23, bug 3)', async (t) => {
  // The client closes at 100 ms; the server's data of 200 ms reaches a closed application: both answer it
  // with <SEQ=SEG.ACK><CTL=RST>, seq 2 (after the client's FIN), and the client's connection ends.
  const dir = mkdtempSync(path.join(tmpdir(), 'tcpemu-real-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'data-after-close.yaml');
  writeFileSync(file, `name: data-after-close
seed: 1
tcp: { profile: linux }
hosts:
  client: {}
  server: {}
link: { delay: 5ms }
steps:
  - { at: 0, server: listen 80 }
  - { at: 0, client: connect server:80 }
  - { at: 100ms, client: close }
  - { at: 200ms, server: send 2000 }
  - { at: 300ms, server: close }
expect:
  states:
    client: CLOSED SYN-SENT ESTABLISHED FIN-WAIT-1 FIN-WAIT-2 CLOSED
  segments: |
    ...
    client > server  F.  seq 1 ack 1
    ...
    client > server  R   seq 2
    ...
`);
  const r = await real([file]);
  t.is(r.code, 0, r.out + r.err);
  t.regex(r.out, /AGREE: every expectation holds/);
  t.is([...r.out.matchAll(/> server {2}R {2}seq 2 win 0 len 0/g)].length, 2, 'the model\'s RST and the kernel\'s, side by side');
});
