import { describe, expect, it } from "vitest";
import { VerifyBudget } from "./verify-budget.js";

describe("VerifyBudget", () => {
  it("grants a burst, then refills at the rate, per client", () => {
    let now = 0;
    const budget = new VerifyBudget({ perSecond: 10, burst: 5, maxClients: 100 }, () => now);
    const takes = (client: string, n: number) => Array.from({ length: n }, () => budget.take(client));
    expect(takes("a", 7)).toEqual([true, true, true, true, true, false, false]);
    expect(takes("b", 5).every(Boolean)).toBe(true); // a's flood is not b's problem
    now = 300; // 3 tokens back
    expect(takes("a", 4)).toEqual([true, true, true, false]);
    now = 100_000;
    expect(takes("a", 6).filter(Boolean)).toHaveLength(5); // never more than the burst
  });

  it("forgets the least recently seen client beyond its bound", () => {
    const budget = new VerifyBudget({ perSecond: 0, burst: 1, maxClients: 2 }, () => 0);
    expect(budget.take("a")).toBe(true);
    expect(budget.take("b")).toBe(true);
    expect(budget.take("a")).toBe(false);
    expect(budget.take("c")).toBe(true); // evicts b, the least recently seen
    expect(budget.take("a")).toBe(false);
    expect(budget.take("b")).toBe(true);
  });
});
