import { useQuery } from "@tanstack/react-query";
import { Button, Card, Form, Input, Space, Table } from "antd";
import { useTranslation } from "react-i18next";
import { api, type WithdrawalJson } from "../../chain/api.js";
import { idempotencyKey } from "../../chain/tx.js";
import { parseYuan, yuan } from "../../components/format.js";
import { QueryState } from "../../components/states.js";
import { statusTag } from "../../components/status-tag.js";
import { useSubmit } from "../../components/submit.js";

/** A payee's withdrawal requests with this enterprise: ask for a payout of the balance, follow each one's state. */
export function MyWithdrawals({
  org,
  code,
  balanceFen,
}: {
  org: string;
  code: string;
  balanceFen: bigint | undefined;
}) {
  const { t } = useTranslation();
  const { submit, busy } = useSubmit();
  const [form] = Form.useForm<{ amount: string }>();
  const list = useQuery({
    queryKey: ["withdrawals", org],
    queryFn: () => api.withdrawals(org),
    select: (d) => d.withdrawals.filter((w) => w.payee === code).reverse(),
  });
  const onFinish = async ({ amount }: { amount: string }) => {
    const done = await submit({
      kind: "requestWithdrawal",
      value: { idempotencyKey: idempotencyKey("withdraw"), enterprise: org, amountFen: parseYuan(amount)! },
    });
    // The block it committed in refreshes the list (live invalidation).
    if (done) form.resetFields();
  };
  return (
    <Card title={t("withdrawals.mine")}>
      <Space direction="vertical" className="full-width">
        <Form form={form} layout="inline" onFinish={onFinish} className="csr-form">
          <Form.Item
            name="amount"
            label={t("withdrawals.amountYuan")}
            rules={[
              { required: true, message: t("form.required") },
              {
                validator: (_, v: string) => {
                  const fen = parseYuan(v ?? "");
                  if (fen === undefined || fen === 0n)
                    return Promise.reject(new Error(t("form.yuanInvalid")));
                  if (balanceFen !== undefined && fen > balanceFen)
                    return Promise.reject(
                      new Error(t("withdrawals.overBalance", { balance: yuan(balanceFen) })),
                    );
                  return Promise.resolve();
                },
              },
            ]}
          >
            <Input inputMode="decimal" data-testid="withdraw-amount" />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={busy} data-testid="withdraw-submit">
            {t("withdrawals.request")}
          </Button>
        </Form>
        <QueryState query={list} isEmpty={(w) => w.length === 0} empty={t("withdrawals.none")}>
          {(rows) => (
            <Table<WithdrawalJson>
              rowKey="id"
              size="small"
              scroll={{ x: true }}
              pagination={{ pageSize: 10, hideOnSinglePage: true }}
              dataSource={rows}
              data-testid="my-withdrawals"
              columns={[
                { title: t("withdrawals.id"), dataIndex: "id" },
                { title: t("earnings.amount"), dataIndex: "amountFen", render: yuan },
                {
                  title: t("orders.status"),
                  render: (_, w) => (
                    <span data-testid={`my-withdrawal-${w.id}`}>
                      {statusTag(t, w.status, "withdrawalStatus")}
                    </span>
                  ),
                },
                { title: t("withdrawals.reference"), dataIndex: "externalReference" },
              ]}
            />
          )}
        </QueryState>
      </Space>
    </Card>
  );
}
