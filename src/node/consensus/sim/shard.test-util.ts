import { expect } from "vitest";
import { SimulationFailure } from "./checker.js";
import { type EngineFaultCounts, noFaultCounts, REPLAY, runEngineSchedule } from "./simulator.js";

/**
 * `npm test` runs engine seeds 0..999 in four files of 250 (vitest runs files in parallel).
 * Each file checks every seed, then that every kind of fault really happened among its seeds,
 * so the checker was not watching an idle network.
 */
export const SEEDS_PER_SHARD = 250;

export async function checkEngineShard(shard: number): Promise<void> {
  const start = shard * SEEDS_PER_SHARD;
  const failures: string[] = [];
  const totals = noFaultCounts();
  let heights = 0;
  const started = performance.now();
  for (let seed = start; seed < start + SEEDS_PER_SHARD; seed++) {
    // Let the test worker answer its runner between seeds (a long synchronous loop times it out).
    await new Promise((resolve) => setImmediate(resolve));
    try {
      const result = runEngineSchedule(seed);
      heights += result.heights;
      for (const key of Object.keys(totals) as (keyof EngineFaultCounts)[]) totals[key] += result.faults[key];
    } catch (error) {
      if (!(error instanceof SimulationFailure))
        throw new Error(`seed ${seed} crashed the engine simulator; replay: ${REPLAY} ${seed}`, {
          cause: error,
        });
      failures.push(error.message);
    }
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `engine seeds ${start}..${start + SEEDS_PER_SHARD - 1}: ${heights} heights, ${seconds} s, faults ${JSON.stringify(totals)}`,
  );
  expect(failures, failures.slice(0, 3).join("\n")).toEqual([]);
  for (const key of Object.keys(totals) as (keyof EngineFaultCounts)[])
    expect(totals[key], `no ${key} in seeds ${start}..`).toBeGreaterThan(0);
}
