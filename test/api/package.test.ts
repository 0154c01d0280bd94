/**
 * Issue 30's "done when", as a user does it: pack the package, install the tarball in a fresh
 * project outside the repository (npm init -y && npm install TARBALL), and run the README's library
 * example there under node --test, its types checked by tsc against the installed declarations.
 * Also: what the tarball holds (the compiled code, the command, no tests, no TypeScript sources),
 * the installed command, and require() from CommonJS.
 */
import test from 'ava';
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { builtFromThese } from '../../scripts/sources.mjs';
import { ROOT, tmp } from '../cli/run.ts';

const NPM_CLI = path.join(path.dirname(process.execPath), '../lib/node_modules/npm/bin/npm-cli.js');
const TSC = path.join(ROOT, 'node_modules/typescript/bin/tsc');

function run(cmd: string, args: string[], cwd: string, opts: SpawnSyncOptions = {}) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 100_000, ...opts });
  return { code: r.status, out: String(r.stdout ?? ''), err: String(r.stderr ?? ''), all: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

function npm(args: string[], cwd: string) {
  const cli = existsSync(NPM_CLI) ? [process.execPath, NPM_CLI] : ['npm'];
  // No network needed beyond npm's cache where it can; never an audit or funding message.
  return run(cli[0]!, [...cli.slice(1), ...args, '--no-audit', '--no-fund', '--loglevel=error'], cwd, { env: { ...process.env, npm_config_update_notifier: 'false' } });
}

/** The README's library example, exactly as printed. */
function readmeExample(): string {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const m = /<!-- library-example:[^\n]*-->\n```js\n([\s\S]*?)```/.exec(readme);
  if (!m) throw new Error('README.md has no library example block');
  return m[1]!;
}

test('the packed package installs in a fresh project, and the README example passes there under node --test with types checked by tsc', (t) => {
  const dir = tmp(t);
  // A copy of what npm pack reads, so that packing never touches this checkout's dist/.
  const stage = path.join(dir, 'stage');
  mkdirSync(stage);
  for (const p of ['package.json', 'package-lock.json', 'README.md', 'bin', 'lib', 'scripts', 'tsconfig.json', 'tsconfig.build.json', 'fixtures/scenarios', 'fixtures/lessons', 'docs']) {
    cpSync(path.join(ROOT, p), path.join(stage, p), { recursive: true });
  }
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(stage, 'node_modules'));
  // A current build is used as it is; otherwise npm pack builds (prepare), as it does for a user.
  const current = builtFromThese(ROOT);
  if (current) cpSync(path.join(ROOT, 'dist'), path.join(stage, 'dist'), { recursive: true });
  const pack = npm(['pack', '--json', '--pack-destination', dir, ...(current ? ['--ignore-scripts'] : [])], stage);
  t.is(pack.code, 0, pack.all);
  const [info] = JSON.parse(pack.out.slice(pack.out.indexOf('['))) as { filename: string; files: { path: string }[] }[];
  const files = info!.files.map((f) => f.path);
  for (const f of ['bin/tcpemu.js', 'dist/bin/tcpemu.js', 'dist/lib/index.js', 'dist/lib/index.d.ts', 'dist/lib/real/tun-helper.py', 'fixtures/scenarios/demo.yaml', 'docs/library.md', 'README.md', 'package.json']) {
    t.true(files.includes(f), `the package holds ${f}; it holds ${files.join(" ")}`);
  }
  t.deepEqual(files.filter((f) => /(^|\/)test\/|\.test\.|(?<!\.d)\.ts$|^scripts\/|\.sources\.sha1$/.test(f)), [], 'no tests, no TypeScript sources, no build scripts');

  // A fresh project outside the repository.
  const app = path.join(dir, 'app');
  mkdirSync(app);
  t.is(npm(['init', '-y'], app).code, 0);
  const install = npm(['install', path.join(dir, info!.filename), '--prefer-offline'], app);
  t.is(install.code, 0, install.all);
  t.false(existsSync(path.join(app, 'node_modules/tsx')), 'tsx is for development only');
  t.false(existsSync(path.join(app, 'node_modules/typescript')), 'so is TypeScript');

  // The README's example, as a TypeScript file: checked (strict) and compiled by tsc, run by node --test.
  writeFileSync(path.join(app, 'example.test.ts'), readmeExample());
  writeFileSync(path.join(app, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      strict: true, target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', skipLibCheck: false, types: ['node'],
      // The project's own @types/node would be installed with it; this test borrows the repository's.
      typeRoots: [path.join(ROOT, 'node_modules/@types')],
    },
    files: ['example.test.ts'],
  }));
  const pkg = JSON.parse(readFileSync(path.join(app, 'package.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ ...pkg, type: 'module' }, null, 2));
  const tsc = run(process.execPath, [TSC, '-p', app], app);
  t.is(tsc.code, 0, tsc.all);
  const nodeTest = run(process.execPath, ['--test', '--test-reporter=tap', 'example.test.js'], app);
  t.is(nodeTest.code, 0, nodeTest.all);
  t.regex(nodeTest.out, /^ok 1 - an echo survives a lost FIN$/m);
  t.regex(nodeTest.out, /^# pass 1$/m);

  // The same library from CommonJS (Node 20.19+ loads ES modules with require).
  const cjs = run(process.execPath, ['-e', "const { World } = require('tcpemu'); console.log(typeof World, new World().hostNames.join(' '))"], app);
  t.is(cjs.code, 0, cjs.all);
  t.is(cjs.out.trim(), 'function client server');

  // The installed command runs the compiled code.
  const bin = path.join(app, 'node_modules/.bin/tcpemu');
  const r = run(bin, ['run', path.join(app, 'node_modules/tcpemu/fixtures/scenarios/handshake.yaml'), '--view', 'none'], app, { env: { ...process.env, NO_COLOR: '1' } });
  t.is(r.code, 0, r.all);
  t.regex(r.out, /^PASS handshake /m);
  t.false(existsSync(path.join(app, 'node_modules/tcpemu/lib')), 'no TypeScript sources in the installed package');
  // A sweep's worker threads load the compiled code as well (lib/sweep/index.ts), with no tsx installed.
  const sweep = run(bin, ['sweep', path.join(app, 'node_modules/tcpemu/fixtures/scenarios/sweep-loss.yaml'), '--seeds', '1..3', '--set', 'link.loss=0.01', '--jobs', '3'], app, { env: { ...process.env, NO_COLOR: '1' } });
  t.is(sweep.code, 0, sweep.all);
  t.regex(sweep.out, /^0\.01 +3\/3 /m);

  // Issue 29 (start-up): an English run that is right loads neither the Chinese catalogue (dist/bin/tcpemu-zh.cjs)
  // nor zod (dist/bin/tcpemu-zod.cjs); a Chinese run loads the catalogue from its file, and a mistake is worded by
  // zod. A preload lists what was required (require.cache, which createRequire shares).
  const preload = path.join(dir, 'loaded.cjs');
  writeFileSync(preload, "process.on('exit', () => require('node:fs').writeSync(2, `LOADED ${Object.keys(require.cache).filter((f) => /tcpemu-zh|tcpemu-zod|[\\\\/]zod[\\\\/]/.test(f)).map((f) => (/zod/.test(f) ? 'zod' : 'zh')).filter((x, i, a) => a.indexOf(x) === i).join(' ')}\\n`));\n");
  const env = { ...process.env, NO_COLOR: '1', NODE_OPTIONS: `--require ${preload}` };
  const handshake = path.join(app, 'node_modules/tcpemu/fixtures/scenarios/handshake.yaml');
  const en = run(bin, ['run', handshake, '--view', 'summary'], app, { env });
  t.is(en.code, 0, en.all);
  t.regex(en.err, /^LOADED $/m, 'an English run that is right loads neither');
  const zh = run(bin, ['run', handshake, '--view', 'summary', '--lang', 'zh'], app, { env });
  t.is(zh.code, 0, zh.all);
  t.regex(zh.out, /通过/);
  t.regex(zh.err, /^LOADED zh$/m);
  writeFileSync(path.join(app, 'bad.yaml'), 'name: x\nhosts: { a: {}, b: {} }\ntcp: { mss: 1kb }\n');
  const bad = run(bin, ['run', 'bad.yaml', '--lang', 'zh'], app, { env });
  t.is(bad.code, 2, bad.all);
  t.regex(bad.err, /^bad\.yaml:3:13：tcp\.mss："kb" 有歧义/m);
  t.regex(bad.err, /^LOADED zh zod$|^LOADED zod zh$/m);
});
