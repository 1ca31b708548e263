import { BarChart, LineChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import * as echarts from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";
import { useEffect, useRef } from "react";

// Only the parts the console draws: line and bar charts on a canvas (no inline SVG styles for the CSP).
echarts.use([LineChart, BarChart, GridComponent, TooltipComponent, LegendComponent, CanvasRenderer]);

export type ChartOption = echarts.EChartsCoreOption;

/** An ECharts chart that follows its box's width (a phone's too); `label` names it for screen readers. */
export function Chart({ option, label, testId }: { option: ChartOption; label: string; testId: string }) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | undefined>(undefined);
  useEffect(() => {
    if (!box.current) return;
    const instance = echarts.init(box.current, undefined, { renderer: "canvas" });
    chart.current = instance;
    const observer = new ResizeObserver(() => instance.resize());
    observer.observe(box.current);
    return () => {
      observer.disconnect();
      instance.dispose();
      chart.current = undefined;
    };
  }, []);
  useEffect(() => {
    chart.current?.setOption(option, { notMerge: true });
  }, [option]);
  return <div ref={box} className="chart" role="img" aria-label={label} data-testid={testId} />;
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
  return {
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 56, right: 16, top: 40, bottom: rotateLabels ? 48 : 32 },
    xAxis: { type: "category", data: categories, ...(rotateLabels ? { axisLabel: { rotate: 20 } } : {}) },
    yAxis: { type: "value", name: "¥" },
    series: series.map((s) => ({
      name: s.name,
      type: s.type,
      ...(s.step ? { step: "end" } : {}),
      data: s.values.map(yuanForChart),
    })),
  };
}
