/**
 * Proofs that a key has a value, or no value, in the state with a given root.
 *
 * A proof lists the sibling hashes along the key's path from the root down to where the path
 * ends (siblings[i] is the sibling of the path's node at depth i + 1) and what the path ends
 * at: an empty subtree, or a leaf given by (keyHash, valueHash). The leaf is the key's own
 * leaf for presence, or another key's shortcut leaf sitting where the key would be, for
 * absence. verifyStateProof needs only a hash function (light clients use it).
 *
 * Encoding: depth u16 (0..256), a bitmap of ceil(depth / 8) bytes (bit i, most significant
 * first, set when siblings[i] is not the empty hash; padding bits zero), the non-empty
 * siblings as 32 bytes each, then the end: tag u8 0 = empty, 1 = leaf, followed for a leaf by
 * keyHash and valueHash (32 bytes each). An empty sibling written out, or a set padding bit, is
 * CODEC_NON_CANONICAL, so each proof has one encoding.
 */
import { bytesEqual, type HashFn } from "../bytes.js";
import { type Codec, fixedBytes, type Reader, struct, taggedUnion, unit, type Writer } from "../codec.js";
import { CodecError, StateError } from "../errors.js";
import { EMPTY_ROOT, HASH_BYTES, isEmptyHash, pathBit, smtInnerHash, smtLeafHash } from "./nodes.js";
import { loadNode, type SmtNodeStore } from "./smt.js";

const MAX_DEPTH = 8 * HASH_BYTES;

export type ProofEnd =
  | { kind: "empty"; value: null }
  | { kind: "leaf"; value: { keyHash: Uint8Array; valueHash: Uint8Array } };

export interface StateProof {
  siblings: Uint8Array[];
  end: ProofEnd;
}

const proofEndCodec: Codec<ProofEnd> = taggedUnion("u8", {
  empty: { tag: 0, codec: unit },
  leaf: { tag: 1, codec: struct({ keyHash: fixedBytes(HASH_BYTES), valueHash: fixedBytes(HASH_BYTES) }) },
});

const hashCodec = fixedBytes(HASH_BYTES);

const siblingsCodec: Codec<Uint8Array[]> = {
  encode(siblings: Uint8Array[], w: Writer) {
    if (siblings.length > MAX_DEPTH) {
      throw new CodecError("CODEC_TOO_LONG", `proof deeper than ${MAX_DEPTH}`, { depth: siblings.length });
    }
    w.u16(siblings.length);
    const bitmap = new Uint8Array(Math.ceil(siblings.length / 8));
    siblings.forEach((s, i) => {
      if (!isEmptyHash(s)) bitmap[i >> 3]! |= 0x80 >> (i & 7);
    });
    w.raw(bitmap);
    for (const s of siblings) if (!isEmptyHash(s)) hashCodec.encode(s, w);
  },
  decode(r: Reader) {
    const offset = r.offset;
    const depth = r.u16();
    if (depth > MAX_DEPTH) {
      throw new CodecError("CODEC_TOO_LONG", `proof depth ${depth} exceeds ${MAX_DEPTH}`, { offset, depth });
    }
    const bitmap = r.raw(Math.ceil(depth / 8));
    const padding = depth % 8 === 0 ? 0 : 0xff >> (depth % 8);
    if (depth % 8 !== 0 && (bitmap[bitmap.length - 1]! & padding) !== 0) {
      throw new CodecError("CODEC_NON_CANONICAL", "proof bitmap padding bits must be zero", { offset });
    }
    const siblings: Uint8Array[] = [];
    for (let i = 0; i < depth; i++) {
      if (((bitmap[i >> 3]! >> (7 - (i & 7))) & 1) === 0) {
        siblings.push(EMPTY_ROOT.slice());
        continue;
      }
      const at = r.offset;
      const s = hashCodec.decode(r);
      if (isEmptyHash(s)) {
        throw new CodecError("CODEC_NON_CANONICAL", "an empty sibling must be left out of the proof", {
          offset: at,
        });
      }
      siblings.push(s);
    }
    return siblings;
  },
};

export const stateProofCodec: Codec<StateProof> = struct({ siblings: siblingsCodec, end: proofEndCodec });

/** A proof of key's value, or of its absence, in the state with this root. */
export function proveAt(store: SmtNodeStore, hashFn: HashFn, root: Uint8Array, key: Uint8Array): StateProof {
  const path = hashFn(key);
  const siblings: Uint8Array[] = [];
  let hash = root;
  for (let depth = 0; depth <= MAX_DEPTH; depth++) {
    if (isEmptyHash(hash)) return { siblings, end: { kind: "empty", value: null } };
    const node = loadNode(store, hash);
    if (node.kind === "leaf") {
      const end = { keyHash: hashFn(node.value.key), valueHash: hashFn(node.value.value) };
      return { siblings, end: { kind: "leaf", value: end } };
    }
    const right = pathBit(path, depth) === 1;
    siblings.push(right ? node.value.left : node.value.right);
    hash = right ? node.value.right : node.value.left;
  }
  throw new StateError("STATE_CORRUPT_NODE", "state path deeper than 256 levels");
}

/**
 * True when the proof shows that, in the state with this root, key maps to value (value
 * given) or is absent (value undefined). Returns false, never throws, on a malformed proof.
 */
export function verifyStateProof(
  hashFn: HashFn,
  root: Uint8Array,
  key: Uint8Array,
  value: Uint8Array | undefined,
  proof: StateProof,
): boolean {
  const { siblings, end } = proof;
  if (siblings.length > MAX_DEPTH || siblings.some((s) => s.length !== HASH_BYTES)) return false;
  const path = hashFn(key);
  let h: Uint8Array;
  if (end.kind === "empty") {
    if (value !== undefined) return false;
    h = EMPTY_ROOT;
  } else {
    const { keyHash, valueHash } = end.value;
    if (keyHash.length !== HASH_BYTES || valueHash.length !== HASH_BYTES) return false;
    if (value !== undefined) {
      if (!bytesEqual(keyHash, path) || !bytesEqual(valueHash, hashFn(value))) return false;
    } else if (bytesEqual(keyHash, path) || !sharesPrefix(keyHash, path, siblings.length)) {
      // Absence by another key's leaf: that leaf must sit on this key's path.
      return false;
    }
    h = smtLeafHash(hashFn, keyHash, valueHash);
  }
  for (let depth = siblings.length - 1; depth >= 0; depth--) {
    const s = siblings[depth]!;
    h = pathBit(path, depth) === 1 ? smtInnerHash(hashFn, s, h) : smtInnerHash(hashFn, h, s);
  }
  return bytesEqual(h, root);
}

function sharesPrefix(a: Uint8Array, b: Uint8Array, bits: number): boolean {
  for (let i = 0; i < bits; i++) if (pathBit(a, i) !== pathBit(b, i)) return false;
  return true;
}
