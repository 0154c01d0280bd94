/**
 * What run says about what it wrote, and what it prints with nothing to draw.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
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
