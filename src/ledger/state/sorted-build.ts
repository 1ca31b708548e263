/**
 * The state tree built from its leaves in path order, one leaf at a time, holding only the
 * pending right edge (at most 257 subtrees): a snapshot of any size is checked and restored
 * in memory that does not grow with it. It yields the same root and nodes as applyBatch on an
 * empty tree (sorted-build.test.ts checks both on random sets).
 *
 * Each pending subtree knows the depth at which its leaves part (a leaf: 256) and how many
 * leading bits it shares with the one before it. A new leaf sharing fewer bits with the last
 * one closes every subtree that parts deeper, so they join under their common node; a
 * subtree joined higher than it parts gets the one-sided inner nodes between (only a lone
 * leaf moves up, as in smt.ts).
 */
import { compareBytes, type HashFn } from "../bytes.js";
import { encode } from "../codec.js";
import { StateError } from "../errors.js";
import { EMPTY_ROOT, HASH_BYTES, pathBit, smtInnerHash, smtLeafHash, smtNodeCodec } from "./nodes.js";

const LEAF = 8 * HASH_BYTES;

interface Pending {
  readonly hash: Uint8Array;
  /** A path of one of its leaves (all share the bits above `parts`). */
  readonly path: Uint8Array;
  /** The depth whose bit tells its leaves apart; LEAF for a single leaf. */
  readonly parts: number;
  /** Leading bits shared with the pending subtree before it; -1 for the first. */
  readonly shared: number;
}

function sharedBits(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < HASH_BYTES; i++) {
    const x = (a[i] as number) ^ (b[i] as number);
    if (x !== 0) return 8 * i + Math.clz32(x) - 24;
  }
  return LEAF;
}

export class SortedTreeBuilder {
  private readonly stack: Pending[] = [];
  private last: Uint8Array | undefined;
  private count = 0;

  /** `emit` receives every node of the tree once, by hash, as the store keeps it. */
  constructor(
    private readonly hashFn: HashFn,
    private readonly emit: (hash: Uint8Array, node: Uint8Array) => void,
  ) {}

  get leaves(): number {
    return this.count;
  }

  /** Adds the next leaf; its path H(key) must follow the last one's (STATE_UNSORTED otherwise). */
  add(key: Uint8Array, value: Uint8Array): void {
    const path = this.hashFn(key);
    if (this.last !== undefined && compareBytes(this.last, path) >= 0) {
      throw new StateError("STATE_UNSORTED", "state entries must come in increasing H(key) order, once each");
    }
    const shared = this.last === undefined ? -1 : sharedBits(this.last, path);
    while (this.stack.length >= 2 && (this.stack.at(-1) as Pending).shared > shared) this.joinTop();
    const hash = smtLeafHash(this.hashFn, path, this.hashFn(value));
    this.emit(hash, encode(smtNodeCodec, { kind: "leaf", value: { key, value } }));
    this.stack.push({ hash, path, parts: LEAF, shared });
    this.last = path;
    this.count++;
  }

  /** The root of every leaf added; the builder is done. */
  finish(): Uint8Array {
    while (this.stack.length >= 2) this.joinTop();
    const only = this.stack[0];
    return only === undefined ? new Uint8Array(EMPTY_ROOT) : this.lift(only, 0);
  }

  private joinTop(): void {
    const right = this.stack.pop() as Pending;
    const left = this.stack.pop() as Pending;
    const depth = right.shared;
    const hash = this.inner(this.lift(left, depth + 1), this.lift(right, depth + 1));
    this.stack.push({ hash, path: left.path, parts: depth, shared: left.shared });
  }

  /** The subtree's hash as a child at `depth`: a leaf as it is, an inner node under one-sided nodes. */
  private lift(sub: Pending, depth: number): Uint8Array {
    if (sub.parts === LEAF) return sub.hash;
    let hash = sub.hash;
    for (let d = sub.parts - 1; d >= depth; d--)
      hash = pathBit(sub.path, d) === 0 ? this.inner(hash, EMPTY_ROOT) : this.inner(EMPTY_ROOT, hash);
    return hash;
  }

  private inner(left: Uint8Array, right: Uint8Array): Uint8Array {
    const hash = smtInnerHash(this.hashFn, left, right);
    this.emit(hash, encode(smtNodeCodec, { kind: "inner", value: { left, right } }, 1 + 2 * HASH_BYTES));
    return hash;
  }
}
