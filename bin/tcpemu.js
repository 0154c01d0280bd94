#!/usr/bin/env node
// Entry point. An installed package runs the compiled JavaScript in dist/. A checkout of the repository
// runs dist/ only when it was built from exactly the sources on disk (scripts/sources.mjs), and the
// TypeScript itself through tsx otherwise: an edit is never hidden by a stale build.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';
import { setFlagsFromString } from 'node:v8';

// V8 inlines a call only while the function it optimises has taken in less than this much bytecode of
// callees (default 920 bytes). One segment's way through sender, link and receiver is deeper than that,
// so past the budget calls stay calls: bulk-1460 measured 6-9% faster at 1500-3000 (README, Performance).
// Set before any of the program is compiled; the flag changes what is inlined, never what runs.
setFlagsFromString('--max-inlined-bytecode-size-cumulative=2000');

const checkout = existsSync(new URL('./tcpemu.ts', import.meta.url));
if (checkout && !(await import('../scripts/sources.mjs')).builtFromThese(new URL('..', import.meta.url).pathname)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./tcpemu.ts');
} else {
  // `run`, `sweep` and the demo start from one bundled file (scripts/build.mjs): a tenth of a second sooner.
  const cmd = process.argv[2];
  const bundle = new URL('../dist/bin/tcpemu-run.cjs', import.meta.url);
  if ((cmd === undefined || cmd === 'run' || cmd === 'sweep') && existsSync(bundle)) runBundle(bundle);
  else await import('../dist/bin/tcpemu.js');
}

/**
 * The bundle compiled as a script with V8's code cache beside it (dist/bin/tcpemu-run.cjs.cache, made
 * by the build): compiling the bundle was most of what start-up spent that was not Node's own. A cache
 * V8 does not accept (another Node, other flags) is ignored and the script compiled as usual.
 */
function runBundle(url) {
  const file = fileURLToPath(url);
  const cacheFile = `${file}.cache`;
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const source = readFileSync(file, 'utf8');
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: file, cachedData });
  if (process.env.TCPEMU_WRITE_CODE_CACHE === '1') process.once('exit', () => writeFileSync(cacheFile, script.createCachedData()));
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, path.dirname(file));
}
