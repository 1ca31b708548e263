import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fromHex } from "../../ledger/bytes.js";
import { readAccount } from "../accounts.js";
import type { Operation } from "../operations/index.js";
import {
  keys,
  listEnterprises,
  readCommission,
  readCount,
  readEarnings,
  readEscrow,
  readIndex,
  readOrder,
  readProduct,
  readWithdrawal,
} from "./records.js";
import { vaultAddress } from "./settlement.js";
import { DAY_MS, MarketChain, plainRules } from "./testkit.test-util.js";

/**
 * Random sequences of marketing operations, each in its own block, on a fresh chain. After
 * every block: money is conserved, stock is conserved, every commission belongs to a completed
 * order, payables add up, and a full refund after completion has reversed the commission
 * exactly. At the end a second chain replays the same blocks and reaches the same state root
 * after every block.
 */

const SKUS = ["TEA", "CUP"];
const STOCK = 40n;
const MARKETERS = ["li", "lead", "wang"];
const BUYERS = ["zhao", "qian"];

type Action =
  | { t: "deposit"; amount: bigint }
  | { t: "order"; buyer: number; sku: number; qty: number; channel: number; marketer: number }
  | { t: "touch"; order: number; marketer: number }
  | { t: "pay"; order: number; pct: number }
  | { t: "ship" | "deliver" | "receipt" | "cancel"; order: number }
  | { t: "refund"; order: number; pct: number; units: number }
  | { t: "advance"; days: number }
  | { t: "withdraw"; marketer: number; pct: number }
  | { t: "decide"; id: number; paid: boolean }
  | { t: "repeat" }
  | { t: "flow"; order: number; pct: number };

const idx = fc.nat({ max: 4 });
const actionArb: fc.Arbitrary<Action> = fc.oneof(
  {
    arbitrary: fc.record({
      t: fc.constant("deposit" as const),
      amount: fc.bigInt({ min: 1n, max: 30_000n }),
    }),
    weight: 3,
  },
  {
    arbitrary: fc.record({
      t: fc.constant("order" as const),
      buyer: fc.nat({ max: 1 }),
      sku: fc.nat({ max: 1 }),
      qty: fc.integer({ min: 1, max: 5 }),
      channel: fc.nat({ max: 1 }),
      marketer: fc.nat({ max: 3 }),
    }),
    weight: 4,
  },
  {
    arbitrary: fc.record({ t: fc.constant("touch" as const), order: idx, marketer: fc.nat({ max: 2 }) }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      t: fc.constant("pay" as const),
      order: idx,
      pct: fc.integer({ min: 1, max: 100 }),
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      t: fc.constantFrom("ship" as const, "deliver" as const, "receipt" as const, "cancel" as const),
      order: idx,
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      t: fc.constant("refund" as const),
      order: idx,
      pct: fc.integer({ min: 1, max: 100 }),
      units: fc.nat({ max: 2 }),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({ t: fc.constant("advance" as const), days: fc.integer({ min: 1, max: 10 }) }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      t: fc.constant("withdraw" as const),
      marketer: fc.nat({ max: 2 }),
      pct: fc.integer({ min: 1, max: 100 }),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({ t: fc.constant("decide" as const), id: fc.nat({ max: 2 }), paid: fc.boolean() }),
    weight: 2,
  },
  { arbitrary: fc.constant({ t: "repeat" as const }), weight: 1 },
  {
    arbitrary: fc.record({
      t: fc.constant("flow" as const),
      order: idx,
      pct: fc.integer({ min: 50, max: 100 }),
    }),
    weight: 4,
  },
);

function setup(c: MarketChain): void {
  const product = (sku: string, priceFen: bigint, returnWindowDays: number) => ({
    sku,
    name: sku,
    category: sku === "CUP" ? "teaware" : "tea",
    priceFen,
    costFen: 1n,
    stock: STOCK,
    channels: ["online", "offline"],
    serviceTerms: "",
    returnWindowDays,
    status: "active",
  });
  c.ok("enterprise", {
    kind: "importBatch",
    value: {
      idempotencyKey: "setup-1",
      products: [product("TEA", 29_800n, 7), product("CUP", 12_345n, 0)],
      marketers: [{ code: c.actor("li").code, teamLead: c.actor("lead").code, active: true }],
    },
  });
  const policy = (
    policyId: string,
    scopeKind: string,
    scopeValue: string,
    rules: ReturnType<typeof plainRules>,
  ) =>
    c.ok("enterprise", {
      kind: "setRoyaltyPolicy",
      value: { idempotencyKey: `p-${policyId}`, policyId, scopeKind, scopeValue, rules },
    });
  policy(
    "std",
    "enterprise",
    "",
    plainRules({ baseBps: 900, teamLeadShareBps: 2500, capPerMarketerPeriodFen: 20_000n }),
  );
  policy(
    "tea",
    "product",
    "TEA",
    plainRules({
      baseBps: 1000,
      fixedPerUnitFen: 137n,
      tiers: [{ minPeriodVolumeFen: 40_000n, bps: 1500 }],
      channelBps: [{ channel: "offline", bps: 333 }],
      capPerOrderFen: 9_000n,
      teamLeadShareBps: 3333,
      periodDays: 7,
    }),
  );
  for (const m of MARKETERS) {
    for (const sku of SKUS) {
      c.ok(m, { kind: "createReferralCode", value: { idempotencyKey: `r-${sku}`, enterprise: "org1", sku } });
    }
  }
}

function referralOf(c: MarketChain, marketer: string, sku: string): string {
  const code = c.state.get(keys.referralBy("org1", sku, c.actor(marketer).code))!;
  return new TextDecoder().decode(code);
}

type Step = { signer: string; op: Operation };

function toSteps(c: MarketChain, a: Action, n: number): Step[] {
  if (a.t !== "flow") {
    const one = toOperation(c, a, n);
    return one ? [one] : [];
  }
  const pay = toOperation(c, { t: "pay", order: a.order, pct: a.pct }, n);
  if (pay?.op.kind !== "confirmPayment") return [];
  const orderId = pay.op.value.orderId;
  const step = (kind: "shipOrder" | "confirmDelivery", reason: string, k: string): Step => ({
    signer: "enterprise",
    op: { kind, value: { idempotencyKey: k, orderId, reason } },
  });
  return [pay, step("shipOrder", "shipped", `k${n}s`), step("confirmDelivery", "delivered", `k${n}d`)];
}

function toOperation(c: MarketChain, a: Action, n: number): Step | undefined {
  const orders = readCount(c.state, keys.orderSeq());
  // Mostly the latest orders, so that lifecycles progress.
  const lineId = (i: number) => (orders === 0n ? 0n : orders - 1n - (BigInt(i) % orders));
  // Payment, shipping, delivery, receipt and cancellation address a basket by its first line.
  const orderId = (i: number) => readOrder(c.state, lineId(i))?.basketId ?? 0n;
  const key = `k${n}`;
  const ent = "enterprise";
  switch (a.t) {
    case "deposit":
      return {
        signer: ent,
        op: { kind: "depositEscrow", value: { idempotencyKey: key, amountFen: a.amount, reference: key } },
      };
    case "order": {
      const sku = SKUS[a.sku]!;
      const marketer = MARKETERS[a.marketer];
      return {
        signer: BUYERS[a.buyer]!,
        op: {
          kind: "createOrder",
          value: {
            idempotencyKey: key,
            enterprise: "org1",
            channel: a.channel === 0 ? "online" : "offline",
            lines: [
              { sku, quantity: a.qty, referralCode: marketer ? referralOf(c, marketer, sku) : undefined },
              // Half the orders are baskets of two lines, the second with its own referral.
              ...(a.qty % 2 === 0
                ? [
                    {
                      sku: SKUS[1 - a.sku]!,
                      quantity: 1,
                      referralCode:
                        a.marketer < 2
                          ? referralOf(c, MARKETERS[a.marketer + 1]!, SKUS[1 - a.sku]!)
                          : undefined,
                    },
                  ]
                : []),
            ],
            buyerCommitment: new Uint8Array(32).fill(n % 256),
            buyerCode: undefined,
          },
        },
      };
    }
    case "touch": {
      const order = readOrder(c.state, lineId(a.order));
      if (!order) return undefined;
      return {
        signer: ent,
        op: {
          kind: "touchReferral",
          value: {
            idempotencyKey: key,
            orderId: order.id,
            referralCode: referralOf(c, MARKETERS[a.marketer]!, order.sku),
          },
        },
      };
    }
    case "pay": {
      const order = readOrder(c.state, orderId(a.order));
      if (!order) return undefined;
      let basketValueFen = 0n;
      for (let i = 0; i < order.lines; i++)
        basketValueFen += readOrder(c.state, order.id + BigInt(i))!.listValueFen;
      const amountReceivedFen = (basketValueFen * BigInt(a.pct)) / 100n;
      return {
        signer: ent,
        op: { kind: "confirmPayment", value: { idempotencyKey: key, orderId: order.id, amountReceivedFen } },
      };
    }
    case "ship":
      return {
        signer: ent,
        op: {
          kind: "shipOrder",
          value: { idempotencyKey: key, orderId: orderId(a.order), reason: "shipped" },
        },
      };
    case "deliver":
      return {
        signer: ent,
        op: {
          kind: "confirmDelivery",
          value: { idempotencyKey: key, orderId: orderId(a.order), reason: "delivered" },
        },
      };
    case "receipt": {
      const order = readOrder(c.state, orderId(a.order));
      const buyer = BUYERS.find(
        (b) => order?.buyerCode && Buffer.compare(order.buyerCode, c.actor(b).code) === 0,
      );
      if (!order || !buyer) return undefined;
      return {
        signer: buyer,
        op: {
          kind: "confirmReceipt",
          value: { idempotencyKey: key, orderId: order.id, reason: "buyer-confirmed" },
        },
      };
    }
    case "cancel":
      return {
        signer: ent,
        op: {
          kind: "cancelOrder",
          value: { idempotencyKey: key, orderId: orderId(a.order), reason: "customer-request" },
        },
      };
    case "refund": {
      // Half the refunds go to completed orders, to exercise clawbacks.
      const completed: bigint[] = [];
      for (let id = 0n; id < orders; id++)
        if (readOrder(c.state, id)!.status === "completed") completed.push(id);
      const target =
        a.pct % 2 === 0 && completed.length > 0 ? completed[a.order % completed.length]! : lineId(a.order);
      const order = readOrder(c.state, target);
      if (!order) return undefined;
      const left = order.receivedFen - order.refundedFen;
      const amountFen = a.pct === 100 ? left : (left * BigInt(a.pct)) / 100n;
      return {
        signer: ent,
        op: {
          kind: "refundOrder",
          value: {
            idempotencyKey: key,
            orderId: order.id,
            amountFen,
            returnedUnits: a.units,
            reason: "damaged",
          },
        },
      };
    }
    case "withdraw": {
      const balanceOf = (name: string) => readEarnings(c.state, "org1", c.actor(name).code)?.balanceFen ?? 0n;
      const m = MARKETERS.find((x, i) => i >= a.marketer && balanceOf(x) > 0n) ?? MARKETERS[a.marketer]!;
      const balance = readEarnings(c.state, "org1", c.actor(m).code)?.balanceFen ?? 0n;
      return {
        signer: m,
        op: {
          kind: "requestWithdrawal",
          value: { idempotencyKey: key, enterprise: "org1", amountFen: (balance * BigInt(a.pct)) / 100n },
        },
      };
    }
    case "decide":
      return {
        signer: ent,
        op: {
          kind: "decideWithdrawal",
          value: {
            idempotencyKey: key,
            withdrawalId: a.id,
            paid: a.paid,
            externalReference: a.paid ? `BANK-${n}` : "",
          },
        },
      };
    default:
      return undefined;
  }
}

function checkInvariants(c: MarketChain, deposited: bigint): void {
  const totals = { settled: 0n, clawedBack: 0n, payable: 0n };
  const fromParts = { settled: 0n, clawedBack: 0n, payable: 0n };
  for (const org of listEnterprises(c.state)) {
    const escrow = readEscrow(c.state, org)!;
    let balances = 0n;
    let pending = 0n;
    let payable = 0n;
    let earned = 0n;
    let clawedBack = 0n;
    for (const hex of readIndex(c.state, org, "marketer")) {
      const e = readEarnings(c.state, org, fromHex(hex))!;
      balances += e.balanceFen;
      pending += e.pendingWithdrawalFen;
      payable += e.payableFen;
      earned += e.settledFen;
      clawedBack += e.clawedBackFen;
    }
    // deposits = escrow + balances + withdrawn (pending withdrawals still count as the payee's)
    expect(escrow.depositedFen).toBe(deposited);
    expect(escrow.depositedFen).toBe(escrow.balanceFen + balances + pending + escrow.withdrawnFen);
    expect(readAccount(c.state, vaultAddress(c.suite.hash, org)).balanceFen).toBe(
      escrow.balanceFen + balances + pending,
    );
    expect(escrow.payableFen).toBe(payable);
    totals.clawedBack = clawedBack;
    totals.payable = payable;
    totals.settled = earned;
  }
  for (const sku of SKUS) {
    const p = readProduct(c.state, "org1", sku)!;
    expect(p.stock + p.reserved + p.sold).toBe(STOCK);
  }
  const orders = readCount(c.state, keys.orderSeq());
  for (let id = 0n; id < orders; id++) {
    const order = readOrder(c.state, id)!;
    const commission = readCommission(c.state, id);
    if (commission) {
      // No commission without a completed order.
      expect(order.completedAtMs).toBeGreaterThan(0n);
      expect(["completed", "refunded"]).toContain(order.status);
      const parts = commission.parts.reduce((s, p) => s + p.grossFen, 0n);
      expect(parts).toBe(commission.totalFen);
      expect(commission.totalFen <= commission.baseFen).toBe(true);
      // Refunds reverse exactly: what is kept is floor(gross x net left / base), per part.
      const netLeft = order.receivedFen - order.refundedFen;
      for (const p of commission.parts) {
        const keep = commission.baseFen === 0n ? 0n : (p.grossFen * netLeft) / commission.baseFen;
        expect(p.grossFen - p.clawedBackFen).toBe(keep);
        if (p.status === "settled") expect(p.settledFen <= p.grossFen).toBe(true);
        fromParts.settled += p.settledFen;
        fromParts.clawedBack += p.clawedBackFen;
        if (p.status === "payable") fromParts.payable += p.grossFen - p.clawedBackFen;
      }
    } else if (order.status === "completed" && order.marketer && order.netAtCompletionFen > 0n) {
      // Completed with a referral and money received: the policy always pays something here.
      expect.fail(`order ${id} completed without a commission record`);
    }
  }
  // Payees' earnings are exactly the sum of their commission parts.
  expect(totals).toEqual(fromParts);
}

const codes: Record<string, number> = {};
const seen = {
  basketLines: 0,
  completed: 0,
  commissions: 0,
  clawbacks: 0,
  payables: 0,
  debts: 0,
  replays: 0,
  paidOut: 0,
};

function tally(c: MarketChain): void {
  seen.payables += c.endEvents.flat().filter((e) => e.type === "commissionPayable").length;
  const orders = readCount(c.state, keys.orderSeq());
  for (let id = 0n; id < orders; id++) {
    const line = readOrder(c.state, id)!;
    if (line.completedAtMs > 0n) seen.completed++;
    if (line.completedAtMs > 0n && line.lines > 1) seen.basketLines++;
    const commission = readCommission(c.state, id);
    if (commission) seen.commissions++;
    if (commission?.parts.some((p) => p.clawedBackFen > 0n)) seen.clawbacks++;
  }
  for (const m of MARKETERS) {
    const e = readEarnings(c.state, "org1", c.actor(m).code);
    if (e && e.debtFen > 0n) seen.debts++;
  }
}

describe("random sequences of marketing operations", () => {
  it("conserve money and stock, pay only completed orders, reverse refunds exactly, replay to the same roots", () => {
    fc.assert(
      fc.property(fc.array(actionArb, { minLength: 5, maxLength: 60 }), (actions) => {
        const c = new MarketChain();
        setup(c);
        let deposited = 0n;
        let last: { signer: string; op: Operation } | undefined;
        actions.forEach((a, n) => {
          if (a.t === "advance") {
            c.advance(BigInt(a.days) * DAY_MS);
          } else {
            const steps = a.t === "repeat" ? (last ? [last] : []) : toSteps(c, a, n);
            for (const step of steps) {
              const before = readEscrow(c.state, "org1")?.depositedFen ?? 0n;
              const result = c.run(step.signer, step.op);
              const k = `${step.op.kind}:${result.code}`;
              codes[k] = (codes[k] ?? 0) + 1;
              if (result.events.some((e) => e.type === "commissionPayable")) seen.payables++;
              if (a.t === "repeat" && result.code === "OK") {
                seen.replays++;
                expect(result.events.map((e) => e.type)).toEqual(["idempotentReplay"]);
              }
              if (result.code === "OK" && step.op.kind === "depositEscrow" && a.t !== "repeat") {
                deposited += step.op.value.amountFen;
              }
              if (a.t === "repeat") expect(readEscrow(c.state, "org1")?.depositedFen ?? 0n).toBe(before);
              last = step;
            }
          }
          checkInvariants(c, deposited);
        });
        // Let every delivered order complete, then check once more.
        c.advance(30n * DAY_MS);
        checkInvariants(c, deposited);
        // Epilogue: every marketer with a balance withdraws half (finance pays it), then every
        // completed order is refunded in full: commissions must be reversed exactly, into debts
        // where the balance was paid out.
        for (const m of MARKETERS) {
          const balance = readEarnings(c.state, "org1", c.actor(m).code)?.balanceFen ?? 0n;
          if (balance < 2n) continue;
          const r = c.run(m, {
            kind: "requestWithdrawal",
            value: { idempotencyKey: "end-w", enterprise: "org1", amountFen: balance / 2n },
          });
          expect(r.code).toBe("OK");
          const id = Number(
            r.events
              .find((e) => e.type === "withdrawalRequested")!
              .attributes.find((a) => a.key === "withdrawalId")!.value,
          );
          c.ok("enterprise", {
            kind: "decideWithdrawal",
            value: {
              idempotencyKey: `end-d-${m}`,
              withdrawalId: id,
              paid: true,
              externalReference: `BANK-END-${m}`,
            },
          });
          seen.paidOut++;
          checkInvariants(c, deposited);
        }
        tally(c);
        const orders = readCount(c.state, keys.orderSeq());
        for (let id = 0n; id < orders; id++) {
          const order = readOrder(c.state, id)!;
          if (order.status !== "completed") continue;
          c.ok("enterprise", {
            kind: "refundOrder",
            value: {
              idempotencyKey: `end-r-${id}`,
              orderId: id,
              amountFen: order.receivedFen - order.refundedFen,
              returnedUnits: 0,
              reason: "other",
            },
          });
          const commission = readCommission(c.state, id);
          for (const p of commission?.parts ?? []) expect(p.clawedBackFen).toBe(p.grossFen);
          checkInvariants(c, deposited);
        }
        const replayed = new MarketChain().replay(c.blocks);
        expect(replayed).toEqual(c.roots);
        const w = readWithdrawal(c.state, "org1", 0);
        if (w) expect(["requested", "paid", "rejected"]).toContain(w.status);
      }),
      { numRuns: Number(process.env.MKT_RUNS ?? 100) },
    );
    // The sequences reach the interesting states, not just failures.
    expect(seen.completed).toBeGreaterThan(0);
    expect(seen.commissions).toBeGreaterThan(0);
    expect(seen.clawbacks).toBeGreaterThan(0);
    expect(seen.payables).toBeGreaterThan(0);
    expect(seen.replays).toBeGreaterThan(0);
    expect(seen.paidOut).toBeGreaterThan(0);
    expect(seen.basketLines).toBeGreaterThan(0);
    console.log("sequence coverage", seen, process.env.MKT_CODES ? codes : "");
  }, 180_000);
});
