import type { KeyPair, Suite } from "../crypto/suite.js";
import { addressOfKey, buildSignedTx, MarketLedgerClient, transferOp } from "../sdk/index.js";

export interface DemoTrafficOptions {
  readonly apiUrl: string;
  readonly suite: Suite;
  readonly chainId: string;
  readonly accounts: readonly KeyPair[];
  /** Transactions per second, kept modest: the demo shows life, it is not a load test. */
  readonly ratePerSecond: number;
  readonly log: (line: string) => void;
}

/**
 * A steady trickle of transfers among the demo accounts through the public API, so that a
 * freshly started platform has something happening. Returns a stop function.
 */
export function startDemoTraffic(options: DemoTrafficOptions): () => void {
  const client = new MarketLedgerClient(options.apiUrl);
  const nonces = new Map<KeyPair, bigint>();
  let turn = 0;
  let stopped = false;
  let inFlight = false;

  async function nonceOf(key: KeyPair): Promise<bigint> {
    const known = nonces.get(key);
    if (known !== undefined) return known;
    const { nonce } = await client.account(addressOfKey(options.suite, key.publicKey.bytes));
    nonces.set(key, nonce);
    return nonce;
  }

  async function sendOne(): Promise<void> {
    const { accounts } = options;
    const from = accounts[turn % accounts.length] as KeyPair;
    const to = accounts[(turn + 1) % accounts.length] as KeyPair;
    turn++;
    const nonce = await nonceOf(from);
    const latest = await client.block("latest");
    const tx = buildSignedTx(
      options.suite,
      from,
      { chainId: options.chainId, nonce, expiryHeight: BigInt(latest.header.height) + 100n },
      transferOp(addressOfKey(options.suite, to.publicKey.bytes), BigInt(1 + (turn % 500)), "demo"),
    );
    try {
      await client.submitTx(tx.bytes);
      nonces.set(from, nonce + 1n);
    } catch (error) {
      // Forget the cached nonce and ask the chain again next time.
      nonces.delete(from);
      options.log(`demo transfer refused: ${(error as Error).message}`);
    }
  }

  const timer = setInterval(
    () => {
      if (stopped || inFlight || options.accounts.length < 2) return;
      inFlight = true;
      sendOne()
        .catch((error: Error) => options.log(`demo traffic: ${error.message}`))
        .finally(() => {
          inFlight = false;
        });
    },
    Math.max(10, Math.round(1000 / options.ratePerSecond)),
  );
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
