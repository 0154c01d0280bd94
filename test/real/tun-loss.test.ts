/**
 * `tcpemu tun --drop/--loss` (issue 25): the kernel sends a bulk transfer to the model, the model one to the
 * kernel, each through the TUN device over a path that drops the same packets of the sender; the two
 * senders' retransmissions and windows are compared. The runs need root, /dev/net/tun, `ip` and python3
 * (checked by making a namespace and a device once); elsewhere they are skipped and the reason printed. The
 * usage checks and the arithmetic of the comparison run everywhere.
 *
 * Every run is bounded (each transfer by 30 s, its process by 30 s more, then killed) and leaves no
 * namespace behind, which the last test checks.
 */
import test from 'ava';
import { tunCommand } from '../../lib/cli/tun.ts';
import { NAMESPACE_PREFIX, leftoverNamespaces, probeTun, tunUnavailableReason } from '../../lib/real/tun.ts';
import { cwndAt, meanCwnd, renderLossComparison, runLossComparison, type LossComparison, type LossRun } from '../../lib/real/tun-loss.ts';
import { parseInfoLine } from '../../lib/real/tun-bulk.ts';
import { resendsOf } from '../../lib/real/retransmits.ts';
import type { SegmentEvent } from '../../lib/trace/events.ts';

const reason = tunUnavailableReason() ?? (await probeTun());
if (reason) console.log(`test/real/tun-loss.test.ts: TUN loss comparison skipped: ${reason}`);
const tunTest = reason ? test.skip : test.serial;

function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  return tunCommand(args, { out: (s: string) => { out += s; }, err: (s: string) => { err += s; }, color: false } as never).then((code) => ({ code, out, err }));
}

// ------------------------------------------------------------------ anywhere

test('usage: --drop takes packet numbers from 1; the bulk-only flags need --drop or --loss; --case is the conversation\'s', async (t) => {
  for (const [args, words] of [
    [['--drop', '#0'], /--drop takes the sender's packets by number from 1.*'#0'/],
    [['--drop', '3,x'], /'x' is not one/],
    [['--seed', '4'], /--seed goes with --drop or --loss/],
    [['--loss', '60%'], /less than 50%/],
    [['--loss', 'lots'], /--loss: /],
    [['--drop', '3', '--case', 'model-client'], /--case is for the conversation/],
  ] as const) {
    const r = await cli([...args]);
    t.is(r.code, 2, args.join(' '));
    t.regex(r.err, words);
    t.notRegex(r.err, /\n\s+at /, 'no stack trace');
  }
});

test('tcp_info lines: the read\'s time, cwnd, and ssthresh unless it is still TCP_INFINITE_SSTHRESH', (t) => {
  t.deepEqual(parseInfoLine('1765152000123.456 10 2147483647 0 0 0 0'), { epochMs: 1765152000123.456, cwnd: 10 });
  t.deepEqual(parseInfoLine('1765152000200.000 7 7 3 2 10 1'), { epochMs: 1765152000200, cwnd: 7, ssthresh: 7 });
  t.is(parseInfoLine('ready'), undefined);
});

test('the window in force at a time is the last sample before it; the mean weighs each value by how long it held', (t) => {
  const s = [{ t: 0, cwnd: 10 }, { t: 100, cwnd: 5 }, { t: 300, cwnd: 8 }];
  t.is(cwndAt(s, -1), undefined);
  t.is(cwndAt(s, 99), 10);
  t.is(cwndAt(s, 100), 5);
  // 10 for 100 ms, 5 for 200 ms, 8 for 100 ms: 2800 / 400.
  t.is(meanCwnd(s, 400), 7);
});

// ------------------------------------------------------------------ through the device (root)

const sent = (r: LossRun) => r.trace.filter((e): e is SegmentEvent => e.type === 'segment' && e.host === r.sender && (e.event === 'tx' || e.event === 'drop'));

function checkRun(t: import('ava').ExecutionContext, r: LossRun, drops: number[]): void {
  t.true(r.ok, `${r.sender} sending: ${r.problems.join('; ')}`);
  t.true(r.intact && r.sawEnd, `${r.sender} sending: the receiver read every byte and the end`);
  // The path took exactly the sender's packets #3 and #7: the n-th packet it sent is the n-th drop's.
  const tx = sent(r).filter((e) => e.event === 'tx');
  const dropped = sent(r).filter((e) => e.event === 'drop');
  t.deepEqual(dropped.map((d) => d.reason), drops.map(() => 'scripted'));
  // The kernel's packets are seen as it sends them, the model's by its trace: either way its n-th tx.
  t.deepEqual(dropped.map((d) => `${d.rseq}+${d.len}`), drops.map((n) => `${tx[n - 1].rseq}+${tx[n - 1].len}`), `${r.sender}: the dropped packets are its #${drops.join(', #')}`);
  // Each dropped byte range is sent again (RFC 9293 3.8.1: a sender retransmits what is not acknowledged).
  const resent = resendsOf(r.trace, r.sender);
  for (const d of dropped.filter((x) => x.len > 0)) t.true(resent.some((x) => x.start <= d.rseq && x.end >= d.rseq + d.len), `${r.sender} resent ${d.rseq}+${d.len}`);
  t.true(r.cwnd.length > 1, `${r.sender}: its window over time`);
}

let comparison: LossComparison | undefined;

tunTest('the kernel and the model each send 200 kB over a path that drops their packets #3 and #7; the comparison lists every retransmission of each', async (t) => {
  t.timeout(150_000);
  comparison = await runLossComparison({ bytes: 200_000, drop: [3, 7], loss: 0, seed: 1, delayMs: 20, timeoutMs: 30_000 });
  const c = comparison;
  checkRun(t, c.kernel, [3, 7]);
  checkRun(t, c.model, [3, 7]);
  t.true(c.kernel.infoReads > 0, "the kernel's tcp_info was read");
  // Every retransmission of either sender is in the comparison: paired with the other's, or listed as its own.
  t.is(c.resends.kernel.length, resendsOf(c.kernel.trace, 'kernel').length);
  t.is(c.resends.model.length, resendsOf(c.model.trace, 'model').length);
  t.is(c.resends.same.length + c.resends.onlyModel.length, c.resends.model.length);
  t.is(c.resends.same.length + c.resends.onlyKernel.length, c.resends.kernel.length);
  const text = renderLossComparison(c);
  t.regex(text, new RegExp(`sender: model ${c.resends.model.length}, kernel ${c.resends.kernel.length}, the same range on both ${c.resends.same.length}`));
  for (const r of [...c.resends.onlyModel.slice(0, 8), ...c.resends.onlyKernel.slice(0, 8)]) t.true(text.includes(`${r.start}:${r.end}`), `listed: ${r.start}:${r.end}`);
  // Both windows came down after the first loss (RFC 5681 3.2 / RFC 6937): below the initial 10 segments at some point.
  t.true(c.kernel.cwnd.some((s) => s.cwnd < 10), "the kernel's window was reduced");
  t.true(c.model.cwnd.some((s) => s.cwnd < 10), "the model's window was reduced");
  t.true(Number.isFinite(c.cwnd.kernelMean) && Number.isFinite(c.cwnd.modelMean));
  t.regex(renderLossComparison(c, 'zh'), /内核 -> tcpemu：.*tcpemu -> 内核：/s);
});

tunTest('no namespace of ours is left after the runs', async (t) => {
  // This process's only: another test file's runs may be going on beside these.
  t.deepEqual((await leftoverNamespaces()).filter((n) => n.startsWith(`${NAMESPACE_PREFIX}${process.pid}-`)), []);
});
