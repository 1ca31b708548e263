import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { getSuite } from "../src/crypto/index.js";
import type { KeyPair, SuiteId } from "../src/crypto/suite.js";
import { toHex } from "../src/ledger/bytes.js";
import { initSoloHome } from "../src/node/home.js";
import { runNode } from "../src/node/run.js";
import { addressOfKey, buildSignedTx, MarketLedgerClient, transferOp } from "../src/sdk/index.js";
import { opsPerSecond, quantile } from "./measure.js";
import type { BenchRow } from "./table.js";

const SENDERS = 64;

interface Load {
  txs: Array<{ bytes: Uint8Array; hashHex: string }>;
}

/** Pre-signed transfers, round-robin over senders so no sender runs past its nonce window. */
function presign(suiteId: SuiteId, senders: KeyPair[], count: number, firstNonce: bigint[]): Load {
  const suite = getSuite(suiteId);
  const to = addressOfKey(suite, (senders[0] as KeyPair).publicKey.bytes);
  const txs: Load["txs"] = [];
  for (let i = 0; i < count; i++) {
    const s = i % senders.length;
    const nonce = firstNonce[s] as bigint;
    firstNonce[s] = nonce + 1n;
    const tx = buildSignedTx(
      suite,
      senders[s] as KeyPair,
      { chainId: "bench", nonce, expiryHeight: 1_000_000n },
      transferOp(to, 1n),
    );
    txs.push({ bytes: tx.bytes, hashHex: toHex(tx.hash) });
  }
  return { txs };
}

/**
 * A single validator on this machine: committed transactions per second when saturated, and
 * submit-to-commit latency under an open-loop load at half that rate. The limit beside it is
 * the suite's signature verifications per second on one core, halved, because every
 * transaction is verified twice (at admission and again in execution).
 */
export async function runNodeBench(suiteId: SuiteId, txCount = 3000): Promise<BenchRow[]> {
  const suite = getSuite(suiteId);
  // The limit is measured first, on an idle machine, not while the nodes still work.
  const key = suite.generateKeyPair();
  const message = new Uint8Array(200).fill(3);
  const signature = suite.sign(key.privateKey, message);
  const verifyRate = opsPerSecond(() => suite.verify(key.publicKey, message, signature), 500);
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
    JSON.stringify({ moniker: "bench", api: { host: "127.0.0.1", port: 0 }, batchDelayMs: 5 }),
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
    const burst = presign(suiteId, senders, txCount, nonces);
    const started = performance.now();
    let next = 0;
    const worker = async () => {
      while (next < burst.txs.length) {
        const tx = burst.txs[next++] as Load["txs"][number];
        await client.submitTx(tx.bytes);
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    await waitAllCommitted(
      burst.txs.map((t) => t.hashHex),
      120_000,
    );
    const saturatedTps =
      (burst.txs.length * 1000) /
      (Math.max(...burst.txs.map((t) => committedAt.get(t.hashHex) ?? Number.NaN)) - started);

    // Latency: open loop at half the saturated rate, for a bounded number of transactions.
    const rate = Math.max(10, Math.floor(saturatedTps / 2));
    const paced = presign(suiteId, senders, Math.min(txCount, rate * 4), nonces);
    const submittedAt = new Map<string, number>();
    const pacedStart = performance.now();
    await Promise.all(
      paced.txs.map(async (tx, i) => {
        const due = pacedStart + (i * 1000) / rate;
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
        submittedAt.set(tx.hashHex, performance.now());
        await client.submitTx(tx.bytes);
      }),
    );
    await waitAllCommitted(
      paced.txs.map((t) => t.hashHex),
      60_000,
    );
    const latencies = paced.txs.map(
      (t) => (committedAt.get(t.hashHex) ?? Number.NaN) - (submittedAt.get(t.hashHex) ?? 0),
    );

    const limit = verifyRate / 2;
    return [
      {
        name: `single validator ${suiteId}: committed tx/s (saturated, ${burst.txs.length} txs over HTTP)`,
        value: saturatedTps,
        unit: "tx/s",
        reference: limit,
        limit: "verify/s on one core / 2",
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
