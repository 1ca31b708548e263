import { describe, it } from "vitest";
import { checkEngineShard } from "./shard.test-util.js";

describe("the real engine under simulation, seeds 500..749", () => {
  it("keeps agreement, state roots, stored certificates, no double signing, and commits after the faults", async () => {
    await checkEngineShard(2);
  }, 600_000); // a generous bound for a loaded machine; it asserts nothing about time
});
