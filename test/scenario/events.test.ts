/**
 * Steps on events (docs/scenario-format.md, "Steps on events"): `on: "HOST EVENT"` runs a step when the
 * host's connection enters a state or its application sees something, `after:` a delay, once or
 * `every: true` each time. A step whose event never comes fails at the end, at its line.
 */
import test, { type ExecutionContext } from 'ava';
import { loadScenario } from '../../lib/scenario/load.ts';
import { ScenarioError } from '../../lib/scenario/errors.ts';
import { runScenario } from '../../lib/scenario/runner.ts';
import type { AppEvent, SegmentEvent, StateEvent, TraceEvent } from '../../lib/trace/events.ts';

const y = (...lines: string[]) => lines.join('\n') + '\n';

/** The server answers only once it has accepted, over a link losing one packet in five. */
const LOSSY = y(
  'name: answer-on-accept',
  'hosts: { client: {}, server: {} }',
  'link: { delay: 10ms, loss: 20% }',
  'steps:',
  '  - { at: 0, server: listen 80 }',
  '  - { at: 0, client: connect server:80 }',
  '  - { on: "server accepted", server: send "hello" }',
  '  - { on: "client read 5", client: close }',
  '  - { on: "server end-of-stream", server: close }',
  'expect:',
  '  delivered: { client: "hello" }',
  '  errors: {}',
);

test('done when: a lossy scenario whose server answers on "server accepted" passes on 100 seeds of 100', (t) => {
  const failed: number[] = [];
  for (let seed = 1; seed <= 100; seed++) {
    const r = runScenario(loadScenario(LOSSY, 'lossy.yaml', { seed }));
    if (!r.ok) failed.push(seed);
  }
  t.deepEqual(failed, []);
});

test('the same story on a guessed time (at: 100ms) fails on some of those seeds: the SYN or its answer was late', (t) => {
  const guessed = LOSSY.replace('{ on: "server accepted", server', '{ at: 100ms, server');
  let failed = 0;
  let noConnection = 0;
  for (let seed = 1; seed <= 100; seed++) {
    const r = runScenario(loadScenario(guessed, 'guessed.yaml', { seed }));
    if (!r.ok) failed++;
    if (r.expectations.some((e) => !e.ok && /server has no connection yet/.test(e.detail))) noConnection++;
  }
  t.true(failed > 0 && noConnection > 0, `${failed} failed, ${noConnection} with no connection`);
});

function run(text: string) {
  return runScenario(loadScenario(text, 's.yaml'));
}

const byType = <T extends TraceEvent['type']>(events: TraceEvent[], type: T) => events.filter((e): e is Extract<TraceEvent, { type: T }> => e.type === type);

test('a step on an event runs at the time the event came, plus after:, on the connection of the event', (t) => {
  const r = run(y(
    'name: t', 'hosts: { client: {}, server: {} }', 'link: { delay: 10ms }', 'steps:',
    '  - { at: 0, server: listen 80 }',
    '  - { at: 0, client: connect server:80 }',
    '  - { on: "client ESTABLISHED", after: 5ms, client: send "hi" }',
    '  - { on: "server read 2", server: send "ok" }',
    'expect: { delivered: { server: "hi", client: "ok" } }',
  ));
  t.true(r.ok, JSON.stringify(r.expectations));
  // The client's SYN-ACK arrives at 20 ms: ESTABLISHED then, "hi" sent at 25 ms; it is read at 35 ms and "ok" leaves then.
  const est = byType(r.events, 'state').find((e: StateEvent) => e.host === 'client' && e.to === 'ESTABLISHED')!;
  t.is(est.t, 20);
  const sends = byType(r.events, 'app').filter((e: AppEvent) => e.event === 'send');
  t.deepEqual(sends.map((e) => [e.host, e.t, e.bytes]), [['client', 25, 2], ['server', 35, 2]]);
  const data = byType(r.events, 'segment').filter((e: SegmentEvent) => e.event === 'tx' && e.len > 0);
  t.deepEqual(data.map((e) => [e.host, e.t]), [['client', 25], ['server', 35]]);
});

test('once by default: the first time only; every: true: each time the event comes', (t) => {
  const text = (every: string) => y(
    'name: t', 'hosts: { a: {}, b: {}, server: {} }', 'link: { delay: 1ms }', 'steps:',
    '  - { at: 0, server: listen 80 }',
    '  - { at: 0, a: connect server:80 }',
    '  - { at: 50ms, b: connect server:80 }',
    `  - { on: "server accepted",${every} server: send "welcome" }`,
  );
  const once = run(text(''));
  const each = run(text(' every: true,'));
  const welcomes = (events: TraceEvent[]) => byType(events, 'app').filter((e) => e.host !== 'server' && e.event === 'data').map((e) => e.host);
  t.deepEqual(welcomes(once.events), ['a']);
  // With every: true each accepted connection gets its own welcome: the step acts on the event's connection.
  t.deepEqual(welcomes(each.events), ['a', 'b']);
});

test('HOST@CONN waits for that connection only, by id or by the name given with as', (t) => {
  const r = run(y(
    'name: t', 'hosts: { client: {}, server: {} }', 'link: { delay: 1ms }', 'steps:',
    '  - { at: 0, server: listen 80 }',
    '  - { at: 0, client: connect server:80 as first }',
    '  - { at: 10ms, client: connect server:80 as second }',
    '  - { on: "server@c2 accepted", server: send "to the second" }',
    '  - { on: "client@second read 13", client: close @first }',
    '  - { on: "client@first FIN-WAIT-2", client: expect @second state ESTABLISHED }',
  ));
  t.true(r.ok, JSON.stringify(r.expectations));
  const reads = byType(r.events, 'app').filter((e) => e.host === 'client' && e.event === 'data');
  t.deepEqual(reads.map((e) => [e.conn, e.bytes]), [['c2', 13]]);
  t.true(r.expectations.some((e) => e.ok && /client c2 in ESTABLISHED/.test(e.what)));
});

test('an event that never comes, and a cycle, are reported at the end at the step\'s line; the run exits as failed', (t) => {
  const r = run(y(
    'name: t', 'hosts: { client: {}, server: {} }', 'steps:',
    '  - { at: 0, server: listen 80 }',
    '  - { at: 0, client: connect server:80 }',
    '  - { on: "server CLOSE-WAIT", server: close }',
    '  - { on: "client read 1", client: send "a" }',
    '  - { on: "server read 1", server: send "b" }',
  ));
  t.false(r.ok);
  const failed = r.expectations.filter((e) => !e.ok);
  t.deepEqual(failed.map((e) => [e.pos?.line, e.detail]), [
    [6, 'step at line 6 never ran: server never entered CLOSE-WAIT'],
    // Each waits for what only the other would cause: a cycle; both named.
    [7, 'step at line 7 never ran: client never had read 1 bytes in all'],
    [8, 'step at line 8 never ran: server never had read 1 bytes in all'],
  ]);
  t.is(failed[0].what, 'step "close" on "server CLOSE-WAIT"');
});

test('an event that came, but whose after: reaches past until, says so', (t) => {
  const r = run(y(
    'name: t', 'until: 1s', 'hosts: { client: {}, server: {} }', 'steps:',
    '  - { at: 0, server: listen 80 }',
    '  - { at: 0, client: connect server:80 }',
    '  - { on: "client connected", after: 2s, client: close }',
  ));
  t.deepEqual(r.expectations.map((e) => e.detail), ['step at line 7 never ran: client was connected at 0ms, and after: 2s is past the end of the run (until 1s)']);
});

test('error and end-of-stream events, with an error code', (t) => {
  const r = run(y(
    'name: t', 'hosts: { client: {}, server: {} }', 'steps:',
    '  - { at: 0, client: connect server:80 }',
    '  - { on: "client error ECONNREFUSED", client: expect state CLOSED }',
    '  - { on: "client error ETIMEDOUT", client: close }',
  ));
  t.deepEqual(r.expectations.map((e) => [e.ok, e.what.replace(/^at [^:]+: /, '')]), [
    [true, 'client c1 in CLOSED'],
    [false, 'step "close" on "client error ETIMEDOUT"'],
  ]);
});

function fails(t: ExecutionContext, text: string, want: { message: RegExp; line: number; col: number; hint?: RegExp }) {
  const e = t.throws(() => loadScenario(text, 's.yaml'), { instanceOf: ScenarioError });
  if (!e) return;
  t.regex(e.message, want.message);
  t.deepEqual([e.line, e.col], [want.line, want.col], e.format());
  if (want.hint) t.regex(e.hint ?? '', want.hint);
}

const HEAD = ['name: t', 'hosts: { client: {}, server: {} }', 'steps:'];

test('a malformed on: is an error at its place in the file (exit 2 on the command line)', (t) => {
  fails(t, y(...HEAD, '  - { on: "server acepted", server: close }'), { message: /unknown event "acepted"/, line: 4, col: 19, hint: /did you mean "accepted"/ });
  fails(t, y(...HEAD, '  - { on: "sever accepted", server: close }'), { message: /on: names unknown host "sever"/, line: 4, col: 12, hint: /client, server/ });
  fails(t, y(...HEAD, '  - { on: "accepted", server: close }'), { message: /unknown host "accepted"/, line: 4, col: 12, hint: /the host comes first/ });
  fails(t, y(...HEAD, '  - { on: "server established", server: close }'), { message: /unknown event "established"/, line: 4, col: 19, hint: /"ESTABLISHED"/ });
  fails(t, y(...HEAD, '  - { on: "server read", server: close }'), { message: /read needs a byte count/, line: 4, col: 23 });
  fails(t, y(...HEAD, '  - { on: "server read 5 now", server: close }'), { message: /unexpected "now"/, line: 4, col: 26 });
  fails(t, y(...HEAD, '  - { on: "client error EWHAT", client: close }'), { message: /"EWHAT" is not an error/, line: 4, col: 25 });
  fails(t, y(...HEAD, '  - { on: "server@1x accepted", server: close }'), { message: /"@1x" is not a connection name/, line: 4, col: 18 });
  fails(t, y(...HEAD, '  - { at: 0, on: "server accepted", server: close }'), { message: /at: or on:, not both/, line: 4, col: 19 });
  fails(t, y(...HEAD, '  - { on: "server accepted", after: soon, server: close }'), { message: /after: "soon" is not a duration/, line: 4, col: 37 });
  fails(t, y(...HEAD, '  - { at: 0, every: true, server: close }'), { message: /every: goes with on:/, line: 4, col: 21 });
  fails(t, y(...HEAD, '  - { on: "server accepted", every: yes, server: close }'), { message: /every: should be true or false/, line: 4, col: 37 });
  fails(t, y(...HEAD, '  - { on: "server accepted" }'), { message: /has no host/, line: 4, col: 5, hint: /on: "server accepted", client: close/ });
});

test('a scenario with steps on events keeps its steps on time as they were, and its on: steps apart in file order', (t) => {
  const p = loadScenario(LOSSY, 's.yaml');
  t.deepEqual(p.steps.map((s) => s.text), ['listen 80', 'connect server:80']);
  t.deepEqual(p.onSteps!.map((s) => [s.on!.host, s.on!.event, s.text]), [
    ['server', { kind: 'app', word: 'accepted' }, 'send "hello"'],
    ['client', { kind: 'read', bytes: 5 }, 'close'],
    ['server', { kind: 'app', word: 'end-of-stream' }, 'close'],
  ]);
  t.is(loadScenario(y(...HEAD, '  - { at: 0, server: listen 80 }'), 's.yaml').onSteps, undefined);
});
