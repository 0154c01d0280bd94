/**
 * `tcpemu sweep`: every combination of the --set values with every seed, in worker threads; a table of
 * means and spreads that does not depend on --jobs; CSV, JSON and HTML; --merge of split sweeps.
 */
import test from 'ava';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { combinations, mergeSweeps, parseSeeds, parseSet, renderCsv, runSweep, tabulate } from '../../lib/sweep/index.ts';
import { applySetting, measure } from '../../lib/sweep/run.ts';
import { mathisGoodput, renderSweepHtml } from '../../lib/sweep/html.ts';
import { UsageError } from '../../lib/cli/args.ts';
import { ROOT, tcpemu, tmp } from '../cli/run.ts';

const FILE = 'fixtures/scenarios/sweep-loss.yaml';
const TEXT = readFileSync(path.join(ROOT, FILE), 'utf8');

test('seeds: ranges and lists, each seed once, in the order written; nonsense refused', (t) => {
  t.deepEqual(parseSeeds('1..5'), [1, 2, 3, 4, 5]);
  t.deepEqual(parseSeeds('7'), [7]);
  t.deepEqual(parseSeeds('3,1..3,9'), [3, 1, 2, 9]);
  for (const bad of ['', '5..1', 'a..b', '1..', '-1', '4294967296']) t.throws(() => parseSeeds(bad), { instanceOf: UsageError }, bad);
});

test('--set KEY=V1,V2: every combination, the first key changing slowest', (t) => {
  t.deepEqual(parseSet('link.loss=0,0.01'), { key: 'link.loss', values: ['0', '0.01'] });
  t.throws(() => parseSet('link.loss'), { instanceOf: UsageError });
  t.throws(() => parseSet('link.loss=0,,1'), { instanceOf: UsageError, message: /empty value/ });
  t.deepEqual(combinations([{ key: 'a', values: ['1', '2'] }, { key: 'b', values: ['x', 'y'] }]), [
    { a: '1', b: 'x' }, { a: '1', b: 'y' }, { a: '2', b: 'x' }, { a: '2', b: 'y' },
  ]);
  t.deepEqual(combinations([]), [{}]);
});

test('a setting replaces the key where it is, makes the mappings on its way, and reads its value as YAML', (t) => {
  const s = applySetting(TEXT, { 'link.loss': '0.05', 'tcp.mss': '536', 'hosts.server.tcp.rcvbuf': '8k' });
  t.regex(s, /link: \{ delay: 20ms, loss: 0\.05 \}/);
  t.regex(s, /tcp:\s*\n\s*mss: 536/);
  t.regex(s, /server: \{ tcp: \{ rcvbuf: 8k \} \}/);
  t.is(applySetting(TEXT, {}), TEXT);
});

test('the table: one row a combination, the mean and sample standard deviation of each figure over the seeds', (t) => {
  const set = { 'link.loss': '0.05' };
  const rows = [1, 2, 3].map((seed) => measure(TEXT, FILE, set, seed));
  const [row] = tabulate([set], rows);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const rtx = rows.map((r) => r.retransmissions);
  t.is(row.runs, 3);
  t.is(row.held, rows.filter((r) => r.ok).length);
  t.is(row.retransmissions.mean, mean(rtx));
  t.is(row.retransmissions.sd, Math.sqrt(rtx.reduce((a, x) => a + (x - mean(rtx)) ** 2, 0) / 2));
  t.is(row.goodput.mean, mean(rows.map((r) => r.goodput)));
  // Without loss, 200 kB in one flow: goodput is the bytes over the time from the first segment to the last read.
  const clean = measure(TEXT, FILE, { 'link.loss': '0' }, 1);
  t.true(clean.ok);
  t.is(clean.retransmissions, 0);
  t.is(clean.goodput, Math.round((204800 * 8 * 1000) / (clean.durationMs - 20)));
});

test('the results do not depend on --jobs: one thread and three give the same runs and table', async (t) => {
  const sets = [{ key: 'link.loss', values: ['0', '0.02', '0.05'] }];
  const seeds = parseSeeds('1..8');
  const one = await runSweep(TEXT, FILE, sets, seeds, { jobs: 1 });
  const three = await runSweep(TEXT, FILE, sets, seeds, { jobs: 3 });
  t.is(one.runs.length, 24);
  t.deepEqual(three.runs, one.runs);
  t.deepEqual(three.table, one.table);
  t.deepEqual(renderCsv(three), renderCsv(one));
  // Loss costs retransmissions and goodput.
  t.true(one.table[2].retransmissions.mean > one.table[0].retransmissions.mean);
  t.true(one.table[2].goodput.mean < one.table[0].goodput.mean);
});

test('--merge: a sweep split by seed ranges joins into the table of the whole; overlaps and other sweeps refused', async (t) => {
  const sets = [{ key: 'link.loss', values: ['0.01', '0.05'] }];
  const whole = await runSweep(TEXT, FILE, sets, parseSeeds('1..6'), { jobs: 1 });
  const a = await runSweep(TEXT, FILE, sets, parseSeeds('4..6'), { jobs: 1 });
  const b = await runSweep(TEXT, FILE, sets, parseSeeds('1..3'), { jobs: 1 });
  const merged = mergeSweeps([{ file: 'a.json', o: a }, { file: 'b.json', o: b }]);
  t.deepEqual(merged.seeds, whole.seeds);
  t.deepEqual(merged.runs, whole.runs);
  t.deepEqual(merged.table, whole.table);
  t.throws(() => mergeSweeps([{ file: 'a.json', o: a }, { file: 'a2.json', o: a }]), { message: /seed 4 with link\.loss=0\.01 is in both a\.json and a2\.json/ });
  const other = await runSweep(TEXT, FILE, [{ key: 'link.loss', values: ['0.02'] }], [1], { jobs: 1 });
  t.throws(() => mergeSweeps([{ file: 'a.json', o: a }, { file: 'o.json', o: other }]), { message: /only parts of one sweep merge/ });
});

test('the HTML plots the column against the swept value, with the Mathis et al. curve beside goodput against loss', async (t) => {
  const o = await runSweep(TEXT, FILE, [{ key: 'link.loss', values: ['0', '0.01', '0.05'] }], [1, 2], { jobs: 1 });
  const html = renderSweepHtml(o, 'goodput');
  t.regex(html, /<svg [^>]*aria-label="goodput against link\.loss"/);
  // MSS 1460, RTT 40 ms: at p = 0.01, 1460 x 8 / 0.04 x 1.2247 / 0.1 = 3.58 Mbit/s; none at p = 0.
  t.is(Math.round(mathisGoodput(1460, 40, 0.01)), 3576255);
  t.regex(html, /Mathis et al\.: 3\.58 Mbit\/s/);
  t.is((html.match(/<polyline class="mathis"/g) ?? []).length, 1);
  t.is((html.match(/Mathis et al\.: \d/g) ?? []).length, 2);
  t.notRegex(renderSweepHtml(o, 'retransmissions'), /class="mathis"/);
});

test('tcpemu sweep on the command line: the table, the files, exit 1 when a run fails its expectations, exit 2 for bad input with nothing written', (t) => {
  const dir = tmp(t);
  const csv = path.join(dir, 'out.csv');
  const json = path.join(dir, 'out.json');
  const html = path.join(dir, 'out.html');
  const r = tcpemu(['sweep', FILE, '--seeds', '1..3', '--set', 'link.loss=0,0.01', '--jobs', '2', '--csv', csv, '--json', json, '--html', html]);
  t.is(r.code, 0, r.err);
  t.regex(r.out, /^tcpemu sweep · scenario sweep-loss · 3 seeds · 6 runs/);
  t.regex(r.out, /\n0 +3\/3 +4\.1 Mbit\/s ± 0 bit\/s +0 ± 0 +0\.420 ± 0 s\n/);
  t.regex(readFileSync(csv, 'utf8'), /^link\.loss,runs,held,errors,goodput_bps_mean/);
  t.is(JSON.parse(readFileSync(json, 'utf8')).runs.length, 6);
  t.regex(readFileSync(html, 'utf8'), /<svg/);
  const m = tcpemu(['sweep', '--merge', json]);
  t.is(m.code, 0, m.err);
  t.is(m.out, r.out);
  // A file that cannot hold: the expectation of 200 kB fails when the server reads too little of a short run.
  const short = path.join(dir, 'short.yaml');
  writeFileSync(short, TEXT.replace('until: 10min', 'until: 300ms'));
  t.is(tcpemu(['sweep', short, '--seeds', '1']).code, 1);
  const before = readdirSync(dir).sort();
  for (const args of [['--seeds', 'x'], ['--set', 'link.loss=2'], ['--jobs', '0'], ['--plot', 'nonsense'], ['--set', 'link.loss=1', '--set', 'link.loss=2']]) {
    const bad = tcpemu(['sweep', FILE, ...args, '--csv', path.join(dir, 'bad.csv')]);
    t.is(bad.code, 2, args.join(' '));
    t.notRegex(bad.err, /\n\s+at /, 'no stack trace');
  }
  t.regex(tcpemu(['sweep', FILE, '--set', 'link.loss=2']).err, /sweep-loss\.yaml \(with link\.loss=2\):\d+:\d+: link\.loss: probability 2 is outside 0\.\.1/);
  t.deepEqual(readdirSync(dir).sort(), before);
  t.false(existsSync(path.join(dir, 'bad.csv')));
});
