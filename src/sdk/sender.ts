import type { Operation } from "../app/operations/index.js";
import type { KeyPair, Suite } from "../crypto/suite.js";
import { type MarketLedgerClient, type ResultJson, SdkError } from "./client.js";
import { addressOfKey, buildSignedTx } from "./transactions.js";

/** How many heights ahead a sent transaction stays valid. */
export const TX_EXPIRY_HEIGHTS = 100n;

/**
 * Sends operations as given keys through a node's API and waits for their results. Nonces are
 * cached per key and asked again of the chain after any refusal, so one sender can keep many
 * keys' transactions in flight.
 */
export class TxSender {
  private readonly nonces = new Map<KeyPair, bigint>();

  constructor(
    readonly client: MarketLedgerClient,
    readonly suite: Suite,
    readonly chainId: string,
    private readonly waitMs = 30_000,
  ) {}

  /** A sender for the chain `client` talks to, checking that `suite` is that chain's suite. */
  static async connect(client: MarketLedgerClient, suite: Suite, waitMs?: number): Promise<TxSender> {
    const status = await client.status();
    if (status.suite !== suite.id) {
      throw new SdkError(
        "SUITE_MISMATCH",
        `the key is for the ${suite.id} suite, the chain uses ${status.suite}`,
      );
    }
    return new TxSender(client, suite, status.chainId, waitMs);
  }

  private async nonceOf(key: KeyPair): Promise<bigint> {
    const known = this.nonces.get(key);
    if (known !== undefined) return known;
    const { nonce } = await this.client.account(addressOfKey(this.suite, key.publicKey.bytes));
    this.nonces.set(key, nonce);
    return nonce;
  }

  /** Signs and submits `op` as `key`; returns its hash once the node admitted it. */
  async submit(key: KeyPair, op: Operation): Promise<string> {
    const nonce = await this.nonceOf(key);
    const latest = await this.client.block("latest");
    const tx = buildSignedTx(
      this.suite,
      key,
      { chainId: this.chainId, nonce, expiryHeight: BigInt(latest.header.height) + TX_EXPIRY_HEIGHTS },
      op,
    );
    try {
      const hash = await this.client.submitTx(tx.bytes);
      this.nonces.set(key, nonce + 1n);
      return hash;
    } catch (error) {
      this.nonces.delete(key);
      throw error;
    }
  }

  /** Submits `op` signed by `key`, waits for its block and returns its result (OK or a stable code). */
  async send(key: KeyPair, op: Operation): Promise<ResultJson & { hash: string; height: string }> {
    const hash = await this.submit(key, op);
    const status = await this.client.waitForTx(hash, { timeoutMs: this.waitMs });
    return { ...status.result, hash, height: status.height };
  }

  /** Like send, but a result other than OK is an error carrying the chain's code. */
  async ok(key: KeyPair, op: Operation): Promise<ResultJson & { hash: string; height: string }> {
    const result = await this.send(key, op);
    if (result.code !== "OK") {
      throw new SdkError(result.code, `${op.kind}: ${result.message}`);
    }
    return result;
  }
}
