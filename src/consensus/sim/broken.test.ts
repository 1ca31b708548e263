import { describe, expect, it } from "vitest";
import { SimulationFailure } from "./checker.js";
import { type RunOptions, runSchedule } from "./simulator.js";

/** The checker is not vacuous: a core with a deliberate bug must be caught on some seed. */
function firstFailure(options: RunOptions, seeds: number): SimulationFailure | undefined {
  for (let seed = 0; seed < seeds; seed++) {
    try {
      runSchedule(seed, options);
    } catch (error) {
      if (error instanceof SimulationFailure) return error;
      throw error;
    }
  }
  return undefined;
}

describe("the checker catches broken cores", () => {
  it("a quorum of half the power instead of two thirds", () => {
    const failure = firstFailure(
      {
        unsafeBug: "halfQuorum",
        shape: "n7-equal",
        forceBehaviors: ["equivocateProposal", "equivocateVotes"],
      },
      50,
    );
    expect(failure?.message).toMatch(
      /seed \d+: .*\n {2}replay: npx tsx src\/consensus\/sim\/cli\.ts --seed \d+/,
    );
  });

  it("ignoring locks (lines 23 and 29) breaks agreement", () => {
    const failure = firstFailure(
      { unsafeBug: "ignoreLocks", forceBehaviors: ["equivocateProposal", "equivocateVotes"] },
      400,
    );
    expect(failure?.details.property).toBe("agreement");
  });
});
