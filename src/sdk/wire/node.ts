import { z } from "zod";
import { decimal, hex } from "./common.js";

/** What a node says about itself: chain, peers, mempool, crypto backend, consensus progress. */

export const peerSchema = z
  .object({
    id: hex.describe("the peer's consensus public key"),
    connected: z.boolean(),
    address: z
      .string()
      .describe('the configured host:port; "" for a peer only the chain permits (it dials us)'),
    lastError: z.string().optional().describe("why the last link failed (a P2P_ code)"),
    role: z.enum(["dialler", "acceptor"]).optional(),
    sentBytes: z.number().int(),
    receivedBytes: z.number().int(),
    queuedBytes: z.number().int(),
    socketBufferedBytes: z.number().int(),
    droppedMessages: z.number().int(),
  })
  .meta({ id: "Peer" });
export type PeerJson = z.infer<typeof peerSchema>;

export const consensusViewSchema = z.object({
  engine: z.enum(["solo", "tendermint"]),
  role: z.enum(["validator", "observer"]),
  height: z.number().int().describe("the height being decided"),
  round: z.number().int(),
  step: z.string().optional(),
  lastHeightRounds: z.number().int().optional(),
  evidence: z.number().int().optional(),
  bestPeerHeight: decimal.optional().describe("the highest height a peer reported (ours when none is ahead)"),
  nodeId: hex,
  lastCommitTimeMs: decimal,
});

/** One sample of a figure with labels (a histogram gives its _sum and _count, named). */
export const figureSampleSchema = z
  .object({
    name: z.string().optional().describe("the sample's own name, for a histogram's _sum and _count"),
    labels: z.record(z.string(), z.union([z.string(), z.number()])),
    value: z.number(),
  })
  .meta({ id: "FigureSample" });
export type FigureJson = z.infer<typeof figureSampleSchema>;

export const figuresSchema = z
  .record(z.string(), z.union([z.number(), z.array(figureSampleSchema)]))
  .describe("every figure of /metrics by name: a number, or one sample per label set")
  .meta({ id: "Figures" });

/** What a node's pool holds now. */
export const mempoolSchema = z.object({
  txs: z.number().int(),
  /** Of those, runnable (every earlier nonce committed or pending) and queued (waiting for one). */
  runnable: z.number().int(),
  queued: z.number().int(),
  bytes: z.number().int(),
});
export type MempoolJson = z.infer<typeof mempoolSchema>;

export const statusSchema = z
  .object({
    chainId: z.string(),
    suite: z.string(),
    version: z.string(),
    moniker: z.string(),
    height: decimal,
    lastBlockTimeMs: decimal,
    lastCommitSeconds: z.number().nullable(),
    validators: z.array(z.object({ name: z.string(), publicKey: hex, address: hex, power: decimal })),
    peers: z.array(peerSchema),
    mempool: mempoolSchema,
    crypto: z.object({
      suite: z.string(),
      hash: z.string(),
      backend: z.enum(["native", "pure-js"]),
      sm2Native: z.object({
        available: z.boolean(),
        reason: z.string().optional(),
        opensslVersion: z.string().optional(),
      }),
    }),
    consensus: consensusViewSchema,
    /**
     * The blocks this node holds: every one (with its results) from lowestHeight to its head; a
     * node restored from a snapshot backfills those below from its peers until complete.
     */
    history: z.object({ lowestHeight: decimal, complete: z.boolean() }).optional(),
    figures: figuresSchema,
  })
  .meta({ id: "Status" });
export type StatusJson = z.infer<typeof statusSchema>;

/** One check of a probe: what it looked at and what it saw. */
export const probeCheckSchema = z
  .object({
    name: z.enum(["storage", "peers", "commit", "sync"]),
    ok: z.boolean(),
    detail: z.string().describe('what was seen, e.g. "0 of 4 peers connected"'),
  })
  .meta({ id: "ProbeCheck" });

/** /livez and /readyz: 200 when every check passes, 503 (same body) naming the failing ones. */
export const probeSchema = z
  .object({
    ok: z.boolean(),
    height: decimal,
    checks: z.array(probeCheckSchema),
    failing: z.array(probeCheckSchema.shape.name).describe("the names of the checks that failed"),
  })
  .meta({ id: "Probe" });
export type ProbeJson = z.infer<typeof probeSchema>;
