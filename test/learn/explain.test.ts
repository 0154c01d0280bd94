/**
 * The explain view (lib/trace/views/explain.ts) over every fixture scenario and every lesson, in both
 * languages: nothing left untranslated, and its counts of segments, retransmissions and state changes
 * are the trace's. Then what it says at the moments the RFCs describe: at time t this segment is
 * sent or lost, so the sentence names this rule and these numbers.
 */
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadScenario } from '../../lib/scenario/load.ts';
import { runScenario } from '../../lib/scenario/runner.ts';
import { explain, formatExplanation, type Explanation } from '../../lib/trace/views/explain.ts';
import { Payloads } from '../../lib/trace/payload.ts';
import { CATALOGUES, LANGS, type Lang } from '../../lib/i18n/index.ts';
import type { TraceEvent } from '../../lib/trace/events.ts';
import { ROOT } from '../cli/run.ts';

const FILES = [
  ...readdirSync(path.join(ROOT, 'fixtures/scenarios')).filter((f) => f.endsWith('.yaml')).map((f) => `fixtures/scenarios/${f}`),
  ...readdirSync(path.join(ROOT, 'fixtures/lessons')).filter((f) => f.endsWith('.yaml')).map((f) => `fixtures/lessons/${f}`),
];

/**
 * A fixture's trace and payloads, run once per file: its English and Chinese tests and the tests of
 * particular moments below read the same run (the same scenario and seed give the same trace), and
 * explain() only reads it. Running it for each test ran every fixture two to three times.
 */
const runs = new Map<string, { events: readonly TraceEvent[]; payloads: Payloads }>();

function run(file: string): { events: readonly TraceEvent[]; payloads: Payloads } {
  let r = runs.get(file);
  if (r === undefined) {
    const plan = loadScenario(readFileSync(path.join(ROOT, file), 'utf8'), file);
    // The UDP chat fixture runs in real time on sockets; its in-memory twin is what the views draw the same way.
    const ran = runScenario({ ...plan, link: { ...plan.link, udp: false } }, { capture: true });
    r = { events: Object.freeze(ran.events), payloads: Payloads.fromPackets(ran.packets) };
    runs.set(file, r);
  }
  return r;
}

/**
 * Fixed stretches of the English catalogue's sentences (the text between placeholders, 14 characters
 * or more): one of them in a Chinese explanation is a sentence left in English.
 */
const ENGLISH_PIECES = Object.entries(CATALOGUES.en)
  .filter(([k]) => /^(tx|rx|drop|state|cause|appx|timer\.fire|expect|explain|seg)\./.test(k))
  .flatMap(([, v]) => v.split(/\{[A-Za-z]+\}/))
  .map((p) => p.trim())
  .filter((p) => p.length >= 14);

for (const file of FILES) {
  for (const lang of LANGS) {
    test(`${file} explains in ${lang}: every key translated, counts as in the trace`, (t) => {
      const { events, payloads } = run(file);
      const x: Explanation = explain(events, { lang, payloads });
      const text = formatExplanation(x, lang, false);
      t.notRegex(text, /\{[A-Za-z]+\}/, 'no placeholder left unfilled');
      t.notRegex(text, /\b(tx|rx|drop|cause|appx|timer\.fire)\.[a-z]/, 'no message key printed instead of its text');
      if (lang === 'zh') {
        const left = ENGLISH_PIECES.filter((p) => text.includes(p));
        t.deepEqual(left, [], 'no English sentence in the Chinese explanation');
      }
      const tx = events.filter((e) => e.type === 'segment' && e.event === 'tx');
      const states = events.filter((e) => e.type === 'state');
      const drops = events.filter((e) => e.type === 'segment' && e.event === 'drop');
      t.is(x.totals.segments, tx.length, 'segments sent');
      t.is(x.totals.retransmissions, tx.filter((e) => e.type === 'segment' && e.retransmit === true).length, 'retransmissions');
      t.is(x.totals.stateChanges, states.length, 'state changes');
      t.is(x.totals.drops, drops.length, 'drops');
      // Each of them is an item of its own, in trace order.
      t.is(x.items.filter((i) => i.kind === 'tx').length, tx.length);
      t.is(x.items.filter((i) => i.kind === 'state').length, states.length);
      t.deepEqual(x.items.map((i) => i.index), [...x.items.map((i) => i.index)].sort((a, b) => a - b));
      // The totals line says the same numbers.
      const last = text.trimEnd().split('\n').at(-1)!;
      for (const n of [x.totals.segments, x.totals.retransmissions, x.totals.stateChanges]) t.true(last.includes(String(n)), `${last} says ${n}`);
    });
  }
}

const sentencesAt = (x: Explanation, t: number, kind: string): string => x.items.filter((i) => i.t === t && i.kind === kind).flatMap((i) => i.sentences).join(' ');

test('demo: the request acknowledged as "ack 16", the handshake steps and the four waves named (RFC 9293 3.4, 3.5, 3.6)', (t) => {
  const { events, payloads } = run('fixtures/scenarios/demo.yaml');
  const x = explain(events, { lang: 'en', payloads });
  // At 100 ms the client sends its 15-byte request; at 200 ms the server's answer acknowledges it.
  t.regex(sentencesAt(x, 100, 'tx'), /bytes 1 to 15 of client's stream \(15 bytes\): "GET \/index\.html"/);
  t.regex(sentencesAt(x, 200, 'tx'), /ack 16 means: "I have every byte of yours up to 15; send me 16 next"/);
  t.regex(sentencesAt(x, 0, 'tx'), /first step of the three-way handshake/);
  t.regex(sentencesAt(x, 10, 'tx'), /second step of the three-way handshake/);
  t.regex(sentencesAt(x, 20, 'tx'), /third step of the three-way handshake/);
  t.regex(sentencesAt(x, 300, 'tx'), /first wave of the four-way close/);
  t.regex(sentencesAt(x, 310, 'tx'), /second wave/);
  t.regex(sentencesAt(x, 500, 'tx'), /third wave/);
  t.regex(sentencesAt(x, 510, 'tx'), /fourth and last wave/);
  // The client's TIME-WAIT lasts 2 MSL = 4 s (msl: 2s), from 510 ms.
  t.regex(sentencesAt(x, 4510, 'timer'), /2 MSL = 4000 ms/);
  // What the applications read, as text.
  t.regex(sentencesAt(x, 210, 'app'), /reads 6 bytes: "200 OK"/);
  const zh = explain(events, { lang: 'zh', payloads });
  t.regex(sentencesAt(zh, 0, 'tx'), /三次握手的第一步/);
  t.regex(sentencesAt(zh, 300, 'tx'), /四次挥手的第一次挥手/);
});

test('lost-syn: the lost SYN will be resent when the RTO of 1000 ms expires, and is (RFC 6298 5.4)', (t) => {
  const { events } = run('fixtures/scenarios/lost-syn.yaml');
  const x = explain(events, { lang: 'en' });
  const drop = x.items.find((i) => i.kind === 'drop')!;
  t.regex(drop.sentences.join(' '), /client's SYN .* is lost on the link/);
  t.regex(drop.sentences.join(' '), /at 1000 ms \(RTO 1000 ms, RFC 6298 5\.4\)/);
  t.regex(sentencesAt(x, 1000, 'timer'), /retransmission timer fires: 1000 ms passed/);
  t.regex(sentencesAt(x, 1000, 'tx'), /SYN again.*retransmission timeout of 1000 ms/);
});

test('fast-retransmit: three duplicate ACKs, then the lost segment resent at once (RFC 5681 3.2)', (t) => {
  const { events } = run('fixtures/scenarios/fast-retransmit.yaml');
  const x = explain(events, { lang: 'en' });
  const rtx = x.items.find((i) => i.kind === 'tx' && i.retransmit === true)!;
  t.regex(rtx.sentences.join(' '), /fast retransmission: three duplicate ACKs told client that byte 4381 was lost/);
  const before = x.items.filter((i) => i.n < rtx.n && i.kind === 'rx' && i.sentences.some((s) => /duplicate ACK number \d for byte 4381/.test(s)));
  t.is(before.length, 3, 'the third duplicate ACK comes right before the retransmission');
});

test('connection-refused: the RST because nothing listens on port 81, and ECONNREFUSED (RFC 9293 3.10.7.1)', (t) => {
  const { events } = run('fixtures/scenarios/connection-refused.yaml');
  const x = explain(events, { lang: 'en' });
  t.regex(sentencesAt(x, 5, 'tx'), /nothing listens on port 81 of server/);
  t.regex(sentencesAt(x, 10, 'app'), /ECONNREFUSED/);
  t.regex(explain(events, { lang: 'zh' }).items.map((i) => i.sentences.join('')).join(''), /81 端口上没有进程监听/);
});

test('zero-window: the window closes to 0 and a probe is sent by the persist timer (RFC 9293 3.8.6.1)', (t) => {
  const { events } = run('fixtures/scenarios/zero-window.yaml');
  const x = explain(events, { lang: 'en' });
  const all = x.items.flatMap((i) => i.sentences).join('\n');
  t.regex(all, /win 0: server's receive buffer is full/);
  t.regex(all, /zero-window probe/);
  t.regex(all, /window update: server's application has read data/);
});
