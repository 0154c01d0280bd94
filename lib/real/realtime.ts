/**
 * The simulator's Scheduler driven on real time, for code written against virtual time (the in-memory
 * link) that must run beside real TCPs (lib/real/netns-link.ts).
 *
 * The scheduler's clock moves only when events run, so this keeps it in step with the wall clock: before
 * anything from outside uses the scheduler (a packet handed to the link, a link step), `advance()` runs
 * every event due by now and sets the scheduler's `now` to the real time since `start`; a timer wakes it
 * for the next event due. A sentinel event far in the future makes `runUntil` always move the clock to
 * its limit (with nothing pending it would leave the clock at the last event's time).
 */
import { Scheduler } from '../sim/scheduler.ts';

const FAR_FUTURE_MS = 1e12;

export class RealTimeScheduler {
  readonly scheduler = new Scheduler();
  private readonly t0 = performance.now();
  private timer: NodeJS.Timeout | undefined;
  private armedFor = Infinity;
  private stopped = false;

  constructor() {
    this.scheduler.at(FAR_FUTURE_MS, () => {});
  }

  /** Real milliseconds since this was made. */
  realNow(): number {
    return performance.now() - this.t0;
  }

  /** Holds in force: the clock stops at the earliest one's start until it is released. */
  private readonly holds = new Set<{ at: number }>();

  /**
   * Stops the clock here until the returned function is called: nothing due after now runs meanwhile.
   * For a step that must be in place before the packets that follow it arrive (a listen, a connect):
   * on a busy machine the step can take longer than the link's delay.
   */
  hold(): () => void {
    const h = { at: this.realNow() };
    if (this.holds.size === 0) this.heldSince = h.at;
    this.holds.add(h);
    return () => {
      if (!this.holds.delete(h)) return;
      if (this.holds.size === 0) this.heldTotal += this.realNow() - this.heldSince;
      this.advance();
    };
  }

  private heldSince = 0;
  private heldTotal = 0;

  /** Real milliseconds during which at least one hold was in force, so far: how far the steps' clock is behind. */
  heldMs(): number {
    return this.heldTotal + (this.holds.size > 0 ? this.realNow() - this.heldSince : 0);
  }

  /** Runs what is due by now, moves the clock to now, and sets the timer for the next event. */
  advance(): void {
    if (this.stopped) return;
    let limit = this.realNow();
    for (const h of this.holds) limit = Math.min(limit, h.at);
    this.scheduler.runUntil(limit);
    if (this.holds.size > 0) return; // released by the hold's end
    const next = this.scheduler.nextTime();
    if (next === undefined || next >= FAR_FUTURE_MS) return;
    // (clearTimeout of a fired timer is harmless; armedFor tells whether the one set is early enough.)
    if (this.timer && next >= this.armedFor) return;
    clearTimeout(this.timer);
    this.armedFor = next;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.armedFor = Infinity;
      this.advance();
    }, Math.max(0, next - this.realNow()));
  }

  /** No more events run; the timer is cleared. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
