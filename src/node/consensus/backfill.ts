import type { Logger } from "pino";
import { isInvalidInput } from "../../app/errors.js";
import { invariant } from "../../errors.js";
import { blockHash } from "../../ledger/index.js";
import type { BackfilledBlock } from "../../storage/chain-store.js";
import type { Chain } from "../chain.js";
import { type BackfillAnchor, checkBackfilledBlock } from "./backfill-check.js";
import type { Clock, EngineObserver, PeerNetwork } from "./ports.js";
import type { Refusals } from "./refusals.js";
import { encodePeerMessage, type PeerMessage } from "./wire.js";

/** Most blocks in one answer, and most bytes of blocks and results: one batch in memory at a time. */
const BACKFILL_BATCH_BLOCKS = 32;
const BACKFILL_BATCH_BYTES = 16 * 1024 * 1024;
/** A peer that has not answered by then is passed over, and another asked. */
const BACKFILL_RETRY_MS = 5_000;
/** A peer that sent a wrong block, none, or no answer in time is asked again only after this long. */
const BACKFILL_AVOID_MS = 30_000;

type BackfillAnswer = Extract<PeerMessage, { kind: "backfillBlocks" }>["value"];

export interface BackfillOptions {
  readonly chain: Chain;
  readonly network: PeerNetwork;
  readonly clock: Clock;
  readonly refusals: Refusals;
  readonly log: Logger;
  readonly observer: EngineObserver;
  /** Peers that said they hold `height` (block sync hears their status). */
  readonly peersHolding: (height: bigint) => string[];
}

/**
 * Backfill: a node restored from a snapshot at H holds block H without its results and no block
 * below. It asks its peers, one request in flight, for the blocks below what it holds with their
 * results, checks each backwards from the block above it (backfill-check.ts), and stores each
 * answer (at most 32 blocks) in one durable transaction, as block sync does, between turns of
 * the event loop (consensus messages are handled between two answers), so a crash loses at most
 * the answer being written (the store's historyFrom() says where to go on, from what is durable). A peer whose block does not hold is refused with the code and
 * avoided, and another one asked. It also answers other nodes' requests from what it holds.
 */
export class Backfill {
  private asked: { readonly peer: string; readonly toHeight: bigint; readonly atMs: number } | undefined;
  private readonly avoidUntil = new Map<string, number>();
  private turn = 0;
  private genesisHash: Uint8Array | undefined;

  constructor(private readonly options: BackfillOptions) {}

  /** Asks a peer for the next blocks down, unless done or one request is in flight. */
  maybeRequest(): void {
    const { chain, clock, network } = this.options;
    const from = chain.store.historyFrom();
    if (from === undefined) return;
    const now = clock.now();
    if (this.asked !== undefined) {
      const since = now - this.asked.atMs;
      // A wall clock stepped back counts as the interval passed (as in block sync).
      if (since >= 0 && since < BACKFILL_RETRY_MS) return;
      this.avoid(this.asked.peer, now);
    }
    const toHeight = from - 1n;
    // A peer that holds the block above ours holds toHeight with the certificate the chain keeps.
    const holding = this.options.peersHolding(from);
    if (holding.length === 0) {
      this.asked = undefined;
      return;
    }
    // Every one avoided: the status tick asks again once the first avoidance has run out.
    const welcome = holding.filter((peer) => (this.avoidUntil.get(peer) ?? 0) <= now);
    if (welcome.length === 0) {
      this.asked = undefined;
      return;
    }
    const peer = welcome[this.turn++ % welcome.length] as string;
    this.asked = { peer, toHeight, atMs: now };
    network.send(
      peer,
      encodePeerMessage({ kind: "backfillRequest", value: { toHeight, max: BACKFILL_BATCH_BLOCKS } }),
      "low",
    );
  }

  /** A peer's request: the blocks we hold with their results, from toHeight down. */
  answer(peerId: string, toHeight: bigint, max: number): void {
    const { chain, network } = this.options;
    const from = chain.store.historyFrom() ?? 1n;
    // Below our head only: every block but the newest is stored with the certificate the next carries.
    const head = chain.height;
    const blocks: Array<{ block: Uint8Array; results: Uint8Array }> = [];
    let bytes = 0;
    for (
      let h = toHeight;
      h >= from && h >= 1n && h < head && blocks.length < Math.min(max, BACKFILL_BATCH_BLOCKS);
      h--
    ) {
      const block = chain.store.getBlock(h);
      const results = chain.store.getResults(h);
      if (block === undefined || results === undefined) break;
      if (blocks.length > 0 && bytes + block.length + results.length > BACKFILL_BATCH_BYTES) break;
      blocks.push({ block, results });
      bytes += block.length + results.length;
    }
    network.send(peerId, encodePeerMessage({ kind: "backfillBlocks", value: { toHeight, blocks } }), "low");
  }

  /** A peer's answer: checked block by block from the top; what holds is stored, the first that does not is refused. */
  receive(peerId: string, answer: BackfillAnswer): void {
    const { chain, clock, refusals } = this.options;
    const asked = this.asked;
    if (asked === undefined || asked.peer !== peerId || asked.toHeight !== answer.toHeight) return;
    this.asked = undefined;
    if (answer.blocks.length === 0) {
      this.avoid(peerId, clock.now());
      this.maybeRequest();
      return;
    }
    let anchor: BackfillAnchor | undefined = this.anchor(answer.toHeight);
    const checked: BackfilledBlock[] = [];
    for (const entry of answer.blocks) {
      if (anchor === undefined) break;
      try {
        const next = checkBackfilledBlock(chain.suite, anchor, entry.block, entry.results);
        checked.push(next.stored);
        anchor = next.below;
      } catch (error) {
        if (!isInvalidInput(error)) throw error;
        refusals.refuse(peerId, "refused a backfilled block", { code: error.code, err: error.message });
        this.avoid(peerId, clock.now());
        break;
      }
    }
    if (checked.length === 0) {
      this.maybeRequest();
      return;
    }
    this.store(peerId, checked);
  }

  private store(peerId: string, checked: readonly BackfilledBlock[]): void {
    const { chain, log, observer } = this.options;
    // One transaction of at most BACKFILL_BATCH_BLOCKS, between two of the event loop's turns.
    chain.store.backfill(checked);
    const from = chain.store.historyFrom();
    observer.backfilled?.({ peer: peerId, blocks: checked.length, historyFrom: from });
    const top = (checked[0] as BackfilledBlock).height;
    const bottom = (checked.at(-1) as BackfilledBlock).height;
    log.info(
      { peer: peerId, from: bottom.toString(), to: top.toString(), historyFrom: (from ?? 1n).toString() },
      from === undefined ? "backfill complete: every block is held" : "backfilled blocks",
    );
    this.maybeRequest();
  }

  /** What the block at `height` (just below what is held) must be, from the stored block above it. */
  private anchor(height: bigint): BackfillAnchor {
    const { chain } = this.options;
    if (this.genesisHash === undefined) {
      const genesis = chain.blockAt(0n);
      invariant(genesis !== undefined, "a chain holds its genesis block");
      this.genesisHash = blockHash(chain.suite, genesis.header);
    }
    const above = chain.blockAt(height + 1n);
    if (above !== undefined)
      return {
        height,
        hash: above.header.previousHash,
        commit: above.lastCommit,
        genesisHash: this.genesisHash,
      };
    // The snapshot's block is our head and nothing is above it yet: it is certified itself (restore checked it).
    const own = chain.blockAt(height);
    invariant(own !== undefined, "backfill goes down from a block the store holds", {
      height: height.toString(),
    });
    return {
      height,
      hash: blockHash(chain.suite, own.header),
      commit: undefined,
      genesisHash: this.genesisHash,
    };
  }

  private avoid(peer: string, now: number): void {
    this.avoidUntil.set(peer, now + BACKFILL_AVOID_MS);
  }
}
