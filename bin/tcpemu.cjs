#!/usr/bin/env -S node --max-semi-space-size=1
'use strict';
// The installed command (package.json "bin"), a CommonJS script: Node starts it without its ES module loader,
// which bin/tcpemu.js (a module) loads with some 25 modules of Node's own before the first line of ours
// (issue 29: start-up). `run`, `sweep` and the demo of an installed package go straight to the bundle
// (dist/bin/tcpemu-run.cjs with its code cache); everything else, and any checkout of the repository, goes
// through bin/tcpemu.js, which decides between dist/ and the sources. Its first line is bin/tcpemu.js's: the
// same Node flags (see there), so the same code cache.
const { existsSync } = require('node:fs');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const runFlags = require('./run-flags.cjs');

const cmd = process.argv[2];
const bundle = path.join(__dirname, '../dist/bin/tcpemu-run.cjs');
const checkout = existsSync(path.join(__dirname, 'tcpemu.ts'));
if (!checkout && runFlags.BUNDLED_COMMANDS.includes(cmd) && existsSync(bundle)) {
  runFlags(cmd);
  const write = process.env.TCPEMU_WRITE_CODE_CACHE === '1';
  require('./load-bundle.cjs')(bundle, write ? (writeCache) => process.once('exit', writeCache) : undefined);
} else {
  import(pathToFileURL(path.join(__dirname, 'tcpemu.js')).href);
}
