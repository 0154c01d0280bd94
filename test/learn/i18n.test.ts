/**
 * The message catalogues (lib/i18n): the same keys in every language, the same `{placeholders}` in
 * each key's texts, no English left in the Chinese one but the words tcpdump, the RFCs and the
 * socket API write as they are; and the default language from the environment.
 */
import test from 'ava';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CATALOGUES, LANGS, langFromEnv, langOfArgs, msg, parseLang, placeholders } from '../../lib/i18n/index.ts';
import { HELP_ZH, SUMMARY_ZH } from '../../lib/i18n/help.ts';
import { englishWords } from './english.ts';

/**
 * Words the catalogue alone keeps, beyond test/learn/english.ts's list: the fields of the trace
 * format named in its error messages (docs/trace-format.md: a user edits the file with these names),
 * and the lesson command's own flags' words.
 */
const CATALOGUE_WORDS = new Set(['meta', 'type', 't', 'learn', 'answers', 'lang', 'true', 'false', 'u', 'n']);

test('every key exists in both catalogues, with the same placeholders and a text', (t) => {
  const en = Object.keys(CATALOGUES.en).sort();
  for (const lang of LANGS) {
    const keys = Object.keys(CATALOGUES[lang]).sort();
    t.deepEqual(keys.filter((k) => !en.includes(k)), [], `${lang}: keys English lacks`);
    t.deepEqual(en.filter((k) => !keys.includes(k)), [], `${lang}: keys missing`);
    for (const k of keys) {
      const text = CATALOGUES[lang][k as keyof typeof CATALOGUES.en];
      t.true(text.trim() !== '', `${lang} ${k} is empty`);
      t.deepEqual(placeholders(text), placeholders(CATALOGUES.en[k as keyof typeof CATALOGUES.en]), `${lang} ${k}: placeholders`);
    }
  }
});

test('each catalogue is the union of its area files (lib/i18n/LANG/*.ts), no key in two of them (a duplicate would hide one)', async (t) => {
  for (const lang of LANGS) {
    const dir = fileURLToPath(new URL(`../../lib/i18n/${lang}/`, import.meta.url));
    const areas = readdirSync(dir).filter((f) => f.endsWith('.ts')).sort();
    t.deepEqual(areas, readdirSync(fileURLToPath(new URL('../../lib/i18n/en/', import.meta.url))).filter((f) => f.endsWith('.ts')).sort(), `${lang}: the same area files as English`);
    const keys = (await Promise.all(areas.map(async (f) => Object.keys(Object.values(await import(path.join(dir, f)) as Record<string, object>)[0]!)))).flat();
    t.is(new Set(keys).size, keys.length, `${lang}: a key in two area files`);
    t.deepEqual(keys.sort(), Object.keys(CATALOGUES[lang]).sort(), `${lang}: the index merges every area file`);
  }
});

test('the Chinese catalogue leaves no English words but the kept ones (test/learn/english.ts says why each is kept)', (t) => {
  const bad: string[] = [];
  for (const [k, text] of Object.entries(CATALOGUES.zh)) for (const w of englishWords(text, CATALOGUE_WORDS)) bad.push(`${k}: ${w}`);
  t.deepEqual(bad, []);
});

test('the Chinese help has words for every flag of the commands that take --lang, and no English left', async (t) => {
  const { RUN_COMMAND, REPLAY_COMMAND, REPORT_COMMAND, REAL_COMMAND } = await import('../../lib/cli/commands.ts');
  const { LEARN_COMMAND } = await import('../../lib/learn/command.ts');
  for (const spec of [RUN_COMMAND, REPLAY_COMMAND, REPORT_COMMAND, REAL_COMMAND, LEARN_COMMAND]) {
    const zh = HELP_ZH[spec.name];
    t.truthy(zh, `${spec.name} has Chinese help`);
    t.deepEqual(Object.keys(zh!.options).sort(), Object.keys(spec.options).sort(), `${spec.name}: the same flags`);
    for (const text of [zh!.summary, zh!.description ?? '', ...Object.values(zh!.options)]) if (typeof text === 'string') t.deepEqual(englishWords(text), [], text);
  }
  t.deepEqual(Object.values(SUMMARY_ZH).flatMap((s) => englishWords(s)), []);
});

test('msg fills placeholders and leaves unknown ones visible', (t) => {
  t.is(msg('en', 'tx.ackMeaning', { ack: 16, last: 15 }), 'ack 16 means: "I have every byte of yours up to 15; send me 16 next" (cumulative acknowledgement, RFC 9293 3.4).');
  t.is(msg('zh', 'cli.total', { passed: 3, failed: 1 }), '3 个通过，1 个失败');
  t.regex(msg('en', 'cli.total', { passed: 3 }), /\{failed\}/);
});

test('the language comes from LC_ALL, then LC_MESSAGES, then LANG; Chinese locales give zh, anything else en', (t) => {
  t.is(langFromEnv({ LANG: 'zh_CN.UTF-8' }), 'zh');
  t.is(langFromEnv({ LANG: 'zh_TW' }), 'zh');
  t.is(langFromEnv({ LANG: 'zh' }), 'zh');
  t.is(langFromEnv({ LC_ALL: 'en_US.UTF-8', LANG: 'zh_CN.UTF-8' }), 'en');
  t.is(langFromEnv({ LC_ALL: '', LC_MESSAGES: 'zh_CN', LANG: 'C' }), 'zh');
  t.is(langFromEnv({ LANG: 'C.UTF-8' }), 'en');
  t.is(langFromEnv({ LANG: 'zu_ZA' }), 'en');
  t.is(langFromEnv({}), 'en');
  t.is(parseLang('zh'), 'zh');
  t.is(parseLang('fr'), null);
  // The command line's --lang wins over the environment, wherever it stands; a bad one is left to the command to refuse.
  t.is(langOfArgs(['run', 'x.yaml', '--lang', 'zh'], { LANG: 'C' }), 'zh');
  t.is(langOfArgs(['run', '--lang=en'], { LANG: 'zh_CN.UTF-8' }), 'en');
  t.is(langOfArgs(['run', '--lang', 'fr'], { LANG: 'zh_CN.UTF-8' }), 'zh');
  t.is(langOfArgs(['run', '--', '--lang', 'zh'], { LANG: 'C' }), 'en');
});
