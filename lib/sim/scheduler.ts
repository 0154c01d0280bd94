/**
 * The discrete-event scheduler on virtual time (milliseconds, fractions allowed).
 *
 * A binary min-heap ordered by (time, insertion order): events due at the same instant run in the
 * order they were scheduled, so a run depends only on what was scheduled, never on heap layout.
 *
 * Built for millions of events: entries live in parallel arrays indexed by a reusable slot, the heap
 * holds slot numbers, and an event id encodes its slot and that slot's generation, so neither `at`
 * nor `cancel` allocates (no entry objects, no id map). Callers that want no closure per event pass
 * a shared function and an argument: `at(t, deliver, packetRecord)`.
 * Cancelling is lazy: the slot is marked dead and skipped when it reaches the top of the heap.
 */

/** Slots per scheduler: at most this many events may be pending at once (4,194,304). */
const SLOT_BITS = 22;
const SLOT_SPACE = 1 << SLOT_BITS;
/** Generations wrap here, keeping ids below 2^53: a stale id matches only after 2^31 reuses of its slot. */
const GEN_SPACE = 2 ** 31;

type Callback = (arg: any) => void;

export class Scheduler {
  private nowMs = 0;
  /** Heap of slot numbers. */
  private readonly heap: number[] = [];
  /** Per slot: due time, insertion order, callback (undefined once run or cancelled), argument, generation. */
  private readonly times: number[] = [];
  private readonly orders: number[] = [];
  private readonly fns: (Callback | undefined)[] = [];
  private readonly args: unknown[] = [];
  private readonly gens: number[] = [];
  private readonly freeSlots: number[] = [];
  private insertions = 0;
  private live = 0;
  /** Cancelled events still in the heap. */
  private dead = 0;

  /** The current virtual time in ms: the due time of the event running, or of the last one run. */
  get now(): number {
    return this.nowMs;
  }

  /** Events scheduled and neither run nor cancelled. */
  get pending(): number {
    return this.live;
  }

  /**
   * Run `fn` at `timeMs` (a time before now runs at now, after what is already due then).
   * With `arg`, `fn(arg)` is called: one shared function can serve every event, no closure each.
   * Returns an id for `cancel`.
   */
  at(timeMs: number, fn: () => void): number;
  at<T>(timeMs: number, fn: (arg: T) => void, arg: T): number;
  at(timeMs: number, fn: Callback, arg?: unknown): number {
    // NaN would silently break the heap order; an infinite time would never come. Both are bugs.
    if (!Number.isFinite(timeMs)) throw new RangeError(`Scheduler.at: time must be a finite number of ms, got ${timeMs}`);
    let slot: number;
    if (this.freeSlots.length > 0) {
      slot = this.freeSlots.pop()!;
    } else {
      slot = this.times.length;
      if (slot >= SLOT_SPACE) throw new RangeError(`Scheduler: more than ${SLOT_SPACE} events pending at once`);
      this.gens.push(0);
    }
    this.times[slot] = timeMs < this.nowMs ? this.nowMs : timeMs;
    this.orders[slot] = this.insertions++;
    this.fns[slot] = fn;
    this.args[slot] = arg;
    this.heap.push(slot);
    this.siftUp(this.heap.length - 1);
    this.live++;
    return this.gens[slot] * SLOT_SPACE + slot;
  }

  /** Run `fn` `delayMs` from now. */
  after(delayMs: number, fn: () => void): number;
  after<T>(delayMs: number, fn: (arg: T) => void, arg: T): number;
  after(delayMs: number, fn: Callback, arg?: unknown): number {
    return this.at(this.nowMs + delayMs, fn, arg);
  }

  /** Forget an event. An id already run, already cancelled or never issued is ignored. */
  cancel(id: number): void {
    const slot = id % SLOT_SPACE;
    if (slot >= this.gens.length || this.fns[slot] === undefined) return;
    if (this.gens[slot] !== Math.floor(id / SLOT_SPACE)) return;
    this.fns[slot] = undefined;
    this.args[slot] = undefined;
    this.live--;
    this.dead++;
    // A timer re-armed on every ACK leaves a dead entry each time; sweep once they outnumber the living
    // (and are more than a few: a heap of a few hundred live events no longer carries a thousand dead ones).
    if (this.dead > 64 && this.dead > this.live) this.compact();
  }

  /** Due time of the next live event, or undefined when none is left. */
  nextTime(): number | undefined {
    this.dropCancelled();
    return this.heap.length > 0 ? this.times[this.heap[0]] : undefined;
  }

  /** Run the next event; false when none is left. */
  step(): boolean {
    this.dropCancelled();
    if (this.heap.length === 0) return false;
    const slot = this.popTop();
    const fn = this.fns[slot]!;
    const arg = this.args[slot];
    this.nowMs = this.times[slot];
    this.live--;
    this.free(slot);
    // The slot is already free: the callback may schedule or cancel anything, itself included.
    fn(arg);
    return true;
  }

  /**
   * Run every event due at or before `limitMs`, including those scheduled meanwhile. If events remain
   * beyond the limit the clock then stands at `limitMs`; if none remain it stays at the last event's time.
   */
  runUntil(limitMs: number): void {
    for (;;) {
      const t = this.nextTime();
      if (t === undefined) return;
      if (t > limitMs) {
        if (limitMs > this.nowMs) this.nowMs = limitMs;
        return;
      }
      this.step();
    }
  }

  /** Run until nothing is left, or `maxEvents` have run. Returns the number run. */
  run(maxEvents = Infinity): number {
    let n = 0;
    while (n < maxEvents && this.step()) n++;
    return n;
  }

  private dropCancelled(): void {
    const h = this.heap;
    while (h.length > 0 && this.fns[h[0]] === undefined) {
      this.free(this.popTop());
      this.dead--;
    }
  }

  /** Remove every cancelled entry and rebuild the heap (Floyd's bottom-up heapify, O(n)). */
  private compact(): void {
    const h = this.heap;
    let kept = 0;
    for (let i = 0; i < h.length; i++) {
      const slot = h[i];
      if (this.fns[slot] === undefined) this.free(slot);
      else h[kept++] = slot;
    }
    h.length = kept;
    for (let i = (kept >> 1) - 1; i >= 0; i--) this.siftDown(i);
    this.dead = 0;
  }

  private free(slot: number): void {
    this.fns[slot] = undefined;
    this.args[slot] = undefined;
    // A new generation: ids issued for this slot before now no longer match it.
    this.gens[slot] = (this.gens[slot] + 1) & (GEN_SPACE - 1);
    this.freeSlots.push(slot);
  }

  private less(x: number, y: number): boolean {
    const tx = this.times[x];
    const ty = this.times[y];
    return tx < ty || (tx === ty && this.orders[x] < this.orders[y]);
  }

  private popTop(): number {
    const h = this.heap;
    const top = h[0];
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      this.siftDown(0);
    }
    return top;
  }

  private siftUp(i: number): void {
    const h = this.heap;
    const x = h[i];
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(x, h[p])) break;
      h[i] = h[p];
      i = p;
    }
    h[i] = x;
  }

  private siftDown(i: number): void {
    const h = this.heap;
    const n = h.length;
    const x = h[i];
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && this.less(h[c + 1], h[c])) c++;
      if (!this.less(h[c], x)) break;
      h[i] = h[c];
      i = c;
    }
    h[i] = x;
  }
}
