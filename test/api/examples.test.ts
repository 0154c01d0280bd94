/**
 * The examples of docs/examples/ run as a user runs them. The ava ones are in this suite already
 * (package.json's ava.files); the node:test ones run here under `node --test`, each file in its own
 * process, with 'tcpemu' resolved to this repository's sources (the tcpemu-source condition).
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ROOT } from '../cli/run.ts';

function nodeTest(file: string) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--conditions=tcpemu-source', '--test', '--test-reporter=tap', path.join(ROOT, file)], { cwd: ROOT, encoding: 'utf8', timeout: 110_000 });
  const count = (name: string) => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(r.stdout)?.[1] ?? NaN);
  return { code: r.status, out: r.stdout + r.stderr, pass: count('pass'), fail: count('fail') };
}

test('docs/examples/echo.node-test.ts passes under node --test', (t) => {
  const r = nodeTest('docs/examples/echo.node-test.ts');
  t.is(r.code, 0, r.out);
  t.is(r.pass, 1);
  t.is(r.fail, 0);
});

test("docs/examples/http.node-test.ts: Node's http over 5% loss and reordering, every request right on 20 seeds of 20", (t) => {
  const r = nodeTest('docs/examples/http.node-test.ts');
  t.is(r.code, 0, r.out);
  // One test per seed, and one that the links did lose and reorder.
  t.is(r.pass, 21);
  t.is(r.fail, 0);
  for (let seed = 1; seed <= 20; seed++) t.regex(r.out, new RegExp(`^ok \\d+ - seed ${seed}: `, 'm'));
});
