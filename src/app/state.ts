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
    const entry = this.writes.get(toHex(key));
    return entry === undefined ? this.parent.get(key) : entry.value;
  }

  set(key: Uint8Array, value: Uint8Array): void {
    this.writes.set(toHex(key), { key: Uint8Array.from(key), value: Uint8Array.from(value) });
  }

  delete(key: Uint8Array): void {
    this.writes.set(toHex(key), { key: Uint8Array.from(key), value: undefined });
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
