import { healthSchema } from "../../../sdk/wire/index.js";
import { refusals } from "../params.js";
import type { RouteModule } from "./types.js";

/** Probes for supervisors and load balancers. */
export const healthRoutes: RouteModule = async (app, { node }) => {
  app.get(
    "/healthz",
    {
      schema: {
        operationId: "getHealth",
        tags: ["node"],
        summary: "Liveness: the process answers",
        response: { 200: healthSchema, ...refusals },
      },
    },
    async () => ({ ok: true as const, height: node.chain.height.toString() }),
  );
};
