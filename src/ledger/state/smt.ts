/**
 * The world state: a sparse Merkle tree over 256-bit paths H(key), with shortcut leaves
 * (a leaf sits at the shallowest depth where it is alone in its subtree, so paths are about
 * log2(n) long). The root depends only on the final key/value set, never on history. Node
 * encoding and hashing: see nodes.ts.
 *
 * Nodes are immutable and content-addressed: an update never changes a stored node, it
 * returns the new nodes to add, so every historical root stays readable until the node layer
 * prunes it. Asked to, it also returns the nodes the new root no longer reaches (superseded),
 * which is what a pruner needs to know.
 */
import { bytesEqual, compareBytes, type HashFn, toHex } from "../bytes.js";
import { decode, encode } from "../codec.js";
import { CodecError, StateError } from "../errors.js";
import {
  EMPTY_ROOT,
  HASH_BYTES,
  isEmptyHash,
  MAX_STATE_KEY_BYTES,
  MAX_STATE_VALUE_BYTES,
  pathBit,
  type SmtNode,
  smtInnerHash,
  smtLeafHash,
  smtNodeCodec,
} from "./nodes.js";

/** Synchronous, content-addressed node reads (LMDB reads are synchronous). */
export interface SmtNodeStore {
  get(hash: Uint8Array): Uint8Array | undefined;
}

/** Set key to value, or delete key when value is undefined. */
export interface StateChange {
  key: Uint8Array;
  value: Uint8Array | undefined;
}

export interface BatchResult {
  root: Uint8Array;
  /**
   * Nodes the update built, by lowercase hex hash, to write to the store: every node the new
   * root reaches that the old one did not. With `superseded`, one the old root already reached
   * is left out (it is in the store), even where the update rebuilt it with the same hash;
   * without, such a node may be among them (writing it again changes nothing).
   */
  newNodes: Map<string, Uint8Array>;
  /**
   * With `superseded`, the nodes (lowercase hex) the old root reached and the new one does not:
   * superseded at this batch (a node's hash may come back in a later batch, the same subtree
   * again). Empty without.
   */
  staleNodes: string[];
}

export interface BatchOptions {
  /**
   * Work out which nodes the new root no longer reaches (staleNodes), for a store that prunes.
   * It costs a hex string and a set entry for every node read on a changed path, so an archive
   * store, which keeps every root, leaves it off.
   */
  readonly superseded: boolean;
}

export function loadNode(store: SmtNodeStore, hash: Uint8Array): SmtNode {
  const bytes = store.get(hash);
  if (bytes === undefined) {
    throw new StateError("STATE_MISSING_NODE", `state node ${toHex(hash)} is not in the store`, {
      hash: toHex(hash),
    });
  }
  try {
    return decode(smtNodeCodec, bytes);
  } catch (e) {
    if (!(e instanceof CodecError)) throw e;
    throw new StateError("STATE_CORRUPT_NODE", `state node ${toHex(hash)} does not decode: ${e.code}`, {
      hash: toHex(hash),
    });
  }
}

/** The value of key in the state with this root, or undefined if absent. */
export function getAt(
  store: SmtNodeStore,
  hashFn: HashFn,
  root: Uint8Array,
  key: Uint8Array,
): Uint8Array | undefined {
  const path = hashFn(key);
  let hash = root;
  for (let depth = 0; depth <= 8 * HASH_BYTES; depth++) {
    if (isEmptyHash(hash)) return undefined;
    const node = loadNode(store, hash);
    if (node.kind === "leaf") return bytesEqual(node.value.key, key) ? node.value.value : undefined;
    hash = pathBit(path, depth) === 0 ? node.value.left : node.value.right;
  }
  throw new StateError("STATE_CORRUPT_NODE", "state path deeper than 256 levels", { root: toHex(root) });
}

/**
 * The nodes (lowercase hex) on key's path in the tree with this root, from the root down to the
 * key's leaf or to the leaf or empty subtree that proves it absent: all a proof of key reads.
 */
export function nodesOnPath(
  store: SmtNodeStore,
  hashFn: HashFn,
  root: Uint8Array,
  key: Uint8Array,
): string[] {
  const path = hashFn(key);
  const nodes: string[] = [];
  let hash = root;
  for (let depth = 0; depth <= 8 * HASH_BYTES && !isEmptyHash(hash); depth++) {
    nodes.push(toHex(hash));
    const node = loadNode(store, hash);
    if (node.kind === "leaf") return nodes;
    hash = pathBit(path, depth) === 0 ? node.value.left : node.value.right;
  }
  return nodes;
}

/** A change with its path; value undefined deletes. */
interface Entry {
  path: Uint8Array;
  key: Uint8Array;
  value: Uint8Array | undefined;
}

type Kind = "empty" | "leaf" | "inner" | "unknown";
interface Sub {
  hash: Uint8Array;
  kind: Kind;
}

interface Ctx {
  store: SmtNodeStore;
  hashFn: HashFn;
  newNodes: Map<string, Uint8Array>;
  /**
   * Nodes of the old root on a changed path (each is rebuilt with the same hash or superseded);
   * undefined when the caller does not ask for superseded nodes.
   */
  replaced: Set<string> | undefined;
}

const EMPTY: Sub = { hash: EMPTY_ROOT, kind: "empty" };

/**
 * Applies a batch of changes to the state with this root and returns the new root and the
 * nodes to store. Deterministic: the result depends only on the set of final changes. When
 * one key appears more than once, the last occurrence in `changes` wins; the changes are then
 * applied in H(key) order (order has no effect on the root, it only fixes the work done).
 * Deleting an absent key is a no-op.
 */
export function applyBatch(
  store: SmtNodeStore,
  hashFn: HashFn,
  root: Uint8Array,
  changes: readonly StateChange[],
  options: BatchOptions = { superseded: true },
): BatchResult {
  const replaced = options.superseded ? new Set<string>() : undefined;
  const ctx: Ctx = { store, hashFn, newNodes: new Map(), replaced };
  const entries = normalise(hashFn, changes);
  const startKind: Kind = isEmptyHash(root) ? "empty" : "unknown";
  const result = update(ctx, { hash: root, kind: startKind }, 0, entries, 0, entries.length);
  // A fresh array for the empty root: callers may keep or change the root they get back.
  const newRoot = result.hash === EMPTY_ROOT ? new Uint8Array(HASH_BYTES) : result.hash;
  // Hashes are unique within a tree and the new root reaches only untouched subtrees of the old
  // one (not on a changed path) and new nodes, so a replaced node lives on only if rebuilt.
  const staleNodes: string[] = [];
  for (const hash of replaced ?? []) {
    if (!ctx.newNodes.delete(hash)) staleNodes.push(hash);
  }
  return { root: newRoot, newNodes: ctx.newNodes, staleNodes };
}

function normalise(hashFn: HashFn, changes: readonly StateChange[]): Entry[] {
  const byPath = new Map<string, Entry>();
  for (const c of changes) {
    checkSizes(c);
    const path = hashFn(c.key);
    const id = toHex(path);
    const prior = byPath.get(id);
    if (prior !== undefined) checkSameKey(prior.key, c.key, path);
    byPath.set(id, { path, key: c.key, value: c.value });
  }
  return [...byPath.values()].sort((a, b) => compareBytes(a.path, b.path));
}

// Checked up front so a bad change fails the batch before any work, with a clear code.
function checkSizes(c: StateChange): void {
  if (c.key.length > MAX_STATE_KEY_BYTES) {
    throw new StateError(
      "STATE_KEY_TOO_LONG",
      `state key is ${c.key.length} bytes, max ${MAX_STATE_KEY_BYTES}`,
      {
        size: c.key.length,
      },
    );
  }
  if (c.value !== undefined && c.value.length > MAX_STATE_VALUE_BYTES) {
    throw new StateError(
      "STATE_VALUE_TOO_LONG",
      `state value is ${c.value.length} bytes, max ${MAX_STATE_VALUE_BYTES}`,
      { size: c.value.length, key: toHex(c.key) },
    );
  }
}

function checkSameKey(a: Uint8Array, b: Uint8Array, path: Uint8Array): void {
  if (!bytesEqual(a, b)) {
    throw new StateError("STATE_KEY_COLLISION", "two different keys hash to one path", { path: toHex(path) });
  }
}

/** The new subtree at `depth` after applying entries[lo, hi), which all lie under it. */
function update(ctx: Ctx, sub: Sub, depth: number, entries: Entry[], lo: number, hi: number): Sub {
  if (lo === hi) return sub;
  if (sub.kind === "empty" || isEmptyHash(sub.hash)) return build(ctx, depth, live(entries.slice(lo, hi)));
  const node = loadNode(ctx.store, sub.hash);
  ctx.replaced?.add(toHex(sub.hash));
  if (node.kind === "leaf") return build(ctx, depth, live(mergeLeaf(ctx, node.value, entries.slice(lo, hi))));
  const mid = splitPoint(entries, lo, hi, depth);
  const left = update(ctx, { hash: node.value.left, kind: "unknown" }, depth + 1, entries, lo, mid);
  const right = update(ctx, { hash: node.value.right, kind: "unknown" }, depth + 1, entries, mid, hi);
  return join(ctx, left, right);
}

/** The existing leaf joins the changes unless one of them sets or deletes its key. */
function mergeLeaf(ctx: Ctx, leaf: { key: Uint8Array; value: Uint8Array }, changes: Entry[]): Entry[] {
  const path = ctx.hashFn(leaf.key);
  let at = 0;
  while (at < changes.length && compareBytes(changes[at]!.path, path) < 0) at++;
  const same = changes[at];
  if (same !== undefined && bytesEqual(same.path, path)) {
    checkSameKey(same.key, leaf.key, path);
    return changes;
  }
  const merged = changes.slice();
  merged.splice(at, 0, { path, key: leaf.key, value: leaf.value });
  return merged;
}

function live(entries: Entry[]): Entry[] {
  return entries.filter((e) => e.value !== undefined);
}

/** First index in [lo, hi) whose path has bit `depth` set; the range is sorted by path. */
function splitPoint(entries: Entry[], lo: number, hi: number, depth: number): number {
  let a = lo;
  let b = hi;
  while (a < b) {
    const m = (a + b) >>> 1;
    if (pathBit(entries[m]!.path, depth) === 0) a = m + 1;
    else b = m;
  }
  return a;
}

/** The subtree at `depth` holding exactly these entries (sorted, distinct, all with values). */
function build(ctx: Ctx, depth: number, entries: Entry[]): Sub {
  if (entries.length === 0) return EMPTY;
  if (entries.length === 1) {
    const e = entries[0]!;
    return writeLeaf(ctx, e.path, e.key, e.value!);
  }
  if (depth >= 8 * HASH_BYTES) {
    throw new StateError("STATE_KEY_COLLISION", "two entries share a full 256-bit path", {
      path: toHex(entries[0]!.path),
    });
  }
  const mid = splitPoint(entries, 0, entries.length, depth);
  const left = build(ctx, depth + 1, entries.slice(0, mid));
  const right = build(ctx, depth + 1, entries.slice(mid));
  return join(ctx, left, right);
}

/** An inner node over two subtrees, collapsing so a lone leaf moves up to the shallowest depth. */
function join(ctx: Ctx, left: Sub, right: Sub): Sub {
  // Only a subtree next to an empty one needs its kind, which may cost a store read.
  if (isEmptySub(left)) {
    if (isEmptySub(right)) return EMPTY;
    if (resolveKind(ctx, right) === "leaf") return right;
  } else if (isEmptySub(right) && resolveKind(ctx, left) === "leaf") {
    return left;
  }
  const hash = smtInnerHash(ctx.hashFn, left.hash, right.hash);
  const node: SmtNode = { kind: "inner", value: { left: left.hash, right: right.hash } };
  ctx.newNodes.set(toHex(hash), encode(smtNodeCodec, node, 1 + 2 * HASH_BYTES));
  return { hash, kind: "inner" };
}

function isEmptySub(sub: Sub): boolean {
  return sub.kind === "empty" || (sub.kind === "unknown" && isEmptyHash(sub.hash));
}

function resolveKind(ctx: Ctx, sub: Sub): Kind {
  if (sub.kind !== "unknown") return sub.kind;
  if (isEmptyHash(sub.hash)) return "empty";
  return loadNode(ctx.store, sub.hash).kind;
}

function writeLeaf(ctx: Ctx, path: Uint8Array, key: Uint8Array, value: Uint8Array): Sub {
  const hash = smtLeafHash(ctx.hashFn, path, ctx.hashFn(value));
  const node: SmtNode = { kind: "leaf", value: { key, value } };
  ctx.newNodes.set(toHex(hash), encode(smtNodeCodec, node, 16 + key.length + value.length));
  return { hash, kind: "leaf" };
}
