import { bytesToHex, hexToBytes, randomBytes } from "../../../src/crypto/bytes.js";
import { detectPemSuite, getSuite } from "../../../src/crypto/index.js";
import type { KeyPair, SuiteId } from "../../../src/crypto/suite.js";
import { LedgerError } from "../../../src/errors.js";
import { decryptPkcs8, encryptPkcs8, isEncryptedPkcs8 } from "../../../src/pki/encrypted-pkcs8.js";
import { userCodeOf } from "../../../src/pki/user-code.js";
import { listKeys, type StoredKey, saveKeys } from "./storage.js";

export type { StoredKey };

/**
 * Keys kept in this browser only: each as an encrypted PKCS#8 PEM (PBES2, PBKDF2-HMAC-SHA256,
 * AES-256-CBC) in localStorage, with its public key and user code beside it in the clear. The
 * private key is decrypted into memory when the user unlocks it and never leaves the page.
 */
async function store(label: string, pair: KeyPair, passphrase: string): Promise<StoredKey> {
  const suite = getSuite(pair.privateKey.suite);
  const encryptedPem = await encryptPkcs8(pair.privateKey, passphrase, {
    salt: randomBytes(16),
    iv: randomBytes(16),
  });
  const entry: StoredKey = {
    id: bytesToHex(randomBytes(8)),
    label,
    suite: suite.id,
    publicKeyHex: bytesToHex(pair.publicKey.bytes),
    userCode: userCodeOf(suite.hash, pair.publicKey.bytes),
    encryptedPem,
  };
  saveKeys([...listKeys(), entry]);
  return entry;
}

/** A new key pair of the chain's suite, stored encrypted under the passphrase. */
export async function createKey(
  suiteId: SuiteId,
  label: string,
  passphrase: string,
): Promise<{ entry: StoredKey; pair: KeyPair }> {
  const pair = getSuite(suiteId).generateKeyPair();
  return { entry: await store(label, pair, passphrase), pair };
}

/**
 * Imports a PKCS#8 PEM, plain or encrypted (then `pemPassphrase` opens it), and stores it
 * under `passphrase`. A key of another suite than the chain's is refused.
 */
export async function importKey(
  chainSuite: SuiteId,
  label: string,
  pem: string,
  passphrase: string,
  pemPassphrase?: string,
): Promise<{ entry: StoredKey; pair: KeyPair }> {
  const privateKey = isEncryptedPkcs8(pem)
    ? await decryptPkcs8(pem, pemPassphrase ?? passphrase)
    : getSuite(detectPemSuite(pem)).privateKeyFromPem(pem);
  if (privateKey.suite !== chainSuite) {
    throw new LedgerError("KEY_WRONG_SUITE", `the key is ${privateKey.suite}; this chain uses ${chainSuite}`);
  }
  const suite = getSuite(privateKey.suite);
  const pair = { privateKey, publicKey: suite.publicKeyOf(privateKey) };
  const existing = listKeys().find((k) => k.publicKeyHex === bytesToHex(pair.publicKey.bytes));
  if (existing) return { entry: existing, pair };
  return { entry: await store(label, pair, passphrase), pair };
}

export async function unlockKey(entry: StoredKey, passphrase: string): Promise<KeyPair> {
  const privateKey = await decryptPkcs8(entry.encryptedPem, passphrase);
  const publicKey = getSuite(privateKey.suite).publicKeyOf(privateKey);
  if (bytesToHex(publicKey.bytes) !== entry.publicKeyHex) {
    throw new LedgerError("KEY_FILE_BAD_PASSPHRASE", "the stored key does not match its public key");
  }
  return { privateKey, publicKey };
}

export function publicKeyOf(entry: StoredKey): Uint8Array {
  return hexToBytes(entry.publicKeyHex);
}
