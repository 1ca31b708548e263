import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import type { StatusJson } from "../../../src/sdk/client.js";
import { BOOKS_AT } from "./query-keys.js";

/** The fields of a /v1/events block message this page uses (src/sdk/wire BlockEvent). */
interface BlockMessage {
  type: "block";
  header: { height: string; timeMs: string };
  txs: number;
  endBlockEvents: unknown[];
}

/** Queries a block never makes stale: the status is set above, a past height's books are fixed. */
const UNCHANGING = new Set<unknown>(["status", BOOKS_AT]);

const RETRY_MS = [500, 1_000, 2_000, 5_000];

/**
 * Live updates over the node's WebSocket /v1/events (same origin, so the CSP's connect-src
 * 'self' allows it): each block moves the height shown, and a block that did something (a
 * transaction, or an end-of-block settlement) makes every page's chain data fetch again, without
 * a reload. Reconnects with backoff when the node goes away. Returns whether it is connected.
 */
export function useLiveBlocks(): boolean {
  const queryClient = useQueryClient();
  const [live, setLive] = useState(false);
  useEffect(() => {
    let socket: WebSocket | undefined;
    let attempt = 0;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const connect = () => {
      const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/v1/events`;
      socket = new WebSocket(url);
      socket.onopen = () => {
        attempt = 0;
        setLive(true);
      };
      socket.onmessage = (message) => {
        let block: BlockMessage;
        try {
          block = JSON.parse(String(message.data)) as BlockMessage;
        } catch {
          return;
        }
        if (block.type !== "block") return;
        queryClient.setQueryData<StatusJson>(["status"], (s) =>
          s ? { ...s, height: block.header.height, lastBlockTimeMs: block.header.timeMs } : s,
        );
        if (block.txs > 0 || block.endBlockEvents.length > 0)
          void queryClient.invalidateQueries({ predicate: (q) => !UNCHANGING.has(q.queryKey[0]) });
      };
      socket.onclose = () => {
        setLive(false);
        if (stopped) return;
        timer = setTimeout(connect, RETRY_MS[Math.min(attempt++, RETRY_MS.length - 1)]);
      };
    };
    connect();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      socket?.close();
    };
  }, [queryClient]);
  return live;
}
