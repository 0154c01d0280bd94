/**
 * Forged segments (`link: inject SEGMENT`, docs/scenario-format.md "Forged segments"), and what RFC 5961
 * 3.2 says a connection does with a forged RST: exactly at RCV.NXT it resets; elsewhere in the window
 * it answers with a challenge ACK; outside the window it drops it without a word.
 */
import test, { type ExecutionContext } from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadScenario } from '../../lib/scenario/load.ts';
import { ScenarioError } from '../../lib/scenario/errors.ts';
import { runScenario, type RunResult } from '../../lib/scenario/runner.ts';
import { renderLadder } from '../../lib/trace/views/ladder.ts';
import { renderReport } from '../../lib/report/index.ts';
import { decodePacket } from '../../lib/wire/tcp.ts';
import { RST } from '../../lib/wire/tcp-types.ts';
import type { SegmentEvent, StateEvent, TraceEvent } from '../../lib/trace/events.ts';
import { tcpemu, tmp } from '../cli/run.ts';

const y = (...lines: string[]) => lines.join('\n') + '\n';

/**
 * An established connection with 5 bytes delivered to the server: the server's RCV.NXT is the client's
 * ISS + 6 (relative 6), its window 65535. At 200 ms one forged segment, from the client's side.
 */
function withForged(segment: string, extra: string[] = []): string {
  return y(
    // Without delayed ACKs the server acknowledges "hello" at once (110 ms): nothing is pending at 200 ms.
    'name: forged', 'hosts: { client: {}, server: {} }', 'tcp: { delayed-ack: false }', 'link: { delay: 10ms }', 'until: 2s', 'steps:',
    '  - { at: 0, server: listen 80 }',
    '  - { at: 0, client: connect server:80 }',
    '  - { at: 100ms, client: send "hello" }',
    `  - { at: 200ms, link: '${segment}' }`,
    ...extra,
  );
}

const run = (text: string, capture = false) => runScenario(loadScenario(text, 'f.yaml'), { capture });
const segs = (r: RunResult) => r.events.filter((e): e is SegmentEvent => e.type === 'segment');
const after = (r: RunResult, t: number) => segs(r).filter((e) => e.t >= t);
const line = (e: SegmentEvent) => `${e.t} ${e.event} ${e.host} ${e.flags} rseq ${e.rseq} rack ${e.rack}${e.forged ? ' forged' : ''}${e.why ? ` ${e.why}` : ''}`;
const serverStates = (r: RunResult) => r.events.filter((e): e is StateEvent => e.type === 'state' && e.host === 'server').map((e) => e.to);
const ladder = (r: RunResult) => renderLadder(r.events, { hosts: ['client', 'server'], color: false, width: 100 });

test('RFC 5961 3.2: a forged RST at exactly RCV.NXT resets the connection', (t) => {
  const r = run(withForged('inject client > server R seq 6'));
  // At 200 ms the RST leaves (forged), at 210 ms it arrives with SEG.SEQ = RCV.NXT: the server's connection
  // is reset (RFC 9293 3.10.7.4, second check) and sends nothing in answer.
  t.deepEqual(after(r, 200).map(line), ['200 tx client R rseq 6 rack 0 forged', '210 rx server R rseq 6 rack 0']);
  t.deepEqual(serverStates(r).slice(-1), ['CLOSED']);
  t.is(r.events.find((e): e is StateEvent => e.type === 'state' && e.host === 'server' && e.to === 'CLOSED')!.cause, 'rcv RST');
  t.deepEqual(r.errors.server, ['ECONNRESET']);
  t.regex(ladder(r), /200\.000 +├─ R seq 6 win \d+ \(forged\) ─+>│ 210\.000/);
  t.regex(ladder(r), /210\.000 +│ +│ error ECONNRESET/);
});

test('RFC 5961 3.2: a forged RST elsewhere in the window draws a challenge ACK, and the connection stays', (t) => {
  const r = run(withForged('inject client > server R seq 1000'));
  // RCV.NXT < 1000 < RCV.NXT + RCV.WND: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, at once; ESTABLISHED still.
  t.deepEqual(after(r, 200).map(line), [
    '200 tx client R rseq 1000 rack 0 forged',
    '210 rx server R rseq 1000 rack 0',
    '210 tx server . rseq 1 rack 6 challenge-ack',
    '220 rx client . rseq 1 rack 6',
  ]);
  t.deepEqual(serverStates(r).slice(-1), ['ESTABLISHED']);
  t.deepEqual(r.errors.server, []);
  const l = ladder(r);
  t.regex(l, /├─ R seq 1000 win \d+ \(forged\) ─+>│ 210\.000/);
  t.regex(l, /│<─+ \. ack 6 win \d+ ─┤/);
});

test('RFC 5961 3.2: a forged RST outside the window is dropped silently', (t) => {
  // seq 3 is before RCV.NXT (6): not acceptable (RFC 9293 3.10.7.4), and a RST is never answered.
  const r = run(withForged('inject client > server R seq 3'));
  t.deepEqual(after(r, 200).map(line), ['200 tx client R rseq 3 rack 0 forged', '210 rx server R rseq 3 rack 0']);
  t.deepEqual(serverStates(r).slice(-1), ['ESTABLISHED']);
  // So is one past the right edge.
  const far = run(withForged('inject client > server R seq 70000'));
  t.deepEqual(after(far, 200).map(line), ['200 tx client R rseq 70000 rack 0 forged', '210 rx server R rseq 70000 rack 0']);
  t.deepEqual(serverStates(far).slice(-1), ['ESTABLISHED']);
  t.regex(ladder(r), /├─ R seq 3 win \d+ \(forged\) ─+>│ 210\.000\n(?!.*<─)/);
});

test('fields left out take what the sender would use now; abs takes numbers as they are; options as written', (t) => {
  const r = run(withForged('inject client > server P.'), false);
  const forged = segs(r).find((e) => e.forged)!;
  const real = segs(r).find((e) => e.event === 'tx' && e.host === 'client' && e.len === 5)!;
  // SND.NXT and RCV.NXT of the client at 200 ms, its ports, its window.
  t.deepEqual([forged.seq, forged.ack, forged.src, forged.dst, forged.win], [(real.seq + 5) >>> 0, real.ack, real.src, real.dst, real.win]);
  const abs = run(withForged('inject client > server S seq 42 abs mss 536 sackOK'));
  const f2 = segs(abs).find((e) => e.forged)!;
  t.is(f2.seq, 42);
  t.deepEqual(f2.options, ['mss 536', 'sackOK']);
  // A SYN in a synchronized state: a challenge ACK (RFC 5961 4.2).
  t.true(segs(abs).some((e) => e.event === 'tx' && e.host === 'server' && e.why === 'challenge-ack'));
  // Data: len N or seq A:B, filled with "forged".
  const data = run(withForged('inject client > server P. seq 6:10'));
  t.is(segs(data).find((e) => e.forged)!.len, 4);
  t.is(data.delivered.server.toString(), 'helloforg');
});

test('from an address that is no host\'s: a SYN to the listener, with the ports written; drawn opposite its receiver', (t) => {
  const r = run(withForged('inject 10.9.9.9:4444 > server:80 S seq 7 abs'));
  const f = segs(r).find((e) => e.forged)!;
  t.deepEqual([f.host, f.src, f.dst, f.seq], ['10.9.9.9', '10.9.9.9:4444', '10.0.0.2:80', 7]);
  // The listener answers the stranger with its SYN-ACK (RFC 9293 3.10.7.2).
  t.true(segs(r).some((e) => e.event === 'tx' && e.host === 'server' && e.flags === 'S.' && e.dst === '10.9.9.9:4444'));
  t.regex(ladder(r), /├─ S seq 0 win 65535 \(forged\) ─+>│/);
});

test('captured for --pcap, in the report, and replayed byte for byte from the trace', (t) => {
  const r = run(withForged('inject client > server R seq 6'), true);
  const rsts = r.packets.map((p) => decodePacket(p.packet)).filter((p) => p.tcp.flags & RST);
  t.is(rsts.length, 1);
  t.is(r.packets.find((p) => decodePacket(p.packet).tcp.flags & RST)!.timeMs, 200);
  t.regex(renderReport(r.events, { expectations: r.expectations }), /R seq 6[^<]*\(forged\)/);
  const dir = tmp(t);
  const file = path.join(dir, 'forged.yaml');
  writeFileSync(file, withForged('inject client > server R seq 6'));
  const trace = path.join(dir, 'forged.jsonl');
  t.is(tcpemu(['run', file, '--view', 'none', '--trace', trace]).code, 0);
  t.regex(readFileSync(trace, 'utf8'), /"event":"tx","host":"client","conn":"c1".*"forged":true/);
  const rep = tcpemu(['replay', trace]);
  t.is(rep.code, 0, rep.out + rep.err);
  t.regex(rep.out, /^identical/);
});

test('a forged segment with no connection to take the ports from fails its step, at its line', (t) => {
  const r = run(y('name: t', 'hosts: { client: {}, server: {} }', 'steps:', "  - { at: 0, link: 'inject client > server . ack 1' }"));
  t.false(r.ok);
  t.deepEqual(r.expectations.map((e) => [e.pos?.line, e.detail]), [[4, 'inject: no connection between client and server to take the ports from: write them (client:4000 > server:80)']]);
});

function fails(t: ExecutionContext, segment: string, want: { message: RegExp; col: number; hint?: RegExp }) {
  const e = t.throws(() => loadScenario(withForged(segment), 's.yaml'), { instanceOf: ScenarioError });
  if (!e) return;
  t.regex(e.message, want.message);
  t.deepEqual([e.line, e.col], [10, want.col], e.format());
  if (want.hint) t.regex(e.hint ?? '', want.hint);
}

test('a malformed inject is an error at its place: the segment notation\'s own errors, and inject\'s', (t) => {
  // `  - { at: 200ms, link: '` is 24 characters: the command starts at column 25.
  fails(t, 'inject client > sever R', { message: /unknown host "sever"/, col: 41, hint: /the segment goes to a host/ });
  fails(t, 'inject clinet > server R', { message: /unknown host "clinet"/, col: 32 });
  fails(t, 'inject client > server X', { message: /bad flags "X"/, col: 48 });
  fails(t, 'inject client > server R sq 5', { message: /unknown field "sq"/, col: 50, hint: /did you mean "seq"/ });
  fails(t, 'inject client > server:0 R', { message: /"0" is not a port/, col: 48 });
  fails(t, 'inject 10.9.9.300 > server R', { message: /not an IPv4 address/, col: 32 });
  fails(t, 'inject client > server P. seq 1:5 len 3', { message: /holds 4 bytes, but len says 3/, col: 31 });
  fails(t, 'inject client > server S mss', { message: /mss needs a size/, col: 53 });
  fails(t, 'inject client > client R', { message: /from client to itself/, col: 32 });
  fails(t, 'inject', { message: /inject needs a segment/, col: 31 });
  fails(t, 'injekt client > server R', { message: /unknown link command/, col: 25, hint: /did you mean "inject"/ });
});

test('a scenario without inject traces exactly as before: no forged field anywhere', (t) => {
  const r = run(y('name: t', 'hosts: { client: {}, server: {} }', 'steps:', '  - { at: 0, server: listen 80 }', '  - { at: 0, client: connect server:80 }'));
  t.false(r.events.some((e: TraceEvent) => 'forged' in e));
});
