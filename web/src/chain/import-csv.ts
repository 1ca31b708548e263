import type { ProductInput } from "../../../src/app/marketing/records.js";
import type { Operation } from "../../../src/app/operations/index.js";
import { LedgerError } from "../../../src/errors.js";
import { type CsvRecord, csvRecords } from "../../../src/sdk/csv.js";
import { type EmployeeRow, employeeFromRow, productFromRow, RowError } from "../../../src/sdk/import-rows.js";
import { type IdentityJson, identityOrNone } from "./api.js";
import { notAMarketerHere } from "./roster.js";
import { idempotencyKey } from "./tx.js";

/** The one operation that writes products (ERP) and marketers (HR): all its rows or none. */
export function importBatch(rows: { products?: ProductInput[]; marketers?: EmployeeRow[] }): Operation {
  return {
    kind: "importBatch",
    value: {
      idempotencyKey: idempotencyKey("import"),
      products: rows.products ?? [],
      marketers: rows.marketers ?? [],
    },
  };
}

/** What is wrong with a row: a translation key and its values (`import.row` carries the row check's own words). */
export interface RowProblem {
  key: string;
  params?: Record<string, string>;
}

/** One data row of an imported file: its line in the file, what it names, the value or why not. */
export interface ImportRow<T> {
  line: number;
  key: string;
  value?: T;
  problems: RowProblem[];
}

/** The ERP and HR exports' columns, as `mkl marketing import` reads them (src/sdk/import-rows.ts). */
export const PRODUCT_COLUMNS = [
  "sku",
  "name",
  "category",
  "price_yuan",
  "cost_yuan",
  "stock",
  "channels",
  "service_terms",
  "return_window_days",
  "status",
] as const;
export const MARKETER_COLUMNS = ["user_code", "team_lead", "active"] as const;

/** A sample of each file, for the "example" button. */
export const PRODUCT_EXAMPLE = `${PRODUCT_COLUMNS.join(",")}
TEA-200,白茶 200 克,tea,188.00,80,500,online|distributor,七天无理由退货,7,active
`;
export const MARKETER_EXAMPLE = `${MARKETER_COLUMNS.join(",")}
mkl1...,,true
`;

/** A file that cannot be read as CSV at all: nothing of it is checked or submitted. */
export class ImportFileError extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

function recordsOf(text: string): CsvRecord[] {
  try {
    return csvRecords(text);
  } catch (error) {
    if (error instanceof LedgerError && error.code === "CSV_INVALID")
      throw new ImportFileError(error.message);
    throw error;
  }
}

/** A row through the shared row check: its value, or the check's reason as the row's problem. */
function checkRow<T>(record: CsvRecord, key: string, fromRow: (row: CsvRecord["row"]) => T): ImportRow<T> {
  try {
    return { line: record.line, key, value: fromRow(record.row), problems: [] };
  } catch (error) {
    if (!(error instanceof RowError)) throw error;
    return { line: record.line, key, problems: [{ key: "import.row", params: { issue: error.message } }] };
  }
}

/** A value seen on an earlier row makes this one an error (the chain refuses a SKU or code twice in a batch). */
function refuseRepeats<T>(rows: ImportRow<T>[]): ImportRow<T>[] {
  const seen = new Set<string>();
  return rows.map((r) => {
    const repeated = r.key !== "" && seen.has(r.key);
    seen.add(r.key);
    if (!repeated) return r;
    return {
      line: r.line,
      key: r.key,
      problems: [...r.problems, { key: "import.repeated", params: { value: r.key } }],
    };
  });
}

const text = (v: unknown) => (typeof v === "string" ? v.trim() : "");

/** Products from the ERP CSV, each row checked as `mkl marketing import` checks it. */
export function parseProductsCsv(csv: string): ImportRow<ProductInput>[] {
  return refuseRepeats(recordsOf(csv).map((r) => checkRow(r, text(r.row.sku), productFromRow)));
}

/**
 * Marketers from the HR CSV: the shared row check, then the chain's rule that the marketer and
 * the team lead are marketers who may work for this enterprise (their identities read from the chain).
 */
export async function parseMarketersCsv(csv: string, org: string): Promise<ImportRow<EmployeeRow>[]> {
  const records = recordsOf(csv);
  const rows = refuseRepeats(records.map((r) => checkRow(r, text(r.row.user_code), employeeFromRow)));
  const identities = new Map<string, Promise<IdentityJson | undefined>>();
  const identity = (code: string) => {
    if (!identities.has(code)) identities.set(code, identityOrNone(code));
    return identities.get(code)!;
  };
  return Promise.all(
    rows.map(async (r, i): Promise<ImportRow<EmployeeRow>> => {
      if (!r.value) return r;
      const problems: RowProblem[] = [];
      for (const [who, code] of [
        ["marketer", r.key],
        ["teamLead", text(records[i]?.row.team_lead)],
      ] as const) {
        if (!code) continue;
        const why = notAMarketerHere(await identity(code), org);
        if (why) problems.push({ key: `import.${why}`, params: { who, code } });
      }
      return problems.length === 0 ? r : { line: r.line, key: r.key, problems };
    }),
  );
}
