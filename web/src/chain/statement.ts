import { api, type OrderViewJson, type StatementEntryJson } from "./api.js";

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

/**
 * A payee's statement with an enterprise, each commission entry joined to its order and
 * commission as the chain holds them (one order read per order, however many entries it has).
 */
export async function statementLines(org: string, code: string): Promise<StatementLine[]> {
  const { entries } = await api.statement(org, code);
  const orderIds = [...new Set(entries.filter((e) => ORDER_KINDS.includes(e.kind)).map((e) => e.orderId))];
  const views = new Map<string, OrderViewJson>();
  await Promise.all(orderIds.map(async (id) => views.set(id, await api.order(id))));
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
