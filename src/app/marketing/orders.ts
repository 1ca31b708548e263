import { bytesEqual, toHex } from "../../ledger/bytes.js";
import { struct, u64 } from "../../ledger/codec.js";
import { encodeUserCode } from "../../pki/user-code.js";
import {
  BLOCK_WORK_LIMIT,
  type BlockWork,
  blockWorkTotal,
  COMPLETION_WORK,
  SKIPPED_DUE_WORK,
} from "../block-work.js";
import { isOperationError } from "../errors.js";
import { type AppEvent, appEvent } from "../events.js";
import { readIdentity } from "../identity/records.js";
import type { StateReader } from "../state.js";
import type { MarketingContext } from "./context.js";
import { MarketingError } from "./errors.js";
import { mulDivFloor } from "./money.js";
import { computeCommission, DAY_MS, periodIndex, resolvePolicy, type StoredPolicy } from "./policy.js";
import {
  type AnomalyKind,
  amountCodec,
  type Commission,
  type CommissionPart,
  keys,
  loadEarnings,
  marketerCodec,
  type Order,
  type Product,
  type ReasonCode,
  read,
  readCommission,
  readCount,
  readOrder,
  readProduct,
  type Sales,
  updateSales,
  write,
  writeCommission,
  writeCount,
  writeEarnings,
  writeOrder,
  writeProduct,
} from "./records.js";
import { clawBack, queuePayment } from "./settlement.js";
import { addTierVolume, dayOf, windowVolume } from "./tier-volume.js";

/**
 * Orders: created (stock reserved) -> paid (amount received confirmed) -> shipped -> delivered
 * -> completed, when the product's return window has passed after delivery (by block time, in
 * the end-block hook) or when the buyer confirms receipt and waives the window. Cancel before
 * shipping; refunds, full or partial, before or after completion. Every change carries a reason
 * code, shown to the marketer in the event.
 */

/** Refund-rate warning: at least this many referred orders, and this share of them refunded. */
export const REFUND_ALERT_MIN_ORDERS = 5;
export const REFUND_ALERT_RATE_BPS = 3_000;

export const MAX_DUE_COMPLETIONS_PER_BLOCK = 256;

export function loadOrder(ctx: MarketingContext, id: bigint): Order {
  const order = readOrder(ctx.state, id);
  if (!order) throw new MarketingError("ORDER_UNKNOWN", `no order ${id}`, { orderId: id.toString() });
  return order;
}

export function requireStatus(order: Order, allowed: readonly string[], action: string): void {
  if (!allowed.includes(order.status)) {
    throw new MarketingError("ORDER_BAD_STATE", `cannot ${action} an order that is ${order.status}`, {
      orderId: order.id.toString(),
      status: order.status,
    });
  }
}

export function orderEvent(
  ctx: MarketingContext,
  order: Order,
  type: string,
  extra: Record<string, string | bigint> = {},
) {
  ctx.emit(
    appEvent(type, {
      orderId: order.id,
      enterprise: order.enterprise,
      sku: order.sku,
      status: order.status,
      reason: order.lastReason,
      marketer: order.marketer ? encodeUserCode(order.marketer) : "",
      ...extra,
    }),
  );
}

/** Same identity, or the same settlement account: the buyer is the marketer. */
export function isSelfReferral(
  ctx: MarketingContext,
  marketer: Uint8Array,
  buyerCode: Uint8Array | undefined,
): boolean {
  if (buyerCode === undefined) return false;
  if (bytesEqual(buyerCode, marketer)) return true;
  const buyer = readIdentity(ctx.state, buyerCode);
  const seller = readIdentity(ctx.state, marketer);
  return !!buyer && !!seller && bytesEqual(buyer.settlementAccount, seller.settlementAccount);
}

/** An anomaly: its event, and one more of its kind in the enterprise's count (the dashboards draw it over time). */
export function recordAnomaly(
  ctx: MarketingContext,
  kind: AnomalyKind,
  enterprise: string,
  attributes: Record<string, string | bigint | number>,
): void {
  const key = keys.anomalies(enterprise, kind);
  writeCount(ctx.state, key, readCount(ctx.state, key) + 1n);
  ctx.emit(appEvent("anomaly", { kind, enterprise, ...attributes }));
}

export function flagSelfReferral(ctx: MarketingContext, order: Order): void {
  if (!order.selfReferral || !order.marketer) return;
  recordAnomaly(ctx, "self-referral", order.enterprise, {
    orderId: order.id,
    marketer: encodeUserCode(order.marketer),
  });
}

// ---------------------------------------------------------------- due queue

/**
 * The due queue: a binary min-heap in state, ordered by (dueAtMs, orderId), entries at
 * mkt/due-heap/<i> and its size at mkt/due-size. Push and pop read and write O(log n) keys, so
 * the end-block work is bounded by MAX_DUE_COMPLETIONS_PER_BLOCK pops whatever the queue holds.
 * An order completed early by its buyer stays in the heap and is skipped when popped.
 */
export const dueEntryCodec = struct({ dueAtMs: u64, orderId: u64 });
type DueEntry = { dueAtMs: bigint; orderId: bigint };
const before = (a: DueEntry, b: DueEntry) =>
  a.dueAtMs < b.dueAtMs || (a.dueAtMs === b.dueAtMs && a.orderId < b.orderId);

/** Where a heap's entries and size are read and written. */
interface HeapSlots {
  size(): bigint;
  setSize(n: bigint): void;
  get(i: bigint): DueEntry;
  set(i: bigint, e: DueEntry): void;
  remove(i: bigint): void;
}

/** The heap's slots read and written in state, each access on its own. */
function stateSlots(state: MarketingContext["state"]): HeapSlots {
  return {
    size: () => readCount(state, keys.dueSize()),
    setSize: (n) => writeCount(state, keys.dueSize(), n),
    get: (i) => read(state, keys.dueHeap(i), dueEntryCodec)!,
    set: (i, e) => write(state, keys.dueHeap(i), dueEntryCodec, e),
    remove: (i) => state.delete(keys.dueHeap(i)),
  };
}

/**
 * The heap's slots for a run of pops: each slot read from state once and each change kept
 * here, then written once by flush(). A storm block pops 256 times and each pop rewrites a
 * path of the heap, so most slots change many times; the overlay ends up holding exactly what
 * writing every change through would have left in it (the last value of each slot changed, a
 * delete for each slot removed, the final size), so the block's writes are the same.
 */
class BufferedSlots implements HeapSlots {
  private readonly slots = new Map<bigint, DueEntry | undefined>();
  private readonly changed = new Set<bigint>();
  private count: bigint | undefined;
  private countChanged = false;

  constructor(private readonly state: MarketingContext["state"]) {}

  size(): bigint {
    this.count ??= readCount(this.state, keys.dueSize());
    return this.count;
  }

  setSize(n: bigint): void {
    this.count = n;
    this.countChanged = true;
  }

  get(i: bigint): DueEntry {
    if (!this.slots.has(i)) this.slots.set(i, read(this.state, keys.dueHeap(i), dueEntryCodec));
    return this.slots.get(i)!;
  }

  set(i: bigint, e: DueEntry): void {
    this.slots.set(i, e);
    this.changed.add(i);
  }

  remove(i: bigint): void {
    this.slots.set(i, undefined);
    this.changed.add(i);
  }

  flush(): void {
    for (const i of this.changed) {
      const e = this.slots.get(i);
      if (e === undefined) this.state.delete(keys.dueHeap(i));
      else write(this.state, keys.dueHeap(i), dueEntryCodec, e);
    }
    if (this.countChanged) writeCount(this.state, keys.dueSize(), this.count!);
  }
}

export function enqueueDue(ctx: MarketingContext, orderId: bigint, dueAtMs: bigint): void {
  const heap = stateSlots(ctx.state);
  const entry = { dueAtMs, orderId };
  let i = heap.size();
  heap.setSize(i + 1n);
  while (i > 0n) {
    const parent = (i - 1n) / 2n;
    const p = heap.get(parent);
    if (!before(entry, p)) break;
    heap.set(i, p);
    i = parent;
  }
  heap.set(i, entry);
}

/** The earliest entry, if it is due at `timeMs`, removed from the heap. */
export function popDue(ctx: MarketingContext, timeMs: bigint): DueEntry | undefined {
  return popFrom(stateSlots(ctx.state), timeMs);
}

function popFrom(heap: HeapSlots, timeMs: bigint): DueEntry | undefined {
  const size = heap.size();
  if (size === 0n) return undefined;
  const top = heap.get(0n);
  if (top.dueAtMs > timeMs) return undefined;
  const last = heap.get(size - 1n);
  heap.remove(size - 1n);
  heap.setSize(size - 1n);
  const n = size - 1n;
  if (n === 0n) return top;
  let i = 0n;
  for (;;) {
    const l = 2n * i + 1n;
    if (l >= n) break;
    const r = l + 1n;
    let child = l;
    let c = heap.get(l);
    if (r < n) {
      const rc = heap.get(r);
      if (before(rc, c)) {
        child = r;
        c = rc;
      }
    }
    if (!before(c, last)) break;
    heap.set(i, c);
    i = child;
  }
  heap.set(i, last);
  return top;
}

/**
 * Whether the due queue's earliest entry is due at `timeMs`: the end-block work of a block at
 * that time has orders to complete even with no transaction in it.
 */
export function dueAt(state: StateReader, timeMs: bigint): boolean {
  if (readCount(state, keys.dueSize()) === 0n) return false;
  const top = read(state, keys.dueHeap(0n), dueEntryCodec);
  return top !== undefined && top.dueAtMs <= timeMs;
}

/**
 * Completes delivered orders whose return window has passed by this block's time, earliest
 * first; at most MAX_DUE_COMPLETIONS_PER_BLOCK per block, and only while the block's work is
 * below BLOCK_WORK_LIMIT (the rest in the next blocks). Adds what it does to `work`.
 */
export function completeDueOrders(ctx: MarketingContext, work: BlockWork = { txs: 0, endBlock: 0 }): number {
  // Completing an order never touches the due queue, so its slots can be buffered meanwhile.
  const heap = new BufferedSlots(ctx.state);
  let handled = 0;
  for (; handled < MAX_DUE_COMPLETIONS_PER_BLOCK; handled++) {
    if (blockWorkTotal(work) >= BLOCK_WORK_LIMIT) break;
    const entry = popFrom(heap, ctx.timeMs);
    if (!entry) break;
    const order = readOrder(ctx.state, entry.orderId);
    if (order && order.status === "delivered" && order.dueAtMs <= ctx.timeMs) {
      completeIsolated(ctx, order);
      work.endBlock += COMPLETION_WORK;
    } else work.endBlock += SKIPPED_DUE_WORK;
  }
  heap.flush();
  return handled;
}

/**
 * Completes one order in its own overlay. Should completing it fail with one of our errors (a
 * bug for one order), the order stays delivered (its buyer may still confirm receipt), an
 * anomaly event says so, and the block goes on: one bad order never halts the chain.
 */
function completeIsolated(ctx: MarketingContext, order: Order): void {
  const scratch = ctx.state.child();
  const events: AppEvent[] = [];
  try {
    completeOrder(
      { ...ctx, state: scratch, emit: (e) => events.push(e) },
      { ...order, lastReason: "return-window-passed" },
    );
  } catch (error) {
    // Only an operation's failure becomes an anomaly; an invariant or a corrupt record stops the node.
    if (!isOperationError(error)) throw error;
    recordAnomaly(ctx, "completion-failed", order.enterprise, { orderId: order.id, code: error.code });
    return;
  }
  ctx.state.merge(scratch);
  for (const e of events) ctx.emit(e);
}

// ---------------------------------------------------------------- transitions

export function markDelivered(ctx: MarketingContext, order: Order, product: Product): Order {
  const dueAtMs = ctx.timeMs + BigInt(product.returnWindowDays) * DAY_MS;
  const next: Order = { ...order, status: "delivered", deliveredAtMs: ctx.timeMs, dueAtMs };
  writeOrder(ctx.state, next);
  enqueueDue(ctx, order.id, dueAtMs);
  orderEvent(ctx, next, "orderDelivered", { dueAtMs });
  return next;
}

/** Completion: stock cleared, sales counted, and the royalty contract fires in this very block. */
export function completeOrder(ctx: MarketingContext, order: Order): void {
  const product = readProduct(ctx.state, order.enterprise, order.sku)!;
  const units = BigInt(order.quantity - order.returnedUnits);
  writeProduct(ctx.state, { ...product, reserved: product.reserved - units, sold: product.sold + units });
  const net = order.receivedFen - order.refundedFen;
  const policy = order.marketer && resolvePolicy(ctx.state, order.enterprise, order.sku, product.category);
  // R3: an own purchase that earns nothing lifts no tier.
  const inTierVolume =
    !!order.marketer && (!order.selfReferral || policy?.version.rules.ownPurchaseEarns === true);
  const done: Order = {
    ...order,
    status: "completed",
    completedAtMs: ctx.timeMs,
    netAtCompletionFen: net,
    inTierVolume,
  };
  writeOrder(ctx.state, done);
  orderEvent(ctx, done, "orderCompleted", { netReceivedFen: net });
  const commissionFen = done.marketer ? settleCommission(ctx, done, units, policy || undefined) : 0n;
  if (done.marketer && inTierVolume)
    addTierVolume(ctx.state, done.enterprise, done.marketer, dayOf(ctx.timeMs), net);
  const add = (s: Sales): Sales => ({
    ...s,
    completedOrders: s.completedOrders + 1,
    units: s.units + units,
    netReceivedFen: s.netReceivedFen + net,
    commissionFen: s.commissionFen + commissionFen,
    costFen: s.costFen + order.unitCostFen * units,
  });
  updateSales(ctx.state, order.enterprise, "product", order.sku, add);
  updateSales(ctx.state, order.enterprise, "channel", order.channel, add);
  if (done.marketer) {
    updateSales(ctx.state, order.enterprise, "marketer", toHex(done.marketer), add);
    const e = loadEarnings(ctx.state, order.enterprise, done.marketer);
    writeEarnings(ctx.state, order.enterprise, done.marketer, {
      ...e,
      pendingSalesFen: e.pendingSalesFen - net,
    });
  }
}

/** Whether a roster entry leaves `code` active with the enterprise (no entry: an outside marketer, active). */
export function isActiveMarketer(
  ctx: Pick<MarketingContext, "state">,
  org: string,
  code: Uint8Array,
): boolean {
  return read(ctx.state, keys.marketer(org, code), marketerCodec)?.active ?? true;
}

function settleCommission(
  ctx: MarketingContext,
  order: Order,
  units: bigint,
  policy: StoredPolicy | undefined,
): bigint {
  const marketer = order.marketer!;
  if (!policy) {
    orderEvent(ctx, order, "commissionNone", { note: "no-policy" });
    return 0n;
  }
  const { rules, policyId } = policy.version;
  const window = periodIndex(ctx.timeMs, rules.periodDays);
  // R1: the cap counts what this policy id paid the marketer in the window.
  const capKey = keys.capUsed(order.enterprise, marketer, policyId, rules.periodDays, window);
  const capUsedFen = read(ctx.state, capKey, amountCodec)?.fen ?? 0n;
  const profile = read(ctx.state, keys.marketer(order.enterprise, marketer), marketerCodec);
  const lead = profile?.teamLead && !bytesEqual(profile.teamLead, marketer) ? profile.teamLead : undefined;
  // R5: a lead inactive at completion gets no share; the marketer keeps the whole commission.
  const activeLead = lead && isActiveMarketer(ctx, order.enterprise, lead) ? lead : undefined;
  const net = order.netAtCompletionFen;
  const outcome = computeCommission({
    rules,
    netReceivedFen: net,
    units,
    channel: order.channel,
    windowVolumeFen: windowVolume(ctx.state, order.enterprise, marketer, rules.periodDays, ctx.timeMs),
    windowCommissionFen: capUsedFen,
    ownPurchase: order.selfReferral,
    hasTeamLead: activeLead !== undefined,
  });
  write(ctx.state, capKey, amountCodec, { fen: capUsedFen + outcome.totalFen });
  const part = (payee: Uint8Array, role: CommissionPart["role"], grossFen: bigint): CommissionPart => ({
    payee,
    role,
    grossFen,
    clawedBackFen: 0n,
    settledFen: 0n,
    status: "payable",
  });
  const parts: CommissionPart[] = [];
  if (outcome.marketerFen > 0n) parts.push(part(marketer, "marketer", outcome.marketerFen));
  if (activeLead && outcome.teamLeadFen > 0n) parts.push(part(activeLead, "team-lead", outcome.teamLeadFen));
  const commission: Commission = {
    orderId: order.id,
    enterprise: order.enterprise,
    policyId,
    policyVersion: policy.version.version,
    policyHash: policy.hash,
    rateBps: outcome.rateBps,
    baseFen: net,
    totalFen: outcome.totalFen,
    note: outcome.note,
    parts,
  };
  writeCommission(ctx.state, commission);
  ctx.emit(
    appEvent("commissionComputed", {
      orderId: order.id,
      enterprise: order.enterprise,
      policyId: commission.policyId,
      policyVersion: commission.policyVersion,
      policyHash: toHex(commission.policyHash),
      rateBps: commission.rateBps,
      baseFen: net,
      totalFen: commission.totalFen,
      note: commission.note,
    }),
  );
  parts.forEach((_, i) => {
    queuePayment(ctx, order.enterprise, order.id, i);
  });
  return outcome.totalFen;
}

/**
 * A refund of `amountFen` (and `returnedUnits` back in stock). Before completion it lowers the
 * amount the commission will be computed on (a full refund ends the order); after completion
 * it claws back the commission pro rata: each part keeps floor(gross x net left / net at
 * completion), so a full refund reverses it exactly.
 */
export function refundOrder(
  ctx: MarketingContext,
  order: Order,
  amountFen: bigint,
  returnedUnits: number,
  reason: ReasonCode,
): Order {
  requireStatus(order, ["paid", "shipped", "delivered", "completed"], "refund");
  const refundable = order.receivedFen - order.refundedFen;
  if (amountFen <= 0n || amountFen > refundable) {
    throw new MarketingError("REFUND_TOO_LARGE", `refund ${amountFen} fen, refundable ${refundable} fen`, {
      amountFen: amountFen.toString(),
      refundableFen: refundable.toString(),
    });
  }
  if (returnedUnits > order.quantity - order.returnedUnits) {
    throw new MarketingError("RETURN_TOO_LARGE", "more units returned than were sold", { returnedUnits });
  }
  const completed = order.status === "completed";
  const product = readProduct(ctx.state, order.enterprise, order.sku)!;
  const units = BigInt(returnedUnits);
  let next: Order = {
    ...order,
    refundedFen: order.refundedFen + amountFen,
    returnedUnits: order.returnedUnits + returnedUnits,
    lastReason: reason,
  };
  const full = next.refundedFen === next.receivedFen;
  if (completed) {
    writeProduct(ctx.state, { ...product, stock: product.stock + units, sold: product.sold - units });
  } else {
    // A full refund before completion voids the order: every unit still held goes back.
    const back = full ? BigInt(order.quantity - order.returnedUnits) : units;
    writeProduct(ctx.state, { ...product, stock: product.stock + back, reserved: product.reserved - back });
    if (full) next = { ...next, returnedUnits: order.quantity };
  }
  if (full) next = { ...next, status: "refunded" };
  writeOrder(ctx.state, next);
  orderEvent(ctx, next, "orderRefunded", {
    amountFen,
    returnedUnits: String(returnedUnits),
    full: String(full),
  });
  if (order.marketer) noteRefund(ctx, order, amountFen, completed);
  // R2: a refund after completion takes its amount out of the volume of the completion's day.
  if (completed && order.marketer && order.inTierVolume) {
    addTierVolume(ctx.state, order.enterprise, order.marketer, dayOf(order.completedAtMs), -amountFen);
  }
  if (completed) {
    const clawed = clawBackCommission(ctx, next, reason);
    const sub = (s: Sales): Sales => ({
      ...s,
      units: s.units - units,
      netReceivedFen: s.netReceivedFen - amountFen,
      refundedFen: s.refundedFen + amountFen,
      commissionFen: s.commissionFen - clawed,
      costFen: s.costFen - order.unitCostFen * units,
    });
    updateSales(ctx.state, order.enterprise, "product", order.sku, sub);
    updateSales(ctx.state, order.enterprise, "channel", order.channel, sub);
    if (order.marketer) updateSales(ctx.state, order.enterprise, "marketer", toHex(order.marketer), sub);
  }
  return next;
}

function clawBackCommission(ctx: MarketingContext, order: Order, reason: ReasonCode): bigint {
  const c = readCommission(ctx.state, order.id);
  if (!c || c.baseFen === 0n) return 0n;
  const refundedBefore = order.receivedFen - order.netAtCompletionFen;
  const netLeft = order.netAtCompletionFen - (order.refundedFen - refundedBefore);
  let total = 0n;
  c.parts.forEach((p, i) => {
    const keep = mulDivFloor(p.grossFen, netLeft, c.baseFen);
    const claw = p.grossFen - p.clawedBackFen - keep;
    if (claw > 0n) {
      clawBack(ctx, order.id, i, claw, reason);
      total += claw;
    }
  });
  return total;
}

function noteRefund(ctx: MarketingContext, order: Order, amountFen: bigint, completed: boolean): void {
  const marketer = order.marketer!;
  const e = loadEarnings(ctx.state, order.enterprise, marketer);
  const firstRefund = order.refundedFen === 0n;
  const refundedOrders = e.refundedOrders + (firstRefund ? 1 : 0);
  writeEarnings(ctx.state, order.enterprise, marketer, {
    ...e,
    refundedOrders,
    pendingSalesFen: completed ? e.pendingSalesFen : e.pendingSalesFen - amountFen,
  });
  if (
    firstRefund &&
    e.referredOrders >= REFUND_ALERT_MIN_ORDERS &&
    BigInt(refundedOrders) * 10_000n >= BigInt(REFUND_ALERT_RATE_BPS) * BigInt(e.referredOrders)
  ) {
    recordAnomaly(ctx, "abnormal-refund-rate", order.enterprise, {
      marketer: encodeUserCode(marketer),
      referredOrders: e.referredOrders,
      refundedOrders,
    });
  }
}
