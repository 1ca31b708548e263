import { useQueries, useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { api, type OrderViewJson, type StatementEntryJson } from "./api.js";
import { useLastComplete } from "./last-complete.js";

/** Statement entries about an order's commission (withdrawal entries carry no order). */
export const ORDER_KINDS = ["settled", "payable", "clawback", "debt-netted"];

/** One statement entry with what it is about: the order's product and the policy version that priced it. */
export interface StatementLine extends StatementEntryJson {
  sku: string | undefined;
  policy: string | undefined;
  /** The payee's part of the commission now: payable or settled (clawed back shows in its own entries). */
  partStatus: string | undefined;
  /** The order's last lifecycle reason code (buyer-confirmed, not-as-described, ...). */
  reason: string | undefined;
}

/** The distinct orders a statement's commission entries are about, each read once as its own query. */
export function statementOrderIds(entries: readonly StatementEntryJson[]): string[] {
  return [...new Set(entries.filter((e) => ORDER_KINDS.includes(e.kind)).map((e) => e.orderId))];
}

/**
 * A payee's statement with an enterprise, each commission entry joined to its order and
 * commission as the chain holds them (`views` by order id; an order not read yet leaves its fields empty).
 */
export function statementLines(
  entries: readonly StatementEntryJson[],
  code: string,
  views: ReadonlyMap<string, OrderViewJson>,
): StatementLine[] {
  return entries.map((e) => {
    const view = ORDER_KINDS.includes(e.kind) ? views.get(e.orderId) : undefined;
    const commission = view?.commission ?? undefined;
    return {
      ...e,
      sku: view?.order.sku,
      policy: commission ? `${commission.policyId}@${commission.policyVersion}` : undefined,
      partStatus: commission?.parts.find((p) => p.payee === code)?.status,
      reason: view?.order.lastReason,
    };
  });
}

/**
 * The statement (one request) with its orders, each its own query keyed ["order", id] so an
 * order is read once and cached across pages; the live block feed refreshes them all. Lines
 * show once every order is read; while a new order loads, the last complete lines stay.
 */
export function useStatementLines(org: string, code: string) {
  const statement = useQuery({
    queryKey: ["statement", org, code],
    queryFn: () => api.statement(org, code),
  });
  const entries = statement.data?.entries;
  const ids = useMemo(() => statementOrderIds(entries ?? []), [entries]);
  const orders = useQueries({
    queries: ids.map((id) => ({
      queryKey: ["order", id],
      queryFn: () => api.order(id),
    })),
    combine: (results) => ({
      views: results.every((r) => r.data !== undefined) ? results.map((r) => r.data) : undefined,
      error: results.find((r) => r.error)?.error ?? null,
    }),
  });
  const lines = useMemo(
    () =>
      entries && orders.views
        ? statementLines(entries, code, new Map(orders.views.map((v, i) => [ids[i]!, v])))
        : undefined,
    [entries, ids, orders.views, code],
  );
  const data = useLastComplete(lines);
  return {
    data,
    error: statement.error ?? orders.error,
    isLoading: data === undefined && statement.error === null && orders.error === null,
  };
}

/** Each kind's running total over the statement's heights: the earnings-over-time series. */
export function runningTotals(
  lines: readonly StatementEntryJson[],
  kinds: readonly string[],
): { heights: string[]; timesMs: string[]; totals: Record<string, bigint[]> } {
  const sorted = [...lines].sort((a, b) =>
    BigInt(a.height) < BigInt(b.height) ? -1 : BigInt(a.height) > BigInt(b.height) ? 1 : 0,
  );
  const running = Object.fromEntries(kinds.map((k) => [k, 0n])) as Record<string, bigint>;
  const totals = Object.fromEntries(kinds.map((k) => [k, [] as bigint[]]));
  const heights: string[] = [];
  const timesMs: string[] = [];
  for (const e of sorted) {
    if (e.kind in running) running[e.kind]! += BigInt(e.amountFen);
    if (heights[heights.length - 1] === e.height) {
      for (const k of kinds) totals[k]![totals[k]!.length - 1] = running[k]!;
      continue;
    }
    heights.push(e.height);
    timesMs.push(e.timeMs);
    for (const k of kinds) totals[k]!.push(running[k]!);
  }
  return { heights, timesMs, totals };
}
