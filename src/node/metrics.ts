import {
  Counter,
  collectDefaultMetrics,
  Gauge,
  Histogram,
  type MetricObjectWithValues,
  type MetricValue,
  Registry,
} from "prom-client";

const SECONDS_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/**
 * The node's Prometheus metrics, named with units, in a registry of their own. The node and its
 * figure collectors (src/node/figures) set them; /metrics serves them as text and /v1/status as
 * JSON (figures()). The names are the monitor's and the Prometheus rules' vocabulary.
 */
export class NodeMetrics {
  readonly registry = new Registry();
  private readonly r = [this.registry];

  // ---- chain -------------------------------------------------------------------------------
  readonly height = new Gauge({
    name: "mkl_block_height",
    help: "Height of the last committed block",
    registers: this.r,
  });
  readonly blocksCommitted = new Counter({
    name: "mkl_blocks_committed_total",
    help: "Blocks committed since the process started",
    registers: this.r,
  });
  readonly txsCommitted = new Counter({
    name: "mkl_txs_committed_total",
    help: "Transactions committed, by result",
    labelNames: ["result"],
    registers: this.r,
  });
  readonly commitSeconds = new Histogram({
    name: "mkl_block_commit_seconds",
    help: "Time to execute and durably commit a block",
    buckets: SECONDS_BUCKETS,
    registers: this.r,
  });
  readonly stageSeconds = new Histogram({
    name: "mkl_block_stage_seconds",
    help: "Time of one stage of making a block: execute (transactions), stateTree (state root), fsync (durable commit)",
    labelNames: ["stage"],
    buckets: SECONDS_BUCKETS,
    registers: this.r,
  });
  readonly blockBytes = new Histogram({
    name: "mkl_block_size_bytes",
    help: "Canonical size of committed blocks",
    buckets: [512, 1024, 4096, 16_384, 65_536, 262_144, 1_048_576, 4_194_304, 16_777_216],
    registers: this.r,
  });
  readonly stateNodesPruned = new Counter({
    name: "mkl_state_nodes_pruned_total",
    help: "Superseded state-tree nodes deleted by pruning since the process started",
    registers: this.r,
  });
  readonly stateAvailableFrom = new Gauge({
    name: "mkl_state_available_from_height",
    help: "Oldest height whose state root this node keeps whole (proofs and snapshots from it on)",
    registers: this.r,
  });
  readonly pruneBatchSeconds = new Histogram({
    name: "mkl_state_prune_batch_seconds",
    help: "Time of one pruning transaction (off the commit path, between blocks)",
    buckets: SECONDS_BUCKETS,
    registers: this.r,
  });
  readonly blockTxs = new Histogram({
    name: "mkl_block_txs",
    help: "Transactions per committed block",
    buckets: [0, 1, 5, 10, 50, 100, 500, 1000, 5000],
    registers: this.r,
  });
  readonly lastBlockTime = new Gauge({
    name: "mkl_last_block_time_seconds",
    help: "Consensus time of the last committed block (Unix seconds)",
    registers: this.r,
  });
  readonly sinceLastCommit = new Gauge({
    name: "mkl_since_last_commit_seconds",
    help: "Seconds since this node last committed a block (or started)",
    registers: this.r,
  });

  // ---- consensus ---------------------------------------------------------------------------
  readonly consensusHeight = new Gauge({
    name: "mkl_consensus_height",
    help: "Height being decided",
    registers: this.r,
  });
  readonly consensusRound = new Gauge({
    name: "mkl_consensus_round",
    help: "Round of the height being decided",
    registers: this.r,
  });
  readonly consensusStep = new Gauge({
    name: "mkl_consensus_step",
    help: "1 for the current step of the height being decided (propose, prevote, precommit; sync for an observer)",
    labelNames: ["step"],
    registers: this.r,
  });
  readonly roundsPerHeight = new Histogram({
    name: "mkl_consensus_rounds_per_height",
    help: "Rounds needed to commit a height (1 when the first proposal committed)",
    buckets: [1, 2, 3, 4, 6, 8, 16],
    registers: this.r,
  });
  readonly stepSeconds = new Histogram({
    name: "mkl_consensus_step_seconds",
    help: "Time the engine spent in one step of a round (propose: until it prevoted, prevote: until it precommitted, precommit: until the height was committed or the round ended)",
    labelNames: ["step"],
    buckets: SECONDS_BUCKETS,
    registers: this.r,
  });
  readonly proposalSeconds = new Histogram({
    name: "mkl_consensus_proposal_seconds",
    help: "This node's proposals: wait (asked for a value until it began building: the batching delay, or no transaction pending) and build (reap, execute, encode)",
    labelNames: ["phase"],
    buckets: SECONDS_BUCKETS,
    registers: this.r,
  });
  readonly ticks = new Counter({
    name: "mkl_consensus_ticks_total",
    help: "Status ticks of the consensus engine (every 500 ms, stalled or not): time passing inside the node",
    registers: this.r,
  });
  readonly roundChanges = new Counter({
    name: "mkl_consensus_round_changes_total",
    help: "Rounds that ended without a commit (rounds needed minus one, summed over heights)",
    registers: this.r,
  });
  readonly proposals = new Counter({
    name: "mkl_consensus_proposals_total",
    help: "Rounds of committed heights by their proposer: made (its proposal committed) or missed (the round failed)",
    labelNames: ["validator", "result"],
    registers: this.r,
  });
  readonly missingVotes = new Counter({
    name: "mkl_consensus_missing_votes_total",
    help: "Heights decided here for which no prevote or precommit of the deciding round came from a validator",
    labelNames: ["validator", "type"],
    registers: this.r,
  });
  readonly validatorPower = new Gauge({
    name: "mkl_validator_power",
    help: "Voting power of each validator of the current set",
    labelNames: ["validator"],
    registers: this.r,
  });
  readonly onlinePowerRatio = new Gauge({
    name: "mkl_voting_power_online_ratio",
    help: "Share of the voting power this node reaches: its own and its connected peers'",
    registers: this.r,
  });
  readonly evidence = new Counter({
    name: "mkl_double_sign_evidence_total",
    help: "Pairs of conflicting votes by one validator seen by this node",
    registers: this.r,
  });

  // ---- sync and peers ----------------------------------------------------------------------
  readonly syncLag = new Gauge({
    name: "mkl_sync_lag_blocks",
    help: "Blocks this node is behind the best height its peers reported",
    registers: this.r,
  });
  readonly blocksSynced = new Counter({
    name: "mkl_blocks_synced_total",
    help: "Blocks applied from peers by block sync",
    registers: this.r,
  });
  readonly historyLowest = new Gauge({
    name: "mkl_history_lowest_height",
    help: "Lowest height from which on this node holds every block with its results: 1 with the whole chain; a node restored from a snapshot backfills down to 1",
    registers: this.r,
  });
  readonly blocksBackfilled = new Counter({
    name: "mkl_blocks_backfilled_total",
    help: "Blocks below this node's snapshot fetched from peers, checked and stored by backfill",
    registers: this.r,
  });
  readonly peersConnected = new Gauge({
    name: "mkl_peers_connected",
    help: "Configured peers with an open link",
    registers: this.r,
  });
  readonly peersConfigured = new Gauge({
    name: "mkl_peers_configured",
    help: "Peers in this node's configuration",
    registers: this.r,
  });
  readonly peersQuorum = new Gauge({
    name: "mkl_peers_quorum",
    help: "Fewest connected peers with which this node and they can hold more than 2/3 of the validators",
    registers: this.r,
  });
  readonly peersQuorumDeficit = new Gauge({
    name: "mkl_peers_quorum_deficit",
    help: "Peers this node lacks to reach mkl_peers_quorum (0 when it has enough)",
    registers: this.r,
  });
  readonly p2pSentBytes = new Counter({
    name: "mkl_p2p_sent_bytes_total",
    help: "Frame bytes written to each peer",
    labelNames: ["peer"],
    registers: this.r,
  });
  readonly p2pReceivedBytes = new Counter({
    name: "mkl_p2p_received_bytes_total",
    help: "Frame bytes read from each peer",
    labelNames: ["peer"],
    registers: this.r,
  });
  readonly p2pMessages = new Counter({
    name: "mkl_p2p_messages_total",
    help: "Consensus-layer messages sent to and received from peers, by kind (a broadcast counts once per peer)",
    labelNames: ["direction", "kind"],
    registers: this.r,
  });
  readonly p2pSocketWrites = new Counter({
    name: "mkl_p2p_socket_writes_total",
    help: "Writes handed to the peers' TLS sockets (frames written together count once)",
    registers: this.r,
  });
  readonly p2pReconnects = new Counter({
    name: "mkl_p2p_reconnects_total",
    help: "Links to a peer opened again after the first",
    labelNames: ["peer"],
    registers: this.r,
  });

  // ---- mempool -----------------------------------------------------------------------------
  readonly mempoolSize = new Gauge({
    name: "mkl_mempool_txs",
    help: "Transactions waiting in the mempool",
    registers: this.r,
  });
  readonly mempoolQueued = new Gauge({
    name: "mkl_mempool_queued_txs",
    help: "Transactions in the mempool waiting for an earlier nonce of their sender (not yet runnable)",
    registers: this.r,
  });
  readonly mempoolBytes = new Gauge({
    name: "mkl_mempool_bytes",
    help: "Bytes waiting in the mempool",
    registers: this.r,
  });
  readonly txsAdmitted = new Counter({
    name: "mkl_txs_admitted_total",
    help: "Transactions admitted to the mempool, from clients or from peers",
    labelNames: ["source"],
    registers: this.r,
  });
  readonly txsRejected = new Counter({
    name: "mkl_txs_rejected_total",
    help: "Transactions refused at admission, by error code",
    labelNames: ["code"],
    registers: this.r,
  });
  readonly txSignatureChecks = new Counter({
    name: "mkl_tx_signature_checks_total",
    help: "Transaction signatures verified at admission (after every cheaper check passed)",
    registers: this.r,
  });
  readonly consensusSignatureChecks = new Counter({
    name: "mkl_consensus_signature_checks_total",
    help: "Signatures of peers' proposals and votes verified",
    labelNames: ["kind"],
    registers: this.r,
  });
  readonly httpRequests = new Counter({
    name: "mkl_http_requests_total",
    help: "API requests answered, by route",
    labelNames: ["route"],
    registers: this.r,
  });
  readonly poolSignatureChecks = new Counter({
    name: "mkl_verify_pool_checks_total",
    help: "Signatures the verification pool checked, on a worker thread or inline (no workers, a small batch, a full pool)",
    labelNames: ["thread"],
    registers: this.r,
  });
  readonly verifyWorkerRestarts = new Counter({
    name: "mkl_verify_worker_restarts_total",
    help: "Verification worker threads restarted after one died",
    registers: this.r,
  });

  // ---- storage and host --------------------------------------------------------------------
  readonly walBytes = new Gauge({
    name: "mkl_wal_bytes",
    help: "Size of the consensus write-ahead log",
    registers: this.r,
  });
  readonly diskFreeBytes = new Gauge({
    name: "mkl_disk_free_bytes",
    help: "Bytes free to this process on the data directory's file system",
    registers: this.r,
  });
  readonly diskFreeRatio = new Gauge({
    name: "mkl_disk_free_ratio",
    help: "Share of the data directory's file system free to this process",
    registers: this.r,
  });
  readonly certificateExpiry = new Gauge({
    name: "mkl_certificate_earliest_expiry_timestamp_seconds",
    help: "Earliest certificate expiry (Unix seconds): scope node (this node's consensus and TLS certificates), org_ca (organisation CAs on the chain), identity (active registered identities)",
    labelNames: ["scope"],
    registers: this.r,
  });
  readonly info = new Gauge({
    name: "mkl_node_info",
    help: "Always 1; the labels say what runs",
    labelNames: ["version", "chain_id", "moniker", "suite", "crypto_backend", "sm2_native", "role"],
    registers: this.r,
  });

  // ---- marketing ---------------------------------------------------------------------------
  readonly orders = new Gauge({
    name: "mkl_marketing_orders",
    help: "Order lines on the chain by state",
    labelNames: ["state"],
    registers: this.r,
  });
  readonly commissionParts = new Gauge({
    name: "mkl_marketing_commission_parts",
    help: "Commission parts on the chain by status (settled, payable, ...)",
    labelNames: ["status"],
    registers: this.r,
  });
  readonly commissionFen = new Gauge({
    name: "mkl_marketing_commission_fen",
    help: "Commission fen over all enterprises: settled (paid from escrow) and payable (waiting for escrow)",
    labelNames: ["status"],
    registers: this.r,
  });
  readonly escrowBalanceFen = new Gauge({
    name: "mkl_marketing_escrow_balance_fen",
    help: "Escrowed commission budget per enterprise",
    labelNames: ["enterprise"],
    registers: this.r,
  });
  readonly escrowShortfallFen = new Gauge({
    name: "mkl_marketing_escrow_shortfall_fen",
    help: "Payable commission per enterprise that its escrow cannot cover",
    labelNames: ["enterprise"],
    registers: this.r,
  });
  readonly anomalies = new Counter({
    name: "mkl_marketing_anomalies_total",
    help: "Anomaly events in committed blocks, by kind (self-referral, abnormal-refund-rate, completion-failed)",
    labelNames: ["kind"],
    registers: this.r,
  });

  private readonly refreshers: Array<() => void> = [];

  /** Runs before every read of the figures: for gauges read from the node's state on demand. */
  onRefresh(refresh: () => void): void {
    this.refreshers.push(refresh);
  }

  private refresh(): void {
    for (const refresh of this.refreshers) refresh();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The Prometheus text exposition (what /metrics serves). */
  text(): Promise<string> {
    this.refresh();
    return this.registry.metrics();
  }

  constructor() {
    // process_cpu_seconds_total, process_resident_memory_bytes, nodejs_eventloop_lag_seconds, ...
    collectDefaultMetrics({ register: this.registry, prefix: "mkl_", eventLoopMonitoringPrecision: 20 });
  }

  /** Every figure as JSON, for /v1/status: { name: value } or { name: [{ labels, value }] }. */
  async figures(): Promise<Record<string, number | FigureSample[]>> {
    this.refresh();
    const out: Record<string, number | FigureSample[]> = {};
    const metrics = (await this.registry.getMetricsAsJSON()) as MetricObjectWithValues<
      MetricValue<string> & { metricName?: string }
    >[];
    for (const metric of metrics) {
      // Buckets stay in /metrics; the status keeps a histogram's sum and count.
      // NaN (an event-loop mean with no sample since the last read) is left out: JSON has no NaN.
      const values = metric.values.filter(
        (v) => v.metricName?.endsWith("_bucket") !== true && Number.isFinite(v.value),
      );
      const samples = values.map((v) => ({
        ...(v.metricName !== undefined && v.metricName !== metric.name ? { name: v.metricName } : {}),
        labels: { ...v.labels } as Record<string, string | number>,
        value: v.value,
      }));
      const only = samples[0];
      out[metric.name] =
        samples.length === 1 &&
        only !== undefined &&
        Object.keys(only.labels).length === 0 &&
        !("name" in only)
          ? only.value
          : samples;
    }
    return out;
  }
}

export interface FigureSample {
  name?: string;
  labels: Record<string, string | number>;
  value: number;
}

let names: string[] | undefined;

/** Every series name a node exposes (histograms as _sum and _count): what rules may name. */
export function nodeMetricNames(): string[] {
  if (names === undefined) {
    const metrics = new NodeMetrics();
    names = metrics.registry.getMetricsAsArray().flatMap((m) => {
      const type = (m as unknown as { type?: string }).type;
      return type === "histogram" || type === "summary"
        ? [m.name, `${m.name}_sum`, `${m.name}_count`]
        : [m.name];
    });
    metrics.registry.clear();
  }
  return names;
}
