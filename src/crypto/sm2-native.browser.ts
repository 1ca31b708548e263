import type { NativeStatus, Sm2Addon } from "./sm2-native.js";

/** The browser's sm2-native.ts: no addon, so SM2 runs on the pure-JavaScript implementation. */
export type { NativeKeyHandle, NativeStatus, Sm2Addon } from "./sm2-native.js";

const status: NativeStatus = { available: false, reason: "a browser has no native SM2 addon" };

export function sm2Addon(): Sm2Addon | null {
  return null;
}

export function sm2NativeStatus(): NativeStatus {
  return { ...status };
}
