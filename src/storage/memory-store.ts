import { type Faults, noFaults } from "../faults.js";
import {
  type BackfilledBlock,
  type CommitBatch,
  refuseBackfillGap,
  refuseHeightGap,
  StorageError,
  type StoreFault,
  type TxLocation,
} from "./chain-store.js";
import type { ChainStorage } from "./storage.js";

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");
const bytesOf = (hexString: string): Uint8Array => Uint8Array.from(Buffer.from(hexString, "hex"));

/**
 * The chain's store in memory, with the LMDB store's contract: a commit lands whole or not at
 * all (an injected crash halfway leaves the previous height), heights have no gaps, and reads
 * return copies. For the engine simulator, where a node's "disk" outlives its crashes.
 */
export class MemoryStore implements ChainStorage {
  private headHeight: bigint | undefined;
  private readonly blocks = new Map<bigint, Uint8Array>();
  private readonly results = new Map<bigint, Uint8Array>();
  private readonly blockHashes = new Map<string, bigint>();
  private readonly txIndex = new Map<string, TxLocation>();
  private readonly state = new Map<string, Uint8Array>();
  private readonly stateNodes = new Map<string, Uint8Array>();
  private readonly stateRoots = new Map<bigint, Uint8Array>();
  private readonly pinnedRoots = new Set<bigint>();

  constructor(private readonly faults: Faults<StoreFault> = noFaults()) {}

  head(): bigint | undefined {
    return this.headHeight;
  }

  getBlock(height: bigint): Uint8Array | undefined {
    return copy(this.blocks.get(height));
  }

  getResults(height: bigint): Uint8Array | undefined {
    return copy(this.results.get(height));
  }

  heightOfBlock(blockHash: Uint8Array): bigint | undefined {
    return this.blockHashes.get(hex(blockHash));
  }

  locateTx(txHash: Uint8Array): TxLocation | undefined {
    return this.txIndex.get(hex(txHash));
  }

  getState(key: Uint8Array): Uint8Array | undefined {
    return copy(this.state.get(hex(key)));
  }

  *stateEntries(
    prefix?: Uint8Array,
    limit = Number.POSITIVE_INFINITY,
  ): Generator<{ key: Uint8Array; value: Uint8Array }> {
    // Hex keeps byte order, so sorting the hex keys sorts the keys.
    const start = prefix === undefined ? "" : hex(prefix);
    const keys = [...this.state.keys()].filter((k) => k.startsWith(start)).sort();
    let count = 0;
    for (const key of keys) {
      if (count++ >= limit) return;
      yield { key: bytesOf(key), value: Uint8Array.from(this.state.get(key) as Uint8Array) };
    }
  }

  getStateNode(hash: Uint8Array): Uint8Array | undefined {
    return copy(this.stateNodes.get(hex(hash)));
  }

  stateRootAt(height: bigint): Uint8Array | undefined {
    return copy(this.stateRoots.get(height));
  }

  /** The memory store keeps every root (it never prunes). */
  stateAvailableFrom(): bigint {
    return 0n;
  }

  indexesStaleNodes(): boolean {
    return false;
  }

  hasPinnedRoot(height: bigint): boolean {
    return this.pinnedRoots.has(height);
  }

  /** Always undefined unless a test set it: a memory store is never restored from a snapshot. */
  historyFromHeight: bigint | undefined;

  historyFrom(): bigint | undefined {
    return this.historyFromHeight;
  }

  backfill(blocks: readonly BackfilledBlock[]): void {
    refuseBackfillGap(this.historyFromHeight, blocks);
    for (const block of blocks) {
      if (block.blockBytes !== undefined) this.blocks.set(block.height, Uint8Array.from(block.blockBytes));
      this.results.set(block.height, Uint8Array.from(block.resultsBytes));
      this.blockHashes.set(hex(block.blockHash), block.height);
      block.txHashes.forEach((hash, index) => {
        this.txIndex.set(hex(hash), { height: block.height, index });
      });
      this.historyFromHeight = block.height <= 1n ? undefined : block.height;
    }
  }

  /** Memory has no flush to share: the commits run one after another. */
  commitTogether(commits: () => void): void {
    commits();
  }

  commit(batch: CommitBatch): void {
    refuseHeightGap(this.headHeight, batch.height);
    // Nothing is written before this point, so a crash here leaves the previous height whole.
    if (this.faults.fires("crashMidCommit", batch.height))
      throw new StorageError("STORE_FAULT_INJECTED", `injected crash halfway through commit ${batch.height}`);
    this.blocks.set(batch.height, Uint8Array.from(batch.blockBytes));
    if (batch.previousBlockBytes !== undefined)
      this.blocks.set(batch.height - 1n, Uint8Array.from(batch.previousBlockBytes));
    this.results.set(batch.height, Uint8Array.from(batch.resultsBytes));
    this.blockHashes.set(hex(batch.blockHash), batch.height);
    batch.txHashes.forEach((hash, index) => {
      this.txIndex.set(hex(hash), { height: batch.height, index });
    });
    for (const [hashHex, node] of batch.stateNodes) this.stateNodes.set(hashHex, Uint8Array.from(node));
    for (const write of batch.stateWrites) {
      if (write.value === undefined) this.state.delete(hex(write.key));
      else this.state.set(hex(write.key), Uint8Array.from(write.value));
    }
    this.stateRoots.set(batch.height, Uint8Array.from(batch.stateRoot));
    if (batch.pinnedNodes !== undefined && batch.pinnedNodes.length > 0) this.pinnedRoots.add(batch.height);
    this.headHeight = batch.height;
  }

  async close(): Promise<void> {}
}

function copy(bytes: Uint8Array | undefined): Uint8Array | undefined {
  return bytes === undefined ? undefined : Uint8Array.from(bytes);
}
