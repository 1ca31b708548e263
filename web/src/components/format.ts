/** Fen (bigint as a decimal string) to yuan text, with no float anywhere: "29800" -> "¥298.00". */
export function yuan(fen: string | bigint): string {
  const value = typeof fen === "bigint" ? fen : BigInt(fen);
  const negative = value < 0n;
  const abs = negative ? -value : value;
  return `${negative ? "-" : ""}¥${(abs / 100n).toString()}.${(abs % 100n).toString().padStart(2, "0")}`;
}

/** Yuan typed by a person ("298", "298.5", "298.50") to fen; undefined if it is not an amount. */
export function parseYuan(text: string): bigint | undefined {
  const m = /^\s*(\d{1,12})(?:\.(\d{1,2}))?\s*$/.exec(text);
  if (!m) return undefined;
  return BigInt(m[1]!) * 100n + BigInt((m[2] ?? "").padEnd(2, "0") || "0");
}

export function percentOfBps(bps: number): string {
  return `${Math.floor(bps / 100)}.${String(bps % 100).padStart(2, "0")}%`;
}
