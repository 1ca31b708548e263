import { InvalidBlockError } from "../app/errors.js";
import { endBlockWorkAt } from "../app/executor.js";
import type { Chain, PreparedBlock } from "./chain.js";
import type { Mempool, PoolTx } from "./mempool.js";

/**
 * Executes the next block from mempool candidates. A candidate that became invalid after it
 * was admitted (its signer revoked, its nonce taken) would make the whole block invalid, so it
 * is left out, evicted from the mempool and reported, and the block is built without it.
 */
export function prepareFromMempool(
  chain: Chain,
  mempool: Mempool,
  candidates: readonly PoolTx[],
  timeMs: bigint,
  proposer: Uint8Array,
  onDropped: (hashHex: string, reason: string) => void,
): PreparedBlock {
  const picked = [...candidates];
  for (;;) {
    try {
      // Filled up to the block's work limit: what it leaves out stays in the pool for the next.
      return chain.prepareBlock(
        picked.map((tx) => tx.bytes),
        timeMs,
        proposer,
        undefined,
        { fill: true },
      );
    } catch (error) {
      const index = error instanceof InvalidBlockError ? error.details.index : undefined;
      if (typeof index !== "number") throw error;
      const [dropped] = picked.splice(index, 1);
      if (dropped === undefined) throw error;
      mempool.evict(dropped.hashHex);
      onDropped(dropped.hashHex, (error as InvalidBlockError).message);
    }
  }
}

/** Whether the next block, at the time the head's certificate gives it, has end-block work. */
export function hasEndBlockWork(chain: Chain): boolean {
  const timeMs = chain.nextBlockTime(chain.latestBlock().commit);
  return timeMs !== undefined && endBlockWorkAt(chain.state, timeMs);
}
