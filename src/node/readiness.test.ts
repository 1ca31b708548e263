import { describe, expect, it } from "vitest";
import { livenessChecks, type ReadinessInputs, readinessChecks } from "./readiness.js";

const limits = { commitWithinSeconds: 10, maxBlocksBehind: 2 };
const healthy: ReadinessInputs = {
  storageFault: undefined,
  peers: { connected: 3, known: 3 },
  secondsSinceCommit: 1,
  height: 100n,
  bestPeerHeight: 100n,
};
const failing = (inputs: ReadinessInputs) =>
  readinessChecks(inputs, limits)
    .filter((c) => !c.ok)
    .map((c) => c.name);

describe("readiness", () => {
  it("passes every check on a connected, committing, caught-up node", () => {
    expect(failing(healthy)).toEqual([]);
    expect(failing({ ...healthy, peers: undefined })).toEqual([]); // a lone validator needs no peers
  });

  it("names each failing check with what it saw", () => {
    const isolated = readinessChecks(
      {
        ...healthy,
        peers: { connected: 0, known: 4 },
        height: 0n,
        bestPeerHeight: 0n,
        secondsSinceCommit: 12,
      },
      limits,
    );
    expect(isolated.filter((c) => !c.ok).map((c) => [c.name, c.detail])).toEqual([
      ["peers", "0 of 4 peers connected"],
      ["commit", "last commit 12.0 s ago (limit 10 s)"],
    ]);
    expect(failing({ ...healthy, bestPeerHeight: 103n })).toEqual(["sync"]);
    expect(failing({ ...healthy, bestPeerHeight: 102n })).toEqual([]);
    expect(failing({ ...healthy, bestPeerHeight: 90n })).toEqual([]); // peers behind us are not our lag
    expect(failing({ ...healthy, secondsSinceCommit: 10 })).toEqual([]);
  });

  it("fails readiness and liveness on a storage fault, naming its code", () => {
    const fault = Object.assign(new Error("no space left on device"), { code: "ENOSPC" });
    expect(failing({ ...healthy, storageFault: fault })).toEqual(["storage"]);
    expect(livenessChecks({ storageFault: fault })).toEqual([
      { name: "storage", ok: false, detail: "stopped by a storage or WAL error: ENOSPC" },
    ]);
    expect(livenessChecks({ storageFault: undefined })[0]?.ok).toBe(true);
  });
});
