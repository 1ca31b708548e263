import type { StateReader } from "../app/state.js";

/**
 * Committed state as admission reads it: each key read from the store once per head height and
 * then served from memory until the head moves. Under load a sender's transactions arrive by the
 * hundred between two commits (from its client, then relayed by every peer), and each read the
 * same identity, key index and account again: a store read and a decode per transaction (a
 * twentieth of a saturated node's time). Committed state changes only with the head, so the
 * values are exactly the store's; the same bytes are handed out each time, so a decode keyed by
 * them (the identity records') is done once too. Bounded: past `maxKeys` keys a height's reads go
 * to the store.
 */
export class HeadReads {
  private height: bigint | undefined;
  private readonly values = new Map<string, Uint8Array | undefined>();
  private readonly reader: StateReader = {
    get: (key) => {
      // Any one-to-one text will do for a map key: latin1 is Node's cheapest (a char per byte).
      const id = Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString("latin1");
      if (this.values.has(id)) return this.values.get(id);
      const value = this.committed.get(key);
      if (this.values.size < this.maxKeys) this.values.set(id, value);
      return value;
    },
  };

  constructor(
    private readonly committed: StateReader,
    private readonly maxKeys = 16_384,
  ) {}

  /** Committed state, for a caller that read `height` as the store's head just now. */
  at(height: bigint): StateReader {
    if (height !== this.height) {
      this.values.clear();
      this.height = height;
    }
    return this.reader;
  }
}
