import { availableParallelism } from "node:os";
import { join, resolve } from "node:path";
import { z } from "zod";
import { LedgerError } from "../errors.js";
import { readJsonFile } from "./files.js";
import { DEFAULT_HEAP_GROWTH_PERCENT } from "./heap-growth.js";
import { DEFAULT_KEEP_HEIGHTS, DEFAULT_PRUNE_BATCH_NODES } from "./state-pruner.js";

/**
 * Verification workers by default: the cores Node may use beside the event loop's, at most 2.
 * Catching up, the event loop executes ~75-95 µs of CPU per transfer and a worker checks its
 * signature in ~80-100 µs, so one worker about keeps pace and a second leaves the event loop
 * the bound; a third adds nothing. On one core, none (a thread there only adds copies).
 */
export function defaultVerifyWorkers(cores = availableParallelism()): number {
  return Math.max(0, Math.min(2, cores - 1));
}

/**
 * Node options (not protocol parameters, which live in the genesis file): where to listen,
 * how often to make empty blocks, how big the mempool may grow. Read from HOME/config.json;
 * a few environment variables override it (MKL_API_PORT, MKL_API_HOST, MKL_LOG_LEVEL).
 */
/** A port to listen on: 1-65535, or 0 for any free port (tests, and `npm start`'s throwaway nodes). */
const listenPort = z
  .number({ error: "must be a port number" })
  .int("must be a whole number")
  .min(0, "must be 1-65535 (0: any free port)")
  .max(65_535, "must be 1-65535 (0: any free port)");
/** A port to dial. */
const peerPort = z
  .number({ error: "must be a port number" })
  .int("must be a whole number")
  .min(1, "must be 1-65535")
  .max(65_535, "must be 1-65535");

/**
 * The HTTP API's listener and what bounds it against hostile clients: connections (below the
 * process's file-descriptor limit, with a reserve for storage, the WAL and p2p), timeouts
 * against slow clients, per-client rate limits, WebSocket subscribers and browser origins.
 */
export const apiConfigSchema = z.strictObject({
  host: z.string().default("127.0.0.1"),
  port: listenPort.default(26650),
  /** Most open connections (WebSockets included); lowered at start to fit the fd limit. */
  maxConnections: z.number().int().min(1).max(1_000_000).default(4_096),
  /** File descriptors the API leaves to the rest of the node, whatever its clients do. */
  fdReserve: z.number().int().min(32).max(1_000_000).default(512),
  /** A client must send its request headers within this long of connecting or of its last request. */
  headersTimeoutMs: z.number().int().min(100).max(600_000).default(10_000),
  /** ... and the whole request within this long. */
  requestTimeoutMs: z.number().int().min(100).max(600_000).default(30_000),
  /** An idle keep-alive connection is closed after this long. */
  keepAliveTimeoutMs: z.number().int().min(100).max(600_000).default(5_000),
  /** A socket with no traffic at all for this long is destroyed (WebSockets ping to stay). */
  idleTimeoutMs: z.number().int().min(100).max(3_600_000).default(60_000),
  /** Request line and headers together; beyond it a request is refused with 431. */
  maxHeaderBytes: z.number().int().min(1_024).max(1_048_576).default(16_384),
  rateLimit: z
    .strictObject({
      /** Requests per client address per second (every route). */
      requestsPerSecond: z.number().int().min(1).default(500),
      /** Single transaction submissions per signer per second, from any address. */
      txsPerSignerPerSecond: z.number().int().min(1).default(200),
      /** Addresses never limited (e.g. a trusted gateway). */
      allow: z.array(z.string()).default([]),
    })
    .default({ requestsPerSecond: 500, txsPerSignerPerSecond: 200, allow: [] }),
  /** Most WebSocket subscribers of /v1/events at once. */
  maxEventSubscribers: z.number().int().min(0).max(100_000).default(1_000),
  /** Browser origins allowed to call the API cross-origin (CORS); none by default. */
  corsOrigins: z.array(z.url()).default([]),
});
export type ApiConfig = z.infer<typeof apiConfigSchema>;

/** Every object is strict: a misspelt key (`apii`) is an error that names it, never silently ignored. */
export const nodeConfigSchema = z.strictObject({
  moniker: z.string().min(1).max(64).default("node"),
  api: apiConfigSchema.default(apiConfigSchema.parse({})),
  /**
   * Prometheus metrics on their own listener (never on the API port); none when absent. The
   * port defaults to the API port + METRICS_ABOVE_API (any free one when the API's is).
   */
  metrics: z
    .strictObject({
      host: z.string().default("127.0.0.1"),
      port: listenPort.optional(),
    })
    .optional(),
  p2p: z
    .strictObject({
      host: z.string().default("127.0.0.1"),
      port: listenPort.default(26660),
    })
    .optional(),
  /** The other nodes of the network (validators and observers): the only ones we talk to. */
  peers: z
    .array(
      z.strictObject({
        id: z.string().regex(/^([0-9a-f]{2})+$/, "hex public key"),
        host: z.string(),
        port: peerPort,
      }),
    )
    .default([]),
  /** TLS for node-to-node links: files relative to the home directory (always ECDSA P-256). */
  tls: z
    .strictObject({
      key: z.string().default("tls.key.pem"),
      cert: z.string().default("tls.cert.pem"),
      ca: z.array(z.string()).default(["tls-ca.pem"]),
    })
    .default({ key: "tls.key.pem", cert: "tls.cert.pem", ca: ["tls-ca.pem"] }),
  /** Tendermint timeouts: timeoutX(round) = base + round * delta. Propose must exceed emptyBlockIntervalMs. */
  timeouts: z
    .strictObject({
      proposeBaseMs: z.number().int().min(1).default(3_000),
      proposeDeltaMs: z.number().int().min(0).default(500),
      prevoteBaseMs: z.number().int().min(1).default(1_000),
      prevoteDeltaMs: z.number().int().min(0).default(500),
      precommitBaseMs: z.number().int().min(1).default(1_000),
      precommitDeltaMs: z.number().int().min(0).default(500),
    })
    .default({
      proposeBaseMs: 3_000,
      proposeDeltaMs: 500,
      prevoteBaseMs: 1_000,
      prevoteDeltaMs: 500,
      precommitBaseMs: 1_000,
      precommitDeltaMs: 500,
    }),
  /** An empty block is made when no transaction arrived for this long. */
  emptyBlockIntervalMs: z.number().int().min(50).max(3_600_000).default(1_000),
  /** After the first transaction arrives, wait this long to gather more into the block. */
  batchDelayMs: z.number().int().min(0).max(10_000).default(10),
  /**
   * Worker threads that verify signatures off the event loop (today: a synced batch of blocks,
   * while catching up); 0 verifies them inline. They start with a node's first large synced
   * batch and end when idle, so a node that is not catching up runs none. Default:
   * defaultVerifyWorkers().
   */
  verifyWorkers: z.number().int().min(0).max(64).default(defaultVerifyWorkers),
  /**
   * How far the JavaScript heap may grow past the live set before the next full collection, in
   * percent (0: V8's own choice, up to 300 % here); applied when `mkl node start` starts.
   */
  heapGrowthPercent: z.number().int().min(0).max(1_000).default(DEFAULT_HEAP_GROWTH_PERCENT),
  mempool: z
    .strictObject({
      maxTxs: z.number().int().min(1).max(1_000_000).default(50_000),
      /** Most transactions one sender may have pending (at most the chain's nonce window). */
      maxTxsPerSender: z.number().int().min(1).max(10_000).optional(),
      /** Most transactions held that wait for an earlier nonce of their sender (default maxTxs / 4). */
      maxQueuedTxs: z.number().int().min(1).max(1_000_000).optional(),
      maxBytes: z
        .number()
        .int()
        .min(1024)
        .max(2 ** 31)
        .default(64 * 1024 * 1024),
      /**
       * Clients' transactions are refused with MEMPOOL_FULL once the pool holds what the chain
       * has lately committed in this long (at least one block's worth while the chain keeps up),
       * and once this node holds its share of that from its own clients (the network's pools
       * hold it between them): under overload the client is told to slow down (Retry-After:
       * the next commit) instead of every transaction waiting longer.
       */
      targetWaitMs: z.number().int().min(100).max(600_000).default(2_000),
    })
    .default({ maxTxs: 50_000, maxBytes: 64 * 1024 * 1024, targetWaitMs: 2_000 }),
  /**
   * Signature verifications one client may cost at admission, per second and in a burst: an API
   * client by its address, a peer by its id (peers relay everyone's transactions, so more).
   */
  admission: z
    .strictObject({
      clientVerifyPerSecond: z.number().int().min(1).default(2_000),
      clientVerifyBurst: z.number().int().min(1).default(4_000),
      peerVerifyPerSecond: z.number().int().min(1).default(20_000),
      peerVerifyBurst: z.number().int().min(1).default(40_000),
    })
    .default({
      clientVerifyPerSecond: 2_000,
      clientVerifyBurst: 4_000,
      peerVerifyPerSecond: 20_000,
      peerVerifyBurst: 40_000,
    }),
  /** When /readyz says not ready (see readiness.ts). */
  readiness: z
    .strictObject({
      /** No commit seen for this long: the chain is halted or this node is cut off. */
      commitWithinSeconds: z.number().min(1).max(86_400).default(30),
      /** A peer is more than this many blocks ahead: this node is catching up. */
      maxBlocksBehind: z.number().int().min(0).max(1_000_000).default(5),
    })
    .default({ commitWithinSeconds: 30, maxBlocksBehind: 5 }),
  /**
   * The embedded monitor whose `/v1/ops` API this node serves on its own origin (for the
   * console's operator page, which its CSP keeps to 'self'); off when absent.
   */
  opsProxy: z
    .strictObject({
      url: z.url({ protocol: /^https?$/ }),
      /**
       * Who may acknowledge and silence alerts through this node (POST and DELETE): client
       * addresses or subnets (CIDR). Reads are open like the rest of the API; writes default to
       * this machine only, since the monitor's own port takes them unauthenticated.
       */
      writers: z
        .array(z.union([z.ipv4(), z.ipv6(), z.cidrv4(), z.cidrv6()]))
        .max(64)
        .default(["127.0.0.0/8", "::1/128"]),
    })
    .optional(),
  /**
   * Demo and tests only: a SIMULATED payment provider in this node (payment-simulator.ts). The
   * key file (relative to the home) is a payment-service identity's; when the buyer pays in the
   * console's simulator, this node signs confirmPayment as it. Off when absent.
   */
  paymentSimulator: z.strictObject({ keyFile: z.string().min(1) }).optional(),
  /**
   * Superseded state-tree nodes are deleted behind the chain (state-pruner.ts): the roots of the
   * last `keepHeights` heights stay whole (proofs and snapshots at those heights), older ones
   * answer STATE_PRUNED. 0 keeps every root (an archive node). `batchNodes` bounds one pruning
   * transaction. Changing keepHeights from 0 later prunes only what was superseded since.
   */
  statePruning: z
    .strictObject({
      keepHeights: z.number().int().min(0).max(1_000_000_000).default(DEFAULT_KEEP_HEIGHTS),
      batchNodes: z.number().int().min(1).max(1_000_000).default(DEFAULT_PRUNE_BATCH_NODES),
    })
    .default({ keepHeights: DEFAULT_KEEP_HEIGHTS, batchNodes: DEFAULT_PRUNE_BATCH_NODES }),
  logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  dataDir: z.string().default("data"),
  /**
   * Test only: faults the end-to-end tests inject into a real node process (see test-faults.ts).
   * `crashMidCommitAtHeight`: the process kills itself (SIGKILL) halfway through that commit;
   * `crashMidPrune`: halfway through the first pruning batch that deletes nodes.
   * `crashMidBackfillAtHeight`: halfway through the backfill write that stores that height.
   */
  testFaults: z
    .strictObject({
      crashMidCommitAtHeight: z.number().int().min(1).optional(),
      crashMidPrune: z.boolean().optional(),
      crashMidBackfillAtHeight: z.number().int().min(1).optional(),
    })
    .optional(),
});
/** A node's config once loaded: the metrics port, when metrics are on, is resolved. */
export type NodeConfig = Omit<z.infer<typeof nodeConfigSchema>, "metrics"> & {
  readonly metrics?: { readonly host: string; readonly port: number };
};

/**
 * The metrics port's distance above the API port: node i of a host takes base+20+i, past its
 * API (base+i) and p2p ports (base+10+i, up to ten nodes a host) and the embedded monitor
 * (base+19, ops/network/ports.ts), so `mkl start` with metrics on never clashes with itself.
 */
export const METRICS_ABOVE_API = 20;

export function defaultMetricsPort(apiPort: number): number {
  return apiPort === 0 || apiPort + METRICS_ABOVE_API > 65_535 ? 0 : apiPort + METRICS_ABOVE_API;
}

export class ConfigError extends LedgerError {}

export const HOME_FILES = {
  config: "config.json",
  genesis: "genesis.json",
  nodeKey: "node.key.pem",
} as const;

/** Parses with a schema and turns zod's issues into one readable ConfigError. */
export function parseWith<T extends z.ZodType>(schema: T, value: unknown, what: string): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
      .join("; ");
    throw new ConfigError("CONFIG_INVALID", `${what} is invalid: ${problems}`, {
      issues: parsed.error.issues,
    });
  }
  return parsed.data;
}

export function loadNodeConfig(home: string, env: NodeJS.ProcessEnv = process.env): NodeConfig {
  const config = parseWith(nodeConfigSchema, readJsonFile(join(home, HOME_FILES.config)), "config.json");
  if (config.p2p !== undefined && config.timeouts.proposeBaseMs <= config.emptyBlockIntervalMs) {
    throw new ConfigError(
      "CONFIG_INVALID",
      "timeouts.proposeBaseMs must exceed emptyBlockIntervalMs, or validators give up on an idle proposer",
      { proposeBaseMs: config.timeouts.proposeBaseMs, emptyBlockIntervalMs: config.emptyBlockIntervalMs },
    );
  }
  const port = env.MKL_API_PORT;
  const apiPort =
    port === undefined
      ? config.api.port
      : parseWith(z.coerce.number().pipe(listenPort), port, "MKL_API_PORT");
  const { metrics, ...rest } = config;
  return {
    ...rest,
    ...(metrics === undefined
      ? {}
      : { metrics: { host: metrics.host, port: metrics.port ?? defaultMetricsPort(apiPort) } }),
    api: {
      ...config.api,
      host: env.MKL_API_HOST ?? config.api.host,
      port: apiPort,
    },
    logLevel: parseWith(
      nodeConfigSchema.shape.logLevel,
      env.MKL_LOG_LEVEL ?? config.logLevel,
      "MKL_LOG_LEVEL",
    ),
    dataDir: resolve(home, config.dataDir),
    ...(config.paymentSimulator === undefined
      ? {}
      : { paymentSimulator: { keyFile: resolve(home, config.paymentSimulator.keyFile) } }),
    tls: {
      key: resolve(home, config.tls.key),
      cert: resolve(home, config.tls.cert),
      ca: config.tls.ca.map((file) => resolve(home, file)),
    },
  };
}
