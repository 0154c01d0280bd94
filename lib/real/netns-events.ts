/**
 * Steps on events (`on: "HOST EVENT"`, lib/scenario/events.ts) on the kernel's side of `tcpemu real`.
 * The agents report each application event (connected, accepted, data read, end-of-stream, closed,
 * error) and each state change they read from their namespace's socket table as it happens
 * (KernelRunOptions.onEvent); here they go through the model's own watcher, EventSteps, which decides
 * which steps they start and when (`after:`), and the steps go to their agents in the order they
 * fire, each waited for.
 *
 * - A step on an event acts on the event's connection when it names none, as in the model. A name
 *   given with `connect ... as NAME` is known once the agent has answered that connect (with the id).
 * - While such a step runs, the link's clock is held (RealTimeScheduler.hold): in the model the step
 *   runs at the event's instant, before anything else arrives.
 * - When the run ends is lib/real/run-end.ts's rule, the same with steps on events as without: this
 *   tells it whether every step on an event has run and whether one is still running. A step whose
 *   event never came fails at its line, as in the model.
 */
import { EventSteps } from '../scenario/events.ts';
import type { Host, HostTracer } from '../host/host.ts';
import type { Command, ScenarioPlan, StepPlan } from '../scenario/plan.ts';
import type { LiveEvent } from './kernel.ts';
import type { RealTimeScheduler } from './realtime.ts';

const NO_TRACER: HostTracer = { segment: () => {}, state: () => {}, app: () => {} };

export interface KernelEventSteps {
  /** The model's watcher, fed with the kernel's events. */
  steps: EventSteps;
  /** An agent's report of an event. */
  hear(e: LiveEvent): void;
  /** Every step on an event has run. */
  allRan(): boolean;
  /** No step on an event is running or waiting for its `after:`. */
  idle(): boolean;
  /** Throws what a step's agent threw, if it did. */
  check(): void;
  /** At the run's end: the steps not yet due are dropped, the one running is waited for; throws what a step's agent threw. */
  finish(): Promise<void>;
}

export function kernelEventSteps(
  plan: ScenarioPlan, rt: RealTimeScheduler, now: () => number, ask: (step: StepPlan) => Promise<void>,
  connId: (host: string, name: string) => string | undefined, maxRunMs = 120_000,
): KernelEventSteps {
  let eventT: number | undefined;
  const timers = new Set<NodeJS.Timeout>();
  let chain: Promise<void> = Promise.resolve();
  let pending = 0;
  let failure: unknown;
  const untilMs = Math.min(plan.untilMs, maxRunMs);
  const steps = new EventSteps(plan.onSteps ?? [], {
    at: (t, fn) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        fn();
      }, Math.max(0, t - now()));
      timers.add(timer);
    },
    // An event's time is when the agent saw it: `after:` counts from there, not from when it reached here.
    get now() { return eventT ?? now(); },
    connId,
    exec: (step, conn) => {
      const c = step.command;
      // The kernel's connection ids are c1, c2, ... per host (KernelRun.adopt); a passive connection not yet accepted has none.
      const onConn = conn !== undefined && /^c\d+$/.test(conn) && c.op !== 'listen' && c.op !== 'connect' && !('conn' in c && c.conn !== undefined);
      const run = onConn ? { ...step, command: { ...c, conn } as Command } : step;
      pending++;
      const release = onConn ? rt.hold() : undefined;
      chain = chain.then(() => ask(run)).catch((err: unknown) => { failure ??= err; }).finally(() => {
        release?.();
        pending--;
      });
    },
    untilMs,
  });
  const tracer = steps.tracer(NO_TRACER);
  return {
    steps,
    hear(e) {
      const host = { name: e.host } as Host;
      eventT = e.t;
      try {
        if (e.type === 'state') {
          tracer.state(host, e.conn, 'CLOSED', e.to, 'read from the socket table');
        } else {
          tracer.app(host, e.conn, e.event, e.bytes, e.error);
        }
      } finally {
        eventT = undefined;
      }
    },
    allRan: () => steps.neverRan().length === 0,
    idle: () => pending === 0 && timers.size === 0,
    check() {
      if (failure) throw failure;
    },
    async finish() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await chain;
      if (failure) throw failure;
    },
  };
}
