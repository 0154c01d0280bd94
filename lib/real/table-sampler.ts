/**
 * The socket-table reader of `tcpemu real` and `tcpemu tun`: a worker thread (plain JavaScript: workers do
 * not go through tsx) reads /proc/net/tcp back to back and posts each read with its start and end time
 * (epoch ms).
 *
 * Two rules keep this thread's timers on time however large the table and however busy the machine:
 * - the worker keeps only the table's header and the rows with one of the run's addresses at either end
 *   (a machine with thousands of sockets would otherwise hand this thread megabytes to parse a second);
 * - it reads again only when this thread has taken all but one of its reads (a credit of two). Without it,
 *   a reader faster than its consumer filled this thread's message queue without bound, and a step due at
 *   100 ms ran 55 s late (seen in CI with 5,000 sockets in the table and the machine loaded).
 */
import { endianness } from 'node:os';
import { Worker } from 'node:worker_threads';

export interface TableRead {
  /** Epoch ms when the read started and ended. */
  t0: number;
  t1: number;
  /** The table's header line and the rows that concern the run. */
  text: string;
}

const SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
const keep = new Set(workerData.hex);
const now = () => performance.timeOrigin + performance.now();
let credit = 2;
let parked = false;
function concerns(line) {
  const f = line.trim().split(/\\s+/, 3);
  if (f.length < 3) return false;
  return keep.has(f[1].slice(0, f[1].indexOf(':'))) || keep.has(f[2].slice(0, f[2].indexOf(':')));
}
function loop() {
  if (credit === 0) { parked = true; return; }
  credit--;
  const t0 = now();
  let text = '';
  try { text = readFileSync('/proc/net/tcp', 'latin1'); } catch {}
  const lines = text.split('\\n');
  const kept = [lines[0]];
  for (let i = 1; i < lines.length; i++) if (concerns(lines[i])) kept.push(lines[i]);
  parentPort.postMessage({ t0, t1: now(), text: kept.join('\\n') });
  setTimeout(loop, workerData.pauseMs);
}
parentPort.on('message', () => {
  credit++;
  if (parked) { parked = false; loop(); }
});
loop();
`;

/** An IPv4 address as /proc/net/tcp writes it (host byte order, upper-case hex). */
export function tableHex(addr: string): string {
  const b = addr.split('.').map(Number);
  if (endianness() === 'LE') b.reverse();
  return b.map((x) => x.toString(16).padStart(2, '0')).join('').toUpperCase();
}

/**
 * Starts the reader for the rows of `addrs`, `pauseMs` between reads; `onRead` gets each read in order,
 * and the reader goes on once it has returned.
 */
export function startTableSampler(addrs: Iterable<string>, pauseMs: number, onRead: (r: TableRead) => void): Worker {
  const w = new Worker(SOURCE, { eval: true, workerData: { pauseMs, hex: [...addrs].map(tableHex) } });
  w.on('message', (m: TableRead) => {
    try {
      onRead(m);
    } finally {
      w.postMessage(0);
    }
  });
  return w;
}
