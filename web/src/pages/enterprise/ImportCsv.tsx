import { Alert, Button, Card, Input, Space, Table, Tag, Typography, Upload } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { MAX_BATCH_ROWS } from "../../../../src/app/marketing/operations.js";
import type { Operation } from "../../../../src/app/operations/index.js";
import { LedgerError } from "../../../../src/errors.js";
import { ImportFileError, type ImportRow, type RowProblem } from "../../chain/import-csv.js";
import { useErrorText } from "../../components/states.js";
import { useSubmit } from "../../components/submit.js";

type Outcome = { state: "imported"; height: string } | { state: "refused"; message: string };

/** The row a refused batch names in its result's details, 1-based within the batch. */
function refusedRow(error: unknown, rows: number): number | undefined {
  if (!(error instanceof LedgerError) || error.code !== "IMPORT_ROW_INVALID") return undefined;
  const row = Number(error.details.row);
  return Number.isInteger(row) && row >= 1 && row <= rows ? row : undefined;
}

/**
 * A CSV import: the file is checked row by row in the browser before anything is signed; only
 * rows without problems are submitted (the chain takes a batch all or nothing, so a row it
 * still refuses is taken out and the rest submitted again), and every row shows its outcome.
 */
export function ImportCsv<T>({
  testId,
  title,
  columns,
  example,
  parse,
  toOperation,
  onImported,
}: {
  testId: string;
  title: string;
  columns: readonly string[];
  example: string;
  parse: (text: string) => ImportRow<T>[] | Promise<ImportRow<T>[]>;
  toOperation: (values: T[]) => Operation;
  onImported: () => void;
}) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const { submit, busy } = useSubmit();
  const [text, setText] = useState("");
  const [rows, setRows] = useState<ImportRow<T>[]>();
  const [fileError, setFileError] = useState<string>();
  const [checking, setChecking] = useState(false);
  const [outcomes, setOutcomes] = useState<Map<number, Outcome>>(new Map());
  const problemText = (p: RowProblem) =>
    t(p.key, { ...p.params, who: t(`import.who_${p.params?.who ?? ""}`, { defaultValue: "" }) });

  const check = async (source = text) => {
    setRows(undefined);
    setFileError(undefined);
    setOutcomes(new Map());
    setChecking(true);
    try {
      setRows(await parse(source));
    } catch (error) {
      setFileError(
        error instanceof ImportFileError
          ? t("import.unreadable", { reason: error.reason })
          : errorText(error),
      );
    } finally {
      setChecking(false);
    }
  };

  const importValid = async () => {
    const next = new Map<number, Outcome>();
    let pending = (rows ?? []).filter((r) => r.value !== undefined);
    while (pending.length > 0) {
      const batch = pending.slice(0, MAX_BATCH_ROWS);
      let failure: unknown;
      const done = await submit(toOperation(batch.map((r) => r.value as T)), (e) => (failure = e));
      if (done) {
        for (const r of batch) next.set(r.line, { state: "imported", height: done.height });
        pending = pending.slice(batch.length);
        continue;
      }
      const row = refusedRow(failure, batch.length);
      if (row === undefined) {
        for (const r of pending) next.set(r.line, { state: "refused", message: errorText(failure) });
        break;
      }
      const refused = batch[row - 1]!;
      next.set(refused.line, { state: "refused", message: errorText(failure) });
      pending = pending.filter((r) => r !== refused);
    }
    setOutcomes(next);
    onImported();
  };

  const valid = rows?.filter((r) => r.value !== undefined).length ?? 0;
  return (
    <Card size="small" title={title}>
      <Space direction="vertical" className="full-width">
        <Typography.Text type="secondary">
          {t("import.columns")} <code className="break-all">{columns.join(",")}</code>
        </Typography.Text>
        <Space wrap>
          <Upload
            accept=".csv,text/csv"
            showUploadList={false}
            beforeUpload={(file) => {
              void file.text().then((content) => {
                setText(content);
                void check(content);
              });
              return false;
            }}
          >
            <Button>{t("import.chooseFile")}</Button>
          </Upload>
          <Button onClick={() => setText(example)}>{t("import.example")}</Button>
        </Space>
        <Input.TextArea
          aria-label={t("import.paste")}
          placeholder={t("import.paste")}
          rows={4}
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            setRows(undefined);
          }}
          data-testid={`${testId}-csv`}
        />
        <Space wrap>
          <Button
            onClick={() => void check()}
            disabled={!text.trim()}
            loading={checking}
            data-testid={`${testId}-check`}
          >
            {t("import.check")}
          </Button>
          <Button
            type="primary"
            disabled={valid === 0 || outcomes.size > 0}
            loading={busy}
            onClick={() => void importValid()}
            data-testid={`${testId}-submit`}
          >
            {t("import.submit", { count: valid })}
          </Button>
        </Space>
        {fileError ? (
          <Alert type="error" showIcon role="alert" title={fileError} data-testid={`${testId}-file-error`} />
        ) : null}
        {rows && rows.length === 0 ? <Alert type="warning" showIcon title={t("import.noRows")} /> : null}
        {rows && rows.length > 0 ? (
          <Table<ImportRow<T>>
            rowKey="line"
            size="small"
            scroll={{ x: true }}
            pagination={{ pageSize: 20, hideOnSinglePage: true }}
            dataSource={rows}
            data-testid={`${testId}-rows`}
            columns={[
              { title: t("import.line"), dataIndex: "line", width: 60 },
              {
                title: t("import.key"),
                dataIndex: "key",
                render: (k: string) => <span className="break-all">{k || "—"}</span>,
              },
              {
                title: t("import.outcome"),
                render: (_, r) => {
                  const outcome = outcomes.get(r.line);
                  const id = `${testId}-row-${r.line}`;
                  if (r.problems.length > 0)
                    return (
                      <Space direction="vertical" size={0} data-testid={id} data-state="invalid">
                        <Tag color="red">{t("import.notSubmitted")}</Tag>
                        {r.problems.map((p) => (
                          <Typography.Text
                            type="danger"
                            key={`${p.key}-${p.params?.issue ?? p.params?.value ?? ""}`}
                          >
                            {problemText(p)}
                          </Typography.Text>
                        ))}
                      </Space>
                    );
                  if (outcome?.state === "imported")
                    return (
                      <Tag color="green" data-testid={id} data-state="imported">
                        {t("import.imported", { height: outcome.height })}
                      </Tag>
                    );
                  if (outcome?.state === "refused")
                    return (
                      <Space direction="vertical" size={0} data-testid={id} data-state="refused">
                        <Tag color="red">{t("import.refused")}</Tag>
                        <Typography.Text type="danger">{outcome.message}</Typography.Text>
                      </Space>
                    );
                  return (
                    <Tag color="blue" data-testid={id} data-state="ready">
                      {t("import.ready")}
                    </Tag>
                  );
                },
              },
            ]}
          />
        ) : null}
      </Space>
    </Card>
  );
}
