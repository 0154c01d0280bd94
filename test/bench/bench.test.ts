/**
 * Smoke test of `tcpemu bench`: every case runs once at --quick size (a tenth of the full run, about
 * 20 s) and is named in the table, but for two: cli (a dozen processes) and replay run at --smoke. At
 * --quick, replay hands tshark 100,000 packets, which it does not finish in the case's 40 s bound on a
 * 2-core machine (tshark -z conv,tcp measured 289 s wall, 109 s CPU on them): the test burned 40 s of a
 * core waiting for the bound. Its --smoke run (10,000 packets, tshark under a second) goes through the
 * same code, and the bound itself is tested below with a limit tshark cannot meet. No timing is
 * asserted: speed is the benchmark's to report, not a test's to require. The other tests use --smoke
 * (a hundredth) for speed.
 */
import test from 'ava';
import { benchCommand, CASE_NAMES } from '../../lib/bench/index.ts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CLI_JOBS, commandNodeFlags, jobScenario } from '../../lib/bench/cli.ts';
import { generateCapture, runTshark } from '../../lib/bench/replay.ts';
import { loadScenario } from '../../lib/scenario/load.ts';
import { runScenario } from '../../lib/scenario/runner.ts';

test('bench --quick runs every case and prints each name', async (t) => {
  let out = '';
  let err = '';
  // cli starts a dozen processes at --quick: it runs at --smoke below. replay at --quick waits 40 s for tshark: --smoke here.
  const atSmoke = ['cli', 'replay'];
  const cases = CASE_NAMES.filter((c) => !atSmoke.includes(c)).flatMap((c) => ['--case', c]);
  const code = await benchCommand(['--quick', ...cases], { out: (s) => { out += s; }, err: (s) => { err += s; } });
  t.is(code, 0, err);
  const smokeCode = await benchCommand(['--smoke', '--case', 'replay'], { out: (s) => { out += s; }, err: (s) => { err += s; } });
  t.is(smokeCode, 0, err);
  for (const name of CASE_NAMES) if (name !== 'cli') t.regex(out, new RegExp(`^${name} `, 'm'), `case ${name} missing from:\n${out}`);
});

test('tshark, the replay case\'s peer, is stopped at its bound and said to be, not waited for', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tcpemu-tshark-'));
  try {
    const file = path.join(dir, 'replay.pcap');
    generateCapture(file, 10_000);
    const full = runTshark(file);
    if (full === undefined) {
      t.log('tshark is not installed: its bound is not tested');
      t.pass();
      return;
    }
    t.false(full.timedOut);
    t.true(full.conversations! > 0);
    // tshark's own start-up takes longer than 1 ms: the bound stops it, and its figures are bounds.
    const stopped = runTshark(file, 1);
    t.true(stopped?.timedOut, JSON.stringify(stopped));
    t.is(stopped?.conversations, undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bench --case cli runs the four jobs through the command line (and on ns-3 where installed), each passing its expectation', async (t) => {
  let out = '';
  let err = '';
  const code = await benchCommand(['--json', '--smoke', '--case', 'cli'], { out: (s) => { out += s; }, err: (s) => { err += s; } });
  t.is(code, 0, err);
  const r = JSON.parse(out.trim());
  for (const job of CLI_JOBS) t.true(r[`${job}WallMs`] > 0, job);
  if ('startupNs3WallMs' in r) t.true(r.ratio > 0);
  else t.regex(err, /ns-3 is not installed|g\+\+ could not build/);
});

test('the cli jobs are the scenarios the README names: each passes, and scale multiplies its data', (t) => {
  for (const job of CLI_JOBS) {
    const r = runScenario(loadScenario(jobScenario(job, 0.01), `${job}.yaml`), { record: 'counts', keepDelivered: false });
    t.true(r.ok, `${job}: ${r.expectations.filter((e) => !e.ok).map((e) => e.detail).join('; ')}`);
  }
  t.regex(jobScenario('bulk'), /send 67108864 /);
  t.regex(jobScenario('lossy', 10), /send 167772160 /);
  t.is(jobScenario('flows', 0.01).match(/connect server:80 as f/g)?.length, 10);
});

test('bench --json --smoke --case prints one JSON object for the case asked', async (t) => {
  let out = '';
  const code = await benchCommand(['--json', '--smoke', '--case', 'bulk-1460'], { out: (s) => { out += s; }, err: () => {} });
  t.is(code, 0);
  const lines = out.trim().split('\n').map((l) => JSON.parse(l));
  t.is(lines.length, 1);
  t.is(lines[0].case, 'bulk-1460');
  t.true(lines[0].dataSegmentsPerSec > 0);
});

test('bench rejects an unknown case with status 2', async (t) => {
  let err = '';
  const code = await benchCommand(['--case', 'nope'], { out: () => {}, err: (s) => { err += s; } });
  t.is(code, 2);
  t.regex(err, /unknown case 'nope'/);
});

test('the bench starts Node with the flags of the installed command (its first line), and refuses a first line that does not start Node', (t) => {
  // bin/tcpemu.js holds the young generation small (issue 29): the bench must measure that, not Node's default.
  t.deepEqual(commandNodeFlags(), ['--max-semi-space-size=1']);
  const dir = mkdtempSync(path.join(tmpdir(), 'tcpemu-flags-'));
  try {
    const f = path.join(dir, 'cmd.js');
    writeFileSync(f, '#!/usr/bin/env node\nconsole.log(1)\n');
    t.deepEqual(commandNodeFlags(f), []);
    writeFileSync(f, '#!/usr/bin/env -S node --a=1  --b\n');
    t.deepEqual(commandNodeFlags(f), ['--a=1', '--b']);
    writeFileSync(f, '#!/bin/sh\n');
    t.throws(() => commandNodeFlags(f), { message: /first line should start Node/ });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
