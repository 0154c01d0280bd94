/**
 * npm 11 runs no dependency's install script unless package.json's allowScripts approves it, and ends
 * `npm ci` with a warning for each one skipped (npm help install-scripts). esbuild's postinstall (tsx's
 * compiler) checks its platform binary and puts it in place of the JavaScript launcher, so it is
 * approved; this test makes every other package with an install script a decision too, before `npm ci`
 * starts warning again. npm 10 ignores the field and runs the scripts, as it always did.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './run.ts';

test('every locked package with an install script is approved or denied in package.json allowScripts', (t) => {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { allowScripts?: Record<string, boolean> };
  const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string; hasInstallScript?: boolean }> };
  const withScripts = Object.entries(lock.packages)
    .filter(([where, p]) => where && p.hasInstallScript)
    .map(([where, p]) => ({ name: where.slice(where.lastIndexOf('node_modules/') + 'node_modules/'.length), version: p.version }));
  t.true(withScripts.some((p) => p.name === 'esbuild'), 'esbuild is locked, with its postinstall');
  const allow = pkg.allowScripts ?? {};
  for (const p of withScripts) {
    t.true(p.name in allow || `${p.name}@${p.version}` in allow, `${p.name}@${p.version} has an install script and no allowScripts entry`);
  }
  t.is(allow.esbuild, true);
});
