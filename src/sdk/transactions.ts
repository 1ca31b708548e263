import { addressOf } from "../app/address.js";
import { txCodecs } from "../app/executor.js";
import { checkOperation } from "../app/operations/check.js";
import type { Operation } from "../app/operations/index.js";
import type { KeyPair, Suite } from "../crypto/suite.js";
import { encodeSignedTx, signTx, txHash } from "../ledger/tx.js";

export interface TxEnvelope {
  chainId: string;
  nonce: bigint;
  /** Last height the transaction may be included at. */
  expiryHeight: bigint;
}

/**
 * Signs an operation as `signer` and returns the canonical bytes to submit and their hash. The
 * operation is checked first as the chain would check it (checkOperation): a field the chain
 * does not know, or a value its schema refuses, is an OperationInputError and nothing is signed.
 */
export function buildSignedTx(
  suite: Suite,
  signer: KeyPair,
  envelope: TxEnvelope,
  op: Operation,
): { bytes: Uint8Array; hash: Uint8Array } {
  checkOperation(op);
  const tx = signTx(suite, signer.privateKey, { ...envelope, sender: signer.publicKey.bytes, op }, txCodecs);
  const bytes = encodeSignedTx(tx, txCodecs);
  return { bytes, hash: txHash(suite, bytes) };
}

export function transferOp(to: Uint8Array, amountFen: bigint, memo = ""): Operation {
  return { kind: "transfer", value: { to, amountFen, memo } };
}

/** The account address of a key on this chain. */
export function addressOfKey(suite: Suite, publicKey: Uint8Array): Uint8Array {
  return addressOf(suite.hash, publicKey);
}
