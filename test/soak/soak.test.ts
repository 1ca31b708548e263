import { describe, expect, it } from "vitest";
import { describeReport, runSoak } from "./soak.js";

/** The slice of the fault harness in npm test (a minute of faults, about 2.5 min with set-up and checks); `npm run soak -- --minutes N` runs longer. */
const SEED = Number(process.env.MKL_SOAK_SEED ?? Date.now() % 2 ** 31);

describe("the fault harness", () => {
  it(`keeps every acknowledged transaction, one chain and all money through kills and restarts (seed ${SEED})`, async () => {
    const report = await runSoak({ minutes: 1, seed: SEED, print: () => {} });
    console.log(describeReport(report));
    expect(report.problems, `replay: MKL_SOAK_SEED=${SEED} npx vitest run test/soak`).toEqual([]);
    // The schedule must have done something, or the checks prove nothing.
    expect(report.acknowledged).toBeGreaterThan(0);
    expect(Object.values(report.faults).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(2);
  }, 600_000);
});
