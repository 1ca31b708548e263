import type { Faults } from "../faults.js";
import type { StoreFault } from "../storage/chain-store.js";
import type { NodeConfig } from "./config.js";

/**
 * The faults a node's config.json asks for under `testFaults` (end-to-end tests only; a node
 * without that key injects none). A crash here is a real one: SIGKILL, no cleanup, as a power
 * cut would leave the disk.
 */
export function storeFaultsOf(testFaults: NodeConfig["testFaults"]): Faults<StoreFault> {
  const crashCommitAt = testFaults?.crashMidCommitAtHeight;
  const crashBackfillAt = testFaults?.crashMidBackfillAtHeight;
  return {
    fires: (point, at) => {
      if (point === "crashMidCommit" && crashCommitAt !== undefined && at === BigInt(crashCommitAt))
        process.kill(process.pid, "SIGKILL");
      if (point === "crashMidBackfill" && crashBackfillAt !== undefined && at === BigInt(crashBackfillAt))
        process.kill(process.pid, "SIGKILL");
      if (point === "crashMidPrune" && testFaults?.crashMidPrune === true)
        process.kill(process.pid, "SIGKILL");
      return false;
    },
  };
}
