import { BLOCK_WORK_LIMIT } from "../src/app/block-work.js";
import { getSuite } from "../src/crypto/index.js";
import type { SuiteId } from "../src/crypto/suite.js";
import type { BenchRow } from "./table.js";
import { type HotFunction, profileInProcess } from "./workload/cpu-profile.js";
import { LocalChain } from "./workload/local-chain.js";
import { MarketingWorkload, marketingParties, seedMarketing } from "./workload/marketing.js";
import { LoadSigner } from "./workload/signer.js";

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : (s[Math.floor(s.length / 2)] as number);
};

/**
 * The completion storm executed in this process, one core, no consensus or network: `orders`
 * orders paid and shipped on a local validator's chain, then all delivered at once with no
 * return window, and empty blocks committed until the end-of-block hook has completed and
 * settled every one (at most 256 per block). Each block is timed from execution to its fsynced
 * commit, so the worst is what one storm block costs a validator, against 1 s.
 */
export async function runStormExecutionBench(
  suiteId: SuiteId,
  orders = 2_000,
  options: { cpuProfile?: boolean } = {},
): Promise<{ rows: BenchRow[]; hot?: HotFunction[] }> {
  const suite = getSuite(suiteId);
  const local = await LocalChain.open(suiteId, marketingParties());
  try {
    const signer = new LoadSigner(suite);
    const setup = await seedMarketing(suite, local.keys, signer, local, local, 0);
    const load = new MarketingWorkload(setup, signer, local, local, "shipped");
    load.createOrders(orders);
    await local.drained();
    if (load.countAt("shipped") !== orders)
      throw new Error(`storm execution: only ${load.countAt("shipped")} of ${orders} orders shipped`);
    const lines = load.linesAt("shipped");
    const before = local.blocks.length;
    const drain = async () => {
      load.releaseAll("shipped", "delivered");
      await local.drained();
      while (local.dueOrders() > 0n) local.commitEmptyBlock();
    };
    // With --cpu-prof, the profile covers the deliveries and the drain only (not the set-up).
    let hot: HotFunction[] | undefined;
    if (options.cpuProfile) hot = (await profileInProcess(`storm-execution-${suiteId}`, drain)).hot;
    else await drain();
    const blocks = local.blocks.slice(before).filter((b) => b.completions > 0);
    const completions = blocks.reduce((a, b) => a + b.completions, 0);
    if (completions !== lines || load.failures.size > 0)
      throw new Error(
        `storm execution: ${completions} of ${lines} completed, failures ${[...load.failures]}`,
      );
    const endOnly = blocks.filter((b) => b.txs === 0);
    const worst = Math.max(...blocks.map((b) => b.ms));
    const totalMs = blocks.reduce((a, b) => a + b.ms, 0);
    const label = `execution only, one core, ${suiteId} completion storm of ${orders} baskets (${lines} orders)`;
    const against1s = (name: string, value: number): BenchRow => ({
      name,
      value,
      unit: "ms",
      reference: 1000,
      limit: "<= 1000 ms",
      ratio: value / 1000,
    });
    const rows: BenchRow[] = [
      {
        name: `${label}: completions per second of block work (${blocks.length} blocks)`,
        value: (completions * 1000) / totalMs,
        unit: "/s",
      },
      against1s(
        `${label}: median storm block with no transactions (${endOnly.length} blocks of up to 256 completions)`,
        median(endOnly.map((b) => b.ms)),
      ),
      against1s(
        `${label}: the same, in this process's CPU time (hardly moved by other work on the cores)`,
        median(endOnly.map((b) => b.cpuMs)),
      ),
      against1s(`${label}: worst block (execution, state tree, commit)`, worst),
      against1s(`${label}: worst block in this process's CPU time`, Math.max(...blocks.map((b) => b.cpuMs))),
      {
        name: `${label}: most work units in one block (src/app/block-work.ts; ${blocks.filter((b) => b.txs > 0).length} blocks carried deliveries)`,
        value: Math.max(...blocks.map((b) => b.work)),
        unit: "units",
        reference: BLOCK_WORK_LIMIT,
        limit: `<= ${BLOCK_WORK_LIMIT} + the last completion's`,
        ratio: Math.max(...blocks.map((b) => b.work)) / BLOCK_WORK_LIMIT,
      },
      {
        name: `${label}: CPU microseconds per work unit (median over the storm's blocks; the weights assume about 1)`,
        value: median(blocks.map((b) => (1000 * b.cpuMs) / Math.max(1, b.work))),
        unit: "µs",
      },
    ];
    return hot === undefined ? { rows } : { rows, hot };
  } finally {
    await local.close();
  }
}
