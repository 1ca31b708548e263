import { describe, expect, it } from "vitest";
import { toHex } from "../../ledger/bytes.js";
import type { Operation } from "../operations/index.js";
import { endBlockEventsCodec, endEventsKey } from "./end-block.js";
import {
  anomalyCounts,
  enterpriseCost,
  marketerEarnings,
  payoutCsv,
  productView,
  salesBy,
} from "./queries.js";
import { read, readCommission, readOrder, type ScopeKind } from "./records.js";
import { attr, DAY_MS, eventsOf, MarketChain, plainRules, productRow } from "./testkit.test-util.js";

const product = productRow;

let n = 0;
const k = () => `t-${++n}`;

function setup(rules = plainRules()) {
  const c = new MarketChain();
  c.ok("enterprise", {
    kind: "importBatch",
    value: {
      idempotencyKey: k(),
      products: [product("TEA")],
      marketers: [{ code: c.actor("li").code, teamLead: c.actor("lead").code, active: true }],
    },
  });
  c.ok("enterprise", {
    kind: "setRoyaltyPolicy",
    value: { idempotencyKey: k(), policyId: "std", scopeKind: "enterprise", scopeValue: "", rules },
  });
  const code = (who: string) =>
    attr(
      c.ok(who, {
        kind: "createReferralCode",
        value: { idempotencyKey: k(), enterprise: "org1", sku: "TEA" },
      }).events[0]!,
      "code",
    )!;
  return { c, liCode: code("li"), wangCode: code("wang") };
}

function createOrder(c: MarketChain, buyer: string, referralCode: string | undefined, quantity = 1) {
  const r = c.ok(buyer, {
    kind: "createOrder",
    value: {
      idempotencyKey: k(),
      enterprise: "org1",
      channel: "online",
      lines: [{ sku: "TEA", quantity, referralCode }],
      buyerCommitment: new Uint8Array(32).fill(1),
      buyerCode: undefined,
    },
  });
  return { id: BigInt(attr(r.events[0]!, "orderId")!), result: r };
}

function toDelivered(c: MarketChain, orderId: bigint, amountReceivedFen: bigint) {
  c.ok("enterprise", { kind: "confirmPayment", value: { idempotencyKey: k(), orderId, amountReceivedFen } });
  c.ok("enterprise", { kind: "shipOrder", value: { idempotencyKey: k(), orderId, reason: "shipped" } });
  c.ok("enterprise", {
    kind: "confirmDelivery",
    value: { idempotencyKey: k(), orderId, reason: "delivered" },
  });
}

const deposit = (_c: MarketChain, amountFen: bigint): Operation => ({
  kind: "depositEscrow",
  value: { idempotencyKey: k(), amountFen, reference: "FIN" },
});

describe("marketing operations", () => {
  it("completes an order by block time alone, exactly when the return window has passed", () => {
    const { c, liCode } = setup();
    c.ok("enterprise", deposit(c, 100_000n));
    const { id } = createOrder(c, "zhao", liCode);
    toDelivered(c, id, 10_000n);
    const due = readOrder(c.state, id)!.dueAtMs;
    c.timeMs = due - 1n;
    expect(c.block([]).endBlockEvents).toEqual([]);
    expect(readOrder(c.state, id)!.status).toBe("delivered");
    c.timeMs = due;
    const events = c.block([]).endBlockEvents;
    expect(events.map((e) => e.type)).toEqual(["orderCompleted", "commissionComputed", "commissionSettled"]);
    const settled = events.filter((e) => e.type === "commissionSettled");
    // The policy gives the lead no share: one part, all of it li's.
    expect(settled.map((e) => [attr(e, "role"), attr(e, "amountFen")])).toEqual([["marketer", "1000"]]);
    expect(attr(settled[0]!, "settlementAccount")).toBe(toHex(c.actor("li").address));
    const stored = read(c.state, endEventsKey(c.height), endBlockEventsCodec)!;
    expect([stored.height, stored.events]).toEqual([c.height, events]);
    expect(readOrder(c.state, id)!.completedAtMs).toBe(due);
  });

  it("records the policy id and version hash, and uses the version in force at completion", () => {
    const { c, liCode } = setup();
    c.ok("enterprise", deposit(c, 100_000n));
    const { id } = createOrder(c, "zhao", liCode);
    toDelivered(c, id, 10_000n);
    const v2 = c.ok("enterprise", {
      kind: "setRoyaltyPolicy",
      value: {
        idempotencyKey: k(),
        policyId: "std",
        scopeKind: "enterprise",
        scopeValue: "",
        rules: plainRules({ baseBps: 2000 }),
      },
    });
    const hash = attr(v2.events[0]!, "hash");
    c.advance(8n * DAY_MS);
    const commission = readCommission(c.state, id)!;
    expect([commission.policyId, commission.policyVersion, toHex(commission.policyHash)]).toEqual([
      "std",
      2,
      hash,
    ]);
    expect(commission.totalFen).toBe(2_000n);
  });

  it("records a commission as payable when the escrow is short, and settles it when funds arrive", () => {
    const { c, liCode } = setup();
    c.ok("enterprise", deposit(c, 300n));
    const { id } = createOrder(c, "zhao", liCode);
    toDelivered(c, id, 10_000n);
    const events = c.advance(8n * DAY_MS);
    expect(events.map((e) => e.type)).toContain("commissionPayable");
    expect(marketerEarnings(c.state, "org1", c.actor("li").code).payableFen).toBe(1_000n);
    const r = c.ok("enterprise", deposit(c, 700n));
    expect(eventsOf(r, "commissionSettled")).toHaveLength(1);
    expect(marketerEarnings(c.state, "org1", c.actor("li").code)).toMatchObject({
      payableFen: 0n,
      balanceFen: 1_000n,
    });
    expect(enterpriseCost(c.state, "org1").balanceFen).toBe(0n);
  });

  it("splits with the team lead (one level) and nets a debt against later commissions", () => {
    const { c, liCode } = setup(plainRules({ teamLeadShareBps: 2500 }));
    c.ok("enterprise", deposit(c, 100_000n));
    const a = createOrder(c, "zhao", liCode).id;
    toDelivered(c, a, 10_000n);
    c.advance(8n * DAY_MS);
    const li = c.actor("li").code;
    expect(marketerEarnings(c.state, "org1", li).balanceFen).toBe(750n);
    expect(marketerEarnings(c.state, "org1", c.actor("lead").code).balanceFen).toBe(250n);
    c.ok("li", {
      kind: "requestWithdrawal",
      value: { idempotencyKey: k(), enterprise: "org1", amountFen: 700n },
    });
    c.ok("enterprise", {
      kind: "decideWithdrawal",
      value: {
        idempotencyKey: k(),
        enterprise: "org1",
        withdrawalId: 0,
        paid: true,
        externalReference: "=HYPERLINK(1)",
      },
    });
    c.ok("enterprise", {
      kind: "refundOrder",
      value: { idempotencyKey: k(), orderId: a, amountFen: 10_000n, returnedUnits: 1, reason: "damaged" },
    });
    expect(marketerEarnings(c.state, "org1", li)).toMatchObject({ balanceFen: 0n, debtFen: 700n });
    const b = createOrder(c, "zhao", liCode, 2).id;
    toDelivered(c, b, 20_000n);
    const events = c.advance(8n * DAY_MS);
    const mine = events.find((e) => e.type === "commissionSettled" && attr(e, "role") === "marketer")!;
    expect([attr(mine, "amountFen"), attr(mine, "nettedDebtFen")]).toEqual(["1500", "700"]);
    expect(marketerEarnings(c.state, "org1", li)).toMatchObject({ balanceFen: 800n, debtFen: 0n });
    expect(payoutCsv(c.state, "org1")).toContain('"=HYPERLINK(1)"');
    expect(payoutCsv(c.state, "org1").split("\r\n")[1]).toMatch(/^0,org1,mkl1[0-9a-z]+,700,7\.00,paid,/);
  });

  it("returns the first result for a repeated idempotency key and refuses the key for another operation", () => {
    const { c } = setup();
    const op = deposit(c, 500n);
    c.ok("enterprise", op);
    const before = enterpriseCost(c.state, "org1");
    const again = c.ok("enterprise", op);
    expect(again.events.map((e) => e.type)).toEqual(["idempotentReplay"]);
    expect(enterpriseCost(c.state, "org1")).toEqual(before);
    const other = c.run("enterprise", {
      kind: "depositEscrow",
      value: { ...(op.value as { idempotencyKey: string; reference: string }), amountFen: 501n },
    });
    expect(other.code).toBe("IDEMPOTENCY_KEY_REUSED");
  });

  it("flags self-referral, and an own purchase earns nothing unless the policy says so", () => {
    const c = new MarketChain();
    c.ok("enterprise", {
      kind: "importBatch",
      value: { idempotencyKey: k(), products: [product("TEA")], marketers: [] },
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
    c.ok("enterprise", deposit(c, 100_000n));
    const code = attr(
      c.ok("wang", {
        kind: "createReferralCode",
        value: { idempotencyKey: k(), enterprise: "org1", sku: "TEA" },
      }).events[0]!,
      "code",
    )!;
    const r = c.ok("enterprise", {
      kind: "createOrder",
      value: {
        idempotencyKey: k(),
        enterprise: "org1",
        channel: "online",
        lines: [{ sku: "TEA", quantity: 1, referralCode: code }],
        buyerCommitment: new Uint8Array(32),
        buyerCode: c.actor("wang").code,
      },
    });
    const anomaly = eventsOf(r, "anomaly")[0]!;
    expect(attr(anomaly, "kind")).toBe("self-referral");
    expect(anomalyCounts(c.state, "org1")).toEqual({
      "self-referral": 1n,
      "abnormal-refund-rate": 0n,
      "completion-failed": 0n,
    });
    const id = BigInt(attr(r.events[0]!, "orderId")!);
    toDelivered(c, id, 10_000n);
    c.advance(8n * DAY_MS);
    expect(readCommission(c.state, id)).toMatchObject({ totalFen: 0n, note: "own-purchase", parts: [] });
  });

  it("raises an abnormal-refund-rate anomaly", () => {
    const { c, liCode } = setup();
    const ids = [0, 1, 2, 3, 4, 5].map(() => createOrder(c, "zhao", liCode).id);
    for (const id of ids) {
      c.ok("enterprise", {
        kind: "confirmPayment",
        value: { idempotencyKey: k(), orderId: id, amountReceivedFen: 10_000n },
      });
    }
    const refund = (id: bigint) =>
      c.ok("enterprise", {
        kind: "refundOrder",
        value: {
          idempotencyKey: k(),
          orderId: id,
          amountFen: 10_000n,
          returnedUnits: 1,
          reason: "customer-request",
        },
      });
    expect(eventsOf(refund(ids[0]!), "anomaly")).toEqual([]);
    const second = eventsOf(refund(ids[1]!), "anomaly")[0]!;
    expect([attr(second, "kind"), attr(second, "refundedOrders"), attr(second, "referredOrders")]).toEqual([
      "abnormal-refund-rate",
      "2",
      "6",
    ]);
    expect(anomalyCounts(c.state, "org1")["abnormal-refund-rate"]).toBe(1n);
    expect(productView(c.state, "org1", "TEA")).toMatchObject({ stock: 6n, reserved: 4n });
  });

  it("counts a sale's cost at the unit cost its order recorded, net of returns, whatever the product costs later", () => {
    const { c } = setup();
    const cost = (costFen: bigint) =>
      c.ok("enterprise", {
        kind: "importBatch",
        value: { idempotencyKey: k(), products: [product("TEA", { costFen })], marketers: [] },
      });
    cost(3_000n);
    const first = createOrder(c, "zhao", undefined, 3).id;
    cost(4_500n);
    const second = createOrder(c, "zhao", undefined, 1).id;
    expect(readOrder(c.state, first)?.unitCostFen).toBe(3_000n);
    expect(readOrder(c.state, second)?.unitCostFen).toBe(4_500n);
    for (const [id, fen] of [
      [first, 30_000n],
      [second, 10_000n],
    ] as const)
      toDelivered(c, id, fen);
    c.advance(8n * DAY_MS);
    const channel = () => salesBy(c.state, "org1", "channel")[0]!;
    expect(channel()).toMatchObject({ units: 4n, netReceivedFen: 40_000n, costFen: 3n * 3_000n + 4_500n });
    c.ok("enterprise", {
      kind: "refundOrder",
      value: { idempotencyKey: k(), orderId: first, amountFen: 10_000n, returnedUnits: 1, reason: "damaged" },
    });
    expect(channel()).toMatchObject({ units: 3n, netReceivedFen: 30_000n, costFen: 2n * 3_000n + 4_500n });
    expect(salesBy(c.state, "org1", "product")[0]?.costFen).toBe(2n * 3_000n + 4_500n);
  });

  it("imports all rows or none, naming the bad row", () => {
    const c = new MarketChain();
    const r = c.run("enterprise", {
      kind: "importBatch",
      value: {
        idempotencyKey: k(),
        products: [product("GOOD"), product("BAD", { priceFen: 0n })],
        marketers: [],
      },
    });
    expect(r.code).toBe("IMPORT_ROW_INVALID");
    expect(r.details).toEqual([
      { key: "row", value: "2" },
      { key: "sku", value: "BAD" },
    ]);
    expect(productView(c.state, "org1", "GOOD")).toBeUndefined();
    const m = c.run("enterprise", {
      kind: "importBatch",
      value: {
        idempotencyKey: k(),
        products: [],
        marketers: [{ code: c.actor("zhao").code, teamLead: undefined, active: true }],
      },
    });
    expect([m.code, m.details[1]]).toEqual(["IMPORT_ROW_INVALID", { key: "row", value: "1" }]);
  });

  it("keeps one referral code per (marketer, product); the last touch before payment wins", () => {
    const { c, liCode, wangCode } = setup();
    const again = c.ok("li", {
      kind: "createReferralCode",
      value: { idempotencyKey: k(), enterprise: "org1", sku: "TEA" },
    });
    expect(again.events.map((e) => [e.type, attr(e, "code")])).toEqual([["referralExists", liCode]]);
    expect(liCode).not.toBe(wangCode);
    const { id } = createOrder(c, "zhao", liCode);
    c.ok("zhao", {
      kind: "touchReferral",
      value: { idempotencyKey: k(), orderId: id, referralCode: wangCode },
    });
    expect(readOrder(c.state, id)!.marketer).toEqual(c.actor("wang").code);
    c.ok("enterprise", {
      kind: "confirmPayment",
      value: { idempotencyKey: k(), orderId: id, amountReceivedFen: 1n },
    });
    const late = c.run("zhao", {
      kind: "touchReferral",
      value: { idempotencyKey: k(), orderId: id, referralCode: liCode },
    });
    expect(late.code).toBe("ORDER_BAD_STATE");
  });

  it("enforces who may act: roles, the order's enterprise, the order's buyer; cancel only before shipping", () => {
    const { c, liCode } = setup();
    const { id } = createOrder(c, "zhao", liCode, 3);
    expect(productView(c.state, "org1", "TEA")).toMatchObject({ stock: 7n, reserved: 3n });
    const pay = {
      kind: "confirmPayment",
      value: { idempotencyKey: k(), orderId: id, amountReceivedFen: 30_000n },
    } as const;
    expect(c.run("zhao", pay).code).toBe("ROLE_NOT_PERMITTED");
    expect(c.run("enterprise2", pay).code).toBe("NOT_YOUR_ENTERPRISE");
    expect(
      c.run("qian", { kind: "cancelOrder", value: { idempotencyKey: k(), orderId: id, reason: "other" } })
        .code,
    ).toBe("NOT_ORDER_PARTY");
    // Reason codes are a closed list of the encoding: an unknown one has no bytes to sign.
    expect(() =>
      c.tx("enterprise", {
        kind: "cancelOrder",
        value: { idempotencyKey: k(), orderId: id, reason: "bogus" as "other" },
      }),
    ).toThrow(expect.objectContaining({ code: "CODEC_UNKNOWN_VALUE" }));
    c.ok("enterprise", pay);
    c.ok("enterprise", { kind: "shipOrder", value: { idempotencyKey: k(), orderId: id, reason: "shipped" } });
    expect(
      c.run("zhao", { kind: "cancelOrder", value: { idempotencyKey: k(), orderId: id, reason: "other" } })
        .code,
    ).toBe("ORDER_BAD_STATE");
    const over = c.run("zhao", {
      kind: "createOrder",
      value: {
        idempotencyKey: k(),
        enterprise: "org1",
        channel: "online",
        lines: [{ sku: "TEA", quantity: 8, referralCode: undefined }],
        buyerCommitment: new Uint8Array(32),
        buyerCode: undefined,
      },
    });
    expect(over.code).toBe("OUT_OF_STOCK");
  });

  it("lets an authorised payment service (another organisation's enterprise identity) confirm payments", () => {
    const { c, liCode } = setup();
    const { id } = createOrder(c, "zhao", liCode);
    const pay = (amountReceivedFen: bigint) =>
      c.run("enterprise2", {
        kind: "confirmPayment",
        value: { idempotencyKey: k(), orderId: id, amountReceivedFen },
      });
    expect(pay(10_000n).code).toBe("NOT_YOUR_ENTERPRISE");
    const authorise = (authorised: boolean) =>
      c.ok("enterprise", {
        kind: "authorisePaymentService",
        value: { idempotencyKey: k(), code: c.actor("enterprise2").code, authorised },
      });
    authorise(true);
    expect(pay(10_000n).code).toBe("OK");
    authorise(false);
    const other = createOrder(c, "zhao", liCode).id;
    expect(
      c.run("enterprise2", {
        kind: "confirmPayment",
        value: { idempotencyKey: k(), orderId: other, amountReceivedFen: 1n },
      }).code,
    ).toBe("NOT_YOUR_ENTERPRISE");
    expect(
      c.run("enterprise", {
        kind: "authorisePaymentService",
        value: { idempotencyKey: k(), code: c.actor("wang").code, authorised: true },
      }).code,
    ).toBe("PAYMENT_SERVICE_INVALID");
  });

  it("takes baskets: payment split by largest remainder, basket-level steps, per-line referrals and refunds", () => {
    const { c, liCode, wangCode } = setup();
    c.ok("enterprise", {
      kind: "importBatch",
      value: { idempotencyKey: k(), products: [product("CUP", { priceFen: 5_000n })], marketers: [] },
    });
    const cupCode = attr(
      c.ok("wang", {
        kind: "createReferralCode",
        value: { idempotencyKey: k(), enterprise: "org1", sku: "CUP" },
      }).events[0]!,
      "code",
    )!;
    expect(cupCode).not.toBe(wangCode);
    c.ok("enterprise", deposit(c, 100_000n));
    const r = c.ok("zhao", {
      kind: "createOrder",
      value: {
        idempotencyKey: k(),
        enterprise: "org1",
        channel: "online",
        lines: [
          { sku: "TEA", quantity: 1, referralCode: liCode },
          { sku: "CUP", quantity: 1, referralCode: cupCode },
        ],
        buyerCommitment: new Uint8Array(32),
        buyerCode: undefined,
      },
    });
    const basket = BigInt(attr(r.events[0]!, "orderId")!);
    const line2 = basket + 1n;
    expect(readOrder(c.state, line2)).toMatchObject({ basketId: basket, line: 1, lines: 2 });
    // 10 001 received for list values 10 000 and 5 000: 6 667.33 and 3 333.67, the spare fen to the larger remainder.
    c.ok("enterprise", {
      kind: "confirmPayment",
      value: { idempotencyKey: k(), orderId: basket, amountReceivedFen: 10_001n },
    });
    expect([readOrder(c.state, basket)!.receivedFen, readOrder(c.state, line2)!.receivedFen]).toEqual([
      6_667n,
      3_334n,
    ]);
    const ship = c.run("enterprise", {
      kind: "shipOrder",
      value: { idempotencyKey: k(), orderId: line2, reason: "shipped" },
    });
    expect(ship.code).toBe("ORDER_NOT_BASKET");
    c.ok("enterprise", {
      kind: "shipOrder",
      value: { idempotencyKey: k(), orderId: basket, reason: "shipped" },
    });
    c.ok("enterprise", {
      kind: "confirmDelivery",
      value: { idempotencyKey: k(), orderId: basket, reason: "delivered" },
    });
    // The cup comes back before completion: only its line is refunded.
    c.ok("enterprise", {
      kind: "refundOrder",
      value: { idempotencyKey: k(), orderId: line2, amountFen: 3_334n, returnedUnits: 1, reason: "damaged" },
    });
    c.advance(8n * DAY_MS);
    expect(readOrder(c.state, basket)!.status).toBe("completed");
    expect(readOrder(c.state, line2)!.status).toBe("refunded");
    expect(readCommission(c.state, basket)!.totalFen).toBe(666n);
    expect(readCommission(c.state, line2)).toBeUndefined();
    expect(marketerEarnings(c.state, "org1", c.actor("wang").code).settledFen).toBe(0n);
  });

  it("refuses policies that break the rules (rates over 100%, unsorted tiers, scope changes)", () => {
    const { c } = setup();
    const publish = (rules: ReturnType<typeof plainRules>, scopeKind: ScopeKind = "enterprise") =>
      c.run("enterprise", {
        kind: "setRoyaltyPolicy",
        value: {
          idempotencyKey: k(),
          policyId: "std",
          scopeKind,
          scopeValue: scopeKind === "enterprise" ? "" : "tea",
          rules,
        },
      }).code;
    expect(publish(plainRules({ baseBps: 10_001 }))).toBe("POLICY_INVALID");
    expect(
      publish(
        plainRules({
          tiers: [
            { minPeriodVolumeFen: 5n, bps: 1 },
            { minPeriodVolumeFen: 5n, bps: 2 },
          ],
        }),
      ),
    ).toBe("POLICY_INVALID");
    expect(publish(plainRules(), "category")).toBe("POLICY_SCOPE_FIXED");
  });
});
