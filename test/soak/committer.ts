import type { Operation } from "../../src/app/operations/index.js";
import type { Prng } from "../../src/consensus/sim/prng.js";
import type { KeyPair, Suite } from "../../src/crypto/suite.js";
import { toHex } from "../../src/ledger/bytes.js";
import {
  addressOfKey,
  buildSignedTx,
  type MarketLedgerClient,
  type ResultJson,
  SdkError,
} from "../../src/sdk/index.js";

/** Refusals that mean "this very transaction is already in": wait for it all the same. */
export const ALREADY_IN: ReadonlySet<string> = new Set([
  "TX_DUPLICATE",
  "TX_NONCE_TOO_LOW",
  "TX_NONCE_TAKEN",
]);

export class SoakStopping extends Error {
  constructor() {
    super("the soak is stopping");
  }
}

/** The live nodes, as clients of one connection source. */
export type LiveClients = () => Promise<MarketLedgerClient[]>;

/**
 * Sends transactions the way a careful client does while nodes die: one nonce at a time per
 * key, each transaction signed once and offered again (the same bytes) to a random live node
 * until one answers that it is committed. A rate-limit refusal (429 RATE_LIMITED, of the client's
 * address or of the transaction's signer) is counted and waited out for as long as its Retry-After
 * says (one without is a problem), then the same bytes are offered again. What is
 * acknowledged is recorded with its height, for the final check that no node lost it.
 */
export class Committer {
  /** Every acknowledged transaction: hash, height. */
  readonly acknowledged = new Map<string, bigint>();
  /** Acknowledged transactions by operation kind, and those whose result was not OK. */
  readonly byKind: Record<string, number> = {};
  readonly notOk: Record<string, number> = {};
  /** The bytes of the last acknowledged transaction (a replay for the hostile clients). */
  lastCommitted: Uint8Array | undefined;
  /** Rate-limit refusals in the documented shape: of the address's requests, of the signer's transactions. */
  readonly rateLimited = { address: 0, signer: 0 };
  /** 429s in another shape or with another code. */
  readonly misshapenRefusals: string[] = [];
  private readonly nonces = new Map<string, bigint>();
  private readonly queues = new Map<string, Promise<unknown>>();
  private stopping = false;

  constructor(
    private readonly suite: Suite,
    private readonly chainId: string,
    private readonly live: LiveClients,
    private readonly prng: Prng,
  ) {}

  stop(): void {
    this.stopping = true;
  }

  /**
   * Commits `op` signed by `key` after every earlier one of the same key; its result. `via`:
   * the clients to send through (default, the trusted ones this committer was made with).
   * `hasty`: the first offer goes to the same node twice at once, as a client that retries
   * without waiting does; a node that limits transactions per signer refuses the second (429).
   */
  send(key: KeyPair, op: Operation, via: LiveClients = this.live, hasty = false): Promise<ResultJson> {
    const address = toHex(addressOfKey(this.suite, key.publicKey.bytes));
    const previous = this.queues.get(address) ?? Promise.resolve();
    const next = previous.catch(() => {}).then(() => this.commit(address, key, op, via, hasty));
    this.queues.set(address, next);
    return next;
  }

  private async commit(
    address: string,
    key: KeyPair,
    op: Operation,
    via: LiveClients,
    hasty: boolean,
  ): Promise<ResultJson> {
    let nonce = this.nonces.get(address);
    while (nonce === undefined) {
      const client = await this.pick(via);
      try {
        nonce = (await client.account(addressOfKey(this.suite, key.publicKey.bytes))).nonce;
      } catch (error) {
        await sleep(this.retryDelayMs(error));
      }
    }
    const signed = buildSignedTx(
      this.suite,
      key,
      { chainId: this.chainId, nonce, expiryHeight: 10n ** 9n },
      op,
    );
    const hash = toHex(signed.hash);
    const offer = (client: MarketLedgerClient) =>
      client.submitTx(signed.bytes).catch((error: { code?: string }) => {
        if (!ALREADY_IN.has(error.code ?? "")) throw error;
      });
    // Only the first offer: after a wait every offer would be twice again, and refused again.
    let offers = hasty ? 2 : 1;
    for (;;) {
      const client = await this.pick(via);
      try {
        for (; offers > 1; offers--) await offer(client);
        await offer(client);
        const committed = await client.waitForTx(hash, { timeoutMs: 5_000, pollMs: 50 });
        this.nonces.set(address, nonce + 1n);
        this.acknowledged.set(hash, BigInt(committed.height));
        this.lastCommitted = signed.bytes;
        this.byKind[op.kind] = (this.byKind[op.kind] ?? 0) + 1;
        if (committed.result.code !== "OK")
          this.notOk[committed.result.code] = (this.notOk[committed.result.code] ?? 0) + 1;
        return committed.result;
      } catch (error) {
        await sleep(this.retryDelayMs(error));
      }
    }
  }

  /** How long to wait before trying again after `error`: a 429 says how long, anything else is brief. */
  private retryDelayMs(error: unknown): number {
    if (!(error instanceof SdkError) || error.status !== 429) return 50;
    if (error.code !== "RATE_LIMITED") {
      this.misshapenRefusals.push(`429 with ${error.code}: ${error.message}`);
      return 1_000;
    }
    const kind = /from this signer/.test(error.message) ? "signer" : "address";
    this.rateLimited[kind]++;
    if (error.retryAfterMs === undefined) {
      this.misshapenRefusals.push(`429 RATE_LIMITED (${kind}) without a Retry-After: ${error.message}`);
      return 1_000;
    }
    return error.retryAfterMs;
  }

  /** A random node that is up; waits while none is. */
  private async pick(live: LiveClients): Promise<MarketLedgerClient> {
    for (;;) {
      if (this.stopping) throw new SoakStopping();
      const clients = await live();
      const client = clients[this.prng.int(Math.max(1, clients.length))];
      if (client !== undefined) return client;
      await sleep(100);
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
