import { txCodecs } from "../../src/app/executor.js";
import type { Operation } from "../../src/app/operations/index.js";
import type { KeyPair, Suite } from "../../src/crypto/suite.js";
import { toHex } from "../../src/ledger/bytes.js";
import { encodeSignedTx, txHash } from "../../src/ledger/tx.js";
import { buildSignedTx } from "../../src/sdk/index.js";
import { CHAIN_ID } from "./fixture.js";
import type { QueuedTx } from "./submitter.js";

/**
 * Signs operations for many keys, each key's nonces in the order it signs. Every key starts at
 * nonce 0 (the bench's identities are fresh in genesis) and the expiry is far enough ahead for
 * any backlog the run can build.
 */
export class LoadSigner {
  private readonly nonces = new Map<KeyPair, bigint>();
  private readonly ids = new Map<KeyPair, string>();
  /** Each key's transactions, in nonce order from 0. */
  private readonly hashes = new Map<KeyPair, string[]>();
  signed = 0;
  /**
   * While false, transactions carry an empty signature: only for a local chain, which takes
   * every transaction it is given as checked (pre-seeding a large state, where signing would be
   * most of the work and the signature is never read).
   */
  signing = true;

  constructor(private readonly suite: Suite) {}

  private idOf(key: KeyPair): string {
    let id = this.ids.get(key);
    if (id === undefined) {
      id = String(this.ids.size);
      this.ids.set(key, id);
    }
    return id;
  }

  sign(key: KeyPair, op: Operation): QueuedTx {
    const nonce = this.nonces.get(key) ?? 0n;
    this.nonces.set(key, nonce + 1n);
    this.signed++;
    const envelope = { chainId: CHAIN_ID, nonce, expiryHeight: 10_000_000n };
    const tx = this.signing
      ? buildSignedTx(this.suite, key, envelope, op)
      : unsignedTx(this.suite, key, envelope, op);
    const hashHex = toHex(tx.hash);
    const ofKey = this.hashes.get(key);
    if (ofKey) ofKey.push(hashHex);
    else this.hashes.set(key, [hashHex]);
    return { bytes: tx.bytes, hashHex, sender: this.idOf(key) };
  }

  /**
   * After transactions were given up (never to commit): each key signs on from its first nonce
   * that did not commit, which is the chain's next nonce for it once nothing is in flight (a
   * key's committed transactions are always a prefix of its nonces).
   */
  resync(committed: (hashHex: string) => boolean): void {
    for (const [key, hashes] of this.hashes) {
      let next = 0;
      while (next < hashes.length && committed(hashes[next] as string)) next++;
      hashes.length = next;
      this.nonces.set(key, BigInt(next));
    }
  }
}

/** A transaction as buildSignedTx makes it, but with an empty signature. */
function unsignedTx(
  suite: Suite,
  key: KeyPair,
  envelope: { chainId: string; nonce: bigint; expiryHeight: bigint },
  op: Operation,
): { bytes: Uint8Array; hash: Uint8Array } {
  const bytes = encodeSignedTx(
    { ...envelope, sender: key.publicKey.bytes, op, signature: new Uint8Array(0) },
    txCodecs,
  );
  return { bytes, hash: txHash(suite, bytes) };
}
