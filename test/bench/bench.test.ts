/**
 * Smoke test of `tcpemu bench`: every case runs once at --quick size (a tenth of the full run, about
 * 20 s) and is named in the table. No timing is asserted: speed is the benchmark's to report, not a
 * test's to require. The other tests use --smoke (a hundredth) for speed.
 */
import test from 'ava';
import { benchCommand, CASE_NAMES } from '../../lib/bench/index.ts';

test('bench --quick runs every case and prints each name', async (t) => {
  let out = '';
  let err = '';
  const code = await benchCommand(['--quick'], { out: (s) => { out += s; }, err: (s) => { err += s; } });
  t.is(code, 0, err);
  for (const name of CASE_NAMES) t.regex(out, new RegExp(`^${name} `, 'm'), `case ${name} missing from:\n${out}`);
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
