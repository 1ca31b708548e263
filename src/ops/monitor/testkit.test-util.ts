import { readFileSync } from "node:fs";
import type { StatusJson } from "../../sdk/client.js";
import type { HistoryPoint } from "./evaluate.js";
import { type SeriesValue, seriesKey, seriesOfFigures } from "./series.js";

/** A node's /v1/status recorded from a real node (src/ops/monitor/testdata/node-status.json). */
export const RECORDED_STATUS = JSON.parse(
  readFileSync(new URL("./testdata/node-status.json", import.meta.url), "utf8"),
) as StatusJson;

/** The recorded series of a node with some set (metric and labels) and the monitor's own added. */
export function recordedPoint(
  atMs: number,
  changes: readonly SeriesValue[] = [],
  options: { up?: boolean; lagBlocks?: number } = {},
): HistoryPoint {
  const up = options.up ?? true;
  const series = new Map<string, SeriesValue>();
  if (up) {
    for (const s of seriesOfFigures(RECORDED_STATUS.figures)) series.set(seriesKey(s.metric, s.labels), s);
    series.set("mkl_ops_lag_blocks", {
      metric: "mkl_ops_lag_blocks",
      labels: {},
      value: options.lagBlocks ?? 0,
    });
    for (const s of changes) series.set(seriesKey(s.metric, s.labels), s);
  }
  series.set("up", { metric: "up", labels: {}, value: up ? 1 : 0 });
  return { atMs, up, series };
}
