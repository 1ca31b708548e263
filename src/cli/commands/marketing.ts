import { readFileSync, writeFileSync } from "node:fs";
import { extname } from "node:path";
import type { Command } from "commander";
import { MAX_BATCH_ROWS } from "../../app/marketing/operations.js";
import type { ProductInput } from "../../app/marketing/records.js";
import { LedgerError } from "../../errors.js";
import { decodeUserCode } from "../../pki/index.js";
import { csvRecords } from "../../sdk/csv.js";
import {
  type EmployeeRow,
  employeeFromRow,
  productFromRow,
  type Row,
  RowError,
} from "../../sdk/import-rows.js";
import { CliError, EXIT_REFUSED, printer } from "../io.js";
import {
  idempotencyKeyOf,
  nodeOption,
  type SignerOptions,
  signerOptions,
  submitOperation,
} from "../submit.js";

/**
 * `mkl marketing import`: products from an ERP export and employees (with their team lead) from
 * an HR export, as CSV or JSON, every row checked with the chain's input schemas before
 * anything is sent. Any bad row is reported (file, line, field, reason) and nothing is
 * submitted; the good batch goes to the chain as ONE importBatch transaction, which applies all
 * rows or none. A binary file, or a file with no rows, is refused.
 * `mkl marketing payouts` writes finance's payout CSV; `mkl marketing earnings` prints a payee's.
 */

/** A row and where it is in its file ("line 3" of a CSV file, "item 0" of a JSON array). */
export interface LocatedRow {
  row: Row;
  at: string;
}

/** A file's text, refusing what is not text: a NUL byte or bytes that are not UTF-8 (a binary file). */
export function readTextOnly(path: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new CliError(`cannot read ${path}: ${(error as Error).message}`);
  }
  if (bytes.includes(0)) throw new CliError(`${path} is a binary file, not CSV or JSON text`);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new CliError(`${path} is not UTF-8 text`);
  }
}

/** RFC 4180 CSV (csv-parse: quotes, CRLF or LF, a leading BOM) into rows keyed by the lowercased header. */
export function parseCsv(text: string, what = "CSV"): LocatedRow[] {
  try {
    return csvRecords(text).map(({ row, line }) => ({ row, at: `line ${line}` }));
  } catch (error) {
    if (error instanceof LedgerError && error.code === "CSV_INVALID")
      throw new CliError(`${what}: ${error.message}`);
    throw error;
  }
}

export function parseTable(text: string, format: "csv" | "json", what: string): LocatedRow[] {
  if (format === "csv") return parseCsv(text, what);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new CliError(`${what} is not valid JSON: ${(e as Error).message}`);
  }
  const list = Array.isArray(value) ? value : (value as { rows?: unknown })?.rows;
  if (!Array.isArray(list) || list.some((r) => r === null || typeof r !== "object" || Array.isArray(r))) {
    throw new CliError(`${what}: expected a JSON array of objects (or {"rows": [...]})`);
  }
  return (list as Row[]).map((row, i) => ({ row, at: `item ${i}` }));
}

/** Every row parsed, or every error (file and where in it); no rows at all is an error too. */
export function checkRows<T>(
  rows: LocatedRow[],
  parseRow: (row: Row) => T,
  file: string,
): { values: T[]; errors: string[] } {
  const values: T[] = [];
  const errors: string[] = [];
  for (const { row, at } of rows) {
    try {
      values.push(parseRow(row));
    } catch (e) {
      if (!(e instanceof RowError)) throw e;
      errors.push(`${file} ${at}: ${e.message}`);
    }
  }
  if (rows.length === 0) errors.push(`${file}: no rows (an import has at least one)`);
  if (rows.length > MAX_BATCH_ROWS) {
    errors.push(`${file}: ${rows.length} rows, at most ${MAX_BATCH_ROWS} per import (split the file)`);
  }
  return { values, errors };
}

function formatOf(path: string, given: string | undefined): "csv" | "json" {
  const f = given ?? (extname(path).toLowerCase() === ".json" ? "json" : "csv");
  if (f !== "csv" && f !== "json") throw new CliError(`--format is csv or json, got "${f}"`);
  return f;
}

function readRows<T>(path: string, format: string | undefined, parseRow: (row: Row) => T) {
  return checkRows(parseTable(readTextOnly(path), formatOf(path, format), path), parseRow, path);
}

/** Reads and checks both files; throws one CliError listing every bad row. */
export function prepareImport(o: { products?: string; employees?: string; format?: string }): {
  products: ProductInput[];
  employees: EmployeeRow[];
} {
  if (o.products === undefined && o.employees === undefined)
    throw new CliError("give --products and/or --employees");
  const errors: string[] = [];
  let products: ProductInput[] = [];
  let employees: EmployeeRow[] = [];
  if (o.products !== undefined) {
    const result = readRows(o.products, o.format, productFromRow);
    const seen = new Set<string>();
    for (const p of result.values) {
      if (seen.has(p.sku)) errors.push(`${o.products}: SKU ${p.sku} appears twice`);
      seen.add(p.sku);
    }
    errors.push(...result.errors);
    products = result.values;
  }
  if (o.employees !== undefined) {
    const result = readRows(o.employees, o.format, employeeFromRow);
    errors.push(...result.errors);
    employees = result.values;
  }
  if (errors.length > 0) {
    throw new CliError(`${errors.length} bad row(s), nothing was imported:\n  ${errors.join("\n  ")}`);
  }
  return { products, employees };
}

async function getJson(url: string): Promise<unknown> {
  const response = await fetch(url);
  const body = response.headers.get("content-type")?.includes("json")
    ? await response.json()
    : await response.text();
  if (!response.ok) {
    const error = (body as { error?: { code: string; message: string } }).error;
    throw new CliError(
      `${url}: ${error ? error.message : response.status}`,
      EXIT_REFUSED,
      error?.code ?? "HTTP_ERROR",
    );
  }
  return body;
}

export function registerMarketingCommands(program: Command): void {
  const marketing = program.command("marketing").description("catalogue import, earnings and payouts");
  const importCmd = marketing
    .command("import")
    .description("import products (ERP) and employees (HR) from CSV or JSON: all rows or none")
    .option(
      "--products <file>",
      "products: sku,name,category,price_fen|price_yuan,cost_fen|cost_yuan,stock,channels,service_terms,return_window_days,status",
    )
    .option("--employees <file>", "employees: user_code,team_lead,active")
    .option("--format <csv|json>", "file format (default: from the file extension)")
    .option("--idempotency-key <key>", "the business transaction's key (a repeat changes nothing)")
    .option("--dry-run", "check the files and stop");
  signerOptions(importCmd, false);
  importCmd.action(
    async (o: {
      products?: string;
      employees?: string;
      format?: string;
      node: string;
      key?: string;
      passphraseEnv?: string;
      idempotencyKey?: string;
      dryRun?: boolean;
    }) => {
      const print = printer(importCmd);
      const { products, employees } = prepareImport(o);
      print(`${products.length} product(s) and ${employees.length} employee(s) checked`);
      if (o.dryRun) return;
      if (o.key === undefined) throw new CliError("--key is required to submit (or use --dry-run)");
      const idempotencyKey = idempotencyKeyOf(o.idempotencyKey);
      const result = await submitOperation(
        o as SignerOptions,
        { kind: "importBatch", value: { idempotencyKey, products, marketers: employees } },
        print,
      );
      const replay = result.events.some((e) => e.type === "idempotentReplay");
      print(replay ? "already imported with this idempotency key: nothing changed" : "imported");
    },
  );

  const payouts = marketing
    .command("payouts")
    .description("finance's payout export (CSV) of an enterprise")
    .requiredOption("--enterprise <org>", "the enterprise's organisation id")
    .option("--status <status>", "only requested, paid or rejected payouts")
    .option("--out <file>", "write the CSV here instead of stdout");
  nodeOption(payouts);
  payouts.action(async (o: { enterprise: string; status?: string; out?: string; node: string }) => {
    const query = o.status === undefined ? "" : `?status=${encodeURIComponent(o.status)}`;
    const csv = String(
      await getJson(
        `${o.node.replace(/\/+$/, "")}/v1/marketing/enterprises/${encodeURIComponent(o.enterprise)}/payouts.csv${query}`,
      ),
    );
    if (o.out !== undefined) {
      writeFileSync(o.out, csv);
      printer(payouts)(`wrote ${o.out}`);
    } else printer(payouts)(csv.trimEnd());
  });

  const statement = marketing
    .command("statement")
    .description(
      "a payee's statement with an enterprise: settlements, payables, clawbacks, netted debt, withdrawals",
    )
    .requiredOption("--enterprise <org>", "the enterprise's organisation id")
    .requiredOption("--code <userCode>", "the payee's user code")
    .option("--offset <n>", "first entry", "0")
    .option("--limit <n>", "at most this many entries", "100");
  nodeOption(statement);
  statement.action(
    async (o: { enterprise: string; code: string; offset: string; limit: string; node: string }) => {
      if (!/^[0-9]{1,9}$/.test(o.offset) || !/^[0-9]{1,4}$/.test(o.limit))
        throw new CliError("--offset and --limit are whole numbers");
      const body = (await getJson(
        `${o.node.replace(/\/+$/, "")}/v1/marketing/enterprises/${encodeURIComponent(o.enterprise)}/marketers/${encodeURIComponent(o.code)}/statement?offset=${o.offset}&limit=${o.limit}`,
      )) as { entries: Array<Record<string, string>> };
      const print = printer(statement);
      for (const e of body.entries) {
        const when = new Date(Number(e.timeMs)).toISOString();
        print(
          `${when} h${e.height} ${e.kind} order ${e.orderId} ${e.amountFen} fen ${e.reference ?? ""}`.trimEnd(),
        );
      }
      if (body.entries.length === 0) print("no entries");
    },
  );

  const earnings = marketing
    .command("earnings")
    .description("a payee's earnings with an enterprise (pending, payable, settled, clawed back, withdrawn)")
    .requiredOption("--enterprise <org>", "the enterprise's organisation id")
    .requiredOption("--code <userCode>", "the payee's user code");
  nodeOption(earnings);
  earnings.action(async (o: { enterprise: string; code: string; node: string }) => {
    try {
      decodeUserCode(o.code);
    } catch (e) {
      throw new CliError((e as LedgerError).message);
    }
    const body = await getJson(
      `${o.node.replace(/\/+$/, "")}/v1/marketing/enterprises/${encodeURIComponent(o.enterprise)}/marketers/${o.code}/earnings`,
    );
    for (const [k, v] of Object.entries(body as Record<string, unknown>))
      printer(earnings)(`${k} ${String(v)}`);
  });
}
