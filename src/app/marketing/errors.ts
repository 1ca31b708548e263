import { OperationError } from "../errors.js";

/**
 * Why a marketing operation was refused: a closed list of stable codes (clients switch on
 * them, results hash them). Each code's meaning is below; `satisfies` keeps the two in step.
 */
export type MarketingErrorCode =
  | "CHANNEL_UNKNOWN"
  | "EXTERNAL_REFERENCE_REQUIRED"
  | "IDEMPOTENCY_KEY_INVALID"
  | "IDEMPOTENCY_KEY_REQUIRED"
  | "IDEMPOTENCY_KEY_REUSED"
  | "IMPORT_EMPTY"
  | "IMPORT_ROW_INVALID"
  | "INSUFFICIENT_BALANCE"
  | "INVALID_AMOUNT"
  | "MARKETER_INACTIVE"
  | "NOT_ORDER_PARTY"
  | "NOT_YOUR_ENTERPRISE"
  | "ORDER_BAD_STATE"
  | "ORDER_EMPTY"
  | "ORDER_NOT_BASKET"
  | "ORDER_SKU_REPEATED"
  | "ORDER_UNKNOWN"
  | "OUT_OF_STOCK"
  | "OVERPAID"
  | "PAYMENT_SERVICE_INVALID"
  | "POLICY_INVALID"
  | "POLICY_SCOPE_FIXED"
  | "PRODUCT_UNAVAILABLE"
  | "PRODUCT_UNKNOWN"
  | "QUANTITY_INVALID"
  | "REFERRAL_COLLISION"
  | "REFERRAL_UNKNOWN"
  | "REFUND_TOO_LARGE"
  | "RETURN_TOO_LARGE"
  | "WITHDRAWAL_DECIDED"
  | "WITHDRAWAL_UNKNOWN";

export const MARKETING_ERROR_MEANINGS = {
  CHANNEL_UNKNOWN: "the product is not sold through that channel",
  EXTERNAL_REFERENCE_REQUIRED: "a paid withdrawal carries finance's payment reference",
  IDEMPOTENCY_KEY_INVALID: "an idempotency key is 1..64 printable ASCII characters without spaces",
  IDEMPOTENCY_KEY_REQUIRED: "every business transaction carries an idempotency key",
  IDEMPOTENCY_KEY_REUSED: "the signer used this idempotency key for another operation",
  IMPORT_EMPTY: "an import has at least one product or marketer row",
  IMPORT_ROW_INVALID: "a row of the import is wrong (the row is named); nothing was imported",
  INSUFFICIENT_BALANCE: "a withdrawal asks more than the payee's balance with the enterprise",
  INVALID_AMOUNT: "the amount must be positive",
  MARKETER_INACTIVE: "the marketer is deactivated at the enterprise: the code attaches to nothing new",
  NOT_ORDER_PARTY: "the signer is neither the order's enterprise nor its buyer",
  NOT_YOUR_ENTERPRISE: "only the enterprise (or the payment service it authorised) may do this",
  ORDER_BAD_STATE: "the order is not in a state that allows this step",
  ORDER_EMPTY: "an order has at least one line",
  ORDER_NOT_BASKET: "the step addresses a basket by its first line",
  ORDER_SKU_REPEATED: "a SKU appears on one line of a basket only",
  ORDER_UNKNOWN: "no such order",
  OUT_OF_STOCK: "more units asked than are in stock",
  OVERPAID: "the amount received is more than the basket's list value",
  PAYMENT_SERVICE_INVALID: "a payment service is an enterprise identity of another organisation",
  POLICY_INVALID: "the royalty policy breaks a rule (a rate over 100%, unsorted tiers, ...)",
  POLICY_SCOPE_FIXED: "a policy keeps the scope of its first version",
  PRODUCT_UNAVAILABLE: "the product is unknown or not on sale",
  PRODUCT_UNKNOWN: "no such product",
  QUANTITY_INVALID: "a line of an order is for at least one unit",
  REFERRAL_COLLISION: "two referral codes collided; ask again later",
  REFERRAL_UNKNOWN: "no such referral code for that product",
  REFUND_TOO_LARGE: "the refund is not positive or more than the amount still refundable",
  RETURN_TOO_LARGE: "more units returned than were sold",
  WITHDRAWAL_DECIDED: "the withdrawal was already paid or rejected",
  WITHDRAWAL_UNKNOWN: "no such withdrawal",
} satisfies Record<MarketingErrorCode, string>;

/** A marketing operation refused: a code from MarketingErrorCode, a message and the offending data. */
export class MarketingError extends OperationError<MarketingErrorCode> {}
