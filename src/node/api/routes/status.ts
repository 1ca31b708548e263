import { statusSchema } from "../../../sdk/wire/index.js";
import { refusals } from "../params.js";
import type { RouteModule } from "./types.js";

/** What the node says about itself. */
export const statusRoutes: RouteModule = async (app, { node }) => {
  app.get(
    "/v1/status",
    {
      schema: {
        operationId: "getStatus",
        tags: ["node"],
        summary: "Chain, node, peers, consensus, mempool and crypto status",
        response: { 200: statusSchema, ...refusals },
      },
    },
    () => node.status(),
  );
};
