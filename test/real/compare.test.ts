/**
 * The verdict of `tcpemu real` on made-up pairs of results (no kernel needed): an expectation that
 * fails on both sides the same way is an agreement, named; one side failing, or both failing
 * differently, is a disagreement that says which side failed what.
 */
import test from 'ava';
import { failureFound, judge, renderVerdict, type ExpectationPair } from '../../lib/real/compare.ts';
import { notCrossCheckable, settingText } from '../../lib/real/kernel.ts';
import type { ExpectResult } from '../../lib/scenario/expect.ts';
import { loadScenario } from '../../lib/scenario/load.ts';
import { word } from '../../lib/i18n/index.ts';

const FILE = 'lost-fin.yaml';
const pos = (line: number, col = 5) => ({ line, col });
const ok = (what: string, detail = 'fine'): ExpectResult => ({ id: what, what, ok: true, detail });
const bad = (what: string, detail: string): ExpectResult => ({ id: what, what, ok: false, detail });
const pair = (what: string, model: ExpectResult | undefined, kernel: ExpectResult | undefined, line = 10): ExpectationPair => ({ what, pos: pos(line), model, kernel });

// What the runners print for the same failure of the FIN-WAIT-1 step of lost-fin.yaml (lib/scenario/runner.ts, lib/real/kernel.ts).
const STEP = 'at 500ms: client c1 in FIN-WAIT-1';
const modelStep = bad(STEP, 'expected FIN-WAIT-1, but it is FIN-WAIT-2');
const kernelStep = bad(STEP, 'expected FIN-WAIT-1, but the kernel has it in FIN-WAIT-2');
const segments = (t: string, win: number, fields: string) => bad('segments', [
  'line 23 did not match',
  '  expected (line 23):  client > server  F.  seq 1 ack 1',
  `  actual (t=${t}ms, segment 5):  server > client  .  seq 1 ack 2 win ${win} len 0`,
  `  differs in: ${fields}`,
].join('\n'));

test('both sides fail the same way (the same state found, in different words): AGREE, exit-worthy 0, the failure named', (t) => {
  const c = judge([pair(STEP, modelStep, kernelStep, 11), pair('states client', ok('states client'), ok('states client'), 16)], FILE);
  t.true(c.ok);
  t.false(c.allHold);
  t.is(c.shared.length, 1);
  t.is(c.shared[0].found, 'it is FIN-WAIT-2');
  t.is(c.disagreements.length, 0);
  const drop3 = notCrossCheckable(loadScenario('name: x\nhosts: { client: {}, server: {} }\nlink: { drop: ["client>server #3"] }\nsteps:\n  - { at: 0, server: listen 80 }\n', 'x.yaml'));
  t.deepEqual(drop3.map((m) => word('en', m)), ['link client>server: drop segment #3: not cross-checkable (loopback drops nothing)']);
  const text = renderVerdict(c, FILE, drop3, false).join('\n');
  t.regex(text, /^AGREE: the model and the kernel behave alike; 1 expectation fails on both, the same way:\n {2}lost-fin\.yaml:11:5: at 500ms: client c1 in FIN-WAIT-1: on both it is FIN-WAIT-2\n/);
  t.regex(text, /loopback cannot make, .*drop segment #3/);
});

test('segments missed at the same line in the same fields, at other times and windows: the same failure', (t) => {
  const c = judge([pair('segments', segments('100', 65535, 'from, to, flags, ack'), segments('120.656', 65536, 'from, to, flags, ack'), 23)], FILE);
  t.true(c.ok);
  t.is(c.shared[0].found, 'line 23 did not match (differs in from, to, flags, ack)');
});

test('both fail, differently: DIFFER, with what each found', (t) => {
  const c = judge([pair(STEP, modelStep, bad(STEP, 'expected FIN-WAIT-1, but the kernel has it in TIME-WAIT'), 11)], FILE);
  t.false(c.ok);
  t.is(c.disagreements[0].text, 'fails on both, differently: on the model it is FIN-WAIT-2; on the kernel it is TIME-WAIT');
  const seg = judge([pair('segments', segments('100', 1, 'flags'), segments('100', 1, 'flags, ack'), 23)], FILE);
  t.false(seg.ok, 'the same line, other fields');
});

test('one side fails: DIFFER naming the side and what it found; a shared failure beside it is still listed', (t) => {
  const c = judge([
    pair(STEP, modelStep, kernelStep, 11),
    pair('delivered server', ok('delivered server'), bad('delivered server', 'expected 5 bytes "hello"\n  actual   0 bytes ""\n  first difference at byte 0'), 30),
    pair('error client', bad('error client', 'expected ECONNREFUSED; client saw no error'), ok('error client'), 31),
  ], FILE);
  t.false(c.ok);
  t.is(c.disagreements.length, 2);
  t.is(c.firstDisagreement, 'lost-fin.yaml:30:5: delivered server: holds on the model, fails on the kernel: expected 5 bytes "hello"\n  actual   0 bytes ""\n  first difference at byte 0');
  t.is(c.disagreements[1].text, 'fails on the model, holds on the kernel: expected ECONNREFUSED; client saw no error');
  const text = renderVerdict(c, FILE, [], false).join('\n');
  t.regex(text, /^DIFFER: the model and the kernel part on 2 expectations:\n/);
  t.regex(text, /and 1 expectation fails on both, the same way:\n {2}lost-fin\.yaml:11:5: at 500ms: client c1 in FIN-WAIT-1: on both it is FIN-WAIT-2/);
  t.regex(text, /no drop or loss left out on loopback explains it/, 'nothing was left out on loopback: the expectation is the suspect');
});

test('a check on one side only fails: DIFFER', (t) => {
  const c = judge([pair('step "send 5"', undefined, bad('step "send 5"', 'not run: at 90000000 ms it is past the kernel run\'s bound of 60000 ms'))], FILE);
  t.false(c.ok);
  t.regex(c.disagreements[0].text, /^fails on the kernel \(the model has no such check\): not run/);
});

test('everything holds: AGREE in one line', (t) => {
  const c = judge([pair('states client', ok('states client'), ok('states client'))], FILE);
  t.true(c.ok && c.allHold);
  t.deepEqual(renderVerdict(c, FILE, [], false), ['AGREE: every expectation holds on the model and on the kernel']);
});

test('states: the model names the first state that differs, the kernel the first it showed out of order; the same state is the same failure', (t) => {
  const m = bad('states client', 'expected: CLOSED SYN-SENT ESTABLISHED FIN-WAIT-1 FIN-WAIT-2 TIME-WAIT CLOSED\n  actual:   CLOSED SYN-SENT ESTABLISHED FIN-WAIT-1 CLOSING TIME-WAIT CLOSED\n  state 5 differs: expected FIN-WAIT-2, got CLOSING');
  const k = bad('states client', 'expected: CLOSED SYN-SENT ESTABLISHED FIN-WAIT-1 FIN-WAIT-2 TIME-WAIT CLOSED\n  observed: CLOSED ESTABLISHED CLOSING\n  the kernel showed CLOSING where the expected list has FIN-WAIT-2');
  t.is(failureFound(m), 'the connection went to CLOSING out of order');
  t.is(failureFound(m), failureFound(k));
});

test('every duration and setting the real command prints has its unit', (t) => {
  const plan = loadScenario('name: x\nhosts: { a: {}, b: {} }\nlink: { delay: 10ms, jitter: 2ms, rate: 10mbit, queue: 5, drop: ["a>b #3", "a>b #5"] }\nsteps:\n  - { at: 0, b: listen 80 }\n', 'x.yaml');
  const lines = notCrossCheckable(plan).map((m) => word('en', m)).join('\n');
  for (const s of ['delay 10 ms', 'jitter 2 ms', 'rate 10000000 bit/s', 'queue 5 packets', 'drop segments #3, #5']) t.true(lines.includes(s), `${s} in:\n${lines}`);
  t.notRegex(lines, /delay 10:/);
  t.is(settingText('mslMs', 1000), 'msl = 1000 ms');
  t.is(settingText('delayedAckMs', 40), 'delayed-ack-time = 40 ms');
  t.is(settingText('rtoMinMs', 200), 'rto-min = 200 ms');
  t.is(settingText('rcvbuf', 4096), 'rcvbuf = 4096 bytes');
});
