import { readFileSync, readSync, writevSync } from 'node:fs';

/**
 * The state file a fuzz child keeps for its supervisor: the input the decoder has in hand. Before each
 * input reaches the decoder it is written at offset 0 in one system call: bytes 0-3 its number, 4-7 its
 * length in bytes, 8 its kind (0 bytes, 1 text as UTF-16LE, which keeps lone surrogates as they were),
 * then the input itself. A longer earlier input may leave bytes behind it; the length says where to stop.
 */
const HEAD_BYTES = 9;
const head = Buffer.alloc(HEAD_BYTES);

export function writeState(fd: number, input: Buffer | string, index: number): void {
  const body = typeof input === 'string' ? Buffer.from(input, 'utf16le') : input;
  head.writeUInt32LE(index >>> 0, 0);
  head.writeUInt32LE(body.length, 4);
  head[8] = typeof input === 'string' ? 1 : 0;
  writevSync(fd, [head, body], 0);
}

/** The number of the input in hand (read while the child runs: how far it has got), or -1 before the first. */
export function stateIndex(fd: number): number {
  const b = Buffer.alloc(4);
  return readSync(fd, b, 0, 4, 0) === 4 ? b.readUInt32LE(0) : -1;
}

/** The input in hand when the child stopped, with its number; undefined if it never got one. */
export function readState(file: string): { index: number; input: Buffer | string } | undefined {
  const b = readFileSync(file);
  if (b.length < HEAD_BYTES) return undefined;
  const length = b.readUInt32LE(4);
  const body = b.subarray(HEAD_BYTES, HEAD_BYTES + length);
  return { index: b.readUInt32LE(0), input: b[8] === 1 ? body.toString('utf16le') : Buffer.from(body) };
}
