/** One figure of a benchmark, optionally beside a reference measured in the same run. */
export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  /** The same figure for the reference implementation (same machine, same run). */
  reference?: number;
  /** What the figure must meet, in words, e.g. ">= 0.8 x reference". */
  limit?: string;
  /** value / reference. */
  ratio?: number;
}

function fmt(n: number | undefined, digits = 0): string {
  if (n === undefined) return "";
  return n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** Renders rows as an aligned text table. */
export function formatTable(rows: readonly BenchRow[]): string {
  const header = ["benchmark", "value", "unit", "reference", "ratio", "limit"];
  const body = rows.map((r) => [
    r.name,
    fmt(r.value),
    r.unit,
    fmt(r.reference),
    fmt(r.ratio, 2),
    r.limit ?? "",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 || i === 2 || i === 5 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line)].join("\n");
}

export function printTable(rows: readonly BenchRow[]): void {
  console.log(formatTable(rows));
}
