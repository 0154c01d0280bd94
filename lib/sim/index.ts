/** The simulation clock layer: the discrete-event scheduler on virtual time and the seeded random source. */
export { Scheduler } from './scheduler.ts';
export { Random } from './random.ts';
