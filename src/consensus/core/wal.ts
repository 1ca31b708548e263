import { ConsensusCore } from "./core.js";
import type { ConsensusConfig, WalRecord } from "./types.js";

/**
 * Rebuild a core from the records it asked to persist. The restarted node is at the height
 * after its last commit, in the round and step of its last signed message, with its lock and
 * valid value; for any (h, round, type) it already signed it re-sends that vote instead of
 * signing a new one. Feed it a `start` input next.
 *
 * The shell may truncate the WAL to start at the last `commit` record (keep validatorSet
 * records that are still in force). If the app's height is behind the last `commit` record,
 * the shell re-applies that certificate to the app before starting.
 */
export function restore(config: ConsensusConfig, records: readonly WalRecord[]): ConsensusCore {
  return ConsensusCore.restore(config, records);
}
