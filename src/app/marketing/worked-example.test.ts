import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { toHex } from "../../ledger/bytes.js";
import { readAccount } from "../accounts.js";
import type { Operation } from "../operations/index.js";
import { enterpriseCost, marketerEarnings, productView, salesBy } from "./queries.js";
import { type ReasonCode, readCommission, readOrder, type ScopeKind } from "./records.js";
import { vaultAddress } from "./settlement.js";
import { attr, DAY_MS, MarketChain, plainRules } from "./testkit.test-util.js";

/**
 * Runs WORKED-EXAMPLE.md on a chain and checks every figure of its "Checked figures" table.
 */

const tea = {
  sku: "TEA-100",
  name: "Longjing tea gift box",
  category: "tea",
  priceFen: 29_800n,
  costFen: 12_000n,
  stock: 100n,
  channels: ["online", "distributor"],
  serviceTerms: "7-day return",
  returnWindowDays: 7,
  status: "active" as const,
};
const cup = {
  sku: "CUP-200",
  name: "Celadon cup set",
  category: "teaware",
  priceFen: 12_900n,
  costFen: 5_000n,
  stock: 50n,
  channels: ["online", "offline"],
  serviceTerms: "7-day return",
  returnWindowDays: 7,
  status: "active" as const,
};

/** The state root after the story (fixed keys, fixed times); PRINT_GOLDEN=1 prints it. */
// Protocols 5 to 8 changed it only through the version genesis writes into the state; 9 by the
// order line's unit cost, the sales records' cost and the version; 10 to 12 by the version alone.
const WORKED_EXAMPLE_ROOT = "1ab397e9e8406fb0dc057cff5dfae87e17f2b7bb9005d9363f2c17c84f1296e7";

function runWorkedExample() {
  let n = 0;
  const key = () => `we-${++n}`;
  const c = new MarketChain();
  const li = c.actor("li");
  const lead = c.actor("lead");
  const wang = c.actor("wang");
  const zhao = c.actor("zhao");
  const qian = c.actor("qian");
  c.advance(9n * DAY_MS); // 2026-01-10
  const op = (o: Operation) => o;
  c.ok(
    "enterprise",
    op({
      kind: "importBatch",
      value: {
        idempotencyKey: key(),
        products: [tea, cup],
        marketers: [{ code: li.code, teamLead: lead.code, active: true }],
      },
    }),
  );
  const policy = (
    policyId: string,
    scopeKind: ScopeKind,
    scopeValue: string,
    rules: ReturnType<typeof plainRules>,
  ) =>
    c.ok("enterprise", {
      kind: "setRoyaltyPolicy",
      value: { idempotencyKey: key(), policyId, scopeKind, scopeValue, rules },
    });
  policy("std", "enterprise", "", plainRules({ baseBps: 800, teamLeadShareBps: 2000 }));
  policy(
    "ware",
    "category",
    "teaware",
    plainRules({ baseBps: 300, fixedPerUnitFen: 500n, capPerOrderFen: 2_000n }),
  );
  policy(
    "tea-launch",
    "product",
    "TEA-100",
    plainRules({
      baseBps: 1000,
      tiers: [{ minPeriodVolumeFen: 50_000n, bps: 1200 }],
      channelBps: [{ channel: "distributor", bps: 600 }],
      capPerMarketerPeriodFen: 10_000n,
      teamLeadShareBps: 2000,
    }),
  );
  c.ok("enterprise", {
    kind: "depositEscrow",
    value: { idempotencyKey: key(), amountFen: 20_000n, reference: "FIN-0001" },
  });
  const refCode = (who: string, sku: string) =>
    attr(
      c.ok(who, { kind: "createReferralCode", value: { idempotencyKey: key(), enterprise: "org1", sku } })
        .events[0]!,
      "code",
    )!;
  const liTea = refCode("li", "TEA-100");
  const wangCup = refCode("wang", "CUP-200");
  const order = (buyer: string, sku: string, quantity: number, channel: string, referralCode: string) => {
    const r = c.ok(buyer, {
      kind: "createOrder",
      value: {
        idempotencyKey: key(),
        enterprise: "org1",
        channel,
        lines: [{ sku, quantity, referralCode }],
        buyerCommitment: new Uint8Array(32).fill(7),
        buyerCode: undefined,
      },
    });
    return BigInt(attr(r.events[0]!, "orderId")!);
  };
  const pay = (orderId: bigint, amountReceivedFen: bigint) =>
    c.ok("enterprise", {
      kind: "confirmPayment",
      value: { idempotencyKey: key(), orderId, amountReceivedFen },
    });
  const shipAndDeliver = (orderId: bigint) => {
    c.ok("enterprise", { kind: "shipOrder", value: { idempotencyKey: key(), orderId, reason: "shipped" } });
    c.ok("enterprise", {
      kind: "confirmDelivery",
      value: { idempotencyKey: key(), orderId, reason: "delivered" },
    });
  };
  const refund = (orderId: bigint, amountFen: bigint, returnedUnits: number, reason: ReasonCode) =>
    c.ok("enterprise", {
      kind: "refundOrder",
      value: { idempotencyKey: key(), orderId, amountFen, returnedUnits, reason },
    });

  // Order 1: zhao, 2 x TEA-100 online via li, completes when the 7-day window passes.
  const o1 = order("zhao", "TEA-100", 2, "online", liTea);
  pay(o1, 59_600n);
  shipAndDeliver(o1);
  c.advance(7n * DAY_MS + 60_000n);
  // Order 2: qian, 1 x TEA-100 online via li at a discount, buyer confirms receipt at once.
  const o2 = order("qian", "TEA-100", 1, "online", liTea);
  pay(o2, 27_000n);
  shipAndDeliver(o2);
  c.ok("qian", {
    kind: "confirmReceipt",
    value: { idempotencyKey: key(), orderId: o2, reason: "buyer-confirmed" },
  });
  // Order 3: zhao, 3 x CUP-200 online via wang.
  const o3 = order("zhao", "CUP-200", 3, "online", wangCup);
  pay(o3, 38_700n);
  shipAndDeliver(o3);
  // Order 4: qian, 1 x TEA-100 through a distributor via li; 98 yuan price adjustment before completion.
  const o4 = order("qian", "TEA-100", 1, "distributor", liTea);
  pay(o4, 29_800n);
  shipAndDeliver(o4);
  refund(o4, 9_800n, 0, "price-adjustment");
  c.advance(7n * DAY_MS + 60_000n); // orders 3 and 4 complete
  // One cup of order 3 comes back after completion.
  refund(o3, 12_900n, 1, "damaged");
  // li withdraws 50 yuan; finance confirms with its bank reference.
  c.ok("li", {
    kind: "requestWithdrawal",
    value: { idempotencyKey: key(), enterprise: "org1", amountFen: 5_000n },
  });
  c.ok("enterprise", {
    kind: "decideWithdrawal",
    value: {
      idempotencyKey: key(),
      enterprise: "org1",
      withdrawalId: 0,
      paid: true,
      externalReference: "BANK-20260125-0001",
    },
  });
  // Order 1 is refunded in full after li withdrew: li's balance cannot cover the clawback.
  refund(o1, 59_600n, 2, "not-as-described");

  const total = (id: bigint) => readCommission(c.state, id)!.totalFen;
  const part = (id: bigint, i: number) => readCommission(c.state, id)!.parts[i]!.grossFen;
  const earn = (code: Uint8Array) => marketerEarnings(c.state, "org1", code);
  const cost = enterpriseCost(c.state, "org1");
  const figures: Record<string, bigint | number | string> = {
    "order1.commission": total(o1),
    "order1.li": part(o1, 0),
    "order1.lead": part(o1, 1),
    "order2.rateBps": readCommission(c.state, o2)!.rateBps,
    "order2.commission": total(o2),
    "order2.li": part(o2, 0),
    "order2.lead": part(o2, 1),
    "order3.commission": total(o3),
    "order3.note": readCommission(c.state, o3)!.note,
    "order3.clawback": readCommission(c.state, o3)!.parts[0]!.clawedBackFen,
    "order4.base": readCommission(c.state, o4)!.baseFen,
    "order4.rateBps": readCommission(c.state, o4)!.rateBps,
    "order4.commission": total(o4),
    "order4.note": readCommission(c.state, o4)!.note,
    "order4.li": part(o4, 0),
    "order4.lead": part(o4, 1),
    "li.balance": earn(li.code).balanceFen,
    "li.debt": earn(li.code).debtFen,
    "li.withdrawn": earn(li.code).withdrawnFen,
    "li.clawedBack": earn(li.code).clawedBackFen,
    "lead.balance": earn(lead.code).balanceFen,
    "wang.balance": earn(wang.code).balanceFen,
    "escrow.deposited": cost.depositedFen,
    "escrow.balance": cost.balanceFen,
    "escrow.withdrawn": cost.withdrawnFen,
    "vault.account": readAccount(c.state, vaultAddress(c.suite.hash, "org1")).balanceFen,
    "tea.stock": productView(c.state, "org1", "TEA-100")!.stock,
    "tea.sold": productView(c.state, "org1", "TEA-100")!.sold,
    "cup.sold": productView(c.state, "org1", "CUP-200")!.sold,
    "sales.online.net": salesBy(c.state, "org1", "channel").find((s) => s.key === "online")!.netReceivedFen,
    "sales.distributor.net": salesBy(c.state, "org1", "channel").find((s) => s.key === "distributor")!
      .netReceivedFen,
  };
  return {
    chain: c,
    figures,
    orders: { o1, o2, o3, o4 },
    readOrder: (id: bigint) => readOrder(c.state, id),
    zhao,
    qian,
  };
}

function documentedFigures(): Record<string, string> {
  const md = readFileSync(new URL("./WORKED-EXAMPLE.md", import.meta.url), "utf8");
  const section = md.split("## Checked figures")[1] ?? "";
  const out: Record<string, string> = {};
  for (const line of section.split("\n")) {
    const m = /^\|\s*`([a-z0-9.]+)`\s*\|\s*([^|]+?)\s*\|/i.exec(line);
    if (m) out[m[1]!] = m[2]!.replace(/[_,]/g, "");
  }
  return out;
}

describe("the worked example (WORKED-EXAMPLE.md)", () => {
  it("produces exactly the figures the document states", () => {
    const { figures } = runWorkedExample();
    const documented = documentedFigures();
    const computed = Object.fromEntries(Object.entries(figures).map(([k, v]) => [k, String(v)]));
    expect(Object.keys(documented).sort()).toEqual(Object.keys(computed).sort());
    expect(documented).toEqual(computed);
  });

  it("conserves the enterprise's money: deposited = escrow + balances + pending + withdrawn", () => {
    const { figures } = runWorkedExample();
    expect(figures["escrow.deposited"]).toBe(
      (figures["escrow.balance"] as bigint) +
        (figures["li.balance"] as bigint) +
        (figures["lead.balance"] as bigint) +
        (figures["wang.balance"] as bigint) +
        (figures["escrow.withdrawn"] as bigint),
    );
  });

  it("reaches the same state root on every run and on replay (a changed encoding shows here)", () => {
    const { chain } = runWorkedExample();
    const replayed = new MarketChain().replay(chain.blocks);
    expect(replayed.at(-1)).toBe(toHex(chain.root));
    if (process.env.PRINT_GOLDEN === "1") console.log(`worked example root: ${toHex(chain.root)}`);
    else expect(toHex(chain.root)).toBe(WORKED_EXAMPLE_ROOT);
  });
});
