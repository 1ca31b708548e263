import { describe, expect, it } from "vitest";
import { enterpriseCost, productView } from "./queries.js";
import { keys, readCount, readOrder } from "./records.js";
import { DAY_MS, plainRules, productRow, Shop } from "./testkit.test-util.js";

/**
 * The royalty rules R1-R5 of the marketing README, one story each. The chain starts on
 * 2026-01-01 (day 20454 since the epoch): the 10-day window then runs to day 20459 and the
 * 30-day window to day 20459 as well, so six days later both windows are new.
 */

const TEA = productRow("TEA");
const CUP = productRow("CUP", { category: "teaware" });
const commissionOf = (s: Shop, id: bigint) => s.commission(id);
const parts = (s: Shop, id: bigint) =>
  s.commission(id).parts.map((p) => [p.role, p.grossFen] as [string, bigint]);
const earnings = (s: Shop, who: string) => s.earnings(who);

function shop(products = [TEA, CUP]) {
  const s = new Shop();
  s.roster(products, [{ name: "li", lead: "lead" }]);
  s.deposit(1_000_000n);
  return s;
}

describe("R1: tier volume is the marketer's whole net received with the enterprise in the window", () => {
  it("a 10-day tier counts sales under a 30-day policy, in the 10-day window of the completion", () => {
    const s = shop();
    s.policy("std", "enterprise", "", plainRules({ baseBps: 1000 }));
    s.policy(
      "cup10",
      "product",
      "CUP",
      plainRules({ baseBps: 100, periodDays: 10, tiers: [{ minPeriodVolumeFen: 10_000n, bps: 2000 }] }),
    );
    const tea = s.sale("zhao", "TEA", s.referral("li", "TEA"), 10_000n);
    expect(commissionOf(s, tea).totalFen).toBe(1_000n);
    const cup = s.sale("zhao", "CUP", s.referral("li", "CUP"), 10_000n);
    expect([commissionOf(s, cup).rateBps, commissionOf(s, cup).totalFen]).toEqual([2000, 2_000n]);
    // Day 20460 opens a new 10-day window: the earlier sales are not in it.
    s.c.advance(6n * DAY_MS);
    const later = s.sale("qian", "CUP", s.referral("li", "CUP"), 10_000n);
    expect([commissionOf(s, later).rateBps, commissionOf(s, later).totalFen]).toEqual([100, 100n]);
  });

  it("the period cap counts the commission (lead's share included) under the same policy id only", () => {
    const s = shop();
    const capped = { baseBps: 1000, capPerMarketerPeriodFen: 1_500n, teamLeadShareBps: 2000 };
    s.policy("tea", "product", "TEA", plainRules(capped));
    s.policy("cup", "product", "CUP", plainRules(capped));
    const liTea = s.referral("li", "TEA");
    const first = s.sale("zhao", "TEA", liTea, 10_000n);
    expect(parts(s, first)).toEqual([
      ["marketer", 800n],
      ["team-lead", 200n],
    ]);
    // Another policy of the same length has its own cap.
    const cup = s.sale("zhao", "CUP", s.referral("li", "CUP"), 10_000n);
    expect([commissionOf(s, cup).totalFen, commissionOf(s, cup).note]).toEqual([1_000n, "rate"]);
    const second = s.sale("zhao", "TEA", liTea, 10_000n);
    expect([commissionOf(s, second).totalFen, commissionOf(s, second).note]).toEqual([500n, "cap-period"]);
    // A refund claws money back but gives no cap room back.
    s.refund(first, 10_000n);
    const third = s.sale("qian", "TEA", liTea, 10_000n);
    expect([commissionOf(s, third).totalFen, commissionOf(s, third).note]).toEqual([0n, "cap-period"]);
  });
});

describe("R2: tier volume is net of refunds, in the window where the line completed", () => {
  const tiered = plainRules({ baseBps: 1000, tiers: [{ minPeriodVolumeFen: 10_000n, bps: 2000 }] });

  it("a sale refunded in full after completion does not lift the next sale into a tier", () => {
    const s = shop();
    s.policy("std", "enterprise", "", tiered);
    const code = s.referral("li", "TEA");
    const bought = s.sale("zhao", "TEA", code, 10_000n);
    s.refund(bought, 10_000n);
    const next = s.sale("qian", "TEA", code, 10_000n);
    expect([commissionOf(s, next).rateBps, commissionOf(s, next).totalFen]).toEqual([1000, 1_000n]);
  });

  it("a partial refund lowers the volume by the amount refunded", () => {
    const s = shop();
    s.policy("std", "enterprise", "", tiered);
    const code = s.referral("li", "TEA");
    const bought = s.sale("zhao", "TEA", code, 10_000n);
    s.refund(bought, 1n);
    const next = s.sale("qian", "TEA", code, 10_000n);
    expect(commissionOf(s, next).rateBps).toBe(1000);
  });

  it("a refund in a later window lowers the window of the completion, not the current one", () => {
    const s = shop();
    s.policy("std", "enterprise", "", tiered);
    const code = s.referral("li", "TEA");
    const old = s.sale("zhao", "TEA", code, 10_000n);
    s.c.advance(6n * DAY_MS);
    s.sale("zhao", "TEA", code, 10_000n);
    s.refund(old, 10_000n);
    const next = s.sale("qian", "TEA", code, 10_000n);
    expect(commissionOf(s, next).rateBps).toBe(2000);
  });
});

describe("R3: a self-referred order that earns nothing adds nothing to the tier volume", () => {
  const rules = (ownPurchaseEarns: boolean) =>
    plainRules({ baseBps: 1000, ownPurchaseEarns, tiers: [{ minPeriodVolumeFen: 10_000n, bps: 2000 }] });
  const ownThenSale = (ownPurchaseEarns: boolean) => {
    const s = shop([TEA, productRow("GIFT", { returnWindowDays: 0 })]);
    s.policy("std", "enterprise", "", rules(ownPurchaseEarns));
    // The enterprise records li's own purchase through li's code; no return window: it completes on delivery.
    const own = s.order("enterprise", "GIFT", s.referral("li", "GIFT"), { buyerCode: s.c.actor("li").code });
    s.deliver(own, 10_000n);
    const code = s.referral("li", "TEA");
    const next = s.sale("zhao", "TEA", code, 10_000n);
    return { own: commissionOf(s, own), next: commissionOf(s, next) };
  };

  it("ownPurchaseEarns false: the own purchase earns 0 and the next sale stays at the base rate", () => {
    const { own, next } = ownThenSale(false);
    expect([own.totalFen, own.note]).toEqual([0n, "own-purchase"]);
    expect(next.rateBps).toBe(1000);
  });

  it("ownPurchaseEarns true: the own purchase earns and counts", () => {
    const { own, next } = ownThenSale(true);
    expect(own.totalFen).toBe(1_000n);
    expect(next.rateBps).toBe(2000);
  });
});

describe("R4: a payee's balance and debt with one enterprise are never both positive", () => {
  const story = (withdrawFen: bigint, refundFen: bigint) => {
    const s = shop();
    s.policy("std", "enterprise", "", plainRules({ baseBps: 1000 }));
    const id = s.sale("zhao", "TEA", s.referral("li", "TEA"), 10_000n);
    const wd = s.withdraw("li", withdrawFen);
    s.refund(id, refundFen);
    const beforeReject = earnings(s, "li");
    s.decide(wd, false);
    return { s, beforeReject, after: earnings(s, "li") };
  };

  it("a rejected withdrawal nets the debt its clawback left before it returns to the balance", () => {
    const { s, beforeReject, after } = story(1_000n, 10_000n);
    expect([beforeReject.balanceFen, beforeReject.debtFen, beforeReject.pendingWithdrawalFen]).toEqual([
      0n,
      1_000n,
      1_000n,
    ]);
    expect([after.balanceFen, after.debtFen, after.pendingWithdrawalFen]).toEqual([0n, 0n, 0n]);
    // The enterprise got its money back: nothing left to withdraw, the escrow holds the deposit.
    expect(
      s.attempt("li", {
        kind: "requestWithdrawal",
        value: { idempotencyKey: s.key(), enterprise: "org1", amountFen: 1n },
      }).code,
    ).toBe("INSUFFICIENT_BALANCE");
    expect(enterpriseCost(s.c.state, "org1").balanceFen).toBe(1_000_000n);
  });

  it("what the debt does not take returns to the balance", () => {
    const { after } = story(1_000n, 5_000n);
    expect([after.balanceFen, after.debtFen]).toEqual([500n, 0n]);
  });

  it("a partial withdrawal: the clawback takes the balance first, the rejection nets the rest", () => {
    const { beforeReject, after } = story(600n, 10_000n);
    expect([beforeReject.balanceFen, beforeReject.debtFen]).toEqual([0n, 600n]);
    expect([after.balanceFen, after.debtFen]).toEqual([0n, 0n]);
  });
});

describe("R5: a deactivated marketer's code attaches to no new order; an inactive lead gets no share", () => {
  const deactivate = (s: Shop, name: string, lead?: string) =>
    s.roster([], [{ name, ...(lead ? { lead } : {}), active: false }]);

  it("a new order line through an inactive marketer's code is refused and changes nothing", () => {
    const s = shop();
    s.policy("std", "enterprise", "", plainRules({ baseBps: 1000 }));
    const liTea = s.referral("li", "TEA");
    const wangTea = s.referral("wang", "TEA");
    deactivate(s, "li", "lead");
    const orders = readCount(s.c.state, keys.orderSeq());
    const stock = productView(s.c.state, "org1", "TEA")!.stock;
    expect(s.attempt("zhao", s.orderOp("TEA", liTea)).code).toBe("MARKETER_INACTIVE");
    expect([readCount(s.c.state, keys.orderSeq()), productView(s.c.state, "org1", "TEA")!.stock]).toEqual([
      orders,
      stock,
    ]);
    // Nor by a touch: the order keeps its referral.
    const id = s.order("zhao", "TEA", wangTea);
    expect(
      s.attempt("zhao", {
        kind: "touchReferral",
        value: { idempotencyKey: s.key(), orderId: id, referralCode: liTea },
      }).code,
    ).toBe("MARKETER_INACTIVE");
    expect(readOrder(s.c.state, id)!.referralCode).toBe(wangTea);
    // An outside marketer the enterprise deactivated is refused the same way.
    deactivate(s, "wang");
    expect(s.attempt("qian", s.orderOp("TEA", wangTea)).code).toBe("MARKETER_INACTIVE");
  });

  it("a line attributed while the marketer was active still earns at completion", () => {
    const s = shop();
    s.policy("std", "enterprise", "", plainRules({ baseBps: 1000 }));
    const id = s.order("zhao", "TEA", s.referral("li", "TEA"));
    deactivate(s, "li", "lead");
    s.deliver(id, 10_000n);
    s.receipt("zhao", id);
    expect(parts(s, id)).toEqual([["marketer", 1_000n]]);
  });

  it("a team lead inactive at completion gets no share: the marketer keeps the whole commission", () => {
    const s = shop();
    s.policy("std", "enterprise", "", plainRules({ baseBps: 1000, teamLeadShareBps: 2000 }));
    const id = s.order("zhao", "TEA", s.referral("li", "TEA"));
    s.deliver(id, 10_000n);
    deactivate(s, "lead");
    s.receipt("zhao", id);
    expect(parts(s, id)).toEqual([["marketer", 1_000n]]);
    expect(commissionOf(s, id).totalFen).toBe(1_000n);
  });
});
