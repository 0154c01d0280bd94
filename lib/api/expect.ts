/**
 * The scenario file's `expect:` notation, from code: the same checks (lib/scenario/expect.ts) on a
 * world's trace, and assertion helpers that throw, with the run's ladder, when one fails. A thrown
 * error is what ava, node:test, Jest and Mocha all report as a failed test, so the helpers need none
 * of them.
 */
import { checkDelivered, checkErrors, checkStates, matchSegments, type ExpectResult } from '../scenario/expect.ts';
import { parseSegmentLine } from '../scenario/segments.ts';
import { ScenarioError } from '../scenario/errors.ts';
import type { ExpectPlan, SegmentPattern } from '../scenario/plan.ts';
import { TCP_STATES, type SegmentEvent, type TcpStateName, type TimedEvent } from '../trace/events.ts';

export type { ExpectResult };

/** What a run should have done, written as in a scenario file's `expect:` section. */
export interface Expectations {
  /**
   * Per host: every state its first connection passed through, in order, as one string
   * (`'CLOSED SYN-SENT ESTABLISHED'`) or a list.
   */
  states?: Record<string, string | readonly TcpStateName[]>;
  /**
   * Every segment sent, in order, one a line: `client > server  S  seq 0`, `server > client  S.  ack 1`;
   * fields left out are not checked, and a line `...` stands for any number of segments.
   */
  segments?: string;
  /** Per host: what its applications read, all connections together: the exact text, or a byte count. */
  delivered?: Record<string, string | number>;
  /** Per host: an error code its application saw (ECONNREFUSED, ECONNRESET, ETIMEDOUT, EPIPE, ...). */
  errors?: Record<string, string>;
}

/** A segment pattern or expectation written wrong: which text, where in it, and what would be right. */
export class PatternError extends Error {
  override name = 'PatternError';
  constructor(
    /** The text's name: 'segments', 'states.client', or the pattern itself in quotes. */
    readonly where: string,
    /** 1-based line and column in that text. */
    readonly line: number,
    readonly col: number,
    message: string,
    readonly hint?: string,
  ) {
    super(`${where}:${line}:${col}: ${message}${hint === undefined ? '' : `\n  hint: ${hint}`}`);
  }
}

/** What the checks need from a run: its hosts, its trace, and what each host's applications read and saw. */
export interface Checkable {
  readonly hostNames: readonly string[];
  readonly events: readonly TimedEvent[];
  delivered(): Record<string, Buffer>;
  errors(): Record<string, string[]>;
  hostOfAddress(addrPort: string): string | undefined;
}

const AT = { line: 1, col: 1 };

/** Segment lines in the expectation notation, parsed ("pattern" names the text in errors). */
export function parseSegments(text: string, hostNames: readonly string[], what = 'segments'): SegmentPattern[] {
  const out: SegmentPattern[] = [];
  text.split('\n').forEach((line, i) => {
    let p: SegmentPattern | undefined;
    try {
      p = parseSegmentLine({ text: line, pos: (col) => ({ line: i + 1, col: col + 1 }) }, hostNames, (pos, m, h) => new ScenarioError(what, pos.line, pos.col, m, h));
    } catch (err) {
      if (!(err instanceof ScenarioError)) throw err;
      throw new PatternError(err.file, err.line, err.col, err.message, err.hint);
    }
    if (p) out.push(p);
  });
  return out;
}

function parseStates(host: string, v: string | readonly TcpStateName[]): TcpStateName[] {
  const words = typeof v === 'string' ? v.split(/[\s,]+/).filter((w) => w !== '') : [...v];
  if (words.length === 0) throw new PatternError(`states.${host}`, 1, 1, `the list of states for ${host} is empty`, 'list the states, e.g. CLOSED SYN-SENT ESTABLISHED');
  for (const w of words) {
    if (!(TCP_STATES as readonly string[]).includes(w)) {
      throw new PatternError(`states.${host}`, 1, 1, `"${w}" is not a TCP state`, `the states are ${TCP_STATES.join(' ')}`);
    }
  }
  return words as TcpStateName[];
}

function checkHost(section: string, host: string, names: readonly string[]): void {
  if (!names.includes(host)) throw new PatternError(section, 1, 1, `${section} names unknown host "${host}"`, `the hosts are ${names.join(', ')}`);
}

/** Every expectation checked against the run so far, one result each (the command line's, as data). */
export function checkExpectations(run: Checkable, e: Expectations): ExpectResult[] {
  const names = run.hostNames;
  const plan: ExpectPlan = {};
  if (e.states) {
    plan.states = {};
    for (const [host, v] of Object.entries(e.states)) {
      checkHost('states', host, names);
      plan.states[host] = { states: parseStates(host, v), pos: AT };
    }
  }
  if (e.delivered) {
    plan.delivered = {};
    for (const [host, v] of Object.entries(e.delivered)) {
      checkHost('delivered', host, names);
      plan.delivered[host] = typeof v === 'number' ? { bytes: v, pos: AT } : { text: v, pos: AT };
    }
  }
  if (e.errors) {
    plan.errors = {};
    for (const [host, code] of Object.entries(e.errors)) {
      checkHost('errors', host, names);
      plan.errors[host] = { code, pos: AT };
    }
  }
  const out: ExpectResult[] = [];
  if (plan.states) out.push(...checkStates(plan.states, run.events));
  if (e.segments !== undefined) out.push(matchSegments(parseSegments(e.segments, names), run.events, (a) => run.hostOfAddress(a)));
  if (plan.delivered) out.push(...checkDelivered(plan.delivered, run.delivered()));
  if (plan.errors) out.push(...checkErrors(plan.errors, run.errors()));
  // Results carry no position: there is no file, and the detail names the line of the text.
  return out.map(({ id, what, ok, detail }) => ({ id, what, ok, detail }));
}

/** True when one transmitted segment fits one pattern line. */
export function segmentMatches(pattern: SegmentPattern, ev: SegmentEvent, hostOf: (addrPort: string) => string | undefined): boolean {
  return matchSegments([pattern], [ev], hostOf).ok;
}

/** An expectation did not hold: `results` are the checks, `ladder` the run drawn (also in the message). */
export class ExpectationError extends Error {
  override name = 'ExpectationError';
  /** As node:assert's errors, so test runners show it as an assertion that failed. */
  readonly code = 'ERR_ASSERTION';
  declare readonly results: readonly ExpectResult[];
  declare readonly ladder: string;
  constructor(results: readonly ExpectResult[], ladder: string) {
    const failed = results.filter((r) => !r.ok);
    super(`${failed.map((r) => `✘ ${r.what}\n  ${r.detail}`).join('\n')}\n\nthe run (virtual time, ms):\n${ladder}`);
    // Not enumerable: test runners print an error's own properties, and the message holds both already.
    Object.defineProperty(this, 'results', { value: results, enumerable: false });
    Object.defineProperty(this, 'ladder', { value: ladder, enumerable: false });
  }
}
