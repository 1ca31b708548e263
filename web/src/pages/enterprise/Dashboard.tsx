import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Button, Card, Col, Row, Space, Statistic, Typography } from "antd";
import { type ReactNode, useMemo } from "react";
import { useTranslation } from "react-i18next";
import { ANOMALY_KINDS } from "../../../../src/app/marketing/records.js";
import { api, type SalesJson } from "../../chain/api.js";
import { type BooksHistory, profitOf, useBooksHistory } from "../../chain/history.js";
import {
  type ChartOption,
  CLOCK,
  countChartOption,
  timeLabel,
  yuanChartOption,
} from "../../components/chart-option.js";
import { yuan } from "../../components/format.js";
import { Chart } from "../../components/lazy-chart.js";
import { EmptyState, QueryState } from "../../components/states.js";
import { useSession } from "../../session.js";

const timesOf = (history: BooksHistory) => history.points.map((p) => timeLabel(p.timeMs, p.height, CLOCK));

function lineOption(history: BooksHistory, series: Array<{ name: string; values: bigint[] }>): ChartOption {
  return yuanChartOption(
    timesOf(history),
    series.map((s) => ({ ...s, type: "line" })),
  );
}

function countLineOption(
  history: BooksHistory,
  series: Array<{ name: string; values: bigint[] }>,
  unit: string,
): ChartOption {
  return countChartOption(
    timesOf(history),
    series.map((s) => ({ ...s, type: "line", step: true })),
    unit,
  );
}

function barOption(
  sales: SalesJson,
  names: { received: string; commission: string; profit: string },
  short?: (k: string) => string,
): ChartOption {
  const fen = (r: SalesJson["rows"][number]) => ({
    netReceivedFen: BigInt(r.netReceivedFen),
    costFen: BigInt(r.costFen),
    commissionFen: BigInt(r.commissionFen),
  });
  return yuanChartOption(
    sales.rows.map((r) => (short ? short(r.key) : r.key)),
    [
      { name: names.received, type: "bar", values: sales.rows.map((r) => BigInt(r.netReceivedFen)) },
      { name: names.commission, type: "bar", values: sales.rows.map((r) => BigInt(r.commissionFen)) },
      { name: names.profit, type: "bar", values: sales.rows.map((r) => profitOf(fen(r))) },
    ],
    true,
  );
}

/**
 * Escrow, sales, profit, stock cleared and anomalies over time (the chain's state at sampled
 * heights), and sales by product and marketer now.
 */
export function Dashboard({ org }: { org: string }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const { status } = useSession();
  const history = useBooksHistory(org, status ? BigInt(status.height) : undefined);
  const byProduct = useQuery({
    queryKey: ["sales", org, "product"],
    queryFn: () => api.sales(org, "product"),
  });
  const byMarketer = useQuery({
    queryKey: ["sales", org, "marketer"],
    queryFn: () => api.sales(org, "marketer"),
  });
  // A new tip (the status) adds its point; the sampled heights before it never change.
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: ["status"] });
    void byProduct.refetch();
    void byMarketer.refetch();
  };
  const barNames = {
    received: t("dashboard.netReceived"),
    commission: t("dashboard.commission"),
    profit: t("dashboard.profit"),
  };
  return (
    <Space direction="vertical" size="large" className="full-width">
      <Space wrap>
        <Typography.Text type="secondary">{t("dashboard.source")}</Typography.Text>
        <Button size="small" onClick={refresh} data-testid="dashboard-refresh">
          {t("dashboard.refresh")}
        </Button>
      </Space>
      <QueryState query={history} isEmpty={(h) => h.points.length === 0} empty={t("dashboard.noBlocks")}>
        {(h) => <HistoryCharts history={h} />}
      </QueryState>
      <Row gutter={[16, 16]}>
        <Col xs={24} lg={12}>
          <Card size="small" title={t("dashboard.byProduct")}>
            <QueryState query={byProduct} isEmpty={(s) => s.rows.length === 0} empty={t("dashboard.noSales")}>
              {(s) => (
                <Chart
                  testId="chart-by-product"
                  label={t("dashboard.byProduct")}
                  option={barOption(s, barNames)}
                />
              )}
            </QueryState>
          </Card>
        </Col>
        <Col xs={24} lg={12}>
          <Card size="small" title={t("dashboard.byMarketer")}>
            <QueryState
              query={byMarketer}
              isEmpty={(s) => s.rows.length === 0}
              empty={t("dashboard.noSales")}
            >
              {(s) => (
                <Chart
                  testId="chart-by-marketer"
                  label={t("dashboard.byMarketer")}
                  option={barOption(s, barNames, (k) => `${k.slice(0, 10)}…`)}
                />
              )}
            </QueryState>
          </Card>
        </Col>
      </Row>
    </Space>
  );
}

function HistoryCharts({ history }: { history: BooksHistory }) {
  const { t } = useTranslation();
  const last = history.points[history.points.length - 1]!;
  const sales = useMemo(
    () =>
      lineOption(
        history,
        history.channels.map((c) => ({ name: c, values: history.points.map((p) => p.salesFen[c] ?? 0n) })),
      ),
    [history],
  );
  const escrow = useMemo(
    () =>
      lineOption(history, [
        { name: t("escrow.balance"), values: history.points.map((p) => p.balanceFen) },
        { name: t("escrow.settled"), values: history.points.map((p) => p.settledFen) },
        { name: t("escrow.payable"), values: history.points.map((p) => p.payableFen) },
        { name: t("escrow.returned"), values: history.points.map((p) => p.returnedFen) },
      ]),
    [history, t],
  );
  const profit = useMemo(
    () =>
      lineOption(history, [{ name: t("dashboard.profit"), values: history.points.map((p) => p.profitFen) }]),
    [history, t],
  );
  const cleared = useMemo(
    () =>
      countLineOption(
        history,
        history.products.map((sku) => ({
          name: sku,
          values: history.points.map((p) => p.clearedUnits[sku] ?? 0n),
        })),
        t("dashboard.unitsAxis"),
      ),
    [history, t],
  );
  const anomalies = useMemo(
    () =>
      countLineOption(
        history,
        ANOMALY_KINDS.map((k) => ({
          name: t(`dashboard.anomalyKind.${k}`),
          values: history.points.map((p) => p.anomalies[k]),
        })),
        t("dashboard.anomaliesAxis"),
      ),
    [history, t],
  );
  const totalSales = Object.values(last.salesFen).reduce((a, b) => a + b, 0n);
  const totalCleared = Object.values(last.clearedUnits).reduce((a, b) => a + b, 0n);
  const noSales = history.channels.length === 0 ? t("dashboard.noSales") : undefined;
  return (
    <Row gutter={[16, 16]}>
      <ChartCard title={t("dashboard.salesOverTime")} testId="chart-sales" option={sales} empty={noSales}>
        <Figure testId="dash-sales" title={t("dashboard.salesNow")} value={yuan(totalSales)} />
      </ChartCard>
      <ChartCard title={t("dashboard.escrowOverTime")} testId="chart-escrow" option={escrow}>
        <Space wrap size="large">
          <Figure testId="dash-balance" title={t("escrow.balance")} value={yuan(last.balanceFen)} />
          <Figure testId="dash-settled" title={t("escrow.settled")} value={yuan(last.settledFen)} />
          <Statistic title={t("escrow.payable")} value={yuan(last.payableFen)} />
        </Space>
      </ChartCard>
      <ChartCard title={t("dashboard.profitOverTime")} testId="chart-profit" option={profit} empty={noSales}>
        <Figure testId="dash-profit" title={t("dashboard.profitNow")} value={yuan(last.profitFen)} />
        <Typography.Paragraph type="secondary">{t("dashboard.profitRule")}</Typography.Paragraph>
      </ChartCard>
      <ChartCard
        title={t("dashboard.clearedOverTime")}
        testId="chart-cleared"
        option={cleared}
        empty={history.products.length === 0 ? t("dashboard.noProducts") : undefined}
      >
        <Figure testId="dash-cleared" title={t("dashboard.clearedNow")} value={totalCleared.toString()} />
      </ChartCard>
      <ChartCard title={t("dashboard.anomaliesOverTime")} testId="chart-anomalies" option={anomalies} wide>
        <Space wrap size="large">
          {ANOMALY_KINDS.map((k) => (
            <Figure
              key={k}
              testId={`dash-anomaly-${k}`}
              title={t(`dashboard.anomalyKind.${k}`)}
              value={last.anomalies[k].toString()}
            />
          ))}
        </Space>
      </ChartCard>
    </Row>
  );
}

/** A figure now, found by the browser tests through its test id. */
function Figure({ testId, title, value }: { testId: string; title: string; value: string }) {
  return (
    <div data-testid={testId}>
      <Statistic title={title} value={value} />
    </div>
  );
}

/** One chart of the history under the figures it explains, or a sentence when there is nothing to draw. */
function ChartCard(props: {
  title: string;
  testId: string;
  option: ChartOption;
  /** Shown instead of the chart when there is nothing to draw. */
  empty?: string | undefined;
  wide?: boolean;
  children: ReactNode;
}) {
  return (
    <Col xs={24} lg={props.wide ? 24 : 12}>
      <Card size="small" title={props.title}>
        {props.children}
        {props.empty ? (
          <EmptyState>{props.empty}</EmptyState>
        ) : (
          <Chart testId={props.testId} label={props.title} option={props.option} />
        )}
      </Card>
    </Col>
  );
}
