import { bigIntToBytes, bytesToHex, toUint8Array } from "../bytes.js";
import { CURVES } from "../curves.js";
import { CryptoError } from "../errors.js";
import { Lru } from "../lru.js";
import { type NativeKeyHandle, type Sm2Addon, sm2Addon } from "../sm2-native.js";
import { SM2_DEFAULT_ID, sm2 } from "../sm2-pure.js";
import type { PrivateKey, PublicKey, Suite } from "../suite.js";
import { buildSuite, inScalarRange } from "./common.js";

/**
 * The SM suite: SM2 signatures (GB/T 32918.2, with the distinguishing ID in Z), SM3 hashes,
 * SM4 at rest. Signatures are r||s, 32 bytes each big-endian, r and s in [1, n-1]
 * (SM2 has no low-S rule: (r, n-s) is not a valid signature of the same message).
 */

/** An SM2 distinguishing ID: bytes, or a string taken as UTF-8. */
export type Sm2Id = Uint8Array | string;

export interface SmSuite extends Suite {
  readonly id: "sm";
  /** SM2 signature with a chosen distinguishing ID (sign() uses "1234567812345678"). */
  signWithId(privateKey: PrivateKey, message: Uint8Array, id: Sm2Id): Uint8Array;
  verifyWithId(publicKey: PublicKey, message: Uint8Array, signature: Uint8Array, id: Sm2Id): boolean;
  /** Z = SM3(ENTL || ID || a || b || G || Q), the value that binds a signature to an ID and key. */
  zDigest(publicKey: PublicKey, id?: Sm2Id): Uint8Array;
}

interface Sm2Impl {
  backend: "native" | "pure-js";
  publicKeyOf(d: Uint8Array): Uint8Array;
  sign(d: Uint8Array, message: Uint8Array, id: Uint8Array): Uint8Array;
  verify(pub: Uint8Array, message: Uint8Array, signature: Uint8Array, id: Uint8Array): boolean;
}

const N = CURVES.sm.n;
const DEFAULT_ID = SM2_DEFAULT_ID;

function idBytes(id: Sm2Id): Uint8Array {
  const bytes = typeof id === "string" ? new TextEncoder().encode(id) : id;
  if (bytes.length > 8191) throw new CryptoError("INVALID_ARGUMENT", "SM2 ID longer than 8191 bytes");
  return bytes;
}

const N_BYTES = bigIntToBytes(N, 32);

function inRange(signature: Uint8Array): boolean {
  return (
    signature.length === 64 &&
    inScalarRange(signature.subarray(0, 32), N_BYTES) &&
    inScalarRange(signature.subarray(32), N_BYTES)
  );
}

function pureImpl(): Sm2Impl {
  const derived = new WeakMap<Uint8Array, Uint8Array>();
  const publicKeyOf = (d: Uint8Array): Uint8Array => {
    let pub = derived.get(d);
    if (!pub) {
      pub = sm2.publicKeyOf(d);
      derived.set(d, pub);
    }
    return pub;
  };
  return {
    backend: "pure-js",
    publicKeyOf,
    sign: (d, message, id) => sm2.sign(d, publicKeyOf(d), message, id),
    verify: (pub, message, signature, id) => inRange(signature) && sm2.verify(pub, message, signature, id),
  };
}

function nativeImpl(addon: Sm2Addon): Sm2Impl {
  // Handles are OpenSSL EVP_PKEYs: private ones weakly by key bytes, public ones in an LRU.
  const privates = new WeakMap<Uint8Array, [NativeKeyHandle, Uint8Array]>();
  const publics = new Lru<string, NativeKeyHandle>(4096);
  const privateHandle = (d: Uint8Array): [NativeKeyHandle, Uint8Array] => {
    let entry = privates.get(d);
    if (!entry) {
      const [handle, pub] = addon.privateKey(toUint8Array(d));
      entry = [handle, new Uint8Array(pub)];
      privates.set(d, entry);
    }
    return entry;
  };
  const publicHandle = (pub: Uint8Array): NativeKeyHandle => {
    const key = bytesToHex(pub);
    let handle = publics.get(key);
    if (!handle) {
      handle = addon.publicKey(toUint8Array(pub));
      publics.set(key, handle);
    }
    return handle;
  };
  return {
    backend: "native",
    publicKeyOf: (d) => privateHandle(d)[1],
    sign: (d, message, id) => new Uint8Array(addon.sign(privateHandle(d)[0], id, message)),
    verify: (pub, message, signature, id) =>
      inRange(signature) && addon.verify(publicHandle(pub), id, message, signature),
  };
}

export function smSuite(backend: "native" | "pure-js"): SmSuite {
  let impl: Sm2Impl;
  if (backend === "native") {
    const addon = sm2Addon();
    if (!addon) throw new CryptoError("BACKEND_UNAVAILABLE", "the native SM2 addon is not loaded");
    impl = nativeImpl(addon);
  } else {
    impl = pureImpl();
  }
  const base = buildSuite({
    id: "sm",
    scheme: {
      backend: impl.backend,
      publicKeyOf: impl.publicKeyOf,
      sign: (d, message) => impl.sign(d, message, DEFAULT_ID),
      verify: (pub, message, signature) => impl.verify(pub, message, signature, DEFAULT_ID),
    },
  });
  return {
    ...base,
    id: "sm",
    signWithId: (privateKey, message, id) => {
      base.publicKeyOf(privateKey); // checks the suite and range of the key
      return impl.sign(privateKey.bytes, message, idBytes(id));
    },
    verifyWithId: (publicKey, message, signature, id) => {
      if (publicKey.suite !== "sm") return false;
      try {
        return impl.verify(publicKey.bytes, message, signature, idBytes(id));
      } catch {
        return false;
      }
    },
    zDigest: (publicKey, id = DEFAULT_ID) => sm2.z(publicKey.bytes, idBytes(id)),
  };
}
