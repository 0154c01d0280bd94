/**
 * A Chinese run leaves no English, on the rarer surfaces (issue 26, second round): the
 * retransmission reasons of issue 25's loss recovery, the scenario loader's rarer mistakes, the help
 * of the other commands, `real`'s comparison table, a pcap capture replayed, the report's bottleneck
 * section. Each is run with --lang zh in an English environment (LC_ALL=C.UTF-8) and checked by
 * test/learn/english.ts's allow-list, as zh-cli.test.ts does for the commands a learner runs first.
 */
import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tcpemu, tmp } from '../cli/run.ts';
import { leftovers } from './zh-check.ts';

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
