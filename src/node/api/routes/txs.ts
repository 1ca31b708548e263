import type { FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { toHex } from "../../../ledger/bytes.js";
import { senderOf } from "../../../ledger/tx.js";
import {
  decodeTxBatch,
  MAX_BATCH_TXS,
  submittedBatchSchema,
  submittedSchema,
  TX_BATCH_CONTENT_TYPE,
  txStatusSchema,
} from "../../../sdk/wire/index.js";
import { isRefusal, notFound, RateLimitedError } from "../errors.js";
import { headerJson, resultJson } from "../json.js";
import { hash32, refusals, signedTxHex } from "../params.js";
import type { RouteModule } from "./types.js";

const SIGNER = Symbol("signer");
type SignerRequest = FastifyRequest & { [SIGNER]: string };

/** Submitting transactions, and asking what became of one. */
export const txRoutes: RouteModule = async (app, { node }) => {
  const { txsPerSignerPerSecond, allow } = node.config.api.rateLimit;
  // Counted per signer whatever address it comes from (the per-address limit counts requests).
  const signerLimit = app.createRateLimit({
    max: txsPerSignerPerSecond,
    timeWindow: 1_000,
    keyGenerator: (request) => (request as SignerRequest)[SIGNER],
    allowList: (request) => allow.includes(request.ip),
  });
  /**
   * Refuses a transaction whose signer is over its rate, saying when its window ends (Retry-After);
   * undecodable bytes share one budget. Before admission, so a refused one costs no signature check.
   */
  const checkSigner = async (request: FastifyRequest, tx: Uint8Array) => {
    const sender = senderOf(tx);
    const keyed = Object.create(request, { [SIGNER]: { value: sender ? toHex(sender) : "undecodable" } });
    const verdict = await signerLimit(keyed);
    if (!verdict.isAllowed && verdict.isExceeded) {
      const seconds = Math.max(1, verdict.ttlInSeconds);
      throw new RateLimitedError(
        `more than ${txsPerSignerPerSecond} transactions per second from this signer; retry in ${seconds} s`,
        seconds,
      );
    }
  };
  app.post(
    "/v1/txs",
    {
      schema: {
        operationId: "submitTx",
        tags: ["transactions"],
        summary: "Submit a signed transaction (its canonical encoding, hex)",
        body: z.object({ tx: signedTxHex }),
        response: { 202: submittedSchema.describe("admitted to the mempool"), ...refusals },
      },
    },
    async (request, reply) => {
      await checkSigner(request, request.body.tx);
      return reply.status(202).send({ hash: toHex(node.submitTx(request.body.tx, request.ip)) });
    },
  );

  app.post(
    "/v1/txs/batch",
    {
      schema: {
        operationId: "submitTxBatch",
        tags: ["transactions"],
        summary: `Submit up to ${MAX_BATCH_TXS} signed transactions; each is admitted or refused on its own, in order`,
        body: z.object({
          txs: z
            .array(signedTxHex)
            .min(1, "txs is empty")
            .max(MAX_BATCH_TXS, `at most ${MAX_BATCH_TXS} transactions in a batch`),
        }),
        response: { 202: submittedBatchSchema, ...refusals },
      },
    },
    (request, reply) => submitBatch(request, reply, request.body.txs),
  );

  // The binary batch's body arrives as one Buffer, bounded by the server's body limit.
  app.addContentTypeParser(TX_BATCH_CONTENT_TYPE, { parseAs: "buffer" }, (_request, body, done) =>
    done(null, body),
  );
  app.post(
    "/v1/txs/batch/binary",
    {
      schema: {
        operationId: "submitTxBatchBinary",
        tags: ["transactions"],
        summary: `Submit up to ${MAX_BATCH_TXS} signed transactions as bytes (${TX_BATCH_CONTENT_TYPE}: a u32 count, then each transaction as a u32 length and its canonical encoding, big-endian); answered as the JSON batch`,
        consumes: [TX_BATCH_CONTENT_TYPE],
        body: z.instanceof(Buffer).describe("u32 count, then per transaction u32 length + canonical bytes"),
        response: { 202: submittedBatchSchema, ...refusals },
      },
    },
    (request, reply) => submitBatch(request, reply, decodeTxBatch(request.body)),
  );

  /**
   * Each transaction admitted or refused on its own, in order, under the same per-signer limit.
   * When some were refused for a while only (rate limited, or MEMPOOL_FULL: the pool has no room
   * until the next commit), the answer says when to offer them again: Retry-After in whole
   * seconds, and retryAfterMs in the body to the millisecond (blocks come about a second apart).
   */
  async function submitBatch(request: FastifyRequest, reply: FastifyReply, txs: readonly Uint8Array[]) {
    const results = [];
    let retryAfterMs = 0;
    for (const tx of txs) {
      try {
        await checkSigner(request, tx);
        results.push({ hash: toHex(node.submitTx(tx, request.ip)) });
      } catch (error) {
        if (!isRefusal(error)) throw error;
        if (error instanceof RateLimitedError)
          retryAfterMs = Math.max(retryAfterMs, error.retryAfterSeconds * 1000);
        else if (error.code === "MEMPOOL_FULL") retryAfterMs = Math.max(retryAfterMs, node.retryAfterMs());
        results.push({ error: { code: error.code, message: error.message } });
      }
    }
    if (retryAfterMs === 0) return reply.status(202).send({ results });
    void reply.header("retry-after", Math.ceil(retryAfterMs / 1000));
    return reply.status(202).send({ results, retryAfterMs });
  }

  app.get(
    "/v1/txs/:hash",
    {
      schema: {
        operationId: "getTx",
        tags: ["transactions"],
        summary: "A transaction's status, result and inclusion proof against its block's txRoot",
        params: z.object({ hash: hash32 }),
        response: { 200: txStatusSchema, ...refusals },
      },
    },
    async (request) => {
      const { hash } = request.params;
      const record = node.chain.txRecord(hash);
      if (record === undefined) {
        if (node.mempool.has(toHex(hash))) return { hash: toHex(hash), status: "pending" as const };
        const from = node.chain.store.historyFrom();
        const held =
          from === undefined
            ? ""
            : ` (this node holds the blocks from ${from} on; those below are not fetched yet)`;
        throw notFound(`transaction ${toHex(hash)}${held}`);
      }
      return {
        hash: toHex(hash),
        status: "committed" as const,
        height: record.height.toString(),
        index: record.index,
        tx: toHex(record.txBytes),
        result: resultJson(record.result),
        proof: { treeSize: record.treeSize, path: record.proof.map(toHex) },
        header: headerJson(record.header),
      };
    },
  );
};
