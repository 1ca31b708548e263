import { isInvalidInput } from "../app/errors.js";
import type { AppEvent } from "../app/events.js";
import { END_EVENT_SLOTS, endBlockEventsCodec, endEventsKey } from "../app/marketing/end-block.js";
import { invariant, LedgerError } from "../errors.js";
import { blockHash } from "../ledger/block.js";
import { toHex } from "../ledger/bytes.js";
import { decode } from "../ledger/codec.js";
import { txHash } from "../ledger/tx.js";
import { type EventFilter, matchesFilter } from "../sdk/event-filter.js";
import type { Chain, CommittedBlock } from "./chain.js";

/**
 * The business events of committed blocks, one message per block, for clients that follow the
 * chain (webhooks, payment connectors, indexers): filtered by event kind, enterprise or a user
 * code they name, and resumable from any height. Every event has an id that is the same on
 * every node and every replay (`HEIGHT-TXINDEX-N`, or `HEIGHT-end-N` for the block's end-block
 * work), so a consumer de-duplicates by it.
 */

export interface FeedEvent {
  readonly id: string;
  readonly type: string;
  /** The transaction that raised it, or null for the block's end-block work. */
  readonly txHash: string | null;
  readonly txIndex: number | null;
  readonly attributes: Record<string, string>;
}

/** A transaction of the block, whether or not it raised an event. */
export interface FeedTx {
  readonly hash: string;
  readonly index: number;
  readonly code: string;
}

export interface BlockEvents {
  readonly height: bigint;
  readonly timeMs: bigint;
  readonly hash: string;
  readonly events: FeedEvent[];
  readonly txs: FeedTx[];
}

const attributesOf = (e: AppEvent) => Object.fromEntries(e.attributes.map((a) => [a.key, a.value]));

type ExecutedTx = { hash: Uint8Array; code: string; events: readonly AppEvent[] };

const feedTxs = (txs: readonly ExecutedTx[]): FeedTx[] =>
  txs.map((tx, index) => ({ hash: toHex(tx.hash), index, code: tx.code }));

function feedEvents(height: bigint, txs: readonly ExecutedTx[], endBlock: readonly AppEvent[]): FeedEvent[] {
  const out: FeedEvent[] = [];
  txs.forEach((tx, txIndex) => {
    tx.events.forEach((e, n) => {
      out.push({
        id: `${height}-${txIndex}-${n}`,
        type: e.type,
        txHash: toHex(tx.hash),
        txIndex,
        attributes: attributesOf(e),
      });
    });
  });
  endBlock.forEach((e, n) => {
    out.push({
      id: `${height}-end-${n}`,
      type: e.type,
      txHash: null,
      txIndex: null,
      attributes: attributesOf(e),
    });
  });
  return out;
}

/** The events of a block as it commits (from its execution outcome). */
export function committedBlockEvents(committed: CommittedBlock): BlockEvents {
  const { header } = committed.block;
  const txs = committed.outcome.results.map((r, i) => ({
    hash: committed.outcome.txHashes[i]!,
    code: r.code,
    events: r.events,
  }));
  return {
    height: header.height,
    timeMs: header.timeMs,
    hash: toHex(committed.hash),
    events: feedEvents(header.height, txs, committed.outcome.endBlockEvents ?? []),
    txs: feedTxs(txs),
  };
}

/** The events of a committed block read back from the store: its results and its end-block events at that height. */
export function storedBlockEvents(chain: Chain, height: bigint): BlockEvents | undefined {
  const block = chain.blockAt(height);
  const results = chain.resultsAt(height);
  if (block === undefined || results === undefined) return undefined;
  // The ring of end-event slots is rewritten only END_EVENT_SLOTS heights later, so within that
  // the latest state holds what the height's own root did (and pruning never takes it).
  const key = endEventsKey(height);
  const stored =
    chain.height - height < END_EVENT_SLOTS ? chain.state.get(key) : chain.proveState(key, height).value;
  const end = stored === undefined ? undefined : decode(endBlockEventsCodec, stored);
  const txs = results.map((r, i) => ({
    hash: txHash(chain.suite, block.txs[i]!),
    code: r.code,
    events: r.events,
  }));
  return {
    height,
    timeMs: block.header.timeMs,
    hash: toHex(blockHash(chain.suite, block.header)),
    events: feedEvents(height, txs, end?.height === height ? end.events : []),
    txs: feedTxs(txs),
  };
}

// ---------------------------------------------------------------- filters (the query: src/sdk/wire/events.ts)

/**
 * The message of one block for one subscriber: only the events its filter keeps (maybe none),
 * and, when it asked (`txs=true`, an indexer), every transaction of the block.
 */
export function eventsMessage(block: BlockEvents, filter: EventFilter, withTxs = false): string {
  return JSON.stringify({
    type: "events",
    height: block.height.toString(),
    timeMs: block.timeMs.toString(),
    hash: block.hash,
    events: block.events.filter((e) => matchesFilter(filter, e)),
    ...(withTxs ? { txs: block.txs } : {}),
  });
}

// ---------------------------------------------------------------- subscribers

/** What the feed needs of a WebSocket. */
export interface FeedSocket {
  readonly bufferedAmount: number;
  send(data: string, callback?: (error?: Error) => void): void;
  close(code?: number, reason?: string): void;
}

/** A subscriber whose replay is this far behind waits for the socket to flush before reading on. */
const REPLAY_BUFFER_BYTES = 1024 * 1024;
/** The replay gives the event loop back after this many blocks. */
const REPLAY_BLOCKS_PER_TURN = 64;
/** A caught-up subscriber whose socket holds this much is too slow and is dropped. */
const LIVE_BUFFER_BYTES = 4 * 1024 * 1024;

interface Subscriber {
  readonly socket: FeedSocket;
  readonly filter: EventFilter;
  readonly withTxs: boolean;
  nextHeight: bigint;
  /** Replaying stored blocks; live blocks wait for the replay to reach them. */
  replaying: boolean;
  closed: boolean;
}

/**
 * Filtered, resumable subscriptions: a subscriber first replays stored blocks from its
 * `fromHeight` (reading on only as fast as its socket drains), then receives each block as it
 * commits. A block committing during the replay is read from the store when the replay gets
 * there, so none is skipped or sent twice.
 */
export class EventFeed {
  private readonly subscribers = new Set<Subscriber>();

  /** `onBug` stops the node: a replay that fails for any reason but invalid input is a bug or a fault. */
  constructor(
    private readonly chain: Chain,
    private readonly onBug: (error: unknown) => void,
  ) {}

  get size(): number {
    return this.subscribers.size;
  }

  subscribe(
    socket: FeedSocket,
    filter: EventFilter,
    fromHeight: bigint | undefined,
    withTxs = false,
  ): () => void {
    const sub: Subscriber = {
      socket,
      filter,
      withTxs,
      nextHeight: fromHeight ?? this.chain.height + 1n,
      replaying: false,
      closed: false,
    };
    this.subscribers.add(sub);
    this.replay(sub);
    return () => {
      sub.closed = true;
      this.subscribers.delete(sub);
    };
  }

  /** Called for each committed block, in order. */
  onBlock(committed: CommittedBlock): void {
    if (this.subscribers.size === 0) return;
    let block: BlockEvents | undefined;
    for (const sub of this.subscribers) {
      if (sub.replaying || sub.nextHeight > committed.block.header.height) continue;
      if (sub.nextHeight < committed.block.header.height) {
        this.replay(sub);
        continue;
      }
      if (sub.socket.bufferedAmount > LIVE_BUFFER_BYTES) {
        sub.socket.close(1013, "client too slow");
        continue;
      }
      block ??= committedBlockEvents(committed);
      sub.socket.send(eventsMessage(block, sub.filter, sub.withTxs));
      sub.nextHeight++;
    }
  }

  private replay(sub: Subscriber): void {
    sub.replaying = true;
    void this.replayLoop(sub)
      .catch((error: unknown) => {
        // A state this node does not keep (pruned) or never held (below its snapshot).
        const unheld =
          error instanceof LedgerError && (error.code === "STATE_PRUNED" || error.code === "STATE_NOT_HELD");
        if (isInvalidInput(error) || unheld) {
          sub.socket.close(1011, error.code);
          return;
        }
        sub.socket.close(1011, "INTERNAL");
        this.onBug(error);
      })
      .finally(() => {
        sub.replaying = false;
      });
  }

  private async replayLoop(sub: Subscriber): Promise<void> {
    for (let sent = 1; !sub.closed && sub.nextHeight <= this.chain.height; sent++) {
      // A node restored from a snapshot: a block below it that backfill has not stored yet.
      const from = this.chain.store.historyFrom();
      if (from !== undefined && sub.nextHeight < from) {
        sub.socket.close(1011, "BLOCK_NOT_YET_BACKFILLED");
        return;
      }
      const block = storedBlockEvents(this.chain, sub.nextHeight);
      invariant(block !== undefined, "every block up to the chain's height is stored", {
        height: sub.nextHeight.toString(),
      });
      const message = eventsMessage(block, sub.filter, sub.withTxs);
      let flushed: Promise<void> | undefined;
      if (sub.socket.bufferedAmount > REPLAY_BUFFER_BYTES)
        flushed = new Promise<void>((resolve) => sub.socket.send(message, () => resolve()));
      else sub.socket.send(message);
      sub.nextHeight++;
      if (flushed) await flushed;
      else if (sent % REPLAY_BLOCKS_PER_TURN === 0) await new Promise((resolve) => setImmediate(resolve));
    }
  }
}
