import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bftTime, voteTimestamp } from "./bftTime.js";
import type { Vote } from "./types.js";
import { ValidatorSet } from "./validatorSet.js";

function precommit(validator: string, timestampMs: number): Vote {
  return { type: "precommit", height: 1, round: 0, valueId: "aa", validator, timestampMs };
}

describe("bftTime", () => {
  const set = new ValidatorSet([
    { id: "a", power: 1n },
    { id: "b", power: 1n },
    { id: "c", power: 1n },
    { id: "d", power: 1n },
  ]);

  it("is the median timestamp, weighted by power", () => {
    expect(bftTime([precommit("a", 10), precommit("b", 30), precommit("c", 20)], set)).toBe(20);
    const weighted = new ValidatorSet([
      { id: "a", power: 5n },
      { id: "b", power: 1n },
      { id: "c", power: 1n },
    ]);
    expect(bftTime([precommit("a", 100), precommit("b", 1), precommit("c", 2)], weighted)).toBe(100);
  });

  it("ignores unknown validators and repeated votes", () => {
    expect(
      bftTime([precommit("a", 10), precommit("a", 99), precommit("x", 99), precommit("b", 20)], set),
    ).toBe(20);
    expect(bftTime([], set)).toBeUndefined();
  });

  it("a liar with less than a third of the power cannot leave the correct timestamps' range", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ power: fc.integer({ min: 1, max: 20 }), t: fc.integer({ min: 0, max: 1e9 }) }), {
          minLength: 3,
          maxLength: 10,
        }),
        fc.integer({ min: -1e12, max: 1e12 }),
        (validators, lie) => {
          const members = validators.map((v, i) => ({ id: `v${i}`, power: BigInt(v.power) }));
          const valset = new ValidatorSet(members);
          // The faulty: a prefix of the validators holding < 1/3 of the power; they all lie.
          let faultyPower = 0n;
          const faulty = new Set<string>();
          for (const m of members) {
            if ((faultyPower + m.power) * 3n >= valset.totalPower) break;
            faultyPower += m.power;
            faulty.add(m.id);
          }
          // A certificate: everyone signs (> 2/3 of the power).
          const votes = validators.map((v, i) => precommit(`v${i}`, faulty.has(`v${i}`) ? lie : v.t));
          const correct = votes.filter((v) => !faulty.has(v.validator)).map((v) => v.timestampMs);
          const time = bftTime(votes, valset);
          expect(time).toBeGreaterThanOrEqual(Math.min(...correct));
          expect(time).toBeLessThanOrEqual(Math.max(...correct));
        },
      ),
    );
  });
});

describe("voteTimestamp", () => {
  it("is the local clock, but strictly after the block's time", () => {
    expect(voteTimestamp(500, 100)).toBe(500);
    expect(voteTimestamp(50, 100)).toBe(101);
  });
});
