/**
 * Assertions for any test runner (ava, node:test, ...): each checks the world's run so far in the
 * scenario file's notation and throws ExpectationError, whose message holds what differs and the
 * ladder diagram of the run, when it does not hold.
 */
import type { TcpStateName } from '../trace/events.ts';
import type { World } from './world.ts';

/** Every segment sent, in order, one a line (`client > server  S  seq 0`; `...` for any number). */
export function expectSegments(world: World, lines: string): void {
  world.expect({ segments: lines });
}

/** Per host, the states its first connection passed through: `{ client: 'CLOSED SYN-SENT ESTABLISHED ...' }`. */
export function expectStates(world: World, states: Record<string, string | readonly TcpStateName[]>): void {
  world.expect({ states });
}

/** Per host, what its applications read: exact text, or a byte count. */
export function expectDelivered(world: World, delivered: Record<string, string | number>): void {
  world.expect({ delivered });
}

/** Per host, an error code its application saw (ECONNRESET, ...). */
export function expectErrors(world: World, errors: Record<string, string>): void {
  world.expect({ errors });
}
