/**
 * npm run build (also `prepare`, so `npm ci` and `npm pack` run it): lib/ and the command compiled to
 * dist/ with type declarations (tsconfig.build.json), the files the compiled code needs beside it
 * copied, and the digest of the sources it was built from (scripts/sources.mjs).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
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
// Not TypeScript, so not emitted: the TUN helper that `tcpemu tun` starts.
mkdirSync(path.join(root, 'dist/lib/real'), { recursive: true });
cpSync(path.join(root, 'lib/real/tun-helper.py'), path.join(root, 'dist/lib/real/tun-helper.py'));
await bundleRun();
writeFileSync(path.join(root, STAMP), stamp);

/**
 * dist/bin/tcpemu-run.mjs: the command and all of lib/ it can import, in one file, so that starting it
 * reads one module instead of about a hundred (issue 29: module loading was most of the start-up). What
 * is imported on demand is in the file too, but runs only when imported, so it costs little more than
 * reading; inside one file every class exists once, and an error thrown by code loaded on demand is
 * still the UsageError or ScenarioError the command tells apart. npm packages imported on demand
 * (cli-progress) stay outside. bin/tcpemu.js starts this file for `run` and the demo only: the other
 * commands start processes and threads from their own files in dist/ (tun, sweep, serve).
 */
async function bundleRun() {
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
  await build({
    entryPoints: [path.join(root, 'dist/bin/tcpemu.js')],
    outfile: path.join(outdir, 'tcpemu-run.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minifySyntax: true,
    minifyWhitespace: true,
    legalComments: 'none',
    logLevel: 'error',
    plugins: [keepOutside],
    // yaml and zod reach for require() in places; an ES module has none of its own.
    banner: { js: "import { createRequire as __tcpemuRequire } from 'node:module'; const require = __tcpemuRequire(import.meta.url);" },
  });
}
