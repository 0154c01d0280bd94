'use strict';
// The V8 flags the command sets as it starts, before any of the program is compiled (bin/tcpemu.js and
// bin/tcpemu.cjs, the installed command, both call this first).
const { setFlagsFromString } = require('node:v8');

module.exports = function setRunFlags(cmd) {
  // V8 inlines a call only while the function it optimises has taken in less than this much bytecode of
  // callees (default 920 bytes). One segment's way through sender, link and receiver is deeper than that,
  // so past the budget calls stay calls: bulk-1460 measured 6-9% faster at 1500-3000 (README, Performance).
  // Set before any of the program is compiled; the flag changes what is inlined, never what runs.
  setFlagsFromString('--max-inlined-bytecode-size-cumulative=2000');
  // The old generation may grow by half before it is collected, not up to four times (V8's default for a small
  // heap): what dies there is mostly packets, whose memory outside the heap goes back only when it is collected.
  // The flows job (issue 29): 172 MB -> 134 MB with the young generation's flag above; the same wall time.
  // For the runs a user starts (run, sweep, the demo); the bench's own cases measure the library as it was.
  if (module.exports.BUNDLED_COMMANDS.includes(cmd)) setFlagsFromString('--heap-growing-percent=50');
};

/** The commands started from the bundle dist/bin/tcpemu-run.cjs (scripts/build.mjs leaves the others' code out of it). */
module.exports.BUNDLED_COMMANDS = [undefined, 'run', 'sweep'];
