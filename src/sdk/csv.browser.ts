import { CsvError, parse } from "csv-parse/browser/esm/sync";
import { type CsvRecord, csvRecordsWith } from "./csv-records.js";

export type { CsvRecord };

/** The records of a CSV text, by csv-parse's browser build (the Node build needs Buffer). */
export function csvRecords(text: string): CsvRecord[] {
  return csvRecordsWith(parse, (e) => e instanceof CsvError, text);
}
