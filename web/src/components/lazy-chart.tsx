import { lazy, Suspense } from "react";
import type { ChartOption } from "./chart-option.js";
import { Loading } from "./states.js";

const EChart = lazy(() => import("./chart.js"));

/** A chart whose ECharts code loads only when it is shown: the page itself does not wait for it. */
export function Chart(props: { option: ChartOption; label: string; testId: string }) {
  return (
    <Suspense fallback={<Loading />}>
      <EChart {...props} />
    </Suspense>
  );
}
