/**
 * The business events integrations hear about: order state changes, commissions settled,
 * payable or clawed back, withdrawals requested and decided, anomalies.
 */
export const BUSINESS_EVENT_KINDS = [
  "orderCreated",
  "orderReferralChanged",
  "orderPaid",
  "orderShipped",
  "orderDelivered",
  "orderCompleted",
  "orderCancelled",
  "orderRefunded",
  "commissionSettled",
  "commissionPayable",
  "commissionClawedBack",
  "withdrawalRequested",
  "withdrawalPaid",
  "withdrawalRejected",
  "anomaly",
] as const;
export type BusinessEventKind = (typeof BUSINESS_EVENT_KINDS)[number];
