import type { WebSocket } from "ws";
import { z } from "zod";
import { eventFilterOf } from "../../../sdk/event-filter.js";
import { blockEventSchema, blockEventsSchema, eventsQuerySchema } from "../../../sdk/wire/index.js";
import type { CommittedBlock } from "../../chain.js";
import { EventFeed } from "../../event-feed.js";
import { ApiError } from "../errors.js";
import { blockEventJson } from "../json.js";
import { refusals } from "../params.js";
import type { RouteModule } from "./types.js";

/** Slow WebSocket clients are dropped rather than buffered without bound. */
const MAX_SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;

/** WebSocket /v1/events: one message per committed block, built once and sent to every subscriber. */
export const eventRoutes: RouteModule = async (app, { node }) => {
  const { maxEventSubscribers } = node.config.api;
  let open = 0;
  const subscribers = new Set<WebSocket>();
  const onBlock = (committed: CommittedBlock) => {
    if (subscribers.size === 0) return;
    const message = JSON.stringify(blockEventJson(committed));
    for (const socket of subscribers) {
      if (socket.bufferedAmount > MAX_SOCKET_BUFFER_BYTES) socket.close(1013, "client too slow");
      else socket.send(message);
    }
  };
  // With a query (a filter, fromHeight): one BlockEvents message per block, resumable from the store.
  const feed = new EventFeed(node.chain, node.stopOnBug);
  const onFeedBlock = (committed: CommittedBlock) => feed.onBlock(committed);
  node.events.on("block", onBlock);
  node.events.on("block", onFeedBlock);
  app.addHook("onClose", async () => {
    node.events.off("block", onBlock);
    node.events.off("block", onFeedBlock);
  });
  app.route({
    method: "GET",
    url: "/v1/events",
    schema: {
      operationId: "subscribeEvents",
      tags: ["blocks"],
      summary:
        "WebSocket: one BlockEvent message per committed block; with a query (filters, fromHeight) one BlockEvents message per block, replayed from fromHeight then live",
      querystring: eventsQuerySchema,
      response: {
        101: {
          description: "switching to WebSocket; then one message per committed block",
          content: { "application/json": { schema: z.union([blockEventSchema, blockEventsSchema]) } },
        },
        ...refusals,
      },
    },
    // Refused before the upgrade, in the error shape, once the subscribers are at their bound.
    preValidation: async () => {
      if (open >= maxEventSubscribers) {
        throw new ApiError("SUBSCRIBERS_FULL", `${maxEventSubscribers} subscribers already: try again later`);
      }
    },
    // A plain GET (no upgrade) is told what to do instead.
    handler: async (_request, reply) =>
      reply
        .status(426)
        .header("upgrade", "websocket")
        .send({ error: { code: "UPGRADE_REQUIRED", message: "/v1/events is a WebSocket: send Upgrade" } }),
    wsHandler: (socket: WebSocket, request) => {
      open++;
      socket.on("close", () => open--);
      if (Object.keys(request.query).length === 0) {
        subscribers.add(socket);
        socket.on("close", () => subscribers.delete(socket));
        return;
      }
      const query = request.query;
      socket.on(
        "close",
        feed.subscribe(socket, eventFilterOf(query), query.fromHeight, query.txs === "true"),
      );
    },
  });
};
