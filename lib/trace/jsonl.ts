/**
 * Trace files as JSON Lines (docs/trace-format.md): writing them byte-stable, reading them with
 * errors that name the line and column.
 *
 * Determinism is a contract: the same events give the same bytes. So keys are written in one fixed
 * order (the order of each interface in events.ts), without spaces, absent optional fields left out,
 * and any field this version does not know (docs/trace-format.md allows fields to be added) written after the
 * known ones in sorted key order.
 */
import { AtomicFile } from '../atomic-file.ts';
import type { TraceEvent } from './events.ts';
import { EVENT_FIELDS, EVENT_TYPES, describeValue, kindMismatch, type FieldKind, type FieldSpec } from './schema.ts';
import { word, type Lang, type MessageKey, type Msg } from '../i18n/index.ts';
import { formatAt } from '../scenario/errors.ts';
import { scanJsonLine } from './json-scan.ts';

/** A bad trace file: a user error, with its position and a hint of what would be right. */
export class TraceError extends Error {
  override readonly name = 'TraceError';
  /** The message and hint as catalogue keys and parameters (issue 26): worded in any language. */
  text?: Msg;
  hintText?: Msg;
  constructor(
    message: string,
    readonly file: string,
    /** 1-based. */
    readonly line: number,
    /** 1-based, in UTF-16 code units of the line. */
    readonly col: number,
    readonly hint: string,
  ) {
    super(message);
  }

  /** A TraceError from the catalogue: its English wording as message and hint, the keys for other languages. */
  static worded(text: Msg, file: string, line: number, col: number, hintText: Msg): TraceError {
    const e = new TraceError(word('en', text), file, line, col, word('en', hintText));
    e.text = text;
    e.hintText = hintText;
    return e;
  }

  /** `FILE:LINE:COL: MESSAGE` and the hint on the next line: the shape compilers use, so editors can jump to it. */
  format(lang: Lang = 'en'): string {
    if (lang !== 'en' && this.text !== undefined) return formatAt(lang, this, this.text, this.hintText);
    return `${this.file}:${this.line}:${this.col}: ${this.message}` + (this.hint ? `\n  hint: ${this.hint}` : '');
  }
}

/** What a field must be (schema.ts `kindMismatch`'s words) and what was found (`describeValue`'s), as Msg parameters. */
function kindText(kind: FieldKind): Msg {
  if (typeof kind === 'object') return { key: 'trace.kind.oneOf', params: { list: kind.oneOf.join(', ') } };
  return { key: `trace.kind.${kind}` };
}
function valueText(value: unknown): Msg | string {
  if (Array.isArray(value)) return { key: 'trace.value.list' };
  if (value !== null && typeof value === 'object') return { key: 'trace.value.object' };
  return describeValue(value);
}

const knownKeySets = new Map<string, Set<string>>(
  Object.entries(EVENT_FIELDS).map(([type, specs]) => [type, new Set(specs.map((s) => s.key))]),
);

function serializeValue(key: string, value: unknown): string {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    // A bug in whoever built the event: JSON has no NaN or Infinity, and writing null would hide it.
    throw new RangeError(`trace field ${key} is ${value}`);
  }
  return JSON.stringify(value);
}

/** One event as one line (without the newline): fixed key order, no spaces. */
export function serializeEvent(ev: TraceEvent): string {
  const specs = EVENT_FIELDS[ev.type];
  const rec = ev as unknown as Record<string, unknown>;
  if (!specs) {
    // A type from a newer version, read from a trace: "t" and "type" first, then the rest in sorted order.
    const keys = Object.keys(rec).filter((k) => k !== 't' && k !== 'type' && rec[k] !== undefined).sort();
    return `{${['t', 'type', ...keys].map((k) => `${JSON.stringify(k)}:${serializeValue(k, rec[k])}`).join(',')}}`;
  }
  const parts: string[] = [];
  for (const spec of specs) {
    const v = rec[spec.key];
    if (v === undefined) {
      if (spec.required) throw new TypeError(`trace event ${ev.type} lacks its field ${spec.key}`);
      continue;
    }
    parts.push(`"${spec.key}":${serializeValue(spec.key, v)}`);
  }
  const known = knownKeySets.get(ev.type)!;
  const extra = Object.keys(rec).filter((k) => !known.has(k) && rec[k] !== undefined);
  if (extra.length > 0) {
    for (const k of extra.sort()) parts.push(`${JSON.stringify(k)}:${serializeValue(k, rec[k])}`);
  }
  return `{${parts.join(',')}}`;
}

/** A whole trace: one line per event, each ending in a newline. */
export function serializeTrace(events: readonly TraceEvent[]): string {
  let out = '';
  for (const ev of events) out += serializeEvent(ev) + '\n';
  return out;
}

function fieldList(specs: readonly FieldSpec[]): string {
  return specs
    .filter((s) => s.key !== 'type')
    .map((s) => (s.required ? s.key : `${s.key}?`))
    .join(', ');
}

/**
 * Parses and checks a trace. Every line must be one JSON object of a known type with its required
 * fields; the first must be `meta` and no other may be. Blank lines are allowed only at the end
 * (a final newline). Throws TraceError at the first problem.
 */
export function readTrace(text: string, file: string): TraceEvent[] {
  const lines = text.split('\n');
  let last = lines.length;
  while (last > 0 && lines[last - 1]!.trim() === '') last--;
  if (last === 0) {
    throw TraceError.worded({ key: 'trace.empty' }, file, 1, 1, { key: 'trace.empty.hint' });
  }
  const events: TraceEvent[] = [];
  for (let i = 0; i < last; i++) {
    const lineNo = i + 1;
    let line = lines[i]!;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.trim() === '') {
      throw TraceError.worded({ key: 'trace.blank' }, file, lineNo, 1, { key: 'trace.blank.hint' });
    }
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      const scan = scanJsonLine(line);
      const col = scan.ok ? 1 : scan.col;
      const why = scan.ok ? 'not valid JSON' : scan.message;
      throw TraceError.worded({ key: 'trace.badJson', params: { why: scan.ok ? { key: 'trace.notJson' } : scanText(scan) } }, file, lineNo, col, { key: 'trace.badJson.hint' });
    }
    events.push(checkEvent(value, line, file, lineNo));
  }
  return events;
}

function checkEvent(value: unknown, line: string, file: string, lineNo: number): TraceEvent {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw TraceError.worded({ key: 'trace.notObject', params: { found: valueText(value) } }, file, lineNo, 1, { key: 'trace.notObject.hint' });
  }
  const rec = value as Record<string, unknown>;
  // Positions are only needed on failure, so the line is scanned lazily.
  let keyCols: Map<string, number> | undefined;
  let endCol = 1;
  const colOf = (key: string | null): number => {
    if (!keyCols) {
      const scan = scanJsonLine(line);
      keyCols = scan.ok ? scan.keyCols : new Map();
      endCol = scan.ok ? scan.endCol : 1;
    }
    return key === null ? endCol : (keyCols.get(key) ?? 1);
  };

  const type = rec.type;
  if (type === undefined) {
    throw TraceError.worded({ key: 'trace.noType' }, file, lineNo, colOf(null), { key: 'trace.noType.hint', params: { types: EVENT_TYPES.join(', ') } });
  }
  if (typeof type !== 'string') {
    throw TraceError.worded({ key: 'trace.typeNotString', params: { found: valueText(type) } }, file, lineNo, colOf('type'), { key: 'trace.knownTypes', params: { types: EVENT_TYPES.join(', ') } });
  }
  const specs = EVENT_FIELDS[type];
  if (!specs && lineNo !== 1) {
    // docs/trace-format.md: types may be added in later versions. A reader keeps what it does not know (views skip
    // it, replay compares it as written) as long as it is timed like every other event.
    if (typeof rec.t !== 'number' || !Number.isFinite(rec.t)) {
      throw TraceError.worded({ key: 'trace.noT', params: { type } }, file, lineNo, colOf('t'), { key: 'trace.noT.hint' });
    }
    return rec as unknown as TraceEvent;
  }
  if (!specs) {
    throw TraceError.worded({ key: 'trace.unknownType', params: { found: valueText(type) } }, file, lineNo, colOf('type'), { key: 'trace.knownTypes', params: { types: EVENT_TYPES.join(', ') } });
  }
  if (lineNo === 1 && type !== 'meta') {
    throw TraceError.worded({ key: 'trace.metaFirst', params: { type } }, file, lineNo, colOf('type'), { key: 'trace.metaFirst.hint' });
  }
  if (lineNo !== 1 && type === 'meta') {
    throw TraceError.worded({ key: 'trace.metaOnlyFirst' }, file, lineNo, colOf('type'), { key: 'trace.metaOnlyFirst.hint' });
  }
  for (const spec of specs) {
    const v = rec[spec.key];
    if (v === undefined) {
      if (!spec.required) continue;
      throw TraceError.worded({ key: 'trace.missingField', params: { type, field: spec.key } }, file, lineNo, colOf(null), { key: 'trace.fields', params: { type, fields: fieldList(specs) } });
    }
    const want = kindMismatch(spec.kind, v);
    if (want !== null) {
      throw TraceError.worded({ key: 'trace.fieldKind', params: { field: spec.key, want: kindText(spec.kind), found: valueText(v) } }, file, lineNo, colOf(spec.key),
        { key: 'trace.fields', params: { type, fields: fieldList(specs) } });
    }
  }
  return rec as unknown as TraceEvent;
}

export interface TraceWriterOptions {
  /** Write to this file: to a temporary file beside it while running, renamed over it on close(). */
  file?: string;
  /** Keep the lines and events in memory as well (default true). */
  memory?: boolean;
}

/**
 * Streams events to a file and/or memory. The file appears complete or not at all: lines go to a
 * temporary file in the same directory (so the rename stays on one file system and is atomic), which
 * close() renames onto the target and abort() removes. Nothing is half-written on bad input (docs/trace-format.md).
 */
export class TraceWriter {
  private readonly out: AtomicFile | undefined;
  private pending = '';
  private readonly keep: boolean;
  private readonly memLines: string[] = [];
  private readonly memEvents: TraceEvent[] = [];
  private count = 0;
  private finished = false;

  /** Flush to the file once this many characters are pending: few system calls, bounded memory. */
  private static readonly FLUSH_CHARS = 64 * 1024;

  constructor(opts: TraceWriterOptions = {}) {
    this.keep = opts.memory ?? true;
    if (opts.file !== undefined) this.out = new AtomicFile(opts.file);
  }

  /** The file written, made absolute (undefined: memory only). */
  get file(): string | undefined {
    return this.out?.target;
  }

  /** The temporary file the lines go to until close(). */
  get tempFile(): string | undefined {
    return this.out?.temp;
  }

  /** Appends one event. The first must be the meta event. */
  write(ev: TraceEvent): void {
    if (this.finished) throw new Error('TraceWriter.write after close() or abort()');
    if ((this.count === 0) !== (ev.type === 'meta')) {
      throw new Error(this.count === 0 ? `the first trace event must be meta, got ${ev.type}` : 'meta may only be the first trace event');
    }
    const line = serializeEvent(ev);
    this.count++;
    if (this.keep) {
      this.memLines.push(line);
      this.memEvents.push(ev);
    }
    if (this.out !== undefined) {
      this.pending += line + '\n';
      if (this.pending.length >= TraceWriter.FLUSH_CHARS) {
        this.out.write(this.pending);
        this.pending = '';
      }
    }
  }

  /** Number of events written so far. */
  get length(): number {
    return this.count;
  }

  /** The lines kept in memory (without newlines). */
  lines(): readonly string[] {
    return this.memLines;
  }

  /** The events kept in memory, as given to write(). */
  events(): readonly TraceEvent[] {
    return this.memEvents;
  }

  /** The trace text kept in memory: exactly the bytes the file gets. */
  text(): string {
    return this.memLines.length === 0 ? '' : this.memLines.join('\n') + '\n';
  }

  /** Finishes the file: what is pending, fsync, rename onto the target. Idempotent. */
  close(): void {
    if (this.finished) return;
    this.finished = true;
    const last = this.pending;
    this.pending = '';
    this.out?.commit(last);
  }

  /** Gives up: the temporary file is removed and the target left as it was. Safe after close(). */
  abort(): void {
    this.finished = true;
    this.out?.abort();
  }
}

/** The JSON scanner's English words (lib/trace/json-scan.ts), matched to catalogue keys so that other languages can word them. */
const SCAN_WHERE: Record<string, MessageKey> = {
  'a value': 'trace.scan.value',
  'a "key" in double quotes': 'trace.scan.key',
  'a comma or a closing brace': 'trace.scan.commaBrace',
  'a comma or a closing bracket': 'trace.scan.commaBracket',
  'a colon after the key': 'trace.scan.colon',
};
const SCAN_FIXED: Record<string, MessageKey> = {
  'string not closed: the line ends before its closing quote': 'trace.scan.unclosed',
  'control character inside a string (write it as an escape such as \\n)': 'trace.scan.control',
  'bad \\u escape: four hex digits must follow': 'trace.scan.badU',
  'bad number': 'trace.scan.badNumber',
  'nesting too deep': 'trace.scan.deep',
};

function scanText(scan: { message: string }): Msg | string {
  const m = scan.message;
  if (Object.hasOwn(SCAN_FIXED, m)) return { key: SCAN_FIXED[m]! };
  let r = /^(the line ends|unexpected (".*")) where (.*) should be$/.exec(m);
  if (r && Object.hasOwn(SCAN_WHERE, r[3]!)) {
    const found: Msg = r[2] === undefined ? { key: 'trace.scan.lineEnds' } : { key: 'trace.scan.unexpected', params: { ch: r[2] } };
    return { key: 'trace.scan.where', params: { found, what: { key: SCAN_WHERE[r[3]!]! } } };
  }
  r = /^unexpected (".*") after the end of the object$/.exec(m);
  if (r) return { key: 'trace.scan.after', params: { ch: r[1]! } };
  r = /^bad escape (\\.*) inside a string$/.exec(m);
  if (r) return { key: 'trace.scan.badEscape', params: { esc: r[1]! } };
  return m;
}
