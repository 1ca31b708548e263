import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Mempool, type PoolTx } from "./mempool.js";

const limits = { maxTxs: 100, maxBytes: 10_000, nonceWindow: 8 };

function tx(sender: string, nonce: bigint, size = 10, expiryHeight = 1_000n): PoolTx {
  return {
    hashHex: `${sender}:${nonce}:${size}`,
    senderHex: sender,
    nonce,
    expiryHeight,
    bytes: new Uint8Array(size),
  };
}

function codeOf(f: () => void): string | undefined {
  try {
    f();
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

describe("Mempool admission", () => {
  it("holds each sender to its quota, and check() refuses as add() would but changes nothing", () => {
    const pool = new Mempool({ ...limits, maxTxsPerSender: 2 });
    pool.add(tx("a", 0n), 0n, 1n);
    pool.add(tx("a", 1n), 0n, 1n);
    expect(codeOf(() => pool.check(tx("a", 2n), 0n, 1n))).toBe("MEMPOOL_SENDER_FULL");
    expect(codeOf(() => pool.add(tx("a", 2n), 0n, 1n))).toBe("MEMPOOL_SENDER_FULL");
    pool.check(tx("b", 0n), 0n, 1n);
    expect(pool.size).toBe(2);
    expect(pool.has(tx("b", 0n).hashHex)).toBe(false);
  });

  it("rejects duplicates, used nonces, nonces beyond the window, taken nonces and expired transactions", () => {
    const pool = new Mempool(limits);
    pool.add(tx("a", 5n), 5n, 1n);
    expect(codeOf(() => pool.add(tx("a", 5n), 5n, 1n))).toBe("TX_DUPLICATE");
    expect(codeOf(() => pool.add(tx("a", 5n, 11), 5n, 1n))).toBe("TX_NONCE_TAKEN");
    expect(codeOf(() => pool.add(tx("a", 4n), 5n, 1n))).toBe("TX_NONCE_TOO_LOW");
    expect(codeOf(() => pool.add(tx("a", 13n), 5n, 1n))).toBe("TX_NONCE_TOO_HIGH");
    expect(codeOf(() => pool.add(tx("a", 12n), 5n, 1n))).toBeUndefined();
    expect(codeOf(() => pool.add(tx("b", 0n, 10, 9n), 0n, 10n))).toBe("TX_EXPIRED");
    expect(pool.size).toBe(2);
  });

  it("is bounded in count and in bytes, and says so", () => {
    const pool = new Mempool({ ...limits, maxTxs: 2, maxBytes: 25 });
    pool.add(tx("a", 0n), 0n, 1n);
    pool.add(tx("b", 0n), 0n, 1n);
    expect(codeOf(() => pool.add(tx("c", 0n), 0n, 1n))).toBe("MEMPOOL_FULL");
    const small = new Mempool({ ...limits, maxBytes: 25 });
    small.add(tx("a", 0n), 0n, 1n);
    small.add(tx("b", 0n), 0n, 1n);
    expect(codeOf(() => small.add(tx("c", 0n, 6), 0n, 1n))).toBe("MEMPOOL_FULL");
    expect(small.bytes).toBe(20);
  });

  it("refuses as full at a lower bound when the caller gives one, never at a higher", () => {
    const pool = new Mempool({ ...limits, maxTxs: 2 });
    pool.add(tx("a", 0n), 0n, 1n);
    expect(codeOf(() => pool.check(tx("b", 0n), 0n, 1n, 1))).toBe("MEMPOOL_FULL");
    pool.check(tx("b", 0n), 0n, 1n);
    pool.add(tx("b", 0n), 0n, 1n);
    expect(codeOf(() => pool.check(tx("c", 0n), 0n, 1n, 50))).toBe("MEMPOOL_FULL");
  });

  it("counts only runnable transactions against the caller's bound, not those waiting for a gap", () => {
    const pool = new Mempool(limits);
    pool.add(tx("a", 1n), 0n, 1n);
    pool.add(tx("a", 2n), 0n, 1n);
    expect([pool.runnable, pool.queued]).toEqual([0, 2]);
    pool.check(tx("b", 0n), 0n, 1n, 1);
    pool.add(tx("b", 0n), 0n, 1n);
    expect([pool.runnable, pool.queued]).toEqual([1, 2]);
    expect(codeOf(() => pool.check(tx("c", 0n), 0n, 1n, 1))).toBe("MEMPOOL_FULL");
    expect(codeOf(() => pool.check(tx("b", 1n), 0n, 1n, 1))).toBe("MEMPOOL_FULL");
  });

  it("takes the transaction that fills a sender's gap past the caller's bound, never past its own", () => {
    // a's nonce 0 was refused a moment ago (or elsewhere) while 1 and 2 were admitted.
    const pool = new Mempool({ ...limits, maxTxs: 4, maxQueuedTxs: 2 });
    pool.add(tx("a", 1n), 0n, 1n);
    pool.add(tx("a", 2n), 0n, 1n);
    pool.add(tx("b", 0n), 0n, 1n);
    const pace = 1;
    expect(pool.reap(10, 10_000, () => 0n).map((t) => t.senderHex)).toEqual(["b"]);
    expect(codeOf(() => pool.check(tx("c", 0n), 0n, 1n, pace))).toBe("MEMPOOL_FULL");
    // A client's gapped transaction meets the pace too: it would only wait behind its gap.
    expect(codeOf(() => pool.check(tx("c", 1n), 0n, 1n, pace))).toBe("MEMPOOL_FULL");
    expect(codeOf(() => pool.check(tx("a", 3n), 0n, 1n, pace))).toBe("MEMPOOL_FULL");
    pool.check(tx("a", 0n), 0n, 1n, pace);
    pool.add(tx("a", 0n), 0n, 1n);
    expect([pool.runnable, pool.queued]).toEqual([4, 0]);
    expect(pool.reap(10, 10_000, () => 0n).map((t) => `${t.senderHex}${t.nonce}`)).toEqual([
      "a0",
      "b0",
      "a1",
      "a2",
    ]);
    // The pool's own bound holds for a gap filler too.
    const full = new Mempool({ ...limits, maxTxs: 3, maxQueuedTxs: 3 });
    full.add(tx("a", 1n), 0n, 1n);
    full.add(tx("b", 0n), 0n, 1n);
    full.add(tx("c", 0n), 0n, 1n);
    expect(codeOf(() => full.check(tx("a", 0n), 0n, 1n))).toBe("MEMPOOL_FULL");
  });

  it("holds a client's transaction that would wait behind a gap to the bound counting queued ones too", () => {
    // Filling a gap makes what waits behind it runnable at once, so at the bound the pool takes
    // no more of those; runnable ones are still held to the runnable count, and fillers pass.
    const pool = new Mempool(limits);
    pool.add(tx("a", 1n), 0n, 1n);
    pool.add(tx("a", 2n), 0n, 1n);
    pool.add(tx("b", 0n), 0n, 1n);
    const bound = 3;
    expect([pool.runnable, pool.queued]).toEqual([1, 2]);
    expect(codeOf(() => pool.check(tx("c", 1n), 0n, 1n, bound))).toBe("MEMPOOL_FULL");
    expect(codeOf(() => pool.check(tx("b", 2n), 0n, 1n, bound))).toBe("MEMPOOL_FULL");
    pool.check(tx("c", 0n), 0n, 1n, bound);
    pool.check(tx("a", 0n), 0n, 1n, bound);
    pool.add(tx("a", 0n), 0n, 1n);
    expect([pool.runnable, pool.queued]).toEqual([4, 0]);
    // A peer's relay is held to the pool's own bounds only.
    pool.check(tx("c", 1n), 0n, 1n);
  });

  it("bounds the transactions waiting for a gap, so they cannot crowd out runnable ones", () => {
    const pool = new Mempool({ ...limits, maxTxs: 6, maxQueuedTxs: 2 });
    pool.add(tx("a", 1n), 0n, 1n);
    pool.add(tx("b", 3n), 0n, 1n);
    expect(codeOf(() => pool.check(tx("a", 2n), 0n, 1n))).toBe("MEMPOOL_FULL");
    expect(codeOf(() => pool.check(tx("c", 1n), 0n, 1n))).toBe("MEMPOOL_FULL");
    for (const sender of ["c", "d", "e", "f"]) pool.add(tx(sender, 0n), 0n, 1n);
    expect([pool.runnable, pool.queued, pool.size]).toEqual([4, 2, 6]);
  });

  it("holds this node's own clients' transactions to the local bound, relays and the gap's filler past it", () => {
    const local = (sender: string, nonce: bigint): PoolTx => ({ ...tx(sender, nonce), local: true });
    const pool = new Mempool(limits);
    pool.add(local("a", 0n), 0n, 1n);
    pool.add(local("b", 1n), 0n, 1n); // b's nonce 0 was refused a moment ago
    pool.add(tx("c", 0n), 0n, 1n); // a peer's relay
    expect(pool.local).toBe(2);
    expect(codeOf(() => pool.check(local("d", 0n), 0n, 1n, 100, 2))).toBe("MEMPOOL_FULL");
    expect(codeOf(() => pool.check(local("a", 1n), 0n, 1n, 100, 2))).toBe("MEMPOOL_FULL");
    pool.check(tx("d", 0n), 0n, 1n, 100, 2);
    pool.check(local("b", 0n), 0n, 1n, 100, 2);
    pool.check(local("d", 0n), 0n, 1n, 100, 3);
    pool.evict(local("b", 1n).hashHex);
    expect(pool.local).toBe(1);
  });

  it("refuses at its bounds before decoding only a sender with nothing pending, which could not fill a gap", () => {
    const pool = new Mempool(limits);
    pool.add({ ...tx("a", 1n), local: true }, 0n, 1n);
    pool.add(tx("b", 0n), 0n, 1n);
    // Runnable 1 (b), local 1 (a).
    expect(pool.refusesAtBound("c", 1, 10)).toBe(true);
    expect(pool.refusesAtBound("c", 2, 1)).toBe(true);
    expect(pool.refusesAtBound("c", 2, 2)).toBe(false);
    // a holds nonce 1: its nonce 0 fills the gap and is not refused unread.
    expect(pool.refusesAtBound("a", 1, 1)).toBe(false);
    const full = pool.full(1, 1);
    expect([full.code, full.details]).toEqual([
      "MEMPOOL_FULL",
      { size: 2, runnable: 1, local: 1, bytes: 20, maxTxs: 1, maxLocal: 1 },
    ]);
  });

  it("reports what commits took from it: how many, how many local, and the earliest admission among them", () => {
    const pool = new Mempool(limits);
    pool.add({ ...tx("a", 0n), local: true, admittedAtMs: 50 }, 0n, 1n);
    pool.add({ ...tx("a", 1n), local: true, admittedAtMs: 60 }, 0n, 1n);
    pool.add({ ...tx("b", 0n), admittedAtMs: 40 }, 0n, 1n);
    pool.add({ ...tx("c", 0n, 10, 2n), local: true, admittedAtMs: 10 }, 0n, 1n);
    // a's two and b's commit; c's expires, which is no commit.
    pool.update(2n, (sender) => (sender === "a" ? 2n : sender === "b" ? 1n : 0n));
    expect(pool.takeCommitted()).toEqual({ txs: 3, local: 2, earliestAdmittedAtMs: 40 });
    expect(pool.takeCommitted()).toEqual({ txs: 0, local: 0, earliestAdmittedAtMs: undefined });
    expect([pool.size, pool.local]).toEqual([0, 0]);
  });
});

describe("Mempool commits", () => {
  it("holds what a model holds, and counts runnable and queued as a recount does, through any adds, commits at rising heights and evictions", () => {
    const step = fc.oneof(
      fc.record({
        kind: fc.constant("add" as const),
        sender: fc.constantFrom("a", "b", "c"),
        offset: fc.nat(7),
        expiry: fc.integer({ min: 1, max: 12 }),
      }),
      fc.record({
        kind: fc.constant("commit" as const),
        sender: fc.constantFrom("a", "b", "c"),
        by: fc.nat(3),
        blocks: fc.nat(2),
      }),
      fc.record({ kind: fc.constant("evict" as const), pick: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        const pool = new Mempool(limits);
        const next = new Map<string, bigint>();
        const nonceOf = (sender: string) => next.get(sender) ?? 0n;
        const model = new Map<string, PoolTx>();
        let height = 0n;
        for (const s of steps) {
          if (s.kind === "add") {
            const t = tx(s.sender, nonceOf(s.sender) + BigInt(s.offset), 10, height + BigInt(s.expiry));
            if (codeOf(() => pool.add(t, nonceOf(s.sender), height + 1n)) === undefined)
              model.set(t.hashHex, t);
          } else if (s.kind === "commit") {
            next.set(s.sender, nonceOf(s.sender) + BigInt(s.by));
            height += BigInt(s.blocks);
            pool.update(height, nonceOf);
            for (const [hash, t] of model)
              if (t.nonce < nonceOf(t.senderHex) || t.expiryHeight <= height) model.delete(hash);
          } else {
            const held = [...model.values()];
            const victim = held[s.pick % Math.max(1, held.length)];
            if (victim !== undefined) {
              pool.evict(victim.hashHex);
              model.delete(victim.hashHex);
            }
          }
          expect(pool.size).toBe(model.size);
          expect(pool.bytes).toBe(10 * model.size);
          for (const hash of model.keys()) expect(pool.has(hash)).toBe(true);
          let runnable = 0;
          for (const sender of ["a", "b", "c"])
            for (
              let n = nonceOf(sender);
              [...model.values()].some((t) => t.senderHex === sender && t.nonce === n);
              n++
            )
              runnable++;
          expect(pool.runnable).toBe(runnable);
          expect(pool.queued).toBe(pool.size - runnable);
        }
      }),
    );
  });
});

describe("Mempool reaping", () => {
  it("returns, per sender, only an unbroken run of nonces in order, within the limits", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ sender: fc.constantFrom("a", "b", "c"), nonce: fc.bigInt(0n, 7n) }), {
          maxLength: 40,
        }),
        fc.integer({ min: 0, max: 30 }),
        (entries, maxTxs) => {
          const pool = new Mempool(limits);
          for (const e of entries) {
            if (!pool.has(`${e.sender}:${e.nonce}:10`)) pool.add(tx(e.sender, e.nonce), 0n, 1n);
          }
          const picked = pool.reap(maxTxs, 10_000, () => 0n);
          expect(picked.length).toBeLessThanOrEqual(maxTxs);
          const next = new Map<string, bigint>();
          for (const p of picked) {
            expect(p.nonce).toBe(next.get(p.senderHex) ?? 0n);
            next.set(p.senderHex, p.nonce + 1n);
          }
          if (maxTxs >= entries.length) {
            // Nothing runnable is left behind when there is room.
            for (const sender of ["a", "b", "c"]) {
              const n = next.get(sender) ?? 0n;
              expect(pool.has(`${sender}:${n}:10`)).toBe(false);
            }
          }
        },
      ),
    );
  });

  it("lets senders take turns so one sender cannot starve the others", () => {
    const pool = new Mempool(limits);
    for (let n = 0n; n < 5n; n++) pool.add(tx("a", n), 0n, 1n);
    pool.add(tx("b", 0n), 0n, 1n);
    expect(pool.reap(2, 10_000, () => 0n).map((p) => p.senderHex)).toEqual(["a", "b"]);
  });

  it("drops included, stale and expired transactions after a commit", () => {
    const pool = new Mempool(limits);
    pool.add(tx("a", 0n), 0n, 1n);
    pool.add(tx("a", 1n), 0n, 1n);
    pool.add(tx("b", 0n, 10, 3n), 0n, 1n);
    pool.update(3n, (sender) => (sender === "a" ? 1n : 0n));
    expect(pool.size).toBe(1);
    expect(pool.has("a:1:10")).toBe(true);
    expect(pool.bytes).toBe(10);
  });
});
