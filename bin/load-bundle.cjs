'use strict';
// Loads one of the build's script bundles (dist/bin/tcpemu-run.cjs, dist/bin/sweep-worker.cjs) with V8's
// code cache beside it (FILE.cache, made by the build): compiling the bundle was most of what start-up
// spent that was not Node's own. A cache V8 does not accept (another Node, other flags) is ignored and the
// script compiled as usual. Used by bin/tcpemu.js and by each sweep worker (lib/sweep/index.ts).
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const { createRequire } = require('node:module');

/** The start of a CommonJS module's wrapper; a bundle of the build (scripts/build.mjs) begins with it and ends with `\n})`. */
const WRAP = '(function (exports, require, module, __filename, __dirname) {';

/**
 * Compile and run `file` as a CommonJS module. Returns a function that writes the code cache of what has
 * run so far; `beforeRun`, when given, is handed the same function before the script starts (to register
 * it for the process's exit before anything can end it).
 */
module.exports = function loadBundle(file, beforeRun) {
  const cacheFile = cacheFileOf(file);
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const source = fs.readFileSync(file, 'utf8');
  // The build writes its bundles already wrapped (WRAP ... \n}): no second copy of a megabyte of source to make
  // as the command starts (issue 29). Any other script is wrapped here, as before.
  const script = new vm.Script(source.startsWith(WRAP) ? source : `${WRAP}${source}\n})`, { filename: file, cachedData });
  const writeCache = () => fs.writeFileSync(cacheFile, script.createCachedData());
  if (beforeRun) beforeRun(writeCache);
  const m = { exports: {} };
  script.runInThisContext()(m.exports, createRequire(file), m, file, path.dirname(file));
  return writeCache;
};

/**
 * V8 takes a code cache only under the flags it was made with: Node started with flags (the installed
 * command's first line, --max-semi-space-size) reads FILE.FLAGS.cache, `node FILE` alone FILE.cache. The
 * build writes both (scripts/build.mjs).
 */
function cacheFileOf(file) {
  const flags = process.execArgv.join(' ').replace(/[^A-Za-z0-9=]+/g, '-').replace(/^-+|-+$/g, '');
  return flags === '' ? `${file}.cache` : `${file}.${flags}.cache`;
}
module.exports.cacheFileOf = cacheFileOf;
module.exports.WRAP = WRAP;
