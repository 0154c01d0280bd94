/**
 * The seeded random source: sfc32 (Chris Doty-Humphrey's small fast counter, from PractRand), its
 * 128-bit state filled by splitmix32 from a 32-bit seed and warmed up by 12 rounds. Only 32-bit integer
 * operations (Math.imul, >>> 0), so the same seed gives the same stream on any machine.
 *
 * `fork(label)` derives an independent stream from the seed and a label (FNV-1a over the label), not
 * from the parent's position: the link's impairments do not shift when a host draws one more ISN,
 * and a fork made late equals a fork made early.
 */
export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  readonly seed: number;

  constructor(seed: number) {
    this.seed = seed >>> 0;
    let s = this.seed;
    const next = () => {
      // splitmix32
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.uint32();
  }

  /** A uniform 32-bit unsigned integer. */
  uint32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.uint32() / 4294967296;
  }

  /** Uniform integer in [0, n), for a whole n in 1..2^32. One draw. */
  int(n: number): number {
    if (!(n >= 1 && n <= 4294967296 && Number.isInteger(n))) throw new RangeError(`Random.int: n must be a whole number in 1..2^32, got ${n}`);
    return Math.floor(this.next() * n);
  }

  /**
   * True with probability p (p <= 0 never, p >= 1 always). Always exactly one draw, whatever p is:
   * turning an impairment on or off leaves every later draw of the stream where it was.
   */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** An independent stream named by `label`, derived from this one's seed (not from its position). */
  fork(label: string): Random {
    let h = 0x811c9dc5 ^ this.seed;
    for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193) >>> 0;
    return new Random(h >>> 0);
  }
}
