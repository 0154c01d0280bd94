/**
 * `tcpemu learn`, `--lang` and `--view explain` from the command line, as a learner types them.
 */
import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { tcpemu, tmp } from '../cli/run.ts';

const LESSON_TITLES_EN = [
  'The three-way handshake', 'Data and acknowledgements', 'The window and flow control', 'The four-way close', 'Half-close',
  'TIME-WAIT and why it lasts 2 MSL', 'A lost segment and the retransmission timeout', 'Fast retransmit',
  'Simultaneous open and simultaneous close', 'RST and refused connections', 'A socket echo server and client',
];

test('learn lists the eleven lessons in course order, in English or in Chinese', (t) => {
  const en = tcpemu(['learn', '--lang', 'en']);
  t.is(en.code, 0, en.err);
  const titles = [...en.out.matchAll(/^\s*(\d+)\. (.+)$/gm)].map((m) => m[2]);
  t.deepEqual(titles, LESSON_TITLES_EN);
  const zh = tcpemu(['learn'], { LANG: 'zh_CN.UTF-8', LC_ALL: '' });
  t.is(zh.code, 0, zh.err);
  t.regex(zh.out, / 1\. 三次握手\n/);
  t.regex(zh.out, / 4\. 四次挥手\n/);
  t.regex(zh.out, / 5\. 半关闭\n/);
  t.regex(zh.out, / 8\. 快速重传\n/);
});

test('learn N explains the lesson, writes its report, and asks its questions; --answers answers them from the run', (t) => {
  const dir = tmp(t);
  const html = path.join(dir, 'l7.html');
  const r = tcpemu(['learn', '7', '--html', html, '--lang', 'en']);
  t.is(r.code, 0, r.err);
  t.regex(r.out, /^Lesson 7: A lost segment and the retransmission timeout/);
  t.regex(r.out, /is lost on the link/);
  t.regex(r.out, /Questions\n  1\. When was the data segment lost/);
  t.notRegex(r.out, /Answers/);
  t.true(existsSync(html));
  const page = readFileSync(html, 'utf8');
  t.regex(page, /"step":\{"steps":\[/);
  t.regex(page, /A lost segment and the retransmission timeout/);
  const a = tcpemu(['learn', '7', '--answers', '--html', html, '--lang', 'zh']);
  t.is(a.code, 0, a.err);
  // The data segment left at 100 ms and was lost; the RTO of 1000 ms brought it back at 1100 ms.
  t.regex(a.out, /答案（由本次运行计算得出）\n  1\. 在 100 ms 丢失，在 1100 ms 重发。\n  2\. 1000 ms。只收到 0 个重复确认/);
  t.regex(a.err, /已写入 .*l7\.html：第 7 课的报告/);
});

test('learn with a lesson that does not exist, or a language that does not, is a usage error (exit 2)', (t) => {
  const r = tcpemu(['learn', '12', '--lang', 'en']);
  t.is(r.code, 2);
  t.regex(r.err, /there is no lesson 12; the lessons are 1 to 11/);
  const z = tcpemu(['learn', 'x', '--lang', 'zh']);
  t.is(z.code, 2);
  t.regex(z.err, /没有第 x 课/);
  const l = tcpemu(['run', 'fixtures/scenarios/demo.yaml', '--lang', 'fr']);
  t.is(l.code, 2);
  t.regex(l.err, /--lang is one of en, zh, not 'fr'/);
});

test('run --view explain --lang zh: the Chinese story, the verdict in Chinese; replay --view explain of a golden trace', (t) => {
  const r = tcpemu(['run', 'fixtures/scenarios/demo.yaml', '--view', 'explain', '--lang', 'zh']);
  t.is(r.code, 0, r.err);
  t.regex(r.out, /^tcpemu 逐步讲解 · 场景 demo · 种子 1\n/);
  t.regex(r.out, /三次握手的第一步/);
  t.regex(r.out, /通过 demo（fixtures\/scenarios\/demo\.yaml）：5\/5 项预期成立/);
  const p = tcpemu(['replay', 'fixtures/traces/lost-fin.jsonl', '--view', 'explain', '--lang', 'en']);
  t.is(p.code, 0, p.err);
  t.regex(p.out, /what happens if the FIN is lost\?/);
  t.regex(p.out, /client's FIN .* is lost on the link/);
  t.regex(p.out, /identical: \d+ events of 'lost-fin'/);
});

test('the ladder shows the text an application sent, UTF-8 aware', (t) => {
  const r = tcpemu(['run', 'fixtures/lessons/11-echo.yaml', '--width', '120', '--lang', 'en']);
  t.is(r.code, 0, r.err);
  t.regex(r.out, /send "你好\\n"/);
  t.regex(r.out, /len 7 "你好\\n"/);
});
