import { describe, expect, it } from "vitest";
import { runFuzz } from "./fuzz.js";
import { inputPrng } from "./shard.js";
import { buildTargets } from "./targets.js";

/** 20,000 seeded inputs over every decoder in CI; `npm run fuzz` runs a million. */
const SEED = Number(process.env.MKL_FUZZ_SEED ?? 20_261_201);

describe("every decoder of untrusted bytes", () => {
  const targets = buildTargets();

  it("decodes each target's seed input (the mutations start from something valid)", () => {
    for (const target of targets) expect(() => target.run(target.seed), target.name).not.toThrow();
  });

  it(`returns or throws a typed error on 20,000 seeded inputs, never crashes (seed ${SEED})`, () => {
    const report = runFuzz(targets, { seed: SEED, from: 0, count: 20_000 });
    expect(report.failures, `replay: npm run fuzz -- --only decoders --inputs 20000 --seed ${SEED}`).toEqual(
      [],
    );
    expect(report.done).toBe(20_000);
    // The generator must reach both outcomes on every target, or it is not testing the decoder.
    for (const [name, counts] of Object.entries(report.byTarget)) {
      expect(counts.refused, `${name} never refused`).toBeGreaterThan(0);
      expect(counts.decoded, `${name} never decoded`).toBeGreaterThan(0);
    }
  });

  it("splits a run into shards that together are the run of the whole", () => {
    const whole = runFuzz(targets, { seed: SEED, from: 0, count: 300 });
    const first = runFuzz(targets, { seed: SEED, from: 0, count: 170 });
    const rest = runFuzz(targets, { seed: SEED, from: 170, count: 130 });
    for (const [name, counts] of Object.entries(whole.byTarget)) {
      const a = first.byTarget[name]!;
      const b = rest.byTarget[name]!;
      expect([a.tried + b.tried, a.decoded + b.decoded, a.refused + b.refused], name).toEqual([
        counts.tried,
        counts.decoded,
        counts.refused,
      ]);
    }
    // Each index its own generator, not one shared: the same target's next input is drawn anew.
    const draws = (index: number) => {
      const prng = inputPrng(SEED, index);
      return [0, 1, 2, 3].map(() => prng.nextU32());
    };
    expect(draws(170)).not.toEqual(draws(170 + targets.length));
  });
});
