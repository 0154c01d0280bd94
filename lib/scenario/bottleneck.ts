/**
 * The `bottleneck:` key of a scenario (docs/scenario-format.md, "A shared bottleneck"): checked here,
 * each mistake at its place, and turned into the BottleneckPlan that lib/link/bottleneck.ts runs.
 */
import type { BottleneckPlan } from '../link/bottleneck.ts';
import { parseDuration, parseProbability, parseRate, parseSize, UnitError } from './units.ts';
import type { ScenarioError } from './errors.ts';
import { nearest, withText, withUnitText } from './source.ts';
import { word, type Msg } from '../i18n/index.ts';

export const BOTTLENECK_KEYS = ['left', 'right', 'rate', 'delay', 'queue', 'red', 'loss', 'access-delay'] as const;
export const RED_KEYS = ['min', 'max', 'max-p', 'weight'] as const;

/** Makes the error at `path` under bottleneck: (the key's value, or the key itself when `key` is true). */
export type BottleneckErr = (path: (string | number)[], message: string, hint?: string, key?: boolean) => ScenarioError;

const EXAMPLE = 'bottleneck: { left: [c1, c2], right: [s1, s2], rate: 10mbit, delay: 20ms, queue: 50 }';

/** `err` taking catalogue words (issue 26): English from en.ts, the keys for any language. */
type WordedErr = (path: (string | number)[], text: Msg, hint?: Msg, key?: boolean) => ScenarioError;
const worded = (err: BottleneckErr): WordedErr => (path, text, hint, key) => withText(err(path, word('en', text), hint && word('en', hint), key), text, hint);

/** "did you mean ...? (known keys: ...)", as the hint of an unknown key, or "(known keys: ...)". */
function keysHint(key: string, keys: readonly string[]): Msg {
  const n = nearest(key, keys);
  const list: Msg = { key: 'bnk.knownKeys', params: { list: keys.join(', ') } };
  return n ? { key: 'bnk.didYouMean', params: { n, list } } : list;
}

export function buildBottleneck(raw: Record<string, unknown>, hosts: readonly string[], err: BottleneckErr): BottleneckPlan {
  const fail = worded(err);
  for (const key of Object.keys(raw)) {
    if (!(BOTTLENECK_KEYS as readonly string[]).includes(key)) {
      throw fail([key], { key: 'sc.unknownKey', params: { key, where: { key: 'sc.inWhat', params: { what: 'bottleneck' } } } }, keysHint(key, BOTTLENECK_KEYS), true);
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
    if (v === undefined) throw fail([], { key: 'bnk.hasNo', params: { what: 'bottleneck', key } }, { key: 'bnk.h.sides', params: { example: EXAMPLE } });
    const list = typeof v === 'string' ? [v] : v;
    if (!Array.isArray(list) || list.length === 0) throw fail([key], { key: 'bnk.notList', params: { key } }, { key: 'bnk.h.eg', params: { example: `${key}: [${hosts.slice(0, 2).join(', ')}]` } });
    list.forEach((h, i) => {
      if (typeof h !== 'string' || !hosts.includes(h)) {
        const n = typeof h === 'string' ? nearest(h, hosts) : undefined;
        const all: Msg = { key: 'bnk.hostList', params: { names: hosts.join(', ') } };
        throw fail(typeof v === 'string' ? [key] : [key, i], { key: 'bnk.unknownHost', params: { key, host: JSON.stringify(h) } }, n ? { key: 'bnk.didYouMean', params: { n, list: all } } : all);
      }
    });
    return list as string[];
  };
  const left = side('left');
  const right = side('right');
  for (const h of right) if (left.includes(h)) throw fail(['right', right.indexOf(h)], { key: 'bnk.bothSides', params: { host: h } }, { key: 'bnk.h.bothSides' });
  const placed = new Set([...left, ...right]);
  const missing = hosts.filter((h) => !placed.has(h));
  if (missing.length > 0) throw fail([], { key: missing.length === 1 ? 'bnk.neitherOne' : 'bnk.neitherMany', params: { hosts: missing } }, { key: 'bnk.h.neither' });
  for (const [k, list] of [['left', left], ['right', right]] as const) {
    const twice = list.find((h, i) => list.indexOf(h) !== i);
    if (twice) throw fail([k, list.lastIndexOf(twice)], { key: 'bnk.twice', params: { host: twice, key: k } }, { key: 'bnk.h.once' });
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
  const fail = worded(err);
  const hint: Msg = { key: 'bnk.h.queue' };
  if (v === undefined || v === null) return { limit: 0, unit: 'packets' };
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 0) throw fail(['queue'], { key: 'bnk.queueCannot', params: { v } }, hint);
    return { limit: v, unit: 'packets' };
  }
  const m = typeof v === 'string' ? /^\s*(\S+)\s+(packets?|bytes?)\s*$/.exec(v) : null;
  if (!m) throw fail(['queue'], { key: 'bnk.queueCannot', params: { v: JSON.stringify(v) } }, hint);
  if (m[2].startsWith('packet')) {
    if (!/^[0-9]+$/.test(m[1])) throw fail(['queue'], { key: 'bnk.notPackets', params: { v: JSON.stringify(m[1]) } }, hint);
    return { limit: Number(m[1]), unit: 'packets' };
  }
  try {
    return { limit: parseSize(m[1]), unit: 'bytes' };
  } catch (e) {
    const u = e as UnitError;
    throw fail(['queue'], { key: 'sc.custom', params: { what: 'bottleneck.queue', message: u.text ?? u.message } }, hint);
  }
}

function parseRed(v: unknown, plan: BottleneckPlan, err: BottleneckErr): NonNullable<BottleneckPlan['red']> {
  const fail = worded(err);
  const units: Msg = { key: plan.unit === 'packets' ? 'bnk.u.packets' : 'bnk.u.bytes' };
  const example: Msg = { key: 'bnk.h.red', params: { unit: units } };
  if (typeof v !== 'object' || Array.isArray(v)) throw fail(['red'], { key: 'bnk.redMapping' }, example);
  const r = v as Record<string, unknown>;
  for (const key of Object.keys(r)) {
    if (!(RED_KEYS as readonly string[]).includes(key)) {
      throw fail(['red', key], { key: 'sc.unknownKey', params: { key, where: { key: 'sc.inWhat', params: { what: 'bottleneck.red' } } } }, keysHint(key, RED_KEYS), true);
    }
  }
  const threshold = (key: 'min' | 'max'): number => {
    const x = r[key];
    if (x === undefined) throw fail(['red'], { key: 'bnk.hasNo', params: { what: 'bottleneck.red', key } }, example);
    try {
      const n = plan.unit === 'packets' ? (typeof x === 'number' && Number.isInteger(x) && x >= 0 ? x : NaN) : parseSize(x);
      if (Number.isNaN(n)) throw new UnitError({ key: 'bnk.notWholePackets', params: { v: JSON.stringify(x) } }, example);
      return n;
    } catch (e) {
      throw withUnitText(err(['red', key], `bottleneck.red.${key}: ${(e as UnitError).message}`, (e as UnitError).hint), e as UnitError, `bottleneck.red.${key}`);
    }
  };
  const min = threshold('min');
  const max = threshold('max');
  if (max <= min) throw fail(['red', 'max'], { key: 'bnk.maxOverMin', params: { max, min } }, example);
  if (plan.queue > 0 && max > plan.queue) throw fail(['red', 'max'], { key: 'bnk.maxPastQueue', params: { max, queue: plan.queue, unit: units } }, { key: 'bnk.h.maxPastQueue' });
  const prob = (key: string, dflt: number): number => {
    if (r[key] === undefined) return dflt;
    try {
      return parseProbability(r[key]);
    } catch (e) {
      throw withUnitText(err(['red', key], `bottleneck.red.${key}: ${(e as UnitError).message}`, (e as UnitError).hint), e as UnitError, `bottleneck.red.${key}`);
    }
  };
  const weight = prob('weight', 0.002);
  if (weight === 0) throw fail(['red', 'weight'], { key: 'bnk.weightZero' }, { key: 'bnk.h.weight' });
  // Floyd and Jacobson's defaults: max-p 1/50, weight 0.002.
  return { min, max, maxP: prob('max-p', 0.02), weight };
}
