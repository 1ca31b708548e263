import type { z } from "zod";
import { channelsListedOnce } from "../app/marketing/operations.js";
import type { ProductInput } from "../app/marketing/records.js";
import { describeIssues, marketerInputSchema, productInputSchema } from "../app/operations/input.js";
import { LedgerError } from "../errors.js";

/**
 * The rows of the ERP and HR exports (`mkl marketing import` and the console's CSV import read
 * the same columns): each row checked with the chain's own input schemas, so a row is refused
 * here, with its reason, exactly when the chain would refuse it.
 * ERP: sku, name, category, price_yuan or price_fen, cost_yuan or cost_fen, stock, channels
 * (separated by ";" or "|"), service_terms, return_window_days, status.
 * HR: user_code, team_lead, active.
 */

export type Row = Record<string, unknown>;

/** A row of an import file that the chain would refuse: what is wrong with it, in words. */
export class RowError extends LedgerError {
  constructor(message: string) {
    super("IMPORT_ROW_INVALID", message);
  }
}

/** A cell as text: CSV gives strings, JSON may give numbers or booleans; anything else is refused. */
function textOf(v: unknown, name: string): string {
  if (v === undefined || v === null) return "";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "bigint" || typeof v === "boolean") return String(v);
  throw new RowError(`${name} must be text or a number, got ${JSON.stringify(v)}`);
}
const cell = (row: Row, name: string): string | undefined => {
  const text = textOf(row[name], name).trim();
  return text === "" ? undefined : text;
};

/** An amount given in fen (`NAME_fen`) or in yuan with at most two decimals (`NAME_yuan`); never a float. */
function fenOf(row: Row, name: string): string | undefined {
  const fen = cell(row, `${name}_fen`);
  const yuan = cell(row, `${name}_yuan`);
  if (fen !== undefined && yuan !== undefined)
    throw new RowError(`give ${name}_fen or ${name}_yuan, not both`);
  if (yuan === undefined) return fen;
  const m = /^(0|[1-9][0-9]{0,15})(?:\.([0-9]{1,2}))?$/.exec(yuan);
  if (!m) throw new RowError(`${name}_yuan must be like 298 or 298.50, got "${yuan}"`);
  return (BigInt(m[1]!) * 100n + BigInt((m[2] ?? "").padEnd(2, "0"))).toString();
}

const listOf = (row: Row, name: string): string[] => {
  const v = row[name];
  const items = Array.isArray(v) ? v.map((item) => textOf(item, name)) : textOf(v, name).split(/[;|]/);
  return items.map((s) => s.trim()).filter((s) => s !== "");
};

const smallNumber = (row: Row, name: string): number | undefined => {
  const s = cell(row, name);
  if (s === undefined) return undefined;
  if (!/^[0-9]{1,9}$/.test(s)) throw new RowError(`${name} must be a whole number, got "${s}"`);
  return Number(s);
};

/** A schema's verdict on a row, as one RowError naming every field it refused. */
function checked<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw new RowError(describeIssues(result.error).join("; "));
  return result.data;
}

/** An ERP row (the export's column names) checked with the chain's product input schema. */
export function productFromRow(row: Row): ProductInput {
  const priceFen = fenOf(row, "price");
  if (priceFen === undefined) throw new RowError("price_fen or price_yuan is required");
  const product = checked(productInputSchema, {
    sku: cell(row, "sku") ?? "",
    name: cell(row, "name") ?? "",
    category: cell(row, "category"),
    priceFen,
    costFen: fenOf(row, "cost"),
    stock: cell(row, "stock") ?? "",
    channels: listOf(row, "channels"),
    serviceTerms: cell(row, "service_terms"),
    returnWindowDays: smallNumber(row, "return_window_days"),
    status: cell(row, "status"),
  });
  // The chain's rule too (checkProduct), so the whole batch is not refused for one row.
  if (!channelsListedOnce(product.channels)) throw new RowError("channels must be listed once each");
  return product;
}

export type EmployeeRow = z.output<typeof marketerInputSchema>;

/** An HR row (user_code, team_lead, active) checked with the chain's marketer input schema. */
export function employeeFromRow(row: Row): EmployeeRow {
  const active = cell(row, "active")?.toLowerCase();
  if (active !== undefined && !["true", "false", "yes", "no", "1", "0"].includes(active))
    throw new RowError("active is true or false");
  return checked(marketerInputSchema, {
    code: cell(row, "user_code") ?? "",
    teamLead: cell(row, "team_lead"),
    active: active === undefined ? undefined : ["true", "yes", "1"].includes(active),
  });
}
