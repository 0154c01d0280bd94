import test from 'ava';
import { checkDelivered, checkErrors, checkStates, formatSegment, matchSegments } from '../../lib/scenario/expect.ts';
import { loadScenario } from '../../lib/scenario/load.ts';
import type { SegmentPattern } from '../../lib/scenario/plan.ts';
import type { SegmentEvent, StateEvent, TcpStateName, TimedEvent } from '../../lib/trace/events.ts';
import { word } from '../../lib/i18n/index.ts';

const ADDR: Record<string, string> = { client: '10.0.0.1', server: '10.0.0.2' };
const hostOf = (ap: string) => Object.keys(ADDR).find((h) => ap.startsWith(`${ADDR[h]}:`));

let clock = 0;
function seg(from: 'client' | 'server', flags: string, rseq: number, len = 0, rack = 0, extra: Partial<SegmentEvent> = {}): SegmentEvent {
  const to = from === 'client' ? 'server' : 'client';
  return {
    t: (clock += 10), type: 'segment', event: 'tx', host: from, src: `${ADDR[from]}:${from === 'client' ? 40000 : 80}`, dst: `${ADDR[to]}:${to === 'client' ? 40000 : 80}`,
    flags, seq: 1000 + rseq, ack: 5000 + rack, rseq, rack, win: 65535, len, options: [], ...extra,
  };
}

/** Patterns through the real parser, so the tests read like scenario files. */
function patterns(...lines: string[]): SegmentPattern[] {
  const text = ['name: t', 'hosts: { client: {}, server: {} }', 'expect:', '  segments: |', ...lines.map((l) => `    ${l}`)].join('\n') + '\n';
  return loadScenario(text, 's.yaml').expect.segments!.lines;
}

const handshake = (): SegmentEvent[] => {
  clock = 0;
  return [seg('client', 'S', 0), seg('server', 'S.', 0, 0, 1), seg('client', '.', 1, 0, 1), seg('client', 'P.', 1, 5, 1), seg('server', '.', 1, 0, 6)];
};

test('formatSegment: the pattern notation, data range only with data, ack only with ACK', (t) => {
  const [syn, synack, , data] = handshake();
  t.is(formatSegment(syn, hostOf), 'client > server  S  seq 0 win 65535 len 0');
  t.is(formatSegment(synack, hostOf), 'server > client  S.  seq 0 ack 1 win 65535 len 0');
  t.is(formatSegment(data, hostOf), 'client > server  P.  seq 1:6 ack 1 win 65535 len 5');
  t.is(formatSegment({ ...data, src: '9.9.9.9:1' }, hostOf), '9.9.9.9:1 > server  P.  seq 1:6 ack 1 win 65535 len 5');
});

test('formatSegment output parses back as a pattern that matches the segment', (t) => {
  const evs = handshake();
  const pats = patterns(...evs.map((e) => formatSegment(e, hostOf)));
  t.true(matchSegments(pats, evs, hostOf).ok);
});

test('exact list matches; only tx segments count; unwritten fields are not checked', (t) => {
  const hs = handshake();
  const rx: SegmentEvent = { ...hs[0], event: 'rx', host: 'server' };
  const drop: SegmentEvent = { ...hs[0], event: 'drop', reason: 'loss' };
  const evs: TimedEvent[] = [hs[0], rx, drop, st('client', 'c1', 'CLOSED', 'SYN-SENT'), ...hs.slice(1)];
  const r = matchSegments(patterns('client > server S seq 0', 'server > client S. ack 1', 'client > server .', 'client > server P. seq 1:6 len 5 win 65535', 'server > client . ack 6'), evs, hostOf);
  t.true(r.ok, r.detail);
  t.is(r.detail, '5 segments matched 5 lines');
  t.is(r.what, 'segments');
});

test('... leading, trailing, several, and matching nothing', (t) => {
  const evs = handshake();
  const ok = (...lines: string[]) => {
    const r = matchSegments(patterns(...lines), evs, hostOf);
    t.true(r.ok, `${lines.join(' | ')}\n${r.detail}`);
  };
  ok('...', 'server > client . ack 6');
  ok('client > server S', '...');
  ok('...', 'client > server P. seq 1:6', '...');
  ok('...', 'server > client S.', '...', 'client > server P.', '...');
  // Zero-length matches: ... between two adjacent segments, and at both ends.
  ok('...', 'client > server S', '...', 'server > client S.', 'client > server .', 'client > server P.', 'server > client .', '...');
  ok('...');
  ok('...', '...');
  // Backtracking: the first `.` from the client is not the one followed by P.
  ok('...', 'client > server .', 'client > server P.', '...');
  t.true(matchSegments(patterns('...'), [], hostOf).ok);
  t.true(matchSegments([], [], hostOf).ok);
});

test('mismatch: expected line, actual segment with time, what differs, lines not reached', (t) => {
  const evs = handshake();
  const r = matchSegments(patterns('client > server  S   seq 0', 'server > client  S.  seq 0 ack 1', 'client > server  .   ack 1', 'client > server  P.  seq 1:4 ack 1', 'server > client  .   ack 4'), evs, hostOf);
  t.false(r.ok);
  t.deepEqual(r.pos, { line: 8, col: 5 });
  t.is(r.detail, [
    'line 8 did not match',
    '  expected (line 8):  client > server  P.  seq 1:4 ack 1',
    '  actual (t=40ms, segment 4):  client > server  P.  seq 1:6 ack 1 win 65535 len 5',
    '  differs in: seq end (length)',
    '  lines not reached:',
    '    9: server > client  .   ack 4',
  ].join('\n'));
});

test('mismatch after ...: the closest later segment is shown', (t) => {
  const evs = handshake();
  const r = matchSegments(patterns('...', 'client > server FP. seq 1:6'), evs, hostOf);
  t.false(r.ok);
  t.deepEqual(r.pos, { line: 6, col: 5 });
  t.regex(r.detail, /actual \(t=40ms, segment 4\):  client > server  P\.  seq 1:6/);
  t.regex(r.detail, /differs in: flags \(the closest segment after the \.\.\.; none matched\)/);
});

test('too few segments: the line that found none', (t) => {
  const evs = handshake().slice(0, 2);
  const r = matchSegments(patterns('client > server S', 'server > client S.', 'client > server .'), evs, hostOf);
  t.false(r.ok);
  t.deepEqual(r.pos, { line: 7, col: 5 });
  t.regex(r.detail, /line 7 did not match\n  expected \(line 7\):  client > server \.\n  actual:  no segment left \(2 were sent\)/);
});

test('too many segments: the first extra one, and the advice to end with ...', (t) => {
  const evs = handshake();
  const r = matchSegments(patterns('client > server S', 'server > client S.'), evs, hostOf);
  t.false(r.ok);
  t.is(r.detail, [
    'segment 3 of 5 was sent after the last line matched; nothing is left to match it',
    '  actual (t=30ms):  client > server  .  seq 1 ack 1 win 65535 len 0',
    '  and 2 more segments after it',
    '  end the list with ... to allow more segments',
  ].join('\n'));
  t.deepEqual(r.pos, { line: 6, col: 5 });
});

test('flags are compared exactly', (t) => {
  const evs = handshake();
  t.false(matchSegments(patterns('client > server S.', '...'), evs, hostOf).ok);
  t.false(matchSegments(patterns('client > server none', '...'), evs, hostOf).ok);
});

test('a long trace with ... does not blow up', (t) => {
  clock = 0;
  const evs = Array.from({ length: 50_000 }, (_, i) => seg('client', '.', i + 1, 0, 1));
  evs.push(seg('client', 'F.', 50_001, 0, 1));
  t.true(matchSegments(patterns('...', 'client > server F.'), evs, hostOf).ok);
  t.false(matchSegments(patterns('...', 'client > server R', '...'), evs, hostOf).ok);
});

function st(host: string, conn: string, from: TcpStateName, to: TcpStateName): StateEvent {
  return { t: 0, type: 'state', host, conn, from, to, cause: 'test' };
}

test('checkStates: the first connection of each host, from its first from', (t) => {
  const evs: TimedEvent[] = [
    st('client', 'c1', 'CLOSED', 'SYN-SENT'),
    st('server', 'c1', 'LISTEN', 'SYN-RECEIVED'),
    st('client', 'c2', 'CLOSED', 'SYN-SENT'), // a second connection: not part of the history
    st('client', 'c1', 'SYN-SENT', 'ESTABLISHED'),
    st('server', 'c1', 'SYN-RECEIVED', 'ESTABLISHED'),
  ];
  const rs = checkStates({
    client: { states: ['CLOSED', 'SYN-SENT', 'ESTABLISHED'], pos: { line: 3, col: 5 } },
    server: { states: ['LISTEN', 'SYN-RECEIVED', 'ESTABLISHED', 'CLOSE-WAIT'], pos: { line: 4, col: 5 } },
    other: { states: ['CLOSED'], pos: { line: 5, col: 5 } },
  }, evs);
  const { text, detailText, ...plain } = rs[0]!;
  t.deepEqual(plain, { id: 'states:client', what: 'states client', ok: true, detail: 'CLOSED SYN-SENT ESTABLISHED', pos: { line: 3, col: 5 } });
  // The same result in words any language can take (issue 26): the English above is made from them.
  t.is(word('zh', text!), 'client 的状态序列');
  t.deepEqual(detailText!.map((l) => word('en', l)), ['CLOSED SYN-SENT ESTABLISHED']);
  t.false(rs[1].ok);
  t.is(rs[1].detail, 'expected: LISTEN SYN-RECEIVED ESTABLISHED CLOSE-WAIT\n  actual:   LISTEN SYN-RECEIVED ESTABLISHED\n  the connection stopped at ESTABLISHED; expected next CLOSE-WAIT');
  t.false(rs[2].ok);
  t.regex(rs[2].detail, /other had no connection/);
  const wrong = checkStates({ client: { states: ['CLOSED', 'LISTEN', 'ESTABLISHED'], pos: { line: 1, col: 1 } } }, evs);
  t.regex(wrong[0].detail, /state 2 differs: expected LISTEN, got SYN-SENT/);
  const longer = checkStates({ client: { states: ['CLOSED', 'SYN-SENT'], pos: { line: 1, col: 1 } } }, evs);
  t.regex(longer[0].detail, /went on to ESTABLISHED/);
  t.deepEqual(checkStates(undefined, evs), []);
});

test('checkDelivered: text exactly, or a byte count', (t) => {
  const pos = { line: 1, col: 1 };
  const rs = checkDelivered(
    { server: { text: 'hello', pos }, client: { bytes: 2000, pos }, other: { text: 'hi', pos }, quiet: { bytes: 0, pos } },
    { server: Buffer.from('hello'), client: Buffer.alloc(1999), other: Buffer.from('ho') },
  );
  t.deepEqual(rs.map((r) => r.ok), [true, false, false, true]);
  t.is(rs[0].detail, '5 bytes: "hello"');
  t.is(rs[1].detail, 'expected 2000 bytes, client read 1999');
  t.is(rs[2].detail, 'expected 2 bytes "hi"\n  actual   2 bytes "ho"\n  first difference at byte 1');
});

test('checkErrors: the code must be among those seen', (t) => {
  const pos = { line: 2, col: 3 };
  const rs = checkErrors({ client: { code: 'ECONNREFUSED', pos }, server: { code: 'ECONNRESET', pos } }, { client: ['ECONNREFUSED'] });
  t.deepEqual(rs.map(({ id, what, ok, detail, pos }) => ({ id, what, ok, detail, pos })), [
    { id: 'error:client', what: 'error client', ok: true, detail: 'client saw ECONNREFUSED', pos },
    { id: 'error:server', what: 'error server', ok: false, detail: 'expected ECONNRESET; server saw no error', pos },
  ]);
  t.is(word('zh', rs[1]!.detailText![0]!), '预期 ECONNRESET；server 没有看到错误');
});
