/**
 * The shell's wall clock: the one module that reads the system time (the lint bans `Date.now`
 * everywhere else). The deterministic core never imports it (dependency-cruiser): its time is
 * the block header's. Whatever must be simulated or tested takes a `Clock` instead.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
