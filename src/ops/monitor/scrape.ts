import { MarketLedgerClient, type StatusJson } from "../../sdk/client.js";
import { type SeriesValue, seriesOfFigures } from "./series.js";
import type { Target } from "./targets.js";

/** What one look at one node found: its figures, or why it could not be reached. */
export interface NodeSample {
  readonly target: Target;
  readonly atMs: number;
  readonly up: boolean;
  readonly error?: string;
  readonly status?: StatusJson;
  readonly series: SeriesValue[];
}

/** Reads a node's /v1/status (figures included) through the SDK, within `timeoutMs`. */
export async function scrapeNode(
  target: Target,
  timeoutMs: number,
  nowMs: () => number,
): Promise<NodeSample> {
  const client = new MarketLedgerClient(target.url, { timeoutMs });
  try {
    const status = await client.status();
    return { target, atMs: nowMs(), up: true, status, series: seriesOfFigures(status.figures ?? {}) };
  } catch (error) {
    return { target, atMs: nowMs(), up: false, error: (error as Error).message, series: [] };
  }
}

/**
 * The figures the monitor adds per node, from all nodes together: `up` (as Prometheus names it)
 * and `mkl_ops_lag_blocks`, how far a node is behind the highest node.
 */
export function withNetworkFigures(samples: readonly NodeSample[]): NodeSample[] {
  const heights = samples.flatMap((s) => (s.status === undefined ? [] : [Number(s.status.height)]));
  const best = heights.length === 0 ? 0 : Math.max(...heights);
  return samples.map((s) => ({
    ...s,
    series: [
      ...s.series,
      { metric: "up", labels: {}, value: s.up ? 1 : 0 },
      ...(s.status === undefined
        ? []
        : [{ metric: "mkl_ops_lag_blocks", labels: {}, value: best - Number(s.status.height) }]),
    ],
  }));
}
