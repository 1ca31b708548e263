import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { getSuite } from "../src/crypto/index.js";
import type { KeyPair, SuiteId } from "../src/crypto/suite.js";
import { toHex } from "../src/ledger/bytes.js";
import { initSoloHome } from "../src/node/home.js";
import { runNode } from "../src/node/run.js";
import { MarketLedgerClient } from "../src/sdk/index.js";
import { presignTransfers, type SignedLoadTx } from "./load.js";
import { quantile, verifyRate } from "./measure.js";
import type { BenchRow } from "./table.js";
import { BENCH_API } from "./workload/fixture.js";

const SENDERS = 64;

/**
 * A single validator on this machine: committed transactions per second when saturated, and
 * submit-to-commit latency under an open-loop load at half that rate. The limit beside it is
 * the suite's signature verifications per second on one core: each transaction is verified
 * once, at admission (execution reuses that check), on the node's single thread.
 */
export async function runNodeBench(suiteId: SuiteId, txCount = 3000): Promise<BenchRow[]> {
  const suite = getSuite(suiteId);
  // The limit is measured first, on an idle machine, not while the nodes still work.
  const verifyPerSecond = verifyRate(suite);
  const home = mkdtempSync(join(tmpdir(), "mkl-bench-"));
  const names = Array.from({ length: SENDERS }, (_, i) => `sender-${i}`);
  const { accounts } = initSoloHome(home, {
    suite: suiteId,
    chainId: "bench",
    apiPort: 0,
    fundedAccounts: names.map((name) => ({ name, balanceFen: 1_000_000_000n })),
    genesisTimeMs: 1_700_000_000_000n,
  });
  writeFileSync(
    join(home, "config.json"),
    JSON.stringify({ moniker: "bench", api: BENCH_API, batchDelayMs: 5 }),
  );
  const senders = names.map((n) => accounts.get(n) as KeyPair);
  const nonces = senders.map(() => 0n);
  const running = await runNode(home, pino({ level: "silent" }));
  const client = new MarketLedgerClient(running.apiUrl);
  const committedAt = new Map<string, number>();
  running.node.events.on("block", ({ block }) => {
    const now = performance.now();
    for (const tx of block.txs) committedAt.set(toHex(suite.hash(tx)), now);
  });
  const waitAllCommitted = async (hashes: string[], timeoutMs: number) => {
    const deadline = performance.now() + timeoutMs;
    while (hashes.some((h) => !committedAt.has(h)) && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };

  try {
    // Saturation: submit everything with bounded concurrency, time until the last commit.
    const burst = presignTransfers(suite, "bench", senders, txCount, nonces);
    const started = performance.now();
    let next = 0;
    const worker = async () => {
      while (next < burst.length) {
        const tx = burst[next++] as SignedLoadTx;
        await client.submitTx(tx.bytes);
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    await waitAllCommitted(
      burst.map((t) => t.hashHex),
      120_000,
    );
    const saturatedTps =
      (burst.length * 1000) /
      (Math.max(...burst.map((t) => committedAt.get(t.hashHex) ?? Number.NaN)) - started);

    // Latency: open loop at half the saturated rate, for a bounded number of transactions.
    const rate = Math.max(10, Math.floor(saturatedTps / 2));
    const paced = presignTransfers(suite, "bench", senders, Math.min(txCount, rate * 4), nonces);
    const submittedAt = new Map<string, number>();
    const pacedStart = performance.now();
    await Promise.all(
      paced.map(async (tx, i) => {
        const due = pacedStart + (i * 1000) / rate;
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
        submittedAt.set(tx.hashHex, performance.now());
        await client.submitTx(tx.bytes);
      }),
    );
    await waitAllCommitted(
      paced.map((t) => t.hashHex),
      60_000,
    );
    const latencies = paced.map(
      (t) => (committedAt.get(t.hashHex) ?? Number.NaN) - (submittedAt.get(t.hashHex) ?? 0),
    );

    const limit = verifyPerSecond;
    return [
      {
        name: `single validator ${suiteId}: committed tx/s (saturated, ${burst.length} txs over HTTP)`,
        value: saturatedTps,
        unit: "tx/s",
        reference: limit,
        limit: "verify/s on one core",
        ratio: saturatedTps / limit,
      },
      {
        name: `single validator ${suiteId}: commit latency p50 at ${rate} tx/s open loop`,
        value: quantile(latencies, 0.5),
        unit: "ms",
      },
      {
        name: `single validator ${suiteId}: commit latency p99 at ${rate} tx/s open loop`,
        value: quantile(latencies, 0.99),
        unit: "ms",
      },
    ];
  } finally {
    await running.stop();
    rmSync(home, { recursive: true, force: true });
  }
}
