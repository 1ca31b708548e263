import type { Operation } from "../../../src/app/operations/index.js";
import type { KeyPair, Suite } from "../../../src/crypto/suite.js";
import { LedgerError } from "../../../src/errors.js";
import type { ResultJson } from "../../../src/sdk/client.js";
import { addressOfKey, buildSignedTx } from "../../../src/sdk/transactions.js";

import { client } from "./client.js";

export { client };

/**
 * A transaction that committed with a result other than OK: its stable code, translated by the
 * UI, and the result's details (the offending data, e.g. an import's `row`) beside height and hash.
 */
export class ChainRefusal extends LedgerError {
  constructor(
    code: string,
    message: string,
    readonly height: string,
    readonly hash: string,
    details: Readonly<Record<string, string>> = {},
  ) {
    super(code, message, { ...details, height, hash });
  }
}

export interface Committed {
  hash: string;
  height: string;
  result: ResultJson;
}

/**
 * Signs `op` here, in the browser, with the user's key, submits the bytes and waits for the
 * block. Throws SdkError when the node refuses the transaction, ChainRefusal when it committed
 * with an error code.
 */
export async function signAndSubmit(
  suite: Suite,
  chainId: string,
  key: KeyPair,
  op: Operation,
): Promise<Committed> {
  const { nonce } = await client.account(addressOfKey(suite, key.publicKey.bytes));
  const latest = await client.block("latest");
  const tx = buildSignedTx(
    suite,
    key,
    { chainId, nonce, expiryHeight: BigInt(latest.header.height) + 100n },
    op,
  );
  const hash = await client.submitTx(tx.bytes);
  const status = await client.waitForTx(hash, { timeoutMs: 60_000, pollMs: 250 });
  if (status.result.code !== "OK") {
    throw new ChainRefusal(
      status.result.code,
      status.result.message,
      status.height,
      hash,
      status.result.details,
    );
  }
  return { hash, height: status.height, result: status.result };
}

/** The first event of a type in a result, e.g. orderCreated's orderId. */
export function eventAttribute(result: ResultJson, type: string, attribute: string): string | undefined {
  return result.events.find((e) => e.type === type)?.attributes[attribute];
}

/** A client-chosen idempotency key: fresh per user action, so a retry of the same click is one operation. */
export function idempotencyKey(prefix: string): string {
  const random = crypto.getRandomValues(new Uint8Array(8));
  return `${prefix}-${Array.from(random, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}
