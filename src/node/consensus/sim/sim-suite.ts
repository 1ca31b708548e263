import { getSuite } from "../../../crypto/index.js";
import type { Suite } from "../../../crypto/suite.js";
import { bytesEqual } from "../../../ledger/bytes.js";

const concat = (a: Uint8Array, b: Uint8Array): Uint8Array => {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
};

/**
 * Ed25519 keys with modelled signatures, so a thousand seeded runs fit the test budget: a
 * signature is H(public key ‖ message), twice, checked by recomputing it.
 * Everything else (hashing, key handling) is the real suite's. As in the core simulator,
 * signatures are modelled, not broken: the simulator's Byzantine nodes sign only with their own
 * key. `npm run sim -- --engine --suite ed25519` runs the same schedules on real signatures.
 */
let shared: Suite | undefined;

/** One instance per process: the chain caches per suite (the genesis block). */
export function simulatedSignatures(): Suite {
  shared ??= makeSuite();
  return shared;
}

function makeSuite(): Suite {
  const real = getSuite("ed25519");
  const mac = (publicKey: Uint8Array, message: Uint8Array) => {
    const digest = real.hash(concat(publicKey, message));
    return concat(digest, digest);
  };
  const publicKeys = new Map<string, Uint8Array>();
  const publicOf = (privateKey: Uint8Array): Uint8Array => {
    const id = Buffer.from(privateKey).toString("hex");
    let publicKey = publicKeys.get(id);
    if (publicKey === undefined) {
      publicKey = real.publicKeyOf({ suite: "ed25519", bytes: privateKey }).bytes;
      publicKeys.set(id, publicKey);
    }
    return publicKey;
  };
  // Parsing a point costs a square root; the simulation sees the same few keys all the time.
  const parsed = new Map<string, ReturnType<Suite["publicKeyFromBytes"]>>();
  const publicKeyFromBytes = (bytes: Uint8Array) => {
    const id = Buffer.from(bytes).toString("hex");
    let key = parsed.get(id);
    if (key === undefined) {
      key = real.publicKeyFromBytes(bytes);
      parsed.set(id, key);
    }
    return key;
  };
  return {
    ...real,
    publicKeyFromBytes,
    sign: (privateKey, message) => mac(publicOf(privateKey.bytes), message),
    verify: (publicKey, message, signature) =>
      signature.length === 64 && bytesEqual(signature, mac(publicKey.bytes, message)),
  };
}
