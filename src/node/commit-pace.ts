/**
 * How many pending transactions a node takes from its clients: as many as the chain has lately
 * committed in `targetWaitMs`, never fewer than one full block. A pool that holds more only
 * makes every later transaction wait longer (the latency grows without bound under overload);
 * refusing with MEMPOOL_FULL instead tells the client to slow down while what is admitted still
 * commits within a few seconds. Node-local and advisory (admission, never consensus), so it may
 * read the wall clock the node passes in.
 */
export interface CommitPaceOptions {
  /** How long an admitted transaction should wait at most, at the recent commit rate. */
  readonly targetWaitMs: number;
  /** The floor: one block's worth is always admissible, so an idle chain takes a burst. */
  readonly minTxs: number;
  /** The pool's own bound, which this never exceeds. */
  readonly maxTxs: number;
}

/** Blocks remembered for the rate: enough to smooth one slow round, few enough to follow a change. */
const BLOCKS_KEPT = 8;

export class CommitPace {
  /** Recent non-empty commits: their transactions and the time since the commit before. */
  private readonly blocks: Array<{ txs: number; intervalMs: number }> = [];
  private lastCommitAtMs: number | undefined;

  constructor(private readonly options: CommitPaceOptions) {}

  /** A block with `txs` transactions committed at `nowMs`. */
  committed(txs: number, nowMs: number): void {
    const since = this.lastCommitAtMs;
    this.lastCommitAtMs = nowMs;
    // An empty block says nothing about how fast the chain drains a full pool.
    if (txs === 0 || since === undefined) return;
    this.blocks.push({ txs, intervalMs: Math.max(1, nowMs - since) });
    if (this.blocks.length > BLOCKS_KEPT) this.blocks.shift();
  }

  /** Transactions committed per second over the remembered blocks (their own intervals only). */
  get txsPerSecond(): number {
    let txs = 0;
    let ms = 0;
    for (const block of this.blocks) {
      txs += block.txs;
      ms += block.intervalMs;
    }
    return ms > 0 ? (txs * 1000) / ms : 0;
  }

  /** The most transactions the pool should hold before it refuses a client's. */
  get limit(): number {
    const { targetWaitMs, minTxs, maxTxs } = this.options;
    const paced = Math.floor((this.txsPerSecond * targetWaitMs) / 1000);
    return Math.min(maxTxs, Math.max(minTxs, paced));
  }
}
