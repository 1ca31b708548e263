/**
 * How many pending transactions the network should take from its clients: as many as the chain
 * has lately committed in `targetWaitMs`, at least one full block while the chain keeps up. A
 * pool that holds more only makes every later transaction wait longer (the latency grows without
 * bound under overload); refusing with MEMPOOL_FULL instead tells the client to slow down while
 * what is admitted still commits within a few seconds. Node-local and advisory (admission,
 * never consensus), so it may read the wall clock the node passes in.
 *
 * The bound is the network's, not one node's: every validator takes clients and relays what it
 * admits, and the relays arrive after the node has already taken its own clients' share, so four
 * nodes that each admit up to the bound hold up to four times it between them (6,135 runnable on
 * one node against a bound of 2,000 in the quiet run at 92eb8cb). So a node admits from its own clients
 * only its share of the bound: the part of recent blocks that came from its clients, at least an
 * equal part of the validators'.
 */
export interface CommitPaceOptions {
  /** How long an admitted transaction should wait at most, at the recent commit rate. */
  readonly targetWaitMs: number;
  /** The floor while the chain keeps up: one block's worth, so an idle chain takes a burst. */
  readonly minTxs: number;
  /** The pool's own bound, which this never exceeds. */
  readonly maxTxs: number;
}

/** What one commit (a block, or a batch of synced blocks) held, as this node's pool saw it. */
export interface CommittedWork {
  readonly txs: number;
  /** Of those, the ones this node's own clients gave it. */
  readonly local: number;
  /** The longest any of them waited in this node's pool, admission to commit (0 if unknown). */
  readonly longestWaitMs: number;
}

/** Blocks remembered for the rate: enough to smooth one slow round, few enough to follow a change. */
const BLOCKS_KEPT = 8;
/**
 * Behind: a remembered block held a transaction that waited longer than this part of the target.
 * Then the commit rate is what the chain can do, and the one-block floor would only let a heavy
 * block (2,000 marketing transactions take seconds to execute on four validators) hold up all
 * that follows; the floor falls to a quarter block.
 */
const BEHIND_PART = 0.5;
const BEHIND_FLOOR_PART = 0.25;
/** A client refused now is told to wait at least this long, and at most this long. */
const RETRY_MIN_MS = 50;
const RETRY_MAX_MS = 5_000;

export class CommitPace {
  /** Recent non-empty commits: their work and the time since the commit before. */
  private readonly blocks: Array<CommittedWork & { intervalMs: number }> = [];
  private lastCommitAtMs: number | undefined;

  constructor(private readonly options: CommitPaceOptions) {}

  /** A block (or a batch of blocks) committed at `nowMs`. */
  committed(work: CommittedWork, nowMs: number): void {
    const since = this.lastCommitAtMs;
    this.lastCommitAtMs = nowMs;
    // An empty block says nothing about how fast the chain drains a full pool.
    if (work.txs === 0 || since === undefined) return;
    this.blocks.push({ ...work, intervalMs: Math.max(1, nowMs - since) });
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

  /** True when a recent block's transactions waited long: the chain, not the load, sets the rate. */
  get behind(): boolean {
    const longest = this.options.targetWaitMs * BEHIND_PART;
    return this.blocks.some((block) => block.longestWaitMs > longest);
  }

  /** The most transactions the network's pools should hold before they refuse a client's. */
  get limit(): number {
    const { targetWaitMs, minTxs, maxTxs } = this.options;
    const paced = Math.floor((this.txsPerSecond * targetWaitMs) / 1000);
    const floor = this.behind ? Math.max(1, Math.floor(minTxs * BEHIND_FLOOR_PART)) : minTxs;
    return Math.min(maxTxs, Math.max(floor, paced));
  }

  /**
   * This node's clients' part of recent blocks, at least `minShare` (an equal part of the
   * validators'); all of it before anything committed, so a lone gateway is not held back.
   */
  share(minShare: number): number {
    let txs = 0;
    let local = 0;
    for (const block of this.blocks) {
      txs += block.txs;
      local += block.local;
    }
    return txs === 0 ? 1 : Math.min(1, Math.max(minShare, local / txs));
  }

  /** The most of its own clients' transactions this node should hold (its share of the limit). */
  localLimit(minShare: number): number {
    return Math.max(1, Math.ceil(this.limit * this.share(minShare)));
  }

  /**
   * How long a client refused now should wait before it offers again: room is made by a commit,
   * so until the next one is due at the recent interval (a quarter interval when it is overdue).
   */
  retryAfterMs(nowMs: number): number {
    const intervals = this.blocks.map((block) => block.intervalMs);
    if (intervals.length === 0 || this.lastCommitAtMs === undefined) return 500;
    const interval = intervals.reduce((a, b) => a + b, 0) / intervals.length;
    const due = this.lastCommitAtMs + interval - nowMs;
    const wait = Math.max(due, interval / 4);
    return Math.round(Math.min(RETRY_MAX_MS, Math.max(RETRY_MIN_MS, wait)));
  }
}
