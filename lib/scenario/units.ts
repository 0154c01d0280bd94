/**
 * Units in scenario files. Each parser takes what YAML gave (a number or a string) and returns a plain
 * number in the unit the model uses, or throws a UnitError whose hint says what would be right.
 *
 * - durations -> milliseconds: `0`, `250` (a bare number is ms), `100ms`, `1.5s`, `5min`, `2h`
 *   (`us` too, for sub-millisecond delays);
 * - sizes -> bytes: `4096`, `64k` = `64KiB` = 65536, `1m` = `1MiB` = 1048576, `1g` = `1GiB`.
 *   Sizes are binary (powers of 1024), as buffer sizes in kernels are; `kb`/`KB` are refused
 *   because they would be read as 1000 by some and 1024 by others;
 * - rates -> bits per second: `10mbit`, `500kbit`, `1gbit`, `8000bit` (tc's spelling, decimal
 *   multiples as line rates are); a bare number is bits per second and 0 means unlimited. `kbps` etc.
 *   are refused because tc reads them as bytes per second and most people as bits;
 * - probabilities -> 0..1: `0.05` or `5%`.
 */
import { word, type MessageKey, type Msg, type Params } from '../i18n/index.ts';

export class UnitError extends Error {
  override readonly name = 'UnitError';
  /** The message and hint as catalogue messages (issue 26): message and hint are their English. */
  readonly text?: Msg;
  readonly hintText?: Msg;
  readonly hint: string;
  constructor(message: string | Msg, hint: string | Msg) {
    super(typeof message === 'string' ? message : word('en', message));
    if (typeof message !== 'string') this.text = message;
    if (typeof hint !== 'string') this.hintText = hint;
    this.hint = typeof hint === 'string' ? hint : word('en', hint);
  }
}

const u = (key: MessageKey, params?: Params): Msg => (params === undefined ? { key } : { key, params });

function show(v: unknown): string | Msg {
  if (typeof v === 'string') return JSON.stringify(v);
  // A mapping or a list has no text of its own (and String() of a mapping with a key "toString" throws).
  if (Array.isArray(v)) return u('unit.aList');
  if (v !== null && typeof v === 'object') return u('unit.aMapping');
  return String(v);
}

const NUM = '([0-9]+(?:\\.[0-9]+)?|\\.[0-9]+)';

const DURATION_UNITS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, sec: 1000, min: 60_000, h: 3_600_000 };
const DURATION_HINT = u('unit.h.duration');

export function parseDuration(v: unknown): number {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new UnitError(u('unit.not.duration', { v: show(v) }), DURATION_HINT);
    if (v < 0) throw new UnitError(u('unit.negative.duration', { v }), DURATION_HINT);
    return v;
  }
  if (typeof v !== 'string') throw new UnitError(u('unit.not.duration', { v: show(v) }), DURATION_HINT);
  const s = v.trim();
  if (s.startsWith('-')) throw new UnitError(u('unit.negative.duration', { v: show(v) }), DURATION_HINT);
  const m = new RegExp(`^${NUM}\\s*([a-z]*)$`, 'i').exec(s);
  if (!m) throw new UnitError(u('unit.not.duration', { v: show(v) }), DURATION_HINT);
  const unit = m[2].toLowerCase();
  const mult = unit === '' ? 1 : DURATION_UNITS[unit];
  if (mult === undefined) throw new UnitError(u('unit.unknown.duration', { unit: m[2], v: show(v) }), u('unit.h.durationUnits', { hint: DURATION_HINT }));
  return Number(m[1]) * mult;
}

const SIZE_UNITS: Record<string, number> = {
  '': 1, b: 1, k: 1024, kib: 1024, m: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gib: 1024 ** 3,
};
const SIZE_HINT = u('unit.h.size');

export function parseSize(v: unknown): number {
  let n: number;
  if (typeof v === 'number') {
    n = v;
  } else if (typeof v === 'string') {
    const s = v.trim();
    if (s.startsWith('-')) throw new UnitError(u('unit.negative.size', { v: show(v) }), SIZE_HINT);
    const m = new RegExp(`^${NUM}\\s*([a-z]*)$`, 'i').exec(s);
    if (!m) throw new UnitError(u('unit.not.size', { v: show(v) }), SIZE_HINT);
    const unit = m[2].toLowerCase();
    if (unit === 'kb' || unit === 'mb' || unit === 'gb') {
      throw new UnitError(u('unit.ambiguousSize', { unit: m[2] }), u('unit.h.ambiguousSize', { short: `${m[1]}${unit[0]}`, long: `${m[1]}${unit[0].toUpperCase()}iB`, base: unit[0] === 'k' ? '1024' : unit[0] === 'm' ? '1024²' : '1024³' }));
    }
    const mult = SIZE_UNITS[unit];
    if (mult === undefined) throw new UnitError(u('unit.unknown.size', { unit: m[2], v: show(v) }), SIZE_HINT);
    n = Number(m[1]) * mult;
  } else {
    throw new UnitError(u('unit.not.size', { v: show(v) }), SIZE_HINT);
  }
  if (!Number.isFinite(n)) throw new UnitError(u('unit.not.size', { v: show(v) }), SIZE_HINT);
  if (n < 0) throw new UnitError(u('unit.negative.size', { v: show(v) }), SIZE_HINT);
  if (!Number.isInteger(n)) throw new UnitError(u('unit.notWhole', { v: show(v) }), SIZE_HINT);
  if (n > Number.MAX_SAFE_INTEGER) throw new UnitError(u('unit.tooLarge', { v: show(v) }), SIZE_HINT);
  return n;
}

const RATE_UNITS: Record<string, number> = { bit: 1, kbit: 1e3, mbit: 1e6, gbit: 1e9 };
const RATE_HINT = u('unit.h.rate');

export function parseRate(v: unknown): number {
  let n: number;
  if (typeof v === 'number') {
    n = v;
  } else if (typeof v === 'string') {
    const s = v.trim();
    if (s.startsWith('-')) throw new UnitError(u('unit.negative.rate', { v: show(v) }), RATE_HINT);
    const m = new RegExp(`^${NUM}\\s*([a-z]*)$`, 'i').exec(s);
    if (!m) throw new UnitError(u('unit.not.rate', { v: show(v) }), RATE_HINT);
    const unit = m[2].toLowerCase();
    if (/^[kmg]?bps$/.test(unit)) {
      throw new UnitError(u('unit.ambiguousRate', { unit: m[2] }), u('unit.h.ambiguousRate', { rate: `${m[1]}${unit.slice(0, -3)}bit` }));
    }
    const mult = unit === '' ? 1 : RATE_UNITS[unit];
    if (mult === undefined) throw new UnitError(u('unit.unknown.rate', { unit: m[2], v: show(v) }), RATE_HINT);
    n = Number(m[1]) * mult;
  } else {
    throw new UnitError(u('unit.not.rate', { v: show(v) }), RATE_HINT);
  }
  if (!Number.isFinite(n)) throw new UnitError(u('unit.not.rate', { v: show(v) }), RATE_HINT);
  if (n < 0) throw new UnitError(u('unit.negative.rate', { v: show(v) }), RATE_HINT);
  return n;
}

const PROB_HINT = u('unit.h.prob');

export function parseProbability(v: unknown): number {
  let n: number;
  if (typeof v === 'number') {
    n = v;
  } else if (typeof v === 'string') {
    const m = new RegExp(`^(-?)${NUM}\\s*(%?)$`).exec(v.trim());
    if (!m) throw new UnitError(u('unit.not.probability', { v: show(v) }), PROB_HINT);
    n = Number(m[2]) / (m[3] === '%' ? 100 : 1);
    if (m[1] === '-') n = -n;
  } else {
    throw new UnitError(u('unit.not.probability', { v: show(v) }), PROB_HINT);
  }
  if (!Number.isFinite(n) || n < 0 || n > 1) {
    const over = typeof v === 'string' && v.trim().endsWith('%') ? `${n * 100}%` : String(n);
    throw new UnitError(u('unit.probRange', { v: over }), PROB_HINT);
  }
  return n;
}

/** For messages: 1500 -> "1.5s", 600000 -> "10min". */
export function formatDuration(ms: number): string {
  if (ms !== 0 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms !== 0 && ms % 60_000 === 0) return `${ms / 60_000}min`;
  if (ms >= 1000) return `${ms / 1000}s`;
  return `${ms}ms`;
}
