import { useQuery } from "@tanstack/react-query";
import { Button, Input, Popconfirm, Space, Table } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, type WithdrawalJson } from "../../chain/api.js";
import { idempotencyKey } from "../../chain/tx.js";
import { yuan } from "../../components/format.js";
import { QueryState } from "../../components/states.js";
import { statusTag } from "../../components/status-tag.js";
import { useSubmit } from "../../components/submit.js";

/** Finance's decisions: a requested withdrawal is paid (with the payment's reference) or rejected, signed here. */
export function Withdrawals({ org }: { org: string }) {
  const { t } = useTranslation();
  const list = useQuery({
    queryKey: ["withdrawals", org],
    queryFn: () => api.withdrawals(org),
  });
  return (
    <QueryState query={list} isEmpty={(d) => d.withdrawals.length === 0} empty={t("withdrawals.none")}>
      {(d) => (
        <Table<WithdrawalJson>
          rowKey="id"
          size="small"
          scroll={{ x: true }}
          pagination={{ pageSize: 20, hideOnSinglePage: true }}
          dataSource={[...d.withdrawals].reverse()}
          data-testid="withdrawals"
          columns={[
            { title: t("withdrawals.id"), dataIndex: "id" },
            {
              title: t("withdrawals.payee"),
              dataIndex: "payee",
              render: (c: string) => <span className="code-cell">{c}</span>,
            },
            { title: t("earnings.amount"), dataIndex: "amountFen", render: yuan },
            {
              title: t("withdrawals.origin"),
              dataIndex: "origin",
              render: (o: string) => t(`withdrawals.origin_${o}`, { defaultValue: o }),
            },
            {
              title: t("orders.status"),
              render: (_, w) => (
                <span data-testid={`withdrawal-status-${w.id}`}>
                  {statusTag(t, w.status, "withdrawalStatus")}
                </span>
              ),
            },
            { title: t("withdrawals.reference"), dataIndex: "externalReference" },
            {
              title: "",
              render: (_, w) => (w.status === "requested" ? <Decide org={org} w={w} /> : null),
            },
          ]}
        />
      )}
    </QueryState>
  );
}

/** A decision's block refreshes the list by itself (live invalidation), so nothing is refetched here. */
function Decide({ org, w }: { org: string; w: WithdrawalJson }) {
  const { t } = useTranslation();
  const { submit, busy } = useSubmit();
  const [reference, setReference] = useState("");
  const decide = async (paid: boolean) => {
    await submit({
      kind: "decideWithdrawal",
      value: {
        idempotencyKey: idempotencyKey("decide"),
        enterprise: org,
        withdrawalId: w.id,
        paid,
        externalReference: paid ? reference.trim() : "",
      },
    });
  };
  return (
    <Space wrap>
      <Popconfirm
        title={t("withdrawals.approveTitle", { amount: yuan(w.amountFen) })}
        description={
          <Input
            aria-label={t("withdrawals.reference")}
            placeholder={t("withdrawals.referenceHint")}
            value={reference}
            maxLength={128}
            onChange={(e) => setReference(e.target.value)}
            data-testid={`withdrawal-reference-${w.id}`}
          />
        }
        okButtonProps={{ disabled: reference.trim() === "", "data-testid": `withdrawal-approve-ok-${w.id}` }}
        onConfirm={() => void decide(true)}
      >
        <Button size="small" type="primary" loading={busy} data-testid={`withdrawal-approve-${w.id}`}>
          {t("withdrawals.approve")}
        </Button>
      </Popconfirm>
      <Popconfirm
        title={t("withdrawals.rejectTitle")}
        okButtonProps={{ danger: true, "data-testid": `withdrawal-reject-ok-${w.id}` }}
        onConfirm={() => void decide(false)}
      >
        <Button size="small" danger loading={busy} data-testid={`withdrawal-reject-${w.id}`}>
          {t("withdrawals.reject")}
        </Button>
      </Popconfirm>
    </Space>
  );
}
