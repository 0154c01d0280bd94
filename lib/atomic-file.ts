import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';

/**
 * A file that appears whole or not at all: written under a temporary name in the target's own folder
 * (a rename is atomic only within one file system), then renamed onto the target by commit(), or
 * removed by abort(). The trace (lib/trace/jsonl.ts) and capture (lib/wire/pcap.ts) writers go
 * through it, so that a run that fails half-way leaves nothing (docs/trace-format.md).
 */
export class AtomicFile {
  readonly target: string;
  readonly temp: string;
  private fd: number | undefined;
  private static seq = 0;

  /** Opens the temporary file now: a folder that does not exist is said before anything is written. */
  constructor(target: string) {
    this.target = path.resolve(target);
    this.temp = path.join(path.dirname(this.target), `.${path.basename(this.target)}.${process.pid}.${AtomicFile.seq++}.tmp`);
    this.fd = openSync(this.temp, 'w');
  }

  /** Appends to the temporary file. */
  write(data: string | Buffer): void {
    if (this.fd === undefined) throw new Error(`AtomicFile ${this.target}: write after commit() or abort()`);
    put(this.fd, data);
  }

  /**
   * Writes `last` (if any), syncs, and renames the file onto the target. On any failure the temporary
   * file is removed and the error thrown. Does nothing after commit() or abort().
   */
  commit(last?: string | Buffer): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    let open = true;
    try {
      if (last !== undefined && last.length > 0) put(fd, last);
      fsyncSync(fd);
      open = false;
      closeSync(fd);
      renameSync(this.temp, this.target);
    } catch (err) {
      // Never close twice: the number may already belong to another file.
      if (open) closeSync(fd);
      rmSync(this.temp, { force: true });
      throw err;
    }
  }

  /** Gives up: the temporary file is removed and the target left as it was. Safe after commit(). */
  abort(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
    rmSync(this.temp, { force: true });
  }
}

function put(fd: number, data: string | Buffer): void {
  if (typeof data === 'string') writeSync(fd, data);
  else writeSync(fd, data);
}
