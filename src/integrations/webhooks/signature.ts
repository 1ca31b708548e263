import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * The signature header of a webhook delivery: `t=<ms since the epoch>,v1=<hex HMAC-SHA256>` over
 * `<t>.<body>` with the subscription's secret (the scheme Stripe and GitHub use). The timestamp
 * is signed too, so a receiver can refuse old replays of a captured delivery.
 */
export const SIGNATURE_HEADER = "x-mkl-signature";
export const EVENT_ID_HEADER = "x-mkl-event-id";
export const SUBSCRIPTION_HEADER = "x-mkl-subscription";

export function signatureHeader(secret: string, timestampMs: number, body: string): string {
  const mac = createHmac("sha256", Buffer.from(secret, "hex")).update(`${timestampMs}.${body}`).digest("hex");
  return `t=${timestampMs},v1=${mac}`;
}

/** For receivers: whether `header` signs `body` with `secret`, at most `toleranceMs` from `nowMs`. */
export function verifySignatureHeader(
  secret: string,
  header: string | undefined,
  body: string,
  nowMs: number,
  toleranceMs = 5 * 60_000,
): boolean {
  const match = /^t=(\d{1,15}),v1=([0-9a-f]{64})$/.exec(header ?? "");
  if (match === null) return false;
  const t = Number(match[1]);
  if (Math.abs(nowMs - t) > toleranceMs) return false;
  const expected = Buffer.from(signatureHeader(secret, t, body).slice(-64), "hex");
  return timingSafeEqual(expected, Buffer.from(match[2]!, "hex"));
}
