import type { AppEvent } from "../../app/events.js";
import {
  commissionCodec,
  listEnterprises,
  ORDER_STATUSES,
  orderStatusOf,
  readEscrow,
} from "../../app/marketing/records.js";
import type { StateReader, StateWriteEntry } from "../../app/state.js";
import { decode } from "../../ledger/codec.js";
import type { NodeMetrics } from "../metrics.js";

const text = new TextEncoder();
export const ORDER_PREFIX = text.encode("mkt/order/");
export const COMMISSION_PREFIX = text.encode("mkt/commission/");

function hasPrefix(key: Uint8Array, prefix: Uint8Array): boolean {
  // A loop, not every(): it runs twice for each of a block's thousands of writes.
  if (key.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (key[i] !== prefix[i]) return false;
  return true;
}

/** What one stored record adds to the counts: +1 per order state or commission part status. */
function contribution(key: Uint8Array, value: Uint8Array | undefined): Array<["orders" | "parts", string]> {
  if (value === undefined) return [];
  // The order sequence key ("mkt/order-seq") does not match "mkt/order/".
  if (hasPrefix(key, ORDER_PREFIX)) return [["orders", orderStatusOf(value)]];
  if (hasPrefix(key, COMMISSION_PREFIX))
    return decode(commissionCodec, value).parts.map((p) => ["parts", p.status] as ["parts", string]);
  return [];
}

/**
 * Marketing figures of the committed state, kept exact without rescanning it: the orders and
 * commission parts are counted once at start-up, then each commit adds what its writes add and
 * takes away what the values they replace gave. Escrow figures are read per enterprise (few).
 */
export class MarketingFigures {
  private readonly counts = {
    orders: new Map<string, number>(ORDER_STATUSES.map((s) => [s, 0])),
    parts: new Map<string, number>([
      ["settled", 0],
      ["payable", 0],
    ]),
  };

  constructor(
    private readonly metrics: NodeMetrics,
    private readonly state: StateReader,
  ) {}

  /** The start-up count over the stored orders and commissions. */
  load(entries: Iterable<{ key: Uint8Array; value: Uint8Array }>): void {
    for (const { key, value } of entries) this.add(contribution(key, value), 1);
    this.publishCounts();
  }

  /** Chain observer: the change a block's writes make, applied once the block is durable. */
  committing(writes: readonly StateWriteEntry[], previous: StateReader): (() => void) | undefined {
    const changes: Array<[Array<["orders" | "parts", string]>, number]> = [];
    for (const write of writes) {
      if (!hasPrefix(write.key, ORDER_PREFIX) && !hasPrefix(write.key, COMMISSION_PREFIX)) continue;
      changes.push([contribution(write.key, previous.get(write.key)), -1]);
      changes.push([contribution(write.key, write.value), 1]);
    }
    if (changes.length === 0) return undefined;
    return () => {
      for (const [items, sign] of changes) this.add(items, sign);
      this.publishCounts();
    };
  }

  /** Anomaly events of a committed block (from its transactions and its end-block work). */
  events(events: Iterable<AppEvent>): void {
    for (const event of events) {
      if (event.type !== "anomaly") continue;
      const kind = event.attributes.find((a) => a.key === "kind")?.value ?? "unknown";
      this.metrics.anomalies.inc({ kind });
    }
  }

  /** Escrow, settled and payable fen per enterprise, read from the committed state. */
  refreshEscrow(): void {
    let settled = 0n;
    let payable = 0n;
    for (const enterprise of listEnterprises(this.state)) {
      const escrow = readEscrow(this.state, enterprise);
      if (escrow === undefined) continue;
      settled += escrow.settledFen;
      payable += escrow.payableFen;
      this.metrics.escrowBalanceFen.set({ enterprise }, Number(escrow.balanceFen));
      const short = escrow.payableFen - escrow.balanceFen;
      this.metrics.escrowShortfallFen.set({ enterprise }, short > 0n ? Number(short) : 0);
    }
    this.metrics.commissionFen.set({ status: "settled" }, Number(settled));
    this.metrics.commissionFen.set({ status: "payable" }, Number(payable));
  }

  private add(items: Array<["orders" | "parts", string]>, sign: number): void {
    for (const [what, status] of items) {
      const counts = this.counts[what];
      counts.set(status, (counts.get(status) ?? 0) + sign);
    }
  }

  private publishCounts(): void {
    for (const [state, n] of this.counts.orders) this.metrics.orders.set({ state }, n);
    for (const [status, n] of this.counts.parts) this.metrics.commissionParts.set({ status }, n);
  }
}
