/**
 * A trace kept in memory compactly (issue 29): numbers in typed arrays, strings interned, no object per
 * event. Each event is stored as its shape (its keys in order and the kind of each value, interned) and its
 * values: a whole number from 0 to 2^32-1 in a 4-byte slot, any other number in an 8-byte one; a string is
 * a 4-byte slot holding its index into the run's string table, a boolean 0 or 1, and a segment's option
 * list an interned template whose "TS val X ecr Y" strings take two 4-byte slots for X and Y. `at(i)`
 * makes the event again: the same keys in the same order with the same values, so JSON.stringify and
 * deep equality cannot tell it from the event that was stored. An event that is not flat (a value that is
 * an object other than a list of strings, or undefined) is kept as the object it is.
 *
 * A segment event of a run with timestamps takes about 80 bytes so, where the object took about 360.
 *
 * The events are held in chunks of CHUNK, each chunk's arrays cut to what it holds once it is full, so
 * that `drain` can make every event again while it lets go of each chunk made: the objects and the store
 * are never both whole in memory.
 */
import type { TimedEvent } from './events.ts';

/** Events a chunk holds. */
const CHUNK = 16384;

/** One chunk's events: per event, where its values start in each pool, and its shape; the two pools. */
interface Chunk {
  nums: Float64Array;
  words: Uint32Array;
  numStart: Uint32Array;
  wordStart: Uint32Array;
  shapeOf: Uint16Array;
}

function newChunk(): Chunk {
  return { nums: new Float64Array(256), words: new Uint32Array(1024), numStart: new Uint32Array(256), wordStart: new Uint32Array(256), shapeOf: new Uint16Array(256) };
}

/** How one value is stored (see above). */
const NUM = 0;
const U32 = 1;
const STR = 2;
const BOOL = 3;
const OPTS = 4;

interface Shape {
  keys: string[];
  kinds: number[];
}

/** An option list with its timestamps taken out: `tsAt` says which entries are "TS val X ecr Y" (their X and Y are slots). */
interface OptionTemplate {
  strings: string[];
  tsAt: number[];
}

const TS = /^TS val (\d+) ecr (\d+)$/;
/** A shape id that says: the event is an object, kept as it is, at `objects[its first 4-byte slot]`. */
const OBJECT = 0xffff;

/** The kind a value is stored as; -1: it cannot be (the event is kept as an object). */
function kindOf(v: unknown): number {
  switch (typeof v) {
    case 'number':
      // -0 is not a whole number here: it would come back as 0.
      return v >>> 0 === v && (v !== 0 || 1 / v > 0) ? U32 : NUM;
    case 'string': return STR;
    case 'boolean': return BOOL;
    default: return isStringList(v) ? OPTS : -1;
  }
}

export class CompactTrace implements Iterable<TimedEvent> {
  /** Full chunks, then the one being filled (`cur`); a chunk `drain` made is undefined. */
  private chunks: (Chunk | undefined)[] = [];
  private cur: Chunk = newChunk();
  /** Events in `cur`, and the slots used of its pools. */
  private inCur = 0;
  private numsUsed = 0;
  private wordsUsed = 0;
  private count = 0;
  /** Slots and events in full chunks (for `bytes`). */
  private sealedBytes = 0;
  private readonly shapes: Shape[] = [];
  private readonly shapeIds = new Map<string, number>();
  /** The shapes seen for each event type, the latest match first: an event is matched against these before any key is made. */
  private readonly byType = new Map<unknown, number[]>();
  private readonly strings: string[] = [];
  private readonly stringIds = new Map<string, number>();
  private readonly templates: OptionTemplate[] = [];
  private readonly templateIds = new Map<string, number>();
  private readonly objects: TimedEvent[] = [];

  get length(): number {
    return this.count;
  }

  push(ev: TimedEvent): void {
    const shape = this.shapeFor(ev);
    if (this.inCur === CHUNK) this.seal();
    const c = this.cur;
    const i = this.inCur++;
    this.count++;
    if (i === c.shapeOf.length) {
      c.numStart = grown(c.numStart, Uint32Array);
      c.wordStart = grown(c.wordStart, Uint32Array);
      c.shapeOf = grown(c.shapeOf, Uint16Array);
    }
    c.numStart[i] = this.numsUsed;
    c.wordStart[i] = this.wordsUsed;
    c.shapeOf[i] = shape;
    if (shape === OBJECT) {
      this.word(this.objects.length);
      this.objects.push(ev);
      return;
    }
    const { keys, kinds } = this.shapes[shape];
    const rec = ev as unknown as Record<string, unknown>;
    for (let k = 0; k < keys.length; k++) {
      const v = rec[keys[k]];
      switch (kinds[k]) {
        case NUM:
          if (this.numsUsed === c.nums.length) c.nums = grown(c.nums, Float64Array);
          c.nums[this.numsUsed++] = v as number;
          break;
        case U32: this.word(v as number); break;
        case STR: this.word(this.intern(v as string)); break;
        case BOOL: this.word(v ? 1 : 0); break;
        default: this.pushOptions(v as string[]);
      }
    }
  }

  /** The i-th event, made again (a new object each call, but for an event kept as an object). */
  at(i: number): TimedEvent {
    if (!(Number.isInteger(i) && i >= 0 && i < this.count)) throw new RangeError(`CompactTrace: no event ${i} of ${this.count}`);
    const c = Math.floor(i / CHUNK) < this.chunks.length ? this.chunks[Math.floor(i / CHUNK)] : this.cur;
    if (c === undefined) throw new RangeError(`CompactTrace: event ${i} was drained`);
    const local = i % CHUNK;
    let w = c.wordStart[local];
    const id = c.shapeOf[local];
    const words = c.words;
    if (id === OBJECT) return this.objects[words[w]];
    let n = c.numStart[local];
    const nums = c.nums;
    const { keys, kinds } = this.shapes[id];
    const out: Record<string, unknown> = {};
    for (let k = 0; k < keys.length; k++) {
      switch (kinds[k]) {
        case NUM: out[keys[k]] = nums[n++]; break;
        case U32: out[keys[k]] = words[w++]; break;
        case STR: out[keys[k]] = this.strings[words[w++]]; break;
        case BOOL: out[keys[k]] = words[w++] === 1; break;
        default: {
          const tpl = this.templates[words[w++]];
          const list = tpl.strings.slice();
          for (const j of tpl.tsAt) {
            list[j] = `TS val ${words[w]} ecr ${words[w + 1]}`;
            w += 2;
          }
          out[keys[k]] = list;
        }
      }
    }
    return out as unknown as TimedEvent;
  }

  *[Symbol.iterator](): Iterator<TimedEvent> {
    for (let i = 0; i < this.count; i++) yield this.at(i);
  }

  /** Every event, made again, in an array. */
  toArray(): TimedEvent[] {
    const out = new Array<TimedEvent>(this.count);
    for (let i = 0; i < this.count; i++) out[i] = this.at(i);
    return out;
  }

  /** toArray, letting go of each chunk once its events are made: afterwards the store is empty. */
  drain(): TimedEvent[] {
    const out = new Array<TimedEvent>(this.count);
    const full = this.chunks.length;
    for (let i = 0; i < this.count; i++) {
      out[i] = this.at(i);
      if (i % CHUNK === CHUNK - 1 && Math.floor(i / CHUNK) < full) this.chunks[Math.floor(i / CHUNK)] = undefined;
    }
    this.chunks = [];
    this.cur = newChunk();
    this.inCur = this.numsUsed = this.wordsUsed = this.count = this.sealedBytes = 0;
    this.objects.length = 0;
    return out;
  }

  /** The chunk being filled is full: its arrays cut to what they hold, and a new one begun. */
  private seal(): void {
    const c = this.cur;
    const sealed: Chunk = {
      nums: c.nums.slice(0, this.numsUsed), words: c.words.slice(0, this.wordsUsed),
      numStart: c.numStart.slice(0, CHUNK), wordStart: c.wordStart.slice(0, CHUNK), shapeOf: c.shapeOf.slice(0, CHUNK),
    };
    this.chunks.push(sealed);
    this.sealedBytes += this.numsUsed * 8 + this.wordsUsed * 4 + CHUNK * 10;
    this.cur = newChunk();
    this.inCur = this.numsUsed = this.wordsUsed = 0;
  }

  /** Bytes of the typed arrays in use and of the tables, about (a string at 16 bytes and its length; events kept as objects not counted). */
  get bytes(): number {
    let tables = 0;
    for (const s of this.strings) tables += 16 + s.length;
    for (const t of this.templates) tables += 32 + t.strings.reduce((n, s) => n + 16 + s.length, 0);
    return this.sealedBytes + this.numsUsed * 8 + this.wordsUsed * 4 + this.inCur * 10 + tables;
  }

  private word(v: number): void {
    const c = this.cur;
    if (this.wordsUsed === c.words.length) c.words = grown(c.words, Uint32Array);
    c.words[this.wordsUsed++] = v;
  }

  private intern(s: string): number {
    let id = this.stringIds.get(s);
    if (id === undefined) {
      id = this.strings.length;
      this.strings.push(s);
      this.stringIds.set(s, id);
    }
    return id;
  }

  private pushOptions(list: string[]): void {
    // The template: the list with each timestamps option as a mark (its two numbers go to slots). A list
    // longer than any a segment has is a template of its own, whole.
    const long = list.length > 30;
    let key = long ? '\u0003' + JSON.stringify(list) : '';
    let marks = 0;
    for (let j = 0; !long && j < list.length; j++) {
      const text = list[j];
      if (timestampsIn(text) !== undefined) {
        key += '\u0002';
        marks |= 1 << j;
      } else key += text.includes('\u0001') || text.includes('\u0002') || text.includes('\u0003') ? JSON.stringify(text) : text;
      key += '\u0001';
    }
    let id = this.templateIds.get(key);
    if (id === undefined) {
      id = this.templates.length;
      const tsAt: number[] = [];
      const strings = list.map((text, j) => (marks & (1 << j) ? (tsAt.push(j), '') : text));
      this.templates.push({ strings, tsAt });
      this.templateIds.set(key, id);
    }
    this.word(id);
    for (const j of this.templates[id].tsAt) {
      const [val, ecr] = timestampsIn(list[j])!;
      this.word(val);
      this.word(ecr);
    }
  }

  /** The event's shape id, made on first sight; OBJECT when it is not flat. */
  private shapeFor(ev: TimedEvent): number {
    if (Object.getPrototypeOf(ev) !== Object.prototype) return OBJECT;
    const rec = ev as unknown as Record<string, unknown>;
    let seen = this.byType.get(rec.type);
    if (seen === undefined) this.byType.set(rec.type, (seen = []));
    for (let c = 0; c < seen.length; c++) {
      if (!this.fits(this.shapes[seen[c]], rec)) continue;
      const id = seen[c];
      if (c > 0) {
        seen.splice(c, 1);
        seen.unshift(id);
      }
      return id;
    }
    const keys: string[] = [];
    const kinds: number[] = [];
    for (const k in rec) {
      const kind = kindOf(rec[k]);
      if (kind < 0) return OBJECT;
      keys.push(k);
      kinds.push(kind);
    }
    const key = JSON.stringify([keys, kinds]);
    let id = this.shapeIds.get(key);
    if (id === undefined) {
      // Shapes are few (each event type's optional fields); should a run make more than fit, the rest stay objects.
      if (this.shapes.length >= OBJECT) return OBJECT;
      id = this.shapes.length;
      this.shapes.push({ keys, kinds });
      this.shapeIds.set(key, id);
    }
    seen.unshift(id);
    return id;
  }

  /** `rec` has exactly `shape`'s keys, in its order, with values of its kinds. */
  private fits(shape: Shape, rec: Record<string, unknown>): boolean {
    const { keys, kinds } = shape;
    let j = 0;
    for (const k in rec) {
      if (j === keys.length || keys[j] !== k || kindOf(rec[k]) !== kinds[j]) return false;
      j++;
    }
    return j === keys.length;
  }
}

/** X and Y of "TS val X ecr Y" when each fits a slot and prints back as written (no leading zero); else undefined. */
function timestampsIn(text: string): [number, number] | undefined {
  if (!text.startsWith('TS val ')) return undefined;
  const m = TS.exec(text);
  if (m === null) return undefined;
  const val = Number(m[1]);
  const ecr = Number(m[2]);
  return kindOf(val) === U32 && kindOf(ecr) === U32 && String(val) === m[1] && String(ecr) === m[2] ? [val, ecr] : undefined;
}

function isStringList(v: unknown): v is string[] {
  if (!Array.isArray(v) || Object.getPrototypeOf(v) !== Array.prototype) return false;
  for (let i = 0; i < v.length; i++) if (typeof v[i] !== 'string') return false;
  return true;
}

function grown<T extends Float64Array | Uint32Array | Uint16Array>(a: T, make: new (n: number) => T): T {
  const b = new make(a.length * 2);
  b.set(a);
  return b;
}
