import { mempoolSchema, statusSchema } from "../../../sdk/wire/index.js";
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

  // The pool alone, for a caller that samples it often (a load generator, a dashboard): status
  // builds every figure of /metrics each time, milliseconds of the node's CPU per read.
  app.get(
    "/v1/mempool",
    {
      schema: {
        operationId: "getMempool",
        tags: ["node"],
        summary: "What the mempool holds now (as in /v1/status, without the rest)",
        response: { 200: mempoolSchema, ...refusals },
      },
    },
    () => node.mempoolView(),
  );
};
