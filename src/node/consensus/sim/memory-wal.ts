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
 * An append is durable once it returns; an injected crash throws before it is. A checkpoint is
 * held aside until the next append, as the file does, so a crash loses it as it would there.
 */
export class MemoryWal implements ConsensusWal {
  private stored: WalRecord[] = [];
  private checkpointed: WalRecord[] | undefined;

  constructor(private readonly faults: Faults<WalFault>) {}

  /** What a (re)started node reads: a checkpoint no append made durable was lost with the crash. */
  records(): WalRecord[] {
    this.checkpointed = undefined;
    return [...this.stored];
  }

  append(records: readonly WalRecord[]): void {
    if (this.faults.fires("crashBeforeAppend"))
      throw new SimulatedCrash(`before a WAL append (${records.map((r) => r.kind).join(", ")})`);
    if (this.checkpointed !== undefined) this.stored = this.checkpointed;
    this.checkpointed = undefined;
    this.stored.push(...records);
  }

  checkpoint(records: readonly WalRecord[]): void {
    this.checkpointed = [...records];
  }

  close(): void {}
}
