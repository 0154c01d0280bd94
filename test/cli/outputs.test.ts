/**
 * What run says about what it wrote, and what it prints with nothing to draw.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, tcpemu, tmp } from './run.ts';

const DEMO = path.join(ROOT, 'fixtures/scenarios/demo.yaml');

test('run --trace --pcap --html names each file written, on stderr as report does; --json output stays one JSON object', (t) => {
  const dir = tmp(t);
  const [trace, pcap, html] = ['d.jsonl', 'd.pcap', 'd.html'].map((f) => path.join(dir, f));
  const r = tcpemu(['run', DEMO, '--trace', trace, '--pcap', pcap, '--html', html, '--json']);
  t.is(r.code, 0, r.err);
  t.is(r.err, `wrote ${trace}: 72 trace events\nwrote ${pcap}: 10 packets\nwrote ${html}: 10 segments\n`);
  t.is(JSON.parse(r.out).scenario, 'demo', 'stdout is the JSON alone');
  for (const f of [trace, pcap, html]) t.true(existsSync(f), f);
  const rep = tcpemu(['report', trace, '-o', path.join(dir, 'r.html')]);
  t.is(rep.code, 0, rep.err);
  t.is(rep.out, '');
  t.is(rep.err, `wrote ${path.join(dir, 'r.html')}: 10 segments\n`);
});

test('run --view none draws nothing: the verdict lines alone, no blank line before them', (t) => {
  const r = tcpemu(['run', DEMO, '--view', 'none']);
  t.is(r.code, 0, r.err);
  t.true(r.out.startsWith('✔ at 1s: client c1 in TIME-WAIT\n'), JSON.stringify(r.out.slice(0, 40)));
  t.notRegex(r.out, /\n\n/);
  t.regex(r.out, /PASS demo .*\n$/);
});

test('output piped into a reader that stops early (tcpemu run ... | head -1) ends quietly, exit 0', (t) => {
  // lossy-bulk's ladder is 80 kB, more than a pipe holds, so the writer meets the closed pipe.
  const bulk = path.join(ROOT, 'fixtures/scenarios/lossy-bulk.yaml');
  const sh = spawnSync('bash', ['-c', `node bin/tcpemu.js run ${bulk} --width 100 | head -1; echo "exit ${'$'}{PIPESTATUS[0]}"`], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } });
  t.is(sh.stdout, 'tcpemu ladder · scenario lossy-bulk · seed 16\nexit 0\n');
  t.is(sh.stderr, '');
});

test('run --trace and --pcap are written as the run goes: with --view summary (nothing kept) the files are byte for byte those of a drawn run', (t) => {
  const dir = tmp(t);
  const bulk = path.join(ROOT, 'fixtures/scenarios/lossy-bulk.yaml');
  const files = (tag: string) => [path.join(dir, `${tag}.jsonl`), path.join(dir, `${tag}.pcap`)] as const;
  const [t1, p1] = files('drawn');
  const [t2, p2] = files('counted');
  const drawn = tcpemu(['run', bulk, '--trace', t1, '--pcap', p1, '--view', 'states']);
  const counted = tcpemu(['run', bulk, '--trace', t2, '--pcap', p2, '--view', 'summary']);
  t.is(drawn.code, 0, drawn.err);
  t.is(counted.code, 0, counted.err);
  t.true(readFileSync(t1).equals(readFileSync(t2)), 'the same trace');
  t.true(readFileSync(p1).equals(readFileSync(p2)), 'the same capture');
  t.regex(counted.err, /^wrote .*counted\.jsonl: \d+ trace events\nwrote .*counted\.pcap: \d+ packets\n$/);
  t.is(tcpemu(['replay', t2]).code, 0, 'the streamed trace replays');
  t.deepEqual(readdirSync(dir).sort(), ['counted.jsonl', 'counted.pcap', 'drawn.jsonl', 'drawn.pcap'], 'no temporary file left');
});

test('a run stopped by --max-events writes neither trace nor capture, and leaves no temporary file', (t) => {
  const dir = tmp(t);
  const bulk = path.join(ROOT, 'fixtures/scenarios/lossy-bulk.yaml');
  const r = tcpemu(['run', bulk, '--trace', path.join(dir, 'x.jsonl'), '--pcap', path.join(dir, 'x.pcap'), '--max-events', '500']);
  t.is(r.code, 2);
  t.regex(r.err, /limit of 500 events/);
  t.deepEqual(readdirSync(dir), []);
});

test('--trace into a folder that does not exist is refused before the run, and --pcap beside it is not left behind', (t) => {
  const dir = tmp(t);
  const r = tcpemu(['run', DEMO, '--pcap', path.join(dir, 'ok.pcap'), '--trace', path.join(dir, 'no/such/x.jsonl')]);
  t.is(r.code, 2);
  t.regex(r.err, /x\.jsonl: cannot write it: its folder does not exist/);
  const r2 = tcpemu(['run', DEMO, '--trace', path.join(dir, 'ok.jsonl'), '--pcap', path.join(dir, 'no/such/x.pcap')]);
  t.is(r2.code, 2);
  t.regex(r2.err, /x\.pcap: cannot write it: its folder does not exist/);
  t.deepEqual(readdirSync(dir), []);
});
