import { useQuery } from "@tanstack/react-query";
import { Card, Descriptions, Space, Table, Tag, Typography } from "antd";
import { useTranslation } from "react-i18next";
import { client } from "../chain/client.js";
import { QueryState } from "../components/states.js";

export default function OperatorPage() {
  const { t } = useTranslation();
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
                <Descriptions.Item label={t("operator.peers")}>{s.peers.length}</Descriptions.Item>
                <Descriptions.Item label={t("operator.mempool")}>{s.mempool.txs}</Descriptions.Item>
                <Descriptions.Item label={t("operator.suite")}>{s.crypto.suite}</Descriptions.Item>
                <Descriptions.Item label={t("operator.backend")}>
                  <Tag color={s.crypto.backend === "native" ? "green" : "orange"}>{s.crypto.backend}</Tag>
                </Descriptions.Item>
                <Descriptions.Item label={t("operator.version")}>{s.version}</Descriptions.Item>
              </Descriptions>
            </Card>
            <Card title={t("operator.validators")}>
              <Table
                rowKey="publicKey"
                size="small"
                pagination={false}
                scroll={{ x: true }}
                dataSource={s.validators}
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
          </>
        )}
      </QueryState>
    </Space>
  );
}
