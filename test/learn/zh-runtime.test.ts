/**
 * A Chinese run leaves no English (issue 26, sixth round): what serve and connect print while they
 * run, bench's measured cells and progress lines, sweep's and packetdrill's own usage mistakes,
 * packetdrill's mismatch reasons, and a replayed trace's recorded description. Each command runs with
 * --lang zh and its output is checked by test/learn/english.ts's allow-list; the English of each is
 * checked to be word for word what it was before these became catalogue messages.
 */
import test from 'ava';
import dgram from 'node:dgram';
import path from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { planFor } from '../../lib/sweep/run.ts';
import { ScenarioError } from '../../lib/scenario/errors.ts';
import { parseScript } from '../../lib/packetdrill/parse.ts';
import { Unsupported } from '../../lib/packetdrill/sysctl.ts';
import { benchCommand, CASE_NAMES } from '../../lib/bench/index.ts';
import { mathisPlot, type MathisPoint } from '../../lib/bench/mathis.ts';
import { connect, serve } from '../../lib/cli/udp-chat.ts';
import { word, type Msg } from '../../lib/i18n/index.ts';
import { RunLimitError } from '../../lib/scenario/runner.ts';
import { TraceLimitError } from '../../lib/trace/recorder.ts';
import { packetdrillCommand } from '../../lib/packetdrill/command.ts';
import { sweepCommand } from '../../lib/sweep/index.ts';
import type { CliIo } from '../../lib/cli/io.ts';
import { memIo, waitFor, within } from '../udp/helpers.ts';
import { tcpemu, tmp } from '../cli/run.ts';
import { inProcess, leftovers, ownWords } from './zh-check.ts';

const ZH = ['--lang', 'zh'];


test('serve and connect while running, in Chinese: listening, the connection, the lines, the half-closes, the views; no English left', async (t) => {
  const sio = memIo('pong\n');
  sio.stdinStream.end(); // not a terminal: the server says it has said all, and serves the one connection (--once)
  t.teardown(() => sio.abort());
  const serverDone = serve(['--udp', '127.0.0.1:0', '--once', '--msl', '100ms', '--view', 'summary', ...ZH], sio);
  const [, port] = await within(10_000, waitFor(sio.err, /^在 UDP 127\.0\.0\.1:(\d+) 上监听，作为 TCP 10\.0\.0\.2:\d+$/m, 10_000), 'listen');
  const cio = memIo('hello\n');
  cio.stdinStream.end();
  t.teardown(() => cio.abort());
  const code = await within(20_000, connect(['--udp', `127.0.0.1:${port}`, '--msl', '100ms', '--view', 'ladder', ...ZH], cio), 'client');
  t.is(code, 0, cio.err());
  t.is(await within(10_000, serverDone, 'server'), 0, sio.err());
  t.is(sio.out().split('\n')[0], '来自客户端：hello');
  t.is(cio.out().split('\n')[0], '来自服务器：pong');
  for (const re of [/^正在连接 10\.0\.0\.2:\d+（经由 UDP [\d.]+:\d+ > 127\.0\.0\.1:\d+）：已发送 SYN$/m, /^已连接 10\.0\.0\.\d+:\d+ > /m, /^输入结束：已半关闭（FIN）；服务器仍可继续发送$/m,
    /^从客户端一侧看：时间是本进程发送或收到每个报文段的时刻$/m]) t.regex(cio.err() + cio.out(), re);
  for (const re of [/^来自 10\.0\.0\.\d+:\d+ 的连接$/m, /^输入结束：没有更多要发送的内容；继续服务，直到第一个连接关闭$/m, /^10\.0\.0\.\d+:\d+：关闭我方这一端（FIN）$/m,
    /^10\.0\.0\.\d+:\d+ 已关闭$/m, /^ {2}UDP 链路：发送 \d+ 个数据报，收到 \d+ 个，接受 \d+ 个 · 丢弃：无$/m]) t.regex(sio.err() + sio.out(), re);
  // Kept: the host names the views draw, the lines typed (hello, pong), the summary's scenario name (udp server).
  const own = { words: new Set(['client', 'server', 'hello', 'pong', 'udp']), lines: [] };
  for (const text of [sio.out(), sio.err(), cio.out(), cio.err()]) t.deepEqual(leftovers(text, own), [], text);
});

test('a UDP port in use, in Chinese: the bind failure worded, exit 2; English as before', async (t) => {
  const busy = dgram.createSocket('udp4');
  t.teardown(() => new Promise<void>((res) => busy.close(() => res())));
  await new Promise<void>((res) => busy.bind(0, '127.0.0.1', () => res()));
  const port = busy.address().port;
  const zh = memIo();
  t.is(await within(5000, serve(['--udp', `127.0.0.1:${port}`, ...ZH], zh)), 2);
  t.is(zh.err(), `tcpemu serve：无法绑定 UDP 127.0.0.1:${port}：EADDRINUSE（是否已有另一个 tcpemu 在那里服务？请换一个端口，或用 0 表示任意端口）\n`);
  const en = memIo();
  t.is(await within(5000, serve(['--udp', `127.0.0.1:${port}`], en)), 2);
  t.is(en.err(), `tcpemu serve: cannot bind UDP 127.0.0.1:${port}: EADDRINUSE (is another tcpemu serving there? choose another port, or 0 for any)\n`);
});

test('connect with no server, in Chinese: each SYN sent again (retransmission timeout), then the failure; no English left', async (t) => {
  const silent = dgram.createSocket('udp4');
  t.teardown(() => new Promise<void>((res) => silent.close(() => res())));
  await new Promise<void>((res) => silent.bind(0, '127.0.0.1', () => res()));
  const cio = memIo();
  t.teardown(() => cio.abort());
  const done = connect(['--udp', `127.0.0.1:${silent.address().port}`, '--rto-initial', '100ms', '--rto-min', '100ms', '--syn-retries', '1', ...ZH], cio);
  t.is(await within(10_000, done, 'client'), 1);
  t.regex(cio.err(), /^\d+ ms 内没有应答（RTO 超时）：超时重传 SYN，第 1 次重试，最多 1 次$/m);
  // The connection's error: its code as the socket API names it, then the words for it.
  t.regex(cio.err(), /^tcpemu connect：ETIMEDOUT：连接超时$/m);
  t.regex(cio.err(), /连接失败；退出状态 1\n$/);
  t.deepEqual(leftovers(cio.err()), []);
});

test('bench in Chinese: every case\'s measured cells and the progress lines on stderr; English cells as they were', async (t) => {
  let out = '';
  let err = '';
  // The cases that need no second program (cli runs tcpemu and ns-3 as children: its cells are checked below from the catalogue).
  const cases = ['bulk-1460', 'idle', 'lossy', 'replay', 'scaling', 'mathis'];
  const code = await benchCommand(['--smoke', ...cases.flatMap((c) => ['--case', c]), ...ZH], { out: (s) => { out += s; }, err: (s) => { err += s; } });
  t.is(code, 0, err);
  for (const re of [/^bulk-1460 +[\d.]+ k?报文段\/s，[\d.]+ [kMG]?B\/s/m, /^idle +每端 \d+ B，每个连接 \d+ B（两端合计），共 \d+ 个连接/m,
    /^lossy +实际用时 [\d.]+ s，按虚拟时间计的有效吞吐量 [\d.]+ [kMG]?B\/s（虚拟时间 [\d.]+ s，丢失 \d+ 个）/m, /^replay +[\d.]+ k?分组\/s（\d+ 个分组，\d+ MiB，\d+ ms）/m,
    /^scaling +批量传输 [\d. /]+ 纳秒\/字节（波动 \d+%）；连接生命周期 [\d. /]+ 微秒\/连接（波动 \d+%）/m, /^mathis +丢包率为 [\d.%/]+ 时，分别为公式值的 newreno [\d./]+；/m]) t.regex(out, re);
  t.regex(err, /^tcpemu bench：正在运行用例 idle……$/m);
  // Kept: the case names, the ratio's x, tshark, the congestion controls' names (newreno, reno+rack, cubic).
  const own = { words: new Set([...CASE_NAMES, 'x', 'tshark', 'rack']), lines: [] };
  t.deepEqual(leftovers(out, own), [], out);
  // The mathis case's chart on stderr (lib/bench/mathis.ts): its head in Chinese; each row keeps the variant, p= (the loss rate, as the
  // formula names it), Reno (the algorithm's name), Padhye (the formula's author, as Mathis) and T0 (its base timeout).
  t.regex(err, /^有效吞吐量（对数刻度，从 [\d.]+ [kM]B\/s 到 [\d.]+ [kM]B\/s）：# 为实测值，\| 为公式值/m);
  t.deepEqual(leftovers(err, { words: new Set([...own.words, 'p', 'Padhye', 'T0', 'Reno']), lines: [] }), [], err);
  // English: the cells of two cases as they were written before they became messages.
  let en = '';
  t.is(await benchCommand(['--smoke', '--case', 'idle', '--case', 'lossy', '--lang', 'en'], { out: (s) => { en += s; }, err: () => {} }), 0);
  t.regex(en, /^idle +\d+ B\/endpoint, \d+ B\/connection \(both ends\), \d+ connections +<= 1 kB/m);
  t.regex(en, /^lossy +[\d.]+ s wall, goodput [\d.]+ [kMG]?B\/s virtual \([\d.]+ s virtual, \d+ lost\)/m);
  // cli's cells (a job, its time and memory; ns-3's, with the ratio), from the same messages the case uses.
  const job = { key: 'bench.c.jobRatio', params: { job: { key: 'bench.job.flows' }, s: '1.23', mem: ' 99 MB', ratio: '0.04' } } as const;
  t.is(word('en', job), 'flows 1.23 s 99 MB (0.04x)');
  t.is(word('zh', job), '多条流 1.23 s 99 MB（0.04 倍）');
  t.is(word('zh', { key: 'bench.c.noNs3' }), 'ns-3 没有安装');
});

test('bench --case mathis\'s chart: the same points drawn in English as before and in Chinese', (t) => {
  const points: MathisPoint[] = [
    { variant: 'newreno', loss: 0.05, goodput: 93_000, predicted: 80_000, ratio: 1.16, ratios: [1.16], timeouts: 2, t0Ms: 310, padhye: 58_000, ratioPadhye: 1.6, virtualMs: 1, wallMs: 1 },
    { variant: 'cubic', loss: 0.001, goodput: 7_300_000, predicted: 565_000, ratio: 12.91, ratios: [12.91], timeouts: 0, virtualMs: 1, wallMs: 1 },
  ];
  const rows = ['newreno   p=5   % #|#                93 kB/s / 80 kB/s = 1.16', 'cubic     p=0.1 % ########|########  7.30 MB/s / 565 kB/s = 12.91'];
  t.is(mathisPlot(points, 18), [
    'goodput, log scale from 53 kB/s to 10.95 MB/s: # measured, | formula (Mathis for Reno, RFC 9438 5.1 for CUBIC)',
    `${rows[0]}; 2 RTOs, Padhye (T0 310 ms) 58 kB/s: 1.60`,
    rows[1],
    '',
  ].join('\n'));
  t.is(mathisPlot(points, 18, 'zh'), [
    '有效吞吐量（对数刻度，从 53 kB/s 到 10.95 MB/s）：# 为实测值，| 为公式值（Reno 用 Mathis 公式，CUBIC 用 RFC 9438 5.1 的公式）',
    `${rows[0]}；2 次 RTO 超时，Padhye 公式（T0 为 310 ms）58 kB/s：1.60`,
    rows[1],
    '',
  ].join('\n'));
});

test('sweep\'s and packetdrill\'s own mistakes in Chinese, exit 2, a JSON mistake at FILE:LINE:COL; English word for word as before', async (t) => {
  const dir = tmp(t);
  const badJson = path.join(dir, 'bad.json');
  writeFileSync(badJson, '{"tcpemu":"sweep",\n "runs": [1,}\n');
  const notSweep = path.join(dir, 'other.json');
  writeFileSync(notSweep, '{"a":1}\n');
  const hs = 'fixtures/scenarios/handshake.yaml';
  const hint = (c: string) => `\nrun 'tcpemu ${c} --help' for its usage`;
  const zhHint = (c: string) => `\n运行 'tcpemu ${c} --help' 查看用法`;
  // [command, args, the Chinese, the English as it was]
  type Command = (args: string[], io: CliIo & { isTTY: boolean }) => Promise<number>;
  const cases: [Command, string[], string, string][] = [
    [sweepCommand, [hs, '--seeds', 'x'], `tcpemu sweep：--seeds 取 A..B 或 A,B,...（0 到 4294967295 的整数），而不是 'x'${zhHint('sweep')}`, `tcpemu sweep: --seeds takes A..B or A,B,... (whole numbers 0 to 4294967295), not 'x'${hint('sweep')}`],
    [sweepCommand, [hs, '--seeds', '1..99999999'], 'tcpemu sweep：--seeds 1..99999999 给出的种子超过 1000000 个', 'tcpemu sweep: --seeds 1..99999999 names more than 1000000 seeds'],
    [sweepCommand, [hs, '--set', 'foo'], `tcpemu sweep：--set 取 KEY=V1,V2,...（例如 link.loss=0,0.01,0.05），而不是 'foo'${zhHint('sweep')}`, `tcpemu sweep: --set takes KEY=V1,V2,... (e.g. link.loss=0,0.01,0.05), not 'foo'${hint('sweep')}`],
    [sweepCommand, [hs, '--set', 'link.loss=0,,1'], 'tcpemu sweep：--set link.loss=0,,1：两个逗号之间的值是空的', 'tcpemu sweep: --set link.loss=0,,1: an empty value between commas'],
    [sweepCommand, [hs, '--plot', 'nope'], `tcpemu sweep：--plot 只能是 goodput, retransmissions, duration, held 之一，而不是 'nope'${zhHint('sweep')}`, `tcpemu sweep: --plot is one of goodput, retransmissions, duration, held, not 'nope'${hint('sweep')}`],
    [sweepCommand, ['--merge'], `tcpemu sweep：--merge 合并它后面列出的 JSON 输出：tcpemu sweep --merge A.json B.json${zhHint('sweep')}`, `tcpemu sweep: --merge joins the JSON outputs named after it: tcpemu sweep --merge A.json B.json${hint('sweep')}`],
    [sweepCommand, ['--merge', 'a.json', '--seeds', '1'], `tcpemu sweep：--seeds 用于运行参数扫描；--merge 只合并已完成的扫描${zhHint('sweep')}`, `tcpemu sweep: --seeds is for running a sweep; --merge only joins finished ones${hint('sweep')}`],
    [sweepCommand, [], `tcpemu sweep：请给出一个场景文件${zhHint('sweep')}`, `tcpemu sweep: name one scenario file${hint('sweep')}`],
    [sweepCommand, [hs, '--jobs', '0'], `tcpemu sweep：--jobs 取 1 到 256 的整数，而不是 '0'${zhHint('sweep')}`, `tcpemu sweep: --jobs takes a whole number from 1 to 256, not '0'${hint('sweep')}`],
    [sweepCommand, [hs, '--set', 'link.loss=0', '--set', 'link.loss=1'], `tcpemu sweep：--set link.loss 给了两次；请把它的取值写在一处：\`--set link.loss=a,b,c\`${zhHint('sweep')}`, `tcpemu sweep: --set link.loss is given twice; write its values in one: --set link.loss=a,b,c${hint('sweep')}`],
    [sweepCommand, ['nosuch.yaml'], 'nosuch.yaml：文件不存在', 'nosuch.yaml: no such file'],
    [sweepCommand, ['fixtures'], 'fixtures：这是一个目录，应当是场景文件', 'fixtures: is a directory, expected a scenario file'],
    [sweepCommand, ['--merge', badJson], `${badJson}:2:13：不是 JSON；--merge 读取的是 tcpemu sweep --json 写出的文件`, `${badJson}:2:13: not JSON; --merge reads what tcpemu sweep --json wrote`],
    [sweepCommand, ['--merge', notSweep], `${notSweep}：不是 tcpemu sweep --json 的输出`, `${notSweep}: not the output of tcpemu sweep --json`],
    [sweepCommand, [hs, '--set', 'name.x=1'], 'tcpemu sweep：--set name.x：name 不是映射，所以没有键 x', 'tcpemu sweep: --set name.x: name is not a mapping, so it has no key x'],
    [packetdrillCommand, [], `tcpemu packetdrill：请至少给出一个脚本或存放脚本的文件夹${zhHint('packetdrill')}`, `tcpemu packetdrill: name at least one script or folder of scripts${hint('packetdrill')}`],
    [packetdrillCommand, ['fixtures/packetdrill', '--defaults', 'linx'], `tcpemu packetdrill：--defaults 只能是 auto, linux, linux-3.11 之一，而不是 'linx'；你是想写 linux 吗？${zhHint('packetdrill')}`, `tcpemu packetdrill: --defaults is one of auto, linux, linux-3.11, not 'linx'; did you mean linux?${hint('packetdrill')}`],
    [packetdrillCommand, ['fixtures/packetdrill', '--tolerance_usecs', 'abc'], `tcpemu packetdrill：--tolerance_usecs 取整数微秒，而不是 'abc'${zhHint('packetdrill')}`, `tcpemu packetdrill: --tolerance_usecs takes a whole number of microseconds, not 'abc'${hint('packetdrill')}`],
    [packetdrillCommand, ['fixtures/packetdrill', '--view', 'ladr'], `tcpemu packetdrill：--view 只能是 ladder 或 none，而不是 'ladr'；你是想写 ladder 吗？${zhHint('packetdrill')}`, `tcpemu packetdrill: --view is ladder or none, not 'ladr'; did you mean ladder?${hint('packetdrill')}`],
    [packetdrillCommand, ['fixtures/packetdrill', '--packetdrill', '/bin/true'], `tcpemu packetdrill：--packetdrill 只与 --kernel 一起使用${zhHint('packetdrill')}`, `tcpemu packetdrill: --packetdrill is for --kernel${hint('packetdrill')}`],
    [packetdrillCommand, ['fixtures/packetdrill', '--view', 'ladder'], `tcpemu packetdrill：--view ladder 和 --html 只画一个脚本的运行，却给了 18 个${zhHint('packetdrill')}`, `tcpemu packetdrill: --view ladder and --html draw one script's run, and 18 were given${hint('packetdrill')}`],
    [packetdrillCommand, ['nosuch.pkt'], 'nosuch.pkt：没有这个文件或文件夹', 'nosuch.pkt: no such file or folder'],
  ];
  const problems: string[] = [];
  for (const [command, args, zh, en] of cases) {
    const z = await inProcess(command, [...args, ...ZH]);
    const e = await inProcess(command, [...args, '--lang', 'en']);
    if (z.code !== 2 || z.err !== zh) problems.push(`${args.join(' ')}: ${z.code} ${z.err}`);
    if (e.code !== 2 || e.err !== en) problems.push(`${args.join(' ')} (en): ${e.code} ${e.err}`);
    const words = leftovers(z.err.split(badJson).join(' ').split(notSweep).join(' '), { words: new Set(['nosuch', 'pkt', 'fixtures', 'x', 'foo', 'nope', 'linx', 'abc', 'ladr', 'held', 'goodput', 'retransmissions', 'duration', 'auto', 'bin']), lines: [] });
    if (words.length) problems.push(`${args.join(' ')}: English left: ${words.join('; ')}`);
  }
  t.deepEqual(problems, []);
  // What sweep wrote, on stderr, in Chinese.
  const csv = path.join(dir, 'out.csv');
  const wrote = await inProcess(sweepCommand, [hs, '--seeds', '1', '--jobs', '1', '--csv', csv, ...ZH]);
  t.is(wrote.code, 0, wrote.err);
  t.is(wrote.err, `已写入 ${csv}\n`);
});

test('sweep: a combination the loader refuses is named with its settings, in Chinese; English as before', async (t) => {
  const hs = 'fixtures/scenarios/handshake.yaml';
  const err = await t.throwsAsync(sweepCommand([hs, '--set', 'link.loss=2,3', '--set', 'seed=1', '--seeds', '1', ...ZH], { out: () => {}, err: () => {}, isTTY: false }), { instanceOf: ScenarioError });
  t.is(err!.format('zh'), `${hs}（其中 link.loss=2、seed=1）:30:9：link.loss：概率 2 不在 0..1 之内\n  提示：0 到 1 之间的概率，如 0.05，或百分数，如 5%`);
  t.deepEqual(leftovers(err!.format('zh').split(hs).join(' '), { words: new Set(['seed']), lines: [] }), []);
  t.is(err!.format('en'), `${hs} (with link.loss=2, seed=1):30:9: link.loss: probability 2 is outside 0..1\n  hint: a probability from 0 to 1, like 0.05, or a percentage like 5%`);
  // One setting alone, and no setting: the file's name as it is.
  t.is(planForMistake(hs, { 'link.loss': '2' }).format('en').split(':')[0], `${hs} (with link.loss=2)`);
  t.is(planForMistake(hs, {}, 'link: { loss: 2 }\n').format('zh').split(':')[0], hs);
});

function planForMistake(file: string, set: Record<string, string>, text = readFileSync(file, 'utf8')): ScenarioError {
  try {
    planFor(text, file, set);
  } catch (e) {
    if (e instanceof ScenarioError) return e;
    throw e;
  }
  throw new Error(`${file}: loaded with ${JSON.stringify(set)}`);
}

test('packetdrill\'s mismatch reasons in Chinese (our own failing scripts); the English is packetdrill\'s, word for word', async (t) => {
  const dir = tmp(t);
  // Written for tcpemu, not from upstream packetdrill: each fails one of packetdrill's checks.
  const socket = '0.000 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n';
  const refused = '0.000...0.050 connect(3, ..., ...) = -1 ECONNREFUSED (Connection refused)\n\n';
  const handshake = '0.000 > S 0:0(0) <...>\n0.050 < R. 0:0(0) ack 1 win 0\n';
  const scripts: [string, string, string, RegExp][] = [
    // connect() sends a SYN, not a SYN-ACK (RFC 9293 3.5): the ACK bit differs.
    ['field', socket + refused + '0.000 > S. 0:0(0) <...>\n0.050 < R. 0:0(0) ack 1 win 0\n', 'live packet field tcp_ack: expected: 1 (0x1) vs actual: 0 (0x0)', /实际分组字段 `tcp_ack`：预期 1（0x1），实际 0（0x0）/],
    // The SYN leaves at once, not 20 ms later.
    ['timing', socket + refused + '0.020 > S 0:0(0) <...>\n0.050 < R. 0:0(0) ack 1 win 0\n', 'timing error: expected outbound packet at 0.020000 sec but happened at 0.000000 sec; tolerance 0.004000 sec', /时间错误：预期出站分组在 0\.020000 秒，实际在 0\.000000 秒；容差 0\.004000 秒/],
    // A RST refuses the connection (RFC 9293 3.10.7.3): connect() returns -1, not 0 ...
    ['result', socket + '0.000...0.050 connect(3, ..., ...) = 0\n\n' + handshake, 'Expected result 0 but got -1 with errno ECONNREFUSED', /预期返回值 0，实际为 -1，`errno` 为 ECONNREFUSED/],
    // ... and its errno is ECONNREFUSED, not ETIMEDOUT.
    ['errno', socket + '0.000...0.050 connect(3, ..., ...) = -1 ETIMEDOUT (Connection timed out)\n\n' + handshake, 'Expected errno ETIMEDOUT but got ECONNREFUSED', /预期 `errno` 为 ETIMEDOUT，实际为 ECONNREFUSED/],
    // After the RST nothing is sent.
    ['timeout', socket + refused + handshake + '0.100 > F. 1:1(0) ack 1\n', 'Timed out waiting for packet', /等待分组超时/],
    // A fresh socket has no pending error.
    ['getsockopt', socket + '0.000 getsockopt(3, SOL_SOCKET, SO_ERROR, [5], [4]) = 0\n', 'Bad getsockopt optval: expected: 5 actual: 0', /`getsockopt` 的 `optval` 不对：预期 5，实际 0/],
  ];
  for (const [name, text, en, zh] of scripts) {
    const file = path.join(dir, `${name}.pkt`);
    writeFileSync(file, text);
    const z = await inProcess(packetdrillCommand, [file, ...ZH]);
    const e = await inProcess(packetdrillCommand, [file, '--lang', 'en']);
    t.is(z.code, 1, z.err);
    const [line, expected, actual] = z.out.split('\n');
    t.regex(line!, zh, name);
    t.is(e.out.split('\n')[0], `FAIL         ${file}:${line!.slice(13 + file.length + 1).split(' ')[0]}  ${en}`, name);
    // The reason and the words around the segments are Chinese; the segments and calls stay as packetdrill writes them.
    t.deepEqual(leftovers(line!.split(file).join(' ').replace(/^FAIL/, '')), [], line);
    t.regex(expected!, /^ {4}预期：/);
    if (name === 'timeout') t.is(actual, '    实际：没有分组');
  }
});

test('a replayed trace\'s description: the recorded scenario\'s translation when the trace carries one, else the recorded words said to be the recorded ones', (t) => {
  // lost-fin.jsonl was recorded from a scenario without translations: its own description, said to be the recorded one.
  const old = tcpemu(['replay', 'fixtures/traces/lost-fin.jsonl', '--view', 'explain', ...ZH]);
  t.is(old.code, 0, old.err);
  const desc = 'what happens if the FIN is lost? The client retransmits it after the RTO; the close completes late';
  t.is(old.out.split('\n')[1], `场景说明（跟踪记录中保存的原文，未翻译）：${desc}`);
  t.deepEqual(leftovers(old.out, { words: new Set(['client', 'server', 'lost-fin']), lines: [desc] }), []);
  t.is(tcpemu(['replay', 'fixtures/traces/lost-fin.jsonl', '--view', 'explain', '--lang', 'en']).out.split('\n')[1], desc);
  // A trace recorded from a lesson, which carries its Chinese words: those, as `run` shows them.
  const dir = tmp(t);
  const trace = path.join(dir, 'lesson.jsonl');
  const lesson = 'fixtures/lessons/01-handshake.yaml';
  t.is(tcpemu(['run', lesson, '--trace', trace]).code, 0);
  const run = tcpemu(['run', lesson, '--view', 'explain', ...ZH]);
  const replay = tcpemu(['replay', trace, '--view', 'explain', ...ZH]);
  t.is(replay.code, 0, replay.err);
  // The title and the description as run shows them (the lesson's translations.zh), with no word of the recorded English.
  t.is(replay.out.split('\n').slice(0, 3).join('\n'), run.out.split('\n').slice(0, 3).join('\n'));
  t.regex(replay.out.split('\n')[1]!, /[\u4e00-\u9fff]/);
  t.notRegex(replay.out, /跟踪记录中保存的原文/);
  t.deepEqual(leftovers(replay.out, { words: ownWords(lesson).words, lines: [] }), []);
});

test('run and replay stopped by a limit, and a mistake in a trace\'s recorded scenario, in Chinese; English as before', (t) => {
  const hs = 'fixtures/scenarios/handshake.yaml';
  const zhRun = tcpemu(['run', hs, '--max-events', '3', ...ZH]);
  t.is(zhRun.code, 2);
  t.is(zhRun.err, `${hs}：跟踪记录在虚拟时间 0 ms 处达到了 3 个事件的上限，因此运行在那里停止\n  提示：减小 until:，或少发送一些数据；或用 --max-events N 允许更多事件（默认 1000000；每个事件约占 400 字节内存）\n`);
  t.deepEqual(leftovers(zhRun.err.split(hs).join(' ')), []);
  const enRun = tcpemu(['run', hs, '--max-events', '3', '--lang', 'en']);
  t.is(enRun.err, `${hs}: the trace reached its limit of 3 events at 0 ms of virtual time, so it stopped there\n  hint: lower until: or send less; or allow more with --max-events N (default 1000000; each event holds about 400 bytes of memory)\n`);
  // A replay stopped by the limit: re-running a million events takes seconds, so the refusal is worded here from the error
  // replay throws it with (bin/tcpemu.ts); by hand, a trace of a 400 MB send gives exactly this line.
  const replayStopped = (lang: 'en' | 'zh', why: { text: Msg }) => word(lang, { key: 'cli.replayStopped', params: { file: 'big.jsonl', scenario: 'big', why: why.text, n: 1 } });
  t.is(replayStopped('en', new TraceLimitError(1_000_000, 1)), 'big.jsonl: re-running the recorded scenario \'big\', the trace reached its limit of 1000000 events at 1 ms of virtual time, so it stopped there (the trace holds 1 events)');
  t.is(replayStopped('zh', new TraceLimitError(1_000_000, 1)), 'big.jsonl：重新运行跟踪记录中保存的场景 \'big\' 时，跟踪记录在虚拟时间 1 ms 处达到了 1000000 个事件的上限，因此运行在那里停止（该跟踪记录共有 1 个事件）');
  t.is(replayStopped('en', new RunLimitError(20_000_000, 2.5)), 'big.jsonl: re-running the recorded scenario \'big\', the run reached its limit of 20000000 events at 2.5 ms of virtual time, so it stopped there (the trace holds 1 events)');
  t.is(replayStopped('zh', new RunLimitError(20_000_000, 2.5)), 'big.jsonl：重新运行跟踪记录中保存的场景 \'big\' 时，运行在虚拟时间 2.5 ms 处达到了 20000000 个事件的上限，因此运行在那里停止（该跟踪记录共有 1 个事件）');
  t.is(new TraceLimitError(5).message, 'the trace reached its limit of 5 events');
  t.is(word('zh', new TraceLimitError(5).text), '跟踪记录达到了 5 个事件的上限');
  // A trace whose recorded scenario has a mistake (its loss made 2): named as the recorded scenario.
  const dir = tmp(t);
  const trace = path.join(dir, 'bad.jsonl');
  const meta = JSON.parse(readFileSync('fixtures/traces/lost-fin.jsonl', 'utf8').split('\n')[0]!) as { source: string };
  writeFileSync(trace, JSON.stringify({ ...meta, source: meta.source.replace('link: { delay: 10ms,', 'link: { delay: 10ms, loss: 2,') }) + '\n');
  const zh = tcpemu(['replay', trace, ...ZH]);
  t.is(zh.code, 2);
  t.is(zh.err, `${trace}（跟踪记录中保存的场景 'lost-fin'）:6:28：link.loss：概率 2 不在 0..1 之内\n  提示：0 到 1 之间的概率，如 0.05，或百分数，如 5%\n`);
  t.deepEqual(leftovers(zh.err.split(trace).join(' '), { words: new Set(['lost-fin']), lines: [] }), []);
  t.is(tcpemu(['replay', trace, '--lang', 'en']).err, `${trace} (recorded scenario 'lost-fin'):6:28: link.loss: probability 2 is outside 0..1\n  hint: a probability from 0 to 1, like 0.05, or a percentage like 5%\n`);
});

test('packetdrill script syntax mistakes in Chinese at FILE:LINE:COL; English word for word as before', (t) => {
  // [the script (written for tcpemu, one mistake each), its mistake in English as parse.ts wrote it before it used the catalogue]
  // '--=1' crashed the parser before (a TypeError); it now gets the mistake its form was always meant to get.
  const cases: [string, string][] = [
    ['/* open', "x.pkt:1:1: a /* comment is never closed\n  hint: end it with */"],
    ['0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3 junk', "x.pkt:1:45: unexpected 'junk' after a system call\n  hint: one event a line: a time, then a packet, a system call, a `shell command` or a %{ }% block"],
    ['0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n--bad\n', "x.pkt:2:1: unknown option --bad\n  hint: options: --tolerance_usecs, --tolerance_percent, --tcp_ts_tick_usecs, --strict_segments, --mtu, --wire_server_ip, --local_ip, --remote_ip, --gateway_ip, --netmask_ip, --ip_version, --bind_port, --connect_port, --speed, --non_fatal, --dry_run, --verbose, --init_scripts, --mss, --so_filename, --send_omit_free, --define"],
    ['--=1\n', "x.pkt:1:1: an option line is '--name=value'\n  hint: for example --tolerance_usecs=10000"],
    ['--tolerance_usec=1\n', "x.pkt:1:1: unknown option --tolerance_usec\n  hint: did you mean --tolerance_usecs?"],
    ['--zzzzzzzzzz=1\n', "x.pkt:1:1: unknown option --zzzzzzzzzz\n  hint: options: --tolerance_usecs, --tolerance_percent, --tcp_ts_tick_usecs, --strict_segments, --mtu, --wire_server_ip, --local_ip, --remote_ip, --gateway_ip, --netmask_ip, --ip_version, --bind_port, --connect_port, --speed, --non_fatal, --dry_run, --verbose, --init_scripts, --mss, --so_filename, --send_omit_free, --define"],
    ['`echo hi', "x.pkt:1:1: a `shell command` is never closed\n  hint: end it with a backquote `"],
    ['`echo hi` junk', "x.pkt:1:11: unexpected 'junk' after a shell command\n  hint: one event a line: a time, then a packet, a system call, a `shell command` or a %{ }% block"],
    ['x', "x.pkt:1:1: expected the time of an event but found 'x'\n  hint: an event is a time and then a packet (< or >), a system call, a `shell command` or a %{ }% block"],
    ['> S 0:0(0) <...>', "x.pkt:1:1: expected the time of an event but found '>'\n  hint: every event starts with its time: 0.100 (from the start), +.01 (after the previous event) or * (any time)"],
    ['write(3, ..., 1) = 1', "x.pkt:1:1: expected the time of an event but found 'write(3,'\n  hint: every event starts with its time: 0.100 (from the start), +.01 (after the previous event) or * (any time)"],
    ['0.2~0.1 > S 0:0(0) <...>', "x.pkt:1:8: the window 0.2~0.1 ends before it starts\n  hint: write the earlier time first: a~b"],
    ['0', "x.pkt:1:2: a time with nothing after it\n  hint: write a packet (< or >), a system call, a `shell command` or a %{ }% block after the time"],
    ['0 !', "x.pkt:1:3: expected a packet, a system call, a shell command or a code block, but found '!'\n  hint: packets start with < (sent to the stack) or > (sent by it); system calls look like write(4, ..., 1000) = 1000"],
    ['* write(3, ..., 1) = 1', "x.pkt:1:1: '*' (any time) is allowed only for an outbound packet (>)\n  hint: give the event a time: +0, +.1, 0.200"],
    ['0~0.1 write(3, ..., 1) = 1', "x.pkt:1:1: a time window a~b is allowed only for an outbound packet (>)\n  hint: give the event one time"],
    ['0...0.1 > S 0:0(0) <...>', "x.pkt:1:9: start...end is for a blocking system call only\n  hint: give the event one time"],
    ['0 > [ect0 S 0:0(0) <...>', "x.pkt:1:5: ip information is never closed with ]\n  hint: for example [ect0]"],
    ['0 >', "x.pkt:1:4: a packet needs its flags\n  hint: flags are letters from .FSRPEWAU ('S' SYN, '.' ACK, 'F' FIN, 'P' PSH, 'R' RST), or '-' for none"],
    ['0 > SQ 0:0(0) <...>', "x.pkt:1:6: 'Q' is not a TCP flag (in 'SQ')\n  hint: flags are letters from .FSRPEWAU ('S' SYN, '.' ACK, 'F' FIN, 'P' PSH, 'R' RST), or '-' for none"],
    ['0 > S x:0(0) <...>', "x.pkt:1:7: expected the first sequence number but found 'x:0(0)'\n  hint: start:end(length), for example 1:1001(1000); a SYN or a bare ACK is 0:0(0) or 1:1(0)"],
    ['0 > S 0:0(0', "x.pkt:1:12: expected ')' but found '\n'\n  hint: start:end(length), for example 1:1001(1000); a SYN or a bare ACK is 0:0(0) or 1:1(0)"],
    ['0 > S 0:10(5) <...>', "x.pkt:1:12: the range 0:10 holds 10 bytes, but the length says 5\n  hint: end - start must equal the length: 0:5(5)"],
    ['0 > S 0:0(0) foo 1', "x.pkt:1:14: unknown word 'foo' in a packet\n  hint: words after the sequence range: ack, win, urg; options go in <...>"],
    ['0 > S 0:0(0) zzzzzzz 1', "x.pkt:1:14: unknown word 'zzzzzzz' in a packet\n  hint: words after the sequence range: ack, win, urg; options go in <...>"],
    ['0 > S 0:0(0) ack 1 ack 2', "x.pkt:1:20: 'ack' is given twice\n  hint: give it once"],
    ['0 > S 0:0(0) ack 99999999999', "x.pkt:1:17: the ack value must be a whole number from 0 to 4294967295, not 99999999999\n  hint: ack N, for example ack 1001"],
    ['0 > S 0:0(0) win 70000', "x.pkt:1:17: the win value must be a whole number from 0 to 65535, not 70000\n  hint: win N, for example win 257"],
    ['0 < S 0:0(0) <mss 1460>', "x.pkt:1:1: an inbound packet (<) must give its window\n  hint: add 'win N', for example win 257 (the raw 16-bit field, before scaling)"],
    ['0 > S 0:0(0) <...', "x.pkt:1:18: expected '>' but found '\n'\n  hint: '<...>' means any options"],
    ['0 > S 0:0(0) <1>', "x.pkt:1:15: expected a TCP option but found '1>'\n  hint: options are mss N, sackOK, TS val N ecr N, nop, eol, wscale N, sack A:B ..."],
    ['0 > S 0:0(0) <mss 99999>', "x.pkt:1:18: the MSS must be a whole number from 0 to 65535, not 99999\n  hint: mss 1460"],
    ['0 > S 0:0(0) <TS 1 ecr 2>', "x.pkt:1:18: a timestamps option is 'TS val N ecr N'\n  hint: for example TS val 100 ecr 0"],
    ['0 > S 0:0(0) <TS val 1 2>', "x.pkt:1:24: a timestamps option is 'TS val N ecr N'\n  hint: for example TS val 100 ecr 0"],
    ['0 > S 0:0(0) <sack>', "x.pkt:1:19: a sack option needs at least one block\n  hint: sack 1001:2001 3001:4001"],
    ['0 > S 0:0(0) <FO abc>', "x.pkt:1:18: a Fast Open cookie of 3 hex digits\n  hint: a cookie is whole bytes: an even number of hex digits, e.g. FO abcd1234"],
    ['0 > S 0:0(0) <mss2 1>', "x.pkt:1:15: unknown TCP option 'mss2'\n  hint: did you mean mss?; options are mss N, sackOK, TS val N ecr N, nop, eol, wscale N, sack A:B ..."],
    ['0 > S 0:0(0) <zzzzzzz 1>', "x.pkt:1:15: unknown TCP option 'zzzzzzz'\n  hint: options: mss, sackOK, TS, nop, eol, wscale, sack, FO, FOEXP, md5, exp, mptcp, tarr; options are mss N, sackOK, TS val N ecr N, nop, eol, wscale N, sack A:B ..."],
    ['0 > S 0:0(0) <mss 1 x>', "x.pkt:1:21: expected ',' or '>' in the option list but found 'x>'\n  hint: options are separated by commas and the list ends with >"],
    ['0 frobnicate(3) = 1', "x.pkt:1:3: unknown system call 'frobnicate'\n  hint: system calls: socket, bind, listen, accept, connect, read, readv, recv, recvfrom, recvmsg, write, writev, send, sendto, sendmsg, fcntl, ioctl, close, shutdown, getsockopt, setsockopt, poll, cap_set, open, sendfile, epoll_create, epoll_ctl, epoll_wait, pipe, splice, psp_rx_assoc, psp_tx_assoc"],
    ['0 zzzzzzzzzzzzzzz(3) = 1', "x.pkt:1:3: unknown system call 'zzzzzzzzzzzzzzz'\n  hint: system calls: socket, bind, listen, accept, connect, read, readv, recv, recvfrom, recvmsg, write, writev, send, sendto, sendmsg, fcntl, ioctl, close, shutdown, getsockopt, setsockopt, poll, cap_set, open, sendfile, epoll_create, epoll_ctl, epoll_wait, pipe, splice, psp_rx_assoc, psp_tx_assoc"],
    ['0 write = 1', "x.pkt:1:3: expected '(' after the system call write\n  hint: a system call is name(args) = result, for example write(4, ..., 1000) = 1000"],
    ['0 write(3, ..., 1)', "x.pkt:1:19: the system call write(...) has no '= result'\n  hint: write the expected return value: write(...) = 0, or = -1 ERRNO for an error"],
    ['0 write(3, ..., 1) = 1 EAGAIN', "x.pkt:1:30: an errno (EAGAIN) goes with the return value -1, not 1\n  hint: = -1 EAGAIN"],
    ['0 write(3, ..., 1) = -1 EAGAIN (oops', "x.pkt:1:32: the note after the result is never closed with )\n  hint: for example EINPROGRESS (Operation now in progress)"],
    ['0 write(3, ..., 1 = 1', "x.pkt:1:19: expected ',' or ')' but found '='\n  hint: arguments are separated by commas; ( is closed by )"],
    ['0 write(3, "abc, 1) = 1', "x.pkt:1:12: a string is never closed with \"\n  hint: close it with \""],
    ['0 write(3, ;, 1) = 1', "x.pkt:1:12: unexpected ';,' in the arguments\n  hint: an argument is a number, a symbol (SOL_SOCKET), ..., [value] or {field=value}"],
    ['0 write(3, -x, 1) = 1', "x.pkt:1:12: expected a number but found '-x,'\n  hint: a number, a symbol such as SOCK_STREAM, ... or [value]"],
    ['0 write(3, ..., 1) = x', "x.pkt:1:22: expected the return value but found 'x'\n  hint: a number, -1 followed by an errno (= -1 EAGAIN), or ..."],
    ['0 %{ print(1)', "x.pkt:1:3: a %{ code block is never closed\n  hint: end it with }%"],
    ['0 %{ print(1) }% junk', "x.pkt:1:18: unexpected 'junk' after a code block\n  hint: one event a line: a time, then a packet, a system call, a `shell command` or a %{ }% block"],
    ['0 > S 0:0(0) <wscale 300>', "x.pkt:1:21: the window scale must be a whole number from 0 to 255, not 300\n  hint: wscale 7"],
    ['0 > S 0:0(0) <sack 1:x>', "x.pkt:1:22: expected a SACK block end but found 'x>'\n  hint: sack 1001:2001"],
  ];
  // Kept in the Chinese: what the script wrote (quoted), the syntax shown as it is written (mss N, TS val N ecr N, ack N,
  // the lists of options and system calls a script may use) and packetdrill's names for them.
  const names = ['mss', 'sackOK', 'TS', 'nop', 'eol', 'wscale', 'sack', 'FO', 'FOEXP', 'md5', 'exp', 'mptcp', 'tarr', 'urg', 'val', 'ecr', 'EAGAIN', 'pkt', 'x', 'SACK', 'write'];
  const problems: string[] = [];
  for (const [script, english] of cases) {
    let err: ScenarioError | undefined;
    try {
      parseScript(script.endsWith('\n') ? script : `${script}\n`, 'x.pkt');
    } catch (e) {
      if (!(e instanceof ScenarioError)) throw e;
      err = e;
    }
    if (err === undefined) {
      problems.push(`${JSON.stringify(script)}: parsed`);
      continue;
    }
    if (err.format('en') !== english) problems.push(`${JSON.stringify(script)} (en): ${err.format('en')}`);
    const zh = err.format('zh');
    if (!zh.startsWith(`x.pkt:${err.line}:${err.col}：`)) problems.push(`${JSON.stringify(script)}: ${zh}`);
    // The lists of what a script may write are names, not words: taken out before looking for English.
    const words = leftovers(zh.replace(/(可用的(选项|系统调用)|序号范围之后可写的词)：[^；\n]*/g, ' '), { words: new Set(names), lines: [] });
    if (words.length) problems.push(`${JSON.stringify(script)}: English left: ${words.join('; ')}`);
  }
  t.deepEqual(problems, []);
});

test('the constructs packetdrill\'s UNSUPPORTED names, in Chinese; English word for word as before', async (t) => {
  // [the construct as a message, its English as runner.ts, sysctl.ts and sockets.ts wrote it before, the Chinese]
  const cases: [Msg | string, string, string][] = [
    [{ key: 'pd.u.ipInfo', params: { info: '[ect0]' } }, 'IP information [ect0]', 'IP 信息 [ect0]'],
    [{ key: 'pd.u.flags', params: { flags: 'SE' } }, "flags 'SE' (ECN/URG)", "标志位 'SE'（ECN/URG）"],
    [{ key: 'pd.u.urg' }, 'urg (urgent pointer)', 'urg（紧急指针）'],
    [{ key: 'pd.u.cookie', params: { cookie: 'COOKIE' } }, 'Fast Open cookie COOKIE (no -D value for it)', '快速打开的 `cookie` COOKIE（没有用 -D 给出它的值）'],
    [{ key: 'pd.u.tcpOption', params: { name: 'md5' } }, 'TCP option md5', 'TCP 选项 md5'],
    [{ key: 'pd.u.python', params: { text: 'import os' } }, 'Python in %{ }%: import os', '%{ }% 中的 Python 代码：import os'],
    [{ key: 'pd.u.tcpi', params: { name: 'tcpi_rcv_rtt' } }, 'tcpi_rcv_rtt (the model keeps no such counter)', 'tcpi_rcv_rtt（模型中没有这个计数器）'],
    [{ key: 'pd.u.pyName', params: { name: 'foo' } }, 'Python name foo', 'Python 名称 foo'],
    [{ key: 'pd.u.fastopenKey', params: { v: 'x' } }, 'sysctl tcp_fastopen_key=x (one key of four 32-bit hex words, a-b-c-d)', 'sysctl `tcp_fastopen_key=x`（应为一个密钥：四个 32 位的十六进制字，写作 `a-b-c-d`）'],
    [{ key: 'pd.u.sysctlNo', params: { name: 'tcp_early_retrans', v: '2' } }, 'sysctl tcp_early_retrans=2 (the model does not have this behaviour)', 'sysctl tcp_early_retrans=2（模型没有这种行为）'],
    [{ key: 'pd.u.shell', params: { cmd: 'echo 1 > /tmp/x' } }, 'shell command `echo 1 > /tmp/x`', '命令 `echo 1 > /tmp/x`'],
    [{ key: 'pd.u.syscall', params: { name: 'splice' } }, 'system call splice', '系统调用 splice'],
    [{ key: 'pd.u.symbol', params: { s: 'SO_FOO', call: 'setsockopt' } }, 'symbol SO_FOO in setsockopt', 'setsockopt 中的符号 SO_FOO'],
    [{ key: 'pd.u.ipv6' }, 'socket(AF_INET6, ...): IPv6', '`socket(AF_INET6, ...)`：IPv6'],
    [{ key: 'pd.u.optByNumber', params: { call: 'getsockopt' } }, 'getsockopt (option by number)', 'getsockopt（按编号给出的选项）'],
    [{ key: 'pd.u.tfoKey' }, "setsockopt TCP_FASTOPEN_KEY other than a string of the key's bytes", '`setsockopt TCP_FASTOPEN_KEY` 的值不是由密钥字节组成的字符串'],
    [{ key: 'pd.u.tcpInfo' }, 'getsockopt TCP_INFO other than [int] with optlen 4 (its first four bytes; the other fields through %{ }%)', '`getsockopt TCP_INFO` 不是 [int] 且 `optlen` 为 4 的形式（只取它的前四个字节；其他字段请通过 %{ }% 读取）'],
    [{ key: 'pd.u.flag', params: { call: 'send', flags: 'MSG_OOB' } }, 'send flag MSG_OOB', 'send 的标志 MSG_OOB'],
    [{ key: 'pd.u.sendmsgCtl' }, 'sendmsg with ancillary data (msg_control)', '带辅助数据（`msg_control`）的 `sendmsg`'],
    [{ key: 'pd.u.recvmsgCtl', params: { types: 'SCM_TIMESTAMP' } }, 'recvmsg with ancillary data SCM_TIMESTAMP', '带辅助数据 SCM_TIMESTAMP 的 `recvmsg`'],
    // Script syntax alone: the same in both languages.
    ['ioctl SIOCFOO', 'ioctl SIOCFOO', 'ioctl SIOCFOO'],
  ];
  // Kept: what the script wrote (names of calls, options, symbols, sysctls and Python, split at '_' as the detector reads them).
  const kept = new Set(['urg', 'COOKIE', 'md5', 'Python', 'import', 'os', 'tcpi_rcv_rtt', 'foo', 'sysctl', 'tcp_fastopen_key', 'tcp_early_retrans', 'splice', 'SO_FOO', 'setsockopt', 'getsockopt', 'socket', 'AF_INET6', 'IPv6',
    'TCP_FASTOPEN_KEY', 'TCP_INFO', 'int', 'send', 'MSG_OOB', 'sendmsg', 'recvmsg', 'SCM_TIMESTAMP', 'ioctl', 'SIOCFOO', 'ECN', 'URG', 'echo', 'tmp', 'ect0', 'x'].flatMap((w) => [w, ...w.split('_')]));
  for (const [what, english, zh] of cases) {
    const u = new Unsupported(what, 1);
    t.is(u.construct, english);
    t.is(word('zh', u.text), zh);
    t.deepEqual(leftovers(word('zh', u.text), { words: kept, lines: [] }), [], zh);
  }
  // A script of our own whose system call the model does not run: the UNSUPPORTED line, in both languages.
  const dir = tmp(t);
  const file = path.join(dir, 'splice.pkt');
  writeFileSync(file, '0.000 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n0.000 splice(3, NULL, 4, NULL, 1, 0) = 1\n');
  const z = await inProcess(packetdrillCommand, [file, ...ZH]);
  t.is(z.out.split('\n')[0], `UNSUPPORTED  ${file}:2  系统调用 splice`);
  const e = await inProcess(packetdrillCommand, [file, '--lang', 'en']);
  t.is(e.out.split('\n')[0], `UNSUPPORTED  ${file}:2  system call splice`);
});
