import { describe, expect, it } from "vitest";
import type { Operation } from "../operations/index.js";
import { attr, MarketChain, plainRules } from "./testkit.test-util.js";

/** recordPayout: an authorised payment service decides an enterprise's withdrawal, once. */

let n = 0;
const k = () => `rp-${++n}`;

/** li earns a settled commission at org1 and asks for a withdrawal; returns its id. */
function withdrawalOfLi(c: MarketChain): number {
  c.ok("enterprise", {
    kind: "importBatch",
    value: {
      idempotencyKey: k(),
      products: [
        {
          sku: "TEA",
          name: "Tea",
          category: "tea",
          priceFen: 10_000n,
          costFen: 0n,
          stock: 10n,
          channels: ["online"],
          serviceTerms: "",
          returnWindowDays: 7,
          status: "active",
        },
      ],
      marketers: [{ code: c.actor("li").code, teamLead: undefined, active: true }],
    },
  });
  c.ok("enterprise", {
    kind: "setRoyaltyPolicy",
    value: {
      idempotencyKey: k(),
      policyId: "std",
      scopeKind: "enterprise",
      scopeValue: "",
      rules: plainRules(),
    },
  });
  c.ok("enterprise", {
    kind: "depositEscrow",
    value: { idempotencyKey: k(), amountFen: 100_000n, reference: "F" },
  });
  const code = attr(
    c.ok("li", { kind: "createReferralCode", value: { idempotencyKey: k(), enterprise: "org1", sku: "TEA" } })
      .events[0]!,
    "code",
  );
  const order = c.ok("zhao", {
    kind: "createOrder",
    value: {
      idempotencyKey: k(),
      enterprise: "org1",
      channel: "online",
      lines: [{ sku: "TEA", quantity: 1, referralCode: code }],
      buyerCommitment: new Uint8Array(32).fill(1),
      buyerCode: undefined,
    },
  });
  const orderId = BigInt(attr(order.events[0]!, "orderId")!);
  c.ok("enterprise", {
    kind: "confirmPayment",
    value: { idempotencyKey: k(), orderId, amountReceivedFen: 10_000n },
  });
  c.ok("enterprise", { kind: "shipOrder", value: { idempotencyKey: k(), orderId, reason: "shipped" } });
  c.ok("enterprise", {
    kind: "confirmDelivery",
    value: { idempotencyKey: k(), orderId, reason: "delivered" },
  });
  c.ok("zhao", {
    kind: "confirmReceipt",
    value: { idempotencyKey: k(), orderId, reason: "buyer-confirmed" },
  });
  const requested = c.ok("li", {
    kind: "requestWithdrawal",
    value: { idempotencyKey: k(), enterprise: "org1", amountFen: 500n },
  });
  return Number(attr(requested.events.find((e) => e.type === "withdrawalRequested")!, "withdrawalId"));
}

describe("recordPayout", () => {
  it("is refused to a service the enterprise has not authorised, and decides the withdrawal once for one it has", () => {
    const c = new MarketChain();
    const withdrawalId = withdrawalOfLi(c);
    const payout = (idempotencyKey: string, paid = true): Operation => ({
      kind: "recordPayout",
      value: { idempotencyKey, enterprise: "org1", withdrawalId, paid, externalReference: "PSP-1" },
    });
    expect(c.run("enterprise2", payout("p-1")).code).toBe("NOT_PAYMENT_SERVICE");
    c.ok("enterprise", {
      kind: "authorisePaymentService",
      value: { idempotencyKey: k(), code: c.actor("enterprise2").code, authorised: true },
    });
    const paid = c.ok("enterprise2", payout("p-2"));
    const event = paid.events.find((e) => e.type === "withdrawalPaid")!;
    expect(attr(event, "externalReference")).toBe("PSP-1");
    expect(attr(event, "enterprise")).toBe("org1");
    // The same call again (a retry after a crash) changes nothing; another decision is refused.
    expect(c.ok("enterprise2", payout("p-2")).events.map((e) => e.type)).toEqual(["idempotentReplay"]);
    expect(c.run("enterprise2", payout("p-3", false)).code).toBe("WITHDRAWAL_DECIDED");
    expect(c.run("enterprise", payout("p-4")).code).toBe("NOT_PAYMENT_SERVICE");
  });
});
