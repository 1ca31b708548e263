import { describe, expect, it } from "vitest";
import { LogBudget } from "./log-budget.js";

describe("LogBudget", () => {
  it("allows max lines per window and reports what it suppressed", () => {
    let t = 1_000;
    const budget = new LogBudget(2, 100, () => t);
    expect([budget.take(), budget.take(), budget.take(), budget.take()]).toEqual([0, 0, false, false]);
    t += 100;
    expect(budget.take()).toBe(2);
    expect(budget.take()).toBe(0);
  });
});
