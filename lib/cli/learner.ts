/**
 * What the learner-facing commands share (issue 26): the `--lang` flag, a scenario's title and
 * description in a language, and the explain view of a run with the bytes it carried.
 */
import { langFromEnv, msg, parseLang, type Lang } from '../i18n/index.ts';
import type { ScenarioPlan } from '../scenario/plan.ts';
import type { TraceEvent } from '../trace/events.ts';
import { Payloads } from '../trace/payload.ts';
import { renderExplain } from '../trace/views/explain.ts';
import { UsageError } from './args.ts';
import { loadScenario } from '../scenario/load.ts';
import { runScenario } from '../scenario/runner.ts';
import { firstDifference } from '../trace/diff.ts';
import { ScenarioError } from '../scenario/errors.ts';

/** `--lang`'s value, or the environment's language when it was not given. */
export function resolveLang(value: string | undefined, command: string): Lang {
  if (value === undefined) return langFromEnv();
  const lang = parseLang(value);
  if (lang === null) throw new UsageError(`${command}: ${msg(langFromEnv(), 'cli.badLang', { lang: value })}\nrun '${command} --help' for its usage`);
  return lang;
}

/** The scenario's title and description in `lang`, falling back to the file's own. */
export function scenarioWords(plan: Pick<ScenarioPlan, 'title' | 'description' | 'translations'> | undefined, lang: Lang): { title?: string; description?: string } {
  if (plan === undefined) return {};
  const t = plan.translations?.[lang];
  const out: { title?: string; description?: string } = {};
  const title = t?.title ?? plan.title;
  const description = t?.description ?? plan.description;
  if (title !== undefined) out.title = title;
  if (description !== undefined) out.description = description;
  return out;
}

/**
 * The words of a recorded scenario (a trace's meta line) in `lang`: its translation when the trace carries one;
 * else, outside English, the recorded title and description as they were written, each said to be the recorded one
 * (issue 26), so that a Chinese reader knows why it is in another language.
 */
export function recordedWords(plan: Pick<ScenarioPlan, 'title' | 'description' | 'translations'> | undefined, lang: Lang): { title?: string; description?: string } {
  const words = scenarioWords(plan, lang);
  if (lang === 'en' || plan === undefined) return words;
  const t = plan.translations?.[lang];
  if (words.title !== undefined && t?.title === undefined) words.title = msg(lang, 'explain.recordedTitle', { text: words.title });
  if (words.description !== undefined && t?.description === undefined) words.description = msg(lang, 'explain.recordedDescription', { text: words.description });
  return words;
}

/** The explain view of a run's events, headed by its scenario's words, with the bytes its packets carried (`recorded`: a trace's words, recordedWords). */
export function explainRun(events: readonly TraceEvent[], plan: ScenarioPlan | undefined, packets: readonly { packet: Buffer }[], lang: Lang, color: boolean, recorded = false): string {
  return renderExplain(events, { lang, color, payloads: Payloads.fromPackets(packets), ...(recorded ? recordedWords : scenarioWords)(plan, lang) });
}

/**
 * For `tcpemu report` of a recorded trace: the scenario's words and the bytes the segments carried,
 * which a trace does not hold. Its scenario (in the meta line) is run again with its seed; the bytes
 * are used only when that run is the recorded one, event for event. A capture, a trace of the UDP
 * link, or one that does not replay gets neither.
 */
export function reportExtras(events: readonly TraceEvent[], lang: Lang): { payloads?: Payloads; heading?: string; description?: string } {
  const meta = events[0];
  if (meta?.type !== 'meta' || meta.source === '') return {};
  let plan: ScenarioPlan;
  try {
    plan = loadScenario(meta.source, meta.scenario, { seed: meta.seed });
  } catch (err) {
    if (err instanceof ScenarioError) return {};
    throw err;
  }
  const words = recordedWords(plan, lang);
  const extras = { heading: words.title, description: words.description };
  if (plan.link.udp || events.length > 200_000) return extras;
  let again;
  try {
    again = runScenario(plan, { capture: true, maxEvents: 2 * events.length + 10 });
  } catch {
    return extras; // too big to run again (a run limit): the page is drawn without the bytes
  }
  return firstDifference(events, again.events) === null ? { ...extras, payloads: Payloads.fromPackets(again.packets) } : extras;
}
