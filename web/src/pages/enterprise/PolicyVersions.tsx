import { useQuery } from "@tanstack/react-query";
import { Card, Input, Select, Space, Table, Tag, Typography } from "antd";
import type { TFunction } from "i18next";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { PolicyRules, PolicyVersion } from "../../../../src/app/marketing/records.js";
import { diffRules, policyVersions, type RuleDiff, type RuleName } from "../../chain/policies.js";
import { percentOfBps, yuan } from "../../components/format.js";
import { QueryState } from "../../components/states.js";

/** A rule's value in words: percentages, yuan, days, the tier and channel lists. */
function ruleText(t: TFunction, rule: RuleName, value: PolicyRules[RuleName]): string {
  if (value === undefined) return t("policyRule.none");
  switch (rule) {
    case "baseBps":
    case "teamLeadShareBps":
      return percentOfBps(value as number);
    case "fixedPerUnitFen":
    case "capPerOrderFen":
    case "capPerMarketerPeriodFen":
      return yuan(value as bigint);
    case "periodDays":
      return t("policyRule.days", { n: value as number });
    case "ownPurchaseEarns":
      return t(value ? "policyRule.yes" : "policyRule.no");
    case "tiers": {
      const tiers = value as PolicyRules["tiers"];
      return tiers.length === 0
        ? t("policyRule.none")
        : tiers.map((x) => `≥${yuan(x.minPeriodVolumeFen)} → ${percentOfBps(x.bps)}`).join("; ");
    }
    case "channelBps": {
      const rates = value as PolicyRules["channelBps"];
      return rates.length === 0
        ? t("policyRule.none")
        : rates.map((x) => `${x.channel}: ${percentOfBps(x.bps)}`).join("; ");
    }
  }
}

/** The stored versions of a policy and, rule by rule, what changed between two of them. */
export function PolicyVersions({ org, initialId }: { org: string; initialId: string }) {
  const { t } = useTranslation();
  const [policyId, setPolicyId] = useState(initialId);
  const [picked, setPicked] = useState<{ from?: number; to?: number }>({});
  const versions = useQuery({
    queryKey: ["policy-versions", org, policyId],
    queryFn: () => policyVersions(org, policyId),
    enabled: policyId !== "",
  });
  return (
    <Card title={t("policyVersions.title")} data-testid="policy-versions">
      <Space direction="vertical" className="full-width">
        <Input
          addonBefore={t("policy.id")}
          aria-label={t("policy.id")}
          value={policyId}
          onChange={(e) => {
            setPolicyId(e.target.value.trim());
            setPicked({});
          }}
          className="org-input-wide"
          data-testid="versions-policy-id"
        />
        <QueryState
          query={versions}
          isEmpty={(v) => v.length === 0}
          empty={t("policyVersions.none", { id: policyId })}
        >
          {(list) => <VersionsAndDiff list={list} picked={picked} setPicked={setPicked} />}
        </QueryState>
      </Space>
    </Card>
  );
}

function VersionsAndDiff({
  list,
  picked,
  setPicked,
}: {
  list: PolicyVersion[];
  picked: { from?: number; to?: number };
  setPicked: (p: { from?: number; to?: number }) => void;
}) {
  const { t } = useTranslation();
  const last = list[list.length - 1]!.version;
  const to = picked.to ?? last;
  const from = picked.from ?? Math.max(1, to - 1);
  const a = list.find((v) => v.version === from);
  const b = list.find((v) => v.version === to);
  const options = list.map((v) => ({
    value: v.version,
    label: t("policyVersions.version", { n: v.version }),
  }));
  return (
    <Space direction="vertical" className="full-width">
      <Table<PolicyVersion>
        rowKey="version"
        size="small"
        scroll={{ x: true }}
        pagination={false}
        dataSource={[...list].reverse()}
        columns={[
          { title: t("policyVersions.versionCol"), dataIndex: "version" },
          {
            title: t("policy.scope"),
            render: (_, v) => `${t(`policy.scope_${v.scopeKind}`)} ${v.scopeValue}`,
          },
          { title: t("policyRule.baseBps"), render: (_, v) => ruleText(t, "baseBps", v.rules.baseBps) },
          {
            title: t("policyRule.fixedPerUnitFen"),
            render: (_, v) => ruleText(t, "fixedPerUnitFen", v.rules.fixedPerUnitFen),
          },
          {
            title: t("policyRule.capPerOrderFen"),
            render: (_, v) => ruleText(t, "capPerOrderFen", v.rules.capPerOrderFen),
          },
        ]}
      />
      <Space wrap>
        <Typography.Text>{t("policyVersions.compare")}</Typography.Text>
        <Select
          aria-label={t("policyVersions.from")}
          value={from}
          options={options}
          onChange={(v: number) => setPicked({ from: v, to })}
          data-testid="diff-from"
          className="role-select"
        />
        <Typography.Text>→</Typography.Text>
        <Select
          aria-label={t("policyVersions.to")}
          value={to}
          options={options}
          onChange={(v: number) => setPicked({ from, to: v })}
          data-testid="diff-to"
          className="role-select"
        />
      </Space>
      {a && b ? (
        <Table<RuleDiff>
          rowKey="rule"
          size="small"
          scroll={{ x: true }}
          pagination={false}
          data-testid="policy-diff"
          dataSource={diffRules(a.rules, b.rules)}
          rowClassName={(d) => (d.changed ? "diff-changed" : "")}
          columns={[
            { title: t("policyVersions.rule"), render: (_, d) => t(`policyRule.${d.rule}`) },
            {
              title: t("policyVersions.version", { n: from }),
              render: (_, d) => ruleText(t, d.rule, d.before),
            },
            { title: t("policyVersions.version", { n: to }), render: (_, d) => ruleText(t, d.rule, d.after) },
            {
              title: "",
              render: (_, d) =>
                d.changed ? (
                  <Tag color="orange" data-testid={`diff-changed-${d.rule}`}>
                    {t("policyVersions.changed")}
                  </Tag>
                ) : null,
            },
          ]}
        />
      ) : null}
    </Space>
  );
}
