/**
 * The message catalogues (lib/i18n): the same keys in every language, the same `{placeholders}` in
 * each key's texts, no English left in the Chinese one but the words tcpdump, the RFCs and the
 * socket API write as they are; and the default language from the environment.
 */
import test from 'ava';
import { CATALOGUES, LANGS, langFromEnv, msg, parseLang, placeholders } from '../../lib/i18n/index.ts';

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

/**
 * What may stay in Latin letters in a Chinese text: tcpdump's fields and flags, the RFCs' names for
 * states, segments and quantities, socket calls and error codes, units, and the program's name.
 */
const KEPT = new Set([
  'seq', 'ack', 'win', 'mss', 'len', 'SYN', 'ACK', 'FIN', 'RST', 'PSH', 'MSS', 'MSL', 'RTO', 'TCP', 'RFC', 'ms', 'KB', 'tcpemu', 'learn',
  'connect', 'accept', 'close', 'shutdown', 'abort', 'en', 'zh', 'lang', 'answers', 'N', 'Ctrl', 'Shift', 'zh-CN', 'Stevens',
  'CLOSED', 'LISTEN', 'SYN-SENT', 'SYN-RECEIVED', 'ESTABLISHED', 'FIN-WAIT-1', 'FIN-WAIT-2', 'CLOSE-WAIT', 'CLOSING', 'LAST-ACK', 'TIME-WAIT', 'TIME', 'WAIT',
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'SYN-ACK', 'SENT', 'RECEIVED', 'LAST', 'CLOSE', 'FIN-WAIT', 'SACK',
]);

test('the Chinese catalogue leaves no English words but the kept ones', (t) => {
  const bad: string[] = [];
  for (const [k, text] of Object.entries(CATALOGUES.zh)) {
    const words = text.replace(/\{[A-Za-z]+\}/g, '').match(/[A-Za-z][A-Za-z-]*[A-Za-z0-9]?/g) ?? [];
    for (const w of words) if (!KEPT.has(w) && !KEPT.has(w.replace(/-\d$/, ''))) bad.push(`${k}: ${w}`);
  }
  t.deepEqual(bad, []);
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
});
