import { describe, it } from "vitest";
import { checkEngineShard } from "./shard.test-util.js";

describe("the real engine under simulation, seeds 250..499", () => {
  it("keeps agreement, state roots, stored certificates, no double signing, and commits after the faults", async () => {
    await checkEngineShard(1);
  }, 600_000); // a generous bound for a loaded machine; it asserts nothing about time
});
