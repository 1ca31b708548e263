import { bech32m } from "@scure/base";
import { domainBytes } from "../ledger/bytes.js";
import { PkiError } from "./errors.js";

/**
 * User codes: "mkl1" + Bech32m of the first 10 bytes of hash("MKL/user-code/v1" || first public
 * key), 26 characters, lowercase. Bech32m detects every error of up to 4 characters, so a typo
 * never reaches the wrong payee. Derived from the FIRST key an identity registers, and kept
 * when the key rotates: the chain maps the code to the current key.
 */
export const USER_CODE_PREFIX = "mkl";
export const USER_CODE_BYTES = 10;
const DOMAIN = domainBytes("MKL/user-code/v1");

export function userCodeBytesOf(hash: (data: Uint8Array) => Uint8Array, publicKey: Uint8Array): Uint8Array {
  const input = new Uint8Array(DOMAIN.length + publicKey.length);
  input.set(DOMAIN);
  input.set(publicKey, DOMAIN.length);
  return hash(input).slice(0, USER_CODE_BYTES);
}

export function encodeUserCode(bytes: Uint8Array): string {
  if (bytes.length !== USER_CODE_BYTES) throw new PkiError("USER_CODE_INVALID", "a user code holds 10 bytes");
  return bech32m.encode(USER_CODE_PREFIX, bech32m.toWords(bytes));
}

export function userCodeOf(hash: (data: Uint8Array) => Uint8Array, publicKey: Uint8Array): string {
  return encodeUserCode(userCodeBytesOf(hash, publicKey));
}

/** Decodes a typed code; upper case is accepted (as Bech32 allows), mixed case is not. */
export function decodeUserCode(code: string): Uint8Array {
  const trimmed = code.trim();
  let decoded: { prefix: string; words: number[] };
  try {
    decoded = bech32m.decode(trimmed as `${string}1${string}`, 90);
  } catch (e) {
    throw new PkiError(
      "USER_CODE_INVALID",
      `"${code}" is not a valid user code (a typo?): ${e instanceof Error ? e.message : e}`,
      { code },
    );
  }
  if (decoded.prefix !== USER_CODE_PREFIX) {
    throw new PkiError("USER_CODE_INVALID", `a user code starts with "${USER_CODE_PREFIX}1"`, { code });
  }
  let bytes: Uint8Array;
  try {
    bytes = bech32m.fromWords(decoded.words);
  } catch {
    throw new PkiError("USER_CODE_INVALID", `"${code}" has invalid padding`, { code });
  }
  if (bytes.length !== USER_CODE_BYTES) {
    throw new PkiError("USER_CODE_INVALID", `"${code}" holds ${bytes.length} bytes, not ${USER_CODE_BYTES}`, {
      code,
    });
  }
  return bytes;
}

/** The canonical (lowercase) form of a valid code. */
export function normaliseUserCode(code: string): string {
  return encodeUserCode(decodeUserCode(code));
}
