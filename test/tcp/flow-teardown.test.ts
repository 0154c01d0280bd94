/**
 * Six flow-control and teardown bugs that side-by-side runs (ns-3, generated scenarios read by an invariant
 * checker) found, each as the story that showed it: at time t this segment arrives, so exactly this leaves.
 * Every scenario starts with a listen and a connect at 0 on a link of 5 ms one way unless it says otherwise.
 */
import test from 'ava';
import { loadScenario } from '../../lib/scenario/load.ts';
import { runScenario, type RunResult } from '../../lib/scenario/runner.ts';
import { ACK, LOCAL_ISS, REMOTE_ISS, established, seg } from './harness.ts';
import type { CongestionEvent, SegmentEvent, StateEvent } from '../../lib/trace/events.ts';

function run(body: string, seed = 1): RunResult {
  const text = `name: story\nseed: ${seed}\n${body}`;
  return runScenario(loadScenario(text, 'story.yaml'));
}

function sent(r: RunResult, host: string): SegmentEvent[] {
  return r.events.filter((e): e is SegmentEvent => e.type === 'segment' && e.event === 'tx' && e.host === host);
}

function states(r: RunResult, host: string): string[] {
  const s = r.events.filter((e): e is StateEvent => e.type === 'state' && e.host === host);
  return s.length === 0 ? [] : [s[0].from, ...s.map((e) => e.to)];
}

/** The right edge a segment offers, relative to the peer's ISN (RCV.NXT + RCV.WND, RFC 9293 3.3.1). */
const edge = (s: SegmentEvent) => s.rack + s.win;

const OPEN = `
  - { at: 0, server: listen 80 }
  - { at: 0, client: connect server:80 }`;

test('1. the opener never offers more than its buffer: the ACK completing the handshake has the SYN\'s window (RFC 9293 3.8.6.2.2), for every ISN', (t) => {
  // The edge of the opener's window is first known when the SYN-ACK brings RCV.NXT; before, it was
  // taken as 0, and for about half of the peer's ISNs the window was worked out from a meaningless value.
  for (let seed = 1; seed <= 16; seed++) {
    const r = run(`hosts:\n  client: { tcp: { rcvbuf: 8192, autoread: false } }\n  server: {}\nlink: { delay: 5ms }\nsteps:${OPEN}\n  - { at: 100ms, server: send 100000 }\n  - { at: 5s, client: expect delivered 0 }\n`, seed);
    const acks = sent(r, 'client').filter((s) => s.flags.includes('.'));
    t.is(acks[0].win, 8192, `seed ${seed}: the handshake's ACK offers win ${acks[0].win}`);
    const widest = Math.max(...acks.map(edge));
    t.true(widest <= 1 + 8192, `seed ${seed}: the client offered bytes up to ${widest - 1}, past its 8192-byte buffer`);
  }
});

test('2. an ACK that frees send-buffer space is taken whole, window included, before the waiting write sends (3.10.7.4, 3.8.6)', (t) => {
  // The server's write of 4000 waits for room in its 2000-byte send buffer; the ACK that makes room also
  // shrinks the client's window. Data sent on the new SND.UNA with the old window went past the window.
  const r = run(`tcp: { mss: 1000 }\nhosts:\n  client: { tcp: { rcvbuf: 3000, autoread: false } }\n  server: { tcp: { sndbuf: 2000 } }\nlink: { delay: 5ms }\nsteps:${OPEN}\n  - { at: 100ms, server: send 4000 }\n  - { at: 2s, client: read all }\n  - { at: 4s, client: read all }\n  - { at: 4s, client: expect delivered 4000 }\n`);
  t.true(r.ok, JSON.stringify(r.expectations.filter((e) => !e.ok)));
  // Where the client's window ended at each moment, from its ACKs as they arrive at the server.
  let right = 1;
  for (const e of r.events) {
    if (e.type !== 'segment') continue;
    if (e.event === 'rx' && e.host === 'server' && e.flags.includes('.')) right = edge(e);
    if (e.event === 'tx' && e.host === 'server' && e.len > 1) t.true(e.rseq + e.len <= right, `at ${e.t} ms the server sent ${e.rseq}:${e.rseq + e.len} past the window's edge ${right}`);
  }
  t.deepEqual(sent(r, 'server').filter((s) => s.why === 'rto').map((s) => s.t), [], 'no data waited for an RTO');
});

test('2. a slow reader behind a small window: 5000 bytes at 500 a second take 10 s and no RTO, not 25 s and 7', (t) => {
  const reads = Array.from({ length: 12 }, (_, i) => `\n  - { at: ${i + 1}s, server: read all }`).join('');
  const r = run(`tcp: { mss: 500 }\nhosts:\n  client: { tcp: { sndbuf: 1000 } }\n  server: { tcp: { rcvbuf: 500, autoread: false } }\nlink: { delay: 5ms }\nsteps:${OPEN}\n  - { at: 100ms, client: send 5000 }${reads}\n  - { at: 12s, server: expect delivered 5000 }\n`);
  t.true(r.ok, JSON.stringify(r.expectations.filter((e) => !e.ok)));
  const last = sent(r, 'client').filter((s) => s.len > 0).at(-1)!;
  t.true(last.t < 10_000, `the last data left at ${last.t} ms`);
  t.is(sent(r, 'client').filter((s) => s.why === 'rto').length, 0);
});

for (const profile of ['linux', 'rfc'] as const) {
  test(`3. data after a full close is answered with RST and both ends finish (RFC 1122 4.2.2.13), profile ${profile}`, (t) => {
    const r = run(`tcp: { profile: ${profile} }\nhosts:\n  client: { tcp: { rcvbuf: 1000 } }\n  server: {}\nlink: { delay: 5ms }\nsteps:${OPEN}\n  - { at: 100ms, client: close }\n  - { at: 200ms, server: send 2000 }\n  - { at: 300ms, server: close }\n`);
    // At 205 ms the first data segment reaches the client in FIN-WAIT-2, whose application has closed.
    const rst = sent(r, 'client').find((s) => s.flags.includes('R'))!;
    t.truthy(rst, 'the client resets');
    t.is(rst.t, 205);
    const data = sent(r, 'server').find((s) => s.len > 0)!;
    // Linux answers the segment itself: <SEQ=SEG.ACK><CTL=RST>; the rfc profile as ABORT does, <SEQ=SND.NXT>.
    t.is(rst.seq, data.ack);
    t.deepEqual(states(r, 'client'), ['CLOSED', 'SYN-SENT', 'ESTABLISHED', 'FIN-WAIT-1', 'FIN-WAIT-2', 'CLOSED']);
    t.is(states(r, 'server').at(-1), 'CLOSED');
    t.deepEqual(r.errors.server, ['ECONNRESET']);
    t.true(r.stats.durationMs < 1000, `the run lasted ${r.stats.durationMs} ms`);
  });
}

test('3. a close while written data still waits for room: data arriving afterwards is answered with RST, not left to close both windows for ever', (t) => {
  // Both applications write 20000 bytes through 500-byte buffers and close at 150 ms: each FIN waits behind
  // its writes, and neither reads any more. Were the data still taken, both windows would close and each
  // side would probe the other's for ever.
  const r = run(`tcp: { rcvbuf: 500, sndbuf: 500 }\nhosts: { client: {}, server: {} }\nlink: { delay: 5ms }\nsteps:${OPEN}\n  - { at: 100ms, client: send 20000 }\n  - { at: 100ms, server: send 20000 }\n  - { at: 150ms, client: close }\n  - { at: 150ms, server: close }\n`);
  t.is(states(r, 'client').at(-1), 'CLOSED');
  t.is(states(r, 'server').at(-1), 'CLOSED');
  const rst = [...sent(r, 'client'), ...sent(r, 'server')].filter((s) => s.flags.includes('R'));
  t.true(rst.length >= 1 && rst[0].t < 1000, `first RST at ${rst[0]?.t} ms`);
  t.true(r.stats.durationMs < 5000, `the run lasted ${r.stats.durationMs} ms`);
});

test('3. after a half-close (shutdown) the application still reads: data is taken, not reset', (t) => {
  const r = run(`hosts:\n  client: { tcp: { rcvbuf: 1000 } }\n  server: {}\nlink: { delay: 5ms }\nsteps:${OPEN}\n  - { at: 100ms, client: shutdown }\n  - { at: 200ms, server: send 2000 }\n  - { at: 300ms, server: close }\n`);
  t.is(sent(r, 'client').filter((s) => s.flags.includes('R')).length, 0);
  t.is(r.delivered.client.length, 2000);
  t.is(states(r, 'client').at(-1), 'CLOSED');
});

test('4. no keep-alive while data is outstanding (RFC 9293 3.8.4): the retransmission timer watches the peer, and the connection survives the outage', (t) => {
  const r = run(`hosts:\n  client: {}\n  server: { tcp: { keepalive: 2s, keepalive-interval: 1s, keepalive-probes: 2 } }\nlink: { delay: 5ms }\nuntil: 30s\nsteps:${OPEN}\n  - { at: 1s, link: down }\n  - { at: 1s, server: send 1000 }\n  - { at: 10s, link: up }\n  - { at: 20s, client: expect delivered 1000 }\n`);
  t.true(r.ok, JSON.stringify(r.expectations.filter((e) => !e.ok)));
  t.deepEqual(r.errors.server ?? [], []);
  // Probes go only once the data is acknowledged (at 16.21 s), after the idle time.
  const probes = sent(r, 'server').filter((s) => s.why === 'keepalive');
  t.true(probes.length > 0);
  t.true(probes[0].t >= 16_210 + 2000, `first probe at ${probes[0].t} ms`);
});

test('5. a fast retransmission stays inside the offered window, and a bare ACK at exactly the right edge is taken (3.8.6, 3.10.7.4)', (t) => {
  const r = run(`hosts:\n  client: {}\n  server: { tcp: { rcvbuf: 53, initial-window: 10 } }\nlink: { delay: 10ms, drop: ["client>server #4"] }\nsteps:${OPEN}\n  - { at: 100ms, client: send 53 }\n  - { at: 200ms, client: send 1000 }\n  - { at: 300ms, server: send 14600 }\n  - { at: 3s, server: expect delivered 1053 }\n`);
  t.true(r.ok, JSON.stringify(r.expectations.filter((e) => !e.ok)));
  let right = 1;
  for (const e of r.events) {
    if (e.type !== 'segment') continue;
    if (e.event === 'rx' && e.host === 'client' && e.flags.includes('.')) right = edge(e);
    if (e.event === 'tx' && e.host === 'client' && e.len > 0) t.true(e.rseq + e.len <= right, `at ${e.t} ms the client sent ${e.rseq}:${e.rseq + e.len} past the window's edge ${right}${e.why ? ` (${e.why})` : ''}`);
  }
  // At 320 ms the client's ACKs of the server's 14600 bytes arrive with SEQ = 107 = RCV.NXT + RCV.WND (54 + 53):
  // the segment at 54 was lost. Their ACK numbers are taken: nothing of the server's is in flight after them,
  // and the server does not answer them as unacceptable segments (no duplicate ACKs).
  const cc = r.events.filter((e): e is CongestionEvent => e.type === 'cc' && e.host === 'server' && e.t === 320);
  t.is(cc.at(-1)?.flight, 0);
  t.deepEqual(sent(r, 'server').filter((s) => s.t === 320), []);
});

test('6. with window scaling the right edge never moves left: the window is rounded up to keep it (RFC 7323 2.3; Linux)', (t) => {
  const r = run(`tcp: { window-scale: true }\nhosts:\n  client: { tcp: { rcvbuf: 100000, autoread: false } }\n  server: {}\nlink: { delay: 5ms }\nsteps:${OPEN}\n  - { at: 100ms, server: send 1 }\n  - { at: 1s, server: send 3 }\n  - { at: 2s, server: send 60000 }\n`);
  let last = 0;
  for (const s of sent(r, 'client').filter((x) => !x.flags.includes('S'))) {
    t.true(edge(s) >= last, `at ${s.t} ms the client's edge moved from ${last} to ${edge(s)}`);
    t.true(edge(s) <= 1 + 100000, `at ${s.t} ms the client offered up to ${edge(s) - 1}, past its buffer`);
    last = edge(s);
  }
  t.true(last > 0);
});

test('5. a fast retransmission ignores cwnd but not the window: three duplicate ACKs offering 500 bytes bring back 500 bytes, not a full segment (RFC 5681 3.2, RFC 9293 3.8.6)', (t) => {
  const { c, rec } = established({ initialWindow: 10 });
  // A first segment, acknowledged (NewReno's `recover` starts at the ISS: RFC 6582 3.2 step 2).
  c.send(Buffer.alloc(1460, 1), 20);
  c.onSegment(seg({ flags: ACK, seq: REMOTE_ISS + 1, ack: LOCAL_ISS + 1461 }), 30);
  c.send(Buffer.alloc(4 * 1460, 1), 40);
  t.is(rec.take().length, 5);
  // The first ACK shrinks the window to 500 (a window update); the next three repeat it: duplicates.
  for (let i = 0; i < 4; i++) c.onSegment(seg({ flags: ACK, seq: REMOTE_ISS + 1, ack: LOCAL_ISS + 1461, window: 500 }), 50 + i);
  const out = rec.out.filter((o) => o.info.why === 'fast-retransmit');
  t.is(out.length, 1);
  t.is(out[0].seg.seq, LOCAL_ISS + 1461);
  t.is(out[0].seg.payload.length, 500);
});

test('both windows closed and both ends probing: a bare ACK is numbered inside the peer\'s window, so probes are answered once, not with an ACK war (3.10.7.4, 3.8.6.1)', (t) => {
  // Each side has sent a one-byte probe past the other's zero window. An ACK numbered after its own probe
  // (SND.MAX) is past the other's window: refused and answered, and the answer refused in turn.
  const r = run(`tcp: { rcvbuf: 100, autoread: false }\nhosts: { client: {}, server: {} }\nlink: { delay: 5ms }\nuntil: 20s\nsteps:${OPEN}\n  - { at: 100ms, client: send 1000 }\n  - { at: 100ms, server: send 1000 }\n`);
  const late = [...sent(r, 'client'), ...sent(r, 'server')].filter((s) => s.t > 2000);
  // From 2 s on, only the probes (backing off from 1 s) and their answers: a few dozen at most.
  t.true(late.length < 40, `${late.length} segments after 2 s`);
});

test('an empty write queues nothing: the close after it still sends the FIN (found by the generated scenarios)', (t) => {
  const r = run(`hosts: { client: {}, server: {} }\nlink: { delay: 5ms }\nsteps:${OPEN}\n  - { at: 100ms, client: close }\n  - { at: 200ms, server: send 0 }\n  - { at: 300ms, server: close }\n`);
  t.deepEqual(states(r, 'server'), ['LISTEN', 'SYN-RECEIVED', 'ESTABLISHED', 'CLOSE-WAIT', 'LAST-ACK', 'CLOSED']);
  t.is(states(r, 'client').at(-1), 'CLOSED');
});
