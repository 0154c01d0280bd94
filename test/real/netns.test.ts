/**
 * `tcpemu real` through network namespaces: each scenario host is Linux's TCP in a namespace of its own
 * with a TUN device, and tcpemu's link (MemoryLink, on real time) carries the packets between them.
 *
 * The pieces that need no privilege (the settings Linux is given, the frames to the agents, the real-time
 * scheduler, where two conversations part) are tested everywhere. The runs need root, `ip`, python3 and
 * /dev/net/tun; elsewhere they are skipped with the reason printed. Every run is bounded (each agent's
 * start by 30 s, each step's answer by 15 s, the scenario by its own bound), and every namespace and
 * agent it makes is gone afterwards, which the last test checks.
 *
 * Timing, measured on the 2-core CI machine under load: one fixture takes 3-8 s of wall time (two
 * Node agents starting from a bundle made once per process, lib/real/netns-agent-bundle.ts, while the
 * model runs; the scenario in real time; the clean-up), the dumbbell (eight namespaces) about 20 s.
 */
import test, { type ExecutionContext } from 'ava';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { real } from './run-real.ts';
import { namespaceSettings } from '../../lib/real/netns-settings.ts';
import { FrameReader, MESSAGE, PACKET, frame, messageFrame } from '../../lib/real/netns-frames.ts';
import { RealTimeScheduler } from '../../lib/real/realtime.ts';
import { firstSegmentParting, stateParting } from '../../lib/real/parting.ts';
import { NETNS_PREFIX, netnsUnavailableReason } from '../../lib/real/netns-link.ts';
import { linuxModelConfig, modelPlanForLink } from '../../lib/real/compare.ts';
import { loadScenario } from '../../lib/scenario/load.ts';
import { Random } from '../../lib/sim/random.ts';
import { drawFate, MemoryLink } from '../../lib/link/memory.ts';
import { linuxDefaults, resolveConfig } from '../../lib/tcp/config.ts';
import type { SegmentEvent } from '../../lib/trace/events.ts';
import { word } from '../../lib/i18n/index.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SCENARIOS = path.join(ROOT, 'fixtures/scenarios');
const reason = netnsUnavailableReason();
if (reason) console.log(`test/real/netns.test.ts: namespace runs skipped: ${reason}`);
const rootTest = reason ? test.skip : test.serial;

/** A scenario written to a temporary file, removed after the test. */
function scenarioFile(t: ExecutionContext, text: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tcpemu-netns-test-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'scenario.yaml');
  writeFileSync(file, text);
  return file;
}

function ourNamespaces(): string[] {
  return execFileSync('ip', ['netns', 'list']).toString().split('\n').map((l) => l.trim().split(/\s/)[0]).filter((n) => n.startsWith(`${NETNS_PREFIX}${process.pid}-`));
}

// ------------------------------------------------------------------ anywhere

test('settings: what Linux takes goes to the namespace\'s sysctls and the route; what it cannot take is named, with the expectations it touches', (t) => {
  const c = resolveConfig({ ...linuxDefaults, sack: false, rtoMinMs: 300, delayedAck: false, mss: 536, mslMs: 5000, rcvbuf: 4096 });
  const s = namespaceSettings('client', c, 1500);
  t.deepEqual(s.sysctls.find(([k]) => k === 'net/ipv4/tcp_sack'), ['net/ipv4/tcp_sack', '0']);
  t.deepEqual(s.sysctls.find(([k]) => k === 'net/ipv4/tcp_timestamps'), ['net/ipv4/tcp_timestamps', '1']);
  // The buffer pinned: autotuning cannot grow it past the scenario's size.
  t.deepEqual(s.sysctls.find(([k]) => k === 'net/ipv4/tcp_rmem'), ['net/ipv4/tcp_rmem', '4096 4096 4096']);
  t.deepEqual(s.routeOptions, ['advmss', '536', 'rto_min', '300ms', 'quickack', '1']);
  t.deepEqual(s.notApplied.map((m) => word('en', m)), ['client: tcp msl = 5000 ms: Linux holds TIME-WAIT for 60 s (2 x 30 s), whatever the scenario says']);
  // An `expect state` on TIME-WAIT's end depends on the MSL; a segment list and another host's steps do not.
  const why = s.modelOnly('at 10.3s: client c1 in CLOSED');
  t.regex(why ? word('en', why) : '', /client's msl = 5000 ms cannot be set on Linux/);
  t.is(s.modelOnly('at 10.3s: server c1 in CLOSED'), undefined);
  // Before 2 x 5 s no TIME-WAIT can have ended, with either MSL: checked on the kernel too.
  t.is(s.modelOnly('at 5s: client c1 in TIME-WAIT'), undefined);
  t.truthy(s.modelOnly('at 10.1s: client c1 in TIME-WAIT'));
  t.is(s.modelOnly('segments'), undefined);
  // Linux's own defaults need nothing on the route.
  t.deepEqual(namespaceSettings('server', linuxDefaults, 1500).routeOptions, []);
  t.deepEqual(namespaceSettings('server', linuxDefaults, 1500).notApplied, []);
});

test('settings: an initial RTO other than 1 s cannot be set on Linux; the segments, which show when each retransmission leaves, are judged on the model alone', (t) => {
  const s = namespaceSettings('client', resolveConfig({ ...linuxDefaults, rtoInitialMs: 200 }), 1500);
  t.is(s.notApplied.length, 1);
  t.regex(word('en', s.notApplied[0]), /rto-initial = 200 ms: Linux starts every RTO at 1 s/);
  t.truthy(s.modelOnly('segments'));
});

test('the model\'s side through the link: Linux\'s profile, the MSS of the link\'s MTU, the scenario\'s link and link steps kept', (t) => {
  const file = path.join(SCENARIOS, 'lost-fin.yaml');
  const plan = loadScenario(readFileSync(file, 'utf8'), file);
  const m = modelPlanForLink(plan);
  t.is(m.hosts[0].tcp.profile, 'linux');
  t.is(m.hosts[0].tcp.mss, 1460);
  t.deepEqual(m.link, plan.link);
  t.is(m.steps.length, plan.steps.length);
  t.is(linuxModelConfig(resolveConfig({}), 1460).mss, 1460);
});

test('frames: packets and messages cut from a stream however it is split', (t) => {
  const got: [number, string][] = [];
  const r = new FrameReader((kind, body) => got.push([kind, kind === PACKET ? body.toString('hex') : body.toString()]));
  const bytes = Buffer.concat([frame(PACKET, Buffer.from([0x45, 0, 0, 20])), messageFrame({ op: 'ready' }), frame(PACKET, Buffer.alloc(0))]);
  for (let i = 0; i < bytes.length; i += 3) r.push(bytes.subarray(i, i + 3));
  t.deepEqual(got, [[PACKET, '45000014'], [MESSAGE, '{"op":"ready"}'], [PACKET, '']]);
});

test('the real-time scheduler runs the link\'s events when they are due on the wall clock, not before', async (t) => {
  const rt = new RealTimeScheduler();
  t.teardown(() => rt.stop());
  const ran: number[] = [];
  rt.advance();
  const at = rt.scheduler.now + 30;
  rt.scheduler.at(at, () => ran.push(rt.realNow()));
  rt.advance();
  // Bounded: the event is due in 30 ms; 2 s is plenty even on a loaded machine.
  for (let i = 0; i < 200 && ran.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  t.is(ran.length, 1);
  t.true(ran[0] >= at - 0.5, `ran at ${ran[0]}, due ${at}`);
});

test('a hold stops the link\'s events and counts how long the steps\' clock stood still; two overlapping holds count once', async (t) => {
  const rt = new RealTimeScheduler();
  t.teardown(() => rt.stop());
  const ran: number[] = [];
  rt.advance();
  rt.scheduler.at(rt.scheduler.now + 5, () => ran.push(rt.realNow()));
  const t0 = rt.realNow();
  const a = rt.hold();
  const b = rt.hold();
  await new Promise((r) => setTimeout(r, 40));
  rt.advance();
  t.deepEqual(ran, [], 'nothing runs while held');
  a();
  t.deepEqual(ran, [], 'still held by the other');
  const held = rt.realNow() - t0;
  b();
  t.is(ran.length, 1, 'the last release runs what fell due meanwhile');
  b(); // a second release of the same hold changes nothing
  // The hold began just after t0 and ended just after `held` was read: it counts that span (a 40 ms timer may
  // fire a few microseconds early by performance.now, so not ">= 40").
  t.true(rt.heldMs() >= held - 5 && rt.heldMs() >= 30 && rt.heldMs() <= held + 50, `held ${rt.heldMs()} ms of ${held}`);
  const after = rt.heldMs();
  await new Promise((r) => setTimeout(r, 10));
  t.is(rt.heldMs(), after, 'no hold, no more');
});

test('same seed, same fates: the link in front of the kernel draws, packet by packet, what the model\'s link draws (the n-th packet of a direction the n-th fate)', (t) => {
  // As lib/real/netns-link.ts makes it: new Random(seed).fork('link') (as the runner), then MemoryLink's fork per direction.
  const cfg = { loss: 0.3, duplicate: 0, reorder: 0, corrupt: 0, jitterMs: 0 };
  const expected = Array.from({ length: 20 }, ((rng) => () => drawFate(rng, cfg).lost)(new Random(42).fork('link').fork('link:a>b')));
  const rt = new RealTimeScheduler();
  t.teardown(() => rt.stop());
  const lost: boolean[] = [];
  const link = new MemoryLink(rt.scheduler, new Random(42).fork('link'), { directions: { 'a>b': { loss: 0.3 } } }, {
    onSend: () => lost.push(false),
    onDrop: () => { lost[lost.length - 1] = true; },
  });
  link.attach('a', 0x0a000001, () => {});
  link.attach('b', 0x0a000002, () => {});
  const packet = Buffer.alloc(40);
  packet[0] = 0x45;
  packet.writeUInt32BE(0x0a000002, 16);
  for (let i = 0; i < 20; i++) link.send('a', packet);
  t.deepEqual(lost, expected);
  t.true(expected.includes(true) && expected.includes(false));
});

function seg(host: string, flags: string, rseq: number, len: number, rack: number, tt: number): SegmentEvent {
  return { t: tt, type: 'segment', event: 'tx', host, src: '', dst: '', flags: flags as SegmentEvent['flags'], seq: 0, ack: 0, rseq, rack, win: 0, len, options: [] };
}

test('where they part: the first segment a host sent differently (windows and times aside), and the first state out of step', (t) => {
  const model = [seg('a', 'S', 0, 0, 0, 0), seg('b', 'S', 0, 0, 0, 0), seg('b', 'S.', 0, 0, 1, 10)];
  const kernel = [seg('a', 'S', 0, 0, 0, 15), seg('b', 'R.', 0, 0, 1, 33)];
  t.deepEqual(firstSegmentParting(['a', 'b'], model, kernel), { host: 'b', index: 1, model: { t: 0, text: 'S seq 0' }, kernel: { t: 33, text: 'R. seq 0 ack 1' } });
  t.is(firstSegmentParting(['a'], model, kernel), undefined);
  // The kernel's table may not show a state that passed between two reads: skipping one is not parting.
  t.is(stateParting('a', ['CLOSED', 'SYN-SENT', 'SYN-RECEIVED', 'ESTABLISHED'], ['CLOSED', 'SYN-SENT', 'ESTABLISHED'], false), undefined);
  t.is(stateParting('a', ['CLOSED', 'SYN-SENT', 'SYN-RECEIVED', 'ESTABLISHED'], ['CLOSED', 'SYN-SENT', 'CLOSED'], false)?.kernelState, 'CLOSED');
  t.is(stateParting('c', ['ESTABLISHED', 'FIN-WAIT-1', 'FIN-WAIT-2', 'TIME-WAIT', 'CLOSED'], ['ESTABLISHED', 'FIN-WAIT-1', 'FIN-WAIT-2', 'TIME-WAIT'], true), undefined);
});

// ------------------------------------------------------------------ as root

rootTest('lost-syn through the link: the scripted drop takes the kernel\'s first SYN as it takes the model\'s; both retransmit after Linux\'s 1 s initial RTO (RFC 6298 2.1) and agree', async (t) => {
  const r = await real([path.join(SCENARIOS, 'lost-syn.yaml')]);
  t.is(r.code, 0, r.out + r.err);
  t.regex(r.out, /kernel: Linux in a network namespace per host/);
  t.regex(r.out, /link: client>server 3 sent, dropped 1 scripted/);
  t.regex(r.out, /AGREE: every expectation holds/);
  // The client's two SYNs on the kernel's side, the second about a second after the first.
  const syns = [...r.out.matchAll(/\| +([\d.]+) > server {2}S {2}seq 0/g)].map((m) => Number(m[1]));
  t.is(syns.length, 2, r.out);
  t.true(syns[1] - syns[0] > 900 && syns[1] - syns[0] < 1500, `SYNs at ${syns.join(', ')} ms`);
});

rootTest('time-wait: Linux cannot take an MSL of 5 s; that is said before the run, and the `expect state CLOSED` after 2 MSL is judged on the model alone', async (t) => {
  const r = await real([path.join(SCENARIOS, 'time-wait.yaml')]);
  t.is(r.code, 0, r.out + r.err);
  // The list may hold other lines first (a kernel that refuses CUBIC in a namespace says so there).
  t.regex(r.out, /not cross-checkable \(Linux cannot take them.*\n(?: {2}.*\n)* {2}client: tcp msl = 5000 ms: Linux holds TIME-WAIT for 60 s/);
  t.regex(r.out, /at 10\.3s: client c1 in CLOSED .*not judged\n {6}judged on the model alone: client's msl = 5000 ms cannot be set on Linux/);
  t.regex(r.out, /at 5s: client c1 in TIME-WAIT +✔ +✔/);
  t.regex(r.out, /AGREE: every expectation holds on the model and on the kernel \(2 of them are judged on the model alone/);
});

rootTest('the impairments no fixture uses reach the kernel too: MTU (and the MSS it gives), rate and queue, jitter, duplication, corruption, link down and up', async (t) => {
  const file = scenarioFile(t, `name: impaired
seed: 3
hosts: { client: {}, server: {} }
link: { delay: 5ms, jitter: 2ms, duplicate: 0.1, corrupt: 0.1, rate: 2000000, queue: 50, mtu: 1000 }
steps:
  - { at: 0,     server: listen 80 }
  - { at: 0,     client: connect server:80 }
  - { at: 100ms, client: send 20000 }
  - { at: 150ms, link: down }
  - { at: 400ms, link: up }
  - { at: 3s,    client: close }
  - { at: 3s,    server: close }
expect:
  delivered: { server: 20000 }
`);
  const r = await real([file]);
  t.is(r.code, 0, r.out + r.err);
  t.regex(r.out, /client = 10\.0\.0\.1, MTU 1000; server = 10\.0\.0\.2, MTU 1000/);
  t.regex(r.out, /model: {2}profile linux, mss 960, the scenario's link/);
  // What the link did to the kernel's packets: some were lost while it was down, some copied, some corrupted (and dropped by the receiving kernel's checksum).
  t.regex(r.out, /link: client>server \d+ sent, dropped \d+ down, \d+ duplicated, \d+ corrupted/);
  // Linux announced the MSS of its 1000-byte device: no data segment above 960 bytes.
  const lens = [...r.out.matchAll(/\| +[\d.]+ > server .* len (\d+)/g)].map((m) => Number(m[1]));
  t.true(lens.length > 0 && Math.max(...lens) <= 960, `kernel segment lengths ${lens.join(', ')}`);
  t.regex(r.out, /delivered server +✔ +✔/);
});

rootTest('two flows through a shared bottleneck: --json gives each flow\'s goodput on both sides and Jain\'s index per side, from the same tally', async (t) => {
  // Two senders of 300 kB each through 4 Mbit/s, the second 300 ms after the first: each flow read whole on both sides.
  const file = scenarioFile(t, `name: two-flows
seed: 2
until: 1min
hosts: { c1: {}, c2: {}, s1: {}, s2: {} }
bottleneck: { left: [c1, c2], right: [s1, s2], rate: 4mbit, delay: 10ms, queue: 30 packets, access-delay: 1ms }
steps:
  - { at: 0, s1: listen 80 }
  - { at: 0, s2: listen 80 }
  - { at: 0,     c1: connect s1:80 }
  - { at: 300ms, c2: connect s2:80 }
  - { on: "c1 connected", c1: send 300k }
  - { on: "c2 connected", c2: send 300k }
  - { on: "s1 read 300k", s1: close }
  - { on: "s2 read 300k", s2: close }
  - { on: "c1 end-of-stream", c1: close }
  - { on: "c2 end-of-stream", c2: close }
expect:
  delivered: { s1: 307200, s2: 307200 }
`);
  const r = await real(['--json', file]);
  t.is(r.code, 0, r.out + r.err);
  const j = JSON.parse(r.out) as {
    verdict: string; via: string;
    flows: { flow: string; model: { bytes: number; goodput: number }; kernel: { bytes: number; goodput: number }; ratio: number }[];
    fairness: { model: number; kernel: number };
  };
  t.is(j.verdict, 'AGREE');
  t.is(j.via, 'netns');
  t.deepEqual(j.flows.map((f) => [f.flow, f.model.bytes, f.kernel.bytes]), [['c1 > s1', 307200, 307200], ['c2 > s2', 307200, 307200]]);
  for (const f of j.flows) {
    // Neither side can read faster than the bottleneck; the ratio is the kernel's over the model's.
    t.true(f.model.goodput > 0 && f.model.goodput <= 4e6 && f.kernel.goodput > 0 && f.kernel.goodput <= 4e6, JSON.stringify(f));
    t.is(f.ratio, Math.round((f.kernel.goodput / f.model.goodput) * 1000) / 1000);
  }
  const jain = (xs: number[]) => xs.reduce((a, x) => a + x, 0) ** 2 / (xs.length * xs.reduce((a, x) => a + x * x, 0));
  for (const side of ['model', 'kernel'] as const) {
    t.true(Math.abs(j.fairness[side] - jain(j.flows.map((f) => f[side].goodput))) < 1e-3, side);
    t.true(j.fairness[side] >= 0.5 && j.fairness[side] <= 1, `${side}: ${j.fairness[side]}`);
  }
});

rootTest('simultaneous open (RFC 9293 3.5, figure 8) through the namespaces: at least two of three runs agree without a rerun; the kernels answer the crossing SYNs and SYN-ACKs in the link\'s order, as the model does', async (t) => {
  // Before lib/real/delivery-order.ts held each SYN's delivery until its kernel had answered, two kernels
  // answered in whatever order the machine let them: 3 of 8 runs differed; after, 9 of 10 agreed at a load
  // average of 17, the tenth in a 700 ms stall of the machine in which both kernels' own 1 s SYN-ACK timers
  // fired (README). Real time on a shared machine: two of three, each logged; the order itself is tested
  // without kernels in test/real/delivery-order.test.ts.
  let agreed = 0;
  for (let i = 1; i <= 3; i++) {
    const r = await real([path.join(SCENARIOS, 'simultaneous-open.yaml')]);
    t.not(r.code, 2, r.err);
    const v = /^(AGREE|DIFFER).*$/m.exec(r.out)?.[0] ?? `exit ${r.code}`;
    t.log(`run ${i}: ${v}`);
    if (r.code !== 0) {
      t.log(r.out.split('\n').filter((l) => /they part|fails on/.test(l)).join('\n'));
      continue;
    }
    agreed++;
    // Both went through SYN-RECEIVED on the model; the segment list (which SYN-ACK and which ACK first) held on both.
    t.regex(r.out, /\n {2}segments +✔ +✔/);
  }
  t.true(agreed >= 2, `${agreed} of 3 runs agreed`);
});

rootTest('steps on events of a named connection (on: "client@second connected") wait for that connection, on the kernel as on the model', async (t) => {
  // The second connection's send waits for its own handshake, 50 ms after the first's: the server reads
  // "one" on its first connection and "two" on its second, whatever the order the events come in.
  const file = scenarioFile(t, `name: named
seed: 3
hosts: { client: {}, server: {} }
link: { delay: 5ms }
steps:
  - { at: 0,    server: listen 80 }
  - { at: 0,    client: connect server:80 as first }
  - { at: 50ms, client: connect server:80 as second }
  - { on: "client@second connected", client: send "two" }
  - { on: "client@first connected", client: send "one" }
  - { on: "server@c2 read 3", after: 20ms, client: close @first }
  - { on: "server@c2 read 3", after: 20ms, client: close @second }
  - { on: "server end-of-stream", every: true, server: close }
expect:
  delivered: { server: "onetwo" }
`);
  const r = await real([file]);
  t.is(r.code, 0, r.out + r.err);
  t.notRegex(r.out, /never ran/);
  t.regex(r.out, /delivered server +✔ +✔/);
});

// Every fixture but the UDP one (lossy-bulk lasts two minutes of real time, its close is at 120 s: measured
// by hand, see the README), one test each so that each reports on its own; the verdicts are counted after.
// Steps on events (answer-on-accept, sweep-loss, dumbbell), forged segments (forged-reset) and the shared
// bottleneck (dumbbell, eight namespaces) run too.
const SKIPPED = new Set(['udp-line-chat.yaml', 'lossy-bulk.yaml']);
const FIXTURES = readdirSync(SCENARIOS).filter((f) => f.endsWith('.yaml') && !SKIPPED.has(f)).sort();
const verdicts = new Map<string, string>();
const outputs = new Map<string, string>();
let fixturesStart: number | undefined;
for (const f of FIXTURES) {
  rootTest(`fixture ${f} runs through the namespaces and gets a verdict`, async (t) => {
    fixturesStart ??= performance.now();
    let r = await real([path.join(SCENARIOS, f)]);
    t.not(r.code, 2, `${f}: ${r.err}`);
    // Several fixtures hold events a few milliseconds apart on both sides (simultaneous open and close,
    // lost-syn-ack's two retransmissions at 1 s): on a busy machine real time can swap them. A DIFFER
    // is run once more, and said; one that differs twice counts.
    if (/^DIFFER/m.test(r.out)) {
      t.log(`first run: ${/^DIFFER.*$/m.exec(r.out)?.[0]}; run again`);
      r = await real([path.join(SCENARIOS, f)]);
      t.not(r.code, 2, `${f}: ${r.err}`);
    }
    const v = /^(AGREE|DIFFER).*$/m.exec(r.out)?.[0] ?? `exit ${r.code}`;
    verdicts.set(f, v);
    outputs.set(f, r.out);
    t.log(v);
    if (r.code !== 0) t.log(r.out.split('\n').filter((l) => /they part|DIFFER|fails on/.test(l)).join('\n'));
  });
}

/** A host's kernel column (the right of `|`) in real's side-by-side output. */
function kernelColumn(out: string, host: string): string[] {
  const part = out.split(/^── /m).find((p) => p.startsWith(`${host} `)) ?? '';
  return part.split('\n').filter((l) => l.includes('|')).map((l) => l.slice(l.indexOf('|') + 1).trim()).filter((l) => /^[\d.]+ > /.test(l));
}

rootTest('forged-reset on the kernel: of the three forged RSTs (RFC 5961 3.2) the one outside the window is dropped, the one in it draws a challenge ACK, the one at RCV.NXT resets', (t) => {
  const out = outputs.get('forged-reset.yaml');
  if (out === undefined) return t.fail('forged-reset did not run');
  const client = kernelColumn(out, 'client');
  // The forged segments are on the client's side of the ladder, as the model traces them.
  t.deepEqual(client.filter((l) => / R /.test(l)).map((l) => /seq (\d+)/.exec(l)?.[1]), ['3', '1000', '6']);
  const server = kernelColumn(out, 'server');
  // The handshake's SYN-ACK, the ACK of "hello", and one challenge ACK (seq 1 ack 6) after the RST at 1000; nothing after the others.
  t.deepEqual(server.map((l) => l.replace(/^[\d.]+ /, '').replace(/ win \d+/, '')), [
    '> client  S.  seq 0 ack 1 len 0', '> client  .  seq 1 ack 6 len 0', '> client  .  seq 1 ack 6 len 0',
  ]);
  t.regex(out, /errors +model: +ECONNRESET\n +kernel: ECONNRESET/);
});

rootTest('steps on events on the kernel: each step ran on its event (nothing "never ran"), and what they made was delivered', (t) => {
  for (const f of ['answer-on-accept.yaml', 'sweep-loss.yaml', 'dumbbell.yaml']) {
    const out = outputs.get(f);
    if (out === undefined) {
      t.fail(`${f} did not run`);
      continue;
    }
    t.notRegex(out, /never ran/, f);
    t.regex(out, /delivered \S+ +✔ +✔/, f);
  }
});

rootTest('dumbbell: the text compares each of the four flows\' goodput and Jain\'s index between model and kernel', (t) => {
  const out = outputs.get('dumbbell.yaml');
  if (out === undefined) return t.fail('dumbbell did not run');
  t.regex(out, /\nflows \(goodput: .*\n {2}flow +model +kernel +kernel\/model\n/);
  for (const n of [1, 2, 3, 4]) t.regex(out, new RegExp(`\n {2}c${n} > s${n} +1048576 B +[\\d.]+ [kM]?bit/s +1048576 B +[\\d.]+ [kM]?bit/s +\\d+\\.\\d\\d\n`));
  t.regex(out, /\n {2}Jain's fairness index: model [01]\.\d{3} over 4 flows, kernel [01]\.\d{3} over 4 flows \(difference [01]\.\d{3}\)\n/);
});

rootTest('sweep-loss segment by segment (issue 31): the client\'s packets are the same on both sides for more than 100 packets, and every drop among them took the same segment on both (the n-th packet meets the n-th fate)', (t) => {
  const out = outputs.get('sweep-loss.yaml');
  if (out === undefined) return t.fail('sweep-loss did not run');
  t.regex(out, /\n {2}packets in sending order \(the n-th packet of a direction meets the n-th fate on both sides\):\n/);
  const line = /\n {2}client: model (\d+), kernel (\d+) packets; the first (\d+) alike.*\n {6}(.*)\n/.exec(out);
  if (!line) return t.fail(`no packets line for the client:\n${out.slice(out.indexOf('retransmissions'))}`);
  const alike = Number(line[3]);
  t.log(line[0].trim());
  // Before the send buffer autotuned (lib/tcp/sndbuf-auto.ts) the model sent a 375-byte segment as its 84th packet
  // (a buffer ending 65535 bytes past SND.UNA) where Linux sent a full one, and every later packet differed.
  t.true(alike > 100, `alike ${alike}`);
  for (const d of line[4].split(' · ')) {
    const n = Number(/^#(\d+)/.exec(d)?.[1]);
    if (n <= alike) t.regex(d, /^#\d+ both \d+:\d+$/, `a drop among the packets alike: ${d}`);
  }
});

/**
 * Issue 25's story that the kernel is known to tell differently, for a reason the README gives: a DIFFER of
 * its is logged, not counted. tlp-tail-loss: the kernel probes too, but two SRTTs measured on a busy
 * machine's real time put the repair past the story's check at 290 ms. (sack-three-holes left this list
 * when the linux profile took Linux's PSH rule: both sides now set PSH on every second segment.)
 */
const KNOWN_DEPARTURES = new Set(['tlp-tail-loss.yaml']);

rootTest('model and kernel agree on all those fixtures but at most two (and the known departures)', (t) => {
  t.log(`${verdicts.size} fixtures in ${((performance.now() - (fixturesStart ?? 0)) / 1000).toFixed(0)} s`);
  t.is(verdicts.size, FIXTURES.length);
  for (const f of KNOWN_DEPARTURES) t.log(`${f} (a known departure): ${verdicts.get(f)}`);
  const differ = [...verdicts].filter(([f, v]) => !v.startsWith('AGREE') && !KNOWN_DEPARTURES.has(f));
  t.true(differ.length <= 2, differ.map(([f, v]) => `${f}: ${v}`).join('\n'));
});

rootTest('no namespace of this process is left after the runs', (t) => {
  t.deepEqual(ourNamespaces(), []);
});
