/**
 * Inputs the fuzzer found (npm run fuzz), each exactly as it was found, with what must happen to it now.
 * Each broke a promise: accepted, or rejected with the reader's own error, and never anything else.
 */
import test from 'ava';
import { loadScenario } from '../../lib/scenario/load.ts';
import { ScenarioError } from '../../lib/scenario/errors.ts';
import { replayCapture, renderCaptureReplay } from '../../lib/real/replay-capture.ts';
import { readTrace } from '../../lib/trace/jsonl.ts';
import { renderReport } from '../../lib/report/index.ts';
import { niceTicks } from '../../lib/report/layout.ts';
import { runScenario } from '../../lib/scenario/runner.ts';

/** A loopback capture (Ethernet) of a SYN and a RST: the SYN's MSS option is what the fuzzer changed. */
const synWithMss = (mssHex: string) =>
  Buffer.from(
    'd4c3b2a102000400000000000000000000000400010000002884066bd9b105004a0000004a00000000000000000000000000000008004500003c43f540004006f8c37f0000017f00000296a70051d536908700000000a002ffd7fe310000' +
      `0204${mssHex}` +
      '0402080a2bda1987000000000103030a2884066be5b1050036000000360000000000000000000000000000000800450000280000400040063ccd7f0000027f000001005196a700000000d536908850140000b5150000',
    'hex',
  );

test('replay CAPTURE: a SYN offering an MSS of 0 or of 65535 (legal on the wire, not as a model setting) is replayed, not a TcpConfigError', (t) => {
  for (const mss of ['0000', 'ffff']) {
    const r = replayCapture(synWithMss(mss), 'syn.pcap');
    t.is(r.client, '127.0.0.1:38567');
    t.is(r.frames, 2);
    t.true(renderCaptureReplay(r, false).includes('client'));
  }
});

test('scenario: a list where a mapping named "toString" stands is a ScenarioError at its line, not a TypeError', (t) => {
  const e = t.throws(() => loadScenario('name: {}\nhosts: {}\nsteps:\n  toString: false\n', 'fuzz.yaml'), { instanceOf: ScenarioError });
  t.regex(e?.format() ?? '', /^fuzz\.yaml:\d+:\d+: /);
});

test('scenario: a duration that is a mapping with a key "toString" is a ScenarioError at that line', (t) => {
  t.throws(() => loadScenario('name: 0\nuntil:\n  toString: false\nhosts: {}\nsteps: []\n', 'fuzz.yaml'), { instanceOf: ScenarioError });
  // With the name right, the duration is the first mistake.
  const e = t.throws(() => loadScenario('name: x\nuntil:\n  toString: false\nhosts: {}\nsteps: []\n', 'fuzz.yaml'), { instanceOf: ScenarioError });
  t.deepEqual([e?.line, e?.col], [3, 3]);
  t.regex(e?.message ?? '', /until: a mapping is not a duration/);
});

test('report: segments at times near 1e308, a hair apart, make a page (the time axis once looped until V8 gave up)', (t) => {
  const trace = [
    '{"type":"meta","scenario":"FP.","seed":0,"version":"0.1.0","source":""}',
    `{"h":{"%?)\\"0<FL(":null,"\`[7":false,"15pm[QD":"BuDBt62j+N","":true,"RR?k='":"O8","}kU":null,"<3[R+x":null,"(0_F":true},"t":1.7976931348623153e+308,"event":"tx","host":"server","conn":"&V","src":"7O%V","dst":"4X}pfM>y","flags":"S.","seq":0,"ack":1,"rseq":1449888766,"rack":4294967295,"win":1463788594,"len":156111440,"options":["wscale 7","","mss 1460"],"reason":",ao7","retransmit":true,"type":"segment"}`,
    '{"":false,"t":1.7976931348623151e+308,"event":"rx","host":"m|1~*t~$]","conn":"server","src":"","dst":"R","flags":"~!!","seq":2147483648,"ack":2088163697,"rseq":3124460423,"rack":0,"win":65535,"len":1385260233,"options":["mss","sack 1:2"],"reason":"quyW9Sq={","type":"segment"}',
  ].join('\n');
  t.true(renderReport(readTrace(trace, 'fuzz.jsonl')).startsWith('<!doctype html>'));
  // The cause: a step lost in the rounding of the values it is added to.
  const ticks = niceTicks(1.7976931348623151e308, 1.7976931348623153e308, 6);
  t.true(ticks.length >= 1 && ticks.length <= 8, `${ticks.length} ticks`);
  t.true(niceTicks(1e16, 1e16 + 2, 6).length <= 8);
});

test('replay CAPTURE: a server that sends its FIN before its SYN-ACK is judged, not a TypeError from the model\'s persist timer', (t) => {
  // The fuzzer's capture (segments of a real one, edited and re-encoded): the server's FIN comes while its SYN is
  // unacknowledged, so its model closed in SYN-RECEIVED; its retransmission timer then took the data path.
  const capture = Buffer.from(
    'd4c3b2a102000400000000000000000000000400650000002384066b2c640b003c0000003c0000004500003c0000400040063cb97f0000017f000002860700501247db8600000000a002ffd72d4e00000204ffd70402080a69dc44ae000000000103030a2584066b13a403003400000034000000450000340000400040063cc17f0000027f000001005086075127328d1247db8780110040780700000101080adeac777e69dc488f2384066b4a640b003400000034000000450000340000400040063cc17f0000017f000002860700501247db865127328d8000004081ce00000101080a69dc44aedeac71aa2484066bdc460b003400000034000000450000340000400040063cc17f0000017f000002860700501247db865127328d801100407ddc00000101080a69dc488fdeac71aa2484066bdc510b003400000034000000450000340000400040063cc17f0000027f000001005086075127328d1247db878010004079f800000101080adeac758e69dc488f8034b4ff000000003c0000003c0000004500003c0000400040063cb97f0000027f000001005086075127328c1247db86a012ffcb593f00000204ffd70402080adeac71aa69dc44ae0103030a2584066b44a403003400000034000000450000340000400040063cc17f0000017f000002860700501247db875127328e80100040761400000101080a69dc4a82deac777e',
    'hex',
  );
  const r = replayCapture(capture, 'fuzz.pcap');
  t.deepEqual(r.endpoints.map((e) => e.role), ['client', 'server']);
  t.true(renderCaptureReplay(r, false).length > 0);
});

test('the same in the model alone: an end that closes in SYN-RECEIVED retransmits its SYN-ACK, then its FIN (RFC 9293 3.10.4)', (t) => {
  // Simultaneous open; a's SYN, SYN-ACK and first FIN are lost, so its SYN is unacknowledged when its timer fires.
  const r = runScenario(
    loadScenario(
      [
        'name: close-in-syn-received',
        'hosts: { a: {}, b: {} }',
        'link: { delay: 10ms, drop: ["a>b #1", "a>b #2", "a>b #3"] }',
        'steps:',
        '  - { at: 0, a: connect b:6000 from 5000 }',
        '  - { at: 0, b: connect a:5000 from 6000 }',
        '  - { at: 15ms, a: close }',
        'expect:',
        '  states:',
        '    a: CLOSED SYN-SENT SYN-RECEIVED FIN-WAIT-1 FIN-WAIT-2',
        '    b: CLOSED SYN-SENT ESTABLISHED CLOSE-WAIT',
        '  segments: |',
        '    a > b  S   seq 0',
        '    b > a  S   seq 0',
        '    a > b  S.  seq 0 ack 1',
        '    a > b  F.  seq 1 ack 1',
        '    b > a  S   seq 0',
        '    a > b  S.  seq 0 ack 1',
        '    ...',
        '    a > b  F.  seq 1 ack 1',
        '    b > a  .   ack 2',
      ].join('\n'),
      'close-in-syn-received.yaml',
    ),
  );
  t.true(r.ok, r.expectations.filter((e) => !e.ok).map((e) => `${e.what}: ${e.detail}`).join('\n'));
});
