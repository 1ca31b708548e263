// npm run fuzz -- [--inputs N] [--seed S] [--only decoders|routes]: the long runs of
// test/fuzz/decoders.test.ts and test/fuzz/routes.test.ts.
import { parseArgs } from "node:util";
import { runFuzz } from "./fuzz.js";
import { fuzzedNode } from "./route-node.js";
import { runRouteFuzz } from "./routes.js";
import { buildTargets } from "./targets.js";

const { values } = parseArgs({
  options: {
    inputs: { type: "string", default: "1000000" },
    seed: { type: "string" },
    only: { type: "string" },
  },
});
const inputs = Number(values.inputs);
const seed = Number(values.seed ?? process.env.MKL_FUZZ_SEED ?? Date.now() % 2 ** 31);
const only = values.only;
if (
  !Number.isSafeInteger(inputs) ||
  inputs < 1 ||
  !Number.isSafeInteger(seed) ||
  !["decoders", "routes", undefined].includes(only)
) {
  console.error("usage: npm run fuzz -- [--inputs N] [--seed S] [--only decoders|routes]");
  process.exit(2);
}
let failed = false;
const replay = (what: string) => `replay: npm run fuzz -- --only ${what} --inputs ${inputs} --seed ${seed}`;

if (only !== "routes") {
  const started = performance.now();
  const report = runFuzz(buildTargets(), inputs, seed);
  const seconds = (performance.now() - started) / 1000;
  for (const [name, c] of Object.entries(report.byTarget)) {
    console.log(`${name.padEnd(20)} tried ${c.tried}  decoded ${c.decoded}  refused ${c.refused}`);
  }
  console.log(
    `decoders: ${inputs} inputs, seed ${seed}, ${seconds.toFixed(1)} s, ${report.failures.length} failures`,
  );
  for (const f of report.failures) console.log(`FAIL ${f.target} #${f.index}: ${f.problem}\n  ${f.inputHex}`);
  if (report.failures.length > 0) console.log(replay("decoders"));
  failed ||= report.failures.length > 0;
}

if (only !== "decoders") {
  const fuzzed = await fuzzedNode();
  const started = performance.now();
  const report = await runRouteFuzz(fuzzed.app, fuzzed.operations, inputs, seed);
  const seconds = (performance.now() - started) / 1000;
  await fuzzed.close();
  for (const [route, c] of Object.entries(report.byRoute)) {
    console.log(`${route.padEnd(56)} tried ${c.tried}  answered ${c.ok}  refused ${c.refused}`);
  }
  console.log(
    `routes: ${inputs} requests, seed ${seed}, ${seconds.toFixed(1)} s, ${report.failures.length} failures`,
  );
  for (const f of report.failures) console.log(`FAIL #${f.index}: ${f.problem}\n  ${f.request}`);
  if (report.failures.length > 0) console.log(replay("routes"));
  failed ||= report.failures.length > 0;
}
process.exit(failed ? 1 : 0);
