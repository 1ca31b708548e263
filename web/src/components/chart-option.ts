import type { EChartsCoreOption } from "echarts/core";

// Options only (types from ECharts, no ECharts code): a page builds them before the chart loads.
export type ChartOption = EChartsCoreOption;

/** Axis clocks: the dashboard's hours of today, the statement's days. */
export const CLOCK = new Intl.DateTimeFormat(undefined, {
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});
export const DAY_CLOCK = new Intl.DateTimeFormat(undefined, {
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
});

/** A height's x-axis label: its block time, or "#height" when the node has no header for it (time 0). */
export function timeLabel(
  timeMs: bigint | string,
  height: bigint | string,
  clock: Intl.DateTimeFormat,
): string {
  return BigInt(timeMs) > 0n ? clock.format(Number(timeMs)) : `#${height}`;
}

/** Fen as yuan for a chart axis: a float only for drawing, never for money kept or compared. */
function yuanForChart(fen: bigint): number {
  return Number(fen) / 100;
}

export interface YuanSeries {
  name: string;
  type: "line" | "bar";
  values: readonly bigint[];
  /** A running total steps at each entry rather than sloping between them. */
  step?: boolean;
}

/** The console's one chart shape: categories along x, amounts of fen in yuan up y, a legend on top. */
export function yuanChartOption(
  categories: readonly string[],
  series: readonly YuanSeries[],
  rotateLabels = false,
): ChartOption {
  return chartOption(categories, series, { name: "¥", whole: false }, yuanForChart, rotateLabels);
}

/** The same shape for counts (units, anomalies): whole numbers up y, named by `unit`. */
export function countChartOption(
  categories: readonly string[],
  series: readonly YuanSeries[],
  unit: string,
): ChartOption {
  return chartOption(categories, series, { name: unit, whole: true }, Number);
}

function chartOption(
  categories: readonly string[],
  series: readonly YuanSeries[],
  axis: { name: string; whole: boolean },
  toNumber: (v: bigint) => number,
  rotateLabels = false,
): ChartOption {
  return {
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 56, right: 16, top: 40, bottom: rotateLabels ? 48 : 32 },
    xAxis: { type: "category", data: categories, ...(rotateLabels ? { axisLabel: { rotate: 20 } } : {}) },
    yAxis: { type: "value", name: axis.name, ...(axis.whole ? { minInterval: 1 } : {}) },
    series: series.map((s) => ({
      name: s.name,
      type: s.type,
      ...(s.step ? { step: "end" } : {}),
      data: s.values.map(toNumber),
    })),
  };
}
