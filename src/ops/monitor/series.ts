import type { FigureJson } from "../../sdk/wire/index.js";

/** One time series of one node: a metric name and its labels, e.g. mkl_txs_rejected_total{code="X"}. */
export interface SeriesValue {
  readonly metric: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** The canonical key of a series: the name, then its labels sorted, as Prometheus prints them. */
export function seriesKey(metric: string, labels: Readonly<Record<string, string>>): string {
  const names = Object.keys(labels).sort();
  if (names.length === 0) return metric;
  return `${metric}{${names.map((n) => `${n}=${JSON.stringify(labels[n])}`).join(",")}}`;
}

/** The series of a node's /v1/status figures (histograms give their _sum and _count). */
export function seriesOfFigures(figures: Record<string, number | FigureJson[]>): SeriesValue[] {
  const out: SeriesValue[] = [];
  for (const [metric, figure] of Object.entries(figures)) {
    if (typeof figure === "number") {
      out.push({ metric, labels: {}, value: figure });
      continue;
    }
    for (const sample of figure) {
      const labels = Object.fromEntries(Object.entries(sample.labels).map(([k, v]) => [k, String(v)]));
      if (Number.isFinite(sample.value))
        out.push({ metric: sample.name ?? metric, labels, value: sample.value });
    }
  }
  return out;
}
