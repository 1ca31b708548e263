/**
 * The simulator from the command line:
 *   tsx src/consensus/sim/cli.ts [--seeds N] [--start S]   run N seeded schedules from S
 *   tsx src/consensus/sim/cli.ts --seed S                   replay one schedule with a step trace
 */
import { SimulationFailure } from "./checker.js";
import { LIVENESS_WINDOW_MS } from "./schedule.js";
import { runSchedule } from "./simulator.js";

const MAX_SEEDS = 1_000_000;

interface CliArgs {
  seeds: number;
  start: number;
  seed: number | null;
}

function parseArgs(argv: readonly string[]): CliArgs {
  const args: CliArgs = { seeds: 1000, start: 0, seed: null };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = Number(argv[i + 1]);
    if (flag === "--seeds" || flag === "--start" || flag === "--seed") {
      if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${flag} needs a non-negative integer`);
      i++;
      if (flag === "--seeds") args.seeds = Math.min(value, MAX_SEEDS);
      else if (flag === "--start") args.start = value;
      else args.seed = value;
    } else if (flag === "--help" || flag === "-h") {
      console.log("usage: sim [--seeds N] [--start S] | --seed S");
      process.exit(0);
    } else {
      throw new Error(`unknown argument ${flag}`);
    }
  }
  return args;
}

function main(): number {
  const args = parseArgs(process.argv.slice(2));
  if (args.seed !== null) {
    const result = runSchedule(args.seed, { trace: (line) => console.log(line) });
    console.log(
      `seed ${args.seed}: ok, ${result.heights} heights, ${result.simTimeMs} ms simulated, ${result.events} events`,
    );
    console.log(JSON.stringify(result.faults));
    return 0;
  }
  const started = performance.now();
  const totals = {
    heights: 0,
    events: 0,
    dropped: 0,
    duplicated: 0,
    partitions: 0,
    crashes: 0,
    byzantineNodes: 0,
  };
  const more = { byzantineMessages: 0, evidence: 0, validatorSetChanges: 0 };
  const failures: string[] = [];
  let slowestAfterGstMs = 0;
  for (let seed = args.start; seed < args.start + args.seeds; seed++) {
    try {
      const r = runSchedule(seed);
      totals.heights += r.heights;
      slowestAfterGstMs = Math.max(slowestAfterGstMs, r.afterGstMs);
      totals.events += r.events;
      for (const key of Object.keys(totals) as (keyof typeof totals)[]) {
        if (key in r.faults) totals[key] += r.faults[key as keyof typeof r.faults];
      }
      for (const key of Object.keys(more) as (keyof typeof more)[]) more[key] += r.faults[key];
    } catch (error) {
      if (!(error instanceof SimulationFailure)) throw error;
      failures.push(error.message);
      console.error(
        error.message,
        JSON.stringify(error.details, (_, v) => (typeof v === "bigint" ? String(v) : v)),
      );
    }
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`schedules run:     ${args.seeds} (seeds ${args.start}..${args.start + args.seeds - 1})`);
  console.log(`failures:          ${failures.length}`);
  console.log(`heights committed: ${totals.heights} (lowest height of all correct nodes, summed)`);
  console.log(
    `faults injected:   ${totals.dropped} drops, ${totals.duplicated} duplicates, ${totals.partitions} partitions, ` +
      `${totals.crashes} crashes, ${totals.byzantineNodes} Byzantine nodes sending ${more.byzantineMessages} messages, ` +
      `${more.evidence} evidence effects, ${more.validatorSetChanges} validator set changes`,
  );
  console.log(`events:            ${totals.events}`);
  console.log(
    `liveness:          slowest schedule took ${slowestAfterGstMs} ms simulated after GST (bound ${LIVENESS_WINDOW_MS})`,
  );
  console.log(`time:              ${seconds} s`);
  return failures.length === 0 ? 0 : 1;
}

process.exitCode = main();
