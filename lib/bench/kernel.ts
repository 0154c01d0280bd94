import net from 'node:net';
import { performance } from 'node:perf_hooks';

/**
 * The kernel side of the benchmark: the same work through Node's `net` over the kernel's loopback, both
 * ends in this process, as both ends of the emulator are. So each side pays for one JavaScript thread
 * driving two sockets; the kernel's TCP runs in system calls (and softirq) on the same two cores.
 */

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
  });
}

function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

export interface KernelBulkResult {
  bytes: number;
  wallMs: number;
  cpuMs: number;
}

/**
 * `bytes` one way over loopback, server to client, written in 1 MiB chunks with backpressure; the client
 * reads with `onread` into one 64 KiB buffer of its own, as the emulator's side does.
 */
export async function kernelBulk(bytes: number): Promise<KernelBulkResult> {
  const chunk = Buffer.alloc(Math.min(1 << 20, bytes), 0x61);
  let received = 0;
  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));
  let t1 = 0;
  let written = 0;
  const server = net.createServer((s) => {
    s.setNoDelay(true);
    s.on('error', () => {});
    const pump = () => {
      while (written < bytes) {
        const n = Math.min(chunk.length, bytes - written);
        written += n;
        if (!s.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return;
      }
    };
    s.on('drain', pump);
    pump();
  });
  const port = await listen(server);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const sock = net.connect({
    port,
    host: '127.0.0.1',
    onread: {
      buffer: Buffer.allocUnsafe(64 * 1024),
      callback: (n: number) => {
        received += n;
        if (received >= bytes && t1 === 0) {
          t1 = performance.now();
          finish();
        }
        return true;
      },
    },
  });
  sock.on('error', () => {});
  await done;
  const cpu = process.cpuUsage(cpu0);
  sock.destroy();
  await closeServer(server);
  return { bytes: received, wallMs: t1 - t0, cpuMs: (cpu.user + cpu.system) / 1000 };
}

export interface KernelLifecycleResult {
  connections: number;
  wallMs: number;
  cpuMs: number;
  /** Connections that failed (EADDRNOTAVAIL when TIME-WAIT holds every ephemeral port, ...). */
  errors: number;
}

/**
 * Complete connections for `budgetMs` of wall time: connect, `size` bytes each way (the server echoes),
 * the client closes, the server closes on end. `parallel` run at once. The kernel's TIME-WAIT (60 s)
 * is not waited for: it costs the kernel a timer, not this loop.
 */
export async function kernelLifecycle(budgetMs: number, size: number, parallel = 16, maxConnections = Infinity): Promise<KernelLifecycleResult> {
  const payload = Buffer.alloc(size, 0x62);
  // Handlers shared by every connection (the socket is `this`, and counts what it read), as in the emulator's.
  function onServerData(this: net.Socket): void { if (this.bytesRead === size) this.write(payload); }
  function onServerEnd(this: net.Socket): void { this.end(); }
  function ignore(): void {}
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    s.on('data', onServerData);
    s.on('end', onServerEnd);
    s.on('error', ignore);
  });
  server.maxConnections = 1 << 30;
  const port = await listen(server);
  let completed = 0;
  let errors = 0;
  let started = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const deadline = t0 + budgetMs;
  function onClientConnect(this: net.Socket): void { this.write(payload); }
  function onClientData(this: net.Socket): void { if (this.bytesRead === size) this.end(); }
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      started++;
      const c = net.connect({ port, host: '127.0.0.1', noDelay: true });
      let failed = false;
      c.on('connect', onClientConnect);
      c.on('data', onClientData);
      c.on('error', () => { failed = true; });
      c.on('close', () => {
        if (failed || c.bytesRead !== size) errors++;
        else completed++;
        resolve();
      });
    });
  const worker = async () => {
    while (performance.now() < deadline && started < maxConnections && errors < 100) await one();
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await closeServer(server);
  return { connections: completed, wallMs, cpuMs: (cpu.user + cpu.system) / 1000, errors };
}
