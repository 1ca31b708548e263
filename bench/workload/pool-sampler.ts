/** One reading of a node's pool: how many transactions could be reaped now, and how many wait for a gap. */
export interface PoolSample {
  readonly atMs: number;
  readonly node: number;
  readonly runnable: number;
  readonly queued: number;
}

/**
 * Reads every node's /v1/status twice a second, for the pool's runnable against queued
 * transactions during a load (a node that does not report them counts its whole pool as
 * runnable). Plain fetch, not the SDK, so that it reads an older node too (A/B runs).
 */
export class PoolSampler {
  readonly samples: PoolSample[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly urls: readonly string[]) {}

  start(): void {
    this.timer ??= setInterval(() => void this.sample(), 500);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The most runnable and the most queued one node held between two times. */
  peak(fromMs: number, toMs: number): { runnable: number; queued: number } {
    const within = this.samples.filter((s) => s.atMs >= fromMs && s.atMs < toMs);
    return {
      runnable: Math.max(0, ...within.map((s) => s.runnable)),
      queued: Math.max(0, ...within.map((s) => s.queued)),
    };
  }

  private async sample(): Promise<void> {
    await Promise.all(
      this.urls.map(async (url, node) => {
        const atMs = performance.now();
        try {
          const status = (await (await fetch(`${url}/v1/status`)).json()) as {
            mempool?: { txs: number; runnable?: number; queued?: number };
          };
          const pool = status.mempool;
          if (pool === undefined) return;
          this.samples.push({ atMs, node, runnable: pool.runnable ?? pool.txs, queued: pool.queued ?? 0 });
        } catch {
          // A node busy past the request is a missing sample, not a failed run.
        }
      }),
    );
  }
}
