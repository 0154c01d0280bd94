/**
 * When a run through the namespaces ends: one rule for every scenario, with steps on events or
 * without (lib/real/netns-link.ts; the steps on events are lib/real/netns-events.ts's).
 *
 * After the timed steps (and the settle time after the last of them, runSteps), the run goes on until
 * - nothing is left to do: every step on an event has run and none is still running, and
 * - the conversations are over: every connection the agents reported (their socket tables, read as the
 *   run goes) is CLOSED or in TIME-WAIT; then the settle time once more, for what is still on its way;
 *   or the link has been quiet for QUIET_MS: a connection left open (a story that never closes, a peer
 *   gone quiet) ends the run that way;
 * and at the latest at the scenario's `until` (bounded by the kernel run's bound). With steps still
 * waiting for their events the run gives up after GIVE_UP_QUIET_MS without a packet; those steps then
 * fail at their lines, as in the model.
 */
import type { LiveEvent } from './kernel.ts';
import type { TcpStateName } from '../trace/events.ts';

/** With every step run, the run ends after this long without a packet on the link (ms). */
export const QUIET_MS = 1000;
/** With steps still waiting for their events, the run gives up after this long without a packet (ms). */
export const GIVE_UP_QUIET_MS = 10_000;

/** The last state each connection was read in, by host and 4-tuple, from the agents' state events. */
export class ConnectionStates {
  private readonly states = new Map<string, TcpStateName>();

  hear(e: LiveEvent): void {
    if (e.type === 'state' && e.tuple) this.states.set(`${e.host} ${e.tuple}`, e.to);
  }

  /** Some connection was seen, and every one seen is CLOSED or in TIME-WAIT. */
  allOver(): boolean {
    return this.states.size > 0 && [...this.states.values()].every((s) => s === 'CLOSED' || s === 'TIME-WAIT');
  }
}

export interface RunEndWatch {
  /** The steps' clock (ms since the start). */
  now: () => number;
  untilMs: number;
  /** How long since the link last carried a packet (ms). */
  quietMs: () => number;
  states: ConnectionStates;
  /** Every step on an event has run (true without such steps). */
  allRan?: () => boolean;
  /** No step on an event is running or scheduled (true without such steps). */
  idle?: () => boolean;
  /** Throws what a step's agent threw, if it did. */
  check?: () => void;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));

/** Waits for the end of the run (see the file comment); resolves with why it ended. */
export async function untilRunEnds(w: RunEndWatch, settleMs: number): Promise<'over' | 'quiet' | 'until' | 'gave up'> {
  for (;;) {
    w.check?.();
    if (w.now() >= w.untilMs) return 'until';
    const idle = w.idle?.() ?? true;
    const allRan = w.allRan?.() ?? true;
    if (idle && allRan && w.states.allOver()) {
      await sleep(Math.min(settleMs, w.untilMs - w.now()));
      w.check?.();
      return 'over';
    }
    if (idle && allRan && w.quietMs() > QUIET_MS) return 'quiet';
    if (idle && w.quietMs() > GIVE_UP_QUIET_MS) return 'gave up';
    await sleep(50);
  }
}
