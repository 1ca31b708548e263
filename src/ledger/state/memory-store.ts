import { toHex } from "../bytes.js";
import type { SmtNodeStore } from "./smt.js";

/** An in-memory node store, for tests and tools; the node layer backs the tree with LMDB. */
export class MemoryNodeStore implements SmtNodeStore {
  private readonly nodes = new Map<string, Uint8Array>();

  get(hash: Uint8Array): Uint8Array | undefined {
    return this.nodes.get(toHex(hash));
  }

  /** Adds the nodes an applyBatch created. Nodes are immutable, so re-adding one is harmless. */
  putAll(newNodes: ReadonlyMap<string, Uint8Array>): void {
    for (const [hash, bytes] of newNodes) this.nodes.set(hash, bytes);
  }

  get size(): number {
    return this.nodes.size;
  }
}
