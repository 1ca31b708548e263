import { isSuiteId, type SuiteId } from "../../../src/crypto/suite.js";

/**
 * The keys kept in this browser, as stored: each private key an encrypted PKCS#8 PEM, its
 * public key and user code beside it in the clear (see keystore.ts). No crypto here, so the
 * first page does not load it.
 */
export interface StoredKey {
  readonly id: string;
  readonly label: string;
  readonly suite: SuiteId;
  readonly publicKeyHex: string;
  readonly userCode: string;
  readonly encryptedPem: string;
  /** The certificate the organisation issued for this key, once pasted or fetched. */
  readonly certificatePem?: string;
}

const STORAGE_KEY = "mkl.keys.v1";

export function listKeys(): StoredKey[] {
  try {
    const parsed = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? "[]") as StoredKey[];
    return Array.isArray(parsed) ? parsed.filter((k) => isSuiteId(k.suite)) : [];
  } catch {
    return [];
  }
}

export function saveKeys(keys: readonly StoredKey[]): void {
  localStorage.setItem(STORAGE_KEY, JSON.stringify(keys));
}

export function updateKey(id: string, change: Partial<Pick<StoredKey, "label" | "certificatePem">>): void {
  saveKeys(listKeys().map((k) => (k.id === id ? { ...k, ...change } : k)));
}

export function removeKey(id: string): void {
  saveKeys(listKeys().filter((k) => k.id !== id));
}
