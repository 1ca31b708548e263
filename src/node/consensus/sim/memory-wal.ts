import type { WalRecord } from "../../../consensus/index.js";
import type { Faults } from "../../../faults.js";
import type { ConsensusWal } from "../ports.js";

/** Where the simulator crashes a node inside its WAL: before an append becomes durable. */
export type WalFault = "crashBeforeAppend";

export class SimulatedCrash extends Error {
  constructor(where: string) {
    super(`simulated crash: ${where}`);
  }
}

/**
 * The consensus WAL in memory: the records are the node's "disk" and outlive its crashes.
 * An append is durable once it returns; an injected crash throws before it is.
 */
export class MemoryWal implements ConsensusWal {
  private stored: WalRecord[] = [];

  constructor(private readonly faults: Faults<WalFault>) {}

  /** What a restarted node reads. */
  records(): WalRecord[] {
    return [...this.stored];
  }

  append(record: WalRecord): void {
    if (this.faults.fires("crashBeforeAppend"))
      throw new SimulatedCrash(`before a WAL append (${record.kind})`);
    this.stored.push(record);
  }

  rewrite(records: readonly WalRecord[]): void {
    this.stored = [...records];
  }

  close(): void {}
}
