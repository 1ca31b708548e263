import { fromHex, toHex } from "../ledger/bytes.js";
import { AccountError } from "./errors.js";

/** An account address: the first 20 bytes of the chain hash of the owner's public key. */
export const ADDRESS_BYTES = 20;

export function addressOf(hash: (data: Uint8Array) => Uint8Array, publicKey: Uint8Array): Uint8Array {
  return hash(publicKey).slice(0, ADDRESS_BYTES);
}

export function addressHex(address: Uint8Array): string {
  return toHex(address);
}

export function parseAddressHex(hex: string): Uint8Array {
  if (!/^[0-9a-f]{40}$/.test(hex)) {
    throw new AccountError("INVALID_ADDRESS", `an address is 40 lowercase hex digits, got "${hex}"`, {
      hex,
    });
  }
  return fromHex(hex);
}
