import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { LedgerNode } from "../../node.js";

/** A route module: one resource's routes, with the node they answer about. */
export type RouteModule = FastifyPluginAsyncZod<{ node: LedgerNode }>;
