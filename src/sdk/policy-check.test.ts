import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { txCodecs } from "../app/executor.js";
import { MarketChain, plainRules } from "../app/marketing/testkit.test-util.js";
import type { Operation } from "../app/operations/index.js";
import { OperationInputError, parseOperationInput } from "../app/operations/input.js";
import { decodeSignedTx } from "../ledger/tx.js";
import { buildSignedTx } from "./transactions.js";

/**
 * R6: the SDK refuses a policy with an unknown field, and every policy is judged by one schema,
 * the node's: whatever the SDK signs the chain publishes, and whatever the SDK refuses the chain
 * refuses too, naming the same field.
 */

const chain = new MarketChain();
const enterprise = chain.actor("enterprise");
const envelope = { chainId: "marketing-test", nonce: 0n, expiryHeight: 10n };
let n = 0;

function policyOp(value: Record<string, unknown>): Operation {
  return { kind: "setRoyaltyPolicy", value: { idempotencyKey: `r6-${++n}`, ...value } } as Operation;
}
const plain = (rules: Record<string, unknown> = {}) =>
  policyOp({
    policyId: "std",
    scopeKind: "enterprise",
    scopeValue: "",
    rules: { ...plainRules(), ...rules },
  });

/** What the SDK makes of an operation: the field it names when it refuses, or "signed". */
function sdkVerdict(op: Operation): string {
  try {
    buildSignedTx(chain.suite, enterprise.keys, envelope, op);
    return "signed";
  } catch (e) {
    if (!(e instanceof OperationInputError)) throw e;
    return String((e.details.issues as string[])[0]).split(":")[0]!;
  }
}

/** What the chain makes of it, executed for real on a fresh copy of the state: OK, or the field it names. */
function nodeVerdict(op: Operation): string {
  const result = chain.dryRun("enterprise", op);
  if (result.code === "OK") return "signed";
  expect(result.code).toBe("POLICY_INVALID");
  return String(result.details.find((d) => d.key === "field")?.value);
}

describe("R6: the SDK checks a policy with the node's own schema", () => {
  it("refuses a policy with an unknown field instead of signing the rest", () => {
    const op = plain({ recruitBonusBps: 500 });
    expect(() => buildSignedTx(chain.suite, enterprise.keys, envelope, op)).toThrow(OperationInputError);
    expect(sdkVerdict(op)).toBe("rules.recruitBonusBps");
    expect(
      sdkVerdict(
        policyOp({
          policyId: "std",
          scopeKind: "enterprise",
          scopeValue: "",
          scope: "x",
          rules: plainRules(),
        }),
      ),
    ).toBe("scope");
  });

  it("refuses an unknown field of any operation, at any depth", () => {
    const deposit = {
      kind: "depositEscrow",
      value: { idempotencyKey: "d", amountFen: 5n, reference: "", memo: "x" },
    };
    expect(sdkVerdict(deposit as Operation)).toBe("memo");
    const order = {
      kind: "createOrder",
      value: {
        idempotencyKey: "o",
        enterprise: "org1",
        channel: "online",
        lines: [{ sku: "TEA", quantity: 1, referralCode: undefined, discount: 5 }],
        buyerCommitment: new Uint8Array(32),
        buyerCode: undefined,
      },
    };
    expect(sdkVerdict(order as Operation)).toBe("lines.0.discount");
  });

  it("signs exactly what it was given when every field is known", () => {
    const op = plain({ tiers: [{ minPeriodVolumeFen: 100_000n, bps: 1500 }], capPerOrderFen: 9_000n });
    const { bytes } = buildSignedTx(chain.suite, enterprise.keys, envelope, op);
    expect(decodeSignedTx(bytes, txCodecs).op).toEqual(op);
    expect(nodeVerdict(op)).toBe("signed");
  });

  it("takes the node's limits: a 367-day period or unordered tiers are refused before signing, as in the JSON input", () => {
    for (const rules of [
      { periodDays: 367 },
      { periodDays: 3660 },
      {
        tiers: [
          { minPeriodVolumeFen: 200n, bps: 1200 },
          { minPeriodVolumeFen: 100n, bps: 1500 },
        ],
      },
      {
        channelBps: [
          { channel: "live", bps: 100 },
          { channel: "live", bps: 200 },
        ],
      },
    ]) {
      const op = plain(rules);
      expect(nodeVerdict(op)).toMatch(/^rules\./);
      expect(sdkVerdict(op)).toBe(nodeVerdict(op));
      const json = { idempotencyKey: "j", policyId: "std", scopeKind: "enterprise", rules: jsonOf(op).rules };
      expect(() => parseOperationInput("setRoyaltyPolicy", json)).toThrow(OperationInputError);
    }
  });
});

/** The JSON a client would send for a policy value: fen as decimal strings, no cap as absent. */
function jsonOf(op: Operation): { rules: unknown } & Record<string, unknown> {
  return JSON.parse(JSON.stringify(op.value, (_k, v) => (typeof v === "bigint" ? v.toString() : v))) as {
    rules: unknown;
  };
}

/** Mostly values the chain takes, sometimes one just past a limit. */
const mostly = <T>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: valid, weight: 12 }, { arbitrary: invalid, weight: 1 });
const bpsArb = mostly(
  fc.oneof(fc.constantFrom(0, 10_000), fc.nat({ max: 10_000 })),
  fc.constantFrom(10_001, 0xffff_ffff),
);
const fenArb = fc.oneof(fc.constantFrom(0n, 1n, 2n ** 64n - 1n), fc.bigInt({ min: 0n, max: 1_000_000n }));
const tierArb = fc.record({ minPeriodVolumeFen: fenArb, bps: bpsArb });
const byVolume = (tiers: Array<{ minPeriodVolumeFen: bigint; bps: number }>) =>
  [...new Map(tiers.map((t) => [t.minPeriodVolumeFen, t])).values()].sort((a, b) =>
    a.minPeriodVolumeFen < b.minPeriodVolumeFen ? -1 : 1,
  );
const channelArb = fc.record({
  channel: mostly(fc.constantFrom("live", "online", "直播"), fc.constant("")),
  bps: bpsArb,
});
const policyArb = fc.record({
  policyId: mostly(
    fc.oneof(fc.constantFrom("std", "a.b_c-1", "x".repeat(32)), fc.stringMatching(/^[A-Za-z0-9._-]{1,32}$/)),
    fc.constantFrom("", "bad id", "策略"),
  ),
  scopeKind: fc.constantFrom("enterprise", "category", "product"),
  scopeValue: mostly(fc.constantFrom("tea", "TEA-100"), fc.constant("")),
  rules: fc.record({
    baseBps: bpsArb,
    fixedPerUnitFen: fenArb,
    tiers: mostly(
      fc.array(tierArb, { maxLength: 4 }).map(byVolume),
      fc.array(tierArb, { minLength: 2, maxLength: 4 }),
    ),
    channelBps: mostly(
      fc.uniqueArray(channelArb, { maxLength: 3, selector: (c) => c.channel }),
      fc.array(channelArb, { minLength: 2, maxLength: 3 }),
    ),
    capPerOrderFen: fc.option(fenArb, { nil: undefined }),
    capPerMarketerPeriodFen: fc.option(fenArb, { nil: undefined }),
    periodDays: mostly(
      fc.oneof(fc.constantFrom(1, 30, 366), fc.integer({ min: 1, max: 366 })),
      fc.constantFrom(0, 367, 3660),
    ),
    ownPurchaseEarns: fc.boolean(),
    teamLeadShareBps: bpsArb,
  }),
});

describe("the node and the SDK cannot disagree about a policy", () => {
  it("over generated policies: the chain publishes exactly what the SDK signs and the JSON input takes", () => {
    const seen = { signed: 0, refused: 0 };
    fc.assert(
      fc.property(policyArb, (policy) => {
        const op = policyOp(policy);
        const node = nodeVerdict(op);
        expect(sdkVerdict(op)).toBe(node);
        const fromJson = () => parseOperationInput("setRoyaltyPolicy", jsonOf(op));
        if (node === "signed") expect(fromJson().value).toEqual(op.value);
        else expect(fromJson).toThrow(OperationInputError);
        seen[node === "signed" ? "signed" : "refused"]++;
      }),
      { numRuns: 300 },
    );
    // Both outcomes were reached often enough to mean something.
    expect(seen.signed).toBeGreaterThan(20);
    expect(seen.refused).toBeGreaterThan(20);
  });
});
