import { EventEmitter } from "node:events";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type Logger, pino } from "pino";
import { addressOf } from "../app/address.js";
import { admitTx } from "../app/executor.js";
import { type Genesis, genesisSchema } from "../app/genesis.js";
import { getSuite, sm2NativeStatus } from "../crypto/index.js";
import type { KeyPair, Suite } from "../crypto/suite.js";
import { bytesEqual, fromHex, toHex } from "../ledger/bytes.js";
import { ChainStore } from "../storage/chain-store.js";
import { Chain } from "./chain.js";
import {
  ConfigError,
  HOME_FILES,
  loadNodeConfig,
  type NodeConfig,
  parseWith,
  readJsonFile,
} from "./config.js";
import { Mempool } from "./mempool.js";
import { NodeMetrics } from "./metrics.js";
import { type CommittedBlock, SoloEngine } from "./solo-engine.js";

export const NODE_VERSION = "0.1.0";

export interface NodeEvents {
  block: [CommittedBlock];
}

/**
 * One MarketLedger node: the chain in its store, the mempool, the engine that makes blocks,
 * metrics and logs. The HTTP API (api/server.ts) is a thin layer over this object.
 */
export class LedgerNode {
  readonly events = new EventEmitter<NodeEvents>();
  readonly metrics = new NodeMetrics();
  readonly mempool: Mempool;
  private readonly engine: SoloEngine;
  private lastCommit: CommittedBlock | undefined;

  private constructor(
    readonly config: NodeConfig,
    readonly genesis: Genesis,
    readonly suite: Suite,
    readonly chain: Chain,
    readonly key: KeyPair,
    readonly log: Logger,
  ) {
    const nonceOf = (senderHex: string) => chain.accountNonce(fromHex(senderHex));
    this.mempool = new Mempool({ ...config.mempool, nonceWindow: genesis.params.nonceWindow });
    this.engine = new SoloEngine({
      chain,
      mempool: this.mempool,
      key,
      emptyBlockIntervalMs: config.emptyBlockIntervalMs,
      batchDelayMs: config.batchDelayMs,
      maxBlockTxs: genesis.params.maxBlockTxs,
      maxBlockBytes: genesis.params.maxBlockBytes,
      now: () => Date.now(),
      senderNonce: nonceOf,
      onCommit: (committed) => this.afterCommit(committed),
      onDroppedTx: (hash, reason) => log.warn({ tx: hash, reason }, "dropped a pending transaction"),
    });
    this.metrics.height.set(Number(chain.height));
  }

  /** Opens the node in HOME (config.json, genesis.json, node.key.pem, data/). */
  static open(home: string, logger?: Logger): LedgerNode {
    const config = loadNodeConfig(home);
    const genesis = parseWith(genesisSchema, readJsonFile(join(home, HOME_FILES.genesis)), "genesis.json");
    const log = logger ?? pino({ level: config.logLevel, base: { node: config.moniker } });
    const suite = getSuite(genesis.suite);
    const key = loadNodeKey(suite, join(home, HOME_FILES.nodeKey));
    const isValidator = genesis.validators.some((v) => bytesEqual(v.publicKey, key.publicKey.bytes));
    if (!isValidator) {
      throw new ConfigError("NODE_NOT_VALIDATOR", "this node's key is not in the genesis validator set", {
        publicKey: toHex(key.publicKey.bytes),
      });
    }
    const chain = Chain.open(ChainStore.open(config.dataDir), suite, genesis);
    const node = new LedgerNode(config, genesis, suite, chain, key, log);
    node.logCryptoBackend();
    return node;
  }

  start(): void {
    this.engine.start();
    this.log.info({ chainId: this.genesis.chainId, height: this.chain.height.toString() }, "node started");
  }

  async stop(): Promise<void> {
    this.engine.stop();
    await this.chain.store.close();
    this.log.info("node stopped");
  }

  /**
   * Admits a signed transaction to the mempool: the checks every node makes (decoding, chain,
   * expiry, signature) and then nonce order. Throws a LedgerError with a stable code if refused.
   */
  submitTx(bytes: Uint8Array): Uint8Array {
    const latest = this.chain.latestHeader();
    const nextHeight = latest.height + 1n;
    try {
      const admitted = admitTx(
        this.suite,
        { chainId: this.genesis.chainId, height: nextHeight, timeMs: latest.timeMs },
        bytes,
      );
      const senderHex = toHex(admitted.sender);
      this.mempool.add(
        {
          hashHex: toHex(admitted.hash),
          senderHex,
          nonce: admitted.tx.nonce,
          expiryHeight: admitted.tx.expiryHeight,
          bytes,
        },
        this.chain.accountNonce(admitted.sender),
        nextHeight,
      );
      this.updateMempoolMetrics();
      this.engine.onTxAdmitted();
      return admitted.hash;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      this.metrics.txsRejected.inc({ code: typeof code === "string" ? code : "INTERNAL" });
      throw error;
    }
  }

  status() {
    const latest = this.chain.latestHeader();
    return {
      chainId: this.genesis.chainId,
      suite: this.genesis.suite,
      version: NODE_VERSION,
      moniker: this.config.moniker,
      height: latest.height.toString(),
      lastBlockTimeMs: latest.timeMs.toString(),
      lastCommitSeconds: this.lastCommit?.commitSeconds ?? null,
      validators: this.chain.namedValidators().map((v) => ({
        name: v.name,
        publicKey: toHex(v.publicKey),
        address: toHex(addressOf(this.suite.hash, v.publicKey)),
        power: v.power.toString(),
      })),
      peers: [] as string[],
      mempool: { txs: this.mempool.size, bytes: this.mempool.bytes },
      crypto: {
        suite: this.suite.id,
        hash: this.suite.hashName,
        backend: this.suite.backend,
        sm2Native: sm2NativeStatus(),
      },
      consensus: {
        engine: "solo",
        validatorAddress: toHex(addressOf(this.suite.hash, this.key.publicKey.bytes)),
      },
    };
  }

  private afterCommit(committed: CommittedBlock): void {
    this.lastCommit = committed;
    const { header } = committed.block;
    this.metrics.height.set(Number(header.height));
    this.metrics.blocksCommitted.inc();
    this.metrics.commitSeconds.observe(committed.commitSeconds);
    this.metrics.lastBlockTime.set(Number(header.timeMs) / 1000);
    for (const result of this.chain.resultsAt(header.height) ?? []) {
      this.metrics.txsCommitted.inc({ result: result.code });
    }
    this.updateMempoolMetrics();
    this.events.emit("block", committed);
    if (committed.block.txs.length > 0) {
      this.log.debug(
        { height: header.height.toString(), txs: committed.block.txs.length },
        "committed block",
      );
    }
  }

  private updateMempoolMetrics(): void {
    this.metrics.mempoolSize.set(this.mempool.size);
    this.metrics.mempoolBytes.set(this.mempool.bytes);
  }

  private logCryptoBackend(): void {
    const native = sm2NativeStatus();
    if (this.suite.id === "sm" && !native.available) {
      this.log.warn(
        { reason: native.reason },
        "SM2 runs in pure JavaScript: the native addon is unavailable",
      );
    }
    this.log.info({ suite: this.suite.id, backend: this.suite.backend }, "crypto suite");
  }
}

function loadNodeKey(suite: Suite, path: string): KeyPair {
  let pem: string;
  try {
    pem = readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError(
      "NODE_KEY_UNREADABLE",
      `cannot read the node key ${path}: ${(error as Error).message}`,
      { path },
    );
  }
  const privateKey = suite.privateKeyFromPem(pem);
  return { privateKey, publicKey: suite.publicKeyOf(privateKey) };
}
