#!/usr/bin/env node
// Entry point: TypeScript runs through tsx, so there is no build step.
import { setFlagsFromString } from 'node:v8';

// V8 inlines a call only while the function it optimises has taken in less than this much bytecode of
// callees (default 920 bytes). One segment's way through sender, link and receiver is deeper than that,
// so past the budget calls stay calls: bulk-1460 measured 6-9% faster at 1500-3000 (README, Performance).
// Set before any of the program is compiled; the flag changes what is inlined, never what runs.
setFlagsFromString('--max-inlined-bytecode-size-cumulative=2000');

const { register } = await import('tsx/esm/api');
register();
await import('./tcpemu.ts');
