import { MAX_TX_BYTES } from "../ledger/tx.js";
import { MAX_BASKET_LINES } from "./marketing/operations.js";
import { keys } from "./marketing/records.js";
import type { Operation, OperationKind } from "./operations/index.js";
import type { StateReader } from "./state.js";

/**
 * The weights of transactions in a block's work (block-work.ts), a table of the protocol: a
 * weight depends on the transaction and at most the basket it names.
 */

/** Every transaction: its decode, nonce, authorisation, result and place in the block's roots. */
export const TX_BASE_WORK = 60;
/** A transaction kind not in the table pays per byte of its transaction beyond the base. */
export const WORK_PER_TX_BYTE = 1;

/**
 * Per kind: a fixed weight, and for an operation on a basket a weight per line (an order of
 * its own: a basket's confirmed receipt completes and settles each line).
 */
export const TX_KIND_WORK: Partial<Record<OperationKind, { fixed: number; perLine?: number }>> = {
  transfer: { fixed: 40 },
  createOrder: { fixed: 300, perLine: 400 },
  touchReferral: { fixed: 500 },
  confirmPayment: { fixed: 300, perLine: 400 },
  shipOrder: { fixed: 300, perLine: 300 },
  confirmDelivery: { fixed: 300, perLine: 600 },
  confirmReceipt: { fixed: 300, perLine: 1_600 },
  cancelOrder: { fixed: 300, perLine: 400 },
  refundOrder: { fixed: 1_500 },
  createReferralCode: { fixed: 500 },
};

/** The basket lines an order-step operation addresses: the `lines` of the basket's first order. */
function basketLines(state: StateReader, orderId: bigint): number {
  const head = state.get(keys.order(orderId));
  // id u64, basketId u64, line u32, then lines u32 (records.ts orderCodec): read in place.
  if (head === undefined || head.length < 24) return 1;
  return Math.max(1, new DataView(head.buffer, head.byteOffset + 20, 4).getUint32(0));
}

/** The work units of one transaction (`txBytes` long), from it and the state its block has reached. */
export function txWork(state: StateReader, op: Operation, txBytes: number): number {
  const entry = TX_KIND_WORK[op.kind];
  if (entry === undefined) return TX_BASE_WORK + WORK_PER_TX_BYTE * txBytes;
  let lines = 1;
  if (entry.perLine !== undefined) {
    if (op.kind === "createOrder") lines = op.value.lines.length;
    else if ("orderId" in op.value && typeof op.value.orderId === "bigint")
      lines = basketLines(state, op.value.orderId);
  }
  return TX_BASE_WORK + entry.fixed + (entry.perLine ?? 0) * lines;
}

/** The most work one transaction can weigh: the end-block hook's reserve must outlast it. */
export function heaviestTxWork(): number {
  const perKind = Object.values(TX_KIND_WORK).map((w) => w.fixed + (w.perLine ?? 0) * MAX_BASKET_LINES);
  return TX_BASE_WORK + Math.max(WORK_PER_TX_BYTE * MAX_TX_BYTES, ...perKind);
}
