import type { Logger } from "pino";
import type { Value } from "../../consensus/index.js";
import type { KeyPair } from "../../crypto/suite.js";
import { invariant } from "../../errors.js";
import { toHex } from "../../ledger/bytes.js";
import type { Chain } from "../chain.js";
import type { Mempool } from "../mempool.js";
import { hasEndBlockWork, prepareFromMempool } from "../propose.js";
import type { Clock, EngineObserver, TimerHandle, Timers } from "./ports.js";
import type { PreparedBlocks } from "./prepared-blocks.js";
import { encodeProposalPayload } from "./wire.js";

export interface ProposalBuilderOptions {
  readonly chain: Chain;
  readonly mempool: Mempool;
  readonly key: KeyPair;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly prepared: PreparedBlocks;
  readonly maxBlockTxs: number;
  readonly maxBlockBytes: number;
  /** With an empty mempool the proposer waits this long before proposing an empty block. */
  readonly emptyBlockIntervalMs: number;
  /** After a transaction arrives, the proposer waits this long to gather more. */
  readonly batchDelayMs: number;
  readonly senderNonce: (senderHex: string) => bigint;
  readonly log: Logger;
  /** Whether the next block has end-block work without transactions (default: due orders in its state). */
  readonly hasEndBlockWork?: (chain: Chain) => boolean;
  /** The block is built: give it to the core, if it still wants a value for (height, round). */
  readonly onValue: (height: number, round: number, value: Value) => void;
  /** Told how long each proposal waited and took to build (metrics). */
  readonly observer?: EngineObserver;
}

/**
 * Builds this validator's proposals. Proposing at once would make empty blocks as fast as the
 * network allows, so a request for a value waits for transactions (then a short batching
 * delay) or, with none, for the idle interval; the other validators' propose timeout is
 * longer than that interval (checked at start-up).
 */
export class ProposalBuilder {
  private pending:
    | { height: number; round: number; timer: TimerHandle; dueAt: number; requestedAt: number }
    | undefined;

  constructor(private readonly options: ProposalBuilderOptions) {}

  /**
   * The core asked for a value (line 18 of the paper). A block with work to do (runnable
   * transactions, or orders falling due at its time: a completion storm drains with no
   * transaction) is proposed after the batching delay, an idle one after the idle interval.
   * Transactions queued behind a sender's nonce gap cannot go in a block: proposing for them
   * made empty blocks every few milliseconds while a gap stayed open.
   */
  request(height: number, round: number): void {
    const { mempool, batchDelayMs, emptyBlockIntervalMs } = this.options;
    const busy =
      mempool.runnable > 0 || (this.options.hasEndBlockWork ?? hasEndBlockWork)(this.options.chain);
    this.schedule(height, round, busy ? batchDelayMs : emptyBlockIntervalMs);
  }

  /** A transaction arrived: a proposer that is waiting proposes after the batching delay. */
  onTxAdmitted(): void {
    const pending = this.pending;
    if (
      pending === undefined ||
      this.options.mempool.runnable === 0 ||
      pending.dueAt - this.options.clock.now() <= this.options.batchDelayMs
    )
      return;
    this.schedule(pending.height, pending.round, this.options.batchDelayMs);
  }

  cancel(): void {
    this.pending?.timer.cancel();
    this.pending = undefined;
  }

  private schedule(height: number, round: number, delayMs: number): void {
    const now = this.options.clock.now();
    // A reschedule (a transaction arrived) keeps the time the core asked.
    const requestedAt =
      this.pending?.height === height && this.pending.round === round ? this.pending.requestedAt : now;
    this.cancel();
    const timer = this.options.timers.after(delayMs, () => {
      this.pending = undefined;
      this.build(height, round, requestedAt);
    });
    this.pending = { height, round, timer, dueAt: now + delayMs, requestedAt };
  }

  /** Executes the next block from the mempool, keeps it prepared and hands it over. */
  build(height: number, round: number, requestedAt = this.options.clock.now()): void {
    const { chain, mempool, key, log, clock } = this.options;
    const startedAt = clock.now();
    const previous = chain.latestBlock();
    if (previous.header.height + 1n !== BigInt(height)) return; // committed meanwhile (block sync)
    const lastCommit = previous.commit;
    const timeMs = chain.nextBlockTime(lastCommit);
    invariant(timeMs !== undefined, "the committed head has no usable commit certificate", { height });
    const picked = mempool.reap(
      this.options.maxBlockTxs,
      this.options.maxBlockBytes,
      this.options.senderNonce,
    );
    const prepared = prepareFromMempool(chain, mempool, picked, timeMs, key.publicKey.bytes, (hash, reason) =>
      log.warn({ tx: hash, reason }, "left an invalid transaction out of the proposal"),
    );
    const valueId = toHex(prepared.hash);
    const { header, txs } = prepared.block;
    this.options.prepared.keep(valueId, { prepared, payload: { header, txs, lastCommit } });
    const payload = encodeProposalPayload(prepared.block, lastCommit);
    this.options.observer?.proposalBuilt?.({
      height,
      round,
      txs: txs.length,
      waitedMs: startedAt - requestedAt,
      buildMs: clock.now() - startedAt,
    });
    this.options.onValue(height, round, { valueId, payload });
  }
}
