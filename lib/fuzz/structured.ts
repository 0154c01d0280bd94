import fc from 'fast-check';
import { stringify } from 'yaml';
import { configKeyNames } from '../tcp/config.ts';
import { EVENT_FIELDS, type FieldKind } from '../trace/schema.ts';
import { TCP_STATES } from '../trace/events.ts';
import { encodePcap, readCapture } from '../wire/pcap.ts';
import { decodePacket, encodePacket } from '../wire/tcp.ts';
import type { TcpOption, TcpSegment } from '../wire/tcp-types.ts';

/**
 * Random structures, for where byte and character mutations mostly break the framing or the syntax and
 * stop at the first check: scenarios built as objects from the format's own vocabulary (its keys, units,
 * commands, states and segment lines), right and wrong kinds mixed, then written as block or flow YAML
 * or as JSON; traces of well-formed JSON lines, each event of a known type (or not) whose fields hold
 * values of their kind most of the time and anything at all the rest; and captures of real conversations
 * changed a segment at a time (flags, numbers, windows, options, payloads, order, times), re-encoded with
 * correct checksums and framing. These reach the schema checks, the small languages inside strings, and
 * whatever reads an accepted file afterwards: the report, and the replay of a capture against the model.
 */

/** Any JSON value, small: what a field holds when it holds the wrong thing. */
const anyJson: fc.Arbitrary<unknown> = fc.jsonValue({ maxDepth: 2 });

/** Numbers at the edges: what ranges, units and integer checks are there for. */
const edgeNumber = fc.constantFrom(0, -0, 1, -1, 0.5, 1.5, 80, 1460, 65535, 65536, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 53, 1e21, -1e21, Number.MAX_VALUE, 5e-324);

/** Values of the scenario language, right and wrong: durations, sizes, rates, probabilities, words. */
const WORDS = [
  '0', '10ms', '1.5s', '5min', '2h', '25h', '-1ms', '1e3ms', 'ms', '10', '0.05', '5%', '150%', '-5%', '64k', '1m', '1g', '2g', '10mbit', '1gbit',
  '0bit', 'random', 'linux', 'rfc', 'true', 'false', 'null', '', ' ', '10.0.0.1', '10.0.0.256', '::1', 'client', 'server', 'link', '#1',
];
const word = fc.oneof(fc.constantFrom(...WORDS), fc.string({ maxLength: 8 }));
/** Anything a value could be: a word, a number at an edge, a boolean, any JSON. */
const leaf = fc.oneof({ weight: 6, arbitrary: word }, { weight: 3, arbitrary: edgeNumber }, { weight: 1, arbitrary: fc.boolean() }, { weight: 1, arbitrary: anyJson });

const duration = fc.oneof(fc.constantFrom(0, 1, 250, '0', '10ms', '1.5s', '5min', '2h', '1us', '100 ms', '0.5ms'), fc.nat(100_000));
/** Step times, and run lengths longer than most of them. */
const stepTime = fc.oneof(fc.constantFrom(0, '0', '10ms', '100ms', '1.5s', '0.5ms'), fc.nat(5000));
const runLength = fc.oneof(fc.constantFrom('10s', '1min', '5min', '2h', '24h'), fc.integer({ min: 5000, max: 3_600_000 }));
const size = fc.oneof(fc.constantFrom(1, 536, 1460, 4096, '64k', '1m', '1g', '4096b', '2KiB'), fc.integer({ min: 1, max: 1 << 20 }));
const rate = fc.constantFrom(0, '10mbit', '1gbit', '500kbit', '8000bit', 8000);
const probability = fc.oneof(fc.constantFrom(0, 1, 0.05, '5%', '0%', '100%'), fc.double({ min: 0, max: 1, noNaN: true }));
/** A value of each TCP setting's kind (load.ts's tcpShape). */
const TCP_VALUES: Record<string, fc.Arbitrary<unknown>> = {
  'mss': fc.oneof(fc.constantFrom(1, 536, 1460, 65495), fc.integer({ min: 1, max: 65495 })),
  'rcvbuf': size,
  'sndbuf': size,
  'msl': duration,
  'isn': fc.oneof(fc.constant('random'), fc.nat({ max: 2 ** 32 - 1 })),
  'profile': fc.constantFrom('rfc', 'linux'),
  'initial-window': fc.integer({ min: 1, max: 1000 }),
  'syn-retries': fc.integer({ min: 0, max: 255 }),
  'max-retries': fc.integer({ min: 0, max: 255 }),
  'keepalive': fc.oneof(fc.constant(false), duration),
  'keepalive-probes': fc.integer({ min: 1, max: 255 }),
  'congestion-control': fc.constantFrom('reno', 'newreno'),
  'recovery': fc.constantFrom('newreno', 'sack', 'rack-tlp'),
};
const BOOLEAN_SETTINGS = ['autoread', 'nagle', 'delayed-ack', 'window-scale', 'sack', 'timestamps', 'prr', 'undo', 'dsack'];
const tcpValue = (key: string) => TCP_VALUES[key] ?? (BOOLEAN_SETTINGS.includes(key) ? fc.boolean() : duration);
const LINK_VALUES: Record<string, fc.Arbitrary<unknown>> = {
  'delay': duration,
  'jitter': duration,
  'reorder-delay': duration,
  'loss': probability,
  'duplicate': probability,
  'reorder': probability,
  'corrupt': probability,
  'rate': rate,
  'mtu': fc.oneof(fc.constantFrom(68, 576, 1500, 65535), fc.integer({ min: 68, max: 65535 })),
  'queue': fc.nat(1000),
  'drop': fc.array(fc.oneof(fc.constantFrom('client>server #1', 'server>client #2', 'client>server #3'), fc.integer({ min: 1, max: 5 })), { maxLength: 3 }),
};
const HOST_NAMES = ['client', 'server'];
const COMMANDS = [
  'listen 80', 'listen 80 backlog 1', 'connect server:80', 'connect server:80 from 1000', 'connect server:80 as c1', 'connect 10.0.0.2:80',
  'send "hello"', 'send 100', 'send 0', 'send @c1 "x"', "send 'a, b'", 'shutdown', 'close', 'abort', 'read 10', 'read all',
  'expect state ESTABLISHED', 'expect state TIME-WAIT', 'expect delivered 5',
];
/** Commands a step should not hold: each must be refused at its column. */
const BAD_COMMANDS = [
  'listen 0', 'listen 65536', 'connect nowhere:80', 'connect server', 'send 999999999999', 'send @c9 1', 'send "unterminated', 'read -1',
  'expect state NOPE', 'fly', '', 'listen 80 backlog', 'connect server:80 as', 'send "a" "b"',
];
const SEGMENT_LINES = [
  'client > server  S   seq 0', 'server > client  S.  seq 0 ack 1', 'client > server  .   ack 1', 'client > server  P.  seq 1:6 ack 1 win 65535 len 5',
  'client > server  F.  seq 1 ack 1', '...', 'server > client  R.  seq 1 ack 1',
];
const BAD_SEGMENT_LINES = ['client > nobody  R', 'server > client  Q  seq 1', 'client > server  .  seq 9:3', 'x', 'client > server  S  seq 4294967296', 'client > server  S  win -1'];

/** One time in `n` a value, else null. (fc.option's `freq` is the other way round: how rarely null.) */
const rarely = <T>(a: fc.Arbitrary<T>, n: number) => fc.oneof({ weight: n - 1, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: a });

/** Keys that every JavaScript object already has: a parser that builds objects from them must not trip. */
const strangeKey = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty', 'length', '0'), fc.string({ maxLength: 6 }));

/**
 * A scenario object, every value of the right kind; with `junk`, now and then a value of any kind, a
 * command or segment line that is wrong, a key nobody knows or one every object has.
 */
function scenarioObject(junk: boolean): fc.Arbitrary<Record<string, unknown>> {
  const v = <T>(right: fc.Arbitrary<T>): fc.Arbitrary<unknown> => (junk ? fc.oneof({ weight: 12, arbitrary: right as fc.Arbitrary<unknown> }, { weight: 1, arbitrary: leaf }) : right);
  const pick = (right: readonly string[], wrong: readonly string[]) => (junk ? fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...right) }, { weight: 1, arbitrary: fc.constantFrom(...wrong) }) : fc.constantFrom(...right));
  /** Some of `values`' keys, each with its own kind of value; with junk, now and then a stranger. */
  const settings = (values: (key: string) => fc.Arbitrary<unknown>, keys: readonly string[], maxKeys = 4) =>
    fc
      .tuple(
        fc.uniqueArray(fc.oneof(...keys.map((k) => v(values(k)).map((x) => [k, x] as const))), { maxLength: maxKeys, selector: ([k]) => k }),
        junk ? rarely(fc.tuple(strangeKey, leaf), 8) : fc.constant(null),
      )
      .map(([pairs, extra]) => Object.fromEntries([...pairs, ...(extra ? [extra] : [])]));
  const tcp = settings(tcpValue, [...Object.keys(configKeyNames)]);
  const direction = settings((k) => LINK_VALUES[k], Object.keys(LINK_VALUES));
  const link = fc.oneof(
    { weight: 3, arbitrary: direction },
    { weight: 1, arbitrary: fc.record({ 'client>server': direction, 'server>client': direction }, { requiredKeys: [] }) },
    { weight: junk ? 1 : 0, arbitrary: fc.constant({ udp: true }) },
  );
  const host = (addrs: string[]) => fc.record({ addr: v(fc.constantFrom(...addrs)), tcp: v(tcp) }, { requiredKeys: [] });
  const step = fc.oneof(
    { weight: 6, arbitrary: fc.tuple(v(stepTime), fc.constantFrom(...HOST_NAMES), v(pick(COMMANDS, BAD_COMMANDS))) },
    { weight: 1, arbitrary: fc.tuple(v(stepTime), fc.constant('link'), v(pick(['down', 'up'], ['sideways', 'down 5']))) },
  ).map(([at, who, command]) => ({ at, [who]: command }));
  const states = fc.array(fc.constantFrom(...TCP_STATES), { minLength: 1, maxLength: 7 }).map((s) => s.join(' '));
  const segments = fc.array(pick(SEGMENT_LINES, BAD_SEGMENT_LINES), { maxLength: 6 }).map((l) => l.join('\n'));
  const expect = fc.record(
    {
      states: v(fc.dictionary(fc.constantFrom(...HOST_NAMES), states, { maxKeys: 2 })),
      segments: v(segments),
      delivered: v(fc.dictionary(fc.constantFrom(...HOST_NAMES), fc.oneof(fc.constantFrom('hello', 'x', ''), fc.nat(100_000)), { maxKeys: 2 })),
      errors: v(fc.dictionary(fc.constantFrom(...HOST_NAMES), pick(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT'], ['EWHAT', '']), { maxKeys: 2 })),
    },
    { requiredKeys: [] },
  );
  return fc.record(
    {
      name: v(fc.oneof(fc.constantFrom('t', 'fuzz', 'a b'), fc.string({ minLength: 1, maxLength: 12 }))),
      description: v(fc.string({ maxLength: 40 })),
      seed: v(fc.nat({ max: 2 ** 32 - 1 })),
      until: v(runLength),
      tcp: v(tcp),
      hosts: v(fc.record({ client: host(['10.0.0.1', '192.168.1.9']), server: host(['10.0.0.2', '192.168.1.10']) }, { requiredKeys: junk ? [] : ['client', 'server'] })),
      link: v(link),
      steps: v(fc.array(step, { maxLength: 8 })),
      expect: v(expect),
    },
    { requiredKeys: junk ? ['name', 'hosts'] : ['name', 'hosts', 'steps'] },
  );
}

/** A scenario as text: the object in block YAML, in flow YAML (one line of braces) or as JSON, which is YAML too. */
export const scenarioText: fc.Arbitrary<string> = fc
  .tuple(fc.oneof(scenarioObject(false), scenarioObject(true)), fc.constantFrom('block', 'flow', 'json'))
  .map(([o, style]) => (style === 'json' ? JSON.stringify(o) : stringify(o, style === 'flow' ? { collectionStyle: 'flow' } : {})));

/** A value of a trace field's kind, at an edge often; with `junk`, now and then anything at all. */
function fieldValue(kind: FieldKind, junk: boolean): fc.Arbitrary<unknown> {
  const right: fc.Arbitrary<unknown> =
    typeof kind === 'object'
      ? fc.constantFrom(...kind.oneOf)
      : {
          string: fc.oneof(fc.constantFrom('client', 'server', 'c1', '10.0.0.1:80', '10.0.0.2:63705', 'S', 'S.', 'FP.', 'R', '', ':', 'x:99999'), fc.string({ maxLength: 10 })),
          number: fc.oneof(fc.constantFrom(0, 1, 10.5, -1, 1e15), fc.double({ noNaN: true, noDefaultInfinity: true })),
          count: fc.oneof(fc.constantFrom(0, 1, 1460, 65535, 2 ** 31, 2 ** 53 - 1), fc.nat()),
          uint32: fc.oneof(fc.constantFrom(0, 1, 2 ** 31, 2 ** 32 - 1), fc.nat({ max: 2 ** 32 - 1 })),
          boolean: fc.boolean(),
          strings: fc.array(fc.constantFrom('mss 1460', 'wscale 7', 'sackOK', 'TS val 1 ecr 0', 'nop', 'sack 1:2', 'mss', ''), { maxLength: 4 }),
        }[kind];
  return junk ? fc.oneof({ weight: 19, arbitrary: right }, { weight: 1, arbitrary: anyJson }) : right;
}

const TYPES = Object.keys(EVENT_FIELDS).filter((t) => t !== 'meta');

/** One event of a type: each field present (optional ones at random), of its kind (but see `junk`), now and then a field nobody knows. */
function eventOf(type: string, junk: boolean): fc.Arbitrary<Record<string, unknown>> {
  const specs = EVENT_FIELDS[type] ?? [{ key: 't', kind: 'number' as const, required: true }];
  const fields = Object.fromEntries(specs.filter((s) => s.key !== 'type').map((s) => [s.key, fieldValue(s.kind, junk)]));
  const required = specs.filter((s) => s.required && s.key !== 'type').map((s) => s.key);
  const body = fc.record(fields, { requiredKeys: junk ? required.filter((k) => k !== 't') : required }) as fc.Arbitrary<Record<string, unknown>>;
  return fc.tuple(body, rarely(fc.tuple(strangeKey, anyJson), 10)).map(([b, extra]) => ({ ...(extra ? { [extra[0]]: extra[1] } : {}), ...b, type }));
}

const traceEvent = (junk: boolean) =>
  fc.oneof(
    { weight: 40, arbitrary: fc.oneof(...TYPES.map((type) => eventOf(type, junk))) },
    { weight: 1, arbitrary: eventOf('future-type', junk) },
    ...(junk ? [{ weight: 1, arbitrary: anyJson }] : []),
  );

/**
 * A trace as text: a meta line (one of the given scenario sources as its source, or any text) and JSON
 * lines of events; lines that are not JSON are the mutators' job, so every line here parses. Half are
 * clean (every field of its kind: the reader accepts them, and what reads them next gets nonsense of
 * the right types: times near 1e308, lengths of 2^53, hosts and addresses that are nowhere), half have
 * wrong kinds and missing fields now and then, for the reader's checks.
 */
export function traceText(sources: readonly string[]): fc.Arbitrary<string> {
  const trace = (junk: boolean) => {
    const meta = fc.record({
      type: fc.constant('meta'),
      scenario: fieldValue('string', junk),
      seed: fieldValue('number', junk),
      version: fc.constant('0.1.0'),
      source: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...sources) }, { weight: 1, arbitrary: fieldValue('string', junk) }),
    });
    return fc.tuple(meta, fc.array(traceEvent(junk), { maxLength: 30 })).map(([m, events]) => [m, ...events].map((e) => JSON.stringify(e)).join('\n') + '\n');
  };
  return fc.oneof(trace(false), trace(true));
}

// ---------------------------------------------------------------------------------------------
// Captures: real conversations, changed a segment at a time

interface Packet {
  timeMs: number;
  src: number;
  dst: number;
  seg: TcpSegment;
}

type SegmentEdit =
  | { op: 'flags'; at: number; flags: number }
  | { op: 'seq' | 'ack'; at: number; delta: number }
  | { op: 'window'; at: number; window: number }
  | { op: 'options'; at: number; options: TcpOption[] }
  | { op: 'payload'; at: number; payload: Uint8Array }
  | { op: 'drop' | 'repeat' | 'turn'; at: number }
  | { op: 'swap'; at: number; with: number }
  | { op: 'time'; at: number; timeMs: number };

const u32 = fc.nat({ max: 2 ** 32 - 1 });
const tcpOption: fc.Arbitrary<TcpOption> = fc.oneof(
  fc.record({ kind: fc.constant('mss' as const), mss: fc.oneof(fc.constantFrom(0, 1, 536, 1460, 65495, 65535), fc.nat(65535)) }),
  fc.record({ kind: fc.constant('wscale' as const), shift: fc.oneof(fc.constantFrom(0, 7, 14, 15, 255), fc.nat(255)) }),
  fc.constant({ kind: 'sack-permitted' as const }),
  fc.record({ kind: fc.constant('sack' as const), blocks: fc.array(fc.tuple(u32, u32), { minLength: 1, maxLength: 4 }) }),
  fc.record({ kind: fc.constant('timestamps' as const), tsval: u32, tsecr: u32 }),
  fc.constant({ kind: 'nop' as const }),
  fc.record({ kind: fc.constant('unknown' as const), type: fc.integer({ min: 9, max: 255 }), data: fc.uint8Array({ maxLength: 6 }).map((u) => Buffer.from(u)) }),
);
const segmentEdit: fc.Arbitrary<SegmentEdit> = fc.oneof(
  fc.record({ op: fc.constant('flags' as const), at: fc.nat(), flags: fc.oneof(fc.constantFrom(0x02, 0x12, 0x10, 0x11, 0x04, 0x14, 0x18, 0x03, 0x06, 0x07, 0x00, 0xff), fc.nat(255)) }),
  fc.record({ op: fc.constantFrom('seq' as const, 'ack' as const), at: fc.nat(), delta: fc.oneof(fc.constantFrom(1, -1, 2, 1000, -1000, 2 ** 31, 2 ** 31 - 1, 2 ** 32 - 1), fc.integer()) }),
  fc.record({ op: fc.constant('window' as const), at: fc.nat(), window: fc.oneof(fc.constantFrom(0, 1, 65535), fc.nat(65535)) }),
  fc.record({ op: fc.constant('options' as const), at: fc.nat(), options: fc.array(tcpOption, { maxLength: 5 }) }),
  fc.record({ op: fc.constant('payload' as const), at: fc.nat(), payload: fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.nat(3000).map((n) => new Uint8Array(n))) }),
  fc.record({ op: fc.constantFrom('drop' as const, 'repeat' as const, 'turn' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('swap' as const), at: fc.nat(), with: fc.nat() }),
  fc.record({ op: fc.constant('time' as const), at: fc.nat(), timeMs: fc.oneof(fc.constantFrom(0, 1e12, 4.29e12), fc.double({ min: 0, max: 4.29e12, noNaN: true })) }),
);

function editConversation(packets: readonly Packet[], edits: readonly SegmentEdit[]): Buffer {
  const ps = packets.map((p) => ({ ...p, seg: { ...p.seg } }));
  for (const e of edits) {
    if (ps.length === 0) break;
    const i = e.at % ps.length;
    const p = ps[i];
    switch (e.op) {
      case 'flags':
        p.seg.flags = e.flags;
        break;
      case 'seq':
      case 'ack':
        p.seg[e.op] = (((p.seg[e.op] + e.delta) % 2 ** 32) + 2 ** 32) % 2 ** 32;
        break;
      case 'window':
        p.seg.window = e.window;
        break;
      case 'options':
        p.seg.options = e.options;
        break;
      case 'payload':
        p.seg.payload = Buffer.from(e.payload);
        break;
      case 'drop':
        ps.splice(i, 1);
        break;
      case 'repeat':
        ps.splice(i, 0, { ...p, seg: { ...p.seg } });
        break;
      case 'turn':
        // The same segment from the other end: ports and addresses swapped.
        [p.src, p.dst] = [p.dst, p.src];
        p.seg = { ...p.seg, srcPort: p.seg.dstPort, dstPort: p.seg.srcPort };
        break;
      case 'swap': {
        const j = e.with % ps.length;
        [ps[i], ps[j]] = [ps[j], ps[i]];
        break;
      }
      case 'time':
        p.timeMs = e.timeMs;
        break;
    }
  }
  const records: { timeMs: number; packet: Buffer }[] = [];
  for (const p of ps) {
    try {
      records.push({ timeMs: p.timeMs, packet: encodePacket(p.src, p.dst, p.seg) });
    } catch {
      // Options too long for the header, say: the encoder refuses what no packet can carry; leave it out.
    }
  }
  return encodePcap(records);
}

/**
 * Captures (classic pcap, raw IPv4) of the seeds' conversations with up to 6 segment edits each, every
 * packet well-formed: these get past the readers to what a capture is read for.
 */
export function captureFrom(pcapSeeds: readonly Buffer[]): fc.Arbitrary<Buffer> {
  const conversations = pcapSeeds.map((file) =>
    readCapture(file).packets.map((p): Packet => {
      const { ip, tcp } = decodePacket(p.ip, { verifyChecksum: 'allow-partial' });
      const { srcPort, dstPort, seq, ack, flags, window, urgent, options, payload } = tcp;
      return { timeMs: p.timeMs, src: ip.src, dst: ip.dst, seg: { srcPort, dstPort, seq, ack, flags, window, urgent, options, payload: Buffer.from(payload) } };
    }),
  );
  return fc
    .tuple(fc.nat(conversations.length - 1), fc.array(segmentEdit, { minLength: 1, maxLength: 6 }))
    .map(([i, edits]) => editConversation(conversations[i], edits));
}
