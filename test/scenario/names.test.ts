/**
 * Host and connection names in any script, and text in single quotes: what a newcomer writes first.
 * A name is one token of the step and segment grammar whatever its letters, so `client>server #3`,
 * `connect server:80` and `send @c1 "x"` split the same way with 客户端 as with client.
 */
import test from 'ava';
import { loadScenario } from '../../lib/scenario/load.ts';
import { runScenario } from '../../lib/scenario/runner.ts';
import { ScenarioError } from '../../lib/scenario/errors.ts';

const UNICODE = `name: unicode-hosts
hosts: { 客户端: {}, 服务器: {} }
link: { delay: 10ms, drop: ["客户端>服务器 #4"] }
steps:
  - { at: 0, 服务器: listen 80 }
  - { at: 0, 客户端: connect 服务器:80 as 连接 }
  - { at: 100ms, 客户端: send @连接 "你好" }
  - { at: 300ms, 客户端: shutdown }
  - { at: 2s, 服务器: close }
expect:
  states:
    客户端: CLOSED SYN-SENT ESTABLISHED FIN-WAIT-1 FIN-WAIT-2 TIME-WAIT CLOSED
  segments: |
    客户端 > 服务器  S   seq 0
    服务器 > 客户端  S.  seq 0 ack 1
    客户端 > 服务器  .   ack 1
    客户端 > 服务器  P.  seq 1:7
    ...
  delivered: { 服务器: "你好" }
`;

test('hosts: { 客户端: {}, 服务器: {} } runs: names in directions, drops, connect, @connections and segment lines', (t) => {
  const plan = loadScenario(UNICODE, 'u.yaml');
  t.deepEqual(plan.hosts.map((h) => h.name), ['客户端', '服务器']);
  t.deepEqual(plan.link.directions['客户端>服务器'].drop, [4]);
  const r = runScenario(plan);
  t.true(r.ok, r.expectations.filter((e) => !e.ok).map((e) => e.detail).join('\n'));
  // The 4th segment the client sends (its data) was dropped on the link, and sent again.
  t.is(r.stats.retransmissions, 1);
});

test('letters of any script with marks and digits are names; what the grammar splits on never is', (t) => {
  for (const name of ['Käse', 'сервер', 'नमस्ते', 'host_2', 'a-b']) {
    t.notThrows(() => loadScenario(`name: t\nhosts: { "${name}": {}, b: {} }\n`, 's.yaml'), name);
  }
  for (const name of ['2host', '_x', 'a>b', 'a b', 'a:b', 'a#1', '@a', "a'b", 'link']) {
    const e = t.throws(() => loadScenario(`name: t\nhosts: { "${name}": {}, b: {} }\n`, 's.yaml'), { instanceOf: ScenarioError }, name);
    t.regex(e?.message ?? '', /cannot be a host name/);
  }
});

test("send 'hi' is the text hi, as YAML and the shell write it; a double quote inside is kept", (t) => {
  const plan = loadScenario(`name: t
hosts: { a: {}, b: {} }
steps:
  - { at: 0, b: listen 80 }
  - { at: 0, a: connect b:80 }
  - { at: 10ms, a: send 'hi "you"' }
expect:
  delivered: { b: 'hi "you"' }
`, 's.yaml');
  const step = plan.steps.find((s) => s.command.op === 'send');
  t.deepEqual(step?.command, { op: 'send', data: { text: 'hi "you"' } });
  t.true(runScenario(plan).ok);
});

test('unquoted text gets a hint that is itself right: send "hi" or send \'hi\', never send "\'hi\'"', (t) => {
  const e = t.throws(() => loadScenario(`name: t\nhosts: { a: {}, b: {} }\nsteps:\n  - { at: 0, a: send hi }\n`, 's.yaml'), { instanceOf: ScenarioError });
  t.is(e?.hint, `send "hi" (or send 'hi')`);
  const open = t.throws(() => loadScenario(`name: t\nhosts: { a: {}, b: {} }\nsteps:\n  - { at: 0, a: send 'hi }\n`, 's.yaml'), { instanceOf: ScenarioError });
  t.regex(open?.message ?? '', /the quoted text is not closed/);
});
