import type { Entry } from './entry.ts';

/**
 * The connections of a host by 4-tuple (local address fixed): an open-addressing hash table on the
 * remote address and both ports, as numbers (a lookup per packet builds and hashes no string).
 *
 * Not a Map: a Map that connections come and go through is rehashed every few hundred removals, and
 * V8 links each discarded table to its successor. Once one discarded table was old enough to be
 * promoted, that chain kept every later table, and the connections they held, alive through each
 * young-generation collection: the lifecycle benchmark copied and promoted 1.8 MB per scavenge
 * instead of 25 KB. Here a rehash makes new arrays that nothing old points to.
 * Plain arrays, not typed arrays, so that the table is counted in the heap like everything else.
 */
export class ConnTable {
  /** Slots: (local port << 16 | remote port) >>> 0, and the entry (undefined: never used; null: removed). The remote address is the entry's. */
  private ports: number[] = [];
  private vals: (Entry | null | undefined)[] = [];
  private mask = -1;
  /** Live entries, and slots holding an entry or a tombstone. */
  size = 0;
  private used = 0;

  private slotOf(remoteAddr: number, key: number): number {
    // A multiplicative mix of both halves (Fibonacci hashing); the mask keeps the low bits.
    return (Math.imul(remoteAddr ^ Math.imul(key, 0x9e3779b1), 0x85ebca6b) ^ (key >>> 15)) & this.mask;
  }

  private find(remoteAddr: number, key: number): number {
    if (this.mask < 0) return -1;
    const vals = this.vals;
    for (let i = this.slotOf(remoteAddr, key); ; i = (i + 1) & this.mask) {
      const v = vals[i];
      if (v === undefined) return -1;
      if (v !== null && this.ports[i] === key && v.remoteAddr === remoteAddr) return i;
    }
  }

  get(localPort: number, remoteAddr: number, remotePort: number): Entry | undefined {
    const i = this.find(remoteAddr, ((localPort << 16) | remotePort) >>> 0);
    return i < 0 ? undefined : (this.vals[i] as Entry);
  }

  set(localPort: number, remoteAddr: number, remotePort: number, entry: Entry): void {
    const key = ((localPort << 16) | remotePort) >>> 0;
    const found = this.find(remoteAddr, key);
    if (found >= 0) {
      this.vals[found] = entry;
      return;
    }
    // Keep at least a quarter of the slots never used, so that every probe ends soon.
    if ((this.used + 1) * 4 > (this.mask + 1) * 3) this.rehash();
    let i = this.slotOf(remoteAddr, key);
    while (this.vals[i] !== undefined && this.vals[i] !== null) i = (i + 1) & this.mask;
    if (this.vals[i] === undefined) this.used++;
    this.ports[i] = key;
    this.vals[i] = entry;
    this.size++;
  }

  /** Forget `entry`, if it is still the one held for its 4-tuple. */
  remove(entry: Entry): void {
    const i = this.find(entry.remoteAddr, ((entry.conn.localPort << 16) | entry.conn.remotePort) >>> 0);
    if (i < 0 || this.vals[i] !== entry) return;
    this.vals[i] = null;
    this.size--;
  }

  /** New arrays sized for twice the live entries (at least 16 slots), tombstones dropped. */
  private rehash(): void {
    let cap = 16;
    while (cap < (this.size + 1) * 2) cap *= 2;
    const vals = this.vals;
    this.ports = new Array<number>(cap).fill(0);
    this.vals = new Array<Entry | null | undefined>(cap).fill(undefined);
    this.mask = cap - 1;
    this.used = 0;
    this.size = 0;
    for (let j = 0; j < vals.length; j++) {
      const v = vals[j];
      if (v) this.set(v.conn.localPort, v.remoteAddr, v.conn.remotePort, v);
    }
  }

  /** Every entry, oldest first. */
  inOrder(): Entry[] {
    const out: Entry[] = [];
    for (const v of this.vals) if (v) out.push(v);
    return out.sort((a, b) => a.seq - b.seq);
  }
}
