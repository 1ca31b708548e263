import { fromHex, toHex } from "../../ledger/bytes.js";
import { encodeUserCode } from "../../pki/user-code.js";
import type { StateReader } from "../state.js";
import {
  ANOMALY_KINDS,
  type AnomalyKind,
  type Earnings,
  EMPTY_EARNINGS,
  EMPTY_ESCROW,
  type Escrow,
  keys,
  type Product,
  readCommission,
  readCount,
  readEarnings,
  readEscrow,
  readIndex,
  readOrder,
  readProduct,
  readSales,
  readStatements,
  readWithdrawal,
  type Sales,
  type StatementEntry,
  type Withdrawal,
} from "./records.js";

/**
 * Read models over the marketing state, for the API and tests. Every figure is a state value
 * kept up to date by the operations, so a query reads a few keys and can be proved against a
 * block's state root (the keys are returned with the answer).
 */

export function marketerEarnings(state: StateReader, org: string, code: Uint8Array): Earnings {
  return readEarnings(state, org, code) ?? EMPTY_EARNINGS;
}

export function enterpriseCost(state: StateReader, org: string): Escrow {
  return readEscrow(state, org) ?? EMPTY_ESCROW;
}

export function productView(state: StateReader, org: string, sku: string): Product | undefined {
  return readProduct(state, org, sku);
}

export function listProducts(state: StateReader, org: string, offset = 0n, limit = 500n): Product[] {
  return readIndex(state, org, "product", offset, limit).flatMap((sku) => {
    const p = readProduct(state, org, sku);
    return p ? [p] : [];
  });
}

export type SalesDimension = "product" | "channel" | "marketer";

export interface SalesRow extends Sales {
  readonly key: string;
}

/** Sales of completed orders (net of refunds) by product, channel or marketer (hex code). */
export function salesBy(
  state: StateReader,
  org: string,
  dim: SalesDimension,
  offset = 0n,
  limit = 500n,
): SalesRow[] {
  return readIndex(state, org, dim, offset, limit).flatMap((value) => {
    const s = readSales(state, org, dim, value);
    return s ? [{ key: dim === "marketer" ? encodeUserCode(fromHex(value)) : value, ...s }] : [];
  });
}

/** How many anomalies of each kind the chain flagged for the enterprise. */
export function anomalyCounts(state: StateReader, org: string): Record<AnomalyKind, bigint> {
  return Object.fromEntries(
    ANOMALY_KINDS.map((k) => [k, readCount(state, keys.anomalies(org, k))]),
  ) as Record<AnomalyKind, bigint>;
}

export function statements(
  state: StateReader,
  org: string,
  code: Uint8Array,
  offset = 0,
  limit = 500,
): StatementEntry[] {
  return readStatements(state, org, code, offset, limit);
}

export function withdrawals(state: StateReader, org: string, offset = 0, limit = 1000): Withdrawal[] {
  const count = readEscrow(state, org)?.withdrawalCount ?? 0;
  const out: Withdrawal[] = [];
  for (let i = offset; i < count && i < offset + limit; i++) {
    const w = readWithdrawal(state, org, i);
    if (w) out.push(w);
  }
  return out;
}

const csvField = (v: string) => (/[",\n\r]/.test(v) || /^[=+\-@]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/**
 * Payouts for finance, as CSV (RFC 4180, CRLF). Amounts in fen and in yuan (exact decimal
 * string, never a float). Fields that a spreadsheet could take for a formula are quoted.
 */
export function payoutCsv(state: StateReader, org: string, status?: string): string {
  const header = [
    "withdrawal_id",
    "enterprise",
    "payee_user_code",
    "amount_fen",
    "amount_yuan",
    "status",
    "requested_at",
    "decided_at",
    "external_reference",
  ];
  const rows = withdrawals(state, org)
    .filter((w) => status === undefined || w.status === status)
    .map((w) => [
      String(w.id),
      w.enterprise,
      encodeUserCode(w.payee),
      w.amountFen.toString(),
      yuan(w.amountFen),
      w.status,
      new Date(Number(w.requestedAtMs)).toISOString(),
      w.decidedAtMs === 0n ? "" : new Date(Number(w.decidedAtMs)).toISOString(),
      w.externalReference,
    ]);
  return `${[header, ...rows].map((r) => r.map(csvField).join(",")).join("\r\n")}\r\n`;
}

export function yuan(fen: bigint): string {
  return `${fen / 100n}.${(fen % 100n).toString().padStart(2, "0")}`;
}

export function orderView(state: StateReader, id: bigint) {
  const order = readOrder(state, id);
  if (!order) return undefined;
  return {
    order,
    commission: readCommission(state, id),
    stateKeys: [toHex(keys.order(id)), toHex(keys.commission(id))],
  };
}
