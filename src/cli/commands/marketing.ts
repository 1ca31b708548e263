import { writeFileSync } from "node:fs";
import { extname } from "node:path";
import type { Command } from "commander";
import { MAX_BATCH_ROWS } from "../../app/marketing/operations.js";
import type { ProductInput } from "../../app/marketing/records.js";
import { getSuite, isSuiteId } from "../../crypto/index.js";
import type { KeyPair } from "../../crypto/suite.js";
import type { LedgerError } from "../../errors.js";
import { TxSender } from "../../ops/demo-marketing.js";
import { decodeUserCode, readPrivateKeyFile } from "../../pki/index.js";
import { CliError } from "../io.js";
import { passphraseFrom, printer, readText } from "./cert.js";

/**
 * `mkl marketing import`: products from an ERP export and employees (with their team lead) from
 * an HR export, as CSV or JSON, checked row by row before anything is sent. Any bad row is
 * reported (file, row, field, reason) and nothing is submitted; the good batch goes to the
 * chain as ONE importBatch transaction, which applies all rows or none.
 * `mkl marketing payouts` writes finance's payout CSV; `mkl marketing earnings` prints a payee's.
 */

export type Row = Record<string, unknown>;

/** RFC 4180 CSV (quotes, doubled quotes, CRLF or LF, a leading BOM) into objects keyed by the header. */
export function parseCsv(text: string): Row[] {
  const records: string[][] = [];
  let field = "";
  let record: string[] = [];
  let quoted = false;
  const body = text.startsWith("\uFEFF") ? text.slice(1) : text;
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (quoted) {
      if (ch === '"' && body[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field === "") quoted = true;
    else if (ch === ",") {
      record.push(field);
      field = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && body[i + 1] === "\n") i++;
      record.push(field);
      records.push(record);
      record = [];
      field = "";
    } else field += ch;
  }
  if (quoted) throw new CliError("CSV ends inside a quoted field");
  if (field !== "" || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  const rows = records.filter((r) => r.some((f) => f.trim() !== ""));
  const [header, ...data] = rows;
  if (!header) return [];
  const names = header.map((h) => h.trim().toLowerCase());
  return data.map((r) => Object.fromEntries(names.map((n, i) => [n, r[i] ?? ""])));
}

export function parseTable(text: string, format: "csv" | "json", what: string): Row[] {
  if (format === "csv") return parseCsv(text);
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
  return list as Row[];
}

class RowError extends Error {}

const text = (row: Row, name: string, opts: { max: number; required?: boolean; fallback?: string }) => {
  const v = row[name];
  const s = v === undefined || v === null ? "" : String(v).trim();
  if (s === "" && opts.required) throw new RowError(`${name} is required`);
  if (new TextEncoder().encode(s).length > opts.max)
    throw new RowError(`${name} is longer than ${opts.max} bytes`);
  return s === "" ? (opts.fallback ?? "") : s;
};

const wholeNumber = (row: Row, name: string, fallback?: bigint): bigint => {
  const s = text(row, name, { max: 20, required: fallback === undefined });
  if (s === "" && fallback !== undefined) return fallback;
  if (!/^(0|[1-9][0-9]{0,17})$/.test(s)) throw new RowError(`${name} must be a whole number, got "${s}"`);
  return BigInt(s);
};

/** An amount given in fen (`NAME_fen`) or in yuan with at most two decimals (`NAME_yuan`); never a float. */
const present = (v: unknown) => v !== undefined && v !== null && String(v).trim() !== "";

const money = (row: Row, name: string): bigint => {
  const fen = row[`${name}_fen`];
  const yuan = row[`${name}_yuan`];
  const has = present;
  if (has(fen) && has(yuan)) throw new RowError(`give ${name}_fen or ${name}_yuan, not both`);
  if (has(fen)) return wholeNumber(row, `${name}_fen`);
  if (!has(yuan)) throw new RowError(`${name}_fen or ${name}_yuan is required`);
  const s = String(yuan).trim();
  const m = /^(0|[1-9][0-9]{0,15})(?:\.([0-9]{1,2}))?$/.exec(s);
  if (!m) throw new RowError(`${name}_yuan must be like 298 or 298.50, got "${s}"`);
  return BigInt(m[1]!) * 100n + BigInt((m[2] ?? "").padEnd(2, "0"));
};

const list = (row: Row, name: string): string[] => {
  const v = row[name];
  const items = Array.isArray(v)
    ? v.map((x) => String(x).trim())
    : text(row, name, { max: 1024 }).split(/[;|]/);
  return items.map((s) => s.trim()).filter((s) => s !== "");
};

export function productFromRow(row: Row): ProductInput {
  const sku = text(row, "sku", { max: 64, required: true });
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(sku)) throw new RowError("sku: letters, digits, '.', '_' or '-'");
  const priceFen = money(row, "price");
  if (priceFen <= 0n) throw new RowError("price must be positive");
  const channels = list(row, "channels");
  if (channels.length === 0 || channels.length > 16)
    throw new RowError("channels: 1 to 16, separated by ';'");
  if (new Set(channels).size !== channels.length) throw new RowError("channels: each listed once");
  for (const c of channels) if (c.length > 32) throw new RowError(`channel "${c}" is longer than 32 bytes`);
  const window = wholeNumber(row, "return_window_days", 7n);
  if (window > 365n) throw new RowError("return_window_days is at most 365");
  const status = text(row, "status", { max: 16, fallback: "active" });
  if (status !== "active" && status !== "inactive") throw new RowError("status is active or inactive");
  return {
    sku,
    name: text(row, "name", { max: 128, required: true }),
    category: text(row, "category", { max: 64 }),
    priceFen,
    costFen: present(row.cost_fen) || present(row.cost_yuan) ? money(row, "cost") : 0n,
    stock: wholeNumber(row, "stock"),
    channels,
    serviceTerms: text(row, "service_terms", { max: 512 }),
    returnWindowDays: Number(window),
    status,
  };
}

export interface EmployeeRow {
  code: Uint8Array;
  teamLead: Uint8Array | undefined;
  active: boolean;
}

export function employeeFromRow(row: Row): EmployeeRow {
  const codeText = text(row, "user_code", { max: 90, required: true });
  const leadText = text(row, "team_lead", { max: 90 });
  const userCode = (s: string, what: string) => {
    try {
      return decodeUserCode(s);
    } catch {
      throw new RowError(`${what} "${s}" is not a valid user code (a typo?)`);
    }
  };
  const activeText = text(row, "active", { max: 8, fallback: "true" }).toLowerCase();
  if (!["true", "false", "yes", "no", "1", "0"].includes(activeText))
    throw new RowError("active is true or false");
  const code = userCode(codeText, "user_code");
  const teamLead = leadText === "" ? undefined : userCode(leadText, "team_lead");
  if (teamLead && Buffer.compare(teamLead, code) === 0)
    throw new RowError("a marketer cannot be their own team lead");
  return { code, teamLead, active: ["true", "yes", "1"].includes(activeText) };
}

/** Every row parsed, or every error (file, row number counting the header as row 1 in CSV). */
export function checkRows<T>(
  rows: Row[],
  parse: (row: Row) => T,
  file: string,
  format: "csv" | "json",
): { values: T[]; errors: string[] } {
  const values: T[] = [];
  const errors: string[] = [];
  rows.forEach((row, i) => {
    try {
      values.push(parse(row));
    } catch (e) {
      if (!(e instanceof RowError)) throw e;
      errors.push(`${file} ${format === "csv" ? `row ${i + 2}` : `item ${i}`}: ${e.message}`);
    }
  });
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
    const format = formatOf(o.products, o.format);
    const checked = checkRows(
      parseTable(readText(o.products), format, o.products),
      productFromRow,
      o.products,
      format,
    );
    const seen = new Set<string>();
    checked.values.forEach((p) => {
      if (seen.has(p.sku)) errors.push(`${o.products}: SKU ${p.sku} appears twice`);
      seen.add(p.sku);
    });
    errors.push(...checked.errors);
    products = checked.values;
  }
  if (o.employees !== undefined) {
    const format = formatOf(o.employees, o.format);
    const checked = checkRows(
      parseTable(readText(o.employees), format, o.employees),
      employeeFromRow,
      o.employees,
      format,
    );
    errors.push(...checked.errors);
    employees = checked.values;
  }
  if (errors.length > 0) {
    throw new CliError(`${errors.length} bad row(s), nothing was imported:\n  ${errors.join("\n  ")}`, 1);
  }
  return { products, employees };
}

async function connect(api: string, keyFile: string, passphraseEnv: string | undefined) {
  const privateKey = readPrivateKeyFile(readText(keyFile), passphraseFrom(passphraseEnv));
  const suite = getSuite(privateKey.suite);
  const key: KeyPair = { privateKey, publicKey: suite.publicKeyOf(privateKey) };
  const probe = new TxSender(api, suite, "");
  const status = await probe.client.status();
  if (!isSuiteId(status.suite) || status.suite !== suite.id) {
    throw new CliError(`the key is for the ${suite.id} suite, the chain uses ${status.suite}`);
  }
  return { sender: new TxSender(api, suite, status.chainId), key };
}

async function getJson(url: string): Promise<unknown> {
  const response = await fetch(url);
  const body = response.headers.get("content-type")?.includes("json")
    ? await response.json()
    : await response.text();
  if (!response.ok) {
    const error = (body as { error?: { code: string; message: string } }).error;
    throw new CliError(`${url}: ${error ? `${error.message} [${error.code}]` : response.status}`, 1);
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
    .option("--api <url>", "a node's API", "http://127.0.0.1:26650")
    .option("--key <file>", "the enterprise identity's private key file")
    .option("--passphrase-env <var>", "the key's passphrase is in this environment variable")
    .option("--idempotency-key <key>", "the business transaction's key (a repeat changes nothing)")
    .option("--dry-run", "check the files and stop");
  importCmd.action(
    async (o: {
      products?: string;
      employees?: string;
      format?: string;
      api: string;
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
      if (o.idempotencyKey === undefined || !/^[\x21-\x7e]{1,64}$/.test(o.idempotencyKey)) {
        throw new CliError("--idempotency-key is required: 1..64 printable ASCII characters");
      }
      const { sender, key } = await connect(o.api, o.key, o.passphraseEnv);
      const result = await sender.send(key, {
        kind: "importBatch",
        value: {
          idempotencyKey: o.idempotencyKey,
          products,
          marketers: employees,
        },
      });
      if (result.code !== "OK")
        throw new CliError(`the chain refused the import, nothing was applied: ${result.message}`, 1);
      const replay = result.events.some((e) => e.type === "idempotentReplay");
      print(replay ? "already imported with this idempotency key: nothing changed" : "imported");
    },
  );

  const payouts = marketing
    .command("payouts")
    .description("finance's payout export (CSV) of an enterprise")
    .requiredOption("--enterprise <org>", "the enterprise's organisation id")
    .option("--status <status>", "only requested, paid or rejected payouts")
    .option("--out <file>", "write the CSV here instead of stdout")
    .option("--api <url>", "a node's API", "http://127.0.0.1:26650");
  payouts.action(async (o: { enterprise: string; status?: string; out?: string; api: string }) => {
    const query = o.status === undefined ? "" : `?status=${encodeURIComponent(o.status)}`;
    const csv = String(
      await getJson(
        `${o.api.replace(/\/+$/, "")}/v1/marketing/enterprises/${encodeURIComponent(o.enterprise)}/payouts.csv${query}`,
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
    .option("--limit <n>", "at most this many entries", "100")
    .option("--api <url>", "a node's API", "http://127.0.0.1:26650");
  statement.action(
    async (o: { enterprise: string; code: string; offset: string; limit: string; api: string }) => {
      if (!/^[0-9]{1,9}$/.test(o.offset) || !/^[0-9]{1,4}$/.test(o.limit))
        throw new CliError("--offset and --limit are whole numbers");
      const body = (await getJson(
        `${o.api.replace(/\/+$/, "")}/v1/marketing/enterprises/${encodeURIComponent(o.enterprise)}/marketers/${encodeURIComponent(o.code)}/statement?offset=${o.offset}&limit=${o.limit}`,
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
    .requiredOption("--code <userCode>", "the payee's user code")
    .option("--api <url>", "a node's API", "http://127.0.0.1:26650");
  earnings.action(async (o: { enterprise: string; code: string; api: string }) => {
    try {
      decodeUserCode(o.code);
    } catch (e) {
      throw new CliError((e as LedgerError).message);
    }
    const body = await getJson(
      `${o.api.replace(/\/+$/, "")}/v1/marketing/enterprises/${encodeURIComponent(o.enterprise)}/marketers/${o.code}/earnings`,
    );
    for (const [k, v] of Object.entries(body as Record<string, unknown>))
      printer(earnings)(`${k} ${String(v)}`);
  });
}
