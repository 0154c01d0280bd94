/**
 * The scenario file's structure, types and ranges, checked with zod: one schema per section, and the
 * conversion of zod's first issue (by position in the file) to a ScenarioError at its node.
 * The small languages inside strings are parsed elsewhere (steps.ts, segments.ts).
 */
import * as z from 'zod';
import { configKeyNames } from '../tcp/config.ts';
import type { LinkDirectionConfig } from '../link/memory.ts';
import { BOTTLENECK_KEYS, RED_KEYS } from './bottleneck.ts';
import type { ScenarioError } from './errors.ts';
import { MAX_STEPS } from './limits.ts';
import { describe, label, suggest, type PathSeg, type Source } from './source.ts';
import { parseDuration, parseProbability, parseRate, parseSize, UnitError } from './units.ts';

// Schemas (structure, types, ranges). Unit-bearing values go through the unit parsers so that their
// messages say which units would be right.

function unit(parse: (v: unknown) => number) {
  return z.unknown().transform((v, ctx) => {
    try {
      return parse(v);
    } catch (e) {
      if (!(e instanceof UnitError)) throw e;
      ctx.issues.push({ code: 'custom', message: e.message, input: v, params: { hint: e.hint } });
      return z.NEVER;
    }
  });
}

const durationS = unit(parseDuration);
const sizeS = unit(parseSize);
const rateS = unit(parseRate);
const probS = unit(parseProbability);
const count = (min: number, max = Number.MAX_SAFE_INTEGER) => z.number().int().min(min).max(max);

/** Kebab-case names, as configKeyNames spells them. */
const tcpShape = {
  'mss': sizeS.pipe(count(1, 65495)),
  // Their upper bound is the TCP configuration's own rule (configProblems), checked with the host.
  'rcvbuf': sizeS.pipe(count(1)),
  'sndbuf': sizeS.pipe(count(1)),
  'msl': durationS,
  'isn': z.union([z.literal('random'), count(0, 0xffffffff)]),
  'autoread': z.boolean(),
  'profile': z.enum(['rfc', 'linux']),
  'nagle': z.boolean(),
  'delayed-ack': z.boolean(),
  'delayed-ack-time': durationS,
  'window-scale': z.boolean(),
  'sack': z.boolean(),
  'timestamps': z.boolean(),
  'initial-window': count(1, 1000),
  'rto-initial': durationS,
  'rto-min': durationS,
  'rto-max': durationS,
  'syn-retries': count(0, 255),
  'max-retries': count(0, 255),
  // `keepalive: false` reads naturally as "off", the same as 0.
  'keepalive': z.union([z.literal(false).transform(() => 0), durationS]),
  'keepalive-interval': durationS,
  'keepalive-probes': count(1, 255),
  'persist-min': durationS,
  'persist-max': durationS,
  // Names registered in lib/tcp/cc/registry.ts; configProblems says which when one is unknown.
  'congestion-control': z.string(),
  'recovery': z.string(),
  'prr': z.boolean(),
  'undo': z.boolean(),
  'dsack': z.boolean(),
} satisfies Record<keyof typeof configKeyNames, z.ZodType>;
export const tcpS = z.strictObject(tcpShape).partial().nullable();

export const hostS = z.strictObject({ addr: z.string().optional(), tcp: tcpS.optional() }).nullable();

/** YAML names of the per-direction link fields -> LinkDirectionConfig. `drop` is handled by hand. */
export const linkFieldNames = {
  'delay': 'delayMs',
  'jitter': 'jitterMs',
  'loss': 'loss',
  'duplicate': 'duplicate',
  'reorder': 'reorder',
  'corrupt': 'corrupt',
  'rate': 'rateBitsPerSec',
  'mtu': 'mtu',
  'queue': 'queueLimit',
  'reorder-delay': 'reorderDelayMs',
  'drop': 'drop',
} as const satisfies Record<string, keyof LinkDirectionConfig>;
export const LINK_FIELDS = Object.keys(linkFieldNames);

export const directionS = z.strictObject({
  'delay': durationS,
  'jitter': durationS,
  'loss': probS,
  'duplicate': probS,
  'reorder': probS,
  'corrupt': probS,
  'rate': rateS,
  // 68: the smallest MTU IPv4 allows (RFC 791); 65535: the largest an IPv4 packet can be.
  'mtu': sizeS.pipe(count(68, 65535)),
  'queue': count(0),
  'reorder-delay': durationS,
  'drop': z.array(z.union([z.string(), z.number()])).max(MAX_STEPS),
}).partial();

export const expectS = z.strictObject({
  states: z.record(z.string(), z.union([z.string(), z.array(z.string())])),
  segments: z.union([z.string(), z.array(z.string())]),
  delivered: z.record(z.string(), z.union([z.string(), count(0)])),
  errors: z.record(z.string(), z.string()),
}).partial().nullable();

export const topS = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  // Issue 26: a title, and the title and description in other languages (`zh: { title, description }`).
  title: z.string().optional(),
  translations: z.strictObject({
    en: z.strictObject({ title: z.string(), description: z.string() }).partial(),
    zh: z.strictObject({ title: z.string(), description: z.string() }).partial(),
  }).partial().optional(),
  seed: count(0, 0xffffffff).optional(),
  until: durationS.optional(),
  tcp: tcpS.optional(),
  hosts: z.record(z.string(), hostS),
  // Its keys are link fields or direction names: checked by hand below, with hosts known.
  link: z.record(z.string(), z.unknown()).nullable().optional(),
  steps: z.array(z.unknown()).max(MAX_STEPS).nullable().optional(),
  expect: expectS.optional(),
  // Checked by hand in lib/scenario/bottleneck.ts, with hosts known.
  bottleneck: z.record(z.string(), z.unknown()).optional(),
});

const TOP_KEYS = Object.keys(topS.shape);
const TCP_KEYS = Object.keys(tcpShape);
const HOST_KEYS = ['addr', 'tcp'];
const EXPECT_KEYS = ['states', 'segments', 'delivered', 'errors'];
/** Every key the format has, by where it goes: docs/scenario-format.md is checked against it. */
export const SCENARIO_KEYS = { top: TOP_KEYS, tcp: TCP_KEYS, host: HOST_KEYS, link: [...LINK_FIELDS, 'udp'], expect: EXPECT_KEYS, bottleneck: [...BOTTLENECK_KEYS, ...RED_KEYS] } as const;

function knownKeys(path: readonly PathSeg[]): string[] {
  if (path.length === 0) return TOP_KEYS;
  const last = path[path.length - 1];
  if (last === 'tcp') return TCP_KEYS;
  if (path[0] === 'hosts' && path.length === 2) return HOST_KEYS;
  if (path[0] === 'expect' && path.length === 1) return EXPECT_KEYS;
  if (path[0] === 'link') return LINK_FIELDS;
  return [];
}

const KEY_EXAMPLES: Record<string, string> = {
  name: 'add a line like  name: my-scenario',
  hosts: 'add  hosts: { client: {}, server: {} }',
};

/** Converts the earliest (by position in the file) zod issue to a ScenarioError; deterministic. */
export function zodCheck<S extends z.ZodType>(src: Source, schema: S, value: unknown, base: readonly PathSeg[]): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  // The earliest in the file first; a missing key has no place of its own (it points at its parent), so it
  // comes after the others: `nmae: x` is better reported as a typo than as a missing name.
  const errors = r.error.issues.map((iss) => ({ iss, e: issueError(src, iss, base, value) }));
  const missing = (iss: z.core.$ZodIssue) => (iss.code === 'invalid_type' && valueAt(value, iss.path as PathSeg[]) === undefined ? 1 : 0);
  errors.sort((a, b) => missing(a.iss) - missing(b.iss) || a.e.line - b.e.line || a.e.col - b.e.col);
  throw errors[0].e;
}

function valueAt(root: unknown, path: readonly PathSeg[]): unknown {
  let v = root;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[seg as string];
  }
  return v;
}

function issueError(src: Source, iss: z.core.$ZodIssue, base: readonly PathSeg[], root: unknown): ScenarioError {
  const rel = iss.path.filter((s): s is string | number => typeof s !== 'symbol');
  const path = [...base, ...rel];
  const what = label(path);
  const v = valueAt(root, rel);
  switch (iss.code) {
    case 'unrecognized_keys': {
      const key = iss.keys[0];
      const known = knownKeys(path);
      const extra = path[0] === 'link' && path.length === 1 ? ', or a direction like "client>server"' : '';
      return src.error(src.keyAt(path, key), `unknown key "${key}"${path.length ? ` in ${what}` : ''}`, suggest(key, known, 'known keys') + extra);
    }
    case 'invalid_type': {
      if (v === undefined) {
        const key = String(path[path.length - 1]);
        return src.error(src.at(path), `missing "${key}"${path.length > 1 ? ` in ${label(path.slice(0, -1))}` : ''}`, KEY_EXAMPLES[key] ?? `add ${key}:`);
      }
      const expected = iss.expected === 'record' || iss.expected === 'object' ? 'a mapping (key: value)' : iss.expected === 'array' ? 'a list' : `a ${iss.expected}`;
      const hints: Record<string, string> = {
        record: `write it as  key: value  lines indented under ${what}, or { key: value, ... }`,
        object: `write it as  key: value  lines indented under ${what}, or { key: value, ... }`,
        array: 'write one item a line, each starting with "- ", or [a, b, ...]',
        // A mapping or list has no text of its own (and String() of a mapping with a key "toString" throws).
        string: v !== null && typeof v === 'object' ? 'write it as text, in quotes if need be' : `put the value in quotes: "${String(v)}"`,
        number: 'write a plain number, without quotes or units',
        boolean: 'write true or false',
      };
      return src.error(src.at(path), `${what} should be ${expected}, not ${describe(v)}`, hints[iss.expected]);
    }
    case 'too_small':
    case 'too_big': {
      const limit = Number((iss as { minimum?: unknown; maximum?: unknown }).minimum ?? (iss as { maximum?: unknown }).maximum);
      if (Array.isArray(v) && iss.code === 'too_big') {
        return src.error(src.at(path), `${what} has ${v.length} entries, more than the limit of ${limit}`, 'split the scenario into several files');
      }
      if (typeof v === 'string') return src.error(src.at(path), `${what} is empty`, `write a value for ${what}`);
      return src.error(src.at(path), `${what} is ${String(v)}, ${iss.code === 'too_small' ? 'less than' : 'more than'} ${limit}`, `${iss.code === 'too_small' ? 'at least' : 'at most'} ${limit}`);
    }
    case 'invalid_value': {
      const values = iss.values.map((x) => String(x));
      return src.error(src.at(path), `${what} cannot be ${describe(v)}`, typeof v === 'string' ? suggest(v, values, 'one of') : `one of ${values.join(', ')}`);
    }
    case 'invalid_union': {
      if (path[path.length - 1] === 'isn') return src.error(src.at(path), `${what} cannot be ${describe(v)}`, 'write random, or a number 0..4294967295 for fixed sequence numbers');
      if (path[path.length - 1] === 'keepalive') return src.error(src.at(path), `${what} cannot be ${describe(v)}`, 'write false (off) or the idle time, e.g. 2h');
      return src.error(src.at(path), `${what} cannot be ${describe(v)}`);
    }
    case 'custom':
      return src.error(src.at(path), `${what}: ${iss.message}`, (iss.params as { hint?: string } | undefined)?.hint);
    default:
      return src.error(src.at(path), `${what}: ${(iss as { message: string }).message}`);
  }
}

