import type { WebSocket } from "ws";
import { blockEventSchema } from "../../../sdk/wire/index.js";
import type { CommittedBlock } from "../../chain.js";
import { blockEventJson } from "../json.js";
import { refusals } from "../params.js";
import type { RouteModule } from "./types.js";

/** Slow WebSocket clients are dropped rather than buffered without bound. */
const MAX_SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;

/** WebSocket /v1/events: one message per committed block, built once and sent to every subscriber. */
export const eventRoutes: RouteModule = async (app, { node }) => {
  const subscribers = new Set<WebSocket>();
  const onBlock = (committed: CommittedBlock) => {
    if (subscribers.size === 0) return;
    const message = JSON.stringify(blockEventJson(committed));
    for (const socket of subscribers) {
      if (socket.bufferedAmount > MAX_SOCKET_BUFFER_BYTES) socket.close(1013, "client too slow");
      else socket.send(message);
    }
  };
  node.events.on("block", onBlock);
  app.addHook("onClose", async () => {
    node.events.off("block", onBlock);
  });
  app.route({
    method: "GET",
    url: "/v1/events",
    schema: {
      operationId: "subscribeEvents",
      tags: ["blocks"],
      summary: "WebSocket: one BlockEvent message per committed block",
      response: {
        101: {
          description: "switching to WebSocket; then one message per committed block",
          content: { "application/json": { schema: blockEventSchema } },
        },
        ...refusals,
      },
    },
    // A plain GET (no upgrade) is told what to do instead.
    handler: async (_request, reply) =>
      reply
        .status(426)
        .header("upgrade", "websocket")
        .send({ error: { code: "UPGRADE_REQUIRED", message: "/v1/events is a WebSocket: send Upgrade" } }),
    wsHandler: (socket: WebSocket) => {
      subscribers.add(socket);
      socket.on("close", () => subscribers.delete(socket));
    },
  });
};
