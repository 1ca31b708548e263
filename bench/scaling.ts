import { getSuite } from "../src/crypto/index.js";
import type { SuiteId } from "../src/crypto/suite.js";
import type { BenchRow } from "./table.js";
import { LocalChain } from "./workload/local-chain.js";
import { MarketingWorkload, marketingParties, seedMarketing } from "./workload/marketing.js";
import { LoadSigner } from "./workload/signer.js";

const SEED_CHUNK = 10_000;

/** Marketing execution throughput (tx/s of the business mix) on a local chain holding `orders` orders already. */
async function mixAtStateSize(suiteId: SuiteId, orders: number, measuredOrders: number): Promise<number> {
  const suite = getSuite(suiteId);
  const local = await LocalChain.open(suiteId, marketingParties());
  try {
    const signer = new LoadSigner(suite);
    const setup = await seedMarketing(suite, local.keys, signer, local, local, 7);
    // Pre-seeding: orders created (each one order record, its lines and indexes in state), in chunks.
    const seeder = new MarketingWorkload(setup, signer, local, local, "created");
    for (let done = 0; done < orders; done += SEED_CHUNK) {
      seeder.createOrders(Math.min(SEED_CHUNK, orders - done));
      await local.drained();
    }
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
    return (txs * 1000) / measured.reduce((a, b) => a + b.ms, 0);
  } finally {
    await local.close();
  }
}

/**
 * State-size scaling: the marketing mix executed (one core, execution only, blocks of up to
 * 1,000) with `sizes` orders already in state, pre-seeded through the same executor (not over
 * HTTP). The figure is the cost of the sparse Merkle tree and LMDB as state grows; the target is
 * throughput at the largest size >= 0.8 x that at the smallest.
 */
export async function runScalingBench(
  suiteId: SuiteId,
  sizes: readonly number[],
  measuredOrders = 3_000,
): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  let base: number | undefined;
  for (const size of sizes) {
    console.log(`  ${size} orders in state…`);
    const tps = await mixAtStateSize(suiteId, size, measuredOrders);
    base ??= tps;
    rows.push({
      name: `execution only, one core, ${suiteId} marketing mix with ${size.toLocaleString("en-US")} orders in state`,
      value: tps,
      unit: "tx/s",
      reference: base,
      limit: `>= 0.8 x at ${sizes[0]?.toLocaleString("en-US")}`,
      ratio: tps / base,
    });
  }
  return rows;
}
