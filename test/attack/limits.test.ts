/**
 * Every resource has a bound, and reaching it gives a clear error (or a counted drop), never a crash or a
 * run that does not end: connections per host, buffer sizes, trace size, scenario size, the data a
 * scenario sends, virtual time and the number of events a run executes. The README's "Limits" table
 * lists the same bounds.
 */
import test from 'ava';
import { existsSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Host, SocketError, type SimSocket } from '../../lib/host/host.ts';
import { MemoryLink } from '../../lib/link/memory.ts';
import { loadScenario, MAX_SEND_BYTES, MAX_SOURCE_BYTES, MAX_UNTIL_MS } from '../../lib/scenario/load.ts';
import { ScenarioError } from '../../lib/scenario/errors.ts';
import { DEFAULT_MAX_RUN_EVENTS, DEFAULT_MAX_TRACE_EVENTS, RunLimitError, runScenario } from '../../lib/scenario/runner.ts';
import { Random } from '../../lib/sim/random.ts';
import { Scheduler } from '../../lib/sim/scheduler.ts';
import { MAX_BUFFER_BYTES, resolveConfig, TcpConfigError } from '../../lib/tcp/config.ts';
import { TraceLimitError } from '../../lib/trace/recorder.ts';
import { parseAddr } from '../../lib/wire/ipv4.ts';
import { tcpemu, tmp } from '../cli/run.ts';

const HEAD = ['name: limits', 'hosts: { client: {}, server: {} }'];
const y = (...lines: string[]) => lines.join('\n') + '\n';

// ---------------------------------------------------------------- connections per host

function pair(maxConnections: number) {
  const scheduler = new Scheduler();
  const random = new Random(3);
  const link = new MemoryLink(scheduler, random.fork('link'), { default: { delayMs: 1 } });
  const mk = (name: string, addr: string) => {
    // eslint-disable-next-line prefer-const
    let h: Host;
    h = new Host({ name, addr: parseAddr(addr), config: resolveConfig({ mslMs: 10 }), clock: scheduler, random: random.fork(name), transmit: (p) => link.send(name, p), maxConnections });
    link.attach(name, h.addr, (p) => h.receivePacket(p));
    return h;
  };
  return { scheduler, client: mk('client', '10.0.0.1'), server: mk('server', '10.0.0.2') };
}

test('connections per host: the connect past maxConnections throws EMFILE; a listener past it drops the SYN and counts it', (t) => {
  const w = pair(3);
  w.server.listen(80).on('connection', (sock: SimSocket) => sock.on('end', () => sock.destroy()));
  const socks: SimSocket[] = [0, 1, 2].map(() => w.client.connect(w.server.addr, 80));
  const e = t.throws(() => w.client.connect(w.server.addr, 80), { instanceOf: SocketError });
  t.is(e!.code, 'EMFILE');
  t.is(e!.message, 'client: connection limit 3 reached');
  w.scheduler.runUntil(100);
  t.is(w.server.connectionCount, 3);
  // A second client host: its SYN finds the server full.
  const other = new Host({ name: 'other', addr: parseAddr('10.0.0.3'), config: resolveConfig(), clock: w.scheduler, random: new Random(4), transmit: (p) => w.server.receivePacket(p) });
  other.connect(w.server.addr, 80);
  t.is(w.server.drops['limit'], 1, 'dropped and counted, not refused: the SYN is retried');
  t.is(w.server.connectionCount, 3);
  // The bound is on connections alive: once one is gone there is room again.
  socks[0].destroy();
  w.scheduler.runUntil(1000);
  t.is(w.client.connectionCount, 2);
  t.notThrows(() => w.client.connect(w.server.addr, 80));
});

// ---------------------------------------------------------------- buffer sizes and other settings

test('buffer sizes: 1 byte to 1 GiB; outside it resolveConfig throws TcpConfigError naming the setting and the bound', (t) => {
  t.is(resolveConfig({ rcvbuf: MAX_BUFFER_BYTES, sndbuf: MAX_BUFFER_BYTES }).rcvbuf, 2 ** 30);
  for (const [input, key, text] of [
    [{ rcvbuf: MAX_BUFFER_BYTES + 1 }, 'rcvbuf', 'rcvbuf is 1073741825; it must be a whole number from 1 to 1073741824'],
    [{ sndbuf: 0 }, 'sndbuf', 'sndbuf is 0; it must be a whole number from 1 to 1073741824'],
    [{ mss: 70_000 }, 'mss', 'mss is 70000; it must be a whole number from 1 to 65495'],
    [{ rtoMinMs: 5000, rtoMaxMs: 2000 }, 'rtoMinMs', 'rtoMinMs (5000 ms) is more than rtoMaxMs (2000 ms)'],
    [{ mslMs: Number.NaN }, 'mslMs', 'mslMs is NaN; it must be a time of at least 0 ms'],
  ] as const) {
    const e = t.throws(() => resolveConfig(input), { instanceOf: TcpConfigError });
    t.is(e!.key, key);
    t.is(e!.message, text);
    t.truthy(e!.hint);
  }
});

test('buffer sizes in a scenario: the error points at the setting, in the host\'s tcp: or the file\'s', (t) => {
  const own = t.throws(() => loadScenario(y('name: b', 'hosts:', '  client: {}', '  server: { tcp: { rcvbuf: 2g } }'), 'b.yaml'), { instanceOf: ScenarioError });
  t.is(own!.format().split('\n')[0], 'b.yaml:4:28: rcvbuf is 2147483648; it must be a whole number from 1 to 1073741824');
  t.regex(own!.format(), /hint: at most 1 GiB/);
  const file = t.throws(() => loadScenario(y('name: b', 'tcp:', '  sndbuf: 1100m', 'hosts: { client: {}, server: {} }'), 'b.yaml'), { instanceOf: ScenarioError });
  t.is(file!.format().split('\n')[0], 'b.yaml:3:11: sndbuf is 1153433600; it must be a whole number from 1 to 1073741824');
  const rto = t.throws(() => loadScenario(y('name: b', 'tcp: { rto-min: 5s, rto-max: 2s }', 'hosts: { client: {}, server: {} }'), 'b.yaml'), { instanceOf: ScenarioError });
  t.is(rto!.format().split('\n')[0], 'b.yaml:2:17: rto-min (5000 ms) is more than rto-max (2000 ms)', 'in the file\'s own words');
});

// ---------------------------------------------------------------- scenario size, data sent, virtual time

test('scenario size: a file over 1 MiB is refused before it is parsed (CLI: exit 2, the size and the limit)', (t) => {
  const dir = tmp(t);
  const f = path.join(dir, 'huge.yaml');
  writeFileSync(f, y(...HEAD, `description: "${'x'.repeat(MAX_SOURCE_BYTES)}"`));
  const r = tcpemu(['run', f]);
  t.is(r.code, 2);
  t.regex(r.err, /huge\.yaml:1:1: the file is 1048\d+ bytes, more than the limit of 1048576 \(1 MiB\)/);
  t.notRegex(r.err, /at .*\.ts:\d+/, 'no stack trace');
});

test('traces and captures read by replay and report: at most 500 MiB, refused before reading (exit 2)', (t) => {
  const dir = tmp(t);
  for (const [name, cmd] of [['big.jsonl', ['replay']], ['big.pcap', ['replay']], ['big.pcap', ['report', '-o', path.join(dir, 'r.html')]]] as const) {
    const f = path.join(dir, name);
    writeFileSync(f, '');
    truncateSync(f, 500 * 1024 * 1024 + 1); // sparse: no disk written
    const r = tcpemu([...cmd.slice(0, 1), f, ...cmd.slice(1)]);
    t.is(r.code, 2, `${cmd[0]} ${name}: ${r.err}`);
    t.is(r.err, `${f}: the file is 524288001 bytes, more than the limit of 524288000 (500.0 MiB) for a trace or capture\n`);
  }
});

test('data sent: all send steps of a scenario together at most 16 GiB; the step that crosses it is named', (t) => {
  const steps = ['steps:', '  - { at: 0, server: listen 80 }', '  - { at: 0, client: connect server:80 }'];
  t.notThrows(() => loadScenario(y(...HEAD, ...steps, '  - { at: 1s, client: send 16g }'), 's.yaml'));
  const e = t.throws(() => loadScenario(y(...HEAD, ...steps, '  - { at: 1s, client: send 10g }', '  - { at: 2s, client: send 7g }'), 's.yaml'), { instanceOf: ScenarioError });
  t.is(e!.format().split('\n')[0], `s.yaml:7:23: the sends add up to ${17 * 2 ** 30} bytes here, more than the limit of ${MAX_SEND_BYTES} (16 GiB) for one scenario`);
});

test('virtual time: until at most 24h; more is refused at the until line', (t) => {
  t.is(MAX_UNTIL_MS, 24 * 3_600_000);
  t.notThrows(() => loadScenario(y(...HEAD, 'until: 24h'), 'u.yaml'));
  const e = t.throws(() => loadScenario(y(...HEAD, 'until: 25h'), 'u.yaml'), { instanceOf: ScenarioError });
  t.is(e!.format().split('\n')[0], 'u.yaml:3:8: until is 25h, more than the limit of 24h');
});

// ---------------------------------------------------------------- what a run may make

const BULK = y(
  'name: bulk', 'hosts: { client: {}, server: {} }', 'link: { delay: 1ms, loss: 5% }',
  'steps:', '  - { at: 0, server: listen 80 }', '  - { at: 0, client: connect server:80 }', '  - { at: 1s, client: send 2m }',
);

test('trace size: a run that would keep more than maxEvents trace events stops with TraceLimitError, saying when', (t) => {
  t.is(DEFAULT_MAX_TRACE_EVENTS, 1_000_000);
  const plan = loadScenario(BULK, 'bulk.yaml');
  t.true(runScenario(plan).ok, 'within the default limit');
  const e = t.throws(() => runScenario(plan, { maxEvents: 5000 }), { instanceOf: TraceLimitError });
  t.is(e!.limit, 5000);
  t.true(e!.atMs! > 1000, 'after the send began');
  t.regex(e!.message, /^the trace reached its limit of 5000 events at [\d.]+ ms of virtual time$/);
});

test('trace size on the command line: exit 2, the file, the limit, a hint; and no trace file is half-written', (t) => {
  const dir = tmp(t);
  const f = path.join(dir, 'bulk.yaml');
  writeFileSync(f, BULK);
  const out = path.join(dir, 'out.jsonl');
  const r = tcpemu(['run', f, '--max-events', '5000', '--trace', out]);
  t.is(r.code, 2);
  t.regex(r.err, /bulk\.yaml: the trace reached its limit of 5000 events at [\d.]+ ms of virtual time, so it stopped there/);
  t.regex(r.err, /hint: lower until: or send less; or allow more with --max-events N \(default 1000000/);
  t.false(existsSync(out));
  const bad = tcpemu(['run', f, '--max-events', 'lots']);
  t.is(bad.code, 2);
  t.regex(bad.err, /--max-events takes a whole number/);
});

test('events run: a run that would execute more than maxRunEvents stops with RunLimitError instead of running on', (t) => {
  t.is(DEFAULT_MAX_RUN_EVENTS, 20_000_000);
  const plan = loadScenario(BULK, 'bulk.yaml');
  const e = t.throws(() => runScenario(plan, { maxRunEvents: 2000 }), { instanceOf: RunLimitError });
  t.is(e!.limit, 2000);
  t.regex(e!.message, /^the run reached its limit of 2000 events at [\d.]+ ms of virtual time$/);
});
