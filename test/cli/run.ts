/** Running the command line as a user does, for the end-to-end tests: a child process, its output and its exit status. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = path.join(ROOT, 'bin/tcpemu.js');

/** `tcpemu ARGS...` without colour, at most 60 s. */
export function tcpemu(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1', LC_ALL: 'C.UTF-8', ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A fresh temporary folder, removed when the test ends. */
export function tmp(t: { teardown: (f: () => void) => void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tcpemu-test-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
