/**
 * The OpenAPI 3.1 description of a node's API, served at /openapi.json. A test checks that
 * every route the server registers is described here, so the two cannot drift apart.
 */
import { MARKETING_OPENAPI_PATHS } from "./marketing-routes.js";

const hex = { type: "string", pattern: "^([0-9a-f]{2})*$" } as const;
const decimal = {
  type: "string",
  pattern: "^[0-9]+$",
  description: "an integer as a decimal string",
} as const;
const error = {
  description: "refused; `code` is stable, `message` is for people",
  content: {
    "application/json": {
      schema: {
        type: "object",
        required: ["error"],
        properties: {
          error: {
            type: "object",
            required: ["code", "message"],
            properties: { code: { type: "string" }, message: { type: "string" } },
          },
        },
      },
    },
  },
} as const;
const json = (schema: object, description = "OK") => ({
  description,
  content: { "application/json": { schema } },
});
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

export const OPENAPI_DOCUMENT = {
  openapi: "3.1.0",
  info: {
    title: "MarketLedger node API",
    version: "0.1.0",
    description:
      "JSON over HTTP; bytes are lowercase hex, integers that may pass 2^53 are decimal strings. Errors carry a stable code.",
  },
  paths: {
    "/v1/txs": {
      post: {
        summary: "Submit a signed transaction (its canonical encoding, hex)",
        requestBody: {
          required: true,
          content: {
            "application/json": { schema: { type: "object", required: ["tx"], properties: { tx: hex } } },
          },
        },
        responses: {
          "202": json({ type: "object", properties: { hash: hex } }, "admitted to the mempool"),
          "400": error,
          "403": error,
          "409": error,
          "413": error,
          "429": error,
        },
      },
    },
    "/v1/txs/batch": {
      post: {
        summary: "Submit up to 500 signed transactions; each is admitted or refused on its own, in order",
        requestBody: {
          required: true,
          content: {
            "application/json": {
              schema: {
                type: "object",
                required: ["txs"],
                properties: { txs: { type: "array", items: hex } },
              },
            },
          },
        },
        responses: {
          "202": json(
            {
              type: "object",
              properties: {
                results: {
                  type: "array",
                  items: {
                    oneOf: [
                      { type: "object", properties: { hash: hex } },
                      error.content["application/json"].schema,
                    ],
                  },
                },
              },
            },
            "one result per transaction, in order: its hash, or the error that refused it",
          ),
          "400": error,
        },
      },
    },
    "/v1/txs/{hash}": {
      get: {
        summary: "A transaction's status, result and inclusion proof against its block's txRoot",
        parameters: [{ name: "hash", in: "path", required: true, schema: hex }],
        responses: { "200": json(ref("TxStatus")), "400": error, "404": error },
      },
    },
    "/v1/blocks/latest": {
      get: { summary: "The last committed block", responses: { "200": json(ref("Block")) } },
    },
    "/v1/blocks/{height}": {
      get: {
        summary: "A committed block with its commit certificate and results",
        parameters: [{ name: "height", in: "path", required: true, schema: decimal }],
        responses: { "200": json(ref("Block")), "400": error, "404": error },
      },
    },
    "/v1/state/{key}": {
      get: {
        summary: "A state value at a height with a sparse-Merkle proof against that height's state root",
        parameters: [
          { name: "key", in: "path", required: true, schema: hex },
          { name: "height", in: "query", required: false, schema: decimal },
        ],
        responses: { "200": json(ref("StateValue")), "400": error, "404": error },
      },
    },
    "/v1/evidence": {
      get: {
        summary:
          "Double-signing evidence on the chain (validator, height, round, vote type, who reported it)",
        responses: { "200": json({ type: "object" }) },
      },
    },
    "/v1/identities/{code}": {
      get: {
        summary:
          "Look up a user code (mkl1…): role, organisation, status, settlement account, certificate expiry; never personal data",
        parameters: [{ name: "code", in: "path", required: true, schema: { type: "string" } }],
        responses: { "200": json({ type: "object" }), "400": error, "404": error },
      },
    },
    "/v1/status": {
      get: {
        summary: "Chain, node, consensus, mempool and crypto status",
        responses: { "200": json({ type: "object" }) },
      },
    },
    "/v1/events": {
      get: {
        summary:
          "WebSocket: one JSON message per committed block ({type: 'block', hash, header, txs (count), txHashes, results, endBlockEvents})",
        responses: { "101": { description: "switching to WebSocket" } },
      },
    },
    "/healthz": { get: { summary: "Liveness", responses: { "200": json({ type: "object" }) } } },
    "/metrics": {
      get: {
        summary: "Prometheus metrics",
        responses: { "200": { description: "text exposition format", content: { "text/plain": {} } } },
      },
    },
    "/openapi.json": { get: { summary: "This document", responses: { "200": json({ type: "object" }) } } },
    ...MARKETING_OPENAPI_PATHS,
  },
  components: {
    schemas: {
      Header: {
        type: "object",
        properties: {
          chainId: { type: "string" },
          height: decimal,
          timeMs: decimal,
          previousHash: hex,
          txRoot: hex,
          resultsRoot: hex,
          stateRoot: hex,
          proposer: hex,
          validatorSetHash: hex,
          nextValidatorSetHash: hex,
        },
      },
      Result: {
        type: "object",
        properties: {
          code: { type: "string", description: "OK, or the stable code of the failure" },
          message: { type: "string", description: "for people: derived from code and details, not hashed" },
          details: {
            type: "object",
            additionalProperties: { type: "string" },
            description: "the offending data (part of the hashed result)",
          },
          events: { type: "array", items: { type: "object" } },
        },
      },
      Block: {
        type: "object",
        properties: {
          hash: hex,
          header: ref("Header"),
          txs: { type: "array", items: hex },
          results: { type: "array", items: ref("Result") },
          commit: { type: ["object", "null"] },
          encoded: { ...hex, description: "the canonical encoding of the block" },
        },
      },
      TxStatus: {
        type: "object",
        properties: {
          hash: hex,
          status: { enum: ["pending", "committed"] },
          height: decimal,
          index: { type: "integer" },
          tx: hex,
          result: ref("Result"),
          proof: {
            type: "object",
            properties: { treeSize: { type: "integer" }, path: { type: "array", items: hex } },
          },
          header: ref("Header"),
        },
      },
      StateValue: {
        type: "object",
        properties: {
          key: hex,
          height: decimal,
          value: { oneOf: [hex, { type: "null" }] },
          stateRoot: hex,
          proof: { ...hex, description: "canonical encoding of the state proof (src/ledger/state/proof.ts)" },
          header: ref("Header"),
        },
      },
    },
  },
} as const;
