/**
 * The words every view uses for the same things (issue 27): the terminal ladder, the states view,
 * the summary and the HTML report all take their text from these tables, so a reader never meets
 * `connected` in one and `connect` in another. Each table is keyed by what the trace records (an
 * app event, a `why`, a summary field), so a translation replaces the values and keeps the keys.
 *
 * `{n}` in a phrase is a byte count and `{error}` an error code, filled in by `phrase`.
 */
import type { AppEvent } from '../events.ts';

/** What the application did or saw, by app event kind (events.ts `AppEvent.event`). */
export const APP_WORDS: Readonly<Record<AppEvent['event'], string>> = {
  listen: 'listen',
  open: 'connect',
  connect: 'connected',
  accept: 'accepted',
  send: 'send {n} B',
  data: 'read {n} B',
  read: 'read request {n} B',
  end: 'end of stream',
  shutdown: 'shutdown',
  'close-req': 'close',
  close: 'closed',
  abort: 'abort',
  error: 'error {error}',
};

/** A read request with no byte count asks for everything there is. */
export const READ_ALL = 'read request all';

/**
 * Why a segment was sent, by the `why` of its tx event: `short` goes on a ladder arrow, `long` in
 * the page's tooltip. A `why` missing from this table is printed as the trace wrote it.
 */
export const WHY_WORDS: Readonly<Record<string, { short: string; long: string }>> = {
  rto: { short: 'rto', long: 'the retransmission timer expired' },
  'fast-retransmit': { short: 'fast-retransmit', long: 'three duplicate ACKs (fast retransmit)' },
  'dup-syn': { short: 'dup-syn', long: 'answer to a repeated SYN' },
  persist: { short: 'window probe', long: 'window probe (persist timer)' },
  keepalive: { short: 'keepalive', long: 'keepalive probe' },
  delack: { short: 'delayed ack', long: 'the delayed-ACK timer expired' },
  'challenge-ack': { short: 'challenge ack', long: 'challenge ACK (RFC 5961)' },
  'window-update': { short: 'window update', long: 'window update' },
  reset: { short: 'reset', long: 'reset in answer to a segment with no connection' },
  abort: { short: 'abort', long: 'the application aborted the connection' },
};

/** Words around the numbers, shared by the summaries, titles and legends of every view. */
export const TERMS = {
  scenario: 'scenario',
  seed: 'seed',
  noSeed: 'no seed (not a tcpemu run)',
  noStates: 'no TCP states (a capture records segments only)',
  host: 'host',
  segments: 'segments',
  dataSent: 'data sent',
  delivered: 'delivered',
  retransmissions: 'retransmissions',
  rtx: 'rtx',
  drops: 'drops',
  finalState: 'final state',
  expectations: 'expectations',
  dropped: 'dropped',
  notReceived: 'not received',
  duplicate: 'dup',
  expires: 'expires',
  listenState: 'LISTEN',
} as const;

/** The legend of the terminal ladder, in the same words as the arrows. */
export const LADDER_LEGEND = 'legend: ms sent at left, received by the arrowhead · ✕ dropped · (rtx) resent · CAPS: state entered';

export function phrase(template: string, n: number | undefined, error?: string): string {
  return template.replace('{n}', String(n ?? 0)).replace('{error}', error ?? '').trimEnd();
}

/** The words for an application event, as every view prints them. */
export function appWords(e: Pick<AppEvent, 'event' | 'bytes' | 'error'>): string {
  if (e.event === 'read' && e.bytes === undefined) return READ_ALL;
  return phrase(APP_WORDS[e.event], e.bytes, e.error);
}

/** The mark after a ladder label: `(rtx: rto)`, `(rtx)`, `(window probe)`, or '' for a plain segment. */
export function sendMark(s: { retransmit?: boolean; why?: string; forged?: boolean }): string {
  // Written by the scenario (link: inject), not by a host's TCP.
  if (s.forged === true) return '(forged)';
  const short = s.why !== undefined ? (WHY_WORDS[s.why]?.short ?? s.why) : undefined;
  if (s.retransmit === true) return short !== undefined ? `(rtx: ${short})` : '(rtx)';
  if (s.why === 'persist' || s.why === 'keepalive') return `(${short})`;
  return '';
}

/** Retransmissions counted by why, in the short words, most first: `fast-retransmit 10, rto 4`. */
export function whyCounts(counts: ReadonlyMap<string, number>): string {
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([why, n]) => `${why === '' ? 'unexplained' : (WHY_WORDS[why]?.short ?? why)} ${n}`)
    .join(', ');
}

/** A sentence for the tooltip: why this segment was sent (or resent). */
export function whyLong(s: { retransmit?: boolean; why?: string }): string | undefined {
  const long = s.why !== undefined ? (WHY_WORDS[s.why]?.long ?? s.why) : undefined;
  if (s.retransmit === true) return long !== undefined ? `retransmission: ${long} (${s.why})` : 'retransmission';
  return long !== undefined ? `why: ${long} (${s.why})` : undefined;
}
