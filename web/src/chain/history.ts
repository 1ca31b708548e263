import { useQueries } from "@tanstack/react-query";
import { useMemo } from "react";
import {
  ANOMALY_KINDS,
  type AnomalyKind,
  countCodec,
  escrowCodec,
  keys,
  productCodec,
  salesCodec,
} from "../../../src/app/marketing/records.js";
import { useLastComplete } from "./last-complete.js";
import { BOOKS_AT } from "./query-keys.js";
import { readIndexValues, readState } from "./state-reads.js";

/** One sampled height of an enterprise's books: escrow and completed sales per channel, as the chain held them then. */
export interface BooksAt {
  height: bigint;
  timeMs: bigint;
  balanceFen: bigint;
  settledFen: bigint;
  payableFen: bigint;
  returnedFen: bigint;
  /** Net amount received on completed orders, by channel (the channels the chain knew then). */
  salesFen: Record<string, bigint>;
  /**
   * Profit after cost and commission on completed orders, summed over the channels: net received,
   * less the units' cost at the unit costs their orders recorded, less the commission net of clawbacks.
   */
  profitFen: bigint;
  /** Units cleared (completed, net of returns), by product (the products the chain knew then). */
  clearedUnits: Record<string, bigint>;
  /** How many anomalies of each kind the chain had flagged by then. */
  anomalies: Record<AnomalyKind, bigint>;
}

export interface BooksHistory {
  channels: string[];
  products: string[];
  points: BooksAt[];
}

/**
 * At most `count` heights from 1 to `tip`, the tip included, each once: the multiples of a
 * power-of-two step below the tip, then the tip. The step changes only when the tip doubles,
 * so as the chain grows the same heights come back and their reads are reused.
 */
export function sampleHeights(tip: bigint, count: number): bigint[] {
  if (tip < 1n) return [];
  const n = BigInt(Math.max(1, count));
  let step = 1n;
  while (step * n < tip) step *= 2n;
  const heights: bigint[] = [];
  for (let h = step; h < tip; h += step) heights.push(h);
  heights.push(tip);
  return heights;
}

/** The enterprise's books at one height, read from the chain's own state then (`GET /v1/state/:key?height=`). */
export async function booksAt(org: string, height: bigint): Promise<BooksAt> {
  const [channels, skus] = await Promise.all([
    readIndexValues(org, "channel", height),
    readIndexValues(org, "product", height),
  ]);
  const [escrow, sales, products, anomalies] = await Promise.all([
    readState(keys.escrow(org), escrowCodec, height),
    Promise.all(channels.map((c) => readState(keys.sales(org, "channel", c), salesCodec, height))),
    Promise.all(skus.map((sku) => readState(keys.product(org, sku), productCodec, height))),
    Promise.all(ANOMALY_KINDS.map((k) => readState(keys.anomalies(org, k), countCodec, height))),
  ]);
  const e = escrow.value;
  return {
    height,
    timeMs: escrow.timeMs,
    balanceFen: e?.balanceFen ?? 0n,
    settledFen: e?.settledFen ?? 0n,
    payableFen: e?.payableFen ?? 0n,
    returnedFen: e?.returnedFen ?? 0n,
    salesFen: Object.fromEntries(channels.map((c, i) => [c, sales[i]?.value?.netReceivedFen ?? 0n])),
    profitFen: sales.reduce((sum, { value: s }) => sum + (s ? profitOf(s) : 0n), 0n),
    clearedUnits: Object.fromEntries(skus.map((sku, i) => [sku, products[i]?.value?.sold ?? 0n])),
    anomalies: Object.fromEntries(ANOMALY_KINDS.map((k, i) => [k, anomalies[i]?.value?.n ?? 0n])) as Record<
      AnomalyKind,
      bigint
    >,
  };
}

/** A sales record's profit after cost and commission (negative when they exceed what was received). */
export function profitOf(s: { netReceivedFen: bigint; costFen: bigint; commissionFen: bigint }): bigint {
  return s.netReceivedFen - s.costFen - s.commissionFen;
}

/**
 * The enterprise's escrow and sales over time up to `tip`, each sampled height its own query
 * kept for good: a new block reads only the new tip. While the new tip is read, the last
 * complete history stays; undefined until the first one is complete.
 */
export function useBooksHistory(
  org: string,
  tip: bigint | undefined,
  count = 16,
): { data: BooksHistory | undefined; error: unknown; isLoading: boolean } {
  const heights = useMemo(() => (tip === undefined ? [] : sampleHeights(tip, count)), [tip, count]);
  const points = useQueries({
    queries: heights.map((height) => ({
      queryKey: [BOOKS_AT, org, height.toString()],
      queryFn: () => booksAt(org, height),
      staleTime: Number.POSITIVE_INFINITY,
    })),
    combine: (results) => ({
      points: results.every((r) => r.data !== undefined) ? results.map((r) => r.data) : undefined,
      error: results.find((r) => r.error)?.error ?? null,
    }),
  });
  const history = useMemo(
    () =>
      tip !== undefined && points.points
        ? {
            channels: [...new Set(points.points.flatMap((p) => Object.keys(p.salesFen)))],
            products: [...new Set(points.points.flatMap((p) => Object.keys(p.clearedUnits)))],
            points: points.points,
          }
        : undefined,
    [tip, points.points],
  );
  const data = useLastComplete(history);
  return { data, error: points.error, isLoading: data === undefined && points.error === null };
}
