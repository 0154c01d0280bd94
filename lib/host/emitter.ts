/**
 * The part of Node's EventEmitter that sockets use (on, once, off, emit, listenerCount), with nothing
 * allocated until a listener is added. Node's EventEmitter gives every instance a null-prototype
 * `_events` object, which V8 keeps as a dictionary: about 200 bytes per socket, more than the rest of
 * an idle connection's socket. A host keeps one socket per connection, so that cost is multiplied by
 * every connection a benchmark or a server holds.
 *
 * Semantics follow Node's: listeners run in the order added, a listener added or removed during an
 * emit does not change that emit, `once` listeners are removed before they run, and emitting 'error'
 * with no listener throws the error.
 *
 * Storage: one flat array of (event, listener, once) triples; a socket has a handful of listeners, so
 * a scan beats a map. An emit walks the array it started with; a change made while an emit is under
 * way goes to a copy (copy on write), so the walk is not disturbed.
 */

type Listener = (...args: any[]) => void;

export class LiteEmitter {
  private listeners: unknown[] | undefined = undefined;
  /** Emits under way on `listeners` (it must not be changed in place while this is above 0). */
  private emitting = 0;

  on(event: string | symbol, fn: Listener): this {
    return this.add(event, fn, false);
  }

  addListener(event: string | symbol, fn: Listener): this {
    return this.add(event, fn, false);
  }

  once(event: string | symbol, fn: Listener): this {
    return this.add(event, fn, true);
  }

  off(event: string | symbol, fn: Listener): this {
    const list = this.listeners;
    if (!list) return this;
    // Node removes the most recently added matching listener.
    for (let i = list.length - 3; i >= 0; i -= 3) {
      if (list[i] === event && list[i + 1] === fn) {
        this.writable().splice(i, 3);
        break;
      }
    }
    return this;
  }

  removeListener(event: string | symbol, fn: Listener): this {
    return this.off(event, fn);
  }

  removeAllListeners(event?: string | symbol): this {
    if (event === undefined || !this.listeners) {
      this.listeners = undefined;
      return this;
    }
    const kept: unknown[] = [];
    const list = this.listeners;
    for (let i = 0; i < list.length; i += 3) if (list[i] !== event) kept.push(list[i], list[i + 1], list[i + 2]);
    this.listeners = kept;
    return this;
  }

  listenerCount(event: string | symbol): number {
    const list = this.listeners;
    let n = 0;
    if (list) for (let i = 0; i < list.length; i += 3) if (list[i] === event) n++;
    return n;
  }

  /** Sockets emit at most one argument: no rest array per event. */
  emit(event: string | symbol, arg?: unknown): boolean {
    const list = this.listeners;
    let found = false;
    if (list) {
      const withArg = arguments.length > 1;
      this.emitting++;
      try {
        for (let i = 0; i < list.length; i += 3) {
          if (list[i] !== event) continue;
          found = true;
          const fn = list[i + 1] as Listener;
          if (list[i + 2]) this.removeOnce(event, fn);
          if (withArg) fn.call(this, arg);
          else fn.call(this);
        }
      } finally {
        this.emitting--;
      }
    }
    if (!found && event === 'error') throw arg instanceof Error ? arg : new Error(`unhandled 'error' event: ${String(arg)}`);
    return found;
  }

  /** The listener array, safe to change: a copy while an emit is walking the current one. */
  private writable(): unknown[] {
    const list = this.listeners ?? [];
    this.listeners = this.emitting > 0 ? list.slice() : list;
    return this.listeners;
  }

  private removeOnce(event: string | symbol, fn: Listener): void {
    const list = this.writable();
    for (let i = 0; i < list.length; i += 3) {
      if (list[i] === event && list[i + 1] === fn && list[i + 2]) {
        list.splice(i, 3);
        return;
      }
    }
  }

  private add(event: string | symbol, fn: Listener, once: boolean): this {
    if (typeof fn !== 'function') throw new TypeError(`listener for '${String(event)}' must be a function`);
    this.writable().push(event, fn, once);
    return this;
  }
}
