/**
 * Validator sets and their hash. validatorSetHash is the RFC 6962 root over the encoded
 * (publicKey bytes(128), power u64) of each validator, sorted by public key bytes, so the
 * hash does not depend on the order a set is listed in.
 */
import { compareBytes, type HashFn, toHex } from "./bytes.js";
import { encode, struct, u64 } from "./codec.js";
import { BlockError } from "./errors.js";
import { merkleRoot } from "./merkle.js";
import { publicKeyCodec } from "./tx.js";

export interface Validator {
  /** Canonical public key bytes of the chain's suite. */
  publicKey: Uint8Array;
  /** Voting power, > 0. */
  power: bigint;
}

export const validatorCodec = struct({ publicKey: publicKeyCodec, power: u64 });

/** A copy sorted by public key; throws on a duplicate key or a power of zero. */
export function sortValidators(validators: readonly Validator[]): Validator[] {
  const sorted = [...validators].sort((a, b) => compareBytes(a.publicKey, b.publicKey));
  for (let i = 0; i < sorted.length; i++) {
    const v = sorted[i]!;
    if (v.power <= 0n) {
      throw new BlockError("VALIDATOR_ZERO_POWER", "a validator must have power > 0", {
        publicKey: toHex(v.publicKey),
      });
    }
    if (i > 0 && compareBytes(sorted[i - 1]!.publicKey, v.publicKey) === 0) {
      throw new BlockError("VALIDATOR_DUPLICATE", "a validator appears twice in the set", {
        publicKey: toHex(v.publicKey),
      });
    }
  }
  return sorted;
}

export function validatorSetHash(hashFn: HashFn, validators: readonly Validator[]): Uint8Array {
  const leaves = sortValidators(validators).map((v) => encode(validatorCodec, v, 128));
  return merkleRoot(hashFn, leaves);
}

/** Sum of the powers of a set. */
export function totalPower(validators: readonly Validator[]): bigint {
  let total = 0n;
  for (const v of validators) total += v.power;
  return total;
}
