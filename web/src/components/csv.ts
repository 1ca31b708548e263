import { downloadText } from "./download.js";

/** One CSV field (RFC 4180): quoted when it holds a comma, quote or line break. */
function field(value: string | number | bigint | boolean | null | undefined): string {
  const text = value === null || value === undefined ? "" : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(
  header: readonly string[],
  rows: ReadonlyArray<ReadonlyArray<Parameters<typeof field>[0]>>,
): string {
  return `${[header, ...rows].map((r) => r.map(field).join(",")).join("\r\n")}\r\n`;
}

export function downloadCsv(
  fileName: string,
  header: readonly string[],
  rows: Parameters<typeof toCsv>[1],
): void {
  downloadText(fileName, toCsv(header, rows), "text/csv");
}
