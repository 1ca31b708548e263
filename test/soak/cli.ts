// npm run soak -- [--minutes N] [--seed S]: the long run of the fault harness (test/soak/soak.ts):
// every kind of fault once, then faults drawn from the seed for N minutes.
import { parseArgs } from "node:util";
import { describeReport, runSoak, stopRunningSoaks } from "./soak.js";

const { values } = parseArgs({
  options: { minutes: { type: "string", default: "10" }, seed: { type: "string" } },
});
const minutes = Number(values.minutes);
const seed = Number(values.seed ?? Date.now() % 2 ** 31);
if (!(minutes >= 0) || !Number.isSafeInteger(seed)) {
  console.error("usage: npm run soak -- [--minutes N] [--seed S]");
  process.exit(2);
}
// Ctrl-C or a kill: the run's nodes, tmpfs and namespace go with it, not left for the next run.
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.once(signal, () => {
    console.log(`${signal}: stopping the soak (seed ${seed}) and removing all it holds`);
    void stopRunningSoaks().finally(() => process.exit(130));
  });
const report = await runSoak({ minutes, seed, print: (line) => console.log(line) });
console.log(describeReport(report));
console.log(`resume seconds per heal: ${report.resumeSeconds.map((s) => s.toFixed(1)).join(" ")}`);
for (const problem of report.problems) console.log(`PROBLEM ${problem}`);
if (report.problems.length > 0) {
  console.log(`replay: npm run soak -- --minutes ${minutes} --seed ${seed}`);
  process.exit(1);
}
