/** Resource limits and defaults of the scenario format: a scenario is a hand-written file; anything past these is a mistake or an attack. */

export const MAX_SOURCE_BYTES = 1024 * 1024;
export const MAX_STEPS = 100_000;
/** The longest run: `until` at most 24 h of virtual time (a keep-alive story needs a little over 2 h). */
export const MAX_UNTIL_MS = 24 * 3_600_000;
/**
 * All `send` steps of a scenario together: 16 GiB. A large `send N` is made as the connection takes it, so
 * this bounds the length of a run (16 GiB is over two minutes of virtual time at 1 Gbit/s), not memory.
 */
export const MAX_SEND_BYTES = 16 * 1024 * 1024 * 1024;
export const DEFAULT_UNTIL_MS = 10 * 60_000;
export const DEFAULT_SEED = 1;

/** Error codes an application can see (Node's names), for `expect: errors:`. */
export const ERROR_CODES = [
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EADDRINUSE', 'EADDRNOTAVAIL', 'EMFILE', 'EISCONN', 'ENOTCONN',
] as const;

