/**
 * The discrete-event scheduler on virtual time (milliseconds, fractions allowed).
 *
 * Events run in (time, insertion order): events due at the same instant run in the order they were
 * scheduled, so a run depends only on what was scheduled, never on how the queue stores it.
 *
 * Built for millions of events: entries live in parallel arrays indexed by a reusable slot, and an
 * event id encodes its slot and that slot's generation, so neither `at` nor `cancel` allocates (no
 * entry objects, no id map). Callers that want no closure per event pass a shared function and an
 * argument: `at(t, deliver, packetRecord)`.
 *
 * The queue is a few FIFO lanes beside a binary min-heap. A simulation schedules mostly in runs of
 * equal delays (every packet on a link arrives `delay` after it leaves, every TIME-WAIT lasts 2 MSL),
 * so each run's times never decrease: such an event joins the end of a lane whose last time is not
 * later than its own (the latest such lane), at no cost; only an event that fits no lane goes into the
 * heap. The next event is the earliest of the lane heads and the heap's top, compared by (time,
 * insertion order), so the order is exactly a single sorted queue's.
 * Cancelling is lazy: the slot is marked dead and skipped when it reaches the front.
 */

/** Slots per scheduler: at most this many events may be pending at once (4,194,304). */
const SLOT_BITS = 22;
const SLOT_SPACE = 1 << SLOT_BITS;
/** FIFO lanes beside the heap (see the class comment). */
const MAX_LANES = 8;
/** A lane's first ring (a power of two). */
const LANE_START = 16;
/** front(): the next event is the heap's top, or there is none. */
const HEAP = -1;
const NONE = -2;
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
  /**
   * The lanes, each a ring of slots in order (its length a power of two): where each lane's first is,
   * how many it holds, and the time of its last (-Infinity: empty). A ring never moves what it holds
   * as events leave it, and grows by doubling.
   */
  private readonly lanes: number[][] = [];
  private readonly laneHeads: number[] = [];
  private readonly laneSizes: number[] = [];
  private readonly laneLast: number[] = [];
  private insertions = 0;
  private live = 0;
  /** Cancelled events still in the heap. */
  private dead = 0;

  /** The current virtual time in ms: the due time of the event running, or of the last one run. */
  get now(): number {
    return this.nowMs;
  }

  /** Events scheduled so far (at, after and post), run or not: a count that moves with every one. */
  get scheduled(): number {
    return this.insertions;
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
    const slot = this.insert(timeMs, fn, arg);
    return this.gens[slot] * SLOT_SPACE + slot;
  }

  /**
   * `at` for an event that is never cancelled (a packet's arrival): no id is made. Ids pass 2^31, so
   * each is a heap number, and a run of millions of packets would allocate one each for nothing.
   */
  post(timeMs: number, fn: () => void): void;
  post<T>(timeMs: number, fn: (arg: T) => void, arg: T): void;
  post(timeMs: number, fn: Callback, arg?: unknown): void {
    this.insert(timeMs, fn, arg);
  }

  /** Queue an event; returns its slot. */
  private insert(timeMs: number, fn: Callback, arg: unknown): number {
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
    const time = timeMs < this.nowMs ? this.nowMs : timeMs;
    this.times[slot] = time;
    this.orders[slot] = this.insertions++;
    this.fns[slot] = fn;
    this.args[slot] = arg;
    this.live++;
    // The lane whose last event is latest but not after this one; an empty lane (-Infinity) if none.
    const last = this.laneLast;
    let lane = -1;
    for (let k = 0; k < last.length; k++) if (last[k] <= time && (lane < 0 || last[k] > last[lane])) lane = k;
    if (lane < 0 && last.length < MAX_LANES) {
      lane = last.length;
      this.lanes.push(new Array<number>(LANE_START).fill(0));
      this.laneHeads.push(0);
      this.laneSizes.push(0);
      last.push(-Infinity);
    }
    if (lane >= 0) {
      this.append(lane, slot);
      last[lane] = time;
    } else {
      this.heap.push(slot);
      this.siftUp(this.heap.length - 1);
    }
    return slot;
  }

  /** Run `fn` `delayMs` from now. */
  after(delayMs: number, fn: () => void): number;
  after<T>(delayMs: number, fn: (arg: T) => void, arg: T): number;
  after(delayMs: number, fn: Callback, arg?: unknown): number {
    return this.at(this.nowMs + delayMs, fn, arg);
  }

  /** Forget an event. An id already run, already cancelled or never issued is ignored. */
  cancel(id: number): void {
    // Ids pass 2^32, so no bit operations; dividing by a power of two is exact (and % on doubles is slow).
    const gen = Math.floor(id / SLOT_SPACE);
    const slot = id - gen * SLOT_SPACE;
    if (!(slot >= 0 && slot < this.gens.length) || this.fns[slot] === undefined) return;
    if (this.gens[slot] !== gen) return;
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
    const from = this.front();
    return from === NONE ? undefined : this.frontTime(from);
  }

  private frontTime(from: number): number {
    return this.times[from === HEAP ? this.heap[0] : this.lanes[from][this.laneHeads[from]]];
  }

  /**
   * Where the next live event is: a lane's number, HEAP, or NONE. Drops the cancelled events it passes
   * at the lanes' heads and the heap's top; a lane left empty is reset for any time.
   */
  private front(): number {
    this.dropCancelled();
    const fns = this.fns;
    const times = this.times;
    const orders = this.orders;
    let from = NONE;
    let bestTime = 0;
    let bestOrder = 0;
    if (this.heap.length > 0) {
      from = HEAP;
      bestTime = times[this.heap[0]];
      bestOrder = orders[this.heap[0]];
    }
    for (let k = 0; k < this.lanes.length; k++) {
      let n = this.laneSizes[k];
      if (n === 0) continue;
      const q = this.lanes[k];
      const mask = q.length - 1;
      let h = this.laneHeads[k];
      while (n > 0 && fns[q[h]] === undefined) {
        this.free(q[h]);
        h = (h + 1) & mask;
        n--;
        this.dead--;
      }
      this.laneHeads[k] = h;
      this.laneSizes[k] = n;
      if (n === 0) {
        this.laneLast[k] = -Infinity;
        continue;
      }
      const slot = q[h];
      const t = times[slot];
      if (from === NONE || t < bestTime || (t === bestTime && orders[slot] < bestOrder)) {
        from = k;
        bestTime = t;
        bestOrder = orders[slot];
      }
    }
    return from;
  }

  /** Take the front event (`from`, as front() found it) off its lane or the heap; returns its slot. */
  private take(from: number): number {
    if (from === HEAP) return this.popTop();
    const q = this.lanes[from];
    const h = this.laneHeads[from];
    const slot = q[h];
    this.laneHeads[from] = (h + 1) & (q.length - 1);
    // A lane left empty takes any time again.
    if (--this.laneSizes[from] === 0) this.laneLast[from] = -Infinity;
    return slot;
  }

  /** Put `slot` at the end of lane k's ring, doubling the ring when it is full. */
  private append(k: number, slot: number): void {
    let q = this.lanes[k];
    const n = this.laneSizes[k];
    const h = this.laneHeads[k];
    if (n === q.length) {
      // Full: unroll into a ring twice the size, first at 0.
      const grown = new Array<number>(2 * n).fill(0);
      for (let i = 0; i < n; i++) grown[i] = q[(h + i) & (n - 1)];
      this.lanes[k] = q = grown;
      this.laneHeads[k] = 0;
      q[n] = slot;
    } else {
      q[(h + n) & (q.length - 1)] = slot;
    }
    this.laneSizes[k] = n + 1;
  }

  /** Run the next event; false when none is left. */
  step(): boolean {
    const from = this.front();
    if (from === NONE) return false;
    this.runFrom(from);
    return true;
  }

  /** Run the front event, `from` as front() found it. */
  private runFrom(from: number): void {
    const slot = this.take(from);
    const fn = this.fns[slot]!;
    const arg = this.args[slot];
    this.nowMs = this.times[slot];
    this.live--;
    this.free(slot);
    // The slot is already free: the callback may schedule or cancel anything, itself included.
    fn(arg);
  }

  /**
   * Run every event due at or before `limitMs`, including those scheduled meanwhile. If events remain
   * beyond the limit the clock then stands at `limitMs`; if none remain it stays at the last event's time.
   */
  runUntil(limitMs: number): void {
    for (;;) {
      const from = this.front();
      if (from === NONE) return;
      if (this.frontTime(from) > limitMs) {
        if (limitMs > this.nowMs) this.nowMs = limitMs;
        return;
      }
      this.runFrom(from);
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

  /** Remove every cancelled entry from the lanes and the heap, and rebuild the heap (Floyd's bottom-up heapify, O(n)). */
  private compact(): void {
    for (let k = 0; k < this.lanes.length; k++) {
      const q = this.lanes[k];
      const h = this.laneHeads[k];
      const kept = this.sweep(q, h, this.laneSizes[k], q.length - 1);
      this.laneSizes[k] = kept;
      this.laneLast[k] = kept > 0 ? this.times[q[(h + kept - 1) & (q.length - 1)]] : -Infinity;
    }
    const kept = this.sweep(this.heap, 0, this.heap.length, -1);
    this.heap.length = kept;
    for (let i = (kept >> 1) - 1; i >= 0; i--) this.siftDown(i);
    this.dead = 0;
  }

  /**
   * Keep the live slots among the n from position `from` of `list`, in order, from `from` on (freeing the
   * cancelled); returns how many. Positions are taken `& mask`: a lane's ring (a write never passes the
   * read before it, so wrapping around loses nothing), or the heap with mask -1.
   */
  private sweep(list: number[], from: number, n: number, mask: number): number {
    let kept = 0;
    for (let i = 0; i < n; i++) {
      const slot = list[(from + i) & mask];
      if (this.fns[slot] === undefined) this.free(slot);
      else list[(from + kept++) & mask] = slot;
    }
    return kept;
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
