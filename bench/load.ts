import type { KeyPair, Suite } from "../src/crypto/suite.js";
import { toHex } from "../src/ledger/bytes.js";
import { addressOfKey, buildSignedTx, transferOp } from "../src/sdk/index.js";

export interface SignedLoadTx {
  readonly bytes: Uint8Array;
  readonly hashHex: string;
}

/**
 * Pre-signed 1-fen transfers to the first sender, round-robin over senders (so no sender runs
 * past its nonce window), continuing each sender's nonces from `nextNonce`, which it advances.
 */
export function presignTransfers(
  suite: Suite,
  chainId: string,
  senders: readonly KeyPair[],
  count: number,
  nextNonce: bigint[],
): SignedLoadTx[] {
  const to = addressOfKey(suite, (senders[0] as KeyPair).publicKey.bytes);
  return Array.from({ length: count }, (_, i) => {
    const s = i % senders.length;
    const nonce = nextNonce[s] as bigint;
    nextNonce[s] = nonce + 1n;
    const tx = buildSignedTx(
      suite,
      senders[s] as KeyPair,
      { chainId, nonce, expiryHeight: 1_000_000n },
      transferOp(to, 1n),
    );
    return { bytes: tx.bytes, hashHex: toHex(tx.hash) };
  });
}
