import type { KeyObject } from "node:crypto";
import { bytesToHex } from "../bytes.js";
import { Lru } from "../lru.js";
import type { NodeSigning } from "../node-crypto.js";
import { encodePrivateKeyPem, encodePublicKeyPem } from "../pem.js";
import type { SuiteId } from "../suite.js";

/**
 * node:crypto KeyObjects for our raw keys. Parsing a key costs more than a verification,
 * so public keys are cached by bytes (bounded) and private keys by their byte array's
 * identity (weakly: a dropped key frees its KeyObject, and no secret is used as a map key).
 */

const publicKeys = new Lru<string, KeyObject>(4096);
const privateKeys = new WeakMap<Uint8Array, KeyObject>();

/** validate runs once per key, before OpenSSL sees it (OpenSSL is laxer than our decoding rules). */
export function publicKeyObject(
  node: NodeSigning,
  suite: SuiteId,
  pub: Uint8Array,
  validate?: (pub: Uint8Array) => void,
): KeyObject {
  const key = `${suite}:${bytesToHex(pub)}`;
  let obj = publicKeys.get(key);
  if (!obj) {
    validate?.(pub);
    obj = node.createPublicKey(encodePublicKeyPem(suite, pub));
    publicKeys.set(key, obj);
  }
  return obj;
}

export function privateKeyObject(
  node: NodeSigning,
  suite: SuiteId,
  d: Uint8Array,
  pub: Uint8Array,
): KeyObject {
  let obj = privateKeys.get(d);
  if (!obj) {
    obj = node.createPrivateKey(encodePrivateKeyPem(suite, d, pub));
    privateKeys.set(d, obj);
  }
  return obj;
}
