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
 */

type Listener = (...args: any[]) => void;

interface Entry {
  fn: Listener;
  once: boolean;
}

export class LiteEmitter {
  private events: Map<string | symbol, Entry[]> | undefined = undefined;

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
    const list = this.events?.get(event);
    if (!list) return this;
    // Node removes the most recently added matching listener.
    for (let i = list.length - 1; i >= 0; i--) {
      if (list[i].fn === fn) {
        const next = list.slice();
        next.splice(i, 1);
        if (next.length === 0) this.events!.delete(event);
        else this.events!.set(event, next);
        break;
      }
    }
    return this;
  }

  removeListener(event: string | symbol, fn: Listener): this {
    return this.off(event, fn);
  }

  removeAllListeners(event?: string | symbol): this {
    if (event === undefined) this.events = undefined;
    else this.events?.delete(event);
    return this;
  }

  listenerCount(event: string | symbol): number {
    return this.events?.get(event)?.length ?? 0;
  }

  /** Sockets emit at most one argument: no rest array per event. */
  emit(event: string | symbol, arg?: unknown): boolean {
    const list = this.events?.get(event);
    if (!list) {
      if (event === 'error') throw arg instanceof Error ? arg : new Error(`unhandled 'error' event: ${String(arg)}`);
      return false;
    }
    const withArg = arguments.length > 1;
    // The list is replaced, never changed in place, on every add and remove: this loop sees a snapshot.
    for (const e of list) {
      if (e.once) this.removeEntry(event, e);
      if (withArg) e.fn.call(this, arg);
      else e.fn.call(this);
    }
    return true;
  }

  private removeEntry(event: string | symbol, entry: Entry): void {
    const list = this.events?.get(event);
    if (!list) return;
    const next = list.filter((e) => e !== entry);
    if (next.length === 0) this.events!.delete(event);
    else this.events!.set(event, next);
  }

  private add(event: string | symbol, fn: Listener, once: boolean): this {
    if (typeof fn !== 'function') throw new TypeError(`listener for '${String(event)}' must be a function`);
    const events = (this.events ??= new Map());
    const list = events.get(event);
    events.set(event, list ? [...list, { fn, once }] : [{ fn, once }]);
    return this;
  }
}
