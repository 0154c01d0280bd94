/**
 * npm run build (also `prepare`, so `npm ci` and `npm pack` run it): lib/ and the command compiled to
 * dist/ with type declarations (tsconfig.build.json), the files the compiled code needs beside it
 * copied, and the digest of the sources it was built from (scripts/sources.mjs).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { STAMP, stampFor } from './sources.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Taken before compiling: a file changed meanwhile then fails the check, and the sources run instead.
const stamp = stampFor(root);
rmSync(path.join(root, 'dist'), { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const r = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
if (r.status !== 0) {
  process.stderr.write('build: tsc failed; dist/ is left out, and bin/tcpemu.js runs the sources through tsx\n');
  rmSync(path.join(root, 'dist'), { recursive: true, force: true });
  process.exit(r.status ?? 1);
}
// Not TypeScript, so not emitted: the TUN helper that `tcpemu tun` starts, and its tcp_info reader.
mkdirSync(path.join(root, 'dist/lib/real'), { recursive: true });
cpSync(path.join(root, 'lib/real/tun-helper.py'), path.join(root, 'dist/lib/real/tun-helper.py'));
cpSync(path.join(root, 'lib/real/tun-tcpinfo.py'), path.join(root, 'dist/lib/real/tun-tcpinfo.py'));
await bundleRun();
writeFileSync(path.join(root, STAMP), stamp);
writeCodeCache();

/**
 * dist/bin/tcpemu-run.cjs: the command and all of lib/ it can import, in one file, so that starting it
 * reads one module instead of about a hundred (issue 29: module loading was most of the start-up). What
 * is imported on demand is in the file too, but runs only when imported, so it costs little more than
 * reading; inside one file every class exists once, and an error thrown by code loaded on demand is
 * still the UsageError or ScenarioError the command tells apart. npm packages imported on demand
 * (cli-progress) stay outside. bin/tcpemu.js starts this file for `run` and the demo only: the other
 * commands start processes and threads from their own files in dist/ (tun, sweep, serve).
 */
async function bundleRun() {
  /**
   * What dist/bin/tcpemu.js imports on demand for the commands that bin/tcpemu.js runs from dist/ rather than from
   * the bundle (every command but `run`, `sweep` and the demo; BUNDLED_COMMANDS there).
   */
  const NOT_BUNDLED_FROM_CLI = ['../lib/cli/tun.js', '../lib/bench/index.js', '../lib/learn/command.js', '../lib/cli/real.js', '../lib/packetdrill/command.js', '../lib/cli/replay-capture.js'];
  const { build } = await import('esbuild');
  const outdir = path.join(root, 'dist/bin');
  const keepOutside = {
    name: 'keep-packages-imported-on-demand-outside',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind !== 'dynamic-import' || args.path.startsWith('.')) return undefined;
        return { path: args.path, external: true };
      });
    },
  };
  // The commands bin/tcpemu.js never starts this bundle for (it imports dist/bin/tcpemu.js for them) are left
  // out of it: their code (lib/real, lib/packetdrill, lib/bench, the TUN and UDP chat commands) was a fifth of
  // the file that every `tcpemu run` reads and deserialises (issue 29). Only the command's own dispatch to them
  // (in dist/bin/tcpemu.js) is cut; an import of the same module from code a run can reach stays bundled.
  const leaveOutCommands = {
    name: 'leave-out-commands-the-bundle-does-not-run',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind !== 'dynamic-import' || !NOT_BUNDLED_FROM_CLI.includes(args.path)) return undefined;
        if (path.resolve(args.importer) !== path.join(root, 'dist/bin/tcpemu.js')) return undefined;
        return { path: args.path, namespace: 'not-bundled' };
      });
      b.onLoad({ filter: /.*/, namespace: 'not-bundled' }, (args) => ({
        contents: `throw new Error(${JSON.stringify(`tcpemu: ${args.path} is not in dist/bin/tcpemu-run.cjs: bin/tcpemu.js starts dist/bin/tcpemu.js for this command`)});`,
        loader: 'js',
      }));
    },
  };
  const options = {
    bundle: true,
    platform: 'node',
    // A script, not a module: bin/tcpemu.js compiles it with node:vm, which can take V8's code cache
    // for a script (Node 20 has none for modules). Its import() of packages kept outside become require().
    format: 'cjs',
    supported: { 'dynamic-import': false },
    target: 'node20',
    minifySyntax: true,
    minifyWhitespace: true,
    legalComments: 'none',
    logLevel: 'error',
    plugins: [keepOutside],
    // Every module of the bundle sees the bundle's own place, as it would in dist/bin (lib/paths.ts).
    define: { 'import.meta.url': '__tcpemuUrl', 'import.meta.resolve': '__tcpemuResolve' },
    banner: { js: "const __tcpemuUrl = require('node:url').pathToFileURL(__filename).href; const __tcpemuResolve = (s) => require('node:url').pathToFileURL(require.resolve(s)).href;" },
  };
  // The two bundles bin/load-bundle.cjs compiles come wrapped as it would wrap them (issue 29: it no longer
  // copies the source to wrap it as the command starts); the Chinese catalogue is required, so it stays a module.
  const require = createRequire(import.meta.url);
  const { WRAP } = require(path.join(root, 'bin/load-bundle.cjs'));
  const wrapped = { ...options, banner: { js: `${WRAP}${options.banner.js}` }, footer: { js: '})' } };
  // The Chinese catalogue (lib/i18n/zh.ts and zh/) is a file of its own, dist/bin/tcpemu-zh.cjs, which the bundles
  // require the first time a Chinese text is asked for (lib/i18n/index.ts reads ZH_AREAS only then): its some 130 kB
  // of text were read, deserialised from the code cache and built into objects at every start, in any language
  // (issue 29, start-up).
  const zhOnDemand = {
    name: 'chinese-catalogue-on-demand',
    setup(b) {
      b.onResolve({ filter: /^\.\/zh\.js$/ }, (args) => (path.resolve(args.importer) === path.join(root, 'dist/lib/i18n/index.js') ? { path: 'zh', namespace: 'zh-on-demand' } : undefined));
      b.onResolve({ filter: /^\.\/tcpemu-zh\.cjs$/ }, (args) => ({ path: args.path, external: true }));
      b.onLoad({ filter: /.*/, namespace: 'zh-on-demand' }, () => ({
        contents: "module.exports = { get ZH_AREAS() { return require('./tcpemu-zh.cjs').ZH_AREAS; } };",
        loader: 'js',
      }));
    },
  };
  // zod likewise (dist/bin/tcpemu-zod.cjs): lib/scenario/schema.ts asks lib/scenario/zod.ts for it only to word a
  // mistake in a scenario file (a file that is right is checked without it). In the bundles zod.ts requires that
  // file then, instead of importing zod as it loads; one file, so a mistake does not compile zod's many.
  const zodOnDemand = {
    name: 'zod-on-demand',
    setup(b) {
      b.onResolve({ filter: /^\.\/zod\.js$/ }, (args) => (path.resolve(args.importer) === path.join(root, 'dist/lib/scenario/schema.js') ? { path: 'zod', namespace: 'zod-on-demand' } : undefined));
      b.onResolve({ filter: /^\.\/tcpemu-zod\.cjs$/ }, (args) => ({ path: args.path, external: true }));
      b.onLoad({ filter: /.*/, namespace: 'zod-on-demand' }, () => ({ contents: "export function loadZod() { return require('./tcpemu-zod.cjs'); }", loader: 'js' }));
    },
  };
  await build({ ...options, entryPoints: [path.join(root, 'dist/lib/i18n/zh.js')], outfile: path.join(outdir, 'tcpemu-zh.cjs') });
  // Only what schema.ts uses (`z.NAME`), as the bundle held it before: all of zod is some 700 kB.
  const schemaJs = readFileSync(path.join(root, 'dist/lib/scenario/schema.js'), 'utf8');
  const used = [...new Set([...schemaJs.matchAll(/\bz\.([A-Za-z_$][\w$]*)/g)].map((m) => m[1]))].sort();
  await build({ ...options, stdin: { contents: `export { ${used.join(', ')} } from 'zod';`, resolveDir: root, loader: 'js' }, outfile: path.join(outdir, 'tcpemu-zod.cjs') });
  await build({ ...wrapped, plugins: [leaveOutCommands, zhOnDemand, zodOnDemand, keepOutside], entryPoints: [path.join(root, 'dist/bin/tcpemu.js')], outfile: path.join(outdir, 'tcpemu-run.cjs') });
  // A sweep's worker thread (lib/sweep/index.ts starts it from this file when installed).
  await build({ ...wrapped, plugins: [zhOnDemand, zodOnDemand, keepOutside], entryPoints: [path.join(root, 'dist/lib/sweep/worker.js')], outfile: path.join(outdir, 'sweep-worker.cjs') });
}

/**
 * dist/bin/tcpemu-run.cjs.cache: V8's compiled code for the bundle, taken after a small run so that the
 * functions a run uses are in it. bin/tcpemu.js hands it to the compiler; V8 checks that it fits (same
 * V8, same flags, same source) and compiles from scratch when it does not, so a stale cache costs time only.
 */
function writeCodeCache() {
  // Once as `node bin/tcpemu.js` starts, once with the installed command's flags (its first line): each reads its own cache.
  for (const flags of [[], commandNodeFlags()]) writeCodeCacheWith(flags);
}

/** The flags of `#!/usr/bin/env -S node FLAGS`, the first line of bin/tcpemu.js (lib/bench/cli.ts reads them the same way). */
function commandNodeFlags() {
  const first = readFileSync(path.join(root, 'bin/tcpemu.js'), 'utf8').split('\n', 1)[0];
  return (/^#!\/usr\/bin\/env(?: -S)? node((?: +\S+)*) *$/.exec(first)?.[1] ?? '').trim().split(/ +/).filter((f) => f !== '');
}

function writeCodeCacheWith(flags) {
  const r = spawnSync(process.execPath, [...flags, path.join(root, 'bin/tcpemu.js'), 'run', path.join(root, 'fixtures/scenarios/handshake.yaml')], {
    cwd: root, env: { ...process.env, TCPEMU_WRITE_CODE_CACHE: '1', NO_COLOR: '1' }, stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (r.status !== 0) process.stderr.write('build: the code cache was not made; tcpemu run starts a little slower\n');
  const sweep = spawnSync(process.execPath, [...flags, path.join(root, 'bin/tcpemu.js'), 'sweep', path.join(root, 'fixtures/scenarios/sweep-loss.yaml'), '--seeds', '1..40', '--jobs', '2'], {
    cwd: root, env: { ...process.env, TCPEMU_WRITE_CODE_CACHE: '1', NO_COLOR: '1' }, stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (sweep.status !== 0) process.stderr.write("build: the sweep worker's code cache was not made; its workers start a little slower\n");
}
