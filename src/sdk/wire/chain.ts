import { z } from "zod";
import { decimal, errorSchema, hex, hex32 } from "./common.js";

/** Blocks, transactions and state as a node serves them, with what a client needs to verify them. */

export const headerSchema = z
  .object({
    chainId: z.string(),
    height: decimal,
    timeMs: decimal,
    previousHash: hex,
    lastCommitHash: hex.describe("hash of the previous block's certificate that this block carries"),
    txRoot: hex,
    resultsRoot: hex,
    stateRoot: hex,
    proposer: hex,
    validatorSetHash: hex,
    nextValidatorSetHash: hex,
  })
  .meta({ id: "Header" });
export type HeaderJson = z.infer<typeof headerSchema>;

export const eventSchema = z
  .object({ type: z.string(), attributes: z.record(z.string(), z.string()) })
  .meta({ id: "Event" });

export const resultSchema = z
  .object({
    code: z.string().describe("OK, or the stable code of the failure"),
    message: z.string().describe("for people: derived from code and details, not hashed"),
    details: z.record(z.string(), z.string()).describe("the offending data (part of the hashed result)"),
    events: z.array(eventSchema),
  })
  .meta({ id: "Result" });
export type ResultJson = z.infer<typeof resultSchema>;

export const commitSchema = z
  .object({
    height: decimal,
    round: z.number().int(),
    blockHash: hex,
    signatures: z.array(z.object({ validator: hex, timestampMs: decimal, signature: hex })),
  })
  .meta({ id: "CommitCertificate" });

export const blockSchema = z
  .object({
    hash: hex32,
    header: headerSchema,
    txs: z.array(hex),
    results: z.array(resultSchema),
    lastCommit: commitSchema
      .nullable()
      .describe(
        "the certificate of the previous block, carried by this one (header.lastCommitHash commits to it)",
      ),
    commit: commitSchema.nullable().describe("this block's own certificate (not part of its hash)"),
    encoded: hex.describe("the canonical encoding of the block"),
  })
  .meta({ id: "Block" });
export type BlockJson = z.infer<typeof blockSchema>;

export const pendingTxSchema = z.object({ hash: hex32, status: z.literal("pending") });
export const committedTxSchema = z
  .object({
    hash: hex32,
    status: z.literal("committed"),
    height: decimal,
    index: z.number().int(),
    tx: hex,
    result: resultSchema,
    proof: z.object({ treeSize: z.number().int(), path: z.array(hex) }),
    header: headerSchema,
  })
  .meta({ id: "CommittedTx" });
export const txStatusSchema = z
  .discriminatedUnion("status", [pendingTxSchema, committedTxSchema])
  .meta({ id: "TxStatus" });
export type TxStatusJson = z.infer<typeof txStatusSchema>;
export type CommittedTxJson = z.infer<typeof committedTxSchema>;

export const submitTxBodySchema = z.object({
  tx: hex.min(2).describe("a signed transaction's canonical encoding"),
});
export const submittedSchema = z.object({ hash: hex32 });
export const batchResultSchema = z.union([submittedSchema, errorSchema]);
export const submittedBatchSchema = z.object({
  results: z
    .array(batchResultSchema)
    .describe("one per transaction, in order: its hash or why it was refused"),
  retryAfterMs: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe(
      "when some were refused for now (MEMPOOL_FULL, RATE_LIMITED): offer them again after this many ms (Retry-After, to the millisecond)",
    ),
});
export type BatchResultJson = z.infer<typeof batchResultSchema>;
export type SubmittedBatchJson = z.infer<typeof submittedBatchSchema>;

export const stateValueSchema = z
  .object({
    key: hex,
    height: decimal,
    value: hex.nullable(),
    stateRoot: hex32,
    proof: hex.describe("canonical encoding of the state proof (src/ledger/state/proof.ts)"),
    header: headerSchema.nullable(),
  })
  .meta({ id: "StateValue" });
export type StateJson = z.infer<typeof stateValueSchema>;

/** The WebSocket message for each committed block. */
export const blockEventSchema = z
  .object({
    type: z.literal("block"),
    hash: hex32,
    header: headerSchema,
    txs: z.number().int().describe("how many transactions the block holds"),
    txHashes: z.array(hex32),
    results: z.array(resultSchema),
    endBlockEvents: z
      .array(eventSchema)
      .describe("what the block did at its end: orders completing by block time, settlements"),
  })
  .meta({ id: "BlockEvent" });
export type BlockEventJson = z.infer<typeof blockEventSchema>;
