#!/usr/bin/env -S node --max-semi-space-size=1
// The young generation is held to 1 MiB a half (Node's default grows it to 16 MiB a half, 34 MB in all): a run
// allocates packets and segments fast and keeps few, and the flows job of `bench --case cli` peaked at 195 MB,
// 77 of them heap, 66 packets outside it that its rare collections had not freed yet (issue 29). V8 reads this
// flag only as the process starts, so it is here; `node bin/tcpemu.js` without it runs the same, in more
// memory. The bench starts the command with these flags (commandNodeFlags in lib/bench/cli.ts).
// Entry point. An installed package runs the compiled JavaScript in dist/. A checkout of the repository
// runs dist/ only when it was built from exactly the sources on disk (scripts/sources.mjs), and the
// TypeScript itself through tsx otherwise: an edit is never hidden by a stale build.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const runFlags = createRequire(import.meta.url)('./run-flags.cjs');
runFlags(process.argv[2]);

const checkout = existsSync(new URL('./tcpemu.ts', import.meta.url));
if (checkout && !(await import('../scripts/sources.mjs')).builtFromThese(new URL('..', import.meta.url).pathname)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./tcpemu.ts');
} else {
  // `run`, `sweep` and the demo start from one bundled file (scripts/build.mjs): a tenth of a second sooner.
  const cmd = process.argv[2];
  const bundle = new URL('../dist/bin/tcpemu-run.cjs', import.meta.url);
  if (runFlags.BUNDLED_COMMANDS.includes(cmd) && existsSync(bundle)) runBundle(bundle);
  else await import('../dist/bin/tcpemu.js');
}

/** The bundle with V8's code cache (bin/load-bundle.cjs); the build asks for the cache to be written. */
function runBundle(url) {
  const loadBundle = createRequire(import.meta.url)('./load-bundle.cjs');
  const write = process.env.TCPEMU_WRITE_CODE_CACHE === '1';
  loadBundle(fileURLToPath(url), write ? (writeCache) => process.once('exit', writeCache) : undefined);
}
