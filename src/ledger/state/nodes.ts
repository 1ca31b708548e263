/**
 * Nodes of the world-state sparse Merkle tree and how they are hashed and stored.
 *
 * - Path of a key: H(key), 256 bits, most significant bit of byte 0 first; 0 goes left.
 * - Leaf hash: H(0x00 || H(key) || H(value)). Inner hash: H(0x01 || left || right).
 * - Empty subtree: 32 zero bytes. This is safe because nobody can produce data whose SM3 or
 *   SHA-256 digest is all zeros (that would be a preimage attack), so no leaf or inner node
 *   can pose as an empty subtree and no empty subtree as a node. The 0x00/0x01 prefixes keep
 *   leaves and inner nodes apart.
 *
 * Stored bytes (the value under a node's hash in the content-addressed store), encoded with
 * the canonical codec: tag u8 0 = inner { left: 32 bytes, right: 32 bytes }, tag 1 = leaf
 * { key: bytes, value: bytes }. Leaves keep the whole key and value so any historical root
 * answers lookups and proofs on its own.
 */
import type { HashFn } from "../bytes.js";
import { bytes, type CodecType, fixedBytes, struct, taggedUnion } from "../codec.js";
import { nodeHash } from "../merkle.js";

export const HASH_BYTES = 32;
/** Bounds of state keys and values; the app's keys are short, records can be lists. */
export const MAX_STATE_KEY_BYTES = 1024;
export const MAX_STATE_VALUE_BYTES = 1024 * 1024;

/** The root of the empty tree and the hash of every empty subtree. Shared: never mutate it. */
export const EMPTY_ROOT: Uint8Array = new Uint8Array(HASH_BYTES);

export function isEmptyHash(h: Uint8Array): boolean {
  if (h.length !== HASH_BYTES) return false;
  for (let i = 0; i < HASH_BYTES; i++) if (h[i] !== 0) return false;
  return true;
}

export const smtNodeCodec = taggedUnion("u8", {
  inner: { tag: 0, codec: struct({ left: fixedBytes(HASH_BYTES), right: fixedBytes(HASH_BYTES) }) },
  leaf: { tag: 1, codec: struct({ key: bytes(MAX_STATE_KEY_BYTES), value: bytes(MAX_STATE_VALUE_BYTES) }) },
});
export type SmtNode = CodecType<typeof smtNodeCodec>;

export function smtLeafHash(hashFn: HashFn, keyHash: Uint8Array, valueHash: Uint8Array): Uint8Array {
  const buf = new Uint8Array(1 + 2 * HASH_BYTES);
  buf[0] = 0x00;
  buf.set(keyHash, 1);
  buf.set(valueHash, 1 + HASH_BYTES);
  return hashFn(buf);
}

export function smtInnerHash(hashFn: HashFn, left: Uint8Array, right: Uint8Array): Uint8Array {
  return nodeHash(hashFn, left, right);
}

/** Bit `depth` of a 256-bit path, most significant bit first. */
export function pathBit(path: Uint8Array, depth: number): 0 | 1 {
  return ((path[depth >> 3]! >> (7 - (depth & 7))) & 1) as 0 | 1;
}
