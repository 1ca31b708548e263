import { useQuery } from "@tanstack/react-query";
import {
  Alert,
  Button,
  Card,
  Col,
  Descriptions,
  Input,
  Row,
  Space,
  Statistic,
  Table,
  Tabs,
  Typography,
} from "antd";
import { QRCodeSVG } from "qrcode.react";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { yuan as yuanDigits } from "../../../src/app/marketing/queries.js";
import { api, type ProductJson } from "../chain/api.js";
import { ORDER_KINDS, type StatementLine, useStatementLines } from "../chain/statement.js";
import { useSuite } from "../chain/suite.js";
import { idempotencyKey } from "../chain/tx.js";
import { type VerifiedCommission, verifyCommission } from "../chain/verify.js";
import { downloadCsv } from "../components/csv.js";
import { yuan } from "../components/format.js";
import { QueryState, useErrorText } from "../components/states.js";
import { useSubmit } from "../components/submit.js";
import { UnlockGate } from "../components/unlock.js";
import { useSession } from "../session.js";
import { EarningsChart } from "./marketer/EarningsChart.js";
import { MyWithdrawals } from "./marketer/MyWithdrawals.js";

const CODES_KEY = "mkl.referralCodes.v1";

interface TakenCode {
  code: string;
  enterprise: string;
  sku: string;
}

function takenCodes(): TakenCode[] {
  try {
    return JSON.parse(localStorage.getItem(CODES_KEY) ?? "[]") as TakenCode[];
  } catch {
    return [];
  }
}

export function referralLink(code: string): string {
  return `${window.location.origin}/shop/${code}`;
}

function Promote({ org }: { org: string }) {
  const { t } = useTranslation();
  const { submit, busy } = useSubmit();
  const [codes, setCodes] = useState<TakenCode[]>(takenCodes);
  const products = useQuery({
    queryKey: ["products", org],
    queryFn: () => api.products(org),
    enabled: org !== "",
  });
  const take = async (p: ProductJson) => {
    const done = await submit({
      kind: "createReferralCode",
      value: { idempotencyKey: idempotencyKey("ref"), enterprise: org, sku: p.sku },
    });
    const event = done?.result.events[0];
    const code = event?.type === "idempotentReplay" ? event.attributes.ref : event?.attributes.code;
    if (code) {
      const next = [...takenCodes().filter((c) => c.code !== code), { code, enterprise: org, sku: p.sku }];
      localStorage.setItem(CODES_KEY, JSON.stringify(next));
      setCodes(next);
    }
  };
  const codeOf = (sku: string) => codes.find((c) => c.enterprise === org && c.sku === sku);
  return (
    <QueryState query={products} isEmpty={(d) => d.products.length === 0} empty={t("marketer.noProducts")}>
      {(d) => (
        <Row gutter={[16, 16]}>
          {d.products
            .filter((p) => p.status === "active")
            .map((p) => {
              const taken = codeOf(p.sku);
              return (
                <Col xs={24} md={12} xl={8} key={p.sku}>
                  <Card title={p.name} extra={yuan(p.priceFen)} data-testid={`promote-${p.sku}`}>
                    <Typography.Paragraph type="secondary">
                      {p.sku} · {p.channels.join(", ")} · {t("product.stock")} {p.stock}
                    </Typography.Paragraph>
                    {taken ? (
                      <div className="qr-box">
                        <QRCodeSVG value={referralLink(taken.code)} size={140} title={taken.code} />
                        <Typography.Text strong data-testid={`code-${p.sku}`}>
                          {taken.code}
                        </Typography.Text>
                        <Typography.Text
                          copyable={{ text: referralLink(taken.code) }}
                          data-testid={`link-${p.sku}`}
                        >
                          {referralLink(taken.code)}
                        </Typography.Text>
                      </div>
                    ) : (
                      <Button
                        type="primary"
                        loading={busy}
                        onClick={() => void take(p)}
                        data-testid={`take-${p.sku}`}
                      >
                        {t("marketer.takeCode")}
                      </Button>
                    )}
                  </Card>
                </Col>
              );
            })}
        </Row>
      )}
    </QueryState>
  );
}

function VerifyButton({ orderId }: { orderId: string }) {
  const { t } = useTranslation();
  const session = useSession();
  const suite = useSuite();
  const errorText = useErrorText();
  const [state, setState] = useState<{ busy?: boolean; ok?: VerifiedCommission; error?: string }>({});
  const run = async () => {
    if (!suite || !session.status) return;
    setState({ busy: true });
    try {
      setState({ ok: await verifyCommission(suite, session.chainId, orderId) });
    } catch (e) {
      setState({ error: errorText(e) });
    }
  };
  return (
    <Space direction="vertical" size={4}>
      <Button
        size="small"
        loading={state.busy ?? false}
        onClick={() => void run()}
        data-testid={`verify-${orderId}`}
      >
        {t("marketer.verify")}
      </Button>
      {state.ok ? (
        <Alert
          type="success"
          showIcon
          data-testid={`verified-${orderId}`}
          title={t("marketer.verified", {
            height: state.ok.height,
            total: yuan(state.ok.totalFen),
            settled: yuan(state.ok.settledFen),
          })}
          description={t("marketer.verifiedDetail", {
            hash: state.ok.blockHash.slice(0, 16),
            policy: state.ok.policyId,
            version: state.ok.policyVersion,
          })}
        />
      ) : null}
      {state.error ? (
        <Alert
          type="error"
          showIcon
          data-testid={`verify-failed-${orderId}`}
          title={t("marketer.verifyFailed")}
          description={state.error}
        />
      ) : null}
    </Space>
  );
}

function Earnings({ org, code }: { org: string; code: string }) {
  const { t } = useTranslation();
  const earnings = useQuery({
    queryKey: ["earnings", org, code],
    queryFn: () => api.earnings(org, code),
  });
  const statement = useStatementLines(org, code);
  const download = (lines: StatementLine[]) =>
    downloadCsv(
      `statement-${org}-${code}.csv`,
      [
        "kind",
        "orderId",
        "sku",
        "policyVersion",
        "amountFen",
        "amountYuan",
        "state",
        "reason",
        "height",
        "timeMs",
        "reference",
      ],
      lines.map((e) => [
        e.kind,
        ORDER_KINDS.includes(e.kind) ? e.orderId : "",
        e.sku ?? "",
        e.policy ?? "",
        e.amountFen,
        yuanDigits(BigInt(e.amountFen)),
        e.partStatus ?? "",
        e.reason ?? "",
        e.height,
        e.timeMs,
        e.reference,
      ]),
    );
  return (
    <Space direction="vertical" size="large" className="page">
      <QueryState query={earnings}>
        {(e) => (
          <Space wrap size="large" data-testid="earnings">
            <Statistic title={t("earnings.pendingSales")} value={yuan(e.pendingSalesFen)} />
            <Statistic title={t("earnings.payable")} value={yuan(e.payableFen)} />
            <Statistic
              title={t("earnings.settled")}
              value={yuan(e.settledFen)}
              data-testid="earnings-settled"
            />
            <Statistic
              title={t("earnings.clawedBack")}
              value={yuan(e.clawedBackFen)}
              data-testid="earnings-clawed"
            />
            <Statistic title={t("earnings.withdrawn")} value={yuan(e.withdrawnFen)} />
            <div data-testid="earnings-balance">
              <Statistic title={t("earnings.balance")} value={yuan(e.balanceFen)} />
            </div>
          </Space>
        )}
      </QueryState>
      <Card title={t("earnings.overTime")}>
        <QueryState query={statement}>{(lines) => <EarningsChart entries={lines} />}</QueryState>
      </Card>
      <Card
        title={t("earnings.statement")}
        extra={
          statement.data && statement.data.length > 0 ? (
            <Button size="small" onClick={() => download(statement.data!)} data-testid="statement-csv">
              {t("earnings.downloadCsv")}
            </Button>
          ) : null
        }
      >
        <QueryState query={statement} isEmpty={(s) => s.length === 0} empty={t("earnings.noEntries")}>
          {(lines) => (
            <Table<StatementLine>
              rowKey={(e) => `${e.kind}-${e.orderId}-${e.height}-${e.reference}`}
              size="small"
              scroll={{ x: true }}
              dataSource={[...lines].reverse()}
              pagination={{ pageSize: 10 }}
              data-testid="statement"
              columns={[
                {
                  title: t("earnings.kind"),
                  dataIndex: "kind",
                  render: (k: string) => (
                    <span data-testid="entry-kind">{t(`entryKinds.${k}`, { defaultValue: k })}</span>
                  ),
                },
                { title: t("orders.id"), render: (_, e) => (ORDER_KINDS.includes(e.kind) ? e.orderId : "—") },
                { title: t("product.sku"), render: (_, e) => e.sku ?? "—" },
                { title: t("earnings.policyVersion"), render: (_, e) => e.policy ?? "—" },
                { title: t("earnings.amount"), dataIndex: "amountFen", render: yuan },
                {
                  title: t("earnings.state"),
                  render: (_, e) =>
                    e.partStatus ? t(`partStatus.${e.partStatus}`, { defaultValue: e.partStatus }) : "—",
                },
                {
                  title: t("earnings.reason"),
                  render: (_, e) => (e.reason ? t(`reasons.${e.reason}`, { defaultValue: e.reason }) : "—"),
                },
                { title: t("earnings.height"), dataIndex: "height" },
                {
                  title: "",
                  render: (_, e) =>
                    ORDER_KINDS.includes(e.kind) ? <VerifyButton orderId={e.orderId} /> : null,
                },
              ]}
            />
          )}
        </QueryState>
      </Card>
      <MyWithdrawals
        org={org}
        code={code}
        balanceFen={earnings.data ? BigInt(earnings.data.balanceFen) : undefined}
      />
    </Space>
  );
}

export default function MarketerPage() {
  const { t } = useTranslation();
  const session = useSession();
  const own = session.identity?.organisation ?? "";
  const [org, setOrg] = useState<string>(own || "org1");
  const code = session.active?.userCode ?? "";
  return (
    <Space direction="vertical" size="large" className="page">
      <Typography.Title level={2}>{t("marketer.title")}</Typography.Title>
      <UnlockGate>
        <Descriptions size="small" column={{ xs: 1, md: 2 }}>
          <Descriptions.Item label={t("keys.userCode")}>{code}</Descriptions.Item>
          <Descriptions.Item label={t("marketer.enterprise")}>
            <Input
              size="small"
              value={org}
              onChange={(e) => setOrg(e.target.value.trim())}
              aria-label={t("marketer.enterprise")}
              data-testid="marketer-org"
              className="org-input"
            />
          </Descriptions.Item>
        </Descriptions>
        <Tabs
          items={[
            { key: "promote", label: t("marketer.promote"), children: <Promote org={org} /> },
            { key: "earnings", label: t("marketer.earnings"), children: <Earnings org={org} code={code} /> },
          ]}
        />
      </UnlockGate>
    </Space>
  );
}
