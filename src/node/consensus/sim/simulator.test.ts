import { describe, expect, it } from "vitest";
import { SimulationFailure } from "./checker.js";
import { runEngineSchedule } from "./simulator.js";

describe("engine simulator", () => {
  it("replays a seed exactly (one seed drives everything)", () => {
    const trace = (seed: number) => {
      const lines: string[] = [];
      const result = runEngineSchedule(seed, { trace: (line) => lines.push(line) });
      return { result, lines };
    };
    const a = trace(7);
    const b = trace(7);
    expect(b.result).toEqual(a.result);
    expect(b.lines).toEqual(a.lines);
    expect(a.lines.filter((line) => line.includes("committed")).length).toBeGreaterThan(10);
  });

  it("runs the same schedules on real Ed25519 signatures", () => {
    for (let seed = 0; seed < 3; seed++) {
      const result = runEngineSchedule(seed, { signatures: "ed25519" });
      expect(result.heights).toBeGreaterThan(0);
    }
  });

  it("a failure names its seed and the command that replays it", () => {
    // An engine that takes swapped certificates, under a relay that swaps them (broken.test.ts).
    let failure: SimulationFailure | undefined;
    for (let seed = 0; seed < 40 && failure === undefined; seed++) {
      try {
        runEngineSchedule(seed, {
          forceBehaviors: ["swapCertificate"],
          engineBug: "acceptSwappedCertificate",
        });
      } catch (error) {
        if (!(error instanceof SimulationFailure)) throw error;
        failure = error;
      }
    }
    expect(failure?.message).toMatch(
      /^seed \d+: .*\n {2}replay: npm run sim -- --engine --seed \d+ --bug acceptSwappedCertificate/,
    );
  });
});
