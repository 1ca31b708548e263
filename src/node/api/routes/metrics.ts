import { z } from "zod";
import { refusals } from "../params.js";
import type { RouteModule } from "./types.js";

/** Prometheus metrics in the text exposition format. */
export const metricsRoutes: RouteModule = async (app, { node }) => {
  app.get(
    "/metrics",
    {
      schema: {
        operationId: "getMetrics",
        tags: ["node"],
        summary: "Prometheus metrics",
        response: {
          200: {
            description: "the text exposition format",
            content: { "text/plain": { schema: z.string() } },
          },
          ...refusals,
        },
      },
    },
    async (_request, reply) => {
      reply.header("content-type", node.metrics.contentType);
      return node.metrics.text();
    },
  );
};
