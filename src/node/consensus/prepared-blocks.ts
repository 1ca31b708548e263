import type { PreparedBlock } from "../chain.js";
import type { ProposalPayload } from "./wire.js";

/** Most executed proposals kept while a height is undecided (an equivocating proposer makes many). */
const MAX_PREPARED = 16;

export interface Prepared {
  readonly prepared: PreparedBlock;
  readonly payload: ProposalPayload;
}

/** Blocks of the current height already executed (built here or validated), by value id. */
export class PreparedBlocks {
  private readonly entries = new Map<string, Prepared>();

  constructor(private readonly max = MAX_PREPARED) {}

  get(valueId: string): Prepared | undefined {
    return this.entries.get(valueId);
  }

  keep(valueId: string, entry: Prepared): void {
    if (this.entries.size >= this.max && !this.entries.has(valueId)) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(valueId, entry);
  }

  clear(): void {
    this.entries.clear();
  }
}
