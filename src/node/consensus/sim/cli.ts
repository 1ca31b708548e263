/**
 * `npm run sim`: either simulation from the command line.
 *   npm run sim -- [--seeds N] [--start S] | --seed S          the consensus core's (src/consensus/sim)
 *   npm run sim -- --engine [--seeds N] [--start S] [--suite ed25519] [--bug B]
 *   npm run sim -- --engine --seed S [--bug B]                 replay one engine schedule with a trace
 */
import type { EngineFault } from "../engine.js";
import { SimulationFailure } from "./checker.js";
import { type EngineFaultCounts, noFaultCounts, runEngineSchedule } from "./simulator.js";

const MAX_SEEDS = 1_000_000;
const BUGS: readonly EngineFault[] = ["sendBeforeWal", "acceptSwappedCertificate"];

interface EngineArgs {
  seeds: number;
  start: number;
  seed: number | null;
  signatures: "simulated" | "ed25519";
  bug: EngineFault | undefined;
}

function parseArgs(argv: readonly string[]): EngineArgs {
  const args: EngineArgs = { seeds: 200, start: 0, seed: null, signatures: "simulated", bug: undefined };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (flag === "--engine") continue;
    if (flag === "--seeds" || flag === "--start" || flag === "--seed") {
      const n = Number(value);
      if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${flag} needs a non-negative integer`);
      i++;
      if (flag === "--seeds") args.seeds = Math.min(n, MAX_SEEDS);
      else if (flag === "--start") args.start = n;
      else args.seed = n;
    } else if (flag === "--suite") {
      if (value !== "ed25519" && value !== "simulated") throw new Error("--suite is ed25519 or simulated");
      args.signatures = value;
      i++;
    } else if (flag === "--bug") {
      if (!BUGS.includes(value as EngineFault)) throw new Error(`--bug is one of ${BUGS.join(", ")}`);
      args.bug = value as EngineFault;
      i++;
    } else if (flag === "--help" || flag === "-h") {
      console.log(
        "usage: sim [--seeds N] [--start S] | --seed S   (the core)\n       sim --engine [--seeds N] [--start S] [--suite ed25519] [--bug B] | --engine --seed S",
      );
      process.exit(0);
    } else {
      throw new Error(`unknown argument ${flag}`);
    }
  }
  return args;
}

function runEngine(args: EngineArgs): number {
  const options = { signatures: args.signatures, ...(args.bug === undefined ? {} : { engineBug: args.bug }) };
  if (args.seed !== null) {
    try {
      const result = runEngineSchedule(args.seed, { ...options, trace: (line) => console.log(line) });
      console.log(
        `seed ${args.seed}: ok, ${result.heights} heights, ${result.simTimeMs} ms simulated, ${result.events} events`,
      );
      console.log(JSON.stringify(result.faults));
      return 0;
    } catch (error) {
      if (!(error instanceof SimulationFailure)) throw error;
      console.error(error.message);
      return 1;
    }
  }
  const started = performance.now();
  const totals: EngineFaultCounts = noFaultCounts();
  let heights = 0;
  let events = 0;
  let failures = 0;
  for (let seed = args.start; seed < args.start + args.seeds; seed++) {
    try {
      const r = runEngineSchedule(seed, options);
      heights += r.heights;
      events += r.events;
      for (const key of Object.keys(totals) as (keyof EngineFaultCounts)[]) totals[key] += r.faults[key];
    } catch (error) {
      if (!(error instanceof SimulationFailure)) {
        console.error(`seed ${seed} crashed the simulator; replay: npm run sim -- --engine --seed ${seed}`);
        throw error;
      }
      failures++;
      console.error(error.message);
    }
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `engine schedules run: ${args.seeds} (seeds ${args.start}..${args.start + args.seeds - 1}, ${args.signatures} signatures${args.bug ? `, bug ${args.bug}` : ""})`,
  );
  console.log(`failures:             ${failures}`);
  console.log(`heights committed:    ${heights} (lowest height of the honest nodes, summed)`);
  console.log(`faults injected:      ${JSON.stringify(totals)}`);
  console.log(`events:               ${events}`);
  console.log(`time:                 ${seconds} s`);
  return failures === 0 ? 0 : 1;
}

function engineMain(): number {
  let args: EngineArgs;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`sim: ${(error as Error).message}`);
    return 2;
  }
  return runEngine(args);
}

if (process.argv.includes("--engine")) process.exitCode = engineMain();
else await import("../../../consensus/sim/cli.js");
