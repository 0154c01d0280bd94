/**
 * A discrete-event scheduler on virtual time (milliseconds). A binary heap ordered by (time, insertion
 * order), so that events at the same instant run in the order they were scheduled: deterministic.
 * Cancelled events are skipped lazily when they reach the top.
 */
export class Scheduler {
  private _now = 0;
  // Parallel arrays: the heap holds slot indices; slots hold time, order, callback.
  private heap: number[] = [];
  private times: number[] = [];
  private orders: number[] = [];
  private fns: ((() => void) | undefined)[] = [];
  private freeSlots: number[] = [];
  /** Slot of each live id (ids are never reused, slots are). */
  private slotOfId = new Map<number, number>();
  private idOfSlot: number[] = [];
  private counter = 0;
  private live = 0;

  get now(): number {
    return this._now;
  }

  /** Events scheduled and not yet run or cancelled. */
  get pending(): number {
    return this.live;
  }

  /** Run `fn` at `timeMs` (a time in the past runs at now). Returns an id for `cancel`. */
  at(timeMs: number, fn: () => void): number {
    const t = timeMs < this._now ? this._now : timeMs;
    const slot = this.freeSlots.length > 0 ? this.freeSlots.pop()! : this.times.length;
    const id = ++this.counter;
    this.times[slot] = t;
    this.orders[slot] = id;
    this.fns[slot] = fn;
    this.idOfSlot[slot] = id;
    this.slotOfId.set(id, slot);
    this.heap.push(slot);
    this.siftUp(this.heap.length - 1);
    this.live++;
    return id;
  }

  after(delayMs: number, fn: () => void): number {
    return this.at(this._now + delayMs, fn);
  }

  cancel(id: number): void {
    const slot = this.slotOfId.get(id);
    if (slot === undefined) return;
    this.slotOfId.delete(id);
    this.fns[slot] = undefined;
    this.live--;
  }

  /** Time of the next live event. */
  nextTime(): number | undefined {
    this.dropCancelled();
    return this.heap.length > 0 ? this.times[this.heap[0]] : undefined;
  }

  /** Run the next event; false when none is left. */
  step(): boolean {
    this.dropCancelled();
    if (this.heap.length === 0) return false;
    const slot = this.pop();
    const fn = this.fns[slot]!;
    this._now = this.times[slot];
    this.release(slot);
    fn();
    return true;
  }

  /** Run every event due at or before `limitMs`; the clock then stands at `limitMs` if events remain beyond it. */
  runUntil(limitMs: number): void {
    for (;;) {
      const t = this.nextTime();
      if (t === undefined) return;
      if (t > limitMs) {
        this._now = Math.max(this._now, limitMs);
        return;
      }
      this.step();
    }
  }

  /** Run until nothing is left (or `maxEvents` have run). Returns the number run. */
  run(maxEvents = Infinity): number {
    let n = 0;
    while (n < maxEvents && this.step()) n++;
    return n;
  }

  private dropCancelled(): void {
    while (this.heap.length > 0 && this.fns[this.heap[0]] === undefined) this.release(this.pop());
  }

  private release(slot: number): void {
    const id = this.idOfSlot[slot];
    if (this.fns[slot] !== undefined) {
      this.slotOfId.delete(id);
      this.live--;
    }
    this.fns[slot] = undefined;
    this.freeSlots.push(slot);
  }

  private less(x: number, y: number): boolean {
    const tx = this.times[x];
    const ty = this.times[y];
    return tx < ty || (tx === ty && this.orders[x] < this.orders[y]);
  }

  private pop(): number {
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
