import { readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { afterAll, describe, expect, it } from "vitest";
import { hasSoakNamespace } from "./lossy-host.js";
import { describeReport, FAULT_KINDS, runSoak, stopRunningSoaks } from "./soak.js";

/**
 * The slice of the fault harness in npm test: every kind of fault once, in a seeded order (about
 * 2.5 min with set-up and checks); `npm run soak -- --minutes N` goes on drawing faults for N min.
 */
const SEED = Number(process.env.MKL_SOAK_SEED ?? Date.now() % 2 ** 31);
/** The slice's own deadline, well inside the test's: its clean-up runs before vitest gives up on it. */
const DEADLINE_MS = 480_000;
const TEST_TIMEOUT_MS = 600_000;

afterAll(stopRunningSoaks);

describe("the fault harness", () => {
  it(
    `keeps every acknowledged transaction, one chain and all money through every kind of fault (seed ${SEED})`,
    async () => {
      const report = await runSoak({
        minutes: 0,
        seed: SEED,
        deadlineMs: DEADLINE_MS,
        print: (line) => console.log(line),
      });
      console.log(describeReport(report));
      expect(report.problems, `replay: MKL_SOAK_SEED=${SEED} npx vitest run test/soak`).toEqual([]);
      // The schedule must have done something, or the checks prove nothing.
      expect(report.acknowledged).toBeGreaterThan(0);
      for (const kind of FAULT_KINDS)
        if (!(kind in report.skipped)) expect(report.faults[kind], kind).toBe(1);
      expect(report.hostileRefused).toBeGreaterThan(0);
      // Both limits refused the payer off the allow-list, and it waited each out and committed.
      expect(report.rateLimited.address).toBeGreaterThan(0);
      expect(report.rateLimited.signer).toBeGreaterThan(0);
      // And it left nothing: no directory of this process's run (nodes' homes, the tmpfs in it), no namespace.
      expect(readdirSync(tmpdir()).filter((name) => name.startsWith(`mkl-soak-${process.pid}-`))).toEqual([]);
      expect(hasSoakNamespace()).toBe(false);
    },
    TEST_TIMEOUT_MS,
  );
});
