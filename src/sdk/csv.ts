import { CsvError, parse } from "csv-parse/sync";
import { type CsvRecord, csvRecordsWith } from "./csv-records.js";

export type { CsvRecord };

/** The records of a CSV text, by csv-parse's Node build (the browser takes csv.browser.ts). */
export function csvRecords(text: string): CsvRecord[] {
  return csvRecordsWith(parse, (e) => e instanceof CsvError, text);
}
