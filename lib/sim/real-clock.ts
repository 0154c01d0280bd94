import { performance } from 'node:perf_hooks';
import type { Clock } from '../sim/clock.ts';

/**
 * Wall-clock time for a Host that talks to real processes (the UDP link). `now` counts milliseconds
 * since the clock was created, so traces from a real run start at 0 like virtual ones do.
 * performance.now() is monotonic: a system clock step (NTP, suspend) never makes a timer fire
 * early or the trace go backwards, which Date.now() would.
 *
 * Timers are plain setTimeout handles behind small integer ids (the Clock contract), and close()
 * clears every one still pending, so a finished run leaves nothing that keeps Node's event loop alive.
 */
export class RealClock implements Clock {
  private readonly origin = performance.now();
  private readonly timers = new Map<number, NodeJS.Timeout>();
  private nextId = 1;
  private closed = false;

  get now(): number {
    return performance.now() - this.origin;
  }

  /** Milliseconds since the Unix epoch at clock time `t` (for pcap records, which want wall time). */
  epochMs(t = this.now): number {
    return performance.timeOrigin + this.origin + t;
  }

  at(timeMs: number, fn: () => void): number;
  at<T>(timeMs: number, fn: (arg: T) => void, arg: T): number;
  at(timeMs: number, fn: (arg?: unknown) => void, arg?: unknown): number {
    const id = this.nextId++;
    if (this.closed) return id; // a timer set after close would outlive the run: never fires
    const delay = Math.max(0, timeMs - this.now);
    const handle = setTimeout(() => {
      this.timers.delete(id);
      fn(arg);
    }, delay);
    this.timers.set(id, handle);
    return id;
  }

  cancel(id: number): void {
    const handle = this.timers.get(id);
    if (handle === undefined) return;
    clearTimeout(handle);
    this.timers.delete(id);
  }

  /** Timers not yet fired nor cancelled. */
  get pending(): number {
    return this.timers.size;
  }

  /** Clear every pending timer; later `at` calls are ignored. */
  close(): void {
    this.closed = true;
    for (const handle of this.timers.values()) clearTimeout(handle);
    this.timers.clear();
  }
}
