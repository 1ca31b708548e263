import { type ReasonCode, reasonCodec } from "../../../src/app/marketing/records.js";
import type { KeyPair, Suite } from "../../../src/crypto/suite.js";
import { LedgerError } from "../../../src/errors.js";
import { fromHex, toHex } from "../../../src/ledger/bytes.js";
import { encode, string, struct, u64 } from "../../../src/ledger/codec.js";
import { addressOfKey } from "../../../src/sdk/transactions.js";
import { api } from "./api.js";

/**
 * A buyer's request for a refund. The chain lets only the seller refund, so the buyer signs the
 * request here with their own key and hands the text to the seller (copy, or its QR code); the
 * seller's console checks that the signer is the order's buyer before offering the refund. No
 * personal data is in it: order id, amount, reason code and the buyer's user code.
 */

const PREFIX = "MKLREFUND1.";
const DOMAIN = "MKL/refund-request/v1";

export interface RefundRequest {
  chainId: string;
  orderId: string;
  amountFen: string;
  reason: ReasonCode;
  buyer: string;
  publicKey: string;
  signature: string;
}

const signedCodec = struct({
  domain: string(32),
  chainId: string(64),
  orderId: u64,
  amountFen: u64,
  reason: reasonCodec,
  buyer: string(64),
});

function signedBytes(r: Omit<RefundRequest, "publicKey" | "signature">): Uint8Array {
  return encode(signedCodec, {
    domain: DOMAIN,
    chainId: r.chainId,
    orderId: BigInt(r.orderId),
    amountFen: BigInt(r.amountFen),
    reason: r.reason,
    buyer: r.buyer,
  });
}

export function signRefundRequest(
  suite: Suite,
  key: KeyPair,
  request: Omit<RefundRequest, "publicKey" | "signature">,
): string {
  const signature = suite.sign(key.privateKey, signedBytes(request));
  const full: RefundRequest = {
    ...request,
    publicKey: toHex(key.publicKey.bytes),
    signature: toHex(signature),
  };
  return PREFIX + btoa(JSON.stringify(full)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export class RefundRequestError extends LedgerError {}

function refuse(code: string, message: string): never {
  throw new RefundRequestError(code, message);
}

/** Decodes the text; throws REFUND_REQUEST_MALFORMED when it is not one. */
export function parseRefundRequest(text: string): RefundRequest {
  const trimmed = text.trim();
  if (!trimmed.startsWith(PREFIX))
    refuse("REFUND_REQUEST_MALFORMED", `a refund request starts with ${PREFIX}`);
  let parsed: Partial<RefundRequest>;
  try {
    const b64 = trimmed.slice(PREFIX.length).replace(/-/g, "+").replace(/_/g, "/");
    parsed = JSON.parse(atob(b64)) as Partial<RefundRequest>;
  } catch {
    return refuse("REFUND_REQUEST_MALFORMED", "the refund request is not readable");
  }
  const fields = ["chainId", "orderId", "amountFen", "reason", "buyer", "publicKey", "signature"] as const;
  for (const f of fields) {
    if (typeof parsed[f] !== "string") refuse("REFUND_REQUEST_MALFORMED", `the refund request has no ${f}`);
  }
  if (!/^\d{1,19}$/.test(parsed.orderId!) || !/^\d{1,19}$/.test(parsed.amountFen!))
    refuse("REFUND_REQUEST_MALFORMED", "order id and amount are whole numbers");
  return parsed as RefundRequest;
}

/**
 * Checks a request against the chain: signed by the key now registered for the buyer's user
 * code, that code the order's buyer, same chain. Returns the request; throws with a code otherwise.
 */
export async function checkRefundRequest(
  suite: Suite,
  chainId: string,
  request: RefundRequest,
): Promise<RefundRequest> {
  if (request.chainId !== chainId)
    refuse("REFUND_REQUEST_OTHER_CHAIN", `the request is for chain ${request.chainId}`);
  let publicKey: ReturnType<Suite["publicKeyFromBytes"]>;
  let signature: Uint8Array;
  try {
    publicKey = suite.publicKeyFromBytes(fromHex(request.publicKey));
    signature = fromHex(request.signature);
  } catch {
    return refuse("REFUND_REQUEST_MALFORMED", "the request's key or signature is not readable");
  }
  let valid = false;
  try {
    valid = suite.verify(publicKey, signedBytes(request), signature);
  } catch {
    valid = false;
  }
  if (!valid) refuse("REFUND_REQUEST_BAD_SIGNATURE", "the signature does not match the request");
  const [view, identity] = await Promise.all([api.order(request.orderId), api.identity(request.buyer)]);
  if (view.order.buyerCode !== request.buyer)
    refuse("REFUND_REQUEST_NOT_BUYER", `${request.buyer} is not the buyer of order ${request.orderId}`);
  if (identity.status !== "active") refuse("REFUND_REQUEST_NOT_BUYER", `${request.buyer} is not active`);
  if (identity.settlementAccount !== toHex(addressOfKey(suite, publicKey.bytes)))
    refuse("REFUND_REQUEST_NOT_BUYER", `the request was not signed with ${request.buyer}'s registered key`);
  return request;
}
