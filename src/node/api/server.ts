import websocket from "@fastify/websocket";
import Fastify, { type FastifyInstance } from "fastify";
import type { WebSocket } from "ws";
import { z } from "zod";
import { EVIDENCE_PREFIX, evidenceRecordCodec } from "../../app/governance/evidence.js";
import { lookupIdentity } from "../../app/identity/registry.js";
import { LedgerError } from "../../errors.js";
import { fromHex, toHex } from "../../ledger/bytes.js";
import { blockHash, decode, decodeBlock, encode, stateProofCodec } from "../../ledger/index.js";
import type { CommittedBlock } from "../chain.js";
import type { LedgerNode } from "../node.js";
import { httpStatusOf, notFound } from "./errors.js";
import { blockEventJson, blockJson, headerJson, resultJson } from "./json.js";
import { registerMarketingRoutes } from "./marketing-routes.js";
import { OPENAPI_DOCUMENT } from "./openapi.js";
import { parseRequest } from "./request.js";

const hexString = (what: string, maxBytes: number) =>
  z
    .string()
    .regex(/^([0-9a-fA-F]{2})*$/, `${what} must be hex`)
    .max(maxBytes * 2, `${what} is longer than ${maxBytes} bytes`)
    .transform((s) => fromHex(s.toLowerCase()));
const height = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,19})$/, "height must be a decimal integer")
  .transform(BigInt);

const submitBody = z.object({ tx: hexString("tx", 64 * 1024).refine((b) => b.length > 0, "tx is empty") });
/** Most transactions in one batch request (the body limit bounds their bytes too). */
const MAX_BATCH_TXS = 500;
const batchBody = z.object({
  txs: z
    .array(hexString("tx", 64 * 1024).refine((b) => b.length > 0, "tx is empty"))
    .min(1, "txs is empty")
    .max(MAX_BATCH_TXS, `at most ${MAX_BATCH_TXS} transactions in a batch`),
});
const hashParams = z.object({
  hash: hexString("hash", 32).refine((b) => b.length === 32, "hash is 32 bytes"),
});
const heightParams = z.object({ height });
const stateParams = z.object({ key: hexString("key", 1024).refine((b) => b.length > 0, "key is empty") });
const stateQuery = z.object({ height: height.optional() });

/** Slow WebSocket clients are dropped rather than buffered without bound. */
const MAX_SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;

/** Every route registered, as "METHOD /path" with OpenAPI-style {params}: tests hold the document to it. */
export const registeredRoutes = new WeakMap<FastifyInstance, string[]>();

/** The node's HTTP + WebSocket API; documented by the OpenAPI file it serves at /openapi.json. */
export async function buildApi(node: LedgerNode): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, bodyLimit: 8 * 1024 * 1024 });
  const routes: string[] = [];
  registeredRoutes.set(app, routes);
  app.addHook("onRoute", (route) => {
    for (const method of [route.method].flat()) {
      if (method !== "HEAD") routes.push(`${method} ${route.url.replace(/:(\w+)/g, "{$1}")}`);
    }
  });
  await app.register(websocket, { options: { maxPayload: 4096 } });

  app.setErrorHandler((error, _request, reply) => {
    if (error instanceof LedgerError) {
      const status = httpStatusOf(error);
      if (status >= 500) node.log.error({ err: error }, "request failed");
      return reply.status(status).send({ error: { code: error.code, message: error.message } });
    }
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    if (status >= 500) node.log.error({ err: error }, "request failed");
    const code = status >= 500 ? "INTERNAL" : "BAD_REQUEST";
    return reply.status(status).send({ error: { code, message: (error as Error).message } });
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .status(404)
      .send({ error: { code: "NOT_FOUND", message: `no route ${request.method} ${request.url}` } }),
  );

  app.get("/openapi.json", async () => OPENAPI_DOCUMENT);
  app.get("/healthz", async () => ({ ok: true, height: node.chain.height.toString() }));
  app.get("/metrics", async (_request, reply) => {
    reply.header("content-type", node.metrics.registry.contentType);
    return node.metrics.registry.metrics();
  });
  app.get("/v1/status", async () => node.status());

  app.post("/v1/txs", async (request, reply) => {
    const { tx } = parseRequest(submitBody, request.body);
    const hash = node.submitTx(tx, request.ip);
    return reply.status(202).send({ hash: toHex(hash) });
  });

  /** Many transactions in one request, each admitted or refused on its own, in order. */
  app.post("/v1/txs/batch", async (request, reply) => {
    const { txs } = parseRequest(batchBody, request.body);
    const results = txs.map((tx) => {
      try {
        return { hash: toHex(node.submitTx(tx, request.ip)) };
      } catch (error) {
        if (!(error instanceof LedgerError)) throw error;
        return { error: { code: error.code, message: error.message } };
      }
    });
    return reply.status(202).send({ results });
  });

  app.get("/v1/txs/:hash", async (request) => {
    const { hash } = parseRequest(hashParams, request.params);
    const record = node.chain.txRecord(hash);
    if (record === undefined) {
      if (node.mempool.has(toHex(hash))) return { hash: toHex(hash), status: "pending" };
      throw notFound(`transaction ${toHex(hash)}`);
    }
    return {
      hash: toHex(hash),
      status: "committed",
      height: record.height.toString(),
      index: record.index,
      tx: toHex(record.txBytes),
      result: resultJson(record.result),
      proof: { treeSize: record.treeSize, path: record.proof.map(toHex) },
      header: headerJson(record.header),
    };
  });

  const sendBlock = (h: bigint) => {
    const encoded = node.chain.store.getBlock(h);
    if (encoded === undefined) throw notFound(`block ${h}`);
    const block = decodeBlock(encoded);
    return blockJson(block, blockHash(node.suite, block.header), encoded, node.chain.resultsAt(h) ?? []);
  };
  app.get("/v1/blocks/latest", async () => sendBlock(node.chain.height));
  app.get("/v1/blocks/:height", async (request) =>
    sendBlock(parseRequest(heightParams, request.params).height),
  );

  app.get("/v1/state/:key", async (request) => {
    const { key } = parseRequest(stateParams, request.params);
    const at = parseRequest(stateQuery, request.query).height ?? node.chain.height;
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
  });

  app.get("/v1/evidence", async () => {
    const records = [...node.chain.store.stateEntries(new TextEncoder().encode(EVIDENCE_PREFIX), 1_000)].map(
      ({ value }) => {
        const record = decode(evidenceRecordCodec, value);
        return {
          ...record,
          height: record.height.toString(),
          reportedHeight: record.reportedHeight.toString(),
          voteType: record.voteType === 1 ? "prevote" : "precommit",
        };
      },
    );
    return { evidence: records };
  });

  app.get("/v1/identities/:code", async (request) => {
    const { code } = parseRequest(z.object({ code: z.string().min(1).max(64) }), request.params);
    const identity = lookupIdentity(node.chain.state, code);
    if (identity === undefined) throw notFound(`identity ${code}`);
    return {
      ...identity,
      certificateNotAfterMs: identity.certificateNotAfterMs?.toString() ?? null,
      registeredHeight: identity.registeredHeight.toString(),
      height: node.chain.height.toString(),
    };
  });

  registerMarketingRoutes(app, node);

  // One message per block, built once and sent to every subscriber.
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
  app.register(async (scope) => {
    scope.get("/v1/events", { websocket: true }, (socket: WebSocket) => {
      subscribers.add(socket);
      socket.on("close", () => subscribers.delete(socket));
    });
  });

  return app;
}
