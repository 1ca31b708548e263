import { getSuite } from "../src/crypto/index.js";
import type { SuiteId } from "../src/crypto/suite.js";
import type { BenchRow } from "./table.js";
import { LocalChain } from "./workload/local-chain.js";
import { MarketingWorkload, marketingParties, seedMarketing } from "./workload/marketing.js";
import type { SeedState } from "./workload/seed-state.js";
import { LoadSigner } from "./workload/signer.js";

const SEED_CHUNK = 20_000;
/** Pre-seeding's blocks: the most a block holds (fewer blocks, fewer end-block passes; no tree update per block). */
const SEED_BLOCK_TXS = 10_000;

interface StateSizeRun {
  /** The mix's transactions per second of block work (wall), and per CPU second. */
  readonly tps: number;
  readonly txsPerCpuS: number;
  /**
   * CPU ms per transaction of the mix in block work, and of it: the execution and the state
   * tree's update (their CPU apart from the commit, split as the chain's stages split their wall
   * time), and the commit (CPU, see LocalChain.blocks).
   */
  readonly cpuMsPerTx: number;
  readonly executeCpuMsPerTx: number;
  readonly treeCpuMsPerTx: number;
  readonly commitCpuMsPerTx: number;
  /** Tree nodes read from the store, and new tree nodes written, per transaction. */
  readonly nodeReadsPerTx: number;
  readonly newNodesPerTx: number;
  /** Pre-seeding: wall and CPU seconds, and where its CPU went (SeedState.figures). */
  readonly seedS: number;
  readonly seedCpuS: number;
  readonly seed: SeedState["figures"];
}

/** Marketing execution throughput (tx/s of the business mix) on a local chain holding `orders` orders already. */
async function mixAtStateSize(
  suiteId: SuiteId,
  orders: number,
  measuredOrders: number,
): Promise<StateSizeRun> {
  const suite = getSuite(suiteId);
  const local = await LocalChain.open(suiteId, marketingParties());
  try {
    const signer = new LoadSigner(suite);
    // Pre-seeding: the catalogue and then the orders (each basket its order records and
    // idempotency record in state), executed by the node's executor in big blocks, unsigned (the
    // local chain takes them as checked), with the state tree built once at the end from the
    // sorted state and the chain restored to the last seeded block (SeedState).
    const seedStarted = performance.now();
    const seedCpu = process.cpuUsage();
    local.startSeeding();
    const setup = await seedMarketing(suite, local.keys, signer, local, local, 7);
    signer.signing = false;
    local.blockTxs = SEED_BLOCK_TXS;
    const seeder = new MarketingWorkload(setup, signer, local, local, "created");
    for (let done = 0; done < orders; done += SEED_CHUNK) {
      seeder.createOrders(Math.min(SEED_CHUNK, orders - done));
      await local.drained();
    }
    if (seeder.failures.size > 0)
      throw new Error(`scaling bench: seeding failures ${[...seeder.failures].join(" ")}`);
    const seed = await local.finishSeeding();
    const seedS = (performance.now() - seedStarted) / 1000;
    const { user, system } = process.cpuUsage(seedCpu);
    signer.signing = true;
    local.blockTxs = 1_000;
    // Warm up the JIT on the mix itself before measuring it.
    const warmUp = new MarketingWorkload(setup, signer, local, local, "refunded", undefined, orders);
    warmUp.createOrders(300);
    await local.drained();
    const before = local.blocks.length;
    const mix = new MarketingWorkload(setup, signer, local, local, "refunded", undefined, orders + 300);
    mix.createOrders(measuredOrders);
    await local.drained();
    if (mix.failures.size > 0) throw new Error(`scaling bench: failures ${[...mix.failures].join(" ")}`);
    const measured = local.blocks.slice(before);
    const sum = (figure: (block: (typeof measured)[number]) => number) =>
      measured.reduce((a, b) => a + figure(b), 0);
    const txs = sum((b) => b.txs);
    const cpuMs = sum((b) => b.cpuMs);
    const commitCpuMs = sum((b) => b.commitCpuMs);
    const executeShare = sum((b) => b.executeMs) / sum((b) => b.executeMs + b.treeMs);
    return {
      tps: (txs * 1000) / sum((b) => b.ms),
      txsPerCpuS: (txs * 1000) / cpuMs,
      cpuMsPerTx: cpuMs / txs,
      executeCpuMsPerTx: ((cpuMs - commitCpuMs) * executeShare) / txs,
      treeCpuMsPerTx: ((cpuMs - commitCpuMs) * (1 - executeShare)) / txs,
      commitCpuMsPerTx: commitCpuMs / txs,
      nodeReadsPerTx: sum((b) => b.nodeReads) / txs,
      newNodesPerTx: sum((b) => b.newNodes) / txs,
      seedS,
      seedCpuS: (user + system) / 1e6,
      seed,
    };
  } finally {
    await local.close();
  }
}

/**
 * State-size scaling: the marketing mix executed (one core, execution only, blocks of up to
 * 1,000) with `sizes` orders already in state, pre-seeded by the same executor (not over HTTP),
 * the tree built once from the seeded state (SeedState). The figure is the cost of the sparse
 * Merkle tree and LMDB as state grows; the target is throughput at the largest size >= 0.8 x
 * that at the smallest.
 */
export async function runScalingBench(
  suiteId: SuiteId,
  sizes: readonly number[],
  measuredOrders = 3_000,
): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  let base: StateSizeRun | undefined;
  for (const size of sizes) {
    console.log(`  ${size} orders in state…`);
    const run = await mixAtStateSize(suiteId, size, measuredOrders);
    base ??= run;
    const label = `execution only, one core, ${suiteId} marketing mix with ${size.toLocaleString("en-US")} baskets in state`;
    const limit = `>= 0.8 x at ${sizes[0]?.toLocaleString("en-US")}`;
    const { seed } = run;
    const seedLabel =
      `pre-seeded in ${Math.round(run.seedS)} s, ${Math.round(run.seedCpuS)} CPU s: execution ` +
      `${Math.round(seed.executeMs / 1000)}, scratch writes ${Math.round(seed.flushMs / 1000)}, tree ` +
      `${Math.round(seed.treeMs / 1000)}, restore ${Math.round(seed.restoreMs / 1000)}; ` +
      `${seed.entries.toLocaleString("en-US")} entries, ${seed.nodes.toLocaleString("en-US")} tree nodes`;
    const versus = (value: number, reference: number, unit: string, name: string): BenchRow => ({
      name: `${label}: ${name}`,
      value,
      unit,
      reference,
      ratio: value / reference,
    });
    rows.push(
      {
        name: `${label} (${seedLabel})`,
        value: run.tps,
        unit: "tx/s",
        reference: base.tps,
        limit,
        ratio: run.tps / base.tps,
      },
      {
        name: `${label}: per CPU second`,
        value: run.txsPerCpuS,
        unit: "tx/cpu-s",
        reference: base.txsPerCpuS,
        limit,
        ratio: run.txsPerCpuS / base.txsPerCpuS,
      },
      // Where the growth is: the executor, the tree's update (paths grow with log2 of the
      // state), or the commit (one LMDB transaction with every new tree node).
      versus(run.executeCpuMsPerTx * 1000, base.executeCpuMsPerTx * 1000, "µs", "CPU per tx, execution"),
      versus(
        run.treeCpuMsPerTx * 1000,
        base.treeCpuMsPerTx * 1000,
        "µs",
        "CPU per tx, state tree update (split from execution by the stages' wall time)",
      ),
      versus(
        run.commitCpuMsPerTx * 1000,
        base.commitCpuMsPerTx * 1000,
        "µs",
        "CPU per tx, commit (LMDB transaction with the tree's new nodes)",
      ),
      versus(run.nodeReadsPerTx, base.nodeReadsPerTx, "nodes", "tree nodes read from the store per tx"),
      versus(run.newNodesPerTx, base.newNodesPerTx, "nodes", "new tree nodes per tx"),
    );
  }
  return rows;
}
