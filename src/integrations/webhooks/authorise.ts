import { z } from "zod";
import { addressHex } from "../../app/address.js";
import { orgIdField } from "../../app/operations/input.js";
import type { KeyPair, Suite } from "../../crypto/suite.js";
import { LedgerError } from "../../errors.js";
import { fromHex, toHex } from "../../ledger/bytes.js";
import { normaliseUserCode, userCodeOf } from "../../pki/user-code.js";
import { addressOfKey, type MarketLedgerClient } from "../../sdk/index.js";
import { BUSINESS_EVENT_KINDS } from "../business-events.js";

/**
 * Who may subscribe to what, decided by a signed request. The subscriber signs the request's
 * JSON (URL, scope, kinds, time) with its chain identity's key; the service checks the
 * signature, then asks the chain who the key belongs to (the identity's settlement account is
 * the address of its current key, and it must be active):
 * - scope `{enterprise: ORG}`: the signer is an enterprise identity of ORG: its own events;
 * - scope `{payee: CODE}`: the signer is CODE: the events that name it (any role).
 * A request is good for REQUEST_TTL_MS after it was signed, so a captured one cannot be replayed later.
 */

export class SubscriptionError extends LedgerError {}

const SIGNING_DOMAIN = "MKL/webhook-subscription/v1\n";
export const REQUEST_TTL_MS = 5 * 60_000;

export const subscriptionRequestSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/ }).max(2048),
  scope: z.union([z.strictObject({ enterprise: orgIdField }), z.strictObject({ payee: z.string().max(90) })]),
  kinds: z
    .array(z.enum(BUSINESS_EVENT_KINDS))
    .min(1)
    .default([...BUSINESS_EVENT_KINDS]),
  signer: z.string().max(90).describe("the signer's user code"),
  issuedAtMs: z.number().int().nonnegative(),
});
export type SubscriptionRequest = z.output<typeof subscriptionRequestSchema>;

/** What is sent: the request's exact JSON text, the signer's public key and the signature over both. */
export const signedRequestSchema = z.strictObject({
  payload: z.string().max(8192),
  publicKey: z.string().regex(/^([0-9a-f]{2}){32,65}$/),
  signature: z.string().regex(/^([0-9a-f]{2}){64}$/),
});
export type SignedRequest = z.infer<typeof signedRequestSchema>;

const signedBytes = (payload: string) => new TextEncoder().encode(SIGNING_DOMAIN + payload);

/** A subscriber signs its request (`mkl webhooks subscribe` does this). */
export function signSubscriptionRequest(
  suite: Suite,
  key: KeyPair,
  request: Omit<z.input<typeof subscriptionRequestSchema>, "signer" | "issuedAtMs">,
  nowMs: number,
): SignedRequest {
  const payload = JSON.stringify({
    ...request,
    signer: userCodeOf(suite.hash, key.publicKey.bytes),
    issuedAtMs: nowMs,
  });
  return {
    payload,
    publicKey: toHex(key.publicKey.bytes),
    signature: toHex(suite.sign(key.privateKey, signedBytes(payload))),
  };
}

export interface AuthorisedSubscription {
  readonly request: SubscriptionRequest;
  /** What the subscription is filtered to, from its scope. */
  readonly filter: { enterprise: string } | { payee: string };
}

const refuse = (code: string, message: string): never => {
  throw new SubscriptionError(code, message);
};

/** Checks the signature and, against the chain, that the signer may have this scope. */
export async function authoriseSubscription(
  suite: Suite,
  client: MarketLedgerClient,
  signed: SignedRequest,
  nowMs: number,
): Promise<AuthorisedSubscription> {
  let json: unknown;
  try {
    json = JSON.parse(signed.payload);
  } catch {
    refuse("SUBSCRIPTION_INVALID", "payload is not JSON");
  }
  const parsed = subscriptionRequestSchema.safeParse(json);
  if (!parsed.success) {
    refuse(
      "SUBSCRIPTION_INVALID",
      parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "),
    );
  }
  const request = (parsed as { data: SubscriptionRequest }).data;
  if (Math.abs(nowMs - request.issuedAtMs) > REQUEST_TTL_MS)
    refuse("SUBSCRIPTION_EXPIRED", "the request was signed too long ago (or in the future): sign it again");
  let publicKey: ReturnType<Suite["publicKeyFromBytes"]>;
  try {
    publicKey = suite.publicKeyFromBytes(fromHex(signed.publicKey));
  } catch {
    return refuse("SUBSCRIPTION_BAD_SIGNATURE", `the public key is no ${suite.id} key`);
  }
  if (!suite.verify(publicKey, signedBytes(signed.payload), fromHex(signed.signature)))
    refuse("SUBSCRIPTION_BAD_SIGNATURE", "the signature does not verify");
  const signer = await client.identity(normaliseUserCode(request.signer));
  if (signer === undefined)
    return refuse("SUBSCRIPTION_FORBIDDEN", `no identity ${request.signer} on the chain`);
  if (signer.status !== "active") refuse("SUBSCRIPTION_FORBIDDEN", `${signer.code} is ${signer.status}`);
  if (signer.settlementAccount !== addressHex(addressOfKey(suite, publicKey.bytes)))
    refuse("SUBSCRIPTION_FORBIDDEN", `the key is not ${signer.code}'s current key`);
  if ("enterprise" in request.scope) {
    if (signer.role !== "enterprise" || signer.organisation !== request.scope.enterprise)
      refuse(
        "SUBSCRIPTION_FORBIDDEN",
        `only an enterprise identity of ${request.scope.enterprise} subscribes to its events`,
      );
    return { request, filter: { enterprise: request.scope.enterprise } };
  }
  if (normaliseUserCode(request.scope.payee) !== signer.code)
    refuse("SUBSCRIPTION_FORBIDDEN", "an identity subscribes to the events that name itself only");
  return { request, filter: { payee: signer.code } };
}
