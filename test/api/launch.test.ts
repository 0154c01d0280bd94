/**
 * Which code bin/tcpemu.js runs: the compiled dist/ in an installed package; in a checkout, dist/ only
 * when it was built from exactly the sources on disk, else the TypeScript through tsx. A stale build
 * must never run in place of an edit (tests spawn bin/tcpemu.js right after editing lib/).
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { builtFromThese, stampFor, STAMP } from '../../scripts/sources.mjs';
import { ROOT, tmp } from '../cli/run.ts';

/** A copy of the package's sources and launcher in a temporary folder, node_modules linked. */
function checkout(t: Parameters<typeof tmp>[0]): string {
  const dir = tmp(t);
  for (const p of ['lib', 'bin/tcpemu.js', 'bin/tcpemu.cjs', 'bin/run-flags.cjs', 'bin/load-bundle.cjs', 'bin/tcpemu.ts', 'scripts', 'package.json', 'tsconfig.json', 'tsconfig.build.json', 'fixtures/scenarios/demo.yaml']) {
    cpSync(path.join(ROOT, p), path.join(dir, p), { recursive: true });
  }
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

/** A dist/ that only says it ran, stamped as built from the sources now in `dir`. */
function fakeBuild(dir: string): void {
  mkdirSync(path.join(dir, 'dist/bin'), { recursive: true });
  writeFileSync(path.join(dir, 'dist/bin/tcpemu.js'), "process.stdout.write('the compiled dist/ ran\\n');\n");
  writeFileSync(path.join(dir, STAMP), stampFor(dir));
}

function launch(dir: string, args: string[], entry = 'bin/tcpemu.js') {
  const r = spawnSync(process.execPath, [path.join(dir, entry), ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('the stamp holds while the sources are unchanged, touched included, and breaks on any edit, new or deleted file', (t) => {
  const dir = checkout(t);
  t.false(builtFromThese(dir), 'no build yet');
  fakeBuild(dir);
  t.true(builtFromThese(dir));
  // A touch changes the modification time, not the contents: the digest decides, and it still holds.
  const file = path.join(dir, 'lib/tcp/connection.ts');
  utimesSync(file, new Date(), new Date(Date.now() + 5000));
  t.true(builtFromThese(dir));
  appendFileSync(file, '\n// an edit\n');
  t.false(builtFromThese(dir));
  fakeBuild(dir);
  writeFileSync(path.join(dir, 'lib/new-module.ts'), 'export const x = 1;\n');
  t.false(builtFromThese(dir));
  fakeBuild(dir);
  rmSync(path.join(dir, 'lib/new-module.ts'));
  t.false(builtFromThese(dir));
  fakeBuild(dir);
  writeFileSync(path.join(dir, 'tsconfig.build.json'), '{}\n');
  t.false(builtFromThese(dir), 'the compiler settings are an input too');
});

test('bin/tcpemu.js in a checkout: dist/ when it is current, the sources through tsx once one is edited', (t) => {
  const dir = checkout(t);
  fakeBuild(dir);
  t.is(launch(dir, ['--help']).out, 'the compiled dist/ ran\n');
  appendFileSync(path.join(dir, 'lib/scenario/runner.ts'), '\n// edited after the build\n');
  const r = launch(dir, ['--help']);
  t.is(r.code, 0, r.err);
  t.regex(r.out, /^usage: tcpemu \[COMMAND\]/);
});

test('bin/tcpemu.js in an installed package (no TypeScript beside it): dist/ alone, no stamp needed', (t) => {
  const dir = checkout(t);
  fakeBuild(dir);
  rmSync(path.join(dir, 'bin/tcpemu.ts'));
  rmSync(path.join(dir, 'scripts'), { recursive: true });
  rmSync(path.join(dir, STAMP));
  t.is(launch(dir, ['run', 'x.yaml']).out, 'the compiled dist/ ran\n');
});

test('bin/tcpemu.cjs, the installed command: run, sweep and the demo from the bundle, any other command from dist/', (t) => {
  const dir = checkout(t);
  fakeBuild(dir);
  rmSync(path.join(dir, 'bin/tcpemu.ts'));
  rmSync(path.join(dir, 'scripts'), { recursive: true });
  rmSync(path.join(dir, STAMP));
  // No bundle built: dist/ for every command.
  t.is(launch(dir, ['run', 'x.yaml'], 'bin/tcpemu.cjs').out, 'the compiled dist/ ran\n');
  writeFileSync(path.join(dir, 'dist/bin/tcpemu-run.cjs'), "process.stdout.write('the bundle ran: ' + process.argv.slice(2).join(' ') + '\\n');\n");
  t.is(launch(dir, ['run', 'x.yaml'], 'bin/tcpemu.cjs').out, 'the bundle ran: run x.yaml\n');
  t.is(launch(dir, ['sweep', 'x.yaml'], 'bin/tcpemu.cjs').out, 'the bundle ran: sweep x.yaml\n');
  t.is(launch(dir, [], 'bin/tcpemu.cjs').out, 'the bundle ran: \n');
  t.is(launch(dir, ['help'], 'bin/tcpemu.cjs').out, 'the compiled dist/ ran\n');
  t.is(launch(dir, ['replay', 'x.jsonl'], 'bin/tcpemu.cjs').out, 'the compiled dist/ ran\n');
});

test('bin/tcpemu.cjs in a checkout goes through bin/tcpemu.js: the sources once one is edited, never a stale bundle', (t) => {
  const dir = checkout(t);
  fakeBuild(dir);
  writeFileSync(path.join(dir, 'dist/bin/tcpemu-run.cjs'), "process.stdout.write('the bundle ran\\n');\n");
  appendFileSync(path.join(dir, 'lib/scenario/runner.ts'), '\n// edited after the build\n');
  const r = launch(dir, ['--help'], 'bin/tcpemu.cjs');
  t.is(r.code, 0, r.err);
  t.regex(r.out, /^usage: tcpemu \[COMMAND\]/);
});
