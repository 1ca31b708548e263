// npm run fuzz -- [--inputs N] [--from I] [--seed S] [--only decoders|routes]: the long runs of
// test/fuzz/decoders.test.ts and test/fuzz/routes.test.ts. Inputs I to I+N-1 of the seed's run:
// shards of one long run (--from 0, then --from N, ...) together are exactly the run of the whole.
import { parseArgs } from "node:util";
import { runFuzz } from "./fuzz.js";
import { fuzzedNode } from "./route-node.js";
import { runRouteFuzz } from "./routes.js";
import type { Progress, Shard } from "./shard.js";
import { buildTargets } from "./targets.js";

const { values } = parseArgs({
  options: {
    inputs: { type: "string", default: "1000000" },
    from: { type: "string", default: "0" },
    seed: { type: "string" },
    only: { type: "string" },
  },
});
const count = Number(values.inputs);
const from = Number(values.from);
const seed = Number(values.seed ?? process.env.MKL_FUZZ_SEED ?? Date.now() % 2 ** 31);
const only = values.only;
if (
  !Number.isSafeInteger(count) ||
  count < 1 ||
  !Number.isSafeInteger(from) ||
  from < 0 ||
  from + count > 2 ** 32 ||
  !Number.isSafeInteger(seed) ||
  !["decoders", "routes", undefined].includes(only)
) {
  console.error("usage: npm run fuzz -- [--inputs N] [--from I] [--seed S] [--only decoders|routes]");
  process.exit(2);
}
const shard: Shard = { seed, from, count };
let failed = false;
const replay = (what: string, index: number) =>
  `replay: npm run fuzz -- --only ${what} --seed ${seed} --from ${index} --inputs 1`;

/** A line every ~10 s: how far, how fast, failures so far, and where to resume. */
function progressLine(what: string, started: number): (progress: Progress) => void {
  return ({ done, failures }) => {
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `${what}: ${done}/${count} inputs (${from + done} of seed ${seed}), ${(done / seconds).toFixed(0)}/s, ` +
        `${failures} failures, ${seconds.toFixed(0)} s; to resume: --from ${from + done}`,
    );
  };
}

function summary(what: string, done: number, failures: number, started: number): string {
  const seconds = (performance.now() - started) / 1000;
  return (
    `${what}: ${done} inputs (${from} to ${from + done - 1}) of seed ${seed}, ${seconds.toFixed(1)} s, ` +
    `${(done / seconds).toFixed(0)}/s, ${failures} failures`
  );
}

if (only !== "routes") {
  const started = performance.now();
  const report = runFuzz(buildTargets(), shard, progressLine("decoders", started));
  for (const [name, c] of Object.entries(report.byTarget)) {
    console.log(`${name.padEnd(20)} tried ${c.tried}  decoded ${c.decoded}  refused ${c.refused}`);
  }
  console.log(summary("decoders", report.done, report.failures.length, started));
  for (const f of report.failures) {
    console.log(
      `FAIL ${f.target} #${f.index}: ${f.problem}\n  ${f.inputHex}\n  ${replay("decoders", f.index)}`,
    );
  }
  failed ||= report.failures.length > 0;
}

if (only !== "decoders") {
  const fuzzed = await fuzzedNode();
  const started = performance.now();
  const report = await runRouteFuzz(fuzzed.app, fuzzed.operations, shard, progressLine("routes", started));
  await fuzzed.close();
  for (const [route, c] of Object.entries(report.byRoute)) {
    console.log(`${route.padEnd(56)} tried ${c.tried}  answered ${c.ok}  refused ${c.refused}`);
  }
  console.log(summary("routes", report.done, report.failures.length, started));
  for (const f of report.failures) {
    console.log(`FAIL #${f.index}: ${f.problem}\n  ${f.request}\n  ${replay("routes", f.index)}`);
  }
  failed ||= report.failures.length > 0;
}
process.exit(failed ? 1 : 0);
