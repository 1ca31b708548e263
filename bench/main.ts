import { join } from "node:path";
import { parseArgs } from "node:util";
import type { SuiteId } from "../src/crypto/suite.js";
import { RECOMMENDED_KEEP_HEIGHTS } from "../src/node/state-pruner.js";
import { runCompletionStorm, runWorkloadBench, type WorkloadBench } from "./business.js";
import { runCatchUpBench } from "./catchup.js";
import { runCodecBench } from "./codec.js";
import { runCryptoBench } from "./crypto.js";
import { runExecutionBench } from "./execution.js";
import { runFootprintBench } from "./footprint.js";
import { runNetworkBench } from "./network.js";
import { runNodeBench } from "./node.js";
import { runScalingBench } from "./scaling.js";
import { runSnapshotBench } from "./snapshot.js";
import { runStormExecutionBench } from "./storm-execution.js";
import { type BenchRow, formatTable, printTable } from "./table.js";
import type { HotFunction } from "./workload/cpu-profile.js";
import { htmlReport, writeReport } from "./workload/report.js";

const PARTS = [
  "crypto",
  "codec",
  "execution",
  "node",
  "network",
  "transfer",
  "marketing",
  "storm",
  "scaling",
  "catchup",
  "footprint",
  "snapshot",
] as const;
/** Long parts, and analyses, that run only when named. */
const ON_REQUEST = new Set(["scaling", "catchup", "footprint", "snapshot"]);

/** `--node-config`: a JSON object of node config keys (the node's own schema checks them at start). */
function nodeConfigOf(json: string): Record<string, unknown> {
  const parsed: unknown = JSON.parse(json);
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))
    throw new Error(`--node-config must be a JSON object of config.json keys, got ${json}`);
  return parsed as Record<string, unknown>;
}

/**
 * `npm run bench [-- PART ...] [--suites sm,ecdsa-p256] [--step-seconds N] [--storm-orders N]
 * [--scaling-orders 10000,1000000] [--catchup-blocks N] [--catchup-txs N] [--verify-workers N] [--footprint-orders N]
 * [--footprint-block-txs N] [--footprint-keep-heights N,...] [--snapshot-accounts N] [--snapshot-repo DIR]
 * [--node-config JSON] [--cpu-prof] [--cpu-prof-nodes N]` (`scaling`, `catchup`, `footprint` and `snapshot` run only when named):
 * every figure beside the limit or reference it is measured against, as a table, and the
 * business workloads also as bench/out/report.json and report.html (throughput and latency
 * over time).
 */
async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      suites: { type: "string", default: "sm,ecdsa-p256" },
      "step-seconds": { type: "string", default: "4" },
      // Baskets of 1-3 lines: 5,000 of them are 9,999 orders on the chain.
      "storm-orders": { type: "string", default: "5000" },
      "cpu-prof": { type: "boolean", default: false },
      // How many of the business workloads' nodes --cpu-prof profiles (node1 first).
      "cpu-prof-nodes": { type: "string", default: "1" },
      "scaling-orders": { type: "string", default: "10000,1000000" },
      "catchup-blocks": { type: "string", default: "50000" },
      "catchup-txs": { type: "string", default: "8" },
      // The syncing node's verification worker threads in `catchup` (by default the node's own).
      "verify-workers": { type: "string" },
      "footprint-orders": { type: "string", default: "2000" },
      "footprint-block-txs": { type: "string", default: "300" },
      "footprint-keep-heights": { type: "string" },
      "snapshot-accounts": { type: "string", default: "300000" },
      // JSON keys merged into every validator's config.json in `transfer` and `marketing`
      // (an A/B of a node setting, e.g. '{"heapGrowthPercent":100}').
      "node-config": { type: "string" },
      /** Another checkout whose built CLI the snapshot part measures (an A/B of two commits). */
      "snapshot-repo": { type: "string" },
      out: { type: "string", default: join(new URL("../../bench/out/", import.meta.url).pathname) },
    },
  });
  const unknown = positionals.filter((p) => !(PARTS as readonly string[]).includes(p));
  if (unknown.length > 0)
    throw new Error(`unknown bench part ${unknown.join(", ")}; parts: ${PARTS.join(" ")}`);
  const wanted = (part: (typeof PARTS)[number]) =>
    positionals.includes(part) || (positionals.length === 0 && !ON_REQUEST.has(part));
  const suites = values.suites.split(",") as SuiteId[];
  const rows: BenchRow[] = [];
  if (wanted("crypto")) {
    console.log("crypto suites…");
    rows.push(...(await runCryptoBench()));
  }
  if (wanted("codec")) {
    console.log("codec…");
    rows.push(...runCodecBench());
  }
  for (const suite of wanted("execution") ? suites : []) {
    console.log(`execution only (${suite})…`);
    rows.push(...(await runExecutionBench(suite)));
    console.log(`execution only (${suite}), completion storm…`);
    const storm = await runStormExecutionBench(suite, Number(values["storm-orders"]), {
      cpuProfile: values["cpu-prof"],
    });
    rows.push(...storm.rows);
    if (storm.hot) printHot(`this process (${suite} execution-only storm: deliveries and drain)`, storm.hot);
  }
  for (const suite of wanted("node") ? suites : []) {
    console.log(`single validator (${suite})…`);
    rows.push(...(await runNodeBench(suite)));
  }
  for (const suite of wanted("network") ? suites : []) {
    console.log(`four validators (${suite})…`);
    // A light load for latency, then more than the network can take, for throughput.
    rows.push(...(await runNetworkBench(suite, 200)));
    rows.push(...(await runNetworkBench(suite, 3000, 6)));
  }
  const business: WorkloadBench[] = [];
  for (const workload of (["transfer", "marketing"] as const).filter(wanted)) {
    for (const suite of suites) {
      console.log(`four validators (${suite}), ${workload} workload…`);
      const run = await runWorkloadBench(suite, workload, {
        stepSeconds: Number(values["step-seconds"]),
        cpuProfile: values["cpu-prof"],
        cpuProfileNodes: Number(values["cpu-prof-nodes"]),
        ...(values["node-config"] === undefined ? {} : { nodeConfig: nodeConfigOf(values["node-config"]) }),
      });
      business.push(run);
      rows.push(...run.rows);
      const profiled = Number(values["cpu-prof-nodes"]) > 1 ? `nodes 1-${values["cpu-prof-nodes"]}` : "node1";
      if (run.hot) printHot(`${profiled} (${suite} ${workload})`, run.hot);
    }
  }
  const storms = [];
  if (wanted("storm")) {
    const suite = suites.includes("ecdsa-p256") ? "ecdsa-p256" : (suites[0] as SuiteId);
    console.log(`completion storm (${suite})…`);
    const storm = await runCompletionStorm(suite, Number(values["storm-orders"]));
    storms.push(storm);
    rows.push(...storm.rows);
  }
  for (const suite of wanted("scaling") ? suites : []) {
    console.log(`state-size scaling (${suite})…`);
    rows.push(...(await runScalingBench(suite, values["scaling-orders"].split(",").map(Number))));
  }
  for (const suite of wanted("catchup") ? suites : []) {
    console.log(`catch-up (${suite})…`);
    const live = business.find((b) => b.suiteId === suite && b.workload === "transfer")?.ramp;
    const run = await runCatchUpBench(suite, {
      blocks: Number(values["catchup-blocks"]),
      txsPerBlock: Number(values["catchup-txs"]),
      ...(values["verify-workers"] === undefined ? {} : { verifyWorkers: Number(values["verify-workers"]) }),
      ...(live ? { live: { txPerSecond: live.committedTps, blockIntervalMs: live.blockIntervalMs } } : {}),
      cpuProfile: values["cpu-prof"],
    });
    rows.push(...run.rows);
    if (run.hot) printHot(`the syncing node (${suite} catch-up)`, run.hot);
  }
  const keeps = (values["footprint-keep-heights"] ?? `0,${RECOMMENDED_KEEP_HEIGHTS}`).split(",").map(Number);
  for (const suite of wanted("footprint") ? suites : []) {
    for (const keepHeights of keeps) {
      console.log(`disk and memory of the marketing workload (${suite}, keep ${keepHeights} roots)…`);
      rows.push(
        ...(await runFootprintBench(
          suite,
          Number(values["footprint-orders"]),
          Number(values["footprint-block-txs"]),
          keepHeights,
        )),
      );
    }
  }
  if (wanted("snapshot")) {
    const accounts = Number(values["snapshot-accounts"]);
    console.log(`snapshot and restore memory (${accounts} accounts)…`);
    rows.push(
      ...(await runSnapshotBench({
        accounts,
        ...(values["snapshot-repo"] === undefined ? {} : { repo: values["snapshot-repo"] }),
      })),
    );
  }
  console.log("");
  printTable(rows);
  if (business.length > 0 || storms.length > 0) {
    const html = htmlReport(
      "MarketLedger benchmark",
      business.flatMap((b) => [
        { title: `${b.suiteId} ${b.workload}: ramp`, series: b.ramp.series },
        { title: `${b.suiteId} ${b.workload}: half saturation`, series: b.half.series },
      ]),
      formatTable(rows),
    );
    const paths = writeReport(values.out, { rows, business, storms }, html);
    console.log(`\nreport: ${paths.json}\n        ${paths.html}`);
  }
}

function printHot(whose: string, hot: readonly HotFunction[]): void {
  console.log(`\nCPU profile of ${whose}, top functions by self time:`);
  for (const f of hot)
    console.log(
      `  ${f.selfPercent.toFixed(1).padStart(5)} %  ${f.selfMs.toFixed(0).padStart(7)} ms  ${f.name}  ${f.where}`,
    );
}

await main();
