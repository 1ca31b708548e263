import type { BackfilledBlock, CommitBatch, TxLocation } from "./chain-store.js";

/**
 * What the chain needs of its store. `ChainStore` (LMDB, durable) is the node's; `MemoryStore`
 * holds the same in memory for the engine simulator and tests. Both commit a batch atomically.
 */
export interface ChainStorage {
  /** The height of the last committed block, or undefined before genesis. */
  head(): bigint | undefined;
  getBlock(height: bigint): Uint8Array | undefined;
  getResults(height: bigint): Uint8Array | undefined;
  heightOfBlock(blockHash: Uint8Array): bigint | undefined;
  locateTx(txHash: Uint8Array): TxLocation | undefined;
  /** The latest committed value of a state key. */
  getState(key: Uint8Array): Uint8Array | undefined;
  /** Keys and values of the latest state in key order, all or under a prefix, at most `limit`. */
  stateEntries(prefix?: Uint8Array, limit?: number): Generator<{ key: Uint8Array; value: Uint8Array }>;
  getStateNode(hash: Uint8Array): Uint8Array | undefined;
  stateRootAt(height: bigint): Uint8Array | undefined;
  /** The oldest height whose state tree is whole (0 unless pruning deleted older roots' nodes). */
  stateAvailableFrom(): bigint;
  /** Whether this height's root keeps pinned nodes forever (CommitBatch.pinnedNodes). */
  hasPinnedRoot(height: bigint): boolean;
  /**
   * Whether commits keep the stale-node index (a pruning store): only then do they need
   * CommitBatch.staleNodes, which costs the tree update work an archive store need not pay.
   */
  indexesStaleNodes(): boolean;
  /**
   * The lowest height from which on every block is held with its results, when some below are
   * not (a node restored from a snapshot, until backfill has stored them); undefined when all are.
   */
  historyFrom(): bigint | undefined;
  /** Stores checked blocks just below historyFrom(), in descending order, all or none (backfill). */
  backfill(blocks: readonly BackfilledBlock[]): void;
  /** Commits one block and everything it changed, all or nothing. */
  commit(batch: CommitBatch): void;
  /**
   * Runs `commits` (which calls commit() for several blocks in turn) as one durable transaction:
   * reads inside see the blocks committed so far, and one flush makes them all durable (or, if
   * `commits` throws, none in the LMDB store; the memory store has nothing to roll back). Block
   * sync commits a peer's batch of blocks this way.
   */
  commitTogether(commits: () => void): void;
  close(): Promise<void>;
}
