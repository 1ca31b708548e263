import { describe, expect, it } from "vitest";
import { toHex } from "../ledger/bytes.js";
import { executeBlock } from "./executor.js";
import { CHAIN, eventsOf, plainRules, productRow, Shop } from "./marketing/testkit.test-util.js";

describe("executeBlock's writes", () => {
  it("leave out a key made and removed within the block (a commission queued and settled at once)", () => {
    const s = new Shop();
    s.roster([productRow("TEA")], [{ name: "li" }]);
    s.policy("std", "enterprise", "", plainRules({ baseBps: 1000 }));
    s.deposit(100_000n);
    const id = s.order("zhao", "TEA", s.referral("li", "TEA"));
    s.deliver(id, 10_000n);
    const receipt = s.c.tx("zhao", {
      kind: "confirmReceipt",
      value: { idempotencyKey: s.key(), orderId: id, reason: "buyer-confirmed" },
    });
    const env = { chainId: CHAIN, height: s.c.height + 1n, timeMs: s.c.timeMs };
    const outcome = executeBlock(s.c.suite, s.c.state, env, [receipt]);
    expect(outcome.results[0]?.code).toBe("OK");
    // The commission was queued (a payable entry) and settled in the same transaction.
    expect(eventsOf(outcome.results[0]!, "commissionSettled")).toHaveLength(1);
    const payable = new TextEncoder().encode("mkt/payable/");
    const hasPrefix = (key: Uint8Array) => payable.every((b, i) => key[i] === b);
    expect(outcome.writes.filter((w) => hasPrefix(w.key))).toEqual([]);
    // Every delete left is of a key committed state holds; writes stay sorted and distinct.
    for (const w of outcome.writes) if (w.value === undefined) expect(s.c.state.get(w.key)).toBeDefined();
    const hexes = outcome.writes.map((w) => toHex(w.key));
    expect(hexes).toEqual([...new Set(hexes)].sort());
  });
});
