/**
 * The trace line schema: for each event type, its fields in the order of its interface in events.ts.
 * One table serves both the writer (key order is part of the byte-for-byte determinism contract)
 * and the reader (which fields must be present, and of what kind).
 */
import { TCP_STATES } from './events.ts';

export type FieldKind =
  | 'string'
  | 'number' // any finite number (times, which may be fractional on the real-time UDP link)
  | 'count' // non-negative integer
  | 'uint32' // sequence-space numbers: integers in [0, 2^32)
  | 'boolean'
  | 'strings' // array of strings
  | { oneOf: readonly string[] };

export interface FieldSpec {
  key: string;
  kind: FieldKind;
  required: boolean;
}

function f(key: string, kind: FieldKind, required = true): FieldSpec {
  return { key, kind, required };
}

const timed = (type: string, ...rest: FieldSpec[]): FieldSpec[] => [f('t', 'number'), f('type', { oneOf: [type] }), ...rest];

export const EVENT_FIELDS: Readonly<Record<string, readonly FieldSpec[]>> = {
  meta: [f('type', { oneOf: ['meta'] }), f('scenario', 'string'), f('seed', 'number'), f('version', 'string'), f('source', 'string')],
  segment: timed(
    'segment',
    f('event', { oneOf: ['tx', 'rx', 'drop'] }),
    f('host', 'string'),
    f('conn', 'string', false),
    f('src', 'string'),
    f('dst', 'string'),
    f('flags', 'string'),
    f('seq', 'uint32'),
    f('ack', 'uint32'),
    f('rseq', 'uint32'),
    f('rack', 'uint32'),
    f('win', 'count'),
    f('len', 'count'),
    f('options', 'strings'),
    f('reason', 'string', false),
    f('retransmit', 'boolean', false),
    f('why', 'string', false),
    f('forged', 'boolean', false),
  ),
  state: timed(
    'state',
    f('host', 'string'),
    f('conn', 'string'),
    f('from', { oneOf: TCP_STATES }),
    f('to', { oneOf: TCP_STATES }),
    f('cause', 'string'),
  ),
  app: timed(
    'app',
    f('host', 'string'),
    f('conn', 'string'),
    f('event', {
      oneOf: ['connect', 'accept', 'data', 'end', 'close', 'error', 'listen', 'open', 'send', 'shutdown', 'close-req', 'abort', 'read'],
    }),
    f('bytes', 'count', false),
    f('error', 'string', false),
  ),
  timer: timed(
    'timer',
    f('host', 'string'),
    f('conn', 'string'),
    f('timer', { oneOf: ['rto', 'persist', 'delack', 'timewait', 'keepalive', 'recovery'] }),
    f('event', { oneOf: ['set', 'fire', 'cancel'] }),
    f('at', 'number', false),
  ),
  cc: timed(
    'cc',
    f('host', 'string'),
    f('conn', 'string'),
    f('cwnd', 'count'),
    f('ssthresh', 'count'),
    f('flight', 'count'),
    f('sndWnd', 'count'),
    f('rto', 'number'),
    f('pipe', 'count', false),
    f('phase', { oneOf: ['slow-start', 'css', 'avoidance'] }, false),
    f('wMax', 'number', false),
    f('k', 'number', false),
    f('sacked', 'strings', false),
    f('lost', 'strings', false),
    f('rtx', 'strings', false),
  ),
  expect: timed('expect', f('host', 'string'), f('what', 'string'), f('ok', 'boolean'), f('detail', 'string', false)),
  queue: timed('queue', f('host', 'string'), f('link', 'string'), f('packets', 'count'), f('bytes', 'count')),
};

export const EVENT_TYPES: readonly string[] = Object.keys(EVENT_FIELDS);

/** Why `value` does not fit `kind`, or null when it does. Phrased to follow "`key` must be ...". */
export function kindMismatch(kind: FieldKind, value: unknown): string | null {
  if (typeof kind === 'object') {
    return typeof value === 'string' && kind.oneOf.includes(value) ? null : `one of ${kind.oneOf.join(', ')}`;
  }
  switch (kind) {
    case 'string':
      return typeof value === 'string' ? null : 'a string';
    case 'boolean':
      return typeof value === 'boolean' ? null : 'true or false';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? null : 'a number';
    case 'count':
      return Number.isInteger(value) && (value as number) >= 0 ? null : 'a whole number >= 0';
    case 'uint32':
      return Number.isInteger(value) && (value as number) >= 0 && (value as number) < 2 ** 32
        ? null
        : 'a whole number in 0..4294967295 (32-bit sequence space)';
    case 'strings':
      return Array.isArray(value) && value.every((s) => typeof s === 'string') ? null : 'a list of strings';
  }
}

/** A short name for what was found instead, for error messages. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return JSON.stringify(value.length > 24 ? value.slice(0, 24) + '…' : value);
  if (typeof value === 'object') return 'an object';
  return String(value);
}
