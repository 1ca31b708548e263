import { describe, expect, it } from "vitest";
import { describeReport, FAULT_KINDS, runSoak } from "./soak.js";

/**
 * The slice of the fault harness in npm test: every kind of fault once, in a seeded order (about
 * 2.5 min with set-up and checks); `npm run soak -- --minutes N` goes on drawing faults for N min.
 */
const SEED = Number(process.env.MKL_SOAK_SEED ?? Date.now() % 2 ** 31);

describe("the fault harness", () => {
  it(`keeps every acknowledged transaction, one chain and all money through every kind of fault (seed ${SEED})`, async () => {
    const report = await runSoak({ minutes: 0, seed: SEED, print: (line) => console.log(line) });
    console.log(describeReport(report));
    expect(report.problems, `replay: MKL_SOAK_SEED=${SEED} npx vitest run test/soak`).toEqual([]);
    // The schedule must have done something, or the checks prove nothing.
    expect(report.acknowledged).toBeGreaterThan(0);
    for (const kind of FAULT_KINDS) if (!(kind in report.skipped)) expect(report.faults[kind], kind).toBe(1);
    expect(report.hostileRefused).toBeGreaterThan(0);
    expect(report.rateLimited.address + report.rateLimited.signer).toBeGreaterThan(0);
  }, 600_000);
});
