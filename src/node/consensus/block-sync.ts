import { InvalidBlockError, isInvalidInput } from "../../app/errors.js";
import { txCodecs } from "../../app/executor.js";
import { type Block, decodeBlock } from "../../ledger/block.js";
import { verifyCommit } from "../../ledger/commit.js";
import { decodeSignedTx, txHash, txSignBytes } from "../../ledger/tx.js";
import type { Chain, PreparedBlock } from "../chain.js";
import type { SignatureCheck, VerifyPool } from "../verify/pool.js";
import type { Clock, PeerNetwork } from "./ports.js";
import type { Refusals } from "./refusals.js";
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

  constructor(private readonly options: BlockSyncOptions) {}

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
    const { chain, clock, network } = this.options;
    const height = chain.height;
    const ahead = [...this.peerHeights].filter(([, h]) => h > height).map(([peer]) => peer);
    if (ahead.length === 0) return;
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
        value: { fromHeight: height + 1n, max: SYNC_BATCH_BLOCKS },
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
    const { chain, refusals, clock } = this.options;
    this.requestedAt = undefined;
    const applied: AppliedBlock[] = [];
    let failure: { error: unknown } | undefined;
    chain.store.commitTogether(() => {
      for (const encoded of encodedBlocks) {
        const startedMs = clock.now();
        let checked: { block: Block; prepared: PreparedBlock } | undefined;
        try {
          checked = this.check(encoded);
        } catch (error) {
          // Not an input error: a bug, thrown once the blocks before it are durable.
          if (!isInvalidInput(error)) failure = { error };
          else refusals.refuse(peerId, "refused a synced block", { code: error.code, err: error.message });
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
    return applied.length;
  }

  /**
   * Verifies the signatures of the synced blocks' transactions in the pool's workers, and
   * records those that verify as this node does at admission (VerifiedTxs): executing the
   * blocks then checks no signature twice. What does not decode or verify is left for the
   * execution to refuse, exactly as without the pool.
   */
  async preverify(pool: VerifyPool, encodedBlocks: readonly Uint8Array[]): Promise<void> {
    const { chain } = this.options;
    const hashes: Uint8Array[] = [];
    const checks: SignatureCheck[] = [];
    for (const encoded of encodedBlocks) {
      let txs: Uint8Array[];
      try {
        txs = decodeBlock(encoded).txs;
      } catch (error) {
        if (isInvalidInput(error)) continue;
        throw error;
      }
      for (const bytes of txs) {
        const hash = txHash(chain.suite, bytes);
        if (chain.verifiedTxs.has(hash)) continue;
        try {
          const tx = decodeSignedTx(bytes, txCodecs);
          checks.push({ publicKey: tx.sender, message: txSignBytes(tx, txCodecs), signature: tx.signature });
          hashes.push(hash);
        } catch (error) {
          if (!isInvalidInput(error)) throw error;
        }
      }
    }
    const valid = await pool.verify(checks);
    valid.forEach((ok, i) => {
      if (ok) chain.verifiedTxs.add(hashes[i] as Uint8Array);
    });
  }

  /** Our next block, executed, if its certificate verifies; undefined for another height; throws if invalid. */
  private check(encoded: Uint8Array): { block: Block; prepared: PreparedBlock } | undefined {
    const { chain } = this.options;
    const block = decodeBlock(encoded);
    if (block.header.height !== chain.height + 1n) return undefined;
    if (block.commit === undefined)
      throw new InvalidBlockError("SYNC_NO_COMMIT", "a synced block has no commit certificate");
    const check = verifyCommit(chain.suite, block.header, block.commit, chain.validators());
    if (!check.ok) throw new InvalidBlockError("SYNC_BAD_COMMIT", check.reason);
    return { block, prepared: chain.executeBlock(block.header, block.txs, block.lastCommit) };
  }
}
