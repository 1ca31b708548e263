import { useQuery } from "@tanstack/react-query";
import { Alert, Button, Card, Descriptions, Input, Space, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useSearchParams } from "react-router-dom";
import { verifyBlock } from "../../../src/sdk/verify.js";
import { api } from "../chain/api.js";
import { client } from "../chain/client.js";
import { useSuite } from "../chain/suite.js";
import { trustedSet } from "../chain/verify.js";
import { yuan } from "../components/format.js";
import { QueryState, useErrorText } from "../components/states.js";
import { statusTag } from "../components/status-tag.js";
import { useSession } from "../session.js";

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
                <code>{b.hash}</code>
              </Descriptions.Item>
              <Descriptions.Item label={t("auditor.time")}>
                {new Date(Number(b.header.timeMs)).toISOString()}
              </Descriptions.Item>
              <Descriptions.Item label={t("auditor.txs")}>{b.txs.length}</Descriptions.Item>
              <Descriptions.Item label={t("auditor.stateRoot")}>
                <code>{b.header.stateRoot}</code>
              </Descriptions.Item>
            </Descriptions>
            <Button
              onClick={() => {
                if (!suite || !session.status) return;
                try {
                  verifyBlock(suite, b, trustedSet(suite, session.status).validators);
                  setCheck({ ok: true });
                } catch (e) {
                  setCheck({ error: errorText(e) });
                }
              }}
            >
              {t("auditor.checkCertificate")}
            </Button>
            {check.ok ? <Alert type="success" showIcon title={t("auditor.certificateOk")} /> : null}
            {check.error ? <Alert type="error" showIcon title={check.error} /> : null}
          </Space>
        )}
      </QueryState>
    </Card>
  );
}

function OrderLookup({ id }: { id: string }) {
  const { t } = useTranslation();
  const order = useQuery({ queryKey: ["auditOrder", id], queryFn: () => api.order(id), retry: false });
  return (
    <Card title={t("auditor.order", { id })}>
      <QueryState query={order}>
        {(v) => (
          <Descriptions size="small" column={{ xs: 1, md: 2 }} bordered>
            <Descriptions.Item label={t("orders.status")}>{statusTag(t, v.order.status)}</Descriptions.Item>
            <Descriptions.Item label={t("shop.seller")}>{v.order.enterprise}</Descriptions.Item>
            <Descriptions.Item label={t("product.sku")}>{v.order.sku}</Descriptions.Item>
            <Descriptions.Item label={t("orders.value")}>{yuan(v.order.listValueFen)}</Descriptions.Item>
            <Descriptions.Item label={t("orders.received")}>{yuan(v.order.receivedFen)}</Descriptions.Item>
            <Descriptions.Item label={t("orders.refunded")}>{yuan(v.order.refundedFen)}</Descriptions.Item>
            <Descriptions.Item label={t("orders.referral")}>{v.order.referralCode ?? "—"}</Descriptions.Item>
            <Descriptions.Item label={t("orders.commission")}>
              {v.commission
                ? `${yuan(v.commission.totalFen)} (${v.commission.policyId} v${v.commission.policyVersion})`
                : "—"}
            </Descriptions.Item>
          </Descriptions>
        )}
      </QueryState>
    </Card>
  );
}

export default function AuditorPage() {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const block = params.get("block");
  const order = params.get("order");
  return (
    <Space direction="vertical" size="large" className="page">
      <Typography.Title level={2}>{t("auditor.title")}</Typography.Title>
      <Space wrap>
        <Input.Search
          aria-label={t("auditor.findOrder")}
          placeholder={t("auditor.findOrder")}
          onSearch={(v) => /^\d+$/.test(v.trim()) && setParams({ order: v.trim() })}
          className="org-input-wide"
        />
        <Input.Search
          aria-label={t("auditor.findBlock")}
          placeholder={t("auditor.findBlock")}
          onSearch={(v) => /^\d+$/.test(v.trim()) && setParams({ block: v.trim() })}
          className="org-input-wide"
        />
      </Space>
      {order ? <OrderLookup id={order} /> : null}
      {block ? <BlockCheck height={block} /> : null}
    </Space>
  );
}
