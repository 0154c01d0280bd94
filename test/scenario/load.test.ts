import test from 'ava';
import { readFileSync } from 'node:fs';
import { loadScenario, MAX_STEPS } from '../../lib/scenario/load.ts';
import { ScenarioError } from '../../lib/scenario/errors.ts';
import { rfcDefaults, linuxDefaults } from '../../lib/tcp/config.ts';
import { defaultDirectionConfig } from '../../lib/link/memory.ts';
import { LINUX_RMEM_MAX } from '../../lib/tcp/rcvbuf-auto.ts';

const y = (...lines: string[]) => lines.join('\n') + '\n';
const HEAD = ['name: t', 'hosts:', '  client: {}', '  server: {}'];

function fails(t: import('ava').ExecutionContext, text: string, want: { message: RegExp; line: number; col: number; hint?: RegExp }) {
  const e = t.throws(() => loadScenario(text, 's.yaml'), { instanceOf: ScenarioError });
  if (!e) return;
  t.regex(e.message, want.message);
  t.deepEqual([e.line, e.col], [want.line, want.col], e.format());
  if (want.hint) t.regex(e.hint ?? '', want.hint);
  t.is(e.file, 's.yaml');
  t.true(e.format().startsWith(`s.yaml:${want.line}:${want.col}: `));
}

// ---------------------------------------------------------------------------------------------
// Errors, one test each

test('ScenarioError.format: file:line:col, then the hint', (t) => {
  const e = new ScenarioError('f.yaml', 3, 7, 'bad thing', 'do this');
  t.is(e.format(), 'f.yaml:3:7: bad thing\n  hint: do this');
  t.is(new ScenarioError('f.yaml', 1, 1, 'x').format(), 'f.yaml:1:1: x');
  t.is(e.name, 'ScenarioError');
  t.true(e instanceof Error);
});

test('invalid YAML points at the problem', (t) => {
  fails(t, y('name: t', 'hosts: { client: {}', 'steps: []'), { message: /^invalid YAML/, line: 3, col: 1 });
});

test('invalid YAML: a duplicate key', (t) => {
  fails(t, y('name: t', 'name: u', 'hosts: { a: {} }'), { message: /invalid YAML/, line: 2, col: 1, hint: /once/ });
});

test('unknown top-level key: nearest known key', (t) => {
  fails(t, y(...HEAD, 'stpes: []'), { message: /unknown key "stpes"/, line: 5, col: 1, hint: /did you mean "steps"/ });
});

test('a key that is a list (found by the fuzzer) is an unknown key at its own line, not at 1:1', (t) => {
  fails(t, y(...HEAD, '? [6]', ': 1', 'steps: []'), { message: /unknown key "\[ 6 \]"/, line: 5, col: 3 });
});

test('unknown key in tcp: nearest kebab-case setting', (t) => {
  fails(t, y(...HEAD, 'tcp:', '  rcvbuff: 4096'), { message: /unknown key "rcvbuff" in tcp/, line: 6, col: 3, hint: /did you mean "rcvbuf"/ });
  fails(t, y('name: t', 'hosts:', '  client: { tcp: { delayed_ack: false } }'), { message: /unknown key "delayed_ack" in hosts\.client\.tcp/, line: 3, col: 20, hint: /"delayed-ack"/ });
});

test('unknown key in link: nearest link field', (t) => {
  fails(t, y(...HEAD, 'link: { delya: 10ms }'), { message: /unknown key "delya" in link/, line: 5, col: 9, hint: /did you mean "delay"/ });
});

test('a typo of name is reported as the typo, not as a missing name', (t) => {
  fails(t, y('nmae: t', 'hosts: { a: {} }'), { message: /unknown key "nmae"/, line: 1, col: 1, hint: /"name"/ });
});

test('missing name', (t) => {
  fails(t, y('hosts: { a: {} }', 'steps: []'), { message: /missing "name"/, line: 1, col: 1, hint: /name: my-scenario/ });
});

test('unknown command: nearest command', (t) => {
  fails(t, y(...HEAD, 'steps:', '  - { at: 0, server: lisen 80 }'), { message: /unknown command "lisen"/, line: 6, col: 22, hint: /did you mean "listen"\? \(listen PORT \[backlog N\]\)/ });
});

test('a command for an unknown host lists the hosts', (t) => {
  fails(t, y(...HEAD, 'steps:', '  - { at: 0, clinet: connect server:80 }'), { message: /unknown host "clinet"/, line: 6, col: 14, hint: /did you mean "client"\? \(the hosts are: client, server/ });
});

test('a time that does not parse', (t) => {
  fails(t, y(...HEAD, 'steps:', '  - { at: 10 parsecs, client: close }'), { message: /at: unknown time unit "parsecs" in "10 parsecs"/, line: 6, col: 11, hint: /250ms, 1\.5s/ });
  fails(t, y(...HEAD, 'until: soon'), { message: /until: "soon" is not a duration/, line: 5, col: 8 });
});

test('a negative size', (t) => {
  fails(t, y(...HEAD, 'tcp: { rcvbuf: -4096 }'), { message: /tcp\.rcvbuf: a size cannot be negative/, line: 5, col: 16, hint: /64k/ });
  fails(t, y(...HEAD, 'steps:', '  - { at: 0, client: send -5 }'), { message: /send -5: text must be in quotes|cannot be negative/, line: 6, col: 27 });
});

test('a probability over 1', (t) => {
  fails(t, y(...HEAD, 'link:', '  loss: 1.5'), { message: /link\.loss: probability 1\.5 is outside 0\.\.1/, line: 6, col: 9, hint: /0\.05|5%/ });
  fails(t, y(...HEAD, 'link:', '  "server>client": { corrupt: 120% }'), { message: /corrupt: probability 120% is outside/, line: 6, col: 31 });
});

test('a connect to a host that is not defined', (t) => {
  fails(t, y(...HEAD, 'steps:', '  - { at: 0, client: connect sever:80 }'), { message: /connect to "sever", which is not a host/, line: 6, col: 30, hint: /did you mean "server"/ });
});

test('an expectation naming a state that does not exist: nearest state', (t) => {
  fails(t, y(...HEAD, 'expect:', '  states:', '    client: CLOSED SYN_SENT ESTABLISHED'), { message: /"SYN_SENT" is not a TCP state/, line: 7, col: 20, hint: /did you mean SYN-SENT\?/ });
  fails(t, y(...HEAD, 'steps:', '  - { at: 1s, client: expect state ESTABLISED }'), { message: /"ESTABLISED" is not a TCP state/, line: 6, col: 36, hint: /ESTABLISHED/ });
});

test('a segment line that does not parse', (t) => {
  fails(t, y(...HEAD, 'expect:', '  segments: |', '    client > server  S  seq 0', '    client > server  X.'),
    { message: /bad flags "X\."/, line: 8, col: 22, hint: /F S R P \. U E W/ });
  fails(t, y(...HEAD, 'expect:', '  segments: |', '    client server S'),
    { message: /segment line "client server S" does not parse/, line: 7, col: 5, hint: /FROM > TO FLAGS/ });
  fails(t, y(...HEAD, 'expect:', '  segments: |', '    client > server  S  seq 0 lenght 3'),
    { message: /unknown field "lenght"/, line: 7, col: 31, hint: /did you mean "len"/ });
  fails(t, y(...HEAD, 'expect:', '  segments: |', '    client > server  P.  seq 6:1'),
    { message: /seq 6:1 ends before it starts/, line: 7, col: 30 });
  fails(t, y(...HEAD, 'expect:', '  segments: |', '    client > router  S'),
    { message: /unknown host "router"/, line: 7, col: 14, hint: /the hosts are: client, server/ });
});

test('a duplicate host address', (t) => {
  fails(t, y('name: t', 'hosts:', '  client: { addr: 10.0.0.7 }', '  server: { addr: 10.0.0.7 }'), { message: /address 10\.0\.0\.7 is already client's/, line: 4, col: 19, hint: /its own address/ });
});

test('a link direction naming an unknown host', (t) => {
  fails(t, y(...HEAD, 'link:', '  "client>sevrer": { delay: 5ms }'), { message: /link direction "client>sevrer" names unknown host "sevrer"/, line: 6, col: 3, hint: /did you mean "server"/ });
  fails(t, y(...HEAD, 'link:', '  drop: ["client>nobody #1"]'), { message: /unknown host "nobody"/, line: 6, col: 10, hint: /the hosts are: client, server/ });
});

test('an expectation for an unknown host', (t) => {
  fails(t, y(...HEAD, 'expect:', '  delivered: { sever: "x" }'), { message: /expect\.delivered names unknown host "sever"/, line: 6, col: 16, hint: /"server"/ });
});

test('wrong types say what was expected', (t) => {
  fails(t, y(...HEAD, 'seed: lots'), { message: /seed should be a number, not the text "lots"/, line: 5, col: 7 });
  fails(t, y(...HEAD, 'tcp: { nagle: maybe }'), { message: /tcp\.nagle should be a boolean/, line: 5, col: 15 });
  fails(t, y(...HEAD, 'tcp: { profile: bsd }'), { message: /tcp\.profile cannot be the text "bsd"/, line: 5, col: 17, hint: /rfc, linux/ });
  fails(t, y(...HEAD, 'tcp: { isn: sometimes }'), { message: /tcp\.isn cannot be/, line: 5, col: 13, hint: /random/ });
});

test('command grammar errors point into the command', (t) => {
  const step = (cmd: string) => y(...HEAD, 'steps:', `  - { at: 0, client: ${cmd} }`);
  // The command starts at column 22 of line 6.
  fails(t, step('listen 99999'), { message: /"99999" is not a port/, line: 6, col: 29, hint: /1 to 65535/ });
  fails(t, step('connect server'), { message: /"server" is not HOST:PORT/, line: 6, col: 30 });
  fails(t, step('connect server:80 via x'), { message: /unexpected "via"/, line: 6, col: 40, hint: /from PORT/ });
  fails(t, step('send hello'), { message: /text must be in quotes/, line: 6, col: 27, hint: /send "hello" \(or send 'hello'\)/ });
  fails(t, step('send "hello'), { message: /quoted text is not closed/, line: 6, col: 27 });
  fails(t, step('close now'), { message: /unexpected "now" after close/, line: 6, col: 28 });
  fails(t, step('read'), { message: /read needs a byte count or all/, line: 6, col: 26 });
  fails(t, step('expect stat CLOSED'), { message: /unknown expectation "stat"/, line: 6, col: 29, hint: /did you mean "state"/ });
  fails(t, step('connect client:80'), { message: /client connects to itself/, line: 6, col: 22 });
  fails(t, y(...HEAD, 'steps:', '  - { at: 0, link: dwon }'), { message: /unknown link command "dwon"/, line: 6, col: 20, hint: /"down"/ });
});

test('step shape errors', (t) => {
  fails(t, y(...HEAD, 'steps:', '  - { client: close }'), { message: /step 1 has no "at:"/, line: 6, col: 5 });
  fails(t, y(...HEAD, 'steps:', '  - { at: 0, client: close, server: close }'), { message: /has client and server/, line: 6, col: 29, hint: /two steps/ });
  fails(t, y(...HEAD, 'steps:', '  - { at: 0, server: send "fine, thanks" }'), { message: /unknown host/, line: 6, col: 34, hint: /single quotes/ });
  fails(t, y(...HEAD, 'until: 1s', 'steps:', '  - { at: 2s, client: close }'), { message: /step at 2s is after the end of the run \(until 1s\)/, line: 7, col: 11 });
});

test('limits: more than 1 MiB of text, more than 100,000 steps', (t) => {
  const big = y(...HEAD, '# ' + 'x'.repeat(1024 * 1024));
  const e = t.throws(() => loadScenario(big, 'big.yaml'), { instanceOf: ScenarioError });
  t.regex(e!.message, /more than the limit of 1048576 \(1 MiB\)/);
  t.deepEqual([e!.line, e!.col], [1, 1]);
  // Steps this short cannot be valid steps, but the limit is checked first, before anything per step.
  const e2 = t.throws(() => loadScenario(y(...HEAD, `steps: [${'0,'.repeat(MAX_STEPS)}0]`), 'many.yaml'), { instanceOf: ScenarioError });
  t.regex(e2!.message, /steps has 100001 entries, more than the limit of 100000/);
  t.deepEqual([e2!.line, e2!.col], [5, 8]);
});

// ---------------------------------------------------------------------------------------------
// Defaults and meaning

test('defaults: seed 1, until 10min, addresses 10.0.0.1, 10.0.0.2 in order, link delay 0 and mtu 1500', (t) => {
  const p = loadScenario(y(...HEAD), 's.yaml');
  t.is(p.seed, 1);
  t.is(p.untilMs, 600_000);
  t.deepEqual(p.hosts.map((h) => [h.name, h.addrText, h.addr]), [['client', '10.0.0.1', 0x0a000001], ['server', '10.0.0.2', 0x0a000002]]);
  t.deepEqual(p.hosts[0].tcp, rfcDefaults);
  t.deepEqual(p.steps, []);
  t.deepEqual(p.expect, {});
  t.false(p.link.udp);
  t.deepEqual(Object.keys(p.link.directions), ['client>server', 'server>client']);
  t.like(p.link.directions['client>server'], { delayMs: 0, loss: 0, mtu: 1500, rateBitsPerSec: 0, drop: [] });
  t.is(p.description, undefined);
  t.is(p.source, y(...HEAD));
});

test('opts.seed overrides the file; the file overrides the default', (t) => {
  t.is(loadScenario(y(...HEAD, 'seed: 7'), 's').seed, 7);
  t.is(loadScenario(y(...HEAD, 'seed: 7'), 's', { seed: 42 }).seed, 42);
  t.is(loadScenario(y(...HEAD), 's', { seed: 0 }).seed, 0);
});

test('default addresses skip the ones written out', (t) => {
  const p = loadScenario(y('name: t', 'hosts:', '  a: {}', '  b: { addr: 10.0.0.1 }', '  c:'), 's');
  t.deepEqual(p.hosts.map((h) => h.addrText), ['10.0.0.2', '10.0.0.1', '10.0.0.3']);
});

test('tcp: file-level settings, then the host own, then the profile defaults', (t) => {
  const p = loadScenario(y('name: t', 'tcp: { rcvbuf: 64k, msl: 1s, profile: linux }', 'hosts:', '  client: {}', '  server: { tcp: { rcvbuf: 4096, nagle: false, isn: 1000 } }'), 's');
  // sndbuf left alone in the linux profile: Linux's autotuning (lib/tcp/sndbuf-auto.ts); rcvbuf set: none on that side.
  t.deepEqual(p.hosts[0].tcp, { ...linuxDefaults, rcvbuf: 65536, mslMs: 1000, sndbufAuto: true });
  t.deepEqual(p.hosts[1].tcp, { ...linuxDefaults, rcvbuf: 4096, mslMs: 1000, nagle: false, isn: 1000, sndbufAuto: true });
});

test('tcp: a sndbuf the file sets is the send buffer as it is (no autotuning, as SO_SNDBUF locks Linux\'s); the rfc profile never autotunes', (t) => {
  const p = loadScenario(y('name: t', 'tcp: { profile: linux }', 'hosts:', '  client: { tcp: { sndbuf: 16k } }', '  server: { tcp: { profile: rfc } }'), 's');
  // rcvbuf left alone: the receive buffer autotunes too, the window scale sized for tcp_rmem[2] (lib/tcp/rcvbuf-auto.ts).
  t.deepEqual(p.hosts[0].tcp, { ...linuxDefaults, sndbuf: 16384, rcvbufAuto: true, scaleBytes: LINUX_RMEM_MAX });
  t.is(p.hosts[1].tcp.sndbufAuto, undefined);
  t.is(p.hosts[1].tcp.rcvbufAuto, undefined);
});

test('link: both directions alike, per-direction overrides, drops per direction', (t) => {
  const p = loadScenario(y(...HEAD, 'link:', '  delay: 10ms', '  rate: 10mbit', '  loss: 5%', '  drop: ["client>server #1", "server > client #3", "client>server #2"]',
    '  "server>client": { delay: 20ms, queue: 8, drop: [5, "#4"] }'), 's');
  t.deepEqual(p.link.directions['client>server'], {
    ...defaultDirectionConfig, delayMs: 10, loss: 0.05, rateBitsPerSec: 10_000_000, drop: [1, 2],
  });
  t.like(p.link.directions['server>client'], { delayMs: 20, loss: 0.05, queueLimit: 8, drop: [3, 4, 5] });
  t.true(loadScenario(y(...HEAD, 'link: { udp: true }'), 's').link.udp);
});

test('command grammar', (t) => {
  const cmds = [
    'listen 80', 'listen 80 backlog 5', 'connect server:80', 'connect 10.0.0.2:80 from 4000 as c1', 'connect server:80 as c2 from 4001',
    'send "hello\\nworld"', 'send 100000', 'send 64k', 'send @c1 "x"', 'shutdown', 'close @c1', 'abort', 'read 10', 'read @c2 all',
    'expect state TIME-WAIT', 'expect @c1 state CLOSED', 'expect delivered 5', 'expect @c2 delivered 1k',
  ];
  const text = y(...HEAD, 'steps:', ...cmds.map((c) => `  - at: 1s\n    client: '${c}'`), '  - { at: 2s, link: down }', '  - { at: 3s, link: up }');
  const p = loadScenario(text, 's');
  t.deepEqual(p.steps.map((s) => s.command), [
    { op: 'listen', port: 80 },
    { op: 'listen', port: 80, backlog: 5 },
    { op: 'connect', host: 'server', port: 80 },
    { op: 'connect', host: 'server', port: 80, fromPort: 4000, as: 'c1' },
    { op: 'connect', host: 'server', port: 80, as: 'c2', fromPort: 4001 },
    { op: 'send', data: { text: 'hello\nworld' } },
    { op: 'send', data: { bytes: 100000 } },
    { op: 'send', data: { bytes: 65536 } },
    { op: 'send', conn: 'c1', data: { text: 'x' } },
    { op: 'shutdown' },
    { op: 'close', conn: 'c1' },
    { op: 'abort' },
    { op: 'read', count: 10 },
    { op: 'read', conn: 'c2', count: 'all' },
    { op: 'expect-state', state: 'TIME-WAIT' },
    { op: 'expect-state', conn: 'c1', state: 'CLOSED' },
    { op: 'expect-delivered', bytes: 5 },
    { op: 'expect-delivered', conn: 'c2', bytes: 1024 },
    { op: 'down' },
    { op: 'up' },
  ]);
  t.deepEqual(p.steps.map((s) => s.target).slice(-3), ['client', 'link', 'link']);
  t.is(p.steps[0].text, 'listen 80');
  // Single-quoted scalar: the command starts one column after the quote.
  t.deepEqual(p.steps[0].pos, { line: 7, col: 14 });
});

test('steps are stable-sorted by time', (t) => {
  const p = loadScenario(y(...HEAD, 'steps:', '  - { at: 1s, client: close }', '  - { at: 0, server: listen 80 }', '  - { at: 1s, server: close }', '  - { at: 0, client: connect server:80 }'), 's');
  t.deepEqual(p.steps.map((s) => `${s.atMs} ${s.target} ${s.command.op}`), ['0 server listen', '0 client connect', '1000 client close', '1000 server close']);
  t.deepEqual(p.steps.map((s) => s.pos.line), [7, 9, 6, 8]);
});

test('expectations: states, segments (block or list), delivered, errors', (t) => {
  const p = loadScenario(y(...HEAD, 'expect:', '  states:', '    client: CLOSED SYN-SENT', '    server: [LISTEN, SYN-RECEIVED]',
    '  segments: |', '    client > server  S     seq 0   # the SYN', '', '    ...', '    server>client FP. seq 1:6 ack 2 win 100 len 5',
    '  delivered: { server: "hello", client: 2000 }', '  errors: { client: ECONNREFUSED }'), 's');
  t.deepEqual(p.expect.states, {
    client: { states: ['CLOSED', 'SYN-SENT'], pos: { line: 7, col: 5 } },
    server: { states: ['LISTEN', 'SYN-RECEIVED'], pos: { line: 8, col: 5 } },
  });
  t.deepEqual(p.expect.segments, {
    pos: { line: 9, col: 3 },
    lines: [
      { kind: 'segment', from: 'client', to: 'server', flags: 'S', seq: 0, pos: { line: 10, col: 5 }, text: 'client > server  S     seq 0' },
      { kind: 'any', pos: { line: 12, col: 5 } },
      { kind: 'segment', from: 'server', to: 'client', flags: 'FP.', seq: 1, seqEnd: 6, ack: 2, win: 100, len: 5, pos: { line: 13, col: 5 }, text: 'server>client FP. seq 1:6 ack 2 win 100 len 5' },
    ],
  });
  t.deepEqual(p.expect.delivered, { server: { text: 'hello', pos: { line: 14, col: 16 } }, client: { bytes: 2000, pos: { line: 14, col: 33 } } });
  t.deepEqual(p.expect.errors, { client: { code: 'ECONNREFUSED', pos: { line: 15, col: 13 } } });
  const q = loadScenario(y(...HEAD, 'expect:', '  segments:', '    - client > server .P', '    - "..."'), 's');
  t.deepEqual(q.expect.segments!.lines.map((l) => (l.kind === 'any' ? '...' : l.flags)), ['P.', '...']);
});

test('unknown error code: nearest code', (t) => {
  fails(t, y(...HEAD, 'expect: { errors: { client: ECONNREFUSE } }'), { message: /"ECONNREFUSE" is not an error/, line: 5, col: 29, hint: /ECONNREFUSED/ });
});

test('the handshake fixture loads', (t) => {
  const file = 'fixtures/scenarios/handshake.yaml';
  const p = loadScenario(readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8'), file);
  t.is(p.name, 'handshake');
  t.deepEqual(p.steps.map((s) => [s.atMs, s.target, s.command.op]), [[0, 'server', 'listen'], [0, 'client', 'connect'], [1000, 'client', 'close'], [1500, 'server', 'close']]);
  t.deepEqual(p.expect.states!.client.states, ['CLOSED', 'SYN-SENT', 'ESTABLISHED', 'FIN-WAIT-1', 'FIN-WAIT-2', 'TIME-WAIT', 'CLOSED']);
  t.deepEqual(p.expect.states!.server.states, ['LISTEN', 'SYN-RECEIVED', 'ESTABLISHED', 'CLOSE-WAIT', 'LAST-ACK', 'CLOSED']);
  t.deepEqual(p.expect.segments!.lines.map((l) => (l.kind === 'any' ? '...' : `${l.from}>${l.to} ${l.flags}`)), ['client>server S', 'server>client S.', 'client>server .', '...']);
});

test('loading is deterministic', (t) => {
  const text = readFileSync(new URL('../../fixtures/scenarios/handshake.yaml', import.meta.url), 'utf8');
  t.deepEqual(loadScenario(text, 'a'), loadScenario(text, 'a'));
});

test('more shape errors: empty file, a list, empty hosts, reserved or bad host names and addresses', (t) => {
  fails(t, '', { message: /the file is empty/, line: 1, col: 1, hint: /name:/ });
  fails(t, y('- a', '- b'), { message: /must be a mapping/, line: 1, col: 1, hint: /name: my-scenario/ });
  fails(t, y('name: t', 'hosts: {}'), { message: /hosts is empty/, line: 2, col: 8, hint: /at least one host/ });
  fails(t, y('name: t', 'hosts: { link: {} }'), { message: /"link" cannot be a host name/, line: 2, col: 10, hint: /meaning in steps/ });
  fails(t, y('name: t', 'hosts: { a: { addr: 10.0.0.256 } }'), { message: /"10\.0\.0\.256" is not an IPv4 address/, line: 2, col: 21, hint: /e\.g\. 10\.0\.0\.1/ });
  fails(t, y('name: 5', 'hosts: { a: {} }'), { message: /name should be a string, not the number 5/, line: 1, col: 7, hint: /quotes: "5"/ });
  fails(t, y('name: t', 'hosts: { a: {} }', 'steps: { at: 0 }'), { message: /steps should be a list/, line: 3, col: 8, hint: /"- "/ });
  fails(t, y(...HEAD, 'link: { mtu: 20 }'), { message: /link\.mtu is 20, less than 68/, line: 5, col: 14, hint: /at least 68/ });
  fails(t, y(...HEAD, 'link: { drop: [3] }'), { message: /drop entry 3 does not say which segment/, line: 5, col: 16, hint: /"client>server #1"/ });
});

test('errors inside a block-scalar command point at the right line', (t) => {
  fails(t, y(...HEAD, 'steps:', '  - at: 0', '    client: |', '      send "x"', '      close'), { message: /unexpected "close" after send/, line: 9, col: 7 });
});
