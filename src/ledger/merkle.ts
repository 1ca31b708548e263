/**
 * Merkle trees over ordered lists, per RFC 6962 section 2.1 (the Certificate Transparency
 * tree): leaf hash H(0x00 || data), node hash H(0x01 || left || right), the tree of n > 1
 * leaves split at the largest power of two k < n, the empty tree's root H("").
 *
 * Used for txRoot, resultsRoot and validatorSetHash. verifyInclusion needs nothing but a
 * hash function, so light clients (the SDK) can check a proof from an untrusted node.
 */
import { bytesEqual, type HashFn } from "./bytes.js";
import { MerkleError } from "./errors.js";

const LEAF_PREFIX = 0x00;
const NODE_PREFIX = 0x01;

export function leafHash(hashFn: HashFn, data: Uint8Array): Uint8Array {
  const buf = new Uint8Array(1 + data.length);
  buf[0] = LEAF_PREFIX;
  buf.set(data, 1);
  return hashFn(buf);
}

export function nodeHash(hashFn: HashFn, left: Uint8Array, right: Uint8Array): Uint8Array {
  const buf = new Uint8Array(1 + left.length + right.length);
  buf[0] = NODE_PREFIX;
  buf.set(left, 1);
  buf.set(right, 1 + left.length);
  return hashFn(buf);
}

/**
 * Levels of the tree bottom-up: levels[0] are the leaf hashes, the last level is the root.
 * Pairing neighbours and carrying an odd last node up unchanged builds exactly the RFC 6962
 * tree (its left subtrees are always perfect), without recursion.
 */
function buildLevels(hashFn: HashFn, leaves: readonly Uint8Array[]): Uint8Array[][] {
  let level = leaves.map((leaf) => leafHash(hashFn, leaf));
  const levels = [level];
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(nodeHash(hashFn, level[i]!, level[i + 1]!));
    if (level.length % 2 === 1) next.push(level[level.length - 1]!);
    levels.push(next);
    level = next;
  }
  return levels;
}

/** MTH(D[n]) of RFC 6962 over the given leaf data. */
export function merkleRoot(hashFn: HashFn, leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return hashFn(new Uint8Array(0));
  const levels = buildLevels(hashFn, leaves);
  return levels[levels.length - 1]![0]!;
}

/** The audit path PATH(index, D[n]) of RFC 6962: sibling hashes from the leaf up to the root. */
export function inclusionProof(hashFn: HashFn, leaves: readonly Uint8Array[], index: number): Uint8Array[] {
  if (!Number.isInteger(index) || index < 0 || index >= leaves.length) {
    throw new MerkleError(
      "MERKLE_INDEX_OUT_OF_RANGE",
      `leaf index ${index} outside tree of ${leaves.length}`,
      {
        index,
        treeSize: leaves.length,
      },
    );
  }
  const levels = buildLevels(hashFn, leaves);
  const path: Uint8Array[] = [];
  let i = index;
  for (let d = 0; d < levels.length - 1; d++) {
    const level = levels[d]!;
    const sibling = i ^ 1;
    // A node without a right neighbour is carried up and contributes no path element.
    if (sibling < level.length) path.push(level[sibling]!);
    i >>= 1;
  }
  return path;
}

/**
 * Checks that leafData is leaf number `index` of the tree of `treeSize` leaves with this
 * root, following RFC 9162 section 2.1.3.2. Returns false, never throws, on any bad input.
 */
export function verifyInclusion(
  hashFn: HashFn,
  root: Uint8Array,
  leafData: Uint8Array,
  index: number,
  treeSize: number,
  path: readonly Uint8Array[],
): boolean {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(treeSize) || index < 0 || index >= treeSize) {
    return false;
  }
  // fn and sn can exceed 2^31, so halve with Math.floor instead of 32-bit shifts.
  let fn = index;
  let sn = treeSize - 1;
  let r = leafHash(hashFn, leafData);
  for (const p of path) {
    if (p.length !== root.length || sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(hashFn, p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = nodeHash(hashFn, r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && bytesEqual(r, root);
}
