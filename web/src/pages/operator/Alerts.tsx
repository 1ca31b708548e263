import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, Button, Card, Select, Space, Table, Tag, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { LedgerError } from "../../../../src/errors.js";
import type { Alert as MonitorAlert, Silence } from "../../../../src/ops/monitor/alerts.js";
import type { NodeView } from "../../../../src/ops/monitor/view.js";
import { OPS_REQUEST } from "../../../../src/sdk/ops-request.js";
import { getJson, sendJson } from "../../chain/api.js";
import { useRequestSigner } from "../../chain/request-signer.js";
import { QueryState } from "../../components/states.js";

/**
 * The operator's alerts and every node's height and lag, from the embedded monitor. The node
 * serving this console passes `/v1/ops` on to the monitor (its opsProxy setting, on in
 * `npm start`), because this page's CSP allows `connect-src 'self'` only. Acknowledging and
 * silencing are requests signed here with the unlocked key, as `mkl ops` signs with a key file;
 * the monitor takes them from node-operator and platform-operator identities only.
 */

const SILENCE_FOR = ["30m", "1h", "4h", "24h"] as const;
const SEVERITY_COLOR: Record<string, string> = { critical: "red", warning: "orange", info: "blue" };
const time = (ms: number) => new Date(ms).toLocaleString();

type OpsSend = (method: "POST" | "DELETE", path: string, body?: object) => Promise<void>;

/** Sends a write signed with the session's unlocked key; refused here while the key is locked. */
function useOpsSend(): OpsSend {
  const sign = useRequestSigner(OPS_REQUEST);
  return async (method, path, body) => {
    await sendJson(method, path, body, sign(method, path, body));
  };
}

/** A 404 from this node means it was started without a monitor to pass /v1/ops on to. */
function isNoMonitor(error: unknown): boolean {
  return error instanceof LedgerError && error.code === "NOT_FOUND";
}

function Nodes() {
  const { t } = useTranslation();
  const nodes = useQuery({
    queryKey: ["opsNodes"],
    queryFn: () => getJson<{ nodes: NodeView[] }>("/v1/ops/nodes"),
    refetchInterval: 2000,
  });
  return (
    <QueryState query={nodes}>
      {({ nodes: list }) => (
        <Table<NodeView>
          rowKey="name"
          size="small"
          pagination={false}
          scroll={{ x: true }}
          dataSource={list}
          data-testid="ops-nodes"
          columns={[
            { title: t("operator.name"), dataIndex: "name" },
            {
              title: t("operator.ops.state"),
              render: (_, n) =>
                n.up ? (
                  <Tag color="green" data-testid="node-up">
                    {t("operator.ops.up")}
                  </Tag>
                ) : (
                  <Tag color="red">{t("operator.ops.down")}</Tag>
                ),
            },
            { title: t("operator.height"), render: (_, n) => n.height ?? "—" },
            { title: t("operator.ops.lag"), render: (_, n) => n.lagBlocks ?? "—" },
            { title: t("operator.ops.role"), render: (_, n) => n.role ?? n.error ?? "—" },
          ]}
        />
      )}
    </QueryState>
  );
}

/** An acknowledgement or silence changes the monitor's alerts and silences (no block does: live.ts does not see it). */
function useAfterOpsChange(): () => Promise<void> {
  const queryClient = useQueryClient();
  return async () => {
    await Promise.all([
      queryClient.invalidateQueries({ queryKey: ["opsAlerts"] }),
      queryClient.invalidateQueries({ queryKey: ["opsSilences"] }),
    ]);
  };
}

function ActiveAlerts() {
  const { t } = useTranslation();
  const afterChange = useAfterOpsChange();
  const send = useOpsSend();
  const [silenceFor, setSilenceFor] = useState<string>("1h");
  const [failure, setFailure] = useState<string>();
  const alerts = useQuery({
    queryKey: ["opsAlerts"],
    queryFn: () => getJson<{ alerts: MonitorAlert[] }>("/v1/ops/alerts"),
    refetchInterval: 2000,
  });
  const act = async (send: () => Promise<void>) => {
    try {
      setFailure(undefined);
      await send();
    } catch (error) {
      setFailure((error as Error).message);
    }
    await afterChange();
  };
  return (
    <Space direction="vertical" className="full-width">
      <Typography.Text type="secondary">{t("operator.ops.signedHint")}</Typography.Text>
      {failure ? <Alert type="error" showIcon title={failure} data-testid="ops-failure" /> : null}
      <Space>
        <Typography.Text>{t("operator.ops.silenceFor")}</Typography.Text>
        <Select
          value={silenceFor}
          onChange={setSilenceFor}
          data-testid="silence-duration"
          options={SILENCE_FOR.map((d) => ({ value: d, label: d }))}
        />
      </Space>
      <QueryState query={alerts}>
        {({ alerts: list }) => (
          <Table<MonitorAlert>
            rowKey="id"
            size="small"
            pagination={false}
            scroll={{ x: true }}
            dataSource={list.filter((a) => a.state !== "resolved")}
            locale={{ emptyText: t("operator.ops.noAlerts") }}
            data-testid="ops-alerts"
            columns={[
              {
                title: t("operator.ops.severity"),
                render: (_, a) => <Tag color={SEVERITY_COLOR[a.severity] ?? "default"}>{a.severity}</Tag>,
              },
              { title: t("operator.ops.rule"), dataIndex: "rule" },
              { title: t("operator.name"), dataIndex: "node" },
              { title: t("operator.ops.summary"), dataIndex: "summary" },
              {
                title: t("operator.ops.state"),
                render: (_, a) => (
                  <Space size={4} wrap>
                    <Tag color={a.state === "firing" ? "red" : "gold"}>{t(`operator.ops.${a.state}`)}</Tag>
                    {a.acknowledged ? (
                      <Tag data-testid="alert-acknowledged">
                        {t("operator.ops.ackedBy", { by: a.acknowledged.by })}
                      </Tag>
                    ) : null}
                    <Typography.Text type="secondary">{time(a.activeSinceMs)}</Typography.Text>
                  </Space>
                ),
              },
              {
                title: "",
                render: (_, a) => (
                  <Space size={4}>
                    <Button
                      size="small"
                      disabled={a.acknowledged !== undefined}
                      data-testid={`ack-${a.rule}-${a.node}`}
                      onClick={() =>
                        void act(() => send("POST", `/v1/ops/alerts/${encodeURIComponent(a.id)}/ack`, {}))
                      }
                    >
                      {t("operator.ops.ack")}
                    </Button>
                    <Button
                      size="small"
                      data-testid={`silence-${a.rule}-${a.node}`}
                      onClick={() =>
                        void act(() =>
                          send("POST", "/v1/ops/silences", {
                            rule: a.rule,
                            node: a.node,
                            duration: silenceFor,
                            comment: t("operator.ops.silencedFromConsole"),
                          }),
                        )
                      }
                    >
                      {t("operator.ops.silence")}
                    </Button>
                  </Space>
                ),
              },
            ]}
          />
        )}
      </QueryState>
    </Space>
  );
}

function Silences() {
  const { t } = useTranslation();
  const afterChange = useAfterOpsChange();
  const send = useOpsSend();
  const silences = useQuery({
    queryKey: ["opsSilences"],
    queryFn: () => getJson<{ silences: Silence[] }>("/v1/ops/silences"),
    refetchInterval: 5000,
  });
  return (
    <QueryState query={silences}>
      {({ silences: list }) => (
        <Table<Silence>
          rowKey="id"
          size="small"
          pagination={false}
          scroll={{ x: true }}
          dataSource={list}
          locale={{ emptyText: t("operator.ops.noSilences") }}
          data-testid="ops-silences"
          columns={[
            { title: t("operator.ops.rule"), render: (_, s) => s.rule ?? "*" },
            { title: t("operator.name"), render: (_, s) => s.node ?? "*" },
            { title: t("operator.ops.until"), render: (_, s) => time(s.untilMs) },
            {
              title: "",
              render: (_, s) => (
                <Button
                  size="small"
                  data-testid={`unsilence-${s.id}`}
                  onClick={() =>
                    void send("DELETE", `/v1/ops/silences/${encodeURIComponent(s.id)}`).finally(
                      () => void afterChange(),
                    )
                  }
                >
                  {t("operator.ops.unsilence")}
                </Button>
              ),
            },
          ]}
        />
      )}
    </QueryState>
  );
}

export function OperatorAlerts() {
  const { t } = useTranslation();
  const monitor = useQuery({
    queryKey: ["opsNetwork"],
    queryFn: () => getJson<{ nodes: number }>("/v1/ops/network"),
    refetchInterval: 5000,
    retry: false,
  });
  if (monitor.error && isNoMonitor(monitor.error)) {
    return (
      <Card title={t("operator.ops.title")} data-testid="ops-card">
        <Alert type="info" showIcon title={t("operator.ops.noMonitor")} data-testid="ops-no-monitor" />
      </Card>
    );
  }
  return (
    <Card title={t("operator.ops.title")} data-testid="ops-card">
      <Space direction="vertical" className="full-width">
        <ActiveAlerts />
        <Typography.Title level={5}>{t("operator.ops.nodes")}</Typography.Title>
        <Nodes />
        <Typography.Title level={5}>{t("operator.ops.silences")}</Typography.Title>
        <Silences />
      </Space>
    </Card>
  );
}
