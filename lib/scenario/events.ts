/**
 * Steps on events (docs/scenario-format.md, "Steps on events"): a step with `on: "HOST EVENT"` instead
 * of `at:` runs when the host's connection enters a state or its application sees something, `after:`
 * a delay, once (or `every: true` each time). This file holds the small language of `on:`, the checks
 * of the three keys, and the watcher that sees the hosts' events during a run and schedules the steps.
 *
 * The watcher sits between the hosts and the trace recorder (watchTracer): it forwards every call
 * unchanged, so a scenario's trace is the same with or without it, and it never runs a step from inside
 * a host's call: a step is scheduled on the clock (at now + after, after what is already due now), as
 * the hosts' own contract asks (host.ts, HostOptions.transmit).
 */
import type { Host, HostTracer } from '../host/host.ts';
import { TCP_STATES, type TcpStateName } from '../trace/events.ts';
import { ERROR_CODES } from './limits.ts';
import { nearest, withUnitText, wordedErr } from './source.ts';
import type { StepPlan } from './plan.ts';
import { expectResult, type ExpectResult } from './expect.ts';
import { word, type MessageKey, type Msg } from '../i18n/index.ts';
import { parseDuration, formatDuration, UnitError } from './units.ts';
import type { ScenarioError } from './errors.ts';

/** What an application sees, in the scenario's words, and the trace's app event each one is. */
export const APP_EVENTS = {
  'connected': 'connect',
  'accepted': 'accept',
  'readable': 'data',
  'end-of-stream': 'end',
  'closed': 'close',
  'error': 'error',
} as const;
type AppWord = keyof typeof APP_EVENTS;
const APP_WORDS = Object.keys(APP_EVENTS) as AppWord[];
/** Every event word `on:` takes, for hints. */
export const EVENT_WORDS: readonly string[] = [...TCP_STATES, ...APP_WORDS, 'read'];
export const ON_USAGE = word('en', { key: 'on.usage' });
const USAGE: Msg = { key: 'on.usage' };

export type EventSpec =
  | { kind: 'state'; state: TcpStateName }
  | { kind: 'app'; word: AppWord; code?: string }
  | { kind: 'read'; bytes: number };

export interface OnPlan {
  host: string;
  /** A connection id (c2) or a name given with `connect ... as NAME`; any of the host's connections when absent. */
  conn?: string;
  event: EventSpec;
  afterMs: number;
  every: boolean;
  /** The `on:` text as written. */
  text: string;
}

/** The keys a step on an event may have besides its host and command. */
export const EVENT_STEP_KEYS = ['on', 'after', 'every'] as const;

const HOST_CONN = /^([^\s@]+)(?:@([^\s@]*))?$/u;
const CONN_NAME = /^[\p{L}_][\p{L}\p{M}\p{N}_-]*$/u;

/** Words the event in the past tense says, for "never ran" ("server never entered CLOSE-WAIT"). */
export function describeEvent(on: Pick<OnPlan, 'host' | 'conn' | 'event'>): string {
  return word('en', eventWords(on, false));
}

/** The event an `on:` waits for, in words (issue 26): `client entered ESTABLISHED`, or with `never`, that it did not happen. */
function eventWords(on: Pick<OnPlan, 'host' | 'conn' | 'event'>, never: boolean): Msg {
  const who: Msg | string = on.conn === undefined ? on.host : { key: 'ev.whoConn', params: { host: on.host, conn: on.conn } };
  const e = on.event;
  const form = never ? 'ev.never.' : 'ev.';
  if (e.kind === 'state') return { key: `${form}entered` as MessageKey, params: { who, state: e.state } };
  if (e.kind === 'read') return { key: `${form}read` as MessageKey, params: { who, n: e.bytes } };
  if (e.word === 'error' && e.code) return { key: `${form}errorCode` as MessageKey, params: { who, code: e.code } };
  return { key: `${form}${e.word satisfies AppWord}` as MessageKey, params: { who } };
}

/**
 * Parses the text of `on:`. `err(idx, message, hint)` makes the error at character idx of the text.
 * Sizes go through `parseSize` (read 64k).
 */
export function parseOn(text: string, hosts: readonly string[], parseSize: (s: string) => number, err: (idx: number, m: string, h?: string) => ScenarioError): Omit<OnPlan, 'afterMs' | 'every'> {
  const words = [...text.matchAll(/\S+/g)].map((m) => ({ text: m[0], start: m.index! }));
  const fail = wordedErr(err);
  if (words.length === 0) throw fail(0, { key: 'on.empty' }, USAGE);
  const hc = HOST_CONN.exec(words[0].text);
  const hostText = hc ? hc[1] : words[0].text;
  if (!hosts.includes(hostText)) {
    const isEvent = EVENT_WORDS.includes(hostText);
    throw fail(words[0].start, { key: 'on.unknownHost', params: { host: hostText } },
      isEvent ? { key: 'on.h.hostFirst', params: { host: hosts[0]!, text: text.trim() } } : { key: 'sc.hostList', params: { names: hosts.join(', ') } });
  }
  const out: Omit<OnPlan, 'afterMs' | 'every'> = { host: hostText, event: { kind: 'state', state: 'CLOSED' }, text: text.trim() };
  if (hc && hc[2] !== undefined) {
    if (!CONN_NAME.test(hc[2])) throw fail(words[0].start + hostText.length, { key: 'on.badConn', params: { conn: hc[2] } }, { key: 'on.h.conn', params: { host: hostText } });
    out.conn = hc[2];
  }
  const ev = words[1];
  if (!ev) throw fail(text.length, { key: 'on.noEvent', params: { text: text.trim() } }, USAGE);
  const rest = words.slice(2);
  const noMore = (n: number) => {
    if (rest.length > n) throw fail(rest[n].start, { key: 'on.unexpected', params: { word: rest[n].text, ev: ev.text } }, USAGE);
  };
  if ((TCP_STATES as readonly string[]).includes(ev.text)) {
    noMore(0);
    out.event = { kind: 'state', state: ev.text as TcpStateName };
  } else if ((APP_WORDS as string[]).includes(ev.text)) {
    const word = ev.text as AppWord;
    if (word === 'error' && rest[0]) {
      if (!(ERROR_CODES as readonly string[]).includes(rest[0].text)) throw fail(rest[0].start, { key: 'sc.notErrorCode', params: { code: rest[0].text } }, { key: 'sc.oneOfColon', params: { list: ERROR_CODES.join(' ') } });
      noMore(1);
      out.event = { kind: 'app', word, code: rest[0].text };
    } else {
      noMore(0);
      out.event = { kind: 'app', word };
    }
  } else if (ev.text === 'read') {
    const n = rest[0];
    if (!n) throw fail(text.length, { key: 'on.readNeedsN' }, USAGE);
    let bytes: number;
    try {
      bytes = parseSize(n.text);
    } catch (e) {
      throw withUnitText(err(n.start, (e as UnitError).message, (e as UnitError).hint), e as UnitError);
    }
    if (bytes < 1) throw fail(n.start, { key: 'on.readAtLeast1' }, { key: 'on.h.read5' });
    noMore(1);
    out.event = { kind: 'read', bytes };
  } else {
    const upper = ev.text.toUpperCase();
    const near = (TCP_STATES as readonly string[]).includes(upper) ? upper : nearest(ev.text, EVENT_WORDS);
    throw fail(ev.start, { key: 'on.unknownEvent', params: { ev: ev.text } }, near ? { key: 'sc.didYouMean', params: { n: near, list: USAGE } } : USAGE);
  }
  return out;
}

/** Where each of the three keys is in the file, and a way to make an error there. */
export interface EventKeyContext {
  hosts: readonly string[];
  parseSize: (s: string) => number;
  /** An error at character idx of key's value (idx 0: the value itself), or at the step when the key is absent. */
  err: (key: string, idx: number, m: string, h?: string) => ScenarioError;
}

/** Checks `on:`, `after:` and `every:` of one step (raw: whichever of them it has). `hasAt`: the step also has `at:`. */
export function parseEventKeys(raw: Partial<Record<(typeof EVENT_STEP_KEYS)[number], unknown>>, hasAt: boolean, c: EventKeyContext): OnPlan | undefined {
  const fail = wordedErr((key: string, m, h) => c.err(key, 0, m, h));
  if (raw.on === undefined) {
    const stray = raw.after !== undefined ? 'after' : raw.every !== undefined ? 'every' : undefined;
    if (stray) throw fail(stray, { key: 'on.stray', params: { key: stray } }, { key: 'on.h.stray', params: { key: stray, v: stray === 'after' ? '10ms' : 'true' } });
    return undefined;
  }
  if (hasAt) throw fail('on', { key: 'on.atAndOn' }, { key: 'on.h.atAndOn' });
  if (typeof raw.on !== 'string') throw fail('on', { key: 'on.notText', params: { found: { key: raw.on === null ? 'sc.v.empty' : typeof raw.on === 'number' ? 'on.t.number' : typeof raw.on === 'boolean' ? 'on.t.boolean' : 'on.t.object' } } }, USAGE);
  const on = parseOn(raw.on, c.hosts, c.parseSize, (idx, m, h) => c.err('on', idx, m, h));
  let afterMs = 0;
  if (raw.after !== undefined) {
    try {
      afterMs = parseDuration(raw.after);
    } catch (e) {
      throw withUnitText(c.err('after', 0, `after: ${(e as UnitError).message}`, (e as UnitError).hint), e as UnitError, 'after');
    }
  }
  if (raw.every !== undefined && typeof raw.every !== 'boolean') throw fail('every', { key: 'on.every', params: { v: JSON.stringify(raw.every) } }, { key: 'on.h.every' });
  return { ...on, afterMs, every: raw.every === true };
}

// ---------------------------------------------------------------------------------------------
// During a run

export interface EventStepHooks {
  /** The clock the steps are scheduled on. */
  at(timeMs: number, fn: () => void): unknown;
  readonly now: number;
  /** The connection id that a host's connection name (`as NAME`, or an id) stands for now, if any. */
  connId(host: string, name: string): string | undefined;
  /** Runs the step now, on `conn` (the connection of the event) when the command names none. */
  exec(step: StepPlan, conn: string | undefined): void;
  untilMs: number;
}

interface Waiting {
  step: StepPlan & { on: OnPlan };
  /** Times it was scheduled, and run. */
  scheduled: number;
  ran: number;
  /** When the event first came, if it came. */
  cameAt?: number;
}

/**
 * Watches the hosts' events and schedules the steps waiting on them. Made only for a scenario that has
 * steps on events, so a scenario without them runs exactly as before.
 */
export class EventSteps {
  private readonly waiting: Waiting[];
  /** Bytes read per host and connection id, for `read N`. */
  private readonly readBytes = new Map<string, number>();

  constructor(steps: readonly StepPlan[], private readonly hooks: EventStepHooks) {
    this.waiting = steps.filter((s): s is StepPlan & { on: OnPlan } => s.on !== undefined).map((step) => ({ step, scheduled: 0, ran: 0 }));
  }

  /** The hosts' tracer, seen through this watcher: every call goes on to `inner` unchanged, first. */
  tracer(inner: HostTracer): HostTracer {
    const t: HostTracer = {
      segment: (...a) => inner.segment(...a),
      state: (host, conn, from, to, cause) => {
        inner.state(host, conn, from, to, cause);
        this.seen(host, conn, (e) => e.kind === 'state' && e.state === to);
      },
      app: (host, conn, event, bytes, error) => {
        inner.app(host, conn, event, bytes, error);
        if (event === 'data' && bytes !== undefined) {
          const key = `${host.name} ${conn}`;
          const before = this.readBytes.get(key) ?? 0;
          const after = before + bytes;
          this.readBytes.set(key, after);
          this.seen(host, conn, (e) => e.kind === 'read' && before < e.bytes && e.bytes <= after);
        }
        this.seen(host, conn, (e) => e.kind === 'app' && APP_EVENTS[e.word] === event && (e.code === undefined || e.code === error));
      },
    };
    if (inner.timer) t.timer = (...a) => inner.timer!(...a);
    if (inner.congestion) t.congestion = (...a) => inner.congestion!(...a);
    if (inner.undecodable) t.undecodable = (...a) => inner.undecodable!(...a);
    return t;
  }

  private seen(host: Host, conn: string, match: (e: EventSpec) => boolean): void {
    for (const w of this.waiting) {
      const on = w.step.on;
      if (on.host !== host.name || !match(on.event)) continue;
      if (on.conn !== undefined) {
        // A connection just accepted is not adopted yet (its 'connection' comes after this call): its id is its name.
        const id = this.hooks.connId(host.name, on.conn) ?? on.conn;
        if (id !== conn) continue;
      }
      w.cameAt ??= this.hooks.now;
      if (!on.every && w.scheduled > 0) continue;
      const t = this.hooks.now + on.afterMs;
      if (t > this.hooks.untilMs) continue;
      w.scheduled++;
      // The step acts on the event's connection when it is the same host's and names none.
      const target = w.step.target === host.name ? conn : undefined;
      this.hooks.at(t, () => {
        w.ran++;
        this.hooks.exec({ ...w.step, atMs: this.hooks.now }, target);
      });
    }
  }

  /** One failed result for each step on an event that never ran: the event never came, or came too late. */
  neverRan(): ExpectResult[] {
    const out: ExpectResult[] = [];
    for (const w of this.waiting) {
      if (w.ran > 0) continue;
      const on = w.step.on;
      const line = w.step.pos.line;
      const detail: Msg = w.cameAt === undefined
        ? { key: 'expect.d.neverRan', params: { line, event: eventWords(on, true) } }
        : { key: 'expect.d.cameTooLate', params: { line, event: eventWords(on, false), at: formatDuration(w.cameAt), after: formatDuration(on.afterMs), until: formatDuration(this.hooks.untilMs) } };
      out.push(expectResult(`step:${w.step.pos.line}:${w.step.pos.col}`, { key: 'expect.what.onStep', params: { step: w.step.text, on: on.text } }, false, [detail], w.step.pos));
    }
    return out;
  }
}
