import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { WebSocket } from "ws";
import { getSuite } from "../src/crypto/index.js";
import type { KeyPair, SuiteId } from "../src/crypto/suite.js";
import { type DemoParty, seedDemoGenesis } from "../src/ops/demo-genesis.js";
import { nodeHomes, nodeStarter, startNetwork } from "../src/ops/network-up.js";
import { freePort, wirePeers } from "../src/ops/peers.js";
import { MarketLedgerClient, messageText } from "../src/sdk/index.js";
import { presignTransfers } from "./load.js";
import { quantile, verifyRate } from "./measure.js";
import type { BenchRow } from "./table.js";
import { BENCH_API } from "./workload/fixture.js";

const VALIDATORS = 4;
const TICK_MS = 20;
// Enough senders that no sender runs past the nonce window (256) at the overload rate.
const SENDERS = 128;
const CLI = join(new URL("../", import.meta.url).pathname, "src/cli/main.js");

/**
 * Four validator processes on this machine, over mutual TLS: committed transactions per second
 * under an open-loop load, and submit-to-commit latency (p50, p99). The limit beside it is
 * (signature verifications per second of the suite x cores) / validators: every node verifies
 * every transaction, and the validators share this machine's cores.
 */
export async function runNetworkBench(
  suiteId: SuiteId,
  offeredTps: number,
  seconds = 8,
): Promise<BenchRow[]> {
  const suite = getSuite(suiteId);
  // The limit is measured first, on an idle machine, not while the nodes still work.
  const verifyPerSecond = verifyRate(suite);
  const root = mkdtempSync(join(tmpdir(), "mkl-netbench-"));
  const dir = join(root, "net");
  let stop: (() => Promise<void>) | undefined;
  try {
    execFileSync(
      process.execPath,
      [CLI, "network", "init", "--orgs", String(VALIDATORS), "--suite", suiteId, "--out", dir],
      {
        stdio: "pipe",
      },
    );
    const parties: DemoParty[] = Array.from({ length: SENDERS }, (_, i) => ({
      name: `buyer-${i}`,
      role: "buyer",
      balanceFen: 10n ** 12n,
    }));
    const keys = seedDemoGenesis(dir, parties);
    wirePeers(dir, { p2pPorts: await Promise.all(nodeHomes(dir).map(() => freePort())) });
    for (const home of nodeHomes(dir)) {
      const config = JSON.parse(readFileSync(join(home, "config.json"), "utf8"));
      writeFileSync(
        join(home, "config.json"),
        JSON.stringify({ ...config, api: BENCH_API, logLevel: "error" }),
      );
    }
    const network = startNetwork(
      dir,
      nodeStarter(() => {}, { command: [process.execPath, CLI] }),
    );
    stop = network.stop;
    const urls = await Promise.all(network.nodes.map((n) => n.apiUrl));
    const clients = urls.map((url) => new MarketLedgerClient(url));
    const senders = parties.map((p) => keys.get(p.name) as KeyPair);

    // Commit times as node 1 sees them, from its event stream.
    const committedAt = new Map<string, number>();
    const socket = new WebSocket(`${(urls[0] as string).replace(/^http/, "ws")}/v1/events`);
    await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
    socket.on("message", (data) => {
      const now = performance.now();
      for (const hash of (JSON.parse(messageText(data)) as { txHashes: string[] }).txHashes)
        committedAt.set(hash, now);
    });

    const count = offeredTps * seconds;
    const txs = presignTransfers(
      suite,
      "marketledger-local",
      senders,
      count,
      senders.map(() => 0n),
    );
    const submittedAt = new Map<string, number>();
    const started = performance.now();
    let refused = 0;
    // Open loop: every TICK_MS, the transactions due by then go out as one batch, to the nodes in turn.
    const batches: Array<typeof txs> = [];
    const perTick = (offeredTps * TICK_MS) / 1000;
    for (let i = 0; i < txs.length; i += perTick)
      batches.push(txs.slice(Math.round(i), Math.round(i + perTick)));
    const refusals = new Map<string, number>();
    await Promise.all(
      batches.map(async (batch, i) => {
        const due = started + i * TICK_MS;
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
        const now = performance.now();
        for (const tx of batch) submittedAt.set(tx.hashHex, now);
        const client = clients[i % clients.length] as MarketLedgerClient;
        const results = await client.submitTxs(batch.map((tx) => tx.bytes)).catch(() => []);
        for (const result of results) {
          if ("error" in result) refusals.set(result.error.code, (refusals.get(result.error.code) ?? 0) + 1);
        }
        refused += batch.length - results.filter((r) => "hash" in r).length;
      }),
    );
    const deadline = performance.now() + 60_000;
    while (txs.some((t) => !committedAt.has(t.hashHex)) && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    socket.close();
    const committed = txs.filter((t) => committedAt.has(t.hashHex));
    const lastCommit = Math.max(...committed.map((t) => committedAt.get(t.hashHex) as number));
    const tps = (committed.length * 1000) / (lastCommit - started);
    const latencies = committed.map(
      (t) => (committedAt.get(t.hashHex) as number) - (submittedAt.get(t.hashHex) as number),
    );

    const limit = (verifyPerSecond * cpus().length) / VALIDATORS;
    const label = `4 validators ${suiteId}, ${offeredTps} tx/s offered for ${seconds} s`;
    return [
      {
        name: `${label}: committed tx/s (${committed.length}/${count} committed, ${refused} refused${[...refusals].map(([code, n]) => ` ${code}×${n}`).join("")})`,
        value: tps,
        unit: "tx/s",
        reference: limit,
        limit: "verify/s x cores / validators",
        ratio: tps / limit,
      },
      { name: `${label}: commit latency p50`, value: quantile(latencies, 0.5), unit: "ms" },
      { name: `${label}: commit latency p99`, value: quantile(latencies, 0.99), unit: "ms" },
    ];
  } finally {
    await stop?.();
    rmSync(root, { recursive: true, force: true });
  }
}
