/**
 * One run of a sweep (docs/command-line.md, `tcpemu sweep`): a scenario's text with some of its keys
 * set (`--set link.loss=0.01`), one seed, and the figures the sweep's table is made of. A pure function
 * of the text, the settings and the seed, so a sweep's results never depend on which thread ran what.
 */
import { isMap, parseDocument, parse as parseYaml } from 'yaml';
import { loadScenario } from '../scenario/load.ts';
import { runScenario } from '../scenario/runner.ts';
import { ScenarioError } from '../scenario/errors.ts';
import type { ScenarioPlan } from '../scenario/plan.ts';
import { word, type Msg } from '../i18n/index.ts';

/** A key of the scenario file, dotted (`link.loss`, `hosts.client.tcp.rcvbuf`), and the values it takes in turn. */
export interface SweepSet {
  key: string;
  /** As written on the command line; each is read as YAML (`0.01` a number, `10mbit` text). */
  values: string[];
}

/** One combination of the swept values: key -> value as written. */
export type Setting = Record<string, string>;

export interface RunRow {
  set: Setting;
  seed: number;
  /** Every expectation held. */
  ok: boolean;
  held: number;
  expectations: number;
  /** Mean over the run's flows of each flow's goodput (flowGoodputs), bits per second; 0 with no flow. */
  goodput: number;
  retransmissions: number;
  /** When the last flow's application read its last byte (ms); without flows, when the run ended. */
  durationMs: number;
  segments: number;
  /** Why the run could not be made (a run limit), when it could not. */
  error?: string;
}

/** The scenario's text with `set` applied: each key's value replaced (or added) where the dotted path says. */
export function applySetting(text: string, set: Setting): string {
  if (Object.keys(set).length === 0) return text;
  const doc = parseDocument(text, { uniqueKeys: true });
  for (const [key, value] of Object.entries(set)) {
    const path = key.split('.');
    // A missing mapping on the way is made (link: may be left out of a file); the value is read as YAML.
    for (let i = 1; i < path.length; i++) {
      const at = doc.getIn(path.slice(0, i), true);
      if (at === undefined || at === null || (typeof at === 'object' && 'value' in (at as object) && (at as { value: unknown }).value === null)) {
        doc.setIn(path.slice(0, i), doc.createNode({}));
      } else if (!isMap(at)) {
        throw new SettingError(key, { key: 'sweep.u.notMapping', params: { path: path.slice(0, i).join('.'), key: path[i]! } });
      }
    }
    doc.setIn(path, parseYaml(value));
  }
  return doc.toString();
}

export class SettingError extends Error {
  override name = 'SettingError';
  /** What is wrong, as a message (worded in the user's language). */
  readonly text: Msg;
  constructor(readonly key: string, text: Msg) {
    super(word('en', text));
    this.text = text;
  }
}

/** The scenario of one combination, loaded (and so checked) once for all its seeds. */
export function planFor(text: string, file: string, set: Setting, seed?: number): ScenarioPlan {
  if (Object.keys(set).length === 0) return loadScenario(applySetting(text, set), file, seed === undefined ? {} : { seed });
  // The label a loader mistake names the file by: in English `x.yaml (with link.loss=0.1)`, as a message for the user's language.
  const label: Msg = { key: 'sweep.withSet', params: { file, set: Object.entries(set).map(([k, v]) => `${k}=${v}`) } };
  try {
    return loadScenario(applySetting(text, set), word('en', label), seed === undefined ? {} : { seed });
  } catch (e) {
    if (e instanceof ScenarioError) e.fileText = label;
    throw e;
  }
}

/**
 * The plans this thread has loaded, by file and combination: a seed changes nothing but the plan's
 * `seed` (loadScenario reads it into that field alone), so each combination is loaded and checked
 * once, not once a seed (loading was a third of a small run's time).
 */
const loaded = new Map<string, ScenarioPlan>();

function planWithSeed(text: string, file: string, set: Setting, seed: number): ScenarioPlan {
  const key = JSON.stringify([file, text, set]);
  let plan = loaded.get(key);
  if (plan === undefined) {
    plan = planFor(text, file, set);
    loaded.set(key, plan);
  }
  return { ...plan, seed };
}

/** Runs one combination with one seed and measures it. */
export function measure(text: string, file: string, set: Setting, seed: number): RunRow {
  const row: RunRow = { set, seed, ok: false, held: 0, expectations: 0, goodput: 0, retransmissions: 0, durationMs: 0, segments: 0 };
  let r;
  try {
    // Counts, not a trace: a sweep reads figures only (goodput tallied per flow as the run goes).
    r = runScenario(planWithSeed(text, file, set, seed), { timers: false, record: 'counts', flows: true, keepDelivered: false });
  } catch (e) {
    if (e instanceof ScenarioError) throw e;
    row.error = (e as Error).message;
    return row;
  }
  row.ok = r.ok;
  row.expectations = r.expectations.length;
  row.held = r.expectations.filter((x) => x.ok).length;
  const flows = r.flows!;
  row.goodput = flows.length === 0 ? 0 : Math.round(flows.reduce((a, f) => a + f.goodput, 0) / flows.length);
  row.retransmissions = r.stats.retransmissions;
  row.durationMs = flows.length === 0 ? r.stats.durationMs : Math.max(...flows.map((f) => f.endMs));
  row.segments = r.stats.segments;
  return row;
}
