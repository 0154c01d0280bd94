/**
 * The English message catalogue (issue 26). Every text tcpemu shows a learner comes from here or from
 * zh.ts, by the same key; `{name}` is filled in by lib/i18n/index.ts `msg`. A key's text is a whole
 * sentence or a whole phrase, never pieces glued in code, so that a translation can order its words
 * as its language needs. Numbers, flags and tcpdump's field names (seq, ack, win) are not translated.
 *
 * The messages live in one file per area, lib/i18n/en/*.ts (views, report, scenario, learn, real, cli),
 * and zh/ has the same files; this index lists them. A key's area follows its prefix (`app.`, `real.`,
 * `pd.` ...): a new key goes into the file that holds its prefix, in both languages.
 */
import { views } from './en/views.ts';
import { report } from './en/report.ts';
import { scenario } from './en/scenario.ts';
import { learn } from './en/learn.ts';
import { real } from './en/real.ts';
import { cli } from './en/cli.ts';

/**
 * The areas, in the order they merge into one catalogue (lib/i18n/index.ts CATALOGUES.en; a key in two areas
 * would take the later one's text). They are not merged as the command starts: a message is looked up in the
 * areas (issue 29, start-up: merging every area took some 10 ms of each run).
 */
export const EN_AREAS = [views, report, scenario, learn, real, cli] as const;

type Merged = typeof views & typeof report & typeof scenario & typeof learn & typeof real & typeof cli;
export type MessageKey = keyof Merged;
