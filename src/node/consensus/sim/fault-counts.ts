/** Every kind of fault the engine simulator injects, counted per run. */
export interface EngineFaultCounts {
  dropped: number;
  duplicated: number;
  reordered: number;
  partitions: number;
  /** Crashes at a random moment, inside a WAL append, halfway through a commit. */
  crashes: number;
  walCrashes: number;
  commitCrashes: number;
  restarts: number;
  /** Blocks a node that had been down fetched by block sync. */
  blocksSyncedAfterDown: number;
  byzantineNodes: number;
  byzantineMessages: number;
  swappedCertificates: number;
  /** Peer messages honest engines refused (bad signatures, garbage, invalid blocks). */
  refused: number;
  evidence: number;
  validatorSetChanges: number;
}

export function noFaultCounts(): EngineFaultCounts {
  return {
    dropped: 0,
    duplicated: 0,
    reordered: 0,
    partitions: 0,
    crashes: 0,
    walCrashes: 0,
    commitCrashes: 0,
    restarts: 0,
    blocksSyncedAfterDown: 0,
    byzantineNodes: 0,
    byzantineMessages: 0,
    swappedCertificates: 0,
    refused: 0,
    evidence: 0,
    validatorSetChanges: 0,
  };
}
