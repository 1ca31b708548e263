import { useMemo } from "react";
import { useTranslation } from "react-i18next";
import type { StatementEntryJson } from "../../chain/api.js";
import { runningTotals } from "../../chain/statement.js";
import { DAY_CLOCK, timeLabel, yuanChartOption } from "../../components/chart-option.js";
import { Chart } from "../../components/lazy-chart.js";
import { EmptyState } from "../../components/states.js";

const KINDS = ["settled", "payable", "clawback", "withdrawal-paid"] as const;

/** Earnings over time: the running total of each statement kind (settled, payable, clawed back, withdrawn). */
export function EarningsChart({ entries }: { entries: readonly StatementEntryJson[] }) {
  const { t } = useTranslation();
  const option = useMemo(() => {
    const series = runningTotals(entries, KINDS);
    return yuanChartOption(
      series.timesMs.map((ms, i) => timeLabel(ms, series.heights[i]!, DAY_CLOCK)),
      KINDS.map((k) => ({ name: t(`entryKinds.${k}`), type: "line", step: true, values: series.totals[k]! })),
    );
  }, [entries, t]);
  if (entries.length === 0) return <EmptyState>{t("earnings.noEntries")}</EmptyState>;
  return <Chart testId="earnings-chart" label={t("earnings.overTime")} option={option} />;
}
