import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { getSuite } from "../../crypto/index.js";
import { toHex } from "../../ledger/bytes.js";
import { StateOverlay } from "../state.js";
import { completeDueOrders, dueAt, enqueueDue, MAX_DUE_COMPLETIONS_PER_BLOCK, popDue } from "./orders.js";
import { readOrder } from "./records.js";
import { attr, DAY_MS, MarketChain, oneDayCatalogue } from "./testkit.test-util.js";

const hash = getSuite("ed25519").hash;

describe("the due queue (a min-heap in state)", () => {
  it("pops exactly the due entries, earliest first (ties by order id), whatever the order of pushes", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.bigInt({ min: 0n, max: 50n }), fc.bigInt({ min: 0n, max: 1000n })), {
          maxLength: 60,
        }),
        fc.bigInt({ min: 0n, max: 60n }),
        (entries, now) => {
          const unique = [...new Map(entries.map(([due, id]) => [id, due])).entries()].map(([id, due]) => ({
            id,
            due,
          }));
          const state = new StateOverlay({ get: () => undefined });
          const ctx = { height: 1n, timeMs: now, state, hash, emit: () => {} };
          for (const e of unique) enqueueDue(ctx, e.id, e.due);
          const popped: bigint[] = [];
          for (let e = popDue(ctx, now); e; e = popDue(ctx, now)) popped.push(e.orderId);
          const expected = unique
            .filter((e) => e.due <= now)
            .sort((a, b) => (a.due === b.due ? (a.id < b.id ? -1 : 1) : a.due < b.due ? -1 : 1))
            .map((e) => e.id);
          expect(popped).toEqual(expected);
          // What is left is exactly what is not due yet.
          const later: bigint[] = [];
          for (let e = popDue(ctx, 1n << 62n); e; e = popDue(ctx, 1n << 62n)) later.push(e.orderId);
          expect(later.length).toBe(unique.length - expected.length);
        },
      ),
    );
  });

  it("leaves the same writes when a block's pops are buffered as when each is written through", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.bigInt({ min: 0n, max: 50n }), fc.bigInt({ min: 0n, max: 1000n })), {
          maxLength: 400,
        }),
        fc.integer({ min: 0, max: 3 }),
        fc.bigInt({ min: 0n, max: 60n }),
        (entries, committedPart, now) => {
          // Some entries committed before the block, the rest pushed in it (delivered then).
          const committed = new Map<string, Uint8Array>();
          const below = new StateOverlay({ get: (k) => committed.get(toHex(k)) });
          const early = { height: 1n, timeMs: now, state: below, hash, emit: () => {} };
          const cut = Math.floor((entries.length * committedPart) / 3);
          for (const [due, id] of entries.slice(0, cut)) enqueueDue(early, id, due);
          for (const w of below.sortedWrites()) if (w.value) committed.set(toHex(w.key), w.value);
          const run = (pop: (ctx: typeof early) => void) => {
            const state = new StateOverlay({ get: (k) => committed.get(toHex(k)) });
            const ctx = { ...early, state };
            for (const [due, id] of entries.slice(cut)) enqueueDue(ctx, id, due);
            pop(ctx);
            return state.sortedWrites().map((w) => [toHex(w.key), w.value && toHex(w.value)]);
          };
          // No order records: every popped entry is skipped, so only the heap's slots change.
          const buffered = run((ctx) => completeDueOrders(ctx));
          const direct = run((ctx) => {
            for (let i = 0; i < MAX_DUE_COMPLETIONS_PER_BLOCK && popDue(ctx, now); i++);
          });
          expect(buffered).toEqual(direct);
        },
      ),
    );
  });

  it("says whether its earliest entry is due at a time (a proposer's hint that a block has work)", () => {
    const state = new StateOverlay({ get: () => undefined });
    const ctx = { height: 1n, timeMs: 0n, state, hash, emit: () => {} };
    expect(dueAt(state, 1n << 62n)).toBe(false);
    enqueueDue(ctx, 7n, 50n);
    enqueueDue(ctx, 3n, 20n);
    expect(dueAt(state, 19n)).toBe(false);
    expect(dueAt(state, 20n)).toBe(true);
    popDue(ctx, 20n);
    expect(dueAt(state, 49n)).toBe(false);
    expect(dueAt(state, 50n)).toBe(true);
    popDue(ctx, 50n);
    expect(dueAt(state, 1n << 62n)).toBe(false);
  });

  it(`completes at most ${MAX_DUE_COMPLETIONS_PER_BLOCK} orders per block and the rest in the next block`, () => {
    const c = new MarketChain();
    const skus = Array.from({ length: 16 }, (_, i) => `S${i}`);
    oneDayCatalogue(c, skus, 1000n);
    const baskets = 19; // 19 x 16 = 304 lines
    const creates = Array.from({ length: baskets }, (_, b) =>
      c.tx("zhao", {
        kind: "createOrder",
        value: {
          idempotencyKey: `o${b}`,
          enterprise: "org1",
          channel: "online",
          lines: skus.map((sku) => ({ sku, quantity: 1, referralCode: undefined })),
          buyerCommitment: new Uint8Array(32),
          buyerCode: undefined,
        },
      }),
    );
    const ids = c.block(creates).results.map((r) => BigInt(attr(r.events[0]!, "basketId")!));
    c.payShipDeliver(ids, 1_600n);
    const completedIn = (events: { type: string }[]) =>
      events.filter((e) => e.type === "orderCompleted").length;
    expect(completedIn(c.advance(DAY_MS))).toBe(MAX_DUE_COMPLETIONS_PER_BLOCK);
    expect(completedIn(c.block([]).endBlockEvents)).toBe(304 - MAX_DUE_COMPLETIONS_PER_BLOCK);
    expect(completedIn(c.block([]).endBlockEvents)).toBe(0);
    expect(readOrder(c.state, 303n)!.status).toBe("completed");
  }, 30_000);
});
