import { useQuery } from "@tanstack/react-query";
import { Button, Select, Space, Table, Tag } from "antd";
import { useTranslation } from "react-i18next";
import { decodeUserCode } from "../../../../src/pki/user-code.js";
import type { EmployeeRow } from "../../../../src/sdk/import-rows.js";
import {
  importBatch,
  MARKETER_COLUMNS,
  MARKETER_EXAMPLE,
  parseMarketersCsv,
} from "../../chain/import-csv.js";
import { type RosterEntry, roster } from "../../chain/roster.js";
import { QueryState } from "../../components/states.js";
import { useSubmit } from "../../components/submit.js";
import { ImportCsv } from "./ImportCsv.js";

/** The HR side: the enterprise's marketers, their team leads and who is active, written by importBatch. */
export function Employees({ org }: { org: string }) {
  const { t } = useTranslation();
  const { submit, busy } = useSubmit();
  const list = useQuery({ queryKey: ["roster", org], queryFn: () => roster(org) });
  const save = async (entry: RosterEntry, change: { teamLead?: string | null; active?: boolean }) => {
    const lead = change.teamLead === undefined ? entry.teamLead : (change.teamLead ?? undefined);
    const done = await submit(
      importBatch({
        marketers: [
          {
            code: decodeUserCode(entry.code),
            teamLead: lead ? decodeUserCode(lead) : undefined,
            active: change.active ?? entry.active,
          },
        ],
      }),
    );
    if (done) void list.refetch();
  };
  return (
    <Space direction="vertical" size="large" className="full-width">
      <QueryState query={list} isEmpty={(r) => r.length === 0} empty={t("employees.none")}>
        {(entries) => (
          <Table<RosterEntry>
            rowKey="code"
            size="small"
            scroll={{ x: true }}
            pagination={{ pageSize: 20, hideOnSinglePage: true }}
            dataSource={entries}
            data-testid="roster"
            columns={[
              {
                title: t("keys.userCode"),
                dataIndex: "code",
                render: (c: string) => <span className="code-cell">{c}</span>,
              },
              {
                title: t("employees.role"),
                render: (_, e) =>
                  e.identity ? t(`roles.${e.identity.role}`, { defaultValue: e.identity.role }) : "—",
              },
              {
                title: t("employees.teamLead"),
                render: (_, e) => (
                  <Select
                    aria-label={t("employees.teamLead")}
                    className="lead-select"
                    value={e.teamLead ?? ""}
                    disabled={busy}
                    data-testid={`team-lead-${e.code}`}
                    onChange={(v: string) => void save(e, { teamLead: v || null })}
                    options={[
                      { value: "", label: t("employees.noLead") },
                      ...entries
                        .filter((o) => o.code !== e.code)
                        .map((o) => ({ value: o.code, label: o.code })),
                    ]}
                  />
                ),
              },
              {
                title: t("employees.status"),
                render: (_, e) => (
                  <Tag color={e.active ? "green" : "default"} data-testid={`active-${e.code}`}>
                    {t(e.active ? "employees.active" : "employees.inactive")}
                  </Tag>
                ),
              },
              {
                title: "",
                render: (_, e) => (
                  <Button
                    size="small"
                    danger={e.active}
                    loading={busy}
                    onClick={() => void save(e, { active: !e.active })}
                    data-testid={`${e.active ? "deactivate" : "reactivate"}-${e.code}`}
                  >
                    {t(e.active ? "employees.deactivate" : "employees.reactivate")}
                  </Button>
                ),
              },
            ]}
          />
        )}
      </QueryState>
      <ImportCsv<EmployeeRow>
        testId="hr"
        title={t("import.hrTitle")}
        columns={MARKETER_COLUMNS}
        example={MARKETER_EXAMPLE}
        parse={(text) => parseMarketersCsv(text, org)}
        toOperation={(marketers) => importBatch({ marketers })}
        onImported={() => void list.refetch()}
      />
    </Space>
  );
}
