/**
 * lib/scenario/quick-check.ts answers for zod on a scenario file that is right (issue 29, start-up): for any
 * value it must give up, or return exactly what the zod schema returns (same fields, same order, same
 * numbers). It must never accept what zod refuses, or the mistake would go unreported; and it must accept
 * the files people write, or it would save nothing.
 */
import test from 'ava';
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { MAX_STEPS } from '../../lib/scenario/limits.ts';
import { QUICK, schemas, SCENARIO_KEYS } from '../../lib/scenario/schema.ts';
import { quickly, type Quick } from '../../lib/scenario/quick-check.ts';
import { scenarioText } from '../../lib/fuzz/structured.ts';
import { loadScenario } from '../../lib/scenario/load.ts';

type Answer = { ok: true; value: unknown } | { ok: false };

function zodAnswer(schema: { safeParse(v: unknown): { success: boolean; data?: unknown } }, v: unknown): Answer {
  try {
    const r = schema.safeParse(v);
    return r.success ? { ok: true, value: r.data } : { ok: false };
  } catch {
    return { ok: false };
  }
}

/** The same value, key order and -0 included (what JSON would not tell apart). */
function same(a: unknown, b: unknown): boolean {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return Object.is(a, b);
  if (Array.isArray(a) !== Array.isArray(b) || Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length || ka.some((k, i) => k !== kb[i])) return false;
  return ka.every((k) => same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** Quick's answer agrees with zod's: it gave up, or zod accepts and returns the same. Returns quick's answer. */
function agrees(quick: Quick, schema: Parameters<typeof zodAnswer>[0], v: unknown): { quick: boolean; ok: boolean } {
  const q = quickly(quick, v);
  const z = zodAnswer(schema, v);
  if (q === undefined) return { quick: false, ok: true };
  return { quick: true, ok: z.ok && same(q.value, z.value) };
}

const topZod = () => schemas().topS;
const dirZod = () => schemas().directionS;

test('the quick check knows the same keys as the zod schemas', (t) => {
  t.deepEqual(Object.keys(schemas().topS.shape), [...SCENARIO_KEYS.top]);
  t.deepEqual(Object.keys(schemas().tcpShape), [...SCENARIO_KEYS.tcp]);
  t.deepEqual(Object.keys(schemas().directionS.shape), SCENARIO_KEYS.link.filter((k) => k !== 'udp'));
});

test('every scenario and lesson in fixtures/ is accepted by the quick check, with zod\'s value', (t) => {
  let n = 0;
  for (const dir of ['fixtures/scenarios', 'fixtures/lessons']) {
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.yaml'))) {
      const v = parse(readFileSync(`${dir}/${f}`, 'utf8')) as Record<string, unknown>;
      const a = agrees(QUICK.top, topZod(), v);
      t.true(a.quick, `${f}: quick check gave up`);
      t.true(a.ok, `${f}: quick check differs from zod`);
      const link = v.link as Record<string, unknown> | undefined;
      for (const [k, d] of Object.entries(link ?? {})) if (k.includes('>')) t.true(agrees(QUICK.directionOrNull, dirZod().nullable(), d).ok, `${f}: link.${k}`);
      n++;
    }
  }
  t.true(n > 30);
});

test('values at the edges: the quick check takes what zod takes, and gives up on the rest', (t) => {
  const base = { name: 'x', hosts: { a: {}, b: null } };
  const cases: unknown[] = [
    base,
    { ...base, name: '' },
    { ...base, seed: 2 ** 32 - 1 }, { ...base, seed: 2 ** 32 }, { ...base, seed: -0 }, { ...base, seed: 1.5 }, { ...base, seed: Infinity },
    { ...base, until: '10s' }, { ...base, until: '10 parsecs' }, { ...base, until: -1 }, { ...base, until: null },
    { ...base, tcp: null }, { ...base, tcp: { keepalive: false } }, { ...base, tcp: { keepalive: true } }, { ...base, tcp: { keepalive: '2h' } },
    { ...base, tcp: { isn: 'random' } }, { ...base, tcp: { isn: 7 } }, { ...base, tcp: { isn: 'seven' } }, { ...base, tcp: { isn: NaN } },
    { ...base, tcp: { 'congestion-control': 'cubic' } }, { ...base, tcp: { 'congestion-control': 'nope' } }, { ...base, tcp: { mss: '1k', sack: true, profile: 'linux' } },
    { ...base, tcp: { mss: 536, nosuch: 1 } }, { ...base, tcp: { sndbuf: '64kb' } },
    { ...base, hosts: { a: { addr: '10.0.0.9', tcp: { mss: 1000 } } } }, { ...base, hosts: { a: { addr: 5 } } }, { ...base, hosts: [] }, { ...base, hosts: { a: { ip: 'x' } } },
    { ...base, link: null }, { ...base, link: { delay: '5ms', 'a>b': { loss: '1%' } } }, { ...base, link: [] },
    { ...base, steps: null }, { ...base, steps: [{ at: 0, a: 'listen 80' }] }, { ...base, steps: new Array(MAX_STEPS + 1).fill(1) }, { ...base, steps: 'x' },
    { ...base, expect: null }, { ...base, expect: { states: { a: 'CLOSED', b: ['LISTEN'] }, segments: ['a>b S'], delivered: { b: 1, a: 'hi' }, errors: { a: 'ECONNREFUSED' } } },
    { ...base, expect: { delivered: { b: -1 } } }, { ...base, expect: { segments: [1] } }, { ...base, expect: { other: 1 } },
    { ...base, translations: { zh: { title: '握手' } } }, { ...base, translations: { fr: {} } }, { ...base, translations: { en: { title: 1 } } },
    { ...base, bottleneck: { rate: '1mbit' } }, { ...base, bottleneck: null },
    { hosts: { a: {} } }, { name: 'x' }, { ...base, nmae: 'x' }, null, [], 'x', new Map(), new Date(0),
    JSON.parse('{"name":"x","hosts":{"a":{}},"__proto__":{"y":1}}'), JSON.parse('{"name":"x","hosts":{"__proto__":{}}}'), { ...base, hosts: { constructor: {} } },
    Object.assign(Object.create(null), base),
  ];
  for (const v of cases) t.true(agrees(QUICK.top, topZod(), v).ok, `top: ${String(JSON.stringify(v)).slice(0, 120)}`);
  const dirs: unknown[] = [
    {}, null, { delay: '10ms', jitter: 0, loss: 0.01, duplicate: '1%', reorder: 0, corrupt: '0.5%', rate: '10mbit', mtu: 1500, queue: 100, 'reorder-delay': '1ms', drop: ['a>b #1', 3] },
    { mtu: 67 }, { mtu: 68 }, { mtu: '64k' }, { mtu: 65535 }, { mtu: 65536 }, { queue: -1 }, { queue: 1.5 }, { loss: 2 }, { rate: '10mbps' }, { drop: [true] }, { drop: 'a>b #1' }, { udp: true },
  ];
  for (const v of dirs) t.true(agrees(QUICK.directionOrNull, dirZod().nullable(), v).ok, `direction: ${JSON.stringify(v)}`);
  // And the quick check does take the usual: else it saves nothing.
  t.true(agrees(QUICK.top, topZod(), base).quick);
  t.true(agrees(QUICK.top, topZod(), cases[36]).quick);
  t.true(agrees(QUICK.directionOrNull, dirZod().nullable(), dirs[2]).quick);
});

test('random scenarios (lib/fuzz/structured.ts, right and wrong): the quick check gives up or returns zod\'s value', (t) => {
  let taken = 0;
  let runs = 0;
  fc.assert(
    fc.property(scenarioText, (text) => {
      let v: unknown;
      try {
        v = parse(text);
      } catch {
        return true;
      }
      runs++;
      const a = agrees(QUICK.top, topZod(), v);
      if (a.quick) taken++;
      if (!a.ok) return false;
      const link = (v as { link?: unknown } | null)?.link;
      if (link !== null && typeof link === 'object') {
        for (const [k, d] of Object.entries(link)) if (!agrees(k.includes('>') ? QUICK.directionOrNull : QUICK.direction, k.includes('>') ? dirZod().nullable() : dirZod(), k.includes('>') ? d : { [k]: d }).ok) return false;
      }
      return true;
    }),
    { numRuns: 3000, seed: 29 },
  );
  t.log(`${taken} of ${runs} taken by the quick check`);
  t.true(taken > runs / 20, 'the quick check takes a fair share of the random files that are right');
});

test('a scenario with a mistake is still worded by zod, at its place', (t) => {
  const e = t.throws(() => loadScenario('name: x\nhosts: { a: {} }\ntcp: { mss: 1kb }\n', 'f.yaml'));
  t.regex(e!.message, /mss/);
  t.is((e as unknown as { line: number }).line, 3);
});
