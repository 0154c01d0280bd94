/**
 * Generated scenarios, run with the connection's invariants checked (lib/tcp/invariants.ts): the settings
 * of both ends (tiny and odd buffers, any MSS from 1, autoread on and off with reads, keep-alive, retry
 * limits), the way the connection ends (close in either order, simultaneous close, half-close, abort),
 * the link's impairments and a down/up, and a seed. Each is written as a scenario file, so a failure
 * is a file that `tcpemu run` reruns; fast-check shrinks it first.
 *
 * What must hold of every run: no invariant broken; every byte delivered at most once and in order (what
 * each application read is a prefix of what its peer wrote); every connection finished (CLOSED, or in
 * FIN-WAIT-2 with the peer gone: RFC 9293 has no timer there); and when nothing went wrong (no error
 * seen by either application, no RST sent, both ends connected) everything written was read.
 */
import fc from 'fast-check';
import { loadScenario } from '../scenario/load.ts';
import { firstByteDifference } from '../scenario/expect.ts';
import { payloadBytes, runScenario } from '../scenario/runner.ts';
import type { AppEvent, StateEvent, TraceEvent } from '../trace/events.ts';
import { setInvariantChecks } from '../tcp/invariants.ts';

export interface GenHost {
  mss: number;
  rcvbuf: number;
  sndbuf: number;
  autoread: boolean;
  nagle: boolean;
  delayedAck: boolean;
  windowScale: boolean;
  sack: boolean;
  timestamps: boolean;
  initialWindow: number;
  maxRetries: number;
  synRetries: number;
  keepalive: { idleMs: number; intervalMs: number; probes: number } | undefined;
  /** Writes: when (ms after the connect) and how much. */
  sends: { atMs: number; bytes: number }[];
  /** Reads (autoread off): when, ms after the connect. */
  reads: number[];
}

export type Ending = 'client-first' | 'server-first' | 'simultaneous' | 'half-close' | 'client-abort' | 'server-abort';

export interface GenScenario {
  seed: number;
  profile: 'rfc' | 'linux';
  mslMs: number;
  client: GenHost;
  server: GenHost;
  link: { delayMs: number; jitterMs: number; loss: number; duplicate: number; reorder: number; corrupt: number };
  outage: { atMs: number; forMs: number } | undefined;
  ending: Ending;
  /** When the ending starts, ms after the connect; the second side acts `gapMs` later. */
  endAtMs: number;
  gapMs: number;
}

const size = fc.oneof(
  { arbitrary: fc.integer({ min: 1, max: 16 }), weight: 2 },
  { arbitrary: fc.integer({ min: 17, max: 4000 }), weight: 4 },
  { arbitrary: fc.integer({ min: 4001, max: 200_000 }), weight: 2 },
);
const mss = fc.oneof(
  { arbitrary: fc.integer({ min: 1, max: 64 }), weight: 1 },
  { arbitrary: fc.integer({ min: 65, max: 1460 }), weight: 3 },
  { arbitrary: fc.constantFrom(536, 1460), weight: 2 },
);

const hostArb = (serverSide: boolean): fc.Arbitrary<GenHost> => fc.record({
  mss,
  rcvbuf: size,
  sndbuf: size,
  autoread: fc.boolean(),
  nagle: fc.boolean(),
  delayedAck: fc.boolean(),
  windowScale: fc.boolean(),
  sack: fc.boolean(),
  timestamps: fc.boolean(),
  initialWindow: fc.integer({ min: 1, max: 10 }),
  maxRetries: fc.integer({ min: 1, max: 8 }),
  synRetries: fc.integer({ min: 1, max: 6 }),
  keepalive: fc.option(fc.record({
    idleMs: fc.integer({ min: 500, max: 5000 }),
    intervalMs: fc.integer({ min: 200, max: 3000 }),
    probes: fc.integer({ min: 1, max: 4 }),
  }), { nil: undefined, freq: 3 }),
  // The server writes once it has probably accepted (a write before that is a step that fails, harmlessly).
  sends: fc.array(fc.record({ atMs: fc.integer({ min: serverSide ? 1500 : 0, max: 8000 }), bytes: fc.integer({ min: 0, max: 30_000 }) }), { maxLength: 4 }),
  reads: fc.array(fc.integer({ min: 0, max: 12_000 }), { maxLength: 6 }),
});

export const scenarioArb: fc.Arbitrary<GenScenario> = fc.record({
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  profile: fc.constantFrom('rfc' as const, 'linux' as const),
  mslMs: fc.integer({ min: 50, max: 2000 }),
  client: hostArb(false),
  server: hostArb(true),
  link: fc.record({
    delayMs: fc.integer({ min: 0, max: 60 }),
    jitterMs: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 20 })),
    loss: fc.oneof({ arbitrary: fc.constant(0), weight: 2 }, { arbitrary: fc.double({ min: 0.001, max: 0.2, noNaN: true }), weight: 2 }),
    duplicate: fc.oneof({ arbitrary: fc.constant(0), weight: 3 }, { arbitrary: fc.double({ min: 0.001, max: 0.1, noNaN: true }), weight: 1 }),
    reorder: fc.oneof({ arbitrary: fc.constant(0), weight: 3 }, { arbitrary: fc.double({ min: 0.001, max: 0.1, noNaN: true }), weight: 1 }),
    corrupt: fc.oneof({ arbitrary: fc.constant(0), weight: 4 }, { arbitrary: fc.double({ min: 0.001, max: 0.05, noNaN: true }), weight: 1 }),
  }),
  outage: fc.option(fc.record({ atMs: fc.integer({ min: 0, max: 10_000 }), forMs: fc.integer({ min: 10, max: 20_000 }) }), { nil: undefined, freq: 4 }),
  ending: fc.constantFrom<Ending>('client-first', 'server-first', 'simultaneous', 'half-close', 'client-abort', 'server-abort'),
  // Mostly after the writes had time to finish, so that many runs end cleanly; sometimes in the middle.
  endAtMs: fc.oneof({ arbitrary: fc.integer({ min: 2000, max: 15_000 }), weight: 1 }, { arbitrary: fc.integer({ min: 15_000, max: 120_000 }), weight: 2 }),
  gapMs: fc.integer({ min: 0, max: 5000 }),
});

const prob = (p: number) => Number(p.toFixed(4));

function hostYaml(h: GenHost): string {
  const tcp = [
    `mss: ${h.mss}`, `rcvbuf: ${h.rcvbuf}`, `sndbuf: ${h.sndbuf}`, `autoread: ${h.autoread}`, `nagle: ${h.nagle}`,
    `delayed-ack: ${h.delayedAck}`, `window-scale: ${h.windowScale}`, `sack: ${h.sack}`, `timestamps: ${h.timestamps}`,
    `initial-window: ${h.initialWindow}`, `max-retries: ${h.maxRetries}`, `syn-retries: ${h.synRetries}`,
  ];
  if (h.keepalive) tcp.push(`keepalive: ${h.keepalive.idleMs}ms`, `keepalive-interval: ${h.keepalive.intervalMs}ms`, `keepalive-probes: ${h.keepalive.probes}`);
  return `{ tcp: { ${tcp.join(', ')} } }`;
}

/** The scenario file for a generated scenario. */
export function renderScenario(g: GenScenario, name = 'generated'): string {
  const steps: { at: number; line: string }[] = [];
  const at = (ms: number, line: string) => steps.push({ at: ms, line });
  const connectAt = 10;
  at(0, 'server: listen 80');
  at(connectAt, 'client: connect server:80');
  const t0 = connectAt + g.endAtMs;
  const t1 = t0 + g.gapMs;
  // When each side stops writing (its close or shutdown) and reading (its close or abort).
  const first = { client: 'client-first', server: 'server-first' } as const;
  const stops = (side: 'client' | 'server') => (g.ending === first[side] || g.ending === 'simultaneous' || g.ending === `${side}-abort` || (g.ending === 'half-close' && side === 'client') ? t0 : t1);
  for (const side of ['client', 'server'] as const) {
    const h = g[side];
    const other = g[side === 'client' ? 'server' : 'client'];
    // What a host writes is kept within what its buffers and the peer's move in a few hundred round trips.
    const cap = 300 * Math.min(h.sndbuf, h.mss, other.rcvbuf, other.mss) + 1;
    for (const s of h.sends) if (connectAt + s.atMs < stops(side)) at(connectAt + s.atMs, `${side}: send ${s.bytes % cap}`);
    const readsUntil = g.ending === 'half-close' && side === 'client' ? t1 : stops(side);
    if (!h.autoread) for (const r of h.reads) if (connectAt + r < readsUntil) at(connectAt + r, `${side}: read all`);
  }
  if (g.outage) {
    at(connectAt + g.outage.atMs, 'link: down');
    at(connectAt + g.outage.atMs + g.outage.forMs, 'link: up');
  }
  // A reader with autoread off reads what it has just before it closes (else the close is an abort).
  const close = (side: 'client' | 'server', t: number, how: 'close' | 'shutdown' | 'abort') => {
    if (!g[side].autoread && how !== 'abort') at(t, `${side}: read all`);
    at(t, `${side}: ${how}`);
  };
  switch (g.ending) {
    case 'client-first': close('client', t0, 'close'); close('server', t1, 'close'); break;
    case 'server-first': close('server', t0, 'close'); close('client', t1, 'close'); break;
    case 'simultaneous': close('client', t0, 'close'); close('server', t0, 'close'); break;
    case 'half-close':
      close('client', t0, 'shutdown');
      at(t0 + 1, 'server: send 3000');
      if (!g.client.autoread) for (let k = 1; k <= 4; k++) at(t1 + k * 2000, 'client: read all');
      close('server', t1 + 1, 'close');
      close('client', t1 + 10_000, 'close');
      break;
    case 'client-abort': close('client', t0, 'abort'); close('server', t1, 'close'); break;
    case 'server-abort': close('server', t0, 'abort'); close('client', t1, 'close'); break;
  }
  steps.sort((a, b) => a.at - b.at);
  const l = g.link;
  const link = [`delay: ${l.delayMs}ms`];
  if (l.jitterMs) link.push(`jitter: ${l.jitterMs}ms`);
  for (const k of ['loss', 'duplicate', 'reorder', 'corrupt'] as const) if (l[k] > 0) link.push(`${k}: ${prob(l[k])}`);
  return [
    `name: ${name}`,
    `seed: ${g.seed}`,
    'until: 4h',
    `tcp: { profile: ${g.profile}, msl: ${g.mslMs}ms }`,
    'hosts:',
    `  client: ${hostYaml(g.client)}`,
    `  server: ${hostYaml(g.server)}`,
    `link: { ${link.join(', ')} }`,
    'steps:',
    ...steps.map((s) => `  - { at: ${s.at}ms, ${s.line} }`),
    '',
  ].join('\n');
}

export interface Verdict {
  ok: boolean;
  /** What went wrong, when not ok. */
  problem?: string;
  /** Whether the run was clean (no error, no RST), so that everything written had to be read. */
  clean: boolean;
  segments: number;
}

/** Run a generated scenario file with the invariants on and judge it. */
export function judgeScenario(text: string): Verdict {
  const plan = loadScenario(text, 'generated.yaml');
  const was = setInvariantChecks(true);
  let events: TraceEvent[];
  let delivered: Record<string, Buffer>;
  let errors: Record<string, string[]>;
  let segments: number;
  try {
    const r = runScenario(plan, { timers: false });
    ({ events, delivered, errors } = r);
    segments = r.stats.segments;
  } catch (err) {
    return { ok: false, clean: false, segments: 0, problem: `the run threw: ${(err as Error).stack ?? String(err)}` };
  } finally {
    setInvariantChecks(was);
  }
  // One pass over the trace: what each application wrote (the runner fills `send N` with payloadBytes,
  // offset per socket), each connection's last state, which connections their application closed, shut
  // down or aborted, whether any end sent a RST, and whether the connection opened on each side.
  const written: Record<string, number> = { client: 0, server: 0 };
  const last = new Map<string, StateEvent>();
  const closing = new Set<string>();
  const opened = new Set<string>();
  let reset = false;
  for (const e of events) {
    if (e.type === 'state') last.set(`${e.host} ${e.conn}`, e);
    else if (e.type === 'segment') reset ||= e.event === 'tx' && e.flags.includes('R');
    else if (e.type === 'app') {
      const a = e as AppEvent;
      if (a.event === 'send') written[a.host] += a.bytes ?? 0;
      else if (a.event === 'close-req' || a.event === 'shutdown' || a.event === 'abort') closing.add(`${a.host} ${a.conn}`);
      else if (a.event === 'connect' || a.event === 'accept') opened.add(`${a.host} ${a.event}`);
    }
  }
  const peer = { client: 'server', server: 'client' } as const;
  for (const host of ['client', 'server'] as const) {
    const got = delivered[host] ?? Buffer.alloc(0);
    const sent = written[peer[host]];
    if (got.length > sent) return { ok: false, clean: false, segments, problem: `${host} read ${got.length} bytes, but ${peer[host]} wrote only ${sent}` };
    const at = firstByteDifference(got, payloadBytes(got.length));
    if (at !== undefined) return { ok: false, clean: false, segments, problem: `what ${host} read is not what ${peer[host]} wrote, in order: first difference at byte ${at}` };
  }
  // Every connection finished, but where an application chose not to: one whose application never asked
  // for a close (its step came before the connection existed) may stay open, and so may its peer, which
  // may wait for its FIN or for its window for ever. So may a FIN-WAIT-2 whose peer is gone (RFC 9293 has
  // no timer there).
  const ends = (host: string) => [...last.entries()].filter(([k]) => k.startsWith(`${host} `)).map(([k, e]) => ({ state: e.to, left: !closing.has(k) }));
  for (const host of ['client', 'server'] as const) {
    for (const end of ends(host)) {
      if (end.state === 'CLOSED' || end.left) continue;
      const peers = ends(peer[host]);
      if (peers.some((p) => p.state !== 'CLOSED' && p.left)) continue;
      if (end.state === 'FIN-WAIT-2' && peers.every((p) => p.state === 'CLOSED')) continue;
      return { ok: false, clean: false, segments, problem: `${host} ended in ${end.state}, its peer in ${peers.map((p) => p.state).join(', ') || 'nothing'}: the connection never finished` };
    }
  }
  // Nothing went wrong: no application saw an error and no end reset the connection (an abort, data after
  // a close: RFC 1122 4.2.2.13 says a RST means data was lost, whether or not an application heard of it).
  // And both ends got as far as a connection (a close in SYN-SENT discards what was written, silently),
  // whose application did not abandon it (its reads and its close came before the connection existed).
  const abandoned = [...ends('client'), ...ends('server')].some((e) => e.left);
  const clean = !reset && !abandoned && opened.has('client connect') && opened.has('server accept') && Object.values(errors).every((e) => e.length === 0);
  if (clean) {
    for (const host of ['client', 'server'] as const) {
      const got = delivered[host]?.length ?? 0;
      if (got !== written[peer[host]]) return { ok: false, clean, segments, problem: `no error and no reset, yet ${host} read ${got} of the ${written[peer[host]]} bytes ${peer[host]} wrote` };
    }
  }
  return { ok: true, clean, segments };
}

export interface GeneratedRun {
  runs: number;
  clean: number;
  segments: number;
  /** The smallest failing scenario file fast-check found, and what was wrong with it. */
  failure?: { text: string; problem: string; seed: number; path: string };
}

/** Run `runs` generated scenarios from `seed`; stops at the first failure, shrunk. */
export function runGenerated(runs: number, seed: number, onEach?: (done: number) => void): GeneratedRun {
  let done = 0;
  let clean = 0;
  let segments = 0;
  let lastProblem = '';
  const details = fc.check(fc.property(scenarioArb, (g) => {
    const v = judgeScenario(renderScenario(g));
    if (!v.ok) {
      lastProblem = v.problem ?? '';
      return false;
    }
    done++;
    if (v.clean) clean++;
    segments += v.segments;
    onEach?.(done);
    return true;
  }), { numRuns: runs, seed, endOnFailure: false });
  const out: GeneratedRun = { runs: details.failed ? done : details.numRuns, clean, segments };
  if (details.failed && details.counterexample) {
    const text = renderScenario(details.counterexample[0]);
    const v = judgeScenario(text);
    out.failure = { text, problem: v.problem ?? lastProblem, seed: details.seed, path: details.counterexamplePath ?? '' };
  }
  return out;
}
