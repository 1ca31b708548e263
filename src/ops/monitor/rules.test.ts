import { describe, expect, it } from "vitest";
import { AlertBook, type AlertEvent } from "./alerts.js";
import { evaluateRules, type HistoryPoint } from "./evaluate.js";
import { DEFAULT_RULES, type LoadedRule, resolveRules } from "./rules.js";
import type { SeriesValue } from "./series.js";
import { recordedPoint } from "./testkit.test-util.js";

const T0 = 1_800_000_000_000;
/** Samples a second apart, or 120 to a long window (a counter's hour). */
const stepOf = (rule: LoadedRule) => Math.max(1_000, rule.windowMs / 120);

/** The value of a rule's series that breaks it, and one that does not. */
function badAndGood(rule: LoadedRule, atMs: number): { bad: number; good: number } {
  const margin = Math.max(1, Math.abs(rule.threshold) * 0.5);
  const base = rule.fn === "secondsUntil" ? atMs / 1000 : 0;
  const above = rule.op === ">" || rule.op === ">=";
  if (rule.op === "==") return { bad: rule.threshold, good: rule.threshold + 1 };
  if (rule.op === "!=") return { bad: rule.threshold + 1, good: rule.threshold };
  const small = rule.threshold > 0 && rule.threshold < 1 ? rule.threshold / 2 : margin;
  return above
    ? { bad: base + rule.threshold + small, good: base + rule.threshold - small }
    : { bad: base + rule.threshold - small, good: base + rule.threshold + small };
}

/**
 * Drives one rule over recorded samples: healthy, then broken until it fires, then healthy until
 * it resolves. Returns the events in order with the time of each.
 */
function drive(rule: LoadedRule): Array<{ atMs: number; event: AlertEvent }> {
  const STEP_MS = stepOf(rule);
  const book = new AlertBook();
  const history: HistoryPoint[] = [];
  const seen: Array<{ atMs: number; event: AlertEvent }> = [];
  let counter = 10;
  const pointAt = (atMs: number, broken: boolean): HistoryPoint => {
    if (rule.metric === "up") return recordedPoint(atMs, [], { up: !broken });
    if (rule.metric === "mkl_ops_lag_blocks") {
      const { bad, good } = badAndGood(rule, atMs);
      return recordedPoint(atMs, [], { lagBlocks: broken ? bad : good });
    }
    let value: number;
    if (rule.fn === "increase") {
      if (broken) counter += rule.threshold + 1; // grows by more than the threshold at once
      value = counter;
    } else {
      const { bad, good } = badAndGood(rule, atMs);
      value = broken ? bad : good;
    }
    const series: SeriesValue = { metric: rule.metric, labels: { ...rule.labels }, value };
    return recordedPoint(atMs, [series]);
  };
  const step = (atMs: number, broken: boolean) => {
    history.push(pointAt(atMs, broken));
    const conditions = evaluateRules([rule], new Map([["node1", history]]), atMs);
    for (const event of book.update(conditions, atMs)) seen.push({ atMs, event });
  };
  let t = T0;
  for (let i = 0; i < 5; i++, t += STEP_MS) step(t, false);
  const brokenAt = t;
  // Broken once (a counter grows once); a gauge stays broken until the alert fires.
  while (!seen.some((s) => s.event.kind === "firing") && t < brokenAt + rule.forMs + 60 * STEP_MS) {
    step(t, rule.fn !== "increase" || t === brokenAt);
    t += STEP_MS;
  }
  const limit = t + rule.windowMs + 120 * STEP_MS;
  while (!seen.some((s) => s.event.kind === "resolved") && t < limit) {
    step(t, false);
    t += STEP_MS;
  }
  return seen;
}

describe("every default rule fires once after its `for` and resolves by itself", () => {
  const rules = resolveRules({});
  it("has the rules the issue lists", () => {
    expect(rules.map((r) => r.name)).toEqual([
      "NodeUnreachable",
      "HeightStalled",
      "NodeLagging",
      "RepeatedRoundChanges",
      "ValidatorMissingVotes",
      "EquivocationEvidence",
      "PeersBelowQuorum",
      "VotingPowerLow",
      "MempoolBacklog",
      "DiskFreeLow",
      "RssHigh",
      "EventLoopLag",
      "NodeCertificateExpiring",
      "OrgCaCertificateExpiring",
      "UserCertificateExpiring",
      "SelfReferral",
      "AbnormalRefundRate",
      "CompletionFailed",
      "EscrowShortfall",
    ]);
  });
  for (const rule of rules) {
    it(`${rule.name}: fires and resolves over recorded samples`, () => {
      const events = drive(rule);
      expect(events.map((e) => e.event.kind)).toEqual(["firing", "resolved"]);
      const [fired, resolved] = events as [
        { atMs: number; event: AlertEvent },
        { atMs: number; event: AlertEvent },
      ];
      const STEP_MS = stepOf(rule);
      const brokenAt = T0 + 5 * STEP_MS;
      // Not before its `for`, and (gauges) within one step of it.
      expect(fired.atMs - brokenAt).toBeGreaterThanOrEqual(rule.forMs);
      if (rule.fn !== "increase") expect(fired.atMs - brokenAt).toBeLessThanOrEqual(rule.forMs + STEP_MS);
      expect(fired.event.alert.rule).toBe(rule.name);
      expect(fired.event.alert.severity).toBe(rule.severity);
      expect(fired.event.alert.node).toBe(rule.scope === "chain" ? "" : "node1");
      expect(resolved.event.alert.id).toBe(fired.event.alert.id);
      expect(resolved.event.alert.resolvedAtMs).toBe(resolved.atMs);
    });
  }
});

describe("the rules file", () => {
  it("changes a default by name, adds a rule, and leaves defaults out", () => {
    const rules = resolveRules({
      rules: [
        { name: "HeightStalled", threshold: 5, for: "1s" },
        {
          name: "BigBlocks",
          severity: "info",
          for: "0s",
          metric: "mkl_block_txs_sum",
          fn: "increase",
          window: "1m",
          op: ">",
          threshold: 1000,
          summary: "many transactions",
        },
      ],
      disabled: ["RssHigh"],
    });
    const stalled = rules.find((r) => r.name === "HeightStalled");
    expect(stalled).toMatchObject({ threshold: 5, forMs: 1_000, severity: "critical" });
    expect(rules.some((r) => r.name === "RssHigh")).toBe(false);
    expect(rules.find((r) => r.name === "BigBlocks")?.windowMs).toBe(60_000);
    expect(rules).toHaveLength(DEFAULT_RULES.length);
  });

  it("refuses a rule on an unknown metric, naming the rule and the metric", () => {
    expect(() =>
      resolveRules({
        rules: [
          {
            name: "Typo",
            severity: "warning",
            for: "1m",
            metric: "mkl_blok_height",
            op: ">",
            threshold: 1,
            summary: "x",
          },
        ],
      }),
    ).toThrow(
      expect.objectContaining({
        code: "RULES_UNKNOWN_METRIC",
        message: expect.stringMatching(/Typo.*mkl_blok_height/),
      }),
    );
  });

  it("refuses bad fields with the rule's place and name", () => {
    expect(() => resolveRules({ rules: [{ name: "HeightStalled", for: "soon" }] })).toThrow(
      expect.objectContaining({
        code: "RULES_INVALID",
        message: expect.stringMatching(/rules\[0\] \(HeightStalled\).*for/),
      }),
    );
    expect(() => resolveRules({ disabled: ["NoSuchRule"] })).toThrow(/NoSuchRule/);
    expect(() =>
      resolveRules({
        rules: [
          {
            name: "X",
            severity: "warning",
            for: "1m",
            metric: "up",
            fn: "increase",
            op: ">",
            threshold: 1,
            summary: "x",
          },
        ],
      }),
    ).toThrow(/window/);
  });
});
