/**
 * `tcpemu real FILE --view explain` (issue 26): after the comparison, the model's run and the
 * kernel's trace, each told event by event. The kernel's story comes from the segments the link
 * carried, the states read from the socket tables and the applications' events; its totals must be
 * those of the kernel's own trace. Needs root, ip and /dev/net/tun (the namespaces); elsewhere the
 * tests are skipped with the reason printed. Each run is bounded (request-response lasts < 1 s).
 */
import test from 'ava';
import { netnsUnavailableReason } from '../../lib/real/netns-link.ts';
import { real } from './run-real.ts';
import { englishWords } from '../learn/english.ts';

const reason = netnsUnavailableReason();
if (reason) console.log(`test/real/explain.test.ts: namespace runs skipped: ${reason}`);
const rootTest = reason ? test.skip : test.serial;

/** The two explanations: the model's and the kernel's, split at their headings. */
function sides(out: string, model: RegExp, kernel: RegExp): { model: string; kernel: string } {
  const m = out.search(model);
  const k = out.search(kernel);
  return { model: m >= 0 && k > m ? out.slice(m, k) : '', kernel: k >= 0 ? out.slice(k) : '' };
}

rootTest('real --view explain: the handshake, the data and the close told for the model and for the kernel, whose totals are its trace\'s', async (t) => {
  // The kernel runs of every worker share one lock (lib/real/kernel.ts withKernelLock: up to 180 s of waiting), then the run.
  t.timeout(420_000);
  const r = await real(['fixtures/scenarios/request-response.yaml', '--view', 'explain', '--lang', 'en']);
  t.is(r.code, 0, r.out + r.err);
  const s = sides(r.out, /── the model \(profile linux\), explained ──/, /── the kernel \(Linux in namespaces, through tcpemu's link\), explained from its trace ──/);
  t.not(s.model, '', r.out);
  t.not(s.kernel, '', r.out);
  for (const side of [s.model, s.kernel]) {
    // RFC 9293 3.5: the three steps of the handshake, each named, and the data as the application wrote it.
    t.regex(side, /first step of the three-way handshake/);
    t.regex(side, /second step of the three-way handshake/);
    t.regex(side, /third step of the three-way handshake/);
    t.regex(side, /"ping"/);
    t.regex(side, /"pong"/);
    t.notRegex(side, /\{[a-zA-Z]+\}/, 'no unfilled placeholder');
  }
  // The kernel's states come from the socket tables: each change says when it was read, not a cause the kernel never gave.
  t.regex(s.kernel, /The kernel does not say why: the socket table showed the new state when it was read between [\d.]+ and [\d.]+ ms\./);
  t.notRegex(s.kernel, /Cause recorded in the trace/);
  // The totals line counts the kernel trace's segments: the comparison's own count of them ("N segments").
  const sent = Number(/ (\d+) segments, \d+ reads of the socket tables/.exec(r.out)?.[1]);
  const totals = /In all: (\d+) segments sent/.exec(s.kernel);
  t.truthy(totals, s.kernel.slice(-400));
  t.is(Number(totals![1]), sent);
});

rootTest('real --view explain --lang zh: both stories in Chinese, with no English left in them', async (t) => {
  // The kernel runs of every worker share one lock (lib/real/kernel.ts withKernelLock: up to 180 s of waiting), then the run.
  t.timeout(420_000);
  const r = await real(['fixtures/scenarios/request-response.yaml', '--view', 'explain', '--lang', 'zh']);
  t.is(r.code, 0, r.out + r.err);
  const s = sides(r.out, /── 模型（linux 配置）的逐步讲解 ──/, /── 内核（各自网络命名空间中的 Linux，经由 tcpemu 的链路）的逐步讲解，取自它的跟踪记录 ──/);
  t.not(s.model, '', r.out);
  t.not(s.kernel, '', r.out);
  for (const side of [s.model, s.kernel]) {
    t.regex(side, /三次握手的第一步/);
    t.regex(side, /四次挥手|FIN/);
    // The scenario's description (English in this file) and names are the user's; the rest must be Chinese.
    const text = side.replace('one request, one response, then the client closes first', '');
    // tcpdump's option notation of the kernel's SYNs: <mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 10>
    const tcpdumpOptions = new Set(['sackOK', 'TS', 'val', 'ecr', 'nop', 'wscale', 'request-response', 'request', 'response', 'client', 'server']);
    t.deepEqual(text.split('\n').flatMap((l) => englishWords(l.replace(/<[^>]*>/g, ' '), tcpdumpOptions)), []);
  }
});

test('real --view takes explain only, and says so in the language asked for', async (t) => {
  const en = await real(['fixtures/scenarios/request-response.yaml', '--view', 'ladder']);
  t.is(en.code, 2);
  t.is(en.err, "tcpemu real: --view is explain, not 'ladder'\nrun 'tcpemu real --help' for its usage\n");
  const zh = await real(['fixtures/scenarios/request-response.yaml', '--view', 'ladder', '--lang', 'zh']);
  t.is(zh.code, 2);
  t.is(zh.err, "tcpemu real：--view 只能是 explain，而不是 'ladder'\n运行 'tcpemu real --help' 查看用法\n");
});
