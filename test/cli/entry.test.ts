/**
 * The installed command is bin/tcpemu.cjs (package.json "bin"), a CommonJS script that starts `run`, `sweep`
 * and the demo from the bundle without Node's ES module loader (issue 29: start-up), and hands everything
 * else to bin/tcpemu.js. Both must start Node with the same flags: V8 takes the code cache only under the
 * flags it was made with, and the bench reads the flags from the installed command's first line.
 */
import test from 'ava';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { commandNodeFlags } from '../../lib/bench/cli.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string>; files: string[] };

test('package.json names bin/tcpemu.cjs as the command, ships it and what it requires, and it is executable', (t) => {
  t.is(pkg.bin.tcpemu, 'bin/tcpemu.cjs');
  for (const f of ['bin/tcpemu.cjs', 'bin/tcpemu.js', 'bin/run-flags.cjs', 'bin/load-bundle.cjs']) t.true(pkg.files.includes(f), f);
  t.true((statSync(path.join(ROOT, 'bin/tcpemu.cjs')).mode & 0o111) !== 0);
});

test('bin/tcpemu.cjs and bin/tcpemu.js start Node with the same flags', (t) => {
  const first = (f: string) => readFileSync(path.join(ROOT, f), 'utf8').split('\n', 1)[0];
  t.is(first('bin/tcpemu.cjs'), first('bin/tcpemu.js'));
  t.deepEqual(commandNodeFlags(path.join(ROOT, 'bin/tcpemu.cjs')), ['--max-semi-space-size=1']);
});
