import { CryptoError } from "./errors.js";
import { sm2NativeStatus } from "./sm2-native.js";
import { isSuiteId, type Suite, type SuiteId } from "./suite.js";
import { ecdsaSuite } from "./suites/ecdsa.js";
import { ed25519Suite } from "./suites/ed25519.js";
import { type SmSuite, smSuite } from "./suites/sm.js";

export { bytesToHex, hexToBytes } from "./bytes.js";
export { PUBLIC_KEY_ENCODING, SIGNATURE_ENCODING } from "./encoding.js";
export { CryptoError, type CryptoErrorCode } from "./errors.js";
export { detectPemSuite } from "./pem.js";
export { type NativeStatus, sm2NativeStatus } from "./sm2-native.js";
export { SM2_DEFAULT_ID } from "./sm2-pure.js";
export * from "./suite.js";
export type { Sm2Id, SmSuite } from "./suites/sm.js";

export interface GetSuiteOptions {
  /** "auto" (default): native where it loads (node:crypto, the SM2 addon), else pure JS. */
  backend?: "auto" | "pure-js";
}

const cache = new Map<string, Suite>();

function create(id: SuiteId, pureJs: boolean): Suite {
  switch (id) {
    case "sm":
      return smSuite(pureJs || !sm2NativeStatus().available ? "pure-js" : "native");
    case "ecdsa-p256":
    case "ecdsa-secp256k1":
      return ecdsaSuite(id, pureJs ? "pure-js" : "native");
    case "ed25519":
      return ed25519Suite(pureJs ? "pure-js" : "native");
  }
}

/** The suite of a chain. Instances are cached: one per (suite, backend). */
export function getSuite(id: SuiteId, opts: GetSuiteOptions = {}): Suite {
  if (!isSuiteId(id)) throw new CryptoError("UNKNOWN_SUITE", `unknown crypto suite ${String(id)}`, { id });
  const pureJs = opts.backend === "pure-js";
  const key = `${id}/${pureJs ? "pure-js" : "auto"}`;
  let suite = cache.get(key);
  if (!suite) {
    suite = create(id, pureJs);
    cache.set(key, suite);
  }
  return suite;
}

/** The SM suite with its ID-aware extras (signWithId, verifyWithId, zDigest). */
export function getSmSuite(opts: GetSuiteOptions = {}): SmSuite {
  return getSuite("sm", opts) as SmSuite;
}
