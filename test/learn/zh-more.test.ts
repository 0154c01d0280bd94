/**
 * A Chinese run leaves no English, on the rarer surfaces (issue 26, second round): the
 * retransmission reasons of issue 25's loss recovery, the scenario loader's rarer mistakes, the help
 * of the other commands, `real`'s comparison table, a pcap capture replayed, the report's bottleneck
 * section. Each is run with --lang zh in an English environment (LC_ALL=C.UTF-8) and checked by
 * test/learn/english.ts's allow-list, as zh-cli.test.ts does for the commands a learner runs first.
 */
import test from 'ava';
import { CASE_NAMES } from '../../lib/bench/index.ts';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tcpemu, tmp } from '../cli/run.ts';
import { leftovers, ownWords, pageText } from './zh-check.ts';

const ZH = ['--lang', 'zh'];

/**
 * One segment of ten lost (or the last one) on a 20 ms link, with the loss recovery `recovery`:
 * RFC 6675's SACK recovery starts on three duplicate ACKs (`dupack`) and then resends what its
 * scoreboard deems lost (`sack-hole`); RFC 8985's RACK deems a segment lost by time (`rack`), and
 * when the last segment is lost no duplicate ACK comes at all, so the tail loss probe resends it (`tlp`).
 */
function lossScenario(dir: string, name: string, recovery: string, drop: string): string {
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(file, `name: ${name}
seed: 15
hosts:
  client: { tcp: { initial-window: 10, recovery: ${recovery}, sack: true } }
  server: { tcp: { delayed-ack: false, sack: true } }
link: { delay: 20ms, "client>server": { drop: [${drop}] } }
steps:
  - { at: 0,     server: listen 80 }
  - { at: 0,     client: connect server:80 }
  - { at: 100ms, client: send 14600 }
`);
  return file;
}

const REASONS = [
  // [scenario, recovery, dropped segments, the reasons the trace records, what the explanation must say in Chinese, in English]
  ['lose-6th', 'sack', '6', ['dupack', 'sack-hole'], [/开始基于 SACK 的丢包恢复.*（RFC 6675 5、RFC 5681 3\.2）/, /选择确认 SACK 记分板.*（RFC 6675 4、5）/],
    [/starts SACK-based loss recovery.*\(RFC 6675 5, RFC 5681 3\.2\)/, /from the SACK scoreboard.*\(RFC 6675 4, 5\)/]],
  ['lose-6th-by-time', 'rack-tlp', '6', ['rack'], [/由 RACK 决定的重传.*（RFC 8985 6\.2、6\.3）/], [/decided by RACK.*\(RFC 8985 6\.2, 6\.3\)/]],
  ['lose-last', 'rack-tlp', '12', ['tlp'], [/尾部丢失探测（TLP）.*（RFC 8985 7\.2、7\.3）/], [/tail loss probe.*\(RFC 8985 7\.2, 7\.3\)/]],
] as const;

for (const [name, recovery, drop, whys, zhSays, enSays] of REASONS) {
  test(`retransmission reasons ${whys.join(', ')} (recovery: ${recovery}): the ladder, the summary and the explanation in Chinese say why, with the RFC`, (t) => {
    const dir = tmp(t);
    const file = lossScenario(dir, name, recovery, drop);
    const trace = path.join(dir, 't.jsonl');
    const own = { words: new Set([name, ...name.split('-')]), lines: [] };
    const none = tcpemu(['run', file, '--view', 'none', '--trace', trace]);
    t.is(none.code, 0, none.err);
    // The trace records these reasons (lib/tcp/recovery/controller.ts), so the words below are about them.
    const recorded = new Set([...readFileSync(trace, 'utf8').matchAll(/"why":"([a-z-]+)"/g)].map((m) => m[1]));
    t.deepEqual([...recorded].sort(), [...whys].sort());
    for (const view of ['ladder', 'summary', 'explain']) {
      const r = tcpemu(['run', file, '--view', view, '--width', '200', ...ZH]);
      t.is(r.code, 0, r.err);
      t.deepEqual(leftovers(r.out.split(file).join(' '), own), [], view);
      if (view === 'explain') for (const re of zhSays) t.regex(r.out, re);
      if (view === 'summary') t.notRegex(r.out.split(file).join(' '), /rack|tlp|sack-hole|dupack/);
    }
    const en = tcpemu(['run', file, '--view', 'explain']);
    for (const re of enSays) t.regex(en.out, re);
    // English keeps the trace's own words on the ladder: (rtx: rack)
    const ladder = tcpemu(['run', file, '--view', 'ladder', '--width', '200']);
    for (const why of whys) t.regex(ladder.out, new RegExp(`\\(rtx: ${why}\\)`));
  });
}

test('the help of bench, sweep, packetdrill and tun (--lang zh) and of serve and connect (LANG=zh_CN.UTF-8) is Chinese', (t) => {
  const runs = [
    ...['bench', 'sweep', 'packetdrill', 'tun'].map((c) => tcpemu([c, '--help', ...ZH])),
    ...['serve', 'connect'].map((c) => tcpemu([c, '--help'], { LC_ALL: '', LANG: 'zh_CN.UTF-8' })),
  ];
  for (const r of runs) {
    t.is(r.code, 0, r.err);
    t.regex(r.out, /^用法：tcpemu /);
  }
  // The defaults the code fills in are the English help's (tun --request 100000).
  t.regex(runs[3]!.out, /客户端先发送的字节数（默认 100000；/);
  // "from client: LINE" is what serve prints, quoted as it is; the rest is Chinese.
  // Values typed after a flag of these commands (--case, --plot, --defaults), and the commands' own names.
  // The bench's case names come from the bench itself (a new case is a name, not English to translate).
  const values = [...CASE_NAMES, 'goodput', 'retransmissions', 'duration', 'held',
    'auto', 'both', 'kernel-client', 'model-client', 'sweep'];
  t.deepEqual(runs.flatMap((r) => leftovers(r.out, { words: new Set(values), lines: [] })), []);
});

test('a unit written wrong in a scenario, in Chinese: durations, sizes, rates, probabilities, at FILE:LINE:COL with a hint, exit 2', (t) => {
  const dir = tmp(t);
  const bad: Record<string, [string, RegExp]> = {
    'delay.yaml': ['link: { delay: 1.5x }', /时间单位 "x" 无法识别/],
    'negative.yaml': ['link: { delay: "-3s" }', /时长不能为负/],
    'rate.yaml': ['link: { rate: 3kbps }', /有歧义（tc 把它当作字节每秒）[\s\S]*3kbit/],
    'loss.yaml': ['link: { loss: 2 }', /概率 2 不在 0\.\.1 之内/],
    'at.yaml': ['steps:\n  - { at: 1x, a: listen 80 }', /^[^\n]*：at：/],
    'send.yaml': ['steps:\n  - { at: 1, a: send 5kb }', /有歧义（是 1000 还是 1024？）[\s\S]*5KiB；send/],
    'read.yaml': ['steps:\n  - { on: "a read 5q", b: close }', /大小单位 "q" 无法识别/],
    'after.yaml': ['steps:\n  - { on: "a ESTABLISHED", after: 5y, b: close }', /after：/],
  };
  for (const [name, [lines, says]] of Object.entries(bad)) {
    const file = path.join(dir, name);
    writeFileSync(file, `name: x\nhosts: { a: {}, b: {} }\n${lines}\n`);
    const r = tcpemu(['run', file, ...ZH]);
    t.is(r.code, 2, `${name}: ${r.err}`);
    t.true(r.err.startsWith(`${file}:`), `${name}: ${r.err}`);
    t.regex(r.err, says, name);
    t.regex(r.err, /提示/, name);
    t.deepEqual(leftovers(r.err.split(file).join(' '), { words: new Set(['x', 'a', 'b']), lines: [] }), [], name);
  }
});

test('every kind of failed expectation in Chinese, and the same run in English word for word as before; --json names each by its id', (t) => {
  const dir = tmp(t);
  const file = path.join(dir, 'failing.yaml');
  writeFileSync(file, `name: failing
hosts: { client: {}, server: {} }
steps:
  - { at: 0, server: listen 80 }
  - { at: 0, client: connect server:80 }
  - { at: 10ms, client: send "hello" }
  - { at: 50ms, client: expect state CLOSE-WAIT }
  - { at: 55ms, client: expect delivered 7 }
  - { at: 60ms, client: close @zz }
  - { on: "server CLOSE-WAIT", client: close }
expect:
  states: { client: [CLOSED, SYN-SENT, CLOSED], server: [LISTEN, SYN-RECEIVED] }
  delivered: { server: "help", client: 3 }
  errors: { client: ECONNRESET }
  segments: |
    client > server  S  seq 0
    server > client  .  ack 9
    client > server  F.  seq 6
    ...
`);
  const zh = tcpemu(['run', file, '--view', 'explain', ...ZH]);
  t.is(zh.code, 1, zh.err);
  for (const re of [/预期 CLOSE-WAIT，实际是 ESTABLISHED/, /预期交付 7 字节，实际交付 0 字节/, /client 没有名为 zz 的连接/, /第 10 行的步骤没有执行：server 从未进入 CLOSE-WAIT/,
    /第 3 个状态不同：预期 CLOSED，实际 ESTABLISHED/, /连接又进入了 ESTABLISHED/, /不同之处：标志、ack/, /没有检查到的行/, /第一处不同在第 3 字节/, /预期 ECONNRESET；client 没有看到错误/]) t.regex(zh.out, re);
  t.deepEqual(leftovers(zh.out.split(file).join(' '), { words: new Set(['failing', 'zz']), lines: [] }), []);
  const en = tcpemu(['run', file, '--view', 'none']);
  for (const line of ['expected CLOSE-WAIT, but it is ESTABLISHED', 'client has no connection named zz', 'step at line 10 never ran: server never entered CLOSE-WAIT',
    'state 3 differs: expected CLOSED, got ESTABLISHED', 'differs in: flags, ack', 'first difference at byte 3', 'expected ECONNRESET; client saw no error']) t.true(en.out.includes(line), line);
  const json = JSON.parse(tcpemu(['run', file, '--json']).out) as { expectations: { id: string }[] };
  t.deepEqual(json.expectations.map((e) => e.id), ['step:7:25', 'step:8:25', 'step:9:25', 'step:10:40', 'states:client', 'states:server', 'segments', 'delivered:server', 'delivered:client', 'error:client']);
});

test('the report\'s shared-bottleneck section in Chinese (the dumbbell): its title, queue chart, drops, flows table and Jain\'s index', (t) => {
  const dir = tmp(t);
  const out = path.join(dir, 'db.html');
  const file = 'fixtures/scenarios/dumbbell.yaml';
  const r = tcpemu(['run', file, '--html', out, '--view', 'none', ...ZH]);
  t.is(r.code, 0, r.err);
  const html = readFileSync(out, 'utf8');
  const section = /<section id="bottleneck"[\s\S]*?<\/section>/.exec(html)?.[0] ?? '';
  t.regex(section, /共享瓶颈/);
  t.regex(section, /条流的 Jain 公平性指数：<strong>[01]\.\d{3}<\/strong>/);
  t.regex(section, /有效吞吐量/);
  // The flows are named by their hosts and ports (c1:49152>s1:80), the rates in bit/s as tc writes them.
  const flows = new Set([...section.matchAll(/<td>([^<]+)<\/td>/g)].flatMap((m) => m[1]!.split(/[^A-Za-z0-9]+/)));
  t.deepEqual(leftovers(pageText(section), { words: new Set([...ownWords(file).words, ...flows, 'bit', 'kbit', 'Mbit', 'Gbit']), lines: [] }), []);
  t.deepEqual(leftovers(pageText(html), { words: new Set([...ownWords(file).words, ...flows, 'bit', 'kbit', 'Mbit', 'Gbit']), lines: ownWords(file).lines }), []);
});

test('segment lines of expect.segments written wrong, in Chinese, at FILE:LINE:COL with a hint, exit 2', (t) => {
  const dir = tmp(t);
  const lines: Record<string, RegExp> = {
    'a b': /无法解析报文段行/, 'a > c S': /主机 "c" 不存在/, 'a > b': /没有写标志/, 'a > b SQ': /标志 "SQ" 写得不对/, 'a > b S sek 1': /你是想写 "seq" 吗/,
    'a > b S seq 1 seq 2': /seq 写了两次/, 'a > b S seq': /seq 后面要写一个数/, 'a > b S ack x': /"x" 不是 ack 的数值/, 'a > b S seq 5:2': /结尾在开头之前/,
  };
  for (const [line, says] of Object.entries(lines)) {
    const file = path.join(dir, 'seg.yaml');
    writeFileSync(file, `name: x\nhosts: { a: {}, b: {} }\nexpect:\n  segments: |\n    ${line}\n`);
    const r = tcpemu(['run', file, ...ZH]);
    t.is(r.code, 2, `${line}: ${r.err}`);
    t.true(r.err.startsWith(`${file}:5:`), `${line}: ${r.err}`);
    t.regex(r.err, says, line);
    t.deepEqual(leftovers(r.err.split(file).join(' '), { words: new Set(['x', 'a', 'b', 'c', 'sek', 'SQ']), lines: [] }), [], line);
  }
});
