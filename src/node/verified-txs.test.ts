import { describe, expect, it } from "vitest";
import { VerifiedTxs } from "./verified-txs.js";

const hash = (n: number) => new Uint8Array(32).fill(n);

describe("VerifiedTxs", () => {
  it("remembers verified hashes up to its capacity, forgetting the oldest first", () => {
    const verified = new VerifiedTxs(3);
    for (const n of [1, 2, 3]) verified.add(hash(n));
    verified.add(hash(1)); // seen again: now the newest
    verified.add(hash(4));
    expect([1, 2, 3, 4].map((n) => verified.has(hash(n)))).toEqual([true, false, true, true]);
    expect(verified.has(hash(9))).toBe(false);
  });
});
