/**
 * A Chinese run leaves no English (issue 26): the commands a learner runs, with --lang zh (and an
 * English environment, LC_ALL=C.UTF-8, so that the flag is what decides), must print nothing in
 * English but what test/learn/english.ts keeps (tcpdump's notation, field names, flags, the RFC's
 * state names ... each with its reason) and the scenario's own words (its name, its hosts, its
 * description when the file gives none in Chinese): those are the user's, printed as written.
 * Bad input is covered too: a bad flag, a missing file, scenario mistakes, a bad trace.
 */
import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, tcpemu, tmp } from '../cli/run.ts';
import { leftovers, ownWords, pageText } from './zh-check.ts';

const ZH = ['--lang', 'zh'];

for (const view of ['ladder', 'states', 'summary', 'explain', 'none']) {
  test(`run --view ${view} --lang zh: no English left`, (t) => {
    const file = 'fixtures/scenarios/lost-fin.yaml';
    const r = tcpemu(['run', file, '--view', view, ...ZH]);
    t.is(r.code, 0, r.err);
    t.regex(r.out, /通过/);
    t.deepEqual(leftovers(r.out + r.err, ownWords(file)), []);
  });
}

test('a lesson (tcpemu learn 7 --answers --html) in Chinese: the terminal and the page', (t) => {
  const dir = tmp(t);
  const out = path.join(dir, 'lesson.html');
  const r = tcpemu(['learn', '7', '--answers', '--html', out, ...ZH]);
  t.is(r.code, 0, r.err);
  t.regex(r.out, /超时重传/);
  t.deepEqual(leftovers(r.out + r.err.split(out).join(' '), ownWords('fixtures/lessons/07-lost-segment-rto.yaml')), []);
  t.deepEqual(leftovers(pageText(readFileSync(out, 'utf8')), ownWords('fixtures/lessons/07-lost-segment-rto.yaml')), []);
});

test('run --html --lang zh: the report page has no English text, tooltips and script words included', (t) => {
  const dir = tmp(t);
  const out = path.join(dir, 'r.html');
  const file = 'fixtures/scenarios/fast-retransmit.yaml';
  const r = tcpemu(['run', file, '--html', out, '--view', 'none', ...ZH]);
  t.is(r.code, 0, r.err);
  t.deepEqual(leftovers(pageText(readFileSync(out, 'utf8')), ownWords(file)), []);
});

test('replay --view explain --lang zh of a golden trace: no English left', (t) => {
  const r = tcpemu(['replay', 'fixtures/traces/lost-fin.jsonl', '--view', 'explain', ...ZH]);
  t.is(r.code, 0, r.err);
  t.regex(r.out, /完全一致/);
  t.deepEqual(leftovers(r.out, ownWords('fixtures/scenarios/lost-fin.yaml')), []);
});

test('the command line\'s own messages in Chinese: help, a bad flag, a bad view, no such file, an unknown command', (t) => {
  const runs = [
    tcpemu(['run', '--help', ...ZH]), tcpemu(['run', 'x.yaml', '--bogus', ...ZH]), tcpemu(['run', 'fixtures/scenarios/demo.yaml', '--view', 'ladr', ...ZH]),
    tcpemu(['run', 'no-such.yaml', ...ZH]), tcpemu(['frob', ...ZH]), tcpemu(['run', '--seed', ...ZH]), tcpemu(['learn', '99', ...ZH]),
    tcpemu(['replay', '--help', ...ZH]), tcpemu(['learn', '--help', ...ZH]), tcpemu(['report', '--help', ...ZH]),
  ];
  for (const r of runs.slice(1, 7)) t.is(r.code, 2, r.out + r.err);
  t.deepEqual(runs.flatMap((r) => leftovers(r.out + r.err)), []);
  t.regex(runs[1]!.err, /未知选项 --bogus/);
  t.regex(runs[2]!.err, /你是想写 ladder 吗/);
});

test('scenario and trace mistakes in Chinese, at FILE:LINE:COL, exit 2', (t) => {
  const dir = tmp(t);
  const bad: Record<string, string> = {
    'typo.yaml': 'name: x\nhosts: { a: {}, b: {} }\nnmae: 3\n',
    'state.yaml': 'name: x\nhosts: { a: {}, b: {} }\nexpect: { states: { a: CLOSD } }\n',
    'tab.yaml': 'name: x\n\thosts: 1\n',
    'list.yaml': 'name: x\nhosts: [a, b]\n',
    'host.yaml': 'name: x\nhosts: { a: {}, b: {} }\nsteps:\n  - { at: 0, c: close }\n',
    'cmd.yaml': 'name: x\nhosts: { a: {}, b: {} }\nsteps:\n  - { at: 0, a: conect b:80 }\n',
    'empty.yaml': '',
    'bad.jsonl': '{"type":"meta"\n',
  };
  for (const [name, text] of Object.entries(bad)) {
    const file = path.join(dir, name);
    writeFileSync(file, text);
    const r = tcpemu([name.endsWith('.jsonl') ? 'replay' : 'run', file, ...ZH]);
    t.is(r.code, 2, `${name}: ${r.err}`);
    t.true(r.err.startsWith(`${file}:`), `${name}: ${r.err}`);
    t.regex(r.err, /提示/, name);
    // The scenario's own names (x, hosts a and b, the typo c) are the user's words.
    t.deepEqual(leftovers(r.err.split(file).join(' '), { words: new Set(['x', 'a', 'b', 'c']), lines: [] }), [], name);
  }
});

test('replay of a tampered trace in Chinese: the first difference, exit 1', (t) => {
  const dir = tmp(t);
  const file = path.join(dir, 't.jsonl');
  writeFileSync(file, readFileSync(path.join(ROOT, 'fixtures/traces/handshake.jsonl'), 'utf8').replace(/"seq":\d+/, '"seq":5'));
  const r = tcpemu(['replay', file, ...ZH]);
  t.is(r.code, 1, r.err);
  t.regex(r.out, /第一处不同，在 seq/);
  t.deepEqual(leftovers(r.out.split(file).join(' ')), []);
});

test('--lang zh wins over an English environment, and LANG=zh_CN.UTF-8 alone gives Chinese', (t) => {
  const viaEnv = tcpemu(['run', 'fixtures/scenarios/handshake.yaml', '--view', 'summary'], { LC_ALL: '', LANG: 'zh_CN.UTF-8' });
  t.regex(viaEnv.out, /摘要/);
  const english = tcpemu(['run', 'fixtures/scenarios/handshake.yaml', '--view', 'summary']);
  t.regex(english.out, /summary/);
  t.notRegex(english.out, /摘要/);
});
