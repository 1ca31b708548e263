import { describe, expect, it } from "vitest";
import { encodeUserCode } from "../../pki/user-code.js";
import type { AppEvent } from "../events.js";
import type { Operation } from "../operations/index.js";
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

  it("the payment service confirms an instant payout with its reference or rejects it", () => {
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
    const cost = enterpriseCost(s.c.state, "org1");
    expect(cost.depositedFen).toBe(cost.balanceFen + 200n + cost.withdrawnFen);
  });

  it("one decision for any withdrawal, by finance or an authorised service, once; no one else", () => {
    const s = instantShop();
    s.c.ok("enterprise", {
      kind: "setPayoutOptions",
      value: { idempotencyKey: s.key(), instantPayout: false },
    });
    s.sale("zhao", "TEA", s.referral("li", "TEA"), 10_000n);
    const decision = (idempotencyKey: string, withdrawalId: number, paid = true): Operation => ({
      kind: "decideWithdrawal",
      value: { idempotencyKey, enterprise: "org1", withdrawalId, paid, externalReference: "PSP-1" },
    });
    // The payee's own request: the authorised service pays it and records its reference.
    const own = s.withdraw("li", 500n);
    const paid = s.c.ok("enterprise2", decision("d-1", own));
    expect(
      eventsOf(paid, "withdrawalPaid").map((e) => [attr(e, "enterprise"), attr(e, "externalReference")]),
    ).toEqual([["org1", "PSP-1"]]);
    // The same call again (a retry after a crash) changes nothing; another decision is refused.
    expect(s.c.ok("enterprise2", decision("d-1", own)).events.map((e) => e.type)).toEqual([
      "idempotentReplay",
    ]);
    expect(s.attempt("enterprise2", decision("d-2", own, false)).code).toBe("WITHDRAWAL_DECIDED");
    expect(s.attempt("enterprise", decision("d-3", own, false)).code).toBe("WITHDRAWAL_DECIDED");
    // Once the enterprise withdraws its authorisation, the service decides nothing more; finance still does.
    s.c.ok("enterprise", {
      kind: "authorisePaymentService",
      value: { idempotencyKey: s.key(), code: s.c.actor("enterprise2").code, authorised: false },
    });
    const next = s.withdraw("lead", 200n);
    expect(s.attempt("enterprise2", decision("d-4", next)).code).toBe("NOT_YOUR_ENTERPRISE");
    expect(s.attempt("li", decision("d-5", next)).code).toBe("ROLE_NOT_PERMITTED");
    s.decide(next, false);
    expect(marketerEarnings(s.c.state, "org1", s.c.actor("li").code)).toMatchObject({
      balanceFen: 300n,
      withdrawnFen: 500n,
    });
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
