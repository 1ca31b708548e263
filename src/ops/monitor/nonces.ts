import type { Database } from "lmdb";
import { type NonceBook, REQUEST_WINDOW_MS } from "../../sdk/index.js";

/**
 * The operator requests' nonces the monitor took, in its own store, so a request signed
 * shortly before a restart cannot be taken once more after it. Only nonces whose request time
 * is inside the window are kept: an older one's time is refused as stale anyway, so the store
 * holds at most the requests of the last few minutes. Reads come from memory, loaded at start.
 */
export class StoredNonceBook implements NonceBook {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly db: Database<number, string>,
    nowMs: number,
  ) {
    for (const { key, value } of db.getRange()) {
      if (value < nowMs - REQUEST_WINDOW_MS) void db.remove(key);
      else this.seen.set(key, value);
    }
  }

  has(nonce: string): boolean {
    return this.seen.has(nonce);
  }

  /** Resolves once the nonce is committed to the store: only then may its request take effect. */
  async take(nonce: string, timeMs: number, nowMs: number): Promise<void> {
    for (const [old, at] of this.seen) {
      if (at >= nowMs - REQUEST_WINDOW_MS) continue;
      this.seen.delete(old);
      void this.db.remove(old);
    }
    this.seen.set(nonce, timeMs);
    await this.db.put(nonce, timeMs);
  }

  /** How many nonces are kept (for tests of the bound). */
  get size(): number {
    return this.seen.size;
  }
}
