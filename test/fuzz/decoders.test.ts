import { describe, expect, it } from "vitest";
import { runFuzz } from "./fuzz.js";
import { buildTargets } from "./targets.js";

/** 20,000 seeded inputs over every decoder in CI; `npm run fuzz` runs a million. */
const SEED = Number(process.env.MKL_FUZZ_SEED ?? 20_261_201);

describe("every decoder of untrusted bytes", () => {
  const targets = buildTargets();

  it("decodes each target's seed input (the mutations start from something valid)", () => {
    for (const target of targets) expect(() => target.run(target.seed), target.name).not.toThrow();
  });

  it(`returns or throws a typed error on 20,000 seeded inputs, never crashes (seed ${SEED})`, () => {
    const report = runFuzz(targets, 20_000, SEED);
    expect(report.failures, `replay: MKL_FUZZ_SEED=${SEED} npm run fuzz`).toEqual([]);
    // The generator must reach both outcomes on every target, or it is not testing the decoder.
    for (const [name, counts] of Object.entries(report.byTarget)) {
      expect(counts.refused, `${name} never refused`).toBeGreaterThan(0);
      expect(counts.decoded, `${name} never decoded`).toBeGreaterThan(0);
    }
  });
});
