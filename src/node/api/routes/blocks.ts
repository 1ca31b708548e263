import { z } from "zod";
import { blockHash, decodeBlock } from "../../../ledger/index.js";
import { blockSchema } from "../../../sdk/wire/index.js";
import { notFound, notYetBackfilled } from "../errors.js";
import { blockJson } from "../json.js";
import { height, refusals } from "../params.js";
import type { RouteModule } from "./types.js";

/** Committed blocks with their certificates, results and canonical bytes. */
export const blockRoutes: RouteModule = async (app, { node }) => {
  const blockAt = (h: bigint) => {
    const from = node.chain.store.historyFrom();
    if (from !== undefined && h >= 1n && h < from) throw notYetBackfilled(h, from);
    const encoded = node.chain.store.getBlock(h);
    if (encoded === undefined) throw notFound(`block ${h}`);
    const block = decodeBlock(encoded);
    return blockJson(block, blockHash(node.suite, block.header), encoded, node.chain.resultsAt(h) ?? []);
  };
  app.get(
    "/v1/blocks/latest",
    {
      schema: {
        operationId: "getLatestBlock",
        tags: ["blocks"],
        summary: "The last committed block",
        response: { 200: blockSchema, ...refusals },
      },
    },
    async () => blockAt(node.chain.height),
  );
  app.get(
    "/v1/blocks/:height",
    {
      schema: {
        operationId: "getBlock",
        tags: ["blocks"],
        summary: "A committed block with its commit certificate and results",
        params: z.object({ height }),
        response: { 200: blockSchema, ...refusals },
      },
    },
    async (request) => blockAt(request.params.height),
  );
};
