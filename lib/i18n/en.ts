/**
 * The English message catalogue (issue 26). Every text tcpemu shows a learner comes from here or from
 * zh.ts, by the same key; `{name}` is filled in by lib/i18n/index.ts `msg`. A key's text is a whole
 * sentence or a whole phrase, never pieces glued in code, so that a translation can order its words
 * as its language needs. Numbers, flags and tcpdump's field names (seq, ack, win) are not translated.
 *
 * The messages live in one file per area, lib/i18n/en/*.ts (views, report, scenario, learn, real, cli),
 * and zh/ has the same files; this index merges them. A key's area follows its prefix (`app.`, `real.`,
 * `pd.` ...): a new key goes into the file that holds its prefix, in both languages.
 */
import { views } from './en/views.ts';
import { report } from './en/report.ts';
import { scenario } from './en/scenario.ts';
import { learn } from './en/learn.ts';
import { real } from './en/real.ts';
import { cli } from './en/cli.ts';

export const en = { ...views, ...report, ...scenario, ...learn, ...real, ...cli } as const;

export type MessageKey = keyof typeof en;
