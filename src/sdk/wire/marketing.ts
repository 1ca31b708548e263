import { z } from "zod";
import type { SalesRow } from "../../app/marketing/queries.js";
import {
  ANOMALY_KINDS,
  type AnomalyKind,
  COMMISSION_NOTES,
  type Commission,
  type Earnings,
  type Escrow,
  ORDER_STATUSES,
  type Order,
  PART_ROLES,
  PART_STATUSES,
  PRODUCT_STATUSES,
  type Product,
  REASON_CODES,
  type Referral,
  STATEMENT_KINDS,
  type StatementEntry,
  WITHDRAWAL_ORIGINS,
  WITHDRAWAL_STATUSES,
  type Withdrawal,
} from "../../app/marketing/records.js";
import { eventSchema } from "./chain.js";
import { type Assert, decimal, hex, type Json, type Same, userCode } from "./common.js";

/**
 * Marketing queries: amounts are decimal strings of fen, payees are user codes. Each type check
 * at the bottom ties a schema to the record it shows, so a new record field fails the build
 * until it is described here.
 */

/** With `?prove=true`: the height read, its state root and a proof of every key the answer read. */
export const stateProofsSchema = z
  .object({
    height: decimal,
    stateRoot: hex.nullable(),
    entries: z.array(z.object({ key: hex, value: hex.nullable(), proof: hex })),
  })
  .meta({ id: "StateProofs" });
const proved = <S extends z.ZodRawShape>(shape: S) =>
  z.object({ ...shape, proofs: stateProofsSchema.optional() });

const escrowShape = {
  balanceFen: decimal,
  depositedFen: decimal,
  settledFen: decimal,
  payableFen: decimal,
  returnedFen: decimal,
  withdrawnFen: decimal,
  withdrawalCount: z.number().int(),
  payableHead: decimal,
  payableTail: decimal,
};
export const costSchema = proved({
  enterprise: z.string(),
  ...escrowShape,
  netCommissionCostFen: decimal.describe("settled out of the escrow less clawed back into it"),
  vaultAddress: hex,
  vaultBalanceFen: decimal,
}).meta({ id: "EnterpriseCost" });

const earningsShape = {
  balanceFen: decimal,
  debtFen: decimal,
  payableFen: decimal,
  settledFen: decimal,
  clawedBackFen: decimal,
  withdrawnFen: decimal,
  pendingWithdrawalFen: decimal,
  pendingSalesFen: decimal.describe("received on referred orders not yet completed"),
  referredOrders: z.number().int(),
  refundedOrders: z.number().int(),
  statementCount: z.number().int(),
};
export const earningsSchema = proved({ enterprise: z.string(), code: userCode, ...earningsShape }).meta({
  id: "Earnings",
});

const statementEntrySchema = z.object({
  kind: z.enum(STATEMENT_KINDS),
  orderId: decimal,
  amountFen: decimal,
  height: decimal,
  timeMs: decimal,
  reference: z.string(),
});
export const statementSchema = proved({
  enterprise: z.string(),
  code: userCode,
  entries: z.array(statementEntrySchema),
}).meta({ id: "Statement" });

const salesRowSchema = z.object({
  key: z.string().describe("the SKU, the channel or the marketer's user code"),
  completedOrders: z.number().int(),
  units: decimal,
  netReceivedFen: decimal,
  refundedFen: decimal,
  commissionFen: decimal,
  costFen: decimal.describe("what the units sold net of returns cost, at their orders' unit costs"),
});
export const salesSchema = proved({
  enterprise: z.string(),
  dimension: z.enum(["product", "channel", "marketer"]),
  rows: z.array(salesRowSchema),
}).meta({ id: "Sales" });

export const anomaliesSchema = proved({
  enterprise: z.string(),
  counts: z
    .object(Object.fromEntries(ANOMALY_KINDS.map((k) => [k, decimal])) as Record<AnomalyKind, typeof decimal>)
    .describe("how many of each kind the chain flagged for the enterprise"),
}).meta({ id: "Anomalies" });

const productShape = {
  enterprise: z.string(),
  sku: z.string(),
  name: z.string(),
  category: z.string(),
  priceFen: decimal,
  costFen: decimal,
  stock: decimal,
  reserved: decimal.describe("units held by open orders"),
  sold: decimal,
  channels: z.array(z.string()),
  serviceTerms: z.string(),
  returnWindowDays: z.number().int(),
  status: z.enum(PRODUCT_STATUSES),
};
const productItemSchema = z.object({
  ...productShape,
  stockClearedUnits: decimal.describe("units of completed orders net of returns"),
});
export const productSchema = proved(productItemSchema.shape).meta({ id: "Product" });
export const productsSchema = proved({ enterprise: z.string(), products: z.array(productItemSchema) }).meta({
  id: "Products",
});

const withdrawalSchema = z.object({
  id: z.number().int(),
  enterprise: z.string(),
  payee: userCode,
  amountFen: decimal,
  status: z.enum(WITHDRAWAL_STATUSES),
  origin: z.enum(WITHDRAWAL_ORIGINS).describe("the payee asked, or instant payout at settlement"),
  orderId: decimal.describe("for an instant payout, the order whose commission it pays (else 0)"),
  requestedAtMs: decimal,
  decidedAtMs: decimal,
  externalReference: z.string(),
});
export const withdrawalsSchema = proved({
  enterprise: z.string(),
  withdrawals: z.array(withdrawalSchema),
}).meta({ id: "Withdrawals" });

const orderSchema = z.object({
  id: decimal,
  basketId: decimal,
  line: z.number().int(),
  lines: z.number().int(),
  enterprise: z.string(),
  sku: z.string(),
  quantity: z.number().int(),
  channel: z.string(),
  listValueFen: decimal,
  unitCostFen: decimal.describe("the product's cost per unit when the order was created"),
  status: z.enum(ORDER_STATUSES),
  referralCode: z.string().optional(),
  marketer: userCode.optional(),
  buyerCommitment: hex.describe("a salted commitment: never the buyer's personal data"),
  buyerCode: userCode.optional(),
  selfReferral: z.boolean(),
  inTierVolume: z.boolean().describe("whether the line's net received counts in its marketer's tier volume"),
  receivedFen: decimal,
  refundedFen: decimal,
  returnedUnits: z.number().int(),
  createdAtMs: decimal,
  deliveredAtMs: decimal,
  dueAtMs: decimal,
  completedAtMs: decimal,
  netAtCompletionFen: decimal,
  lastReason: z.enum(REASON_CODES),
});
const commissionSchema = z.object({
  orderId: decimal,
  enterprise: z.string(),
  policyId: z.string(),
  policyVersion: z.number().int(),
  policyHash: hex,
  rateBps: z.number().int(),
  baseFen: decimal,
  totalFen: decimal,
  note: z.enum(COMMISSION_NOTES),
  parts: z.array(
    z.object({
      payee: userCode,
      role: z.enum(PART_ROLES),
      grossFen: decimal,
      clawedBackFen: decimal,
      settledFen: decimal,
      status: z.enum(PART_STATUSES),
    }),
  ),
});
export const orderViewSchema = proved({ order: orderSchema, commission: commissionSchema.nullable() }).meta({
  id: "Order",
});

export const blockEndEventsSchema = proved({ height: decimal, events: z.array(eventSchema) }).meta({
  id: "BlockEndEvents",
});

const referralShape = {
  code: z.string(),
  enterprise: z.string(),
  sku: z.string(),
  marketer: userCode,
  createdHeight: decimal,
};
export const referralSchema = proved(referralShape).meta({ id: "Referral" });

type Plain<S extends z.ZodRawShape> = z.infer<z.ZodObject<S>>;
export type _EscrowMatches = Assert<Same<Plain<typeof escrowShape>, Json<Escrow>>>;
export type _EarningsMatches = Assert<Same<Plain<typeof earningsShape>, Json<Earnings>>>;
export type _StatementMatches = Assert<Same<z.infer<typeof statementEntrySchema>, Json<StatementEntry>>>;
export type _SalesMatches = Assert<Same<z.infer<typeof salesRowSchema>, Json<SalesRow>>>;
export type _ProductMatches = Assert<Same<Plain<typeof productShape>, Json<Product>>>;
export type _WithdrawalMatches = Assert<Same<z.infer<typeof withdrawalSchema>, Json<Withdrawal>>>;
export type _OrderMatches = Assert<Same<z.infer<typeof orderSchema>, Json<Order>>>;
export type _CommissionMatches = Assert<Same<z.infer<typeof commissionSchema>, Json<Commission>>>;
export type _ReferralMatches = Assert<Same<Plain<typeof referralShape>, Json<Referral>>>;
