import { z } from "zod";
import { refusals } from "../params.js";
import type { RouteModule } from "./types.js";

/** The OpenAPI document, generated from the route schemas by @fastify/swagger. */
export const openApiRoutes: RouteModule = async (app) => {
  app.get(
    "/openapi.json",
    {
      schema: {
        operationId: "getOpenApi",
        tags: ["node"],
        summary: "This document (OpenAPI 3.1), generated from the schemas that validate every route",
        response: {
          200: z.looseObject({ openapi: z.string(), paths: z.record(z.string(), z.unknown()) }),
          ...refusals,
        },
      },
    },
    async () => app.swagger() as unknown as { openapi: string; paths: Record<string, unknown> },
  );
};
