import * as nodeCrypto from "node:crypto";

/**
 * node:crypto's signing and key parsing, for the native ECDSA and Ed25519 schemes. In the
 * browser bundle node-crypto.browser.ts stands here and exports undefined, so every suite
 * runs on its pure-JavaScript scheme there.
 */
export interface NodeSigning {
  sign: typeof nodeCrypto.sign;
  verify: typeof nodeCrypto.verify;
  createPrivateKey: typeof nodeCrypto.createPrivateKey;
  createPublicKey: typeof nodeCrypto.createPublicKey;
}

export const nodeSigning: NodeSigning | undefined = {
  sign: nodeCrypto.sign,
  verify: nodeCrypto.verify,
  createPrivateKey: nodeCrypto.createPrivateKey,
  createPublicKey: nodeCrypto.createPublicKey,
};
