import { LedgerError } from "../errors.js";

/** One CSV record by lowercased header name, with the line of the file it ends on. */
export interface CsvRecord {
  row: Record<string, unknown>;
  line: number;
}

const OPTIONS = {
  bom: true,
  columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()),
  record_delimiter: ["\r\n", "\n", "\r"],
  skip_empty_lines: true,
  skip_records_with_empty_values: true,
  info: true,
};

/** csv-parse's sync parse with these options: Node's build (csv.ts) or the browser's (csv.browser.ts). */
export type CsvParse = (
  text: string,
  options: typeof OPTIONS,
) => Array<{ record: CsvRecord["row"]; info: { lines: number } }>;

/** RFC 4180 CSV (quotes, CRLF or LF, a leading BOM); a malformed file is CSV_INVALID with csv-parse's reason. */
export function csvRecordsWith(
  parse: CsvParse,
  isCsvError: (e: unknown) => boolean,
  text: string,
): CsvRecord[] {
  try {
    return parse(text, OPTIONS).map(({ record, info }) => ({ row: record, line: info.lines }));
  } catch (error) {
    if (isCsvError(error)) throw new LedgerError("CSV_INVALID", (error as Error).message);
    throw error;
  }
}
