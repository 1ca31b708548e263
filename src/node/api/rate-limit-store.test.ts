import rateLimit from "@fastify/rate-limit";
import Fastify, { type FastifyInstance } from "fastify";
import { afterEach, describe, expect, it, vi } from "vitest";
import { until } from "../../until.test-util.js";
import { monotonicRateLimitStore } from "./rate-limit-store.js";

/** The API's rate-limit windows through the real plugin, while the wall clock is stepped back. */
async function limited(): Promise<FastifyInstance> {
  const app = Fastify();
  await app.register(rateLimit, { max: 3, timeWindow: 1_000, store: monotonicRateLimitStore(100) });
  app.get("/", async () => ({ ok: true }));
  return app;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("the monotonic rate-limit store", () => {
  it("counts a fixed window per client and says when it ends", async () => {
    const app = await limited();
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await app.inject({ method: "GET", url: "/" }));
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200, 429, 429]);
    expect(answers[3]?.headers["retry-after"]).toBe("1");
  });

  it("ends a window on time when the wall clock is stepped back 300 s", async () => {
    const app = await limited();
    for (let i = 0; i < 4; i++) await app.inject({ method: "GET", url: "/" });
    const now = Date.now();
    vi.spyOn(Date, "now").mockReturnValue(now - 300_000);
    const refused = await app.inject({ method: "GET", url: "/" });
    expect(refused.statusCode).toBe(429);
    // The plugin's own store would say 301 s here, and refuse for that long.
    expect(refused.headers["retry-after"]).toBe("1");
    await until(async () => (await app.inject({ method: "GET", url: "/" })).statusCode === 200, 5_000);
  });

  it("forgets the least recently seen client first once it holds its most", () => {
    const Store = monotonicRateLimitStore(2);
    const store = new Store({ timeWindow: 60_000 });
    const count = (key: string) => {
      let current = 0;
      store.incr(key, (_error, result) => {
        current = result?.current ?? 0;
      });
      return current;
    };
    expect([count("a"), count("b"), count("a"), count("c")]).toEqual([1, 1, 2, 1]);
    // b was seen least recently when c came: forgotten, it starts again; a is still counted.
    expect([count("a"), count("b")]).toEqual([3, 1]);
  });
});
