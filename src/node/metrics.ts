import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/** The node's Prometheus metrics, named with units, in a registry of their own. */
export class NodeMetrics {
  readonly registry = new Registry();
  readonly height = new Gauge({
    name: "mkl_block_height",
    help: "Height of the last committed block",
    registers: [this.registry],
  });
  readonly blocksCommitted = new Counter({
    name: "mkl_blocks_committed_total",
    help: "Blocks committed since the process started",
    registers: [this.registry],
  });
  readonly txsCommitted = new Counter({
    name: "mkl_txs_committed_total",
    help: "Transactions committed, by result",
    labelNames: ["result"],
    registers: [this.registry],
  });
  readonly txsRejected = new Counter({
    name: "mkl_txs_rejected_total",
    help: "Transactions refused at admission, by error code",
    labelNames: ["code"],
    registers: [this.registry],
  });
  readonly txSignatureChecks = new Counter({
    name: "mkl_tx_signature_checks_total",
    help: "Transaction signatures verified at admission (after every cheaper check passed)",
    registers: [this.registry],
  });
  readonly mempoolSize = new Gauge({
    name: "mkl_mempool_txs",
    help: "Transactions waiting in the mempool",
    registers: [this.registry],
  });
  readonly mempoolBytes = new Gauge({
    name: "mkl_mempool_bytes",
    help: "Bytes waiting in the mempool",
    registers: [this.registry],
  });
  readonly commitSeconds = new Histogram({
    name: "mkl_block_commit_seconds",
    help: "Time to execute and durably commit a block",
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly lastBlockTime = new Gauge({
    name: "mkl_last_block_time_seconds",
    help: "Consensus time of the last committed block (Unix seconds)",
    registers: [this.registry],
  });

  readonly evidence = new Counter({
    name: "mkl_double_sign_evidence_total",
    help: "Pairs of conflicting votes by one validator seen by this node",
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: "mkl_process_" });
  }
}
