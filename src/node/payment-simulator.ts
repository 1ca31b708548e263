import { addressOf } from "../app/address.js";
import { txCodecs } from "../app/executor.js";
import { keys, readOrder } from "../app/marketing/records.js";
import type { KeyPair } from "../crypto/suite.js";
import { bytesEqual, toHex } from "../ledger/bytes.js";
import { encodeSignedTx, signTx } from "../ledger/tx.js";
import { encodeUserCode, userCodeBytesOf } from "../pki/user-code.js";
import { ApiError } from "./api/errors.js";
import type { LedgerNode } from "./node.js";

/** How many heights ahead the simulator's confirmation stays valid. */
const EXPIRY_HEIGHTS = 100n;
/** How long a payment waits for its confirmation to commit. */
const SETTLE_TIMEOUT_MS = 60_000;

/** A confirmation signed and submitted to this node, not yet committed. */
export interface Submitted {
  readonly hash: Uint8Array;
  readonly nonce: bigint;
  readonly amountFen: bigint;
}

/** A payment whose confirmation committed. */
export interface Payment {
  readonly hash: Uint8Array;
  readonly amountFen: bigint;
  readonly height: bigint;
}

/**
 * A SIMULATED payment provider inside the node, for the demo and tests only: no money moves.
 * The node holds the key of a payment-service identity (`paymentSimulator.keyFile`); the
 * buyer's browser never sees it: it signs a request naming the basket it pays with the buyer's
 * own key (the route checks the signature). Paying signs
 * confirmPayment of the basket's whole list value as that identity, as a real provider's
 * notification through its connector would, and the chain accepts it only where the
 * enterprise authorised this payment service (authorisePaymentService). Refused before
 * signing, changing nothing: an unknown order, a basket that is not the signer's, a line that
 * is not a basket, a basket not awaiting payment, an enterprise that did not authorise the service.
 */
export class PaymentSimulator {
  readonly code: Uint8Array;
  private readonly address: Uint8Array;

  constructor(
    private readonly node: LedgerNode,
    private readonly key: KeyPair,
  ) {
    this.code = userCodeBytesOf(node.suite.hash, key.publicKey.bytes);
    this.address = addressOf(node.suite.hash, key.publicKey.bytes);
  }

  /** Whether `enterprise` authorised this payment service on the chain. */
  authorisedBy(enterprise: string): boolean {
    return this.node.chain.state.get(keys.paymentService(enterprise, this.code)) !== undefined;
  }

  /**
   * Pays basket `basketId` in full for the buyer whose key is `payer` (who signed the request:
   * only the buyer the basket names may pay it), and waits until the confirmation commits.
   */
  pay(basketId: bigint, payer: Uint8Array, timeoutMs = SETTLE_TIMEOUT_MS): Promise<Payment> {
    return this.settle(this.submit(basketId, payer), basketId, payer, timeoutMs);
  }

  /**
   * Waits for a submitted confirmation. The simulators of several nodes sign as one identity,
   * so two payments at once through two nodes can draw one nonce, and the block that takes the
   * other drops this one: the account's nonce passes it without it. Then the payment is checked
   * and signed again, once, with a fresh nonce (a basket the other paid is refused as paid).
   */
  async settle(
    first: Submitted,
    basketId: bigint,
    payer: Uint8Array,
    timeoutMs = SETTLE_TIMEOUT_MS,
  ): Promise<Payment> {
    let submitted = first;
    let outcome = await this.outcome(submitted, timeoutMs);
    if (outcome === "lost") {
      submitted = this.submit(basketId, payer);
      outcome = await this.outcome(submitted, timeoutMs);
    }
    if (outcome === "lost")
      throw new ApiError(
        "TX_NONCE_TAKEN",
        `other payments took the payment service's nonce twice: basket ${basketId} is not paid, pay again`,
      );
    return { hash: submitted.hash, amountFen: submitted.amountFen, height: outcome };
  }

  /** The height a submitted confirmation committed at, or "lost" once its nonce was used by another. */
  private outcome(submitted: Submitted, timeoutMs: number): Promise<bigint | "lost"> {
    const { chain, events } = this.node;
    return new Promise((resolve, reject) => {
      const check = () => {
        const record = chain.txRecord(submitted.hash);
        if (record !== undefined) finish(() => resolve(record.height));
        else if (chain.accountNonce(this.address) > submitted.nonce) finish(() => resolve("lost"));
      };
      const timer = setTimeout(
        () =>
          finish(() =>
            reject(
              new ApiError(
                "PAYMENT_TIMEOUT",
                `the payment's confirmation ${toHex(submitted.hash)} has not committed within ${timeoutMs / 1000} s`,
              ),
            ),
          ),
        timeoutMs,
      );
      const finish = (then: () => void) => {
        clearTimeout(timer);
        events.off("block", check);
        then();
      };
      events.on("block", check);
      check();
    });
  }

  /** Checks and signs the confirmation of basket `basketId` for `payer`, and submits it to this node. */
  submit(basketId: bigint, payer: Uint8Array): Submitted {
    const state = this.node.chain.state;
    const head = readOrder(state, basketId);
    if (!head) throw new ApiError("NOT_FOUND", `order ${basketId} not found`);
    if (
      head.buyerCode === undefined ||
      !bytesEqual(head.buyerCode, userCodeBytesOf(this.node.suite.hash, payer))
    )
      throw new ApiError(
        "PAYMENT_NOT_BUYER",
        head.buyerCode === undefined
          ? `basket ${basketId} names no buyer: only a basket a buyer ordered with their own key is paid here`
          : `basket ${basketId} is not the signer's: only its buyer ${encodeUserCode(head.buyerCode)} may pay it`,
      );
    if (head.basketId !== head.id)
      throw new ApiError(
        "ORDER_NOT_BASKET",
        `order ${basketId} is line ${head.line} of basket ${head.basketId}`,
      );
    if (head.status !== "created")
      throw new ApiError("ORDER_BAD_STATE", `basket ${basketId} is ${head.status}, not awaiting payment`);
    if (!this.authorisedBy(head.enterprise))
      throw new ApiError(
        "PAYMENT_SERVICE_NOT_AUTHORISED",
        `${head.enterprise} has not authorised this payment service`,
      );
    let amountFen = 0n;
    for (let i = 0n; i < BigInt(head.lines); i++) {
      const line = readOrder(state, head.id + i);
      if (line && line.status === "created") amountFen += line.listValueFen;
    }
    const nonce = this.node.mempool.nextNonce(
      toHex(this.address),
      this.node.chain.accountNonce(this.address),
    );
    const unsigned = {
      chainId: this.node.genesis.chainId,
      sender: this.key.publicKey.bytes,
      nonce,
      expiryHeight: this.node.chain.height + EXPIRY_HEIGHTS,
      op: {
        kind: "confirmPayment" as const,
        // One payment per basket: a second click is the same operation, not a second payment.
        value: { idempotencyKey: `sim-pay-${basketId}`, orderId: basketId, amountReceivedFen: amountFen },
      },
    };
    const tx = encodeSignedTx(signTx(this.node.suite, this.key.privateKey, unsigned, txCodecs), txCodecs);
    return { hash: this.node.submitTx(tx), nonce, amountFen };
  }
}
