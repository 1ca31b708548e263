// npm run fuzz -- [--inputs N] [--seed S]: the long run of test/fuzz/decoders.test.ts.
import { parseArgs } from "node:util";
import { runFuzz } from "./fuzz.js";
import { buildTargets } from "./targets.js";

const { values } = parseArgs({
  options: { inputs: { type: "string", default: "1000000" }, seed: { type: "string" } },
});
const inputs = Number(values.inputs);
const seed = Number(values.seed ?? process.env.MKL_FUZZ_SEED ?? Date.now() % 2 ** 31);
if (!Number.isSafeInteger(inputs) || inputs < 1 || !Number.isSafeInteger(seed)) {
  console.error("usage: npm run fuzz -- [--inputs N] [--seed S]");
  process.exit(2);
}
const started = performance.now();
const report = runFuzz(buildTargets(), inputs, seed);
const seconds = (performance.now() - started) / 1000;
for (const [name, c] of Object.entries(report.byTarget)) {
  console.log(`${name.padEnd(20)} tried ${c.tried}  decoded ${c.decoded}  refused ${c.refused}`);
}
console.log(`${inputs} inputs, seed ${seed}, ${seconds.toFixed(1)} s, ${report.failures.length} failures`);
for (const f of report.failures) console.log(`FAIL ${f.target} #${f.index}: ${f.problem}\n  ${f.inputHex}`);
if (report.failures.length > 0) {
  console.log(`replay: npm run fuzz -- --inputs ${inputs} --seed ${seed}`);
  process.exit(1);
}
