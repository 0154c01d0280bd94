/**
 * Smoke test of `tcpemu bench`: every case runs once at --quick size (a tenth of the full run, about
 * 20 s) and is named in the table. No timing is asserted: speed is the benchmark's to report, not a
 * test's to require. The other tests use --smoke (a hundredth) for speed.
 */
import test from 'ava';
import { benchCommand, CASE_NAMES } from '../../lib/bench/index.ts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CLI_JOBS, commandNodeFlags, jobScenario } from '../../lib/bench/cli.ts';
import { loadScenario } from '../../lib/scenario/load.ts';
import { runScenario } from '../../lib/scenario/runner.ts';

test('bench --quick runs every case and prints each name', async (t) => {
  let out = '';
  let err = '';
  // cli starts a dozen processes at --quick: it runs at --smoke below.
  const cases = CASE_NAMES.filter((c) => c !== 'cli').flatMap((c) => ['--case', c]);
  const code = await benchCommand(['--quick', ...cases], { out: (s) => { out += s; }, err: (s) => { err += s; } });
  t.is(code, 0, err);
  for (const name of CASE_NAMES) if (name !== 'cli') t.regex(out, new RegExp(`^${name} `, 'm'), `case ${name} missing from:\n${out}`);
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
