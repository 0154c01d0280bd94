/**
 * Scenario file -> ScenarioPlan (the format: docs/scenario-format.md).
 *
 * Three layers, each pointing its errors at the exact place in the file:
 *  1. YAML, parsed with positions kept (parseDocument + LineCounter);
 *  2. structure, types and ranges, checked with zod; an issue's path is walked back to its node;
 *  3. the small languages inside strings (step commands, segment lines, state lists), parsed here
 *     token by token so that a column points into the string.
 * Every mistake is a ScenarioError with file:line:col, what is wrong and what would be right.
 */
import { isMap, isNode, isPair, isScalar, isSeq, LineCounter, parseDocument, Scalar, type Document, type Node, type Pair } from 'yaml';
import * as z from 'zod';
import { configKeyNames, resolveConfig, TcpConfigError, type TcpConfig, type TcpConfigInput } from '../tcp/config.ts';
import { TCP_STATES, type TcpStateName } from '../trace/events.ts';
import { defaultDirectionConfig, type LinkDirectionConfig } from '../link/memory.ts';
import { formatAddr, parseAddr } from '../wire/ipv4.ts';
import { flagString, parseFlagString } from '../wire/format.ts';
import { ScenarioError } from './errors.ts';
import { EVENT_STEP_KEYS, parseEventKeys } from './events.ts';
import { parseInject } from './inject.ts';
import { BOTTLENECK_KEYS, buildBottleneck, RED_KEYS } from './bottleneck.ts';
import { formatDuration, parseDuration, parseProbability, parseRate, parseSize, UnitError } from './units.ts';
import type { Command, ExpectPlan, HostPlan, LinkPlan, Pos, ScenarioPlan, SegmentPattern, StepPlan } from './plan.ts';

/** Resource limits: a scenario is a hand-written file; anything past these is a mistake or an attack. */
export const MAX_SOURCE_BYTES = 1024 * 1024;
export const MAX_STEPS = 100_000;
/** The longest run: `until` at most 24 h of virtual time (a keep-alive story needs a little over 2 h). */
export const MAX_UNTIL_MS = 24 * 3_600_000;
/**
 * All `send` steps of a scenario together: 16 GiB. A large `send N` is made as the connection takes it, so
 * this bounds the length of a run (16 GiB is over two minutes of virtual time at 1 Gbit/s), not memory.
 */
export const MAX_SEND_BYTES = 16 * 1024 * 1024 * 1024;
export const DEFAULT_UNTIL_MS = 10 * 60_000;
export const DEFAULT_SEED = 1;

/** Error codes an application can see (Node's names), for `expect: errors:`. */
export const ERROR_CODES = [
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EADDRINUSE', 'EADDRNOTAVAIL', 'EMFILE', 'EISCONN', 'ENOTCONN',
] as const;

// ---------------------------------------------------------------------------------------------
// Nearest-name hints

/** Levenshtein distance, case-insensitive (a hint should survive `Name` for `name`). */
export function editDistance(a: string, b: string): number {
  a = a.toLowerCase();
  b = b.toLowerCase();
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  let prev2 = prev;
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      // A swap of two neighbours ("nmae") is one typo, not two (optimal string alignment distance).
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) cur[j] = Math.min(cur[j], prev2[j - 2] + 1);
    }
    prev2 = prev;
    prev = cur;
  }
  return prev[b.length];
}

/** The candidate closest to `word`, if it is close enough to be a plausible typo; first wins a tie (deterministic). */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  // Close enough to be a typo, and not a total rewrite of a short word ("c" is no typo of "a").
  return bestD <= Math.max(2, Math.floor(word.length / 3)) && bestD < word.length ? best : undefined;
}

function suggest(word: string, candidates: readonly string[], what: string): string {
  const n = nearest(word, candidates);
  const list = `${what}: ${candidates.join(', ')}`;
  return n === undefined ? list : `did you mean "${n}"? (${list})`;
}

// ---------------------------------------------------------------------------------------------
// Positions

type PathSeg = string | number;

class Source {
  readonly lines: string[];
  constructor(readonly file: string, readonly text: string, readonly lc: LineCounter, readonly doc: Document.Parsed | undefined) {
    this.lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  }

  pos(offset: number): Pos {
    const p = this.lc.linePos(Math.max(0, Math.min(offset, this.text.length)));
    return { line: p.line, col: p.col };
  }

  error(at: Pos, message: string, hint?: string): ScenarioError {
    return new ScenarioError(this.file, at.line, at.col, message, hint);
  }

  /** Start of a node (or of the document when there is none). */
  nodePos(node: Node | Pair | null | undefined): Pos {
    if (node && isPair(node)) return this.nodePos(node.key as Node);
    const r = node && (node as Node).range;
    return r ? this.pos(r[0]) : { line: 1, col: 1 };
  }

  /** The node at `path`, or the deepest existing ancestor when the path runs out (a missing key points at its map). */
  nodeAt(path: readonly PathSeg[]): { node: Node | undefined; exact: boolean } {
    let node = this.doc?.contents as Node | undefined;
    for (const seg of path) {
      if (isMap(node)) {
        const pair = findPair(node.items, String(seg));
        if (!pair) return { node, exact: false };
        // `key:` with nothing after it: point at the key.
        node = (pair.value as Node | null) ?? (pair.key as Node);
        if (isScalar(node) && node.range === undefined) node = pair.key as Node;
      } else if (isSeq(node) && typeof seg === 'number' && node.items[seg] !== undefined) {
        node = node.items[seg] as Node;
      } else {
        return { node, exact: false };
      }
    }
    return { node, exact: true };
  }

  /** The key node of `key` in the map at `path`. */
  keyNode(path: readonly PathSeg[], key: string): Node | undefined {
    const { node, exact } = this.nodeAt(path);
    if (!exact || !isMap(node)) return undefined;
    // A key that is itself a map or a list reaches the schema stringified ("[ 6 ]"): point at such a key.
    return (findPair(node.items, key)?.key ?? node.items.find((p) => isNode(p.key) && !isScalar(p.key))?.key) as Node | undefined;
  }

  at(path: readonly PathSeg[]): Pos {
    return this.nodePos(this.nodeAt(path).node);
  }

  keyAt(path: readonly PathSeg[], key: string): Pos {
    return this.nodePos(this.keyNode(path, key) ?? this.nodeAt(path).node);
  }

  /** Position of character `idx` of a string scalar's value (best effort for escapes and folded lines). */
  inScalar(node: Node | undefined, idx: number): Pos {
    if (!node || !isScalar(node) || !node.range) return this.nodePos(node);
    if (node.type === Scalar.BLOCK_LITERAL || node.type === Scalar.BLOCK_FOLDED) {
      // Find the line of the value that holds idx, then map it as linesOf does.
      const lines = linesOf(this, node, String(node.value));
      let start = 0;
      for (const l of lines) {
        if (idx <= start + l.text.length) return l.pos(idx - start);
        start += l.text.length + 1;
      }
      return this.nodePos(node);
    }
    const quoted = node.type === Scalar.QUOTE_DOUBLE || node.type === Scalar.QUOTE_SINGLE;
    return this.pos(node.range[0] + (quoted ? 1 : 0) + idx);
  }
}

function findPair(items: Pair<unknown, unknown>[], key: string): Pair<unknown, unknown> | undefined {
  return items.find((p) => {
    const k = p.key;
    return (isScalar(k) ? String(k.value) : String(k)) === key;
  });
}

function label(path: readonly PathSeg[]): string {
  let s = '';
  for (const seg of path) s += typeof seg === 'number' ? `[${seg}]` : s === '' ? seg : `.${seg}`;
  return s === '' ? 'the file' : s;
}

function describe(v: unknown): string {
  if (v === null) return 'empty';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `the text ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  return `${typeof v === 'number' ? 'the number' : typeof v} ${String(v)}`;
}

// ---------------------------------------------------------------------------------------------
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
} satisfies Record<keyof typeof configKeyNames, z.ZodType>;
const tcpS = z.strictObject(tcpShape).partial().nullable();

const hostS = z.strictObject({ addr: z.string().optional(), tcp: tcpS.optional() }).nullable();

/** YAML names of the per-direction link fields -> LinkDirectionConfig. `drop` is handled by hand. */
const linkFieldNames = {
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
const LINK_FIELDS = Object.keys(linkFieldNames);

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
function zodCheck<S extends z.ZodType>(src: Source, schema: S, value: unknown, base: readonly PathSeg[]): z.output<S> {
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

// ---------------------------------------------------------------------------------------------

const YAML_HINTS: Record<string, string> = {
  DUPLICATE_KEY: 'each key may appear once in a mapping',
  TAB_AS_INDENT: 'indent with spaces, not tabs',
  BAD_INDENT: 'line up keys of the same mapping at the same indentation',
  MISSING_CHAR: 'close the bracket or quote that was opened',
  MULTILINE_IMPLICIT_KEY: 'a key and its colon must be on one line',
  BLOCK_AS_IMPLICIT_KEY: 'a key and its colon must be on one line',
  UNEXPECTED_TOKEN: 'quote values that contain ": ", " #", or start with a quote, [ or {',
};

/** The error for a scenario file of `bytes` bytes, over MAX_SOURCE_BYTES (the command line checks before reading). */
export function sourceTooLarge(file: string, bytes: number): ScenarioError {
  return new ScenarioError(file, 1, 1, `the file is ${bytes} bytes, more than the limit of ${MAX_SOURCE_BYTES} (1 MiB)`, 'split it into several scenarios; use send N for bulk data instead of long text');
}

export interface LoadOptions {
  /** Overrides the file's seed (the command line's --seed). */
  seed?: number;
}

export function loadScenario(text: string, file: string, opts: LoadOptions = {}): ScenarioPlan {
  const lc = new LineCounter();
  if (Buffer.byteLength(text, 'utf8') > MAX_SOURCE_BYTES) throw sourceTooLarge(file, Buffer.byteLength(text, 'utf8'));
  // logLevel 'error': the yaml package would otherwise print Node warnings of its own (a key that is a
  // map or a list) on the user's terminal; such a key is reported below as an unknown key, with its line.
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true, strict: true, logLevel: 'error' });
  const src = new Source(file, text, lc, doc);

  // 1. YAML
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    throw src.error(src.pos(e.pos[0]), `invalid YAML: ${e.message.split('\n')[0]}`, YAML_HINTS[e.code] ?? 'check indentation and quoting here');
  }
  let root: unknown;
  try {
    root = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw src.error({ line: 1, col: 1 }, `invalid YAML: ${(e as Error).message}`, 'write the scenario without deeply nested aliases');
  }
  if (root === null || root === undefined) throw src.error({ line: 1, col: 1 }, 'the file is empty', 'a scenario needs at least  name:, hosts:  and  steps:');
  if (typeof root !== 'object' || Array.isArray(root)) {
    throw src.error(src.at([]), `a scenario must be a mapping (name:, hosts:, steps:, ...), not ${describe(root)}`, 'start with  name: my-scenario  at the left margin, then hosts: and steps:');
  }

  // 2. Structure
  const d = zodCheck(src, topS, root, []);

  // 3. Meaning
  const untilMs = d.until ?? DEFAULT_UNTIL_MS;
  if (untilMs <= 0) throw src.error(src.at(['until']), 'until must be more than 0', 'the virtual-time limit, e.g. 5min (default 10min)');
  if (untilMs > MAX_UNTIL_MS) throw src.error(src.at(['until']), `until is ${formatDuration(untilMs)}, more than the limit of ${formatDuration(MAX_UNTIL_MS)}`, `a run covers at most ${formatDuration(MAX_UNTIL_MS)} of virtual time; split a longer story into several scenarios`);
  const hosts = buildHosts(src, d.hosts, d.tcp ?? undefined);
  const names = hosts.map((h) => h.name);
  const link = buildLink(src, d.link ?? undefined, names);
  const bottleneck = d.bottleneck === undefined ? undefined
    : buildBottleneck(d.bottleneck, names, (path, m, h, key) => src.error(key ? src.keyAt(['bottleneck', ...path.slice(0, -1)], String(path[path.length - 1])) : src.at(['bottleneck', ...path]), m, h));
  if (bottleneck && d.link !== undefined) {
    throw src.error(src.keyAt([], 'link'), 'a scenario has link: or bottleneck:, not both', 'with a bottleneck, its rate, delay, queue and loss are the path: write them under bottleneck:');
  }
  const onSteps: StepPlan[] = [];
  const steps = buildSteps(src, d.steps ?? [], hosts, untilMs, onSteps);
  const expect = buildExpect(src, d.expect ?? undefined, names);

  const plan: ScenarioPlan = {
    file, source: text, name: d.name,
    seed: opts.seed ?? d.seed ?? DEFAULT_SEED,
    untilMs, hosts, link, steps, expect,
  };
  if (d.description !== undefined) plan.description = d.description;
  if (onSteps.length > 0) plan.onSteps = onSteps;
  if (bottleneck) plan.bottleneck = bottleneck;
  if (d.title !== undefined) plan.title = d.title;
  if (d.translations !== undefined) plan.translations = d.translations;
  return plan;
}

// ---------------------------------------------------------------------------------------------
// Hosts

/**
 * A letter of any script, then letters, combining marks, digits, - and _: `客户端` and `Käse` are names.
 * Never a space, `>`, `:`, `#`, `@` or a quote, which the step and segment grammar use to split
 * (`client>server #3`, `connect server:80`, `send @c1 "x"`), so a name is always one token.
 */
const HOST_NAME = /^\p{L}[\p{L}\p{M}\p{N}_-]*$/u;
const RESERVED_HOSTS = ['link', 'at'];

function tcpInput(t: Record<string, unknown> | null | undefined): TcpConfigInput {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(t ?? {})) if (v !== undefined) out[configKeyNames[k]] = v;
  return out as TcpConfigInput;
}

/** TcpConfig field -> the scenario file's key (rtoMinMs -> rto-min). */
const KEY_OF_FIELD: Record<string, string> = Object.fromEntries(Object.entries(configKeyNames).map(([k, f]) => [f, k]));

function buildHosts(src: Source, raw: Record<string, z.output<typeof hostS>>, fileTcp: Record<string, unknown> | undefined): HostPlan[] {
  const entries = Object.entries(raw);
  if (entries.length === 0) throw src.error(src.at(['hosts']), 'hosts is empty', 'name at least one host, e.g. hosts: { client: {}, server: {} }');
  const taken = new Map<number, string>();
  const explicit = new Map<string, number>();
  for (const [name, h] of entries) {
    if (!HOST_NAME.test(name) || RESERVED_HOSTS.includes(name)) {
      throw src.error(src.keyAt(['hosts'], name), `"${name}" cannot be a host name`,
        RESERVED_HOSTS.includes(name) ? `"${name}" has a meaning in steps; pick another name` : 'start with a letter (of any script); then letters, digits, - and _ (no spaces, ">", ":", "#" or "@")');
    }
    if (h?.addr === undefined) continue;
    let addr: number;
    try {
      addr = parseAddr(h.addr);
    } catch {
      throw src.error(src.at(['hosts', name, 'addr']), `"${h.addr}" is not an IPv4 address`, 'four numbers 0-255 separated by dots, e.g. 10.0.0.1');
    }
    const other = taken.get(addr);
    if (other !== undefined) {
      throw src.error(src.at(['hosts', name, 'addr']), `address ${formatAddr(addr)} is already ${other}'s`, 'give every host its own address (hosts without addr get 10.0.0.1, 10.0.0.2, ...)');
    }
    taken.set(addr, name);
    explicit.set(name, addr);
  }
  // Hosts without an address get 10.0.0.1, 10.0.0.2, ... in file order, skipping any address written out.
  let next = parseAddr('10.0.0.1');
  const base = tcpInput(fileTcp);
  return entries.map(([name, h]) => {
    let addr = explicit.get(name);
    if (addr === undefined) {
      while (taken.has(next)) next++;
      addr = next;
      taken.set(addr, name);
    }
    let tcp: TcpConfig;
    try {
      tcp = resolveConfig({ ...base, ...tcpInput(h?.tcp) });
    } catch (e) {
      if (!(e instanceof TcpConfigError)) throw e;
      // At the setting that breaks the rule (the host's own tcp:, else the file's), in the file's spelling.
      const key = KEY_OF_FIELD[e.key] ?? e.key;
      const path = h?.tcp?.[key as keyof typeof h.tcp] !== undefined ? ['hosts', name, 'tcp', key] : fileTcp?.[key] !== undefined ? ['tcp', key] : ['hosts', name];
      throw src.error(src.at(path), e.message.replace(/\b[a-z][A-Za-z]+\b/g, (w) => KEY_OF_FIELD[w] ?? w), e.hint);
    }
    return { name, addr, addrText: formatAddr(addr), tcp, pos: src.keyAt(['hosts'], name) };
  });
}

function hostList(names: readonly string[]): string {
  return `the hosts are: ${names.join(', ')}`;
}

function unknownHostHint(word: string, names: readonly string[]): string {
  const n = nearest(word, names);
  return n === undefined ? hostList(names) : `did you mean "${n}"? (${hostList(names)})`;
}

// ---------------------------------------------------------------------------------------------
// Link

function parseDirectionName(src: Source, text: string, at: Pos, names: readonly string[]): string {
  const m = /^\s*([^\s>]+)\s*>\s*([^\s>]+)\s*$/.exec(text);
  if (!m) throw src.error(at, `"${text}" is not a link direction`, 'write it as "FROM>TO" with two host names, e.g. "client>server"');
  for (const h of [m[1], m[2]]) {
    if (!names.includes(h)) throw src.error(at, `link direction "${text}" names unknown host "${h}"`, unknownHostHint(h, names));
  }
  if (m[1] === m[2]) throw src.error(at, `link direction "${text}" goes from a host to itself`, 'a direction joins two different hosts');
  return `${m[1]}>${m[2]}`;
}

type DirFields = z.output<typeof directionS>;

function toDirection(f: DirFields): Partial<LinkDirectionConfig> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(f)) if (k !== 'drop' && v !== undefined) out[linkFieldNames[k as keyof typeof linkFieldNames]] = v;
  return out as Partial<LinkDirectionConfig>;
}

function buildLink(src: Source, raw: Record<string, unknown> | undefined, names: readonly string[]): LinkPlan {
  let udp = false;
  const baseRaw: Record<string, unknown> = {};
  const perDir = new Map<string, { fields: DirFields; key: string }>();
  for (const [key, value] of Object.entries(raw ?? {})) {
    if (key === 'udp') {
      udp = zodCheck(src, z.boolean(), value, ['link', 'udp']);
    } else if (key.includes('>')) {
      const dir = parseDirectionName(src, key, src.keyAt(['link'], key), names);
      if (perDir.has(dir)) throw src.error(src.keyAt(['link'], key), `direction ${dir} is configured twice`, 'merge the two into one');
      perDir.set(dir, { fields: zodCheck(src, directionS.nullable(), value, ['link', key]) ?? {}, key });
    } else if (LINK_FIELDS.includes(key)) {
      baseRaw[key] = value;
    } else {
      throw src.error(src.keyAt(['link'], key), `unknown key "${key}" in link`,
        suggest(key, [...LINK_FIELDS, 'udp'], 'known keys') + ', or a direction like "client>server"');
    }
  }
  const base = zodCheck(src, directionS, baseRaw, ['link']);

  const directions: Record<string, Partial<LinkDirectionConfig>> = {};
  const drops = new Map<string, Set<number>>();
  for (const a of names) for (const b of names) if (a !== b) drops.set(`${a}>${b}`, new Set());

  // Drops written for both directions must say which direction: "client>server #1".
  (base.drop ?? []).forEach((entry, i) => {
    const at = src.at(['link', 'drop', i]);
    const m = typeof entry === 'string' ? /^(.*?)\s*#\s*([0-9]+)\s*$/.exec(entry) : null;
    if (!m) throw src.error(at, `drop entry ${JSON.stringify(entry)} does not say which segment`, 'write "FROM>TO #N": the Nth packet FROM sends to TO, e.g. "client>server #1"');
    const dir = parseDirectionName(src, m[1], at, names);
    const n = Number(m[2]);
    if (n < 1) throw src.error(at, `drop index ${n} must be 1 or more`, 'packets are counted from #1 in each direction');
    drops.get(dir)!.add(n);
  });
  for (const [dir, { fields, key }] of perDir) {
    (fields.drop ?? []).forEach((entry, i) => {
      const at = src.at(['link', key, 'drop', i]);
      const m = typeof entry === 'number' ? [String(entry), String(entry)] : /^\s*#?\s*([0-9]+)\s*$/.exec(entry);
      const n = m ? Number(m[1]) : NaN;
      if (!Number.isInteger(n) || n < 1) throw src.error(at, `drop entry ${JSON.stringify(entry)} is not a packet number`, `packets ${dir} are counted from 1: write [1, 3] or ["#1", "#3"]`);
      drops.get(dir)!.add(n);
    });
  }
  // Every ordered pair gets a full config: defaults (delay 0, no impairments, mtu 1500) < both directions < this one.
  const baseCfg = toDirection(base);
  for (const [dir, set] of drops) {
    directions[dir] = {
      ...defaultDirectionConfig, ...baseCfg, ...toDirection(perDir.get(dir)?.fields ?? {}),
      drop: [...set].sort((x, y) => x - y),
    };
  }
  return { udp, directions };
}

// ---------------------------------------------------------------------------------------------
// Command strings

interface Token {
  text: string;
  /** The decoded text of a "quoted" token. */
  value?: string;
  quoted: boolean;
  /** Index of the first character in the command string. */
  start: number;
}

function tokenize(s: string, err: (idx: number, message: string, hint?: string) => ScenarioError): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < s.length) {
    if (/\s/.test(s[i])) {
      i++;
      continue;
    }
    const start = i;
    if (s[i] === '"') {
      i++;
      while (i < s.length && s[i] !== '"') i += s[i] === '\\' ? 2 : 1;
      if (i >= s.length) throw err(start, 'the quoted text is not closed', 'end it with a double quote: send "hello"');
      i++;
      const text = s.slice(start, i);
      let value: string;
      try {
        value = JSON.parse(text) as string;
      } catch {
        throw err(start, `${text} is not a valid quoted text`, 'use JSON escapes inside the quotes: \\n \\t \\" \\\\ \\u00e9');
      }
      out.push({ text, value, quoted: true, start });
    } else if (s[i] === "'") {
      // 'text' as YAML and the shell write it: taken as it is, no escapes (send 'say "hi"').
      const close = s.indexOf("'", i + 1);
      if (close < 0) throw err(start, 'the quoted text is not closed', "end it with a single quote: send 'hello'");
      i = close + 1;
      out.push({ text: s.slice(start, i), value: s.slice(start + 1, close), quoted: true, start });
    } else {
      while (i < s.length && !/\s/.test(s[i])) i++;
      out.push({ text: s.slice(start, i), quoted: false, start });
    }
  }
  return out;
}

const USAGE: Record<string, string> = {
  listen: 'listen PORT [backlog N]',
  connect: 'connect HOST:PORT [from PORT] [as NAME]',
  send: 'send [@CONN] "TEXT"  or  send [@CONN] BYTES (e.g. send 100000, send 64k)',
  shutdown: 'shutdown [@CONN]',
  close: 'close [@CONN]',
  abort: 'abort [@CONN]',
  read: 'read [@CONN] N|all',
  expect: 'expect [@CONN] state STATE  or  expect [@CONN] delivered N',
};
export const HOST_COMMANDS = Object.keys(USAGE);
const CONN_NAME = /^[\p{L}_][\p{L}\p{M}\p{N}_-]*$/u;

function parsePort(tok: Token | undefined, what: string, verb: string, err: (idx: number, m: string, h?: string) => ScenarioError, end: number): number {
  if (!tok) throw err(end, `${verb} needs ${what}`, USAGE[verb]);
  if (!/^[0-9]+$/.test(tok.text) || Number(tok.text) < 1 || Number(tok.text) > 65535) {
    throw err(tok.start, `"${tok.text}" is not a port`, `a port is a number from 1 to 65535; ${USAGE[verb]}`);
  }
  return Number(tok.text);
}

function parseHostCommand(text: string, err: (idx: number, m: string, h?: string) => ScenarioError, hosts: readonly HostPlan[], self: string): Command {
  const toks = tokenize(text, err);
  if (toks.length === 0) throw err(0, 'the command is empty', `one of: ${HOST_COMMANDS.join(', ')}`);
  const verb = toks[0].text;
  if (!(verb in USAGE)) {
    const n = nearest(verb, HOST_COMMANDS);
    throw err(toks[0].start, `unknown command "${verb}"`, n ? `did you mean "${n}"? (${USAGE[n]})` : `the commands are: ${HOST_COMMANDS.join(', ')}`);
  }
  let rest = toks.slice(1);
  let conn: string | undefined;
  if (rest[0]?.text.startsWith('@') && !rest[0].quoted) {
    const name = rest[0].text.slice(1);
    if (verb === 'listen' || verb === 'connect') throw err(rest[0].start, `${verb} does not act on a connection`, USAGE[verb]);
    if (!CONN_NAME.test(name)) throw err(rest[0].start, `"${rest[0].text}" is not a connection name`, 'write @ and a name given with `connect ... as NAME`, e.g. @c1');
    conn = name;
    rest = rest.slice(1);
  }
  const end = text.length;
  const noMore = (from: number) => {
    if (rest.length > from) throw err(rest[from].start, `unexpected "${rest[from].text}" after ${verb}`, USAGE[verb]);
  };
  const withConn = <T extends object>(c: T): T => (conn === undefined ? c : { ...c, conn });
  const sizeArg = (tok: Token | undefined, what: string): number => {
    if (!tok) throw err(end, `${verb} needs ${what}`, USAGE[verb]);
    try {
      return parseSize(tok.text);
    } catch (e) {
      throw err(tok.start, (e as UnitError).message, `${(e as UnitError).hint}; ${USAGE[verb]}`);
    }
  };

  switch (verb) {
    case 'listen': {
      const port = parsePort(rest[0], 'a port', verb, err, end);
      if (rest.length === 1) return { op: 'listen', port };
      if (rest[1].text !== 'backlog') throw err(rest[1].start, `unexpected "${rest[1].text}" after listen ${port}`, USAGE.listen);
      const b = rest[2];
      if (!b || !/^[0-9]+$/.test(b.text) || Number(b.text) < 1 || Number(b.text) > 65535) {
        throw err(b ? b.start : end, `backlog needs a number from 1 to 65535`, USAGE.listen);
      }
      noMore(3);
      return { op: 'listen', port, backlog: Number(b.text) };
    }
    case 'connect': {
      const t = rest[0];
      if (!t) throw err(end, 'connect needs HOST:PORT', USAGE.connect);
      const colon = t.text.lastIndexOf(':');
      if (colon <= 0) throw err(t.start, `"${t.text}" is not HOST:PORT`, `e.g. connect ${hosts.find((h) => h.name !== self)?.name ?? 'server'}:80`);
      const hostText = t.text.slice(0, colon);
      // A host by name, or by its address.
      const target = hosts.find((h) => h.name === hostText) ?? hosts.find((h) => h.addrText === hostText);
      if (!target) throw err(t.start, `connect to "${hostText}", which is not a host of this scenario`, unknownHostHint(hostText, hosts.map((h) => h.name)));
      const port = parsePort({ ...t, text: t.text.slice(colon + 1), start: t.start + colon + 1 }, 'a port', verb, err, end);
      const cmd: Command & { op: 'connect' } = { op: 'connect', host: target.name, port };
      for (let i = 1; i < rest.length; i += 2) {
        const k = rest[i];
        if (k.text === 'from' && cmd.fromPort === undefined) {
          cmd.fromPort = parsePort(rest[i + 1], 'a port after from', verb, err, end);
        } else if (k.text === 'as' && cmd.as === undefined) {
          const n = rest[i + 1];
          if (!n || !CONN_NAME.test(n.text)) throw err(n ? n.start : end, 'as needs a connection name', 'a name like c1 (letters, digits, - and _), used later as @c1');
          cmd.as = n.text;
        } else {
          throw err(k.start, `unexpected "${k.text}" in connect`, USAGE.connect);
        }
      }
      return cmd;
    }
    case 'send': {
      const t = rest[0];
      if (!t) throw err(end, 'send needs the text or a byte count', USAGE.send);
      noMore(1);
      if (t.quoted) return withConn({ op: 'send', data: { text: t.value! } });
      if (!/^[0-9.]/.test(t.text)) throw err(t.start, `send ${t.text}: text must be in quotes`, `send ${JSON.stringify(t.text)} (or send '${t.text.replaceAll("'", '')}')`);
      return withConn({ op: 'send', data: { bytes: sizeArg(t, 'a byte count') } });
    }
    case 'shutdown':
    case 'close':
    case 'abort':
      noMore(0);
      return withConn({ op: verb });
    case 'read': {
      const t = rest[0];
      if (t?.text === 'all') {
        noMore(1);
        return withConn({ op: 'read', count: 'all' });
      }
      const n = sizeArg(t, 'a byte count or all');
      if (n < 1) throw err(t!.start, 'read needs at least 1 byte', USAGE.read);
      noMore(1);
      return withConn({ op: 'read', count: n });
    }
    case 'expect': {
      const kind = rest[0];
      if (kind?.text === 'state') {
        const s = rest[1];
        if (!s) throw err(end, 'expect state needs a state', `one of: ${TCP_STATES.join(' ')}`);
        const state = parseState(s.text, (m, h) => err(s.start, m, h));
        noMore(2);
        return withConn({ op: 'expect-state', state });
      }
      if (kind?.text === 'delivered') {
        const n = sizeArg(rest[1], 'a byte count');
        noMore(2);
        return withConn({ op: 'expect-delivered', bytes: n });
      }
      const n = kind && nearest(kind.text, ['state', 'delivered']);
      throw err(kind ? kind.start : end, kind ? `unknown expectation "${kind.text}"` : 'expect needs state or delivered', n ? `did you mean "${n}"? (${USAGE.expect})` : USAGE.expect);
    }
  }
  throw err(0, `unknown command "${verb}"`);
}

function parseState(word: string, err: (m: string, h?: string) => ScenarioError): TcpStateName {
  if ((TCP_STATES as readonly string[]).includes(word)) return word as TcpStateName;
  const n = nearest(word, TCP_STATES);
  throw err(`"${word}" is not a TCP state`, n ? `did you mean ${n}? (RFC 9293's names: ${TCP_STATES.join(' ')})` : `RFC 9293's names: ${TCP_STATES.join(' ')}`);
}

// ---------------------------------------------------------------------------------------------
// Steps

function buildSteps(src: Source, raw: unknown[], hosts: readonly HostPlan[], untilMs: number, onSteps: StepPlan[] = []): StepPlan[] {
  const names = hosts.map((h) => h.name);
  const out: StepPlan[] = [];
  let sendBytes = 0;
  raw.forEach((step, i) => {
    const path = ['steps', i];
    if (step === null || typeof step !== 'object' || Array.isArray(step)) {
      throw src.error(src.at(path), `step ${i + 1} should be a mapping, not ${describe(step)}`, 'write { at: 0, client: connect server:80 }');
    }
    let atMs: number | undefined;
    let target: string | undefined;
    const eventKeys: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(step as Record<string, unknown>)) {
      // on:, after:, every: (steps on events) are checked in lib/scenario/events.ts.
      if ((EVENT_STEP_KEYS as readonly string[]).includes(key)) {
        eventKeys[key] = value;
        continue;
      }
      if (key === 'at') {
        try {
          atMs = parseDuration(value);
        } catch (e) {
          throw src.error(src.at([...path, 'at']), `at: ${(e as UnitError).message}`, (e as UnitError).hint);
        }
        continue;
      }
      if (key !== 'link' && !names.includes(key)) {
        const isCmd = nearest(key, HOST_COMMANDS) === key;
        // In { ... } a comma ends the value, so `send "a, b"` splits into a command and a stray key.
        const split = /["\s]/.test(key);
        throw src.error(src.keyAt(path, key), `step names unknown host "${key}"`,
          split ? 'inside { } a comma ends the command: put the whole command in single quotes, e.g. client: \'send "a, b"\''
            : isCmd ? `a step is { at: TIME, HOST: ${key} ... }; ${hostList(names)}` : unknownHostHint(key, [...names, 'link']));
      }
      if (target !== undefined) {
        throw src.error(src.keyAt(path, key), `a step has one host (or link) and one command; this one has ${target} and ${key}`, 'split it into two steps with the same at:');
      }
      target = key;
    }
    const on = parseEventKeys(eventKeys, atMs !== undefined, {
      hosts: names, parseSize,
      err: (key, idx, m, h) => src.error(key in eventKeys ? src.inScalar(src.nodeAt([...path, key]).node, idx) : src.at(path), m, h),
    });
    if (atMs === undefined && on === undefined) throw src.error(src.at(path), `step ${i + 1} has no "at:"`, 'every step says when: { at: 100ms, client: send "hi" }, or on which event: { on: "server accepted", server: send "hi" }');
    if (target === undefined) throw src.error(src.at(path), `step ${i + 1} has no host`, `add one host and its command, e.g. { ${atMs === undefined ? `on: "${on!.text}"` : `at: ${formatDuration(atMs)}`}, ${names[0]}: close }; ${hostList(names)}`);
    if (atMs !== undefined && atMs > untilMs) {
      throw src.error(src.at([...path, 'at']), `step at ${formatDuration(atMs)} is after the end of the run (until ${formatDuration(untilMs)})`, `raise until: or move the step before ${formatDuration(untilMs)}`);
    }
    const valueNode = src.nodeAt([...path, target]).node;
    const value = (step as Record<string, unknown>)[target];
    if (typeof value !== 'string') {
      throw src.error(src.at([...path, target]), `the command for ${target} should be text, not ${describe(value)}`, target === 'link' ? 'link: down or link: up' : `e.g. ${USAGE.send}`);
    }
    const err = (idx: number, m: string, h?: string) => {
      const p = src.inScalar(valueNode, idx);
      return src.error(p, m, h);
    };
    let command: Command;
    if (target === 'link' && /^\s*inject(\s|$)/.test(value)) {
      // A forged segment (lib/scenario/inject.ts), in the notation of expect.segments.
      command = { op: 'inject', inject: parseInject(value, hosts, parseSegmentLine, (idx) => src.inScalar(valueNode, idx), (p, m, h) => src.error(p, m, h)) };
    } else if (target === 'link') {
      const w = value.trim();
      if (w !== 'down' && w !== 'up') {
        const n = nearest(w.split(/\s/)[0], ['down', 'up', 'inject']);
        throw err(value.indexOf(w), `unknown link command "${w}"`, n ? `did you mean "${n}"? (link commands: down, up, inject SEGMENT)` : 'link commands: down, up, inject SEGMENT');
      }
      command = { op: w };
    } else {
      command = parseHostCommand(value, err, hosts, target);
      if (command.op === 'connect' && command.host === target) {
        throw err(0, `${target} connects to itself`, `connect to another host: ${hostList(names)}`);
      }
      if (command.op === 'send') sendBytes += 'bytes' in command.data ? command.data.bytes : Buffer.byteLength(command.data.text);
      if (sendBytes > MAX_SEND_BYTES) {
        throw err(0, `the sends add up to ${sendBytes} bytes here, more than the limit of ${MAX_SEND_BYTES} (16 GiB) for one scenario`, 'send less, or split the run into several scenarios');
      }
    }
    if (on) onSteps.push({ atMs: 0, pos: src.inScalar(valueNode, 0), target, command, text: value.trim(), on });
    else out.push({ atMs: atMs!, pos: src.inScalar(valueNode, 0), target, command, text: value.trim() });
  });
  // Array.prototype.sort is stable: steps at the same time keep file order.
  return out.sort((a, b) => a.atMs - b.atMs);
}

// ---------------------------------------------------------------------------------------------
// Expectations

export interface Line {
  text: string;
  pos: (idx: number) => Pos;
}

/** Lines of a string node, each able to map a column back to the file. */
function linesOf(src: Source, node: Node | undefined, value: string): Line[] {
  const lines = value.split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  if (node && isScalar(node) && node.range && (node.type === Scalar.BLOCK_LITERAL || node.type === Scalar.BLOCK_FOLDED)) {
    // A literal block keeps its lines 1:1 after the header line; only the indentation is taken off.
    const header = src.pos(node.range[0]).line;
    return lines.map((text, i) => {
      const line = header + 1 + i;
      const srcText = src.lines[line - 1] ?? '';
      const indent = srcText.endsWith(text) ? srcText.length - text.length : (/^ */.exec(srcText)?.[0].length ?? 0);
      return { text, pos: (idx: number) => ({ line, col: indent + idx + 1 }) };
    });
  }
  return lines.map((text, i) => ({
    text,
    pos: (idx: number) => {
      if (i === 0) return src.inScalar(node, idx);
      const first = src.nodePos(node);
      return { line: first.line + i, col: idx + 1 };
    },
  }));
}

const SEG_FIELDS = ['seq', 'ack', 'win', 'len'];
const SEG_USAGE = 'FROM > TO FLAGS [seq A[:B]] [ack N] [win N] [len N], or ... for any number of segments';

export function parseSegmentLine(line: Line, names: readonly string[], err: (p: Pos, m: string, h?: string) => ScenarioError): SegmentPattern | undefined {
  // A trailing " # comment" is allowed, as in YAML around it.
  const hash = line.text.search(/(^|\s)#/);
  const text = hash >= 0 ? line.text.slice(0, hash) : line.text;
  const lead = /^\s*/.exec(text)![0].length;
  if (text.trim() === '') return undefined;
  if (text.trim() === '...') return { kind: 'any', pos: line.pos(lead) };
  const m = /^(\s*)([^\s>]+)(\s*>\s*)([^\s>]+)/.exec(text);
  if (!m) throw err(line.pos(lead), `segment line "${text.trim()}" does not parse`, SEG_USAGE);
  const from = m[2];
  const to = m[4];
  const fromAt = m[1].length;
  const toAt = fromAt + m[2].length + m[3].length;
  if (!names.includes(from)) throw err(line.pos(fromAt), `segment line names unknown host "${from}"`, unknownHostHint(from, names));
  if (!names.includes(to)) throw err(line.pos(toAt), `segment line names unknown host "${to}"`, unknownHostHint(to, names));
  const rest = tokenize(text.slice(m[0].length), () => err(line.pos(m[0].length), 'quotes have no meaning in a segment line', SEG_USAGE))
    .map((t) => ({ ...t, start: t.start + m[0].length }));
  const flagsTok = rest[0];
  if (!flagsTok) throw err(line.pos(text.length), 'segment line has no flags', `write tcpdump's flags after the hosts: S, S., ., P., FP., R, ... (${SEG_USAGE})`);
  let flags: string;
  try {
    flags = flagString(parseFlagString(flagsTok.text));
  } catch (e) {
    const off = typeof (e as { offset?: unknown }).offset === 'number' ? (e as { offset: number }).offset : 0;
    throw err(line.pos(flagsTok.start + off), `bad flags "${flagsTok.text}": ${(e as Error).message}`, 'tcpdump letters in any order: F S R P . U E W (. is ACK), or none');
  }
  const pat: SegmentPattern & { kind: 'segment' } = { kind: 'segment', from, to, flags, pos: line.pos(lead), text: text.trim() };
  const seen = new Set<string>();
  for (let i = 1; i < rest.length; i += 2) {
    const k = rest[i];
    const v = rest[i + 1];
    if (!SEG_FIELDS.includes(k.text)) {
      // tcpdump's own words for two of them, so typos of those are caught too.
      const alias: Record<string, string> = { length: 'len', window: 'win' };
      const near = nearest(k.text, [...SEG_FIELDS, ...Object.keys(alias)]);
      const n = near === undefined ? undefined : alias[near] ?? near;
      throw err(line.pos(k.start), `unknown field "${k.text}" in segment line`, n ? `did you mean "${n}"? (${SEG_USAGE})` : SEG_USAGE);
    }
    if (seen.has(k.text)) throw err(line.pos(k.start), `${k.text} is written twice`, 'each field at most once');
    seen.add(k.text);
    if (!v) throw err(line.pos(text.length), `${k.text} needs a number`, SEG_USAGE);
    const num = (s: string, at: number): number => {
      if (!/^[0-9]+$/.test(s) || Number(s) > 0xffffffff) throw err(line.pos(at), `"${s}" is not a number for ${k.text}`, k.text === 'seq' ? 'seq A or seq A:B (relative sequence numbers)' : `a whole number 0..4294967295`);
      return Number(s);
    };
    if (k.text === 'seq') {
      const c = v.text.indexOf(':');
      if (c < 0) {
        pat.seq = num(v.text, v.start);
      } else {
        pat.seq = num(v.text.slice(0, c), v.start);
        pat.seqEnd = num(v.text.slice(c + 1), v.start + c + 1);
        if (pat.seqEnd < pat.seq) throw err(line.pos(v.start), `seq ${v.text} ends before it starts`, 'seq A:B covers bytes A up to but not including B, so B >= A');
      }
    } else {
      (pat as unknown as Record<string, number>)[k.text] = num(v.text, v.start);
    }
  }
  return pat;
}

function buildExpect(src: Source, raw: z.output<typeof expectS> | undefined, names: readonly string[]): ExpectPlan {
  const out: ExpectPlan = {};
  if (!raw) return out;
  const checkHost = (section: string, host: string) => {
    if (!names.includes(host)) throw src.error(src.keyAt(['expect', section], host), `expect.${section} names unknown host "${host}"`, unknownHostHint(host, names));
  };
  if (raw.states) {
    out.states = {};
    for (const [host, v] of Object.entries(raw.states)) {
      checkHost('states', host);
      const node = src.nodeAt(['expect', 'states', host]).node;
      const words: { text: string; pos: Pos }[] = [];
      const collect = (line: Line) => {
        for (const m of line.text.matchAll(/[^\s,]+/g)) words.push({ text: m[0], pos: line.pos(m.index!) });
      };
      if (typeof v === 'string') {
        linesOf(src, node, v).forEach(collect);
      } else {
        v.forEach((s, i) => {
          const n = src.nodeAt(['expect', 'states', host, i]).node;
          linesOf(src, n, s).forEach(collect);
        });
      }
      if (words.length === 0) throw src.error(src.nodePos(node), `expect.states.${host} is empty`, 'list the states, e.g. CLOSED SYN-SENT ESTABLISHED');
      const states = words.map((w) => parseState(w.text, (m, h) => src.error(w.pos, m, h)));
      out.states[host] = { states, pos: src.keyAt(['expect', 'states'], host) };
    }
  }
  if (raw.segments !== undefined) {
    const lines: Line[] = [];
    if (typeof raw.segments === 'string') {
      lines.push(...linesOf(src, src.nodeAt(['expect', 'segments']).node, raw.segments));
    } else {
      raw.segments.forEach((s, i) => lines.push(...linesOf(src, src.nodeAt(['expect', 'segments', i]).node, s)));
    }
    const pats: SegmentPattern[] = [];
    for (const line of lines) {
      const p = parseSegmentLine(line, names, (pos, m, h) => src.error(pos, m, h));
      if (p) pats.push(p);
    }
    out.segments = { lines: pats, pos: src.keyAt(['expect'], 'segments') };
  }
  if (raw.delivered) {
    out.delivered = {};
    for (const [host, v] of Object.entries(raw.delivered)) {
      checkHost('delivered', host);
      const pos = src.keyAt(['expect', 'delivered'], host);
      // A number is a byte count, text is the exact text (write "2000" in quotes for the text 2000).
      out.delivered[host] = typeof v === 'number' ? { bytes: v, pos } : { text: v, pos };
    }
  }
  if (raw.errors) {
    out.errors = {};
    for (const [host, code] of Object.entries(raw.errors)) {
      checkHost('errors', host);
      if (!(ERROR_CODES as readonly string[]).includes(code)) {
        throw src.error(src.at(['expect', 'errors', host]), `"${code}" is not an error an application sees`, suggest(code, ERROR_CODES, 'the codes are'));
      }
      out.errors[host] = { code, pos: src.keyAt(['expect', 'errors'], host) };
    }
  }
  return out;
}
