import { describe, expect, it } from "vitest";
import { encodeUserCode } from "../../pki/user-code.js";
import type { AppEvent } from "../events.js";
import { enterpriseCost, marketerEarnings } from "./queries.js";
import { readWithdrawal } from "./records.js";
import { attr, DAY_MS, eventsOf, plainRules, productRow, Shop } from "./testkit.test-util.js";

/** Instant payout: a settled commission becomes a withdrawal request in the same block. */

function instantShop() {
  const s = new Shop();
  s.roster([productRow("TEA")], [{ name: "li", lead: "lead" }]);
  s.policy("std", "enterprise", "", plainRules({ baseBps: 1000, teamLeadShareBps: 2000 }));
  s.deposit(100_000n);
  s.c.ok("enterprise", {
    kind: "authorisePaymentService",
    value: { idempotencyKey: s.key(), code: s.c.actor("enterprise2").code, authorised: true },
  });
  s.c.ok("enterprise", { kind: "setPayoutOptions", value: { idempotencyKey: s.key(), instantPayout: true } });
  return s;
}
const requests = (events: AppEvent[]) =>
  eventsOf({ events }, "withdrawalRequested").map((e) => ({
    enterprise: attr(e, "enterprise"),
    payee: attr(e, "payee"),
    amountFen: attr(e, "amountFen"),
    withdrawalId: attr(e, "withdrawalId"),
    origin: attr(e, "origin"),
    orderId: attr(e, "orderId"),
  }));

describe("instant payout", () => {
  it("asks for each settled part at once, visible as an event with enterprise, payee, amount and id", () => {
    const s = instantShop();
    const id = s.order("zhao", "TEA", s.referral("li", "TEA"));
    s.deliver(id, 10_000n);
    // Completion by block time: the requests are end-of-block events.
    const events = s.c.advance(8n * DAY_MS);
    const payee = (name: string) => s.c.actor(name).code;
    expect(requests(events)).toEqual([
      {
        enterprise: "org1",
        payee: encodeUserCode(payee("li")),
        amountFen: "800",
        withdrawalId: "0",
        origin: "instant-payout",
        orderId: String(id),
      },
      {
        enterprise: "org1",
        payee: encodeUserCode(payee("lead")),
        amountFen: "200",
        withdrawalId: "1",
        origin: "instant-payout",
        orderId: String(id),
      },
    ]);
    expect(marketerEarnings(s.c.state, "org1", payee("li"))).toMatchObject({
      balanceFen: 0n,
      pendingWithdrawalFen: 800n,
    });
    expect(readWithdrawal(s.c.state, "org1", 0)).toMatchObject({
      origin: "instant-payout",
      status: "requested",
      orderId: id,
    });
  });

  it("the payment service confirms with its reference or rejects; it may not decide a payee's own request", () => {
    const s = instantShop();
    s.sale("zhao", "TEA", s.referral("li", "TEA"), 10_000n);
    s.decide(0, true, "enterprise2");
    s.decide(1, false, "enterprise2");
    expect(marketerEarnings(s.c.state, "org1", s.c.actor("li").code)).toMatchObject({
      withdrawnFen: 800n,
      pendingWithdrawalFen: 0n,
    });
    // The rejected instant payout is the lead's balance again, to withdraw by request.
    expect(marketerEarnings(s.c.state, "org1", s.c.actor("lead").code)).toMatchObject({
      balanceFen: 200n,
      pendingWithdrawalFen: 0n,
    });
    s.c.ok("enterprise", {
      kind: "setPayoutOptions",
      value: { idempotencyKey: s.key(), instantPayout: false },
    });
    const own = s.withdraw("lead", 200n);
    const r = s.attempt("enterprise2", {
      kind: "decideWithdrawal",
      value: {
        idempotencyKey: s.key(),
        enterprise: "org1",
        withdrawalId: own,
        paid: true,
        externalReference: "PAY-1",
      },
    });
    expect(r.code).toBe("NOT_YOUR_ENTERPRISE");
    const cost = enterpriseCost(s.c.state, "org1");
    expect(cost.depositedFen).toBe(cost.balanceFen + 200n + cost.withdrawnFen);
  });

  it("is off unless the enterprise turns it on", () => {
    const s = new Shop();
    s.roster([productRow("TEA")], [{ name: "li" }]);
    s.policy("std", "enterprise", "", plainRules({ baseBps: 1000 }));
    s.deposit(100_000n);
    s.sale("zhao", "TEA", s.referral("li", "TEA"), 10_000n);
    expect(marketerEarnings(s.c.state, "org1", s.c.actor("li").code)).toMatchObject({
      balanceFen: 1_000n,
      pendingWithdrawalFen: 0n,
    });
  });
});
