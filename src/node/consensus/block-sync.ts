import { setImmediate as nextTurn } from "node:timers/promises";
import { InvalidBlockError, isInvalidInput } from "../../app/errors.js";
import { type Block, type CommitSignature, decodeBlock } from "../../ledger/block.js";
import { verifyCommit } from "../../ledger/commit.js";
import type { Chain, PreparedBlock } from "../chain.js";
import type { VerifyPool } from "../verify/pool.js";
import type { Clock, PeerNetwork } from "./ports.js";
import type { Refusals } from "./refusals.js";
import { VerifyAhead } from "./verify-ahead.js";
import { encodePeerMessage } from "./wire.js";

/**
 * Most blocks sent in one answer to a peer that is behind (the most a `blocks` message holds),
 * and most bytes. A node catching up commits each answer in one store transaction, so fewer,
 * larger answers mean fewer flushes, round trips and restarts of the consensus core.
 */
const SYNC_BATCH_BLOCKS = 64;
const SYNC_BATCH_BYTES = 16 * 1024 * 1024;
/** One request in flight: ask again after this long without an answer. */
const SYNC_RETRY_MS = 2_000;
/**
 * With a verification pool, blocks applied in one store transaction before the event loop takes
 * its next turn (where the pool's answers and the next batch come in): about this many
 * transactions, so the workers are never left without work for long.
 */
const APPLY_GROUP_TXS = 4_096;
/**
 * With a verification pool, the next batch is asked for only while fewer transactions than this
 * wait (decoded, with their checks): a few groups ahead keep the workers busy, and a node
 * catching up on blocks of thousands of transactions holds tens of megabytes, not hundreds.
 */
const AHEAD_TXS = 16_384;

export interface BlockSyncOptions {
  readonly chain: Chain;
  readonly network: PeerNetwork;
  readonly clock: Clock;
  readonly refusals: Refusals;
  /**
   * Synced blocks were committed, in order, in one store transaction (the engine tells the node
   * of each, and updates the mempool and tells peers its height once for the batch).
   */
  readonly onApplied: (applied: readonly AppliedBlock[]) => void;
  /**
   * Verification on worker threads, with what follows each group of blocks applied through it
   * (see receive); without it, or with no workers, apply() verifies on the event loop.
   */
  readonly ahead?: {
    readonly pool: VerifyPool;
    /** Blocks of `peerId` were applied (at least one). */
    readonly applied: (peerId: string, count: number) => void;
    /** Whether the engine still runs: a stopped one applies nothing more. */
    readonly running: () => boolean;
    /** A fault that is no peer's (a bug, the store failing), as the synchronous path throws it. */
    readonly failed: (error: unknown) => void;
  };
}

/** A synced block received and not yet applied, with the peer that sent it. */
interface Waiting {
  readonly peer: string;
  readonly block: Block;
}

/** A synced block as committed, with when its checking started (for the commit time figure). */
export interface AppliedBlock {
  readonly block: Block;
  readonly prepared: PreparedBlock;
  readonly startedMs: number;
}

/**
 * Catching up: peers tell us their height; when one is ahead we ask it for committed blocks,
 * verify each one's commit certificate against the validator set it must be signed by, then
 * execute and commit it. We answer the same requests from peers that are behind.
 */
export class BlockSync {
  private readonly peerHeights = new Map<string, bigint>();
  private requestedAt: number | undefined;
  private turn = 0;
  /** With a pool: blocks received, in height order, waiting for their checks and their turn. */
  private readonly waiting: Waiting[] = [];
  private waitingTxs = 0;
  /** Blocks to ask for at a time: with a pool, fewer when blocks are large (about AHEAD_TXS a batch). */
  private requestBlocks = SYNC_BATCH_BLOCKS;
  private readonly verifyAhead: VerifyAhead | undefined;
  private draining = false;

  constructor(private readonly options: BlockSyncOptions) {
    const ahead = options.ahead;
    this.verifyAhead =
      ahead === undefined
        ? undefined
        : new VerifyAhead(options.chain, ahead.pool, () => void this.drain(), ahead.failed);
  }

  /** Whether blocks are verified on the pool ahead of execution (receive), not in apply. */
  get verifiesAhead(): boolean {
    return this.verifyAhead !== undefined;
  }

  /** The next height to ask for: past the head, and past the blocks waiting to be applied. */
  private nextWanted(): bigint {
    const last = this.waiting[this.waiting.length - 1];
    const head = this.options.chain.height;
    return last === undefined || last.block.header.height <= head ? head + 1n : last.block.header.height + 1n;
  }

  /** Enough waits to keep the workers busy: ask for more once some of it is applied. */
  private waitingFull(): boolean {
    return this.waiting.length >= SYNC_BATCH_BLOCKS || this.waitingTxs >= AHEAD_TXS;
  }

  onStatus(peerId: string, height: bigint): void {
    this.peerHeights.set(peerId, height);
    this.maybeRequest();
  }

  /** Peers that reported a height of at least `height`, in the order they were first heard. */
  peersHolding(height: bigint): string[] {
    return [...this.peerHeights].filter(([, h]) => h >= height).map(([peer]) => peer);
  }

  /** The highest height a peer reported, or ours when none is ahead (for the sync-lag figure). */
  bestPeerHeight(): bigint {
    let best = this.options.chain.height;
    for (const height of this.peerHeights.values()) if (height > best) best = height;
    return best;
  }

  /**
   * Asks a peer that is ahead for the blocks we lack (one request in flight at a time). Peers
   * ahead are asked in turn, so one that answers with junk cannot keep us from the others.
   */
  maybeRequest(): void {
    const { clock, network } = this.options;
    const from = this.nextWanted();
    const ahead = [...this.peerHeights].filter(([, h]) => h >= from).map(([peer]) => peer);
    if (ahead.length === 0 || this.waitingFull()) return;
    // A wall clock stepped back (NTP, an operator) counts as the interval passed: otherwise a
    // node whose clock went back ten minutes would not ask again for ten minutes.
    const sinceRequest = this.requestedAt === undefined ? undefined : clock.now() - this.requestedAt;
    if (sinceRequest !== undefined && sinceRequest >= 0 && sinceRequest < SYNC_RETRY_MS) return;
    this.requestedAt = clock.now();
    this.turn = (this.turn + 1) % ahead.length;
    network.send(
      ahead[this.turn] as string,
      encodePeerMessage({
        kind: "blocksRequest",
        value: { fromHeight: from, max: this.requestBlocks },
      }),
    );
  }

  answer(peerId: string, fromHeight: bigint, max: number): void {
    const { chain, network } = this.options;
    const blocks: Uint8Array[] = [];
    let bytes = 0;
    const last = chain.height;
    for (let h = fromHeight; h <= last && blocks.length < Math.min(max, SYNC_BATCH_BLOCKS); h++) {
      const encoded = chain.store.getBlock(h);
      if (encoded === undefined || bytes + encoded.length > SYNC_BATCH_BYTES) break;
      blocks.push(encoded);
      bytes += encoded.length;
    }
    if (blocks.length > 0) network.send(peerId, encodePeerMessage({ kind: "blocks", value: blocks }), "low");
  }

  /**
   * Verifies and applies blocks a peer sent, in order, stopping at the first that is refused.
   * They commit in one store transaction (one flush for the batch, not one per block: catching
   * up is bound by the disk otherwise); the node hears of them once they are durable. Returns
   * how many were committed.
   */
  apply(peerId: string, encodedBlocks: readonly Uint8Array[]): number {
    this.requestedAt = undefined;
    return this.commitInOrder(encodedBlocks.map((block) => ({ peer: peerId, block }))).applied.length;
  }

  /**
   * Blocks a peer sent, with a verification pool (options.ahead): decoded once, queued behind
   * those waiting, their signatures sent to the workers, and the next batch asked for at once.
   * They are applied in order as their checks come back (drain), a group of blocks per store
   * transaction and per turn of the event loop, so the next batch and the pool's answers come in
   * while the blocks before them execute. What each block is refused for, and when, is as in
   * apply(): the pool only moves signature checks off the event loop.
   */
  receive(peerId: string, encodedBlocks: readonly Uint8Array[]): void {
    const verify = this.verifyAhead;
    if (verify === undefined) throw new Error("BlockSync.receive needs a verification pool (options.ahead)");
    this.requestedAt = undefined;
    const blocks: Block[] = [];
    let next = this.nextWanted();
    for (const encoded of encodedBlocks) {
      let block: Block;
      try {
        block = decodeBlock(encoded);
      } catch (error) {
        if (!isInvalidInput(error)) throw error;
        this.options.refusals.refuse(peerId, "refused a synced block", {
          code: error.code,
          err: error.message,
        });
        break;
      }
      // Held or waiting already (the answer to a request asked again), or not the next one.
      if (block.header.height !== next) continue;
      blocks.push(block);
      this.waiting.push({ peer: peerId, block });
      this.waitingTxs += block.txs.length;
      next++;
    }
    if (blocks.length > 0) {
      verify.add(blocks);
      const txsPerBlock = Math.max(1, blocks.reduce((n, b) => n + b.txs.length, 0) / blocks.length);
      this.requestBlocks = Math.max(1, Math.min(SYNC_BATCH_BLOCKS, Math.floor(AHEAD_TXS / txsPerBlock)));
    }
    this.maybeRequest();
    void this.drain();
  }

  /** Applies the waiting blocks whose checks are done, group after group, until one is not. */
  private async drain(): Promise<void> {
    const { ahead } = this.options;
    const verify = this.verifyAhead;
    if (this.draining || ahead === undefined || verify === undefined) return;
    this.draining = true;
    try {
      while (ahead.running()) {
        let count = 0;
        let txs = 0;
        for (const { block } of this.waiting) {
          if (!verify.checked(block) || count >= SYNC_BATCH_BLOCKS || (count > 0 && txs >= APPLY_GROUP_TXS))
            break;
          count++;
          txs += block.txs.length;
        }
        if (count === 0) return;
        const group = this.waiting.splice(0, count);
        this.waitingTxs -= txs;
        const { applied, refused } = this.commitInOrder(group);
        if (refused) {
          // Nothing after a refused block can follow our head: ask again, from the peers in turn.
          this.waiting.length = 0;
          this.waitingTxs = 0;
          verify.clear();
        }
        if (applied.length > 0) ahead.applied((group[0] as Waiting).peer, applied.length);
        else this.maybeRequest();
        await nextTurn();
      }
    } catch (error) {
      ahead.failed(error);
    } finally {
      this.draining = false;
    }
  }

  /**
   * Checks and commits blocks in order in one store transaction, stopping at the first refused
   * (its peer is told); the node hears of those committed once they are durable. A fault that is
   * no peer's is thrown once the blocks before it are durable.
   */
  private commitInOrder(items: ReadonlyArray<{ peer: string; block: Block | Uint8Array }>): {
    applied: AppliedBlock[];
    refused: boolean;
  } {
    const { chain, refusals, clock } = this.options;
    const applied: AppliedBlock[] = [];
    let failure: { error: unknown } | undefined;
    let refused = false;
    chain.store.commitTogether(() => {
      for (const { peer, block: item } of items) {
        const startedMs = clock.now();
        let checked: { block: Block; prepared: PreparedBlock } | undefined;
        try {
          checked = this.check(item);
        } catch (error) {
          // Not an input error: a bug, thrown once the blocks before it are durable.
          if (!isInvalidInput(error)) failure = { error };
          else {
            refused = true;
            refusals.refuse(peer, "refused a synced block", { code: error.code, err: error.message });
          }
          return;
        }
        if (checked === undefined) continue;
        // Outside the try: a failure to store is not the peer's fault and must not pass for one.
        // The block carries its predecessor's certificate; the chain stores that one with our head.
        chain.commit(checked.prepared, checked.block);
        applied.push({ ...checked, startedMs });
      }
    });
    if (applied.length > 0) this.options.onApplied(applied);
    if (failure !== undefined) throw failure.error;
    return { applied, refused };
  }

  /** Our next block, executed, if its certificate verifies; undefined for another height; throws if invalid. */
  private check(item: Block | Uint8Array): { block: Block; prepared: PreparedBlock } | undefined {
    const { chain } = this.options;
    const block = item instanceof Uint8Array ? decodeBlock(item) : item;
    if (block.header.height !== chain.height + 1n) return undefined;
    if (block.commit === undefined)
      throw new InvalidBlockError("SYNC_NO_COMMIT", "a synced block has no commit certificate");
    const verified: ((entry: CommitSignature) => boolean) | undefined = this.verifyAhead?.verified;
    const check = verifyCommit(chain.suite, block.header, block.commit, chain.validators(), verified);
    if (!check.ok) throw new InvalidBlockError("SYNC_BAD_COMMIT", check.reason);
    return { block, prepared: chain.executeBlock(block.header, block.txs, block.lastCommit) };
  }
}
