import WebSocket from "ws";
import { LedgerError } from "../errors.js";
import type { BlockEventsJson } from "./wire/events.js";

/**
 * Following a node's filtered event stream (WebSocket /v1/events with a filter): blocks arrive
 * in order, each handled before the next; after a dropped connection the stream resumes from the
 * block after the last one handled, so nothing is skipped, and a block may be handled again only
 * if the handler failed or the process stopped mid-block (consumers de-duplicate by event id).
 */

/** A WebSocket message as text, whichever of its forms `ws` delivers (one buffer, fragments, an ArrayBuffer). */
export function messageText(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString("utf8");
  return (data instanceof ArrayBuffer ? Buffer.from(data) : data).toString("utf8");
}

export interface EventsQuery {
  /** Only these event types (e.g. orderPaid, commissionSettled, withdrawalRequested). */
  readonly kinds?: readonly string[];
  /** Only events of this enterprise (organisation id). */
  readonly enterprise?: string;
  /** Only events naming this user code (as payee, marketer, code ...). */
  readonly payee?: string;
  /** The first block to deliver (default 0: the whole chain). */
  readonly fromHeight?: bigint;
  /** Also list every transaction of each block, event or not (an indexer's `transactions`). */
  readonly txs?: boolean;
}

/** The WebSocket URL of a node's filtered event stream. */
export function eventsUrl(nodeUrl: string, query: EventsQuery): string {
  const url = new URL("/v1/events", nodeUrl.replace(/^http/, "ws"));
  if (query.kinds) url.searchParams.set("kinds", query.kinds.join(","));
  if (query.enterprise !== undefined) url.searchParams.set("enterprise", query.enterprise);
  if (query.payee !== undefined) url.searchParams.set("payee", query.payee);
  url.searchParams.set("fromHeight", String(query.fromHeight ?? 0n));
  if (query.txs === true) url.searchParams.set("txs", "true");
  return url.toString();
}

export interface FollowOptions {
  /** First wait before reconnecting (doubles up to maxRetryMs). */
  readonly retryMs?: number;
  readonly maxRetryMs?: number;
  /** Told of each dropped connection or failed handler before the retry. */
  readonly onError?: (error: Error) => void;
}

/** Blocks received but not yet handled, above which the socket is paused. */
const MAX_QUEUED_BLOCKS = 256;

export interface EventFollower {
  /** The last block handled. */
  readonly lastHeight: () => bigint | undefined;
  stop(): Promise<void>;
}

/**
 * Follows the node's events from `query.fromHeight`, calling `handle` for each block in order.
 * A handler that throws is retried on the same block after a pause (the stream reconnects there).
 */
export function followEvents(
  nodeUrl: string,
  query: EventsQuery,
  handle: (block: BlockEventsJson) => Promise<void>,
  options: FollowOptions = {},
): EventFollower {
  const baseRetryMs = options.retryMs ?? 200;
  const maxRetryMs = options.maxRetryMs ?? 5_000;
  let nextHeight = query.fromHeight ?? 0n;
  let last: bigint | undefined;
  let stopped = false;
  let socket: WebSocket | undefined;
  let retryMs = baseRetryMs;
  let retryTimer: NodeJS.Timeout | undefined;
  let wake: (() => void) | undefined;
  const queue: BlockEventsJson[] = [];

  const connect = () => {
    if (stopped) return;
    const ws = new WebSocket(eventsUrl(nodeUrl, { ...query, fromHeight: nextHeight }));
    socket = ws;
    ws.on("message", (data) => {
      const block = JSON.parse(messageText(data)) as BlockEventsJson;
      if (block.type !== "events") return;
      queue.push(block);
      if (queue.length >= MAX_QUEUED_BLOCKS) ws.pause();
      wake?.();
    });
    ws.on("open", () => {
      retryMs = baseRetryMs;
    });
    ws.on("error", (error) => options.onError?.(error));
    ws.on("close", () => {
      if (socket !== ws || stopped) return;
      socket = undefined;
      queue.length = 0;
      retryTimer = setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, maxRetryMs);
    });
  };

  const drop = (error: Error) => {
    options.onError?.(error);
    const ws = socket;
    queue.length = 0;
    ws?.terminate();
  };

  const loop = (async () => {
    while (!stopped) {
      const block = queue.shift();
      if (block === undefined) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
        continue;
      }
      const height = BigInt(block.height);
      if (height < nextHeight) continue;
      if (height > nextHeight) {
        drop(new LedgerError("EVENTS_GAP", `expected block ${nextHeight}, got ${height}`));
        continue;
      }
      try {
        await handle(block);
      } catch (error) {
        if (!(error instanceof Error)) throw error;
        drop(error instanceof LedgerError ? error : new LedgerError("HANDLER_FAILED", error.message));
        continue;
      }
      last = height;
      nextHeight = height + 1n;
      if (queue.length < MAX_QUEUED_BLOCKS / 2) socket?.resume();
    }
  })();

  connect();
  return {
    lastHeight: () => last,
    stop: async () => {
      stopped = true;
      clearTimeout(retryTimer);
      socket?.terminate();
      wake?.();
      await loop;
    },
  };
}
