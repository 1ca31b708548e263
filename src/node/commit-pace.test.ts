import { describe, expect, it } from "vitest";
import { CommitPace } from "./commit-pace.js";

describe("CommitPace", () => {
  const options = { targetWaitMs: 2_000, minTxs: 100, maxTxs: 10_000 };

  it("admits one block's worth before anything commits, and after empty blocks only", () => {
    const pace = new CommitPace(options);
    expect(pace.limit).toBe(100);
    for (let t = 0; t < 10_000; t += 1_000) pace.committed(0, t);
    expect(pace.txsPerSecond).toBe(0);
    expect(pace.limit).toBe(100);
  });

  it("holds what the chain commits in the target wait, from each block's own interval", () => {
    const pace = new CommitPace(options);
    pace.committed(0, 0);
    pace.committed(0, 5_000); // idle time before the load is not counted
    pace.committed(1_500, 6_000);
    pace.committed(1_500, 7_000);
    expect(pace.txsPerSecond).toBe(1_500);
    expect(pace.limit).toBe(3_000);
  });

  it("follows the recent blocks only, and never passes the pool's own bound", () => {
    const pace = new CommitPace(options);
    pace.committed(0, 0);
    for (let i = 1; i <= 20; i++) pace.committed(i <= 10 ? 100 : 20_000, i * 1_000);
    expect(pace.txsPerSecond).toBe(20_000);
    expect(pace.limit).toBe(10_000);
  });
});
