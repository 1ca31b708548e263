import { describe, expect, it } from "vitest";
import { CommitPace } from "./commit-pace.js";

describe("CommitPace", () => {
  const options = { targetWaitMs: 2_000, minTxs: 100, maxTxs: 10_000 };
  const work = (txs: number, local = txs, longestWaitMs = 0) => ({ txs, local, longestWaitMs });

  it("admits one block's worth before anything commits, and after empty blocks only", () => {
    const pace = new CommitPace(options);
    expect(pace.limit).toBe(100);
    for (let t = 0; t < 10_000; t += 1_000) pace.committed(work(0), t);
    expect(pace.txsPerSecond).toBe(0);
    expect(pace.limit).toBe(100);
  });

  it("holds what the chain commits in the target wait, from each block's own interval", () => {
    const pace = new CommitPace(options);
    pace.committed(work(0), 0);
    pace.committed(work(0), 5_000); // idle time before the load is not counted
    pace.committed(work(1_500), 6_000);
    pace.committed(work(1_500), 7_000);
    expect(pace.txsPerSecond).toBe(1_500);
    expect(pace.limit).toBe(3_000);
  });

  it("follows the recent blocks only, and never passes the pool's own bound", () => {
    const pace = new CommitPace(options);
    pace.committed(work(0), 0);
    for (let i = 1; i <= 20; i++) pace.committed(work(i <= 10 ? 100 : 20_000), i * 1_000);
    expect(pace.txsPerSecond).toBe(20_000);
    expect(pace.limit).toBe(10_000);
  });

  it("drops the one-block floor to a quarter while recent transactions waited past half the target", () => {
    const pace = new CommitPace(options);
    pace.committed(work(0), 0);
    // 10 tx/s: the paced amount (20) is under the floor.
    pace.committed(work(10, 10, 900), 1_000);
    expect([pace.behind, pace.limit]).toEqual([false, 100]);
    pace.committed(work(10, 10, 1_001), 2_000);
    expect([pace.behind, pace.limit]).toEqual([true, 25]);
    // The slow block leaves the remembered eight: the floor is back.
    for (let i = 3; i <= 10; i++) pace.committed(work(10, 10, 100), i * 1_000);
    expect([pace.behind, pace.limit]).toEqual([false, 100]);
  });

  it("gives a node the share of the limit its own clients had in recent blocks, at least the least share", () => {
    const pace = new CommitPace(options);
    // Nothing committed yet: a lone gateway takes the whole limit.
    expect(pace.share(0.25)).toBe(1);
    expect(pace.localLimit(0.25)).toBe(100);
    pace.committed(work(0), 0);
    pace.committed(work(1_000, 100), 1_000);
    pace.committed(work(1_000, 300), 2_000);
    expect(pace.limit).toBe(2_000);
    expect(pace.share(0.1)).toBeCloseTo(0.2);
    expect(pace.localLimit(0.1)).toBe(400);
    // Four nodes' clients share the chain: none keeps less than a quarter.
    expect(pace.share(0.25)).toBe(0.25);
    expect(pace.localLimit(0.25)).toBe(500);
    // Every committed transaction came from this node's clients: it takes the whole limit.
    for (let i = 3; i <= 10; i++) pace.committed(work(1_000), i * 1_000);
    expect(pace.localLimit(0.25)).toBe(2_000);
  });

  it("tells a refused client to come back when the next commit is due, a quarter interval once it is late", () => {
    const pace = new CommitPace(options);
    expect(pace.retryAfterMs(0)).toBe(500);
    pace.committed(work(0), 0);
    pace.committed(work(500), 1_000);
    pace.committed(work(500), 2_000);
    expect(pace.retryAfterMs(2_300)).toBe(700);
    expect(pace.retryAfterMs(2_900)).toBe(250);
    expect(pace.retryAfterMs(9_000)).toBe(250);
    // Never more than 5 s, however slow the blocks.
    pace.committed(work(500), 60_000);
    expect(pace.retryAfterMs(60_000)).toBe(5_000);
  });
});
