import { describe, expect, it } from "vitest";
import { proposer } from "./proposer.js";
import { ValidatorSet } from "./validatorSet.js";

describe("proposer (weighted round-robin)", () => {
  it("picks each validator in proportion to its power over a cycle", () => {
    const set = new ValidatorSet([
      { id: "a", power: 1n },
      { id: "b", power: 2n },
      { id: "c", power: 3n },
    ]);
    const counts = new Map<string, number>();
    for (let h = 0; h < 6 * 10; h++) {
      const p = proposer(set, h, 0);
      counts.set(p, (counts.get(p) ?? 0) + 1);
    }
    expect(Object.fromEntries(counts)).toEqual({ a: 10, b: 20, c: 30 });
  });

  it("spreads turns smoothly (no validator twice in a row when weights are equal)", () => {
    const set = new ValidatorSet(["a", "b", "c", "d"].map((id) => ({ id, power: 5n })));
    const order = [0, 1, 2, 3, 4, 5, 6, 7].map((h) => proposer(set, h, 0));
    expect(order).toEqual(["a", "b", "c", "d", "a", "b", "c", "d"]);
  });

  it("is a function of (set, height, round): a new round hands over to the next proposer", () => {
    const set = new ValidatorSet(["x", "y", "z"].map((id) => ({ id, power: 1n })));
    expect(proposer(set, 5, 1)).toBe(proposer(set, 6, 0));
    const same = new ValidatorSet(["z", "y", "x"].map((id) => ({ id, power: 1n })));
    expect(proposer(same, 5, 1)).toBe(proposer(set, 5, 1));
  });

  it("scales huge powers to a bounded cycle and still favours the heavy validator", () => {
    const set = new ValidatorSet([
      { id: "whale", power: 10n ** 30n },
      { id: "minnow", power: 10n ** 20n },
    ]);
    const picks = Array.from({ length: 1000 }, (_, h) => proposer(set, h, 0));
    expect(picks.filter((p) => p === "whale").length).toBeGreaterThan(990);
    expect(picks).toContain("whale");
  });
});
