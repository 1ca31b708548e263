import { keyBytes, toHex } from "../../ledger/bytes.js";
import {
  bool,
  type Codec,
  type CodecType,
  decode,
  encode,
  fixedBytes,
  list,
  oneOf,
  optional,
  Reader,
  string,
  struct,
  u32,
  u64,
} from "../../ledger/codec.js";
import { USER_CODE_BYTES } from "../../pki/user-code.js";
import type { StateOverlay, StateReader } from "../state.js";

/**
 * The marketing module's state, every key under "mkt/". No personal data: buyers appear as a
 * salted commitment and, when they have one, a user code. Lists are kept as numbered entries
 * with a count, because the state can only be read by key.
 */

export const codeBytes = fixedBytes(USER_CODE_BYTES);
export const mktKey = (...parts: (string | Uint8Array)[]): Uint8Array => keyBytes(["mkt/", ...parts]);
/** Big-endian u64 (ids and positions), without a DataView per key. */
const be64 = (n: bigint) => {
  const out = new Uint8Array(8);
  const u = BigInt.asUintN(64, n);
  const hi = Number(u >> 32n);
  const lo = Number(u & 0xffffffffn);
  for (let i = 0; i < 4; i++) {
    out[3 - i] = (hi >>> (8 * i)) & 0xff;
    out[7 - i] = (lo >>> (8 * i)) & 0xff;
  }
  return out;
};

// Closed enumerations: each is written as its position, so a list only grows at its end.
export const SCOPE_KINDS = ["product", "category", "enterprise"] as const;
export type ScopeKind = (typeof SCOPE_KINDS)[number];
export const PRODUCT_STATUSES = ["active", "inactive"] as const;
export const PART_ROLES = ["marketer", "team-lead"] as const;
export const PART_STATUSES = ["payable", "settled"] as const;
/** Why a commission is what it is. */
export const COMMISSION_NOTES = ["rate", "cap-order", "cap-period", "cap-received", "own-purchase"] as const;
export type CommissionNote = (typeof COMMISSION_NOTES)[number];
export const WITHDRAWAL_STATUSES = ["requested", "paid", "rejected"] as const;
/** Who asked for a withdrawal: the payee, or the enterprise's instant payout at settlement. */
export const WITHDRAWAL_ORIGINS = ["payee", "instant-payout"] as const;
export const STATEMENT_KINDS = [
  "settled",
  "payable",
  "debt-netted",
  "clawback",
  "withdrawal-requested",
  "withdrawal-paid",
  "withdrawal-rejected",
] as const;
export type StatementKind = (typeof STATEMENT_KINDS)[number];
/** What the chain flags as an anomaly (an event, and a count per enterprise in state). */
export const ANOMALY_KINDS = ["self-referral", "abnormal-refund-rate", "completion-failed"] as const;
export type AnomalyKind = (typeof ANOMALY_KINDS)[number];

/** Why an order changed, shown to the marketer with every change. */
export const REASON_CODES = [
  "customer-request",
  "payment-confirmed",
  "shipped",
  "delivered",
  "buyer-confirmed",
  "return-window-passed",
  "last-touch",
  "out-of-stock",
  "damaged",
  "not-as-described",
  "not-delivered",
  "duplicate-order",
  "fraud-suspected",
  "price-adjustment",
  "other",
] as const;
export type ReasonCode = (typeof REASON_CODES)[number];
export const reasonCodec = oneOf(REASON_CODES);
export const ORDER_STATUSES = [
  "created",
  "paid",
  "shipped",
  "delivered",
  "completed",
  "cancelled",
  "refunded",
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const productInputCodec = struct({
  sku: string(64),
  name: string(128),
  category: string(64),
  priceFen: u64,
  costFen: u64,
  /** Units available to order (the ERP's figure); reserved units are counted apart. */
  stock: u64,
  channels: list(string(32), 16),
  serviceTerms: string(512),
  returnWindowDays: u32,
  status: oneOf(PRODUCT_STATUSES),
});
export type ProductInput = CodecType<typeof productInputCodec>;

export const productCodec = struct({
  enterprise: string(32),
  sku: string(64),
  name: string(128),
  category: string(64),
  priceFen: u64,
  costFen: u64,
  stock: u64,
  /** Units held by open orders (created .. delivered). */
  reserved: u64,
  /** Units of completed orders, net of returns: the stock cleared. */
  sold: u64,
  channels: list(string(32), 16),
  serviceTerms: string(512),
  returnWindowDays: u32,
  status: oneOf(PRODUCT_STATUSES),
});
export type Product = CodecType<typeof productCodec>;

import { policyRulesCodec } from "./policy-rules-codec.js";

export { type PolicyRules, policyRules, policyRulesCodec } from "./policy-rules-codec.js";

/** One immutable version of a royalty policy; its hash is what a commission records. */
export const policyVersionCodec = struct({
  enterprise: string(32),
  policyId: string(32),
  version: u32,
  scopeKind: oneOf(SCOPE_KINDS),
  scopeValue: string(64),
  rules: policyRulesCodec,
});
export type PolicyVersion = CodecType<typeof policyVersionCodec>;
export const policyHeadCodec = struct({
  version: u32,
  hash: fixedBytes(32),
  scopeKind: oneOf(SCOPE_KINDS),
  scopeValue: string(64),
});
export type PolicyHead = CodecType<typeof policyHeadCodec>;

export const marketerCodec = struct({ code: codeBytes, teamLead: optional(codeBytes), active: bool });
export type MarketerProfile = CodecType<typeof marketerCodec>;

export const referralCodec = struct({
  code: string(32),
  enterprise: string(32),
  sku: string(64),
  marketer: codeBytes,
  createdHeight: u64,
});
export type Referral = CodecType<typeof referralCodec>;

/**
 * One line of a basket: a basket of n lines is n orders with consecutive ids, the first id
 * being the basket's. Payment, shipping, delivery, receipt and cancellation address the basket;
 * a refund and a referral touch address one line. Each line has at most one referral.
 */
const orderHeadFields = {
  id: u64,
  basketId: u64,
  line: u32,
  lines: u32,
  enterprise: string(32),
  sku: string(64),
  quantity: u32,
  channel: string(32),
  listValueFen: u64,
  /** The product's cost per unit when the order was created: profit is counted at it, as the price is. */
  unitCostFen: u64,
  status: oneOf(ORDER_STATUSES),
};
/** An order's fields up to its status, which an encoded order begins with. */
const orderHeadCodec = struct(orderHeadFields);
export const orderCodec = struct({
  ...orderHeadFields,
  referralCode: optional(string(32)),
  marketer: optional(codeBytes),
  buyerCommitment: fixedBytes(32),
  buyerCode: optional(codeBytes),
  selfReferral: bool,
  /** Whether the line's net received counts in its marketer's tier volume (set at completion). */
  inTierVolume: bool,
  receivedFen: u64,
  refundedFen: u64,
  returnedUnits: u32,
  createdAtMs: u64,
  deliveredAtMs: u64,
  dueAtMs: u64,
  completedAtMs: u64,
  /** Amount received net of refunds when the order completed: the commission base. */
  netAtCompletionFen: u64,
  lastReason: reasonCodec,
});
export type Order = CodecType<typeof orderCodec>;

export const commissionPartCodec = struct({
  payee: codeBytes,
  role: oneOf(PART_ROLES),
  grossFen: u64,
  clawedBackFen: u64,
  settledFen: u64,
  status: oneOf(PART_STATUSES),
});
export type CommissionPart = CodecType<typeof commissionPartCodec>;

export const commissionCodec = struct({
  orderId: u64,
  enterprise: string(32),
  policyId: string(32),
  policyVersion: u32,
  policyHash: fixedBytes(32),
  rateBps: u32,
  baseFen: u64,
  totalFen: u64,
  /** Why the total is what it is. */
  note: oneOf(COMMISSION_NOTES),
  parts: list(commissionPartCodec, 2),
});
export type Commission = CodecType<typeof commissionCodec>;

/** Per enterprise: the escrowed commission budget and what it paid. */
export const escrowCodec = struct({
  balanceFen: u64,
  depositedFen: u64,
  settledFen: u64,
  payableFen: u64,
  returnedFen: u64,
  withdrawnFen: u64,
  withdrawalCount: u32,
  payableHead: u64,
  payableTail: u64,
});
export type Escrow = CodecType<typeof escrowCodec>;
export const EMPTY_ESCROW: Escrow = {
  balanceFen: 0n,
  depositedFen: 0n,
  settledFen: 0n,
  payableFen: 0n,
  returnedFen: 0n,
  withdrawnFen: 0n,
  withdrawalCount: 0,
  payableHead: 0n,
  payableTail: 0n,
};

/** Per (enterprise, payee): earnings, balance, debt and statement count. */
export const earningsCodec = struct({
  balanceFen: u64,
  debtFen: u64,
  payableFen: u64,
  settledFen: u64,
  clawedBackFen: u64,
  withdrawnFen: u64,
  pendingWithdrawalFen: u64,
  /** Amount received on referred orders that have not completed yet (no commission is due on it yet). */
  pendingSalesFen: u64,
  referredOrders: u32,
  refundedOrders: u32,
  statementCount: u32,
});
export type Earnings = CodecType<typeof earningsCodec>;
export const EMPTY_EARNINGS: Earnings = {
  balanceFen: 0n,
  debtFen: 0n,
  payableFen: 0n,
  settledFen: 0n,
  clawedBackFen: 0n,
  withdrawnFen: 0n,
  pendingWithdrawalFen: 0n,
  pendingSalesFen: 0n,
  referredOrders: 0,
  refundedOrders: 0,
  statementCount: 0,
};

export const statementCodec = struct({
  kind: oneOf(STATEMENT_KINDS),
  orderId: u64,
  amountFen: u64,
  height: u64,
  timeMs: u64,
  reference: string(128),
});
export type StatementEntry = CodecType<typeof statementCodec>;

export const salesCodec = struct({
  completedOrders: u32,
  units: u64,
  netReceivedFen: u64,
  refundedFen: u64,
  commissionFen: u64,
  /** What the units sold, net of returns, cost at their orders' unit costs. */
  costFen: u64,
});
export type Sales = CodecType<typeof salesCodec>;
export const EMPTY_SALES: Sales = {
  completedOrders: 0,
  units: 0n,
  netReceivedFen: 0n,
  refundedFen: 0n,
  commissionFen: 0n,
  costFen: 0n,
};

export const withdrawalCodec = struct({
  id: u32,
  enterprise: string(32),
  payee: codeBytes,
  amountFen: u64,
  status: oneOf(WITHDRAWAL_STATUSES),
  origin: oneOf(WITHDRAWAL_ORIGINS),
  /** For an instant payout: the order whose commission it pays out (else 0). */
  orderId: u64,
  requestedAtMs: u64,
  decidedAtMs: u64,
  externalReference: string(128),
});
export type Withdrawal = CodecType<typeof withdrawalCodec>;

/** Per enterprise: how settled commissions are paid out. */
export const payoutOptionsCodec = struct({
  /** A settlement creates a withdrawal of it at once, for the enterprise's payment service to pay. */
  instantPayout: bool,
});
export type PayoutOptions = CodecType<typeof payoutOptionsCodec>;

export const payableEntryCodec = struct({ orderId: u64, part: u32 });
export const idempotencyCodec = struct({
  opHash: fixedBytes(32),
  txHash: fixedBytes(32),
  height: u64,
  ref: string(64),
});
export type IdempotencyRecord = CodecType<typeof idempotencyCodec>;
export const countCodec = struct({ n: u64 });
/** One entry of a per-enterprise index (products, channels, marketers, enterprises). */
export const indexEntryCodec = struct({ s: string(64) });

export const keys = {
  product: (org: string, sku: string) => mktKey("product/", org, "/", sku),
  policyVersion: (org: string, id: string, v: number) => mktKey("policy/", org, "/", id, "/", String(v)),
  policyHead: (org: string, id: string) => mktKey("policy-head/", org, "/", id),
  policyScope: (org: string, kind: string, value: string) =>
    mktKey("policy-scope/", org, "/", kind, "/", value),
  marketer: (org: string, code: Uint8Array) => mktKey("marketer/", org, "/", toHex(code)),
  paymentService: (org: string, code: Uint8Array) => mktKey("payer/", org, "/", toHex(code)),
  referral: (code: string) => mktKey("ref/", code),
  referralBy: (org: string, sku: string, code: Uint8Array) =>
    mktKey("ref-by/", org, "/", toHex(code), "/", sku),
  orderSeq: () => mktKey("order-seq"),
  order: (id: bigint) => mktKey("order/", be64(id)),
  commission: (id: bigint) => mktKey("commission/", be64(id)),
  escrow: (org: string) => mktKey("escrow/", org),
  payoutOptions: (org: string) => mktKey("payout-options/", org),
  payable: (org: string, n: bigint) => mktKey("payable/", org, "/", be64(n)),
  earnings: (org: string, code: Uint8Array) => mktKey("earn/", org, "/", toHex(code)),
  statement: (org: string, code: Uint8Array, n: number) =>
    mktKey("stmt/", org, "/", toHex(code), "/", String(n)),
  sales: (org: string, dim: "product" | "channel" | "marketer", value: string) =>
    mktKey("sales/", org, "/", dim, "/", value),
  /** How many anomalies of one kind the chain recorded for an enterprise (a countCodec). */
  anomalies: (org: string, kind: AnomalyKind) => mktKey("anomalies/", org, "/", kind),
  index: (org: string, dim: string, n: bigint) => mktKey("idx/", org, "/", dim, "/", be64(n)),
  indexCount: (org: string, dim: string) => mktKey("idx-count/", org, "/", dim),
  withdrawal: (org: string, id: number) => mktKey("wd/", org, "/", String(id)),
  enterprises: () => mktKey("enterprises"),
  idempotency: (code: Uint8Array, key: string) => mktKey("idem/", toHex(code), "/", key),
  /** A marketer's net received on completed lines in `bucketDays` days of block time from day bucketDays x index. */
  tierVolume: (org: string, code: Uint8Array, bucketDays: number, index: bigint | "") =>
    mktKey("vol/", org, "/", toHex(code), "/", String(bucketDays), "/", String(index)),
  /** The commission a marketer earned under one policy id in one period window (the cap's use). */
  capUsed: (org: string, code: Uint8Array, policyId: string, periodDays: number, index: bigint) =>
    mktKey("cap/", org, "/", toHex(code), "/", policyId, "/", String(periodDays), "/", String(index)),
  dueSize: () => mktKey("due-size"),
  dueHeap: (i: bigint) => mktKey("due-heap/", be64(i)),
};

export function read<T>(state: StateReader, key: Uint8Array, codec: Codec<T>): T | undefined {
  const value = state.get(key);
  return value === undefined ? undefined : decode(codec, value);
}

export function write<T>(state: StateOverlay, key: Uint8Array, codec: Codec<T>, value: T): void {
  state.set(key, encode(codec, value));
}

export function readCount(state: StateReader, key: Uint8Array): bigint {
  return read(state, key, countCodec)?.n ?? 0n;
}

export function writeCount(state: StateOverlay, key: Uint8Array, n: bigint): void {
  write(state, key, countCodec, { n });
}

/** Appends `value` to a per-enterprise index (products, channels, marketers, enterprises). */
export function appendIndex(state: StateOverlay, org: string, dim: string, value: string): void {
  const n = readCount(state, keys.indexCount(org, dim));
  write(state, keys.index(org, dim, n), indexEntryCodec, { s: value });
  writeCount(state, keys.indexCount(org, dim), n + 1n);
}

/** The values of an index, from `offset`, at most `limit`. */
export function readIndex(
  state: StateReader,
  org: string,
  dim: string,
  offset = 0n,
  limit = 1000n,
): string[] {
  const n = readCount(state, keys.indexCount(org, dim));
  const out: string[] = [];
  for (let i = offset; i < n && i < offset + limit; i++) {
    const entry = read(state, keys.index(org, dim, i), indexEntryCodec);
    if (entry) out.push(entry.s);
  }
  return out;
}

/** The enterprises with marketing records (few: one per enterprise organisation). */
export const ENTERPRISE_INDEX = "";
export function listEnterprises(state: StateReader): string[] {
  return readIndex(state, ENTERPRISE_INDEX, "enterprises");
}

export function readEscrow(state: StateReader, org: string): Escrow | undefined {
  return read(state, keys.escrow(org), escrowCodec);
}

/** The escrow of an enterprise, created (and the enterprise listed) on first use. */
export function loadEscrow(state: StateOverlay, org: string): Escrow {
  const existing = readEscrow(state, org);
  if (existing) return existing;
  appendIndex(state, ENTERPRISE_INDEX, "enterprises", org);
  write(state, keys.escrow(org), escrowCodec, EMPTY_ESCROW);
  return EMPTY_ESCROW;
}

export function writeEscrow(state: StateOverlay, org: string, escrow: Escrow): void {
  write(state, keys.escrow(org), escrowCodec, escrow);
}

export function readEarnings(state: StateReader, org: string, code: Uint8Array): Earnings | undefined {
  return read(state, keys.earnings(org, code), earningsCodec);
}

/** A payee's earnings with an enterprise, created (and the payee indexed) on first use. */
export function loadEarnings(state: StateOverlay, org: string, code: Uint8Array): Earnings {
  const existing = readEarnings(state, org, code);
  if (existing) return existing;
  appendIndex(state, org, "marketer", toHex(code));
  write(state, keys.earnings(org, code), earningsCodec, EMPTY_EARNINGS);
  return EMPTY_EARNINGS;
}

export function writeEarnings(state: StateOverlay, org: string, code: Uint8Array, e: Earnings): void {
  write(state, keys.earnings(org, code), earningsCodec, e);
}

export function appendStatement(
  state: StateOverlay,
  org: string,
  code: Uint8Array,
  entry: StatementEntry,
): void {
  const e = loadEarnings(state, org, code);
  write(state, keys.statement(org, code, e.statementCount), statementCodec, entry);
  writeEarnings(state, org, code, { ...e, statementCount: e.statementCount + 1 });
}

export function readStatements(
  state: StateReader,
  org: string,
  code: Uint8Array,
  offset: number,
  limit: number,
): StatementEntry[] {
  const n = readEarnings(state, org, code)?.statementCount ?? 0;
  const out: StatementEntry[] = [];
  for (let i = offset; i < n && i < offset + limit; i++) {
    const entry = read(state, keys.statement(org, code, i), statementCodec);
    if (entry) out.push(entry);
  }
  return out;
}

export function readOrder(state: StateReader, id: bigint): Order | undefined {
  return read(state, keys.order(id), orderCodec);
}

/** The status of an encoded order, read without decoding the rest of it. */
export function orderStatusOf(bytes: Uint8Array): OrderStatus {
  return orderHeadCodec.decode(new Reader(bytes)).status;
}

export function writeOrder(state: StateOverlay, order: Order): void {
  write(state, keys.order(order.id), orderCodec, order);
}

export function readProduct(state: StateReader, org: string, sku: string): Product | undefined {
  return read(state, keys.product(org, sku), productCodec);
}

export function writeProduct(state: StateOverlay, product: Product): void {
  write(state, keys.product(product.enterprise, product.sku), productCodec, product);
}

export function readCommission(state: StateReader, orderId: bigint): Commission | undefined {
  return read(state, keys.commission(orderId), commissionCodec);
}

export function writeCommission(state: StateOverlay, c: Commission): void {
  write(state, keys.commission(c.orderId), commissionCodec, c);
}

export function readSales(
  state: StateReader,
  org: string,
  dim: "product" | "channel" | "marketer",
  value: string,
): Sales | undefined {
  return read(state, keys.sales(org, dim, value), salesCodec);
}

/** Adds to a sales aggregate, indexing the value on first use. */
export function updateSales(
  state: StateOverlay,
  org: string,
  dim: "product" | "channel" | "marketer",
  value: string,
  change: (s: Sales) => Sales,
): void {
  const existing = readSales(state, org, dim, value);
  if (existing === undefined && dim === "channel") appendIndex(state, org, dim, value);
  write(state, keys.sales(org, dim, value), salesCodec, change(existing ?? EMPTY_SALES));
}

export function readWithdrawal(state: StateReader, org: string, id: number): Withdrawal | undefined {
  return read(state, keys.withdrawal(org, id), withdrawalCodec);
}

export function writeWithdrawal(state: StateOverlay, w: Withdrawal): void {
  write(state, keys.withdrawal(w.enterprise, w.id), withdrawalCodec, w);
}

/** An amount in fen under a key of its own (tier volume buckets, period cap use). */
export const amountCodec = struct({ fen: u64 });
