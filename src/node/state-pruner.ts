import { VALIDATORS_KEY } from "../app/genesis.js";
import { bytesEqual } from "../ledger/bytes.js";
import { nodesOnPath } from "../ledger/state/smt.js";
import type { ChainStore, PruneProgress } from "../storage/chain-store.js";
import type { Chain } from "./chain.js";

/**
 * Roots kept whole by default: all of them (an archive node). The console that every node
 * serves reads an enterprise's books at heights sampled from genesis to the tip
 * (web/src/chain/history.ts) and recomputes a commission at its order's height
 * (web/src/chain/recompute.ts), and an auditor or explorer needs every height: a node that
 * prunes answers those STATE_PRUNED. A validator that serves neither sets keepHeights.
 */
export const DEFAULT_KEEP_HEIGHTS = 0;
/**
 * The window this README recommends for a pruning node: the last 128 heights (go-ethereum keeps
 * the state of its last 128 blocks the same way). That is two minutes of blocks at one a second,
 * longer when blocks are slower: time for a client to prove a value at a height it has just
 * seen, and for `mkl node snapshot` of a recent height (which reads in one LMDB transaction, so
 * pruning behind it never changes what it reads). The event feed's replay of end-block events
 * reads the latest state for the last 4,096 heights, whatever the window.
 */
export const RECOMMENDED_KEEP_HEIGHTS = 128;
/**
 * Tree nodes one pruning batch deletes, in one durable transaction: each deletion dirties a page
 * of random keys, so a batch of 4,096 took 166 ms of wall time on this loaded machine (footprint
 * bench); a quarter of that keeps the event loop free for consensus between batches.
 */
export const DEFAULT_PRUNE_BATCH_NODES = 1_024;

export interface PruningOptions {
  /** Heights whose roots stay whole (the head's and the ones before it); 0 keeps every root. */
  readonly keepHeights: number;
  /** Most tree nodes deleted in one transaction. */
  readonly batchNodes: number;
}

/**
 * Deletes superseded state-tree nodes behind the chain, off the commit path: after a commit it
 * asks the store to prune (pruneState) in bounded batches, one durable transaction each and one
 * batch per turn of the event loop, until every root older than the last `keepHeights` is
 * pruned. Consensus, sync and the API run between batches. Nothing here is part of the state
 * machine: the state root and every block stay as they are.
 */
export class StatePruner {
  private keepFrom: bigint | undefined;
  private scheduled: NodeJS.Immediate | undefined;
  private stopped = false;

  constructor(
    private readonly store: Pick<ChainStore, "pruneState">,
    private readonly options: PruningOptions,
    /** A store error: the node stops (the store is wrapped to report it; this only ends the job). */
    private readonly onFault: (error: unknown) => void,
    private readonly onBatch?: (progress: PruneProgress, seconds: number) => void,
  ) {}

  /** A block (or a batch of them) committed up to `head`. */
  committed(head: bigint): void {
    if (this.options.keepHeights === 0) return;
    const keepFrom = head - BigInt(this.options.keepHeights) + 1n;
    if (keepFrom <= 0n) return;
    this.keepFrom = keepFrom;
    this.schedule();
  }

  /** No batch is waiting to run (everything asked so far is pruned, or the job stopped). */
  get idle(): boolean {
    return this.scheduled === undefined;
  }

  stop(): void {
    this.stopped = true;
    if (this.scheduled !== undefined) clearImmediate(this.scheduled);
    this.scheduled = undefined;
  }

  private schedule(): void {
    if (this.scheduled === undefined && !this.stopped) this.scheduled = setImmediate(this.step);
  }

  private readonly step = (): void => {
    this.scheduled = undefined;
    if (this.stopped || this.keepFrom === undefined) return;
    const started = performance.now();
    let progress: PruneProgress;
    try {
      progress = this.store.pruneState(this.keepFrom, this.options.batchNodes);
    } catch (error) {
      this.stopped = true;
      this.onFault(error);
      return;
    }
    this.onBatch?.(progress, (performance.now() - started) / 1000);
    if (!progress.done) this.schedule();
  };
}

/**
 * A store written before validator-set paths were pinned pins them once, before its first
 * pruning: every root is still whole then. Blocks 0 to the head are read once (genesis and each
 * block whose header announces a new set, the heights a chain check proves the set at).
 */
export function pinValidatorSetsOfOlderStore(store: ChainStore, chain: Chain): number {
  if (store.pinsRecorded()) return 0;
  const head = store.head() ?? 0n;
  const nodes = { get: (hash: Uint8Array) => store.getStateNode(hash) };
  let pinned = 0;
  for (let height = 0n; height <= head; height++) {
    const header = chain.blockAt(height)?.header;
    const root = store.stateRootAt(height);
    if (header === undefined || root === undefined) continue; // restored from a snapshot: not held
    if (height > 0n && bytesEqual(header.validatorSetHash, header.nextValidatorSetHash)) continue;
    store.pinRoot(
      height,
      nodesOnPath(nodes, (d) => chain.suite.hash(d), root, VALIDATORS_KEY),
    );
    pinned++;
  }
  store.markPinsRecorded();
  return pinned;
}
