/**
 * `tcpemu learn`: the lessons in course order; `tcpemu learn N` runs lesson N, explains it event by
 * event, writes its report (with the step-through), and ends with its questions, and with
 * `--answers` their answers computed from the run (issue 26).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { helpHint, parseOrHelp, UsageError, type CommandSpec } from '../cli/args.ts';
import { LANG_OPTION } from '../cli/commands.ts';
import { explainRun, resolveLang, scenarioWords } from '../cli/learner.ts';
import { msg, type Lang } from '../i18n/index.ts';
import { loadScenario } from '../scenario/load.ts';
import { runScenario } from '../scenario/runner.ts';
import { Payloads } from '../trace/payload.ts';
import { LESSONS, LESSONS_DIR, questions, type Lesson } from './lessons.ts';

export const LEARN_COMMAND: CommandSpec = {
  name: 'learn',
  args: '[N]',
  summary: 'lessons in TCP, in course order: without N the list, with N that lesson explained event by event, its report and its questions',
  description: 'exit status: 0 the lesson ran, 2 bad input (no such lesson)',
  options: {
    answers: { type: 'boolean', help: "print the questions' answers, computed from this run" },
    html: { type: 'string', value: 'OUT.html', help: "where to write the lesson's report (default lesson-N.html in the current folder)" },
    lang: LANG_OPTION,
  },
};

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  color: boolean;
}

/** A lesson's scenario file, loaded (its title and description in both languages come with it). */
export function loadLesson(lesson: Lesson) {
  const file = path.join(LESSONS_DIR, lesson.file);
  return loadScenario(readFileSync(file, 'utf8'), path.join('fixtures/lessons', lesson.file));
}

export function lessonList(lang: Lang): string {
  const out = [msg(lang, 'learn.title'), ''];
  LESSONS.forEach((l, i) => {
    const words = scenarioWords(loadLesson(l), lang);
    out.push(msg(lang, 'learn.list', { n: String(i + 1).padStart(2), title: words.title ?? l.id }));
  });
  out.push('', msg(lang, 'learn.how'));
  return out.join('\n') + '\n';
}

export async function learnCommand(args: string[], io: Io): Promise<number> {
  const p = parseOrHelp(LEARN_COMMAND, args, io);
  if (!p) return 0;
  const lang = resolveLang(p.values.lang as string | undefined, 'tcpemu learn');
  if (p.positionals.length === 0) {
    io.out(lessonList(lang));
    return 0;
  }
  const text = p.positionals[0]!;
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (p.positionals.length > 1 || !(n >= 1 && n <= LESSONS.length)) {
    // Worded in the user's language, its hint line too (issue 26); the English as it always was.
    throw new UsageError(`${msg('en', 'learn.noSuch', { n: text, max: LESSONS.length })}\n${helpHint(LEARN_COMMAND)}`,
      { key: 'learn.noSuchUsage', params: { n: text, max: LESSONS.length, hint: { key: 'usage.hint', params: { command: 'tcpemu learn' } } } });
  }
  const lesson = LESSONS[n - 1]!;
  const plan = loadLesson(lesson);
  const result = runScenario(plan, { capture: true });
  const payloads = Payloads.fromPackets(result.packets);
  const words = scenarioWords(plan, lang);
  io.out(msg(lang, 'learn.lesson', { n, title: words.title ?? lesson.id }) + '\n\n');
  io.out(explainRun(result.events, plan, result.packets, lang, io.color));
  const qa = questions(lesson, result.events, payloads, lang);
  io.out(`\n${msg(lang, 'learn.questions')}\n`);
  qa.forEach((q, i) => io.out(`  ${i + 1}. ${q.question}\n`));
  if (p.values.answers === true) {
    io.out(`\n${msg(lang, 'learn.answers')}\n`);
    qa.forEach((q, i) => io.out(`  ${i + 1}. ${q.answer}\n`));
  } else io.out(`\n${msg(lang, 'learn.answersHint')}\n`);
  const out = (p.values.html as string | undefined) ?? `lesson-${n}.html`;
  const { renderReport, writeReport } = await import('../report/index.ts');
  const html = renderReport(result.events, { expectations: result.expectations, lang, payloads, heading: words.title, description: words.description, questions: qa });
  try {
    await writeReport(out, html);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) throw new UsageError(`${out}: cannot write it: ${(err as Error).message}`);
    throw err;
  }
  io.err(msg(lang, 'learn.wroteReport', { file: out, n }) + '\n');
  return 0;
}
