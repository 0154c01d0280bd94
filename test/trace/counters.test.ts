/**
 * A run that keeps no trace (record: 'counts', what `tcpemu run --view summary|none` and `--json` use)
 * must say exactly what the full trace says: the same summary, the same stats, the same expectations.
 * Every fixture scenario is run both ways, on its own seed and on two more, with impairments.
 */
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadScenario } from '../../lib/scenario/load.ts';
import { runScenario, wholeTraceFor, type RunResult } from '../../lib/scenario/runner.ts';
import { summarize } from '../../lib/trace/views/summary.ts';
import { TraceWriter } from '../../lib/trace/jsonl.ts';
import type { TraceEvent } from '../../lib/trace/events.ts';
import { flowGoodputs } from '../../lib/link/bottleneck.ts';

const DIR = path.resolve(import.meta.dirname, '../../fixtures/scenarios');
const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml') && !f.startsWith('udp-'));

function plain(r: RunResult) {
  return { stats: r.stats, summary: r.summary, expectations: r.expectations.map((e) => [e.what, e.ok, e.detail]), ok: r.ok };
}

for (const file of files) {
  test(`${file}: counting gives what the whole trace gives (summary, stats, expectations)`, (t) => {
    const source = readFileSync(path.join(DIR, file), 'utf8');
    for (const seed of [undefined, 7, 1234]) {
      const plan = () => loadScenario(source, file, { seed });
      const full = runScenario(plan(), { flows: true });
      const counted = runScenario(plan(), { record: 'counts', keepDelivered: false, flows: true });
      t.deepEqual(plain(counted), plain(full), `seed ${seed ?? 'of the file'}`);
      // Goodput per flow, tallied as the run went, is what flowGoodputs reads from the whole trace.
      t.deepEqual(counted.flows, flowGoodputs(full.events), `flows, seed ${seed ?? 'of the file'}`);
      t.deepEqual(full.flows, flowGoodputs(full.events));
      // The summary of the full run is the one the summary view drew before counting existed.
      t.deepEqual(full.summary, summarize(full.events, { hosts: plan().hosts.map((h) => h.name) }));
      // Counting keeps only what the expectations read: state changes and checked expectations (and
      // everything when the file's checks or views read segments: expect.segments, inject, a bottleneck).
      if (wholeTraceFor(plan()) === undefined) {
        t.true(counted.events.slice(1).every((e) => e.type === 'state' || e.type === 'expect'), 'only states and expectations kept');
        t.true(counted.events.length < full.events.length);
      }
    }
  });
}

test('a streamed run (onEvent) hands over exactly the events of the full trace, meta first, while keeping only the states', (t) => {
  const source = readFileSync(path.join(DIR, 'lossy-bulk.yaml'), 'utf8');
  const full = runScenario(loadScenario(source, 'lossy-bulk.yaml'));
  const streamed: TraceEvent[] = [];
  const counted = runScenario(loadScenario(source, 'lossy-bulk.yaml'), { record: 'counts', flows: true, onEvent: (ev) => streamed.push(ev) });
  t.deepEqual(counted.flows, flowGoodputs(full.events), 'flows tallied from the stream');
  t.true(counted.flows!.length > 0);
  t.is(streamed.length, full.events.length);
  const text = (evs: readonly TraceEvent[]) => {
    const w = new TraceWriter();
    for (const ev of evs) w.write(ev);
    return w.text();
  };
  t.is(text(streamed), text(full.events), 'byte for byte the same trace');
  t.deepEqual(plain(counted), plain(full));
  t.true(counted.events.length < 100, `${counted.events.length} events kept of ${full.events.length}`);
});

test('delivered bytes are counted, not kept, unless an expectation compares their text', (t) => {
  const source = readFileSync(path.join(DIR, 'lossy-bulk.yaml'), 'utf8');
  const r = runScenario(loadScenario(source, 'lossy-bulk.yaml'), { record: 'counts', keepDelivered: false });
  t.deepEqual(r.deliveredBytes, { client: 200000, server: 200000 });
  t.is(r.delivered.server.length, 0, 'a byte count needs no bytes');
  t.true(r.ok);
  const hello = runScenario(loadScenario(readFileSync(path.join(DIR, 'demo.yaml'), 'utf8'), 'demo.yaml'), { keepDelivered: false });
  t.true(hello.ok, 'demo compares a text, so that host keeps it');
  t.true(Object.values(hello.delivered).some((b) => b.length > 0));
});

test('60 generated scenarios (impairments, corruption, outages, every ending): counting equals the full trace', async (t) => {
  const fc = (await import('fast-check')).default;
  const { scenarioArb, renderScenario } = await import('../../lib/fuzz/scenarios.ts');
  const texts = fc.sample(scenarioArb, { numRuns: 60, seed: 29 }).map((g, i) => renderScenario(g, `gen-${i}`));
  let undecodable = 0;
  for (const text of texts) {
    const full = runScenario(loadScenario(text, 'gen.yaml'), { timers: true });
    const counted = runScenario(loadScenario(text, 'gen.yaml'), { record: 'counts', keepDelivered: false });
    t.deepEqual(plain(counted), plain(full), text);
    undecodable += Object.keys(full.summary.drops).filter((r) => r.includes('undecodable')).length;
  }
  t.log(`${texts.length} scenarios; ${undecodable} with drops that could not be decoded`);
});

test('send N fills its bytes with the alphabet from where the connection\'s last send N ended, made in pieces or whole', async (t) => {
  const { payloadBytes } = await import('../../lib/scenario/runner.ts');
  const byByte = (n: number, offset: number) => Buffer.from(Array.from({ length: n }, (_, i) => 0x61 + ((offset + i) % 26)));
  for (const n of [0, 1, 25, 26, 27, 1000]) for (const offset of [0, 1, 25, 26, 51, 123_457]) t.true(payloadBytes(n, offset).equals(byByte(n, offset)), `${n} at ${offset}`);
  // A generated write (above 16 KiB) delivers exactly what one buffer would have.
  const text = `name: big\nhosts: { client: {}, server: {} }\nlink: { delay: 5ms, loss: 2% }\nseed: 3\nsteps:\n  - { at: 0, server: listen 80 }\n  - { at: 0, client: connect server:80 }\n  - { at: 100ms, client: send 100000 }\n  - { at: 100ms, client: send 7 }\n  - { at: 100ms, client: send 50001 }\n  - { at: 1min, client: close }\n  - { at: 1min, server: close }\n`;
  const r = runScenario(loadScenario(text, 'big.yaml'));
  t.true(r.delivered.server.equals(byByte(150_008, 0)));
});
