/**
 * Transactions, generic over the operation type: the app layer supplies the codec of its
 * operations and the ledger never looks inside them.
 *
 * Encoding of an unsigned tx: chainId string(64), sender bytes(128), nonce u64,
 * expiryHeight u64, op. A signed tx is the unsigned encoding followed by signature
 * bytes(128). A signer signs "MKL/tx/v1" (ASCII, no length prefix) || the unsigned encoding.
 * An encoded signed tx is at most MAX_TX_BYTES.
 */
import type { PrivateKey } from "../crypto/suite.js";
import { domainBytes } from "./bytes.js";
import { bytes, type Codec, decode, encode, Reader, string, struct, u64 } from "./codec.js";
import { TxError } from "./errors.js";
import { type Hasher, type LedgerSuite, verifySignatureBytes } from "./suite.js";

export const MAX_TX_BYTES = 64 * 1024;
export const MAX_CHAIN_ID_BYTES = 64;
/** Public keys are 32 (ed25519) or 65 (SEC1 uncompressed) bytes; room for a future suite. */
export const MAX_PUBLIC_KEY_BYTES = 128;
/** Signatures are at most 72 bytes (DER ECDSA/SM2); room for a future suite. */
export const MAX_SIGNATURE_BYTES = 128;
export const TX_SIGN_DOMAIN = "MKL/tx/v1";

export interface UnsignedTx<Op> {
  chainId: string;
  /** Public key bytes of the signer, canonical per suite. */
  sender: Uint8Array;
  /** Chosen by the sender; the app defines the nonce rule (for example, next in sequence). */
  nonce: bigint;
  /** Last height at which the tx may be included. */
  expiryHeight: bigint;
  op: Op;
}

export interface SignedTx<Op> extends UnsignedTx<Op> {
  signature: Uint8Array;
}

export interface TxCodecs<Op> {
  unsigned: Codec<UnsignedTx<Op>>;
  signed: Codec<SignedTx<Op>>;
}

export const chainIdCodec = string(MAX_CHAIN_ID_BYTES);
export const publicKeyCodec = bytes(MAX_PUBLIC_KEY_BYTES);
export const signatureCodec = bytes(MAX_SIGNATURE_BYTES);

export function makeTxCodecs<Op>(opCodec: Codec<Op>): TxCodecs<Op> {
  const fields = {
    chainId: chainIdCodec,
    sender: publicKeyCodec,
    nonce: u64,
    expiryHeight: u64,
    op: opCodec,
  };
  const unsigned: Codec<UnsignedTx<Op>> = struct(fields);
  const signed: Codec<SignedTx<Op>> = struct({ ...fields, signature: signatureCodec });
  return { unsigned, signed };
}

const txDomain = domainBytes(TX_SIGN_DOMAIN);

/** The bytes a sender signs: the domain prefix then the canonical unsigned tx. */
export function txSignBytes<Op>(unsigned: UnsignedTx<Op>, codecs: TxCodecs<Op>): Uint8Array {
  const body = encode(codecs.unsigned, unsigned);
  const out = new Uint8Array(txDomain.length + body.length);
  out.set(txDomain);
  out.set(body, txDomain.length);
  return out;
}

export function signTx<Op>(
  suite: LedgerSuite,
  privateKey: PrivateKey,
  unsigned: UnsignedTx<Op>,
  codecs: TxCodecs<Op>,
): SignedTx<Op> {
  const signature = suite.sign(privateKey, txSignBytes(unsigned, codecs));
  return {
    chainId: unsigned.chainId,
    sender: unsigned.sender,
    nonce: unsigned.nonce,
    expiryHeight: unsigned.expiryHeight,
    op: unsigned.op,
    signature,
  };
}

/**
 * True when tx.signature is the sender's signature of the tx. False, never a throw, for a
 * malformed sender key or signature: a hostile tx must not crash block execution.
 */
export function verifyTxSignature<Op>(suite: LedgerSuite, tx: SignedTx<Op>, codecs: TxCodecs<Op>): boolean {
  return verifySignatureBytes(suite, tx.sender, txSignBytes(tx, codecs), tx.signature);
}

export function encodeSignedTx<Op>(tx: SignedTx<Op>, codecs: TxCodecs<Op>): Uint8Array {
  const out = encode(codecs.signed, tx, 512);
  if (out.length > MAX_TX_BYTES) throw tooLarge(out.length);
  return out;
}

/** Decodes a signed tx, refusing more than MAX_TX_BYTES before parsing. */
export function decodeSignedTx<Op>(bytes: Uint8Array, codecs: TxCodecs<Op>): SignedTx<Op> {
  if (bytes.length > MAX_TX_BYTES) throw tooLarge(bytes.length);
  return decode(codecs.signed, bytes);
}

/**
 * The sender key of an encoded tx, read from its first fields without decoding or verifying the
 * rest: enough to count a client's submissions by signer before any expensive check.
 */
export function senderOf(bytes: Uint8Array): Uint8Array | undefined {
  try {
    const reader = new Reader(bytes);
    chainIdCodec.decode(reader);
    return publicKeyCodec.decode(reader);
  } catch {
    return undefined;
  }
}

function tooLarge(size: number): TxError {
  return new TxError("TX_TOO_LARGE", `tx is ${size} bytes, max ${MAX_TX_BYTES}`, { size, max: MAX_TX_BYTES });
}

/** The tx id: the suite's hash of the encoded signed tx (the exact bytes in the block). */
export function txHash(suite: Hasher, encodedSignedTx: Uint8Array): Uint8Array {
  return suite.hash(encodedSignedTx);
}

/** Envelope rules every tx obeys whatever its op: right chain, not expired at this height. */
export function checkTxEnvelope<Op>(tx: UnsignedTx<Op>, chainId: string, height: bigint): void {
  if (tx.chainId !== chainId) {
    throw new TxError("TX_WRONG_CHAIN", `tx is for chain ${tx.chainId}, not ${chainId}`, {
      txChainId: tx.chainId,
      chainId,
    });
  }
  if (height > tx.expiryHeight) {
    throw new TxError("TX_EXPIRED", `tx expired at height ${tx.expiryHeight}`, {
      expiryHeight: String(tx.expiryHeight),
      height: String(height),
    });
  }
}
