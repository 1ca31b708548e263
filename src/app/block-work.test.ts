import { describe, expect, it } from "vitest";
import { BLOCK_WORK_LIMIT, COMPLETION_WORK, TX_WORK_LIMIT } from "./block-work.js";
import { InvalidBlockError } from "./errors.js";
import { admitTx, executeBlock } from "./executor.js";
import { MAX_BASKET_LINES } from "./marketing/operations.js";
import { MAX_DUE_COMPLETIONS_PER_BLOCK } from "./marketing/orders.js";
import { attr, CHAIN, DAY_MS, MarketChain, oneDayCatalogue } from "./marketing/testkit.test-util.js";
import type { Operation } from "./operations/index.js";
import { heaviestTxWork, TX_KIND_WORK, txWork } from "./tx-work.js";

const SKUS = Array.from({ length: MAX_BASKET_LINES }, (_, i) => `S${i}`);

/** A chain with MAX_BASKET_LINES products (1-day return window) and a plain policy. */
function shop(): MarketChain {
  const c = new MarketChain();
  oneDayCatalogue(c, SKUS, 1_000_000n);
  return c;
}

const basketOp = (key: string): Operation => ({
  kind: "createOrder",
  value: {
    idempotencyKey: key,
    enterprise: "org1",
    channel: "online",
    lines: SKUS.map((sku) => ({ sku, quantity: 1, referralCode: undefined })),
    buyerCommitment: new Uint8Array(32),
    buyerCode: undefined,
  },
});

const env = (c: MarketChain) => ({ chainId: CHAIN, height: c.height + 1n, timeMs: c.timeMs });
const weigh = (c: MarketChain, tx: Uint8Array) => {
  const { tx: decoded, bytes } = admitTx(c.suite, env(c), tx);
  return txWork(c.state, decoded.op, bytes.length);
};

describe("a block's work bound", () => {
  it("refuses a block whose transactions start past the work limit, and a filling proposer stops there", () => {
    const c = shop();
    const first = c.tx("zhao", basketOp("b0"));
    const weight = weigh(c, first);
    // Each transaction starts while the work before it is below the limit: the block takes n of them.
    const n = Math.ceil(TX_WORK_LIMIT / weight);
    const txs = [first, ...Array.from({ length: n + 1 }, (_, i) => c.tx("zhao", basketOp(`b${i + 1}`)))];
    const filled = executeBlock(c.suite, c.state, env(c), txs, undefined, { fill: true });
    expect(filled.txHashes).toHaveLength(n);
    expect(filled.results.every((r) => r.code === "OK")).toBe(true);
    expect(filled.work?.txs).toBe(n * weight);
    // The block of exactly what the proposer took is valid; one more transaction is not.
    expect(executeBlock(c.suite, c.state, env(c), txs.slice(0, n)).txHashes).toHaveLength(n);
    let refusal: unknown;
    try {
      executeBlock(c.suite, c.state, env(c), txs.slice(0, n + 1));
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(InvalidBlockError);
    expect((refusal as InvalidBlockError).code).toBe("BLOCK_OVER_WORK_LIMIT");
  });

  it("weighs a step on a basket by the basket's lines", () => {
    const c = shop();
    const created = c.run("zhao", basketOp("b"));
    const basketId = BigInt(attr(created.events[0]!, "basketId")!);
    const step = (orderId: bigint) =>
      c.tx("enterprise", {
        kind: "shipOrder",
        value: { idempotencyKey: `s${orderId}`, orderId, reason: "shipped" },
      });
    const whole = weigh(c, step(basketId));
    const unknown = weigh(c, step(10_000n));
    // An order the state does not hold weighs as one line; the basket weighs its 16.
    expect(whole - unknown).toBe((MAX_BASKET_LINES - 1) * TX_KIND_WORK.shipOrder!.perLine!);
  });

  it("leaves the end-block hook room for scores of completions after the heaviest last transaction", () => {
    expect(BLOCK_WORK_LIMIT - TX_WORK_LIMIT - heaviestTxWork()).toBeGreaterThanOrEqual(64 * COMPLETION_WORK);
  });

  it("completes due orders only while the block's work is below the limit; the rest in the next block", () => {
    const c = shop();
    const baskets = 19; // 19 x 16 = 304 lines due at once
    const ids = c
      .block(Array.from({ length: baskets }, (_, b) => c.tx("zhao", basketOp(`o${b}`))))
      .results.map((r) => BigInt(attr(r.events[0]!, "basketId")!));
    c.payShipDeliver(ids, 1_600n);
    // At the due time, a block whose transactions use most of the work: fewer completions.
    c.timeMs += DAY_MS;
    const heavy = Array.from({ length: 40 }, (_, i) => c.tx("qian", basketOp(`h${i}`)));
    const weight = weigh(c, heavy[0]!);
    const txWorkDone = 40 * weight;
    expect(txWorkDone).toBeLessThan(TX_WORK_LIMIT);
    const completedIn = (events: { type: string }[]) =>
      events.filter((e) => e.type === "orderCompleted").length;
    const expected = Math.min(
      MAX_DUE_COMPLETIONS_PER_BLOCK,
      Math.ceil((BLOCK_WORK_LIMIT - txWorkDone) / COMPLETION_WORK),
    );
    expect(expected).toBeLessThan(MAX_DUE_COMPLETIONS_PER_BLOCK);
    const first = c.block(heavy);
    expect(first.results.every((r) => r.code === "OK")).toBe(true);
    expect(completedIn(first.endBlockEvents)).toBe(expected);
    expect(completedIn(c.block([]).endBlockEvents)).toBe(
      Math.min(MAX_DUE_COMPLETIONS_PER_BLOCK, 304 - expected),
    );
  }, 30_000);
});
