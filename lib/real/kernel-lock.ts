/** One kernel run at a time on this machine: the lock `tcpemu real` takes (see withKernelLock). */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KernelRunError } from './kernel.ts';

/**
 * Kernel runs take fixed loopback addresses and ports (127.0.0.2:80 for a server at 10.0.0.2:80), so two
 * at once, from two commands or two test files, would take each other's. One waits for the other: a lock
 * file holding the runner's pid, taken again if that process is gone, re-entrant within a process (a test
 * that checks what a run left behind holds it around the run and its checks). Waits at most `waitMs`.
 */
const LOCK_FILE = path.join(tmpdir(), 'tcpemu-real.lock');
let lockDepth = 0;

export async function withKernelLock<T>(fn: () => Promise<T>, waitMs = 180_000): Promise<T> {
  if (lockDepth === 0) await takeLock(waitMs);
  lockDepth++;
  try {
    return await fn();
  } finally {
    lockDepth--;
    if (lockDepth === 0) rmSync(LOCK_FILE, { force: true });
  }
}

async function takeLock(waitMs: number): Promise<void> {
  const until = Date.now() + waitMs;
  for (;;) {
    try {
      writeFileSync(LOCK_FILE, String(process.pid), { flag: 'wx' });
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = Number.parseInt(readFileSyncOr(LOCK_FILE), 10);
    if (!Number.isInteger(holder) || !alive(holder)) {
      rmSync(LOCK_FILE, { force: true }); // left by a run that died: nobody holds the addresses
      continue;
    }
    if (Date.now() > until) throw new KernelRunError({ key: 'realw.err.lock', params: { pid: holder, s: Math.round(waitMs / 1000) } });
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Whether a process of that pid exists (kill 0: EPERM means it does, but is not ours). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readFileSyncOr(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
