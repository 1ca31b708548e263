import { getSuite } from "../src/crypto/index.js";
import type { SuiteId } from "../src/crypto/suite.js";
import type { BenchRow } from "./table.js";
import { LocalChain } from "./workload/local-chain.js";
import { MarketingWorkload, marketingParties, seedMarketing } from "./workload/marketing.js";
import { LoadSigner } from "./workload/signer.js";

const SEED_CHUNK = 20_000;
/** Pre-seeding's blocks: the most a block holds (fewer blocks, fewer end-block passes; no tree update per block). */
const SEED_BLOCK_TXS = 10_000;

interface StateSizeRun {
  /** The mix's transactions per second of block work (wall), and per CPU second. */
  readonly tps: number;
  readonly txsPerCpuS: number;
  /** CPU ms per transaction of the mix in block work, and of it in the commit (see LocalChain.blocks). */
  readonly cpuMsPerTx: number;
  readonly commitCpuMsPerTx: number;
  /** Pre-seeding: wall and CPU seconds. */
  readonly seedS: number;
  readonly seedCpuS: number;
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
    await local.finishSeeding();
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
    const txs = measured.reduce((a, b) => a + b.txs, 0);
    const cpuMs = measured.reduce((a, b) => a + b.cpuMs, 0);
    return {
      tps: (txs * 1000) / measured.reduce((a, b) => a + b.ms, 0),
      txsPerCpuS: (txs * 1000) / cpuMs,
      cpuMsPerTx: cpuMs / txs,
      commitCpuMsPerTx: measured.reduce((a, b) => a + b.commitCpuMs, 0) / txs,
      seedS,
      seedCpuS: (user + system) / 1e6,
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
    rows.push(
      {
        name: `${label} (pre-seeded in ${Math.round(run.seedS)} s, ${Math.round(run.seedCpuS)} CPU s)`,
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
      // Where the growth is: the commit writes every new tree node under its hash, a random key.
      {
        name: `${label}: CPU per tx, execution and state tree`,
        value: (run.cpuMsPerTx - run.commitCpuMsPerTx) * 1000,
        unit: "µs",
        reference: (base.cpuMsPerTx - base.commitCpuMsPerTx) * 1000,
        ratio: (run.cpuMsPerTx - run.commitCpuMsPerTx) / (base.cpuMsPerTx - base.commitCpuMsPerTx),
      },
      {
        name: `${label}: CPU per tx, commit (LMDB transaction with the tree's new nodes)`,
        value: run.commitCpuMsPerTx * 1000,
        unit: "µs",
        reference: base.commitCpuMsPerTx * 1000,
        ratio: run.commitCpuMsPerTx / base.commitCpuMsPerTx,
      },
    );
  }
  return rows;
}
