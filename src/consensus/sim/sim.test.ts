import { describe, expect, it } from "vitest";
import { SimulationFailure } from "./checker.js";
import { Prng } from "./prng.js";
import { type FaultCounts, runSchedule } from "./simulator.js";

/** The fixed set: seeds 0..SEEDS-1. A failure names its seed and the command that replays it. */
const SEEDS = 5000;

describe("simulator: safety and liveness over seeded schedules", () => {
  it(`holds on ${SEEDS} schedules (n = 4 and 7, equal and unequal power, ≤ f Byzantine)`, () => {
    const failures: string[] = [];
    const totals: FaultCounts = {
      dropped: 0,
      duplicated: 0,
      partitions: 0,
      crashes: 0,
      byzantineNodes: 0,
      byzantineMessages: 0,
      evidence: 0,
      validatorSetChanges: 0,
      invalidProposals: 0,
    };
    let heights = 0;
    const started = performance.now();
    for (let seed = 0; seed < SEEDS; seed++) {
      try {
        const result = runSchedule(seed);
        heights += result.heights;
        for (const key of Object.keys(totals) as (keyof FaultCounts)[]) totals[key] += result.faults[key];
      } catch (error) {
        if (!(error instanceof SimulationFailure)) {
          throw new Error(
            `seed ${seed} crashed the simulator; replay: npx tsx src/consensus/sim/cli.ts --seed ${seed}`,
            {
              cause: error,
            },
          );
        }
        failures.push(error.message);
      }
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(`${SEEDS} schedules, ${heights} heights, ${seconds} s, faults ${JSON.stringify(totals)}`);
    expect(failures, failures.slice(0, 5).join("\n")).toEqual([]);
    // The faults really happened (the checker was not watching an idle network).
    for (const key of Object.keys(totals) as (keyof FaultCounts)[])
      expect(totals[key], key).toBeGreaterThan(0);
  });

  it("replays a seed exactly (one seed drives everything)", () => {
    const trace = (seed: number) => {
      const lines: string[] = [];
      const result = runSchedule(seed, { trace: (line) => lines.push(line) });
      return { result, lines };
    };
    const a = trace(42);
    const b = trace(42);
    expect(b.result).toEqual(a.result);
    expect(b.lines).toEqual(a.lines);
    expect(a.lines.length).toBeGreaterThan(100);
  });

  it("a proposer that lies about time cannot move block time outside the correct timestamps", () => {
    let rejected = 0;
    for (let seed = 0; seed < 100; seed++) {
      // The checker asserts every block's time is the BFT median, inside the correct voters' range.
      const result = runSchedule(seed, { forceBehaviors: ["lieTime"] });
      rejected += result.faults.invalidProposals;
    }
    expect(rejected).toBeGreaterThan(0); // its lying blocks were seen, and refused
  });

  it("survives equivocating proposers and voters together with floods", () => {
    for (let seed = 0; seed < 100; seed++) {
      runSchedule(seed, { forceBehaviors: ["equivocateProposal", "equivocateVotes", "flood"], shape: "n7" });
    }
  });
});

describe("prng", () => {
  it("is reproducible and roughly uniform", () => {
    const a = new Prng(7);
    const b = new Prng(7);
    const xs = Array.from({ length: 1000 }, () => a.int(10));
    expect(Array.from({ length: 1000 }, () => b.int(10))).toEqual(xs);
    for (let d = 0; d < 10; d++) expect(xs.filter((x) => x === d).length).toBeGreaterThan(60);
  });
});
