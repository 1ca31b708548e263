import { BarChart, LineChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import * as echarts from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";
import { useEffect, useRef } from "react";
import type { ChartOption } from "./chart-option.js";

// Only the parts the console draws: line and bar charts on a canvas (no inline SVG styles for the CSP).
echarts.use([LineChart, BarChart, GridComponent, TooltipComponent, LegendComponent, CanvasRenderer]);

/**
 * An ECharts chart that follows its box's width (a phone's too); `label` names it for screen
 * readers. The default export, for React.lazy (lazy-chart.tsx): ECharts loads with the first chart.
 */
export default function Chart({
  option,
  label,
  testId,
}: {
  option: ChartOption;
  label: string;
  testId: string;
}) {
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
