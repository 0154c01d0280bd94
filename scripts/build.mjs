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
writeFileSync(path.join(root, STAMP), stamp);
