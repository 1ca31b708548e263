import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { readAccount } from "../accounts.js";
import { describeResult } from "../events.js";
import { checkOperation } from "../operations/check.js";
import type { Operation } from "../operations/index.js";
import { OperationInputError } from "../operations/input.js";
import { enterpriseCost } from "./queries.js";
import { readWithdrawal } from "./records.js";
import { vaultAddress } from "./settlement.js";
import { attr, eventsOf, plainRules, productRow, Shop } from "./testkit.test-util.js";

/**
 * Runs the worked example of each rule in README.md ("The rules, in plain words") on the real
 * state machine and checks every figure of its tables, so the README cannot drift from the
 * chain: a figure the README states and no example computes, or the other way round, fails too.
 */

type Figures = Record<string, string | bigint | number>;

const TEA = productRow("TEA");
const CUP = productRow("CUP", { category: "teaware" });
const GIFT = productRow("GIFT", { returnWindowDays: 0 });

function shop(deposit = 1_000_000n): Shop {
  const s = new Shop();
  s.roster([TEA, CUP, GIFT], [{ name: "li", lead: "lead" }]);
  s.deposit(deposit);
  return s;
}
const commission = (s: Shop, id: bigint) => s.commission(id);
const part = (s: Shop, id: bigint, role: string) =>
  s.commission(id).parts.find((p) => p.role === role)?.grossFen ?? 0n;
const earnings = (s: Shop, who: string) => s.earnings(who);
/** 5%, or 10% from a window volume of 10 000 (R2 and R3). */
const tiered = plainRules({ baseBps: 500, tiers: [{ minPeriodVolumeFen: 10_000n, bps: 1000 }] });
const refusal = (s: Shop, who: string, op: Operation) => s.attempt(who, op).code;

function r1(): Figures {
  const s = shop();
  s.policy("std", "enterprise", "", plainRules({ baseBps: 500 }));
  s.policy(
    "tea10",
    "product",
    "TEA",
    plainRules({
      baseBps: 500,
      periodDays: 10,
      tiers: [{ minPeriodVolumeFen: 20_000n, bps: 1000 }],
      capPerMarketerPeriodFen: 1_500n,
      teamLeadShareBps: 2000,
    }),
  );
  const cup = s.sale("zhao", "CUP", s.referral("li", "CUP"), 20_000n, { quantity: 2 });
  const tea = s.referral("li", "TEA");
  const first = s.sale("zhao", "TEA", tea, 10_000n);
  const second = s.sale("qian", "TEA", tea, 10_000n);
  return {
    "r1.cup.commission": commission(s, cup).totalFen,
    "r1.tea1.rate": commission(s, first).rateBps,
    "r1.tea1.li": part(s, first, "marketer"),
    "r1.tea1.lead": part(s, first, "team-lead"),
    "r1.tea2.rate": commission(s, second).rateBps,
    "r1.tea2.commission": commission(s, second).totalFen,
    "r1.tea2.note": commission(s, second).note,
    "r1.tea2.li": part(s, second, "marketer"),
    "r1.tea2.lead": part(s, second, "team-lead"),
  };
}

function r2(): Figures {
  const s = shop();
  s.policy("std", "enterprise", "", tiered);
  const code = s.referral("li", "TEA");
  const first = s.sale("zhao", "TEA", code, 10_000n);
  const firstFen = commission(s, first).totalFen;
  s.refund(first, 10_000n);
  const second = s.sale("qian", "TEA", code, 10_000n);
  return {
    "r2.first.commission": firstFen,
    "r2.li.clawedBack": earnings(s, "li").clawedBackFen,
    "r2.second.rate": commission(s, second).rateBps,
    "r2.second.commission": commission(s, second).totalFen,
    "r2.li.balance": earnings(s, "li").balanceFen,
  };
}

function r3(): Figures {
  const s = shop();
  s.policy("std", "enterprise", "", tiered);
  // The enterprise records li's own purchase (li's user code as the buyer) through li's code.
  const own = s.order("enterprise", "GIFT", s.referral("li", "GIFT"), { buyerCode: s.c.actor("li").code });
  s.deliver(own, 10_000n);
  const next = s.sale("zhao", "TEA", s.referral("li", "TEA"), 10_000n);
  return {
    "r3.own.commission": commission(s, own).totalFen,
    "r3.own.note": commission(s, own).note,
    "r3.next.rate": commission(s, next).rateBps,
    "r3.next.commission": commission(s, next).totalFen,
  };
}

function r4(): Figures {
  const s = shop();
  s.policy("std", "enterprise", "", plainRules({ baseBps: 1000 }));
  const id = s.sale("zhao", "TEA", s.referral("li", "TEA"), 10_000n);
  const afterSale = earnings(s, "li").balanceFen;
  const wd = s.withdraw("li", 1_000n);
  s.refund(id, 10_000n);
  const before = earnings(s, "li");
  s.decide(wd, false);
  const after = earnings(s, "li");
  const more: Operation = {
    kind: "requestWithdrawal",
    value: { idempotencyKey: s.key(), enterprise: "org1", amountFen: 1n },
  };
  return {
    "r4.sale.balance": afterSale,
    "r4.refunded.balance": before.balanceFen,
    "r4.refunded.pending": before.pendingWithdrawalFen,
    "r4.refunded.debt": before.debtFen,
    "r4.rejected.balance": after.balanceFen,
    "r4.rejected.debt": after.debtFen,
    "r4.withdraw1.code": refusal(s, "li", more),
    "r4.escrow": enterpriseCost(s.c.state, "org1").balanceFen,
  };
}

function r5(): Figures {
  const s = shop();
  s.policy("std", "enterprise", "", plainRules({ baseBps: 1000, teamLeadShareBps: 2000 }));
  const code = s.referral("li", "TEA");
  const earlier = s.order("zhao", "TEA", code);
  s.roster([], [{ name: "li", lead: "lead", active: false }]);
  const refused = refusal(s, "qian", s.orderOp("TEA", code));
  s.deliver(earlier, 10_000n);
  s.receipt("zhao", earlier);

  const t = shop();
  t.policy("std", "enterprise", "", plainRules({ baseBps: 1000, teamLeadShareBps: 2000 }));
  const late = t.order("zhao", "TEA", t.referral("li", "TEA"));
  t.deliver(late, 10_000n);
  t.roster([], [{ name: "lead", active: false }]);
  t.receipt("zhao", late);
  return {
    "r5.newOrder.code": refused,
    "r5.earlier.li": part(s, earlier, "marketer"),
    "r5.earlier.lead": part(s, earlier, "team-lead"),
    "r5.inactiveLead.li": part(t, late, "marketer"),
    "r5.inactiveLead.lead": part(t, late, "team-lead"),
  };
}

function r6(): Figures {
  const s = shop();
  const policy = (rules: Record<string, unknown>): Operation =>
    ({
      kind: "setRoyaltyPolicy",
      value: { idempotencyKey: s.key(), policyId: "std", scopeKind: "enterprise", scopeValue: "", rules },
    }) as Operation;
  const sdk = (op: Operation): string => {
    try {
      checkOperation(op);
      return "signed";
    } catch (e) {
      if (!(e instanceof OperationInputError)) throw e;
      return String((e.details.issues as string[])[0]);
    }
  };
  const longPeriod = policy({ ...plainRules(), periodDays: 400 });
  return {
    "r6.unknown.sdk": sdk(policy({ ...plainRules(), recruitBonusBps: 500 })),
    "r6.period.sdk": sdk(longPeriod),
    "r6.period.chain": describeResult(s.attempt("enterprise", longPeriod)),
  };
}

function settlement(): Figures {
  const s = shop(5_000n);
  s.policy("std", "enterprise", "", plainRules({ baseBps: 1000 }));
  s.sale("zhao", "TEA", s.referral("li", "TEA"), 10_000n);
  const afterSale = {
    escrow: enterpriseCost(s.c.state, "org1").balanceFen,
    li: earnings(s, "li").balanceFen,
  };
  const wd = s.withdraw("li", 600n);
  s.decide(wd, true);
  const cost = enterpriseCost(s.c.state, "org1");

  const i = shop();
  i.policy("std", "enterprise", "", plainRules({ baseBps: 1000 }));
  i.c.ok("enterprise", {
    kind: "authorisePaymentService",
    value: { idempotencyKey: i.key(), code: i.c.actor("enterprise2").code, authorised: true },
  });
  i.c.ok("enterprise", { kind: "setPayoutOptions", value: { idempotencyKey: i.key(), instantPayout: true } });
  const code = i.referral("li", "TEA");
  const id = i.order("zhao", "TEA", code);
  i.deliver(id, 10_000n);
  const settled = i.c.ok("zhao", {
    kind: "confirmReceipt",
    value: { idempotencyKey: i.key(), orderId: id, reason: "buyer-confirmed" },
  });
  const request = eventsOf(settled, "withdrawalRequested")[0]!;
  const instantId = Number(attr(request, "withdrawalId"));
  const paid = i.c.ok("enterprise2", {
    kind: "decideWithdrawal",
    value: {
      idempotencyKey: "psp-1",
      enterprise: "org1",
      withdrawalId: instantId,
      paid: true,
      externalReference: "PSP-7781",
    },
  });
  return {
    "pay.sale.escrow": afterSale.escrow,
    "pay.sale.li": afterSale.li,
    "pay.deposited": cost.depositedFen,
    "pay.escrow": cost.balanceFen,
    "pay.li.balance": earnings(s, "li").balanceFen,
    "pay.li.withdrawn": earnings(s, "li").withdrawnFen,
    "pay.vault": readAccount(s.c.state, vaultAddress(s.c.suite.hash, "org1")).balanceFen,
    "pay.reference": readWithdrawal(s.c.state, "org1", wd)!.externalReference,
    "pay.instant.amount": attr(request, "amountFen")!,
    "pay.instant.origin": attr(request, "origin")!,
    "pay.instant.reference": attr(eventsOf(paid, "withdrawalPaid")[0]!, "externalReference")!,
    "pay.instant.li.withdrawn": earnings(i, "li").withdrawnFen,
  };
}

/** Every `| \`key\` | value |` row of the README's rules section; numbers lose their digit spaces. */
function documentedFigures(): Record<string, string> {
  const md = readFileSync(new URL("./README.md", import.meta.url), "utf8");
  const section = md.split("## The rules, in plain words")[1]?.split("\n## ")[0] ?? "";
  const out: Record<string, string> = {};
  for (const line of section.split("\n")) {
    const m = /^\|\s*`((?:r[1-6]|pay)\.[A-Za-z0-9.]+)`\s*\|\s*([^|]+?)\s*\|/.exec(line);
    if (m) out[m[1]!] = /^[0-9][0-9 ]*$/.test(m[2]!) ? m[2]!.replace(/ /g, "") : m[2]!.replace(/^`|`$/g, "");
  }
  return out;
}

describe("the rules' worked examples in README.md", () => {
  it("reach on the chain exactly the figures the README states", () => {
    const computed = Object.fromEntries(
      Object.entries({ ...r1(), ...r2(), ...r3(), ...r4(), ...r5(), ...r6(), ...settlement() }).map(
        ([k, v]) => [k, String(v)],
      ),
    );
    if (process.env.PRINT_GOLDEN === "1") console.log(computed);
    const documented = documentedFigures();
    expect(Object.keys(documented).sort()).toEqual(Object.keys(computed).sort());
    expect(documented).toEqual(computed);
  });
});
