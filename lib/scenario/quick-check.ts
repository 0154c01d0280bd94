/**
 * The scenario file's structure checked without zod, for the file that is right (issue 29, start-up: building
 * the zod schemas and running them took some 30 ms of a one-byte run). Each checker here either returns
 * exactly what the zod schema of lib/scenario/schema.ts returns for the value (the same fields, in the same
 * order, the same numbers from the same unit parsers), or gives up (throws): the caller then runs the zod
 * schema, which accepts the value or words the mistake as it always did. So a mistake's message is zod's
 * by construction; what these checkers must never do is accept what zod refuses, or return something
 * else (test/scenario/quick-check.test.ts holds them to zod's answers, on the fixtures and on random files).
 *
 * They give up at the first doubt: anything but a plain object or array from YAML, a key not in the shape,
 * a missing key, a value of the wrong kind, a unit the parser refuses, a number out of range.
 */
import type { Setting } from '../tcp/config.ts';
import { MAX_STEPS } from './limits.ts';
import { parseDuration, parseProbability, parseRate, parseSize } from './units.ts';

/** A checker: the value as the zod schema outputs it, or a throw (of anything) when it gives up. */
export type Quick = (v: unknown) => unknown;

/** Thrown when a checker gives up: not a mistake, only "ask zod". */
class GiveUp {}
const GIVE_UP = new GiveUp();
function giveUp(): never {
  throw GIVE_UP;
}

/** A mapping as YAML gives it: a plain object, with no key a prototype could mean. */
function mapping(v: unknown): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Object.getPrototypeOf(v) !== Object.prototype) giveUp();
  if (Object.hasOwn(v, '__proto__') || Object.hasOwn(v, 'constructor') || Object.getOwnPropertySymbols(v).length > 0) giveUp();
  return v as Record<string, unknown>;
}

export const unknown: Quick = (v) => v;
export const string: Quick = (v) => (typeof v === 'string' ? v : giveUp());
/** z.string().min(1) */
export const nonEmptyString: Quick = (v) => (typeof v === 'string' && v.length >= 1 ? v : giveUp());
export const boolean: Quick = (v) => (typeof v === 'boolean' ? v : giveUp());
/** z.number(): finite. */
export const number: Quick = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : giveUp());
/** z.number().int().min(min).max(max) */
export const count = (min: number, max = Number.MAX_SAFE_INTEGER): Quick => (v) => (typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max ? v : giveUp());
/** The unit-bearing values: the parser's number, or its UnitError thrown (zod then words it). */
export const duration: Quick = (v) => parseDuration(v);
export const size: Quick = (v) => parseSize(v);
export const rate: Quick = (v) => parseRate(v);
export const probability: Quick = (v) => parseProbability(v);
/** z.enum(values) */
export const oneOf = (values: readonly string[]): Quick => (v) => (typeof v === 'string' && values.includes(v) ? v : giveUp());
/** z.union([a, b]): zod takes the first that fits; `a` must give up exactly when zod's first option fails. */
export const either = (a: Quick, b: Quick): Quick => (v) => {
  try {
    return a(v);
  } catch {
    return b(v);
  }
};
/** .nullable() */
export const orNull = (q: Quick): Quick => (v) => (v === null ? null : q(v));
/** z.array(el).max(max): a new array, as zod returns. */
export const list = (el: Quick, max = Infinity): Quick => (v) => {
  if (!Array.isArray(v) || Object.getPrototypeOf(v) !== Array.prototype || v.length > max) giveUp();
  const out = new Array<unknown>(v.length);
  for (let i = 0; i < v.length; i++) out[i] = el(v[i]);
  return out;
};
/** z.record(z.string(), value): a new object, keys in the file's order. */
export const record = (value: Quick): Quick => (v) => {
  const m = mapping(v);
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(m)) out[k] = value(m[k]);
  return out;
};

/**
 * z.strictObject(shape), each key of `optional` (or every key, `partial`) may be left out: a new object with the
 * keys present, in the shape's order (zod's), never a key outside the shape.
 */
export function strict(shape: Readonly<Record<string, Quick>>, optional: readonly string[] | 'partial'): Quick {
  const keys = Object.keys(shape);
  return (v) => {
    const m = mapping(v);
    for (const k in m) if (!Object.hasOwn(shape, k)) giveUp();
    const out: Record<string, unknown> = {};
    for (const k of keys) {
      if (Object.hasOwn(m, k)) out[k] = shape[k](m[k]);
      else if (optional !== 'partial' && !optional.includes(k)) giveUp();
    }
    return out;
  };
}

/** A TCP setting's value as schema.ts `settingSchema` checks it (a choice's values as that schema took them). */
export function setting(s: Setting, choices: readonly string[] | undefined): Quick {
  switch (s.kind) {
    case 'bytes': return size;
    case 'count': return number;
    case 'duration': return s.offWhenFalse ? either((v) => (v === false ? 0 : giveUp()), duration) : duration;
    case 'boolean': return boolean;
    case 'choice': return oneOf(choices!);
    case 'isn': return either((v) => (v === 'random' ? v : giveUp()), number);
  }
}

/** One direction of the link (schema.ts directionS). */
export const direction: Quick = strict({
  'delay': duration,
  'jitter': duration,
  'loss': probability,
  'duplicate': probability,
  'reorder': probability,
  'corrupt': probability,
  'rate': rate,
  'mtu': (v) => count(68, 65535)(size(v)),
  'queue': count(0),
  'reorder-delay': duration,
  'drop': list(either(string, number), MAX_STEPS),
}, 'partial');

/** Runs `q` on `v`: its answer, or `undefined` when it gave up (or anything it called threw). */
export function quickly(q: Quick, v: unknown): { value: unknown } | undefined {
  try {
    return { value: q(v) };
  } catch {
    return undefined;
  }
}
