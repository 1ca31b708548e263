import { z } from "zod";
import { toHex } from "../../../ledger/bytes.js";
import { encode, stateProofCodec } from "../../../ledger/index.js";
import { stateValueSchema } from "../../../sdk/wire/index.js";
import { headerJson } from "../json.js";
import { height, hexBytes, refusals } from "../params.js";
import type { RouteModule } from "./types.js";

/** Any state value at a height, with its sparse-Merkle proof. */
export const stateRoutes: RouteModule = async (app, { node }) => {
  app.get(
    "/v1/state/:key",
    {
      schema: {
        operationId: "getState",
        tags: ["state"],
        summary: "A state value at a height with a sparse-Merkle proof against that height's state root",
        params: z.object({ key: hexBytes("key", 1024).refine((b) => b.length > 0, "key is empty") }),
        querystring: z.object({ height: height.optional() }),
        response: { 200: stateValueSchema, ...refusals },
      },
    },
    async (request) => {
      const { key } = request.params;
      const at = request.query.height ?? node.chain.height;
      const { value, proof, root } = node.chain.proveState(key, at);
      const block = node.chain.blockAt(at);
      return {
        key: toHex(key),
        height: at.toString(),
        value: value === undefined ? null : toHex(value),
        stateRoot: toHex(root),
        proof: toHex(encode(stateProofCodec, proof)),
        header: block === undefined ? null : headerJson(block.header),
      };
    },
  );
};
