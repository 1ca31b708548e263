import { describe, expect, it } from "vitest";
import { backoffDelayMs } from "./backoff.js";

describe("backoffDelayMs", () => {
  const policy = { baseMs: 100, maxMs: 5_000 };

  it("doubles from the base to the cap, with half of each delay jittered", () => {
    const low = (a: number) => backoffDelayMs(a, policy, () => 0);
    const high = (a: number) => backoffDelayMs(a, policy, () => 0.999_999);
    expect([0, 1, 2, 3].map(low)).toEqual([50, 100, 200, 400]);
    expect([0, 1, 2, 3].map(high)).toEqual([100, 200, 400, 800]);
    expect(low(10)).toBe(2_500);
    expect(high(10)).toBe(5_000);
  });

  it("stays finite and within the cap for absurd attempts", () => {
    for (const attempt of [50, 1_000, Number.MAX_SAFE_INTEGER, -3]) {
      const d = backoffDelayMs(attempt, policy);
      expect(d).toBeGreaterThanOrEqual(policy.baseMs / 2);
      expect(d).toBeLessThanOrEqual(policy.maxMs);
    }
  });
});
