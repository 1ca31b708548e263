/** One reading of a node's pool: how many transactions could be reaped now, and how many wait for a gap. */
export interface PoolSample {
  readonly atMs: number;
  readonly node: number;
  readonly runnable: number;
  readonly queued: number;
}

/**
 * Reads every node's pool (/v1/mempool) twice a second, for the pool's runnable against queued
 * transactions during a load (a node that does not report them counts its whole pool as
 * runnable). Plain fetch, not the SDK, so that it reads an older node too (A/B runs).
 */
export class PoolSampler {
  readonly samples: PoolSample[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** Nodes without /v1/mempool. */
  private readonly statusOnly = new Set<string>();

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

  /**
   * /v1/mempool where the node has it: /v1/status builds every figure of the node's /metrics
   * each time, and at two reads a second per node that was a few percent of the nodes' CPU the
   * bench measures. An older node (a 404) is read through /v1/status from then on.
   */
  private async readPool(
    url: string,
  ): Promise<{ txs: number; runnable?: number; queued?: number } | undefined> {
    if (!this.statusOnly.has(url)) {
      const answer = await fetch(`${url}/v1/mempool`);
      if (answer.ok) return (await answer.json()) as { txs: number; runnable: number; queued: number };
      await answer.body?.cancel();
      if (answer.status !== 404) return undefined;
      this.statusOnly.add(url);
    }
    const status = (await (await fetch(`${url}/v1/status`)).json()) as {
      mempool?: { txs: number; runnable?: number; queued?: number };
    };
    return status.mempool;
  }

  private async sample(): Promise<void> {
    await Promise.all(
      this.urls.map(async (url, node) => {
        const atMs = performance.now();
        try {
          const pool = await this.readPool(url);
          if (pool === undefined) return;
          this.samples.push({ atMs, node, runnable: pool.runnable ?? pool.txs, queued: pool.queued ?? 0 });
        } catch {
          // A node busy past the request is a missing sample, not a failed run.
        }
      }),
    );
  }
}
