import { useQuery } from "@tanstack/react-query";
import {
  Alert,
  Button,
  Card,
  Descriptions,
  Form,
  InputNumber,
  Select,
  Space,
  Table,
  Tag,
  Typography,
} from "antd";
import { useTranslation } from "react-i18next";
import { fromHex } from "../../../src/ledger/bytes.js";
import type { ProposalJson, ProposalListJson, StatusJson } from "../../../src/sdk/client.js";
import { getJson } from "../chain/api.js";
import { client } from "../chain/client.js";
import { idempotencyKey } from "../chain/tx.js";
import { QueryState } from "../components/states.js";
import { useSubmit } from "../components/submit.js";
import { UnlockGate } from "../components/unlock.js";
import { useSession } from "../session.js";
import { OperatorAlerts } from "./operator/Alerts.js";

/**
 * The operator's page. The network map is what this node knows: its own height and consensus
 * state, and each configured peer with its link, named after the validator whose key it is.
 * The monitor's alerts (acknowledge, silence) and every node's height and lag come through this
 * node's `/v1/ops` (operator/Alerts.tsx), since the CSP keeps the page to 'self'. Governance proposals come from the node's own query and are approved here,
 * signed with an organisation admin's key.
 */

function NetworkMap({ s }: { s: StatusJson }) {
  const { t } = useTranslation();
  const nameOf = (key: string) =>
    s.validators.find((v) => v.publicKey === key)?.name ?? `${key.slice(0, 12)}…`;
  const best = BigInt(s.consensus.bestPeerHeight ?? s.height);
  const lag = best > BigInt(s.height) ? best - BigInt(s.height) : 0n;
  const rows = [
    {
      key: s.consensus.nodeId,
      name: `${nameOf(s.consensus.nodeId)} (${t("operator.self")})`,
      address: s.moniker,
      health: lag === 0n ? "ok" : "behind",
      detail: t("operator.selfDetail", {
        height: s.height,
        lag: lag.toString(),
        round: s.consensus.round,
        role: s.consensus.role,
      }),
    },
    ...s.peers.map((p) => ({
      key: p.id,
      name: nameOf(p.id),
      address: p.address,
      health: p.connected ? "ok" : "down",
      detail: p.connected
        ? t("operator.peerDetail", {
            sent: p.sentBytes,
            received: p.receivedBytes,
            dropped: p.droppedMessages,
          })
        : (p.lastError ?? "—"),
    })),
  ];
  const color = { ok: "green", behind: "orange", down: "red" } as const;
  return (
    <Card title={t("operator.networkMap")}>
      <Table
        rowKey="key"
        size="small"
        pagination={false}
        scroll={{ x: true }}
        dataSource={rows}
        data-testid="network-map"
        columns={[
          { title: t("operator.name"), dataIndex: "name" },
          { title: t("operator.endpoint"), dataIndex: "address" },
          {
            title: t("operator.health"),
            dataIndex: "health",
            render: (h: keyof typeof color, r) => (
              <Tag color={color[h]} data-testid={`health-${r.key.slice(0, 16)}`}>
                {t(`operator.healthState.${h}`)}
              </Tag>
            ),
          },
          { title: "", dataIndex: "detail" },
        ]}
      />
      <Typography.Paragraph type="secondary" className="gap-top">
        {t("operator.monitorNote")}
      </Typography.Paragraph>
    </Card>
  );
}

function Propose({ s, onDone }: { s: StatusJson; onDone: () => void }) {
  const { t } = useTranslation();
  const { submit, busy } = useSubmit();
  const [form] = Form.useForm<{ validator: string; power: number }>();
  return (
    <Form
      form={form}
      layout="inline"
      className="csr-form"
      onFinish={async (v) => {
        const validator = s.validators.find((x) => x.publicKey === v.validator);
        if (!validator) return;
        const done = await submit({
          kind: "proposeGovernance",
          value: {
            proposalId: idempotencyKey("power").toLowerCase(),
            actions: [
              {
                kind: "changeValidators",
                value: {
                  changes: [
                    { name: validator.name, publicKey: fromHex(validator.publicKey), power: BigInt(v.power) },
                  ],
                },
              },
            ],
          },
        });
        if (done) {
          form.resetFields();
          onDone();
        }
      }}
    >
      <Form.Item
        name="validator"
        label={t("operator.validator")}
        rules={[{ required: true, message: t("form.required") }]}
      >
        <Select
          className="role-select"
          data-testid="propose-validator"
          options={s.validators.map((v) => ({ value: v.publicKey, label: `${v.name} (${v.power})` }))}
        />
      </Form.Item>
      <Form.Item
        name="power"
        label={t("operator.newPower")}
        rules={[{ required: true, message: t("form.required") }]}
      >
        <InputNumber min={0} data-testid="propose-power" />
      </Form.Item>
      <Button htmlType="submit" type="primary" loading={busy} data-testid="propose-submit">
        {t("operator.propose")}
      </Button>
    </Form>
  );
}

function Governance({ s }: { s: StatusJson }) {
  const { t } = useTranslation();
  const session = useSession();
  const { submit, busy } = useSubmit();
  const list = useQuery({
    queryKey: ["proposals"],
    queryFn: () => getJson<ProposalListJson>("/v1/governance/proposals"),
    refetchInterval: 3000,
  });
  const org = session.identity?.role === "org-admin" ? session.identity.organisation : undefined;
  return (
    <Card title={t("operator.governance")}>
      <QueryState query={list}>
        {(l) => (
          <Space direction="vertical" className="full-width">
            <Typography.Text type="secondary">
              {t("operator.quorum", { needed: l.approvalsNeeded, members: l.members })}
            </Typography.Text>
            <Table<ProposalJson>
              rowKey="id"
              size="small"
              pagination={false}
              scroll={{ x: true }}
              dataSource={l.proposals}
              locale={{ emptyText: t("operator.noProposals") }}
              data-testid="proposals"
              columns={[
                { title: t("operator.proposal"), dataIndex: "id" },
                {
                  title: t("operator.changes"),
                  render: (_, p) =>
                    p.actions
                      .flatMap((a) =>
                        a.kind === "changeValidators"
                          ? a.value.changes.map((c) => t("operator.change", { name: c.name, power: c.power }))
                          : [t(`operator.action.${a.kind}`, { id: "id" in a.value ? a.value.id : "" })],
                      )
                      .join("; "),
                },
                {
                  title: t("operator.approvals"),
                  render: (_, p) => `${p.approvals.join(", ")} (${p.approvals.length}/${l.approvalsNeeded})`,
                },
                {
                  title: t("orders.status"),
                  render: (_, p) => (
                    <span data-testid={`proposal-status-${p.id}`}>
                      {p.status === "scheduled"
                        ? t("operator.scheduled", { height: p.effectiveHeight })
                        : t("operator.pending")}
                    </span>
                  ),
                },
                {
                  title: "",
                  render: (_, p) =>
                    p.status === "pending" && org && !p.approvals.includes(org) ? (
                      <Button
                        size="small"
                        type="primary"
                        loading={busy}
                        data-testid={`approve-${p.id}`}
                        onClick={async () => {
                          if (await submit({ kind: "approveProposal", value: { proposalId: p.id } }))
                            void list.refetch();
                        }}
                      >
                        {t("operator.approve", { org })}
                      </Button>
                    ) : null,
                },
              ]}
            />
            {org ? (
              <Propose s={s} onDone={() => void list.refetch()} />
            ) : (
              <Alert type="info" showIcon title={t("operator.adminOnly")} />
            )}
          </Space>
        )}
      </QueryState>
    </Card>
  );
}

export default function OperatorPage() {
  const { t } = useTranslation();
  const session = useSession();
  const status = useQuery({
    queryKey: ["operatorStatus"],
    queryFn: () => client.status(),
    refetchInterval: 3000,
  });
  return (
    <Space direction="vertical" size="large" className="page">
      <Typography.Title level={2}>{t("operator.title")}</Typography.Title>
      <QueryState query={status}>
        {(s) => (
          <>
            <Card title={t("operator.thisNode", { moniker: s.moniker })}>
              <Descriptions size="small" column={{ xs: 1, md: 3 }} bordered data-testid="node-status">
                <Descriptions.Item label={t("operator.height")}>{s.height}</Descriptions.Item>
                <Descriptions.Item label={t("operator.peers")}>
                  {s.peers.filter((p) => p.connected).length} / {s.peers.length}
                </Descriptions.Item>
                <Descriptions.Item label={t("operator.mempool")}>{s.mempool.txs}</Descriptions.Item>
                <Descriptions.Item label={t("operator.suite")}>{s.crypto.suite}</Descriptions.Item>
                <Descriptions.Item label={t("operator.backend")}>
                  <Tag color={s.crypto.backend === "native" ? "green" : "orange"}>{s.crypto.backend}</Tag>
                </Descriptions.Item>
                <Descriptions.Item label={t("operator.version")}>{s.version}</Descriptions.Item>
              </Descriptions>
            </Card>
            <NetworkMap s={s} />
            <OperatorAlerts />
            <Card title={t("operator.validators")}>
              <Table
                rowKey="publicKey"
                size="small"
                pagination={false}
                scroll={{ x: true }}
                dataSource={s.validators}
                data-testid="validators"
                columns={[
                  { title: t("operator.name"), dataIndex: "name" },
                  { title: t("operator.power"), dataIndex: "power" },
                  {
                    title: t("operator.address"),
                    dataIndex: "address",
                    render: (a: string) => <code>{a.slice(0, 16)}…</code>,
                  },
                ]}
              />
            </Card>
            {session.active ? (
              <UnlockGate>
                <Governance s={s} />
              </UnlockGate>
            ) : (
              <Governance s={s} />
            )}
          </>
        )}
      </QueryState>
    </Space>
  );
}
