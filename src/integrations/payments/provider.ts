/**
 * The small interface a payment connector pays through. An adapter talks to one provider (a
 * bank, a payment company); the provider must treat `idempotencyKey` as the payout's identity,
 * so calling again with the same key returns the first answer and never pays twice.
 */
export interface PayoutRequest {
  /** `mkl-withdrawal/ENTERPRISE/ID`: the same for every call about one withdrawal. */
  readonly idempotencyKey: string;
  readonly enterprise: string;
  readonly withdrawalId: number;
  /** The payee's user code; the provider maps it to an account it knows. */
  readonly payee: string;
  readonly amountFen: bigint;
}

export type PayoutResult =
  | { readonly status: "paid"; readonly reference: string }
  | { readonly status: "rejected"; readonly reason: string };

export interface PaymentProvider {
  readonly name: string;
  pay(request: PayoutRequest): Promise<PayoutResult>;
}

export const payoutIdempotencyKey = (enterprise: string, withdrawalId: number) =>
  `mkl-withdrawal/${enterprise}/${withdrawalId}`;
