import { addressOf } from "../app/address.js";
import { txCodecs } from "../app/executor.js";
import { keys, readOrder } from "../app/marketing/records.js";
import type { KeyPair } from "../crypto/suite.js";
import { toHex } from "../ledger/bytes.js";
import { encodeSignedTx, signTx } from "../ledger/tx.js";
import { userCodeBytesOf } from "../pki/user-code.js";
import { ApiError } from "./api/errors.js";
import type { LedgerNode } from "./node.js";

/** How many heights ahead the simulator's confirmation stays valid. */
const EXPIRY_HEIGHTS = 100n;

/**
 * A SIMULATED payment provider inside the node, for the demo and tests only: no money moves.
 * The node holds the key of a payment-service identity (`paymentSimulator.keyFile`); the
 * buyer's browser never sees it and only names the basket it paid. Paying signs
 * confirmPayment of the basket's whole list value as that identity, as a real provider's
 * notification through its connector would, and the chain accepts it only where the
 * enterprise authorised this payment service (authorisePaymentService). Refused before
 * signing, changing nothing: an unknown order, a line that is not a basket, a basket not
 * awaiting payment, an enterprise that did not authorise the service.
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

  /** Pays basket `basketId` in full: returns the confirmation's hash (it commits later) and the amount. */
  pay(basketId: bigint): { hash: Uint8Array; amountFen: bigint } {
    const state = this.node.chain.state;
    const head = readOrder(state, basketId);
    if (!head) throw new ApiError("NOT_FOUND", `order ${basketId} not found`);
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
    return { hash: this.node.submitTx(tx), amountFen };
  }
}
