import { describe, expect, it } from "vitest";
import { policyRules, type StatementKind } from "../../../src/app/marketing/records.js";
import { sampleHeights } from "./history.js";
import { diffRules } from "./policies.js";
import { runningTotals } from "./statement.js";

describe("the console's chart series and policy diff", () => {
  it("samples heights from 1 to the tip, each once, the tip included", () => {
    expect(sampleHeights(0n, 16)).toEqual([]);
    expect(sampleHeights(3n, 16)).toEqual([1n, 2n, 3n]);
    const many = sampleHeights(1000n, 16);
    expect(many).toHaveLength(16);
    expect(many[15]).toBe(1000n);
    expect(new Set(many).size).toBe(16);
  });

  it("runs each statement kind's total over heights, one point per height", () => {
    const entry = (kind: StatementKind, amountFen: string, height: string) => ({
      kind,
      orderId: "0",
      amountFen,
      height,
      timeMs: `${height}000`,
      reference: "",
    });
    const series = runningTotals(
      [entry("clawback", "500", "9"), entry("settled", "2980", "5"), entry("settled", "100", "5")],
      ["settled", "clawback"],
    );
    expect(series.heights).toEqual(["5", "9"]);
    expect(series.totals).toEqual({ settled: [3080n, 3080n], clawback: [0n, 500n] });
  });

  it("marks exactly the rules two versions differ in", () => {
    const diff = diffRules(
      policyRules({ baseBps: 1000 }),
      policyRules({ baseBps: 1200, capPerOrderFen: 5000n, tiers: [] }),
    );
    expect(diff.filter((d) => d.changed).map((d) => d.rule)).toEqual(["baseBps", "capPerOrderFen"]);
  });
});
