import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { getSuite } from "../src/crypto/index.js";
import type { KeyPair, SuiteId } from "../src/crypto/suite.js";
import { fromHex } from "../src/ledger/bytes.js";
import type { Chain } from "../src/node/chain.js";
import { initSoloHome } from "../src/node/home.js";
import { LedgerNode } from "../src/node/node.js";
import { addressOfKey, transferOp } from "../src/sdk/index.js";
import type { BenchRow } from "./table.js";
import { LoadSigner } from "./workload/signer.js";
import type { QueuedTx } from "./workload/submitter.js";

const SENDERS = 256;
const BLOCK_TXS = 1_000;

/**
 * Executes and commits blocks of already-verified transactions; returns transactions per second
 * of wall time and per second of this process's CPU time (the second hardly moves when other
 * work shares the cores, so it is the figure to compare a change by on a busy machine).
 */
function executeBlocks(
  chain: Chain,
  key: KeyPair,
  txs: readonly QueuedTx[],
): { perWallSecond: number; perCpuSecond: number } {
  for (const tx of txs) chain.verifiedTxs.add(fromHex(tx.hashHex));
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  for (let i = 0; i < txs.length; i += BLOCK_TXS) {
    const batch = txs.slice(i, i + BLOCK_TXS).map((t) => t.bytes);
    const timeMs = chain.nextBlockTime(chain.latestBlock().commit) as bigint;
    const prepared = chain.prepareBlock(batch, timeMs, key.publicKey.bytes);
    const failed = prepared.outcome.results.find((r) => r.code !== "OK");
    if (failed) throw new Error(`execution bench: a transaction failed with ${failed.code}`);
    chain.commit(prepared, chain.signCommit(prepared, [key], timeMs + 1n));
  }
  const cpu = process.cpuUsage(cpuBefore);
  return {
    perWallSecond: (txs.length * 1000) / (performance.now() - started),
    perCpuSecond: (txs.length * 1e6) / (cpu.user + cpu.system),
  };
}

/**
 * Single-core execution-only throughput: a validator's chain (executor, sparse Merkle state
 * tree, LMDB with one fsynced commit per block) fed blocks of 1,000 transfers whose signatures
 * were already checked, as a node does for transactions it admitted. No consensus, no network,
 * no HTTP: the ceiling of one node's execution, beside the crypto limit.
 */
export async function runExecutionBench(suiteId: SuiteId, txCount = 20_000): Promise<BenchRow[]> {
  const suite = getSuite(suiteId);
  const home = mkdtempSync(join(tmpdir(), "mkl-exec-bench-"));
  const names = Array.from({ length: SENDERS }, (_, i) => `sender-${i}`);
  const { accounts } = initSoloHome(home, {
    suite: suiteId,
    chainId: "marketledger-local",
    apiPort: 0,
    fundedAccounts: names.map((name) => ({ name, balanceFen: 10n ** 12n })),
    genesisTimeMs: 1_700_000_000_000n,
  });
  writeFileSync(
    join(home, "config.json"),
    JSON.stringify({ moniker: "exec-bench", api: { host: "127.0.0.1", port: 0 } }),
  );
  const node = await LedgerNode.open(home, pino({ level: "silent" }));
  try {
    const senders = names.map((n) => accounts.get(n) as KeyPair);
    const signer = new LoadSigner(suite);
    const to = addressOfKey(suite, (senders[0] as KeyPair).publicKey.bytes);
    const txs = Array.from({ length: txCount }, (_, i) =>
      signer.sign(senders[i % SENDERS] as KeyPair, transferOp(to, 1n)),
    );
    const tps = executeBlocks(node.chain, node.key, txs);
    return [
      {
        name: `execution only, one core, ${suiteId}: committed transfers/s (blocks of ${BLOCK_TXS}, signatures pre-checked)`,
        value: tps.perWallSecond,
        unit: "tx/s",
      },
      {
        name: `execution only, ${suiteId}: committed transfers per second of process CPU time`,
        value: tps.perCpuSecond,
        unit: "tx/cpu-s",
      },
    ];
  } finally {
    await node.stop();
    rmSync(home, { recursive: true, force: true });
  }
}
