#!/usr/bin/env node
// Entry point. An installed package runs the compiled JavaScript in dist/. A checkout of the repository
// runs dist/ only when it was built from exactly the sources on disk (scripts/sources.mjs), and the
// TypeScript itself through tsx otherwise: an edit is never hidden by a stale build.
import { existsSync } from 'node:fs';
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
  // `run` and the demo start from one bundled file (scripts/build.mjs): a tenth of a second sooner.
  const cmd = process.argv[2];
  const bundled = (cmd === undefined || cmd === 'run') && existsSync(new URL('../dist/bin/tcpemu-run.mjs', import.meta.url));
  await import(bundled ? '../dist/bin/tcpemu-run.mjs' : '../dist/bin/tcpemu.js');
}
