/**
 * Zero copy through the link's queue (issue 29): a scenario run hands data segments to a rate-limited link
 * as headers and a view of the sender's data, so a queue of thousands of packets holds no payload copies.
 * Nothing a peer or the trace sees may change: a run with a capture (which is shown every packet whole, so
 * nothing is split) must give exactly the same trace and the same bytes delivered.
 */
import test from 'ava';
import { loadScenario } from '../../lib/scenario/load.ts';
import { runScenario } from '../../lib/scenario/runner.ts';
import { Host } from '../../lib/host/host.ts';

/** How many packets reached a host split, during `fn`. */
function splitArrivals<T>(fn: () => T): { result: T; split: number } {
  const original = Host.prototype.receiveSplit;
  let split = 0;
  Host.prototype.receiveSplit = function (this: Host, header: Buffer, payload: Buffer) {
    split++;
    return original.call(this, header, payload);
  };
  try {
    return { result: fn(), split };
  } finally {
    Host.prototype.receiveSplit = original;
  }
}

const scenario = (link: string, extra = '') => loadScenario(`name: zero copy
tcp: { profile: linux }
hosts: { client: {}, server: {} }
link: ${link}
steps:
  - { at: 0, server: listen 80 }
  - { at: 0, client: connect server:80 as f1 }
  - { at: 0, client: connect server:80 as f2 }
  - { at: 0, client: connect server:80 as f3 }
  - { at: 100ms, client: send @f1 300000 }
  - { at: 100ms, client: send @f2 200000 }
  - { at: 150ms, client: send @f3 "a line of its own" }
  - { at: 200ms, server: send 30000 }
${extra}  - { at: 5s, client: close @f1 }
  - { at: 5s, client: close @f2 }
  - { at: 5s, client: close @f3 }
until: 60s
`, 'zero-copy.yaml');

for (const [name, link, extra] of [
  ['a queue that grows (20 Mbit/s, no limit)', '{ delay: 2ms, rate: 20mbit }', ''],
  ['a queue that overflows (10 Mbit/s, 20 packets)', '{ delay: 5ms, rate: 10mbit, queue: 20 }', ''],
  ['a rate one way, scripted drops the other way', '{ delay: 3ms, "client>server": { rate: 50mbit }, "server>client": { rate: 5mbit, drop: [3, 7] } }', ''],
  ['a rate and a link that goes down for a while', '{ delay: 1ms, rate: 30mbit }', '  - { at: 120ms, link: down }\n  - { at: 400ms, link: up }\n'],
  ['only a delay', '{ delay: 4ms }', ''],
] as const) {
  test(`the trace and the bytes delivered are the same whether packets cross whole or split: ${name}`, (t) => {
    const plan = scenario(link, extra);
    const { result: split, split: arrivedSplit } = splitArrivals(() => runScenario(plan));
    const { result: whole, split: arrivedSplitWhole } = splitArrivals(() => runScenario(plan, { capture: true }));
    t.true(arrivedSplit > 300, `${arrivedSplit} data segments arrived split`);
    t.is(arrivedSplitWhole, 0);
    t.true(split.events.length > 100);
    t.is(JSON.stringify(split.events), JSON.stringify(whole.events));
    t.deepEqual(split.delivered, whole.delivered);
    t.is(split.delivered.server.length, 500017);
    t.is(split.packets.length, 0);
    t.true(whole.packets.length > 300, 'the capture saw the packets whole');
  });
}
