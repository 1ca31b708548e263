import { compareBytes, toHex } from "../ledger/bytes.js";

/**
 * The executor's view of the world state: reads fall through a stack of overlays to the
 * committed state; writes stay in the top overlay until it is merged (a transaction that
 * succeeded) or dropped (one that failed, so a failed operation changes nothing).
 */
export interface StateReader {
  get(key: Uint8Array): Uint8Array | undefined;
}

export interface StateWriteEntry {
  readonly key: Uint8Array;
  readonly value: Uint8Array | undefined;
}

export class StateOverlay implements StateReader {
  private readonly writes = new Map<string, StateWriteEntry>();

  constructor(private readonly parent: StateReader) {}

  get(key: Uint8Array): Uint8Array | undefined {
    return this.lookup(toHex(key), key);
  }

  /** A read by key and its hex, made once for the whole stack of overlays. */
  lookup(hex: string, key: Uint8Array): Uint8Array | undefined {
    const entry = this.writes.get(hex);
    if (entry !== undefined) return entry.value;
    const parent = this.parent;
    return parent instanceof StateOverlay || parent instanceof ReadOnce
      ? parent.lookup(hex, key)
      : parent.get(key);
  }

  set(key: Uint8Array, value: Uint8Array): void {
    // Copies (the typed-array constructor copies), so a caller's later change cannot reach state.
    this.writes.set(toHex(key), { key: new Uint8Array(key), value: new Uint8Array(value) });
  }

  delete(key: Uint8Array): void {
    this.writes.set(toHex(key), { key: new Uint8Array(key), value: undefined });
  }

  /** A child overlay whose writes reach this one only through merge(). */
  child(): StateOverlay {
    return new StateOverlay(this);
  }

  /** Moves a child's writes into this overlay (the child must have been made by child()). */
  merge(child: StateOverlay): void {
    for (const [hex, entry] of child.writes) this.writes.set(hex, entry);
  }

  /** The writes of this overlay, sorted by key. */
  sortedWrites(): StateWriteEntry[] {
    return [...this.writes.values()].sort((a, b) => compareBytes(a.key, b.key));
  }
}

/**
 * Committed state read at most once per key while a block executes: the state below a block
 * does not change until it commits, and its end-block work reads the same records (tier volume
 * buckets, due-heap entries, policies) for every order it completes.
 */
export class ReadOnce implements StateReader {
  private readonly seen = new Map<string, Uint8Array | undefined>();

  constructor(private readonly source: StateReader) {}

  get(key: Uint8Array): Uint8Array | undefined {
    return this.lookup(toHex(key), key);
  }

  lookup(hex: string, key: Uint8Array): Uint8Array | undefined {
    if (this.seen.has(hex)) return this.seen.get(hex);
    const value = this.source.get(key);
    this.seen.set(hex, value);
    return value;
  }
}
