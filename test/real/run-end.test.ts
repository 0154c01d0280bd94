/**
 * When a run through the namespaces ends (lib/real/run-end.ts): one rule with steps on events or without.
 * The clocks here are made up; each case ends within a few of the rule's 50 ms looks.
 */
import test from 'ava';
import { ConnectionStates, GIVE_UP_QUIET_MS, QUIET_MS, untilRunEnds } from '../../lib/real/run-end.ts';
import type { TcpStateName } from '../../lib/trace/events.ts';

function states(...s: TcpStateName[]): ConnectionStates {
  const c = new ConnectionStates();
  s.forEach((to, i) => c.hear({ t: 0, type: 'state', host: 'h', conn: `c${i}`, to, tuple: `10.0.0.1:${i}>10.0.0.2:80` }));
  return c;
}

test('every connection CLOSED or in TIME-WAIT ends the run at once (after the settle time); one still open waits for the link to go quiet', async (t) => {
  const base = { now: () => 500, untilMs: 60_000, quietMs: () => 0 };
  t.is(await untilRunEnds({ ...base, states: states('TIME-WAIT', 'CLOSED') }, 0), 'over');
  // The last report of a connection is what counts: ESTABLISHED, then CLOSED.
  const c = states('ESTABLISHED');
  c.hear({ t: 1, type: 'state', host: 'h', conn: 'c0', to: 'CLOSED', tuple: '10.0.0.1:0>10.0.0.2:80' });
  t.is(await untilRunEnds({ ...base, states: c }, 0), 'over');
  let quiet = 0;
  const open = untilRunEnds({ ...base, quietMs: () => (quiet += 300), states: states('TIME-WAIT', 'LAST-ACK') }, 0);
  t.is(await open, 'quiet');
  t.true(quiet > QUIET_MS);
  // No connection seen at all (a refused connect too brief for the table): the quiet ends it.
  t.is(await untilRunEnds({ ...base, quietMs: () => QUIET_MS + 1, states: new ConnectionStates() }, 0), 'quiet');
});

test('a step still waiting for its event keeps the run going through a quiet link, until it gives up; the scenario\'s until ends it first', async (t) => {
  let quiet = 0;
  const waiting = { now: () => 500, untilMs: 60_000, quietMs: () => (quiet += 2000), states: states('CLOSED'), allRan: () => false, idle: () => true };
  t.is(await untilRunEnds(waiting, 0), 'gave up');
  t.true(quiet > GIVE_UP_QUIET_MS);
  t.is(await untilRunEnds({ ...waiting, now: () => 60_000 }, 0), 'until');
  // A step running (its agent not yet answered): not over, even with every connection closed.
  let looks = 0;
  const running = untilRunEnds({ now: () => 500, untilMs: 60_000, quietMs: () => 0, states: states('CLOSED'), idle: () => ++looks > 3 }, 0);
  t.is(await running, 'over');
  t.is(looks, 4);
  // What a step's agent threw ends the wait with it.
  await t.throwsAsync(untilRunEnds({ now: () => 0, untilMs: 1, quietMs: () => 0, states: states(), check: () => { throw new Error('agent gone'); } }, 0), { message: 'agent gone' });
});
