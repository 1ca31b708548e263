import { EventEmitter } from "node:events";
import { join } from "node:path";
import { type Logger, pino } from "pino";
import { addressOf } from "../app/address.js";
import { txCodecs } from "../app/executor.js";
import { type Genesis, genesisSchema } from "../app/genesis.js";
import { getSuite, sm2NativeStatus } from "../crypto/index.js";
import type { KeyPair, Suite } from "../crypto/suite.js";
import { bytesEqual, fromHex, toHex } from "../ledger/bytes.js";
import type { SignedVote } from "../ledger/signed-vote.js";
import { encodeSignedTx, signTx } from "../ledger/tx.js";
import type { MempoolJson, StatusJson } from "../sdk/wire/index.js";
import { ChainStore } from "../storage/chain-store.js";
import { HeadReads } from "./admission-reads.js";
import { Chain, type CommittedBlock } from "./chain.js";
import { chainPeerIds, changesPeers } from "./chain-peers.js";
import { CommitPace } from "./commit-pace.js";
import { ConfigError, HOME_FILES, loadNodeConfig, type NodeConfig, parseWith } from "./config.js";
import { BftEngine } from "./consensus/engine.js";
import { systemClock, systemTimers } from "./consensus/ports.js";
import { WalFile, walPath } from "./consensus/wal-file.js";
import { reportingFaults, startupFailure } from "./fail-stop.js";
import { ConsensusFigures, guarded } from "./figures/consensus.js";
import { HostFigures } from "./figures/host.js";
import { COMMISSION_PREFIX, MarketingFigures, ORDER_PREFIX } from "./figures/marketing.js";
import { PeerMessageCounts } from "./figures/peer-messages.js";
import { readJsonFile, readTextFile } from "./files.js";
import { Mempool } from "./mempool.js";
import { NodeMetrics } from "./metrics.js";
import { Transport } from "./p2p/index.js";
import { livenessChecks, type ReadinessCheck, readinessChecks } from "./readiness.js";
import { SoloEngine } from "./solo-engine.js";
import { pinValidatorSetsOfOlderStore, StatePruner } from "./state-pruner.js";
import { storeFaultsOf } from "./test-faults.js";
import { admitToMempool, type TxAdmissionDeps, type TxSource } from "./tx-admission.js";
import { VerifyPool } from "./verify/pool.js";
import { VerifyBudget } from "./verify-budget.js";

export const NODE_VERSION = "0.1.0";

export interface NodeEvents {
  block: [CommittedBlock];
  /** The store or the WAL failed: the node has stopped making blocks (see fail-stop.ts). */
  fault: [unknown];
}

/** What makes blocks: the solo engine for a lone validator, the BFT engine for a network. */
interface BlockEngine {
  start(): void;
  stop(): void;
  /** A transaction was admitted locally (`fromPeer` false when a client sent it to us). */
  onTxAdmitted(bytes: Uint8Array, fromPeer: boolean): void;
}

/**
 * One MarketLedger node: the chain in its store, the mempool, the engine that makes blocks,
 * metrics and logs. The HTTP API (api/server.ts) is a thin layer over this object.
 */
export class LedgerNode {
  readonly events = new EventEmitter<NodeEvents>();
  readonly metrics = new NodeMetrics();
  readonly mempool: Mempool;
  private engine: BlockEngine | undefined;
  private bft: BftEngine | undefined;
  private pruner: StatePruner | undefined;
  private transport: Transport | undefined;
  private lastCommit: CommittedBlock | undefined;
  private failure: unknown;
  private lastCommitAtMs = systemClock.now();
  private readonly consensusFigures: ConsensusFigures;
  private readonly marketingFigures: MarketingFigures;
  private readonly hostFigures: HostFigures;
  /** Peers that have connected at least once (a later connection is a reconnect). */
  private readonly peersSeen = new Set<string>();
  private readonly messageCounts = new PeerMessageCounts();
  private readonly admission: TxAdmissionDeps;
  private readonly pace: CommitPace;
  /** An equal part of the validators' (1 / their number): the least share of the pace a node keeps. */
  private minPaceShare: number;
  /** Signature verification on worker threads while catching up (config.verifyWorkers). */
  private readonly verifyPool: VerifyPool;

  private constructor(
    /** As loaded, with what a SIGHUP reload applied since (see reloadConfig). */
    public config: NodeConfig,
    readonly genesis: Genesis,
    readonly suite: Suite,
    readonly chain: Chain,
    readonly key: KeyPair,
    readonly log: Logger,
    home: string,
  ) {
    this.mempool = new Mempool({ ...config.mempool, nonceWindow: genesis.params.nonceWindow });
    this.verifyPool = new VerifyPool({
      suite,
      workers: config.verifyWorkers,
      log,
      onVerified: (thread, checks) => this.metrics.poolSignatureChecks.inc({ thread }, checks),
      onRestart: () => this.metrics.verifyWorkerRestarts.inc(),
    });
    this.pace = new CommitPace({
      targetWaitMs: config.mempool.targetWaitMs,
      minTxs: genesis.params.maxBlockTxs,
      maxTxs: config.mempool.maxTxs,
    });
    const limits = config.admission;
    const maxClients = 10_000;
    this.admission = {
      suite,
      chain,
      mempool: this.mempool,
      clientBudget: new VerifyBudget({
        perSecond: limits.clientVerifyPerSecond,
        burst: limits.clientVerifyBurst,
        maxClients,
      }),
      peerBudget: new VerifyBudget({
        perSecond: limits.peerVerifyPerSecond,
        burst: limits.peerVerifyBurst,
        maxClients,
      }),
      clientPoolLimit: () => this.pace.limit,
      headReads: new HeadReads(chain.state),
      clientLocalLimit: () => this.pace.localLimit(this.minPaceShare),
      nowMs: () => performance.now(),
      onSignatureCheck: () => this.metrics.txSignatureChecks.inc(),
    };
    this.minPaceShare = this.validatorShare();
    this.metrics.height.set(Number(chain.height));
    this.consensusFigures = new ConsensusFigures({
      metrics: this.metrics,
      validatorsAt: (height) => chain.validatorsAt(height),
      nameOf: (id) => this.validatorName(id),
      nowMs: () => systemClock.now(),
    });
    this.marketingFigures = new MarketingFigures(this.metrics, chain.state);
    this.marketingFigures.load([
      ...chain.store.stateEntries(ORDER_PREFIX),
      ...chain.store.stateEntries(COMMISSION_PREFIX),
    ]);
    this.hostFigures = new HostFigures({
      metrics: this.metrics,
      dataDir: config.dataDir,
      walPath: walPath(config.dataDir),
      certificatePaths: [join(home, "node.cert.pem"), config.tls.cert],
      state: chain.state,
      stateEntries: (prefix) => chain.store.stateEntries(prefix),
      nowMs: () => systemClock.now(),
    });
    chain.observer = {
      stage: (stage, seconds) => this.metrics.stageSeconds.observe({ stage }, seconds),
      committing: (writes, previous) => this.marketingFigures.committing(writes, previous),
    };
    this.metrics.onRefresh(() => this.refreshFigures());
  }

  private senderNonce = (senderHex: string): bigint => this.chain.accountNonce(fromHex(senderHex));

  private validatorShare(): number {
    return 1 / Math.max(1, this.chain.validatorsAt(this.chain.height + 1n).length);
  }

  /**
   * How long a client this node refuses for want of room should wait before it offers again
   * (a MEMPOOL_FULL answer's Retry-After): until the next commit is due.
   */
  retryAfterMs(): number {
    return this.pace.retryAfterMs(performance.now());
  }

  private soloEngine(): BlockEngine {
    const engine = new SoloEngine({
      chain: this.chain,
      mempool: this.mempool,
      key: this.key,
      emptyBlockIntervalMs: this.config.emptyBlockIntervalMs,
      batchDelayMs: this.config.batchDelayMs,
      maxBlockTxs: this.genesis.params.maxBlockTxs,
      maxBlockBytes: this.genesis.params.maxBlockBytes,
      now: () => systemClock.now(),
      senderNonce: this.senderNonce,
      onCommit: (committed) => this.afterCommit([committed]),
      onDroppedTx: (hash, reason) => this.log.warn({ tx: hash, reason }, "dropped a pending transaction"),
    });
    return {
      start: () => engine.start(),
      stop: () => engine.stop(),
      onTxAdmitted: () => engine.onTxAdmitted(),
    };
  }

  /** The BFT engine and its mutually authenticated TLS links to the configured peers. */
  private async bftEngine(p2p: { host: string; port: number }): Promise<BlockEngine> {
    const opened = WalFile.open(walPath(this.config.dataDir));
    const wal = reportingFaults(opened.wal, this.onStorageFault);
    const records = opened.records;
    const network = {
      broadcast: (data: Uint8Array, priority?: "high" | "low") => {
        this.messageCounts.count("sent", data, this.transport?.broadcast(data, priority) ?? 0);
      },
      send: (peer: string, data: Uint8Array, priority?: "high" | "low") => {
        const sent = this.transport?.send(peer, data, priority) ?? false;
        if (sent) this.messageCounts.count("sent", data, 1);
        return sent;
      },
    };
    const bft = new BftEngine({
      chain: this.chain,
      mempool: this.mempool,
      // The engine votes only while this key is in the validator set (it may join later).
      key: this.key,
      network,
      wal,
      walRecords: records,
      clock: systemClock,
      timers: systemTimers,
      timeouts: this.config.timeouts,
      maxBlockTxs: this.genesis.params.maxBlockTxs,
      maxBlockBytes: this.genesis.params.maxBlockBytes,
      emptyBlockIntervalMs: this.config.emptyBlockIntervalMs,
      batchDelayMs: this.config.batchDelayMs,
      senderNonce: this.senderNonce,
      log: this.log,
      verifyPool: this.verifyPool,
      observer: guarded(this.consensusFigures, (err) => this.log.error({ err }, "consensus figures failed")),
      onCommit: (batch) => this.afterCommit(batch),
      onEvidence: (evidence, signed) => {
        this.metrics.evidence.inc();
        this.log.error(
          { first: evidence.first, second: evidence.second },
          "a validator signed two different votes",
        );
        this.reportDoubleSign(signed);
      },
    });
    this.bft = bft;
    this.transport = await Transport.start({
      chainId: this.genesis.chainId,
      suite: this.suite,
      self: {
        id: toHex(this.key.publicKey.bytes),
        consensusKey: this.key,
        tls: { keyPem: readTextFile(this.config.tls.key), certPem: readTextFile(this.config.tls.cert) },
      },
      trustedCaPems: this.config.tls.ca.map(readTextFile),
      listen: p2p,
      peers: this.config.peers,
      log: this.log,
      onMessage: (peer, data) => {
        this.messageCounts.count("received", data, 1);
        bft.onPeerMessage(peer, data, (tx) => this.admit(tx, { kind: "peer", id: peer }));
      },
      onPeerConnected: (peer) => {
        this.log.info({ peer }, "peer connected");
        if (this.peersSeen.has(peer)) this.metrics.p2pReconnects.inc({ peer: this.validatorName(peer) });
        this.peersSeen.add(peer);
        bft.onPeerConnected(peer);
      },
      onPeerDisconnected: (peer) => this.log.info({ peer }, "peer disconnected"),
    });
    this.transport.permit(chainPeerIds(this.chain, this.suite.hash));
    return {
      start: () => bft.start(),
      stop: () => bft.stop(),
      onTxAdmitted: (bytes, fromPeer) => {
        bft.onTxAdmitted();
        if (!fromPeer) bft.gossipTx(bytes);
      },
    };
  }

  /** Opens the node in HOME (config.json, genesis.json, node.key.pem, data/). */
  static async open(home: string, logger?: Logger): Promise<LedgerNode> {
    const config = loadNodeConfig(home);
    const genesis = parseWith(genesisSchema, readJsonFile(join(home, HOME_FILES.genesis)), "genesis.json");
    const log = logger ?? pino({ level: config.logLevel, base: { node: config.moniker } });
    const suite = getSuite(genesis.suite);
    const key = loadNodeKey(suite, join(home, HOME_FILES.nodeKey));
    const isValidator = genesis.validators.some((v) => bytesEqual(v.publicKey, key.publicKey.bytes));
    if (config.p2p === undefined && !isValidator) {
      throw new ConfigError("NODE_NOT_VALIDATOR", "a node without peers must be the chain's validator", {
        publicKey: toHex(key.publicKey.bytes),
      });
    }
    // The node does not exist yet when the store opens; faults are routed to it once it does.
    let onFault = (error: unknown): void => {
      throw error;
    };
    const pruning = config.statePruning;
    const store = ChainStore.open(config.dataDir, storeFaultsOf(config.testFaults), {
      staleIndex: pruning.keepHeights > 0,
    });
    const reporting = reportingFaults(store, (error) => onFault(error));
    const chain = Chain.open(reporting, suite, genesis);
    if (pruning.keepHeights > 0) {
      const pinned = pinValidatorSetsOfOlderStore(reporting, chain);
      if (pinned > 0) log.info({ pinned }, "pinned the validator sets of a store made before pruning");
    }
    const node = new LedgerNode(config, genesis, suite, chain, key, log, home);
    onFault = node.onStorageFault;
    node.pruner = new StatePruner(reporting, pruning, node.onStorageFault, (progress, seconds) => {
      node.metrics.stateNodesPruned.inc(progress.deleted);
      node.metrics.stateAvailableFrom.set(Number(progress.availableFrom));
      node.metrics.pruneBatchSeconds.observe(seconds);
    });
    node.metrics.stateAvailableFrom.set(Number(store.stateAvailableFrom()));
    node.logCryptoBackend();
    try {
      node.engine = config.p2p === undefined ? node.soloEngine() : await node.bftEngine(config.p2p);
    } catch (error) {
      // Nothing is left half-started: the WAL, the links and the store close again.
      node.bft?.stop();
      node.pruner?.stop();
      await node.transport?.stop();
      await node.verifyPool.close();
      await store.close();
      const p2p = config.p2p === undefined ? "" : ` on ${config.p2p.host}:${config.p2p.port}`;
      throw startupFailure(error, `cannot start the p2p transport${p2p}`);
    }
    return node;
  }

  /**
   * SIGHUP: re-reads HOME/config.json and applies what can change while the node runs (the log
   * level, the verification budgets, the readiness limits); names the keys that changed but need a restart. An
   * invalid file throws its ConfigError and changes nothing.
   */
  reloadConfig(home: string): { applied: string[]; needsRestart: string[] } {
    const next = loadNodeConfig(home);
    const applied: string[] = [];
    const needsRestart: string[] = [];
    for (const key of Object.keys(next) as Array<keyof NodeConfig>) {
      if (JSON.stringify(next[key]) === JSON.stringify(this.config[key])) continue;
      if (key === "logLevel" || key === "admission" || key === "readiness") applied.push(key);
      else needsRestart.push(key);
    }
    this.log.level = next.logLevel;
    const a = next.admission;
    this.admission.clientBudget.setRate(a.clientVerifyPerSecond, a.clientVerifyBurst);
    this.admission.peerBudget.setRate(a.peerVerifyPerSecond, a.peerVerifyBurst);
    this.config = {
      ...this.config,
      logLevel: next.logLevel,
      admission: next.admission,
      readiness: next.readiness,
    };
    this.log.info({ applied, needsRestart }, "config reloaded");
    return { applied, needsRestart };
  }

  /** The storage or WAL error that stopped this node, if one did. */
  get fault(): unknown {
    return this.failure;
  }

  private readonly onStorageFault = (error: unknown): void => {
    if (this.failure !== undefined) return;
    this.failure = error;
    const { code, syscall, message } = error as NodeJS.ErrnoException;
    this.log.fatal(
      { code, syscall, reason: message },
      "storage fault: the node stops (it restarts from what is durable once the disk is fixed)",
    );
    this.engine?.stop();
    this.events.emit("fault", error);
  };

  /**
   * A broken invariant met while serving (a request, an event stream): a bug, never bad input.
   * The node stops as for a storage fault (its WAL is safe), with the error in the log. After a
   * storage fault (already reported) it does nothing more.
   */
  readonly stopOnBug = (error: unknown): void => {
    if (this.failure !== undefined) return;
    this.failure = error;
    this.log.fatal({ err: error }, "a bug: the node stops");
    this.engine?.stop();
    this.events.emit("fault", error);
  };

  start(): void {
    this.engine?.start();
    this.log.info({ chainId: this.genesis.chainId, height: this.chain.height.toString() }, "node started");
  }

  async stop(): Promise<void> {
    this.engine?.stop();
    this.pruner?.stop();
    await this.transport?.stop();
    await this.verifyPool.close(); // answers what is in flight, then ends the threads
    await this.chain.store.close();
    this.log.info("node stopped");
  }

  /**
   * Admits a signed transaction to the mempool (see tx-admission.ts for the order of the checks).
   * `clientAddress` is whose verification budget it costs. Throws a LedgerError with a stable
   * code if refused.
   */
  submitTx(bytes: Uint8Array, clientAddress = "local"): Uint8Array {
    return this.admit(bytes, { kind: "client", address: clientAddress });
  }

  private admit(bytes: Uint8Array, source: TxSource): Uint8Array {
    try {
      const hash = admitToMempool(this.admission, bytes, source);
      this.metrics.txsAdmitted.inc({ source: source.kind });
      this.engine?.onTxAdmitted(bytes, source.kind === "peer");
      return hash;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      this.metrics.txsRejected.inc({ code: typeof code === "string" ? code : "INTERNAL" });
      throw error;
    }
  }

  /** What the pool holds now (/v1/mempool, and the mempool part of /v1/status). */
  mempoolView(): MempoolJson {
    return {
      txs: this.mempool.size,
      runnable: this.mempool.runnable,
      queued: this.mempool.queued,
      bytes: this.mempool.bytes,
    };
  }

  /** What /v1/status answers: the node's state and every figure of /metrics. */
  async status(): Promise<StatusJson> {
    const latest = this.chain.latestHeader();
    const figures = await this.metrics.figures();
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
      peers: this.transport?.peers() ?? [],
      mempool: this.mempoolView(),
      crypto: {
        suite: this.suite.id,
        hash: this.suite.hashName,
        backend: this.suite.backend,
        sm2Native: sm2NativeStatus(),
      },
      consensus: {
        ...this.consensusView(),
        nodeId: toHex(this.key.publicKey.bytes),
        lastCommitTimeMs: latest.timeMs.toString(),
      },
      history: this.history(),
      figures,
    };
  }

  /** How much of the chain below its head this node holds (a node restored from a snapshot backfills the rest). */
  private history(): StatusJson["history"] {
    const from = this.chain.store.historyFrom();
    return { lowestHeight: (from ?? 1n).toString(), complete: from === undefined };
  }

  /** What /livez answers: a storage or WAL fault is the one thing a restart cures. */
  liveness(): ReadinessCheck[] {
    return livenessChecks({ storageFault: this.failure });
  }

  /** What /readyz answers: can this node be trusted to serve the chain's current state? */
  readiness(): ReadinessCheck[] {
    const peers = this.transport?.peers();
    return readinessChecks(
      {
        storageFault: this.failure,
        peers:
          peers === undefined
            ? undefined
            : { connected: peers.filter((p) => p.connected).length, known: peers.length },
        secondsSinceCommit: (systemClock.now() - this.lastCommitAtMs) / 1000,
        height: this.chain.height,
        bestPeerHeight: BigInt(this.consensusView().bestPeerHeight),
      },
      this.config.readiness,
    );
  }

  /** Puts evidence of double signing on the chain, signed by this node's key. */
  private reportDoubleSign(signed: { first: SignedVote; second: SignedVote }): void {
    const sender = addressOf(this.suite.hash, this.key.publicKey.bytes);
    const nonce = this.mempool.nextNonce(toHex(sender), this.chain.accountNonce(sender));
    const unsigned = {
      chainId: this.genesis.chainId,
      sender: this.key.publicKey.bytes,
      nonce,
      expiryHeight: this.chain.height + 100n,
      op: { kind: "reportDoubleSign" as const, value: signed },
    };
    try {
      this.submitTx(encodeSignedTx(signTx(this.suite, this.key.privateKey, unsigned, txCodecs), txCodecs));
    } catch (error) {
      this.log.warn({ err: (error as Error).message }, "could not report double signing");
    }
  }

  /**
   * After one block, or a batch block sync committed together: figures and events per block;
   * the peers the chain permits are read once, from the final state,
   * before any event of them.
   */
  private afterCommit(batch: readonly CommittedBlock[]): void {
    if (this.transport !== undefined && batch.some((committed) => changesPeers(committed.outcome.writes))) {
      this.transport.permit(chainPeerIds(this.chain, this.suite.hash));
    }
    this.pruner?.committed(this.chain.height);
    // One figure for the batch: synced blocks committed together took one interval between them.
    const now = performance.now();
    const fromPool = this.mempool.takeCommitted();
    this.pace.committed(
      {
        txs: batch.reduce((n, committed) => n + committed.block.txs.length, 0),
        local: fromPool.local,
        longestWaitMs: fromPool.earliestAdmittedAtMs === undefined ? 0 : now - fromPool.earliestAdmittedAtMs,
      },
      now,
    );
    this.minPaceShare = this.validatorShare();
    for (const committed of batch) {
      this.lastCommit = committed;
      this.lastCommitAtMs = systemClock.now();
      try {
        this.blockFigures(committed);
      } catch (err) {
        this.log.error({ err }, "block figures failed"); // never a reason not to go on
      }
      this.events.emit("block", committed);
      if (committed.block.txs.length > 0) {
        this.log.debug(
          { height: committed.block.header.height.toString(), txs: committed.block.txs.length },
          "committed block",
        );
      }
    }
  }

  private blockFigures(committed: CommittedBlock): void {
    const { header } = committed.block;
    const { metrics } = this;
    metrics.height.set(Number(header.height));
    metrics.blocksCommitted.inc();
    metrics.commitSeconds.observe(committed.commitSeconds);
    metrics.lastBlockTime.set(Number(header.timeMs) / 1000);
    metrics.blockTxs.observe(committed.block.txs.length);
    metrics.blockBytes.observe(this.chain.store.getBlock(header.height)?.length ?? 0);
    for (const result of committed.outcome.results) {
      metrics.txsCommitted.inc({ result: result.code });
      this.marketingFigures.events(result.events);
    }
    this.marketingFigures.events(committed.outcome.endBlockEvents ?? []);
    this.consensusFigures.blockCommitted(committed.block);
    if (committed.outcome.writes.some((w) => w.key[0] === 0x69 && w.key[1] === 0x64 && w.key[2] === 0x2f))
      this.hostFigures.certificatesChanged(); // an "id/..." write: identities or organisations changed
  }

  /** Gauges read on demand, before every scrape or status. */
  private refreshFigures(): void {
    const { metrics } = this;
    // The pool's gauges here, not at each admission (three gauge writes per transaction).
    this.updateMempoolMetrics();
    metrics.sinceLastCommit.set((systemClock.now() - this.lastCommitAtMs) / 1000);
    const view = this.consensusView();
    metrics.consensusHeight.set(view.height);
    metrics.consensusRound.set(view.round);
    for (const step of ["propose", "prevote", "precommit", "sync"])
      metrics.consensusStep.set({ step }, view.step === step ? 1 : 0);
    metrics.syncLag.set(Math.max(0, Number(BigInt(view.bestPeerHeight) - this.chain.height)));
    metrics.historyLowest.set(Number(this.chain.store.historyFrom() ?? 1n));
    const peers = this.transport?.peers() ?? [];
    const connected = new Set(peers.filter((p) => p.connected).map((p) => p.id));
    metrics.peersConnected.set(connected.size);
    metrics.peersConfigured.set(peers.length);
    // The transport counts bytes since start: the counters are set to its totals.
    metrics.p2pSentBytes.reset();
    metrics.p2pReceivedBytes.reset();
    metrics.p2pSocketWrites.reset();
    for (const peer of peers) {
      const labels = { peer: this.validatorName(peer.id) };
      metrics.p2pSentBytes.inc(labels, peer.sentBytes);
      metrics.p2pReceivedBytes.inc(labels, peer.receivedBytes);
      metrics.p2pSocketWrites.inc(peer.socketWrites);
    }
    this.messageCounts.publish(metrics.p2pMessages);
    const validators = this.chain.namedValidators();
    const self = toHex(this.key.publicKey.bytes);
    let total = 0n;
    let online = 0n;
    metrics.validatorPower.reset();
    for (const v of validators) {
      const id = toHex(v.publicKey);
      metrics.validatorPower.set({ validator: v.name }, Number(v.power));
      total += v.power;
      if (id === self || connected.has(id)) online += v.power;
    }
    metrics.onlinePowerRatio.set(total > 0n ? Number((online * 10_000n) / total) / 10_000 : 0);
    const quorum = peers.length === 0 ? 0 : Math.floor((2 * validators.length) / 3);
    metrics.peersQuorum.set(quorum);
    metrics.peersQuorumDeficit.set(Math.max(0, quorum - connected.size));
    const role = validators.some((v) => toHex(v.publicKey) === self) ? "validator" : "observer";
    const native = sm2NativeStatus();
    metrics.info.reset();
    metrics.info.set(
      {
        version: NODE_VERSION,
        chain_id: this.genesis.chainId,
        moniker: this.config.moniker,
        suite: this.suite.id,
        crypto_backend: this.suite.backend,
        sm2_native: native.available ? "yes" : "no",
        role,
      },
      1,
    );
    this.marketingFigures.refreshEscrow();
    this.hostFigures.refresh();
  }

  private consensusView() {
    return (
      this.bft?.view() ?? {
        engine: "solo" as const,
        role: "validator" as const,
        height: Number(this.chain.height + 1n),
        round: 0,
        step: "propose",
        bestPeerHeight: this.chain.height.toString(),
      }
    );
  }

  /** A validator's name in the current set, or the first bytes of its id. */
  private validatorName(id: string): string {
    const named = this.chain.namedValidators().find((v) => toHex(v.publicKey) === id);
    return named?.name ?? id.slice(0, 16);
  }

  private updateMempoolMetrics(): void {
    this.metrics.mempoolSize.set(this.mempool.size);
    this.metrics.mempoolQueued.set(this.mempool.queued);
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
  const privateKey = suite.privateKeyFromPem(readTextFile(path));
  return { privateKey, publicKey: suite.publicKeyOf(privateKey) };
}
