import { z } from "zod";
import { LedgerError } from "../../../errors.js";
import { toHex } from "../../../ledger/bytes.js";
import { submittedBatchSchema, submittedSchema, txStatusSchema } from "../../../sdk/wire/index.js";
import { notFound } from "../errors.js";
import { headerJson, resultJson } from "../json.js";
import { hash32, refusals, signedTxHex } from "../params.js";
import type { RouteModule } from "./types.js";

/** Most transactions in one batch request (the body limit bounds their bytes too). */
const MAX_BATCH_TXS = 500;

/** Submitting transactions, and asking what became of one. */
export const txRoutes: RouteModule = async (app, { node }) => {
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
    async (request, reply) =>
      reply.status(202).send({ hash: toHex(node.submitTx(request.body.tx, request.ip)) }),
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
    async (request, reply) => {
      const results = request.body.txs.map((tx) => {
        try {
          return { hash: toHex(node.submitTx(tx, request.ip)) };
        } catch (error) {
          if (!(error instanceof LedgerError)) throw error;
          return { error: { code: error.code, message: error.message } };
        }
      });
      return reply.status(202).send({ results });
    },
  );

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
        throw notFound(`transaction ${toHex(hash)}`);
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
