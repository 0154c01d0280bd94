/**
 * Hostile files (issue 7): a truncated or corrupted capture, trace or scenario given to the command
 * line exits 2 with the file and where in it (a byte offset for a capture, line:column for text), no
 * stack trace, and no output file, whole or partial, left behind. An output file is written whole or
 * not at all: an existing one survives a run that fails.
 */
import test from 'ava';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, tcpemu, tmp } from './run.ts';
import { toPcapng } from '../../lib/fuzz/corpus.ts';

const CAPTURE = readFileSync(path.join(ROOT, 'fixtures/captures/request-response.pcap'));
const TRACE = readFileSync(path.join(ROOT, 'fixtures/traces/handshake.jsonl'), 'utf8');
const SCENARIO = readFileSync(path.join(ROOT, 'fixtures/scenarios/request-response.yaml'), 'utf8');

/** What every refusal must look like: status 2, the file named with a place in it, no stack trace. */
function refused(t: import('ava').ExecutionContext, r: { code: number | null; err: string }, file: string, where: RegExp) {
  t.is(r.code, 2, r.err);
  t.true(r.err.includes(file), `names ${file}: ${r.err}`);
  t.regex(r.err, where);
  t.notRegex(r.err, /\n\s+at .+:\d+:\d+/, 'no stack trace');
}

/** Only the inputs are in the folder: nothing written, no temporary file left. */
function nothingWritten(t: import('ava').ExecutionContext, dir: string, inputs: string[]) {
  t.deepEqual(readdirSync(dir).sort(), inputs.map((f) => path.basename(f)).sort());
}

test('a truncated capture: replay and report exit 2 at the byte offset where the file ends early', (t) => {
  const dir = tmp(t);
  const f = path.join(dir, 'cut.pcap');
  // Cut 4 bytes into the third record's header: after the file header (24), two record headers (16 each) and their packets.
  const first = CAPTURE.readUInt32LE(32);
  const second = CAPTURE.readUInt32LE(24 + 16 + first + 8);
  writeFileSync(f, CAPTURE.subarray(0, 24 + 16 + first + 16 + second + 4));
  refused(t, tcpemu(['replay', f]), f, /at byte 204: record 2 header cut off/);
  refused(t, tcpemu(['report', f, '-o', path.join(dir, 'out.html')]), f, /at byte 204: record 2 header cut off/);
  nothingWritten(t, dir, [f]);
});

test('a corrupted capture (a record length beyond the snap length): exit 2 at that record', (t) => {
  const dir = tmp(t);
  const f = path.join(dir, 'bad.pcap');
  const b = Buffer.from(CAPTURE);
  const le = b.readUInt32LE(0) === 0xa1b2c3d4;
  // The first record's captured length (bytes 24+8) set to 4 GiB - 1.
  if (le) b.writeUInt32LE(0xffffffff, 32);
  else b.writeUInt32BE(0xffffffff, 32);
  writeFileSync(f, b);
  refused(t, tcpemu(['replay', f]), f, /at byte 32: record 0 says 4294967295 bytes/);
  refused(t, tcpemu(['report', f, '-o', path.join(dir, 'out.html')]), f, /at byte 32: record 0 says 4294967295 bytes/);
  nothingWritten(t, dir, [f]);
});

test('a truncated pcapng and one whose block length is corrupted: exit 2 at the block', (t) => {
  const dir = tmp(t);
  const ng = toPcapng(CAPTURE);
  const cut = path.join(dir, 'cut.pcapng');
  writeFileSync(cut, ng.subarray(0, 300));
  const bad = path.join(dir, 'bad.pcapng');
  const b = Buffer.from(ng);
  // The first packet block starts after the section header (28 bytes) and the interface block (20); its length follows its type.
  b.writeUInt32LE(0xfffffff0, 28 + 20 + 4);
  writeFileSync(bad, b);
  refused(t, tcpemu(['replay', cut]), cut, /at byte 236: block of 84 bytes, only 68 left/);
  refused(t, tcpemu(['report', cut, '-o', path.join(dir, 'out.html')]), cut, /at byte 236: block of 84 bytes/);
  refused(t, tcpemu(['replay', bad]), bad, /at byte 52: block of 4294967280 bytes/);
  nothingWritten(t, dir, [cut, bad]);
});

test('a capture that is not a capture at all: exit 2, saying what the first bytes should be', (t) => {
  const dir = tmp(t);
  const f = path.join(dir, 'text.pcap');
  writeFileSync(f, 'this is not a capture\n');
  refused(t, tcpemu(['replay', f]), f, /magic|pcap/i);
  nothingWritten(t, dir, [f]);
});

test('a truncated trace (cut inside a line): replay and report exit 2 at that line and column', (t) => {
  const dir = tmp(t);
  const f = path.join(dir, 'cut.jsonl');
  const lines = TRACE.split('\n');
  const text = lines.slice(0, 5).join('\n') + '\n' + lines[5].slice(0, 30);
  writeFileSync(f, text);
  refused(t, tcpemu(['replay', f]), f, /:6:\d+/);
  refused(t, tcpemu(['report', f, '-o', path.join(dir, 'out.html')]), f, /:6:\d+/);
  nothingWritten(t, dir, [f]);
});

test('a trace with a corrupted line (a field of the wrong type): exit 2 at that line', (t) => {
  const dir = tmp(t);
  const f = path.join(dir, 'bad.jsonl');
  const lines = TRACE.split('\n');
  lines[3] = lines[3].replace(/"t":[0-9.]+/, '"t":"soon"');
  writeFileSync(f, lines.join('\n'));
  refused(t, tcpemu(['replay', f]), f, /:4:\d+/);
  refused(t, tcpemu(['report', f, '-o', path.join(dir, 'out.html')]), f, /:4:\d+/);
  nothingWritten(t, dir, [f]);
});

test('a trace whose recorded scenario runs past the event limit: replay exits 2 naming the trace, no stack trace', (t) => {
  const dir = tmp(t);
  const f = path.join(dir, 'endless.jsonl');
  // One segment a byte: a million trace events within the first millisecond.
  const source = ['name: endless', 'hosts: { client: {}, server: {} }', 'tcp: { mss: 1 }', 'steps:', '  - { at: 0, server: listen 80 }', '  - { at: 0, client: connect server:80 }', '  - { at: 1ms, client: send 300000 }', ''].join('\n');
  writeFileSync(f, JSON.stringify({ type: 'meta', scenario: 'endless', seed: 1, version: '0.1.0', source }) + '\n');
  refused(t, tcpemu(['replay', f]), f, /re-running the recorded scenario 'endless', the trace reached its limit of 1000000 events/);
  nothingWritten(t, dir, [f]);
});

test('a scenario of one host (found by the fuzzer): run prints its summary where the ladder needs two, exit 0', (t) => {
  const dir = tmp(t);
  const f = path.join(dir, 'alone.yaml');
  writeFileSync(f, 'name: alone\nhosts:\n  client: {}\n');
  const r = tcpemu(['run', f]);
  t.is(r.code, 0, r.err);
  t.regex(r.out, /tcpemu summary · scenario alone/);
  t.regex(r.out, /PASS alone/);
  t.notRegex(r.err, /\n\s+at .+:\d+:\d+/, 'no stack trace');
});

test('a truncated scenario and one with corrupted bytes: run exits 2 at line:column, writing no trace, pcap or page', (t) => {
  const dir = tmp(t);
  const cut = path.join(dir, 'cut.yaml');
  // Cut in the middle of a step: the flow mapping is never closed.
  const at = SCENARIO.indexOf('{ at:', SCENARIO.indexOf('steps:')) + 12;
  writeFileSync(cut, SCENARIO.slice(0, at));
  const bad = path.join(dir, 'bad.yaml');
  const b = Buffer.from(SCENARIO, 'utf8');
  b[SCENARIO.indexOf('steps:') + 2] = 0x00; // a NUL inside the word "steps"
  writeFileSync(bad, b);
  for (const f of [cut, bad]) {
    const outs = ['t.jsonl', 't.pcap', 't.html'].map((o) => path.join(dir, o));
    refused(t, tcpemu(['run', f, '--trace', outs[0], '--pcap', outs[1], '--html', outs[2]]), f, /:\d+:\d+/);
  }
  nothingWritten(t, dir, [cut, bad]);
});

test('an existing output file survives a run that fails: written whole or not at all', (t) => {
  const dir = tmp(t);
  const out = path.join(dir, 'keep.jsonl');
  writeFileSync(out, 'the previous trace\n');
  const bad = path.join(dir, 'bad.yaml');
  writeFileSync(bad, SCENARIO.replace('steps:', 'stpes:'));
  t.is(tcpemu(['run', bad, '--trace', out]).code, 2);
  // A run that starts and then hits a limit (the trace event limit) also leaves the old file alone.
  const good = path.join(dir, 'good.yaml');
  writeFileSync(good, SCENARIO);
  const r = tcpemu(['run', good, '--trace', out, '--max-events', '3']);
  t.is(r.code, 2, r.err);
  t.is(readFileSync(out, 'utf8'), 'the previous trace\n');
  nothingWritten(t, dir, [out, bad, good]);
  // And a run that succeeds replaces it whole.
  t.is(tcpemu(['run', good, '--view', 'none', '--trace', out]).code, 0);
  t.true(readFileSync(out, 'utf8').startsWith('{"type":"meta"'));
  nothingWritten(t, dir, [out, bad, good]);
});

test('an existing page survives a report of a corrupted capture', (t) => {
  const dir = tmp(t);
  const out = path.join(dir, 'keep.html');
  writeFileSync(out, '<p>the previous page</p>\n');
  const bad = path.join(dir, 'bad.pcap');
  writeFileSync(bad, CAPTURE.subarray(0, 30));
  refused(t, tcpemu(['report', bad, '-o', out]), bad, /at byte 24/);
  t.is(readFileSync(out, 'utf8'), '<p>the previous page</p>\n');
  nothingWritten(t, dir, [out, bad]);
});

test('an output the file system refuses (no such folder, a folder in its place): exit 2 naming it, no temporary file left', (t) => {
  const dir = tmp(t);
  const scenario = path.join(ROOT, 'fixtures/scenarios/request-response.yaml');
  const missing = path.join(dir, 'no-such-folder', 'out.jsonl');
  refused(t, tcpemu(['run', scenario, '--view', 'none', '--trace', missing]), missing, /cannot write it: its folder does not exist/);
  mkdirSync(path.join(dir, 'folder'));
  const folder = path.join(dir, 'folder');
  for (const opt of ['--trace', '--pcap', '--html']) {
    refused(t, tcpemu(['run', scenario, '--view', 'none', opt, folder]), folder, /cannot write it: it is a folder/);
  }
  refused(t, tcpemu(['report', path.join(ROOT, 'fixtures/traces/handshake.jsonl'), '-o', folder]), folder, /cannot write it: it is a folder/);
  nothingWritten(t, dir, [folder]);
  t.deepEqual(readdirSync(folder), []);
});
