/**
 * The clock a host, a link or a run goes by: virtual (lib/sim/scheduler.ts, the simulator's scheduler) or
 * real (lib/sim/real-clock.ts). lib/tcp never sees one: a connection is told the time with each input.
 */
export interface Clock {
  readonly now: number;
  at(timeMs: number, fn: () => void): number;
  /** `fn(arg)` at `timeMs`: one shared function serves every connection's timer, no closure each. */
  at<T>(timeMs: number, fn: (arg: T) => void, arg: T): number;
  cancel(id: number): void;
}
