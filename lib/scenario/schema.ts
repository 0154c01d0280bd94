/**
 * The scenario file's structure, types and ranges, checked with zod: one schema per section, and the
 * conversion of zod's first issue (by position in the file) to a ScenarioError at its node.
 * The small languages inside strings are parsed elsewhere (steps.ts, segments.ts).
 *
 * A file that is right is checked without zod first (quick-check.ts, the same answers), and the zod schemas
 * are built only when one is needed: to word a mistake (issue 29, start-up).
 */
import type * as Z from 'zod';
import { SETTINGS, type Setting } from '../tcp/config.ts';
import type { LinkDirectionConfig } from '../link/memory.ts';
import { BOTTLENECK_KEYS, RED_KEYS } from './bottleneck.ts';
import type { ScenarioError } from './errors.ts';
import { MAX_STEPS } from './limits.ts';
import * as q from './quick-check.ts';
import { loadZod } from './zod.ts';
import { describeText, label, labelText, suggestText, withText, withUnitText, type PathSeg, type Source } from './source.ts';
import type { MessageKey, Msg } from '../i18n/index.ts';
import { parseDuration, parseProbability, parseRate, parseSize, UnitError } from './units.ts';

// Schemas (structure, types, ranges). Unit-bearing values go through the unit parsers so that their
// messages say which units would be right.

/**
 * zod, asked for by buildSchemas only (zod.ts): in the installed command's bundle, a file that is right never
 * loads it (issue 29, start-up; there zod.ts requires dist/bin/tcpemu-zod.cjs, the parts of zod used here).
 */
let z: typeof Z;

function unit(parse: (v: unknown) => number) {
  return z.unknown().transform((v, ctx) => {
    try {
      return parse(v);
    } catch (e) {
      if (!(e instanceof UnitError)) throw e;
      ctx.issues.push({ code: 'custom', message: e.message, input: v, params: { hint: e.hint, unitError: e } });
      return z.NEVER;
    }
  });
}

/**
 * The TCP settings' keys and types, derived from lib/tcp/config.ts's SETTINGS. Only the kind is checked
 * here (units, a number, true/false, a choice); ranges are the configuration's own rules (configProblems),
 * checked once, with the host, and reported at the key that breaks them.
 */
function settingSchema(s: Setting, sizeS: Z.ZodType, durationS: Z.ZodType): Z.ZodType {
  switch (s.kind) {
    case 'bytes': return sizeS;
    case 'count': return z.number();
    // `keepalive: false` reads naturally as "off", the same as 0.
    case 'duration': return s.offWhenFalse ? z.union([z.literal(false).transform(() => 0), durationS]) : durationS;
    case 'boolean': return z.boolean();
    case 'choice': return z.enum(CHOICES.get(s.key) as [string, ...string[]]);
    case 'isn': return z.union([z.literal('random'), z.number()]);
  }
}

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

/**
 * A choice's values as the scenario schema takes them: when this module loads, as the zod schema built then
 * took them before issue 29 (a congestion-control module registered later is not a choice of a scenario file).
 */
const CHOICES = new Map<string, readonly string[]>(SETTINGS.flatMap((s) => (s.kind === 'choice' ? [[s.key, [...s.values]] as const] : [])));

/** The zod schemas, built on first use (schemas()): only a file with a mistake needs them. */
function buildSchemas() {
  z ??= loadZod();
  const durationS = unit(parseDuration);
  const sizeS = unit(parseSize);
  const rateS = unit(parseRate);
  const probS = unit(parseProbability);
  const count = (min: number, max = Number.MAX_SAFE_INTEGER) => z.number().int().min(min).max(max);

  const tcpShape: Record<string, Z.ZodType> = Object.fromEntries(SETTINGS.map((s) => [s.key, settingSchema(s, sizeS, durationS)]));
  const tcpS = z.strictObject(tcpShape).partial().nullable();

  const hostS = z.strictObject({ addr: z.string().optional(), tcp: tcpS.optional() }).nullable();

  const directionS = z.strictObject({
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

  const expectS = z.strictObject({
    states: z.record(z.string(), z.union([z.string(), z.array(z.string())])),
    segments: z.union([z.string(), z.array(z.string())]),
    delivered: z.record(z.string(), z.union([z.string(), count(0)])),
    errors: z.record(z.string(), z.string()),
  }).partial().nullable();

  const topS = z.strictObject({
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
  return { tcpShape, tcpS, hostS, directionS, expectS, topS, booleanS: z.boolean() };
}

export type Schemas = ReturnType<typeof buildSchemas>;
let built: Schemas | undefined;
/** The zod schemas of each section (built the first time they are asked for). */
export function schemas(): Schemas {
  return (built ??= buildSchemas());
}

/** The same sections checked without zod (quick-check.ts): each returns what its zod schema returns, or gives up. */
const quickTcp = q.orNull(q.strict(Object.fromEntries(SETTINGS.map((s) => [s.key, q.setting(s, CHOICES.get(s.key))])), 'partial'));
const quickTranslation = q.strict({ title: q.string, description: q.string }, 'partial');
const TOP_SHAPE: Readonly<Record<string, q.Quick>> = {
  name: q.nonEmptyString,
  description: q.string,
  title: q.string,
  translations: q.strict({ en: quickTranslation, zh: quickTranslation }, 'partial'),
  seed: q.count(0, 0xffffffff),
  until: q.duration,
  tcp: quickTcp,
  hosts: q.record(q.orNull(q.strict({ addr: q.string, tcp: quickTcp }, 'partial'))),
  link: q.orNull(q.record(q.unknown)),
  steps: q.orNull(q.list(q.unknown, MAX_STEPS)),
  expect: q.orNull(q.strict({
    states: q.record(q.either(q.string, q.list(q.string))),
    segments: q.either(q.string, q.list(q.string)),
    delivered: q.record(q.either(q.string, q.count(0))),
    errors: q.record(q.string),
  }, 'partial')),
  bottleneck: q.record(q.unknown),
};
export const QUICK = {
  top: q.strict(TOP_SHAPE, ['description', 'title', 'translations', 'seed', 'until', 'tcp', 'link', 'steps', 'expect', 'bottleneck']),
  direction: q.direction,
  directionOrNull: q.orNull(q.direction),
  boolean: q.boolean,
} as const;

/** `value` checked by `quick`, else by the zod schema `schema()` (whose first issue becomes the ScenarioError): the same value either way. */
export function checked<S extends Z.ZodType>(src: Source, quick: q.Quick, schema: () => S, value: unknown, base: readonly PathSeg[]): Z.output<S> {
  const r = q.quickly(quick, value);
  return r !== undefined ? (r.value as Z.output<S>) : zodCheck(src, schema(), value, base);
}

const TOP_KEYS = Object.keys(TOP_SHAPE);
const TCP_KEYS = SETTINGS.map((s) => s.key);
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


/** Converts the earliest (by position in the file) zod issue to a ScenarioError; deterministic. */
export function zodCheck<S extends Z.ZodType>(src: Source, schema: S, value: unknown, base: readonly PathSeg[]): Z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  // The earliest in the file first; a missing key has no place of its own (it points at its parent), so it
  // comes after the others: `nmae: x` is better reported as a typo than as a missing name.
  const errors = r.error.issues.map((iss) => ({ iss, e: issueError(src, iss, base, value) }));
  const missing = (iss: Z.core.$ZodIssue) => (iss.code === 'invalid_type' && valueAt(value, iss.path as PathSeg[]) === undefined ? 1 : 0);
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

function issueError(src: Source, iss: Z.core.$ZodIssue, base: readonly PathSeg[], root: unknown): ScenarioError {
  const rel = iss.path.filter((s): s is string | number => typeof s !== 'symbol');
  const path = [...base, ...rel];
  const what = labelText(path);
  const v = valueAt(root, rel);
  // Each message and hint is a catalogue key with its parameters (issue 26); lib/i18n/en.ts words them as they always were.
  const at = src.at(path);
  switch (iss.code) {
    case 'unrecognized_keys': {
      const key = iss.keys[0];
      const known = knownKeys(path);
      const extra = path[0] === 'link' && path.length === 1 ? { key: 'sc.orDirection' } as const : '';
      return src.worded(src.keyAt(path, key), { key: 'sc.unknownKey', params: { key, where: path.length ? { key: 'sc.inWhat', params: { what } } : '' } },
        { key: 'sc.hintAnd', params: { hint: suggestText(key, known, 'sc.knownKeys'), extra } });
    }
    case 'invalid_type': {
      if (v === undefined) {
        const key = String(path[path.length - 1]);
        const example = key === 'name' ? { key: 'sc.h.addName' } as const : key === 'hosts' ? { key: 'sc.h.addHosts' } as const : { key: 'sc.h.addKey', params: { key } } as const;
        return src.worded(at, { key: 'sc.missing', params: { key, where: path.length > 1 ? { key: 'sc.inWhat', params: { what: labelText(path.slice(0, -1)) } } : '' } }, example);
      }
      const expected: Msg = iss.expected === 'record' || iss.expected === 'object' ? { key: 'sc.t.mapping' } : iss.expected === 'array' ? { key: 'sc.t.list' }
        : iss.expected === 'string' || iss.expected === 'number' || iss.expected === 'boolean' ? { key: `sc.t.${iss.expected}` as MessageKey } : { key: 'sc.t.other', params: { type: iss.expected } };
      const hints: Record<string, Msg> = {
        record: { key: 'sc.h.mapping', params: { what } },
        object: { key: 'sc.h.mapping', params: { what } },
        array: { key: 'sc.h.list' },
        // A mapping or list has no text of its own (and String() of a mapping with a key "toString" throws).
        string: v !== null && typeof v === 'object' ? { key: 'sc.h.asText' } : { key: 'sc.h.quote', params: { v: String(v) } },
        number: { key: 'sc.h.number' },
        boolean: { key: 'sc.h.boolean' },
      };
      return src.worded(at, { key: 'sc.shouldBe', params: { what, expected, found: describeText(v) } }, hints[iss.expected]);
    }
    case 'too_small':
    case 'too_big': {
      const limit = Number((iss as { minimum?: unknown; maximum?: unknown }).minimum ?? (iss as { maximum?: unknown }).maximum);
      if (Array.isArray(v) && iss.code === 'too_big') {
        return src.worded(at, { key: 'sc.tooMany', params: { what, n: v.length, limit } }, { key: 'sc.h.split' });
      }
      if (typeof v === 'string') return src.worded(at, { key: 'sc.emptyValue', params: { what } }, { key: 'sc.h.writeValue', params: { what } });
      const small = iss.code === 'too_small';
      return src.worded(at, { key: small ? 'sc.lessThan' : 'sc.moreThan', params: { what, v: String(v), limit } }, { key: small ? 'sc.h.atLeast' : 'sc.h.atMost', params: { limit } });
    }
    case 'invalid_value': {
      const values = iss.values.map((x) => String(x));
      return src.worded(at, { key: 'sc.cannotBe', params: { what, found: describeText(v) } }, typeof v === 'string' ? suggestText(v, values, 'sc.oneOf') : { key: 'sc.oneOf', params: { list: values.join(', ') } });
    }
    case 'invalid_union': {
      const text: Msg = { key: 'sc.cannotBe', params: { what, found: describeText(v) } };
      if (path[path.length - 1] === 'isn') return src.worded(at, text, { key: 'sc.h.isn' });
      if (path[path.length - 1] === 'keepalive') return src.worded(at, text, { key: 'sc.h.keepalive' });
      return src.worded(at, text);
    }
    case 'custom': {
      // A unit's message (lib/scenario/units.ts) carries its words (issue 26).
      const params = iss.params as { hint?: string; unitError?: UnitError } | undefined;
      const e = src.error(at, `${label(path)}: ${iss.message}`, params?.hint);
      return params?.unitError?.text !== undefined ? withUnitText(e, params.unitError, what) : withText(e, { key: 'sc.custom', params: { what, message: iss.message } });
    }
    default:
      return src.error(at, `${label(path)}: ${(iss as { message: string }).message}`);
  }
}

