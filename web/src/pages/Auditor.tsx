import { useQuery } from "@tanstack/react-query";
import { Alert, Button, Card, Descriptions, Input, Progress, Space, Table, Typography } from "antd";
import { useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { useSearchParams } from "react-router-dom";
import { api, type OrderViewJson } from "../chain/api.js";
import {
  adoptChainChecker,
  ChainChecker,
  type CheckedBlock,
  type CheckedChain,
  chainChecker,
} from "../chain/chain-check.js";
import { client } from "../chain/client.js";
import { type Recomputation, recomputeCommission } from "../chain/recompute.js";
import { useSuite } from "../chain/suite.js";
import { downloadCsv } from "../components/csv.js";
import { percentOfBps, yuan } from "../components/format.js";
import { QueryState, useErrorText } from "../components/states.js";
import { statusTag } from "../components/status-tag.js";
import { useSession } from "../session.js";

/** The whole chain checked from genesis in this browser, with a progress bar, exportable as CSV. */
function ChainCheck() {
  const { t } = useTranslation();
  const session = useSession();
  const suite = useSuite();
  const errorText = useErrorText();
  const rows = useRef<CheckedBlock[]>([]);
  const [progress, setProgress] = useState<{ height: bigint; tip: bigint }>();
  const [result, setResult] = useState<{ ok?: CheckedChain; error?: string; busy?: boolean }>({});
  const run = async () => {
    if (!suite) return;
    rows.current = [];
    setResult({ busy: true });
    const checker = new ChainChecker(suite);
    try {
      const tip = BigInt((await client.block("latest")).header.height);
      const ok = await checker.checkTo(tip, (p) => {
        rows.current.push(p.block);
        setProgress({ height: p.height, tip: p.tip });
      });
      adoptChainChecker(session.chainId, checker);
      setResult({ ok });
    } catch (error) {
      setResult({ error: errorText(error) });
    }
  };
  const percent = progress && progress.tip > 0n ? Number((progress.height * 100n) / progress.tip) : 0;
  return (
    <Card title={t("auditor.chainTitle")}>
      <Space direction="vertical" className="full-width">
        <Typography.Paragraph type="secondary">{t("auditor.chainHelp")}</Typography.Paragraph>
        <Space wrap>
          <Button
            type="primary"
            onClick={() => void run()}
            loading={result.busy ?? false}
            data-testid="chain-check"
          >
            {t("auditor.chainCheck")}
          </Button>
          <Button
            disabled={rows.current.length === 0 || result.busy === true}
            data-testid="chain-csv"
            onClick={() =>
              downloadCsv(
                `chain-check-${session.chainId}.csv`,
                ["height", "hash", "time", "txs", "validatorSetHash", "signatures", "certificate"],
                rows.current.map((b) => [
                  b.height,
                  b.hash,
                  new Date(Number(b.timeMs)).toISOString(),
                  b.txs,
                  b.validatorSetHash,
                  b.signatures,
                  "valid",
                ]),
              )
            }
          >
            {t("auditor.exportCsv")}
          </Button>
        </Space>
        {progress ? (
          <Progress
            percent={percent}
            status={result.error ? "exception" : result.ok ? "success" : "active"}
            format={() => `${progress.height} / ${progress.tip}`}
            aria-label={t("auditor.chainProgress")}
            data-testid="chain-progress"
          />
        ) : null}
        {result.ok ? (
          <Alert
            type="success"
            showIcon
            data-testid="chain-ok"
            title={t("auditor.chainOk", { tip: result.ok.tip.toString(), changes: result.ok.changes.length })}
            description={
              <Space direction="vertical" size={0}>
                <span>
                  {t("auditor.genesisSet")} <code className="break-all">{result.ok.genesisSetHash}</code>
                </span>
                {result.ok.changes.map((c) => (
                  <span key={c.height.toString()}>
                    {t("auditor.setChange", { height: c.height.toString() })}{" "}
                    <code className="break-all">{c.setHash}</code>
                  </span>
                ))}
              </Space>
            }
          />
        ) : null}
        {result.error ? (
          <Alert type="error" showIcon title={result.error} data-testid="chain-failed" />
        ) : null}
      </Space>
    </Card>
  );
}

function BlockCheck({ height }: { height: string }) {
  const { t } = useTranslation();
  const session = useSession();
  const suite = useSuite();
  const errorText = useErrorText();
  const block = useQuery({ queryKey: ["block", height], queryFn: () => client.block(BigInt(height)) });
  const [check, setCheck] = useState<{ ok?: boolean; error?: string }>({});
  return (
    <Card title={t("auditor.block", { height })}>
      <QueryState query={block}>
        {(b) => (
          <Space direction="vertical">
            <Descriptions size="small" column={1} bordered>
              <Descriptions.Item label={t("auditor.hash")}>
                <code className="break-all">{b.hash}</code>
              </Descriptions.Item>
              <Descriptions.Item label={t("auditor.time")}>
                {new Date(Number(b.header.timeMs)).toISOString()}
              </Descriptions.Item>
              <Descriptions.Item label={t("auditor.txs")}>{b.txs.length}</Descriptions.Item>
              <Descriptions.Item label={t("auditor.stateRoot")}>
                <code className="break-all">{b.header.stateRoot}</code>
              </Descriptions.Item>
            </Descriptions>
            <Button
              data-testid="block-check"
              onClick={async () => {
                if (!suite) return;
                try {
                  await chainChecker(suite, session.chainId).header(BigInt(height));
                  setCheck({ ok: true });
                } catch (e) {
                  setCheck({ error: errorText(e) });
                }
              }}
            >
              {t("auditor.checkCertificate")}
            </Button>
            {check.ok ? (
              <Alert type="success" showIcon title={t("auditor.certificateOk")} data-testid="block-ok" />
            ) : null}
            {check.error ? <Alert type="error" showIcon title={check.error} /> : null}
          </Space>
        )}
      </QueryState>
    </Card>
  );
}

const ORDER_CSV = [
  "order",
  "basket",
  "enterprise",
  "sku",
  "quantity",
  "channel",
  "status",
  "listValueFen",
  "receivedFen",
  "refundedFen",
  "referralCode",
  "marketer",
  "policy",
  "policyHash",
  "rateBps",
  "baseFen",
  "commissionFen",
  "note",
  "settledFen",
  "clawedBackFen",
];

function orderCsvRow({ order: o, commission: c }: OrderViewJson) {
  const sum = (f: (p: NonNullable<typeof c>["parts"][number]) => string) =>
    c ? c.parts.reduce((n, p) => n + BigInt(f(p)), 0n) : "";
  return [
    o.id,
    o.basketId,
    o.enterprise,
    o.sku,
    o.quantity,
    o.channel,
    o.status,
    o.listValueFen,
    o.receivedFen,
    o.refundedFen,
    o.referralCode,
    o.marketer,
    c ? `${c.policyId}@${c.policyVersion}` : "",
    c?.policyHash,
    c?.rateBps,
    c?.baseFen,
    c?.totalFen,
    c?.note,
    sum((p) => p.settledFen),
    sum((p) => p.clawedBackFen),
  ];
}

function Recompute({ orderId }: { orderId: string }) {
  const { t } = useTranslation();
  const session = useSession();
  const suite = useSuite();
  const errorText = useErrorText();
  const [state, setState] = useState<{ busy?: boolean; ok?: Recomputation; error?: string }>({});
  const run = async () => {
    if (!suite) return;
    setState({ busy: true });
    try {
      setState({ ok: await recomputeCommission(suite, session.chainId, orderId) });
    } catch (e) {
      setState({ error: errorText(e) });
    }
  };
  const r = state.ok;
  return (
    <Space direction="vertical" className="full-width">
      <Button onClick={() => void run()} loading={state.busy ?? false} data-testid="recompute">
        {t("auditor.recompute")}
      </Button>
      {r ? (
        <>
          <Alert
            type={r.matches ? "success" : "error"}
            showIcon
            data-testid={r.matches ? "recompute-match" : "recompute-mismatch"}
            title={t(r.matches ? "auditor.recomputeMatch" : "auditor.recomputeMismatch", {
              policy: `${r.policyId} v${r.policyVersion}`,
              height: r.settledAt.toString(),
            })}
            description={
              <span>
                {t(r.policyHashMatches ? "auditor.policyHashOk" : "auditor.policyHashBad")}{" "}
                <code className="break-all">{r.policyHash}</code>
              </span>
            }
          />
          <Table
            size="small"
            pagination={false}
            rowKey="what"
            data-testid="recompute-table"
            columns={[
              { title: "", dataIndex: "what" },
              { title: t("auditor.recorded"), dataIndex: "recorded" },
              { title: t("auditor.recomputed"), dataIndex: "recomputed" },
            ]}
            dataSource={[
              {
                what: t("auditor.base"),
                recorded: yuan(r.inputs.netReceivedFen),
                recomputed: yuan(r.inputs.netReceivedFen),
              },
              {
                what: t("auditor.windowVolume"),
                recorded: "—",
                recomputed: yuan(r.inputs.windowVolumeFen),
              },
              { what: t("auditor.capUsed"), recorded: "—", recomputed: yuan(r.inputs.capUsedFen) },
              {
                what: t("auditor.rate"),
                recorded: percentOfBps(r.recorded.rateBps),
                recomputed: percentOfBps(r.recomputed.rateBps),
              },
              {
                what: t("orders.commission"),
                recorded: yuan(r.recorded.totalFen),
                recomputed: yuan(r.recomputed.totalFen),
              },
              { what: t("auditor.note"), recorded: r.recorded.note, recomputed: r.recomputed.note },
            ]}
          />
        </>
      ) : null}
      {state.error ? <Alert type="error" showIcon title={state.error} /> : null}
    </Space>
  );
}

function OrderLookup({ id, recompute }: { id: string; recompute: boolean }) {
  const { t } = useTranslation();
  const order = useQuery({ queryKey: ["auditOrder", id], queryFn: () => api.order(id), retry: false });
  return (
    <Card
      title={t(recompute ? "auditor.commission" : "auditor.order", { id })}
      extra={
        order.data ? (
          <Button
            size="small"
            data-testid="order-csv"
            onClick={() => downloadCsv(`order-${id}.csv`, ORDER_CSV, [orderCsvRow(order.data)])}
          >
            {t("auditor.exportCsv")}
          </Button>
        ) : null
      }
    >
      <QueryState query={order}>
        {(v) => (
          <Space direction="vertical" className="full-width">
            <Descriptions size="small" column={{ xs: 1, md: 2 }} bordered>
              <Descriptions.Item label={t("orders.status")}>{statusTag(t, v.order.status)}</Descriptions.Item>
              <Descriptions.Item label={t("shop.seller")}>{v.order.enterprise}</Descriptions.Item>
              <Descriptions.Item label={t("product.sku")}>{v.order.sku}</Descriptions.Item>
              <Descriptions.Item label={t("orders.value")}>{yuan(v.order.listValueFen)}</Descriptions.Item>
              <Descriptions.Item label={t("orders.received")}>{yuan(v.order.receivedFen)}</Descriptions.Item>
              <Descriptions.Item label={t("orders.refunded")}>{yuan(v.order.refundedFen)}</Descriptions.Item>
              <Descriptions.Item label={t("orders.referral")}>
                {v.order.referralCode ?? "—"}
              </Descriptions.Item>
              <Descriptions.Item label={t("orders.commission")}>
                {v.commission
                  ? `${yuan(v.commission.totalFen)} (${v.commission.policyId} v${v.commission.policyVersion})`
                  : "—"}
              </Descriptions.Item>
            </Descriptions>
            {recompute && v.commission ? <Recompute orderId={id} /> : null}
          </Space>
        )}
      </QueryState>
    </Card>
  );
}

function IdentityLookup({ code }: { code: string }) {
  const { t } = useTranslation();
  const identity = useQuery({
    queryKey: ["auditIdentity", code],
    queryFn: () => api.identity(code),
    retry: false,
  });
  return (
    <Card title={t("auditor.identity", { code })}>
      <QueryState query={identity}>
        {(i) => (
          <Descriptions size="small" column={1} bordered data-testid="identity-details">
            <Descriptions.Item label={t("auditor.role")}>{t(`roles.${i.role}`)}</Descriptions.Item>
            <Descriptions.Item label={t("auditor.organisation")}>{i.organisation || "—"}</Descriptions.Item>
            <Descriptions.Item label={t("orders.status")}>{i.status}</Descriptions.Item>
            <Descriptions.Item label={t("auditor.account")}>
              <code className="break-all">{i.settlementAccount}</code>
            </Descriptions.Item>
          </Descriptions>
        )}
      </QueryState>
    </Card>
  );
}

const SEARCHES = [
  { param: "order", valid: /^\d+$/ },
  { param: "commission", valid: /^\d+$/ },
  { param: "identity", valid: /^mkl1[02-9ac-hj-np-z]+$/i },
  { param: "block", valid: /^\d+$/ },
] as const;

export default function AuditorPage() {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const [invalid, setInvalid] = useState<string>();
  const order = params.get("order");
  const commission = params.get("commission");
  const identity = params.get("identity");
  const block = params.get("block");
  return (
    <Space direction="vertical" size="large" className="page">
      <Typography.Title level={2}>{t("auditor.title")}</Typography.Title>
      <Space wrap>
        {SEARCHES.map(({ param, valid }) => (
          <Input.Search
            key={param}
            aria-label={t(`auditor.find.${param}`)}
            placeholder={t(`auditor.find.${param}`)}
            data-testid={`find-${param}`}
            onSearch={(v) => {
              const value = v.trim();
              if (!valid.test(value)) return setInvalid(t("auditor.badSearch", { value }));
              setInvalid(undefined);
              setParams({ [param]: value });
            }}
            className="org-input-wide"
          />
        ))}
      </Space>
      {invalid ? <Alert type="warning" showIcon title={invalid} /> : null}
      {order ? <OrderLookup id={order} recompute={false} /> : null}
      {commission ? <OrderLookup id={commission} recompute /> : null}
      {identity ? <IdentityLookup code={identity} /> : null}
      {block ? <BlockCheck height={block} /> : null}
      <ChainCheck />
    </Space>
  );
}
