import { createRequire } from "node:module";

/** The native addon's surface (native/sm2/src/sm2.c). Handles are opaque OpenSSL EVP_PKEYs. */
export interface Sm2Addon {
  publicKey(pub65: Uint8Array): NativeKeyHandle;
  privateKey(d32: Uint8Array): [NativeKeyHandle, Uint8Array];
  sign(handle: NativeKeyHandle, id: Uint8Array, message: Uint8Array): Uint8Array;
  verify(handle: NativeKeyHandle, id: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
  opensslVersion(): string;
}

declare const nativeKeyBrand: unique symbol;
export type NativeKeyHandle = { readonly [nativeKeyBrand]: true };

export interface NativeStatus {
  available: boolean;
  reason?: string;
  opensslVersion?: string;
}

// Relative to this module: src/crypto/ when run from source, dist/src/crypto/ when compiled.
const CANDIDATES = ["../../native/sm2/build/Release/sm2.node", "../../../native/sm2/build/Release/sm2.node"];

interface Loaded {
  addon: Sm2Addon | null;
  status: NativeStatus;
}

let loaded: Loaded | undefined;

/** Tries each path (relative to this module) in turn; never throws. Exported for tests. */
export function loadSm2Addon(candidates: readonly string[] = CANDIDATES): Loaded {
  const require = createRequire(import.meta.url);
  const reasons: string[] = [];
  for (const path of candidates) {
    try {
      const addon = require(path) as Sm2Addon;
      return { addon, status: { available: true, opensslVersion: addon.opensslVersion() } };
    } catch (e) {
      reasons.push(`${path}: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`);
    }
  }
  const reason = `native SM2 addon not loaded (build it with "npm ci" or "npm run install"): ${reasons.join("; ")}`;
  return { addon: null, status: { available: false, reason } };
}

/** The addon, loaded once; null when it is not built or fails to load. */
export function sm2Addon(): Sm2Addon | null {
  loaded ??= loadSm2Addon();
  return loaded.addon;
}

export function sm2NativeStatus(): NativeStatus {
  loaded ??= loadSm2Addon();
  return { ...loaded.status };
}
