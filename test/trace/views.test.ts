import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadScenario } from '../../lib/scenario/load.ts';
import { runScenario } from '../../lib/scenario/runner.ts';
import { renderReport } from '../../lib/report/index.ts';
import type { SegmentEvent, TraceEvent } from '../../lib/trace/events.ts';
import { renderLadder } from '../../lib/trace/views/ladder.ts';
import { segmentLabel, segmentLabelParts } from '../../lib/trace/views/label.ts';
import { renderStates } from '../../lib/trace/views/states.ts';
import { renderSummary, summarize } from '../../lib/trace/views/summary.ts';
import { displayWidth, visibleLength } from '../../lib/trace/views/ansi.ts';
import { APP_WORDS, appWords } from '../../lib/trace/views/words.ts';
import { CLIENT, SERVER, TraceBuilder, sampleTrace } from './sample.ts';

const hosts = ['client', 'server'];
const ladder = (events: TraceEvent[], width = 100): string => renderLadder(events, { hosts, color: false, width });
const arrowLines = (text: string): string[] => text.split('\n').filter((l) => /[├┤]/.test(l));

test('labels are written as tcpdump and the scenario file write segments', (t) => {
  const base = { rseq: 0, rack: 0, win: 65535, len: 0, options: [] as string[] };
  t.is(segmentLabel({ ...base, flags: 'S', options: ['mss 1460'] }), 'S seq 0 win 65535 <mss 1460>');
  t.is(segmentLabel({ ...base, flags: 'P.', rseq: 1, rack: 1, len: 5 }), 'P. seq 1:6 ack 1 win 65535 len 5');
  t.is(segmentLabel({ ...base, flags: '.', rseq: 6, rack: 1 }), '. ack 1 win 65535');
  t.is(segmentLabel({ ...base, flags: 'R.', rack: 1, win: 0 }), 'R. seq 0 ack 1 win 0');
  t.is(segmentLabel({ ...base, flags: 'FP.', rseq: 4294967295, rack: 9, len: 2, options: ['nop', 'nop', 'TS val 5 ecr 4'] }),
    'FP. seq 4294967295:1 ack 9 win 65535 <nop,nop,TS val 5 ecr 4> len 2');
});

test('golden: the lossy sample, without colour, at 100 columns', (t) => {
  const expected = [
    'tcpemu ladder · scenario lossy-hello · seed 1',
    'legend: ms sent at left, received by the arrowhead · ✕ dropped · (rtx) resent · CAPS: state entered',
    '',
    '       ms      client 10.0.0.1:40000                              server 10.0.0.2:80',
    '    0.000         CLOSED │                                                 │ listen',
    '                 connect │                                                 │ LISTEN',
    '                SYN-SENT │                                                 │',
    '                         ├─ S seq 0 win 65535 <mss 1460> ─────────────────>│ 10.000',
    '   10.000                │                                                 │ SYN-RECEIVED',
    '                  20.000 │<────────── S. seq 0 ack 1 win 65535 <mss 1460> ─┤',
    '   20.000    ESTABLISHED │                                                 │',
    '               connected │                                                 │',
    '                         ├─ . ack 1 win 65535 ────────────────────────────>│ 30.000',
    '   30.000                │                                                 │ ESTABLISHED',
    '                         │                                                 │ accepted',
    '  100.000       send 5 B │                                                 │',
    '                         ├─ P. seq 1:6 ack 1 win 65535 len 5 ──✕ loss      │',
    ' 1100.000    rto expires │                                                 │',
    '                         ├─ P. seq 1:6 ack 1 win 65535 len 5 (rtx: rto) ──>│ 1110.000',
    ' 1110.000                │                                                 │ read 5 B',
    '                1120.000 │<──────────────────────────── . ack 6 win 65530 ─┤',
    ' 1200.000       shutdown │                                                 │',
    '              FIN-WAIT-1 │                                                 │',
    '                         ├─ F. seq 6 ack 1 win 65535 ─────────────────────>│ 1210.000',
    ' 1210.000                │                                                 │ CLOSE-WAIT',
    '                         │                                                 │ end of stream',
    '                1220.000 │<──────────────────────────── . ack 7 win 65535 ─┤',
    ' 1220.000     FIN-WAIT-2 │                                                 │',
    ' 1300.000                │                                                 │ close',
    '                         │                                                 │ LAST-ACK',
    '                1310.000 │<───────────────────── F. seq 1 ack 7 win 65535 ─┤',
    ' 1310.000      TIME-WAIT │                                                 │',
    '           end of stream │                                                 │',
    '                         ├─ . ack 2 win 65535 ────────────────────────────>│ 1320.000',
    ' 1320.000                │                                                 │ CLOSED',
    '                         │                                                 │ closed',
    '61310.000         CLOSED │                                                 │',
    '                  closed │                                                 │',
  ].join('\n') + '\n';
  t.is(ladder(sampleTrace({ lossy: true })), expected);
});

test('one arrow per transmitted segment, each with its label, none wider than asked', (t) => {
  const events = sampleTrace({ lossy: true });
  const txs = events.filter((e): e is SegmentEvent => e.type === 'segment' && e.event === 'tx');
  for (const width of [100, 80]) {
    const text = ladder(events, width);
    const arrows = arrowLines(text);
    t.is(arrows.length, txs.length);
    // At 100 columns every label is whole; narrower, options and window may go, but flags and numbers stay.
    const want = (tx: SegmentEvent): string => (width === 100 ? segmentLabel(tx) : segmentLabelParts(tx).head.replace(/ win \d+$/, ''));
    txs.forEach((tx, i) => t.true(arrows[i]!.includes(want(tx)), `${width}: ${arrows[i]} has ${want(tx)}`));
    for (const line of text.split('\n')) t.true(visibleLength(line) <= width, line);
  }
});

test('a lost segment ends in ✕ with its reason, and its retransmission is marked', (t) => {
  const arrows = arrowLines(ladder(sampleTrace({ lossy: true })));
  const lost = arrows.filter((l) => l.includes('✕'));
  t.is(lost.length, 1);
  t.regex(lost[0]!, /├─ P\. seq 1:6 .*─✕ loss +│$/);
  t.regex(arrows.find((l) => l.includes('(rtx'))!, /P\. seq 1:6 .* \(rtx: rto\) ─+>│ 1110\.000$/);
});

test('narrow terminals shorten options first and keep the numbers', (t) => {
  const b = new TraceBuilder();
  const opts = ['mss 1460', 'sackOK', 'TS val 123456 ecr 0', 'nop', 'wscale 7'];
  b.send(0, 'client', { flags: 'S', seq: 1, ack: 0, options: opts });
  b.send(10, 'server', { flags: 'S.', seq: 9, ack: 2, options: opts });
  const text = ladder(b.sorted(), 72);
  const arrows = arrowLines(text);
  t.regex(arrows[0]!, /├─ S seq 0 win 65535 <mss 1460,sackOK,…> ─+>│ 10\.000$/);
  t.regex(arrows[1]!, /│<─+ S\. seq 0 ack 1 win 65535 <mss 1460,…> ─┤$/);
  for (const line of text.split('\n')) t.true(visibleLength(line) <= 72, line);
});

test('a segment dropped at the receiver reaches its column with ✕ and the reason beside it', (t) => {
  const b = new TraceBuilder();
  b.send(0, 'client', { flags: 'S', seq: 1, ack: 0 }, { delayMs: 10, drop: undefined });
  const events = b.sorted();
  // Turn the arrival into a drop by the receiver (a bad checksum seen on decode).
  const rx = events.findIndex((e) => e.type === 'segment' && e.event === 'rx');
  events[rx] = { ...(events[rx] as SegmentEvent), event: 'drop', reason: 'checksum' };
  const arrow = arrowLines(ladder(events))[0]!;
  t.regex(arrow, /├─ S seq 0 win 65535 ─+✕│ dropped \(checksum\)$/);
});

test('a duplicate made by the link gets its own arrow marked (dup); one still in flight says so', (t) => {
  const b = new TraceBuilder();
  b.send(0, 'client', { flags: 'S', seq: 1, ack: 0 });
  b.send(10, 'server', { flags: 'S.', seq: 9, ack: 2 });
  const events = b.sorted();
  const rx = events.find((e) => e.type === 'segment' && e.event === 'rx' && e.flags === 'S')!;
  events.push({ ...(rx as SegmentEvent), t: 25 });
  // The server's SYN-ACK never arrives before the trace ends.
  const synAckRx = events.findIndex((e) => e.type === 'segment' && e.event === 'rx' && e.flags === 'S.');
  events.splice(synAckRx, 1);
  const arrows = arrowLines(ladder(events));
  t.is(arrows.length, 3);
  t.regex(arrows[1]!, /^ *10\.000 +not received │<─+ S\. seq 0 ack 1 win 65535 ─┤$/);
  t.regex(arrows[2]!, /^ *25\.000 +├─ S seq 0 win 65535 \(dup\) ─+>│$/);
});

test('states bold, SYN and FIN and RST in their colours, drops red, only with color on', (t) => {
  const events = sampleTrace({ lossy: true });
  const plain = renderLadder(events, { hosts, color: false });
  t.false(plain.includes('\x1b['));
  const coloured = renderLadder(events, { hosts, color: true });
  t.true(coloured.includes('\x1b[1mESTABLISHED\x1b[0m'));
  t.true(coloured.includes('\x1b[36m─ S seq 0'));
  t.true(coloured.includes('\x1b[33m─ F. seq 6'));
  t.true(coloured.includes('\x1b[31m✕ loss\x1b[0m'));
  // Colour changes no character that is shown.
  t.is(coloured.replace(/\x1b\[[0-9;]*m/g, ''), plain);
  const rst = new TraceBuilder();
  rst.send(0, 'client', { flags: 'S', seq: 1, ack: 0 });
  rst.send(10, 'server', { flags: 'R.', seq: 0, ack: 2, win: 0 });
  rst.app(20, 'client', 'error', { error: 'ECONNREFUSED' });
  const r = renderLadder(rst.sorted(), { hosts, color: true });
  t.true(r.includes('\x1b[35m'));
  t.true(r.includes('\x1b[1;31merror ECONNREFUSED\x1b[0m'));
});

test('a packet too damaged to decode shows as a drop beside the host that rejected it', (t) => {
  const b = new TraceBuilder();
  b.send(0, 'client', { flags: 'S', seq: 1, ack: 0 });
  const events = b.sorted();
  events.push({ t: 10, type: 'segment', event: 'drop', host: 'server', src: '?', dst: '?', flags: 'none', seq: 0, ack: 0, rseq: 0, rack: 0, win: 0, len: 40, options: [], reason: 'corrupt' });
  const text = ladder(events);
  t.regex(text, /\n *10\.000 +│ +│ ✕ corrupt\n$/);
  t.true(text.includes(`server ${SERVER}`), 'the address comes from what the server received');
});

test('events of a third host are left out and counted', (t) => {
  const b = new TraceBuilder();
  b.send(0, 'client', { flags: 'S', seq: 1, ack: 0 });
  const events = b.sorted();
  events.push({ t: 5, type: 'state', host: 'other', conn: 'c1', from: 'CLOSED', to: 'SYN-SENT', cause: 'app connect' });
  events.push({ ...(events[1] as SegmentEvent), t: 5, host: 'other', src: '10.0.0.3:1234', dst: SERVER });
  const text = ladder(events);
  t.is(arrowLines(text).length, 1);
  t.regex(text, /\(2 events of other not drawn: the ladder shows client and server\)\n$/);
  t.throws(() => renderLadder(events, { hosts: ['client'], color: false }), { instanceOf: RangeError });
  t.true(text.includes(`client ${CLIENT}`));
});

test('the state timeline: one line per change, and each connection\'s path', (t) => {
  const text = renderStates(sampleTrace(), { color: false, hosts });
  const lines = text.split('\n');
  t.is(lines[0], 'tcpemu states · scenario hello · seed 1');
  t.true(lines.includes('    0.000 ms  client  CLOSED       -> SYN-SENT      (app connect)'));
  t.true(lines.includes('   10.000 ms  server  LISTEN       -> SYN-RECEIVED  (rcv SYN)'));
  t.true(lines.includes('              client  path: CLOSED SYN-SENT ESTABLISHED FIN-WAIT-1 FIN-WAIT-2 TIME-WAIT CLOSED'));
  t.true(lines.includes('              server  path: LISTEN SYN-RECEIVED ESTABLISHED CLOSE-WAIT LAST-ACK CLOSED'));
  t.is(lines.filter((l) => l.includes(' -> ')).length, 11);
  // The client's block comes first, as asked, though the server's first change is no later.
  t.true(text.indexOf('client  CLOSED') < text.indexOf('server  LISTEN'));
  t.is(renderStates([], { color: false }), 'tcpemu states\n(no state changes)\n');
});

test('summary numbers of the lossy sample', (t) => {
  const s = summarize(sampleTrace({ lossy: true }), { hosts });
  t.is(s.scenario, 'lossy-hello');
  t.is(s.seed, 1);
  t.is(s.durationMs, 61310);
  t.is(s.segmentsSent, 10);
  t.is(s.retransmissions, 1);
  t.deepEqual(s.drops, { loss: 1 });
  t.is(s.dropsTotal, 1);
  const client = s.hosts.find((h) => h.host === 'client')!;
  const server = s.hosts.find((h) => h.host === 'server')!;
  t.like(client, { segmentsSent: 6, dataBytesSent: 5, retransmissions: 1, retransmittedBytes: 5, dataBytesDelivered: 0 });
  t.like(server, { segmentsSent: 4, dataBytesSent: 0, retransmissions: 0, dataBytesDelivered: 5 });
  t.deepEqual(client.finalStates, { c1: 'CLOSED' });
  t.deepEqual(server.finalStates, { c1: 'CLOSED' });
  t.is(
    renderSummary(s, { color: false }),
    [
      'tcpemu summary · scenario lossy-hello · seed 1 · 61310.000 ms',
      '  host    segments  data sent  delivered  rtx  final state',
      '  client         6          5          0    1  CLOSED',
      '  server         4          0          5    0  CLOSED',
      '  drops: 1 (loss 1) · retransmissions: 1 (rto 1)',
    ].join('\n') + '\n',
  );
});

test('summary: errors, expectations and several connections', (t) => {
  const b = new TraceBuilder('refused');
  b.send(0, 'client', { flags: 'S', seq: 1, ack: 0 });
  b.send(10, 'server', { flags: 'R.', seq: 0, ack: 2, win: 0 });
  b.state(0, 'client', 'CLOSED', 'SYN-SENT', 'app connect');
  b.state(20, 'client', 'SYN-SENT', 'CLOSED', 'rcv RST');
  b.app(20, 'client', 'error', { error: 'ECONNREFUSED' });
  const events = b.sorted();
  events.push({ t: 30, type: 'state', host: 'client', conn: 'c2', from: 'CLOSED', to: 'SYN-SENT', cause: 'app connect' });
  events.push({ t: 40, type: 'expect', host: 'client', what: 'state CLOSED', ok: true });
  events.push({ t: 40, type: 'expect', host: 'client', what: 'delivered 5', ok: false, detail: 'got 0' });
  const s = summarize(events);
  const client = s.hosts.find((h) => h.host === 'client')!;
  t.deepEqual(client.errors, ['ECONNREFUSED']);
  t.deepEqual(client.finalStates, { c1: 'CLOSED', c2: 'SYN-SENT' });
  t.deepEqual([s.expectationsPassed, s.expectationsFailed, s.dropsTotal], [1, 1, 0]);
  const text = renderSummary(s, { color: false });
  t.regex(text, /client +1 +0 +0 +0 +c1 CLOSED, c2 SYN-SENT  error ECONNREFUSED\n/);
  t.regex(text, /drops: none · retransmissions: 0 · expectations: 1 ok, 1 failed\n$/);
});

/** The fixture scenario's run, as `tcpemu run` draws it at 100 columns. */
function fixtureRun(name: string): ReturnType<typeof runScenario> {
  const file = join(import.meta.dirname, '..', '..', 'fixtures', 'scenarios', `${name}.yaml`);
  return runScenario(loadScenario(readFileSync(file, 'utf8'), file));
}
function fixtureLadder(name: string): string {
  const run = fixtureRun(name);
  return renderLadder(run.events, { hosts: run.plan.hosts.map((h) => h.name), color: false, width: 100 });
}

test('simultaneous close (RFC 9293 3.6, figure 13): both FINs leave before either arrives, and cross', (t) => {
  const lines = fixtureLadder('simultaneous-close').split('\n');
  const at = (re: RegExp): number => {
    const i = lines.findIndex((l) => re.test(l));
    t.true(i >= 0, `a line matches ${re}`);
    return i;
  };
  const clientFin = at(/├─ F\. seq 1 ack 1 win 65535 ─+╮/);
  const serverClose = at(/│ close$/);
  const serverFin = at(/╭─+ F\. seq 1 ack 1 win 65535 ─┼─+┤$/);
  const finAtServer = at(/^ 110\.000 .*╰─+>│$/);
  const serverClosing = lines.findIndex((l, i) => i > finAtServer && / CLOSING$/.test(l));
  const finAtClient = at(/│<─+╯/);
  const clientClosing = at(/^ +CLOSING │/);
  // Both leave at 100 ms, before either arrives at 110 ms; the server's close comes before its FIN.
  t.true(clientFin < serverClose && serverClose < serverFin && serverFin < finAtServer, lines.join('\n'));
  // Each CLOSING is written after the FIN that caused it has arrived, and before anything sent later arrives.
  t.true(finAtServer < serverClosing && finAtClient < clientClosing);
  const ackArrivals = lines.map((l, i) => (/^ 120\.000|[╰─]>│$|│<─+╯/.test(l) ? i : -1)).filter((i) => i > clientClosing);
  t.true(ackArrivals.length >= 2, 'both ACKs of the FINs arrive after the client enters CLOSING');
  // The page (lib/report) draws the same events in the same order: its rows, read from the SVG.
  const html = renderReport(fixtureRun('simultaneous-close').events);
  const seg = (id: number): { y1: number; y2: number } => {
    const m = new RegExp(`data-seg="${id}"[^]*?<line class="arrow" [^>]*?y1="([\\d.]+)"[^>]*?y2="([\\d.]+)"`).exec(html)!;
    return { y1: Number(m[1]), y2: Number(m[2]) };
  };
  const stateY = (host: string, to: string): number =>
    Number(new RegExp(`data-y="([\\d.]+)"[^>]*><title>${host} c1: [A-Z0-9-]+ → ${to} `).exec(html)![1]);
  // Transmissions in order: SYN, SYN-ACK, ACK, the client's FIN (3), the server's (4), then the two ACKs.
  t.true(seg(4).y1 < seg(3).y2 && seg(3).y1 < seg(4).y2, 'on the page too, both FINs leave before either arrives');
  // (the page writes a state on the row of the arrival that caused it, the terminal on the next)
  t.true(seg(3).y2 <= stateY('server', 'CLOSING') && seg(4).y2 <= stateY('client', 'CLOSING'));
  t.true(stateY('client', 'CLOSING') < seg(5).y2 && stateY('client', 'CLOSING') <= seg(6).y1);
  // The server's column starts where the textbook's does: listen, then LISTEN.
  t.regex(lines[4]!, /^ +0\.000 +CLOSED │ +│ listen$/);
  t.regex(lines[5]!, /^ +connect │ +│ LISTEN$/);
});

test('a segment still on its way while the receiver acts is drawn bent, into the row of its arrival', (t) => {
  const text = fixtureLadder('simultaneous-close');
  // The handshake's last ACK leaves at 20 ms; the client says `connected` before it arrives at 30 ms.
  t.regex(text, /\n +├─ \. ack 1 win 65535 ─+╮ +│\n +connected │ +│ +│\n  30\.000 +│ +╰─>│\n/);
});

test('one vocabulary: the terminal and the page name application events and resends with the same words', (t) => {
  // Issue 27, item 6: a SYN-ACK sent again because the SYN came again is no timeout.
  const b = new TraceBuilder();
  b.send(0, 'client', { flags: 'S', seq: 1, ack: 0 });
  b.send(10, 'server', { flags: 'S.', seq: 9, ack: 2 }, { drop: 'loss' });
  b.send(1000, 'client', { flags: 'S', seq: 1, ack: 0, retransmit: true, why: 'rto' });
  b.send(1010, 'server', { flags: 'S.', seq: 9, ack: 2, retransmit: true, why: 'dup-syn' });
  b.send(1030, 'client', { flags: 'S', seq: 1, ack: 0, retransmit: true, why: 'some-new-rule' });
  b.app(1020, 'client', 'connect');
  b.app(1040, 'server', 'send', { bytes: 15 });
  b.app(1050, 'client', 'end');
  const events = b.sorted();
  const text = ladder(events);
  t.regex(text, /S\. seq 0 ack 1 win 65535 \(rtx: dup-syn\) ─┤/);
  t.regex(text, /S seq 0 win 65535 \(rtx: rto\) /);
  t.regex(text, /\(rtx: some-new-rule\)/, 'a why the table does not know is printed as the trace wrote it');
  const html = renderReport(events);
  t.true(html.includes('⟳ S. seq 0 ack 1 win 65535 (rtx: dup-syn)'), 'the page labels the arrow as the terminal does');
  // The summaries count resends by why, in the same words.
  t.regex(renderSummary(summarize(events), { color: false }), /retransmissions: 3 \(dup-syn 1, rto 1, some-new-rule 1\)/);
  t.true(html.includes('3 (dup-syn 1, rto 1, some-new-rule 1)'));
  t.true(html.includes('retransmission: answer to a repeated SYN (dup-syn)'), 'and its tooltip says why in words');
  for (const [kind, words] of [['connect', 'connected'], ['send', 'send 15 B'], ['end', 'end of stream']] as const) {
    t.true(text.includes(words), `terminal: ${kind} is "${words}"`);
    t.true(html.includes(`>${words}</text>`), `page: ${kind} is "${words}"`);
  }
  t.is(appWords({ event: 'open' }), APP_WORDS.open);
  t.false(/end-of-stream|>open<|>accept</.test(text + html));
});

test('host names in Chinese are centred over their columns in terminal columns, two a character (客户端, 服务器)', (t) => {
  const plan = loadScenario('name: cjk\nhosts: { 客户端: {}, 服务器: {} }\nlink: { delay: 10ms }\nsteps:\n  - { at: 0, 服务器: listen 80 }\n  - { at: 0, 客户端: connect 服务器:80 }\n', 'cjk.yaml');
  const lines = renderLadder(runScenario(plan).events, { hosts: plan.hosts.map((h) => h.name), color: false, width: 100 }).split('\n');
  const heading = lines.find((l) => l.includes('客户端'))!;
  const row = lines.find((l) => l.includes('SYN-SENT'))!;
  // Columns as a terminal shows them: the heading's text before each name, measured in display width.
  const column = (text: string, at: number) => displayWidth(text.slice(0, at));
  const pipes = [...row.matchAll(/│/g)].map((m) => m.index!);
  for (const [name, pipe] of [['客户端', pipes[0]], ['服务器', pipes[1]]] as const) {
    const start = column(heading, heading.indexOf(name));
    const end = start + displayWidth(heading.slice(heading.indexOf(name)).split(/ {2,}/)[0]);
    t.true(Math.abs((start + end) / 2 - pipe) <= 1, `${name} spans columns ${start}-${end}, its column is at ${pipe}`);
  }
  t.is(displayWidth('客户端 10.0.0.1:80'), 6 + 1 + 11);
});

test('the summary and the states view line up a host named in Chinese: columns counted as a terminal shows them', (t) => {
  const plan = loadScenario('name: cjk\nhosts: { 客户端: {}, server: {} }\nlink: { delay: 5ms }\nsteps:\n  - { at: 0, server: listen 80 }\n  - { at: 0, 客户端: connect server:80 }\n', 'cjk.yaml');
  const events = runScenario(plan).events;
  const summary = renderSummary(summarize(events), { color: false }).split('\n');
  const [cjk, latin] = [summary.find((l) => l.includes('客户端'))!, summary.find((l) => l.startsWith('  server'))!];
  // The final state starts in the same terminal column on both rows.
  const col = (line: string) => displayWidth(line.slice(0, line.indexOf('ESTABLISHED')));
  t.is(col(cjk), col(latin));
  const states = renderStates(events, { color: false }).split('\n');
  const arrow = (name: string) => states.find((l) => l.includes(name) && l.includes('->'))!;
  const at = (line: string) => displayWidth(line.slice(0, line.search(/CLOSED|LISTEN/)));
  t.is(at(arrow('客户端')), at(arrow('server')));
});
