/**
 * The command line as a user runs it: a child process, its output and its exit status.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync, existsSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { readCapture } from '../../lib/wire/pcap.ts';
import { decodePacket } from '../../lib/wire/tcp.ts';
import { BIN, ROOT, tcpemu, tmp } from './run.ts';

const SCENARIOS = path.join(ROOT, 'fixtures/scenarios');
const TRACES = path.join(ROOT, 'fixtures/traces');

test('tcpemu with no arguments draws the demo: handshake, data both ways, half-close, TIME-WAIT', (t) => {
  const r = tcpemu([]);
  t.is(r.code, 0, r.err);
  for (const s of ['S seq 0', 'S. seq 0 ack 1', 'FIN-WAIT-2', 'CLOSE-WAIT', 'LAST-ACK', 'TIME-WAIT', 'PASS demo']) t.true(r.out.includes(s), `missing ${s}`);
});

test('started through a link named tcpemu, as npm and npx start it (node_modules/.bin/tcpemu), it runs too', (t) => {
  const link = path.join(tmp(t), 'tcpemu');
  symlinkSync(BIN, link);
  const r = spawnSync(process.execPath, [link], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } });
  t.is(r.status, 0, r.stderr);
  t.regex(r.stdout, /PASS demo/);
});

test('every fixture scenario holds (exit 0), with a line each and a total', (t) => {
  const files = readdirSync(SCENARIOS).filter((f) => f.endsWith('.yaml')).map((f) => path.join(SCENARIOS, f));
  t.true(files.length >= 15);
  const r = tcpemu(['run', ...files]);
  t.is(r.code, 0, r.out + r.err);
  t.true(r.out.includes(`${files.length} passed, 0 failed`));
});

test('a failed expectation exits 1 and says what was expected, what happened and where', (t) => {
  const dir = tmp(t);
  const f = path.join(dir, 'wrong.yaml');
  writeFileSync(f, readFileSync(path.join(SCENARIOS, 'connection-refused.yaml'), 'utf8').replace('errors: { client: ECONNREFUSED }', 'errors: { client: ETIMEDOUT }'));
  const r = tcpemu(['run', f]);
  t.is(r.code, 1);
  t.regex(r.out, /FAIL connection-refused/);
  t.regex(r.out, /ETIMEDOUT/);
  t.regex(r.out, /ECONNREFUSED/);
  t.regex(r.out, new RegExp(`${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+`));
});

test('--json prints the summary object of docs/command-line.md', (t) => {
  const r = tcpemu(['run', path.join(SCENARIOS, 'request-response.yaml'), '--json']);
  t.is(r.code, 0, r.err);
  const o = JSON.parse(r.out);
  t.is(o.scenario, 'request-response');
  t.true(o.ok);
  t.true(Array.isArray(o.expectations) && o.expectations.every((e: { ok: boolean; what: string }) => e.ok && typeof e.what === 'string'));
  t.true(o.stats.segments > 0);
});

test('--seed replaces the file seed and changes the sequence numbers, not the story', (t) => {
  const dir = tmp(t);
  const a = path.join(dir, 'a.jsonl');
  const b = path.join(dir, 'b.jsonl');
  t.is(tcpemu(['run', path.join(SCENARIOS, 'request-response.yaml'), '--view', 'none', '--trace', a]).code, 0);
  t.is(tcpemu(['run', path.join(SCENARIOS, 'request-response.yaml'), '--view', 'none', '--seed', '99', '--trace', b]).code, 0);
  const seqs = (f: string) => readFileSync(f, 'utf8').split('\n').filter((l) => l.includes('"segment"')).map((l) => JSON.parse(l).seq);
  t.notDeepEqual(seqs(a), seqs(b));
  t.true(readFileSync(b, 'utf8').startsWith('{"type":"meta","scenario":"request-response","seed":99'));
});

test('the same scenario and seed give the same trace, byte for byte; replay says identical', (t) => {
  const dir = tmp(t);
  const a = path.join(dir, 'a.jsonl');
  const b = path.join(dir, 'b.jsonl');
  const f = path.join(SCENARIOS, 'lossy-bulk.yaml');
  t.is(tcpemu(['run', f, '--view', 'none', '--trace', a]).code, 0);
  t.is(tcpemu(['run', f, '--view', 'none', '--trace', b]).code, 0);
  t.true(readFileSync(a).equals(readFileSync(b)));
  const r = tcpemu(['replay', a]);
  t.is(r.code, 0, r.out + r.err);
  t.regex(r.out, /identical/);
});

test('replay of a tampered trace exits 1 at the first difference with its line number', (t) => {
  const dir = tmp(t);
  const a = path.join(dir, 'a.jsonl');
  t.is(tcpemu(['run', path.join(SCENARIOS, 'request-response.yaml'), '--view', 'none', '--trace', a]).code, 0);
  const lines = readFileSync(a, 'utf8').split('\n');
  const i = lines.findIndex((l) => l.includes('"event":"tx"') && l.includes('"len":4'));
  lines[i] = lines[i].replace('"len":4', '"len":5');
  writeFileSync(a, lines.join('\n'));
  const r = tcpemu(['replay', a]);
  t.is(r.code, 1);
  t.true(r.out.includes(`:${i + 1}`), r.out);
});

test('golden traces replay identically', (t) => {
  const files = readdirSync(TRACES).filter((f) => f.endsWith('.jsonl'));
  t.true(files.length >= 3);
  for (const f of files) {
    const r = tcpemu(['replay', path.join(TRACES, f)]);
    t.is(r.code, 0, `${f}: ${r.out}${r.err}`);
  }
});

test('--pcap writes classic pcap with correct checksums, the same segments as the trace', (t) => {
  const dir = tmp(t);
  const p = path.join(dir, 'demo.pcap');
  const j = path.join(dir, 'demo.jsonl');
  t.is(tcpemu(['run', path.join(SCENARIOS, 'demo.yaml'), '--view', 'none', '--pcap', p, '--trace', j]).code, 0);
  const cap = readCapture(readFileSync(p));
  t.is(cap.format, 'pcap');
  const tx = readFileSync(j, 'utf8').split('\n').filter((l) => l.includes('"event":"tx"')).map((l) => JSON.parse(l));
  t.is(cap.packets.length, tx.length);
  cap.packets.forEach((pk, i) => {
    const { tcp } = decodePacket(pk.ip, { verifyChecksum: true });
    t.is(tcp.seq, tx[i].seq);
  });
});

test('bad input exits 2 with FILE:LINE:COL, a hint, no stack trace, and writes nothing', (t) => {
  const dir = tmp(t);
  const cases: [string, string, RegExp][] = [
    ['invalid YAML', 'name: x\nhosts: { a: {\n', /:\d+:\d+:/],
    ['unknown key', 'name: x\nhostz: {}\n', /hostz/],
    ['unknown command', 'name: x\nhosts: { a: {}, b: {} }\nsteps:\n  - { at: 0, a: lisen 80 }\n', /listen/],
    ['unknown host', 'name: x\nhosts: { a: {}, b: {} }\nsteps:\n  - { at: 0, c: listen 80 }\n', /a, b|a and b|"a"/],
    ['bad time', 'name: x\nhosts: { a: {}, b: {} }\nsteps:\n  - { at: soon, a: listen 80 }\n', /soon/],
    ['negative size', 'name: x\nhosts: { a: { tcp: { rcvbuf: -5 } }, b: {} }\n', /rcvbuf|-5/],
    ['probability over 1', 'name: x\nhosts: { a: {}, b: {} }\nlink: { loss: 1.5 }\n', /loss|1\.5/],
    ['connect to undefined host', 'name: x\nhosts: { a: {}, b: {} }\nsteps:\n  - { at: 0, a: connect c:80 }\n', /\bc\b/],
    ['unknown state', 'name: x\nhosts: { a: {}, b: {} }\nexpect:\n  states:\n    a: CLOSED SYN-SEND\n', /SYN-SENT/],
  ];
  for (const [what, text, re] of cases) {
    const f = path.join(dir, 'bad.yaml');
    const out = path.join(dir, 'out.jsonl');
    writeFileSync(f, text);
    const r = tcpemu(['run', f, '--trace', out]);
    t.is(r.code, 2, `${what}: ${r.out}${r.err}`);
    t.regex(r.err, new RegExp(`bad\\.yaml:\\d+:\\d+: `), what);
    t.regex(r.err, re, what);
    t.false(/\n\s+at .*\(.*:\d+:\d+\)/.test(r.err), `${what}: no stack trace`);
    t.false(existsSync(out), `${what}: nothing written`);
  }
  const u = tcpemu(['run']);
  t.is(u.code, 2);
  t.is(tcpemu(['frobnicate']).code, 2);
  t.is(tcpemu(['run', path.join(dir, 'missing.yaml')]).code, 2);
});

const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

test('tcpdump reads the --pcap file and prints the same segments, in order, as the trace', (t) => {
  if (!has('tcpdump')) {
    t.log('tcpdump is not installed (apt-get install tcpdump): skipping the cross-read');
    t.pass();
    return;
  }
  const dir = tmp(t);
  const p = path.join(dir, 'demo.pcap');
  const j = path.join(dir, 'demo.jsonl');
  t.is(tcpemu(['run', path.join(SCENARIOS, 'demo.yaml'), '--view', 'none', '--pcap', p, '--trace', j]).code, 0);
  const r = spawnSync('tcpdump', ['-nr', p, '-S', '-vv'], { encoding: 'utf8', timeout: 20_000 });
  t.is(r.status, 0, r.stderr);
  const lines = r.stdout.split('\n').filter((l) => l.includes('Flags ['));
  const tx = readFileSync(j, 'utf8').split('\n').filter((l) => l.includes('"event":"tx"')).map((l) => JSON.parse(l));
  t.is(lines.length, tx.length);
  lines.forEach((l, i) => {
    t.true(l.includes(`Flags [${tx[i].flags}]`), l);
    t.true(l.includes(`seq ${tx[i].seq}`), l);
  });
  t.false(r.stdout.includes('incorrect'), 'every checksum verifies');
});

test('on a terminal: colour and, for a long run, a progress bar; piped: neither', (t) => {
  if (!has('script')) {
    t.log('script (util-linux) is not installed: cannot give the command a terminal; skipping');
    t.pass();
    return;
  }
  const dir = tmp(t);
  const f = path.join(dir, 'long.yaml');
  writeFileSync(f, 'name: long\nhosts: { client: {}, server: {} }\nlink: { delay: 20ms, rate: 100mbit }\nuntil: 30min\nsteps:\n  - { at: 0, server: listen 80 }\n  - { at: 0, client: connect server:80 }\n  - { at: 10ms, client: send 30m }\nexpect:\n  delivered: { server: 31457280 }\n');
  const env = { ...process.env };
  delete env.NO_COLOR;
  const tty = spawnSync('script', ['-qec', `${process.execPath} ${BIN} run ${f} --view none`, '/dev/null'], { encoding: 'utf8', timeout: 120_000, env });
  t.is(tty.status, 0, tty.stdout);
  t.true(tty.stdout.includes('virtual time'), 'a progress bar');
  t.true(tty.stdout.includes('\x1b[32mPASS'), 'colour');
  const piped = tcpemu(['run', f, '--view', 'none']);
  t.is(piped.code, 0);
  t.false(piped.out.includes('\x1b[') || piped.err.includes('\x1b['), 'no escape codes when piped');
  t.false(piped.err.includes('virtual time'));
});

test('--view states and --view summary', (t) => {
  const s = tcpemu(['run', path.join(SCENARIOS, 'half-close-client.yaml'), '--view', 'states']);
  t.is(s.code, 0);
  t.regex(s.out, /FIN-WAIT-1 +-> FIN-WAIT-2/);
  t.regex(s.out, /path: CLOSED SYN-SENT ESTABLISHED FIN-WAIT-1 FIN-WAIT-2 TIME-WAIT CLOSED/);
  const u = tcpemu(['run', path.join(SCENARIOS, 'lossy-bulk.yaml'), '--view', 'summary']);
  t.is(u.code, 0);
  t.regex(u.out, /retransmi/i);
  t.regex(u.out, /loss/);
});

test('run --html and report write one self-contained page, from a run, a trace or a kernel capture', (t) => {
  const dir = tmp(t);
  const a = path.join(dir, 'run.html');
  t.is(tcpemu(['run', path.join(SCENARIOS, 'half-close-client.yaml'), '--view', 'none', '--html', a]).code, 0);
  const b = path.join(dir, 'trace.html');
  const r = tcpemu(['report', path.join(TRACES, 'lossy-bulk.jsonl'), '-o', b]);
  t.is(r.code, 0, r.err);
  // The count is the trace's own: its segments sent.
  const sent = readFileSync(path.join(TRACES, 'lossy-bulk.jsonl'), 'utf8').split('\n').filter((l) => l.includes('"event":"tx"')).length;
  t.regex(r.err, new RegExp(`^wrote .*trace\\.html: ${sent} segments\n$`), 'what was written is said on stderr, as run says it');
  const c = path.join(dir, 'capture.html');
  t.is(tcpemu(['report', path.join(ROOT, 'fixtures/captures/half-close-client.pcap'), '-o', c]).code, 0);
  for (const f of [a, b, c]) {
    const html = readFileSync(f, 'utf8');
    t.true(html.startsWith('<!DOCTYPE html>') || html.startsWith('<!doctype html>'), f);
    const urls = [...html.matchAll(/(?:src|href)\s*=\s*["'](?!#|data:)([^"']+)/g)].map((m) => m[1]);
    t.deepEqual(urls, [], `${f}: nothing is loaded from elsewhere`);
  }
  t.true(readFileSync(a, 'utf8').includes('half-close-client'));
  t.is(tcpemu(['report', path.join(TRACES, 'demo.jsonl')]).code, 2, 'no -o: usage error');
});
