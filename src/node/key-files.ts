import { randomBytes } from "node:crypto";
import { systemClock } from "../clock.js";
import { getSuite } from "../crypto/index.js";
import type { KeyPair, PrivateKey } from "../crypto/suite.js";
import {
  encryptPrivateKey,
  type ParsedCertificate,
  parseCertificate,
  readPrivateKeyFile,
} from "../pki/index.js";
import { readTextFile } from "./files.js";

/**
 * Keys and certificates on disk, for the node and every tool beside it (CLI, connectors): the
 * pki layer parses and encrypts, this module adds the file, the randomness and the clock.
 */

/** A private key as PKCS#8 PEM, or encrypted (scrypt + the suite's seal) under a passphrase. */
export function keyFileText(key: PrivateKey, passphrase: string | undefined): string {
  if (passphrase === undefined) return getSuite(key.suite).privateKeyToPem(key);
  return encryptPrivateKey(key, passphrase, new Uint8Array(randomBytes(16)));
}

export function readKeyFile(path: string, passphrase: string | undefined): PrivateKey {
  return readPrivateKeyFile(readTextFile(path), passphrase);
}

/** The private key of a file and its public key. */
export function readKeyPairFile(path: string, passphrase?: string): KeyPair {
  const privateKey = readKeyFile(path, passphrase);
  return { privateKey, publicKey: getSuite(privateKey.suite).publicKeyOf(privateKey) };
}

export function readCertificateFile(path: string): ParsedCertificate {
  return parseCertificate(readTextFile(path));
}

/** A random positive 128-bit serial whose first byte is 0x01..0x7f (a minimal DER INTEGER). */
export function randomSerial(): Uint8Array {
  const serial = new Uint8Array(randomBytes(16));
  serial[0] = serial[0]! & 0x7f || 1;
  return serial;
}

/** Now, whole seconds, an hour back so a peer whose clock is a little behind accepts it. */
export function validityStartMs(): bigint {
  const now = BigInt(systemClock.now());
  return now - (now % 1000n) - 3_600_000n;
}
