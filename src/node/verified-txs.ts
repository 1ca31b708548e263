import { toHex } from "../ledger/bytes.js";

/**
 * Hashes of transactions whose signatures this node verified at admission, so that executing
 * them in a block need not verify again. Bounded: the oldest entries go first.
 */
export class VerifiedTxs {
  private readonly hashes = new Set<string>();

  constructor(private readonly capacity = 200_000) {}

  add(hash: Uint8Array): void {
    const key = toHex(hash);
    this.hashes.delete(key);
    this.hashes.add(key);
    if (this.hashes.size > this.capacity) {
      const oldest = this.hashes.values().next().value;
      if (oldest !== undefined) this.hashes.delete(oldest);
    }
  }

  readonly has = (hash: Uint8Array): boolean => this.hashes.has(toHex(hash));
}
