import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from "@fastify/rate-limit";

/**
 * The rate limiter's counters, timed on the monotonic clock. @fastify/rate-limit's own store
 * times its windows with the wall clock: when a node's clock is stepped back (NTP, an operator),
 * every window then open lasts as long as the step, and a client over its limit is refused, and
 * told to retry, for minutes (the fault harness saw 339 s after a 338 s step). Otherwise the same
 * counting: a fixed window per key from its first request; the least recently seen keys are
 * forgotten first once `maxKeys` are held.
 */
interface Window {
  count: number;
  startMs: number;
}

export function monotonicRateLimitStore(maxKeys: number): FastifyRateLimitStoreCtor {
  return class MonotonicRateLimitStore implements FastifyRateLimitStore {
    private readonly windows = new Map<string, Window>();
    private readonly windowMs: number;

    /** The plugin hands every store its (route's) options; this API's windows are numbers of ms. */
    constructor(options: object) {
      const windowMs = "timeWindow" in options ? options.timeWindow : undefined;
      if (typeof windowMs !== "number") throw new TypeError("the rate limit's timeWindow must be ms");
      this.windowMs = windowMs;
    }

    incr(
      key: string,
      callback: (error: Error | null, result?: { current: number; ttl: number }) => void,
    ): void {
      const now = performance.now();
      let window = this.windows.get(key);
      if (window === undefined || now - window.startMs >= this.windowMs) window = { count: 0, startMs: now };
      window.count++;
      // Most recently seen last, so the first key is the one to forget.
      this.windows.delete(key);
      this.windows.set(key, window);
      if (this.windows.size > maxKeys) this.windows.delete(this.windows.keys().next().value as string);
      callback(null, { current: window.count, ttl: Math.ceil(this.windowMs - (now - window.startMs)) });
    }

    child(routeOptions: object): FastifyRateLimitStore {
      return new MonotonicRateLimitStore(routeOptions);
    }
  };
}
