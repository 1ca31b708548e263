import { describe, expect, it } from "vitest";
import { Checker, SimulationFailure } from "./checker.js";
import { type RunOptions, runSchedule } from "./simulator.js";

/**
 * The checker is not vacuous: cores with deliberate bugs (a `Faults` object firing one `UnsafeBug` in the core) are caught.
 * The seeds are fixed, so these tests are deterministic; if the simulator's schedules change,
 * a bug may need a wider seed range to show up (the assertion says so).
 */
function failures(
  options: RunOptions,
  seeds: number,
  stopAt: (f: SimulationFailure) => boolean,
): SimulationFailure[] {
  const found: SimulationFailure[] = [];
  for (let seed = 0; seed < seeds; seed++) {
    try {
      runSchedule(seed, options);
    } catch (error) {
      if (!(error instanceof SimulationFailure)) throw error;
      found.push(error);
      if (stopAt(error)) break;
    }
  }
  return found;
}

describe("the checker catches broken cores", () => {
  it("a quorum of half the power instead of two thirds", () => {
    const found = failures(
      {
        unsafeBug: "halfQuorum",
        shape: "n7-equal",
        forceBehaviors: ["equivocateProposal", "equivocateVotes"],
      },
      50,
      () => true,
    );
    expect(found.length, "no seed in 0..49 caught the half-quorum core").toBe(1);
    expect(found[0]?.message).toMatch(
      /^seed \d+: .*\n {2}replay: npx tsx src\/consensus\/sim\/cli\.ts --seed \d+/,
    );
  });

  it("forgetting locks and valid values (amnesia) breaks agreement on some seed", () => {
    const isAgreement = (f: SimulationFailure) => f.details.property === "agreement";
    const found = [
      ...failures(
        { unsafeBug: "amnesia", shape: "n7-equal", forceBehaviors: ["equivocateVotes"] },
        600,
        isAgreement,
      ),
      ...failures(
        { unsafeBug: "amnesia", shape: "n7", forceBehaviors: ["equivocateVotes"] },
        600,
        isAgreement,
      ),
    ];
    expect(found.some(isAgreement), "no agreement violation found in seeds 0..599: widen the range").toBe(
      true,
    );
  });

  it("a restore that forgets our precommits makes a restarted node sign a second one", () => {
    const found = failures({ unsafeBug: "walForgetsPrecommits" }, 200, () => true);
    expect(found[0]?.details.property, "no seed in 0..199 caught the forgetful WAL").toBe("no-double-sign");
  });

  it("agreement: two correct nodes committing different values at one height", () => {
    // Drive the checker directly with two conflicting commits (no certificate check needed here).
    const checker = new Checker(
      {
        initialHeight: 1,
        genesisTimeMs: 0,
        validatorsAt: () => {
          throw new Error("unused");
        },
        isSigned: () => true,
      },
      () => true,
      false,
    );
    const cert = (valueId: string) => {
      const payload = new TextEncoder().encode(
        JSON.stringify({ h: 1, r: 0, proposer: "v0", timeMs: 0, last: null }),
      );
      return {
        height: 1,
        round: 0,
        proposal: {
          type: "proposal" as const,
          height: 1,
          round: 0,
          value: { valueId, payload },
          validRound: -1,
          proposer: "v0",
        },
        precommits: [],
        blockTimeMs: 0,
      };
    };
    checker.onCommit("v1", cert("aa"));
    expect(() => checker.onCommit("v2", cert("bb"))).toThrow(/agreement/);
  });
});
