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

/** The explain view of a run's events, headed by its scenario's words, with the bytes its packets carried. */
export function explainRun(events: readonly TraceEvent[], plan: ScenarioPlan | undefined, packets: readonly { packet: Buffer }[], lang: Lang, color: boolean): string {
  return renderExplain(events, { lang, color, payloads: Payloads.fromPackets(packets), ...scenarioWords(plan, lang) });
}
