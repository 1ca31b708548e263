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
