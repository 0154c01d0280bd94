/**
 * Scenario file -> ScenarioPlan (the format: docs/scenario-format.md).
 *
 * Three layers, each pointing its errors at the exact place in the file:
 *  1. YAML, parsed with positions kept (parseDocument + LineCounter);
 *  2. structure, types and ranges, checked with zod; an issue's path is walked back to its node;
 *  3. the small languages inside strings (step commands, segment lines, state lists), parsed
 *     token by token so that a column points into the string.
 * Every mistake is a ScenarioError with file:line:col, what is wrong and what would be right.
 *
 * This file runs the layers in order; each grammar has its own file: source.ts (positions, hints, tokens),
 * schema.ts (structure), topology.ts (hosts and link), steps.ts (steps and host commands), segments.ts
 * (segment lines and expectations), events.ts (steps on events), inject.ts (forged segments).
 */
import { LineCounter, parseDocument } from 'yaml';
import { ScenarioError } from './errors.ts';
import { buildBottleneck } from './bottleneck.ts';
import { DEFAULT_SEED, DEFAULT_UNTIL_MS, MAX_SOURCE_BYTES, MAX_UNTIL_MS } from './limits.ts';
import { checked, QUICK, schemas } from './schema.ts';
import { buildExpect } from './segments.ts';
import { describeText, Source, withText } from './source.ts';
import type { MessageKey } from '../i18n/index.ts';
import { buildSteps } from './steps.ts';
import { buildHosts, buildLink } from './topology.ts';
import { formatDuration } from './units.ts';
import type { ScenarioPlan, StepPlan } from './plan.ts';

export { DEFAULT_SEED, DEFAULT_UNTIL_MS, ERROR_CODES, MAX_SEND_BYTES, MAX_SOURCE_BYTES, MAX_STEPS, MAX_UNTIL_MS } from './limits.ts';
export { SCENARIO_KEYS } from './schema.ts';
export { parseSegmentLine } from './segments.ts';
export { editDistance, nearest, type Line } from './source.ts';
export { HOST_COMMANDS } from './steps.ts';


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
  return ScenarioError.worded(file, 1, 1, { key: 'sc.tooLarge', params: { bytes, limit: MAX_SOURCE_BYTES } }, { key: 'sc.h.tooLarge' });
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
    // The yaml package's own message is English; in other languages the error says which kind of mistake it is (issue 26).
    const known = Object.hasOwn(YAML_HINTS, e.code);
    throw withText(src.error(src.pos(e.pos[0]), `invalid YAML: ${e.message.split('\n')[0]}`, YAML_HINTS[e.code] ?? 'check indentation and quoting here'),
      { key: 'sc.yaml', params: { detail: known ? { key: `sc.yaml.${e.code}` as MessageKey } : e.message.split('\n')[0]! } }, known ? { key: `sc.yaml.h.${e.code}` as MessageKey } : { key: 'sc.yaml.h.other' });
  }
  let root: unknown;
  try {
    root = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw withText(src.error({ line: 1, col: 1 }, `invalid YAML: ${(e as Error).message}`, 'write the scenario without deeply nested aliases'), { key: 'sc.yaml', params: { detail: (e as Error).message } }, { key: 'sc.yaml.h.aliases' });
  }
  if (root === null || root === undefined) throw src.worded({ line: 1, col: 1 }, { key: 'sc.emptyFile' }, { key: 'sc.h.emptyFile' });
  if (typeof root !== 'object' || Array.isArray(root)) {
    throw src.worded(src.at([]), { key: 'sc.notMapping', params: { found: describeText(root) } }, { key: 'sc.h.notMapping' });
  }

  // 2. Structure
  const d = checked(src, QUICK.top, () => schemas().topS, root, []);

  // 3. Meaning
  const untilMs = d.until ?? DEFAULT_UNTIL_MS;
  if (untilMs <= 0) throw src.worded(src.at(['until']), { key: 'sc.untilZero' }, { key: 'sc.h.untilZero' });
  if (untilMs > MAX_UNTIL_MS) throw src.worded(src.at(['until']), { key: 'sc.untilMax', params: { until: formatDuration(untilMs), max: formatDuration(MAX_UNTIL_MS) } }, { key: 'sc.h.untilMax', params: { max: formatDuration(MAX_UNTIL_MS) } });
  const hosts = buildHosts(src, d.hosts, d.tcp ?? undefined);
  const names = hosts.map((h) => h.name);
  const link = buildLink(src, d.link ?? undefined, names);
  const bottleneck = d.bottleneck === undefined ? undefined
    : buildBottleneck(d.bottleneck, names, (path, m, h, key) => src.error(key ? src.keyAt(['bottleneck', ...path.slice(0, -1)], String(path[path.length - 1])) : src.at(['bottleneck', ...path]), m, h));
  if (bottleneck && d.link !== undefined) {
    throw src.worded(src.keyAt([], 'link'), { key: 'sc.linkAndBottleneck' }, { key: 'sc.h.linkAndBottleneck' });
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

