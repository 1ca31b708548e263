import { Prng } from "../../src/consensus/sim/prng.js";

/**
 * A stretch of one seed's inputs: inputs `from` to `from + count - 1`. Input `index` comes from a
 * generator of its own (`inputPrng`), so any stretch is made without the inputs before it: a long
 * run splits into shards, run one after another or resumed after a stop, that together are exactly
 * the run of the whole, and one failing input is replayed alone (`--from INDEX --inputs 1`).
 */
export interface Shard {
  readonly seed: number;
  readonly from: number;
  readonly count: number;
}

/** Inputs done and failures found so far in a shard. */
export interface Progress {
  readonly done: number;
  readonly failures: number;
}

/** The generator of input `index` of `seed`'s run: distinct for every index below 2^32 (an odd multiplier is a bijection). */
export function inputPrng(seed: number, index: number): Prng {
  return new Prng((seed ^ Math.imul(index, 0x9e3779b1)) >>> 0);
}

/** At most this many failures are collected; a run stops at the 20th (each is a bug to fix first). */
export const MAX_FAILURES = 20;

/** Calls `report` with the progress at most every `everyMs` (reading the clock is cheap beside an input). */
export function progressReporter(
  everyMs: number,
  report: ((progress: Progress) => void) | undefined,
): (progress: Progress) => void {
  if (report === undefined) return () => {};
  let next = performance.now() + everyMs;
  return (progress) => {
    const now = performance.now();
    if (now < next) return;
    next = now + everyMs;
    report(progress);
  };
}
