import { voteTimestamp } from "../consensus/index.js";
import type { PrivateKey, PublicKey } from "../crypto/suite.js";
import type { Chain, CommittedBlock } from "./chain.js";
import type { Mempool, PoolTx } from "./mempool.js";
import { hasEndBlockWork, prepareFromMempool } from "./propose.js";

export interface SoloEngineOptions {
  readonly chain: Chain;
  readonly mempool: Mempool;
  readonly key: { readonly privateKey: PrivateKey; readonly publicKey: PublicKey };
  readonly emptyBlockIntervalMs: number;
  readonly batchDelayMs: number;
  readonly maxBlockTxs: number;
  readonly maxBlockBytes: number;
  /** The shell's clock, for the timestamp of the validator's precommit (the next block's time). */
  readonly now: () => number;
  readonly senderNonce: (senderHex: string) => bigint;
  readonly onCommit: (committed: CommittedBlock) => void;
  readonly onDroppedTx: (hashHex: string, reason: string) => void;
}

/**
 * Block production for a chain with a single validator: a block as soon as transactions wait
 * (after a short batching delay), or an empty one when the chain has been idle for the
 * configured interval. The BFT engine replaces this when the network has several validators.
 */
export class SoloEngine {
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(private readonly options: SoloEngineOptions) {}

  start(): void {
    this.running = true;
    this.schedule(this.options.emptyBlockIntervalMs);
  }

  stop(): void {
    this.running = false;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** A transaction was admitted: make a block soon rather than at the idle interval. */
  onTxAdmitted(): void {
    if (this.running) this.schedule(this.options.batchDelayMs);
  }

  private schedule(delayMs: number): void {
    if (this.timer !== undefined) {
      const dueSoon = delayMs >= this.options.emptyBlockIntervalMs;
      if (dueSoon) return;
      clearTimeout(this.timer);
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.produce();
    }, delayMs);
  }

  /** Makes and commits one block, then schedules the next. */
  produce(): void {
    const { mempool, chain } = this.options;
    const started = performance.now();
    const picked = mempool.reap(
      this.options.maxBlockTxs,
      this.options.maxBlockBytes,
      this.options.senderNonce,
    );
    const block = this.commitBlock(picked);
    mempool.update(chain.height, this.options.senderNonce);
    this.options.onCommit({ ...block, commitSeconds: (performance.now() - started) / 1000 });
    if (this.running)
      this.schedule(
        mempool.runnable > 0 || hasEndBlockWork(chain)
          ? this.options.batchDelayMs
          : this.options.emptyBlockIntervalMs,
      );
  }

  private commitBlock(candidates: PoolTx[]): Omit<CommittedBlock, "commitSeconds"> {
    const { chain, key } = this.options;
    // BFT time, as on a network: the time of the head's certificate, which this block carries.
    const timeMs = chain.nextBlockTime(chain.latestBlock().commit) as bigint;
    const prepared = prepareFromMempool(
      chain,
      this.options.mempool,
      candidates,
      timeMs,
      key.publicKey.bytes,
      this.options.onDroppedTx,
    );
    const stampMs = BigInt(voteTimestamp(this.options.now(), Number(timeMs)));
    const certified = chain.signCommit(prepared, [key], stampMs);
    chain.commit(prepared, certified);
    return { block: certified, hash: prepared.hash, outcome: prepared.outcome };
  }
}
