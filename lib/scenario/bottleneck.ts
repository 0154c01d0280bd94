/**
 * The `bottleneck:` key of a scenario (docs/scenario-format.md, "A shared bottleneck"): checked here,
 * each mistake at its place, and turned into the BottleneckPlan that lib/link/bottleneck.ts runs.
 */
import type { BottleneckPlan } from '../link/bottleneck.ts';
import { parseDuration, parseProbability, parseRate, parseSize, UnitError } from './units.ts';
import type { ScenarioError } from './errors.ts';
import { nearest, withUnitText } from './source.ts';

export const BOTTLENECK_KEYS = ['left', 'right', 'rate', 'delay', 'queue', 'red', 'loss', 'access-delay'] as const;
export const RED_KEYS = ['min', 'max', 'max-p', 'weight'] as const;

/** Makes the error at `path` under bottleneck: (the key's value, or the key itself when `key` is true). */
export type BottleneckErr = (path: (string | number)[], message: string, hint?: string, key?: boolean) => ScenarioError;

const EXAMPLE = 'bottleneck: { left: [c1, c2], right: [s1, s2], rate: 10mbit, delay: 20ms, queue: 50 }';

export function buildBottleneck(raw: Record<string, unknown>, hosts: readonly string[], err: BottleneckErr): BottleneckPlan {
  for (const key of Object.keys(raw)) {
    if (!(BOTTLENECK_KEYS as readonly string[]).includes(key)) {
      const n = nearest(key, BOTTLENECK_KEYS);
      throw err([key], `unknown key "${key}" in bottleneck`, `${n ? `did you mean "${n}"? ` : ''}(known keys: ${BOTTLENECK_KEYS.join(', ')})`, true);
    }
  }
  const unit = <T>(key: string, parse: (v: unknown) => T, dflt: T): T => {
    if (raw[key] === undefined || raw[key] === null) return dflt;
    try {
      return parse(raw[key]);
    } catch (e) {
      if (!(e instanceof UnitError)) throw e;
      throw withUnitText(err([key], `bottleneck.${key}: ${e.message}`, e.hint), e, `bottleneck.${key}`);
    }
  };
  const side = (key: 'left' | 'right'): string[] => {
    const v = raw[key];
    if (v === undefined) throw err([], `bottleneck has no "${key}"`, `name the hosts behind each router: ${EXAMPLE}`);
    const list = typeof v === 'string' ? [v] : v;
    if (!Array.isArray(list) || list.length === 0) throw err([key], `bottleneck.${key} should be a list of hosts`, `e.g. ${key}: [${hosts.slice(0, 2).join(', ')}]`);
    list.forEach((h, i) => {
      if (typeof h !== 'string' || !hosts.includes(h)) {
        const n = typeof h === 'string' ? nearest(h, hosts) : undefined;
        throw err(typeof v === 'string' ? [key] : [key, i], `bottleneck.${key} names unknown host ${JSON.stringify(h)}`, `${n ? `did you mean "${n}"? ` : ''}(the hosts are: ${hosts.join(', ')})`);
      }
    });
    return list as string[];
  };
  const left = side('left');
  const right = side('right');
  for (const h of right) if (left.includes(h)) throw err(['right', right.indexOf(h)], `${h} is on both sides of the bottleneck`, 'each host sits behind one router: left or right');
  const placed = new Set([...left, ...right]);
  const missing = hosts.filter((h) => !placed.has(h));
  if (missing.length > 0) throw err([], `${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} on neither side of the bottleneck`, 'every host sits behind a router: add it to left: or right:');
  for (const [k, list] of [['left', left], ['right', right]] as const) {
    const twice = list.find((h, i) => list.indexOf(h) !== i);
    if (twice) throw err([k, list.lastIndexOf(twice)], `${twice} is listed twice in bottleneck.${k}`, 'name each host once');
  }

  const { limit, unit: qUnit } = parseQueue(raw.queue, err);
  const plan: BottleneckPlan = {
    left, right,
    rateBitsPerSec: unit('rate', parseRate, 0),
    delayMs: unit('delay', parseDuration, 0),
    queue: limit, unit: qUnit,
    loss: unit('loss', parseProbability, 0),
    accessDelayMs: unit('access-delay', parseDuration, 0),
  };
  if (raw.red !== undefined && raw.red !== null) plan.red = parseRed(raw.red, plan, err);
  return plan;
}

/** `queue: 50` or `50 packets`: packets; `64k bytes`: bytes; 0 or none: unlimited. */
function parseQueue(v: unknown, err: BottleneckErr): { limit: number; unit: 'packets' | 'bytes' } {
  const hint = 'a number of packets (queue: 50, or "50 packets") or of bytes ("64k bytes"); 0 for no limit';
  if (v === undefined || v === null) return { limit: 0, unit: 'packets' };
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 0) throw err(['queue'], `bottleneck.queue cannot be ${v}`, hint);
    return { limit: v, unit: 'packets' };
  }
  const m = typeof v === 'string' ? /^\s*(\S+)\s+(packets?|bytes?)\s*$/.exec(v) : null;
  if (!m) throw err(['queue'], `bottleneck.queue cannot be ${JSON.stringify(v)}`, hint);
  if (m[2].startsWith('packet')) {
    if (!/^[0-9]+$/.test(m[1])) throw err(['queue'], `"${m[1]}" is not a number of packets`, hint);
    return { limit: Number(m[1]), unit: 'packets' };
  }
  try {
    return { limit: parseSize(m[1]), unit: 'bytes' };
  } catch (e) {
    throw err(['queue'], `bottleneck.queue: ${(e as UnitError).message}`, hint);
  }
}

function parseRed(v: unknown, plan: BottleneckPlan, err: BottleneckErr): NonNullable<BottleneckPlan['red']> {
  const example = `red: { min: 5, max: 15, max-p: 10% } (thresholds in ${plan.unit}, as the queue)`;
  if (typeof v !== 'object' || Array.isArray(v)) throw err(['red'], 'bottleneck.red should be a mapping', example);
  const r = v as Record<string, unknown>;
  for (const key of Object.keys(r)) {
    if (!(RED_KEYS as readonly string[]).includes(key)) {
      const n = nearest(key, RED_KEYS);
      throw err(['red', key], `unknown key "${key}" in bottleneck.red`, `${n ? `did you mean "${n}"? ` : ''}(known keys: ${RED_KEYS.join(', ')})`, true);
    }
  }
  const threshold = (key: 'min' | 'max'): number => {
    const x = r[key];
    if (x === undefined) throw err(['red'], `bottleneck.red has no "${key}"`, example);
    try {
      const n = plan.unit === 'packets' ? (typeof x === 'number' && Number.isInteger(x) && x >= 0 ? x : NaN) : parseSize(x);
      if (Number.isNaN(n)) throw new UnitError(`${JSON.stringify(x)} is not a whole number of packets`, example);
      return n;
    } catch (e) {
      throw err(['red', key], `bottleneck.red.${key}: ${(e as UnitError).message}`, (e as UnitError).hint);
    }
  };
  const min = threshold('min');
  const max = threshold('max');
  if (max <= min) throw err(['red', 'max'], `bottleneck.red.max (${max}) must be more than min (${min})`, example);
  if (plan.queue > 0 && max > plan.queue) throw err(['red', 'max'], `bottleneck.red.max (${max}) is past the queue's limit (${plan.queue} ${plan.unit})`, 'RED drops before the queue is full: max at most the queue');
  const prob = (key: string, dflt: number): number => {
    if (r[key] === undefined) return dflt;
    try {
      return parseProbability(r[key]);
    } catch (e) {
      throw err(['red', key], `bottleneck.red.${key}: ${(e as UnitError).message}`, (e as UnitError).hint);
    }
  };
  const weight = prob('weight', 0.002);
  if (weight === 0) throw err(['red', 'weight'], 'bottleneck.red.weight must be more than 0', 'Floyd and Jacobson suggest 0.002');
  // Floyd and Jacobson's defaults: max-p 1/50, weight 0.002.
  return { min, max, maxP: prob('max-p', 0.02), weight };
}
