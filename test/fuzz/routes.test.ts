import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FuzzedNode, fuzzedNode } from "./route-node.js";
import { isDocumentedRefusal, runRouteFuzz } from "./routes.js";

/** 20,000 seeded requests over every route in CI; `npm run fuzz -- --only routes` runs a million. */
const SEED = Number(process.env.MKL_FUZZ_SEED ?? 20_261_201);
let fuzzed: FuzzedNode;

beforeAll(async () => {
  fuzzed = await fuzzedNode();
});
afterAll(async () => fuzzed?.close());

describe("every API route", () => {
  it("knows the documented refusal from other shapes (the check can fail)", () => {
    expect(isDocumentedRefusal('{"error":{"code":"BAD_REQUEST","message":"x"}}')).toBe(true);
    expect(isDocumentedRefusal('{"statusCode":400,"error":"Bad Request","message":"x"}')).toBe(false);
    expect(isDocumentedRefusal('{"error":{"code":"X","message":"m","stack":"..."}}')).toBe(false);
    expect(isDocumentedRefusal("<html>")).toBe(false);
  });

  it(`answers 20,000 seeded requests with no 5xx and only documented refusals (seed ${SEED})`, async () => {
    expect(fuzzed.operations.length).toBeGreaterThan(20);
    const report = await runRouteFuzz(fuzzed.app, fuzzed.operations, { seed: SEED, from: 0, count: 20_000 });
    expect(report.failures, `replay: npm run fuzz -- --only routes --inputs 20000 --seed ${SEED}`).toEqual(
      [],
    );
    expect(report.done).toBe(20_000);
    // Every route was reached, and the generator got both answers and refusals overall.
    const counts = Object.entries(report.byRoute);
    for (const [route, c] of counts) expect(c.tried, route).toBeGreaterThan(0);
    expect(counts.filter(([, c]) => c.refused > 0).length).toBeGreaterThan(counts.length / 2);
    expect(counts.filter(([, c]) => c.ok > 0).length).toBeGreaterThan(counts.length / 2);
  }, 300_000);
});
