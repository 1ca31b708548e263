import { describe, expect, it } from "vitest";
import { Backoff } from "./supervise.js";

const policy = { initialMs: 1_000, maxMs: 8_000, stableMs: 60_000 };

describe("the restart backoff", () => {
  it("doubles while a node keeps failing, up to the bound", () => {
    const backoff = new Backoff(policy);
    expect([0, 0, 0, 0, 0, 0].map(() => backoff.delayAfter(500))).toEqual([
      1_000, 2_000, 4_000, 8_000, 8_000, 8_000,
    ]);
    expect(backoff.restarts).toBe(6);
  });

  it("starts again from the first delay once a run lasted the stable period", () => {
    const backoff = new Backoff(policy);
    backoff.delayAfter(10);
    backoff.delayAfter(10);
    expect(backoff.delayAfter(10)).toBe(4_000);
    expect(backoff.delayAfter(60_000)).toBe(1_000);
    expect(backoff.delayAfter(59_999)).toBe(2_000);
  });
});
