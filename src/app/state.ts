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

/** A byte-wise comparison, so that write sets have one deterministic order. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const diff = (a[i] as number) - (b[i] as number);
    if (diff !== 0) return diff;
  }
  return a.length - b.length;
}

function hexKey(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString("hex");
}

export class StateOverlay implements StateReader {
  private readonly writes = new Map<string, StateWriteEntry>();

  constructor(private readonly parent: StateReader) {}

  get(key: Uint8Array): Uint8Array | undefined {
    const entry = this.writes.get(hexKey(key));
    return entry === undefined ? this.parent.get(key) : entry.value;
  }

  set(key: Uint8Array, value: Uint8Array): void {
    this.writes.set(hexKey(key), { key: Uint8Array.from(key), value: Uint8Array.from(value) });
  }

  delete(key: Uint8Array): void {
    this.writes.set(hexKey(key), { key: Uint8Array.from(key), value: undefined });
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
