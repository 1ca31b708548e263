import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MarketLedgerClient } from "../sdk/index.js";
import { until } from "../until.test-util.js";
import { initSoloHome } from "./home.js";
import { type RunningNode, runNode } from "./run.js";

/** The figures issue 11 lists, by the name each has at /metrics and in /v1/status. */
const FIGURES = [
  "mkl_block_height",
  "mkl_consensus_height",
  "mkl_consensus_round",
  "mkl_consensus_step",
  "mkl_consensus_rounds_per_height",
  "mkl_consensus_ticks_total",
  "mkl_since_last_commit_seconds",
  "mkl_consensus_proposals_total",
  "mkl_consensus_missing_votes_total",
  "mkl_peers_connected",
  "mkl_p2p_sent_bytes_total",
  "mkl_p2p_received_bytes_total",
  "mkl_p2p_reconnects_total",
  "mkl_mempool_txs",
  "mkl_mempool_queued_txs",
  "mkl_mempool_bytes",
  "mkl_txs_admitted_total",
  "mkl_txs_rejected_total",
  "mkl_verify_worker_restarts_total",
  "mkl_block_size_bytes",
  "mkl_block_txs",
  "mkl_block_stage_seconds",
  "mkl_wal_bytes",
  "mkl_sync_lag_blocks",
  "mkl_blocks_synced_total",
  "mkl_history_lowest_height",
  "mkl_blocks_backfilled_total",
  "mkl_double_sign_evidence_total",
  "mkl_certificate_earliest_expiry_timestamp_seconds",
  "mkl_disk_free_bytes",
  "mkl_disk_free_ratio",
  "mkl_process_cpu_seconds_total",
  "mkl_process_resident_memory_bytes",
  "mkl_nodejs_eventloop_lag_seconds",
  "mkl_node_info",
  "mkl_marketing_orders",
  "mkl_marketing_commission_parts",
  "mkl_marketing_commission_fen",
  "mkl_marketing_escrow_balance_fen",
  "mkl_marketing_escrow_shortfall_fen",
  "mkl_marketing_anomalies_total",
  "mkl_voting_power_online_ratio",
];

let home: string;
let running: RunningNode;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), "mkl-metrics-"));
  initSoloHome(home, {
    suite: "ed25519",
    chainId: "metrics-test",
    apiPort: 0,
    fundedAccounts: [],
    genesisTimeMs: 1_700_000_000_000n,
  });
  writeFileSync(
    join(home, "config.json"),
    JSON.stringify({
      moniker: "m",
      api: { host: "127.0.0.1", port: 0 },
      metrics: { host: "127.0.0.1", port: 0 },
      emptyBlockIntervalMs: 50,
    }),
  );
  running = await runNode(home, pino({ level: "silent" }));
});

afterAll(async () => {
  await running.stop();
  rmSync(home, { recursive: true, force: true });
});

describe("node figures", () => {
  it("serves every figure at /metrics in a form promtool accepts", async () => {
    const client = new MarketLedgerClient(running.apiUrl);
    await until(async () => BigInt((await client.status()).height) >= 2n, 30_000, "height 2");
    const text = await (await fetch(`${running.apiUrl}/metrics`)).text();
    const declared = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]));
    expect(FIGURES.filter((name) => !declared.has(name))).toEqual([]);
    expect(text).toMatch(/^mkl_block_stage_seconds_count\{stage="fsync"\} [1-9]/m);
    expect(text).toMatch(/^mkl_node_info\{version="[^"]+",chain_id="metrics-test",.*suite="ed25519".*\} 1$/m);
    expect(text).toMatch(/^mkl_disk_free_ratio 0\.\d+|^mkl_disk_free_ratio 1$/m);
    // promtool reads the exposition as Prometheus would and lints names and units; prom-client's
    // own nodejs_active_*_total gauges are the one lint it fails, and they are not ours to rename.
    const ours = text
      .split("\n")
      .filter((line) => !/mkl_nodejs_active_\w+_total/.test(line))
      .join("\n");
    const lint = execFileSync("promtool", ["check", "metrics"], { input: ours, encoding: "utf8" });
    expect(lint).toBe("");
  });

  it("gives the same figures as JSON in /v1/status", async () => {
    const status = (await (await fetch(`${running.apiUrl}/v1/status`)).json()) as {
      height: string;
      figures: Record<string, unknown>;
    };
    expect(FIGURES.filter((name) => !(name in status.figures))).toEqual([]);
    expect(status.figures.mkl_block_height).toBeGreaterThanOrEqual(Number(status.height) - 1);
    expect(status.figures.mkl_marketing_orders).toContainEqual({ labels: { state: "paid" }, value: 0 });
  });
});

describe("metrics on a listener of their own", () => {
  it("serves the Prometheus text at /metrics on its own port, beside the API", async () => {
    expect(running.metricsUrl).toBeDefined();
    expect(running.metricsUrl).not.toBe(running.apiUrl);
    const response = await fetch(`${running.metricsUrl}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/plain");
    expect(await response.text()).toContain("mkl_block_height");
  });

  it("serves nothing of the API there: other paths get the error shape", async () => {
    const response = await fetch(`${running.metricsUrl}/v1/status`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      error: { code: "NOT_FOUND", message: "this listener serves GET /metrics only" },
    });
  });
});
