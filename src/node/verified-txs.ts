import type { AdmittedTx, KnownTxs } from "../app/executor.js";
import { toHex } from "../ledger/bytes.js";

/**
 * Hashes of transactions whose signatures this node verified at admission, so that executing
 * them in a block need not verify again. Bounded: the oldest entries go first. Beside them, the
 * admitted form of each byte array admission verified (keyed by the array itself, so it lives
 * exactly as long as the pool or a block holds those bytes), which spares execution decoding and
 * hashing them again (KnownTxs).
 */
export class VerifiedTxs implements KnownTxs {
  private readonly hashes = new Set<string>();
  private readonly forms = new WeakMap<Uint8Array, AdmittedTx>();

  constructor(private readonly capacity = 200_000) {}

  add(hash: Uint8Array): void {
    this.addHex(toHex(hash));
  }

  /** add() for a hash already in hex (admission has it so). */
  addHex(key: string): void {
    this.hashes.delete(key);
    this.hashes.add(key);
    if (this.hashes.size > this.capacity) {
      const oldest = this.hashes.values().next().value;
      if (oldest !== undefined) this.hashes.delete(oldest);
    }
  }

  readonly has = (hash: Uint8Array): boolean => this.hashes.has(toHex(hash));

  hasHex(hashHex: string): boolean {
    return this.hashes.has(hashHex);
  }

  readonly valid = this.has;

  /** `admitted` passed every stateless check, its signature included: remember its form. */
  remember(admitted: AdmittedTx): void {
    this.forms.set(admitted.bytes, admitted);
  }

  readonly admitted = (bytes: Uint8Array): AdmittedTx | undefined => this.forms.get(bytes);
}
