import { cpus } from "node:os";
import { join } from "node:path";
import { getSuite } from "../src/crypto/index.js";
import type { SuiteId } from "../src/crypto/suite.js";
import { runExecutionBench } from "./execution.js";
import { quantile, verifyRate } from "./measure.js";
import type { BenchRow } from "./table.js";
import { CpuProfiles, type HotFunction } from "./workload/cpu-profile.js";
import { startBenchNetwork } from "./workload/fixture.js";
import type { LatencySummary } from "./workload/latency-parts.js";
import { MarketingWorkload, marketingParties, seedMarketing, TXS_PER_ORDER } from "./workload/marketing.js";
import { NodeCountReader, perCommittedTx } from "./workload/node-counts.js";
import { NodeTimingReader, type NodeTimings } from "./workload/node-timings.js";
import { CommitObserver } from "./workload/observer.js";
import { PoolSampler } from "./workload/pool-sampler.js";
import { diskBytes, type ProcessFigures, ProcessSampler, peakRssRow } from "./workload/proc-stats.js";
import { type LoadRun, type RateStep, runLoad, type Workload } from "./workload/run.js";
import { LoadSigner } from "./workload/signer.js";
import { Submitter } from "./workload/submitter.js";
import { TransferWorkload, transferParties } from "./workload/transfer.js";
import { CountingFetch, p2pSentBytes } from "./workload/wire-bytes.js";

const VALIDATORS = 4;

export type WorkloadName = "transfer" | "marketing";

export interface WorkloadBench {
  readonly suiteId: SuiteId;
  readonly workload: WorkloadName;
  readonly limitTps: number;
  /** Single-core execution-only throughput of the same suite, measured in the same run. */
  readonly executionTps: number;
  readonly ramp: LoadRun;
  readonly half: LoadRun;
  /** The ramp's transactions still unadmitted after its drain, given up before the half-rate run. */
  readonly abandoned: number;
  /** The nodes' own timings of a height during the ramp and the half-rate run. */
  readonly rampTimings: NodeTimings;
  readonly halfTimings: NodeTimings;
  readonly processes: readonly ProcessFigures[];
  readonly diskBytesPerTx: number;
  /** The four nodes' CPU time per committed transaction, ramp and half-rate run together. */
  readonly cpuMsPerTx: number;
  /** p2p frame bytes the four nodes sent one another per committed transaction (before TLS). */
  readonly p2pBytesPerTx: number;
  /** Request body bytes the load generator sent the nodes per committed transaction. */
  readonly submitBytesPerTx: number;
  /** Refused submissions (every refused try of a transaction counts) per committed transaction. */
  readonly refusedPerTx: number;
  /** What the four nodes counted over the ramp and the half-rate run (node-counts.ts), summed. */
  readonly nodeCounts: ReadonlyMap<string, number>;
  /** In the overload step, the most runnable and most queued transactions one node's pool held. */
  readonly overloadPool: { runnable: number; queued: number };
  readonly ordersCompletedPerS?: number;
  readonly settlementsPerS?: number;
  readonly hot?: readonly HotFunction[];
  readonly rows: readonly BenchRow[];
}

/** Ramp steps as fractions of the crypto limit, each held a few seconds, past the limit at the end. */
function rampOf(limitTps: number, seconds: number): RateStep[] {
  return [0.15, 0.3, 0.45, 0.6, 0.8, 1.0, 1.25].map((f) => ({
    txPerSecond: Math.round(f * limitTps),
    seconds,
  }));
}

/**
 * One suite, one workload, four validator processes: a step ramp to find the saturation point
 * (the highest step the network kept up with), then a fixed rate at half of it for latency. The
 * limit is measured in the same run before the nodes start: (signature verifications per
 * second of the suite on one core x cores) / validators, since every node verifies every
 * transaction and the four share this machine's cores.
 */
export async function runWorkloadBench(
  suiteId: SuiteId,
  workload: WorkloadName,
  options: {
    stepSeconds?: number;
    cpuProfile?: boolean;
    cpuProfileNodes?: number;
    nodeConfig?: Readonly<Record<string, unknown>>;
  } = {},
): Promise<WorkloadBench> {
  const suite = getSuite(suiteId);
  const limitTps = (verifyRate(suite) * cpus().length) / VALIDATORS;
  const executionTps = (await runExecutionBench(suiteId, 10_000))[0]?.value ?? Number.NaN;
  const profiles = options.cpuProfile ? new CpuProfiles(`${suiteId}-${workload}`) : undefined;
  const parties = workload === "transfer" ? transferParties() : marketingParties();
  const counting = new CountingFetch();
  const net = await startBenchNetwork({
    suiteId,
    parties,
    validators: VALIDATORS,
    fetch: counting.fetch,
    ...(profiles ? { cpuProfileDir: profiles.dir, cpuProfileNodes: options.cpuProfileNodes ?? 1 } : {}),
    ...(options.nodeConfig ? { nodeConfig: options.nodeConfig } : {}),
  });
  const observer = new CommitObserver();
  const submitter = new Submitter(net.clients, observer);
  let result: WorkloadBench;
  try {
    await observer.connect(net.urls[0] as string);
    const signer = new LoadSigner(suite);
    const ramp = rampOf(limitTps, options.stepSeconds ?? 4);
    let load: Workload & { prepare?: (n: number) => void; retire?: () => void };
    if (workload === "transfer") {
      load = new TransferWorkload(submitter, signer, suite, net.keys);
    } else {
      submitter.start();
      const setup = await seedMarketing(suite, net.keys, signer, submitter, observer, 7);
      load = new MarketingWorkload(setup, signer, submitter, observer);
    }
    load.prepare?.(ramp.reduce((n, s) => n + s.txPerSecond * s.seconds, 0));
    const dataDirs = net.nodes.map((n) => join(n.home, "data"));
    const diskBefore = dataDirs.reduce((a, d) => a + diskBytes(d), 0);
    const sampler = new ProcessSampler(net.nodes.map((n) => ({ name: n.name, pid: n.pid })));
    const p2pBefore = await p2pSentBytes(net.urls);
    const submitBefore = counting.bodyBytes;
    const counts = new NodeCountReader(net.urls);
    await counts.start();
    sampler.start();
    const pools = new PoolSampler(net.urls);
    pools.start();
    const timings = new NodeTimingReader(net.urls);
    await timings.start();
    const rampRun = await runLoad(load, ramp, submitter, observer);
    const rampTimings = await timings.stop();
    pools.stop();
    // What the ramp left unadmitted is given up, so the half-rate run starts on a drained chain
    // (the marketing ramp's orders would otherwise go on offering their next steps into it).
    load.retire?.();
    const abandoned = submitter.abandon();
    await observer.until(() => submitter.backlog === 0, 60_000);
    signer.resync((h) => observer.committedAt.has(h));
    const overload = rampRun.steps.at(-1);
    const halfRate = Math.max(20, Math.round((rampRun.saturationTps ?? rampRun.committedTps) / 2));
    load.prepare?.(halfRate * 8);
    await timings.start();
    const halfRun = await runLoad(load, [{ txPerSecond: halfRate, seconds: 8 }], submitter, observer);
    const halfTimings = await timings.stop();
    const processes = sampler.stop();
    const nodeCounts = await counts.stop();
    const committed = rampRun.committed + halfRun.committed;
    const p2pBytesPerTx = ((await p2pSentBytes(net.urls)) - p2pBefore) / Math.max(1, committed);
    const submitBytesPerTx = (counting.bodyBytes - submitBefore) / Math.max(1, committed);
    const refused = [...submitter.refusals.values()].reduce((a, n) => a + n, 0);
    const cpuMsPerTx = (processes.reduce((a, p) => a + p.cpuSeconds, 0) * 1000) / Math.max(1, committed);
    const diskBytesPerTx =
      (dataDirs.reduce((a, d) => a + diskBytes(d), 0) - diskBefore) / VALIDATORS / Math.max(1, committed);
    const spanS = rampRun.durationS + halfRun.durationS;
    const blocks = observer.blocks;
    const ordersCompletedPerS =
      workload === "marketing" ? blocks.reduce((a, b) => a + b.completions, 0) / spanS : undefined;
    const settlementsPerS =
      workload === "marketing" ? blocks.reduce((a, b) => a + b.settlements, 0) / spanS : undefined;
    result = {
      suiteId,
      workload,
      limitTps,
      executionTps,
      ramp: rampRun,
      half: halfRun,
      abandoned,
      rampTimings,
      halfTimings,
      processes,
      diskBytesPerTx,
      cpuMsPerTx,
      p2pBytesPerTx,
      submitBytesPerTx,
      refusedPerTx: refused / Math.max(1, committed),
      nodeCounts,
      overloadPool: overload ? pools.peak(overload.fromMs, overload.toMs) : { runnable: 0, queued: 0 },
      ...(ordersCompletedPerS === undefined ? {} : { ordersCompletedPerS }),
      ...(settlementsPerS === undefined ? {} : { settlementsPerS }),
      rows: [],
    };
  } finally {
    submitter.stop();
    observer.close();
    await net.stop();
  }
  const hot = profiles?.collect();
  return { ...result, ...(hot ? { hot } : {}), rows: rowsOf({ ...result, ...(hot ? { hot } : {}) }) };
}

function rowsOf(b: Omit<WorkloadBench, "rows">): BenchRow[] {
  const label = `4 validators ${b.suiteId} ${b.workload}`;
  const sat = b.ramp.saturationTps;
  const refusals = [...b.ramp.refusals].map(([code, n]) => `${code}×${n}`).join(" ");
  const worst = b.ramp.steps.at(-1);
  const rows: BenchRow[] = [
    {
      name: `${label}: committed tx/s, ramp to ${worst?.txPerSecond ?? 0} tx/s (${b.ramp.committed}/${b.ramp.submitted} committed, ${b.ramp.succeeded} OK${[...b.ramp.failures].map(([c, n]) => ` ${c}×${n}`).join("")}${refusals ? `; refused ${refusals}` : ""}; ${b.abandoned} unadmitted after the drain given up)`,
      value: b.ramp.committedTps,
      unit: "tx/s",
      reference: b.limitTps,
      limit: "verify/s x cores / validators",
      ratio: b.ramp.committedTps / b.limitTps,
    },
    {
      name: `${label}: committed tx/s beside single-core execution-only throughput`,
      value: b.ramp.committedTps,
      unit: "tx/s",
      reference: b.executionTps,
      limit: "execution only, one core",
      ratio: b.ramp.committedTps / b.executionTps,
    },
    {
      name: `${label}: saturation point (highest step kept up with: >= 95 % of its rate committed over a window as long as the step, one median latency of its transactions later)`,
      value: sat ?? 0,
      unit: "tx/s",
      reference: b.limitTps,
      limit: "verify/s x cores / validators",
      ratio: (sat ?? 0) / b.limitTps,
    },
    ...b.ramp.steps.map((s) => ({
      name: `${label}:   step ${s.txPerSecond} tx/s offered: committed over the step's length ${Math.round(s.lagMs)} ms (its median latency) later (within the step ${Math.round(s.committedInStepTps)}; p99 from admission ${Math.round(s.p99Ms)} ms, from first try ${Math.round(s.latency.p99Ms.fromFirstTry)} ms)`,
      value: s.committedTps,
      unit: "tx/s",
      reference: s.txPerSecond,
      ratio: s.committedTps / s.txPerSecond,
    })),
    {
      name: `${label}: success rate at half saturation (${b.half.submitted} offered, ${b.half.committed} committed)`,
      value: (100 * b.half.succeeded) / Math.max(1, b.half.submitted),
      unit: "%",
    },
    {
      name: `${label}: latency p50 at half saturation (${b.half.steps[0]?.txPerSecond} tx/s)`,
      value: b.half.latencyMs.p50,
      unit: "ms",
    },
    { name: `${label}: latency p95 at half saturation`, value: b.half.latencyMs.p95, unit: "ms" },
    {
      name: `${label}: latency p99 at half saturation`,
      value: b.half.latencyMs.p99,
      unit: "ms",
      reference: 1000,
      limit: "<= 1000 ms",
      ratio: b.half.latencyMs.p99 / 1000,
    },
    ...latencyRows(`${label}: half saturation`, b.half.latency),
    {
      name: `${label}: latency p99 in the overload step (${worst?.txPerSecond} tx/s), from admission`,
      value: worst?.p99Ms ?? 0,
      unit: "ms",
      reference: 5000,
      limit: "<= 5000 ms",
      ratio: (worst?.p99Ms ?? 0) / 5000,
    },
    ...(worst ? latencyRows(`${label}: overload step`, worst.latency) : []),
    {
      name: `${label}: nodes' CPU time per committed tx (4 nodes together, ramp and half rate)`,
      value: b.cpuMsPerTx,
      unit: "ms",
    },
    gcRow(label, b),
    {
      name: `${label}: p2p bytes sent per committed tx (4 nodes together, frames before TLS)`,
      value: b.p2pBytesPerTx,
      unit: "B",
    },
    {
      name: `${label}: submit request bytes per committed tx (load generator to the nodes)`,
      value: b.submitBytesPerTx,
      unit: "B",
    },
    {
      name: `${label}: refused submissions per committed tx (each refused try counts)`,
      value: b.refusedPerTx,
      unit: "tries",
    },
    {
      name: `${label}: what the 4 nodes counted, per committed tx (ramp and half rate): ${perCommittedTx(b.nodeCounts, b.ramp.committed + b.half.committed).join("; ")}`,
      value: b.ramp.committed + b.half.committed,
      unit: "txs",
    },
    {
      name: `${label}: pool in the overload step, most runnable on one node (queued behind a gap: ${b.overloadPool.queued})`,
      value: b.overloadPool.runnable,
      unit: "txs",
    },
    { name: `${label}: block interval (mean, under load)`, value: b.ramp.blockIntervalMs, unit: "ms" },
    heightRow(`${label}: ramp`, b.rampTimings),
    heightRow(`${label}: half saturation`, b.halfTimings),
    { name: `${label}: txs per non-empty block`, value: b.ramp.txsPerBlock, unit: "txs" },
    { name: `${label}: tx bytes per non-empty block`, value: b.ramp.blockBytes, unit: "B" },
    {
      name: `${label}: disk bytes per committed tx (per node)`,
      value: b.diskBytesPerTx,
      unit: "B",
      reference: 1024,
      limit: "<= 1 KB",
      ratio: b.diskBytesPerTx / 1024,
    },
    ...b.processes.map((p) => ({
      name: `${label}: ${p.name} CPU (mean)`,
      value: p.cpuPercent,
      unit: "% core",
    })),
    ...b.processes.map((p) => peakRssRow(`${label}: ${p.name}`, p)),
  ];
  if (b.ordersCompletedPerS !== undefined)
    rows.push({
      name: `${label}: orders completed per second (${TXS_PER_ORDER.toFixed(2)} txs per order)`,
      value: b.ordersCompletedPerS,
      unit: "orders/s",
    });
  if (b.settlementsPerS !== undefined)
    rows.push({ name: `${label}: commissions settled per second`, value: b.settlementsPerS, unit: "/s" });
  return rows;
}

/**
 * Where committed transactions' time went (means, which add up to the mean latency from the
 * offer), and their p99 counted from the first try (a user's wait, refusals and retries in it)
 * and from the offer (the client's own queue in it too).
 */
function latencyRows(label: string, l: LatencySummary): BenchRow[] {
  const m = l.meanMs;
  return [
    {
      name: `${label}: p99 from first try (a user's wait, retries in it); from the offer ${Math.round(l.p99Ms.fromOffer)} ms`,
      value: l.p99Ms.fromFirstTry,
      unit: "ms",
    },
    {
      name: `${label}: mean ms held by the client ${Math.round(m.client)}, refused and retried ${Math.round(m.retries)}, queued behind its sender's earlier nonce ${Math.round(m.gap)}, then pool to commit`,
      value: m.chain,
      unit: "ms",
    },
  ];
}

/** The nodes' garbage-collection pauses per committed tx, by kind of collection (their own figures). */
function gcRow(label: string, b: Omit<WorkloadBench, "rows">): BenchRow {
  const kinds = new Map<string, number>();
  for (const t of [b.rampTimings, b.halfTimings])
    for (const [key, { ms, count }] of t.means)
      if (key.startsWith("gc/") && count > 0)
        kinds.set(key.slice(3), (kinds.get(key.slice(3)) ?? 0) + ms * count);
  const committed = Math.max(1, b.ramp.committed + b.half.committed);
  const total = [...kinds.values()].reduce((a, ms) => a + ms, 0);
  const parts = [...kinds].map(([kind, ms]) => `${kind} ${(ms / committed).toFixed(3)}`).join(", ");
  return {
    name: `${label}: nodes' garbage-collection time per committed tx (4 nodes together, ms: ${parts || "no figure"})`,
    value: total / committed,
    unit: "ms",
  };
}

/** What a height waited for, by the nodes' own timings (means over every node and height). */
function heightRow(label: string, t: NodeTimings): BenchRow {
  const ms = (key: string) => Math.round(t.means.get(key)?.ms ?? Number.NaN);
  const steps = ["step/propose", "step/prevote", "step/precommit"];
  return {
    name: `${label}: a round's steps, mean ms: propose ${ms("step/propose")} (the proposer waits ${ms("proposal/wait")}, builds ${ms("proposal/build")}), prevote ${ms("step/prevote")}, precommit ${ms("step/precommit")}; block stages execute ${ms("stage/execute")}, state tree ${ms("stage/stateTree")}, fsync ${ms("stage/fsync")}`,
    value: steps.reduce((a, k) => a + (t.means.get(k)?.ms ?? 0), 0),
    unit: "ms",
  };
}

export interface StormBench {
  readonly orders: number;
  readonly drainS: number;
  readonly completions: number;
  readonly worstBlockIntervalMs: number;
  readonly blocks: number;
  /** Each block of the drain: height, the interval before it, completions, txs and its commit round. */
  readonly stormBlocks: ReadonlyArray<{
    height: number;
    intervalMs: number;
    completions: number;
    txs: number;
    round: number;
  }>;
  /** Each node's CPU time over the drain, per block of it. */
  readonly cpuMsPerBlock: readonly number[];
  readonly rows: readonly BenchRow[];
}

/** The round each height was committed in (its certificate's), from one node's API. */
async function commitRounds(url: string, heights: readonly number[]): Promise<number[]> {
  return Promise.all(
    heights.map(async (height) => {
      const response = await fetch(`${url}/v1/blocks/${height}`);
      const block = (await response.json()) as { commit: { round: number } | null };
      return block.commit?.round ?? -1;
    }),
  );
}

/**
 * The completion storm: `orders` baskets (1-3 orders each) paid and shipped, then all delivered at once with no
 * return window, so every one of them falls due together and the end-of-block hook completes
 * and settles them (at most 256 per block, the rest in the next). Figures: the time to drain,
 * and the worst interval between blocks meanwhile (an upper bound on each block's execution).
 */
export async function runCompletionStorm(suiteId: SuiteId, orders = 5_000): Promise<StormBench> {
  const suite = getSuite(suiteId);
  const net = await startBenchNetwork({ suiteId, parties: marketingParties(), validators: VALIDATORS });
  const observer = new CommitObserver();
  const submitter = new Submitter(net.clients, observer, Number.POSITIVE_INFINITY);
  try {
    await observer.connect(net.urls[0] as string);
    const signer = new LoadSigner(suite);
    submitter.start();
    const setup = await seedMarketing(suite, net.keys, signer, submitter, observer, 0);
    const load = new MarketingWorkload(setup, signer, submitter, observer, "shipped");
    load.createOrders(orders);
    if (!(await observer.until(() => load.countAt("shipped") === orders, 600_000)))
      throw new Error(`completion storm: only ${load.countAt("shipped")} of ${orders} orders shipped`);
    // A basket of n lines is n orders on the chain, each completed and settled on its own.
    const lines = load.linesAt("shipped");
    const before = observer.blocks.length;
    const released = performance.now();
    const completionsBefore = observer.blocks.reduce((a, b) => a + b.completions, 0);
    const sampler = new ProcessSampler(net.nodes.map((n) => ({ name: n.name, pid: n.pid })));
    sampler.start();
    load.releaseAll("shipped", "delivered");
    const completed = () => observer.blocks.reduce((a, b) => a + b.completions, 0) - completionsBefore;
    await observer.until(() => completed() >= lines, 600_000);
    const processes = sampler.stop();
    const storm = observer.blocks.slice(before);
    const lastCompletion = [...storm].reverse().find((b) => b.completions > 0)?.seenAtMs ?? released;
    const gaps = storm.slice(1).map((b, i) => b.seenAtMs - (storm[i] as (typeof storm)[number]).seenAtMs);
    const drainS = (lastCompletion - released) / 1000;
    const worst = Math.max(0, ...gaps);
    const rounds = await commitRounds(
      net.urls[0] as string,
      storm.map((b) => b.height),
    );
    const stormBlocks = storm.map((b, i) => ({
      height: b.height,
      intervalMs: i === 0 ? 0 : (gaps[i - 1] as number),
      completions: b.completions,
      txs: b.txs,
      round: rounds[i] as number,
    }));
    const cpuMsPerBlock = processes.map((p) => (p.cpuSeconds * 1000) / Math.max(1, storm.length));
    const worstAt = stormBlocks.find((b) => b.intervalMs === worst);
    const label = `4 validators ${suiteId} completion storm, ${orders} baskets (${lines} orders) due at once`;
    return {
      orders,
      drainS,
      completions: completed(),
      worstBlockIntervalMs: worst,
      blocks: storm.length,
      stormBlocks,
      cpuMsPerBlock,
      rows: [
        {
          name: `${label}: time to drain (${completed()} completed in ${storm.length} blocks)`,
          value: drainS,
          unit: "s",
        },
        {
          name: `${label}: completions per second`,
          value: completed() / Math.max(0.001, drainS),
          unit: "/s",
        },
        {
          name: `${label}: worst block interval (bounds execution; height ${worstAt?.height}, ${worstAt?.completions} completions, ${worstAt?.txs} txs, round ${worstAt?.round})`,
          value: worst,
          unit: "ms",
          reference: 1000,
          limit: "execution <= 1000 ms",
          ratio: worst / 1000,
        },
        {
          name: `${label}: median block interval (blocks not in round 0: ${stormBlocks.filter((b) => b.round > 0).length})`,
          value: quantile(gaps, 0.5),
          unit: "ms",
        },
        ...processes.map((p, i) => ({
          name: `${label}: ${p.name} CPU time per block of the drain`,
          value: cpuMsPerBlock[i] as number,
          unit: "ms",
        })),
      ],
    };
  } finally {
    // Its flush timer would keep the bench process alive after the report.
    submitter.stop();
    observer.close();
    await net.stop();
  }
}
